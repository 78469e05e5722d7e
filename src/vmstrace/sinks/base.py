"""The sink protocol: where decoded events go (text, JSON lines, ...).

Sinks receive finished, decoded events and the closing counts; they never decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class Sink(Protocol):
    def event(self, ev: TraceEvent) -> None: ...

    def events(self, evs: list[TraceEvent]) -> None:
        """The events of a batch, in order: the same output as event() on each (the
        consumer hands them over this way; a sink may write them at once)."""

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        """A line that is not a syscall (`+++ exited with 0 +++`)."""

    def end(self, ev: EndEvent) -> None:
        """A thread's end that no call of its own shows (EndEvent)."""

    def flush(self) -> None:
        """Push buffered output out: the reader has caught up with the guest (and is about to
        wait for more), so a live trace shows everything so far without a write per line."""

    def close(self, counts: TraceCounts) -> None: ...
