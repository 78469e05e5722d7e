"""Debian's own dynamically linked programs and multi-vCPU guests, traced from outside.

These are the cases the project's static probes could not show: code shared between
processes (the second process runs library code translated for the first, at another
address) and threads that move between vCPUs while their records wait in per-vCPU
batches.  Nothing in a trace may be a wrong value printed as fact.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

UNKNOWN = "return value unknown"


def with_libraries(*programs: str) -> list[str]:
    """``--add`` options for host programs and every library ``ldd`` names, at their paths."""
    opts: list[str] = []
    for prog in programs:
        if not Path(prog).is_file():
            pytest.fail(f"{prog} is missing on the host: apt-get install the package with it")
        opts += ["--add", prog]
        out = subprocess.run(["ldd", prog], capture_output=True, text=True, check=True).stdout
        for word in out.split():
            if word.startswith("/"):
                opts += ["--add", f"{os.path.realpath(word)}:{word}"]
    return opts


def assert_whole(t) -> None:  # type: ignore[no-untyped-def]
    s = t.stats
    assert s is not None and s["complete"] is True, t.stderr
    assert (s["orphan_exits"], s["gaps"], s["stale"]) == (0, 0, 0), s
    assert not [line for line in t.text if UNKNOWN in line]


def test_processes_in_a_row_share_library_code_and_every_return_is_right(vmstrace):
    script = "; ".join(f"/usr/bin/mkdir -p /d{i}" for i in range(3))
    t = vmstrace(["/bin/sh", "-c", script], *with_libraries("/usr/bin/mkdir"))
    assert t.returncode == 0, t.stderr
    assert_whole(t)
    mkdirs = [e for e in t.events if e["name"] == "mkdir"]
    assert [(e["args"][0], e["ret"]) for e in mkdirs] == [(f'"/d{i}"', 0) for i in range(3)]
    preload = [
        e for e in t.events if e["name"] == "access" and e["args"][0] == '"/etc/ld.so.preload"'
    ]
    assert [(e["ret"], e["error"]) for e in preload] == [(-2, "ENOENT")] * 3
    # the loader maps libc at an address (never 0) and reads its ELF header (832 bytes)
    assert all(e["ret"] > 0x10000 for e in t.events if e["name"] == "mmap")
    reads = [e["ret"] for e in t.events if e["name"] == "read" and e["args"][2] == "832"]
    assert reads and set(reads) == {832}
    # the only signals are the shell's SIGCHLDs, at most one per child it forked (it execs
    # the last command itself; a SIGCHLD that arrives while the shell runs user code is
    # delivered at an interrupt's return, which vmstrace does not see)
    signals = [line.split("--- ")[1] for line in t.text if "--- SIG" in line]
    assert set(signals) <= {"SIGCHLD {si_signo=SIGCHLD} ---"} and len(signals) <= 2


def test_a_signal_delivered_at_rt_sigreturns_return_is_seen(vmstrace):
    t = vmstrace(["/vmstrace/bin/probe-sigstack"])
    assert t.returncode == 0 and t.stdout == b"sigstack done 12\n", t.stderr
    assert_whole(t)
    pid = t.events[0]["pid"]
    start = next(i for i, line in enumerate(t.text) if "SIG_UNBLOCK" in line)
    info = f"si_code=SI_TKILL, si_pid={pid}, si_uid=0}}"
    assert t.text[start : start + 6] == [
        f"[pid {pid}] rt_sigprocmask(SIG_UNBLOCK, [USR1 USR2], NULL, 8) = 0",
        f"[pid {pid}] --- SIGUSR1 {{si_signo=SIGUSR1, {info} ---",
        f"[pid {pid}] rt_sigreturn({{mask=[]}}) = 0",
        f"[pid {pid}] --- SIGUSR2 {{si_signo=SIGUSR2, {info} ---",
        f"[pid {pid}] rt_sigreturn({{mask=[]}}) = 0",
        f'[pid {pid}] write(1, "sigstack done 12\\n", 17) = 17',
    ]


def test_threads_on_four_vcpus_come_out_in_each_threads_order(vmstrace):
    script = (
        "dd if=/dev/urandom of=/tmp/f bs=64k count=32 2>/dev/null; "
        "for i in 1 2; do /usr/bin/xz -T4 -3 -k -f /tmp/f; done; "
        "seq 1 50000 > /tmp/s; /usr/bin/sort --parallel=4 -S 1M /tmp/s > /tmp/sorted; "
        "/usr/bin/xz -t /tmp/f.xz && echo ok"
    )
    t = vmstrace(
        ["/bin/sh", "-c", script],
        "--smp",
        "4",
        *with_libraries("/usr/bin/xz", "/usr/bin/sort"),
        timeout=600,
    )
    assert t.returncode == 0 and t.stdout.endswith(b"ok\n"), t.stderr
    assert_whole(t)
    last: dict[int, int] = {}
    for e in t.events:  # entry times rise within each thread, in the order written
        assert e["ts"] >= last.get(e["tid"], 0), e
        last[e["tid"]] = e["ts"]
    assert len({e["tid"] for e in t.events if e["name"] == "futex"}) >= 2  # really threaded
    assert len({e["vcpu"] for e in t.events}) >= 2
    # a call that returned has its value (null with ts_exit set would be an unknown one)
    assert all(e["ret"] is not None for e in t.events if e["ts_exit"] is not None)


@pytest.mark.parametrize("smp", [1, 2])
def test_execve_from_a_thread_that_is_not_the_leader(vmstrace, smp):
    # the kernel gives the exec'ing thread the leader's pid on its own task_struct: the
    # call succeeded and the thread goes on, it did not die inside it
    t = vmstrace(["/vmstrace/bin/probe-thread-exec"], "--smp", str(smp))
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"exec'd\n"
    assert t.stats is not None and t.stats["complete"] is True, t.stats
    execs = [e for e in t.events if e["name"] == "execve"]
    assert len(execs) == 2
    first, second = execs
    assert second["tid"] != second["pid"] == first["pid"]
    assert second["ret"] == 0 and second["ts_exit"] is not None
    assert second["args"][:2] == [
        '"/vmstrace/bin/probe-thread-exec"',
        '["probe-thread-exec", "exec\'d"]',
    ]
    pid = first["pid"]
    after = [e for e in t.events if e["ts"] > second["ts"] and e["tid"] == pid]
    assert any(e["name"] == "write" and e["ret"] == 7 for e in after)
    assert not any("vmstrace: the thread ended" in line for line in t.text)
