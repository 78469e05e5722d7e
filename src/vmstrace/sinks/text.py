"""strace -f style text: `[pid 85] openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3`."""

from __future__ import annotations

from typing import TextIO

from vmstrace.sinks.base import TraceCounts, TraceEvent


class TextSink:
    def __init__(self, out: TextIO, show_comm: bool = False, flush: bool = True) -> None:
        self.out = out
        self.show_comm = show_comm
        self.flush = flush

    def _prefix(self, tid: int | None, comm: str | None) -> str:
        who = "?" if tid is None else str(tid)
        if self.show_comm:
            return f"[pid {who} {comm or '?'}] "
        return f"[pid {who}] "

    def event(self, ev: TraceEvent) -> None:
        self.out.write(
            f"{self._prefix(ev.tid, ev.comm)}{ev.name}({', '.join(ev.args)}) = {ev.ret_text}\n"
        )
        if self.flush:
            self.out.flush()

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        self.out.write(f"{self._prefix(tid, comm)}{text}\n")
        if self.flush:
            self.out.flush()

    def close(self, counts: TraceCounts) -> None:
        self.out.flush()
