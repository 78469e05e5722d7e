"""What the fuzz targets found (vmstrace.fuzz, docs/fuzzing.md), each kept as an exact
test, and the saved corpus replayed through every target."""

from __future__ import annotations

import io

import pytest

from vmstrace.capture.records import (
    ENTRY,
    EXIT,
    REC_HDR,
    STREAM_HDR,
    RecordReader,
    StreamError,
)


def _stream_with(rtype: int, abi: int, insn: int) -> bytes:
    """A good ENTRY, then a whole ENTRY or EXIT record with the given codes."""
    head = STREAM_HDR.pack(b"VMSTRACE", 2, 0)

    def rec(rtype: int, abi: int, insn: int) -> bytes:
        body = (ENTRY.pack(0x1000, 0, 0x401000, 0x7FFC0000, 39, *(0,) * 6, 1, abi, insn, 0, 0, 0)
                if rtype == 1 else
                EXIT.pack(0x1000, 0, 0x401002, 85, 39, 0x7FFC0000, 0x401002, 0, 2, abi, insn, 0,
                          0, 0))
        return REC_HDR.pack(rtype, 0, REC_HDR.size + len(body), 7) + body

    return head + rec(1, 0, 1) + rec(rtype, abi, insn)


@pytest.mark.parametrize(("rtype", "abi", "insn", "message"), [
    (1, 0, 99, "unknown instruction code 99"),
    (2, 0, 0, "unknown instruction code 0"),
    (1, 2, 1, "unknown ABI code 2"),
    (2, 255, 4, "unknown ABI code 255"),
])
def test_a_record_with_an_unknown_code_is_a_stream_error(rtype, abi, insn, message) -> None:
    # a ValueError escaped the reader (the session reports only StreamError), and an ABI
    # byte other than 0 and 1 was read as one of them
    events = []
    with pytest.raises(StreamError) as err:
        for ev in RecordReader(io.BytesIO(_stream_with(rtype, abi, insn))):
            events.append(ev)
    assert [type(ev).__name__ for ev in events] == ["RawEntry"]  # the good record first
    assert str(err.value) == f"capture stream corrupt: {message}"
