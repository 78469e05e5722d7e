"""The pipe drain: lossless, order-preserving, bounded."""

from __future__ import annotations

import os
import threading
import time

from vmstrace.capture.drain import CHUNK, PipeDrain


def test_reads_everything_in_order_and_honours_read_sizes():
    r, w = os.pipe()
    data = bytes(range(256)) * 9000  # 2.3 MB, more than one chunk
    threading.Thread(target=lambda: (os.write(w, data), os.close(w)), daemon=True).start()
    got = bytearray()
    with PipeDrain(r) as drain:
        head = drain.read(16)
        assert head == data[:16]
        got += head
        while chunk := drain.read1(-1):
            got += chunk
    assert bytes(got) == data


def test_backlog_is_bounded_by_the_cap():
    r, w = os.pipe()
    written = 0

    def writer():
        nonlocal written
        block = b"x" * 65536
        for _ in range(80):  # 5 MiB: more than cap + the pipe's own buffer
            os.write(w, block)
            written += len(block)
        os.close(w)

    t = threading.Thread(target=writer, daemon=True)
    with PipeDrain(r, cap=CHUNK) as drain:
        t.start()
        time.sleep(0.5)  # nobody reads: the writer must stall, not the memory grow
        assert drain.peak <= CHUNK + CHUNK  # one chunk may land on top of a full queue
        assert written < 80 * 65536
        total = 0
        while chunk := drain.read1(-1):
            total += len(chunk)
    t.join(5)
    assert total == 80 * 65536
