"""`--tree`: the process tree of a run, rebuilt from the trace and printed at the end.

Each process (thread group) is a node: pid, parent, name, the program it exec'd, how it
ended and how many syscalls it made.  Everything comes from the events themselves: the
kernel's parent pid, successful execve calls, exit_group's status, clone's results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.decode.fmt import escape
from vmstrace.syscalls import TABLES, Flag

EXECVE = TABLES.names(Flag.EXEC)
MAX_PROCS = 1 << 16  # processes kept (the guest decides how many it makes)
EXITS = frozenset({"exit_group"})


@dataclass
class Proc:
    pid: int
    ppid: int | None
    comm: str | None
    exe: str | None = None
    exit: str | None = None
    syscalls: int = 0
    threads: set[int] = field(default_factory=set)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


class ProcessTreeSink:
    """Collects the process tree; `close` prints it."""

    args_for = EXECVE | EXITS  # the calls whose arguments it reads (sinks/base.py)

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.procs: dict[int, Proc] = {}
        self.untracked: set[int] = set()  # (bounded too) pids seen past MAX_PROCS
        self.more = 0  # processes past MAX_PROCS, not shown

    def _proc(self, ev: TraceEvent) -> Proc | None:
        if ev.pid is None:
            return None
        proc = self.procs.get(ev.pid)
        if proc is None:
            if len(self.procs) >= MAX_PROCS:
                if ev.pid not in self.untracked and len(self.untracked) < MAX_PROCS:
                    self.untracked.add(ev.pid)
                    self.more += 1
                return None
            proc = self.procs[ev.pid] = Proc(ev.pid, ev.ppid, ev.comm)
        return proc

    def event(self, ev: TraceEvent) -> None:
        proc = self._proc(ev)
        if proc is None:
            return
        proc.syscalls += 1
        if ev.tid is not None and ev.tid != ev.pid:
            proc.threads.add(ev.tid)
        if ev.name in EXECVE:
            if ev.ret == 0 and ev.args:
                proc.exe = _unquote(ev.args[1 if ev.name == "execveat" else 0])
        elif ev.comm:
            proc.comm = ev.comm  # the latest name (an execve entry still has the old one)
        if ev.name in EXITS and ev.args:
            proc.exit = f"exit {ev.args[0]}"

    def events(self, evs: list[TraceEvent]) -> None:
        for ev in evs:
            self.event(ev)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        pass

    def end(self, ev: EndEvent) -> None:
        proc = self.procs.get(ev.pid) if ev.pid is not None else None
        if proc is not None and proc.exit is None and ev.killed_by is not None:
            proc.exit = f"killed by {ev.killed_by}"

    def flush(self) -> None:
        pass  # everything is printed at close

    def close(self, counts: TraceCounts) -> None:
        if not self.procs:
            return
        tree = Tree("process tree", guide_style="dim")
        seen: set[int] = set()
        roots = [p for p in self.procs.values() if p.ppid not in self.procs]
        for root in sorted(roots, key=lambda p: p.pid):
            self._add(tree, root, seen)
        # Hostile or cut data can leave cycles with no root: show them anyway, once each.
        for proc in sorted(self.procs.values(), key=lambda p: p.pid):
            if proc.pid not in seen:
                self._add(tree, proc, seen)
        if self.more:
            least = "at least " if len(self.untracked) >= MAX_PROCS else ""
            tree.add(
                f"vmstrace: {least}{self.more} more processes not shown (it keeps {MAX_PROCS})",
                highlight=False,
            )
        Console(file=self.out, width=200, highlight=False, soft_wrap=True).print(tree)

    def label(self, p: Proc) -> str:
        # comm is the guest's word: escaped; exe comes from execve's quoted argument
        parts = [
            f"pid {p.pid}",
            f"ppid {p.ppid if p.ppid is not None else '?'}",
            escape(p.comm) if p.comm else "?",
        ]
        if p.exe:
            parts.append(f"exec {p.exe}")
        if p.threads:
            parts.append(f"{len(p.threads) + 1} threads")
        parts.append(p.exit or "exit ?")
        parts.append(f"{p.syscalls} syscalls")
        return "  ".join(parts)

    def _add(self, parent: Tree, p: Proc, seen: set[int], depth: int = 0) -> None:
        seen.add(p.pid)
        # a Text, not a str: rich would read "[...]" in guest names as its markup
        node = parent.add(Text(self.label(p)), highlight=False)
        if depth > 64:  # the tree comes from guest data: bound the recursion
            return
        children = [c for c in self.procs.values() if c.ppid == p.pid and c.pid not in seen]
        for child in sorted(children, key=lambda c: c.pid):
            self._add(node, child, seen, depth + 1)
