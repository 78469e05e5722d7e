"""A thread's end and bounded -c rows through the emitter and the sinks, on crafted items."""

from __future__ import annotations

import io
import json

from vmstrace.core.events import (
    EndEvent,
    Insn,
    RawEntry,
    TaskInfo,
    ThreadEnd,
    TraceCounts,
    TraceEvent,
    paired,
)
from vmstrace.pipeline import Decoder, Emitter
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.summary import OTHER_UNKNOWN, UNKNOWN_ROWS, SummarySink
from vmstrace.sinks.text import TextSink
from vmstrace.sinks.tree import Proc, ProcessTreeSink
from vmstrace.trace.attribution import ProcessTree

COUNTS = TraceCounts(
    produced=1, delivered=1, dropped=0, entries=1, exits=1, paired=1, unfinished=0, shown=1
)
KILLED = EndEvent(ts=7, pid=90, tid=91, comm="kid", killed_by="SIGKILL", exit_code=None, note=None)


def test_the_text_line_is_strace_s():
    out = io.StringIO()
    sink = TextSink(out)
    sink.end(KILLED)
    sink.end(EndEvent(8, 90, 90, "kid", None, 3, None))
    sink.end(EndEvent(8, 93, 93, "kid", "SIGSEGV", None, None, core_dumped=True))
    sink.end(EndEvent(9, 92, 92, None, None, None, "vmstrace: how it ended is unknown"))
    assert out.getvalue() == (
        "[pid 91] +++ killed by SIGKILL +++\n"
        "[pid 90] +++ exited with 3 +++\n"
        "[pid 93] +++ killed by SIGSEGV (core dumped) +++\n"
        "[pid 92] +++ vmstrace: how it ended is unknown +++\n"
    )


def test_the_json_record():
    out = io.StringIO()
    JsonSink(out).end(KILLED)
    assert json.loads(out.getvalue()) == {
        "type": "end",
        "ts": 7,
        "pid": 90,
        "tid": 91,
        "comm": "kid",
        "killed_by": "SIGKILL",
        "core_dumped": False,
        "exit_code": None,
        "note": None,
    }


def test_the_tree_shows_how_a_killed_process_ended():
    sink = ProcessTreeSink(io.StringIO())
    sink.procs[90] = Proc(90, 85, "kid")
    sink.end(KILLED)
    assert sink.procs[90].exit == "killed by SIGKILL"


def ev(nr: int, name: str) -> TraceEvent:
    return TraceEvent(
        ts=1,
        ts_exit=2,
        vcpu=0,
        pid=85,
        tid=85,
        ppid=1,
        comm="p",
        cr3=0,
        nr=nr,
        name=name,
        abi="x86_64",
        args=(),
        ret=-38,
        ret_text="-1 ENOSYS",
        error="ENOSYS",
    )


def test_unknown_numbers_past_the_limit_share_one_row():
    sink = SummarySink(io.StringIO())
    sink.events([ev(0x10000 + i, f"syscall_{0x10000 + i:#x}") for i in range(UNKNOWN_ROWS + 5)])
    sink.events([ev(0x20000, "syscall_0x20000"), ev(39, "getpid"), ev(0x10000, "syscall_0x10000")])
    rows = sink.summary.by_abi["x86_64"]
    assert len(rows) == UNKNOWN_ROWS + 2  # 64 own rows, the shared one, getpid
    assert rows[0x10000].calls == 2 and rows[39].name == "getpid"
    (other,) = [s for s in rows.values() if s.name == OTHER_UNKNOWN]
    assert (other.calls, other.errors) == (6, 6)
    sink.close(COUNTS)
    assert OTHER_UNKNOWN in sink.out.getvalue()  # type: ignore[attr-defined]


class Collect:
    def __init__(self) -> None:
        self.ends: list[EndEvent] = []
        self.lines: list[str] = []

    def event(self, e: TraceEvent) -> None:
        self.lines.append(e.name)

    def events(self, evs: list[TraceEvent]) -> None:
        self.lines += [e.name for e in evs]

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        self.lines.append(text)

    def end(self, e: EndEvent) -> None:
        self.ends.append(e)
        self.lines.append(e.text)

    def flush(self) -> None:
        pass

    def close(self, counts: TraceCounts) -> None:
        pass


def test_the_emitter_shows_ends_of_traced_processes_and_lets_their_pids_go():
    tree = ProcessTree()
    tree.root, tree.started, tree.pids = 85, True, {85, 90}
    kid = TaskInfo(task=0xFFFF8880002000, cr3=0x2000, pid=90, tid=90, ppid=85, comm="kid")
    stranger = TaskInfo(task=0xFFFF8880003000, cr3=0x3000, pid=400, tid=400, ppid=1)
    read = paired(
        RawEntry(
            1, 0, "x86_64", Insn.SYSCALL, 0x401000, 0x7FFC0000, 0, (3, 0x7FFC1000, 1, 0, 0, 0), kid
        ),
        None,
    )
    sink = Collect()
    out = Emitter(tree, Decoder(32), [sink])  # type: ignore[list-item]
    out.emit(
        [
            read,
            ThreadEnd(5, kid, signal=9),
            ThreadEnd(5, kid, signal=9, process=True, quiet=True),
            ThreadEnd(6, stranger, signal=9, process=True),
        ]
    )
    assert sink.lines == ["read", "killed by SIGKILL"]
    assert sink.ends[0] == EndEvent(5, 90, 90, "kid", "SIGKILL", None, None)
    assert tree.pids == {85}


def test_the_tree_keeps_a_bounded_number_of_processes(monkeypatch):
    from vmstrace.sinks import tree

    monkeypatch.setattr(tree, "MAX_PROCS", 3)
    out = io.StringIO()
    sink = ProcessTreeSink(out)
    for pid in (10, 11, 12, 13, 14, 13):
        sink.event(
            TraceEvent(
                ts=1,
                ts_exit=2,
                vcpu=0,
                pid=pid,
                tid=pid,
                ppid=1,
                comm="p",
                cr3=0,
                nr=39,
                name="getpid",
                abi="x86_64",
                args=(),
                ret=pid,
                ret_text=str(pid),
                error=None,
            )
        )
    sink.close(COUNTS)
    assert sorted(sink.procs) == [10, 11, 12]
    assert (
        out.getvalue()
        .splitlines()[-1]
        .endswith("vmstrace: 2 more processes not shown (it keeps 3)")
    )
