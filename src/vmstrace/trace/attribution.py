"""Attribution: who made each call, from the guest kernel's own task_struct.

The plugin copies the fields the capture spec names (kernel/layout.py chooses them from
the guest kernel's BTF) out of the current task; this module turns those bytes into a
TaskInfo, and keeps track of which processes belong to the traced command's tree.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from functools import lru_cache

from vmstrace.core.events import Syscall, TaskInfo, ThreadEnd
from vmstrace.syscalls import TABLES, Flag, SyscallTables

# The task bytes, in the order capture.spec.task_read() lists them:
# pid (s32), tgid (s32), comm (char[16]), start_time (u64), real_parent->tgid (s32),
# cred->uid (u32), cred->euid (u32).
TASK_BYTES = struct.Struct("<ii16sQiII")

# CR3 without the PCID (bits 11:0) and KPTI's user-PGD bit (12): the same value for a
# process's kernel and user page tables (arch/x86/mm/pti.c; its PGDs are 8 KiB aligned).
CR3_PGD_MASK = 0x000F_FFFF_FFFF_E000

LAUNCHER = "/vmstrace/bin/vmstrace-exec"
# A kernel built with x32 runs rax 0x40000000 + N as its x32 call N, where clone, fork,
# vfork and clone3 are the x86_64 ones: their children are followed as well (a kernel
# without x32, or with it off, fails them with ENOSYS: no child, nothing followed).
X32_SYSCALL_BIT = 0x40000000


def exec_numbers(tables: SyscallTables) -> dict[str, frozenset[int]]:
    """Per ABI, the calls that run a new program (Flag.EXEC)."""
    return {abi: table.numbers(Flag.EXEC) for abi, table in tables.items()}


def fork_numbers(tables: SyscallTables) -> dict[str, frozenset[int]]:
    """Per ABI, the calls that make a process or thread (Flag.FORK), with x86_64's x32
    numbers of them."""
    out = {abi: table.numbers(Flag.FORK) for abi, table in tables.items()}
    if "x86_64" in out:
        out["x86_64"] |= {X32_SYSCALL_BIT | nr for nr in out["x86_64"]}
    return out


EXECVE = exec_numbers(TABLES)  # the project's numbering
FORKS = fork_numbers(TABLES)


@lru_cache(maxsize=4096)  # a thread's records repeat the same bytes; TaskInfo is frozen
def decode_task(data: bytes, task: int, cr3: int, ok: bool) -> TaskInfo:
    """TaskInfo from the task bytes; fields the plugin could not read are None."""
    if not ok or len(data) < TASK_BYTES.size:
        return TaskInfo(task=task, cr3=cr3)
    tid, tgid, comm, start_time, ppid, uid, euid = TASK_BYTES.unpack_from(data)
    # exactly the kernel's bytes: a byte that is not UTF-8 stays as a lone surrogate
    # (U+DC80-U+DCFF, "surrogateescape"), JSON's "\udcff"; printed escaped (fmt.escape)
    name = comm.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    return TaskInfo(
        task=task,
        cr3=cr3,
        pid=tgid,
        tid=tid,
        ppid=ppid,
        comm=name,
        uid=uid,
        euid=euid,
        start_time=start_time,
    )


def task_id(who: TaskInfo) -> str | None:
    """``"<start_time>:<tid>"``: names a thread for the whole trace, even once its tid is
    reused (a new thread with the same tid starts later)."""
    if who.start_time is None or who.tid is None:
        return None
    return f"{who.start_time}:{who.tid}"


def normalize_cr3(cr3: int) -> int:
    """The address space's page-table root, as :data:`CR3_PGD_MASK` defines it."""
    return cr3 & CR3_PGD_MASK


def _path_arg(call: Syscall) -> str | None:
    mem = call.entry.mem.get(0)
    if call.exit is not None and 0 in call.exit.mem:
        mem = call.exit.mem[0]
    if mem is None or mem.fault:
        return None
    return mem.data.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def is_launcher_exec(call: Syscall, execs: Mapping[str, frozenset[int]] = EXECVE) -> bool:
    """Whether ``call`` is the launcher's successful execve (the command's process);
    ``execs`` is :func:`exec_numbers` of the run's tables."""
    return (
        call.entry.nr in execs.get(call.entry.abi, ())
        and call.ret == 0
        and _path_arg(call) == LAUNCHER
    )


class ProcessTree:
    """Decides which calls belong to the traced command and its descendants.

    The guest's init runs the command through the launcher (guest/programs/
    vmstrace-exec.c); the launcher's successful execve marks its pid as the root, and the
    command's trace starts at the root's next execve (the command itself).  Descendants
    join by their parent pid as the kernel records it (real_parent), so a child's first
    calls count even when they reach us before the parent's fork returns.  ``tables``: the
    run's syscall tables (which calls exec, which fork).
    """

    def __init__(self, trace_all: bool = False, tables: SyscallTables = TABLES) -> None:
        self.trace_all = trace_all
        # (the compiled lane, _decoder.c, reads these two and pids too)
        self.execs = exec_numbers(tables)
        self.forks = fork_numbers(tables)
        self.root: int | None = None
        self.started = False
        self.pids: set[int] = set()

    def wants(self, call: Syscall) -> bool:
        who = call.entry.who
        if self.trace_all:
            return True
        pid = who.pid
        if pid is None:
            return False
        if self.root is None:
            if is_launcher_exec(call, self.execs):
                self.root = pid
            return False
        if pid == self.root and not self.started:
            if call.entry.nr in self.execs[call.entry.abi]:
                self.started = True
                self.pids.add(pid)
                return True
            return False
        if pid in self.pids:
            if call.entry.nr in self.forks[call.entry.abi]:
                self._note_child(call)
            return True
        if who.ppid is not None and who.ppid in self.pids:
            self.pids.add(pid)
            return True
        return False

    def ended(self, end: ThreadEnd) -> bool:
        """Whether ``end`` is of a process of the trace; a process's end takes its pid out
        of the tree (the kernel may give it to another process from now on)."""
        pid = end.who.pid
        traced = self.trace_all or pid in self.pids
        if end.process and pid is not None:
            self.pids.discard(pid)
        return traced

    def _note_child(self, call: Syscall) -> None:
        ret = call.ret
        if call.entry.nr in self.forks[call.entry.abi] and ret is not None and ret > 0:
            self.pids.add(ret)  # a thread's tid joins too; harmless, it shares the tgid


def call_class_lines(tables: SyscallTables = TABLES) -> list[str]:
    """The capture spec's `task_refresh`, `noreturn`, `resumes_elsewhere` and `sigreturn`
    lines: what the plugin must know of a few calls, as numbers from the syscall tables.

    task_refresh: a call after which the thread's task fields (comm, uids, parent) may
    have changed, so the plugin drops the task blocks it cached (native/vmstrace_plugin.c);
    resumes_elsewhere: a call that by design returns somewhere other than after its
    instruction (a new program, or a signal handler's interrupted context); sigreturn: one
    that restores a signal frame's context (the plugin reads the mask it restores, and for
    x86_64 where it will resume)."""
    lines = []
    for abi, tag in (("x86_64", "64"), ("i386", "32")):
        table = tables[abi]
        for kind, flag in (
            ("task_refresh", Flag.TASK_REFRESH),
            ("resumes_elsewhere", Flag.EXEC | Flag.SIGRETURN),
            ("sigreturn", Flag.SIGRETURN),
        ):
            nrs = sorted(nr for nr in table.numbers(flag) if nr < 1024)
            if nrs:
                lines.append(f"{kind} {tag} " + " ".join(map(str, nrs)))
        no_return = sorted(table.numbers(Flag.NO_RETURN))
        lines.append(f"noreturn {tag} " + " ".join(map(str, no_return)))
    return lines
