"""The typed events that flow between the stages: raw capture → paired syscall.

Every stage passes these small frozen dataclasses; nothing downstream reads the
binary stream, and nothing upstream knows what a syscall means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Insn(IntEnum):
    """The instruction the plugin trapped (values are the record stream's codes)."""

    SYSCALL = 1
    SYSENTER = 2
    INT80 = 3
    SYSRETQ = 4
    SYSRETL = 5
    SYSEXIT = 6
    IRETQ = 7


@dataclass(frozen=True)
class Mem:
    """Guest memory the plugin read for one argument (or one element of an array).

    ``data`` holds what could be read; ``fault`` says a read failed (``data`` is then the
    readable prefix, often empty); ``truncated`` says the capture cap was hit before the
    end (no NUL within the cap for strings, length larger than the cap for buffers).
    ``elems`` holds the element reads of an ``iov`` or ``strarr`` capture, in order.
    """

    addr: int
    data: bytes
    fault: bool = False
    truncated: bool = False
    at_exit: bool = False
    elems: tuple[Mem, ...] = ()


@dataclass(frozen=True)
class TaskInfo:
    """Who ran the call, read from the guest kernel's task_struct (None where unknown)."""

    task: int  # task_struct address; 0 when it could not be read
    cr3: int
    pid: int | None = None  # thread group id
    tid: int | None = None
    ppid: int | None = None
    comm: str | None = None


@dataclass(frozen=True)
class RawEntry:
    ts: int
    vcpu: int
    abi: str  # "x86_64" or "i386"
    insn: Insn
    pc: int
    sp: int
    nr: int
    args: tuple[int, int, int, int, int, int]
    who: TaskInfo
    mem: dict[int, Mem] = field(default_factory=dict)


@dataclass(frozen=True)
class RawExit:
    ts: int
    vcpu: int
    abi: str
    insn: Insn
    pc: int
    ret: int  # raw 64-bit register value, unsigned
    nr: int  # the plugin's own record of the pending entry's number; -1 if none
    who: TaskInfo
    mem: dict[int, Mem] = field(default_factory=dict)
    sp: int = 0  # the user stack pointer the thread returns to


@dataclass(frozen=True)
class Stats:
    """The plugin's counters, written when QEMU exits."""

    entries: int
    exits: int
    records: int
    bytes: int
    dropped: int


@dataclass(frozen=True)
class Syscall:
    """One completed (or never-returning) system call: an entry paired with its exit."""

    entry: RawEntry
    exit: RawExit | None  # None: the call does not return (exit_group) or the trace ended

    @property
    def ret(self) -> int | None:
        """The return value as a signed 64-bit (or 32-bit for i386) integer."""
        if self.exit is None:
            return None
        bits = 32 if self.entry.abi == "i386" else 64
        value = self.exit.ret & ((1 << bits) - 1)
        return value - (1 << bits) if value >> (bits - 1) else value

    def mem(self, arg: int) -> Mem | None:
        """The freshest memory read for an argument: the exit read wins over the entry one."""
        if self.exit is not None and arg in self.exit.mem:
            return self.exit.mem[arg]
        return self.entry.mem.get(arg)
