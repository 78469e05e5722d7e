"""Pairer.feed_batch (the compiled loop) against Pairer.feed (the reference), event by event."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmstrace.trace.events import (
    FRAME_RAX,
    FRAME_RIP,
    SIGFRAME_ARG,
    Insn,
    Mem,
    RawEntry,
    RawExit,
    Stats,
    TaskInfo,
)
from vmstrace.trace.pairing import Pairer

TASKS = [TaskInfo(task=0, cr3=0x1000), TaskInfo(task=0, cr3=0x2000 | 0x5),
         TaskInfo(task=0xFFFF8880001000, cr3=0x1000, tid=7),
         TaskInfo(task=0xFFFF8880001000, cr3=0x1000, tid=8),
         TaskInfo(task=0xFFFF8880002000, cr3=0x3000, tid=None)]
PC = 0x401000


def _frame(rax: int, rip: int) -> Mem:
    data = bytearray(FRAME_RIP + 8)
    data[FRAME_RAX : FRAME_RAX + 8] = rax.to_bytes(8, "little")
    data[FRAME_RIP : FRAME_RIP + 8] = rip.to_bytes(8, "little")
    return Mem(0x7FF000, bytes(data))


@st.composite
def events(draw: st.DrawFn) -> list[RawEntry | RawExit | Stats]:
    out: list[RawEntry | RawExit | Stats] = []
    for ts in range(draw(st.integers(0, 40))):
        who = draw(st.sampled_from(TASKS))
        abi = draw(st.sampled_from(["x86_64", "i386"]))
        sp = draw(st.sampled_from([0x7FFC0000, 0x7FFD0000]))
        if draw(st.booleans()):
            nr = draw(st.sampled_from([0, 1, 60, 231, 252, 219]))
            insn = draw(st.sampled_from([Insn.SYSCALL, Insn.INT80]))
            out.append(RawEntry(ts, 0, abi, insn, PC, sp, nr, (0,) * 6, who))
        else:
            ret = draw(st.sampled_from([0, 5, 2**64 - 2, 2**32 - 4, 2**63, 219, 2**64 - 512]))
            user_pc = draw(st.sampled_from([PC + 2, PC, 0]))
            # no blob, a signal frame, a frame too short to hold the registers, another blob
            mem = draw(st.sampled_from([
                {}, {SIGFRAME_ARG: _frame(ret, user_pc)}, {SIGFRAME_ARG: Mem(0x7FF000, b"x")},
                {7: Mem(0x1000, b"/etc/hostname")}]))
            out.append(RawExit(ts, 0, abi, Insn.SYSRETQ, 0xFFFF81000000, ret, -1, who, mem,
                               sp=sp, user_pc=user_pc))
    if draw(st.booleans()):
        out.append(Stats(1, 2, 3, 4, 0))
    return out


def _shape(calls):  # type: ignore[no-untyped-def]
    return [(type(c), id(c.entry), None if c.exit is None else id(c.exit), c.ret)
            for c in calls]


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
    assert _shape(many.drain()) == _shape(one.drain())


def test_a_foreign_object_in_a_batch_is_refused():
    with pytest.raises(TypeError, match="not an event"):
        Pairer().feed_batch(["junk"])  # type: ignore[list-item]
