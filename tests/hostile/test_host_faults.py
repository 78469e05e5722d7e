"""Faults on the host side of a run: signals to vmstrace, QEMU killed, outputs that fail,
--timeout.  Whatever ends the run, nothing of it is left running or on disk, the JSON ends
with a stats record that says why the trace is incomplete, and one clear message says what
happened.

Each run gets its own TMPDIR, which QEMU's command line names (its -initrd lives in the
run's work directory there): that finds the run's QEMU even after vmstrace is gone.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

VMSTRACE = Path(sys.executable).parent / "vmstrace"
# a command that reports it runs, then blocks in one call: a call in flight when it stops
BLOCKED = ["/bin/sh", "-c", "echo started; exec sleep 600"]
# a command that makes system calls without end
BUSY = ["/bin/sh", "-c", "echo started; while :; do echo x >/dev/null; done"]
SAFETY = ("--timeout", "120")  # should the fault not stop the run, the test still ends
STOPPED = "the run was stopped"


def _require_tools() -> None:
    missing = [t for t in ("qemu-system-x86_64", "gcc", "busybox") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make setup` (or `make test`)")


class Run:
    """A `vmstrace run` started in the background, with its own TMPDIR and outputs."""

    def __init__(
        self,
        root: Path,
        argv: list[str],
        *opts: str,
        text: str | None = None,
        stdout: int | None = None,
    ) -> None:
        _require_tools()
        self.tmp = root / "tmp"
        self.tmp.mkdir(exist_ok=True)
        self.text = root / "trace.txt" if text is None else Path(text)
        self.json = root / "trace.jsonl"
        self.out = root / "stdout"
        self.err = root / "stderr"
        json_opt = () if "--json" in opts else ("--json", str(self.json))
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen(
                [str(VMSTRACE), "run", "-o", str(self.text), *json_opt, *opts, "--", *argv],
                stdout=out if stdout is None else stdout,
                stderr=err,
                env=os.environ | {"TMPDIR": str(self.tmp)},
            )
        self.ram: list[str] = []  # the guest RAM paths QEMU was given

    def qemus(self) -> list[int]:
        """QEMU processes of this run, wherever they were reparented."""
        found = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                argv = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[0].endswith(b"qemu-system-x86_64") and any(
                str(self.tmp).encode() in a for a in argv
            ):
                found.append(int(d.name))
                self.ram += [
                    a.decode().split("mem-path=")[1].split(",")[0]
                    for a in argv
                    if b"mem-path=" in a
                ]
        return found

    def booting(self) -> bool:
        """QEMU runs its vCPU: the plugin is loaded, the guest boots."""
        for pid in self.qemus():
            try:
                if len(os.listdir(f"/proc/{pid}/task")) > 1:
                    return True
            except OSError:
                pass
        return False

    def tracing(self) -> bool:
        """The command runs in the guest and is about to block: the trace (written out when
        the guest goes idle) shows sleep's last call before clock_nanosleep."""
        if not self.qemus() or not self.text.exists():
            return False
        text = self.text.read_text()
        return 'prctl(PR_SET_NAME, "sleep")' in text and text.endswith("getuid() = 0\n")

    def wait(self) -> int:
        return self.proc.wait(timeout=300)

    def stderr(self) -> str:
        return self.err.read_text()

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.json.read_text().splitlines()]

    def stats(self) -> dict:
        last = self.records()[-1]
        assert last["type"] == "stats", last
        return last

    def assert_nothing_left(self) -> None:
        """No QEMU of the run, no work directory, no guest RAM file."""
        assert _within(10, lambda: not self.qemus()), self.qemus()
        assert list(self.tmp.iterdir()) == []
        assert self.ram, "QEMU was never seen"
        for path in self.ram:
            assert path.startswith("/dev/fd/") or not Path(path).exists(), path


def _within(seconds: float, cond: Callable[[], bool]) -> bool:
    """Polls ``cond`` until it holds, for at most ``seconds`` (a bound, not a measure)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _reconciled(s: dict) -> None:
    """The plugin reported, and every record it produced was read and accounted for."""
    assert s["produced"] is not None and s["produced"] == s["delivered"], s
    assert s["dropped"] == 0 and s["gaps"] == 0 and s["stale"] == 0, s
    assert s["entries"] == s["paired"] + s["no_return"] + s["unfinished"], s


SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


@pytest.mark.parametrize("when", ["boot", "trace"])
@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_a_signal_stops_the_run_and_keeps_what_was_captured(tmp_path, sig, when):
    # Exit status 128 + the signal's number: what a shell reports for a program the
    # signal ended, and how strace's own death by the signal would show.
    r = Run(tmp_path, BLOCKED, *SAFETY)
    assert _within(120, r.booting if when == "boot" else r.tracing), r.stderr()
    r.proc.send_signal(sig)
    assert r.wait() == 128 + sig
    assert r.stderr() == f"vmstrace: interrupted by {sig.name}; the trace so far was written\n"
    s = r.stats()
    assert (s["complete"], s["reason"]) == (False, "interrupted")
    _reconciled(s)
    if when == "trace":
        # the call in flight is shown, without a return, as at the end of any trace
        sleeps = [e for e in r.records() if e.get("name") == "clock_nanosleep"]
        assert [e["ret"] for e in sleeps] == [None]
        assert r.text.read_text().splitlines()[-1].endswith(") = ?")
    r.assert_nothing_left()


@pytest.mark.parametrize("when", ["boot", "trace"])
def test_sigkill_of_vmstrace_takes_qemu_along_and_the_next_run_cleans_up(tmp_path, when):
    r = Run(tmp_path, BLOCKED, *SAFETY)
    assert _within(120, r.booting if when == "boot" else r.tracing), r.stderr()
    r.proc.kill()
    assert r.wait() == -signal.SIGKILL
    assert _within(10, lambda: not r.qemus()), r.qemus()
    # the next run (in the same TMPDIR) removes what the killed one left, and its own
    again = subprocess.run(
        [str(VMSTRACE), "run", "--", "/bin/true"],
        capture_output=True,
        env=os.environ | {"TMPDIR": str(r.tmp)},
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert list(r.tmp.iterdir()) == []
    for path in r.ram:
        assert path.startswith("/dev/fd/") or not Path(path).exists(), path


def test_qemu_killed_from_outside(tmp_path):
    r = Run(tmp_path, BLOCKED, *SAFETY)
    assert _within(120, r.tracing), r.stderr()
    for pid in r.qemus():
        os.kill(pid, signal.SIGKILL)
    assert r.wait() == 2
    err = r.stderr()
    assert err.startswith(
        "vmstrace: QEMU was killed by SIGKILL before the command "
        "finished; the trace so far was written\n"
    ), err
    assert "Traceback" not in err
    s = r.stats()
    assert (s["complete"], s["reason"], s["produced"]) == (False, "qemu-exited", None)
    r.assert_nothing_left()


def test_trace_output_to_dev_full(tmp_path):
    # strace 6.1 goes on and repeats "strace: /dev/full: No space left on device" for every
    # line; vmstrace stops at once and says it once (exit status 2, as any failed run).
    r = Run(tmp_path, BLOCKED, *SAFETY, text="/dev/full")
    assert _within(120, r.booting), r.stderr()
    assert r.wait() == 2
    assert r.stderr() == f"vmstrace: /dev/full: No space left on device; {STOPPED}\n"
    s = r.stats()
    assert (s["complete"], s["reason"]) == (False, "output-error")
    _reconciled(s)
    r.assert_nothing_left()


@pytest.fixture
def full_fs(tmp_path):
    """A 64 KiB tmpfs: room for a few hundred JSON lines, then ENOSPC."""
    if os.geteuid() != 0:
        pytest.fail("mounting the small tmpfs needs root: run these tests as root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_json_into_a_full_file_system(tmp_path, full_fs):
    js = full_fs / "trace.jsonl"
    r = Run(tmp_path, BUSY, *SAFETY, "--json", str(js))
    assert _within(120, r.booting), r.stderr()
    assert r.wait() == 2
    assert r.stderr() == f"vmstrace: {js}: No space left on device; {STOPPED}\n"
    # the file is cut back to its last whole line; the stats record follows when the file
    # system has room for it (that depends on where the last line ended in its page)
    records = [json.loads(line) for line in js.read_text().splitlines()]
    assert records and all(rec["type"] in ("syscall", "stats") for rec in records)
    assert [rec for rec in records[:-1] if rec["type"] == "stats"] == []
    if records[-1]["type"] == "stats":
        assert (records[-1]["complete"], records[-1]["reason"]) == (False, "output-error")
    # the text trace went on to the end of what was captured
    assert r.text.read_text().splitlines()[-1].startswith("[pid ")
    r.assert_nothing_left()


def test_text_output_piped_into_head(tmp_path):
    # `vmstrace run -o /dev/stdout ... | head -3`.  A closed pipe ends the run quietly, as
    # strace ends writing into one (it dies of SIGPIPE: the shell sees 141): exit status
    # 141 (128 + SIGPIPE), no message, no traceback; the JSON says why it ends early.
    head = subprocess.Popen(["head", "-3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert head.stdin is not None and head.stdout is not None
    r = Run(tmp_path, BUSY, *SAFETY, text="/dev/stdout", stdout=head.stdin.fileno())
    assert _within(120, r.booting), r.stderr()
    head.stdin.close()
    lines = head.stdout.read().decode().splitlines()
    assert head.wait() == 0 and len(lines) == 3
    assert r.wait() == 141
    assert r.stderr() == ""
    s = r.stats()
    assert (s["complete"], s["reason"]) == (False, "output-error")
    _reconciled(s)
    r.assert_nothing_left()


def test_timeout_stops_the_guest_and_the_plugin_reports(tmp_path):
    r = Run(tmp_path, BLOCKED, "--timeout", "2")
    assert _within(120, r.booting), r.stderr()
    assert r.wait() == 2
    assert r.stderr() == (
        "vmstrace: the command did not finish within --timeout 2.0 s; "
        "the guest was stopped and the trace so far written\n"
    )
    s = r.stats()
    assert (s["complete"], s["reason"]) == (False, "timeout")
    _reconciled(s)
    sleeps = [e for e in r.records() if e.get("name") == "clock_nanosleep"]
    assert [e["ret"] for e in sleeps] == [None]
    r.assert_nothing_left()


def test_qemu_that_cannot_start_still_closes_the_outputs(tmp_path, monkeypatch):
    # (in-process: QEMU's start is made to fail after every input was checked and the
    # outputs were opened)
    from click.testing import CliRunner

    from vmstrace import cli, launcher

    def no_qemu(*args, **kwargs):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(launcher, "start_qemu", no_qemu)
    js = tmp_path / "t.jsonl"
    result = CliRunner().invoke(
        cli.main, ["run", "-o", str(tmp_path / "t.txt"), "--json", str(js), "--", "/bin/true"]
    )
    assert result.exit_code != 0
    (stats,) = [json.loads(line) for line in js.read_text().splitlines()]
    assert stats["type"] == "stats" and stats["complete"] is False
    assert stats["reason"] == "start-failed" and stats["events"] == 0
