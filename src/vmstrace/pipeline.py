"""The consumer: a record stream turned into events for the sinks, in one place.

    records ─▶ RecordReader ─▶ Pairer ─▶ ProcessTree + CallFilter ─▶ Decoder ─▶ sinks
              (capture/)      (trace/)   (trace/)                     (decode/)

:class:`Pipeline` is what ``vmstrace run`` feeds from the plugin's ring, and what the
decoder benchmarks, the fuzz targets and the tests feed from a recording.  Its
:class:`Emitter` hands the ordinary calls of each batch to the compiled lane
(_decoder.c, set up once per pipeline with everything it uses as arguments) and runs the
Python reference for the rest; both make their events through one :class:`_decoder.Events`
of the event class, whose dataclass fields are the only definition of what an event
holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, cast

from vmstrace import _decoder, decode
from vmstrace.capture.records import Readable, RecordReader
from vmstrace.core.abi import ARG_EXE, ARG_RAX, ARG_SIGFRAME
from vmstrace.core.events import (
    EndEvent,
    Mem,
    Note,
    RawEntry,
    RawExit,
    Stats,
    Syscall,
    TaskInfo,
    ThreadEnd,
    TraceCounts,
    TraceEvent,
)
from vmstrace.decode import fdpath, process, structs
from vmstrace.decode.consts.signals import SIGNALS
from vmstrace.decode.siginfo import format_siginfo, parse_frame
from vmstrace.sinks.base import NoteSink, Sink, args_for_sinks
from vmstrace.syscalls import TABLES, SyscallTables
from vmstrace.trace.attribution import (
    CR3_PGD_MASK,
    ProcessTree,
    decode_task,
    normalize_cr3,
    task_id,
)
from vmstrace.trace.filters import EVERY_CALL, CallFilter
from vmstrace.trace.outcome import OBSERVED, CommandOutcome
from vmstrace.trace.pairing import Pairer

# Processes whose executable the decoder keeps (Decoder.exes): a bound on guest-driven state
MAX_EXES = 65536
_decoder.configure(
    Syscall,
    RawEntry,
    RawExit,
    TaskInfo,
    decode.CallPlan,
    decode.fmt.Ctx,
    Mem,
    ThreadEnd,
    Note,
    CR3_PGD_MASK,
    MAX_EXES,
)

# The calls whose "+++ exited with N +++" line the lane puts after their event, a Note in
# the batch (as Emitter._notes writes it on the Python path).
NOTED = frozenset({"exit_group"})
# The texts the compiled lane asks Python for by value, and keeps (in _decoder.c's VT_*
# order): a stat's mode, a clone's flags, a wait status, a statx's mask and attributes;
# each (value, raw) -> text.
VALUE_TEXTS = (
    structs.mode,
    process.clone_flags,
    process.wait_status_text,
    structs.statx_mask,
    structs.statx_attributes,
)

# (pid, tid, ppid, comm, cr3, uid, euid, task_id): what an event takes from its thread
ThreadFields = tuple[
    int | None, int | None, int | None, str | None, int, int | None, int | None, str | None
]


class Decoder:
    """Turns a paired Syscall into the event every sink receives.

    ``exes`` and ``threads`` are the state it keeps between calls; the compiled lane
    (Emitter) keeps its own thread fields, made as :meth:`thread_fields` makes them (by it,
    for a TaskInfo of another making), and reads and fills ``exes`` as :meth:`exe_of`
    does (by it, for a new program)."""

    def __init__(
        self,
        strsize: int,
        raw: bool = False,
        decode_fds: bool = False,
        fd_details: bool = False,
        event_cls: type[TraceEvent] = TraceEvent,
        plans: decode.Plans = decode.PLANS,
        args_for: frozenset[str] | None = None,
        hexstr: int = 0,
    ) -> None:
        # the calls whose argument texts some sink reads (sinks/base.py); None: every call
        self.args_for = args_for
        self.opts = decode.DecodeOptions(
            strsize=strsize, raw=raw, decode_fds=decode_fds, fd_details=fd_details, hexstr=hexstr
        )
        self.plans = plans  # of the run's syscall tables (the compiled lane reads them too)
        self.events = _decoder.Events(event_cls)
        # each process's executable: read after its execve, else inherited from its parent
        self.exes: dict[int, str] = {}
        # the event fields that depend on the thread alone (pid ... task id), per TaskInfo:
        # the reader hands a thread's records one shared TaskInfo (decode_task's cache),
        # so they are worked out once per thread.  Keyed by id(); the entry holds its
        # TaskInfo, so the id cannot be reused by another object while it is cached.
        self.threads: dict[int, tuple[TaskInfo, ThreadFields]] = {}

    def exe_of(self, who: TaskInfo, x: RawExit | None) -> str | None:
        """The executable of ``who``'s process: the one its exec ``x`` read, else the one
        known for it, else its parent's (inherited)."""
        pid = who.pid
        if pid is None:
            return None
        if x is not None and ARG_EXE in x.mem:
            shown = fdpath.describe_walk(x.mem[ARG_EXE].data)
            if shown is not None:
                self._keep_exe(pid, shown)
                return shown
        exe = self.exes.get(pid)
        ppid = who.ppid
        if exe is None and ppid is not None and ppid in self.exes:
            exe = self.exes[ppid]
            self._keep_exe(pid, exe)
        return exe

    def _keep_exe(self, pid: int, exe: str) -> None:
        # (an exec or an inheritance adds a process; its reaping lets it go: a process the
        # trace never sees reaped stays, so the table is bounded here, as the lane bounds it)
        if len(self.exes) > MAX_EXES:
            self.exes.clear()
        self.exes[pid] = exe

    def forget(self, pid: int | None) -> None:
        """Process ``pid`` was reaped: the pid is free for another process."""
        if pid is not None:
            self.exes.pop(pid, None)

    def thread_fields(self, who: TaskInfo) -> tuple[TaskInfo, ThreadFields]:
        """``who``'s fields of an event, worked out and kept in :attr:`threads`."""
        if len(self.threads) >= 4096:  # a bound on guest-driven state
            self.threads.clear()
        fields = (
            who.pid,
            who.tid,
            who.ppid,
            who.comm,
            normalize_cr3(who.cr3),
            who.uid,
            who.euid,
            task_id(who),
        )
        known = self.threads[id(who)] = (who, fields)
        return known

    def __call__(self, call: Syscall, plan: decode.CallPlan | None = None) -> TraceEvent:
        """The event of ``call``; ``plan`` is its plan in :attr:`plans` when the caller has it."""
        e, x = call.entry, call.exit
        who = e.who
        if plan is None:
            plan = self.plans.get(e.abi, e.nr)
        with_args = self.args_for is None or plan.name in self.args_for
        try:
            args, ret_text, error = decode.decode_call(call, self.opts, plan, with_args)
        except Exception as err:  # a decoder bug must not lose the event
            args = tuple(hex(a) for a in e.args)
            ret_text = f"{call.ret} /* decoder error: {type(err).__name__} */"
            error = None
        known = self.threads.get(id(who))
        if known is None or known[0] is not who:
            known = self.thread_fields(who)
        exes, pid = self.exes, who.pid
        if x is not None and ARG_EXE in x.mem:
            exe = self.exe_of(who, x)  # a new program: its executable
        elif exes and pid is not None:
            exe = exes.get(pid) or self.exe_of(who, None)  # the process's, or its parent's
        else:
            exe = None  # no executable known (yet, or ever: the exe capture is optional)
        name = decode.call_name(call, plan) if plan.socketcall else plan.name
        return self.events.make(known[1], call, name, args, ret_text, error, exe)


class Emitter:
    """The consumer's end: each call the pairing completes goes through the process tree
    and the filter, is decoded, and goes to the sinks.  ``shown`` counts the calls
    written, also when a stream error ends :meth:`consume`."""

    def __init__(
        self,
        tree: ProcessTree,
        decoder: Decoder,
        sinks: list[Sink],
        filt: CallFilter = EVERY_CALL,
        compiled: bool = True,
    ) -> None:
        self.tree, self.decoder, self.sinks, self.filt = tree, decoder, sinks, filt
        self.shown = 0
        # the sinks whose events() take the lane's Notes in a batch; the others get the
        # batch cut at each Note and the Note as a note() call
        self.takes_notes = [cast(NoteSink, s) for s in sinks if getattr(s, "takes_notes", False)]
        self.cut_at_notes = [s for s in sinks if not getattr(s, "takes_notes", False)]
        # how the command ended, from the calls of any process (OBSERVED): the lane and
        # the loop below hand it those
        self.outcome = CommandOutcome(tree.execs)
        # the compiled lane (_decoder.c) for the ordinary calls, when -p/--comm do not
        # pick the processes; compiled=False runs the Python reference for all
        self.lane: _decoder.Lane | None = None
        # (it does what ProcessTree.wants, CallFilter.wants_call and Decoder.__call__ do:
        # not for a subclass's)
        if (
            compiled
            and filt.every_process
            and type(filt) is CallFilter
            and type(tree) is ProcessTree
            and type(decoder) is Decoder
        ):
            self.lane = _decoder.Lane(
                events=decoder.events,
                pids=tree.pids,
                trace_all=tree.trace_all,
                opts=decoder.opts,
                exes=decoder.exes,
                thread_fields=decoder.thread_fields,
                exe_named=fdpath.describe_walk,
                plans=decoder.plans.cache,
                forks=tree.forks,
                execs=tree.execs,
                failure_text=decode.failure_text,
                errno_name=decode.errno_name,
                success_text=decode.success_text,
                noted=NOTED,
                observed=OBSERVED,
                observe=self.outcome.see,
                value_texts=VALUE_TEXTS,
                calls=filt.syscalls.keys,
                inverted=filt.syscalls.inverted,
                statuses=filt.statuses,
                args_for=decoder.args_for,
            )

    def consume(self, batches: Iterable[list[RawEntry | RawExit | Stats]], pairer: Pairer) -> None:
        """Every event of the reader's batches, through the pairing, to the sinks."""
        for batch in batches:
            calls = pairer.feed_batch(batch)
            if calls:
                self.emit(calls)

    def drain(self, pairer: Pairer) -> None:
        """At the end: the calls still in progress."""
        self.emit(list(pairer.drain()))

    def emit(self, calls: list[Syscall | ThreadEnd]) -> None:
        """The calls the filters keep, decoded, to the sinks: a batch's events go to each
        sink at once (Sink.events), up to a line that is not a call (a signal, an exit),
        which must follow the call it belongs to.

        The compiled lane does what the loop below does for every ordinary call, and
        hands back the index of the first one it leaves to this loop."""
        wants, decoder, filt = self.tree.wants, self.decoder.__call__, self.filt
        every_process, every_call = filt.every_process, filt.every_call
        plan_for = self.decoder.plans.get
        lane = self.lane
        evs: list[TraceEvent | Note] = []
        notes = 0  # the lane's Notes in evs
        i, n = 0, len(calls)
        while i < n:
            if lane is not None:
                i = lane.run(calls, i, evs)
                notes += lane.notes
                if i >= n:
                    break
            call = calls[i]
            i += 1
            if type(call) is ThreadEnd:
                if not call.quiet:  # (a quiet end writes no line for the batch to precede)
                    self._send(evs, notes)
                    evs, notes = [], 0
                self._end(call)
                continue
            assert type(call) is Syscall
            e, x = call.entry, call.exit
            plan = plan_for(e.abi, e.nr)
            if plan.name in OBSERVED:
                self.outcome.see(call, plan.name)
            if not wants(call) or not (every_process or filt.wants_process(call)):
                continue
            # -e trace/status drop the call, not its signal or exit line
            shown = every_call or filt.wants_call(call)
            if shown:
                evs.append(decoder(call, plan))
            if (
                (x is not None and ARG_SIGFRAME in x.mem)
                or plan.name == "exit_group"
                or (shown and ARG_RAX in e.mem)
            ):
                self._send(evs, notes)
                evs, notes = [], 0
                self._notes(call, plan, shown)
        self._send(evs, notes)

    def _send(self, evs: list[TraceEvent | Note], notes: int = 0) -> None:
        """A batch's events to each sink at once; ``notes``: how many of them are Notes."""
        if not evs:
            return
        if not notes:
            for sink in self.sinks:
                sink.events(cast(list[TraceEvent], evs))
        else:
            for taker in self.takes_notes:
                taker.events(evs)
            for sink in self.cut_at_notes:
                _cut_at_notes(sink, evs)
        self.shown += len(evs) - notes

    def _end(self, end: ThreadEnd) -> None:
        """A thread's end the pairing learned, shown for a process of the trace; a process's
        end lets its pid go."""
        who, filt = end.who, self.filt
        shown = self.tree.ended(end) and (
            filt.every_process or who.pid in filt.pids or who.comm in filt.comms
        )
        if end.process:
            self.decoder.forget(who.pid)
        if shown and not end.quiet:
            killed = None if end.signal is None else SIGNALS.get(end.signal, str(end.signal))
            ev = EndEvent(end.ts, who.pid, who.tid, who.comm, killed, end.status, end.why, end.core)
            for sink in self.sinks:
                sink.end(ev)

    def _notes(self, call: Syscall, plan: decode.CallPlan, shown: bool = True) -> None:
        """The lines after a call: what its number register held (when the call itself is
        shown), the signal it returned into, the exit it made."""
        e, x = call.entry, call.exit
        if shown and ARG_RAX in e.mem:
            rax = int.from_bytes(e.mem[ARG_RAX].data[:8].ljust(8, b"\0"), "little")
            for sink in self.sinks:
                sink.note(
                    e.who.tid,
                    f"[ rax {rax:#x}: upper 32 bits ignored by the kernel, "
                    f"the call is {plan.name} ]",
                    e.who.comm,
                )
        if x is not None and ARG_SIGFRAME in x.mem:
            parsed = parse_frame(x.mem[ARG_SIGFRAME], e.abi)
            if parsed is not None:
                text = format_siginfo(parsed.siginfo, x.rdi, parsed.compat, self.decoder.opts.raw)
                for sink in self.sinks:
                    sink.note(e.who.tid, f"--- {text} ---", e.who.comm)
        if plan.name == "exit_group":
            code = e.args[0] & 0xFF
            for sink in self.sinks:
                sink.note(e.who.tid, f"+++ exited with {code} +++", e.who.comm)


def _cut_at_notes(sink: Sink, evs: list[TraceEvent | Note]) -> None:
    """A batch with Notes to a sink that takes none in a batch: the events between them as
    batches, each Note as a note()."""
    start = 0
    for k, ev in enumerate(evs):
        if type(ev) is Note:
            if k > start:
                sink.events(cast(list[TraceEvent], evs[start:k]))
            sink.note(ev.tid, ev.text, ev.comm)
            start = k + 1
    if start < len(evs):
        sink.events(cast(list[TraceEvent], evs[start:]))


# How far Pipeline.consume() takes the records: the decoder benchmark times each stage
# by cutting the pipeline after it.
Upto = Literal["read", "pair", "all"]


class Pipeline:
    """One run's consumer: records in, events to ``sinks``, counts out.

    ``trace_all``: every process, not only the command's; ``vcpus``: the guest's, for the
    pairing's ordering; ``tables``: the run's syscall numbering (the guest kernel's, when it
    was read); ``event_cls``: the event type (TraceEvent, or one with more fields: each gets
    its default)."""

    def __init__(
        self,
        sinks: list[Sink],
        *,
        strsize: int = 32,
        raw: bool = False,
        decode_fds: bool = False,
        fd_details: bool = False,
        hexstr: int = 0,
        filt: CallFilter = EVERY_CALL,
        trace_all: bool = False,
        vcpus: int = 1,
        tables: SyscallTables = TABLES,
        event_cls: type[TraceEvent] = TraceEvent,
        compiled: bool = True,
    ) -> None:
        self.pairer = Pairer(vcpus=vcpus, tables=tables)
        plans = decode.PLANS if tables is TABLES else decode.Plans(tables)
        self.decoder = Decoder(
            strsize,
            raw,
            decode_fds,
            fd_details,
            event_cls,
            plans,
            args_for_sinks(sinks),
            hexstr=hexstr,
        )
        tree = ProcessTree(trace_all=trace_all or filt.guest_wide, tables=tables)
        self.emitter = Emitter(tree, self.decoder, sinks, filt, compiled)
        self.reader: RecordReader | None = None

    @property
    def shown(self) -> int:
        return self.emitter.shown

    @property
    def outcome(self) -> CommandOutcome:
        return self.emitter.outcome

    def consume(self, stream: Readable, upto: Upto = "all") -> int:
        """Every record of ``stream`` through the pipeline, up to the end of the stream
        (a StreamError from the reader passes through: what came before it was emitted).
        Returns the calls paired."""
        self.reader = reader = RecordReader(stream, decode_task)
        pairer, emitter, paired = self.pairer, self.emitter, 0
        for batch in reader.batches():
            if upto == "read":
                continue
            calls = pairer.feed_batch(batch)
            paired += len(calls)
            if calls and upto == "all":
                emitter.emit(calls)
        return paired

    def drain(self) -> None:
        """At the end: the calls still in progress (``= ?``)."""
        self.emitter.drain(self.pairer)

    def counts(self, reason: str | None = None, stalled_s: float | None = None) -> TraceCounts:
        """What was produced, read, paired and shown; ``reason``: why the run ended early;
        ``stalled_s``: how long the guest waited for the consumer (the ring's)."""
        stats, c, reader = self.pairer.stats, self.pairer.counts, self.reader
        return TraceCounts(
            produced=None if stats is None else stats.records,
            delivered=0 if reader is None else reader.delivered,
            dropped=None if stats is None else stats.dropped,
            entries=c.entries,
            exits=c.exits,
            paired=c.paired,
            unfinished=c.unfinished,
            no_return=c.no_return,
            orphan_exits=c.orphan_exits,
            held=c.held,
            gaps=c.gaps,
            stale=c.stale,
            evicted=c.evicted + (0 if stats is None else stats.evicted),
            shown=self.emitter.shown,
            guest_stalled_s=stalled_s,
            reason=reason,
        )
