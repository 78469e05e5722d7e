"""The live status line: on a terminal's stderr when the trace goes elsewhere, never in
an output file, and not at all when stderr is not a terminal."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

VMSTRACE = Path(sys.executable).parent / "vmstrace"
CMD = ["/bin/sh", "-c", "echo start; sleep 2; echo end"]


def test_status_line_on_a_terminal_only_and_never_in_the_trace(tmp_path):
    script = shutil.which("script")
    assert script is not None, "util-linux's script(1) is missing: install bsdutils"
    trace = tmp_path / "trace.txt"
    cmd = shlex.join([str(VMSTRACE), "run", "-o", str(trace), "--", *CMD])
    # script(1) runs the command on a pseudo-terminal and copies what it printed
    tty = subprocess.run(
        [script, "-qfec", cmd, "/dev/null"], capture_output=True, timeout=300, check=False
    )
    assert tty.returncode == 0, tty.stdout[-2000:]
    shown = tty.stdout.decode("utf-8", "replace")
    assert "calls shown" in shown and "records/s" in shown, shown[-2000:]
    assert "\x1b[2Kstart" in shown and "end" in shown  # the guest's lines, status cleared
    text = trace.read_text()
    assert "execve(" in text and "\x1b" not in text and "records/s" not in text
    piped = subprocess.run(
        [str(VMSTRACE), "run", "-o", str(trace), "--", *CMD], capture_output=True, timeout=300
    )
    assert piped.returncode == 0
    assert b"records/s" not in piped.stderr and b"\x1b" not in piped.stderr
