"""Resolving and caching the default Debian cloud kernel (apt output parsed, apt not run)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import vmstrace.guest.kernel as kernel
from vmstrace.core.errors import VmstraceError

POLICY = """\
linux-image-cloud-amd64:
  Installed: (none)
  Candidate: 6.1.192-2
  Version table:
     6.12.95-1~bpo12+1 100
        100 http://deb.debian.org/debian bookworm-backports/main amd64 Packages
     6.1.192-2 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 6.1.176-1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
"""

SHOW = """\
Package: linux-image-cloud-amd64
Source: linux-signed-amd64 (6.1.192+2)
Version: 6.1.192-2
Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)
Description-en: Linux for x86-64 cloud (meta-package)
"""


def test_candidate_versions() -> None:
    assert kernel.candidate_versions(POLICY) == (
        "6.1.192-2",
        ["6.12.95-1~bpo12+1", "6.1.192-2", "6.1.176-1"],
    )


def test_candidate_none() -> None:
    assert kernel.candidate_versions("x:\n  Installed: (none)\n  Candidate: (none)\n") == (None, [])


def test_kernel_dependency() -> None:
    assert kernel.kernel_dependency(SHOW) == ("linux-image-6.1.0-56-cloud-amd64", "6.1.192-2")


def test_kernel_dependency_missing() -> None:
    with pytest.raises(VmstraceError, match="--kernel"):
        kernel.kernel_dependency("Package: linux-image-cloud-amd64\n")


class FakeApt:
    """Answers apt-cache from the canned texts; records every command."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        self.calls.append(argv)
        if argv[:2] == ["apt-cache", "policy"]:
            return subprocess.CompletedProcess(argv, 0, POLICY, "")
        if argv[:2] == ["apt-cache", "show"]:
            version = argv[2].split("=", 1)[1]
            release = (
                "6.12.95+deb12-cloud-amd64"
                if version.startswith("6.12")
                else "6.1.0-56-cloud-amd64"
            )
            show = f"Depends: linux-image-{release} (= {version}), initramfs-tools\n"
            return subprocess.CompletedProcess(argv, 0, show, "")
        raise AssertionError(f"unexpected command {argv}")


def _unpacked(cache: Path, release: str) -> Path:
    vmlinuz = cache / "kernels" / release / "root" / "boot" / f"vmlinuz-{release}"
    vmlinuz.parent.mkdir(parents=True)
    vmlinuz.write_bytes(b"MZ")
    return vmlinuz


@pytest.mark.parametrize(
    ("line", "release"),
    [(None, "6.1.0-56-cloud-amd64"), ("6.12", "6.12.95+deb12-cloud-amd64")],
)
def test_fetch_reuses_an_unpacked_kernel_then_runs_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str | None, release: str
) -> None:
    vmlinuz = _unpacked(tmp_path, release)
    apt = FakeApt()
    monkeypatch.setattr(kernel.subprocess, "run", apt)
    assert kernel.fetch_default_kernel(tmp_path, line=line) == vmlinuz
    assert [c[:2] for c in apt.calls] == [["apt-cache", "policy"], ["apt-cache", "show"]]
    apt.calls.clear()
    assert kernel.fetch_default_kernel(tmp_path, line=line) == vmlinuz
    assert apt.calls == []  # the remembered release answers without apt


def test_fetch_unknown_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel.subprocess, "run", FakeApt())
    with pytest.raises(VmstraceError) as err:
        kernel.fetch_default_kernel(tmp_path, line="5.10")
    assert str(err.value) == (
        "apt has no linux-image-cloud-amd64 5.10.x (versions: 6.12.95-1~bpo12+1, 6.1.192-2, "
        "6.1.176-1). Enable bookworm-backports (a deb822 file in /etc/apt/sources.list.d with "
        "Suites: bookworm-backports) and run `apt-get update`."
    )


def test_fetch_without_apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(argv: list[str], **kwargs: object) -> None:
        raise FileNotFoundError(argv[0])

    monkeypatch.setattr(kernel.subprocess, "run", missing)
    with pytest.raises(VmstraceError, match=r"apt-cache not found.*--kernel"):
        kernel.fetch_default_kernel(tmp_path)
