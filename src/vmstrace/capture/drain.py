"""Draining the capture pipe on its own thread into a bounded in-memory queue.

The plugin writes with blocking writes, so a consumer slower than the guest stalls the
guest (back-pressure: nothing is lost).  The kernel's pipe holds 1 MiB; this queue lets the
guest run ahead of the decoder by up to ``cap`` bytes more, so a burst of calls is absorbed
instead of slowing the guest, and back-pressure only starts when the backlog is really
large.  Memory stays bounded by ``cap``; the trace stays lossless.
"""

from __future__ import annotations

import os
import threading
from collections import deque

CHUNK = 1 << 20


class PipeDrain:
    """A readable stream (``read``/``read1``) over a pipe fd, filled by a thread."""

    def __init__(self, fd: int, cap: int = 96 << 20) -> None:
        self._fd = fd
        self._cap = max(cap, CHUNK)
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._eof = False
        self._closed = False
        self._cond = threading.Condition()
        self.peak = 0  # the largest backlog, in bytes
        self._thread = threading.Thread(target=self._fill, name="vmstrace-drain", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        try:
            while True:
                chunk = os.read(self._fd, CHUNK)
                with self._cond:
                    if not chunk or self._closed:
                        break
                    while self._size >= self._cap and not self._closed:
                        self._cond.wait()  # back-pressure: the pipe fills, the guest waits
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                    self.peak = max(self.peak, self._size)
                    self._cond.notify_all()
        except OSError:
            pass
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def read1(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (all that is queued if ``n`` < 0); b"" at the end."""
        with self._cond:
            while not self._chunks and not self._eof:
                self._cond.wait()
            if not self._chunks:
                return b""
            chunk = self._chunks.popleft()
            if 0 <= n < len(chunk):
                self._chunks.appendleft(chunk[n:])
                chunk = chunk[:n]
            self._size -= len(chunk)
            self._cond.notify_all()
            return chunk

    read = read1

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        try:
            os.close(self._fd)
        except OSError:
            pass

    def __enter__(self) -> PipeDrain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
