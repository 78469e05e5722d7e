"""`vmstrace run --kernel-from-memory` when the guest kernel cannot be learnt from its
memory: the plugin holds the first system call until the host answers, so a host that
answers nothing must still end the run, at once, with one error that says what to give
instead (--symbols), and the JSON output closed by a stats record.

In-process (CliRunner), with kernel/live.py's discover made to fail, the spec made one
the plugin refuses, or the run interrupted while the kernel is learnt: each a real guest
booting (~5 s under TCG) until its first system call asks.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmstrace import cli
from vmstrace import run as session
from vmstrace.kernel.live import LiveKernelError

pytestmark = pytest.mark.e2e

BOUND_S = 90  # --timeout: should the run not end by itself, it still ends


def _fails_with(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> list[tuple]:
    asked: list[tuple] = []

    def discover(ram, cr3, cr4, cache):  # type: ignore[no-untyped-def]
        asked.append((cr3, cr4))
        raise error

    monkeypatch.setattr(session, "discover", discover)
    return asked


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            LiveKernelError("the kernel image in memory holds no BTF"),
            "vmstrace: cannot learn the guest kernel from its memory: the kernel "
            "image in memory holds no BTF; give its type information with --symbols FILE "
            "(a volatility3 ISF made from the kernel's debug info)",
        ),
        # a bug in the reading (not a LiveKernelError) must end the run all the same
        (
            IndexError("index out of range"),
            "vmstrace: cannot learn the guest kernel from its memory: IndexError: "
            "index out of range; give its type information with --symbols FILE (a "
            "volatility3 ISF made from the kernel's debug info)",
        ),
    ],
    ids=["live-kernel-error", "unexpected"],
)
def test_a_kernel_not_learnt_ends_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, message: str
) -> None:
    asked = _fails_with(monkeypatch, error)
    js = tmp_path / "t.jsonl"
    start = time.monotonic()
    result = CliRunner().invoke(
        cli.main,
        [
            "run",
            "--kernel-from-memory",
            "--timeout",
            str(BOUND_S),
            "-o",
            str(tmp_path / "t.txt"),
            "--json",
            str(js),
            "--",
            "/bin/true",
        ],
    )
    took = time.monotonic() - start
    assert took < BOUND_S / 2, f"the run took {took:.1f} s to end"
    (cr3, cr4), *more = asked
    assert more == [] and cr3 & ~0xFFF and cr4 & 0x20  # (CR4.PAE)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [message], result.stderr
    assert (tmp_path / "t.txt").read_text() == ""  # nothing attributed without a layout
    *events, stats = [json.loads(line) for line in js.read_text().splitlines()]
    assert [e for e in events if e["type"] == "syscall"] == []
    assert stats["type"] == "stats" and stats["complete"] is False
    assert stats["reason"] == "kernel-unknown"


def test_a_spec_the_plugin_refuses_is_not_a_silent_empty_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the host learnt the kernel but answered a spec the plugin cannot load (a bug): the
    # plugin goes on with registers only, and the run must say so rather than end well
    # with nothing attributed
    monkeypatch.setattr(session, "capture_spec", lambda opts, layout: "bogus line\n")
    js = tmp_path / "t.jsonl"
    args = ["run", "--kernel-from-memory", "--timeout", str(BOUND_S), "--json", str(js)]
    result = CliRunner().invoke(cli.main, [*args, "-o", str(tmp_path / "t.txt"), "/bin/true"])
    assert result.exit_code == 2, result.output
    note, *error = result.stderr.splitlines()
    assert note.startswith("vmstrace: guest kernel ") and " learnt from its memory" in note
    assert error == [
        "vmstrace: the plugin did not take the capture spec learnt from guest memory (a "
        "vmstrace bug), so nothing was attributed",
        "vmstrace plugin: the host's spec:1: bad spec line: bogus line",
        "vmstrace plugin: no capture spec from the host (bad answer): tracing registers only",
    ]
    stats = json.loads(js.read_text().splitlines()[-1])
    assert stats["type"] == "stats" and stats["complete"] is False
    assert stats["reason"] == "kernel-unknown" and stats["events"] == 0


def _qemu_children() -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        try:
            stat = (d / "stat").read_text()
        except (OSError, ValueError):
            continue
        comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        if comm.startswith("qemu-system") and int(rest.split()[1]) == os.getpid():
            found.append(int(d.name))
    return found


def test_interrupted_while_learning_the_kernel_says_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the user presses ^C twice while the kernel is learnt (QEMU is killed): answering
    # the plugin then fails, which is a consequence of the interrupt, not the error
    real = session.discover

    def discover(ram, cr3, cr4, cache):  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGINT)  # (the second one kills QEMU)
        deadline = time.monotonic() + 30
        while _qemu_children() and time.monotonic() < deadline:
            time.sleep(0.1)
        return real(ram, cr3, cr4, cache)

    monkeypatch.setattr(session, "discover", discover)
    js = tmp_path / "t.jsonl"
    args = ["run", "--kernel-from-memory", "--timeout", str(BOUND_S), "--json", str(js)]
    result = CliRunner().invoke(cli.main, [*args, "-o", str(tmp_path / "t.txt"), "/bin/true"])
    assert result.exit_code == 128 + signal.SIGINT, result.output
    assert result.stderr.splitlines()[-1] == (
        "vmstrace: interrupted by SIGINT; the trace so far was written"
    )
    stats = json.loads(js.read_text().splitlines()[-1])
    assert stats["type"] == "stats" and stats["complete"] is False
    assert stats["reason"] == "interrupted"
