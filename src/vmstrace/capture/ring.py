"""The ring the capture plugin writes its record stream into (native/vmstrace_out.c).

A memfd shared with QEMU: a 4 KiB header (``struct vmst_ring_hdr`` in
native/vmstrace_records.h), then ``size`` bytes through which the stream runs as through a
pipe.  The plugin publishes bytes by advancing ``head``; this reader consumes them and
advances ``tail``.  The plugin only waits when the reader is a whole ring behind, so the
guest runs ahead of a slower decoder by up to ``size`` bytes and nothing is lost.  The
reader reads the ring itself, on its own thread: no drain thread competes with the decoder
for the interpreter lock.

When the ring is empty the reader first naps, a millisecond at a time, without asking to
be woken; only once the ring has stayed empty for QUIET_NAPS naps does it set ``waiting``
and sleep on the bell pipe, which the plugin writes a byte to after publishing (a timeout
bounds that wait should a wake-up be missed).  A bell per flush costs the guest's vCPU
thread a pipe write and the reader's wake-up: once the decoder kept up with the syscall
loop, being rung after each 64 KiB made the traced loop 1.32-1.47x the untraced one; with
the naps, 1.25x (docs/performance.md).
End of stream: ``closed`` set after the last record, or end-of-file on the bell pipe (QEMU
exited without closing, e.g. killed).
"""

from __future__ import annotations

import mmap
import os
import select
import time
from collections.abc import Callable

from vmstrace.core.abi import RING_DATA_OFF, RING_MAGIC, RING_VERSION, offset, record_struct

HEADER = record_struct("ring_hdr", magic="8s")
# where the counters sit in the header (the plugin's struct vmst_ring_hdr)
HEAD, TAIL = offset("ring_hdr", "head"), offset("ring_hdr", "tail")
WAITING, CLOSED = offset("ring_hdr", "waiting"), offset("ring_hdr", "closed")
STALLED_NS = offset("ring_hdr", "stalled_ns")
CHUNK = 1 << 20  # the most one read returns: the decoder works through it in one go
NAP_S = 0.05  # the longest sleep on an empty ring, should a wake-up be missed
# while records come, the reader polls an empty ring: QUIET_NAPS naps of QUIET_NAP_S (the
# trace's lag stays within a nap), then it sleeps until the plugin rings
QUIET_NAPS, QUIET_NAP_S = 10, 0.001


class Ring:
    """A readable stream (``read``/``read1``/``readinto1``) over the shared ring, for
    RecordReader."""

    def __init__(self, size: int, idle: Callable[[], None] | None = None) -> None:
        """``idle`` runs each time the reader has caught up and is about to wait."""
        if size <= 0:
            raise ValueError("ring size must be positive")
        self.size = size
        self._fd = os.memfd_create("vmstrace-ring")
        self._bell_r, self._bell_w = os.pipe()
        try:
            os.ftruncate(self._fd, RING_DATA_OFF + size)
            self._mm = mmap.mmap(self._fd, RING_DATA_OFF + size)
        except OSError:
            self._close_fds()
            raise
        hdr = HEADER.pack(RING_MAGIC, RING_VERSION, size, 0, 0, 0, 0, 0)
        self._mm[: len(hdr)] = hdr
        self._view = memoryview(self._mm)
        # head and tail are read and written whole, as the plugin does: struct.pack_into
        # and unpack_from go byte by byte, and a torn counter reads as a wild position.
        # A memoryview of native u64/u32 items moves each item in one aligned access.
        self._u64 = self._view[:RING_DATA_OFF].cast("Q")
        self._u32 = self._view[:RING_DATA_OFF].cast("I")
        self._tail = 0
        self._hung_up = False
        self._quiet = 0  # the naps taken since the ring last held records
        self._idle = idle
        self.peak = 0  # the largest backlog seen, in bytes
        self._stalled_ns = 0  # kept from the header when the ring closes

    def plugin_args(self) -> dict[str, str]:
        """The plugin's ring= and bell= arguments (pass :meth:`child_fds` to QEMU)."""
        return {"ring": f"/dev/fd/{self._fd}", "bell": f"/dev/fd/{self._bell_w}"}

    def child_fds(self) -> list[int]:
        return [self._fd, self._bell_w]

    def started(self) -> None:
        """QEMU holds the bell's writing end now: dropping ours lets its exit show as EOF."""
        if self._bell_w >= 0:
            os.close(self._bell_w)
            self._bell_w = -1

    def read1(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (up to :data:`CHUNK` if ``n`` < 0); b"" at the end."""
        buf = bytearray(CHUNK if n < 0 else min(n, CHUNK))
        return bytes(buf[: self.readinto1(buf)])

    read = read1

    def readinto1(self, buf: bytearray | memoryview) -> int:
        """Copies up to len(buf) bytes (at most :data:`CHUNK`) into ``buf``, waiting for
        at least one; 0 at the end."""
        limit = min(len(buf), CHUNK)
        if limit == 0:
            return 0
        while True:
            head = self._u64[HEAD // 8]
            backlog = head - self._tail
            if backlog > 0:
                self._quiet = 0
                self.peak = max(self.peak, backlog)
                at = self._tail % self.size
                take = min(backlog, limit, self.size - at)
                buf[:take] = self._view[RING_DATA_OFF + at : RING_DATA_OFF + at + take]
                self._tail += take
                self._u64[TAIL // 8] = self._tail
                return take
            if self._u32[CLOSED // 4] or self._hung_up:
                # the end: unless the last bytes landed since head was read
                if self._u64[HEAD // 8] == self._tail:
                    return 0
                continue
            self._sleep()

    def _sleep(self) -> None:
        if self._quiet < QUIET_NAPS:
            self._quiet += 1
            if self._idle is not None:
                self._idle()
            if self._u64[HEAD // 8] == self._tail and not self._u32[CLOSED // 4]:
                time.sleep(QUIET_NAP_S)  # (nothing came meanwhile, not even the end)
            return
        self._u32[WAITING // 4] = 1
        if self._u64[HEAD // 8] != self._tail or self._u32[CLOSED // 4]:
            return
        if self._idle is not None:
            self._idle()
        ready, _, _ = select.select([self._bell_r], [], [], NAP_S)
        if ready and not os.read(self._bell_r, 4096):
            self._hung_up = True

    def written(self) -> int | None:
        """How many bytes the plugin has published so far (None once closed); any thread."""
        try:
            return None if self._mm.closed else int(self._u64[HEAD // 8])
        except ValueError:  # closed meanwhile
            return None

    @property
    def stalled_s(self) -> float:
        """Seconds the plugin waited for room so far: the time the reader held the guest
        back (0 while the ring never filled)."""
        if not self._mm.closed:
            self._stalled_ns = self._u64[STALLED_NS // 8]
        return self._stalled_ns / 1e9

    def close(self) -> None:
        if self._mm.closed:
            return
        self._stalled_ns = self._u64[STALLED_NS // 8]
        self._u64.release()
        self._u32.release()
        self._view.release()
        self._mm.close()
        self._close_fds()

    def _close_fds(self) -> None:
        for fd in (self._fd, self._bell_r, self._bell_w):
            if fd >= 0:
                os.close(fd)
        self._fd = self._bell_r = self._bell_w = -1

    def __enter__(self) -> Ring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
