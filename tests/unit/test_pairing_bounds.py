"""The pairing's guest-driven state (pairing.py, _pairing.c) on crafted records: the calls of
a reaped process end when its reaper learns it, and every table stays within its limit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from blobs import in_place
from hypothesis import given, settings
from hypothesis import strategies as st

from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo, ThreadEnd
from vmstrace.trace.pairing import WNOWAIT, Limits, Pairer

PC = 0x401000
SP = 0x7FFC0000
PARENT = TaskInfo(task=0xFFFF8880001000, cr3=0x1000, pid=85, tid=85)
CHILD = TaskInfo(task=0xFFFF8880002000, cr3=0x2000, pid=90, tid=90)
SIGKILL_STATUS = 9  # WIFSIGNALED, WTERMSIG 9 (the status word wait4 writes)


def entry(
    who: TaskInfo, nr: int, ts: int, vcpu: int = 0, seq: int = 0, args: tuple[int, ...] = (0,) * 6
) -> RawEntry:
    return RawEntry(ts, vcpu, "x86_64", Insn.SYSCALL, PC, SP, nr, args, who, seq=seq)


def exit_(
    who: TaskInfo, ret: int, ts: int, vcpu: int = 0, seq: int = 0, mem: dict[int, Mem] | None = None
) -> RawExit:
    return RawExit(
        ts,
        vcpu,
        "x86_64",
        Insn.SYSRETQ,
        0xFFFF81000000,
        ret & (2**64 - 1),
        -1,
        who,
        mem or {},
        sp=SP,
        user_pc=PC + 2,
        seq=seq,
    )


def as_i386(ev: RawEntry | RawExit) -> RawEntry | RawExit:
    """The same call made by an i386 caller through the vDSO's 32-bit `syscall` (wait4 is
    7, waitid 284), which returns to the landing pad 4 bytes on."""
    ev = replace(ev, abi="i386", nr={61: 7, 247: 284}.get(ev.nr, ev.nr))
    return replace(ev, user_pc=PC + 4) if isinstance(ev, RawExit) else ev


def status(word: int) -> dict[int, Mem]:
    return {1: Mem(0x7FFC1000, word.to_bytes(4, "little"), at_exit=True)}


def siginfo(code: int, pid: int, st: int, signo: int = 17, union: int = 16) -> dict[int, Mem]:
    """waitid's siginfo as the kernel writes it (``union``: 12 for an i386 caller's)."""
    data = bytearray(128)
    for off, v in ((0, signo), (8, code), (union, pid), (union + 4, 1000), (union + 8, st)):
        data[off : off + 4] = v.to_bytes(4, "little", signed=True)
    return {2: Mem(0x7FFC1000, bytes(data), at_exit=True)}


def reap(child: TaskInfo, word: int, ts: int, vcpu: int = 0) -> list[RawEntry | RawExit]:
    """The parent's wait4(child, &status, 0, NULL) returning child's pid."""
    return [
        entry(PARENT, 61, ts, vcpu, args=(child.pid or 0, 0x7FFC1000, 0, 0, 0, 0)),
        exit_(PARENT, child.pid or 0, ts + 1, vcpu, mem=status(word)),
    ]


def both(events: list[RawEntry | RawExit], size: int = 3, **kw) -> list[Syscall | ThreadEnd]:
    """The items of feed() one event at a time; asserts feed_batch() gives the same."""
    one, many = Pairer(**kw), Pairer(**kw)
    expected = [c for ev in events for c in one.feed(ev)]
    got = [c for i in range(0, len(events), size) for c in many.feed_batch(events[i : i + size])]
    assert got == expected and many.counts == one.counts
    assert many.pending == one.pending and many.seqs == one.seqs and many.dying == one.dying
    return got


def shape(items: list[Syscall | ThreadEnd]) -> list[tuple]:
    return [
        ("end", c.who.tid, c.signal, c.status, c.process, c.quiet, c.why is not None)
        if isinstance(c, ThreadEnd)
        else ("call", c.entry.who.tid, c.entry.nr, c.exit is not None)
        for c in items
    ]


def test_a_killed_process_call_ends_unfinished_before_its_reaper_returns():
    items = both([entry(CHILD, 0, 1), *reap(CHILD, SIGKILL_STATUS, 2)])
    assert shape(items) == [
        ("call", 90, 0, False),
        ("end", 90, 9, None, False, False, False),
        ("end", 90, 9, None, True, True, False),
        ("call", 85, 61, True),
    ]
    assert items[1].ts == 3  # the reaper's return


def test_a_process_killed_outside_a_call_has_its_end_printed():
    items = both(reap(CHILD, SIGKILL_STATUS, 2))
    assert shape(items) == [("end", 90, 9, None, True, False, False), ("call", 85, 61, True)]


def test_an_exited_process_threads_calls_end_with_its_exit_code():
    thread = TaskInfo(task=0xFFFF8880003000, cr3=0x2000, pid=90, tid=91)
    items = both([entry(thread, 0, 1), *reap(CHILD, 3 << 8, 2)])
    assert shape(items) == [
        ("call", 91, 0, False),
        ("end", 91, None, 3, False, False, False),
        ("end", 90, None, 3, True, True, False),
        ("call", 85, 61, True),
    ]


@pytest.mark.parametrize("word", [0x137F, 0xFFFF])  # stopped by SIGSTOP, continued
def test_a_stopped_or_continued_child_is_alive(word):
    items = both([entry(CHILD, 0, 1), *reap(CHILD, word, 2)])
    assert shape(items) == [("call", 85, 61, True)]


def test_without_a_status_nothing_is_known():
    items = both(
        [
            entry(CHILD, 0, 1),
            entry(PARENT, 61, 2),
            exit_(PARENT, 90, 3, mem={1: Mem(0x7FFC1000, b"", fault=True, at_exit=True)}),
        ]
    )
    assert shape(items) == [("call", 85, 61, True)]


@pytest.mark.parametrize(
    ("code", "st", "signal", "code_out"), [(2, 9, 9, None), (3, 11, 11, None), (1, 4, None, 4)]
)
def test_waitid_reports_the_death_in_its_siginfo(code, st, signal, code_out):
    items = both(
        [entry(CHILD, 0, 1), entry(PARENT, 247, 2), exit_(PARENT, 0, 3, mem=siginfo(code, 90, st))]
    )
    assert shape(items)[:2] == [
        ("call", 90, 0, False),
        ("end", 90, signal, code_out, False, False, False),
    ]
    assert items[1].core is (code == 3)


def test_a_core_dump_is_told():
    items = both([entry(CHILD, 0, 1), *reap(CHILD, 0x80 | 11, 2)])
    assert shape(items)[1] == ("end", 90, 11, None, False, False, False) and items[1].core


def test_waitid_of_a_stopped_child_or_another_signal_is_not_a_death():
    items = both(
        [
            entry(CHILD, 0, 1),
            entry(PARENT, 247, 2),
            exit_(PARENT, 0, 3, mem=siginfo(5, 90, 19)),
            entry(PARENT, 247, 4),
            exit_(PARENT, 0, 5, mem=siginfo(2, 90, 9, signo=10)),
        ]
    )
    assert shape(items) == [("call", 85, 247, True), ("call", 85, 247, True)]


def test_with_two_vcpus_a_death_waits_for_the_records_made_before_it():
    # the child's read returned on vCPU 1 just before it was killed; vCPU 0's batch
    # (the reaper's) reaches the tracer first
    items = both(
        [
            entry(CHILD, 0, 1, vcpu=1),
            *reap(CHILD, SIGKILL_STATUS, 3, vcpu=0),
            exit_(CHILD, 5, 2, vcpu=1),
            entry(CHILD, 0, 6, vcpu=1),
        ],
        vcpus=2,
    )
    # the read returned (5): no unfinished call, and the process's end is printed once
    # vCPU 1 is past the death (the later entry is not the dead one's)
    assert shape(items) == [
        ("call", 85, 61, True),
        ("call", 90, 0, True),
        ("end", 90, 9, None, True, False, False),
    ]
    assert items[1].ret == 5


def test_with_two_vcpus_a_call_still_pending_ends_once_both_have_gone_past():
    one = Pairer(vcpus=2)
    first = [
        c
        for ev in [entry(CHILD, 0, 1, vcpu=1), *reap(CHILD, SIGKILL_STATUS, 3)]
        for c in one.feed(ev)
    ]
    assert shape(first) == [("call", 85, 61, True)]
    assert one.dying and CHILD.task in {k[0] for k in one.pending}
    later = one.feed(entry(PARENT, 39, 7, vcpu=1))  # vCPU 1 is past the death now
    assert shape(list(later)) == [
        ("call", 90, 0, False),
        ("end", 90, 9, None, False, False, False),
        ("end", 90, 9, None, True, True, False),
    ]
    assert not one.dying and not one.marks


def test_at_the_end_a_waiting_death_settles_with_its_cause():
    p = Pairer(vcpus=2)
    for ev in [entry(CHILD, 0, 1, vcpu=1), *reap(CHILD, SIGKILL_STATUS, 3)]:
        p.feed(ev)
    assert shape(list(p.drain())) == [
        ("call", 90, 0, False),
        ("end", 90, 9, None, False, False, False),
        ("end", 90, 9, None, True, True, False),
    ]


def thread(i: int, task: int | None = None) -> TaskInfo:
    return TaskInfo(
        task=task or 0xFFFF8880100000 + 0x1000 * i, cr3=0x1000, pid=200 + i, tid=200 + i
    )


def test_over_the_pending_limit_the_oldest_calls_go_with_a_note():
    items = both([entry(thread(i), 0, i + 1) for i in range(6)], limits=Limits(pending=4))
    # at 5 calls in progress: down to 3 (limit * 3 // 4), the oldest first
    assert shape(items) == [
        ("call", 200, 0, False),
        ("end", 200, None, None, False, False, True),
        ("call", 201, 0, False),
        ("end", 201, None, None, False, False, True),
    ]
    assert "result" in items[1].why and "unknown" in items[1].why
    p = Pairer(limits=Limits(pending=4))
    for i in range(6):
        p.feed(entry(thread(i), 0, i + 1))
    assert len(p.pending) == 4 and p.counts.evicted == 2 and p.counts.unfinished == 2


def test_a_thread_whose_task_struct_runs_a_newer_thread_goes_first_and_is_not_evicted():
    reused = TaskInfo(task=thread(0).task, cr3=0x1000, pid=300, tid=300)
    events = [
        entry(thread(0), 0, 1),
        entry(thread(1), 0, 2),
        entry(reused, 0, 3),
        entry(thread(2), 0, 4),
        entry(thread(3), 0, 5),
    ]
    p = Pairer(limits=Limits(pending=4))
    items = [c for ev in events for c in p.feed(ev)]
    assert shape(items) == [("call", 200, 0, False), ("end", 200, None, None, False, False, True)]
    assert "task_struct" in items[1].why and p.counts.evicted == 0
    assert both(events, limits=Limits(pending=4)) == items


def test_thread_counters_keep_within_their_limit():
    events = []
    for i in range(8):  # threads with record numbers, each one call, none exits
        events += [entry(thread(i), 0, 2 * i + 1, seq=1), exit_(thread(i), 0, 2 * i + 2, seq=2)]
    p = Pairer(limits=Limits(threads=4))
    for ev in events:
        p.feed(ev)
    assert len(p.seqs) <= 4 and p.counts.evicted == 4
    both(events, limits=Limits(threads=4))


def test_threads_with_held_records_keep_within_their_limit():
    events = [entry(thread(i), 0, i + 1, seq=2) for i in range(5)]  # each waits for seq 1
    p = Pairer(limits=Limits(held_threads=2))
    items = [c for ev in events for c in p.feed(ev)]
    assert len(p.held) == 2 and p.counts.gaps == 3 and items == []
    assert len(p.pending) == 3
    both(events, limits=Limits(held_threads=2))


# --- the compiled loop held to the reference, with deaths, vCPUs and small limits ---------

KIDS = [
    TaskInfo(task=0xFFFF8880010000 + 0x1000 * i, cr3=0x2000 + 0x1000 * i, pid=90 + i, tid=90 + i)
    for i in range(3)
]
# a thread of kid 0's process, and a new process on kid 1's task_struct (a reused one)
KIDS += [
    TaskInfo(task=0xFFFF8880020000, cr3=0x2000, pid=90, tid=93),
    TaskInfo(task=KIDS[1].task, cr3=0x7000, pid=97, tid=97),
]
WORDS = [SIGKILL_STATUS, 15, 0, 3 << 8, 0x137F, 0xFFFF, 0x12300]


@st.composite
def lives(draw: st.DrawFn) -> list[RawEntry | RawExit]:
    out: list[RawEntry | RawExit] = []
    for ts in range(1, draw(st.integers(0, 40)) + 1):
        vcpu = draw(st.integers(0, 1))
        kind = draw(st.integers(0, 3))
        if kind == 0:  # a reap (or a call that reaps nothing: failed, WNOHANG, WNOWAIT)
            kid = draw(st.sampled_from(KIDS[:3] + KIDS[4:]))
            nr = draw(st.sampled_from([61, 247]))
            mem = (
                status(draw(st.sampled_from(WORDS)))
                if nr == 61
                else siginfo(
                    draw(st.sampled_from([1, 2, 3, 5])), kid.pid or 0, draw(st.integers(0, 20))
                )
            )
            ((arg, m),) = mem.items()
            mem = draw(
                st.sampled_from(
                    [
                        mem,
                        mem,
                        {arg: replace(m, fault=True)},
                        {arg: replace(m, at_exit=False)},
                        {arg: replace(m, data=m.data[:3])},
                        {},
                    ]
                )
            )
            ret = (kid.pid or 0) if nr == 61 else 0
            ret = draw(st.sampled_from([ret, ret, ret, 0, -10]))
            options = draw(st.sampled_from([0, 0, WNOWAIT]))
            out += [
                entry(PARENT, nr, 2 * ts, vcpu, args=(0, 0, 0, options, 0, 0)),
                exit_(PARENT, ret, 2 * ts + 1, vcpu, mem=mem),
            ]
        else:
            who = draw(st.sampled_from(KIDS + [PARENT]))
            seq = draw(st.integers(0, 3))
            if kind == 1:
                out.append(entry(who, draw(st.sampled_from([0, 1, 231])), 2 * ts, vcpu, seq))
            else:
                out.append(exit_(who, 5, 2 * ts, vcpu, seq))
    return out


@settings(max_examples=300, deadline=None)
@given(
    lives(),
    st.integers(1, 7),
    st.integers(1, 2),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 2),
    st.integers(0, 2),
)
def test_batches_end_threads_and_keep_limits_exactly_as_one_event_at_a_time(
    evs, size, vcpus, pending, threads, held, dying
):
    limits = Limits(pending=pending, threads=threads, held_threads=held, dying=dying)
    one, many = Pairer(vcpus=vcpus, limits=limits), Pairer(vcpus=vcpus, limits=limits)
    expected = [c for ev in evs for c in one.feed(ev)]
    got = [c for i in range(0, len(evs), size) for c in many.feed_batch(evs[i : i + size])]
    assert shape(got) == shape(expected)
    assert got == expected and many.counts == one.counts
    assert list(many.pending.items()) == list(one.pending.items())
    assert many.seqs == one.seqs and many.held == one.held
    assert many.dying == one.dying and many.marks == one.marks
    assert list(many.drain()) == list(one.drain())
    assert len(one.pending) <= pending and len(one.held) <= held


class Counting(Pairer):
    """A Pairer that counts its Python ``_after`` calls."""

    def __init__(self, *args, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kw)
        self.calls = 0

    def _after(self, ev, out, start):  # type: ignore[no-untyped-def]
        self.calls += 1
        super()._after(ev, out, start)


def test_a_process_reaped_outside_any_call_ends_without_a_python_call():
    p = Counting()
    exited = p.feed_batch([entry(CHILD, 231, 1), *reap(CHILD, 3 << 8, 2)])
    killed = p.feed_batch(reap(KIDS[0], 0x80 | 11, 4))
    assert p.calls == 0
    assert shape(exited) == [
        ("call", 90, 231, False),
        ("end", 90, None, 3, True, True, False),
        ("call", 85, 61, True),
    ]
    assert shape(killed) == [("end", 90, 11, None, True, False, False), ("call", 85, 61, True)]
    assert killed[0].core and not exited[1].core and exited[1].who.task == 0
    assert not p.marks and not p.dying


@pytest.mark.parametrize("options", [0, WNOWAIT, 0x4])
@pytest.mark.parametrize("ret", [90, 0, -10])
@pytest.mark.parametrize("how", ["whole", "fault", "not at exit", "short", "none"])
@pytest.mark.parametrize(
    "nr, mem",
    [(61, status(word)) for word in WORDS]
    + [(247, siginfo(code, 90, st)) for code in (1, 2, 3, 5) for st in (0, 9, 200, 0x1234)]
    + [(247, siginfo(1, 90, 0, signo=10)), (247, siginfo(1, 0, 0))],
)
@pytest.mark.parametrize("abi", ["x86_64", "i386"])
@pytest.mark.parametrize("read", [dict, in_place])
def test_every_reaping_call_ends_the_same_in_the_compiled_loop(
    nr, mem, how, ret, options, abi, read
):
    ((arg, m),) = mem.items()
    mem = {
        "whole": mem,
        "fault": {arg: replace(m, fault=True)},
        "not at exit": {arg: replace(m, at_exit=False)},
        "short": {arg: replace(m, data=m.data[: 3 if nr == 61 else 27])},
        "none": {},
    }[how]
    mem = read(mem)  # (in_place: as the reader hands it on, read where it lies)
    call = [
        entry(PARENT, nr, 2, args=(0, 0, 0, options, 0, 0)),
        exit_(PARENT, ret, 3, mem=mem),
    ]
    if abi == "i386":  # wait4 7, waitid 284 (and i386's siginfo layout: the test below)
        call = [as_i386(ev) for ev in call]
    both([entry(CHILD, 231, 1), *call], size=3)
    both(call, size=2)


@pytest.mark.parametrize("abi, nr, union", [("x86_64", 247, 16), ("i386", 284, 12)])
def test_waitid_reads_the_siginfo_of_its_callers_abi(abi, nr, union):
    """An i386 caller gets compat_siginfo, whose union (si_pid, si_uid, si_status) starts
    at 12, not 16: read at 16, the reaper's uid would pass for the dead pid."""
    busy = replace(entry(CHILD, 0, 1), who=replace(CHILD, pid=1000, tid=1000))
    call = [entry(PARENT, 247, 2), exit_(PARENT, 0, 3, mem=siginfo(1, 90, 3, union=union))]
    if abi == "i386":
        call = [as_i386(ev) for ev in call]
    items = both([busy, *call])
    assert shape(items) == [("end", 90, None, 3, True, True, False), ("call", 85, nr, True)]


def test_a_waiting_death_costs_no_python_call_per_record():
    p = Counting(vcpus=2)
    busy = [
        e for i in range(50) for e in (entry(PARENT, 39, 10 + 2 * i), exit_(PARENT, 85, 11 + 2 * i))
    ]
    p.feed_batch([entry(CHILD, 0, 1, vcpu=1), *reap(CHILD, SIGKILL_STATUS, 3), *busy])
    assert p.calls == 1 and p.dying  # the reap; vCPU 1 has not gone past it
    items = p.feed_batch([entry(PARENT, 39, 200, vcpu=1)])
    assert p.calls == 2 and not p.dying
    assert shape(items)[:2] == [("call", 90, 0, False), ("end", 90, 9, None, False, False, False)]


def test_a_thread_whose_task_struct_runs_another_thread_ends_unfinished_with_a_note():
    reused = TaskInfo(task=CHILD.task, cr3=0x3000, pid=95, tid=95)
    items = both(
        [entry(CHILD, 0, 1), entry(PARENT, 39, 2), exit_(PARENT, 85, 3), entry(reused, 0, 4)]
    )
    assert shape(items) == [
        ("call", 85, 39, True),
        ("call", 90, 0, False),
        ("end", 90, None, None, False, False, True),
    ]
    assert "task_struct" in items[2].why and items[2].ts == 4
    p = Pairer()
    for ev in [entry(CHILD, 0, 1, seq=1), entry(reused, 0, 4, seq=1)]:
        p.feed(ev)
    assert list(p.pending) == [(CHILD.task, 95)] and list(p.seqs) == [(CHILD.task, 95)]
    assert p.counts.evicted == 0


def test_with_two_vcpus_a_reused_task_struct_waits_for_the_old_threads_records():
    reused = TaskInfo(task=CHILD.task, cr3=0x3000, pid=95, tid=95)
    # the old thread's read returned on vCPU 1 before it died; vCPU 0's batch comes first
    items = both(
        [
            entry(CHILD, 0, 1, vcpu=1),
            entry(reused, 0, 4, vcpu=0),
            exit_(CHILD, 7, 2, vcpu=1),
            entry(PARENT, 39, 5, vcpu=1),
        ],
        vcpus=2,
    )
    assert shape(items) == [("call", 90, 0, True)] and items[0].ret == 7


def test_past_the_limit_of_waiting_deaths_the_oldest_is_settled_and_counted():
    other = TaskInfo(task=0xFFFF8880004000, cr3=0x4000, pid=91, tid=91)
    events = [
        entry(CHILD, 0, 1, vcpu=1),
        entry(other, 0, 2, vcpu=1),
        *reap(CHILD, SIGKILL_STATUS, 3),
        *reap(other, SIGKILL_STATUS, 5),
    ]
    items = both(events, vcpus=2, limits=Limits(dying=1))
    assert shape(items) == [
        ("call", 85, 61, True),
        ("call", 85, 61, True),
        ("call", 90, 0, False),
        ("end", 90, 9, None, False, False, False),
        ("end", 90, 9, None, True, True, False),
    ]
    p = Pairer(vcpus=2, limits=Limits(dying=1))
    for ev in events:
        p.feed(ev)
    assert p.counts.evicted == 1 and [d.pid for d in p.dying] == [91]


def test_execve_from_a_thread_that_is_not_the_leader_is_no_death():
    # de_thread(): the exec'ing thread (tid 91) takes the leader's pid on its own
    # task_struct; its next entry (tid 90) may come before its execve's exit (SMP)
    thread = TaskInfo(task=0xFFFF8880003000, cr3=0x2000, pid=90, tid=91)
    leader_now = TaskInfo(task=thread.task, cr3=0x3000, pid=90, tid=90)
    items = both(
        [
            entry(thread, 59, 1, seq=1),
            entry(leader_now, 1, 3, seq=1),
            exit_(thread, 0, 2, seq=2),
            exit_(leader_now, 7, 4, seq=2),
        ]
    )
    assert shape(items) == [("call", 91, 59, True), ("call", 90, 1, True)]


def test_another_thread_on_a_reused_task_struct_is_a_death():
    thread = TaskInfo(task=0xFFFF8880003000, cr3=0x2000, pid=90, tid=91)
    stranger = TaskInfo(task=thread.task, cr3=0x3000, pid=120, tid=120)
    items = both(
        [entry(thread, 0, 1, seq=1), entry(stranger, 39, 3, seq=1), exit_(stranger, 120, 4, seq=2)]
    )
    assert ("end", 91, None, None, False, False, True) in shape(items)


def test_waitid_with_wnowait_reaps_nothing():
    from vmstrace.trace.pairing import reaped

    wnowait = 0x01000000
    for options, dead in ((4, True), (4 | wnowait, False)):  # WEXITED
        e = entry(PARENT, 247, 1, args=(1, 90, 0x7FFC1000, options, 0, 0))
        x = exit_(PARENT, 0, 2, mem=siginfo(2, 90, 9))  # CLD_KILLED by SIGKILL
        assert (reaped(Syscall(e, x)) is not None) is dead
