"""``--report FILE``: the report of a run, written when it ends, from the events the run's
other sinks see (the same facts as ``vmstrace report`` on its ``--json`` trace)."""

from __future__ import annotations

import json
from typing import TextIO

from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.report.html import write_report
from vmstrace.report.reader import Collector
from vmstrace.sinks.jsonl import stats_line


class ReportSink:
    def __init__(self, out: TextIO) -> None:
        self.out = out  # (opened when the run starts: a bad path fails before the boot)
        self.collected = Collector()
        self.collected.source = "this run"

    def event(self, ev: TraceEvent) -> None:
        self.collected.event(ev)

    def events(self, evs: list[TraceEvent]) -> None:
        event = self.collected.event
        for ev in evs:
            event(ev)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        self.collected.facts.note(tid, text)

    def end(self, ev: EndEvent) -> None:
        self.collected.end(ev)

    def flush(self) -> None:
        pass  # written whole at the end

    def close(self, counts: TraceCounts) -> None:
        self.collected.facts.close(json.loads(stats_line(counts)))
        write_report(self.collected, self.out, None)
        self.out.flush()
