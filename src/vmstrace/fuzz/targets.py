"""The fuzz targets: each takes the fuzzer's bytes and raises AssertionError (or whatever
escaped) when an invariant of the consumer breaks.

The stream and the guest memory in it are hostile (a root guest writes the memory; a
broken or older plugin could write the stream), so for any input:

* ``reader``: the record reader, on arbitrary bytes after a stream header and through the
  shared ring, ends with its events or a StreamError, nothing else; its events hold the
  types the format says.
* ``pipeline``: records built from the input (any syscall number of either ABI, any
  arguments, blobs of any flags, lengths and addresses on any argument slot, any task
  bytes, corrupt sizes and counts) go reader → pairing → decoder → text and JSON sinks.
  The compiled pairing and decoding lane agree with their Python references call for
  call and byte for byte; no exception escapes; the text is printable (no control,
  format or separator characters but the newline that ends a line); every JSON line is
  ASCII and parses.
* ``decoder``: each decoding template of either ABI, on any registers, any entry and exit
  memory and any return value, renders without raising (a decoder's own error would
  print raw values instead of its decoding), in bounded, printable text.

The input is read front to back by :class:`Draw`, so the fuzzer's mutations map to
structure; past its end every draw is 0.
"""

from __future__ import annotations

import io
import itertools
import json
import mmap
import os
import struct
from collections.abc import Callable, Sequence
from typing import TypeVar

from vmstrace import decode
from vmstrace.capture.records import (
    BLOB_HDR,
    ENTRY,
    EXIT,
    REC_HDR,
    STATS,
    STREAM_HDR,
    Readable,
    RecordReader,
    StreamError,
)
from vmstrace.capture.ring import CLOSED, HEAD, TAIL, WAITING, Ring
from vmstrace.core.abi import (
    ARG_SIGFRAME,
    INDEX_MSG_CONTROL,
    INDEX_MSG_IOV,
    INDEX_MSG_NAME,
    INDEX_TOP,
    MAGIC,
    REC_ENTRY,
    REC_EXIT,
    REC_STATS,
    RING_DATA_OFF,
    RT_SIGFRAME32_BYTES,
    SIGFRAME32_BYTES,
    SIGFRAME_BYTES,
    VERSION,
)
from vmstrace.core.events import (
    Insn,
    Mem,
    RawEntry,
    RawExit,
    Stats,
    Syscall,
    TaskInfo,
    ThreadEnd,
    TraceCounts,
)
from vmstrace.decode import fmt
from vmstrace.pipeline import Decoder, Emitter
from vmstrace.sinks.base import Sink
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.summary import SummarySink
from vmstrace.sinks.text import TextSink
from vmstrace.sinks.tree import ProcessTreeSink
from vmstrace.trace.attribution import LAUNCHER, TASK_BYTES, ProcessTree, decode_task
from vmstrace.trace.filters import EVERY_CALL, CallFilter, build_filter
from vmstrace.trace.pairing import Pairer

_T = TypeVar("_T")
U64 = (1 << 64) - 1
# Values that sit on the decoders' edges: sizes, signs, widths, the kernel's and the
# user's halves, page boundaries.
EDGES = (
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    16,
    64,
    0x80,
    0xFF,
    0x100,
    0x1000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x1_0000_0000,
    0x7FFF_FFFF_FFFF_FFFF,
    0x8000_0000_0000_0000,
    U64,
    U64 - 1,
    U64 - 4094,
    U64 - 4095,
    0xFFFF_FFFF - 4094,
    0xFFFF_FF9C,
    U64 - 99,
    0x7FFC_0000,
    0xFFFF_8880_0000_0000,
)
TASKS = (0, 0xFFFF_8880_0010_0000, 0xFFFF_8880_0020_0000)
# blob slots: the registers, the signal frame, the returned fd, the executable, and one
# that no decoder reads
ARGS = (*range(9), 0xFF)
INDEXES = (INDEX_TOP, INDEX_TOP, 0, 1, 2, INDEX_MSG_NAME, INDEX_MSG_CONTROL, INDEX_MSG_IOV)
# Guest memory the consumer looks for: the launcher's path starts the traced tree.
STRINGS = (LAUNCHER.encode() + b"\0", b"/bin/sh\0", b"/etc/hostname\0", b"\0", b"")
# The selections of strace's options (-e trace=, -e status=, -z, -p, --comm)
FILTERS = (
    EVERY_CALL,
    build_filter(["trace=%file"]),
    build_filter(successful=True),
    build_filter(["trace=execve,openat,read,clone,exit_group", "status=failed"]),
    build_filter(pids=[85]),
    build_filter(comms=["fuzz"]),
)


class Draw:
    """Values taken from the front of the fuzzer's bytes; 0 (or empty) past the end."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def more(self) -> bool:
        return self.pos < len(self.data)

    def uint(self, nbytes: int) -> int:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return int.from_bytes(chunk, "little")

    def below(self, n: int) -> int:
        """A value in [0, n)."""
        return self.uint(1 if n <= 0x100 else 2 if n <= 0x10000 else 8) % n

    def flag(self) -> bool:
        return bool(self.uint(1) & 1)

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[self.below(len(seq))]

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk + bytes(n - len(chunk))

    def u64(self) -> int:
        """An edge value, one near it, or any 64-bit value."""
        how = self.below(4)
        if how == 0:
            return self.pick(EDGES)
        if how == 1:
            return (self.pick(EDGES) + self.below(256) - 128) & U64
        return self.uint(8)


# --- building a record stream --------------------------------------------------------


def _pad8(b: bytes) -> bytes:
    return b + bytes(-len(b) % 8)


def _record(rtype: int, body: bytes, d: Draw) -> bytes:
    size = REC_HDR.size + len(body)
    if d.below(16) == 0:  # a corrupt size: any value, the reader must not trust it
        size = d.uint(4)
    return REC_HDR.pack(rtype, d.below(4), size, d.uint(4)) + body


def _task_block(d: Draw, task_bytes: int) -> bytes:
    if task_bytes == TASK_BYTES.size and d.below(4):
        comm = d.raw(16)
        block = TASK_BYTES.pack(
            d.pick((1, 85, 86, -1, 0)),
            d.pick((1, 85, 0x7FFF_FFFF)),
            comm,
            d.uint(8),
            d.pick((0, 1, 85)),
            d.pick((0, 1000)),
            d.pick((0, 1000)),
        )
    else:
        block = d.raw(task_bytes)
    return _pad8(block)


def _blobs(d: Draw) -> tuple[int, bytes]:
    n = d.below(6)
    out = []
    for _ in range(n):
        arg = d.pick(ARGS)
        if d.below(8) == 0:
            data = d.pick(STRINGS)
        else:
            frame = d.pick((SIGFRAME_BYTES, RT_SIGFRAME32_BYTES, SIGFRAME32_BYTES))
            data = d.raw(frame if arg == ARG_SIGFRAME and d.flag() else d.below(80))
        length = len(data)
        out.append(BLOB_HDR.pack(arg, d.below(16), d.pick(INDEXES), length, d.u64()) + _pad8(data))
    return n, b"".join(out)


def _syscall_nr(d: Draw, abi: str) -> int:
    if d.below(8) == 0:
        return d.u64()  # out of every table
    return d.pick(sorted(decode.TABLES[abi])) if d.below(4) else d.below(512)


def _entry(d: Draw, task_bytes: int) -> bytes:
    abi = d.below(2) if d.below(32) else d.uint(1)
    nr = _syscall_nr(d, "i386" if abi == 1 else "x86_64")
    nblobs, blobs = _blobs(d)
    if d.below(16) == 0:
        nblobs = d.uint(2)
    insn = d.pick((1, 1, 2, 3)) if d.below(32) else d.uint(1)
    body = ENTRY.pack(
        d.pick((0x1000, 0x2000, 0x2005)),
        d.pick(TASKS),
        d.pick((0x401000, 0)),
        d.pick((0x7FFC_0000, 0x7FFD_0000)),
        nr,
        *(d.u64() for _ in range(6)),
        d.below(6),
        abi,
        insn,
        d.below(2),
        d.below(4),
        nblobs,
    )
    return _record(REC_ENTRY, body + _task_block(d, task_bytes) + blobs, d)


def _exit(d: Draw, task_bytes: int) -> bytes:
    abi = d.below(2) if d.below(32) else d.uint(1)
    nblobs, blobs = _blobs(d)
    if d.below(16) == 0:
        nblobs = d.uint(2)
    insn = d.pick((4, 4, 5, 6, 7)) if d.below(32) else d.uint(1)
    body = EXIT.pack(
        d.pick((0x1000, 0x2000, 0x2005)),
        d.pick(TASKS),
        0xFFFF_FFFF_8100_0000,
        d.u64(),
        _syscall_nr(d, "i386" if abi == 1 else "x86_64"),
        d.pick((0x7FFC_0000, 0x7FFD_0000)),
        d.pick((0x401002, 0x401000, 0)),
        d.u64(),
        d.below(6),
        abi,
        insn,
        d.below(2),
        d.below(4),
        nblobs,
    )
    return _record(REC_EXIT, body + _task_block(d, task_bytes) + blobs, d)


def build_stream(d: Draw) -> bytes:
    """A stream header, then up to 48 records of every kind from the input."""
    task_bytes = TASK_BYTES.size if d.below(8) else d.below(64)
    out = [STREAM_HDR.pack(MAGIC, VERSION, task_bytes)]
    for _ in range(48):
        if not d.more():
            break
        kind = d.below(16)
        if kind < 7:
            out.append(_entry(d, task_bytes))
        elif kind < 14:
            out.append(_exit(d, task_bytes))
        elif kind == 14:
            fields = STATS.size // 8  # all u64
            out.append(_record(REC_STATS, STATS.pack(*(d.u64() for _ in range(fields))), d))
        else:  # a record of any type and any body
            out.append(_record(d.uint(2), _pad8(d.raw(d.below(200))), d))
    return b"".join(out)


# --- invariants ----------------------------------------------------------------------


def check_text(text: str) -> None:
    """Lines of printable characters, each ended by a newline: no terminal control, no
    line or paragraph separators, no format characters (a bidi override) that would let
    guest data forge or hide a line."""
    for line in text.split("\n")[:-1]:
        assert line.isprintable(), f"unprintable text line: {line!r}"
    assert text.endswith("\n") or not text, f"text not ended by a newline: {text[-80:]!r}"
    text.encode("utf-8")  # strict: no lone surrogates


def check_jsonl(text: str) -> None:
    """ASCII lines that parse as JSON objects with a type."""
    assert text.isascii(), "JSON lines not ASCII"
    lines = text.split("\n")
    assert lines[-1] == "", "JSON lines not ended by a newline"
    for line in lines[:-1]:
        obj = json.loads(line)
        assert obj["type"] in ("syscall", "note", "end", "stats"), line
        if obj["type"] == "syscall":
            assert all(isinstance(a, str) for a in obj["args"]), line
            raw = obj.get("raw_args", ())
            assert all(type(a) is int and 0 <= a < 1 << 64 for a in raw), line


def _check_event(ev: RawEntry | RawExit | Stats) -> None:
    if isinstance(ev, Stats):
        return
    assert ev.abi in ("x86_64", "i386") and isinstance(ev.insn, Insn)
    assert isinstance(ev.who, TaskInfo)
    for m in ev.mem.values():
        assert isinstance(m, Mem) and isinstance(m.data, bytes)
        assert all(isinstance(e, Mem) and not e.elems for e in m.elems)


# --- the targets ----------------------------------------------------------------------


def read_events(stream: Readable) -> tuple[list[RawEntry | RawExit | Stats], StreamError | None]:
    """Every event of the stream until its end or its first StreamError (any other
    exception escapes: that is the bug)."""
    events: list[RawEntry | RawExit | Stats] = []
    try:
        reader = RecordReader(stream, decode_task)
        for batch in reader.batches():
            events += batch
    except StreamError as err:
        return events, err
    return events, None


def _through_ring(
    stream: bytes, size: int, chunks: Callable[[], int]
) -> tuple[Ring, Callable[[], None]]:
    """A ring that receives ``stream`` in chunks as the plugin would send it: each time the
    reader has caught up, the next chunk (up to the room left), then ``closed``; and the
    function that releases the fake plugin's end."""
    sent = 0

    def publish() -> None:
        nonlocal sent
        if sent == len(stream):
            return
        head, tail = struct.unpack_from("<Q", mm, HEAD)[0], struct.unpack_from("<Q", mm, TAIL)[0]
        take = min(len(stream) - sent, size - (head - tail), max(1, chunks()))
        at = head % size  # byte k of the stream sits at RING_DATA_OFF + k % size
        first = min(take, size - at)
        mm[RING_DATA_OFF + at : RING_DATA_OFF + at + first] = stream[sent : sent + first]
        mm[RING_DATA_OFF : RING_DATA_OFF + take - first] = stream[sent + first : sent + take]
        sent += take
        struct.pack_into("<Q", mm, HEAD, head + take)
        if sent == len(stream):
            struct.pack_into("<I", mm, CLOSED, 1)
        # the bell, as the plugin rings it: only for a reader that said it waits
        if struct.unpack_from("<I", mm, WAITING)[0] or sent == len(stream):
            struct.pack_into("<I", mm, WAITING, 0)
            os.write(bell, b"\1")

    ring = Ring(size, idle=publish)
    args = ring.plugin_args()
    fd = os.open(args["ring"], os.O_RDWR)
    bell = os.open(args["bell"], os.O_WRONLY)
    mm = mmap.mmap(fd, RING_DATA_OFF + size)
    os.close(fd)

    def release() -> None:
        mm.close()
        os.close(bell)

    return ring, release


def reader(data: bytes) -> None:
    """The record reader on arbitrary bytes or on damaged records: from a file, and
    through a small ring."""
    d = Draw(data)
    via_ring, size = d.flag(), 64 + 8 * d.below(64)
    steps = itertools.cycle([1 + d.below(size) for _ in range(3)])  # the plugin's writes
    if d.flag():
        # records built from the input, then bytes overwritten anywhere in them: a stream
        # that is well framed up to where it is not (plain bytes rarely make a record)
        damaged = bytearray(build_stream(d))
        for _ in range(d.below(8)):
            damaged[d.below(len(damaged))] = d.uint(1)
        stream = bytes(damaged)
    else:
        task_bytes = TASK_BYTES.size if d.flag() else d.below(256)
        stream = STREAM_HDR.pack(MAGIC, VERSION, task_bytes) + data[d.pos :]
    events, err = read_events(io.BytesIO(stream))
    for ev in events:
        _check_event(ev)
    if via_ring:
        ring, release = _through_ring(stream, size, steps.__next__)
        try:
            with ring:
                ring_events, ring_err = read_events(ring)
        finally:
            release()
        assert ring_events == events, "the ring delivered other events than the file"
        assert str(ring_err) == str(err)


def _pair(
    events: list[RawEntry | RawExit | Stats], batch: int, compiled: bool
) -> tuple[list[Syscall | ThreadEnd], Pairer]:
    pairer = Pairer()
    calls: list[Syscall | ThreadEnd] = []
    for i in range(0, len(events), batch):
        if compiled:
            calls += pairer.feed_batch(events[i : i + batch])
        else:
            for ev in events[i : i + batch]:
                calls += pairer.feed(ev)
    calls += pairer.drain()
    return calls, pairer


def _emit(
    calls: list[Syscall | ThreadEnd],
    pairer: Pairer,
    compiled: bool,
    opts: decode.DecodeOptions,
    filt: CallFilter,
    trace_all: bool,
) -> tuple[str, str]:
    """The text (lines, then the process tree and the -c summary) and the JSON lines of
    ``calls``."""
    text, jsonl = io.StringIO(), io.StringIO()
    sinks: list[Sink] = [
        TextSink(text, show_comm=True, durations=True),
        JsonSink(jsonl, raw_values=True),
        ProcessTreeSink(text),
        SummarySink(text),
    ]
    decoder = Decoder(opts.strsize, opts.raw, opts.decode_fds, opts.fd_details, hexstr=opts.hexstr)
    out = Emitter(ProcessTree(trace_all=trace_all), decoder, sinks, filt, compiled=compiled)
    for i in range(0, len(calls), 7):
        out.emit(calls[i : i + 7])
    c = pairer.counts
    counts = TraceCounts(
        produced=None if pairer.stats is None else pairer.stats.records,
        delivered=c.entries + c.exits,
        dropped=None,
        entries=c.entries,
        exits=c.exits,
        paired=c.paired,
        unfinished=c.unfinished,
        shown=out.shown,
    )
    for sink in sinks:
        sink.close(counts)
    return text.getvalue(), jsonl.getvalue()


def _options(d: Draw) -> decode.DecodeOptions:
    return decode.DecodeOptions(
        strsize=d.pick((32, 0, 1, 5, 4096)),
        raw=d.below(8) == 0,
        decode_fds=d.flag(),
        fd_details=d.flag(),
        hexstr=d.pick((0, 0, 1, 2)),
    )


def pipeline(data: bytes) -> None:
    """Reader → pairing (compiled and reference) → decoding (compiled lane and reference)
    → text and JSON lines, on a stream built from the input."""
    d = Draw(data)
    opts, batch = _options(d), 1 + d.below(9)
    filt, trace_all = d.pick(FILTERS), d.below(4) != 0
    events, _err = read_events(io.BytesIO(build_stream(d)))
    calls, pairer = _pair(events, batch, compiled=True)
    ref_calls, ref_pairer = _pair(events, batch, compiled=False)
    assert calls == ref_calls, "compiled pairing differs from the reference"
    assert [getattr(c, "ret", None) for c in calls] == [getattr(c, "ret", None) for c in ref_calls]
    assert pairer.counts == ref_pairer.counts
    text, jsonl = _emit(calls, pairer, True, opts, filt, trace_all)
    # The reference decodes with the decoder's memos empty (the compiled run found them
    # filled by earlier inputs): a memo keyed on less than its text depends on shows.
    fmt.clear_memos()
    assert (text, jsonl) == _emit(ref_calls, ref_pairer, False, opts, filt, trace_all), (
        "the compiled decoding lane differs from the reference"
    )
    check_text(text)
    check_jsonl(jsonl)


_WHO = TaskInfo(task=TASKS[1], cr3=0x1000, pid=85, tid=85, ppid=1, comm="fuzz")


def _mem(d: Draw, depth: int) -> Mem:
    length = d.pick((0, 1, 4, 8, 16, 28, 64, 128)) if d.flag() else d.below(600)
    elems = tuple(_mem(d, depth + 1) for _ in range(d.below(5))) if depth == 0 else ()
    return Mem(
        addr=d.u64(),
        data=d.raw(length),
        fault=d.below(8) == 0,
        truncated=d.below(8) == 0,
        elems=elems,
        index=d.pick(INDEXES),
    )


def _mems(d: Draw) -> dict[int, Mem]:
    return {d.pick(ARGS): _mem(d, 0) for _ in range(d.below(5))}


def decoder(data: bytes) -> None:
    """One template of either ABI on any registers, memory and return value."""
    d = Draw(data)
    abi = d.pick(("x86_64", "i386"))
    names = decode.templated(abi)
    name = d.pick(names)
    nr = next(n for n, info in sorted(decode.TABLES[abi].items()) if info.name == name)
    insn = Insn.SYSCALL if abi == "x86_64" else d.pick((Insn.INT80, Insn.SYSENTER))
    args = tuple(d.u64() for _ in range(6))
    entry = RawEntry(1, 0, abi, insn, 0x401000, 0x7FFC_0000, nr, args, _WHO, _mems(d))  # type: ignore[arg-type]
    exit = None
    if d.below(8):
        exit = RawExit(2, 0, abi, Insn.SYSRETQ, 0, d.u64(), nr, _WHO, _mems(d), user_pc=0x401002)
    call = Syscall(entry, exit)
    opts = _options(d)
    opts = decode.DecodeOptions(
        min(opts.strsize, 64), opts.raw, opts.decode_fds, opts.fd_details, hexstr=opts.hexstr
    )
    out = decode.decode_args_strict(call, opts)
    ret = decode.format_return(call, opts)
    decode.error_name(call)
    assert len(out) <= 6 and all(isinstance(a, str) for a in out)
    line = f"{decode.call_name(call)}({', '.join(out)}) = {ret}"
    assert line.isprintable(), f"unprintable decoding: {line!r}"
    # paths are up to 4096 bytes, 4 characters per escaped byte; the rest is cut by -s
    assert len(line) < 6 * 4 * 4096 + 20_000, f"{name}: {len(line)} characters"


TARGETS: dict[str, Callable[[bytes], None]] = {
    "reader": reader,
    "pipeline": pipeline,
    "decoder": decoder,
}
