"""Pairing: each syscall exit joined with its entry, per guest thread.

Threads are told apart by their task_struct address and tid (a freed task_struct is
reused for a new thread with another tid);
when the kernel's task could not be read, by address space and user stack pointer,
which the kernel preserves across a syscall.  A thread may block in a call while other
threads run, on this vCPU or another: the pending table holds one entry per thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from vmstrace.trace import _pairing
from vmstrace.trace.events import (
    SIGFRAME_ARG,
    RawEntry,
    RawExit,
    Stats,
    Syscall,
    TaskInfo,
    paired,
    return_value,
)

# Calls that never return to the caller when they succeed (x86_64 and i386 numbers).
NO_RETURN = {"x86_64": frozenset({60, 231}), "i386": frozenset({1, 252})}
_NOTHING: Final[tuple[Syscall, ...]] = ()
_pairing.configure(RawEntry, RawExit, TaskInfo, Syscall, NO_RETURN, return_value, "i386",
                   SIGFRAME_ARG)


@dataclass
class PairingCounts:
    entries: int = 0
    exits: int = 0
    paired: int = 0
    no_return: int = 0
    unfinished: int = 0  # entries never matched (replaced by a newer entry, or trace end)
    orphan_exits: int = 0


class Pairer:
    """Feeds on raw events in stream order, yields completed Syscalls."""

    def __init__(self) -> None:
        self.pending: dict[tuple[int, int], RawEntry] = {}
        self.counts = PairingCounts()
        self.stats: Stats | None = None

    def feed(self, ev: RawEntry | RawExit | Stats) -> tuple[Syscall, ...]:
        """The calls this event completes, oldest first (a tuple: no generator per event)."""
        c = self.counts
        if isinstance(ev, RawEntry):
            c.entries += 1
            if ev.nr in NO_RETURN[ev.abi]:
                c.no_return += 1
                return (paired(ev, None),)
            who = ev.who
            # the thread (module docstring): task and tid, else address space and stack
            key = (who.task, who.tid or 0) if who.task else (who.cr3 & ~0xFFF, ev.sp)
            old = self.pending.pop(key, None)
            self.pending[key] = ev
            if old is not None:
                c.unfinished += 1
                return (paired(old, None),)
            return _NOTHING
        if isinstance(ev, RawExit):
            c.exits += 1
            who = ev.who
            key = (who.task, who.tid or 0) if who.task else (who.cr3 & ~0xFFF, ev.sp)
            entry = self.pending.pop(key, None)
            if entry is None:
                c.orphan_exits += 1
                return _NOTHING
            c.paired += 1
            return (paired(entry, ev),)
        self.stats = ev
        return _NOTHING

    def feed_batch(self, events: list[RawEntry | RawExit | Stats]) -> list[Syscall]:
        """:meth:`feed` over a list of events (the reader's batches), in C: the calls
        they complete, in order."""
        calls, others, counts = _pairing.pair(events, self.pending)
        c = self.counts
        entries, exits, paired_, no_return, unfinished, orphans = counts
        c.entries += entries
        c.exits += exits
        c.paired += paired_
        c.no_return += no_return
        c.unfinished += unfinished
        c.orphan_exits += orphans
        for ev in others:
            if not isinstance(ev, Stats):
                raise TypeError(f"not an event of the record stream: {ev!r}")
            self.stats = ev
        return calls

    def drain(self) -> Iterator[Syscall]:
        """At the end of the trace: the calls still in progress, without a return."""
        for entry in sorted(self.pending.values(), key=lambda e: e.ts):
            self.counts.unfinished += 1
            yield paired(entry, None)
        self.pending.clear()
