"""Fixtures shared by the tests that boot a guest (e2e, hostile): run the real `vmstrace`
command, booting the real default guest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

VMSTRACE = Path(sys.executable).parent / "vmstrace"


@dataclass
class Traced:
    returncode: int
    stdout: bytes
    stderr: str
    text: list[str]
    events: list[dict]
    stats: dict | None
    json_path: Path | None = None  # the JSON lines file, for tests that read it again


def _require_tools() -> None:
    missing = [t for t in ("qemu-system-x86_64", "gcc", "busybox") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make setup` (or `make test`)")


@pytest.fixture(scope="session")
def vmstrace(tmp_path_factory):
    """Runs `vmstrace run [opts] -- argv` and returns what it wrote, parsed."""
    _require_tools()

    def run(argv: list[str], *opts: str, timeout: float = 300) -> Traced:
        d = tmp_path_factory.mktemp("run")
        text, js = d / "trace.txt", d / "trace.jsonl"
        proc = subprocess.run(
            [str(VMSTRACE), "run", "-o", str(text), "--json", str(js), *opts, "--", *argv],
            capture_output=True,
            timeout=timeout,
        )
        lines = text.read_text().splitlines() if text.exists() else []
        records = [json.loads(line) for line in js.read_text().splitlines()] if js.exists() else []
        stats = next((r for r in records if r.get("type") == "stats"), None)
        events = [r for r in records if r.get("type") == "syscall"]
        return Traced(
            proc.returncode,
            proc.stdout,
            proc.stderr.decode("utf-8", "replace"),
            lines,
            events,
            stats,
            js,
        )

    return run
