"""The record stream reader and the pairing stage, on crafted records."""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from dataclasses import FrozenInstanceError, fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmstrace.capture import _records
from vmstrace.capture.records import (
    BLOB_HDR,
    CHUNK,
    ENTRY,
    EXIT,
    REC_HDR,
    STATS,
    RecordReader,
    StreamError,
)
from vmstrace.capture.spec import Capture, TaskRead, render_spec
from vmstrace.core.abi import MAGIC, VERSION
from vmstrace.core.events import NO_MEM, Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo
from vmstrace.trace.attribution import TASK_BYTES, ProcessTree, decode_task
from vmstrace.trace.pairing import Pairer

TASK = 0xFFFF888000100000


def pad8(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 8)


def task_block(tid: int, tgid: int, comm: bytes, ppid: int) -> bytes:
    # start_time 1000 + tid, uid 1000, euid 0 (a setuid-root program)
    return pad8(TASK_BYTES.pack(tid, tgid, comm, 1000 + tid, ppid, 1000, 0))


def blob(arg: int, data: bytes, addr: int = 0x1000, flags: int = 0, index: int = 0xFFFF) -> bytes:
    return BLOB_HDR.pack(arg, flags, index, len(data), addr) + pad8(data)


def record(rtype: int, body: bytes, ts: int = 5, vcpu: int = 0) -> bytes:
    return REC_HDR.pack(rtype, vcpu, REC_HDR.size + len(body), ts) + body


def entry(nr: int, args=(0,) * 6, task=TASK, tid=85, tgid=85, blobs=b"", nblobs=0, ts=1):
    body = ENTRY.pack(0x1000, task, 0x401000, 0x7FFC0000, nr, *args, 0, 0, 1, 1, 0, nblobs)
    return record(1, body + task_block(tid, tgid, b"probe", 1) + blobs, ts=ts)


def exit_(nr: int, ret: int, task=TASK, tid=85, tgid=85, blobs=b"", nblobs=0, ts=2):
    body = EXIT.pack(
        0x1000,
        task,
        0xFFFFFFFF81000000,
        ret & (2**64 - 1),
        nr,
        0x7FFC0000,
        0x401002,
        0,
        0,
        0,
        4,
        1,
        0,
        nblobs,
    )
    return record(2, body + task_block(tid, tgid, b"probe", 1) + blobs, ts=ts)


def stream(*records: bytes, stats: tuple[int, ...] | None = None) -> io.BytesIO:
    head = struct.pack("<8sII", MAGIC, VERSION, TASK_BYTES.size)
    tail = b"" if stats is None else record(3, STATS.pack(*stats))
    return io.BytesIO(head + b"".join(records) + tail)


def read_all(data: io.BytesIO):
    return list(RecordReader(data, decode_task))


def test_entry_exit_and_stats_round_trip():
    path = b"/etc/hostname\0"
    evs = read_all(
        stream(
            entry(
                257, (2**64 - 100, 0x2000, 0x80000, 0, 0, 0), blobs=blob(1, path, 0x2000), nblobs=1
            ),
            exit_(257, 3),
            stats=(1, 1, 2, 100, 0, 0, 0, 0, 0),
        )
    )
    e, x, s = evs
    assert e.nr == 257 and e.args[0] == 2**64 - 100 and e.insn is Insn.SYSCALL
    assert e.who.pid == 85 and e.who.tid == 85 and e.who.comm == "probe" and e.who.ppid == 1
    assert (e.who.start_time, e.who.uid, e.who.euid) == (1085, 1000, 0)
    assert e.mem[1].data == path and e.mem[1].addr == 0x2000 and not e.mem[1].fault
    assert x.ret == 3 and x.insn is Insn.SYSRETQ
    assert (s.entries, s.exits, s.records, s.dropped) == (1, 1, 2, 0)
    # a record without blobs: the one shared empty mapping, which cannot be changed
    assert x.mem is NO_MEM and x.mem == {}
    with pytest.raises(TypeError):
        x.mem[1] = e.mem[1]  # type: ignore[index]


def test_every_call_number_reads_back_as_itself():
    # the reader keeps one int per small number: each must be its own, twice over
    nrs = [*range(1100), 2**32, 2**64 - 1] * 2
    evs = read_all(stream(*(rec for nr in nrs for rec in (entry(nr), exit_(nr, 0)))))
    assert [e.nr for e in evs] == [nr for nr in nrs for _ in (0, 1)]


def test_array_elements_attach_to_their_array():
    arr = struct.pack("<QQQ", 0x3000, 0x3010, 0)
    blobs = (
        blob(1, arr, 0x2000, flags=8)
        + blob(1, b"a\0", 0x3000, index=0)
        + blob(1, b"bc\0", 0x3010, index=1)
    )
    (e,) = read_all(stream(entry(59, blobs=blobs, nblobs=3)))
    assert [m.data for m in e.mem[1].elems] == [b"a\0", b"bc\0"]


@pytest.mark.parametrize(
    "bad",
    [
        struct.pack("<8sII", b"NOTVMSTR", 1, 28),
        struct.pack("<8sII", b"VMSTRACE", 9, 28),
        b"",
        struct.pack("<8sII", MAGIC, VERSION, 2**32 - 1),  # task bytes no record holds
    ],
)
def test_bad_stream_header(bad):
    with pytest.raises(StreamError):
        RecordReader(io.BytesIO(bad))


def test_blob_longer_than_its_record_is_an_error():
    bad = BLOB_HDR.pack(1, 0, 0xFFFF, 1 << 20, 0x1000)
    with pytest.raises(StreamError):
        read_all(stream(entry(0, blobs=bad, nblobs=1)))


def test_cut_stream_is_an_error():
    data = stream(entry(0)).getvalue()[:-5]
    with pytest.raises(StreamError):
        read_all(io.BytesIO(data))


def test_events_are_the_dataclasses_the_constructors_make():
    path = b"/etc/hostname\0"
    e, x = read_all(
        stream(
            entry(257, (1, 2, 3, 4, 5, 6), blobs=blob(1, path, 0x2000, flags=3), nblobs=1),
            exit_(257, -2),
        )
    )
    who = decode_task(task_block(85, 85, b"probe", 1)[: TASK_BYTES.size], TASK, 0x1000, True)
    assert e == RawEntry(
        ts=1,
        vcpu=0,
        abi="x86_64",
        insn=Insn.SYSCALL,
        pc=0x401000,
        sp=0x7FFC0000,
        nr=257,
        args=(1, 2, 3, 4, 5, 6),
        who=who,
        mem={1: Mem(0x2000, path, fault=True, truncated=True)},
    )
    assert x == RawExit(
        ts=2,
        vcpu=0,
        abi="x86_64",
        insn=Insn.SYSRETQ,
        pc=0xFFFFFFFF81000000,
        ret=2**64 - 2,
        nr=257,
        who=who,
        mem={},
        sp=0x7FFC0000,
        user_pc=0x401002,
        rdi=0,
    )
    # every slot filled (an empty one would raise AttributeError), and nothing else
    assert [getattr(e, f.name) is not None for f in fields(RawEntry)] == [True] * 12
    assert all(hasattr(x, f.name) for f in fields(RawExit))
    assert not hasattr(e, "__dict__") and not hasattr(x, "__dict__")
    with pytest.raises(FrozenInstanceError):
        e.nr = 0  # type: ignore[misc]


def test_a_long_stream_is_read_whole_and_in_order():
    # more records than the compiled reader takes per call, with and without blobs
    recs = []
    for i in range(1000):
        blobs = blob(1, bytes([i % 251]) * (i % 40), 0x1000 + i) if i % 3 else b""
        recs.append(entry(i % 300, ts=2 * i, blobs=blobs, nblobs=1 if blobs else 0))
        recs.append(exit_(i % 300, i, ts=2 * i + 1))
    reader = RecordReader(stream(*recs, stats=(1000, 1000, 2000, 0, 0, 0, 0, 0, 0)), decode_task)
    evs = list(reader)
    assert [ev.ts for ev in evs[:-1]] == list(range(2000)) and reader.delivered == 2000
    assert [ev.mem[1].data for ev in evs[:-1:2] if ev.mem] == [
        bytes([i % 251]) * (i % 40) for i in range(1000) if i % 3
    ]


class Pieces:
    """A stream that hands ``data`` over in the given piece sizes (cycled), through read1
    only (``into`` False) or readinto1 only; ``more`` ignores the size asked after the
    stream's header, as a recording's chunks do (its first is the header the reader
    asked for)."""

    def __init__(self, data: bytes, sizes: list[int], into: bool, more: bool = False) -> None:
        self.data, self.sizes, self.at, self.n = data, sizes, 0, 0
        self.more = more
        if into:
            self.readinto1 = self._readinto1
        else:
            self.read1 = self._read1

    def _take(self, room: int) -> bytes:
        size = self.sizes[self.n % len(self.sizes)]
        self.n += 1
        if not self.more or self.at < 16:
            size = min(size, room)
        piece = self.data[self.at : self.at + size]
        self.at += len(piece)
        return piece

    def _read1(self, n: int = -1) -> bytes:
        return self._take(n if n > 0 else 1 << 30)

    def _readinto1(self, buf: memoryview) -> int:
        piece = self._take(len(buf))
        buf[: len(piece)] = piece
        return len(piece)

    read = _read1


def _long_stream() -> bytes:
    recs = []
    for i in range(300):
        blobs = blob(1, bytes([i % 251]) * (i * 7 % 300), 0x1000 + i) if i % 3 else b""
        recs.append(entry(i % 300, ts=2 * i, blobs=blobs, nblobs=1 if blobs else 0))
        recs.append(exit_(i % 300, i, ts=2 * i + 1))
    # a record bigger than the reader's buffer starts with (CHUNK)
    recs.append(entry(1, ts=600, blobs=blob(1, b"x" * (CHUNK * 3 // 2)), nblobs=1))
    recs.append(exit_(1, 0, ts=601))
    return stream(*recs, stats=(301, 301, 602, 0, 0, 0, 0, 0, 0)).getvalue()


LONG = _long_stream()
WHOLE = list(RecordReader(io.BytesIO(LONG), decode_task))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 3 << 19), min_size=1, max_size=8),
    st.booleans(),
    st.booleans(),
)
def test_the_events_do_not_depend_on_how_the_stream_is_cut(sizes, into, more):
    """However the stream's reads cut the records (a byte at a time, more than the reader
    asked, a record larger than its buffer), the reader makes the same events."""
    reader = RecordReader(Pieces(LONG, sizes, into, more and not into), decode_task)
    got = list(reader)
    assert got == WHOLE and len(got) == 603 and reader.delivered == 602


def test_a_stream_cut_inside_a_record_read_in_place_is_an_error():
    with pytest.raises(StreamError, match="cut inside a record"):
        list(RecordReader(Pieces(LONG[:-100], [4096], into=True), decode_task))


def test_each_record_gets_its_own_threads_taskinfo():
    # consecutive records of one thread share a TaskInfo; a change of thread, of the task
    # bytes (a new comm after execve) or of task_ok gives a new one
    evs = read_all(
        stream(
            entry(0, tid=85),
            exit_(0, 1, tid=85),
            entry(0, task=TASK + 64, tid=86),
            exit_(0, 1, task=TASK + 64, tid=86),
            entry(59, tid=85),
            exit_(59, 0, tid=85, tgid=90),
        )
    )
    whos = [ev.who for ev in evs]
    assert [w.tid for w in whos] == [85, 85, 86, 86, 85, 85]
    assert [w.pid for w in whos] == [85, 85, 85, 85, 85, 90]  # 86: a thread of 85
    assert whos[0] is whos[1] and whos[2] is whos[3] and whos[4] == whos[0]
    body = ENTRY.pack(0x1000, TASK, 0x401000, 0x7FFC0000, 0, *(0,) * 6, 0, 0, 1, 0, 0, 0)
    (e,) = read_all(stream(record(1, body + task_block(85, 85, b"probe", 1))))
    assert (e.who.task, e.who.pid) == (TASK, None)  # task_ok clear: the bytes are not read


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3)), min_size=1, max_size=300))
def test_a_threads_taskinfo_is_its_own_across_batches_and_threads(threads):
    """The reader keeps recent threads' TaskInfos across its batches: any sequence of
    records of up to 41 task_structs (some sharing a slot of that cache), each with up to
    four tids, gives each record the TaskInfo its own bytes decode to."""
    recs = [entry(0, task=TASK + 64 * t, tid=100 + t * 4 + k, tgid=100 + t * 4) for t, k in threads]
    evs = read_all(stream(*recs))
    want = [(TASK + 64 * t, 100 + t * 4 + k, 100 + t * 4) for t, k in threads]
    assert [(e.who.task, e.who.tid, e.who.pid) for e in evs] == want


def test_each_reader_uses_its_own_task_decoder():
    """The kept TaskInfos are of the decoder that made them: a reader with another one
    (the raw decoder, for a stream without task fields) gets its own."""
    data = stream(entry(0, tid=85), exit_(0, 1, tid=85)).getvalue()
    first = list(RecordReader(io.BytesIO(data), decode_task))
    other = list(RecordReader(io.BytesIO(data), lambda d, task, cr3, ok: TaskInfo(task, cr3)))
    assert [e.who.tid for e in first] == [85, 85]
    assert [e.who.tid for e in other] == [None, None]
    again = list(RecordReader(io.BytesIO(data), decode_task))
    assert again[0].who is first[0].who  # (decode_task is cached on its side too)


def test_a_reader_started_inside_another_readers_task_decoder_leaves_it_right():
    """The readers' TaskInfo cache is shared: a task decoder that runs another reader (a
    thread switch could do the same) must not make the first reader keep or take the
    other's TaskInfos, nor the other's task size."""
    recs = [entry(0, task=TASK + 64 * (i % 3), tid=85 + i % 3) for i in range(12)]
    inner = stream(*recs[:3]).getvalue()  # the same threads' bytes, another decoder
    seen: list[int | None] = []

    def other(d: bytes, task: int, cr3: int, ok: bool) -> TaskInfo:
        return TaskInfo(task, cr3, pid=-1, tid=-1)

    def busy(d: bytes, task: int, cr3: int, ok: bool) -> TaskInfo:
        seen.extend(e.who.tid for e in RecordReader(io.BytesIO(inner), other))
        return decode_task(d, task, cr3, ok)

    evs = list(RecordReader(stream(*recs), busy))
    assert [e.who.tid for e in evs] == [85 + i % 3 for i in range(12)]
    assert seen and set(seen) == {-1}
    assert [e.who.tid for e in read_all(stream(*recs))] == [85 + i % 3 for i in range(12)]


def test_long_task_bytes_are_decoded_each_time_not_kept():
    """The stream's header sets the task bytes' size; the reader keeps none over 4 KiB (16
    threads' copies), and still gives each record its own thread's TaskInfo."""
    size = 5000
    calls: list[int] = []

    def long_decoder(d: bytes, task: int, cr3: int, ok: bool) -> TaskInfo:
        assert len(d) == size
        calls.append(task)
        return decode_task(d[: TASK_BYTES.size], task, cr3, ok)

    def rec(tid: int) -> bytes:
        body = ENTRY.pack(0x1000, TASK + tid, 0x401000, 0x7FFC0000, 0, *(0,) * 6, 0, 0, 1, 1, 0, 0)
        block = TASK_BYTES.pack(tid, tid, b"probe", 1000 + tid, 1, 1000, 0).ljust(size, b"\0")
        return record(1, body + pad8(block))

    head = struct.pack("<8sII", MAGIC, VERSION, size)
    evs = list(RecordReader(io.BytesIO(head + rec(85) + rec(85) + rec(86)), long_decoder))
    assert [e.who.tid for e in evs] == [85, 85, 86] and len(calls) == 3


def test_a_stream_that_hands_over_none_has_ended():
    """A stream without readinto1 whose read gives None (a non-blocking one with nothing
    yet) ends the reading, as it did before the reader read in place."""
    data = stream(entry(0), exit_(0, 1)).getvalue()

    class Then:
        def __init__(self) -> None:
            self.parts: list[bytes | None] = [data[:16], data[16:], None]

        def read(self, n: int = -1) -> bytes | None:
            return self.parts.pop(0) if self.parts else None

    assert len(list(RecordReader(Then(), decode_task))) == 2  # type: ignore[arg-type]


def test_events_before_a_corrupt_record_are_delivered_first():
    bad = BLOB_HDR.pack(1, 0, 0xFFFF, 1 << 20, 0x1000)
    got = []
    with pytest.raises(StreamError, match="blob data past the record's end"):
        for ev in RecordReader(
            stream(entry(1), exit_(1, 0), entry(2, blobs=bad, nblobs=1), exit_(2, 0)), decode_task
        ):
            got.append(ev.nr)
    assert got == [1, 1]


def test_a_record_too_short_for_its_task_bytes_is_an_error():
    body = ENTRY.pack(0x1000, TASK, 0x401000, 0x7FFC0000, 0, *(0,) * 6, 0, 0, 1, 1, 0, 0)
    with pytest.raises(StreamError, match="ENTRY record too short"):
        read_all(stream(record(1, body)))  # the stream header promises task bytes


def test_unknown_instruction_code_is_an_error():
    body = ENTRY.pack(0x1000, TASK, 0x401000, 0x7FFC0000, 0, *(0,) * 6, 0, 0, 99, 1, 0, 0)
    with pytest.raises(StreamError, match="unknown instruction code 99"):
        read_all(stream(record(1, body + task_block(1, 1, b"x", 0))))


_blobs = st.lists(st.tuples(st.integers(0, 8), st.booleans(), st.binary(max_size=24)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_blobs)
def test_blobs_group_by_argument_as_the_format_says(spec):
    # (arg, is element, data): an argument's top blob holds its elements in stream order;
    # the last top blob of an argument wins; elements with no top blob are dropped
    raw, tops, elems = b"", {}, {}
    for n, (arg, is_elem, data) in enumerate(spec):
        raw += blob(arg, data, 0x1000 + n, index=n if is_elem else 0xFFFF)
        if is_elem:
            elems.setdefault(arg, []).append(data)
        else:
            tops[arg] = data
    (e,) = read_all(stream(entry(0, blobs=raw, nblobs=len(spec))))
    assert {arg: (m.data, [el.data for el in m.elems]) for arg, m in e.mem.items()} == {
        arg: (data, elems.get(arg, [])) for arg, data in tops.items()
    }


@settings(max_examples=200, deadline=None)
@given(_blobs, st.integers(0, 9), st.sampled_from([None, "other"]))
def test_a_records_blobs_are_the_mapping_they_stand_for(spec, key, default):
    # the reader hands blobs on as a Blobs, read in place by the compiled stages; Python
    # code sees the read-only mapping the dict was, equal to it either way round
    raw = b"".join(
        blob(arg, data, 0x1000 + n, index=n if is_elem else 0xFFFF)
        for n, (arg, is_elem, data) in enumerate(spec)
    )
    (e,) = read_all(stream(entry(0, blobs=raw, nblobs=len(spec))))
    m = e.mem
    if not spec:
        assert m is NO_MEM
        return
    assert type(m) is _records.Blobs and isinstance(m, Mapping)
    d = dict(m.items())
    assert m == d and d == m and not (m != d) and m == _records.blobs(raw, len(spec))
    assert m != {**d, 99: Mem(0, b"")} and m != [] and m != None  # noqa: E711
    assert len(m) == len(d) and list(m) == list(d) and bool(m) == bool(d)
    assert list(m.keys()) == list(d) and list(m.values()) == list(d.values())
    assert (key in m) == (key in d) and m.get(key) == d.get(key)
    assert m.get(key, default) == d.get(key, default) and repr(m) == repr(d)
    if key in d:
        assert m[key] is m[key] == d[key]  # made once
    else:
        with pytest.raises(KeyError):
            m[key]
    with pytest.raises(TypeError):
        hash(m)
    with pytest.raises(TypeError):
        m[key] = Mem(0, b"")  # type: ignore[index]


def test_a_blob_area_that_runs_past_its_end_is_refused():
    area = blob(1, b"x" * 9)  # a 16-byte header, 9 bytes, 7 of padding
    with pytest.raises(StreamError, match="blob header past"):
        _records.blobs(area[:15], 1)
    with pytest.raises(StreamError, match="blob data past"):
        _records.blobs(area[:24], 1)
    with pytest.raises(StreamError, match="blob header past"):
        _records.blobs(area, 2)
    assert _records.blobs(area[:25], 1)[1].data == b"x" * 9  # (the last padding may be cut)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_records_raise_only_stream_errors(junk):
    head = struct.pack("<8sII", MAGIC, VERSION, TASK_BYTES.size)
    try:
        read_all(io.BytesIO(head + junk))
    except StreamError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 70), st.binary(max_size=600), st.sampled_from([1, 2]))
def test_well_framed_records_with_junk_blobs_raise_only_stream_errors(nblobs, junk, rtype):
    # a valid header and body (so the compiled fast path takes the record), then blob
    # bytes a broken plugin might write: lengths past the end, any count, any index
    body = (
        ENTRY.pack(0x1000, TASK, 0x401000, 0x7FFC0000, 0, *(0,) * 6, 0, 0, 1, 1, 0, nblobs)
        if rtype == 1
        else EXIT.pack(0x1000, TASK, 0x401000, 0, 0, 0x7FFC0000, 0, 0, 0, 0, 4, 1, 0, nblobs)
    )
    rec = record(rtype, body + task_block(1, 1, b"x", 0) + pad8(junk))
    try:
        for ev in read_all(stream(rec)):
            assert all(isinstance(m.data, bytes) for m in ev.mem.values())
    except StreamError:
        pass


def feed(pairer: Pairer, data: io.BytesIO) -> list[Syscall]:
    out = []
    for ev in RecordReader(data, decode_task):
        out += pairer.feed(ev)
    return out + list(pairer.drain())


def test_pairing_across_interleaved_threads():
    p = Pairer()
    calls = feed(
        p,
        stream(
            entry(0, task=TASK, tid=85, ts=1),  # read blocks in thread 85
            entry(39, task=TASK + 0x4000, tid=86, ts=2),
            exit_(39, 86, task=TASK + 0x4000, tid=86, ts=3),
            exit_(0, 5, task=TASK, tid=85, ts=4),
        ),
    )
    assert [(c.entry.nr, c.ret, c.entry.who.tid) for c in calls] == [(39, 86, 86), (0, 5, 85)]
    assert p.counts.paired == 2 and p.counts.orphan_exits == 0


def test_exit_group_does_not_wait_and_unfinished_calls_drain():
    p = Pairer()
    calls = feed(p, stream(entry(61, tid=90, task=TASK + 64, tgid=90), entry(231, (3,) + (0,) * 5)))
    assert [(c.entry.nr, c.exit) for c in calls] == [(231, None), (61, None)]
    assert p.counts.no_return == 1 and p.counts.unfinished == 1


def test_unfinished_calls_drain_oldest_first():
    p = Pairer()
    threads = [(TASK + 0x40 * i, 90 + i, ts) for i, ts in enumerate((7, 3, 5))]
    calls = feed(p, stream(*[entry(0, task=t, tid=tid, ts=ts) for t, tid, ts in threads]))
    assert [c.entry.ts for c in calls] == [3, 5, 7] and p.counts.unfinished == 3


def test_reused_task_struct_does_not_pair_with_a_dead_threads_entry():
    p = Pairer()
    calls = feed(p, stream(entry(0, tid=85), exit_(56, 0, tid=91)))
    assert p.counts.orphan_exits == 1
    assert [c.exit for c in calls] == [None]


def test_negative_return_is_signed():
    calls = feed(Pairer(), stream(entry(2), exit_(2, -2)))
    assert calls[0].ret == -2


def _execve(pid: int, path: bytes, ret: int = 0, ppid: int = 1) -> Syscall:
    from vmstrace.core.events import Mem, RawExit, TaskInfo

    who = TaskInfo(task=TASK, cr3=0, pid=pid, tid=pid, ppid=ppid, comm="x")
    e = RawEntry(
        0, 0, "x86_64", Insn.SYSCALL, 0, 0, 59, (1, 2, 3, 0, 0, 0), who, {0: Mem(1, path + b"\0")}
    )
    x = RawExit(1, 0, "x86_64", Insn.IRETQ, 0, ret, 59, who)
    return Syscall(e, x)


def _call(nr: int, pid: int, ppid: int, ret: int = 0) -> Syscall:
    from vmstrace.core.events import RawExit, TaskInfo

    who = TaskInfo(task=TASK, cr3=0, pid=pid, tid=pid, ppid=ppid, comm="x")
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, 0, 0, nr, (0,) * 6, who)  # type: ignore[arg-type]
    return Syscall(e, RawExit(1, 0, "x86_64", Insn.SYSRETQ, 0, ret, nr, who))


def test_process_tree_starts_at_the_launchers_next_execve_and_follows_children():
    tree = ProcessTree()
    assert not tree.wants(_call(39, 1, 0))  # init
    assert not tree.wants(_execve(80, b"/vmstrace/bin/vmstrace-exec"))
    assert not tree.wants(_call(2, 80, 1))  # the launcher's own calls are hidden
    assert tree.wants(_execve(80, b"/bin/cmd"))
    assert tree.wants(_call(57, 80, 1, ret=81))
    assert tree.wants(_call(39, 81, 80))  # the child
    assert tree.wants(_call(39, 82, 81))  # a grandchild, known by its parent
    assert not tree.wants(_call(39, 83, 1))  # an unrelated process


def test_all_mode_keeps_everything():
    assert ProcessTree(trace_all=True).wants(_call(39, 1, 0))


def test_spec_text():
    task = TaskRead(0x1FB80, ((0x970, 4), (0x974, 4)), ((0x980, 0x974, 4),))
    text = render_spec(task, [("64", 257, 1, Capture("str", "both"))])
    assert text.splitlines() == [
        "vmstrace-spec 1",
        "task_ptr 0x1fb80",
        "task_field 0x970 4",
        "task_field 0x974 4",
        "task_deref 0x980 0x974 4",
        "sys 64 257 1 both str - 4096 0",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        dict(kind="buf", when="entry", size="ret"),
        dict(kind="buf", when="exit", size="a7"),
        dict(kind="buf", when="exit", size="x"),
        dict(kind="buf", when="exit", size="c1", cap=1 << 20),
    ],
)
def test_spec_rejects_bad_captures(bad):
    with pytest.raises(ValueError):
        Capture(**bad)


def test_call_classes_for_the_plugin_come_from_the_tables():
    from vmstrace.trace.attribution import call_class_lines

    lines = call_class_lines()
    assert "noreturn 64 60 231" in lines and "noreturn 32 1 252" in lines
    assert "resumes_elsewhere 64 15 59 322" in lines
    refresh64 = next(x for x in lines if x.startswith("task_refresh 64 "))
    assert {"59", "105", "157", "231"} <= set(refresh64.split()[2:])
