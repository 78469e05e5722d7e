"""The raw file (run --save-raw) written and read back on crafted streams."""

from __future__ import annotations

import io
import struct

import pytest

from vmstrace.rawfile import MAGIC, RawFileError, RawHeader, RawReader, RawWriter


class Chunks:
    """A stream whose reads return these chunks (as the ring's read1 does)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)

    def read1(self, n: int = -1) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


def header(**kw: object) -> RawHeader:
    base: dict[str, object] = dict(
        kernel_names={"x86_64": {451: "cachestat"}},
        strsize=32,
        decode_fds=True,
        fd_details=False,
        vcpus=2,
        origin_ns=1_700_000_000_000_000_000,
        kernel="6.1.0-57-cloud-amd64",
        argv=["/bin/ls", "\udcff"],
        code="c" * 64,
    )
    base.update(kw)
    return RawHeader(**base)  # type: ignore[arg-type]


def written(chunks: list[bytes], reason: str | None = None) -> bytes:
    out = io.BytesIO()
    w = RawWriter(out, header()).tee(Chunks(chunks))
    while w.read1(1 << 20):
        pass
    w.finish(reason, 0.25)
    return out.getvalue()


def test_the_reads_come_back_as_they_were_made():
    chunks = [b"a" * 10, b"b" * 3, b"c" * 70000]
    r = RawReader(io.BytesIO(written(chunks, "interrupted")), "f")
    assert r.header == header()
    got = []
    while chunk := r.read1(7):  # the size asked for does not matter
        got.append(chunk)
    assert got == chunks
    assert r.trailer is not None and r.trailer.reason == "interrupted"
    assert r.trailer.stalled_s == 0.25 and r.cut is None
    r.check(code="c" * 64)


@pytest.mark.parametrize("keep", [5, 20, 40, 80, 120])
def test_a_cut_file_gives_what_it_holds_and_says_where(keep):
    data = written([b"x" * 50, b"y" * 50])
    body = len(data) - len(written([]))  # bytes of chunks and their lengths
    cut = data[: len(data) - 20 - body + keep] if keep < body else data[:-5]
    try:
        r = RawReader(io.BytesIO(cut), "f")
    except RawFileError as err:
        assert "cut" in str(err)
        return
    got = b""
    while chunk := r.read1():
        got += chunk
    assert (b"x" * 50 + b"y" * 50).startswith(got)
    assert r.trailer is None and r.cut is not None


def test_not_a_raw_file_another_version_and_a_bad_header():
    with pytest.raises(RawFileError, match="not a vmstrace raw file"):
        RawReader(io.BytesIO(b"\x7fELF..."), "f")
    r = RawReader(io.BytesIO(written([b"z"])), "f")
    with pytest.raises(RawFileError, match="another vmstrace"):
        r.check(code="d" * 64)
    for doc in (b"{}", b"[1]", b'{"kernel_names": 3}', b"\xff"):
        with pytest.raises(RawFileError):
            RawReader(io.BytesIO(MAGIC + struct.pack("<I", len(doc)) + doc), "f")
    with pytest.raises(RawFileError, match="not a vmstrace raw file"):
        RawReader(io.BytesIO(MAGIC + struct.pack("<I", 1 << 30)), "f")


def test_an_older_schema_is_refused():
    r = RawReader(io.BytesIO(written([])), "f")
    r.header.schema = 0
    with pytest.raises(RawFileError, match="schema 0"):
        r.check(code="c" * 64)


def test_the_tee_reads_in_place_only_from_a_stream_that_does():
    """The record reader reads the tee with readinto1 when it has one: what lands in its
    buffer is what the file keeps.  Over a stream with read1 alone the tee has no
    readinto1, and the reader reads it with read1 (each chunk kept as it was read)."""
    assert not hasattr(RawWriter(io.BytesIO(), header()).tee(Chunks([b"a"])), "readinto1")
    data = b"a" * 10 + b"b" * 3000 + b"c" * 70000
    out = io.BytesIO()
    w = RawWriter(out, header()).tee(io.BufferedReader(io.BytesIO(data), 1 << 20))
    got, buf = bytearray(), bytearray(1000)
    while n := w.readinto1(memoryview(buf)):
        got += buf[:n]
    w.finish(None, 0.0)
    assert got == data
    r = RawReader(io.BytesIO(out.getvalue()), "f")
    kept = b""
    while chunk := r.read1():
        kept += chunk
    assert kept == got
