"""Signal frames and siginfo rendering, on crafted bytes."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.abi import ARG_SIGFRAME, FRAME_RAX, FRAME_RIP, FRAME_SIGINFO
from vmstrace.core.events import (
    Insn,
    Mem,
    RawEntry,
    RawExit,
    Syscall,
    TaskInfo,
)
from vmstrace.decode.siginfo import format_siginfo


def siginfo(signo: int, code: int, *rest: int, fmt: str = "") -> bytes:
    head = struct.pack("<iii4x", signo, 0, code)
    return (head + struct.pack("<" + fmt, *rest)).ljust(128, b"\0")


@pytest.mark.parametrize(
    "info, hint, expected",
    [
        (
            siginfo(10, 0, 85, 0, fmt="iI"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=85, si_uid=0}",
        ),
        (
            siginfo(17, 1, 86, 0, 7, 0, 0, fmt="iIi4xqq"),
            0,
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=86, si_uid=0, si_status=7, "
            "si_utime=0, si_stime=0}",
        ),
        (
            siginfo(17, 2, 86, 0, 9, 1, 2, fmt="iIi4xqq"),
            0,
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=86, si_uid=0, si_status=SIGKILL, "
            "si_utime=1 /* 0.01 s */, si_stime=2 /* 0.02 s */}",
        ),
        (
            siginfo(11, 1, 0, fmt="Q"),
            0,
            "SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}",
        ),
        (
            siginfo(6, -6, 85, 0, fmt="iI"),
            0,
            "SIGABRT {si_signo=SIGABRT, si_code=SI_TKILL, si_pid=85, si_uid=0}",
        ),
        # SI_QUEUE: si_int and si_ptr when si_ptr is not NULL (strace 6.1 on the host)
        (
            siginfo(10, -1, 30100, 0, 0x7FFD00000007, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, si_uid=0, si_int=7, "
            "si_ptr=0x7ffd00000007}",
        ),
        (
            siginfo(10, -1, 30100, 0, 0xFFFFFFFB, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, si_uid=0, si_int=-5, "
            "si_ptr=0xfffffffb}",
        ),
        (
            siginfo(10, -1, 30100, 0, 0, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, si_uid=0}",
        ),
        (
            siginfo(10, 0, 30100, 0, 0x1234, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=30100, si_uid=0}",
        ),
        (bytes(128), 14, "SIGALRM {si_signo=SIGALRM}"),
        (bytes(128), 0, "SIG_0 {si_signo=SIG_0}"),
        (b"", 999, "SIG_0 {si_signo=SIG_0}"),
    ],
)
def test_format_siginfo(info, hint, expected):
    assert format_siginfo(info, hint) == expected


def call_with_frame(pc: int, frame_rax: int, frame_rip: int, user_pc: int, rax: int = 0):
    who = TaskInfo(task=1, cr3=0, pid=85, tid=85)
    frame = bytearray(FRAME_SIGINFO + 128)
    struct.pack_into("<Q", frame, FRAME_RAX, frame_rax)
    struct.pack_into("<Q", frame, FRAME_RIP, frame_rip)
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, pc, 0, 61, (0,) * 6, who)
    x = RawExit(
        1,
        0,
        "x86_64",
        Insn.IRETQ,
        0,
        rax,
        61,
        who,
        {ARG_SIGFRAME: Mem(0x7FF0, bytes(frame))},
        user_pc=user_pc,
    )
    return Syscall(e, x)


def test_result_comes_from_the_signal_frame():
    assert call_with_frame(0x401000, 86, 0x401002, user_pc=0x402000).ret == 86
    assert call_with_frame(0x401000, 2**64 - 4, 0x401002, user_pc=0x402000).ret == -4


def test_restarted_call_is_erestartsys():
    assert call_with_frame(0x401000, 61, 0x401000, user_pc=0x402000).ret == -512
    assert call_with_frame(0x401000, 219, 0x401000, user_pc=0x402000).ret == -516


def test_restart_without_handler_rewinds_rip():
    who = TaskInfo(task=1, cr3=0, pid=85, tid=85)
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, 0x401000, 0, 61, (0,) * 6, who)
    x = RawExit(1, 0, "x86_64", Insn.IRETQ, 0, 61, 61, who, user_pc=0x401000)
    assert Syscall(e, x).ret == -512


@pytest.mark.parametrize(
    ("info", "raw"),
    [
        # strace -X raw's printsiginfo: the signal in decimal, the code as %#x
        (
            siginfo(14, -6, 857, 0, fmt="iI"),
            "{si_signo=14, si_code=0xfffffffa, si_pid=857, si_uid=0}",
        ),
        (siginfo(10, 0, 86, 0, fmt="iI"), "{si_signo=10, si_code=0, si_pid=86, si_uid=0}"),
        (
            siginfo(17, 2, 90, 0, 9, 150, 0, fmt="iIi4xqq"),
            "{si_signo=17, si_code=0x2, si_pid=90, si_uid=0, si_status=9, si_utime=150, "
            "si_stime=0}",
        ),
    ],
)
def test_siginfo_raw(info, raw):
    from vmstrace.decode.siginfo import printsiginfo

    assert printsiginfo(info, raw=True) == raw
    assert "SIG" in printsiginfo(info)  # the abbreviated form names them
