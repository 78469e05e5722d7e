"""strace -f style text: `[pid 85] openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO

from vmstrace.core.events import EndEvent, Note, TraceCounts, TraceEvent
from vmstrace.decode.fmt import escape
from vmstrace.sinks import _text

_text.configure(TraceEvent, Note)


class TextSink:
    """``timestamps`` is strace's -t count (1 -t, 2 -tt, 3 -ttt), ``durations`` its -T.

    Event times are host time: the wall clock at QEMU's start (:meth:`set_origin`) plus
    the plugin's CLOCK_MONOTONIC offset, and a -T duration is how long QEMU took to
    emulate the call.  Lines that are not calls carry no time (their records have none).
    """

    def __init__(
        self, out: TextIO, show_comm: bool = False, timestamps: int = 0, durations: bool = False
    ) -> None:
        self.out = out
        self.show_comm = show_comm
        self.timestamps = timestamps
        self.durations = durations
        self.origin_ns = time.time_ns()

    def set_origin(self, wall_ns: int) -> None:
        """The host wall-clock time (ns since the epoch) of trace time 0."""
        self.origin_ns = wall_ns

    def _when(self, ts: int) -> str:
        if not self.timestamps:
            return ""
        sec, ns = divmod(self.origin_ns + ts, 1_000_000_000)
        if self.timestamps >= 3:
            return f"{sec}.{ns // 1000:06d} "
        clock = time.strftime("%H:%M:%S", time.localtime(sec))
        return f"{clock}.{ns // 1000:06d} " if self.timestamps == 2 else f"{clock} "

    def _took(self, ev: TraceEvent) -> str:
        if not self.durations or ev.ts_exit is None:
            return ""
        sec, ns = divmod(max(0, ev.ts_exit - ev.ts), 1_000_000_000)
        return f" <{sec}.{ns // 1000:06d}>"

    def _prefix(self, tid: int | None, comm: str | None, cr3: int | None = None) -> str:
        if tid is None and cr3 is not None:
            return f"[cr3 {cr3:#x}] "  # no task attribution: the address space only
        who = "?" if tid is None else str(tid)
        if self.show_comm:  # the guest names its processes: escaped as strace quotes strings
            return f"[pid {who} {escape(comm) if comm else '?'}] "
        return f"[pid {who}] "

    def _line(self, ev: TraceEvent) -> str:
        tid = ev.tid
        if tid is not None and not (self.show_comm or self.timestamps or self.durations):
            # the default line, without the helpers' calls: _prefix() is `[pid N] ` here
            return f"[pid {tid}] {ev.name}({', '.join(ev.args)}) = {ev.ret_text}\n"
        return (
            f"{self._prefix(tid, ev.comm, ev.cr3)}{self._when(ev.ts)}"
            f"{ev.name}({', '.join(ev.args)}) = {ev.ret_text}{self._took(ev)}\n"
        )

    def event(self, ev: TraceEvent) -> None:
        self.out.write(self._line(ev))

    takes_notes = True  # events() writes a Note among them as note() does (sinks/base.py)

    def events(self, evs: Sequence[TraceEvent | Note]) -> None:
        if not (self.show_comm or self.timestamps or self.durations):
            # _line()'s default lines, made by _text.c for the whole batch; a batch it
            # refuses (a line without a tid, an event of another class) goes through _line()
            try:
                self.out.write(_text.lines(evs))
                return
            except TypeError:
                pass
        self.out.write("".join(map(self._line_or_note, evs)))

    def _line_or_note(self, ev: TraceEvent | Note) -> str:
        if isinstance(ev, Note):
            return f"{self._prefix(ev.tid, ev.comm)}{ev.text}\n"
        return self._line(ev)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        self.out.write(f"{self._prefix(tid, comm)}{text}\n")

    def end(self, ev: EndEvent) -> None:
        self.note(ev.tid, f"+++ {ev.text} +++", ev.comm)

    def flush(self) -> None:
        self.out.flush()

    def close(self, counts: TraceCounts) -> None:
        self.out.flush()
