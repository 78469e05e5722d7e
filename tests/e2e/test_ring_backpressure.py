"""The ring under pressure: a 1 MB ring that the guest fills many times over while the
decoder lags, wrapping at every offset; nothing may be lost, cut or reordered.

The decoder alone keeps up with this loop (about 670,000 calls a CPU-second to JSON, the
guest makes about 500,000 a second): a Perfetto timeline as well as the text and JSON
outputs brings the consumer to about a third of the guest's pace, so the ring fills."""

from __future__ import annotations

N = 40_000  # loop iterations of bench-syscalls: 3 calls each, ~19 MB of records


def test_a_small_ring_wraps_and_back_pressure_loses_nothing(vmstrace, tmp_path):
    slow = ("--perfetto", str(tmp_path / "timeline.json"))
    t = vmstrace(["/vmstrace/bin/bench-syscalls", str(N)], "--buffer-mb", "1", *slow)
    assert t.returncode == 0, t.stderr
    assert t.stats is not None and t.stats["complete"], t.stats
    assert t.stats["produced"] == t.stats["delivered"] and t.stats["dropped"] == 0
    assert t.stats["guest_stalled_s"] > 0  # the ring filled: the guest waited for the reader
    start = [e["name"] for e in t.events].index("pipe2") + 1
    loop = t.events[start : start + 3 * N]
    assert [e["name"] for e in loop] == ["write", "read", "getppid"] * N
    parent = loop[2]["ret"]
    assert parent > 0
    assert [e["ret"] for e in loop] == [1, 1, parent] * N
