"""Bad input: one clear message naming the problem and the fix, a non-zero exit, and the
trace so far still written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vmstrace.guest.cpio import CpioWriter

VMSTRACE = Path(sys.executable).parent / "vmstrace"


def run(*args: str, env: dict | None = None, timeout: float = 300):
    return subprocess.run(
        [str(VMSTRACE), "run", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_add_path_that_does_not_exist():
    r = run("--add", "/no/such/file:/x", "--", "/bin/true")
    assert r.returncode == 2
    assert r.stderr.strip() == "vmstrace: --add: /no/such/file does not exist"


def test_kernel_that_is_not_a_bzimage(tmp_path):
    fake = tmp_path / "vmlinuz"
    fake.write_bytes(b"\0" * 4096)
    r = run("--kernel", str(fake), "--", "/bin/true")
    assert r.returncode == 2
    assert "is not an x86 bzImage" in r.stderr
    assert r.stderr.count("\n") <= 2


def test_kernel_file_missing():
    r = run("--kernel", "/no/vmlinuz", "--", "/bin/true")
    assert r.returncode == 2
    assert r.stderr.strip() == "vmstrace: --kernel: /no/vmlinuz does not exist"


@pytest.mark.parametrize(
    "version, expect",
    [
        (None, "qemu-system-x86_64 not found"),
        ("7.2.0", "is QEMU 7.2; vmstrace needs QEMU 10.0 or newer"),
    ],
)
def test_missing_or_old_qemu(tmp_path, version, expect):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    if version is not None:
        fake = bindir / "qemu-system-x86_64"
        fake.write_text(f"#!/bin/sh\necho 'QEMU emulator version {version}'\n")
        fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:/usr/sbin:/sbin")
    r = run("--", "/bin/true", env=env)
    assert r.returncode == 2
    assert expect in r.stderr and "bookworm-backports" in r.stderr


@pytest.mark.e2e
def test_guest_that_panics_is_reported_and_the_trace_kept(tmp_path):
    empty = tmp_path / "empty.cpio"
    with empty.open("wb") as f:
        w = CpioWriter(f)
        w.add_dir("/etc")
        w.finish()
    js = tmp_path / "t.jsonl"
    r = run("--initrd", str(empty), "--all", "--json", str(js), "--", "/bin/true")
    assert r.returncode == 2
    assert "the guest kernel panicked: " in r.stderr
    lines = [json.loads(x) for x in js.read_text().splitlines()]
    assert lines[-1]["type"] == "stats"


@pytest.mark.e2e
def test_boot_timeout_is_reported_and_the_trace_kept(tmp_path):
    js = tmp_path / "t.jsonl"
    r = run("--boot-timeout", "1", "--all", "--json", str(js), "--", "/bin/true")
    assert r.returncode == 2
    assert "the guest did not boot within 1 s" in r.stderr
    lines = [json.loads(x) for x in js.read_text().splitlines()]
    assert lines[-1]["type"] == "stats" and lines[-1]["complete"] is False
