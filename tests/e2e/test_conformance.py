"""vmstrace against strace in the same guest run, per conformance workload.

Each workload boots one guest where strace runs the program while vmstrace traces from
outside (src/vmstrace/conformance.py).  Targets per workload: every strace call found in
vmstrace's trace of the same thread, every return text equal, ≥ 98% argument texts equal.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vmstrace.conformance import (
    WORKLOADS,
    WorkloadResult,
    format_disagreement,
)
from vmstrace.conformance_suites import run_workload
from vmstrace.core.files import cache_dir
from vmstrace.guest.strace_image import build_strace_initramfs

pytestmark = pytest.mark.e2e
VMSTRACE = Path(sys.executable).parent / "vmstrace"


def _require_tools() -> None:
    missing = [
        t for t in ("qemu-system-x86_64", "gcc", "busybox", "strace") if shutil.which(t) is None
    ]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make setup` (or `make test`)")


@pytest.fixture(scope="module")
def initrd():
    _require_tools()
    return build_strace_initramfs(cache_dir())


def _listing(r: WorkloadResult) -> str:
    return "\n".join(format_disagreement(d) for d in r.disagreements)


@pytest.mark.parametrize("workload", WORKLOADS)
def test_workload_agrees_with_strace(workload, initrd):
    r = run_workload(workload, initrd=initrd)
    assert r.exit_status == 0
    assert r.stdout.decode().endswith(f"{workload} done\n")
    assert r.counts is not None and r.counts.complete
    assert r.strace_calls >= 25  # strace really ran the program and its output came back
    detail = _listing(r)
    assert r.matched == r.strace_calls, detail
    assert r.ret_equal == r.matched, detail
    assert r.args_equal >= 0.98 * r.matched, detail
    assert r.out_of_order == 0 and r.fake_signals == 0, detail


def test_command_prints_the_table():
    _require_tools()
    proc = subprocess.run(
        [str(VMSTRACE), "conformance", "conf-pipes"], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "conf-pipes" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[0] == "conf-pipes"
    calls = int(cells[2])
    assert cells[3] == f"{calls}/{calls} 100.0%"


@pytest.mark.parametrize("program", ["probe32-basic", "probe32-structs"])
def test_i386_programs_agree_with_strace_in_the_guest(program):
    """32-bit (i386) expectations held to the same oracle as x86_64's: strace in the guest
    (a 64-bit strace traces a 32-bit tracee with the i386 syscall table and layouts)."""
    from vmstrace.conformance_suites import Workload, initrd_for, run_suite

    _require_tools()
    ws = [Workload(program, "static", (f"/vmstrace/bin/{program}",))]
    (r,) = run_suite(ws, initrd=initrd_for("static", ws, cache_dir()))
    assert r.exit_status == 0 and r.strace_calls >= 20, r.stderr
    detail = _listing(r)
    assert r.matched == r.strace_calls and r.ret_equal == r.matched, detail
    assert r.args_equal == r.matched and not r.failures, detail
    assert r.out_of_order == 0 and r.fake_signals == 0, detail
