"""Pairer.feed_batch (the compiled loop) against Pairer.feed (the reference), event by event."""

from __future__ import annotations

import pytest
from blobs import in_place
from hypothesis import given, settings
from hypothesis import strategies as st
from sigframes import frame32, frame64

from vmstrace.core.abi import ARG_SIGFRAME, EXIT_ELSEWHERE, EXIT_RESTART
from vmstrace.core.events import (
    Insn,
    Mem,
    RawEntry,
    RawExit,
    Stats,
    TaskInfo,
    ThreadEnd,
)
from vmstrace.trace.pairing import Pairer

TASKS = [
    TaskInfo(task=0, cr3=0x1000),
    TaskInfo(task=0, cr3=0x2000 | 0x5),
    TaskInfo(task=0xFFFF8880001000, cr3=0x1000, tid=7),
    TaskInfo(task=0xFFFF8880001000, cr3=0x1000, tid=8),
    TaskInfo(task=0xFFFF8880002000, cr3=0x3000, tid=None),
]
PC = 0x401000


@st.composite
def events(draw: st.DrawFn) -> list[RawEntry | RawExit | Stats]:
    out: list[RawEntry | RawExit | Stats] = []
    for ts in range(draw(st.integers(0, 40))):
        who = draw(st.sampled_from(TASKS))
        abi = draw(st.sampled_from(["x86_64", "i386"]))
        sp = draw(st.sampled_from([0x7FFC0000, 0x7FFD0000]))
        if draw(st.booleans()):
            nr = draw(st.sampled_from([0, 1, 60, 231, 252, 219]))
            insn = draw(st.sampled_from([Insn.SYSCALL, Insn.INT80, Insn.SYSENTER]))
            seq = draw(st.integers(0, 4))  # 0: no order; others may come early, late, twice
            out.append(RawEntry(ts, 0, abi, insn, PC, sp, nr, (0,) * 6, who, seq=seq))
        else:
            ret = draw(st.sampled_from([0, 5, 2**64 - 2, 2**32 - 4, 2**63, 219, 2**64 - 512]))
            # after `syscall` or `int $0x80`, at it (a restart), i386's landing pad
            user_pc = draw(st.sampled_from([PC + 2, PC, 0, PC + 4]))
            # no blob, a signal frame (x86_64's, i386's two), a frame too short to hold the
            # registers, another blob
            mem = draw(
                st.sampled_from(
                    [
                        {},
                        {ARG_SIGFRAME: frame64(ret, user_pc)},
                        {ARG_SIGFRAME: frame32(ret, user_pc)},
                        {ARG_SIGFRAME: frame32(ret, user_pc, rt=False)},
                        {ARG_SIGFRAME: Mem(0x7FF000, b"x")},
                        {7: Mem(0x1000, b"/etc/hostname")},
                    ]
                )
            )
            if draw(st.booleans()):  # as the reader hands them on, read in place
                mem = in_place(mem)
            flags = draw(st.sampled_from([0, 0, EXIT_ELSEWHERE, EXIT_RESTART]))
            out.append(
                RawExit(
                    ts,
                    0,
                    abi,
                    Insn.SYSRETQ,
                    0xFFFF81000000,
                    ret,
                    -1,
                    who,
                    mem,
                    sp=sp,
                    user_pc=user_pc,
                    seq=draw(st.integers(0, 4)),
                    flags=flags,
                )
            )
    if draw(st.booleans()):
        out.append(Stats(1, 2, 3, 4, 0))
    return out


def _shape(calls):  # type: ignore[no-untyped-def]
    # (two threads on one task_struct: the older one's call ends with a ThreadEnd)
    return [
        (type(c), id(c.who), c.why)
        if isinstance(c, ThreadEnd)
        else (type(c), id(c.entry), None if c.exit is None else id(c.exit), c.ret)
        for c in calls
    ]


@settings(max_examples=300, deadline=None)
@given(events(), st.integers(1, 7))
def test_batches_pair_exactly_as_one_event_at_a_time(evs, size):
    one, many = Pairer(), Pairer()
    expected = [call for ev in evs for call in one.feed(ev)]
    got = [call for i in range(0, len(evs), size) for call in many.feed_batch(evs[i : i + size])]
    assert _shape(got) == _shape(expected)
    assert got == expected
    assert many.counts == one.counts and many.stats == one.stats
    assert list(many.pending.items()) == list(one.pending.items())  # the same order, too
    assert many.seqs == one.seqs and many.held == one.held
    assert _shape(many.drain()) == _shape(one.drain())


THREADS = [
    TaskInfo(task=0xFFFF8880001000 + 0x1000 * i, cr3=0x1000, pid=10, tid=10 + i) for i in range(3)
]


@st.composite
def smp_streams(draw: st.DrawFn) -> tuple[list[RawEntry | RawExit], list[list[int]]]:
    """Threads' calls as a multi-vCPU guest makes them, then as the reader receives them:
    each record goes to the batch of the vCPU its thread runs on at that moment (threads
    move between calls and while blocked in one), and the batches are handed over in an
    order of their own -- what the plugin's per-vCPU buffers do.  Returns the records in
    arrival order and, per thread, the seqs of its records in program order."""
    n_vcpus = draw(st.integers(2, 4))
    batches: list[list[RawEntry | RawExit]] = [[] for _ in range(n_vcpus)]
    arrived: list[RawEntry | RawExit] = []
    seqs: list[list[int]] = [[] for _ in THREADS]
    counters = [0] * len(THREADS)
    ts = 0
    for _ in range(draw(st.integers(0, 60))):
        t = draw(st.integers(0, len(THREADS) - 1))
        who, v = THREADS[t], draw(st.integers(0, n_vcpus - 1))
        nr = draw(st.sampled_from([0, 1, 39]))
        ts += 1
        counters[t] += 1
        batches[v].append(
            RawEntry(
                ts, v, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, nr, (0,) * 6, who, seq=counters[t]
            )
        )
        seqs[t].append(counters[t])
        v = draw(st.integers(0, n_vcpus - 1))  # the call may return on another vCPU
        ts += 1
        counters[t] += 1
        batches[v].append(
            RawExit(
                ts,
                v,
                "x86_64",
                Insn.SYSRETQ,
                0xFFFF81000000,
                ts,
                -1,
                who,
                {},
                sp=0x7FFC0000,
                user_pc=PC + 2,
                seq=counters[t],
            )
        )
        seqs[t].append(counters[t])
        if draw(st.booleans()):  # some vCPU hands its batch over now
            f = draw(st.integers(0, n_vcpus - 1))
            arrived += batches[f]
            batches[f] = []
    for b in draw(st.permutations(batches)):
        arrived += b
    return arrived, seqs


@settings(max_examples=300, deadline=None)
@given(smp_streams(), st.integers(1, 9))
def test_records_that_arrive_out_of_order_are_paired_in_each_threads_order(stream, size):
    arrived, seqs = stream
    one, many = Pairer(), Pairer()
    expected = [call for ev in arrived for call in one.feed(ev)]
    got = [c for i in range(0, len(arrived), size) for c in many.feed_batch(arrived[i : i + size])]
    assert got == expected and many.counts == one.counts
    for t, who in enumerate(THREADS):
        mine = [c for c in got if c.entry.who is who]
        assert [s for c in mine for s in (c.entry.seq, c.exit.seq)] == seqs[t]
        assert all(c.ret == c.exit.ret for c in mine)  # each exit met its own entry
    assert one.counts.paired == len(arrived) // 2
    assert one.counts.gaps == one.counts.stale == one.counts.orphan_exits == 0
    assert not one.held and not list(one.drain())


def _call(who: TaskInfo, seq: int, ret: int = 0) -> list[RawEntry | RawExit | Stats]:
    """A call's entry and exit, numbered seq and seq + 1 (and timed so)."""
    entry = RawEntry(seq, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 0, (0,) * 6, who, seq=seq)
    exit = RawExit(
        seq + 1,
        0,
        "x86_64",
        Insn.SYSRETQ,
        0xFFFF81000000,
        ret,
        -1,
        who,
        {},
        sp=0x7FFC0000,
        user_pc=PC + 2,
        seq=seq + 1,
    )
    return [entry, exit]


def test_a_record_that_never_comes_is_a_gap_and_the_rest_go_on_in_order():
    later = _call(THREADS[0], 3, ret=7)
    p = Pairer()
    assert p.feed_batch(later) == [] and p.counts.held == 2
    (call,) = list(p.drain())
    assert (call.entry.seq, call.ret) == (3, 7) and p.counts.gaps == 1


def test_an_exit_that_resumed_elsewhere_has_no_return_value():
    who = THREADS[0]
    e = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 0, (0,) * 6, who, seq=1)
    x = RawExit(
        2,
        0,
        "x86_64",
        Insn.IRETQ,
        0xFFFF81000000,
        0x41,
        -1,
        who,
        {},
        sp=0x7FFB0000,
        user_pc=0x500000,
        seq=2,
        flags=EXIT_ELSEWHERE,
    )
    (call,) = Pairer().feed_batch([e, x])
    assert call.exit is x and call.ret is None


def test_a_foreign_object_in_a_batch_is_refused():
    with pytest.raises(TypeError, match="not an event"):
        Pairer().feed_batch(["junk"])  # type: ignore[list-item]


def test_a_thread_keeps_one_key_object_when_its_taskinfo_changes():
    # An exec gives the thread a new TaskInfo (comm, CR3) and so a new, equal key; the
    # tables must be handed the key they already hold, or every later lookup of the
    # thread compares two tuples field by field.
    task = 0xFFFF8880004000
    before = TaskInfo(task=task, cr3=0x1000, pid=9, tid=9, comm="sh")
    after = TaskInfo(task=task, cr3=0x7000, pid=9, tid=9, comm="ls")

    p = Pairer()
    assert len(p.feed_batch(_call(before, 1))) == 1
    p.feed_batch(_call(after, 3)[:1])  # the entry: pending's key is the one made now
    (held,) = p.seqs
    (pending,) = p.pending
    assert held == (task, 9) and pending is held
