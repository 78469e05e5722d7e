"""Reader of the capture plugin's binary record stream (version 1).

The layout is defined once in native/vmstrace_records.h and described in
docs/event-format.md; this module turns it into RawEntry/RawExit/Stats events.  The
stream comes from the plugin, which reads hostile guest memory, so every length is
checked against the record that holds it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Protocol

from vmstrace.errors import VmstraceError
from vmstrace.trace.events import Insn, Mem, RawEntry, RawExit, Stats, TaskInfo

MAGIC = b"VMSTRACE"
VERSION = 1

STREAM_HDR = struct.Struct("<8sII")
REC_HDR = struct.Struct("<HHIQ")
ENTRY = struct.Struct("<5Q6QBBBxHxx")
EXIT = struct.Struct("<8QBBBxHxx")
STATS = struct.Struct("<7Q")
# A whole record's fixed part, header included: the reader's fast path unpacks it at once
ENTRY_REC = struct.Struct(REC_HDR.format + ENTRY.format[1:])
EXIT_REC = struct.Struct(REC_HDR.format + EXIT.format[1:])
MAX_RECORD = 64 << 20  # a sanity bound on a record's size field
BLOB_HDR = struct.Struct("<BBHIQ")

REC_ENTRY, REC_EXIT, REC_STATS = 1, 2, 3
BLOB_FAULT, BLOB_TRUNC, BLOB_EXIT, BLOB_ARRAY = 0x01, 0x02, 0x04, 0x08
INDEX_TOP = 0xFFFF
ABIS = ("x86_64", "i386")
# Enum construction by value is slow on the hot path: look the members up once.
# Indexed by code (0 is no instruction: Insn(0) raises, as for any unknown code).
_INSNS: tuple[Insn | None, ...] = tuple(
    next((i for i in Insn if i.value == n), None) for n in range(max(Insn) + 1))
_new, _set_dict = object.__new__, object.__setattr__
# Bytes asked of the stream at a time; read1 returns what is there without waiting for more.
CHUNK = 1 << 20

# Decodes the task bytes (the spec's task fields, in order) into a TaskInfo.
TaskDecoder = Callable[[bytes, int, int, bool], TaskInfo]


class Readable(Protocol):
    """A binary stream: a file, a BufferedReader, or capture.ring.Ring."""

    def read(self, n: int = -1, /) -> bytes: ...


class StreamError(VmstraceError):
    pass


def _pad8(n: int) -> int:
    return (n + 7) & ~7


def raw_task_decoder(data: bytes, task: int, cr3: int, ok: bool) -> TaskInfo:
    """The decoder for a stream without task fields: address and CR3 only."""
    return TaskInfo(task=task, cr3=cr3)


def parse_blobs(buf: bytes, off: int, end: int, count: int) -> dict[int, Mem]:
    """Groups a record's blobs by argument; array elements attach to their array."""
    tops: dict[int, Mem] = {}
    elems: dict[int, list[Mem]] = {}
    unpack_blob = BLOB_HDR.unpack_from
    hdr_size = BLOB_HDR.size
    for _ in range(count):
        if off + hdr_size > end:
            raise StreamError("capture stream corrupt: blob header past the record's end")
        arg, flags, index, length, addr = unpack_blob(buf, off)
        off += hdr_size
        if off + length > end:
            raise StreamError("capture stream corrupt: blob data past the record's end")
        # Mem(addr, data, ...) as frozen_new() builds it: one or two per call, so the
        # dataclass __init__ (a setattr per field) is worth avoiding
        mem = _new(Mem)
        _set_dict(mem, "__dict__", {
            "addr": addr,
            "data": bytes(buf[off : off + length]),
            "fault": (flags & BLOB_FAULT) != 0,
            "truncated": (flags & BLOB_TRUNC) != 0,
            "at_exit": (flags & BLOB_EXIT) != 0,
            "elems": (),
            "index": index,
        })
        off += (length + 7) & ~7  # _pad8(), inline
        if index == INDEX_TOP:
            tops[arg] = mem
        else:
            elems.setdefault(arg, []).append(mem)
    if not elems:
        return tops
    for arg, items in elems.items():
        if arg in tops:
            top = tops[arg]
            tops[arg] = Mem(top.addr, top.data, top.fault, top.truncated, top.at_exit,
                            tuple(items), top.index)
    return tops


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
        self._task_span = _pad8(self.task_bytes)

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
        # Records are parsed in place from large reads (two small reads per record cost
        # more than the parsing); read1 returns what the ring holds without waiting to
        # fill the chunk, so a live trace is not delayed.  This loop runs twice per
        # syscall: a whole, well-formed ENTRY or EXIT is unpacked with its header in one
        # call and its frozen event built as frozen_new() does, without a function call;
        # everything else (STATS, a record not all read yet, a corrupt one) takes the
        # general path below, which checks each length in order.
        read = getattr(self._stream, "read1", None) or self._stream.read
        unpack_hdr = REC_HDR.unpack_from
        unpack_entry = ENTRY_REC.unpack_from
        unpack_exit = EXIT_REC.unpack_from
        decode_task = self._decode_task
        task_bytes, task_span = self.task_bytes, self._task_span
        hdr_size = REC_HDR.size
        entry_min, exit_min = ENTRY_REC.size, EXIT_REC.size
        insns, n_insns = _INSNS, len(_INSNS)
        new, set_dict = _new, _set_dict
        buf = b""
        off = 0
        while True:
            avail = len(buf) - off
            # the type is a u16: ENTRY is bytes 01 00, EXIT 02 00
            if avail >= entry_min and buf[off] == REC_ENTRY and not buf[off + 1]:
                (_, vcpu, size, ts, cr3, task, pc, sp, nr, a0, a1, a2, a3, a4, a5, abi, insn,
                 task_ok, nblobs) = unpack_entry(buf, off)
                if entry_min <= size <= avail and not size % 8 and size <= MAX_RECORD:
                    body, off = off + entry_min, off + size
                    self.delivered += 1
                    self.bytes += size
                    ev: RawEntry | RawExit = new(RawEntry)
                    set_dict(ev, "__dict__", {
                        "ts": ts,
                        "vcpu": vcpu,
                        "abi": ABIS[abi & 1],
                        "insn": (insns[insn] if insn < n_insns else None) or Insn(insn),
                        "pc": pc,
                        "sp": sp,
                        "nr": nr,
                        "args": (a0, a1, a2, a3, a4, a5),
                        "who": decode_task(buf[body : body + task_bytes], task, cr3,
                                           task_ok != 0),
                        "mem": parse_blobs(buf, body + task_span, off, nblobs) if nblobs else {},
                    })
                    yield ev
                    continue
            elif avail >= exit_min and buf[off] == REC_EXIT and not buf[off + 1]:
                (_, vcpu, size, ts, cr3, task, pc, ret, nr, sp, user_pc, rdi, abi, insn,
                 task_ok, nblobs) = unpack_exit(buf, off)
                if exit_min <= size <= avail and not size % 8 and size <= MAX_RECORD:
                    body, off = off + exit_min, off + size
                    self.delivered += 1
                    self.bytes += size
                    ev = new(RawExit)
                    set_dict(ev, "__dict__", {
                        "ts": ts,
                        "vcpu": vcpu,
                        "abi": ABIS[abi & 1],
                        "insn": (insns[insn] if insn < n_insns else None) or Insn(insn),
                        "pc": pc,
                        "ret": ret,
                        "nr": nr,
                        "who": decode_task(buf[body : body + task_bytes], task, cr3,
                                           task_ok != 0),
                        "mem": parse_blobs(buf, body + task_span, off, nblobs) if nblobs else {},
                        "sp": sp,
                        "user_pc": user_pc,
                        "rdi": rdi,
                    })
                    yield ev
                    continue
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
                    yield self._other(rtype, buf, start + hdr_size, off)
                    continue
                want = max(CHUNK, size - avail)
            else:
                want = CHUNK
            chunk = read(want)
            if not chunk:
                if avail:
                    raise StreamError("capture stream cut inside a record")
                return
            buf = buf[off:] + chunk
            off = 0

    @staticmethod
    def _other(rtype: int, buf: bytes, off: int, end: int) -> Stats:
        """A record other than ENTRY and EXIT, whose body is ``buf[off:end]``."""
        if rtype == REC_STATS:
            if end - off < STATS.size:
                raise StreamError("capture stream corrupt: STATS record too short")
            entries, exits, records, nbytes, dropped, _orphans, _pending = STATS.unpack_from(
                buf, off)
            return Stats(entries=entries, exits=exits, records=records, bytes=nbytes,
                         dropped=dropped)
        raise StreamError(f"capture stream corrupt: unknown record type {rtype}")
