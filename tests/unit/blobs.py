"""An event's reads as the record reader hands them on: a Blobs (src/vmstrace/_blobs.h),
which the compiled stages read in place, made from the dict a test builds.

Tests of the lane and the pairing build their events with dicts; each such test that
runs its events both ways holds the in-place reads to the dict's."""

from __future__ import annotations

from collections.abc import Mapping

from vmstrace.capture import _records
from vmstrace.capture.records import BLOB_HDR
from vmstrace.core.abi import BLOB_EXIT, BLOB_FAULT, BLOB_TRUNC, INDEX_TOP
from vmstrace.core.events import Mem


def _blob(arg: int, m: Mem, index: int) -> bytes:
    flags = (BLOB_FAULT if m.fault else 0) | (BLOB_TRUNC if m.truncated else 0)
    flags |= BLOB_EXIT if m.at_exit else 0
    data = bytes(m.data)
    return BLOB_HDR.pack(arg, flags, index, len(data), m.addr) + data + bytes(-len(data) % 8)


def representable(mem: Mapping[int, Mem]) -> bool:
    """Whether the plugin could have written these reads (what a record can hold)."""
    return all(
        0 <= arg <= 255
        and 0 <= m.addr < 2**64
        and len(m.elems) < INDEX_TOP
        and all(0 <= e.addr < 2**64 and not e.elems for e in m.elems)
        for arg, m in mem.items()
    )


def in_place(mem: Mapping[int, Mem]) -> Mapping[int, Mem]:
    """The Blobs of the record that holds `mem`'s reads (elements numbered in order where
    they are not), or `mem` itself when empty or not representable."""
    if not mem or not representable(mem):
        return mem
    area, count = b"", 0
    for arg, m in mem.items():
        area += _blob(arg, m, INDEX_TOP)
        for j, e in enumerate(m.elems):
            area += _blob(arg, e, j if e.index == INDEX_TOP else e.index)
        count += 1 + len(m.elems)
    return _records.blobs(area, count)
