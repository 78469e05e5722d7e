"""vmstrace as a user installs it: a wheel built from the project, installed outside the
checkout (pip into a fresh virtual environment, and pipx), traces a command.

Each install runs from a directory outside the checkout with an empty cache (only the
kernel is the suite's, passed with --kernel, to save its download), so the capture plugin,
the guest's launcher and the probe it runs are built from the sources the wheel carries.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VMSTRACE = Path(sys.executable).parent / "vmstrace"  # the checkout's
PROBE = "/vmstrace/bin/probe-basic"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `python -m build` makes as a release would: from the sdist, so what the
    sdist leaves out (MANIFEST.in) is missing from the wheel too."""
    if importlib.util.find_spec("build") is None:
        pytest.fail("the `build` package is missing: install the test extras (`make setup`)")
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)])
    (built,) = dist.glob("vmstrace-*.whl")
    return built


@pytest.fixture(scope="module")
def kernel() -> str:
    """The default guest kernel, as the checkout's `vmstrace prepare` reports it."""
    out = _run([str(VMSTRACE), "prepare"]).stdout
    (path,) = re.findall(r"^kernel +(.+)$", out, re.M)
    return path


def install_with_pip(wheel: Path, home: Path) -> Path:
    _run([sys.executable, "-m", "venv", str(home / "venv")])
    _run([str(home / "venv" / "bin" / "python"), "-m", "pip", "install", str(wheel)])
    return home / "venv" / "bin" / "vmstrace"


def install_with_pipx(wheel: Path, home: Path) -> Path:
    if shutil.which("pipx") is None:
        pytest.fail("pipx not found: install it with `make setup` (apt-get install pipx)")
    env = os.environ | {"PIPX_HOME": str(home / "pipx"), "PIPX_BIN_DIR": str(home / "bin")}
    _run(["pipx", "install", str(wheel)], env=env)
    return home / "bin" / "vmstrace"


@pytest.mark.parametrize("install", [install_with_pip, install_with_pipx], ids=["pip", "pipx"])
def test_an_installed_wheel_builds_its_plugin_and_guest_and_traces(
    install, wheel: Path, kernel: str, tmp_path: Path
) -> None:
    vmstrace = install(wheel, tmp_path)
    cache, elsewhere = tmp_path / "cache", tmp_path / "cwd"
    elsewhere.mkdir()
    env = os.environ | {"VMSTRACE_CACHE": str(cache)}
    env.pop("VMSTRACE_PLUGIN", None)
    for var in ("PYTHONPATH", "VIRTUAL_ENV"):  # nothing may lead back to the checkout
        env.pop(var, None)

    prepared = _run([str(vmstrace), "prepare", "--kernel", kernel], cwd=elsewhere, env=env)
    built = dict(line.split(maxsplit=1) for line in prepared.stdout.splitlines())
    assert Path(built["plugin"]).parent.parent == cache / "plugin"
    assert Path(built["initrd"]).parent == cache / "initramfs"

    out = tmp_path / "trace.txt"
    ran = subprocess.run(
        [str(vmstrace), "run", "--kernel", kernel, "-o", str(out), "--", PROBE],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr.decode()
    assert ran.stdout == b"hostname=vmstrace-guest\n"
    lines = out.read_text().splitlines()
    pid = re.fullmatch(
        rf'\[pid (\d+)\] execve\("{PROBE}", \["{PROBE}"\], 0x[0-9a-f]+ /\* 3 vars \*/\) = 0',
        lines[0],
    )
    assert pid is not None, lines[0]
    p = f"[pid {pid.group(1)}]"
    at = lines.index(f'{p} openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3')
    assert lines[at + 1 : at + 5] == [
        f'{p} read(3, "vmstrace-guest\\n", 255) = 15',
        f'{p} write(1, "hostname=vmstrace-guest\\n", 24) = 24',
        f"{p} close(3) = 0",
        f'{p} openat(AT_FDCWD, "/nonexistent/vmstrace", O_RDONLY) = -1 ENOENT (No such file or directory)',
    ]
    assert lines[-2:] == [f"{p} exit_group(0) = ?", f"{p} +++ exited with 0 +++"]
