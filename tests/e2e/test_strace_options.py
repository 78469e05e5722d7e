"""strace's options on a real guest: -e trace=, -e status=, -X raw, -T, -ttt, -c, --comm.

probe-basic (guest/programs/probe-basic.c) makes a known list of calls after its static
libc's start-up (execve, brk x2, arch_prctl, set_tid_address, set_robust_list, rseq,
prlimit64, readlink, getrandom, brk x3, mprotect).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
VMSTRACE = Path(sys.executable).parent / "vmstrace"

PROBE = ["/vmstrace/bin/probe-basic"]


def test_trace_file_class_with_durations(vmstrace):
    t = vmstrace(PROBE, "-e", "trace=%file", "-T")
    assert t.returncode == 0, t.stderr
    assert [e["name"] for e in t.events] == [
        "execve",
        "readlink",
        "openat",
        "openat",
        "mkdir",
        "rmdir",
        "openat",
        "newfstatat",
        "access",
        "getcwd",
        "chdir",
    ]
    pid = t.events[0]["tid"]
    assert len(t.text) == len(t.events) + 1
    for line in t.text[:-1]:
        assert re.fullmatch(rf"\[pid {pid}\] \w+\(.*\) = .* <\d+\.\d{{6}}>", line), line
    # the exit line is not a call: -e trace does not drop it
    assert t.text[-1] == f"[pid {pid}] +++ exited with 0 +++"
    assert t.stats is not None and t.stats["events"] == len(t.events)


def test_status_failed_raw(vmstrace):
    t = vmstrace(PROBE, "-e", "status=failed", "-X", "raw")
    assert t.returncode == 0, t.stderr
    pid = t.events[0]["tid"]
    assert t.text == [
        f'[pid {pid}] openat(-100, "/nonexistent/vmstrace", 0) = -1 ENOENT '
        "(No such file or directory)",
        f"[pid {pid}] +++ exited with 0 +++",
    ]


def test_summary_counts(vmstrace):
    t = vmstrace(PROBE, "-c")
    assert t.returncode == 0, t.stderr
    assert t.text[:2] == [
        "% time     seconds  usecs/call     calls    errors syscall",
        "------ ----------- ----------- --------- --------- ----------------",
    ]
    assert t.text[-2] == t.text[1]
    rows = {}
    for line in t.text[2:-2] + t.text[-1:]:
        m = re.fullmatch(r"([ \d]{2}\d\.\d\d) ( *\d+\.\d{6}) +(\d+) +(\d+) +(\d+)? (\w+)", line)
        assert m, line
        rows[m[6]] = (int(m[4]), int(m[5] or 0))
    assert rows["openat"] == (3, 1)
    assert rows["close"] == (6, 0)
    assert rows["read"] == (2, 0)
    assert rows["brk"] == (5, 0)
    assert rows["exit_group"] == (1, 0)
    assert rows["total"] == (len(t.events), 1)
    assert sum(calls for name, (calls, _) in rows.items() if name != "total") == len(t.events)


def test_comm_selects_guest_wide_with_epoch_timestamps(vmstrace):
    t = vmstrace(PROBE, "--comm", "probe-basic", "-e", "trace=openat,exit_group", "-ttt")
    assert t.returncode == 0, t.stderr
    assert [e["name"] for e in t.events] == ["openat", "openat", "openat", "exit_group"]
    assert {e["comm"] for e in t.events} == {"probe-basic"}
    pid = t.events[0]["tid"]
    for line in t.text[:-1]:
        assert re.fullmatch(rf"\[pid {pid} probe-basic\] \d{{10}}\.\d{{6}} \w+\(.*", line), line
    assert t.text[-1] == f"[pid {pid} probe-basic] +++ exited with 0 +++"


def test_summary_and_tree_alone_print_what_they_print_beside_json(vmstrace, tmp_path):
    """-c and --tree as the only outputs, where the consumer renders the arguments of
    execve and exit_group only (what --tree reads): the same table counts and tree as
    beside the JSON lines, where every call is rendered."""
    probe = ["/vmstrace/bin/probe-fork"]
    beside = vmstrace(probe, "-c", "--tree")
    assert beside.returncode == 0, beside.stderr
    out = tmp_path / "alone.txt"
    alone = subprocess.run(
        [str(VMSTRACE), "run", "-c", "--tree", "-o", str(out), "--", *probe],
        capture_output=True,
        timeout=300,
    )
    assert alone.returncode == 0, alone.stderr

    def shown(lines: list[str]) -> list[str]:
        """The table's calls, errors and names (rows sorted: the table is in time order) and
        the tree, pids left out."""
        row = re.compile(r"([ \d]{2}\d\.\d\d) ( *\d+\.\d{6}) +(\d+) +(\d+) +(\d+)? (\w+)")
        rows = sorted(f"{m[4]} {m[5]} {m[6]}" for m in map(row.fullmatch, lines) if m)
        tree = lines[lines.index("process tree") :]
        return rows + [re.sub(r"pid \d+  ppid \d+", "pid N  ppid N", line) for line in tree]

    got = shown(out.read_text().splitlines())
    assert got == shown(beside.text)
    assert any("exec /vmstrace/bin/probe-child  exit 7" in line for line in got)
