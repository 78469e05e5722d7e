"""strace -c's table (sinks/summary.py) and the text sink's -t/-T, on crafted TraceEvents."""

from __future__ import annotations

import io
import time

import pytest

from vmstrace.core.events import TraceCounts, TraceEvent
from vmstrace.sinks.summary import SummarySink
from vmstrace.sinks.text import TextSink

COUNTS = TraceCounts(
    produced=1, delivered=1, dropped=0, entries=1, exits=1, paired=1, unfinished=0, shown=1
)


def ev(
    name: str,
    nr: int,
    took_ns: int | None,
    error: str | None = None,
    ts: int = 1_000,
    abi: str = "x86_64",
) -> TraceEvent:
    return TraceEvent(
        ts=ts,
        ts_exit=None if took_ns is None else ts + took_ns,
        vcpu=0,
        pid=85,
        tid=85,
        ppid=1,
        comm="probe",
        cr3=0x1000,
        nr=nr,
        name=name,
        abi=abi,
        args=("3",),
        ret=None if took_ns is None else (-2 if error else 0),
        ret_text="?"
        if took_ns is None
        else ("-1 ENOENT (No such file or directory)" if error else "0"),
        error=error,
    )


def summary(events: list[TraceEvent]) -> str:
    out = io.StringIO()
    sink = SummarySink(out)
    for e in events:
        sink.event(e)
    sink.note(85, "+++ exited with 0 +++")
    sink.close(COUNTS)
    return out.getvalue()


def test_table_as_strace_prints_it():
    events = [
        ev("openat", 257, 30_000),
        ev("close", 3, 5_000),
        ev("openat", 257, 20_000),
        ev("read", 0, 40_000),
        ev("openat", 257, 10_000, "ENOENT"),
        ev("close", 3, 7_000),
        ev("exit_group", 231, None),
    ]
    assert summary(events) == (
        "% time     seconds  usecs/call     calls    errors syscall\n"
        "------ ----------- ----------- --------- --------- ----------------\n"
        " 53.57    0.000060          20         3         1 openat\n"
        " 35.71    0.000040          40         1           read\n"
        " 10.71    0.000012           6         2           close\n"
        "  0.00    0.000000           0         1           exit_group\n"
        "------ ----------- ----------- --------- --------- ----------------\n"
        "100.00    0.000112          16         7         1 total\n"
    )


def test_long_names_widen_the_name_column_and_ties_keep_number_order():
    events = [ev("sched_get_priority_max", 146, 0), ev("getpid", 39, 0), ev("read", 0, 0)]
    assert summary(events) == (
        "% time     seconds  usecs/call     calls    errors syscall\n"
        "------ ----------- ----------- --------- --------- -----------------------\n"
        "  0.00    0.000000           0         1           read\n"
        "  0.00    0.000000           0         1           getpid\n"
        "  0.00    0.000000           0         1           sched_get_priority_max\n"
        "------ ----------- ----------- --------- --------- -----------------------\n"
        "100.00    0.000000           0         3           total\n"
    )


def test_second_abi_gets_its_own_table():
    events = [
        ev("read", 0, 2_000_000),
        ev("read", 3, 1_500, abi="i386"),
        ev("write", 4, 500, "EBADF", abi="i386"),
    ]
    assert summary(events) == (
        "% time     seconds  usecs/call     calls    errors syscall\n"
        "------ ----------- ----------- --------- --------- ----------------\n"
        "100.00    0.002000        2000         1           read\n"
        "------ ----------- ----------- --------- --------- ----------------\n"
        "100.00    0.002000        2000         1           total\n"
        "System call usage summary for 32 bit mode:\n"
        "% time     seconds  usecs/call     calls    errors syscall\n"
        "------ ----------- ----------- --------- --------- ----------------\n"
        " 75.00    0.000002           1         1           read\n"
        " 25.00    0.000000           0         1         1 write\n"
        "------ ----------- ----------- --------- --------- ----------------\n"
        "100.00    0.000002           1         2         1 total\n"
    )


def test_no_calls_prints_nothing():
    assert summary([]) == ""


def text(events: list[TraceEvent], **kw: int | bool) -> str:
    out = io.StringIO()
    sink = TextSink(out, **kw)  # type: ignore[arg-type]
    sink.set_origin(1_700_000_000_123_456_000)
    for e in events:
        sink.event(e)
    return out.getvalue()


@pytest.mark.parametrize(
    "kw, prefix, suffix",
    [
        ({}, "", ""),
        ({"durations": True}, "", " <0.000012>"),
        ({"timestamps": 3}, "1700000000.123457 ", ""),
        ({"timestamps": 3, "durations": True}, "1700000000.123457 ", " <0.000012>"),
    ],
)
def test_text_timestamps_and_durations(kw, prefix, suffix):
    got = text([ev("close", 3, 12_345, ts=1_000)], **kw)
    assert got == f"[pid 85] {prefix}close(3) = 0{suffix}\n"


@pytest.mark.parametrize("count, fmt", [(1, "%H:%M:%S "), (2, "%H:%M:%S.123457 ")])
def test_text_clock_timestamps_are_local_time(count, fmt):
    want = time.strftime(fmt, time.localtime(1_700_000_000))
    assert text([ev("close", 3, 1, ts=1_000)], timestamps=count) == f"[pid 85] {want}close(3) = 0\n"


def test_unfinished_call_has_no_duration():
    got = text([ev("exit_group", 231, None)], durations=True)
    assert got == "[pid 85] exit_group(3) = ?\n"
