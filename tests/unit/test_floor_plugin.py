"""scripts/floor-plugin.c, which scripts/plugin-floor.sh measures the plugin API's cost
with, builds by the script's own rule (`--build`) against the project's declaration of
QEMU's plugin API, in both of the script's forms, and exports what QEMU looks for."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_plugin_builds(tmp_path: Path) -> None:
    for tool, package in (("gcc", "gcc"), ("pkg-config", "pkg-config"), ("nm", "binutils")):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is missing: scripts/setup.sh installs it (apt-get install {package})"
            )
    build = subprocess.run(
        [str(ROOT / "scripts" / "plugin-floor.sh"), "--build", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    for reads in ("0-0", "6-3"):
        symbols = subprocess.run(
            ["nm", "-D", "--defined-only", str(tmp_path / f"floor-{reads}.so")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert "qemu_plugin_install" in symbols
        assert "qemu_plugin_version" in symbols
