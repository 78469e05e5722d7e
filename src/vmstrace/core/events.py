"""The typed events that flow between the stages: raw capture → paired syscall.

Every stage passes these small frozen dataclasses; nothing downstream reads the
binary stream, and nothing upstream knows what a syscall means.  They are declared with
``slots=True``: hundreds of thousands are made a second, and a slotted object is one
allocation, where an object with an instance dict is two (the compiled reader, pairing
and decoder build them at their slots' offsets: src/vmstrace/_slots.h).  The dataclass is
the one definition of each: a field the compiled parts do not fill gets its default there
too, so adding a field with a default is one edit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType

from vmstrace.core.abi import (
    ARG_SIGFRAME,
    EXIT_ELSEWHERE,
    EXIT_RESTART,
    FRAME32_AX,
    FRAME32_IP,
    FRAME_RAX,
    FRAME_RIP,
    INDEX_TOP,
    INSN_INT80,
    INSN_IRETQ,
    INSN_SYSCALL,
    INSN_SYSENTER,
    INSN_SYSEXIT,
    INSN_SYSRETL,
    INSN_SYSRETQ,
    RT_FRAME32_AX,
    RT_FRAME32_IP,
    RT_FRAME32_SIGINFO,
    RT_FRAME32_UC,
    RT_SIGFRAME32_BYTES,
    SIGFRAME32_BYTES,
)
from vmstrace.syscalls import TABLES, Flag

ERESTARTSYS = 512
ERESTART_RESTARTBLOCK = 516
# restart_syscall: the number a restarted call continues as (the table's RESTART row)
(NR_RESTART_SYSCALL,) = TABLES["x86_64"].numbers(Flag.RESTART)
(NR_RESTART_SYSCALL_I386,) = TABLES["i386"].numbers(Flag.RESTART)


_U64 = (1 << 64) - 1
_set = object.__setattr__  # a frozen dataclass's own __post_init__ sets fields this way


class Insn(IntEnum):
    """The instruction the plugin trapped (values are the record stream's codes)."""

    SYSCALL = INSN_SYSCALL
    SYSENTER = INSN_SYSENTER
    INT80 = INSN_INT80
    SYSRETQ = INSN_SYSRETQ
    SYSRETL = INSN_SYSRETL
    SYSEXIT = INSN_SYSEXIT
    IRETQ = INSN_IRETQ


@dataclass(frozen=True, slots=True)
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
    index: int = INDEX_TOP  # an element's number (0xFFFF: the argument itself); msghdr parts
    # are numbered 0x8000 (name), 0x8001 (control data), 0x8002 (iovec array)


# The mem of every record without blobs (half of them), from the record reader: one
# shared mapping that cannot be changed, not a new dict per record.  (A mappingproxy
# cannot be pickled or deep-copied: no stage does either to an event.)
NO_MEM: Mapping[int, Mem] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """Who ran the call, read from the guest kernel's task_struct (None where unknown)."""

    task: int  # task_struct address; 0 when it could not be read
    cr3: int
    pid: int | None = None  # thread group id
    tid: int | None = None
    ppid: int | None = None
    comm: str | None = None
    uid: int | None = None  # cred->uid, the real uid (the thread's own: creds are per thread)
    euid: int | None = None  # cred->euid
    start_time: int | None = None  # task->start_time, ns since boot: with tid, a unique id


@dataclass(frozen=True, slots=True)
class RawEntry:
    ts: int
    vcpu: int
    abi: str  # "x86_64" or "i386"
    insn: Insn
    pc: int
    sp: int
    nr: int
    args: tuple[int, int, int, int, int, int]  # the six argument registers, unsigned
    who: TaskInfo
    mem: Mapping[int, Mem] = field(default_factory=dict)
    seq: int = 0  # the thread's record number (vmst_entry.seq); 0: unordered
    flags: int = 0  # ENTRY_PC_UNSURE

    def __post_init__(self) -> None:
        # The record reader's entries (built without __init__) hold six registers as
        # unsigned 64-bit values; a hand-made one is brought to that form, so decoders
        # read them as they are (decode.fmt.Ctx) instead of masking every call's.
        args = self.args
        if len(args) != 6 or not all(0 <= a <= _U64 for a in args):
            object.__setattr__(self, "args", (tuple([a & _U64 for a in args]) + (0,) * 6)[:6])


@dataclass(frozen=True, slots=True)
class RawExit:
    ts: int
    vcpu: int
    abi: str
    insn: Insn
    pc: int
    ret: int  # raw 64-bit register value, unsigned
    nr: int  # the plugin's own record of the pending entry's number; -1 if none
    who: TaskInfo
    mem: Mapping[int, Mem] = field(default_factory=dict)
    sp: int = 0  # the user stack pointer the thread returns to
    user_pc: int = 0  # the user instruction the thread returns to
    rdi: int = 0  # rdi at the return: the signal number when it enters a signal handler
    seq: int = 0  # the thread's record number: its entry's + 1
    flags: int = 0  # EXIT_ELSEWHERE, EXIT_RESTART


@dataclass(frozen=True, slots=True)
class Stats:
    """The plugin's counters, written when QEMU exits."""

    entries: int
    exits: int
    records: int
    bytes: int
    dropped: int
    # returns the plugin did not take for exits: a new thread's first return on a
    # task_struct whose previous thread died inside a call (that call stays unfinished)
    orphan_exits: int = 0
    # entries the plugin's tables let go at their caps (calls in progress, thread counters):
    # the trace is incomplete
    evicted: int = 0


def frame_registers(abi: str, frame: Mem) -> tuple[int, int] | None:
    """The accumulator and instruction pointer a signal frame saved (the
    plugin's frame_saved() found it at the handler's stack pointer, ``frame.addr``); None
    when the blob is not a whole frame of the ABI, read whole.  x86_64's rt_sigframe; an i386
    caller's rt_sigframe_ia32, whose pinfo and puc point into the frame itself, or
    sigframe_ia32."""
    data = frame.data
    if frame.truncated or frame.fault:  # (the record's budget or a page cut it short)
        return None
    if abi != "i386":
        if len(data) < FRAME_RIP + 8:
            return None
        return (
            int.from_bytes(data[FRAME_RAX : FRAME_RAX + 8], "little"),
            int.from_bytes(data[FRAME_RIP : FRAME_RIP + 8], "little"),
        )
    if len(data) >= RT_SIGFRAME32_BYTES and data[8:16] == (
        ((frame.addr + RT_FRAME32_SIGINFO) & 0xFFFFFFFF).to_bytes(4, "little")
        + ((frame.addr + RT_FRAME32_UC) & 0xFFFFFFFF).to_bytes(4, "little")
    ):
        ax, ip = RT_FRAME32_AX, RT_FRAME32_IP
    elif len(data) == SIGFRAME32_BYTES:
        ax, ip = FRAME32_AX, FRAME32_IP
    else:
        return None
    return int.from_bytes(data[ax : ax + 4], "little"), int.from_bytes(data[ip : ip + 4], "little")


def return_value(entry: RawEntry, exit: RawExit | None) -> int | None:
    """A call's return value as a signed 64-bit (or 32-bit for i386) integer.

    A call that returned into a signal handler has its result in the signal frame
    (the register holds the handler's argument); one the kernel is restarting
    (EXIT_RESTART) shows as ERESTARTSYS, or ERESTART_RESTARTBLOCK when it continues as
    restart_syscall.  None: the call did not return, or it resumed somewhere the plugin
    could not account for (EXIT_ELSEWHERE), so its result is unknown.  Where a call
    resumes and restarts is the plugin's to work out (expect_resume()); its flags are the
    answer, not worked out again here.
    """
    if exit is None:
        return None
    if exit.flags & EXIT_ELSEWHERE:
        return None  # the register holds no result of this call: unknown, not a guess
    raw = exit.ret
    frame = exit.mem.get(ARG_SIGFRAME) if exit.mem else None
    if frame is not None:
        saved = frame_registers(entry.abi, frame)
        if saved is None:
            return None  # the register holds the handler's argument: unknown, not a guess
        raw = saved[0]
    if entry.abi == "i386":
        value = raw & 0xFFFFFFFF
        if exit.flags & EXIT_RESTART:
            return -ERESTART_RESTARTBLOCK if value == NR_RESTART_SYSCALL_I386 else -ERESTARTSYS
        return value - (1 << 32) if value >> 31 else value
    value = raw & 0xFFFFFFFFFFFFFFFF
    if exit.flags & EXIT_RESTART:
        return -ERESTART_RESTARTBLOCK if value == NR_RESTART_SYSCALL else -ERESTARTSYS
    return value - (1 << 64) if value >> 63 else value


@dataclass(frozen=True, slots=True)
class Syscall:
    """One completed (or never-returning) system call: an entry paired with its exit."""

    entry: RawEntry
    exit: RawExit | None  # None: the call does not return (exit_group) or the trace ended
    # The return value (:func:`return_value`), worked out when the call is made: the
    # filter, the decoders and the sinks all read it.
    ret: int | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        _set(self, "ret", return_value(self.entry, self.exit))

    @property
    def signal_frame(self) -> Mem | None:
        """The signal frame the call returned into, if it did (its layout is its ABI's)."""
        return None if self.exit is None else self.exit.mem.get(ARG_SIGFRAME)

    def mem(self, arg: int) -> Mem | None:
        """The freshest memory read for an argument: the exit read wins over the entry one."""
        if self.exit is not None and arg in self.exit.mem:
            return self.exit.mem[arg]
        return self.entry.mem.get(arg)


def paired(entry: RawEntry, exit: RawExit | None) -> Syscall:
    """The call of ``entry`` and its ``exit`` (the pairing stage's Python reference)."""
    return Syscall(entry, exit)


@dataclass(frozen=True, slots=True)
class ThreadEnd:
    """The end of a thread that no call of its own reports, as the pairing learns it: the
    reaper's wait4/waitid said its process was reaped, and how it ended (strace's ``+++
    killed by SIGKILL +++``).  It follows the thread's unfinished call, if it died in one.

    ``signal``: the signal that killed it; ``status``: the code it exited with; neither:
    how it ended is not known, and ``why`` says so (a call the pairing let go at its
    table's limit also carries a ``why``: its thread may live on).  ``process``: the whole
    process ``who.pid`` is gone (its pid may be reused from here on); ``quiet``: nothing to
    print (its end was printed already, or is printed with a thread's call).
    """

    ts: int  # the time of the record that told
    who: TaskInfo
    signal: int | None = None
    status: int | None = None
    why: str | None = None
    process: bool = False
    quiet: bool = False
    core: bool = False  # killed, and the kernel dumped its core


# --- what the sinks receive -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One decoded system call, as every sink sees it."""

    ts: int  # ns since trace start, at entry
    ts_exit: int | None
    vcpu: int
    pid: int | None
    tid: int | None
    ppid: int | None
    comm: str | None
    cr3: int  # the address space: CR3 with the PCID and KPTI bits masked
    nr: int
    name: str
    abi: str
    args: tuple[str, ...]
    ret: int | None
    ret_text: str  # what strace prints after " = "
    error: str | None
    uid: int | None = None  # the thread's real and effective uid (task->cred)
    euid: int | None = None
    task_id: str | None = None  # "<start_time>:<tid>": unique even when tids are reused
    exe: str | None = None  # the process's executable (read after execve, else inherited)
    # the six argument registers as the call made them (unsigned), and the return register
    # as the exit instruction found it (unsigned; None: no exit): the values the texts
    # above were rendered from
    raw_args: tuple[int, ...] = ()
    raw_ret: int | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A line between calls, in a batch of events where a sink takes them there
    (``Sink.takes_notes``): the ``+++ exited with 0 +++`` after an exit_group, as
    ``Sink.note(tid, text, comm)`` writes it."""

    tid: int | None
    text: str
    comm: str | None


@dataclass(frozen=True, slots=True)
class EndEvent:
    """A thread's end that no call of its own shows, learned from its reaper's wait4/waitid:
    strace's ``+++ killed by SIGKILL +++``; or vmstrace's note that how it ended, or what a
    call the tracer let go returned, is unknown."""

    ts: int  # ns since trace start, of the record that told
    pid: int | None
    tid: int | None
    comm: str | None
    killed_by: str | None  # the signal's name
    exit_code: int | None
    note: str | None  # neither known: what is (a vmstrace note)
    core_dumped: bool = False

    @property
    def text(self) -> str:
        """What strace prints between ``+++``."""
        if self.killed_by is not None:
            core = " (core dumped)" if self.core_dumped else ""
            return f"killed by {self.killed_by}{core}"
        if self.exit_code is not None:
            return f"exited with {self.exit_code}"
        return self.note or "vmstrace: ended, how is unknown"


@dataclass(frozen=True)
class TraceCounts:
    """Events produced by the plugin, delivered to and kept by the tracer."""

    produced: int | None  # records the plugin wrote; None if QEMU died before saying
    delivered: int  # records the tracer read
    dropped: int | None
    entries: int
    exits: int
    paired: int
    unfinished: int
    shown: int  # events that passed the filter and reached the sinks
    no_return: int = 0  # entries of calls that do not return (exit, exit_group)
    orphan_exits: int = 0  # exit records that matched no entry in the pairing
    held: int = 0  # records that reached the tracer before their turn and waited (SMP)
    gaps: int = 0  # threads whose records went on with an earlier one missing
    stale: int = 0  # records that came after a later one of their thread had gone on
    # calls and threads the tracer's tables let go at their limits, with no evidence that
    # their thread had ended (the plugin's and the pairing's): their results are unknown
    evicted: int = 0
    # Time the plugin waited for room in the ring: how long the tracer held the guest back
    # (None: no ring, nothing traced).
    guest_stalled_s: float | None = None
    # why the run ended before the command did (interrupted, timeout, boot-timeout,
    # output-error, qemu-exited, kernel-panic, stream-error, internal-error); None if it
    # did not
    reason: str | None = None

    @property
    def complete(self) -> bool:
        return (
            self.reason is None
            and self.produced is not None
            and self.produced == self.delivered
            and not self.dropped
            and not self.gaps
            and not self.stale
            and not self.evicted
        )
