"""The sink protocol: where decoded events go (text, JSON lines, ...).

Sinks receive finished, decoded events and the closing counts; they never decode.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from vmstrace.core.events import EndEvent, Note, TraceCounts, TraceEvent

# A sink may say which calls' argument texts it reads, as ``args_for``: a frozenset of
# syscall names (frozenset(): none; a sink without it reads every call's).  The consumer
# renders the arguments only of the calls some sink reads them of (args_for_sinks); an
# event of another call has ``args == ()``.
#
# A sink may also say ``takes_notes = True``: its events() takes a batch with Notes in it
# (the "+++ exited" line after an exit_group, where the compiled lane put it) and writes
# each as note() would.  Any other sink gets such a batch cut at each Note, and the Note
# as a note() call.


def args_for_sinks(sinks: Iterable[object]) -> frozenset[str] | None:
    """The names of the calls whose argument texts some sink reads; None: every call."""
    names: frozenset[str] = frozenset()
    for sink in sinks:
        wanted = getattr(sink, "args_for", None)
        if not isinstance(wanted, frozenset):
            return None
        names |= wanted
    return names


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


class NoteSink(Sink, Protocol):
    """A sink whose events() takes Notes in a batch (``takes_notes = True``)."""

    def events(self, evs: Sequence[TraceEvent | Note]) -> None: ...
