"""The Debian guest (--guest debian): Debian 12 built with mmdebstrap, booting systemd,
the command run by vmstrace.service; traced as in the default guest, and with --all the
boot's services too. The first run builds the image (about 40 s per package set; cached)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_a_command_in_the_debian_guest(vmstrace):
    r = vmstrace(["/bin/cat", "/etc/debian_version"], "--guest", "debian")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(rb"12\.\d+\n", r.stdout), r.stdout
    execs = [e for e in r.events if e["name"] == "execve" and e["ret"] == 0]
    assert [e["args"][0] for e in execs] == ['"/bin/cat"']
    opened = [e for e in r.events if e["name"] == "openat" and e["ret"] is not None]
    version = [e for e in opened if e["args"][1] == '"/etc/debian_version"']
    assert len(version) == 1 and version[0]["ret"] >= 0
    # only the command: systemd and its services are not traced without --all
    assert {e["pid"] for e in r.events} == {execs[0]["pid"]}
    assert r.stats is not None and r.stats["dropped"] == 0


def test_all_with_comm_shows_a_service_and_the_exit_status(vmstrace, tmp_path):
    # added under /bin, the script lands in /usr/bin through Debian's /bin symlink, which
    # the overlay must leave in place
    script = tmp_path / "probe.sh"
    script.write_text("#!/bin/sh\ncat /etc/hostname\nreadlink /bin\nexit 3\n")
    script.chmod(0o755)
    r = vmstrace(
        ["/bin/probe.sh"],
        "--guest",
        "debian",
        "--add",
        f"{script}:/bin/probe.sh",
        "--all",
        "--comm",
        "systemd-journal",
    )
    assert r.returncode == 3, r.stderr
    assert r.stdout == b"vmstrace-guest\nusr/bin\n"
    assert r.events
    assert {(e["comm"], e["ppid"]) for e in r.events} == {("systemd-journal", 1)}
    paths = {e["args"][1] for e in r.events if e["name"] == "openat"}
    assert any(p.startswith('"/run/log/journal/') for p in paths), sorted(paths)


def test_install_adds_a_package(vmstrace):
    r = vmstrace(
        ["/usr/bin/pgrep", "-x", "systemd-journal"], "--guest", "debian", "--install", "procps"
    )
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(rb"\d+\n", r.stdout), r.stdout
    execs = [e for e in r.events if e["name"] == "execve" and e["ret"] == 0]
    assert [e["args"][0] for e in execs] == ['"/usr/bin/pgrep"']


def test_a_package_that_does_not_exist_is_named(vmstrace):
    r = vmstrace(["/bin/true"], "--guest", "debian", "--install", "no-such-package-vmstrace")
    assert r.returncode == 2
    assert "E: Unable to locate package no-such-package-vmstrace" in r.stderr, r.stderr
