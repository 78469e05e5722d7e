"""Pairing: each syscall exit joined with its entry, per guest thread, in the thread's order.

Threads are told apart by their task_struct address and tid (a freed task_struct is
reused for a new thread with another tid);
when the kernel's task could not be read, by address space and user stack pointer,
which the kernel preserves across a syscall.  A thread may block in a call while other
threads run, on this vCPU or another: the pending table holds one entry per thread.

Order: the plugin batches records per vCPU, so when a thread moves to another vCPU its
later records can arrive before earlier ones still in the first vCPU's batch.  Each record
carries the thread's record number (``seq``: 1, 2, 3, ...); a record that comes before its
turn is held until the ones before it have arrived, so each thread's records are paired in
the order the thread made them, and an exit always meets its own entry.  A thread whose
missing record has not come after ``HOLD_LIMIT`` more of its records is released in
order with the gap counted (``gaps``): a record was lost, and the stats say so.
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
HOLD_LIMIT = 4096  # records of one thread held back waiting for an earlier one
_NOTHING: Final[tuple[Syscall, ...]] = ()
_pairing.configure(RawEntry, RawExit, TaskInfo, Syscall, NO_RETURN, return_value, "i386",
                   SIGFRAME_ARG, HOLD_LIMIT)


@dataclass
class PairingCounts:
    entries: int = 0
    exits: int = 0
    paired: int = 0
    no_return: int = 0
    unfinished: int = 0  # entries never matched (replaced by a newer entry, or trace end)
    orphan_exits: int = 0
    held: int = 0  # records that arrived before their turn and were held back
    gaps: int = 0  # a thread's records released with an earlier one still missing
    stale: int = 0  # records that arrived after a later one of the thread was released


class Pairer:
    """Feeds on raw events in stream order, yields completed Syscalls."""

    def __init__(self) -> None:
        self.pending: dict[tuple[int, int], RawEntry] = {}
        # per thread key: the seq its next record must have (a thread that ended with
        # exit/exit_group is forgotten: the plugin starts it again at 1)
        self.seqs: dict[tuple[int, int], int] = {}
        # per thread key: records that came before their turn, by seq
        self.held: dict[tuple[int, int], dict[int, RawEntry | RawExit]] = {}
        self.counts = PairingCounts()
        self.stats: Stats | None = None

    def feed(self, ev: RawEntry | RawExit | Stats) -> tuple[Syscall, ...]:
        """The calls this event completes, oldest first (a tuple: no generator per event)."""
        if isinstance(ev, (RawEntry, RawExit)) and ev.seq:
            return self._in_turn(ev)
        return self._pair(ev)

    def _in_turn(self, ev: RawEntry | RawExit) -> tuple[Syscall, ...]:
        who = ev.who
        key = (who.task, who.tid or 0) if who.task else (who.cr3 & ~0xFFF, ev.sp)
        want = self.seqs.get(key, 1)
        seq = ev.seq
        if seq > want:
            held = self.held.setdefault(key, {})
            held[seq] = ev
            self.counts.held += 1
            if len(held) <= HOLD_LIMIT:
                return _NOTHING
            # the missing record is not coming: release what is held, in order
            self.counts.gaps += 1
            del self.held[key]
            out: list[Syscall] = []
            for s in sorted(held):
                out += self._pair(held[s])
                self._advance(key, held[s])
            return tuple(out)
        if seq < want:
            self.counts.stale += 1
            return self._pair(ev)
        out = list(self._pair(ev))
        self._advance(key, ev)
        waiting = self.held.get(key)
        while waiting:
            nxt = waiting.pop(seq + 1, None)
            if nxt is None:
                break
            seq += 1
            out += self._pair(nxt)
            self._advance(key, nxt)
        if waiting is not None and not waiting:
            del self.held[key]
        return tuple(out)

    def _advance(self, key: tuple[int, int], ev: RawEntry | RawExit) -> None:
        if isinstance(ev, RawEntry) and ev.nr in NO_RETURN[ev.abi]:
            self.seqs.pop(key, None)  # the thread's last record (the plugin restarts it)
        else:
            self.seqs[key] = ev.seq + 1

    def _pair(self, ev: RawEntry | RawExit | Stats) -> tuple[Syscall, ...]:
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
        calls, others, counts = _pairing.pair(events, self.pending, self.seqs, self.held)
        c = self.counts
        entries, exits, paired_, no_return, unfinished, orphans, held, gaps, stale = counts
        c.entries += entries
        c.exits += exits
        c.paired += paired_
        c.no_return += no_return
        c.unfinished += unfinished
        c.orphan_exits += orphans
        c.held += held
        c.gaps += gaps
        c.stale += stale
        for ev in others:
            if not isinstance(ev, Stats):
                raise TypeError(f"not an event of the record stream: {ev!r}")
            self.stats = ev
        return calls

    def drain(self) -> Iterator[Syscall]:
        """At the end of the trace: records still held back (a gap that never filled),
        in order, then the calls still in progress, without a return."""
        held, self.held = self.held, {}
        for key, records in held.items():
            self.counts.gaps += 1
            for s in sorted(records):
                yield from self._pair(records[s])
                self._advance(key, records[s])
        for entry in sorted(self.pending.values(), key=lambda e: e.ts):
            self.counts.unfinished += 1
            yield paired(entry, None)
        self.pending.clear()
