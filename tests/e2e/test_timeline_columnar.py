"""--perfetto and --parquet on a real guest run (one boot, with --json --json-raw and -C
beside them): the timeline is valid trace-event JSON with a flow per fork; the Parquet
table has the JSON lines' rows and values, DuckDB's counts per syscall are -c's, a
directory of two runs reads as one table, and converting the JSON lines gives the same
table."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from trace_formats import check_trace_events, summary_calls
from vmstrace.convert import convert

pytestmark = pytest.mark.e2e

WORKLOAD = "cat /etc/hostname; (ls /nonexistent; true); echo done > /tmp/x; sh -c 'exit 3'; true"


@pytest.fixture(scope="module")
def traced(vmstrace, tmp_path_factory):
    d = tmp_path_factory.mktemp("outputs")
    paths = {"perfetto": d / "t.json", "parquet": d / "runs" / "live.parquet"}
    paths["parquet"].parent.mkdir()
    run = vmstrace(
        ["/bin/sh", "-c", WORKLOAD],
        "--json-raw",
        "-C",
        "--perfetto",
        str(paths["perfetto"]),
        "--parquet",
        str(paths["parquet"]),
    )
    assert run.returncode == 0, run.stderr
    assert run.stats is not None and run.stats["complete"] is True
    return run, paths


def test_timeline_is_valid_with_a_flow_per_fork(traced):
    run, paths = traced
    doc = json.loads(paths["perfetto"].read_text())
    events = check_trace_events(doc)
    slices = [e for e in events if e["ph"] in "Xi" and e["cat"] == "syscall"]
    assert len(slices) == len(run.events)  # every call: a slice, or an instant (exit_group)
    forks = [
        e
        for e in run.events
        if e["name"] in ("clone", "fork", "vfork", "clone3") and e["error"] is None
    ]
    assert len(forks) >= 3  # cat, the subshell, sh -c
    assert len([e for e in events if e["ph"] == "s"]) == len(forks)
    names = {e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert {"sh", "cat", "ls"} <= names
    instants = {e["name"] for e in events if e["ph"] == "i"}
    assert "exited with 3" in instants and "exec /bin/busybox" in instants
    assert any(name.startswith("signal SIGCHLD") for name in instants)
    assert doc["otherData"]["stats"] == run.stats
    assert doc["otherData"]["argv"] == ["/bin/sh", "-c", WORKLOAD]


def test_parquet_has_the_json_lines_rows_and_values(traced):
    run, paths = traced
    table = pq.read_table(paths["parquet"])
    records = [json.loads(line) for line in run_json(run).read_text().splitlines()]
    assert table.num_rows == len(records) - 1  # every record but the stats, which is in the footer
    rows = table.to_pylist()
    calls = [r for r in rows if r["type"] == "syscall"]
    assert len(calls) == len(run.events)
    for row, event in zip(calls, run.events, strict=True):
        assert {k: row[k] for k in event if k != "type"} == {
            k: v for k, v in event.items() if k != "type"
        }
    notes = [r["text"] for r in rows if r["type"] == "note"]
    assert notes == [r["text"] for r in records if r["type"] == "note"]
    meta = pq.read_metadata(paths["parquet"]).metadata
    assert json.loads(meta[b"vmstrace.stats"]) == run.stats
    assert json.loads(meta[b"vmstrace.kernel_release"]).startswith("6.1.")
    assert json.loads(meta[b"vmstrace.argv"]) == ["/bin/sh", "-c", WORKLOAD]


def run_json(run):
    assert run.json_path is not None
    return run.json_path


def test_duckdb_counts_are_the_summary_tables_and_convert_matches(traced):
    run, paths = traced
    con = duckdb.connect()
    live = paths["parquet"]
    counted = dict(
        con.sql(
            f"SELECT name, count(*) FROM '{live}' WHERE type = 'syscall' GROUP BY name"
        ).fetchall()
    )
    assert counted == summary_calls("\n".join(run.text) + "\n")
    converted = live.with_name("converted.parquet")
    result = convert(run_json(run), converted)
    assert result.stopped is None and result.complete
    assert pq.read_table(converted).equals(pq.read_table(live))
    both = con.sql(
        f"SELECT count(*), count(DISTINCT filename) FROM read_parquet('{live.parent}/*.parquet', "
        "filename = true) WHERE type = 'syscall'"
    ).fetchall()
    assert both == [(2 * len(run.events), 2)]


def test_a_run_cut_by_its_timeout_still_closes_both_files(vmstrace, tmp_path):
    timeline, table = tmp_path / "t.json", tmp_path / "t.parquet"
    run = vmstrace(
        ["/bin/sh", "-c", "while :; do sleep 1; done"],
        "--timeout",
        "4",
        "--perfetto",
        str(timeline),
        "--parquet",
        str(table),
    )
    assert run.returncode != 0
    assert run.stats is not None and run.stats["reason"] == "timeout"
    doc = json.loads(timeline.read_text())
    check_trace_events(doc)
    assert doc["otherData"]["stats"] == run.stats
    assert json.loads(pq.read_metadata(table).metadata[b"vmstrace.stats"]) == run.stats
    kinds = pq.read_table(table, columns=["type"]).column("type").to_pylist()
    assert kinds.count("syscall") == len(run.events) > 0
    # the call the timeout cut short: a slice to the end of the trace that says so
    assert any(
        e["args"].get("unfinished", "").endswith("the end of the trace")
        for e in doc["traceEvents"]
        if e["ph"] == "X"
    )
