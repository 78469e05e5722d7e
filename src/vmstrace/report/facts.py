"""The facts of a trace: its process tree, and what each process did to files, programs,
the network and signals, and which calls failed — each fact with the calls it came from.

:class:`FactsBuilder` takes the calls in trace order (``call()``), the note and end
records, and the closing stats; ``summary()`` is the result, a plain JSON-ready dict
(docs/report.md).  Each call gets an index, its number among the trace's syscall records
from 0, which is what facts link to.

File descriptors are followed per descriptor table (``fds.py``): open/openat/openat2/
creat/socket/socketpair/accept/pipe/dup/dup2/dup3/fcntl(F_DUPFD)/any call the syscall table
says returns an fd make entries; close/close_range/dup2 over an open fd remove them; clone
without CLONE_FILES and fork copy the table, CLONE_FILES shares it; a successful exec drops
the close-on-exec entries.  A descriptor no followed call made was open before the trace
(or came from a call not followed): it is reported as such, never guessed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vmstrace.report import parse
from vmstrace.report.fds import FdTables, Obj, Table
from vmstrace.syscalls import TABLES, Flag

MAX_LINKS = 1000  # call indices kept per fact (its count and bytes are exact)

_EXEC = TABLES.names(Flag.EXEC)
_FORK = TABLES.names(Flag.FORK)
_RETURNS_FD = TABLES.names(Flag.RETURNS_FD)
_OPENS = {"open": 0, "openat": 1, "openat2": 1, "creat": 0}  # → the path argument
_READS = {"read", "pread64", "readv", "preadv", "preadv2"}
_WRITES = {"write", "pwrite64", "writev", "pwritev", "pwritev2"}
_RECVS = {"recvfrom", "recvmsg", "recvmmsg"}
_SENDS = {"sendto", "sendmsg", "sendmmsg"}
_SIGNALS = {  # the call → (target argument, signal argument)
    "kill": (0, 1),
    "tkill": (0, 1),
    "tgkill": (1, 2),
    "rt_sigqueueinfo": (0, 1),
    "rt_tgsigqueueinfo": (1, 2),
    "pidfd_send_signal": (0, 1),
}
_NOTE_SIGNAL = re.compile(r"--- (SIG[A-Z0-9+]+|\S+) ")
_NOTE_EXIT = re.compile(r"\+\+\+ (exited with (-?\d+)|killed by (\S+)(?: \(core dumped\))?) \+\+\+")


@dataclass(slots=True)
class Call:
    """A call that did not fail, as the handlers below see it."""

    index: int
    name: str
    proc: Proc
    tid: int
    table: Table
    args: Sequence[str]
    ret: int | None
    raw: Sequence[int]
    ts: int
    ts_exit: int | None


@dataclass(slots=True)
class Fact:
    category: str
    kind: str
    pid: int | None
    subject: str
    detail: str = ""
    count: int = 0
    bytes: int = 0
    calls: list[int] = field(default_factory=list)

    def add(self, index: int | None, nbytes: int = 0) -> None:
        self.count += 1
        self.bytes += nbytes
        if index is not None and len(self.calls) < MAX_LINKS:
            self.calls.append(index)


@dataclass(slots=True)
class Proc:
    pid: int
    ppid: int | None
    comm: str | None
    start: int | None = None  # ns since trace start: its clone's return, else first call
    end: int | None = None
    exit: str | None = None  # "exited with 0", "killed by SIGKILL"
    exe: str | None = None  # the task's executable (the trace's exe field)
    execs: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    threads: set[int] = field(default_factory=set)
    created_by: int | None = None  # the call (index) in its parent that made it
    first_call: int | None = None
    last_call: int | None = None
    cwd: str | None = None  # known once getcwd/chdir says it


def visible(text: str | None) -> str | None:
    """``text`` with each byte that was not UTF-8 (the trace's ``\\udc80``-``\\udcff``) as
    ``\\xNN``: shown as the byte it was, where a browser would show U+FFFD."""
    if text is None or text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate no byte makes: shown as its escape
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")


def _ret_bytes(ret: int | None) -> int:
    return ret if ret is not None and ret > 0 else 0


class FactsBuilder:
    """Reads a trace's records in order and keeps its facts (see the module docstring)."""

    def __init__(self) -> None:
        self.procs: dict[int, Proc] = {}
        self.facts: dict[tuple[str, str, int | None, str, str], Fact] = {}
        self.fds = FdTables()
        self.thread_pid: dict[int, int] = {}
        self.last_call_of: dict[int, int] = {}  # tid → its latest call's index
        self.ncalls = 0
        self.names: dict[str, int] = {}  # syscall name → calls
        self.stats: dict[str, Any] | None = None
        self.problems: list[str] = []  # what makes the trace incomplete, said plainly

    # --- the facts ------------------------------------------------------------------

    def fact(
        self, category: str, kind: str, pid: int | None, subject: str, detail: str = ""
    ) -> Fact:
        key = (category, kind, pid, subject, detail)
        got = self.facts.get(key)
        if got is None:
            got = self.facts[key] = Fact(category, kind, pid, subject, detail)
        return got

    def _proc(self, pid: int, ppid: int | None, comm: str | None, ts: int | None) -> Proc:
        proc = self.procs.get(pid)
        if proc is None:
            proc = self.procs[pid] = Proc(pid, ppid, comm, start=ts)
        return proc

    def _path(self, proc: Proc, table: Table, dirfd: str | None, text: str) -> str | None:
        path = parse.unquote(text)
        if path is None or path.startswith("/"):
            return None if path is None else posixpath.normpath(path) if path else path
        base: str | None = None
        fd = parse.fd_number(dirfd) if dirfd is not None else None
        if fd is None:  # AT_FDCWD, or a path call without a dirfd
            base = proc.cwd
        else:
            entry = table.get(fd)
            if entry is not None and entry[0].category == "file":
                base = entry[0].label
        return posixpath.normpath(posixpath.join(base, path)) if base else path

    # --- the records ----------------------------------------------------------------

    def call(
        self,
        *,
        pid: int | None,
        tid: int | None,
        ppid: int | None,
        comm: str | None,
        exe: str | None,
        ts: int,
        ts_exit: int | None,
        name: str,
        args: Sequence[str],
        ret: int | None,
        error: str | None,
        raw_args: Sequence[int] = (),
    ) -> int:
        """One syscall record; returns its index."""
        index = self.ncalls
        self.ncalls += 1
        self.names[name] = self.names.get(name, 0) + 1
        if pid is None:
            return index
        if tid is None:
            tid = pid
        proc = self._proc(pid, ppid, comm, ts)
        proc.calls += 1
        if proc.first_call is None:
            proc.first_call = index
        proc.last_call = index
        if comm is not None:
            proc.comm = comm
        if exe is not None:
            proc.exe = exe
        if tid != pid:
            proc.threads.add(tid)
        self.thread_pid[tid] = pid
        self.last_call_of[tid] = index
        table = self.fds.of(tid, pid)
        if error is not None:
            self.fact("error", error, pid, name).add(index)
            if name in ("connect", "bind"):  # a refused connection says where it went
                self._net_address(name, pid, args, index, error)
            elif name in _SIGNALS:
                self._signal(name, pid, args, index, error)
            return index
        if ret is None and name not in ("exit_group", "exit"):
            return index  # unfinished, or its result unknown: nothing it did is known
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, Call(index, name, proc, tid, table, args, ret, raw_args, ts, ts_exit))
        elif name in _RETURNS_FD and ret is not None and ret >= 0:
            table[ret] = (Obj("other", f"{name} (call {index})"), "CLOEXEC" in " ".join(args))
        return index

    def note(self, tid: int | None, text: str) -> None:
        """A note record (a signal delivered, a process's exit), after the call it follows."""
        pid = self.thread_pid.get(tid, tid) if tid is not None else None
        m = _NOTE_SIGNAL.match(text)
        if m:
            at = self.last_call_of.get(tid) if tid is not None else None
            self.fact("signal", "received", pid, m.group(1)).add(at)
            return
        m = _NOTE_EXIT.match(text)
        if m and pid is not None:
            proc = self.procs.get(pid)
            if proc is not None and proc.exit is None:
                proc.exit = m.group(1)
            if m.group(3):
                self.fact("signal", "killed by", pid, m.group(3)).add(
                    self.last_call_of.get(tid) if tid is not None else None
                )

    def end(
        self,
        *,
        ts: int,
        pid: int | None,
        tid: int | None,
        comm: str | None,
        killed_by: str | None,
        exit_code: int | None,
        core_dumped: bool = False,
    ) -> None:
        """An end record: a thread's end its reaper told (killed, or exited unseen)."""
        if pid is None:
            return
        proc = self._proc(pid, None, comm, None)
        if tid == pid or tid is None:
            proc.end = ts if proc.end is None else proc.end
            if proc.exit is None:
                if killed_by is not None:
                    core = " (core dumped)" if core_dumped else ""
                    proc.exit = f"killed by {killed_by}{core}"
                elif exit_code is not None:
                    proc.exit = f"exited with {exit_code}"
        if killed_by is not None:
            self.fact("signal", "killed by", pid, killed_by).add(proc.last_call)

    def close(self, stats: dict[str, Any] | None) -> None:
        """The stream's stats record (None: the trace has none, it was cut)."""
        self.stats = stats
        if stats is None:
            self.problems.append(
                "the trace has no final stats record: it was cut short (the run was "
                "killed, or the file truncated), so it may lack calls and processes"
            )
        elif not stats.get("complete", False):
            reason = stats.get("reason")
            self.problems.append(
                "the trace is incomplete"
                + (f" ({reason})" if reason else "")
                + ": vmstrace's stats record says not every call was delivered or paired"
            )

    # --- the result -----------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        procs = [
            {
                "pid": p.pid,
                "ppid": p.ppid,
                "comm": visible(p.comm),
                "exe": visible(p.exe),
                "execs": p.execs,
                "start_ns": p.start,
                "end_ns": p.end,
                "exit": p.exit,
                "calls": p.calls,
                "threads": sorted(p.threads),
                "created_by": p.created_by,
                "first_call": p.first_call,
                "last_call": p.last_call,
            }
            for p in sorted(self.procs.values(), key=lambda p: p.pid)
        ]
        facts = [
            {
                "category": f.category,
                "kind": f.kind,
                "pid": f.pid,
                "subject": f.subject,
                "detail": f.detail,
                "count": f.count,
                "bytes": f.bytes,
                "calls": f.calls,
            }
            for f in self.facts.values()
        ]
        return {
            "complete": not self.problems,
            "problems": self.problems,
            "stats": self.stats,
            "calls": self.ncalls,
            "syscalls": dict(sorted(self.names.items(), key=lambda kv: -kv[1])),
            "processes": procs,
            "facts": facts,
            "max_links": MAX_LINKS,
        }

    # --- the calls that make facts ------------------------------------------------------

    def _open(self, c: Call) -> None:
        at = _OPENS[c.name]
        dirfd = c.args[0] if at == 1 and len(c.args) > 1 else None
        if len(c.args) <= at:
            return
        path = self._path(c.proc, c.table, dirfd, c.args[at])
        if path is None:
            path = c.args[at]
        if c.name == "creat":
            bits = parse.O_WRONLY | parse.O_CREAT | parse.O_TRUNC
        elif c.name == "openat2":
            m = re.search(r"flags=([^,}]+)", c.args[2] if len(c.args) > 2 else "")
            bits = parse.flag_bits(m.group(1), parse.O_FLAGS) if m else 0
        elif c.raw and len(c.raw) > at + 1:
            bits = c.raw[at + 1]
        else:
            bits = parse.flag_bits(c.args[at + 1], parse.O_FLAGS) if len(c.args) > at + 1 else 0
        mode = bits & parse.O_ACCMODE
        pid = c.proc.pid
        if mode != parse.O_WRONLY:
            self.fact("file", "read", pid, path).add(c.index)
        if mode in (parse.O_WRONLY, parse.O_RDWR) or bits & parse.O_TRUNC:
            self.fact("file", "write", pid, path).add(c.index)
        if bits & parse.O_CREAT:
            new = "new (O_EXCL)" if bits & parse.O_EXCL else "O_CREAT: new unless it existed"
            self.fact("file", "create", pid, path, new).add(c.index)
        if c.ret is not None and c.ret >= 0:
            c.table[c.ret] = (Obj("file", path), bool(bits & parse.O_CLOEXEC))

    def _io(self, c: Call) -> None:
        if not c.args:
            return
        fd = parse.fd_number(c.args[0])
        if fd is None:
            return
        writes = c.name in _WRITES or c.name in _SENDS
        self._transfer(
            c.proc.pid,
            c.table,
            fd,
            writes,
            c.ret if c.name not in ("sendmmsg", "recvmmsg") else 0,
            c.index,
        )
        if c.name in ("sendto",) and len(c.args) > 4:
            self._net_note_peer(c.table, fd, c.args[4])

    def _transfer(
        self, pid: int, table: Table, fd: int, writes: bool, nbytes: int | None, index: int
    ) -> None:
        obj = FdTables.obj(table, fd)
        n = _ret_bytes(nbytes)
        if obj.category == "net":
            self.fact("net", "send" if writes else "receive", pid, _describe(obj)).add(index, n)
        else:
            category = "file" if obj.category == "file" else "io"
            self.fact(category, "write" if writes else "read", pid, obj.label).add(index, n)

    def _net_note_peer(self, table: Table, fd: int, addr_text: str) -> None:
        addr = parse.sockaddr(addr_text)
        entry = table.get(fd)
        if addr and entry is not None and entry[0].peer is None:
            entry[0].peer = addr

    def _sendfile(self, c: Call) -> None:
        # sendfile(out, in, ...), copy_file_range(in, off, out, ...), splice(in, off, out, ...)
        src, dst = (1, 0) if c.name == "sendfile" else (0, 2)
        if len(c.args) <= max(src, dst):
            return
        fin, fout = parse.fd_number(c.args[src]), parse.fd_number(c.args[dst])
        if fin is not None:
            self._transfer(c.proc.pid, c.table, fin, False, c.ret, c.index)
        if fout is not None:
            self._transfer(c.proc.pid, c.table, fout, True, c.ret, c.index)

    def _close(self, c: Call) -> None:
        FdTables.close(c.table, c.name, c.args)

    def _dup(self, c: Call) -> None:
        FdTables.dup(c.table, c.name, c.args, c.ret)

    def _fcntl(self, c: Call) -> None:
        FdTables.fcntl(c.table, c.args, c.ret)

    def _pipe(self, c: Call) -> None:
        if c.name == "socketpair":
            m = re.fullmatch(r"\[(\d+), (\d+)\]", c.args[3]) if len(c.args) > 3 else None
            if m is None:
                return
            cloexec = "SOCK_CLOEXEC" in c.args[1]
            sk = parse.socket_kind(c.args[0], c.args[1])
            for fd in (int(m.group(1)), int(m.group(2))):
                c.table[fd] = (Obj("net", f"{sk} pair (call {c.index})", kind=sk), cloexec)
            self.fact("net", "socket", c.proc.pid, f"{sk} pair").add(c.index)
            return
        m = re.fullmatch(r"\[(\d+), (\d+)\]", c.args[0]) if c.args else None
        if m is None:
            return
        cloexec = len(c.args) > 1 and "O_CLOEXEC" in c.args[1]
        kind = "pipe"
        label = f"{kind} (call {c.index})"
        c.table[int(m.group(1))] = (Obj("pipe", label + " read end"), cloexec)
        c.table[int(m.group(2))] = (Obj("pipe", label + " write end"), cloexec)

    def _socket(self, c: Call) -> None:
        if len(c.args) < 2 or c.ret is None or c.ret < 0:
            return
        kind = parse.socket_kind(c.args[0], c.args[1])
        c.table[c.ret] = (
            Obj("net", f"{kind} socket (call {c.index})", kind=kind),
            "SOCK_CLOEXEC" in c.args[1],
        )
        self.fact("net", "socket", c.proc.pid, kind).add(c.index)

    def _net_address(
        self, name: str, pid: int, args: Sequence[str], index: int, error: str | None
    ) -> None:
        addr = parse.sockaddr(args[1]) if len(args) > 1 else None
        self.fact("net", name, pid, addr or (args[1] if len(args) > 1 else "?"), error or "").add(
            index
        )

    def _connect(self, c: Call) -> None:
        self._net_address(c.name, c.proc.pid, c.args, c.index, None)
        fd = parse.fd_number(c.args[0]) if c.args else None
        addr = parse.sockaddr(c.args[1]) if len(c.args) > 1 else None
        if fd is not None and addr is not None:
            obj = FdTables.obj(c.table, fd)
            if c.name == "bind":
                obj.local = addr
            else:
                obj.peer = addr

    def _listen(self, c: Call) -> None:
        fd = parse.fd_number(c.args[0]) if c.args else None
        if fd is not None:
            self.fact("net", "listen", c.proc.pid, _describe(FdTables.obj(c.table, fd))).add(
                c.index
            )

    def _accept(self, c: Call) -> None:
        fd = parse.fd_number(c.args[0]) if c.args else None
        if fd is None or c.ret is None or c.ret < 0:
            return
        listening = FdTables.obj(c.table, fd)
        peer = parse.sockaddr(c.args[1]) if len(c.args) > 1 else None
        cloexec = c.name == "accept4" and len(c.args) > 3 and "SOCK_CLOEXEC" in c.args[3]
        obj = Obj(
            "net", f"{listening.kind or 'socket'} accepted (call {c.index})", kind=listening.kind
        )
        obj.local, obj.peer = listening.local, peer
        c.table[c.ret] = (obj, cloexec)
        self.fact("net", "accept", c.proc.pid, listening.local or listening.label, peer or "").add(
            c.index
        )

    def _clone(self, c: Call) -> None:
        if c.ret is None or c.ret <= 0:
            return  # the child's own return (0), or nothing made
        flags = parse.clone_flags(c.args) if c.name in ("clone", "clone3") else 0
        self.fds.cloned(c.ret, c.table, share=bool(flags & parse.CLONE_FILES))
        if flags & parse.CLONE_THREAD:
            c.proc.threads.add(c.ret)
            self.thread_pid[c.ret] = c.proc.pid
            return
        child = self._proc(c.ret, c.proc.pid, c.proc.comm, c.ts_exit)
        child.created_by = c.index
        child.start = c.ts_exit if c.ts_exit is not None else c.ts
        child.ppid = c.proc.pid
        if child.exe is None:
            child.exe = c.proc.exe
        if child.cwd is None:
            child.cwd = c.proc.cwd

    def _exec(self, c: Call) -> None:
        at = 1 if c.name == "execveat" else 0
        if len(c.args) <= at:
            return
        path = parse.unquote(c.args[at]) or c.args[at]
        argv = parse.strings(c.args[at + 1]) if len(c.args) > at + 1 else None
        c.proc.execs.append({"path": path, "argv": argv, "call": c.index, "ts_ns": c.ts})
        self.fact("exec", "exec", c.proc.pid, path, " ".join(argv or [])).add(c.index)
        self.fds.executed(c.tid, c.table, c.proc.threads | {c.proc.pid})

    def _exit(self, c: Call) -> None:
        if c.name == "exit_group" or c.tid == c.proc.pid and not c.proc.threads:
            c.proc.end = c.ts
            status = parse.int_value(c.args[0]) if c.args else None
            if c.proc.exit is None and status is not None:
                c.proc.exit = f"exited with {status & 0xFF}"

    def _signal(
        self, name: str, pid: int, args: Sequence[str], index: int, error: str | None = None
    ) -> None:
        target, sig = _SIGNALS[name]
        if len(args) <= sig:
            return
        what = (
            "pidfd"
            if name == "pidfd_send_signal"
            else "tid"
            if name.startswith(("tkill", "tgkill", "rt_tg"))
            else "pid"
        )
        self.fact("signal", "sent", pid, f"{args[sig]} to {what} {args[target]}", error or "").add(
            index
        )

    def _sent(self, c: Call) -> None:
        self._signal(c.name, c.proc.pid, c.args, c.index)

    def _cwd(self, c: Call) -> None:
        if c.name == "getcwd":
            c.proc.cwd = parse.unquote(c.args[0]) if c.args else None
        elif c.name == "chdir":
            c.proc.cwd = self._path(c.proc, c.table, None, c.args[0]) if c.args else None
        else:  # fchdir
            fd = parse.fd_number(c.args[0]) if c.args else None
            entry = c.table.get(fd) if fd is not None else None
            c.proc.cwd = (
                entry[0].label if entry is not None and entry[0].category == "file" else None
            )
        if c.proc.cwd is not None and not c.proc.cwd.startswith("/"):
            c.proc.cwd = None

    def _path_op(self, c: Call) -> None:
        kind, at, dirfd, detail = _PATH_OPS[c.name]
        if len(c.args) <= at:
            return
        path = (
            self._path(c.proc, c.table, c.args[dirfd] if dirfd is not None else None, c.args[at])
            or c.args[at]
        )
        extra = ""
        if c.name in ("rename", "renameat", "renameat2"):
            new_at, new_dirfd = (1, None) if c.name == "rename" else (3, 2)
            if len(c.args) > new_at:
                dirtext = c.args[new_dirfd] if new_dirfd is not None else None
                extra = "to " + (
                    self._path(c.proc, c.table, dirtext, c.args[new_at]) or c.args[new_at]
                )
        elif c.name in ("link", "linkat", "symlink", "symlinkat"):
            target = parse.unquote(c.args[0]) or c.args[0]
            extra = f"{'symlink' if c.name.startswith('sym') else 'hard link'} to {target}"
        elif c.name == "unlinkat" and len(c.args) > 2 and "AT_REMOVEDIR" in c.args[2]:
            extra = "directory"
        elif detail is not None and len(c.args) > detail:
            extra = c.args[detail]
        self.fact("file", kind, c.proc.pid, path, extra).add(c.index)

    def _fchmod(self, c: Call) -> None:
        fd = parse.fd_number(c.args[0]) if c.args else None
        if fd is None or len(c.args) < 2:
            return
        kind = "chmod" if c.name == "fchmod" else "write"
        detail = c.args[1] if c.name == "fchmod" else f"truncated to {c.args[1]}"
        self.fact("file", kind, c.proc.pid, FdTables.obj(c.table, fd).label, detail).add(c.index)


def _describe(obj: Obj) -> str:
    """A socket as a fact names it: ``TCP → 127.0.0.1:4321``, ``TCP [::]:4321 ← ...``."""
    if obj.category != "net":
        return obj.label
    if obj.peer and obj.local:
        return f"{obj.kind} {obj.local} ↔ {obj.peer}"
    if obj.peer:
        return f"{obj.kind} → {obj.peer}"
    if obj.local:
        return f"{obj.kind} {obj.local}"
    return obj.label


# path calls: name → (fact kind, path argument, dirfd argument, detail argument)
_PATH_OPS: dict[str, tuple[str, int, int | None, int | None]] = {
    "unlink": ("delete", 0, None, None),
    "unlinkat": ("delete", 1, 0, None),
    "rmdir": ("delete", 0, None, None),
    "rename": ("rename", 0, None, None),
    "renameat": ("rename", 1, 0, None),
    "renameat2": ("rename", 1, 0, None),
    "chmod": ("chmod", 0, None, 1),
    "fchmodat": ("chmod", 1, 0, 2),
    "mkdir": ("create", 0, None, None),
    "mkdirat": ("create", 1, 0, None),
    "mknod": ("create", 0, None, 1),
    "mknodat": ("create", 1, 0, 2),
    "link": ("create", 1, None, None),
    "linkat": ("create", 3, 2, None),
    "symlink": ("create", 1, None, None),
    "symlinkat": ("create", 2, 1, None),
    "truncate": ("write", 0, None, None),
}

_HANDLERS: dict[str, Callable[[FactsBuilder, Call], None]] = {
    **dict.fromkeys(_OPENS, FactsBuilder._open),
    **dict.fromkeys(_READS | _WRITES | _RECVS | _SENDS, FactsBuilder._io),
    **dict.fromkeys(_PATH_OPS, FactsBuilder._path_op),
    **dict.fromkeys(_SIGNALS, FactsBuilder._sent),
    **dict.fromkeys(_EXEC, FactsBuilder._exec),
    **dict.fromkeys(_FORK, FactsBuilder._clone),
    **dict.fromkeys(("sendfile", "copy_file_range", "splice"), FactsBuilder._sendfile),
    **dict.fromkeys(("close", "close_range"), FactsBuilder._close),
    **dict.fromkeys(("dup", "dup2", "dup3"), FactsBuilder._dup),
    **dict.fromkeys(("pipe", "pipe2", "socketpair"), FactsBuilder._pipe),
    **dict.fromkeys(("connect", "bind"), FactsBuilder._connect),
    **dict.fromkeys(("accept", "accept4"), FactsBuilder._accept),
    **dict.fromkeys(("exit", "exit_group"), FactsBuilder._exit),
    **dict.fromkeys(("getcwd", "chdir", "fchdir"), FactsBuilder._cwd),
    **dict.fromkeys(("fchmod", "ftruncate"), FactsBuilder._fchmod),
    "fcntl": FactsBuilder._fcntl,
    "socket": FactsBuilder._socket,
    "listen": FactsBuilder._listen,
}
