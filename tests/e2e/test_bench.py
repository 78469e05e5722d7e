"""`vmstrace bench` end to end, tiny: one workload, one repeat, a small N.

Correctness only (the JSON shape, nothing lost); timings are not asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
VMSTRACE = Path(sys.executable).parent / "vmstrace"


def _bench(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    """`vmstrace bench --workload syscalls --repeat 1 --scale 0.01 ARGS`, and its JSON."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [str(VMSTRACE), "bench", "--workload", "syscalls", "--repeat", "1", "--scale", "0.01",
         "--json", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(out.read_text())


def test_bench_json_shape_and_nothing_lost(tmp_path):
    proc, rows = _bench(tmp_path)
    assert [(r["workload"], r["mode"]) for r in rows] == [
        ("syscalls", "untraced"),
        ("syscalls", "vmstrace"),
        ("syscalls", "strace"),
    ]
    for r in rows:
        assert {
            "workload",
            "mode",
            "median_s",
            "ratio",
            "events",
            "lost",
            "peak_rss_mb",
        } <= r.keys()
        assert r["median_s"] > 0 and r["peak_rss_mb"] > 0 and r["ratio"] > 0
    untraced, traced, strace = rows
    assert untraced["ratio"] == 1.0
    assert traced["lost"] == 0 and traced["reconciled"] is True
    assert untraced["reconciled"] is None and strace["reconciled"] is None
    # 350 iterations of write, read, getppid, plus libc start-up and the report
    assert traced["events"] >= 1050
    assert strace["events"] >= 1050
    assert "syscalls" in proc.stdout and "vmstrace" in proc.stdout


def test_bench_parallel_guests_each_reconcile(tmp_path):
    """--parallel 2: two guests at once per sample, each one a sample of its own."""
    _, rows = _bench(tmp_path, "--mode", "untraced", "--mode", "vmstrace", "--parallel", "2")
    untraced, traced = rows
    assert untraced["mode"] == "untraced" and traced["mode"] == "vmstrace"
    assert len(untraced["samples_s"]) == len(traced["samples_s"]) == 2
    assert traced["lost"] == 0 and traced["reconciled"] is True


def test_bench_runs_debians_own_programs_in_their_image(tmp_path):
    """The `debian` workload: dash running Debian's dynamically linked ls, sed and grep
    (the realsw image), traced with nothing lost, every process's calls reconciled."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [str(VMSTRACE), "bench", "--workload", "debian", "--repeat", "1", "--scale", "0.1",
         "--mode", "untraced", "--mode", "vmstrace", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    untraced, traced = json.loads(out.read_text())
    assert untraced["median_s"] > 0 and traced["median_s"] > 0
    assert traced["lost"] == 0 and traced["reconciled"] is True
    # two rounds of ls -la over two directories (a statx and an lgetxattr per entry), sed
    # and grep, each loaded by ld.so
    assert traced["events"] >= 1000
