"""The --tree sink on crafted events."""

from __future__ import annotations

import io

from vmstrace.core.events import TraceCounts, TraceEvent
from vmstrace.sinks.tree import ProcessTreeSink


def ev(pid, tid, ppid, comm, name, args=(), ret=0):
    return TraceEvent(
        ts=0,
        ts_exit=1,
        vcpu=0,
        pid=pid,
        tid=tid,
        ppid=ppid,
        comm=comm,
        cr3=0,
        nr=0,
        name=name,
        abi="x86_64",
        args=tuple(args),
        ret=ret,
        ret_text=str(ret),
        error=None,
    )


def test_tree_of_a_fork_exec_run():
    out = io.StringIO()
    sink = ProcessTreeSink(out)
    for e in [
        ev(85, 85, 1, "vmstrace-exec", "execve", ['"/bin/prog"', "[]", "0x1"]),
        ev(85, 85, 1, "prog", "clone", ["child_stack=NULL, flags=SIGCHLD"], ret=86),
        ev(85, 87, 1, "prog", "gettid", ret=87),
        ev(86, 86, 85, "prog", "execve", ['"/bin/child"', "[]", "0x1"]),
        ev(86, 86, 85, "child", "exit_group", ["7"], ret=None),
        ev(85, 85, 1, "prog", "exit_group", ["0"], ret=None),
    ]:
        sink.event(e)
    sink.close(TraceCounts(1, 1, 0, 1, 1, 1, 0, 6))
    assert out.getvalue().splitlines() == [
        "process tree",
        "└── pid 85  ppid 1  prog  exec /bin/prog  2 threads  exit 0  4 syscalls",
        "    └── pid 86  ppid 85  child  exec /bin/child  exit 7  2 syscalls",
    ]


def test_cyclic_parents_from_hostile_data_terminate():
    out = io.StringIO()
    sink = ProcessTreeSink(out)
    sink.event(ev(5, 5, 6, "a", "getpid"))
    sink.event(ev(6, 6, 5, "b", "getpid"))
    sink.close(TraceCounts(1, 1, 0, 1, 1, 1, 0, 2))
    assert out.getvalue().splitlines() == [  # no root: each shown once, no endless recursion
        "process tree",
        "└── pid 5  ppid 6  a  exit ?  1 syscalls",
        "    └── pid 6  ppid 5  b  exit ?  1 syscalls",
    ]
