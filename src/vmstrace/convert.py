"""`vmstrace convert`: a JSON lines trace (``--json``) into a timeline (Perfetto) or a
Parquet table, through the very sinks a run writes them with, so a converted file is the
one the run would have written (the run's own description aside: the JSON lines do not
carry it, the converted file names its source instead).

The JSON lines are read as untrusted input: each record is checked against the schema
(docs/json-schema.md) before it becomes an event, and the first line that is not a whole,
well-formed record ends the conversion; what came before it is written, and the result
says where and why it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.core.files import open_output
from vmstrace.core.progress import Bar
from vmstrace.sinks.base import Sink

FORMATS = ("perfetto", "parquet")
BATCH = 1024  # syscall records handed to the sink at once

_INT = (int,)
_OPT_INT = (int, type(None))
_OPT_STR = (str, type(None))
# the syscall record's fields (docs/json-schema.md) and the types their values may have
_SYSCALL_FIELDS: dict[str, tuple[type, ...]] = {
    "ts": _INT,
    "ts_exit": _OPT_INT,
    "vcpu": _INT,
    "pid": _OPT_INT,
    "tid": _OPT_INT,
    "ppid": _OPT_INT,
    "comm": _OPT_STR,
    "uid": _OPT_INT,
    "euid": _OPT_INT,
    "task_id": _OPT_STR,
    "exe": _OPT_STR,
    "cr3": _INT,
    "nr": _INT,
    "name": (str,),
    "abi": (str,),
    "args": (list,),
    "ret": _OPT_INT,
    "error": _OPT_STR,
}
_END_FIELDS: dict[str, tuple[type, ...]] = {
    "ts": _INT,
    "pid": _OPT_INT,
    "tid": _OPT_INT,
    "comm": _OPT_STR,
    "killed_by": _OPT_STR,
    "exit_code": _OPT_INT,
    "note": _OPT_STR,
}
_COUNTS = (
    "produced", "delivered", "dropped", "entries", "exits", "paired", "unfinished",
    "no_return", "orphan_exits", "held", "gaps", "stale", "evicted",
)  # fmt: skip


class BadRecord(ValueError):
    """A line that is not a record vmstrace writes: the conversion stops before it."""


@dataclass(frozen=True)
class ConvertResult:
    records: int  # records converted (syscalls, notes, ends: the stats record aside)
    syscalls: int
    lines: int  # lines read, the bad one included
    stopped: str | None  # where and why the conversion stopped early; None: it did not
    complete: bool  # the source's stats record said the trace was whole
    counts: TraceCounts  # what the sinks are closed with: the source's stats


def format_for(path: Path, to: str | None) -> str:
    """The output format: ``to``, else the file's suffix (.parquet, .json)."""
    if to is not None:
        if to not in FORMATS:
            raise VmstraceError(f"--to {to}: choose one of {', '.join(FORMATS)}")
        return to
    if path.suffix == ".parquet":
        return "parquet"
    if path.suffix == ".json":
        return "perfetto"
    raise VmstraceError(
        f"{path}: say which format to write: --to perfetto or --to parquet "
        "(or name the file .json or .parquet)"
    )


def _check(obj: dict[str, Any], spec: dict[str, tuple[type, ...]]) -> None:
    for name, kinds in spec.items():
        value = obj.get(name)
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise BadRecord(f"field {name!r} is {json.dumps(value)[:40]}, not what it should be")


def _int_list(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise BadRecord(f"field {what!r} is not a list of integers")
    return tuple(value)


def syscall_event(obj: dict[str, Any]) -> TraceEvent:
    """A syscall record as the event the run's sinks saw (its ``ret_text`` is not in the
    JSON: the sinks that convert do not use it)."""
    _check(obj, _SYSCALL_FIELDS)
    if obj["ts"] < 0 or (obj["ts_exit"] or 0) < 0:
        raise BadRecord("a time before the trace began")
    args = obj["args"]
    if not all(isinstance(a, str) for a in args):
        raise BadRecord("field 'args' is not a list of strings")
    raw_args = _int_list(obj["raw_args"], "raw_args") if "raw_args" in obj else ()
    raw_ret = obj.get("raw_ret")
    if raw_ret is not None and (not isinstance(raw_ret, int) or isinstance(raw_ret, bool)):
        raise BadRecord("field 'raw_ret' is not an integer")
    ret, error = obj["ret"], obj["error"]
    ret_text = "?" if ret is None else f"-1 {error}" if error else str(ret)
    return TraceEvent(
        ts=obj["ts"],
        ts_exit=obj["ts_exit"],
        vcpu=obj["vcpu"],
        pid=obj["pid"],
        tid=obj["tid"],
        ppid=obj["ppid"],
        comm=obj["comm"],
        cr3=obj["cr3"],
        nr=obj["nr"],
        name=obj["name"],
        abi=obj["abi"],
        args=tuple(args),
        ret=ret,
        ret_text=ret_text,
        error=error,
        uid=obj["uid"],
        euid=obj["euid"],
        task_id=obj["task_id"],
        exe=obj["exe"],
        raw_args=raw_args,
        raw_ret=raw_ret,
    )


def end_event(obj: dict[str, Any]) -> EndEvent:
    _check(obj, _END_FIELDS)
    core = obj.get("core_dumped", False)
    if not isinstance(core, bool):
        raise BadRecord("field 'core_dumped' is not true or false")
    return EndEvent(
        obj["ts"],
        obj["pid"],
        obj["tid"],
        obj["comm"],
        obj["killed_by"],
        obj["exit_code"],
        obj["note"],
        core,
    )


def stats_counts(obj: dict[str, Any], shown: int) -> TraceCounts:
    """The stats record as the counts that closed the run (``shown``: if it lacks one)."""
    values: dict[str, Any] = {}
    for name in _COUNTS:
        value = obj.get(name, 0)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise BadRecord(f"field {name!r} of the stats record is not a count")
        values[name] = value
    for name in ("entries", "exits", "paired", "unfinished", "delivered"):
        values[name] = values[name] or 0
    stalled = obj.get("guest_stalled_s")
    reason = obj.get("reason")
    return TraceCounts(
        **values,
        shown=obj["events"] if isinstance(obj.get("events"), int) else shown,
        guest_stalled_s=float(stalled) if isinstance(stalled, int | float) else None,
        reason=reason if isinstance(reason, str) else None,
    )


def _records(lines: Iterator[str], at: list[int]) -> Iterator[dict[str, Any]]:
    """The records, each checked to be a JSON object; ``at[0]``: the line being read."""
    for number, line in enumerate(lines, 1):
        at[0] = number
        if not line.endswith("\n"):
            raise BadRecord("the line is cut (no newline): the trace ends mid-record")
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise BadRecord(f"not JSON ({err.msg})") from None
        except (ValueError, RecursionError):  # a number too long, nesting too deep
            raise BadRecord("not JSON vmstrace writes") from None
        if not isinstance(obj, dict):
            raise BadRecord("not a JSON object")
        yield obj


def feed(lines: Iterator[str], sinks: list[Sink]) -> ConvertResult:
    """Every record of a JSON lines trace to ``sinks``; the result's counts, to close them
    with, are the source's stats (or, if it ends without them, say the trace is cut)."""
    batch: list[TraceEvent] = []
    records = syscalls = 0
    at = [0]
    stopped: str | None = None
    counts: TraceCounts | None = None

    def send() -> None:
        if batch:
            for sink in sinks:
                sink.events(batch)
            batch.clear()

    try:
        for obj in _records(lines, at):
            kind = obj.get("type")
            if counts is not None:
                raise BadRecord("a record after the stats record, which ends a trace")
            if kind == "syscall":
                batch.append(syscall_event(obj))
                syscalls += 1
                if len(batch) >= BATCH:
                    send()
            elif kind == "note":
                tid, text, comm = obj.get("tid"), obj.get("text"), obj.get("comm")
                if not isinstance(text, str) or not isinstance(tid, _OPT_INT):
                    raise BadRecord("a note without its text")
                send()
                for sink in sinks:
                    sink.note(tid, text, comm if isinstance(comm, str) else None)
            elif kind == "end":
                ev = end_event(obj)
                send()
                for sink in sinks:
                    sink.end(ev)
            elif kind == "stats":
                counts = stats_counts(obj, syscalls)
                continue
            else:
                continue  # a record of a later version: consumers ignore what they do not know
            records += 1
    except BadRecord as err:
        stopped = f"line {at[0]}: {err}"
    except UnicodeDecodeError:
        stopped = f"line {at[0] + 1}: not UTF-8 text"
    send()
    if counts is None and stopped is None:
        stopped = f"line {at[0] + 1}: the trace ends without its stats record (it was cut)"
    complete = counts is not None and counts.complete and stopped is None
    if counts is None:
        counts = TraceCounts(
            produced=None,
            delivered=0,
            dropped=None,
            entries=0,
            exits=0,
            paired=0,
            unfinished=0,
            shown=syscalls,
            reason="stream-error",
        )
    return ConvertResult(records, syscalls, at[0], stopped, complete, counts)


def convert(source: Path, dest: Path, to: str | None = None) -> ConvertResult:
    """``source`` (JSON lines) into ``dest`` in the format ``to`` (else by its suffix)."""
    fmt = format_for(dest, to)
    try:
        src = open(source, encoding="utf-8", newline="\n")
    except OSError as err:
        raise VmstraceError(f"{source}: cannot read: {err.strerror}") from err
    described: dict[str, object] = {"converted_from": str(source)}

    with ExitStack() as stack:
        stack.enter_context(src)
        sink: Sink
        if fmt == "parquet":
            from vmstrace.sinks.parquet import ParquetSink

            binary = stack.enter_context(open_output(dest, "convert")).buffer
            sink = ParquetSink(binary, lambda: described)
        else:
            from vmstrace.sinks.perfetto import PerfettoSink

            sink = PerfettoSink(
                stack.enter_context(open_output(dest, "convert")), lambda: described
            )
        with Bar(f"converting {source.name}", _size(source)) as bar:
            result = feed(_counted(src, bar), [sink])
        described["stopped"] = result.stopped
        sink.close(result.counts)
    return result


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _counted(lines: Iterator[str], bar: Bar) -> Iterator[str]:
    """``lines``, telling ``bar`` their length every 10,000 of them (a bar per line would
    cost more than the conversion's reading)."""
    n = done = 0
    for line in lines:
        n += len(line)
        done += 1
        if done % 10_000 == 0:
            bar.advance(n)
            n = 0
        yield line
    bar.advance(n)
