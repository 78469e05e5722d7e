"""The `vmstrace qemu` tests' disk, booted by plain QEMU (no vmstrace): SeaBIOS, SYSLINUX
from the disk, the Debian kernel, the workload under in-guest strace, the outputs on the
serial files, and QEMU ending by itself when the guest powers off."""

from __future__ import annotations

import re

import pytest
from diskguest import SerialFiles, build_workload_disk, qemu_argv, read_outputs, run_plain

from vmstrace.core.files import cache_dir

pytestmark = pytest.mark.e2e

ARGV = ["/bin/cat", "/etc/hostname"]
# QEMU start to its exit took 3.7 s over virtio-blk and 8 s over IDE (QEMU 10 TCG, 2 shared
# cores; 3.1 s with -kernel). The bound leaves room for a loaded CI host, not for a hang.
BOOT_BOUND_S = 120


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    return build_workload_disk(cache_dir(), tmp_path_factory.mktemp("bootdisk"), ARGV)


# the drive as virtio-blk and as IDE (QEMU's default -drive): SeaBIOS boots both
@pytest.fixture(scope="module", params=["virtio", "ide"])
def booted(request, disk, tmp_path_factory):
    serial = SerialFiles.under(tmp_path_factory.mktemp(f"serial-{request.param}"))
    run = run_plain(qemu_argv(disk, serial, interface=request.param), serial, BOOT_BOUND_S)
    print(
        f"boot disk ({request.param}): READY after {run.ready_seconds:.2f} s, "
        f"QEMU exited after {run.seconds:.2f} s"
    )
    return run, read_outputs(serial)


def test_qemu_exits_by_itself_after_poweroff(booted):
    run, out = booted
    assert run.returncode == 0, out.console
    assert run.ready_seconds is not None and run.ready_seconds < run.seconds < BOOT_BOUND_S
    assert "reboot: Power down" in out.console


def test_init_reports_ready_and_the_commands_status(booted):
    _, out = booted
    assert (out.ready, out.exit_status, out.workload_status) == (True, 0, 0)


def test_workload_output_comes_back(booted):
    _, out = booted
    assert (out.stdout, out.stderr) == (b"vmstrace-guest\n", b"")


def test_in_guest_strace_saw_the_workload(booted):
    _, out = booted
    calls = out.calls
    assert len({c.tid for c in calls}) == 1
    assert re.fullmatch(
        r'execve\("/bin/cat", \["/bin/cat", "/etc/hostname"\], 0x[0-9a-f]+ /\* 6 vars \*/\) = 0',
        calls[0].line,
    )
    lines = [c.line for c in calls]
    assert 'openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3' in lines
    assert lines[-1] == "exit_group(0) = ?"
    assert out.strace_text.rstrip().endswith("+++ exited with 0 +++")
