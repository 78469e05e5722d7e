"""Pairing: each syscall exit joined with its entry, per guest thread, in the thread's order.

Threads are told apart by their task_struct address and tid (a freed task_struct is
reused for a new thread with another tid);
when the kernel's task could not be read, by address space and user stack pointer,
which the kernel preserves across a syscall.  A thread may block in a call while other
threads run, on this vCPU or another: the pending table holds one entry per thread.

Order: the plugin batches records per vCPU, so when a thread moves to another vCPU its
later records can arrive before earlier ones still in the first vCPU's batch.  Each record
carries the thread's record number (``seq``: 1, 2, 3, ...); a record that comes before its
turn is held until the ones before it have arrived, so each thread's records are paired in
the order the thread made them, and an exit always meets its own entry.  A thread whose
missing record has not come after ``HOLD_LIMIT`` more of its records is released in
order with the gap counted (``gaps``): a record was lost, and the stats say so.

Ends and bounds: the guest decides how many threads die inside a call (those calls never
return) and how many threads it makes, so every table here has a limit (:class:`Limits`).
A thread is let go on exact evidence that it is gone: the reaper's ``wait4``/``waitid``
returned its process's pid and how it ended (its calls in progress end unfinished, each
followed by a :class:`ThreadEnd`: strace's ``+++ killed by SIGKILL +++``), or another tid
entered a call on its task_struct (a task_struct is freed only when its thread is dead;
how it ended is then unknown, and its ThreadEnd says so).  Such a death is settled only
once no record made before it can still come: records are batched per vCPU, so every vCPU
must have delivered a record made after it (with one vCPU, the record that told is
enough).  Past a limit without such evidence, the oldest entries go, counted in
``evicted`` (the trace is then incomplete), each call with a note that its result is
unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final, NamedTuple

from vmstrace.core.events import (
    Mem,
    RawEntry,
    RawExit,
    Stats,
    Syscall,
    TaskInfo,
    ThreadEnd,
    paired,
    return_value,
)
from vmstrace.syscalls import TABLES, Flag, SyscallTables
from vmstrace.trace import _pairing

# The argument a reaping call (Flag.REAPS) has the kernel write how the child ended to:
# wait4 and waitpid's status (int *), waitid's siginfo.
REAP_ARG = {"wait4": 1, "waitpid": 1, "waitid": 2}


def no_return_numbers(tables: SyscallTables) -> dict[str, frozenset[int]]:
    """Per ABI, the calls that never return to the caller when they succeed."""
    return {abi: table.numbers(Flag.NO_RETURN) for abi, table in tables.items()}


def reaping_calls(tables: SyscallTables) -> dict[str, dict[int, int]]:
    """Per ABI, the numbers of the calls that reap a child, and their :data:`REAP_ARG`."""
    return {
        abi: {nr: REAP_ARG[table[nr].name] for nr in sorted(table.numbers(Flag.REAPS))}
        for abi, table in tables.items()
    }


REAPS = reaping_calls(TABLES)  # the project's numbering
HOLD_LIMIT = 4096  # records of one thread held back waiting for an earlier one
SIGCHLD = 17
WNOWAIT = 0x01000000  # include/uapi/linux/wait.h
CLD_EXITED, CLD_KILLED, CLD_DUMPED = 1, 2, 3  # siginfo si_code (uapi asm-generic/siginfo.h)
SIGINFO_UNION, SIGINFO_UNION_I386 = 16, 12  # where siginfo's union starts (compat: 12)
_NOTHING: Final[tuple[Syscall, ...]] = ()
_pairing.configure(
    RawEntry,
    RawExit,
    TaskInfo,
    Syscall,
    Mem,
    ThreadEnd,
    return_value,
    "i386",
    HOLD_LIMIT,
)

Item = Syscall | ThreadEnd  # what the pairing hands on


class Limits(NamedTuple):
    """How much guest-driven state the pairing keeps (module docstring)."""

    pending: int = 1 << 16  # calls in progress
    threads: int = 1 << 16  # threads' next record numbers
    held_threads: int = 64  # threads with records held back (each up to HOLD_LIMIT)
    # deaths waiting for every vCPU to go past them (a vCPU that makes no record for long
    # holds them): past this the oldest is settled anyway, counted (an exit of its calls
    # may still come: the trace is then incomplete)
    dying: int = 256


LIMITS = Limits()


class Death(NamedTuple):
    """A process the reaper's call reported ended: at ``ts``, killed by ``signal`` or
    exited with ``status``; or (``key``) one thread known gone by ``ts``: another thread
    runs on its task_struct, how it ended unknown."""

    ts: int
    pid: int
    signal: int | None
    status: int | None
    key: tuple[int, int] | None = None
    core: bool = False  # killed, with a core dump


def reaped(call: Syscall, reaps: Mapping[str, Mapping[int, int]] = REAPS) -> Death | None:
    """The process a successful wait4/waitpid/waitid reaped and how it ended, from what the
    kernel wrote (the status word, the siginfo); None for anything else: another call, a
    stopped or continued child, no status asked for, an unreadable one.  ``reaps`` is
    :func:`reaping_calls` of the run's tables."""
    e, x, ret = call.entry, call.exit, call.ret
    arg = reaps.get(e.abi, {}).get(e.nr)
    if arg is None or x is None or ret is None or ret < 0:
        return None
    mem = x.mem.get(arg)
    if mem is None or mem.fault or not mem.at_exit:
        return None
    data = mem.data
    if arg == 1:  # the status word (include/uapi/linux/wait.h's W* macros)
        if ret <= 0 or len(data) < 4:
            return None
        status = int.from_bytes(data[:4], "little")
        low = status & 0x7F
        if low == 0:
            return Death(x.ts, ret, None, (status >> 8) & 0xFF)  # WIFEXITED
        if low != 0x7F:
            return Death(x.ts, ret, low, None, core=bool(status & 0x80))  # WIFSIGNALED
        return None  # stopped or continued: alive
    # waitid's siginfo: si_signo 0, si_code 8, then the union's si_pid, si_uid, si_status
    # (a CLD_* report) at 16, 20, 24; i386's compat_siginfo has its union at 12.  With
    # WNOWAIT the child is left a zombie, to be reaped by a later wait
    union = SIGINFO_UNION_I386 if e.abi == "i386" else SIGINFO_UNION
    if ret != 0 or len(data) < union + 12 or e.args[3] & WNOWAIT:
        return None
    signo, code, pid, status = (
        int.from_bytes(data[o : o + 4], "little", signed=True) for o in (0, 8, union, union + 8)
    )
    if signo != SIGCHLD or pid <= 0:
        return None
    if code == CLD_EXITED:
        return Death(x.ts, pid, None, status & 0xFF)
    if code in (CLD_KILLED, CLD_DUMPED) and 0 < status < 128:
        return Death(x.ts, pid, status, None, core=code == CLD_DUMPED)
    return None


_REUSED = (
    "vmstrace: the thread ended inside this call (another thread runs on its "
    "task_struct now); how it ended is unknown"
)


@dataclass
class PairingCounts:
    entries: int = 0
    exits: int = 0
    paired: int = 0
    no_return: int = 0
    unfinished: int = 0  # entries never matched (replaced, its thread ended, or trace end)
    orphan_exits: int = 0
    held: int = 0  # records that arrived before their turn and were held back
    gaps: int = 0  # a thread's records released with an earlier one still missing
    stale: int = 0  # records that arrived after a later one of the thread was released
    evicted: int = 0  # calls and threads let go at a table's limit without evidence


class Pairer:
    """Feeds on raw events in stream order, yields completed Syscalls (and ThreadEnds).

    ``vcpus``: how many vCPUs make records (a death is settled once each has delivered a
    record made after it); ``limits``: the tables' bounds; ``tables``: the run's syscall
    tables (which calls do not return, which reap a child)."""

    def __init__(
        self, vcpus: int = 1, limits: Limits = LIMITS, tables: SyscallTables = TABLES
    ) -> None:
        self.no_return = no_return_numbers(tables)
        self.reaps = reaping_calls(tables)
        self.pending: dict[tuple[int, int], RawEntry] = {}
        # per thread key: the seq of its last record taken, its next's less one (a thread
        # that ended with exit/exit_group is forgotten: the plugin starts it again at 1)
        self.seqs: dict[tuple[int, int], int] = {}
        # per thread key: records that came before their turn, by seq
        self.held: dict[tuple[int, int], dict[int, RawEntry | RawExit]] = {}
        # deaths waiting until no record made before them can still come (in order)
        self.dying: list[Death] = []
        self.marks: dict[int, int] = {}  # per vCPU: the latest record's time, while needed
        # per task_struct: the tid of the latest thread that entered a call on it; a thread
        # on it the tables still hold is gone once another tid enters (`gone`: its key and
        # the time of that entry, for _after)
        self.tasks: dict[int, int] = {}
        self.gone: list[tuple[tuple[int, int], int]] = []
        self.vcpus = vcpus
        self.limits = limits
        self.counts = PairingCounts()
        self.stats: Stats | None = None
        self._reaped = 0  # an exit of a reaping call was paired (the compiled loop's REAPED)

    def feed(self, ev: RawEntry | RawExit | Stats) -> tuple[Item, ...]:
        """The calls this event completes, oldest first (a tuple: no generator per event)."""
        if isinstance(ev, (RawEntry, RawExit)) and ev.seq:
            done = self._in_turn(ev)
        else:
            done = self._pair(ev)
        if not isinstance(ev, (RawEntry, RawExit)) or not self._watching(ev):
            return done
        out: list[Item] = list(done)
        self._after(ev, out, 0)
        return tuple(out)

    def _watching(self, ev: RawEntry | RawExit) -> bool:
        """Whether :meth:`_after` has work after this event (a reaping call paired, a
        table over its limit, a death that can be settled): the compiled loop asks the
        same (watching())."""
        reaped_now, self._reaped = self._reaped, 0
        lim = self.limits
        if (
            reaped_now
            or self.gone
            or len(self.pending) > lim.pending
            or len(self.seqs) > lim.threads
            or len(self.tasks) > lim.threads
            or len(self.held) > lim.held_threads
            or len(self.dying) > lim.dying
        ):
            return True
        if not self.dying:
            return False
        now = self._mark(ev)
        return any(death.ts <= now for death in self.dying)

    def _in_turn(self, ev: RawEntry | RawExit) -> tuple[Syscall, ...]:
        who = ev.who
        key = (who.task, who.tid or 0) if who.task else (who.cr3 & ~0xFFF, ev.sp)
        want = self.seqs.get(key, 0) + 1
        seq = ev.seq
        if seq > want:
            held = self.held.setdefault(key, {})
            held[seq] = ev
            self.counts.held += 1
            if len(held) <= HOLD_LIMIT:
                return _NOTHING
            # the missing record is not coming: release what is held, in order
            del self.held[key]
            return tuple(self._release(key, held))
        if seq < want:
            self.counts.stale += 1
            return self._pair(ev)
        out = list(self._pair(ev))
        self._advance(key, ev)
        waiting = self.held.get(key)
        while waiting:
            nxt = waiting.pop(seq + 1, None)
            if nxt is None:
                break
            seq += 1
            out += self._pair(nxt)
            self._advance(key, nxt)
        if waiting is not None and not waiting:
            del self.held[key]
        return tuple(out)

    def _release(self, key: tuple[int, int], held: dict[int, RawEntry | RawExit]) -> list[Syscall]:
        """A thread's held records, all of them in order: a gap that will not fill."""
        self.counts.gaps += 1
        out: list[Syscall] = []
        for s in sorted(held):
            out += self._pair(held[s])
            self._advance(key, held[s])
        return out

    def _advance(self, key: tuple[int, int], ev: RawEntry | RawExit) -> None:
        if isinstance(ev, RawEntry) and ev.nr in self.no_return[ev.abi]:
            self.seqs.pop(key, None)  # the thread's last record (the plugin restarts it)
        else:
            self.seqs[key] = ev.seq  # (the record's own int: none is made per record)

    def _pair(self, ev: RawEntry | RawExit | Stats) -> tuple[Syscall, ...]:
        c = self.counts
        if isinstance(ev, RawEntry):
            c.entries += 1
            if ev.nr in self.no_return[ev.abi]:
                c.no_return += 1
                return (paired(ev, None),)
            who = ev.who
            # the thread (module docstring): task and tid, else address space and stack
            key = (who.task, who.tid or 0) if who.task else (who.cr3 & ~0xFFF, ev.sp)
            if who.task and who.tid:
                self._note_task(ev, who.task, who.tid)
            old = self.pending.pop(key, None)
            self.pending[key] = ev
            if old is not None:
                c.unfinished += 1
                return (paired(old, None),)
            return _NOTHING
        if isinstance(ev, RawExit):
            c.exits += 1
            who = ev.who
            key = (who.task, who.tid or 0) if who.task else (who.cr3 & ~0xFFF, ev.sp)
            entry = self.pending.pop(key, None)
            if entry is None:
                c.orphan_exits += 1
                return _NOTHING
            c.paired += 1
            if entry.nr in self.reaps.get(entry.abi, ()):
                self._reaped = 1
            return (paired(entry, ev),)
        self.stats = ev
        return _NOTHING

    def _note_task(self, ev: RawEntry, task: int, tid: int) -> None:
        """Thread ``tid`` entered a call on ``task``: a thread the tables hold that ran on it
        before is gone (the compiled loop's note_task())."""
        old = self.tasks.get(task)
        if old is not None and old != tid:
            gone = (task, old)
            entry = self.pending.get(gone)
            if entry is not None:
                # a thread that is not its process's leader and whose execve succeeded goes
                # on with the leader's pid, on its own task_struct (fs/exec.c, de_thread())
                if not (tid == ev.who.pid == entry.who.pid):
                    self.gone.append((gone, ev.ts))
            elif gone in self.seqs:
                self.gone.append((gone, ev.ts))
        self.tasks[task] = tid

    def _after(self, ev: RawEntry | RawExit, out: list[Item], start: int) -> None:
        """After an event whose work :meth:`_watching` saw, with ``out[start:]`` the items it
        completed: the deaths its reaping calls report, the deaths no earlier record can
        now change, and the tables' limits.  (The compiled loop calls it too.)"""
        for key, ts in self.gone:  # settled as the reaper's deaths are, once nothing earlier
            self.dying.append(Death(ts, 0, None, None, key))  # can still come
        self.gone.clear()
        new: list[tuple[int, Death]] = []
        for i in range(start, len(out)):
            call = out[i]
            if isinstance(call, Syscall) and call.exit is not None:
                death = reaped(call, self.reaps)
                if death is not None:
                    new.append((i, death))
        mark = self._mark(ev)
        tail: list[Item] = []
        waiting = []
        for death in self.dying:  # older deaths, in order
            if death.ts <= mark:
                tail += self._settle(death)
            else:
                waiting.append(death)
        later = []
        for i, death in reversed(new):
            if death.ts <= mark:
                # before the reaping call, as strace shows it: the ends, then its return
                out[i:i] = self._settle(death)
            else:
                later.append(death)
        self.dying[:] = waiting + later[::-1]
        lim = self.limits
        while len(self.dying) > lim.dying:
            self.counts.evicted += 1
            tail += self._settle(self.dying.pop(0))
        if not self.dying:
            self.marks.clear()
        out += tail
        if len(self.pending) > lim.pending:
            out += self._trim_pending(ev.ts)
        if len(self.seqs) > lim.threads:
            self._trim_seqs()
        if len(self.tasks) > lim.threads:  # (only a hint is lost: no count)
            while len(self.tasks) > lim.threads * 3 // 4:
                del self.tasks[next(iter(self.tasks))]
        while len(self.held) > lim.held_threads:
            key = next(iter(self.held))
            out += self._release(key, self.held.pop(key))
        self._reaped = 0  # (a reaping call paired here is not read for a death)

    def _mark(self, ev: RawEntry | RawExit) -> int:
        """The time before which every vCPU has delivered its records (module docstring)."""
        marks = self.marks
        if ev.ts > marks.get(ev.vcpu, -1):
            marks[ev.vcpu] = ev.ts
        if self.vcpus <= 1:
            return marks[ev.vcpu]
        return min(marks.get(v, -1) for v in range(self.vcpus))

    def _bury(self, death: Death) -> list[Item]:
        """The calls in progress of a process that ended, unfinished, each followed by its
        thread's end."""
        out: list[Item] = []
        if death.key is not None:
            mine = [death.key]
        else:
            mine = [
                key for key, e in self.pending.items() if e.who.pid == death.pid and e.ts < death.ts
            ]
        for key in mine:
            held = self.held.pop(key, None)
            if held:
                out += self._release(key, held)  # (a gap: the records before never came)
            entry = self.pending.get(key)
            self.seqs.pop(key, None)
            if entry is not None and entry.ts < death.ts:
                del self.pending[key]
                self.counts.unfinished += 1
                out += (
                    paired(entry, None),
                    ThreadEnd(
                        death.ts,
                        entry.who,
                        death.signal,
                        death.status,
                        _REUSED if death.key is not None else None,
                        core=death.core,
                    ),
                )
        return out

    def _settle(self, death: Death) -> list[Item]:
        """A death no record still on its way can change: its threads' calls in progress,
        each with its end, then (a reaped process) the process's end, printed when it was
        killed and no thread's end said so.  The process's pid leaves the trace's tree
        there, after its calls."""
        out = self._bury(death)
        if death.key is None:
            who = TaskInfo(task=0, cr3=0, pid=death.pid, tid=death.pid)
            out.append(
                ThreadEnd(
                    death.ts,
                    who,
                    death.signal,
                    death.status,
                    process=True,
                    quiet=bool(out) or death.signal is None,
                    core=death.core,
                )
            )
        return out

    def _trim_pending(self, ts: int) -> list[Item]:
        """Over the limit: first the calls of threads whose task_struct runs a newer thread
        (they died in them); then, if still over, the oldest down to 3/4 of it (so that the
        next scan is far), each unfinished and with a note."""
        out: list[Item] = []
        newest: dict[int, tuple[int, int]] = {}
        for key, e in self.pending.items():  # (in entry order: a newer thread comes later)
            if e.who.task:
                newest[e.who.task] = key
        gone = [key for key, e in self.pending.items() if e.who.task and newest[e.who.task] != key]
        for key in gone:
            entry = self.pending.pop(key)
            self.seqs.pop(key, None)
            self.counts.unfinished += 1
            out += (paired(entry, None), ThreadEnd(ts, entry.who, why=_REUSED))
        limit = self.limits.pending
        keep = limit * 3 // 4 if len(self.pending) > limit else limit
        while len(self.pending) > keep:
            key = next(iter(self.pending))
            entry = self.pending.pop(key)
            self.counts.unfinished += 1
            self.counts.evicted += 1
            why = (
                f"vmstrace: more than {limit} calls in progress: this, the oldest, was "
                "let go unfinished; its result, and whether its thread lives on, are "
                "unknown"
            )
            out += (paired(entry, None), ThreadEnd(ts, entry.who, why=why))
        return out

    def _trim_seqs(self) -> None:
        """Over the limit: first the threads whose task_struct runs a newer thread, then the
        oldest (counted: a live one's next records would wait for a number never coming)."""
        newest: dict[int, tuple[int, int]] = {}
        for key in self.seqs:  # (in the order threads were first seen)
            newest[key[0]] = key
        for key in [k for k in self.seqs if newest[k[0]] != k]:
            del self.seqs[key]
        limit = self.limits.threads
        keep = limit * 3 // 4 if len(self.seqs) > limit else limit
        while len(self.seqs) > keep:
            del self.seqs[next(iter(self.seqs))]
            self.counts.evicted += 1

    def feed_batch(self, events: list[RawEntry | RawExit | Stats]) -> list[Item]:
        """:meth:`feed` over a list of events (the reader's batches), in C: the calls
        they complete, in order."""
        calls, others, counts = _pairing.pair(
            events,
            self.pending,
            self.seqs,
            self.held,
            self.dying,
            self.marks,
            self.tasks,
            self.gone,
            self.vcpus,
            self._after,
            self.limits,
            self.no_return,
            self.reaps,
        )
        c = self.counts
        entries, exits, paired_, no_return, unfinished, orphans, held, gaps, stale = counts
        c.entries += entries
        c.exits += exits
        c.paired += paired_
        c.no_return += no_return
        c.unfinished += unfinished
        c.orphan_exits += orphans
        c.held += held
        c.gaps += gaps
        c.stale += stale
        for ev in others:
            if not isinstance(ev, Stats):
                raise TypeError(f"not an event of the record stream: {ev!r}")
            self.stats = ev
        return calls

    def drain(self) -> Iterator[Item]:
        """At the end of the trace: records still held back (a gap that never filled),
        in order, then the deaths still waiting (every record has come), then the calls
        still in progress, without a return."""
        held, self.held = self.held, {}
        for key, records in held.items():
            yield from self._release(key, records)
        dying, self.dying = self.dying, []
        for death in dying:
            yield from self._settle(death)
        for entry in sorted(self.pending.values(), key=lambda e: e.ts):
            self.counts.unfinished += 1
            yield paired(entry, None)
        self.pending.clear()
