"""The capture spec: what the QEMU plugin must read from guest memory, per syscall.

Decoders (Python) declare, per argument, which guest memory they need; this module
compiles those declarations into the small line-based text file the C plugin reads at
start (documented in docs/event-format.md).  The plugin knows nothing of syscall meaning:
it only follows these instructions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from vmstrace.core.abi import MAX_BYTES, MAX_FDARR, MAX_FDLIST, MAX_NR, SPEC_HEADER, SPEC_KINDS

if TYPE_CHECKING:
    from vmstrace.kernel.layout import KernelLayout

When = Literal["entry", "exit", "both"]
# the plugin's words (SPEC_KINDS, native/vmstrace_spec.h), spelled out for the type checker
Kind = Literal[
    "str",
    "buf",
    "iov",
    "strarr",
    "execstack",
    "msghdr",
    "fd",
    "exe",
    "fdarr",
    "fdbits",
    "cmsgfds",
    "mmsghdr",
]


@dataclass(frozen=True)
class Capture:
    """One memory read the plugin performs for one syscall argument.

    kind:
      ``str``    NUL-terminated string at the argument's address, at most ``cap`` bytes.
      ``buf``    ``size`` bytes at the address (capped at ``cap``).
      ``iov``    an array of ``struct iovec`` with ``size`` elements (at most ``cap``),
                 then each element's buffer (at most ``elem_cap`` bytes each).
      ``strarr`` a NULL-terminated array of string pointers (at most ``cap`` entries),
                 then each string (at most ``elem_cap`` bytes; 0 reads only the pointers).
      ``msghdr`` a ``struct msghdr`` (56 bytes), then its name (index 0x8000), control
                 data (0x8001), iovec array (0x8002) and the iovec buffers (0..; at most
                 ``cap`` of them, ``elem_cap`` bytes each, at exit only what was transferred).
      ``mmsghdr`` an array of ``struct mmsghdr`` (64 bytes each), ``size`` of them (at most
                 ``cap`` and MAX_MMSG); with ``elem_cap``, each message's parts as ``msghdr``
                 reads them, message k's name, control data and iovec array at
                 0x8000 + 4k + 0, 1, 2 and its buffers at k * MAX_MMSG_IOV + j (at most
                 ``cap`` and MAX_MMSG_IOV of them; at exit, only what its msg_len says moved).
      ``fd``     what the file descriptor in the argument (size ``-``) or in the return
                 value (size ``ret``, exit) refers to: inode, fs magic and path, from the
                 kernel's file table (needs the spec's ``fdwalk`` line; strace -y).
      ``exe``    (exit only, after a successful exec) the process's new executable, like
                 ``fd`` (task->mm->exe_file).
      ``fdarr``  what fds in an array at the address refer to, as ``fd`` does: elements
                 0.. of the argument.  At exit (after a call that returned 0) the ``c<N>``
                 ints (at most MAX_FDARR: pipe2's and socketpair's two fds); at entry the
                 ``a<N>`` elements of ``elem_cap`` bytes each, an int fd first in each (at
                 most ``cap`` <= MAX_FDLIST: poll's struct pollfd).
      ``fdbits`` (entry only) what the fds set in a bitmap of ``a<N>`` bits (at most
                 MAX_FDBITS) refer to, as ``fd`` does, the first ``cap`` <= MAX_FDLIST of
                 them: elements of the argument whose index is the fd (select's fd_set).
      ``cmsgfds`` (entry, or exit after a call that did not fail) what the fds in the
                 SCM_RIGHTS control messages of the ``struct msghdr`` at the address refer
                 to, as ``fd`` does, the first ``cap`` <= MAX_FDLIST of them: elements
                 INDEX_MSG_FDS + fd of the argument (sendmsg's and recvmsg's passed fds).
      ``execstack`` (exit only, after a successful execve) the filename, argv (``cap``
                 strings of at most ``elem_cap`` bytes) and envp pointers the kernel copied
                 to the new stack, as blobs of arguments 0, 1 and 2: the caller's own copy
                 is gone by then, and may not have been mapped at entry.
    when:
      ``entry``  read before the call runs (input arguments);
      ``exit``   read when the call returns (output arguments);
      ``both``   read at entry, and again at exit if the entry read faulted (a string in a
                 page the kernel had not yet faulted in); the exit read takes every byte,
                 as at entry (not only what the call transferred).  Every input the
                 caller passes in memory is read so.
    size:
      ``a0``..``a5`` another argument's value, ``ret`` the return value (exit only),
      ``c<N>`` the constant N, ``-`` none (str, strarr).
    """

    kind: Kind
    when: When
    size: str = "-"
    cap: int = 4096
    elem_cap: int = 0

    def __post_init__(self) -> None:
        if self.kind not in SPEC_KINDS:
            raise ValueError(f"capture kind {self.kind!r}: the plugin reads {SPEC_KINDS}")
        if self.size != "-" and not (
            self.size == "ret"
            or (self.size[0] == "a" and self.size[1:].isdigit() and int(self.size[1:]) < 6)
            or (self.size[0] == "c" and self.size[1:].isdigit())
        ):
            raise ValueError(f"bad capture size source {self.size!r}")
        if self.size == "ret" and self.when != "exit":
            raise ValueError("a length taken from the return value can only be read at exit")
        if not 0 <= self.cap <= MAX_BYTES or not 0 <= self.elem_cap <= MAX_BYTES:
            raise ValueError("capture cap out of range")
        if self.kind == "fdarr" and not (
            (self.when == "exit" and self.size[0] == "c" and int(self.size[1:]) <= MAX_FDARR)
            or (
                self.when == "entry"
                and self.size[0] == "a"
                and self.cap <= MAX_FDLIST
                and 4 <= self.elem_cap <= 64
                and self.elem_cap % 4 == 0
            )
        ):
            raise ValueError(
                "an fdarr capture is read at exit, a constant count of fds, or at entry, "
                "a count from an argument of elements of 4..64 bytes"
            )
        if self.kind == "fdbits" and (
            self.when != "entry" or self.size[0] != "a" or self.cap > MAX_FDLIST
        ):
            raise ValueError("an fdbits capture is read at entry, its bit count an argument")
        if self.kind == "cmsgfds" and (
            self.when == "both" or self.size != "-" or self.cap > MAX_FDLIST
        ):
            raise ValueError("a cmsgfds capture is read at entry or at exit, of no size")


def fixed(size: int, when: When = "exit") -> Capture:
    """A fixed-size struct read (stat, timespec, ...)."""
    return Capture("buf", when, f"c{size}", size)


@dataclass(frozen=True)
class TaskRead:
    """Where the plugin finds the current task and what it copies out of it.

    ``percpu_task`` is the per-CPU offset of the current task pointer (read at kernel
    GS base + offset); ``fields`` are (offset, length) pairs copied from the task_struct;
    ``derefs`` are (pointer offset, offset, length): a field of a task reached through a
    pointer in the current one (``real_parent->tgid``).
    """

    percpu_task: int
    fields: tuple[tuple[int, int], ...]
    derefs: tuple[tuple[int, int, int], ...] = ()

    @property
    def nbytes(self) -> int:
        return sum(n for _, n in self.fields) + sum(n for _, _, n in self.derefs)


def task_read(layout: KernelLayout) -> TaskRead:
    """The plugin's task reads for ``layout``, in trace/attribution.py's TASK_BYTES order:
    pid, tgid, comm, start_time, then real_parent->tgid, cred->uid, cred->euid."""
    return TaskRead(
        percpu_task=layout.percpu_task,
        fields=(
            (layout.pid.offset, layout.pid.size),
            (layout.tgid.offset, layout.tgid.size),
            (layout.comm.offset, layout.comm.size),
            (layout.start_time.offset, layout.start_time.size),
        ),
        derefs=(
            (layout.real_parent.offset, layout.tgid.offset, layout.tgid.size),
            (layout.cred.offset, layout.cred_uid.offset, layout.cred_uid.size),
            (layout.cred.offset, layout.cred_euid.offset, layout.cred_euid.size),
        ),
    )


SpecEntry = tuple[str, int, int, Capture]  # (abi "64"/"32", nr, arg index, capture)


def nargs_lines(counts: Mapping[str, Mapping[int, int]]) -> list[str]:
    """The spec's `nargs` lines from ``{abi "64"/"32": {nr: argument count}}``: the plugin
    reads only those argument registers (each read is a trip through QEMU's register
    interface); a number not listed gets all six."""
    lines = []
    for abi, table in counts.items():
        by_count: dict[int, list[int]] = {}
        for nr, n in sorted(table.items()):
            if 0 <= nr < MAX_NR and 0 <= n < 6:
                by_count.setdefault(n, []).append(nr)
        lines += [
            f"nargs {abi} {n} " + " ".join(map(str, nrs)) for n, nrs in sorted(by_count.items())
        ]
    return lines


def render_spec(
    task: TaskRead | None, entries: Iterable[SpecEntry], extra: Iterable[str] = ()
) -> str:
    """The spec file's text.  See docs/event-format.md for the grammar.  ``extra``: more
    header lines (the `fdwalk` offsets for -y)."""
    lines = [SPEC_HEADER, *extra]
    if task is not None:
        lines.append(f"task_ptr {task.percpu_task:#x}")
        lines += [f"task_field {off:#x} {n}" for off, n in task.fields]
        lines += [f"task_deref {p:#x} {off:#x} {n}" for p, off, n in task.derefs]
    for abi, nr, arg, cap in entries:
        lines.append(
            f"sys {abi} {nr} {arg} {cap.when} {cap.kind} {cap.size} {cap.cap} {cap.elem_cap}"
        )
    return "\n".join(lines) + "\n"
