"""Inputs read again at exit: an entry read that faulted (a page the guest had not yet
touched) is retried when the call returns (captures ``when="both"``), and the decoder
prints the exit read then.  Expected lines are strace 6.1's for the same call."""

from __future__ import annotations

import struct

import pytest

from conftest import build_call
from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo
from vmstrace.decode import TABLES, DecodeOptions, capture_entries, render_line

A = 0x10000000  # the input's address: unreadable at entry, readable at exit


def neg(n: int) -> int:
    return n & ((1 << 64) - 1)


def faulted() -> Mem:
    return Mem(A, b"", fault=True)


def good(data: bytes, elems: tuple[Mem, ...] = ()) -> Mem:
    return Mem(A, data, at_exit=True, elems=elems)


CASES = [
    ("write", [1, A, 5], 5, 1, good(b"hello"), 'write(1, "hello", 5) = 5'),
    ("sendto", [3, A, 2, 0, 0, 0], 2, 1, good(b"hi"), 'sendto(3, "hi", 2, 0, NULL, 0) = 2'),
    (
        "connect",
        [3, A, 16],
        0,
        1,
        good(struct.pack("<HH4s8x", 2, 0x3500, bytes([127, 0, 0, 1]))),
        'connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}, '
        "16) = 0",
    ),
    (
        "setxattr",
        [0x1000, 0x2000, A, 3, 0],
        0,
        2,
        good(b"abc"),
        'setxattr("/f", "user.x", "abc", 3, 0) = 0',
    ),
    (
        "writev",
        [1, A, 1],
        2,
        1,
        good(struct.pack("<QQ", 0xB000, 2), (Mem(0xB000, b"ok", at_exit=True),)),
        'writev(1, [{iov_base="ok", iov_len=2}], 1) = 2',
    ),
    (
        "nanosleep",
        [A, 0],
        0,
        0,
        good(struct.pack("<qq", 1, 5)),
        "nanosleep({tv_sec=1, tv_nsec=5}, NULL) = 0",
    ),
    ("setgroups", [2, A], 0, 1, good(struct.pack("<II", 0, 4)), "setgroups(2, [0, 4]) = 0"),
    (
        "sched_setaffinity",
        [0, 8, A],
        0,
        2,
        good(struct.pack("<Q", 3)),
        "sched_setaffinity(0, 8, [0 1]) = 0",
    ),
    (
        "epoll_ctl",
        [3, 1, 4, A],
        0,
        3,
        good(struct.pack("<IQ", 1, 4)),
        "epoll_ctl(3, EPOLL_CTL_ADD, 4, {events=EPOLLIN, data={u32=4, u64=4}}) = 0",
    ),
    (
        "setsockopt",
        [3, 1, 2, A, 4],
        0,
        3,
        good(struct.pack("<i", 1)),
        "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    ),
    (
        "copy_file_range",
        [3, A, 4, 0, 10, 0],
        10,
        1,
        good(struct.pack("<q", 7)),
        "copy_file_range(3, [7], 4, NULL, 10, 0) = 10",
    ),
    (
        "futex",
        [0x7000, 0, 1, A, 0, 0],
        neg(-110),
        3,
        good(struct.pack("<qq", 0, 1000)),
        "futex(0x7000, FUTEX_WAIT, 1, {tv_sec=0, tv_nsec=1000}) "
        "= -1 ETIMEDOUT (Connection timed out)",
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "ret", "arg", "exit_mem", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_exit_read_replaces_a_faulted_entry_read(name, args, ret, arg, exit_mem, expected):
    entry: dict[int, Mem | bytes] = {arg: faulted()}
    if name == "setxattr":
        entry.update({0: b"/f\0", 1: b"user.x\0"})
    call = build_call(name, args, ret, entry, {arg: exit_mem})
    assert render_line(call, DecodeOptions()) == expected


def test_entry_read_alone_is_still_the_address():
    call = build_call("write", [1, A, 5], neg(-14), {1: faulted()}, {1: Mem(A, b"", True)})
    assert render_line(call) == "write(1, 0x10000000, 5) = -1 EFAULT (Bad address)"


# Arguments read at entry only on purpose: another capture of the same argument reads it
# at exit anyway (in/out values: the decoder shows the entry read, an exit read would be
# the kernel's answer), or the read is not of guest memory (fd: the kernel's file table).
def _entry_only(abi: str) -> set[tuple[str, int]]:
    """(name, argument) of the captures of ``abi`` read at entry and never at exit."""
    out = set()
    by_nr = {
        ("64" if a == "x86_64" else "32", nr): info.name
        for a in TABLES
        for nr, info in TABLES[a].items()
    }
    caps: dict[tuple[str, int, int], set[str]] = {}
    for spec_abi, nr, arg, cap in capture_entries(DecodeOptions()):
        if spec_abi == abi and cap.kind != "fd":
            caps.setdefault((spec_abi, nr, arg), set()).add(cap.when)
    for (spec_abi, nr, arg), whens in caps.items():
        if whens == {"entry"}:
            out.add((by_nr[(spec_abi, nr)], arg))
    return out


@pytest.mark.parametrize("abi", ["64", "32"])
def test_every_input_read_is_retried_at_exit(abi):
    assert _entry_only(abi) == set()


def test_i386_socketcall_arguments_read_again():
    nr = {i.name: n for n, i in TABLES["i386"].items()}["socketcall"]
    who = TaskInfo(task=1, cr3=0, pid=9, tid=9)
    e = RawEntry(
        0, 0, "i386", Insn.SYSENTER, 0xF7F00000, 0, nr, (1, A, 0, 0, 0, 0), who, {1: faulted()}
    )
    x = RawExit(1, 0, "i386", Insn.SYSEXIT, 0, 5, nr, who, {1: good(struct.pack("<III", 2, 1, 0))})
    assert render_line(Syscall(e, x)) == "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 5"
