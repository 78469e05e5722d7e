"""A trace's records into the report's facts and call list: from a JSON lines file
(``read_trace``) or from a run's events as they come (``Collector.event``, the sink's).

A file is read as far as it is whole: a last line cut mid-record (the run was killed
while writing it) ends the reading with a problem saying so, and the report covers what
came before; a line that is not a vmstrace record anywhere else is an error naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import EndEvent, TraceEvent
from vmstrace.decode import failure_text
from vmstrace.report.calls import CallLog
from vmstrace.report.facts import FactsBuilder

# calls whose result strace prints as an address (decode/memory.py's ret_hex)
_HEX_RETURNS = frozenset({"mmap", "mmap2", "brk", "mremap", "shmat"})


def ret_text(name: str, ret: int | None, error: str | None) -> str:
    """What strace prints after `` = `` for a call as the JSON has it (a live report has
    the decoder's own text, which also renders structures some calls return)."""
    if ret is None:
        return "?"
    if error is not None:
        return failure_text(-ret) if -4095 <= ret <= -1 else f"{ret} {error}"
    if name in _HEX_RETURNS:
        return hex(ret & 0xFFFFFFFFFFFFFFFF)
    return str(ret)


class Collector:
    """The facts and (``calls``: also) the call list of one trace."""

    def __init__(self, calls: bool = True) -> None:
        self.facts = FactsBuilder()
        self.calls = CallLog() if calls else None
        self.source = ""

    def record(self, obj: dict[str, Any]) -> None:
        """One JSON record (docs/json-schema.md)."""
        kind = obj.get("type")
        if kind == "syscall":
            args = obj["args"]
            ret, error = obj["ret"], obj["error"]
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                raise TypeError("args is not a list of strings")
            index = self.facts.call(
                pid=obj["pid"],
                tid=obj["tid"],
                ppid=obj.get("ppid"),
                comm=obj.get("comm"),
                exe=obj.get("exe"),
                ts=obj["ts"],
                ts_exit=obj.get("ts_exit"),
                name=obj["name"],
                args=args,
                ret=ret,
                error=error,
                raw_args=obj.get("raw_args") or (),
            )
            if self.calls is not None:
                self.calls.add(
                    index, obj["pid"], obj["tid"], obj["ts"], obj["name"], args,
                    ret_text(obj["name"], ret, error),
                )  # fmt: skip
        elif kind == "note":
            self.facts.note(obj.get("tid"), str(obj.get("text", "")))
        elif kind == "end":
            self.facts.end(
                ts=obj["ts"],
                pid=obj.get("pid"),
                tid=obj.get("tid"),
                comm=obj.get("comm"),
                killed_by=obj.get("killed_by"),
                exit_code=obj.get("exit_code"),
                core_dumped=bool(obj.get("core_dumped")),
            )
        elif kind == "stats":
            self.facts.close(obj)
        else:
            raise ValueError(f"unknown record type {kind!r}")

    def event(self, ev: TraceEvent) -> None:
        """One decoded call, live (the sink's path): the same facts as its JSON record."""
        index = self.facts.call(
            pid=ev.pid,
            tid=ev.tid,
            ppid=ev.ppid,
            comm=ev.comm,
            exe=ev.exe,
            ts=ev.ts,
            ts_exit=ev.ts_exit,
            name=ev.name,
            args=ev.args,
            ret=ev.ret,
            error=ev.error,
            raw_args=ev.raw_args,
        )
        if self.calls is not None:
            self.calls.add(index, ev.pid, ev.tid, ev.ts, ev.name, ev.args, ev.ret_text)

    def end(self, ev: EndEvent) -> None:
        self.facts.end(
            ts=ev.ts,
            pid=ev.pid,
            tid=ev.tid,
            comm=ev.comm,
            killed_by=ev.killed_by,
            exit_code=ev.exit_code,
            core_dumped=ev.core_dumped,
        )


def open_trace(path: Path) -> BinaryIO:
    """The trace file, open (before the outputs are: a missing trace leaves no empty one)."""
    try:
        return open(path, "rb")  # noqa: SIM115 (the caller closes it)
    except OSError as err:
        raise VmstraceError(f"cannot read {path}: {err.strerror}") from err


def read_trace(path: Path, calls: bool = True, f: BinaryIO | None = None) -> Collector:
    """The facts (and call list) of the JSON lines trace at ``path`` (read from ``f`` when
    it is given open)."""
    out = Collector(calls)
    out.source = str(path)
    stats_seen = False
    if f is None:
        f = open_trace(path)
    with f:
        lineno = 0
        for raw in f:
            lineno += 1
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise TypeError("not an object")
                if stats_seen:
                    raise ValueError("a record after the stats record")
                out.record(obj)
                stats_seen = obj.get("type") == "stats"
            except (ValueError, TypeError, KeyError) as err:
                last = not raw.endswith(b"\n") and not f.read(1)
                if last and lineno > 1:
                    out.facts.problems.append(
                        f"the last line ({lineno}) is cut short: the file was truncated "
                        f"while it was written; the report covers the {out.facts.ncalls} "
                        "calls before it"
                    )
                    break
                what = "a whole" if lineno > 1 else "a"
                raise VmstraceError(
                    f"{path}, line {lineno}: not {what} vmstrace JSON record ({err}); "
                    "`vmstrace report` reads the file `vmstrace run --json FILE` writes"
                ) from err
    if not stats_seen:
        out.facts.close(None)
    return out
