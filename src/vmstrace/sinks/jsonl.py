"""JSON lines: one object per completed syscall, closed by a `{"type": "stats"}` record.

The schema is documented in README.md ("JSON event schema").
"""

from __future__ import annotations

import json
from typing import TextIO

from vmstrace.sinks.base import TraceCounts, TraceEvent

# json.dumps with non-default separators builds a new encoder per call; build it once.
_encode = json.JSONEncoder(separators=(",", ":")).encode


class JsonSink:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def event(self, ev: TraceEvent) -> None:
        obj = {
            "type": "syscall",
            "ts": ev.ts,
            "ts_exit": ev.ts_exit,
            "vcpu": ev.vcpu,
            "pid": ev.pid,
            "tid": ev.tid,
            "ppid": ev.ppid,
            "comm": ev.comm,
            "cr3": ev.cr3,
            "nr": ev.nr,
            "name": ev.name,
            "abi": ev.abi,
            "args": list(ev.args),
            "ret": ev.ret,
            "error": ev.error,
        }
        self.out.write(_encode(obj) + "\n")

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        pass

    def close(self, counts: TraceCounts) -> None:
        obj = {
            "type": "stats",
            "complete": counts.complete,
            "produced": counts.produced,
            "delivered": counts.delivered,
            "dropped": counts.dropped,
            "entries": counts.entries,
            "exits": counts.exits,
            "paired": counts.paired,
            "unfinished": counts.unfinished,
            "events": counts.shown,
        }
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.out.flush()
