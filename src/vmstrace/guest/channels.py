"""The guest's serial lines to the host, read as what they are: text any guest process can
write.

The control line (ttyS3) carries the launcher's reports (guest/init.sh): ``VMSTRACE
<nonce> READY``, ``VMSTRACE <nonce> EXIT <status>``, ``VMSTRACE <nonce> NOTFOUND
<argv0>``.  The guest is root, so any of its processes can open the line and read the
run's nonce on /proc/cmdline: the nonce tells the launcher's lines from accidental junk,
not from a forgery.  The command's status therefore comes from the trace
(:mod:`vmstrace.trace.outcome`) and the control line is only compared with it
(:func:`settle_status`).  Lines are bounded (:data:`LINE_MAX`), and no byte sequence on a
line stops the reading.

The console (ttyS0) is read for the excerpt an error shows and for a kernel panic; every
guest-made text vmstrace prints goes through :func:`vmstrace.decode.fmt.escape` first.
"""

from __future__ import annotations

import errno
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from vmstrace.decode.fmt import escape

LINE_MAX = 4096  # bytes kept of one line; the rest of a longer line is counted, not kept
MAX_REPORTS = 8  # control reports kept for the warning that names them
PANIC = b"Kernel panic"
CONSOLE_LOG_MAX = 64 << 20  # bytes of the console kept in the log file


def new_nonce() -> str:
    """A per-run token for the kernel command line (``vmstrace.nonce=``)."""
    return secrets.token_hex(8)


class Lines:
    """Splits a byte stream into lines of at most ``limit`` bytes (without the newline);
    the rest of a longer line is dropped, and ``discarded`` counts its bytes."""

    def __init__(self, limit: int = LINE_MAX) -> None:
        self.limit = limit
        self.discarded = 0
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            room = self.limit - len(self._buf)
            if len(piece) > room:
                self.discarded += len(piece) - max(room, 0)
                piece = piece[: max(room, 0)]
            self._buf += piece
            if end < 0:
                return
            line = bytes(self._buf)
            self._buf.clear()
            start = end + 1
            yield line

    def rest(self) -> bytes | None:
        """What came after the last newline (a line the guest never ended), if anything."""
        return bytes(self._buf) if self._buf else None


@dataclass
class GuestStatus:
    """What the guest's init said on the control line, and what the console showed.

    Everything here is the guest's word: :func:`settle_status` weighs it against the trace.
    """

    nonce: str = ""
    ready: threading.Event = field(default_factory=threading.Event)
    ready_at: float | None = None  # time.monotonic() when the first READY arrived
    exit_status: int | None = None  # the last EXIT line's
    not_found: str | None = None  # the first NOTFOUND line's argv0 (guest text: escape it)
    reports: list[str] = field(default_factory=list)  # EXIT n / NOTFOUND x, as they came
    junk: int = 0  # control lines that were not the launcher's
    discarded: int = 0  # bytes of control lines past LINE_MAX
    console_tail: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    panic: str | None = None  # the console's first kernel panic line
    killed_for: str | None = None


def control_line(line: bytes, status: GuestStatus, now: float) -> None:
    """One line of the control channel into ``status``."""
    if not line.strip():
        return
    head = f"VMSTRACE {status.nonce} ".encode()
    if not line.startswith(head):
        status.junk += 1
        return
    kind, _, rest = line[len(head) :].partition(b" ")
    if kind == b"READY" and not rest:
        if not status.ready.is_set():
            status.ready_at = now
            status.ready.set()
        return
    if kind == b"EXIT" and rest.isdigit() and len(rest) <= 3 and int(rest) <= 255:
        status.exit_status = int(rest)
        _report(status, f"EXIT {status.exit_status}")
        return
    if kind == b"NOTFOUND" and rest:
        name = rest.decode("utf-8", "surrogateescape")
        if status.not_found is None:
            status.not_found = name
        _report(status, f"NOTFOUND {escape(name)}")
        return
    status.junk += 1


def _report(status: GuestStatus, text: str) -> None:
    if len(status.reports) < MAX_REPORTS:
        status.reports.append(text)
    elif status.reports[-1] != "...":
        status.reports.append("...")


def read_control(fd: int, status: GuestStatus) -> None:
    """Reads the control line to its end (QEMU closing it) into ``status``."""
    lines = Lines()
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while chunk := stream.read(65536):
            for line in lines.feed(chunk):
                control_line(line, status, time.monotonic())
            status.discarded = lines.discarded
    rest = lines.rest()
    if rest is not None:
        control_line(rest, status, time.monotonic())


def read_console(fd: int, status: GuestStatus, log: Path) -> None:
    """Copies the console to ``log`` (its first :data:`CONSOLE_LOG_MAX` bytes: the guest
    decides how much it writes) and keeps its last lines and first panic line."""
    lines = Lines()
    room = CONSOLE_LOG_MAX
    out = _open_log(log)
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while chunk := stream.read(65536):
            if out is not None and room > 0:
                try:
                    out.write(chunk[:room])
                    room -= len(chunk)
                    if room <= 0:
                        out.write(b"\n[vmstrace: the console log stops here, at its size limit]\n")
                    out.flush()
                except OSError:  # (a full disk) the log stops; the console is still read
                    room = 0
            for line in lines.feed(chunk):
                _console_line(line, status)
    if out is not None:
        try:
            out.close()
        except OSError:
            pass
    rest = lines.rest()
    if rest is not None:
        _console_line(rest, status)


def _open_log(log: Path) -> BinaryIO | None:
    """The console log, written as the guest writes it (it can be followed during the run),
    never through a link planted at its name: a link there is removed (the cache directory
    is the user's alone, files.py checks that).  None if it cannot be made."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(2):
        try:
            return os.fdopen(os.open(log, flags, 0o600), "wb")
        except OSError as err:
            if err.errno != errno.ELOOP:
                return None
            log.unlink(missing_ok=True)
    return None


def _console_line(line: bytes, status: GuestStatus) -> None:
    text = line.rstrip(b"\r").decode("utf-8", "surrogateescape")
    status.console_tail.append(text)
    if PANIC in line and status.panic is None:
        status.panic = text.strip()


def console_excerpt(status: GuestStatus, lines: int = 12) -> str:
    """The console's last lines, escaped, indented for an error message."""
    return "\n".join(f"    {escape(line)}" for line in list(status.console_tail)[-lines:])


@dataclass(frozen=True)
class Settled:
    """The command's exit status and what vmstrace has to say about where it came from."""

    exit_status: int | None
    not_found: str | None  # argv0, when the command was really not found
    warnings: tuple[str, ...]


def settle_status(
    status: GuestStatus, traced: int | None, started: bool | None, traced_run: bool
) -> Settled:
    """The command's exit status: the traced one (``traced``; ``started``: whether the
    trace saw the launcher execute the command) wins over the control line's, which any
    guest process can forge; a disagreement is named in one warning.  ``traced_run``:
    False for --no-trace, where the control line is all there is."""
    warnings = []
    if status.junk or status.discarded:
        warnings.append(
            f"the control line carried {status.junk} line{'' if status.junk == 1 else 's'} "
            "not from the launcher"
            + (
                f" ({status.discarded} bytes past the {LINE_MAX}-byte line limit discarded)"
                if status.discarded
                else ""
            )
        )
    if traced is not None:
        honest = status.reports in ([], [f"EXIT {traced}"]) or (
            not started
            and traced == 127
            and status.not_found is not None
            and all(r.startswith("NOTFOUND") or r == f"EXIT {traced}" for r in status.reports)
        )
        if not honest:
            warnings.append(
                f"exit status {traced} from the trace; the guest's control line said "
                f"otherwise ({', '.join(status.reports)}) and is not trusted: any guest "
                "process can write it"
            )
        if status.panic is not None:
            warnings.append(
                f'the guest console showed "{escape(status.panic)}", but the command exited '
                f"(status {traced}, from the trace): any guest process can write the console"
            )
        not_found = status.not_found if not started and traced == 127 else None
        return Settled(traced, not_found, tuple(warnings))
    reported = status.exit_status
    if reported is not None and traced_run:
        warnings.append(
            f"exit status {reported} is the guest's unverified report: the trace did not "
            "show the command's exit"
        )
    not_found = status.not_found if started is not True else None
    return Settled(reported, not_found, tuple(warnings))
