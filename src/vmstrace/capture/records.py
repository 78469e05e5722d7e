"""Reader of the capture plugin's binary record stream (version 2).

The layout is defined once in native/vmstrace_records.h and described in
docs/event-format.md; this module turns it into RawEntry/RawExit/Stats events.  The
stream comes from the plugin, which reads hostile guest memory, so every length is
checked against the record that holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from vmstrace.core.abi import (
    ABI_I386,
    ABI_X86_64,
    MAGIC,
    REC_ENTRY,
    REC_EXIT,
    REC_STATS,
    VERSION,
    record_struct,
)
from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import NO_MEM, Insn, Mem, RawEntry, RawExit, Stats, TaskInfo

try:
    from vmstrace.capture import _records
except ImportError as err:  # pragma: no cover - a build problem, not a runtime one
    raise ImportError(
        f"vmstrace's compiled record reader is missing ({err}): install the package with "
        "`make setup` (or `pip install -e .`), which builds it; it needs gcc and the "
        "Python headers"
    ) from err

# The plugin's structs (native/vmstrace_records.h), laid out as its compiler lays them out.
STREAM_HDR = record_struct("stream_hdr", magic="8s")
REC_HDR = record_struct("rec_hdr")
ENTRY = record_struct("entry", args="6Q")
EXIT = record_struct("exit")
STATS = record_struct("stats")
BLOB_HDR = record_struct("blob_hdr")  # blobs are parsed in _records.c
MAX_RECORD = 64 << 20  # a sanity bound on a record's size field

# indexed by the record's code (_records.c indexes them so too: the codes are 0 and 1)
_ABI_NAMES = {ABI_X86_64: "x86_64", ABI_I386: "i386"}
ABIS = (_ABI_NAMES[0], _ABI_NAMES[1])
# Enum construction by value is slow on the hot path: look the members up once.
# Indexed by code (None: no instruction has that code, and a record with it is corrupt).
_INSNS: tuple[Insn | None, ...] = tuple(
    next((i for i in Insn if i.value == n), None) for n in range(max(Insn) + 1)
)
# Bytes asked of the stream at a time; read1 returns what is there without waiting for more.
CHUNK = 1 << 20
# Read at most this much at a time: what was just copied in is still in the core's cache
# when it is parsed (the file-bound recording decoded 3% faster than with 1 MiB reads).
READ = 256 << 10

# Decodes the task bytes (the spec's task fields, in order) into a TaskInfo.  A pure
# function: the reader reuses its TaskInfo for a record with the same inputs as the last.
TaskDecoder = Callable[[bytes, int, int, bool], TaskInfo]


class Readable(Protocol):
    """A binary stream: a file, a BufferedReader, or capture.ring.Ring."""

    def read(self, n: int = -1, /) -> bytes: ...


class StreamError(VmstraceError):
    pass


_records.configure(RawEntry, RawExit, Mem, _INSNS, ABIS, StreamError, MAX_RECORD, NO_MEM)
# A record's blobs from the compiled path: a read-only mapping {arg: Mem} (src/vmstrace/
# _blobs.h says why it is not a dict), equal to the dict the path below makes.
Mapping.register(_records.Blobs)


def raw_task_decoder(data: bytes, task: int, cr3: int, ok: bool) -> TaskInfo:
    """The decoder for a stream without task fields: address and CR3 only."""
    return TaskInfo(task=task, cr3=cr3)


class RecordReader:
    """Iterates the events of one record stream.  ``delivered`` counts records read."""

    def __init__(self, stream: Readable, task_decoder: TaskDecoder = raw_task_decoder):
        self._stream = stream
        self._decode_task = task_decoder
        self.delivered = 0
        self.bytes = 0
        hdr = self._read_exact(STREAM_HDR.size)
        if hdr is None:
            raise StreamError("capture stream is empty: QEMU did not start the capture plugin")
        magic, version, self.task_bytes = STREAM_HDR.unpack(hdr)
        if magic != MAGIC or version != VERSION:
            raise StreamError(
                f"capture stream has magic {magic!r} version {version}; this vmstrace reads "
                f"{MAGIC!r} version {VERSION}: rebuild the plugin (make plugin)"
            )
        if self.task_bytes > MAX_RECORD:  # (no record could hold them)
            raise StreamError(f"capture stream corrupt: {self.task_bytes} task bytes a record")

    def _read_exact(self, n: int) -> bytes | None:
        chunks = []
        need = n
        while need:
            chunk = self._stream.read(need)
            if not chunk:
                if need == n:
                    return None
                raise StreamError("capture stream cut inside a record")
            chunks.append(chunk)
            need -= len(chunk)
        return b"".join(chunks)

    def __iter__(self) -> Iterator[RawEntry | RawExit | Stats]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[RawEntry | RawExit | Stats]]:
        """The events in stream order, a list at a time (up to 128; the consumer's loop
        hands them to Pairer.feed_batch)."""
        # Records are parsed in place from large reads (two small reads per record cost
        # more than the parsing); read1 returns what the ring holds without waiting to
        # fill the chunk, so a live trace is not delayed.  The whole, well-formed ENTRY and
        # EXIT records (all but one record per trace) go through the compiled fast path
        # (_records.c), which fills their events' slots as the constructor would (_slots.h),
        # without __post_init__ (its values are already in the form it makes); the rest (STATS,
        # a record not all read yet, a corrupt one) takes the general path below, which
        # checks each length in order and says what is wrong.
        unpack_hdr = REC_HDR.unpack_from
        decode_task = self._decode_task
        task_bytes = self.task_bytes
        hdr_size = REC_HDR.size
        parse = _records.parse
        fill = self._filler()
        # One buffer for the whole stream, read into in place: a fresh bytes per
        # read (and another to join it to the last record's first bytes) cost the
        # consumer a sixth of its time in copies and page faults of new memory.
        buf = bytearray(CHUNK)
        off = end = 0
        while True:
            events, off, nbytes, error = parse(buf, off, end, task_bytes, decode_task)
            if events:
                self.delivered += len(events)
                self.bytes += nbytes
                yield events
            if error is not None:
                raise error
            if events:  # a batch ends after _records.BATCH records: there may be more
                continue
            avail = end - off
            need = hdr_size
            if avail >= hdr_size:
                rtype, vcpu, size, ts = unpack_hdr(buf, off)
                if size < hdr_size or size % 8 or size > MAX_RECORD:
                    raise StreamError(f"capture stream corrupt: record size {size}")
                if avail >= size:
                    start, off = off, off + size
                    if rtype != REC_STATS:  # the plugin's count covers ENTRY and EXIT records
                        self.delivered += 1
                        self.bytes += size
                    # a whole ENTRY or EXIT of a valid size took the fast path above
                    if rtype == REC_ENTRY:
                        raise StreamError("capture stream corrupt: ENTRY record too short")
                    if rtype == REC_EXIT:
                        raise StreamError("capture stream corrupt: EXIT record too short")
                    yield [self._other(rtype, buf, start + hdr_size, off)]
                    continue
                need = size
            # the record's first bytes to the front, room behind them for at least the rest
            if off:
                buf[:avail] = buf[off:end]
                off, end = 0, avail
            if len(buf) < need:  # (a record larger than any before it)
                buf.extend(bytes(need - len(buf)))
            got = fill(buf, end)
            if not got:
                if avail:
                    raise StreamError("capture stream cut inside a record")
                return
            end += got

    def _filler(self) -> Callable[[bytearray, int], int]:
        """fill(buf, at): reads what the stream has (at least a byte, or 0 at the end)
        into buf[at:], growing buf if the stream hands over more; returns the count."""
        stream = self._stream
        readinto = getattr(stream, "readinto1", None)
        if readinto is not None:

            def fill_in_place(buf: bytearray, at: int) -> int:
                got: int = readinto(memoryview(buf)[at : at + READ])
                return got

            return fill_in_place
        # read1 returns what is there without waiting to fill the chunk, so a live trace
        # is not delayed; a stream may return more than asked (a recording's chunks)
        read = getattr(stream, "read1", None) or stream.read

        def fill_by_copy(buf: bytearray, at: int) -> int:
            # (None: a non-blocking stream's nothing yet)
            chunk = read(min(len(buf) - at, READ)) or b""
            if len(chunk) > len(buf) - at:
                buf.extend(bytes(len(chunk) - (len(buf) - at)))
            buf[at : at + len(chunk)] = chunk
            return len(chunk)

        return fill_by_copy

    @staticmethod
    def _other(rtype: int, buf: bytearray, off: int, end: int) -> Stats:
        """A record other than ENTRY and EXIT, whose body is ``buf[off:end]``."""
        if rtype == REC_STATS:
            if end - off < STATS.size:
                raise StreamError("capture stream corrupt: STATS record too short")
            (
                entries,
                exits,
                records,
                nbytes,
                dropped,
                orphans,
                _pending,
                evicted_calls,
                evicted_threads,
            ) = STATS.unpack_from(buf, off)
            return Stats(
                entries=entries,
                exits=exits,
                records=records,
                bytes=nbytes,
                dropped=dropped,
                orphan_exits=orphans,
                evicted=evicted_calls + evicted_threads,
            )
        raise StreamError(f"capture stream corrupt: unknown record type {rtype}")
