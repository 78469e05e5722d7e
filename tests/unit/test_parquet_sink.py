"""--parquet (sinks/parquet.py) and `vmstrace convert` on crafted events: the schema, the
rows and values read back with pyarrow, the footer, row groups, hostile values, DuckDB
queries (also over a directory of runs), and conversion of whole, cut and bad traces."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vmstrace.cli import main
from vmstrace.convert import convert
from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.parquet import SCHEMA, ParquetSink

COUNTS = TraceCounts(
    produced=8, delivered=8, dropped=0, entries=4, exits=4, paired=4, unfinished=0, shown=4
)


def ev(name: str, ts: int, *, tid: int = 85, ret: int | None = 0, **kw) -> TraceEvent:
    fields = dict(
        ts=ts,
        ts_exit=None if ret is None else ts + 500,
        vcpu=0,
        pid=85,
        tid=tid,
        ppid=1,
        comm="sh",
        cr3=0x1000,
        nr=0,
        name=name,
        abi="x86_64",
        args=("3", '"x"'),
        ret=ret,
        ret_text=str(ret),
        error=None,
        uid=0,
        euid=0,
        task_id=f"7:{tid}",
        exe="/bin/busybox",
        raw_args=(3, 0x7FFC0000, 1, 0, 0, 1 << 63),
        raw_ret=None if ret is None else ret & ((1 << 64) - 1),
    )
    fields.update(kw)
    return TraceEvent(**fields)


EVENTS = [
    ev("openat", 1000, ret=-2, error="ENOENT"),
    ev("read", 2000, tid=86, comm="worker"),
    ev("read", 3000, ret=3),
    ev("exit_group", 4000, ret=None, args=("0",)),
]


def feed(sink) -> None:
    sink.events(EVENTS[:3])
    sink.events(EVENTS[3:])
    sink.note(85, "+++ exited with 0 +++", "sh")
    sink.end(EndEvent(5000, 85, 86, "worker", "SIGKILL", None, None, core_dumped=True))


def write(path: Path, evs=EVENTS, row_group: int = 2, **kw) -> Path:
    with open(path, "wb") as f:
        sink = ParquetSink(f, lambda: {"guest": "default", "kernel_release": "6.1"}, row_group)
        if evs is EVENTS:
            feed(sink)
        else:
            sink.events(evs)
        sink.close(COUNTS)
    return path


def test_rows_and_values_read_back(tmp_path):
    path = write(tmp_path / "t.parquet")
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == SCHEMA.remove_metadata()
    assert pq.ParquetFile(path).metadata.num_row_groups == 3  # 6 rows, 2 a group
    rows = table.to_pylist()
    assert [r["type"] for r in rows] == ["syscall"] * 4 + ["note", "end"]
    assert rows[0] | {} == {
        "type": "syscall",
        "ts": 1000,
        "ts_exit": 1500,
        "vcpu": 0,
        "pid": 85,
        "tid": 85,
        "ppid": 1,
        "comm": "sh",
        "uid": 0,
        "euid": 0,
        "task_id": "7:85",
        "exe": "/bin/busybox",
        "cr3": 0x1000,
        "nr": 0,
        "name": "openat",
        "abi": "x86_64",
        "args": ["3", '"x"'],
        "ret": -2,
        "error": "ENOENT",
        "raw_args": [3, 0x7FFC0000, 1, 0, 0, 1 << 63],
        "raw_ret": (1 << 64) - 2,
        "text": None,
        "killed_by": None,
        "exit_code": None,
        "core_dumped": None,
    }
    assert (rows[1]["tid"], rows[1]["comm"]) == (86, "worker")
    assert (rows[3]["ts_exit"], rows[3]["ret"], rows[3]["raw_ret"]) == (None, None, None)
    note, end = rows[4], rows[5]
    # a note takes the time of the call it follows: exit_group did not return, its entry
    assert (note["ts"], note["tid"], note["text"], note["args"], note["name"]) == (
        4000,
        85,
        "+++ exited with 0 +++",
        None,
        None,
    )
    assert (end["ts"], end["tid"], end["text"], end["killed_by"], end["core_dumped"]) == (
        5000,
        86,
        "killed by SIGKILL (core dumped)",
        "SIGKILL",
        True,
    )


def test_footer_has_the_run_and_its_stats(tmp_path):
    meta = pq.read_metadata(write(tmp_path / "t.parquet")).metadata
    assert meta[b"vmstrace.format"] == b"1"
    assert json.loads(meta[b"vmstrace.guest"]) == "default"
    assert json.loads(meta[b"vmstrace.kernel_release"]) == "6.1"
    stats = json.loads(meta[b"vmstrace.stats"])
    assert (stats["type"], stats["complete"], stats["events"]) == ("stats", True, 4)


def test_values_a_column_cannot_hold_do_not_stop_the_trace(tmp_path):
    hostile = [
        ev("read", 1, pid=1 << 40, comm="\udc80bad", args=("\udcff",), raw_args=()),
        ev("read", 2, raw_args=(1, 2), exe="x\ud800y", args=("\udc80\udbff",)),
    ]
    rows = pq.read_table(write(tmp_path / "t.parquet", hostile, row_group=100)).to_pylist()
    assert (rows[0]["pid"], rows[0]["comm"], rows[0]["args"]) == (None, "\\x80bad", ["\\xff"])
    assert (rows[0]["raw_args"], rows[1]["raw_args"]) == (None, [1, 2])
    # a lone surrogate that is not an undecodable byte: as Python escapes it
    assert (rows[1]["exe"], rows[1]["args"]) == ("x\\ud800y", ["\\udc80\\udbff"])


def test_duckdb_counts_per_syscall_and_a_directory_of_runs(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    write(runs / "a.parquet")
    write(runs / "b.parquet", EVENTS[:2])
    con = duckdb.connect()
    per_call = con.sql(
        f"SELECT name, count(*) AS calls, count(error) AS errors FROM '{runs}/a.parquet' "
        "WHERE type = 'syscall' GROUP BY name ORDER BY name"
    ).fetchall()
    assert per_call == [("exit_group", 1, 0), ("openat", 1, 1), ("read", 2, 0)]
    per_run = con.sql(
        f"SELECT parse_filename(filename) AS run, count(*) FROM read_parquet('{runs}/*.parquet', "
        "filename = true) WHERE type = 'syscall' GROUP BY run ORDER BY run"
    ).fetchall()
    assert per_run == [("a.parquet", 4), ("b.parquet", 2)]
    killed = con.sql(
        f"SELECT tid, killed_by FROM read_parquet('{runs}/*.parquet') WHERE type = 'end'"
    ).fetchall()
    assert killed == [(86, "SIGKILL")]


def jsonl(path: Path, raw: bool = True) -> Path:
    out = io.StringIO()
    sink = JsonSink(out, raw_values=raw)
    feed(sink)
    sink.close(COUNTS)
    path.write_text(out.getvalue())
    return path


def test_convert_equals_the_live_parquet(tmp_path):
    live = pq.read_table(write(tmp_path / "live.parquet", row_group=1 << 16))
    result = convert(jsonl(tmp_path / "t.jsonl"), tmp_path / "c.parquet")
    assert (result.stopped, result.records, result.syscalls, result.complete) == (None, 6, 4, True)
    converted = pq.read_table(tmp_path / "c.parquet")
    assert converted.equals(live)
    meta = pq.read_metadata(tmp_path / "c.parquet").metadata
    assert (
        meta[b"vmstrace.stats"]
        == pq.read_metadata(tmp_path / "live.parquet").metadata[b"vmstrace.stats"]
    )
    assert json.loads(meta[b"vmstrace.converted_from"]) == str(tmp_path / "t.jsonl")


def test_convert_without_raw_registers_leaves_them_null(tmp_path):
    convert(jsonl(tmp_path / "t.jsonl", raw=False), tmp_path / "c.parquet")
    rows = pq.read_table(tmp_path / "c.parquet", columns=["raw_args", "raw_ret"]).to_pylist()
    assert all(r == {"raw_args": None, "raw_ret": None} for r in rows)


@pytest.mark.parametrize(
    ("damage", "stopped", "records"),
    [
        (lambda t: t[: t.index('"name":"read"')], "line 2: the line is cut (no newline)", 1),
        (lambda t: t.replace('"vcpu":0', '"vcpu":"0"', 1), "line 1: field 'vcpu' is", 0),
        (lambda t: t.replace("\n", "\n{]\n", 1), "line 2: not JSON", 1),
        (lambda t: t.replace('"ts":2000', '"ts":-2000', 1), "line 2: a time before", 1),
        (lambda t: t[: t.rindex('{"type":"stats"')], "line 7: the trace ends without", 6),
    ],
    ids=["cut", "bad-field", "not-json", "negative-time", "no-stats"],
)
def test_a_damaged_trace_converts_up_to_where_it_stops(tmp_path, damage, stopped, records):
    src = tmp_path / "t.jsonl"
    src.write_text(damage(jsonl(src).read_text()))
    out = tmp_path / "c.parquet"
    run = CliRunner().invoke(main, ["convert", str(src), str(out)])
    assert run.exit_code == 1
    assert f"vmstrace: {src}: {stopped}" in run.output
    assert f"the {records} records before it" in run.output
    assert pq.read_table(out).num_rows == records
    meta = pq.read_metadata(out).metadata
    assert json.loads(meta[b"vmstrace.stopped"]).startswith(stopped)


def test_convert_to_perfetto_by_suffix_and_refusals(tmp_path):
    src = jsonl(tmp_path / "t.jsonl")
    ok = CliRunner().invoke(main, ["convert", str(src), str(tmp_path / "t.json")])
    assert ok.exit_code == 0, ok.output
    assert ok.output == f"vmstrace: 6 records (4 syscalls) to {tmp_path / 't.json'}\n"
    assert json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    bad = CliRunner().invoke(main, ["convert", str(src), str(tmp_path / "t.out")])
    assert bad.exit_code == 2
    assert "say which format to write: --to perfetto or --to parquet" in bad.output
    missing = CliRunner().invoke(
        main, ["convert", str(tmp_path / "none"), str(tmp_path / "x.json")]
    )
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_row_groups_bound_what_is_held(tmp_path):
    with open(tmp_path / "t.parquet", "wb") as f:
        sink = ParquetSink(f, row_group=1000)
        for i in range(10):
            sink.events([ev("read", i * 1000 + k) for k in range(300)])
            assert len(sink.cols) < 1000  # written out once a group is full
        sink.close(COUNTS)
    pf = pq.ParquetFile(tmp_path / "t.parquet")
    assert pf.metadata.num_rows == 3000 and pf.metadata.num_row_groups == 3
    assert pa.compute.max(pf.read().column("ts")).as_py() == 9299


DOC = Path(__file__).resolve().parents[2] / "docs" / "columnar.md"


def test_the_documented_queries_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "trace.parquet")
    (tmp_path / "runs").mkdir()
    write(tmp_path / "runs" / "a.parquet")
    write(tmp_path / "runs" / "b.parquet", EVENTS[:2])
    queries = re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)
    assert len(queries) == 7
    results = [duckdb.connect().sql(query).fetchall() for query in queries]
    assert all(results), dict(zip(queries, results, strict=True))
    assert results[0] == [("read", 2, 0), ("exit_group", 1, 0), ("openat", 1, 1)]
    assert results[1] == [(85, "sh", '"x"', "ENOENT")]
    assert results[3] == [("0x7ffc0000", '"x"')]
    assert results[4] == [("a.parquet", 4, 1), ("b.parquet", 2, 1)]
    (readme,) = re.findall(r'duckdb -c "(.*?)"', (DOC.parents[1] / "README.md").read_text())
    assert sorted(duckdb.connect().sql(readme).fetchall()) == [
        ("exit_group", 1),
        ("openat", 2),
        ("read", 3),
    ]


def test_the_run_description_of_vmstrace_run_and_of_vmstrace_qemu():
    from vmstrace.run import RunOptions, describe_run

    run = describe_run(RunOptions(argv=["true"], smp=2, strsize=64), ["vmstrace", "run"])
    assert (run["argv"], run["guest"], run["smp"], run["command_line"]) == (
        ["true"],
        "default",
        2,
        ["vmstrace", "run"],
    )
    assert run["options"]["strsize"] == 64  # type: ignore[index]
    own = describe_run(RunOptions(argv=[], trace_all=True), ["vmstrace", "qemu"])
    assert (own["guest"], own["smp"], own["kernel"]) == (
        "vmstrace qemu: the user's own VM",
        None,
        None,
    )
    json.dumps(own)  # (it goes into the footer as JSON)


def test_only_the_repeating_columns_are_dictionary_encoded(tmp_path):
    # a dictionary for the argument texts made the file a third larger and slower to write
    meta = pq.ParquetFile(write(tmp_path / "t.parquet", row_group=100)).metadata.row_group(0)
    encoded = {
        meta.column(i).path_in_schema.split(".")[0]: "RLE_DICTIONARY" in meta.column(i).encodings
        for i in range(meta.num_columns)
    }
    assert [c for c, d in encoded.items() if not d] == [
        "ts", "ts_exit", "args", "ret", "raw_args", "raw_ret", "text", "core_dumped",
    ]  # fmt: skip
