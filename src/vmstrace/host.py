"""What a run holds on the host, and how it ends whatever ends it.

- The work directory (what QEMU reads at start: the initrd, the capture spec) is named after
  the run's pid and locked while the run lives; a run removes those of dead runs.  Guest
  RAM is a memfd: no file to leave behind.
- QEMU dies with vmstrace (PR_SET_PDEATHSIG), even of SIGKILL.
- :class:`Stop`: a signal (INT, TERM, HUP), --timeout, the boot timeout or a failed output
  ask QEMU to quit with SIGTERM, on which QEMU 10 runs the plugin's exit callback: the
  plugin flushes its buffers and writes its STATS record, and the reader goes on to the
  end of the stream, so what was captured is all read and the counts reconcile.  Should
  QEMU write nothing more for :data:`GRACE_S` and still run (or a second signal come),
  SIGKILL.
- :class:`GuardedSink`: an output that fails (ENOSPC, EPIPE, EIO) stops the run once, with
  one message naming it; the other outputs go on to the end and are told why.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import EndEvent, Note, TraceCounts, TraceEvent
from vmstrace.sinks.base import Sink

# How long QEMU may go on after it was asked to quit without the plugin writing anything
# more (its last flush waits for room in the ring, at the decoder's pace) before SIGKILL.
GRACE_S = 10.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_WORKDIR_PREFIX = "vmstrace-run-"
_LOCK = "lock"
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


# -- files ------------------------------------------------------------------------------


class Workdir:
    """A fresh work directory, ``vmstrace-run-<pid>-XXXX`` in the temporary directory,
    holding an flock on its ``lock`` file for as long as the run lives."""

    def __init__(self) -> None:
        sweep_stale_workdirs()
        self.path = Path(tempfile.mkdtemp(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-"))
        self._lock = os.open(self.path / _LOCK, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def clear(self) -> None:
        """Removes the directory: QEMU has read what it needed (the guest runs)."""
        shutil.rmtree(self.path, ignore_errors=True)

    def remove(self) -> None:
        """Removes the directory, then lets go of the lock."""
        self.clear()
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1


def _is_stale(path: Path) -> bool:
    """A work directory whose run is dead: its lock is free, or (made but not yet locked)
    the pid its name carries is gone.  Only directories of this user."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if not path.is_dir() or path.is_symlink() or st.st_uid != os.geteuid():
        return False
    try:
        fd = os.open(path / _LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        pid = path.name[len(_WORKDIR_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: the run is alive
    finally:
        os.close(fd)
    return True


def sweep_stale_workdirs() -> None:
    """Removes the work directories that killed runs left (never a live run's)."""
    for path in Path(tempfile.gettempdir()).glob(f"{_WORKDIR_PREFIX}*"):
        if _is_stale(path):
            shutil.rmtree(path, ignore_errors=True)


def ram_memfd(size: int) -> int:
    """A memfd of ``size`` bytes for guest RAM, which QEMU (memory-backend-file) and the
    plugin both open as /dev/fd/N: RAM-backed and shared, and gone with the last process
    that holds it, whatever ends the run."""
    fd = os.memfd_create("vmstrace-ram", os.MFD_CLOEXEC)
    try:
        os.ftruncate(fd, size)  # QEMU accepts an existing file of exactly the right size
    except OSError:
        os.close(fd)
        raise
    return fd


# -- QEMU -------------------------------------------------------------------------------


def _die_with_parent(parent: int) -> Callable[[], None]:
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        # in the child, between fork and exec.  The signal comes when the thread that
        # forked ends: the one that runs the session, which waits for QEMU before it ends.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        if os.getppid() != parent:  # the parent died before the prctl
            os._exit(1)

    return preexec


def start_qemu(
    cmd: list[str], pass_fds: list[int], inherit_stdio: bool = False
) -> subprocess.Popen[bytes]:
    """QEMU, started so that it dies with vmstrace; its stdout and stderr in one pipe, or
    with vmstrace's own terminal (``inherit_stdio``: a user's VM, its console and monitor)."""
    if inherit_stdio:
        return subprocess.Popen(cmd, pass_fds=pass_fds, preexec_fn=_die_with_parent(os.getpid()))
    return subprocess.Popen(
        cmd,
        pass_fds=pass_fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent(os.getpid()),
    )


# -- stopping ---------------------------------------------------------------------------


class Interrupted(VmstraceError):
    """A signal before QEMU ran: nothing to stop, the run ends here."""


class OutputClosed(VmstraceError):
    """The trace's reader went away (EPIPE): the run ends quietly, as a filter does."""


class Stop:
    """Why the run ends early (``reason``, None if it did not), and the ending itself."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.signal: signal.Signals | None = None
        self.output_error: tuple[str, OSError] | None = None
        self.failure: VmstraceError | None = None  # what ended the run, said by fail()
        self._proc: subprocess.Popen[bytes] | None = None
        # (re-entrant: the signal handler runs on the main thread, which may hold it)
        self._lock = threading.RLock()
        self._ender: threading.Thread | None = None
        self._done = threading.Event()
        # how far the plugin's stream got (None: no stream): QEMU that still writes is
        # still quitting, and 0 is a plugin not yet installed
        self.progress: Callable[[], int | None] = lambda: None

    @contextmanager
    def signals(self) -> Iterator[None]:
        """INT, TERM and HUP stop the run (from the main thread; elsewhere they keep their
        handlers)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: Any) -> None:
        sig = signal.Signals(signum)
        if self.signal is not None:  # a second one: no more waiting
            self.kill()
            return
        self.signal = sig
        if self._proc is None:
            raise Interrupted(
                f"interrupted by {sig.name} before the guest started; nothing was traced",
                exit_code=128 + signum,
            )
        self.request("interrupted")

    @contextmanager
    def starting(self) -> Iterator[None]:
        """Around QEMU's start: a stop signal waits until :meth:`started` knows QEMU."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def started(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc

    def request(self, reason: str) -> None:
        """Ends the run for ``reason`` (the first one given stands).  Any thread may call
        it; the ending runs on a thread of its own (:meth:`_end`)."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
            proc = self._proc
            if proc is None or self._ender is not None:
                return
            self._ender = threading.Thread(target=self._end, args=(proc,), daemon=True)
            self._ender.start()

    def _end(self, proc: subprocess.Popen[bytes]) -> None:
        """Asks QEMU to quit once it can do so cleanly, then kills it if it stops making
        progress.  A SIGTERM that comes before QEMU handles it, or before the plugin is
        installed, would end QEMU without the plugin's exit callback: the plugin's count
        would be lost, so that waits (GRACE_S at most)."""
        waited = 0.0
        while (
            proc.poll() is None
            and not _quits_cleanly(proc.pid, self.progress())
            and waited < GRACE_S
        ):
            self._done.wait(0.05)
            waited += 0.05
        if proc.poll() is None:
            proc.terminate()
        seen = self.progress()
        while not self._done.wait(GRACE_S):
            now = self.progress()
            if now is None or now == seen:
                self.kill()
                return
            seen = now

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def finished(self) -> None:
        self._done.set()

    def output_failed(self, name: str, err: OSError) -> None:
        with self._lock:
            if self.output_error is None:
                self.output_error = (name, err)
        self.request("output-error")

    def fail(self, reason: str, error: VmstraceError) -> None:
        """Ends the run for ``reason``, with ``error`` as what the user is told."""
        with self._lock:
            if self.failure is None:
                self.failure = error
        self.request(reason)

    def error(self) -> VmstraceError | None:
        """The error the run ends with: a failure, a signal or a failed output."""
        if self.failure is not None:
            return self.failure
        if self.output_error is not None:
            name, err = self.output_error
            if err.errno == errno.EPIPE:
                return OutputClosed("", exit_code=128 + signal.SIGPIPE)
            return VmstraceError(f"{name}: {err.strerror or err}; the run was stopped")
        if self.signal is not None:
            return VmstraceError(
                f"interrupted by {self.signal.name}; the trace so far was written",
                exit_code=128 + self.signal,
            )
        return None


def _quits_cleanly(pid: int, progress: int | None) -> bool:
    """QEMU catches SIGTERM (SigCgt in /proc/PID/status), and the plugin, if any, has begun
    its stream."""
    if progress == 0:
        return False
    try:
        with open(f"/proc/{pid}/status") as f:
            caught = next((line.split()[1] for line in f if line.startswith("SigCgt:")), "0")
    except OSError:
        return False
    return bool(int(caught, 16) >> (signal.SIGTERM - 1) & 1)


# -- outputs ----------------------------------------------------------------------------


def _discard(out: TextIO | Any) -> None:
    """Points a failed stream's descriptor at /dev/null, so that what it still buffers
    (and its flush at close or at exit) goes nowhere instead of failing again."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.dup2(null, fd, inheritable=fd <= 2)
    finally:
        os.close(null)


def stream_name(out: Any) -> str:
    name = getattr(out, "name", None)
    return str(name) if name is not None else "output"


class Outputs:
    """The run's outputs that can fail: each stream fails once, is reported once to
    :class:`Stop`, and from then on is written to /dev/null."""

    def __init__(self, stop: Stop) -> None:
        self.stop = stop
        self.failed: set[int] = set()  # id() of the failed streams
        # a failed stream's own descriptor, kept for a sink that can still mend its file
        self.kept: dict[int, int] = {}

    def fail(self, out: Any, err: OSError) -> None:
        if id(out) in self.failed:
            return
        self.failed.add(id(out))
        try:
            self.kept[id(out)] = os.dup(out.fileno())
        except (AttributeError, OSError, ValueError):
            pass
        _discard(out)
        self.stop.output_failed(stream_name(out), err)

    def close(self) -> None:
        for fd in self.kept.values():
            os.close(fd)
        self.kept.clear()

    def guard(self, sinks: list[Sink]) -> list[Sink]:
        return [GuardedSink(sink, self) for sink in sinks]

    def writer(self, stream: Any) -> Callable[[bytes], None]:
        """Writes the guest command's output to ``stream``, flushed chunk by chunk."""

        def write(chunk: bytes) -> None:
            if id(stream) in self.failed:
                return
            try:
                stream.write(chunk)
                stream.flush()
            except OSError as err:
                self.fail(stream, err)

        return write


class GuardedSink:
    """A sink whose stream errors stop the run instead of raising into it."""

    def __init__(self, sink: Sink, outputs: Outputs) -> None:
        self.sink = sink
        self.out = getattr(sink, "out", None)
        self.args_for = getattr(sink, "args_for", None)  # (sinks/base.py)
        self.takes_notes = getattr(sink, "takes_notes", False)  # (and events() passes them)
        self.outputs = outputs
        self.closed = False  # close() was called: the stats record went, or was tried

    def _ok(self) -> bool:
        return id(self.out) not in self.outputs.failed

    def _failed(self, err: OSError) -> None:
        self.outputs.fail(self.out, err)

    def event(self, ev: TraceEvent) -> None:
        self.events([ev])

    def events(self, evs: Sequence[TraceEvent | Note]) -> None:
        if self._ok():
            try:
                # (a batch with Notes comes only when the sink takes them: takes_notes)
                self.sink.events(cast(list[TraceEvent], evs))
            except OSError as err:
                self._failed(err)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        if self._ok():
            try:
                self.sink.note(tid, text, comm)
            except OSError as err:
                self._failed(err)

    def end(self, ev: EndEvent) -> None:
        if self._ok():
            try:
                self.sink.end(ev)
            except OSError as err:
                self._failed(err)

    def flush(self) -> None:
        if self._ok():
            try:
                self.sink.flush()
            except OSError as err:
                self._failed(err)

    def close(self, counts: TraceCounts) -> None:
        self.closed = True
        if self._ok():
            try:
                self.sink.close(counts)
                return
            except OSError as err:  # the last lines or the stats record did not fit
                self._failed(err)
        salvage = getattr(self.sink, "salvage", None)
        fd = self.outputs.kept.get(id(self.out))
        if salvage is not None and fd is not None:
            salvage(counts, fd)


# -- the live status line ---------------------------------------------------------------


class StatusLine:
    """A one-line status at the foot of the terminal while a trace runs (calls shown,
    records, rate, time), redrawn every ``interval`` s on stderr.

    Hand-written rather than rich's Live: the guest's output is relayed as raw bytes, in
    pieces that need not end a line, to the same terminal; :meth:`relay` wraps those
    writers so that the status is cleared before each piece and drawn again only after a
    piece that ends a line.  The caller turns it on only when stderr is a terminal that
    carries no trace lines (-o, or -c), so it never mixes into an output."""

    def __init__(self, stream: Any, text: Callable[[], str], interval: float = 0.5) -> None:
        self.stream = stream
        self.text = text
        self.interval = interval
        self._lock = threading.Lock()
        self._shown = False
        self._at_line_start = True
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        with self._lock:
            self._clear()

    def relay(self, write: Callable[[bytes], None]) -> Callable[[bytes], None]:
        def wrapped(chunk: bytes) -> None:
            with self._lock:
                self._clear()
                write(chunk)
                if chunk:
                    self._at_line_start = chunk.endswith(b"\n")

        return wrapped

    def _clear(self) -> None:
        if self._shown:
            self._put("\r\x1b[2K")
            self._shown = False

    def _put(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self._done.set()  # the terminal went away: no more status

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            with self._lock:
                if self._at_line_start and not self._done.is_set():
                    width = shutil.get_terminal_size((80, 24)).columns - 1
                    self._put("\r\x1b[2K" + self.text()[:width])
                    self._shown = True
