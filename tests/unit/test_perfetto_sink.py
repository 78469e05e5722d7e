"""--perfetto (sinks/perfetto.py) on crafted events: the trace-event format, slices,
instants, fork flows either way round, unfinished calls, names."""

from __future__ import annotations

import io
import json

from trace_formats import check_trace_events
from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.sinks.perfetto import PerfettoSink

COUNTS = TraceCounts(
    produced=8, delivered=8, dropped=0, entries=4, exits=4, paired=4, unfinished=0, shown=4
)


def ev(
    name: str,
    ts: int,
    ts_exit: int | None,
    tid: int = 85,
    pid: int | None = None,
    ret: int | None = 0,
    error: str | None = None,
    args: tuple[str, ...] = ("3",),
    comm: str = "sh",
    exe: str | None = None,
) -> TraceEvent:
    return TraceEvent(
        ts=ts,
        ts_exit=ts_exit,
        vcpu=0,
        pid=tid if pid is None else pid,
        tid=tid,
        ppid=1,
        comm=comm,
        cr3=0x1000,
        nr=0,
        name=name,
        abi="x86_64",
        args=args,
        ret=ret,
        ret_text=str(ret),
        error=error,
        task_id=f"1:{tid}",
        exe=exe,
    )


def timeline(feed) -> list[dict]:
    out = io.StringIO()
    sink = PerfettoSink(out, lambda: {"guest": "default"})
    feed(sink)
    sink.close(COUNTS)
    doc = json.loads(out.getvalue())
    assert doc["otherData"]["guest"] == "default"
    assert doc["otherData"]["stats"]["complete"] is True
    return check_trace_events(doc)


def by_phase(events: list[dict], ph: str) -> list[dict]:
    return [e for e in events if e["ph"] == ph]


def test_a_call_is_a_complete_slice_in_microseconds():
    events = timeline(
        lambda s: s.events(
            [
                ev("openat", 1_234_567, 1_240_001, args=("AT_FDCWD", '"/x"', "O_RDONLY"), ret=3),
                ev("openat", 1_250_000, 1_250_000, ret=-2, error="ENOENT"),
            ]
        )
    )
    first, second = by_phase(events, "X")
    assert first == {
        "ph": "X",
        "cat": "syscall",
        "name": "openat",
        "pid": 85,
        "tid": 85,
        "ts": 1234.567,
        "dur": 5.434,
        "args": {"args": 'AT_FDCWD, "/x", O_RDONLY', "ret": 3, "errno": None, "vcpu": 0},
    }
    assert (second["dur"], second["args"]["ret"], second["args"]["errno"]) == (0, -2, "ENOENT")


def test_names_group_threads_under_their_process():
    events = timeline(
        lambda s: s.events(
            [
                ev("read", 10, 20, tid=90, pid=85, comm="worker"),
                ev("read", 30, 40, tid=85, comm="server"),
            ]
        )
    )
    meta = {(e["name"], e["tid"]): e["args"] for e in by_phase(events, "M")}
    assert meta[("process_name", 85)] == {"name": "server"}  # the main thread's name
    assert meta[("thread_name", 90)] == {"name": "worker"}
    assert meta[("thread_name", 85)] == {"name": "server"}
    assert meta[("thread_sort_index", 90)] == {"sort_index": 90}
    assert {e["pid"] for e in by_phase(events, "M")} == {85}


def flows(events: list[dict]) -> list[tuple[str, int, int, float]]:
    return sorted((e["ph"], e["id"], e["tid"], e["ts"]) for e in events if e["ph"] in "sf")


def test_fork_flow_to_the_childs_first_call():
    events = timeline(
        lambda s: s.events(
            [
                ev("clone", 1000, 5000, ret=86),
                ev("getpid", 6000, 7000, tid=86, ret=86),
                ev("execve", 8000, 9000, tid=86, args=('"/bin/cat"',), exe="/bin/busybox"),
            ]
        )
    )
    assert flows(events) == [("f", 1, 86, 6.0), ("s", 1, 85, 1.0)]
    (execd,) = [e for e in by_phase(events, "i") if e["cat"] == "exec"]
    assert (execd["name"], execd["tid"], execd["ts"]) == ("exec /bin/busybox", 86, 9.0)


def test_fork_flow_when_the_child_runs_before_the_clone_returns():
    events = timeline(
        lambda s: s.events(
            [
                ev("getpid", 2000, 3000, tid=86, ret=86),
                ev("clone", 1000, 5000, ret=86),
            ]
        )
    )
    assert flows(events) == [("f", 1, 86, 2.0), ("s", 1, 85, 1.0)]


def test_a_failed_fork_has_no_flow():
    events = timeline(lambda s: s.events([ev("clone", 1000, 5000, ret=-11, error="EAGAIN")]))
    assert flows(events) == []


def test_an_unfinished_call_ends_at_the_threads_next_call_or_the_trace_end():
    events = timeline(
        lambda s: (
            s.events([ev("read", 1000, None, ret=None), ev("write", 3000, 4000, tid=90)]),
            s.events([ev("wait4", 5000, 6000), ev("pause", 7000, None, tid=90, ret=None)]),
            s.events([ev("getpid", 9000, 9500)]),
        )
    )
    slices = {(e["name"], e["tid"]): e for e in by_phase(events, "X")}
    read, pause = slices[("read", 85)], slices[("pause", 90)]
    assert (read["ts"], read["dur"], read["args"]["ret"]) == (1.0, 4.0, None)
    assert read["args"]["unfinished"] == "no return seen: the slice ends at the thread's next call"
    assert (pause["ts"], pause["dur"]) == (7.0, 2.5)  # to the trace's last time, 9.5 µs
    assert pause["args"]["unfinished"] == "no return seen: the slice ends at the end of the trace"


def test_exits_signals_and_ends_are_instants():
    def feed(s: PerfettoSink) -> None:
        s.events([ev("wait4", 1000, 2000, ret=86)])
        s.note(85, "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---", "sh")
        s.events([ev("read", 3000, None, tid=90, pid=85, ret=None)])
        s.end(EndEvent(4000, 85, 90, "sh", "SIGKILL", None, None))
        s.events([ev("exit_group", 5000, None, ret=None, args=("0",))])
        s.note(85, "+++ exited with 0 +++", "sh")

    events = timeline(feed)
    got = [(e["cat"], e["name"], e["tid"], e["ts"]) for e in by_phase(events, "i")]
    assert got == [
        ("signal", "signal SIGCHLD", 85, 2.0),
        ("exit", "killed by SIGKILL", 90, 4.0),
        ("syscall", "exit_group", 85, 5.0),
        ("exit", "exited with 0", 85, 5.0),
    ]
    (read,) = [e for e in by_phase(events, "X") if e["name"] == "read"]
    assert (read["dur"], read["args"]["unfinished"]) == (
        1.0,
        "no return seen: the slice ends at its thread's end",
    )


def test_guest_strings_stay_json():
    events = timeline(
        lambda s: s.events([ev("read", 1, 2, comm='a"b\\c\udc80', args=('"\\x00"', "1"))])
    )
    (thread,) = [e for e in by_phase(events, "M") if e["name"] == "thread_name"]
    assert thread["args"]["name"] == 'a"b\\c\udc80'


def test_what_it_keeps_per_thread_is_bounded(monkeypatch):
    monkeypatch.setattr("vmstrace.sinks.perfetto.MAX_THREADS", 4)
    out = io.StringIO()
    sink = PerfettoSink(out)
    for tid in range(100, 120):  # each thread: a clone of a child never seen, a call left open
        sink.events([ev("clone", tid * 10, tid * 10 + 5, tid=tid, ret=tid + 1000)])
        sink.events([ev("read", tid * 10 + 6, None, tid=tid, ret=None)])
    assert (
        max(len(sink.pids), len(sink.comms), len(sink.seen), len(sink.flows), len(sink.open)) <= 4
    )
    sink.close(COUNTS)
    events = json.loads(out.getvalue())["traceEvents"]
    assert len([e for e in events if e["name"] == "clone"]) == 20
    assert not [e for e in events if e["ph"] in "sf"]  # no child seen: no flow, not half of one
