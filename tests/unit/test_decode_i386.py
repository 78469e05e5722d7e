"""i386 calls: table rows, which templates apply, 32-bit pointers and returns."""

from __future__ import annotations

import struct

import pytest

from vmstrace import decode
from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo

WHO = TaskInfo(task=1, cr3=0, pid=9, tid=9)


def call(nr, args, ret, mem=None, exit_mem=None):
    a = tuple(args) + (0,) * (6 - len(args))
    e = RawEntry(0, 0, "i386", Insn.INT80, 0x8049000, 0, nr, a, WHO, mem or {})
    x = (
        None
        if ret is None
        else RawExit(1, 0, "i386", Insn.IRETQ, 0, ret & 0xFFFFFFFF, nr, WHO, exit_mem or {})
    )
    return Syscall(e, x)


@pytest.mark.parametrize(
    "nr, name, nargs",
    [
        (5, "open", 3),
        (140, "_llseek", 5),
        (192, "mmap2", 6),
        (195, "stat64", 2),
        (252, "exit_group", 1),
        (11, "execve", 3),
        (199, "getuid32", 0),
    ],
)
def test_table(nr, name, nargs):
    info = decode.lookup("i386", nr)
    assert (info.name, info.nargs) == (name, nargs)


def test_neutral_template_and_32bit_error():
    c = call(5, [0x1000, 0], -2, {0: Mem(0x1000, b"/x\0")})
    assert decode.render_line(c) == 'open("/x", O_RDONLY) = -1 ENOENT (No such file or directory)'


def test_struct_template_is_not_applied_with_x86_64_layout():
    # getitimer's struct itimerval differs on i386 and has no i386 layout yet: raw
    # arguments, not a misread struct (stat64 and the others have theirs:
    # test_decode_i386_structs.py)
    c = call(105, [0, 0x1000], 0, None, {1: Mem(0x1000, bytes(32), at_exit=True)})
    assert decode.render_line(c) == "getitimer(0, 0x1000) = 0"


def test_envp_counts_32bit_pointers():
    argv = struct.pack("<II", 0x3000, 0)
    envp = struct.pack("<IIII", 0x4000, 0x4010, 0x4020, 0)
    c = call(
        11,
        [0x1000, 0x2000, 0x2100],
        0,
        {
            0: Mem(0x1000, b"/bin/x\0"),
            1: Mem(0x2000, argv, elems=(Mem(0x3000, b"x\0"),)),
            2: Mem(0x2100, envp),
        },
    )
    assert decode.render_line(c) == 'execve("/bin/x", ["x"], 0x2100 /* 3 vars */) = 0'


def test_i386_captures_are_in_the_spec():
    entries = decode.capture_entries(decode.DecodeOptions())
    assert ("32", 5, 0) in {(abi, nr, arg) for abi, nr, arg, _ in entries}
    assert ("32", 195, 1) in {(abi, nr, arg) for abi, nr, arg, _ in entries}  # stat64
    assert not any(abi == "32" and nr == 105 for abi, nr, _, _ in entries)  # getitimer


def test_calls_of_registers_and_u32_structs_decode_for_i386_too():
    # personality (136), mount (21), capget (184): what a 32-bit sample disables, mounts or
    # asks of its capabilities prints as for x86_64 (ABI_NEUTRAL)
    assert decode.render_line(call(136, [0x0040000], 0)) == (
        "personality(PER_LINUX|ADDR_NO_RANDOMIZE) = 0 (PER_LINUX)"
    )
    mem = {0: Mem(0x1000, b"none\0"), 1: Mem(0x2000, b"/mnt\0"), 2: Mem(0x3000, b"tmpfs\0")}
    assert decode.render_line(call(21, [0x1000, 0x2000, 0x3000, 0, 0], 0, mem)) == (
        'mount("none", "/mnt", "tmpfs", 0, NULL) = 0'
    )
    hdr = {0: Mem(0x1000, struct.pack("<Ii", 0x20080522, 0))}
    sets = {1: Mem(0x2000, struct.pack("<6I", 1, 1, 0, 0, 0, 0), at_exit=True)}
    assert decode.render_line(call(184, [0x1000, 0x2000], 0, hdr, sets)) == (
        "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, "
        "{effective=1<<CAP_CHOWN, permitted=1<<CAP_CHOWN, inheritable=0}) = 0"
    )


def test_a_32bit_module_load_and_bpf_print_as_for_x86_64():
    # finit_module (350), delete_module (129), bpf (357): what a 32-bit rootkit loader does
    mem = {1: Mem(0x1000, b"\0")}
    assert decode.render_line(call(350, [3, 0x1000, 2], 0, mem)) == (
        'finit_module(3, "", MODULE_INIT_IGNORE_VERMAGIC) = 0'
    )
    mem = {0: Mem(0x1000, b"rootkit\0")}
    assert decode.render_line(call(129, [0x1000, 0x800], -2 & 0xFFFFFFFF, mem)) == (
        'delete_module("rootkit", O_NONBLOCK) = -1 ENOENT (No such file or directory)'
    )
    assert decode.render_line(call(357, [0xFACEFEED, 0, 0], -22 & 0xFFFFFFFF)) == (
        "bpf(0xfacefeed /* BPF_??? */, NULL, 0) = -1 EINVAL (Invalid argument)"
    )
