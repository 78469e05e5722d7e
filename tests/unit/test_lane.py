"""The compiled lane (_decoder.Lane) against the Python path it stands in for.

pipeline.Emitter hands the ordinary calls of a batch to its _decoder.Lane and runs the Python
reference (ProcessTree.wants, Decoder.__call__, the notes) for the rest; with
compiled=False it runs the reference for every call.  Both must write the same events and
notes, in the same order and batches, and leave the process tree and the decoder in the
same state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import struct
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import pytest
from blobs import in_place
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vmstrace import _decoder, decode
from vmstrace.core.abi import ARG_EXE, ARG_SIGFRAME, FRAME_RAX, FRAME_RIP
from vmstrace.core.events import (
    NO_MEM,
    EndEvent,
    Insn,
    Mem,
    Note,
    RawEntry,
    RawExit,
    Syscall,
    TaskInfo,
    ThreadEnd,
    TraceCounts,
    TraceEvent,
)
from vmstrace.decode import args, fdpath, files
from vmstrace.decode.registry import TEMPLATES, Arg
from vmstrace.host import GuardedSink, Outputs, Stop
from vmstrace.pipeline import MAX_EXES, NOTED, VALUE_TEXTS, Decoder, Emitter
from vmstrace.sinks.base import Sink
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.text import TextSink
from vmstrace.trace.attribution import LAUNCHER, ProcessTree
from vmstrace.trace.filters import EVERY_CALL, STATUSES, CallFilter, SyscallSet
from vmstrace.trace.outcome import OBSERVED

PC = 0x401000


class Collect(Sink):
    """Every batch, event and note, in order."""

    def __init__(self) -> None:
        self.kept: list[object] = []

    def event(self, ev: TraceEvent) -> None:
        self.kept.append(ev)

    def events(self, evs: list[TraceEvent]) -> None:
        self.kept.append(("batch", len(evs)))
        self.kept.extend(evs)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        self.kept.append(("note", tid, text, comm))

    def end(self, ev: EndEvent) -> None:
        self.kept.append(("end", ev))

    def flush(self) -> None:
        pass

    def close(self, counts: TraceCounts) -> None:
        pass


def _lane(calls: object, start: int, evs: list, tree: ProcessTree, dec: Decoder, **given) -> int:
    """The emitter's compiled lane over ``calls`` (``given``: arguments replaced)."""
    return _make_lane(tree, dec, **given).run(calls, start, evs)  # type: ignore[arg-type]


def _read_in_place(call: Syscall) -> Syscall:
    """The call with its reads as the record reader hands them on (Blobs, read in place
    by the lane): the lane's text must not depend on which."""
    entry = dataclasses.replace(call.entry, mem=in_place(call.entry.mem))
    x = call.exit
    return Syscall(entry, None if x is None else dataclasses.replace(x, mem=in_place(x.mem)))


def _make_lane(tree: ProcessTree, dec: Decoder, **given) -> _decoder.Lane:
    args = dict(
        events=dec.events,
        pids=tree.pids,
        trace_all=tree.trace_all,
        opts=dec.opts,
        exes=dec.exes,
        thread_fields=dec.thread_fields,
        exe_named=fdpath.describe_walk,
        plans=dec.plans.cache,
        forks=tree.forks,
        execs=tree.execs,
        failure_text=decode.failure_text,
        errno_name=decode.errno_name,
        success_text=decode.success_text,
        noted=NOTED,
        observed=OBSERVED,
        observe=lambda call, name: None,
        value_texts=VALUE_TEXTS,
        calls=frozenset(),
        inverted=True,
        statuses=frozenset(STATUSES),
        args_for=dec.args_for,
    )
    return _decoder.Lane(**(args | given))  # type: ignore[arg-type]


def _task(pid: int, ppid: int, comm: str = "work") -> TaskInfo:
    return TaskInfo(
        task=0xFFFF888000000000 + pid * 0x1000,
        cr3=0x10000 + pid * 0x2000,
        pid=pid,
        tid=pid,
        ppid=ppid,
        comm=comm,
        uid=0,
        euid=0,
        start_time=pid * 1000,
    )


# the launcher (10), the command (10 after its exec), its children 11 and 12, a
# grandchild 13, and processes the tree never takes (1: init, 50: another program)
TASKS = [
    _task(10, 1, "vmstrace-exec"),
    _task(10, 1),
    _task(11, 10),
    _task(12, 10),
    _task(13, 11),
    _task(1, 0, "init"),
    _task(50, 1, "other"),
    TaskInfo(task=0, cr3=0x5000),
    TaskInfo(task=0xFFFF888000777000, cr3=0x6000, pid=None),
    # a thread of 12 whose start time was not read, on an address space with PCID bits
    TaskInfo(task=0xFFFF888000778000, cr3=0x7ABC, pid=12, tid=14, ppid=10, comm="thr", uid=7),
]

STRINGS = [
    b"/etc/hostname\0",
    b"\0",
    b"a\tb\xff\x01c" * 9 + b"\0",
    LAUNCHER.encode() + b"\0",
    "pâté".encode() + b"\0",
    b"no nul at all",
]
WORDS = [0, 1, 3, 0xFFFFFF9C, 0x7FFC1000, 0xFFFFFFFFFFFFFFFF, 2**63, 0x80000000, 24]
RETS = [
    0,
    3,
    24,
    2**64 - 2,
    2**64 - 4095,
    2**64 - 4096,
    2**64 - 512,
    0x7F0000001000,
    2**63,
    2**32 - 1,
    11,
    12,
    13,
]
# x86_64 and i386 numbers: plain, paths, buffers, forks, execs, exits, a signal return,
# socketcall, and numbers without a name or a template
NRS = {
    "x86_64": [
        0,
        1,
        3,
        12,
        2,
        257,
        262,
        9,
        10,
        218,
        273,
        334,
        302,
        89,
        318,
        61,
        39,
        110,
        56,
        57,
        435,
        59,
        15,
        231,
        60,
        13,
        72,
        16,
        500,
        335,
    ],
    "i386": [3, 4, 6, 45, 102, 2, 11, 1, 252, 119, 500],
}


def _frame(ret: int) -> Mem:
    data = bytearray(FRAME_RIP + 8)
    data[FRAME_RAX : FRAME_RAX + 8] = ret.to_bytes(8, "little")
    data[FRAME_RIP : FRAME_RIP + 8] = (PC + 2).to_bytes(8, "little")
    return Mem(0x7FF000, bytes(data))


def _mem(draw: st.DrawFn) -> dict[int, Mem]:
    mem = {}
    for arg in draw(st.lists(st.integers(0, 5), max_size=3)):
        data = draw(st.sampled_from(STRINGS))
        mem[arg] = Mem(
            0x7FFC1000 + arg,
            data,
            fault=draw(st.booleans()) and not data[:1],
            truncated=draw(st.booleans()),
        )
    return mem


def _walk(names: list[bytes]) -> Mem:
    """A file's names as the plugin reads them walking up its dentries (fdpath.py)."""
    data = fdpath.HEADER.pack(12, 0o100755, 0xEF53, len(names), 0)
    for n in names:
        data += struct.pack("<H", len(n)) + n
    return Mem(0xFFFF888000001000, data)


def _exec(ts: int, who: TaskInfo, path: str) -> Syscall:
    entry = RawEntry(
        ts,
        0,
        "x86_64",
        Insn.SYSCALL,
        PC,
        0x7FFC0000,
        59,
        (0x7FFC1000,) * 6,
        who,
        {0: Mem(0x7FFC1000, path.encode() + b"\0")},
    )
    return Syscall(entry, RawExit(ts, 0, "x86_64", Insn.SYSRETQ, 0, 0, 59, who, user_pc=PC + 2))


# the tree's start: the launcher's exec, then the command's
STARTED = [_exec(0, TASKS[0], LAUNCHER), _exec(0, TASKS[1], "/bin/work")]


@st.composite
def calls(draw: st.DrawFn) -> list[Syscall]:
    out = list(STARTED) if draw(st.booleans()) else []
    for ts in range(draw(st.integers(0, 30))):
        if draw(st.integers(0, 7)) == 0:  # a thread's or a process's end, as pairing makes it
            pid = draw(st.sampled_from([10, 11, 12, 13, 50, None]))
            process = draw(st.booleans())
            out.append(
                ThreadEnd(
                    ts,
                    TaskInfo(task=0, cr3=0, pid=pid, tid=pid),
                    draw(st.sampled_from([None, 9])),
                    draw(st.sampled_from([None, 0, 3])),
                    draw(st.sampled_from([None, "vmstrace: gone"])),
                    process=process,
                    quiet=process and draw(st.booleans()),
                )
            )
            continue
        abi = draw(st.sampled_from(["x86_64", "x86_64", "i386"]))
        nr = draw(st.sampled_from(NRS[abi]))
        who = draw(st.sampled_from(TASKS))
        if draw(st.integers(0, 4)) == 0:  # an equal TaskInfo, but another object
            who = dataclasses.replace(who)
        args = tuple(draw(st.sampled_from(WORDS)) for _ in range(6))
        entry = RawEntry(
            ts,
            0,
            abi,
            Insn.SYSCALL if abi == "x86_64" else Insn.INT80,
            PC,
            0x7FFC0000,
            nr,
            args,
            who,
            _mem(draw),
        )  # type: ignore[arg-type]
        if draw(st.booleans()):  # the reads as the reader hands them on (in place)
            entry = dataclasses.replace(entry, mem=in_place(entry.mem))
        kind = draw(st.sampled_from(["plain"] * 6 + ["none", "frame", "exe", "launcher", "fork"]))
        if kind == "none":
            out.append(Syscall(entry, None))
            continue
        ret = draw(st.sampled_from(RETS))
        xmem = _mem(draw)
        if kind == "frame":
            xmem[ARG_SIGFRAME] = _frame(ret)
        elif kind == "exe":  # the new program's file, as the plugin walks it (or junk)
            xmem[ARG_EXE] = draw(
                st.sampled_from([_walk([b"work", b"bin"]), _walk([b"ls", b"bin", b"usr"])])
                | st.builds(Mem, st.just(0), st.binary(max_size=48))
            )
        elif kind == "fork":  # by the command or a child: the tree takes the new pid
            who = draw(st.sampled_from(TASKS[1:5]))
            entry = dataclasses.replace(entry, nr=56 if abi == "x86_64" else 2, who=who)
            ret = draw(st.sampled_from([3, 11, 12, 13, 2**64 - 11]))
        elif kind == "launcher":
            entry = dataclasses.replace(
                entry,
                nr=59 if abi == "x86_64" else 11,
                mem={0: Mem(0x7FFC1000, LAUNCHER.encode() + b"\0")},
            )
            ret = 0
        if draw(st.booleans()):
            xmem = in_place(xmem)  # type: ignore[assignment]
        out.append(
            Syscall(
                entry,
                RawExit(
                    ts,
                    0,
                    abi,
                    Insn.SYSRETQ,
                    0xFFFFFFFF81000000,
                    ret,
                    entry.nr,
                    who,
                    xmem,
                    sp=0x7FFC0000,
                    user_pc=PC + 2,
                ),
            )
        )
    return out


def _emit(
    calls: list[Syscall],
    compiled: bool,
    decoder: Decoder,
    trace_all: bool,
    cuts: int,
    filt: CallFilter = EVERY_CALL,
) -> tuple[list[object], ProcessTree, Decoder, int, dict[str, object]]:
    sink = Collect()
    tree = ProcessTree(trace_all=trace_all)
    out = Emitter(tree, decoder, [sink], filt, compiled=compiled)
    assert (out.lane is not None) is compiled
    for i in range(0, len(calls), cuts):
        out.emit(calls[i : i + cuts])
    return sink.kept, tree, decoder, out.shown, vars(out.outcome)


DECODERS = [
    lambda: Decoder(32),
    lambda: Decoder(8, decode_fds=True),
    lambda: Decoder(32, raw=True),
    # sinks that read no arguments (-c), or only some calls' (--tree)
    lambda: Decoder(32, args_for=frozenset()),
    lambda: Decoder(32, args_for=frozenset({"execve", "read", "openat"})),
]
# -e trace= and -e status=
FILTERS = [
    EVERY_CALL,
    CallFilter(SyscallSet(frozenset({("x86_64", 0), ("x86_64", 257), ("i386", 3)}), False)),
    CallFilter(SyscallSet(frozenset({("x86_64", 1), ("x86_64", 12)}), True)),
    CallFilter(statuses=frozenset({"failed"})),
    CallFilter(statuses=frozenset({"successful", "unfinished"})),
    CallFilter(SyscallSet(frozenset({("x86_64", 2)}), False), frozenset({"successful"})),
]


@settings(max_examples=500, deadline=None)
@given(
    calls(),
    st.sampled_from(DECODERS),
    st.booleans(),
    st.integers(1, 9),
    st.sampled_from(FILTERS),
)
def test_the_lane_writes_what_the_python_path_writes(batch, make, trace_all, cuts, filt):
    got, tree, dec, shown, outcome = _emit(batch, True, make(), trace_all, cuts, filt)
    want, ref_tree, ref_dec, ref_shown, ref_outcome = _emit(
        batch, False, make(), trace_all, cuts, filt
    )
    assert got == want
    assert shown == ref_shown
    assert (tree.root, tree.started, tree.pids) == (ref_tree.root, ref_tree.started, ref_tree.pids)
    assert dec.exes == ref_dec.exes
    assert outcome == ref_outcome  # the command's end: the lane leaves its calls to Python


def _ordinary() -> list[Syscall]:
    who = TASKS[1]
    entry = RawEntry(
        1,
        0,
        "x86_64",
        Insn.SYSCALL,
        PC,
        0x7FFC0000,
        257,
        (0xFFFFFF9C, 0x7FFC1000, 0x80000, 0, 0, 0),
        who,
        {1: Mem(0x7FFC1000, b"/etc/hostname\0")},
    )
    exits = [
        RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret, 257, who, user_pc=PC + 2)
        for ret in (3, 2**64 - 2)
    ]
    brk = RawEntry(3, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 12, (0,) * 6, who)
    for nr in (257, 12, 39):  # their plans made (a call without its plan goes to Python)
        decode.plan_for("x86_64", nr)
    return [
        Syscall(entry, exits[0]),
        Syscall(entry, exits[1]),
        Syscall(brk, None),
        Syscall(dataclasses.replace(brk, nr=39), exits[0]),
    ]


def test_the_lane_takes_ordinary_calls_itself():
    """Not a test that passes because the lane never runs: it decodes these alone."""
    batch, evs, dec = _ordinary(), [], Decoder(32)
    assert _lane(batch, 0, evs, ProcessTree(trace_all=True), dec) == len(batch)
    ref = Decoder(32)
    assert evs == [ref(call) for call in batch]
    opened = ("AT_FDCWD", '"/etc/hostname"', "O_RDONLY|O_CLOEXEC")
    assert [ev.args for ev in evs[:2]] == [opened, opened]
    assert [ev.ret_text for ev in evs] == ["3", "-1 ENOENT (No such file or directory)", "?", "3"]
    # brk(PTR) = address: what the plan tells the lane to print itself
    brk = decode.plan_for("x86_64", 12)
    assert brk.plain == (args.PLAIN_KINDS[args.PTR.render],) and brk.ret_hex
    # openat: its dirfd and path printed by the lane, its flags and mode by Python, their
    # texts kept (the mode's with the flags' register: it is shown as they say)
    plan = decode.plan_for("x86_64", 257)
    kinds = [args.PLAIN_KINDS[r] for r in (args.DIRFD.render, args._path, files.OFLAGS.render)]
    assert plan.plain == (*kinds, args.PLAIN_KINDS[plan.renders[3]])
    assert plan.plain[3] == kinds[2] | 3 << 8


def test_a_register_only_text_is_rendered_once_per_value(monkeypatch):
    """The flags of the same value again: the text the renderer gave, without calling it."""
    seen: list[int] = []

    def flags(c: object, i: int) -> str:
        seen.append(c.args[i])  # type: ignore[attr-defined]
        return f"F{c.args[i]}"  # type: ignore[attr-defined]

    args.register_only(Arg(flags))
    _with_renderer(monkeypatch, 2, flags)
    batch = _ordinary()
    again = dataclasses.replace(batch[0].entry, args=(0xFFFFFF9C, 0x7FFC1000, 0x241, 0, 0, 0))
    batch += [Syscall(again, batch[0].exit), Syscall(again, batch[0].exit)]
    evs: list[TraceEvent] = []
    assert _lane(batch, 0, evs, ProcessTree(trace_all=True), Decoder(32)) == len(batch)
    assert [ev.args[2] for ev in evs if ev.name == "openat"] == ["F524288"] * 2 + ["F577"] * 2
    assert seen == [0x80000, 0x241]
    args.PLAIN_KINDS.pop(flags)


def test_a_kept_text_that_depends_on_another_register_is_kept_with_it():
    """open's mode is shown when its flags create: the same mode after other flags."""
    first = _ordinary()[0]
    batch = [
        Syscall(
            dataclasses.replace(first.entry, args=(0xFFFFFF9C, 0x7FFC1000, flags, 0o644, 0, 0)),
            first.exit,
        )
        for flags in (0x241, 0, 0x241, 0x40)
    ]
    evs: list[TraceEvent] = []
    assert _lane(batch, 0, evs, ProcessTree(trace_all=True), Decoder(32)) == len(batch)
    assert evs == [Decoder(32)(call) for call in batch]
    assert [len(ev.args) for ev in evs] == [4, 3, 4, 4]


# Every renderer kept by register value (args.register_only), with the place it has in a
# call's template and the register its text may also depend on: what the lane keeps by.
_K_REG = 14
REGISTER_ONLY = sorted(
    {
        (name, i, code >> 8)
        for name, template in TEMPLATES.items()
        for i, arg in enumerate(template.args)
        if (code := args.PLAIN_KINDS.get(arg.render, 0)) & 0xFF == _K_REG
    }
)
# (values that choose a branch: a level, a family, a device's mode, AT_FDCWD, a code)
_SOME_REG = st.sampled_from([0, 1, 2, 3, 6, 10, 16, 0x241, 0o20666, 0o60660, 0o100644])
_SOME_REG |= st.sampled_from([0xFFFFFF9C, 0x7FFC1000, 0x1003]) | st.integers(0, 2**64 - 1)


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(REGISTER_ONLY),
    st.tuples(*[_SOME_REG] * 6),
    st.tuples(*[_SOME_REG] * 6),
    st.sampled_from(["x86_64", "i386"]),
    st.tuples(*[st.sampled_from([None, 0, 3, 2**64 - 2])] * 2),
    st.tuples(*[st.none() | st.builds(Mem, st.just(0x7FFC1000), st.binary(max_size=64))] * 2),
    st.booleans(),
)
def test_a_register_only_renderer_reads_its_registers_alone(
    where, regs, others, abi, rets, mems, raw
):
    """A renderer marked register_only gives the same text whatever else the call holds:
    the other registers (but the one it is kept with), the ABI, the return, the memory.
    The lane keeps its text by those registers; one that read more would print a kept
    text that is wrong."""
    name, i, also = where
    render = TEMPLATES[name].args[i].render
    keep = {i} | ({also - 1} if also else set())
    texts = set()
    for k, (ret, mem) in enumerate(zip(rets, mems, strict=True)):
        values = tuple(regs[j] if j in keep or k == 0 else others[j] for j in range(6))
        entry = RawEntry(
            1, 0, "x86_64" if k == 0 else abi, Insn.SYSCALL, PC, 0, 3, values, TASKS[1]
        )
        exit = None if ret is None else RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret, 3, TASKS[1])
        if mem is not None:
            entry.mem[i] = mem  # type: ignore[index]
            if exit is not None:
                exit.mem[i] = mem  # type: ignore[index]
        c = decode.fmt.Ctx(Syscall(entry, exit), decode.DecodeOptions(raw=raw))
        texts.add(render(c, i))
    assert len(texts) == 1, (name, i, texts)


def test_the_lane_leaves_to_python_what_needs_it():
    """An exec of a process the tree does not know, which may start the command."""
    batch = _ordinary()
    execve = Syscall(dataclasses.replace(batch[0].entry, nr=59), batch[0].exit)
    evs: list[TraceEvent] = []
    assert _lane([*batch, execve], 0, evs, ProcessTree(), Decoder(32)) == len(batch)
    assert evs == []


def test_the_lane_puts_an_exits_line_after_its_call():
    """exit_group: the lane makes its event and a Note of its "+++ exited" line after it
    (the code's low byte, as Emitter._notes writes it) and goes on; of a process outside
    the trace, it makes nothing, no line either."""
    batch = _ordinary()
    exit_group = Syscall(dataclasses.replace(batch[0].entry, nr=231), None)
    calls = [*batch, exit_group, *batch]
    evs: list[TraceEvent | Note] = []
    dec = Decoder(32)
    dec.plans.get("x86_64", 231)  # (a call whose plan is not made yet is Python's)
    lane = _make_lane(ProcessTree(trace_all=True), dec)
    assert lane.run(calls, 0, evs) == len(calls) and lane.notes == 1  # type: ignore[arg-type]
    who = exit_group.entry.who
    code = exit_group.entry.args[0] & 0xFF
    made = [Decoder(32)(call) for call in calls]
    assert evs == [*made[:5], Note(who.tid, f"+++ exited with {code} +++", who.comm), *made[5:]]
    assert lane.run(calls, len(calls) - 1, evs) == len(calls) and lane.notes == 0  # type: ignore[arg-type]
    outside = _make_lane(ProcessTree(), Decoder(32))
    evs.clear()
    assert outside.run(calls, 0, evs) == len(calls) and outside.notes == 0  # type: ignore[arg-type]
    assert evs == []


@pytest.mark.parametrize("compiled", [True, False])
def test_an_exits_line_follows_its_call_in_every_sink(compiled):
    """Both paths write the same text and JSON lines (also through a run's GuardedSink),
    and a sink that takes no Notes in a batch gets the batch cut there and the line as a
    note(), as on the Python path."""
    batch = _ordinary()
    entry = dataclasses.replace(batch[0].entry, nr=231, args=(0x1FF, 0, 0, 0, 0, 0))
    calls = [*batch, Syscall(entry, None), *batch]
    text, jsonl, collect = io.StringIO(), io.StringIO(), Collect()
    guarded = GuardedSink(JsonSink(jsonl), Outputs(Stop()))
    assert guarded.takes_notes
    sinks = [TextSink(text), guarded, collect]
    dec = Decoder(32)
    dec.plans.get("x86_64", 231)  # (a call whose plan is not made yet is Python's)
    emitter = Emitter(ProcessTree(trace_all=True), dec, sinks, compiled=compiled)  # type: ignore[list-item]
    python_notes, write_notes = [], emitter._notes
    emitter._notes = lambda *a: python_notes.append(a) or write_notes(*a)  # type: ignore[method-assign,func-returns-value]
    emitter.emit(calls)
    assert len(python_notes) == (0 if compiled else 1)  # the lane's Note, not the loop's
    assert emitter.shown == len(calls)
    assert text.getvalue().splitlines()[5] == "[pid 10] +++ exited with 255 +++"
    assert json.loads(jsonl.getvalue().splitlines()[5]) == {
        "type": "note", "tid": 10, "comm": "work", "text": "+++ exited with 255 +++"
    }  # fmt: skip
    assert [k for k in collect.kept if isinstance(k, tuple)] == [
        ("batch", 5), ("note", 10, "+++ exited with 255 +++", "work"), ("batch", 4)
    ]  # fmt: skip


def test_a_process_end_that_prints_nothing_is_the_lanes_and_ends_the_process():
    """A quiet end (the pairing's, of a process that exited outside a call) takes its pid
    out of the tree and the executables, in the lane, as Emitter._end does; one that prints
    a line is the Python loop's."""
    child = TASKS[2]  # pid 11, a child of the command
    call = _ordinary()[0]
    run_it = Syscall(
        dataclasses.replace(call.entry, who=child),
        dataclasses.replace(call.exit, who=child, mem={ARG_EXE: _walk([b"kid", b"bin"])}),
    )
    end = ThreadEnd(9, TaskInfo(task=0, cr3=0, pid=11, tid=11), status=0, process=True, quiet=True)
    killed = dataclasses.replace(end, signal=9, status=None, quiet=False)
    for compiled in (True, False):
        tree, dec = ProcessTree(), Decoder(32)
        emitter = Emitter(tree, dec, [Collect()], compiled=compiled)
        emitter.emit([*STARTED, run_it])
        assert dec.exes[11] == "/bin/kid" and 11 in tree.pids
        emitter.emit([end])
        assert 11 not in dec.exes and 11 not in tree.pids
    lane = _make_lane(ProcessTree(trace_all=True), Decoder(32))
    assert lane.run([end, killed], 0, []) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize("start", [0, 1, 10**18, 2**63 - 1, 2**63, 2**64 - 1, -5])
def test_a_threads_task_id_is_written_as_the_reference_writes_it(start):
    """The start time is guest memory (a u64; a hand-made TaskInfo may hold any int)."""
    call = _ordinary()[0]
    who = dataclasses.replace(TASKS[1], start_time=start, tid=2**31 - 1)
    calls = [
        Syscall(dataclasses.replace(call.entry, who=who), dataclasses.replace(call.exit, who=who))
    ]
    evs: list[TraceEvent] = []
    assert _lane(calls, 0, evs, ProcessTree(trace_all=True), Decoder(32)) == 1
    assert evs == [Decoder(32)(calls[0])] and evs[0].task_id == f"{start}:{2**31 - 1}"


def test_an_execs_executable_is_named_by_its_own_walk_among_many():
    """The lane keeps the names of the walks it saw (EXE_MEMO slots): forty programs, each
    run twice in turn, two of whose walks name nothing (the executable known before
    stays), name each process's executable as the Python reference does."""
    call = _ordinary()[0]
    walks = [_walk([b"prog%d" % k, b"bin"]) for k in range(38)]
    walks += [Mem(0, b"junk"), Mem(0, b"")]
    calls = []
    for k, walk in enumerate(walks * 2):
        who = TaskInfo(task=0x1000 + k, cr3=0, pid=100 + k, tid=100 + k, ppid=1)
        x = dataclasses.replace(call.exit, who=who, mem={ARG_EXE: walk})
        calls.append(Syscall(dataclasses.replace(call.entry, who=who), x))
    for reads in (calls, [_read_in_place(c) for c in calls]):
        dec, evs = Decoder(32), []
        dec.exes[1] = "/sbin/init"
        assert _lane(reads, 0, evs, ProcessTree(trace_all=True), dec) == len(reads)
        ref = Decoder(32)
        ref.exes[1] = "/sbin/init"
        assert evs == [ref(c) for c in reads]
        assert dec.exes == ref.exes
        assert [e.exe for e in evs[:3]] == ["/bin/prog0", "/bin/prog1", "/bin/prog2"]
        assert evs[38].exe == evs[39].exe == "/sbin/init"


def test_the_guests_other_processes_cost_the_lane_no_event():
    """A call of a process outside the trace (neither in the tree nor a child of one in
    it) makes nothing, in the lane, before and after the command started, unless it is an
    exec; a child of a traced process joins the tree in Python."""
    batch = _ordinary()
    evs: list[TraceEvent] = []
    tree = ProcessTree()
    assert _lane(batch, 0, evs, tree, Decoder(32)) == len(batch)
    tree.started = True
    assert _lane(batch, 0, evs, tree, Decoder(32)) == len(batch)
    assert evs == [] and tree.pids == set()
    # an exec goes to ProcessTree.wants (it may be the launcher's), whatever else
    # watches execs from the Python loop
    for nr in (59, 322):
        execve = Syscall(dataclasses.replace(batch[0].entry, nr=nr), batch[0].exit)
        assert _lane([execve], 0, evs, ProcessTree(), Decoder(32)) == 0
    tree.pids.add(batch[0].entry.who.ppid)  # the first call of a child: wants() adds it
    assert _lane(batch[:1], 0, evs, tree, Decoder(32)) == 0


def _with_renderer(monkeypatch: pytest.MonkeyPatch, index: int, render: object) -> None:
    """openat's plan with its renderer ``index`` replaced (the Python path's render_all
    too: it calls the same renderers)."""
    plan = decode.plan_for("x86_64", 257)
    renders = list(plan.renders)
    renders[index] = render  # type: ignore[call-overload]
    monkeypatch.setitem(
        decode.PLANS.cache,
        ("x86_64", 257),
        dataclasses.replace(
            plan, renders=tuple(renders), render_all=decode._render_all(tuple(renders))
        ),
    )


def test_a_renderer_that_raises_goes_to_the_python_path(monkeypatch):
    """The Python path catches a decoder bug and prints raw arguments: so must the lane."""

    def broken(ctx: object, i: int) -> str:
        raise ValueError("a decoder bug")

    _with_renderer(monkeypatch, 1, broken)
    batch = _ordinary()
    assert _lane(batch, 0, [], ProcessTree(trace_all=True), Decoder(32)) == 0
    got, *_ = _emit(batch, True, Decoder(32), True, 4)
    want, *_ = _emit(batch, False, Decoder(32), True, 4)
    assert got == want
    assert got[1].args == ("0xffffff9c", "0x7ffc1000", "0x80000", "0")  # type: ignore[attr-defined]


def test_a_renderer_that_returns_no_text_goes_to_the_python_path(monkeypatch):
    _with_renderer(monkeypatch, 2, lambda c, i: 42)
    assert _lane(_ordinary(), 0, [], ProcessTree(trace_all=True), Decoder(32)) == 0


def test_a_keyboard_interrupt_in_a_renderer_is_not_swallowed(monkeypatch):
    def interrupted(ctx: object, i: int) -> str:
        raise KeyboardInterrupt

    _with_renderer(monkeypatch, 1, interrupted)
    with pytest.raises(KeyboardInterrupt):
        _lane(_ordinary(), 0, [], ProcessTree(trace_all=True), Decoder(32))


@contextlib.contextmanager
def _close_rendered_by(render: object) -> Iterator[None]:
    """close(fd)'s plan (one argument, a plain return) with ``render`` for its argument, on
    the lane's path and the Python one."""
    plan = decode.plan_for("x86_64", 3)
    renders = (render,)
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(
            decode.PLANS.cache,
            ("x86_64", 3),
            dataclasses.replace(plan, renders=renders, render_all=decode._render_all(renders)),  # type: ignore[arg-type]
        )
        yield


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2**64 - 1),
    st.sampled_from(sorted(args.PLAIN_KINDS.items(), key=lambda kv: kv[1])),
    st.booleans(),
)
def test_the_plain_numbers_print_as_their_python_renderers_print(value, kind, decode_fds):
    """Each register value through each plain kind: the lane's text is the renderer's."""
    render, _ = kind
    who = TASKS[1]
    entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 3, (value,) * 6, who)
    call = Syscall(entry, RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, 0, 3, who, user_pc=PC + 2))
    with _close_rendered_by(render):
        evs: list[TraceEvent] = []
        dec = Decoder(32, decode_fds=decode_fds)
        assert _lane([call], 0, evs, ProcessTree(trace_all=True), dec) == 1
        assert evs == [Decoder(32, decode_fds=decode_fds)(call)]


# the string and buffer kinds: a path, a string cut at -s, write's and read's buffers,
# getrandom's (every byte in hex)
MEMORY_KINDS = [args.PATH, args.STR, args.WBUF(2), args.WBUF(1, force_hex=True)]
MEMORY_KINDS += [args.RBUF(), args.RBUF(force_hex=True)]
BYTES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(STRINGS),
    st.binary(min_size=4094, max_size=4098),  # around PATH_MAX
    st.integers(4094, 4098).map(lambda n: b"/x" * (n // 2) + b"y" * (n % 2)),  # no NUL
    st.lists(st.sampled_from(b'\0\1\t\n7\x08"\\\x7f\xff08a'), max_size=40).map(bytes),
)
MEMS = st.none() | st.builds(
    Mem, st.just(0x7FFC1000), BYTES, fault=st.booleans(), truncated=st.booleans()
)


@settings(max_examples=600, deadline=None)
@example(4, 0, 0, None, None, 2**63 - 1, 0, False)  # (found by a CI run: the lane's bound)
@given(
    st.sampled_from(range(len(MEMORY_KINDS))),
    st.sampled_from([0, 0x7FFC1000]) | st.integers(0, 2**64 - 1),
    st.sampled_from([0, 1, 5, 32, 33, 4096, 2**64 - 1]) | st.integers(0, 2**64 - 1),
    MEMS,
    MEMS,
    st.none() | st.sampled_from([0, 3, 32, 33, 80, 4097, 2**64 - 2]) | st.integers(0, 2**64 - 1),
    st.sampled_from([0, 1, 4, 32, 4096]),
    st.booleans(),
)
def test_strings_and_buffers_print_as_their_python_renderers_print(
    which, addr, length, at_entry, at_exit, ret, strsize, read_in_place
):
    """Every string and buffer kind over memory read at entry, exit, both or never, faulted
    or cut, any -s and return: the lane's text is the renderer's, or the lane leaves it."""
    render = MEMORY_KINDS[which].render
    assert render in args.PLAIN_KINDS
    who = TASKS[1]
    regs = (addr, length, length, 0, 0, 0)
    entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 3, regs, who)
    if at_entry is not None:
        entry.mem[0] = at_entry
    exit = None
    if ret is not None:
        exit = RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret, 3, who, user_pc=PC + 2)
        if at_exit is not None:
            exit.mem[0] = at_exit
    if read_in_place:  # as the reader hands them on
        entry = dataclasses.replace(entry, mem=in_place(entry.mem))
        if exit is not None:
            exit = dataclasses.replace(exit, mem=in_place(exit.mem))
    call = Syscall(entry, exit)
    with _close_rendered_by(render):
        evs: list[TraceEvent] = []
        taken = _lane([call], 0, evs, ProcessTree(trace_all=True), Decoder(strsize))
        assert evs == [Decoder(strsize)(call)][:taken]
    # left to Python only: a read "returning" a negative length that is no error, or
    # 2**63 - 1 (the lane's bound on a length it slices by)
    left = which >= 4 and call.ret is not None and (call.ret < -4095 or call.ret == 2**63 - 1)
    assert taken == (0 if left else 1)


@pytest.mark.parametrize("at", range(17))
def test_every_byte_anywhere_in_a_run_is_quoted_as_the_renderer_quotes_it(at):
    """The lane tests a string's bytes eight at a time: each byte value at each place of
    the first two words and the tail, inside a run of plain ones."""
    who = TASKS[1]
    for kind in (args.WBUF(2), args.PATH):
        for b in range(256):
            data = bytearray(b"abcdefgh" * 2 + b"x")
            data[at] = b
            entry = RawEntry(
                1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 3, (0x7FFC1000, 17, 17, 0, 0, 0), who
            )
            entry.mem[0] = Mem(0x7FFC1000, bytes(data) + b"\0")
            call = Syscall(entry, RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, 0, 3, who))
            with _close_rendered_by(kind.render):
                evs: list[TraceEvent] = []
                assert _lane([call], 0, evs, ProcessTree(trace_all=True), Decoder(32)) == 1
                assert evs == [Decoder(32)(call)], (kind, b)


STR_MEMS = st.builds(
    Mem,
    st.sampled_from([0, 0x7FFC2000]) | st.integers(0, 2**64 - 1),
    st.sampled_from(STRINGS) | st.binary(max_size=40),
    fault=st.booleans(),
    truncated=st.booleans(),
)
ARGV_MEMS = st.none() | st.builds(
    Mem,
    st.just(0x7FFC1000),
    st.binary(max_size=24),
    fault=st.booleans(),
    truncated=st.booleans(),
    elems=st.lists(STR_MEMS, max_size=6).map(tuple),
)
ENVP_MEMS = st.none() | st.builds(
    Mem,
    st.just(0x7FFC3000),
    st.lists(st.sampled_from([0, 1, 0x7FFC4000, 2**32, 2**64 - 1]), max_size=8).map(
        lambda ws: b"".join(w.to_bytes(8, "little") for w in ws)
    )
    | st.binary(max_size=30),
    fault=st.booleans(),
    truncated=st.booleans(),
)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["x86_64", "i386"]),
    st.tuples(*[st.sampled_from([0, 0x7FFC1000]) | st.integers(0, 2**64 - 1)] * 3),
    st.none() | STR_MEMS,
    st.none() | STR_MEMS,
    ARGV_MEMS,
    ARGV_MEMS,
    ENVP_MEMS,
    ENVP_MEMS,
    st.sampled_from([0, 2**64 - 2, None]),
    st.sampled_from([0, 1, 2, 4, 32]),
)
def test_execve_prints_as_its_python_renderers_print(
    abi, regs, path_in, path_out, argv_in, argv_out, envp_in, envp_out, ret, strsize
):
    """execve's program, argv and envp over reads at entry, from the new stack at exit,
    both or neither, faulted (an element too) or cut, either ABI, any -s: the lane's text
    is process.py's."""
    who = TASKS[1]
    nr = 59 if abi == "x86_64" else 11
    decode.plan_for(abi, nr)  # (the lane leaves a call whose plan is not made yet)
    entry = RawEntry(1, 0, abi, Insn.SYSCALL, PC, 0x7FFC0000, nr, (*regs, 0, 0, 0), who)
    exit = None
    if ret is not None:
        exit = RawExit(2, 0, abi, Insn.SYSRETQ, 0, ret, nr, who, user_pc=PC + 2)
    for i, (at_entry, at_exit) in enumerate(
        [(path_in, path_out), (argv_in, argv_out), (envp_in, envp_out)]
    ):
        if at_entry is not None:
            entry.mem[i] = at_entry  # type: ignore[index]
        if exit is not None and at_exit is not None:
            exit.mem[i] = at_exit  # type: ignore[index]
    call = Syscall(entry, exit)
    for c in (call, _read_in_place(call)):
        evs: list[TraceEvent] = []
        taken = _lane([c], 0, evs, ProcessTree(trace_all=True), Decoder(strsize))
        assert taken == 1
        assert evs == [Decoder(strsize)(call)]


def _stat_bytes(mode: int, rdev: int, size: int, length: int) -> bytes:
    """An x86-64 struct stat (asm/stat.h) with these fields, cut or padded to length."""
    d = bytearray(range(144))  # the other fields: anything
    d[24:28] = mode.to_bytes(4, "little")
    d[40:48] = rdev.to_bytes(8, "little")
    d[48:56] = size.to_bytes(8, "little", signed=True)
    return bytes(d[:length]).ljust(length, b"\x07")


STAT_MODES = st.sampled_from([0o100644, 0o40755, 0o20666, 0o60660, 0o120777, 0o10600])
STAT_MODES |= st.sampled_from([0o140755, 0o104755, 0o2000, 0, 0o170000]) | st.integers(0, 2**32 - 1)


@settings(max_examples=400, deadline=None)
@given(
    STAT_MODES,
    st.integers(0, 2**64 - 1),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([144, 143, 0, 200]),
    st.booleans(),
    st.sampled_from([0, 0x7FFC1000]),
    st.none() | st.sampled_from([0, 2**64 - 2, 2**64 - 4095, 2**64 - 4096, 5]),
    st.booleans(),
    st.booleans(),
)
def test_a_stat_struct_prints_as_its_python_renderer_prints(
    mode, rdev, size, length, fault, addr, ret, at_exit, raw
):
    """newfstatat's and fstat's struct through the lane (a device's by the renderer):
    any mode, a short or faulted read, a failure, no read at all, -X raw."""
    assert args.PLAIN_KINDS[files.STAT.render] & 0xFF == 15
    data = _stat_bytes(mode, rdev, size, length)
    _struct_prints_as_python(files.STAT.render, addr, ret, at_exit, data, fault, raw)


def _struct_prints_as_python(
    render: object, addr: int, ret: int | None, at_exit: bool, data: bytes, fault: bool, raw: bool
) -> None:
    """A call whose first argument ``render`` prints (close's plan, made so), returning
    ``ret`` (None: no return) with ``data`` read there at exit: the lane takes it and
    prints what the Python path prints."""
    who = TASKS[1]
    entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 3, (addr,) + (0,) * 5, who)
    exit = None
    if ret is not None:
        exit = RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret, 3, who, user_pc=PC + 2)
        if at_exit:
            exit.mem[0] = Mem(addr, data, fault=fault)
    call = Syscall(entry, exit)
    with _close_rendered_by(render):
        for c in (call, _read_in_place(call)):
            evs: list[TraceEvent] = []
            assert _lane([c], 0, evs, ProcessTree(trace_all=True), Decoder(32, raw=raw)) == 1
            assert evs == [Decoder(32, raw=raw)(call)]


def _statx_bytes(mask: int, attrs: int, mode: int, size: int, length: int) -> bytes:
    """A struct statx (linux/stat.h) with these fields, cut or padded to length."""
    d = bytearray(range(256))  # the other fields: anything
    d[0:4] = mask.to_bytes(4, "little")
    d[8:16] = attrs.to_bytes(8, "little")
    d[28:30] = mode.to_bytes(2, "little")
    d[40:48] = size.to_bytes(8, "little")
    return bytes(d[:length]).ljust(length, b"\x07")


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([0x7FF, 0x17FF, 0x3FFF, 0, 0x80000000]) | st.integers(0, 2**32 - 1),
    st.sampled_from([0, 0x20, 0x2000, 0x100000]) | st.integers(0, 2**64 - 1),
    STAT_MODES.map(lambda m: m & 0xFFFF),
    st.sampled_from([0, 4096, 2**63, 2**64 - 1]) | st.integers(0, 2**64 - 1),
    st.sampled_from([256, 255, 0, 300]),
    st.booleans(),
    st.sampled_from([0, 0x7FFC1000]),
    st.none() | st.sampled_from([0, 2**64 - 2, 2**64 - 4095, 5]),
    st.booleans(),
    st.booleans(),
)
def test_a_statx_struct_prints_as_its_python_renderer_prints(
    mask, attrs, mode, size, length, fault, addr, ret, at_exit, raw
):
    """statx's struct through the lane: any mask, attributes, mode and size, a short or
    faulted read, a failure, no read at all, -X raw."""
    assert args.PLAIN_KINDS[files.STATX.render] & 0xFF == 25
    data = _statx_bytes(mask, attrs, mode, size, length)
    _struct_prints_as_python(files.STATX.render, addr, ret, at_exit, data, fault, raw)


# The calls every process makes, whose renderers the lane prints itself (args.COMPILED_KINDS):
# prlimit64, getrlimit, setrlimit, wait4, clone, arch_prctl; i386's prlimit64, wait4 and
# waitpid share them.
PROC_CALLS = [
    ("x86_64", 302),
    ("x86_64", 97),
    ("x86_64", 160),
    ("x86_64", 61),
    ("x86_64", 56),
    ("x86_64", 158),
    ("i386", 340),
    ("i386", 114),
    ("i386", 7),
    ("x86_64", 217),
]
_U64S = st.sampled_from([0, 1, 1024, 1025, 8192 * 1024, 2**64 - 1, 2**64 - 1024])
_U64S |= st.integers(0, 2**64 - 1)
_WORDS = st.sampled_from([0, 0x7F, 0x137F, 0xFFFF, 0x100, 0x8B, 0x9, 0x1FF00]) | st.integers(
    0, 2**32 - 1
)
PROC_DATA = st.one_of(
    st.tuples(_U64S, _U64S).map(lambda v: v[0].to_bytes(8, "little") + v[1].to_bytes(8, "little")),
    _WORDS.map(lambda w: w.to_bytes(4, "little")),
    _U64S.map(lambda v: v.to_bytes(8, "little")),
    st.binary(max_size=20),
    st.binary(min_size=32, max_size=40),  # (a struct rusage)
)
PROC_MEMS = st.builds(
    Mem, st.sampled_from([0x7FFC1000, 0]), PROC_DATA, fault=st.booleans(), at_exit=st.booleans()
)
# clone's flags as libc's fork and pthread_create pass them, with a pidfd, or anything;
# arch_prctl's codes (ARCH_SET_GS .. ARCH_GET_GS, ARCH_CET_STATUS), or anything
PROC_REG0 = st.sampled_from([0x1200011, 0x3D0F00, 0x1011, 0x11, 0x1001, 0x1002, 0x1003, 0x1004])
PROC_REG0 |= st.sampled_from([0x3001, 0x100001003]) | st.integers(0, 2**64 - 1)


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(PROC_CALLS),
    st.tuples(PROC_REG0, *[st.sampled_from([0, 0x7FFC1000]) | st.integers(0, 2**64 - 1)] * 4),
    # (the arguments read: 1 a status or an rlimit or arch_prctl's, 2 an rlimit or clone's
    # parent_tid, 3 an rlimit or a usage)
    st.lists(st.tuples(st.sampled_from([1, 1, 2, 3, 3, 0]), st.booleans(), PROC_MEMS), max_size=5),
    st.sampled_from([None, 0, 0, 5, 1234, 2**64 - 2, 2**64 - 10, 2**64 - 4096]),
    st.booleans(),
)
def test_the_process_calls_print_as_their_python_renderers_print(call_nr, regs, mems, ret, raw):
    """prlimit64 and the rlimit calls, wait4 and waitpid, clone, arch_prctl: any register,
    any read at entry or exit (short, faulted, of another struct), a failure, nothing
    reaped, no return, -X raw: the lane's text is process.py's, and the lane prints it."""
    abi, nr = call_nr
    decode.plan_for(abi, nr)  # (the lane leaves a call whose plan is not made yet)
    who = TASKS[1]
    entry = RawEntry(1, 0, abi, Insn.SYSCALL, PC, 0x7FFC0000, nr, (*regs, 0), who)
    exit = None
    if ret is not None:
        exit = RawExit(2, 0, abi, Insn.SYSRETQ, 0, ret, nr, who, user_pc=PC + 2)
    for i, at_exit, mem in mems:
        if mem is None:
            continue
        if not at_exit:
            entry.mem[i] = mem  # type: ignore[index]
        elif exit is not None:
            exit.mem[i] = mem  # type: ignore[index]
    call = Syscall(entry, exit)
    for c in (call, _read_in_place(call)):
        evs: list[TraceEvent] = []
        taken = _lane([c], 0, evs, ProcessTree(trace_all=True), Decoder(32, raw=raw))
        assert taken == 1
        assert evs == [Decoder(32, raw=raw)(call)]


def _proc_call(abi: str, nr: int, regs: tuple[int, ...], ret: int | None, mems) -> Syscall:
    """A call of ``nr`` with these registers, return and reads ((arg, at exit, Mem))."""
    decode.plan_for(abi, nr)  # (the lane leaves a call whose plan is not made yet)
    who = TASKS[1]
    entry = RawEntry(1, 0, abi, Insn.SYSCALL, PC, 0x7FFC0000, nr, (*regs, 0, 0, 0, 0, 0)[:6], who)
    exit = None
    if ret is not None:
        exit = RawExit(2, 0, abi, Insn.SYSRETQ, 0, ret, nr, who, user_pc=PC + 2)
    for i, at_exit, mem in mems:
        if not at_exit:
            entry.mem[i] = mem  # type: ignore[index]
        elif exit is not None:
            exit.mem[i] = mem  # type: ignore[index]
    return Syscall(entry, exit)


def _lane_prints_it(call: Syscall, raw: bool) -> None:
    for c in (call, _read_in_place(call)):
        evs: list[TraceEvent] = []
        assert _lane([c], 0, evs, ProcessTree(trace_all=True), Decoder(32, raw=raw)) == 1
        assert evs == [Decoder(32, raw=raw)(call)]


def _read(data: st.SearchStrategy[bytes]) -> st.SearchStrategy[Mem]:
    """A read of these bytes (or of fewer), faulted or not."""
    cut = st.tuples(data, st.sampled_from([None] * 6 + [0, 3, 7])).map(lambda d: d[0][: d[1]])
    return st.builds(Mem, st.just(0x7FFC1000), cut, fault=st.booleans())


_RLIMS = st.sampled_from([0, 1, 1023, 1024, 1025, 2048, 8192 * 1024, 2**64 - 1, 2**64 - 1024])
RLIMS = st.one_of(_RLIMS, _RLIMS, _RLIMS, st.integers(0, 2**64 - 1))
RLIMIT_READ = _read(
    st.tuples(RLIMS, RLIMS).map(lambda v: b"".join(x.to_bytes(8, "little") for x in v))
)
PROC_RETS = st.sampled_from([None, 0, 0, 0, 4321, 4321, 2**64 - 2, 2**64 - 4095, 2**64 - 4096])
ADDRS = st.sampled_from([0x7FFC1000, 0x7FFC1000, 0x7FFC1000, 0])


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([("x86_64", 302, 2), ("x86_64", 302, 3), ("x86_64", 97, 1)])
    | st.sampled_from([("x86_64", 160, 1), ("i386", 340, 2), ("i386", 340, 3)]),
    st.sampled_from([0, 0x7FFC1000]),
    RLIMIT_READ,
    st.booleans(),
    PROC_RETS,
    st.booleans(),
)
def test_an_rlimit_prints_as_its_python_renderer_prints(which, addr, read, at_exit, ret, raw):
    """prlimit64's new and old limits, getrlimit's, setrlimit's: any values (infinity,
    multiples of 1024), a short or faulted read at entry or exit, a failure, -X raw."""
    abi, nr, i = which
    regs = [0, 3, 0, 0]
    regs[i] = addr
    _lane_prints_it(_proc_call(abi, nr, tuple(regs), ret, [(i, at_exit, read)]), raw)


@pytest.mark.parametrize("value", [0, 1, 1023, 1024, 1025, 2048, 8192 * 1024, 2**64 - 1])
@pytest.mark.parametrize("i", [2, 3])
@pytest.mark.parametrize("raw", [False, True])
def test_each_kind_of_rlimit_value_prints_as_the_python_renderer_prints(value, i, raw):
    """The values whose form differs (``N*1024`` past 1024, RLIM64_INFINITY, -X raw), as
    prlimit64's new limit and its old one."""
    data = value.to_bytes(8, "little") + (2**64 - 1 - value).to_bytes(8, "little")
    regs = [0, 3, 0, 0]
    regs[i] = 0x7FFC1000
    call = _proc_call("x86_64", 302, tuple(regs), 0, [(i, True, Mem(0x7FFC1000, data))])
    _lane_prints_it(call, raw)


WAIT_WORDS = st.sampled_from([0, 0x7F, 0x137F, 0xFFFF, 0x100, 0x8B, 0x9, 0x1FF00, 0x10000])
WAIT_WORDS |= st.integers(0, 2**32 - 1)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([("x86_64", 61), ("i386", 114), ("i386", 7)]),
    ADDRS,
    st.none() | _read(WAIT_WORDS.map(lambda w: w.to_bytes(4, "little"))),
    st.sampled_from([0, 0x7FFC2000]),
    st.none() | _read(st.binary(min_size=32, max_size=32)),
    PROC_RETS,
)
def test_a_wait_status_and_usage_print_as_their_python_renderers_print(
    call_nr, addr, status, usage_addr, usage, ret
):
    """wait4's and waitpid's status word (exited, killed, stopped, continued, core dumped,
    bits past them), nothing reaped (0), a failure; wait4's usage, shown for a reaped
    child."""
    abi, nr = call_nr
    mems = [(i, True, m) for i, m in ((1, status), (3, usage)) if m is not None]
    _lane_prints_it(_proc_call(abi, nr, (-1 & 0xFFFFFFFF, addr, 0, usage_addr), ret, mems), False)


@settings(max_examples=400, deadline=None)
@given(
    PROC_REG0,
    st.tuples(*[st.sampled_from([0, 0x7FFC1000]) | st.integers(0, 2**64 - 1)] * 4),
    st.none() | _read(st.integers(0, 2**32 - 1).map(lambda t: t.to_bytes(4, "little"))),
    PROC_RETS,
    st.booleans(),
)
def test_clone_prints_as_its_python_renderer_prints(flags, regs, parent_tid, ret, raw):
    """clone's fields in its order: the stack, the flags (libc's fork's and
    pthread_create's, anything), the parent's tid written or not, the TLS, the child's
    tid pointer; -X raw."""
    mems = [] if parent_tid is None else [(2, True, parent_tid)]
    _lane_prints_it(_proc_call("x86_64", 56, (flags, *regs), ret, mems), raw)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([0x1001, 0x1002, 0x1003, 0x1004, 0x3001, 0x100001003])
    | st.integers(0, 2**64 - 1),
    st.sampled_from([0, 0x7FFC1000]) | st.integers(0, 2**64 - 1),
    st.none() | _read(st.sampled_from([0, 0x7F0011223340]).map(lambda v: v.to_bytes(8, "little"))),
    PROC_RETS,
)
def test_arch_prctl_prints_as_its_python_renderer_prints(code, addr, read, ret):
    """arch_prctl's second argument: the address a GET_FS or GET_GS filled, else the value
    in hex."""
    mems = [] if read is None else [(1, True, read)]
    _lane_prints_it(_proc_call("x86_64", 158, (code, addr), ret, mems), False)


def _dirent_records(lengths: list[int]) -> bytes:
    """getdents' buffer: records of these lengths (d_reclen at offset 16; 0 ends the walk)."""
    out = bytearray()
    for n in lengths:
        rec = bytearray(max(n, 18))
        rec[16:18] = n.to_bytes(2, "little")
        out += rec[: max(n, 18)]
    return bytes(out)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([217, 78]),
    st.sampled_from([0x7FFC1000, 0x7FFC1000, 0]),
    st.none()
    | _read(
        st.lists(st.sampled_from([24, 32, 40, 0, 17, 19, 280, 1000]), max_size=12).map(
            _dirent_records
        )
    ),
    # (-4100: not an error; Python slices the bytes from their end)
    st.sampled_from([None, 0, 24, 48, 100, 1000, 2**63 - 1, 2**64 - 2, 2**64 - 4100]),
)
@example(217, 0x7FFC1000, Mem(0x7FFC1000, _dirent_records([1000] * 6)), 2**64 - 4100)
def test_getdents_counts_as_its_python_renderer_counts(nr, addr, read, ret):
    """getdents64's and getdents' records counted over the bytes returned (fewer than read,
    more, none), a zero or odd record length, a record past the end, a failure."""
    mems = [] if read is None else [(1, True, read)]
    _lane_prints_it(_proc_call("x86_64", nr, (3, addr, 32768), ret, mems), False)


XATTR_SIZES = st.sampled_from([0, 1, 3, 4, 5, 31, 32, 33, 100, 65536, 65537, 2**64 - 1])


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from([188, 189, 190, 191, 192, 193]),
    st.sampled_from([0x7FFC1000, 0x7FFC1000, 0]),
    XATTR_SIZES,
    st.none()
    | _read(
        st.sampled_from([b"abc\0", b"system_u:object_r:etc_t:s0\0", b"\xff\0\n", b"\0abc"])
        | st.binary(max_size=80)
    ),
    st.booleans(),
    st.sampled_from([None, 0, 3, 4, 33, 65537, 2**64 - 61, 2**64 - 5000]),
    st.sampled_from([0, 1, 4, 32]),
)
@example(191, 0x7FFC1000, 4, Mem(0x7FFC1000, b"\0abc"), True, 4, 1)  # (a NUL only)
def test_an_xattr_value_prints_as_its_python_renderer_prints(
    nr, addr, size, read, at_exit, ret, strsize
):
    """getxattr's value (of the return's size) and setxattr's (of the size argument): cut
    at -s, a last NUL left out, the address when too large or not read in full, a
    failure, a size of 0."""
    mems = [] if read is None else [(2, at_exit, read)]
    call = _proc_call("x86_64", nr, (0x7FFC2000, 0x7FFC3000, addr, size), ret, mems)
    evs: list[TraceEvent] = []
    taken = _lane([call], 0, evs, ProcessTree(trace_all=True), Decoder(strsize))
    ret_value = call.ret
    if nr >= 191 and ret_value is not None and ret_value < -4095:
        assert taken == 0  # (a negative size: the Python path's)
        return
    assert taken == 1
    assert evs == [Decoder(strsize)(call)]


def test_the_process_calls_renderers_are_the_lanes():
    """Each of PROC_CALLS has a renderer the lane prints (and no Python one left), so the
    test above compares the compiled text."""
    for abi, nr in PROC_CALLS:
        plan = decode.plan_for(abi, nr)
        assert plan is not None
        assert 0 not in plan.plain, (abi, nr, plan.name)


@settings(max_examples=200, deadline=None)
@given(st.integers(-(2**63), 2**64 - 1))
def test_an_address_returned_prints_as_ret_hex_prints_it(ret):
    who = TASKS[1]
    decode.plan_for("x86_64", 12)  # (the lane leaves a call whose plan is not made yet)
    entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 12, (0,) * 6, who)  # brk
    call = Syscall(
        entry, RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret & (2**64 - 1), 12, who, user_pc=PC + 2)
    )
    evs: list[TraceEvent] = []
    assert _lane([call], 0, evs, ProcessTree(trace_all=True), Decoder(32)) == 1
    assert evs == [Decoder(32)(call)]


def test_the_readers_shared_empty_mem_is_a_record_without_blobs():
    """The reader gives every record without blobs events.NO_MEM: the lane takes such calls
    as it takes them with an empty dict (a path argument then prints its address); another
    read-only mapping goes to the Python path."""
    who = TASKS[1]

    def call(nr: int, regs: tuple[int, ...], mem: Mapping[int, Mem]) -> Syscall:
        entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, nr, regs, who, mem)
        exit = RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, 3, nr, who, mem, user_pc=PC + 2)
        return Syscall(entry, exit)

    getpid, openat = (39, (0,) * 6), (257, (2**64 - 100, 0x7FFC1000, 0, 0, 0, 0))
    evs: list[TraceEvent] = []
    calls = [call(*getpid, NO_MEM), call(*openat, NO_MEM)]
    assert _lane(calls, 0, evs, ProcessTree(trace_all=True), Decoder(32)) == 2
    dec = Decoder(32)
    assert evs == [dec(call(*getpid, {})), dec(call(*openat, {}))]
    assert evs[1].args[1] == "0x7ffc1000"
    other = MappingProxyType({1: Mem(0x7FFC1000, b"/etc\0")})
    assert _lane([call(*openat, other)], 0, [], ProcessTree(trace_all=True), Decoder(32)) == 0


def test_a_read_only_mapping_that_cannot_say_its_size_goes_to_the_python_path():
    class Sizeless(dict):  # type: ignore[type-arg]
        def __len__(self) -> int:
            raise RuntimeError("no size")

    who = TASKS[1]
    mem = MappingProxyType(Sizeless())
    entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 39, (0,) * 6, who, mem)
    call = Syscall(entry, RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, 3, 39, who, user_pc=PC + 2))
    assert _lane([call], 0, [], ProcessTree(trace_all=True), Decoder(32)) == 0


def test_filters_and_other_types_run_the_python_path():
    tree, dec = ProcessTree(), Decoder(32)
    assert Emitter(tree, dec, []).lane is not None
    assert Emitter(tree, dec, [], CallFilter(pids=frozenset({3}))).lane is None
    assert Emitter(tree, dec, [], CallFilter(statuses=frozenset({"failed"}))).lane is not None

    class MyTree(ProcessTree):
        pass

    assert Emitter(MyTree(), dec, []).lane is None


def test_the_lane_refuses_what_is_not_a_batch():
    with pytest.raises(TypeError):
        _lane((), 0, [], ProcessTree(), Decoder(32))
    with pytest.raises(TypeError):
        _lane([], 0, [], ProcessTree(), Decoder(32), exes=[])


def test_a_negative_start_is_refused():
    with pytest.raises(ValueError, match="negative"):
        _lane(_ordinary(), -1, [], ProcessTree(trace_all=True), Decoder(32))


def test_values_of_other_types_go_to_the_python_path():
    """A register that is a bool prints as the Python renderer prints it (not as 1), and a
    return value that is not an int is left to the Python path."""
    who = TASKS[1]
    entry = RawEntry(1, 0, "x86_64", Insn.SYSCALL, PC, 0x7FFC0000, 3, (0,) * 6, who)
    object.__setattr__(entry, "args", (True, 0, 0, 0, 0, 0))  # past __post_init__
    call = Syscall(entry, RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, 0, 3, who, user_pc=PC + 2))
    evs: list[TraceEvent] = []
    assert _lane([call], 0, evs, ProcessTree(trace_all=True), Decoder(32)) == 1
    assert evs == [Decoder(32)(call)]
    odd = Syscall(entry, call.exit)
    object.__setattr__(odd, "ret", 0.5)
    assert _lane([odd], 0, [], ProcessTree(trace_all=True), Decoder(32)) == 0


def test_a_return_text_that_raises_goes_to_the_python_path(monkeypatch):
    """After the arguments were rendered: the Python path prints the decoder error."""

    def broken(*args: object) -> str:
        raise RuntimeError("a return renderer bug")

    monkeypatch.setattr(decode, "success_text", broken)
    batch = [c for c in _ordinary() if c.entry.nr == 257]  # openat: -y or not, Python
    dec = Decoder(32, decode_fds=True)
    assert _lane(batch, 0, [], ProcessTree(trace_all=True), dec, success_text=broken) == 0
    got, *_ = _emit(batch, True, Decoder(32, decode_fds=True), True, 4)
    want, *_ = _emit(batch, False, Decoder(32, decode_fds=True), True, 4)
    assert got == want
    assert "decoder error: RuntimeError" in got[1].ret_text  # type: ignore[attr-defined]


def test_a_renderer_that_drops_every_plan_does_not_pull_the_plan_away(monkeypatch):
    """Python code run from the lane may drop the plans (Plans.MAX): the lane holds
    the plan it is using, and keeps the plans it found (a plan is the same for the same
    ABI and number), so the next call still decodes in the lane, the same."""
    plan = decode.plan_for("x86_64", 257)
    kept = plan.renders

    def dropping(c: object, i: int) -> str:
        decode.PLANS.cache.clear()
        return kept[1](c, i)  # type: ignore[arg-type]

    _with_renderer(monkeypatch, 1, dropping)
    batch = _ordinary()[:2]
    evs: list[TraceEvent] = []
    assert _lane(batch, 0, evs, ProcessTree(trace_all=True), Decoder(32)) == 2
    assert not decode.PLANS.cache.get(("x86_64", 257))  # (the dict lost it)
    for ev in evs:
        assert ev.args == ("AT_FDCWD", '"/etc/hostname"', "O_RDONLY|O_CLOEXEC")
    assert [ev.ret for ev in evs] == [3, -2]


def test_an_inherited_executable_keeps_the_table_bounded() -> None:
    """A child's inherited executable is kept under the same bound as an exec's (a guest
    whose processes are never seen reaped cannot grow the table), in both paths."""
    child = TASKS[2]  # pid 11, a child of 10
    call = _ordinary()[0]
    from_child = Syscall(
        dataclasses.replace(call.entry, who=child), dataclasses.replace(call.exit, who=child)
    )
    for compiled in (True, False):
        dec, sink = Decoder(32), Collect()
        emitter = Emitter(ProcessTree(), dec, [sink], compiled=compiled)
        emitter.emit([*STARTED, from_child])  # (a new process's first call is Python's)
        dec.exes.clear()
        dec.exes.update((pid, "/bin/x") for pid in range(100_000, 100_000 + MAX_EXES))
        dec.exes[10] = "/bin/work"
        emitter.emit([from_child])
        assert dec.exes == {11: "/bin/work"}
        assert [ev.exe for ev in sink.kept if isinstance(ev, TraceEvent)][-1] == "/bin/work"
