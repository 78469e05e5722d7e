"""The process tree follows the children a traced process makes however it numbers the
call: a child must not vanish from the trace because its parent disguised the clone."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import build_call
from vmstrace.core.events import Syscall, TaskInfo
from vmstrace.trace.attribution import LAUNCHER, ProcessTree


def _as(call: Syscall, pid: int, ppid: int) -> Syscall:
    who = TaskInfo(task=0xFFFF888000002000 + pid, cr3=0x2000, pid=pid, tid=pid, ppid=ppid, comm="t")
    e = dataclasses.replace(call.entry, who=who)
    x = call.exit and dataclasses.replace(call.exit, who=who)
    return Syscall(e, x)


def _traced_tree(root: int) -> ProcessTree:
    tree = ProcessTree()
    launcher = build_call("execve", [0x1000], ret=0, entry={0: LAUNCHER.encode() + b"\0"})
    assert not tree.wants(_as(launcher, root, 1))
    assert tree.wants(_as(build_call("execve", [0x1000], ret=0), root, 1))
    return tree


# clone(CLONE_PARENT): the child's parent is the launcher, not the traced process, so only
# the call's result ties it to the trace.  x32 numbers: on a kernel with x32 they fork.
@pytest.mark.parametrize("nr", [56, 57, 58, 435, 0x40000038, 0x40000039, 0x4000003A, 0x400001B3])
def test_a_child_is_followed_from_the_fork_result(nr: int) -> None:
    tree = _traced_tree(100)
    assert tree.wants(_as(build_call(nr, [0x8000 | 17], ret=200), 100, 1))
    assert tree.wants(_as(build_call("getpid", ret=200), 200, 1))
    assert not tree.wants(_as(build_call("getpid", ret=300), 300, 1))


def test_a_failed_x32_clone_follows_nothing() -> None:
    tree = _traced_tree(100)
    assert tree.wants(_as(build_call(0x40000038, [17], ret=-38), 100, 1))
    assert tree.pids == {100}
