"""JSON lines: one object per completed syscall, closed by a `{"type": "stats"}` record.

The schema is documented in docs/json-schema.md.  A syscall line has the fields below in
that order; with ``raw_values`` also the raw registers (``raw_args``, ``raw_ret``); and
any field of the event class beyond these (one added to TraceEvent) after them, as
json.dumps writes its value, so a new field reaches the JSON with no edit here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import fields
from json.encoder import encode_basestring_ascii as _jstr  # what json.dumps uses for str
from typing import TextIO

from vmstrace.core.events import EndEvent, Note, TraceCounts, TraceEvent
from vmstrace.sinks import _jsonl


def _jint(v: int | None) -> str:
    return "null" if v is None else int.__repr__(v)


def _jopt(v: str | None) -> str:
    return "null" if v is None else _jstr(v)


# The fields that repeat from call to call of a thread (who), in the order the line has
# them (pid, tid, ppid, comm, uid, euid, task_id, exe, cr3); those of a syscall number
# are (nr, name, abi).
ThreadKey = tuple[
    int | None,
    int | None,
    int | None,
    str | None,
    int | None,
    int | None,
    str | None,
    str | None,
    int,
]
_MAX_CACHED = 4096  # fragments kept per kind: a bound on guest-driven state
# the event fields every syscall line has (event() writes them), the raw values the
# option adds, and the text only the strace-style output prints
_LINE = (
    "ts", "ts_exit", "vcpu", "pid", "tid", "ppid", "comm", "uid", "euid", "task_id", "exe",
    "cr3", "nr", "name", "abi", "args", "ret", "error",
)  # fmt: skip
_RAW = ("raw_args", "raw_ret")
_NOT_WRITTEN = ("ret_text",)


def tail_fields(event_cls: type[TraceEvent], raw_values: bool) -> tuple[str, ...]:
    """The fields a syscall line of ``event_cls`` has after the fixed ones."""
    known = set(_LINE) | set(_RAW) | set(_NOT_WRITTEN)
    extra = tuple(f.name for f in fields(event_cls) if f.name not in known)
    return (_RAW if raw_values else ()) + extra


def _tail_writer(names: tuple[str, ...]) -> Callable[[TraceEvent], str] | None:
    if not names:
        return None

    def tail(ev: TraceEvent) -> str:
        return "".join(
            f',"{name}":{json.dumps(getattr(ev, name), separators=(",", ":"))}' for name in names
        )

    return tail


_jsonl.configure(TraceEvent, Note, _MAX_CACHED)


class JsonSink:
    def __init__(self, out: TextIO, raw_values: bool = False) -> None:
        self.out = out
        self.raw_values = raw_values
        # per event class: the writer of the fields after the fixed ones (None: none)
        self._tails: dict[type, Callable[[TraceEvent], str] | None] = {}
        # JSON text of the repeating parts of a line, keyed by the values they render:
        # a thread's identity (9 fields) and a call's number and name.  Correct by
        # construction (the key is the whole input) and bounded.
        self._threads: dict[ThreadKey, str] = {}
        self._calls: dict[tuple[int, str, str], str] = {}

    def _thread(self, key: ThreadKey) -> str:
        pid, tid, ppid, comm, uid, euid, task_id, exe, cr3 = key
        if len(self._threads) >= _MAX_CACHED:
            self._threads.clear()
        text = self._threads[key] = (
            f'"pid":{_jint(pid)},"tid":{_jint(tid)},"ppid":{_jint(ppid)},'
            f'"comm":{_jopt(comm)},"uid":{_jint(uid)},"euid":{_jint(euid)},'
            f'"task_id":{_jopt(task_id)},"exe":{_jopt(exe)},"cr3":{_jint(cr3)},'
        )
        return text

    def _tail(self, cls: type[TraceEvent]) -> Callable[[TraceEvent], str] | None:
        if cls not in self._tails:
            self._tails[cls] = _tail_writer(tail_fields(cls, self.raw_values))
        return self._tails[cls]

    def _call(self, key: tuple[int, str, str]) -> str:
        if len(self._calls) >= _MAX_CACHED:
            self._calls.clear()
        nr, name, abi = key
        text = self._calls[key] = f'"nr":{_jint(nr)},"name":{_jstr(name)},"abi":{_jstr(abi)},'
        return text

    def event(self, ev: TraceEvent) -> None:
        # The hot path: the line is assembled directly, byte for byte what
        # json.dumps(obj, separators=(",", ":")) makes of the same dict (a unit test checks),
        # with the parts that repeat rendered once.
        # (attribute loads the interpreter specialises: cheaper than an attrgetter's getattr)
        key: ThreadKey = (
            ev.pid,
            ev.tid,
            ev.ppid,
            ev.comm,
            ev.uid,
            ev.euid,
            ev.task_id,
            ev.exe,
            ev.cr3,
        )
        thread = self._threads.get(key) or self._thread(key)
        ckey = (ev.nr, ev.name, ev.abi)
        call = self._calls.get(ckey) or self._call(ckey)
        ts_exit, ret, error = ev.ts_exit, ev.ret, ev.error
        tail = self._tails[type(ev)] if type(ev) in self._tails else self._tail(type(ev))
        # (an int formats as its repr in an f-string: the reader's are plain ints)
        self.out.write(
            f'{{"type":"syscall","ts":{ev.ts},"ts_exit":{"null" if ts_exit is None else ts_exit},'
            f'"vcpu":{ev.vcpu},{thread}{call}'
            f'"args":[{",".join(map(_jstr, ev.args))}],'
            f'"ret":{"null" if ret is None else ret},'
            f'"error":{"null" if error is None else _jstr(error)}'
            f"{'' if tail is None else tail(ev)}}}\n"
        )

    takes_notes = True  # events() writes a Note among them as note() does (sinks/base.py)

    def events(self, evs: Sequence[TraceEvent | Note]) -> None:
        # The same lines as event() (and note()) would write, made by _jsonl.c for the
        # whole batch and written at once (it renders a new thread's fragment itself, as
        # _thread() does); a batch it refuses (a field of a type the decoder never makes)
        # goes through event() and note().
        if not evs:
            return
        cls: type[TraceEvent] = TraceEvent  # (the first event's: a batch has one class)
        for ev in evs:
            if not isinstance(ev, Note):
                cls = type(ev)
                break
        tail = self._tails[cls] if cls in self._tails else self._tail(cls)
        try:
            text = _jsonl.lines(evs, self._threads, self._calls, self._call, tail)
        except TypeError:
            for ev in evs:
                if isinstance(ev, Note):
                    self.note(ev.tid, ev.text, ev.comm)
                else:
                    self.event(ev)
            return
        self.out.write(text)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        # the lines strace prints between calls (a signal, an exit, a vmstrace remark)
        # (json.dumps of {"type": "note", "tid": tid, "comm": comm, "text": text}, byte for
        # byte, without building the dict: a process-heavy trace has one per exit)
        self.out.write(
            f'{{"type":"note","tid":{_jint(tid)},"comm":{_jopt(comm)},"text":{_jstr(text)}}}\n'
        )

    def end(self, ev: EndEvent) -> None:
        obj = {
            "type": "end",
            "ts": ev.ts,
            "pid": ev.pid,
            "tid": ev.tid,
            "comm": ev.comm,
            "killed_by": ev.killed_by,
            "core_dumped": ev.core_dumped,
            "exit_code": ev.exit_code,
            "note": ev.note,
        }
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def flush(self) -> None:
        self.out.flush()

    def close(self, counts: TraceCounts) -> None:
        self.out.write(stats_line(counts))
        self.out.flush()

    def salvage(self, counts: TraceCounts, fd: int) -> None:
        """The file failed (a full file system): cut it back to its last whole line, so that
        every line parses, and end it with the stats record if there is room for it."""
        try:
            # the file was opened for writing only: the same file again, to read it too
            rw = os.open(f"/proc/self/fd/{fd}", os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            return  # not a file that can be mended (a pipe, a device)
        try:
            end = os.fstat(rw).st_size
            while end > 0:
                start = max(0, end - (1 << 16))
                at = os.pread(rw, end - start, start).rfind(b"\n")
                if at >= 0:
                    end = start + at + 1
                    break
                end = start
            os.ftruncate(rw, end)
            line = stats_line(counts).encode()
            if os.pwrite(rw, line, end) < len(line):  # no room for all of it
                os.ftruncate(rw, end)
        except OSError:
            pass  # no room at all: the file ends with its last whole line
        finally:
            os.close(rw)


def stats_line(counts: TraceCounts) -> str:
    """The record that closes the stream: the counts, and whether the trace is whole."""
    obj = {
        "type": "stats",
        "complete": counts.complete,
        "reason": counts.reason,
        "produced": counts.produced,
        "delivered": counts.delivered,
        "dropped": counts.dropped,
        "entries": counts.entries,
        "exits": counts.exits,
        "paired": counts.paired,
        "unfinished": counts.unfinished,
        "no_return": counts.no_return,
        "orphan_exits": counts.orphan_exits,
        "held": counts.held,
        "gaps": counts.gaps,
        "stale": counts.stale,
        "evicted": counts.evicted,
        "events": counts.shown,
        "guest_stalled_s": counts.guest_stalled_s,
    }
    return json.dumps(obj, separators=(",", ":")) + "\n"
