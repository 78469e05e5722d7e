"""The guest launcher: one QEMU process, its serial lines read, its watchdog.

``vmstrace run`` (run.py), the benchmark's untraced and plugin-only runs (bench.py) and
the conformance suites (through run.py) start every guest here:

    launch() ─▶ QEMU (+ plugin) ──ttyS0─▶ read_console ─▶ console log, panic
                   │           ──ttyS1/2─▶ stdout / stderr writers
                   │           ──ttyS3─▶ read_control ─▶ GuestStatus (READY, EXIT n)
                   └─ stdout+stderr ─▶ kept for the error message
    watchdog: no READY within boot_timeout, or no end within timeout ─▶ Stop.request()

The guest's word on the control line is checked with a per-run nonce (guest/channels.py);
the launcher never decides how the command ended, it reports what it saw.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from vmstrace.guest.channels import GuestStatus, new_nonce, read_console, read_control
from vmstrace.guest.qemu import SERIAL_LINES, GuestConfig, qemu_command
from vmstrace.host import Stop, Workdir, start_qemu

Write = Callable[[bytes], None]


@dataclass
class Guest:
    """A started guest: its QEMU process and what its lines said so far."""

    proc: subprocess.Popen[bytes]
    status: GuestStatus
    started: float  # host monotonic clock, just before QEMU started
    log: Path  # the console log
    threads: list[threading.Thread] = field(default_factory=list)
    qemu_out: list[bytes] = field(default_factory=list)

    @property
    def boot_s(self) -> float | None:
        """QEMU start to the guest's READY, or None if it never said it."""
        ready = self.status.ready_at
        return None if ready is None else ready - self.started

    def wait(self) -> int:
        """QEMU's exit status, once it exited and its lines were read to the end."""
        self.proc.wait()
        for t in self.threads:
            t.join(timeout=5)
        return self.proc.returncode

    def qemu_output(self) -> bytes:
        """What QEMU itself printed (its errors)."""
        return b"".join(self.qemu_out)


def _relay(fd: int, write: Write) -> None:
    with os.fdopen(fd, "rb", buffering=0) as f:
        while chunk := f.read(65536):
            write(chunk)


def launch(
    qemu: str,
    cfg: GuestConfig,
    *,
    stop: Stop,
    stdout: Write,
    stderr: Write,
    log: Path,
    plugin: Path | None = None,
    plugin_args: dict[str, str] | None = None,
    pass_fds: list[int] | None = None,
    boot_timeout: float = 120.0,
    timeout: float | None = None,
    workdir: Workdir | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Guest:
    """Starts QEMU for ``cfg`` (with the capture plugin when ``plugin`` is given) and the
    threads that read its lines; ``stop`` learns the process, and is asked to end the run
    when the guest does not boot in ``boot_timeout`` s or the command does not end in
    ``timeout`` s.  ``pass_fds``: more descriptors QEMU inherits (the RAM file, the
    ring).  ``on_start`` is told the host wall-clock time (ns) just before QEMU starts."""
    # a per-run token on the launcher's control lines: it tells them from accidental junk
    # (not from forgeries: the guest reads it on /proc/cmdline; guest/channels.py)
    status = GuestStatus(nonce=new_nonce())
    cfg = replace(cfg, append=f"{cfg.append} vmstrace.nonce={status.nonce}")
    pipes = {line: os.pipe() for line in SERIAL_LINES}
    cmd = qemu_command(qemu, cfg, {k: w for k, (_, w) in pipes.items()}, plugin, plugin_args)
    keep = [w for _, w in pipes.values()]
    started = time.monotonic()
    if on_start is not None:
        on_start(time.time_ns())
    try:
        with stop.starting():
            proc = start_qemu(cmd, keep + list(pass_fds or ()))
            stop.started(proc)
    except BaseException:
        for r, _ in pipes.values():
            os.close(r)
        raise
    finally:
        for fd in keep:
            os.close(fd)
    guest = Guest(proc, status, started, log)
    guest.threads = [
        threading.Thread(target=read_console, args=(pipes["console"][0], status, log)),
        threading.Thread(target=_relay, args=(pipes["stdout"][0], stdout)),
        threading.Thread(target=_relay, args=(pipes["stderr"][0], stderr)),
        threading.Thread(target=read_control, args=(pipes["control"][0], status)),
        threading.Thread(
            target=lambda: guest.qemu_out.append(proc.stdout.read() if proc.stdout else b"")
        ),
    ]
    watchdog = threading.Thread(
        target=_watchdog, args=(proc, status, stop, boot_timeout, timeout, workdir)
    )
    for t in [*guest.threads, watchdog]:
        t.daemon = True
        t.start()
    return guest


def _watchdog(
    proc: subprocess.Popen[bytes],
    status: GuestStatus,
    stop: Stop,
    boot_timeout: float,
    timeout: float | None,
    workdir: Workdir | None,
) -> None:
    if not status.ready.wait(boot_timeout):
        if proc.poll() is None:
            status.killed_for = "boot"
            stop.request("boot-timeout")
        return
    if workdir is not None:
        # QEMU has read the initrd and the plugin its spec: nothing left to leave behind
        workdir.clear()
    if timeout is not None:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            status.killed_for = "timeout"
            stop.request("timeout")
