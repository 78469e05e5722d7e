"""JSON lines: one object per completed syscall, closed by a `{"type": "stats"}` record.

The schema is documented in README.md ("JSON event schema").
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _jstr  # what json.dumps uses for str
from typing import TextIO

from vmstrace.sinks.base import TraceCounts, TraceEvent


def _jint(v: int | None) -> str:
    return "null" if v is None else int.__repr__(v)


def _jopt(v: str | None) -> str:
    return "null" if v is None else _jstr(v)


class JsonSink:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def event(self, ev: TraceEvent) -> None:
        # The hot path: the line is assembled directly, byte for byte what
        # json.dumps(obj, separators=(",", ":")) makes of the same dict (a unit test checks),
        # at a third of the cost.
        self.out.write(
            f'{{"type":"syscall","ts":{_jint(ev.ts)},"ts_exit":{_jint(ev.ts_exit)},'
            f'"vcpu":{_jint(ev.vcpu)},"pid":{_jint(ev.pid)},"tid":{_jint(ev.tid)},'
            f'"ppid":{_jint(ev.ppid)},"comm":{_jopt(ev.comm)},"uid":{_jint(ev.uid)},'
            f'"euid":{_jint(ev.euid)},"task_id":{_jopt(ev.task_id)},"exe":{_jopt(ev.exe)},'
            f'"cr3":{_jint(ev.cr3)},'
            f'"nr":{_jint(ev.nr)},"name":{_jstr(ev.name)},"abi":{_jstr(ev.abi)},'
            f'"args":[{",".join(map(_jstr, ev.args))}],"ret":{_jint(ev.ret)},'
            f'"error":{_jopt(ev.error)}}}\n'
        )

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
            "no_return": counts.no_return,
            "events": counts.shown,
        }
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.out.flush()
