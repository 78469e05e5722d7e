"""Reader of the capture plugin's binary record stream (version 1).

The layout is defined once in native/vmstrace_records.h and described in
docs/event-format.md; this module turns it into RawEntry/RawExit/Stats events.  The
stream comes from the plugin, which reads hostile guest memory, so every length is
checked against the record that holds it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

from vmstrace.errors import VmstraceError
from vmstrace.trace.events import Insn, Mem, RawEntry, RawExit, Stats, TaskInfo

MAGIC = b"VMSTRACE"
VERSION = 1

STREAM_HDR = struct.Struct("<8sII")
REC_HDR = struct.Struct("<HHIQ")
ENTRY = struct.Struct("<5Q6QBBBxHxx")
EXIT = struct.Struct("<8QBBBxHxx")
STATS = struct.Struct("<7Q")
BLOB_HDR = struct.Struct("<BBHIQ")

REC_ENTRY, REC_EXIT, REC_STATS = 1, 2, 3
BLOB_FAULT, BLOB_TRUNC, BLOB_EXIT, BLOB_ARRAY = 0x01, 0x02, 0x04, 0x08
INDEX_TOP = 0xFFFF
ABIS = ("x86_64", "i386")

# Decodes the task bytes (the spec's task fields, in order) into a TaskInfo.
TaskDecoder = Callable[[bytes, int, int, bool], TaskInfo]


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
    for _ in range(count):
        if off + BLOB_HDR.size > end:
            raise StreamError("capture stream corrupt: blob header past the record's end")
        arg, flags, index, length, addr = BLOB_HDR.unpack_from(buf, off)
        off += BLOB_HDR.size
        if off + length > end:
            raise StreamError("capture stream corrupt: blob data past the record's end")
        mem = Mem(
            addr=addr,
            data=bytes(buf[off : off + length]),
            fault=bool(flags & BLOB_FAULT),
            truncated=bool(flags & BLOB_TRUNC),
            at_exit=bool(flags & BLOB_EXIT),
        )
        off += _pad8(length)
        if index == INDEX_TOP:
            tops[arg] = mem
        else:
            elems.setdefault(arg, []).append(mem)
    for arg, items in elems.items():
        if arg in tops:
            top = tops[arg]
            tops[arg] = Mem(top.addr, top.data, top.fault, top.truncated, top.at_exit, tuple(items))
    return tops


class RecordReader:
    """Iterates the events of one record stream.  ``delivered`` counts records read."""

    def __init__(self, stream: BinaryIO, task_decoder: TaskDecoder = raw_task_decoder):
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
        while True:
            hdr = self._read_exact(REC_HDR.size)
            if hdr is None:
                return
            rtype, vcpu, size, ts = REC_HDR.unpack(hdr)
            if size < REC_HDR.size or size % 8 or size > (64 << 20):
                raise StreamError(f"capture stream corrupt: record size {size}")
            body = self._read_exact(size - REC_HDR.size) or b""
            if rtype != REC_STATS:  # the plugin's count covers ENTRY and EXIT records
                self.delivered += 1
                self.bytes += size
            yield self.parse(rtype, vcpu, ts, body)

    def parse(self, rtype: int, vcpu: int, ts: int, body: bytes) -> RawEntry | RawExit | Stats:
        if rtype == REC_ENTRY:
            cr3, task, pc, sp, nr, *rest = ENTRY.unpack_from(body, 0)
            args = tuple(rest[:6])
            abi, insn, task_ok, nblobs = rest[6:]
            off = ENTRY.size
            who = self._decode_task(body[off : off + self.task_bytes], task, cr3, bool(task_ok))
            off += self._task_span
            return RawEntry(
                ts=ts,
                vcpu=vcpu,
                abi=ABIS[abi & 1],
                insn=Insn(insn),
                pc=pc,
                sp=sp,
                nr=nr,
                args=args,  # type: ignore[arg-type]
                who=who,
                mem=parse_blobs(body, off, len(body), nblobs),
            )
        if rtype == REC_EXIT:
            (cr3, task, pc, ret, nr, sp, user_pc, rdi, abi, insn, task_ok,
             nblobs) = EXIT.unpack_from(body, 0)
            off = EXIT.size
            who = self._decode_task(body[off : off + self.task_bytes], task, cr3, bool(task_ok))
            off += self._task_span
            return RawExit(
                ts=ts,
                vcpu=vcpu,
                abi=ABIS[abi & 1],
                insn=Insn(insn),
                pc=pc,
                ret=ret,
                nr=nr,
                who=who,
                mem=parse_blobs(body, off, len(body), nblobs),
                sp=sp,
                user_pc=user_pc,
                rdi=rdi,
            )
        if rtype == REC_STATS:
            entries, exits, records, nbytes, dropped, _orphans, _pending = STATS.unpack_from(body)
            return Stats(entries=entries, exits=exits, records=records, bytes=nbytes,
                         dropped=dropped)
        raise StreamError(f"capture stream corrupt: unknown record type {rtype}")
