"""One syscall's strace line from crafted registers and memory, for the decoder tests:
``line("read", [3, 0x1000, 10], 3, exit={1: Mem(0x1000, b"hi\\n")})``."""

from __future__ import annotations

from vmstrace import decode
from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo
from vmstrace.syscalls import TABLES

WHO = TaskInfo(task=1, cr3=0, pid=9, tid=9)
NR = {info.name: nr for nr, info in TABLES["x86_64"].items()}


def line(name, args, ret, entry=None, exit=None, **opts):
    """An x86_64 call of ``name`` with these registers, memory read at entry and at exit
    (argument -> Mem), returning ``ret``, rendered with DecodeOptions(**opts)."""
    args = tuple(args) + (0,) * (6 - len(args))
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, 0, 0, NR[name], args, WHO, entry or {})
    x = RawExit(1, 0, "x86_64", Insn.SYSRETQ, 0, ret & (2**64 - 1), NR[name], WHO, exit or {})
    return decode.render_line(Syscall(e, x), decode.DecodeOptions(**opts))


def s(text: str) -> Mem:
    """A NUL-terminated string at 0x1000."""
    return Mem(0x1000, text.encode() + b"\0")
