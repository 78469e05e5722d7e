"""Each fuzz target for a fixed number of inputs under atheris (libFuzzer), from the saved
corpus, with a fixed seed: the short run `make test` does; `make fuzz` runs them for as
long as asked (docs/fuzzing.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vmstrace.fuzz.__main__ import TARGET_NAMES

CORPUS = Path(__file__).resolve().parent / "corpus"
# Inputs per target: about ten seconds each on a loaded 2-core machine.
RUNS = {"reader": 3000, "pipeline": 6000, "decoder": 6000}


@pytest.mark.parametrize("target", TARGET_NAMES)
def test_fuzz_target_finds_nothing_in_a_short_run(target: str, tmp_path: Path) -> None:
    # libFuzzer adds what it finds to its first corpus directory: a copy, not the saved one
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / target, corpus)
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same code paths run to run
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vmstrace.fuzz",
            target,
            str(corpus),
            f"-runs={RUNS[target]}",
            "-seed=1",
            "-max_len=8192",
            "-timeout=60",
            f"-artifact_prefix={tmp_path}/",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = sorted(p.name for p in tmp_path.iterdir() if p.name != "corpus")
    assert proc.returncode == 0 and not found, (
        f"the {target} fuzz target failed (input saved as {found} in {tmp_path}: copy it to "
        f"{CORPUS / target}/ as a regression case):\n{proc.stderr[-6000:]}"
    )
    assert f"Done {RUNS[target]} runs" in proc.stderr
