"""scripts/floor-plugin.c, which scripts/plugin-floor.sh measures the plugin API's cost
with, builds against the project's own declaration of QEMU's plugin API, in both of the
script's forms, and exports what QEMU looks for."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("reads", [(0, 0), (6, 3)])
def test_the_floor_plugin_builds(tmp_path: Path, reads: tuple[int, int]) -> None:
    for tool, package in (("gcc", "gcc"), ("pkg-config", "pkg-config")):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is missing: scripts/setup.sh installs it (apt-get install {package})"
            )
    glib = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "glib-2.0"], capture_output=True, text=True
    )
    if glib.returncode != 0:
        pytest.fail("glib's headers are missing: apt-get install libglib2.0-dev")
    out = tmp_path / "floor.so"
    build = subprocess.run(
        [
            "gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
            "-fvisibility=hidden", f"-I{ROOT / 'native'}",
            f"-DREADS_ENTRY={reads[0]}", f"-DREADS_EXIT={reads[1]}",
            "-o", str(out), str(ROOT / "scripts" / "floor-plugin.c"), *glib.stdout.split(),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    symbols = subprocess.run(
        ["nm", "-D", "--defined-only", str(out)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "qemu_plugin_install" in symbols
    assert "qemu_plugin_version" in symbols
