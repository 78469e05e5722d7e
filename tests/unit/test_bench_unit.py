"""The consumer hot path keeps its behaviour after the speed work; bench's result rows."""

from __future__ import annotations

import dataclasses
import io
import json
import struct

import pytest

from vmstrace.bench import (
    SINKS,
    STAGES,
    Row,
    Sample,
    decode_bench,
    decode_stages,
    describe_decode,
    reconciles,
)
from vmstrace.capture.records import ENTRY, EXIT, REC_HDR, STATS, RecordReader
from vmstrace.core.abi import MAGIC, VERSION
from vmstrace.core.events import TraceCounts, TraceEvent
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.trace.attribution import TASK_BYTES, decode_task

TASK = 0xFFFF888000100000


def _event(**over: object) -> TraceEvent:
    base: dict[str, object] = dict(
        ts=12,
        ts_exit=40,
        vcpu=0,
        pid=85,
        tid=86,
        ppid=1,
        comm="probe",
        cr3=0x1000,
        nr=257,
        name="openat",
        abi="x86_64",
        args=("AT_FDCWD", '"/etc/hostname"', "O_RDONLY"),
        ret=3,
        ret_text="3",
        error=None,
    )
    base.update(over)
    return TraceEvent(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "ev",
    [
        _event(),
        _event(ts_exit=None, pid=None, tid=None, ppid=None, comm=None, ret=None, args=()),
        _event(comm='näme\t"q"', args=('"\\x00\\n"', "ü€", "\\"), ret=-2, error="ENOENT"),
        _event(cr3=2**64 - 1, ts=0, nr=2**64 - 1, args=("0",)),
    ],
)
@pytest.mark.parametrize("raw", [False, True])
def test_json_line_is_what_json_dumps_makes(ev, raw):
    ev = dataclasses.replace(ev, raw_args=(1, 2**64 - 1, 0, 0, 0, 7), raw_ret=2**64 - 2)
    out = io.StringIO()
    JsonSink(out, raw_values=raw).event(ev)
    line = out.getvalue()
    obj = json.loads(line)
    # byte for byte json.dumps's rendering (escapes, spacing, key order kept by loads) ...
    assert line == json.dumps(obj, separators=(",", ":")) + "\n"
    # ... of every field of the event, ret_text aside (the text sink's), the raw values
    # with the option
    fields = {f.name: getattr(ev, f.name) for f in dataclasses.fields(ev)}
    fields.pop("ret_text")
    fields["args"] = list(ev.args)
    fields["raw_args"] = list(ev.raw_args)
    if not raw:
        del fields["raw_args"], fields["raw_ret"]
    assert obj == {"type": "syscall", **fields}


def _record(rtype: int, body: bytes, ts: int) -> bytes:
    return REC_HDR.pack(rtype, 0, REC_HDR.size + len(body), ts) + body


def _task(tid: int) -> bytes:
    block = bytearray(TASK_BYTES.size)  # layout: trace/attribution.py
    struct.pack_into("<ii16s", block, 0, tid, tid, b"probe")
    return bytes(block) + b"\0" * (-len(block) % 8)


def _stream(calls: int) -> bytes:
    out = [struct.pack("<8sII", MAGIC, VERSION, TASK_BYTES.size)]
    for i in range(calls):
        tid = 80 + i % 3
        out.append(
            _record(
                1,
                ENTRY.pack(
                    0x1000, TASK + tid, 0x401000, 0x7FFC0000, 39, *(0,) * 6, 0, 0, 1, 1, 0, 0
                )
                + _task(tid),
                2 * i,
            )
        )
        out.append(
            _record(
                2,
                EXIT.pack(
                    0x1000,
                    TASK + tid,
                    0xFFFFFFFF81000000,
                    tid,
                    39,
                    0x7FFC0000,
                    0x401002,
                    0,
                    0,
                    0,
                    4,
                    1,
                    0,
                    0,
                )
                + _task(tid),
                2 * i + 1,
            )
        )
    out.append(_record(3, STATS.pack(calls, calls, 2 * calls, 0, 0, 0, 0, 0, 0), 2 * calls))
    return b"".join(out)


class _Trickle(io.RawIOBase):
    """A pipe that hands out at most ``step`` bytes per read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.pos, self.step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        n = min(len(b), self.step, len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


@pytest.mark.parametrize("step", [1, 7, 16, 4096])
def test_reader_gives_the_same_events_however_the_pipe_splits_them(step):
    data = _stream(50)
    whole = list(RecordReader(io.BytesIO(data), decode_task))
    pieces = RecordReader(io.BufferedReader(_Trickle(data, step), 64), decode_task)
    assert list(pieces) == whole
    assert pieces.delivered == 100 and len(whole) == 101


def test_return_value_is_computed_once_and_stays_the_same(decode_call):
    call = decode_call("read", [3, 0x1000, 10], ret=-2)
    assert call.ret == -2 and call.ret == -2
    assert call == decode_call("read", [3, 0x1000, 10], ret=-2)  # the cache is not a field


@pytest.mark.parametrize("sink", SINKS)
def test_decode_bench_counts_every_record_and_call(tmp_path, sink):
    raw = tmp_path / "raw"
    raw.write_bytes(_stream(30))
    result = decode_bench(raw, repeat=1, trace_all=True, sink=sink)
    assert (result.records, result.syscalls, result.sink, result.shown) == (60, 30, sink, None)


def test_decode_bench_with_a_filter_counts_what_it_kept(tmp_path):
    raw = tmp_path / "raw"
    raw.write_bytes(_stream(30))
    result = decode_bench(raw, repeat=1, trace_all=True, qualifiers=("trace=none",))
    assert (result.records, result.syscalls, result.shown) == (60, 30, 0)
    assert "-e trace=none (0 shown)" in describe_decode(raw, result)


def test_decode_stages_time_each_stage_of_the_same_pipeline(tmp_path):
    raw = tmp_path / "s.rec"
    raw.write_bytes(_stream(30))
    paired, seconds = decode_stages(raw, repeat=2, trace_all=True)
    assert paired == 30
    assert len(seconds) == len(STAGES) and all(s >= 0 for s in seconds) and sum(seconds) > 0


def test_row_json_has_the_documented_keys():
    row = Row(
        "syscalls",
        "vmstrace",
        [
            Sample(2.0, 9.0, 100, 0, 30.0, True, 0.0),
            Sample(4.0, 11.0, 100, 0, 31.0, True, 0.25),
            Sample(3.0, 10.0, 100, 0, 29.0, True, 0.0),
        ],
        ratio=1.5,
    )
    got = row.as_json()
    assert got["samples_s"] == [2.0, 4.0, 3.0] and got["guest_stalled_s"] == 0.25
    assert got["cpu_median_s"] is None and got["cpu_samples_s"] == [None] * 3
    assert got["reconciled"] is True
    assert {
        k: got[k]
        for k in ("workload", "mode", "median_s", "ratio", "events", "lost", "peak_rss_mb")
    } == {
        "workload": "syscalls",
        "mode": "vmstrace",
        "median_s": 3.0,
        "ratio": 1.5,
        "events": 100,
        "lost": 0,
        "peak_rss_mb": 31.0,
    }
    assert got["host_median_s"] == 10.0 and got["clock"] == "guest CLOCK_MONOTONIC"


def _counts(**kw: int | None) -> TraceCounts:
    base: dict = dict(
        produced=10,
        delivered=10,
        dropped=0,
        entries=6,
        exits=4,
        paired=4,
        unfinished=1,
        no_return=1,
        shown=5,
    )
    return TraceCounts(**(base | kw))


@pytest.mark.parametrize(
    "change,ok",
    [
        ({}, True),
        ({"delivered": 9}, False),  # a record lost on the way
        ({"produced": None}, False),  # no STATS: the stream was cut
        ({"dropped": 1}, False),
        ({"exits": 5, "produced": 11, "delivered": 11}, False),  # an exit without its entry
        ({"orphan_exits": 1}, False),  # one the plugin could not pair (a reused task)
        ({"gaps": 1}, False),  # a thread's record never came
        ({"stale": 1}, False),  # one came after a later one had gone on
        ({"held": 3}, True),  # records put back in their thread's order
    ],
)
def test_counts_reconcile_exactly(change, ok):
    assert reconciles(_counts(**change)) is ok


def test_row_reconciled_only_when_every_sample_is():
    good, bad = Sample(1, 1, 1, 0, 1, True), Sample(1, 1, 1, 0, 1, False)
    assert Row("files", "vmstrace", [good, good]).reconciled is True
    assert Row("files", "vmstrace", [good, bad]).reconciled is False
    assert Row("files", "untraced", [Sample(1, 1, None, None, 1)]).reconciled is None


def test_host_cpu_is_shared_among_the_guests_run_at_once(monkeypatch, tmp_path):
    """Each sample's host CPU: the runs' total (the tracer and its reaped QEMUs), divided
    among the guests that ran at once."""
    from vmstrace import bench as b

    cpu = iter([10.0, 13.0, 20.0, 20.5, 30.0, 34.0])  # the CPU clock before and after each
    monkeypatch.setattr(b, "_cpu_now", lambda: next(cpu))
    events = {"untraced": None, "vmstrace": 1000}
    monkeypatch.setattr(
        b,
        "run_once",
        lambda w, mode, scale, initrd, d: Sample(1.0, 2.0, events[mode], 0, 50.0, True, 0.0),
    )
    # (the guests' processes: tests/e2e/test_bench.py runs them)
    monkeypatch.setattr(b, "_apart", lambda runs: [b.run_once(*args) for args in runs])
    samples = b._at_once(b.WORKLOADS["files"], "untraced", 1.0, tmp_path, tmp_path, 1)
    assert [s.cpu_s for s in samples] == [3.0]
    samples = b._at_once(b.WORKLOADS["files"], "vmstrace", 1.0, tmp_path, tmp_path, 1)
    assert [s.cpu_s for s in samples] == [0.5]
    pair = b._at_once(b.WORKLOADS["files"], "vmstrace", 1.0, tmp_path, tmp_path, 2)
    assert [s.cpu_s for s in pair] == [2.0, 2.0]  # 4 s for the two at once


def test_compare_gives_ratios_and_cpu_per_call():
    from vmstrace.bench import compare

    def row(mode: str, seconds: float, cpu: float, events: int | None) -> Row:
        return Row("files", mode, [Sample(seconds, 3.0, events, 0, 50.0, cpu_s=cpu)])

    untraced, traced = row("untraced", 2.0, 3.0, None), row("vmstrace", 2.5, 3.5, 1000)
    compare([untraced, traced, Row("tar", "vmstrace", [Sample(1.0, 2.0, 10, 0, 50.0)])])
    assert untraced.ratio == 1.0 and untraced.cpu_per_call_us is None
    assert traced.ratio == 1.25 and traced.cpu_per_call_us == pytest.approx(500.0)
    # with the boot measured too, its excess (the tracer's start) is not the calls'
    boot = [
        Row("boot", "untraced", [Sample(3.0, 3.0, None, 0, 50.0, cpu_s=2.5)]),
        Row("boot", "vmstrace", [Sample(3.1, 3.1, 470, 0, 50.0, cpu_s=2.8)]),
    ]
    compare([*boot, untraced, traced])
    assert traced.cpu_per_call_us == pytest.approx(200.0)
    assert boot[1].cpu_per_call_us is None and boot[1].ratio == pytest.approx(3.1 / 3.0)


@pytest.mark.parametrize("given", [["--stages"], ["--sink", "summary"], ["-e", "trace=read"]])
def test_consumer_options_without_a_recording_are_refused(given):
    """Options that only time the consumer say so, instead of being ignored by a guest run."""
    from click.testing import CliRunner

    from vmstrace.cli import main

    run = CliRunner().invoke(main, ["bench", *given])
    assert run.exit_code != 0
    assert "give --decode FILE" in run.output


def test_a_bad_filter_for_the_consumer_is_one_error(tmp_path):
    from click.testing import CliRunner

    from vmstrace.cli import main

    raw = tmp_path / "raw"
    raw.write_bytes(_stream(3))
    run = CliRunner().invoke(main, ["bench", "--decode", str(raw), "-e", "trace=nosuchcall"])
    assert run.exit_code != 0
    assert run.output.startswith("vmstrace: ") and "nosuchcall" in run.output
