"""`--perfetto FILE`: the trace as a timeline, in Chrome's trace-event JSON format, which
Perfetto UI (ui.perfetto.dev) and chrome://tracing open.

One track per guest thread (pid and tid are the guest's), grouped per process and named
after it (metadata events, written at close when every name is known); one complete
slice ("X") per call, its arguments as strace renders them; instants ("i") for the
signals, exits and execs; a flow ("s" → "f") from each fork or clone to the child's first
call.  Times are the trace's ns, written as µs with three decimals.  A call that never
returned is a slice to its thread's next event or to the end of the trace, and says so
(``exit``/``exit_group``, which do not return, are instants).  Events are written as
they come; the file is valid JSON once closed.  Format notes: docs/columnar.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring_ascii as _jstr
from typing import Any, TextIO

from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.sinks.jsonl import stats_line
from vmstrace.syscalls import TABLES, Flag

FORKS = TABLES.names(Flag.FORK)
EXECS = TABLES.names(Flag.EXEC)
NO_RETURN = TABLES.names(Flag.NO_RETURN)
MAX_THREADS = 1 << 16  # threads named, flows waiting, calls open: bounds on guest-driven state


def _us(ns: int) -> str:
    """ns as µs, exactly (the format's unit is the µs; decimals are allowed)."""
    return f"{ns // 1000}.{ns % 1000:03d}" if ns >= 0 else f"-{_us(-ns)}"


class PerfettoSink:
    """Writes trace events as they come; names, open calls and the stats at close."""

    def __init__(self, out: TextIO, metadata: Callable[[], Mapping[str, Any]] | None = None):
        self.out = out
        self.metadata = metadata
        self.sep = ""  # between events: nothing before the first
        self.end_ts = 0  # the latest time seen: the end of the trace
        self.last: TraceEvent | None = None  # the call before a note: its time
        self.pids: dict[int, int] = {}  # tid -> its process
        self.comms: dict[int, str | None] = {}  # tid -> its latest comm
        self.open: dict[int, TraceEvent] = {}  # tid -> its call that did not return
        # the fork flows: a clone's child tid -> (the clone's ts, pid, tid), and back: a
        # thread's first call, by tid (a child can run before its parent's clone returns)
        self.flows: dict[int, tuple[int, int, int]] = {}
        self.firsts: dict[int, tuple[int, int]] = {}  # tid -> (first ts, pid)
        self.seen: set[str | int] = set()  # threads (task_id, else tid) seen
        self.next_flow = 1
        out.write('{"displayTimeUnit":"ns","traceEvents":[\n')

    def _write(self, lines: list[str]) -> None:
        if lines:
            self.out.write(self.sep + ",\n".join(lines))
            self.sep = ",\n"

    def event(self, ev: TraceEvent) -> None:
        self.events([ev])

    def events(self, evs: list[TraceEvent]) -> None:
        # The hot path (every call): the line is assembled in one f-string, times as µs
        # inline (ts is never negative: ns since the trace began); who a thread is (pid) is
        # kept when it is first seen, its name on every call (it changes at an exec).
        lines: list[str] = []
        add = lines.append
        comms, seen, open_ = self.comms, self.seen, self.open
        end_ts = self.end_ts
        for ev in evs:
            pid, tid = ev.pid, ev.tid
            if pid is None:
                pid = 0
            if tid is None:
                tid = 0
            ts, te = ev.ts, ev.ts_exit
            if open_ and tid in open_:
                add(self._unfinished(open_.pop(tid), ts, "the thread's next call"))
            key = ev.task_id or tid
            if key not in seen:
                self._first(key, pid, tid, ts, lines)
            if tid in comms:
                comms[tid] = ev.comm
            name = ev.name
            if te is None:
                if name in NO_RETURN:
                    add(
                        f'{{"ph":"i","s":"t","cat":"syscall","name":{_jstr(name)},"pid":{pid},'
                        f'"tid":{tid},"ts":{_us(ts)},"args":{{"args":{_jstr(", ".join(ev.args))},'
                        f'"ret":null,"vcpu":{ev.vcpu}}}}}'
                    )
                elif len(open_) < MAX_THREADS:
                    open_[tid] = ev
                if ts > end_ts:
                    end_ts = ts
                continue
            if te > end_ts:
                end_ts = te
            dur = te - ts if te > ts else 0
            error, ret = ev.error, ev.ret
            add(
                f'{{"ph":"X","cat":"syscall","name":{_jstr(name)},"pid":{pid},"tid":{tid},'
                f'"ts":{ts // 1000}.{ts % 1000:03d},"dur":{dur // 1000}.{dur % 1000:03d},'
                f'"args":{{"args":{_jstr(", ".join(ev.args))},'
                f'"ret":{"null" if ret is None else ret},'
                f'"errno":{"null" if error is None else _jstr(error)},"vcpu":{ev.vcpu}}}}}'
            )
            if error is None and ret is not None:
                if name in FORKS and ret > 0:
                    self._fork(ev, pid, tid, lines)
                elif name in EXECS and ret == 0:
                    what = ev.exe or (ev.args[1 if name == "execveat" else 0] if ev.args else "")
                    add(self._instant(pid, tid, te, f"exec {what}", "exec"))
        self.end_ts = end_ts
        if evs:
            self.last = evs[-1]
        self._write(lines)

    def _first(self, key: str | int, pid: int, tid: int, ts: int, lines: list[str]) -> None:
        """A thread's first call: the end of the flow from its parent's clone, if that
        came first; else remembered for the clone to find."""
        if len(self.seen) >= MAX_THREADS:
            return
        self.seen.add(key)
        self.pids[tid] = pid  # (a reused tid: the new thread's)
        self.comms[tid] = None
        clone = self.flows.pop(tid, None)
        if clone is not None and clone[0] <= ts:
            lines += self._flow(*clone, pid, tid, ts)
        else:
            self.firsts[tid] = (ts, pid)

    def _fork(self, ev: TraceEvent, pid: int, tid: int, lines: list[str]) -> None:
        child = ev.ret
        assert child is not None
        first = self.firsts.pop(child, None)
        if first is not None and first[0] >= ev.ts:  # the child ran first
            lines += self._flow(ev.ts, pid, tid, first[1], child, first[0])
        elif len(self.flows) < MAX_THREADS:
            self.flows[child] = (ev.ts, pid, tid)

    def _flow(self, at: int, pid: int, tid: int, cpid: int, ctid: int, cts: int) -> list[str]:
        """The flow from a clone (its entry, ``at``: its slice's start, before anything the
        child does) to the child's first call (``cts``), written once both are known, so
        that no flow is left without its end.  ``"bp":"e"``: the end binds to the slice
        that encloses it (the child's call), not to the next one."""
        fid, self.next_flow = self.next_flow, self.next_flow + 1
        return [
            f'{{"ph":"s","cat":"fork","name":"fork","id":{fid},"pid":{pid},"tid":{tid},'
            f'"ts":{_us(at)}}}',
            f'{{"ph":"f","bp":"e","cat":"fork","name":"fork","id":{fid},"pid":{cpid},'
            f'"tid":{ctid},"ts":{_us(cts)}}}',
        ]

    @staticmethod
    def _instant(pid: int, tid: int, ts: int, name: str, cat: str, text: str = "") -> str:
        args = f',"args":{{"text":{_jstr(text)}}}' if text else ""
        return (
            f'{{"ph":"i","s":"t","cat":"{cat}","name":{_jstr(name)},"pid":{pid},"tid":{tid},'
            f'"ts":{_us(ts)}{args}}}'
        )

    def _unfinished(self, ev: TraceEvent, end: int, until: str) -> str:
        pid = ev.pid if ev.pid is not None else 0
        tid = ev.tid if ev.tid is not None else 0
        end = max(end, ev.ts)
        why = _jstr(f"no return seen: the slice ends at {until}")
        return (
            f'{{"ph":"X","cat":"syscall","name":{_jstr(ev.name)},"pid":{pid},"tid":{tid},'
            f'"ts":{_us(ev.ts)},"dur":{_us(end - ev.ts)},'
            f'"args":{{"args":{_jstr(", ".join(ev.args))},"ret":null,"errno":null,'
            f'"vcpu":{ev.vcpu},"unfinished":{why}}}}}'
        )

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        # a note follows its call: at that call's return (or entry), else at the latest time
        last, ts = self.last, self.end_ts
        if last is not None and last.tid == tid:
            ts = last.ts if last.ts_exit is None else last.ts_exit
        t = tid if tid is not None else 0
        pid = self.pids.get(t, t)
        if text.startswith("--- "):
            name = "signal " + text[4:].split(" ", 1)[0]
            cat = "signal"
        elif text.startswith("+++ "):
            name, cat = text.strip("+ "), "exit"
        else:
            name, cat = "vmstrace note", "note"
        self._write([self._instant(pid, t, ts, name, cat, text)])

    def end(self, ev: EndEvent) -> None:
        tid = ev.tid if ev.tid is not None else 0
        pid = ev.pid if ev.pid is not None else tid
        lines = []
        call = self.open.pop(tid, None)
        if call is not None:  # it died in this call: the call ends when its reaper learnt it
            lines.append(self._unfinished(call, ev.ts, "its thread's end"))
        if ev.ts > self.end_ts:
            self.end_ts = ev.ts
        lines.append(self._instant(pid, tid, ev.ts, ev.text, "exit", f"+++ {ev.text} +++"))
        self._write(lines)

    def flush(self) -> None:
        self.out.flush()

    def close(self, counts: TraceCounts) -> None:
        lines = [
            self._unfinished(call, self.end_ts, "the end of the trace")
            for call in self.open.values()
        ]
        self.open.clear()
        procs: dict[int, str | None] = {}
        for tid, pid in self.pids.items():
            if tid == pid or pid not in procs:
                procs[pid] = self.comms[tid]
        for pid, comm in sorted(procs.items()):
            name = _jstr(comm or "?")
            lines.append(
                f'{{"ph":"M","name":"process_name","ts":0,"pid":{pid},"tid":{pid},'
                f'"args":{{"name":{name}}}}}'
            )
            lines.append(
                f'{{"ph":"M","name":"process_sort_index","ts":0,"pid":{pid},"tid":{pid},'
                f'"args":{{"sort_index":{pid}}}}}'
            )
        for tid, pid in sorted(self.pids.items()):
            comm = self.comms[tid]
            lines.append(
                f'{{"ph":"M","name":"thread_name","ts":0,"pid":{pid},"tid":{tid},'
                f'"args":{{"name":{_jstr(comm or "?")}}}}}'
            )
            lines.append(
                f'{{"ph":"M","name":"thread_sort_index","ts":0,"pid":{pid},"tid":{tid},'
                f'"args":{{"sort_index":{tid}}}}}'
            )
        self._write(lines)
        other: dict[str, Any] = {"stats": json.loads(stats_line(counts))}
        if self.metadata is not None:
            other.update(self.metadata())
        self.out.write(
            '\n],"otherData":' + json.dumps(other, separators=(",", ":"), default=str) + "}\n"
        )
        self.out.flush()
