"""The host side of a run's end (host.py), on crafted directories and streams: which work
directories count as stale, a failed output stopping the run once, a JSON file mended
after a full file system.  tests/hostile/test_host_faults.py does the same on real runs."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from vmstrace import host
from vmstrace.core.events import TraceCounts
from vmstrace.sinks.jsonl import JsonSink, stats_line
from vmstrace.sinks.text import TextSink

COUNTS = TraceCounts(
    produced=10,
    delivered=10,
    dropped=0,
    entries=5,
    exits=5,
    paired=5,
    unfinished=0,
    shown=5,
    reason="output-error",
)


@pytest.fixture
def tmpdir_(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_only_the_work_directories_of_dead_runs_are_swept(tmpdir_):
    live = host.Workdir()  # this run: locked
    dead_locked = tmpdir_ / f"vmstrace-run-{os.getpid()}-abc"  # lock free: its run died
    dead_locked.mkdir()
    (dead_locked / "lock").touch()
    unlocked_dead = tmpdir_ / f"vmstrace-run-{_dead_pid()}-def"  # made, never locked
    unlocked_dead.mkdir()
    unlocked_live = tmpdir_ / f"vmstrace-run-{os.getpid()}-ghi"  # being made right now
    unlocked_live.mkdir()
    other = tmpdir_ / "vmstrace-bench-xyz"
    other.mkdir()
    host.sweep_stale_workdirs()
    assert sorted(p.name for p in tmpdir_.iterdir()) == sorted(
        [live.path.name, unlocked_live.name, other.name]
    )
    live.remove()
    assert not live.path.exists()


def test_a_held_lock_keeps_a_directory(tmpdir_):
    d = tmpdir_ / f"vmstrace-run-{_dead_pid()}-abc"
    d.mkdir()
    fd = os.open(d / "lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another open file: as another process's lock
    try:
        host.sweep_stale_workdirs()
        assert d.exists()
    finally:
        os.close(fd)
    host.sweep_stale_workdirs()
    assert not d.exists()


class _Failing(io.StringIO):
    name = "/some/file"

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_output_stops_the_run_once_and_the_others_go_on():
    stop = host.Stop()
    outputs = host.Outputs(stop)
    bad, good = _Failing(), io.StringIO()
    text, also_text, js = TextSink(bad), TextSink(bad), JsonSink(good)
    sinks = outputs.guard([text, also_text, js])
    for sink in sinks:
        sink.note(1, "+++ exited with 0 +++")
    for sink in sinks:
        sink.close(COUNTS)
    assert stop.reason == "output-error"
    err = stop.error()
    assert (
        err is not None
        and str(err) == ("/some/file: No space left on device; the run was stopped")
        and err.exit_code == 2
    )
    note, stats = good.getvalue().splitlines()
    assert json.loads(note) == {
        "type": "note",
        "tid": 1,
        "comm": None,
        "text": "+++ exited with 0 +++",
    }
    assert json.loads(stats) == json.loads(stats_line(COUNTS))


def test_a_failed_close_is_salvaged_and_closes_once(tmp_path):
    class FullAtClose(JsonSink):
        def close(self, counts):
            raise OSError(errno.ENOSPC, "No space left on device")

    stop = host.Stop()
    outputs = host.Outputs(stop)
    with open(tmp_path / "t.jsonl", "w") as f:
        f.write('{"type":"syscall","n":1}\n{"type":"sysc')
        f.flush()
        sink = FullAtClose(f)
        (guarded,) = outputs.guard([sink])
        guarded.close(COUNTS)
        assert getattr(guarded, "closed", False) and stop.reason == "output-error"
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert lines[0] == '{"type":"syscall","n":1}' and len(lines) <= 2


def test_a_closed_pipe_ends_quietly_with_sigpipe_s_status():
    stop = host.Stop()
    stop.output_failed("<stdout>", BrokenPipeError(errno.EPIPE, "Broken pipe"))
    err = stop.error()
    assert isinstance(err, host.OutputClosed) and str(err) == "" and err.exit_code == 141


@pytest.mark.parametrize("room", [True, False])
def test_a_json_file_is_cut_back_to_its_last_whole_line(tmp_path, room):
    path = tmp_path / "t.jsonl"
    whole = '{"type":"syscall","n":1}\n{"type":"syscall","n":2}\n'
    path.write_text(whole + '{"type":"sysc')
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignore = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        if not room:  # a file size limit at the cut: the stats record's write fails
            resource.setrlimit(resource.RLIMIT_FSIZE, (len(whole), limit[1]))
        with path.open("a") as f:
            JsonSink(f).salvage(COUNTS, f.fileno())
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, ignore)
    assert path.read_text() == whole + (stats_line(COUNTS) if room else "")


def test_the_ram_memfd_has_no_name_on_disk():
    fd = host.ram_memfd(1 << 20)
    try:
        assert os.fstat(fd).st_size == 1 << 20
        assert Path(f"/proc/self/fd/{fd}").readlink().as_posix().startswith("/memfd:")
    finally:
        os.close(fd)


_CHILD = """
import signal, sys, time
{setup}
print("ready", flush=True)
time.sleep(60)
"""


def _child(setup: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(setup=setup)], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


def test_a_stop_asks_qemu_to_quit_and_lets_it_finish():
    proc = _child("signal.signal(signal.SIGTERM, lambda *a: sys.exit(7))")
    stop = host.Stop()
    stop.started(proc)
    stop.request("timeout")
    stop.request("interrupted")  # the first reason stands
    assert proc.wait(timeout=30) == 7
    stop.finished()
    assert stop.reason == "timeout" and stop.error() is None


def test_a_stop_waits_for_the_plugin_then_kills_what_does_not_quit(monkeypatch):
    monkeypatch.setattr(host, "GRACE_S", 0.5)
    proc = _child("signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    stop = host.Stop()
    written = [0]  # the plugin has not begun its stream
    stop.progress = lambda: written[0]
    stop.started(proc)
    stop.request("timeout")
    assert proc.wait(timeout=30) == -signal.SIGKILL
    stop.finished()
