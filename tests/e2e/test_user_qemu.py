"""`vmstrace qemu` on a user's VM: a disk booted by SeaBIOS and SYSLINUX (not -kernel),
whose Debian kernel vmstrace is never given, checked against strace run inside that VM.

Three kernels: the 6.1 and 6.12 cloud kernels the rest of the suite also boots with
-kernel, and Debian's generic 6.1 kernel (linux-image-amd64), which no other test reads
from a file: its layout and syscall numbering come only from guest memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from diskguest import SerialFiles, build_workload_disk, qemu_argv, read_outputs

from vmstrace.conformance import Collect, compare, event_line
from vmstrace.core.files import cache_dir
from vmstrace.guest.kernel import fetch_default_kernel
from vmstrace.run import RunOptions
from vmstrace.userqemu import run_user_vm

pytestmark = pytest.mark.e2e

VMSTRACE = Path(sys.executable).parent / "vmstrace"
# a dynamically linked program (strace itself is one, and runs first), files written,
# read, renamed and removed, a pipe between two processes
SCRIPT = (
    "echo hello > /tmp/f; cat /tmp/f | wc -c; mv /tmp/f /tmp/g; ls -l /tmp/g; rm /tmp/g; "
    "exec /usr/bin/strace -V"
)
ARGV = ["/bin/sh", "-c", SCRIPT]
KERNELS = {
    "cloud-6.1": (None, "linux-image-cloud-amd64"),
    "cloud-6.12": ("6.12", "linux-image-cloud-amd64"),
    "generic-6.1": (None, "linux-image-amd64"),
}


@pytest.fixture(scope="module", params=sorted(KERNELS))
def traced(request, tmp_path_factory):
    line, meta = KERNELS[request.param]
    cache = cache_dir()
    kernel = fetch_default_kernel(cache, line, meta)
    work = tmp_path_factory.mktemp(f"vm-{request.param}")
    disk = build_workload_disk(cache, work, ARGV, kernel=kernel)
    serial = SerialFiles.under(work / "serial")
    serial.console.parent.mkdir()
    notes: list[str] = []
    sink = Collect()
    opts = RunOptions(argv=[], from_memory=True, boot_timeout=300, note=notes.append)
    # a user's command line as it would be on a KVM host: vmstrace puts TCG in its place
    argv = [*qemu_argv(disk, serial), "-enable-kvm"]
    result = run_user_vm(argv, opts, lambda: [sink])
    return result, sink, read_outputs(serial), notes


def test_the_vm_runs_and_ends_by_itself(traced):
    result, sink, out, notes = traced
    assert result.exit_status == 0  # QEMU's: the guest powered off
    assert out.ready and out.exit_status == 0 and out.workload_status == 0, out.console[-2000:]
    assert any("learnt from its memory" in n for n in notes), notes
    assert any("-enable-kvm dropped" in n for n in notes), notes
    counts = sink.counts
    assert counts is not None and counts.dropped == 0 and counts.reason is None
    assert counts.produced == counts.delivered


def test_calls_agree_with_strace_inside_the_vm(traced):
    _, sink, out, _ = traced
    r = compare("disk", out.calls, sink.kept)
    print(f"{r.strace_calls} calls by strace in the VM, {r.matched} matched, {r.threads} threads")
    listing = "\n".join(f"{d.kind}: {d.strace} | {d.vmstrace}" for d in r.failures[:40])
    assert r.strace_calls >= 100, out.strace_text[-2000:]
    assert r.matched == r.strace_calls, listing
    assert r.ret_equal == r.matched and r.args_equal == r.matched, listing
    assert not r.failures and r.out_of_order == 0, listing


def test_processes_are_named_and_numbered_as_the_guest_kernel_has_them(traced):
    _, sink, out, _ = traced
    tids = {c.tid for c in out.calls}
    assert len(tids) >= 6  # strace's child, the shell, cat, wc, mv, ls, rm: separate pids
    mine = [ev for ev in sink.kept if ev.tid in tids]
    assert mine, "no event of the workload's threads"
    for ev in mine:
        assert ev.pid == ev.tid, event_line(ev)  # one thread per process
    comms = {ev.comm for ev in mine if ev.name != "execve"}
    assert {"sh", "cat", "wc", "mv", "ls", "rm", "strace"} <= comms, comms
    # strace's own execve of the workload is strace's; after it, the shell's
    first = next(ev for ev in mine if ev.name == "execve")
    assert first.comm == "strace" and '"/bin/sh"' in first.args[0]


def test_refused_command_lines_say_why():
    """One clear message and a non-zero exit, before any QEMU starts."""
    cases = {
        ("qemu-system-aarch64", "-m", "256"): "x86-64",
        ("qemu-system-x86_64", "-mem-path", "/dev/hugepages"): "-mem-path",
        ("qemu-system-x86_64", "-m", "1G,slots=2,maxmem=4G"): "hotplug",
        ("qemu-system-x86_64", "-plugin", "x.so"): "plugin",
        ("qemu-system-x86_64", "-m"): "needs a value",
    }
    env = {**os.environ, "PATH": os.environ.get("PATH", "")}
    for argv, said in cases.items():
        proc = subprocess.run(
            [str(VMSTRACE), "qemu", "--", *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert proc.returncode != 0 and said in proc.stderr, (argv, proc.stderr)
        assert proc.stderr.count("vmstrace:") == 1, proc.stderr


def test_a_disk_that_does_not_boot_ends_with_the_reason(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(os.urandom(1 << 20))
    out = tmp_path / "trace.json"
    vm = ["qemu-system-x86_64", "-m", "256", "-nodefaults", "-display", "none"]
    vm += ["-drive", f"file={junk},format=raw"]
    proc = subprocess.run(
        [str(VMSTRACE), "qemu", "--boot-timeout", "10", "--json", str(out), "--", *vm],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "made no system call within --boot-timeout 10 s" in proc.stderr, proc.stderr
    last = out.read_text().splitlines()[-1]
    assert '"stats"' in last or '"type": "stats"' in last, last
