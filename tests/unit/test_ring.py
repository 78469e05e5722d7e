"""The shared ring: lossless, order-preserving, bounded, with the plugin's protocol.

A Python writer plays the plugin's part (native/vmstrace_out.c): publish by advancing
head, wait while the ring is full, ring the bell when the reader says it is waiting."""

from __future__ import annotations

import mmap
import os
import random
import struct
import threading

import pytest

from vmstrace.capture.ring import CLOSED, HEAD, STALLED_NS, TAIL, WAITING, Ring
from vmstrace.core.abi import RING_DATA_OFF, RING_MAGIC


class FakePlugin:
    """The writing side, on the ring's files as the plugin opens them."""

    def __init__(self, ring: Ring) -> None:
        args = ring.plugin_args()
        self.fd = os.open(args["ring"], os.O_RDWR)
        self.bell = os.open(args["bell"], os.O_WRONLY)
        self.mm = mmap.mmap(self.fd, os.fstat(self.fd).st_size)
        assert self.mm[:8] == RING_MAGIC
        (self.size,) = struct.unpack_from("<Q", self.mm, 16)
        self.head = 0
        self.max_backlog = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            (tail,) = struct.unpack_from("<Q", self.mm, TAIL)
            room = self.size - (self.head - tail)
            if room == 0:
                self._bell()
                threading.Event().wait(0.0005)
                (stalled,) = struct.unpack_from("<Q", self.mm, STALLED_NS)
                struct.pack_into("<Q", self.mm, STALLED_NS, stalled + 500_000)
                continue
            at = self.head % self.size
            n = min(len(view), room, self.size - at)
            self.mm[RING_DATA_OFF + at : RING_DATA_OFF + at + n] = view[:n]
            self.head += n
            self.max_backlog = max(self.max_backlog, self.head - tail)
            struct.pack_into("<Q", self.mm, HEAD, self.head)
            view = view[n:]
        self._bell()

    def _bell(self) -> None:
        if struct.unpack_from("<I", self.mm, WAITING)[0]:
            struct.pack_into("<I", self.mm, WAITING, 0)
            os.write(self.bell, b"\0")

    def close(self, *, clean: bool = True) -> None:
        if clean:
            struct.pack_into("<I", self.mm, CLOSED, 1)
            os.write(self.bell, b"\0")
        self.mm.close()
        os.close(self.fd)
        os.close(self.bell)


def _read_all(ring: Ring) -> bytes:
    out = bytearray()
    while chunk := ring.read1(-1):
        out += chunk
    return bytes(out)


@pytest.mark.parametrize("clean", [True, False])
def test_bytes_arrive_in_order_and_complete_across_wraps(clean: bool) -> None:
    rng = random.Random(7)
    payload = rng.randbytes(300_000)
    with Ring(4096) as ring:
        plugin = FakePlugin(ring)
        ring.started()

        def produce() -> None:
            k = 0
            while k < len(payload):  # uneven writes, so records straddle the wrap point
                n = rng.randint(1, 1500)
                plugin.write(payload[k : k + n])
                k += n
            plugin.close(clean=clean)

        t = threading.Thread(target=produce)
        t.start()
        got = _read_all(ring)
        t.join()
    assert got == payload
    assert plugin.max_backlog <= 4096 and ring.peak <= 4096
    # the writer waited for room (300 kB through 4 kB), and the ring kept its word of it
    assert ring.stalled_s >= 0.0005


def test_a_reader_that_keeps_up_never_stalls_the_writer() -> None:
    with Ring(1 << 16) as ring:
        plugin = FakePlugin(ring)
        ring.started()
        plugin.write(b"x" * 1000)
        assert ring.read1(-1) == b"x" * 1000
        plugin.close()
    assert ring.stalled_s == 0.0


def test_reads_respect_the_requested_size() -> None:
    with Ring(1 << 16) as ring:
        plugin = FakePlugin(ring)
        ring.started()
        plugin.write(b"0123456789")
        assert ring.read(0) == b""  # nothing asked, nothing taken
        assert ring.read(4) == b"0123"
        assert ring.read1(-1) == b"456789"
        plugin.close()
        assert ring.read1(-1) == b""


def test_a_writer_that_dies_without_closing_ends_the_stream() -> None:
    with Ring(1 << 12) as ring:
        plugin = FakePlugin(ring)
        ring.started()
        plugin.write(b"abc")
        plugin.close(clean=False)  # the bell's last writer is gone: end of file
        assert _read_all(ring) == b"abc"


def test_header_matches_the_c_layout() -> None:
    with Ring(8192) as ring:
        with open(ring.plugin_args()["ring"], "rb") as f:
            head = f.read(RING_DATA_OFF)
    assert head[:8] == b"VMSTRING"
    assert struct.unpack_from("<IIQ", head, 8) == (1, 0, 8192)
    assert (HEAD, TAIL, WAITING, CLOSED, STALLED_NS) == (64, 128, 192, 196, 200)


def test_bad_size_is_refused() -> None:
    with pytest.raises(ValueError):
        Ring(0)


def test_idle_runs_when_the_reader_catches_up_and_only_then() -> None:
    calls: list[int] = []
    with Ring(1 << 16, idle=lambda: calls.append(1)) as ring:
        plugin = FakePlugin(ring)
        ring.started()
        plugin.write(b"abc")
        assert ring.read1(-1) == b"abc" and calls == []  # data waiting: no idle call
        timer = threading.Timer(0.2, lambda: (plugin.write(b"def"), plugin.close()))
        timer.start()
        assert ring.read1(-1) == b"def"  # waited for it, idle first
        timer.join()
        assert len(calls) >= 1


def test_a_reader_that_caught_up_naps_before_it_asks_for_the_bell(monkeypatch) -> None:
    """While records come, an empty ring is polled: the plugin is not asked to ring (a
    write and a wake-up on the guest's vCPU thread per flush); only a ring quiet for
    QUIET_NAPS naps makes the reader set `waiting` and sleep on the bell."""
    from vmstrace.capture import ring as ring_mod

    with Ring(4096) as ring:
        plugin = FakePlugin(ring)
        ring.started()
        naps: list[int] = []

        def nap(seconds: float) -> None:
            naps.append(struct.unpack_from("<I", plugin.mm, WAITING)[0])
            if len(naps) == 3:
                plugin.write(b"late")  # records again, after three naps

        monkeypatch.setattr(ring_mod.time, "sleep", nap)
        plugin.write(b"first")
        assert ring.read1(-1) == b"first"
        assert ring.read1(-1) == b"late"
        assert naps == [0, 0, 0]  # never asked to be woken
        asked: list[int] = []
        real_select = ring_mod.select.select

        def watched(r: list, w: list, x: list, timeout: float) -> tuple:
            asked.append(struct.unpack_from("<I", plugin.mm, WAITING)[0])
            plugin.close()  # the end: the bell rings
            return real_select(r, w, x, timeout)

        monkeypatch.setattr(ring_mod.select, "select", watched)
        assert ring.read1(-1) == b""
        assert len(naps) == 3 + ring_mod.QUIET_NAPS and asked == [1]


def test_records_that_come_while_the_reader_flushes_are_read_without_a_nap(monkeypatch) -> None:
    """The reader's idle work (flushing the sinks) may take long enough for records to
    come: they are read at once, not after a nap."""
    from vmstrace.capture import ring as ring_mod

    chunks = [bytes([i]) * 100 for i in range(50)]
    naps: list[float] = []
    monkeypatch.setattr(ring_mod.time, "sleep", naps.append)
    plugin: FakePlugin | None = None

    def flushing() -> None:
        assert plugin is not None
        if chunks:
            plugin.write(chunks.pop(0))
        else:
            plugin.close()

    with Ring(4096, idle=flushing) as ring:
        plugin = FakePlugin(ring)
        ring.started()
        assert _read_all(ring) == b"".join(bytes([i]) * 100 for i in range(50))
    assert naps == []
