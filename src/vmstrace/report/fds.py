"""The guest's file descriptor tables, as a trace shows them being made and changed: what
each fd of each thread refers to, so the report can say what a read or write touched.

A thread's table is shared with the threads cloned with ``CLONE_FILES`` and copied for a
fork; a successful exec keeps the entries without close-on-exec.  An fd no followed call
made is entered, when first used, as ``fd N (not opened in the trace)``: its origin is
unknown (inherited from before the trace, or made by a call the report does not follow),
and the report says so rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vmstrace.report import parse


@dataclass(slots=True)
class Obj:
    """An open file description: what an fd refers to (shared by dup'ed fds)."""

    category: str  # "file", "net", "pipe", "other", "unknown"
    label: str  # the path, "pipe (call 12) read end", "fd 1 (not opened in the trace)"
    kind: str = ""  # a socket's TCP/UDP/UNIX-STREAM...
    local: str | None = None  # a socket's bound address
    peer: str | None = None  # a socket's connected / accepted peer


Table = dict[int, tuple[Obj, bool]]  # fd → (what it refers to, close-on-exec)


class FdTables:
    """Every thread's table (threads sharing one hold the same dict)."""

    def __init__(self) -> None:
        self.tables: dict[int, Table] = {}

    def of(self, tid: int, pid: int) -> Table:
        table = self.tables.get(tid)
        if table is None:
            # Not seen made by a followed clone: a thread of a known process shares its
            # table (what pthread_create asks for); anything else starts empty, each of
            # its descriptors then being one not opened in the trace.
            main = self.tables.get(pid) if tid != pid else None
            table = self.tables[tid] = main if main is not None else {}
        return table

    @staticmethod
    def obj(table: Table, fd: int) -> Obj:
        """What ``fd`` refers to; an fd no followed call made is entered as unknown."""
        entry = table.get(fd)
        if entry is None:
            obj = Obj("unknown", f"fd {fd} (not opened in the trace)")
            table[fd] = (obj, False)
            return obj
        return entry[0]

    def cloned(self, child: int, table: Table, share: bool) -> None:
        """A clone made thread ``child``: it shares ``table`` (CLONE_FILES) or gets a copy.
        (A child whose first call came before its parent's clone returned keeps its own.)"""
        if child not in self.tables:
            self.tables[child] = table if share else dict(table)

    def executed(self, tid: int, table: Table, threads: Iterable[int]) -> None:
        """A successful exec by ``tid``: the close-on-exec entries go, the table is the
        program's own (unshared), and the process's other threads are gone."""
        self.tables[tid] = {fd: entry for fd, entry in table.items() if not entry[1]}
        for t in threads:
            if t != tid:
                self.tables.pop(t, None)

    @staticmethod
    def close(table: Table, name: str, args: Sequence[str]) -> None:
        """close(fd); close_range(first, last, flags)."""
        if name == "close_range":
            lo = parse.int_value(args[0]) if args else None
            hi = parse.int_value(args[1]) if len(args) > 1 else None
            if lo is None or hi is None:
                return
            cloexec_only = len(args) > 2 and "CLOSE_RANGE_CLOEXEC" in args[2]
            for fd in [fd for fd in table if lo <= fd <= hi]:
                if cloexec_only:
                    table[fd] = (table[fd][0], True)
                else:
                    del table[fd]
            return
        one = parse.fd_number(args[0]) if args else None
        if one is not None:
            table.pop(one, None)

    @classmethod
    def dup(cls, table: Table, name: str, args: Sequence[str], ret: int | None) -> None:
        """dup(old) = new; dup2(old, new) = new; dup3(old, new, flags) = new."""
        old = parse.fd_number(args[0]) if args else None
        if old is None or ret is None or ret < 0:
            return
        if name == "dup2" and ret == old:
            return  # dup2(fd, fd): nothing changes
        cloexec = name == "dup3" and len(args) > 2 and "O_CLOEXEC" in args[2]
        table[ret] = (cls.obj(table, old), cloexec)  # (over an open fd: closes it first)

    @classmethod
    def fcntl(cls, table: Table, args: Sequence[str], ret: int | None) -> None:
        """fcntl(F_DUPFD / F_DUPFD_CLOEXEC) = new; fcntl(fd, F_SETFD, flags)."""
        if len(args) < 2:
            return
        fd = parse.fd_number(args[0])
        cmd = parse.FCNTL_CMDS.get(args[1], parse.int_value(args[1]))
        if fd is None or cmd is None:
            return
        if cmd in (parse.F_DUPFD, parse.F_DUPFD_CLOEXEC) and ret is not None and ret >= 0:
            table[ret] = (cls.obj(table, fd), cmd == parse.F_DUPFD_CLOEXEC)
        elif cmd == parse.F_SETFD and len(args) > 2:
            on = bool(parse.flag_bits(args[2], {"FD_CLOEXEC": parse.FD_CLOEXEC}) & 1)
            table[fd] = (cls.obj(table, fd), on)
