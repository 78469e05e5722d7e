"""Conformance harness: vmstrace's decoded trace against strace in the same guest run.

Each workload (``guest/programs/conf-*.c``) runs in the guest as

    sh -c 'strace -f -s 32 -o /tmp/strace.out PROG; echo MARK >&2; cat /tmp/strace.out >&2'

while vmstrace traces the whole command from outside.  The program's stdout stays on
the guest's stdout; strace's output comes back on stderr after a marker line.  Both
tools observe the *same* execution — the same processes, the same calls, the same
memory — so pids, pointers and buffer contents are identical and nothing is normalised
except whitespace (strace pads short lines to align ``=``).  There is no pointer
rewriting and ASLR needs no disabling.

Comparison, per thread (strace's pids are guest tids, the same numbers vmstrace reads
from the task_struct): strace's calls are aligned with vmstrace's events of that tid by
a longest common subsequence on the syscall names.  vmstrace's events of that tid also
include strace's own code before the tracee's ``execve`` (the forked child's
``kill(getpid(), SIGSTOP)`` …); those are outside strace's view and are not counted.
Measured per workload:

- names: share of strace's calls matched in order by a vmstrace event of the same thread;
- returns: share of matched calls whose return text (``-1 ENOENT (No such file or
  directory)``, ``0x8000 (flags O_RDONLY|O_LARGEFILE)``) is equal;
- arguments: share of matched calls whose full argument text is equal.

Every unmatched strace call, every differing return or argument text, and every vmstrace
event strace did not show between two matched calls (``extra``) is listed with both
renderings.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vmstrace.errors import VmstraceError
from vmstrace.sinks.base import TraceCounts, TraceEvent

WORKLOADS = (
    "conf-files",
    "conf-pipes",
    "conf-sockets",
    "conf-poll",
    "conf-signals",
    "conf-procs",
    "conf-threads",
    "conf-memory",
    "conf-time",
)
GUEST_BIN = "/vmstrace/bin"
STRACE_OUT = "/tmp/strace.out"
MARKER = "==== vmstrace conformance: strace output ===="
# Targets the e2e tests enforce, per workload.
NAME_TARGET = 1.0
RET_TARGET = 1.0
ARGS_TARGET = 0.98

# `123   name(...` (strace -f -o FILE) or `[pid 123] name(...` (strace -f to a terminal)
_PREFIX = re.compile(r"^(?:\[pid\s+(\d+)\]|(\d+))\s+(.*)$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
_CALL = re.compile(r"^(\w+)\((.*)$")
_UNFINISHED = " <unfinished ...>"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class StraceCall:
    """One syscall line of strace's output, ``<unfinished ...>`` halves merged."""

    tid: int
    name: str
    args: str  # the text between the parentheses
    ret: str  # the text after ``=``; ``?`` for calls that do not return

    @property
    def line(self) -> str:
        return f"{self.name}({self.args}) = {self.ret}"


def _split_call(text: str) -> tuple[str, str, str] | None:
    """``name(args) = ret`` → (name, args, ret); quotes and brackets respected."""
    m = _CALL.match(text)
    if m is None:
        return None
    name, rest = m.group(1), m.group(2)
    depth, i, quoted = 0, 0, False
    while i < len(rest):
        c = rest[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                tail = rest[i + 1 :].strip()
                if not tail.startswith("="):
                    return None
                return name, rest[:i], tail[1:].strip()
            depth -= 1
        i += 1
    return None


def parse_strace(text: str) -> list[StraceCall]:
    """Syscall lines of ``strace -f`` output in order; signals, exits and notes skipped.

    An ``<unfinished ...>`` line is held until the same thread's ``<... name resumed>``
    line and the two halves are joined, the call taking the position of its start.
    """
    calls: list[StraceCall | None] = []
    pending: dict[int, tuple[int, str, str]] = {}  # tid → (slot, name, text so far)
    for raw in text.splitlines():
        m = _PREFIX.match(raw.rstrip())
        if m is None:
            continue
        tid = int(m.group(1) or m.group(2))
        body = m.group(3)
        if body.startswith(("---", "+++")):
            continue
        resumed = _RESUMED.match(body)
        if resumed is not None:
            if tid not in pending:
                continue
            slot, name, head = pending.pop(tid)
            body = head + resumed.group(2)
        elif body.endswith(_UNFINISHED):
            cm = _CALL.match(body)
            if cm is not None:
                pending[tid] = (len(calls), cm.group(1), body[: -len(_UNFINISHED)])
                calls.append(None)
            continue
        else:
            slot = len(calls)
            calls.append(None)
        parts = _split_call(body)
        if parts is not None:
            calls[slot] = StraceCall(tid, parts[0], parts[1], parts[2])
    # a call still unfinished at the end (its thread was killed) has no return: keep it
    for tid, (slot, name, head) in pending.items():
        calls[slot] = StraceCall(tid, name, head[len(name) + 1 :], "?")
    return [c for c in calls if c is not None]


def normalise(text: str) -> str:
    """Whitespace runs → one space (strace pads lines to align the ``=`` column)."""
    return _SPACES.sub(" ", text).strip()


def lcs_pairs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of ``a`` and ``b``, in order."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            pairs.append((i, j))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def event_line(ev: TraceEvent) -> str:
    return f"{ev.name}({', '.join(ev.args)}) = {ev.ret_text}"


@dataclass(frozen=True)
class Disagreement:
    """One difference: ``missing`` (strace only), ``extra`` (vmstrace only), ``ret``, ``args``."""

    workload: str
    tid: int
    kind: str
    strace: str
    vmstrace: str


@dataclass
class WorkloadResult:
    workload: str
    strace_calls: int = 0
    matched: int = 0
    ret_equal: int = 0
    args_equal: int = 0
    extra: int = 0
    threads: int = 0
    exit_status: int | None = None
    stdout: bytes = b""
    counts: TraceCounts | None = None
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def names(self) -> float:
        return self.matched / self.strace_calls if self.strace_calls else 0.0

    @property
    def rets(self) -> float:
        return self.ret_equal / self.matched if self.matched else 0.0

    @property
    def args(self) -> float:
        return self.args_equal / self.matched if self.matched else 0.0

    @property
    def meets_targets(self) -> bool:
        return (self.strace_calls > 0 and self.names >= NAME_TARGET and self.rets >= RET_TARGET
                and self.args >= ARGS_TARGET)


def compare(workload: str, calls: Sequence[StraceCall],
            events: Iterable[TraceEvent]) -> WorkloadResult:
    """Aligns strace's calls with vmstrace's events thread by thread and counts agreement."""
    result = WorkloadResult(workload, strace_calls=len(calls))
    by_tid: dict[int, list[StraceCall]] = defaultdict(list)
    for c in calls:
        by_tid[c.tid].append(c)
    ours: dict[int, list[TraceEvent]] = defaultdict(list)
    for ev in events:
        if ev.tid is not None and ev.tid in by_tid:
            ours[ev.tid].append(ev)
    result.threads = len(by_tid)
    for tid, theirs in sorted(by_tid.items()):
        mine = ours.get(tid, [])
        pairs = lcs_pairs([c.name for c in theirs], [e.name for e in mine])
        matched = {i for i, _ in pairs}
        for i, c in enumerate(theirs):
            if i not in matched:
                result.disagreements.append(Disagreement(workload, tid, "missing", c.line, ""))
        if pairs:
            used = {j for _, j in pairs}
            for j in range(pairs[0][1], pairs[-1][1] + 1):
                if j not in used:
                    result.extra += 1
                    result.disagreements.append(
                        Disagreement(workload, tid, "extra", "", event_line(mine[j])))
        for i, j in pairs:
            c, ev = theirs[i], mine[j]
            result.matched += 1
            ret_ok = normalise(c.ret) == normalise(ev.ret_text)
            args_ok = normalise(c.args) == normalise(", ".join(ev.args))
            result.ret_equal += ret_ok
            result.args_equal += args_ok
            if not ret_ok or not args_ok:
                kind = "ret" if args_ok else "args" if ret_ok else "args+ret"
                result.disagreements.append(
                    Disagreement(workload, tid, kind, c.line, event_line(ev)))
    return result


class _Collect:
    """A sink that keeps every event in memory."""

    def __init__(self) -> None:
        self.kept: list[TraceEvent] = []

    def event(self, ev: TraceEvent) -> None:
        self.kept.append(ev)

    def events(self, evs: list[TraceEvent]) -> None:
        self.kept.extend(evs)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self, counts: TraceCounts) -> None:
        self.counts = counts


def guest_command(workload: str, strsize: int = 32) -> list[str]:
    """The guest argv: strace runs the program, then its output goes to stderr."""
    prog = f"{GUEST_BIN}/{workload}"
    script = (f"strace -f -s {strsize} -o {STRACE_OUT} {prog}; status=$?; "
              f"echo '{MARKER}' >&2; cat {STRACE_OUT} >&2; exit $status")
    return ["sh", "-c", script]


def strace_output(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace")
    head, sep, tail = text.partition(MARKER + "\n")
    if not sep:
        raise VmstraceError(f"strace's output did not come back from the guest:\n{head[-2000:]}")
    return tail


def run_workload(workload: str, *, initrd: Path, strsize: int = 32,
                 timeout: float = 600.0) -> WorkloadResult:
    """Boots the guest once: strace runs ``workload`` while vmstrace traces the run."""
    from vmstrace.session import RunOptions, run

    sink = _Collect()
    out, err = io.BytesIO(), io.BytesIO()
    opts = RunOptions(argv=guest_command(workload, strsize), initrd=initrd, strsize=strsize,
                      timeout=timeout)
    status = run(opts, [sink], out, err).exit_status
    result = compare(workload, parse_strace(strace_output(err.getvalue())), sink.kept)
    result.exit_status = status
    result.stdout = out.getvalue()
    result.counts = sink.counts
    return result


def run_conformance(workloads: Sequence[str] = WORKLOADS, *, strsize: int = 32,
                    progress: Callable[[str], None] | None = None) -> list[WorkloadResult]:
    """Runs each workload in its own guest and compares; the library side of the command."""
    from vmstrace.guest.strace_image import build_strace_initramfs
    from vmstrace.session import cache_dir

    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        raise VmstraceError(f"unknown workload {', '.join(unknown)}; choose from "
                            + ", ".join(WORKLOADS))
    initrd = build_strace_initramfs(cache_dir())
    results = []
    for w in workloads:
        if progress is not None:
            progress(w)
        results.append(run_workload(w, initrd=initrd, strsize=strsize))
    return results


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render_report(results: Sequence[WorkloadResult], *, show: int = 50) -> Iterable[object]:
    """Rich renderables: the table, then up to ``show`` disagreements per workload."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="vmstrace vs strace (same guest run)")
    for col in ("workload", "threads", "strace calls", "names", "returns", "arguments",
                "extra", "exit"):
        table.add_column(col, justify="left" if col == "workload" else "right")
    for r in results:
        style = "green" if r.meets_targets else "red"
        table.add_row(r.workload, str(r.threads), str(r.strace_calls),
                      f"{r.matched}/{r.strace_calls} {_pct(r.names)}",
                      f"{r.ret_equal}/{r.matched} {_pct(r.rets)}",
                      f"{r.args_equal}/{r.matched} {_pct(r.args)}",
                      str(r.extra), str(r.exit_status), style=style)
    yield table
    for r in results:
        for d in r.disagreements[:show]:
            yield Text(f"{d.workload} [tid {d.tid}] {d.kind}\n  strace:   {d.strace}\n"
                       f"  vmstrace: {d.vmstrace}")
        if len(r.disagreements) > show:
            yield Text(f"{r.workload}: {len(r.disagreements) - show} more disagreements")
