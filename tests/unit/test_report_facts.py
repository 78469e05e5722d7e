"""The report's facts on crafted call lists: file descriptors followed through dup2 over
an open fd, close-on-exec, CLONE_FILES threads and forks, pipes; an fd from before the
trace named as such; the process tree; addresses and strings read back from their text."""

from __future__ import annotations

import pytest

from vmstrace.report import parse
from vmstrace.report.facts import FactsBuilder


class Trace:
    """Calls made as a trace would have them: ``t.call(pid, "openat", [...], 3)``."""

    def __init__(self) -> None:
        self.b = FactsBuilder()

    def call(self, pid, name, args, ret, error=None, tid=None, ppid=1, ts=0):
        return self.b.call(
            pid=pid, tid=tid if tid is not None else pid, ppid=ppid, comm="p", exe=None,
            ts=ts, ts_exit=ts, name=name, args=args, ret=ret, error=error,
        )  # fmt: skip

    def facts(self, category=None, kind=None, pid=None):
        return {
            (f.kind, f.pid, f.subject, f.detail, f.count, f.bytes, tuple(f.calls))
            for f in self.b.facts.values()
            if (category is None or f.category == category)
            and (kind is None or f.kind == kind)
            and (pid is None or f.pid == pid)
        }

    def io(self, kind):  # (pid, subject, bytes) of the reads or writes
        return {
            (f.pid, f.subject, f.bytes)
            for f in self.b.facts.values()
            if f.kind == kind and f.category in ("file", "io")
        }


def opened(t, pid, path, fd, flags="O_RDONLY"):
    return t.call(pid, "openat", ["AT_FDCWD", f'"{path}"', flags], fd)


def test_dup2_over_an_open_fd_replaces_it():
    t = Trace()
    opened(t, 10, "/a", 3)
    opened(t, 10, "/b", 4, "O_WRONLY")
    t.call(10, "dup2", ["3", "4"], 4)
    t.call(10, "read", ["4", '"x"', "1"], 1)
    t.call(10, "close", ["3"], 0)
    t.call(10, "read", ["4", '"yz"', "2"], 2)
    assert t.io("read") == {(10, "/a", 3)}
    assert t.io("write") == {(10, "/b", 0)}


def test_close_on_exec_drops_only_the_cloexec_fds():
    t = Trace()
    opened(t, 10, "/keep", 3, "O_WRONLY")
    opened(t, 10, "/gone", 4, "O_WRONLY|O_CLOEXEC")
    t.call(10, "fcntl", ["3", "F_DUPFD_CLOEXEC", "10"], 10)
    t.call(10, "dup3", ["3", "11", "O_CLOEXEC"], 11)
    t.call(10, "execve", ['"/bin/x"', '["x", "-v"]', "0x1 /* 1 var */"], 0)
    for fd in (3, 4, 10, 11):
        t.call(10, "write", [str(fd), '"ab"', "2"], 2)
    assert t.io("write") == {
        (10, "/keep", 2),
        (10, "/gone", 0),
        (10, "fd 4 (not opened in the trace)", 2),
        (10, "fd 10 (not opened in the trace)", 2),
        (10, "fd 11 (not opened in the trace)", 2),
    }


def test_fcntl_setfd_and_dupfd():
    t = Trace()
    opened(t, 10, "/f", 3)
    t.call(10, "fcntl", ["3", "F_DUPFD", "5"], 5)
    t.call(10, "fcntl", ["3", "F_SETFD", "FD_CLOEXEC"], 0)
    t.call(10, "execve", ['"/bin/x"', '["x"]', "0x1"], 0)
    t.call(10, "read", ["5", '"abc"', "3"], 3)
    t.call(10, "read", ["3", '"abc"', "3"], 3)
    assert t.io("read") == {(10, "/f", 3), (10, "fd 3 (not opened in the trace)", 3)}


THREAD = "flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM"
FORK = "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"


def test_clone_files_threads_share_the_table_and_a_fork_copies_it():
    t = Trace()
    opened(t, 10, "/before", 3)
    t.call(10, "clone", ["child_stack=0x7f00", THREAD, "parent_tid=[11]"], 11)
    t.call(10, "openat", ["AT_FDCWD", '"/thread"', "O_WRONLY"], 4, tid=11)
    t.call(10, "write", ["4", '"main"', "4"], 4)  # the main thread writes the thread's fd
    fork = t.call(10, "clone", ["child_stack=NULL", FORK, "child_tidptr=0x1"], 20)
    opened(t, 10, "/parent-after-fork", 5)
    t.call(20, "read", ["3", '"c"', "1"], 1, ppid=10)  # the copy has what was open before
    t.call(20, "read", ["5", '"c"', "1"], 1, ppid=10)  # not what the parent opened after
    assert t.io("write") == {(10, "/thread", 4)}
    assert t.io("read") == {
        (10, "/before", 0),
        (10, "/parent-after-fork", 0),
        (20, "/before", 1),
        (20, "fd 5 (not opened in the trace)", 1),
    }
    procs = t.b.summary()["processes"]
    assert [(p["pid"], p["ppid"], p["threads"], p["created_by"]) for p in procs] == [
        (10, 1, [11], None),
        (20, 10, [], fork),
    ]


def test_pipe_ends_through_a_fork():
    t = Trace()
    made = t.call(10, "pipe2", ["[3, 4]", "0"], 0)
    t.call(10, "clone", ["child_stack=NULL", FORK, "child_tidptr=0x1"], 20)
    t.call(10, "close", ["4"], 0)
    t.call(20, "close", ["3"], 0, ppid=10)
    t.call(20, "write", ["4", '"ping\\n"', "5"], 5, ppid=10)
    t.call(10, "read", ["3", '"ping\\n"', "1024"], 5)
    assert t.io("write") == {(20, f"pipe (call {made}) write end", 5)}
    assert t.io("read") == {(10, f"pipe (call {made}) read end", 5)}


def test_an_fd_from_before_the_trace_is_said_to_be_one():
    t = Trace()
    i = t.call(10, "write", ["1", '"hello\\n"', "6"], 6)
    assert t.facts("io") == {("write", 10, "fd 1 (not opened in the trace)", "", 1, 6, (i,))}


def test_file_operations_with_paths_resolved_from_the_cwd():
    t = Trace()
    t.call(10, "getcwd", ['"/tmp"', "4096"], 5)
    t.call(10, "chdir", ['"r"'], 0)
    o = opened(t, 10, "a.txt", 3, "O_WRONLY|O_CREAT|O_TRUNC")
    w = t.call(10, "write", ["3", '"hello\\n"', "6"], 6)
    r = t.call(10, "rename", ['"a.txt"', '"/tmp/r/b.txt"'], 0)
    c = t.call(10, "chmod", ['"b.txt"', "0600"], 0)
    u = t.call(10, "unlinkat", ["AT_FDCWD", '"b.txt"', "0"], 0)
    f = t.call(10, "unlink", ['"b.txt"'], -2, "ENOENT")
    assert t.facts("file") == {
        ("write", 10, "/tmp/r/a.txt", "", 2, 6, (o, w)),
        ("create", 10, "/tmp/r/a.txt", "O_CREAT: new unless it existed", 1, 0, (o,)),
        ("rename", 10, "/tmp/r/a.txt", "to /tmp/r/b.txt", 1, 0, (r,)),
        ("chmod", 10, "/tmp/r/b.txt", "0600", 1, 0, (c,)),
        ("delete", 10, "/tmp/r/b.txt", "", 1, 0, (u,)),
    }
    assert t.facts("error") == {("ENOENT", 10, "unlink", "", 1, 0, (f,))}


def test_relative_path_with_an_unknown_cwd_stays_relative():
    t = Trace()
    opened(t, 10, "x/y", 3)
    assert {f[2] for f in t.facts("file")} == {"x/y"}


def test_network_addresses_and_bytes():
    t = Trace()
    s = t.call(10, "socket", ["AF_INET", "SOCK_STREAM|SOCK_CLOEXEC", "IPPROTO_IP"], 3)
    addr = '{sa_family=AF_INET, sin_port=htons(4321), sin_addr=inet_addr("127.0.0.1")}'
    c = t.call(10, "connect", ["3", addr, "16"], 0)
    w = t.call(10, "write", ["3", '"ping\\n"', "5"], 5)
    r = t.call(10, "recvfrom", ["3", '"pong"', "1024", "0", "NULL", "NULL"], 4)
    s6 = t.call(20, "socket", ["AF_INET6", "SOCK_STREAM", "IPPROTO_IP"], 3)
    any6 = (
        "{sa_family=AF_INET6, sin6_port=htons(4321), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "::", &sin6_addr), sin6_scope_id=0}'
    )
    b = t.call(20, "bind", ["3", any6, "28"], 0)
    lst = t.call(20, "listen", ["3", "1"], 0)
    a = t.call(20, "accept", ["3", "NULL", "NULL"], 4)
    rr = t.call(20, "read", ["4", '"ping\\n"', "1024"], 5)
    refused = t.call(30, "connect", ["3", addr, "16"], -111, "ECONNREFUSED")
    assert t.facts("net") == {
        ("socket", 10, "TCP", "", 1, 0, (s,)),
        ("connect", 10, "127.0.0.1:4321", "", 1, 0, (c,)),
        ("send", 10, "TCP → 127.0.0.1:4321", "", 1, 5, (w,)),
        ("receive", 10, "TCP → 127.0.0.1:4321", "", 1, 4, (r,)),
        ("socket", 20, "TCPv6", "", 1, 0, (s6,)),
        ("bind", 20, "[::]:4321", "", 1, 0, (b,)),
        ("listen", 20, "TCPv6 [::]:4321", "", 1, 0, (lst,)),
        ("accept", 20, "[::]:4321", "", 1, 0, (a,)),
        ("receive", 20, "TCPv6 [::]:4321", "", 1, 5, (rr,)),
        ("connect", 30, "127.0.0.1:4321", "ECONNREFUSED", 1, 0, (refused,)),
    }


def test_process_tree_exec_exit_and_signals():
    t = Trace()
    e = t.call(10, "execve", ['"/bin/sh"', '["sh", "-c", "x\\ty"]', "0x1 /* 2 vars */"], 0, ts=5)
    cl = t.call(10, "clone", ["child_stack=NULL", FORK, "child_tidptr=0x1"], 20, ts=7)
    k = t.call(10, "kill", ["20", "SIGTERM"], 0, ts=9)
    t.b.note(10, "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED} ---")
    t.b.end(ts=11, pid=20, tid=20, comm=None, killed_by="SIGTERM", exit_code=None)
    t.call(10, "exit_group", ["3"], None, ts=12)
    t.b.note(10, "+++ exited with 3 +++")
    procs = {p["pid"]: p for p in t.b.summary()["processes"]}
    assert procs[10]["execs"] == [
        {"path": "/bin/sh", "argv": ["sh", "-c", "x\ty"], "call": e, "ts_ns": 5}
    ]
    assert (procs[10]["exit"], procs[10]["start_ns"], procs[10]["end_ns"]) == (
        "exited with 3",
        5,
        12,
    )
    assert (procs[20]["exit"], procs[20]["start_ns"], procs[20]["end_ns"]) == (
        "killed by SIGTERM",
        7,
        11,
    )
    assert procs[20]["created_by"] == cl
    assert t.facts("signal") == {
        ("sent", 10, "SIGTERM to pid 20", "", 1, 0, (k,)),
        ("received", 10, "SIGCHLD", "", 1, 0, (k,)),
        ("killed by", 20, "SIGTERM", "", 1, 0, ()),
    }
    assert t.facts("exec") == {("exec", 10, "/bin/sh", "sh -c x\ty", 1, 0, (e,))}


def test_links_are_capped_but_counts_are_exact(monkeypatch):
    monkeypatch.setattr("vmstrace.report.facts.MAX_LINKS", 3)
    t = Trace()
    opened(t, 10, "/f", 3)
    for _ in range(5):
        t.call(10, "read", ["3", '"a"', "1"], 1)
    (fact,) = t.facts("file")
    assert fact[4:6] == (6, 5) and fact[6] == (0, 1, 2)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"/etc/hostname"', "/etc/hostname"),
        ('"a\\nb\\t\\"q\\"\\\\"', 'a\nb\t"q"\\'),
        ('"\\303\\251t\\303\\251"', "été"),
        ('"\\377x"', "\\xffx"),  # not UTF-8: visible, not U+FFFD
        ('"abc"...', "abc..."),
        ("NULL", None),
        ("0x7ffc0000", None),
    ],
)
def test_unquote(text, value):
    assert parse.unquote(text) == value


@pytest.mark.parametrize(
    ("text", "addr"),
    [
        ('{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.2.2")}', "10.0.2.2:80"),
        ('{sa_family=AF_UNIX, sun_path="/tmp/s"}', "/tmp/s"),
        ('{sa_family=AF_UNIX, sun_path=@"abs"}', "@abs"),
        ("NULL", None),
    ],
)
def test_sockaddr(text, addr):
    assert parse.sockaddr(text) == addr
