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
    # Time the plugin waited for room in the ring: how long the tracer held the guest back
    # (None: no ring, nothing traced).
    guest_stalled_s: float | None = None

    @property
    def complete(self) -> bool:
        return (self.produced is not None and self.produced == self.delivered
                and not self.dropped and not self.gaps and not self.stale)


def printable(text: str) -> str:
    """``text`` with every character that is not printable (a control, a line or
    paragraph separator, a format character such as a bidi override) as ``\\xNN``,
    ``\\uNNNN`` or ``\\UNNNNNNNN``: guest-chosen names (comm, exe) in a terminal line
    must not end the line, move the cursor or reorder the text around them."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else
                   f"\\x{ord(c):02x}" if ord(c) < 0x100 else
                   f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in text)


class Sink(Protocol):
    def event(self, ev: TraceEvent) -> None: ...

    def events(self, evs: list[TraceEvent]) -> None:
        """The events of a batch, in order: the same output as event() on each (the
        consumer hands them over this way; a sink may write them at once)."""

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        """A line that is not a syscall (`+++ exited with 0 +++`)."""

    def flush(self) -> None:
        """Push buffered output out: the reader has caught up with the guest (and is about to
        wait for more), so a live trace shows everything so far without a write per line."""

    def close(self, counts: TraceCounts) -> None: ...
