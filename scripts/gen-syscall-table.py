#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes src/vmstrace/syscalls/{x86_64,i386}.py: one row per syscall number.

Usage: scripts/gen-syscall-table.py [STRACE_SRC] [UNISTD_DIR]

STRACE_SRC is strace's unpacked source tree (default: the one vmstrace's strace-tests
fetch with ``apt-get source strace``, under $VMSTRACE_CACHE/strace-tests/strace-6.1);
UNISTD_DIR holds the Linux UAPI ``asm/unistd_{64,32}.h`` (default
/usr/include/x86_64-linux-gnu/asm, from linux-libc-dev).

A row is ``(nr, name, nargs, classes, flags)``:
- the name is the kernel's (``#define __NR_<name> <nr>`` in unistd_{64,32}.h), plus
  the x86_64 numbers past those headers in :data:`NEWER_X86_64`;
- nargs and classes come from strace's ``src/linux/<arch>/syscallent.h`` row of the
  same number (and the files it includes), classes as strace's ``-e trace=%CLASS`` names;
- flags are the facts vmstrace's stages act on, from :data:`FLAG_NAMES` below.
Running it again over the same inputs writes the same bytes (tests check the committed
files against /usr/include and the row functions against crafted headers).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# strace's sysent_shorthand_defs.h trace-class shorthands -> the %class name they select.
# The others (NF never fails, SI mapping change, SE stack trace, CST, TSD seccomp, CC comm
# change, MA) say nothing vmstrace filters by.
CLASSES = {
    "TD": "desc",
    "TF": "file",
    "TI": "ipc",
    "TN": "network",
    "TP": "process",
    "TS": "signal",
    "TM": "memory",
    "TST": "stat",
    "TLST": "lstat",
    "TFST": "fstat",
    "TSTA": "%stat",
    "TSF": "statfs",
    "TFSF": "fstatfs",
    "TSFA": "%statfs",
    "PU": "pure",
    "TC": "creds",
    "TCL": "clock",
}
IGNORED = frozenset({"NF", "SI", "SE", "CST", "TSD", "CC", "MA", "0"})

# The flags of vmstrace.syscalls.table.Flag, by the kernel's names of the calls that have
# them (on every ABI that has the name).
FLAG_NAMES: dict[str, tuple[str, ...]] = {
    # never returns to the caller when it succeeds: its entry is the whole call
    "NO_RETURN": ("exit", "exit_group"),
    # makes a process or thread: the child joins the traced tree
    "FORK": ("fork", "vfork", "clone", "clone3"),
    # replaces the program: returns into a new one
    "EXEC": ("execve", "execveat"),
    # resumes the context a signal frame saved, not the caller
    "SIGRETURN": ("rt_sigreturn", "sigreturn"),
    # the kernel's restart_syscall(): what -ERESTART_RESTARTBLOCK runs
    "RESTART": ("restart_syscall",),
    # returns a new file descriptor (strace's RVAL_FD)
    "RETURNS_FD": (
        "open",
        "openat",
        "openat2",
        "creat",
        "dup",
        "dup2",
        "dup3",
        "socket",
        "accept",
        "accept4",
        "epoll_create",
        "epoll_create1",
        "eventfd",
        "eventfd2",
        "signalfd",
        "signalfd4",
        "timerfd_create",
        "memfd_create",
        "pidfd_open",
        "inotify_init",
        "inotify_init1",
        "fanotify_init",
        "perf_event_open",
        "userfaultfd",
        "memfd_secret",
        "open_by_handle_at",
        "open_tree",
        "fsopen",
        "fsmount",
        "fspick",
        "pidfd_getfd",
        "mq_open",
        "io_uring_setup",
    ),
    # returns a new file descriptor for some arguments only (fcntl's F_DUPFD, bpf's
    # MAP_CREATE; landlock_create_ruleset, which returns the ABI version when asked)
    "MAY_RETURN_FD": ("fcntl", "fcntl64", "landlock_create_ruleset", "bpf"),
    # reaps a child and writes how it ended (status word or siginfo)
    "REAPS": ("wait4", "waitpid", "waitid"),
    # may change the caller's comm, uids or parent: its cached task fields are stale
    "TASK_REFRESH": (
        "execve",
        "execveat",
        "prctl",
        "setuid",
        "setgid",
        "setreuid",
        "setregid",
        "setresuid",
        "setresgid",
        "setfsuid",
        "setfsgid",
        "setuid32",
        "setgid32",
        "setreuid32",
        "setregid32",
        "setresuid32",
        "setresgid32",
        "setfsuid32",
        "setfsgid32",
        "capset",
        "exit",
        "exit_group",
    ),
}

# x86_64 numbers past the 6.1 UAPI headers and strace 6.1: names from Linux 6.13's
# arch/x86/entry/syscalls/syscall_64.tbl, nargs and classes from a later strace's
# syscallent-common.h.  (i386 stops at 450, its headers' last number.)
NEWER_X86_64: tuple[tuple[int, str, int, str], ...] = (
    (451, "cachestat", 4, "TD"),
    (452, "fchmodat2", 4, "TD|TF"),
    (453, "map_shadow_stack", 3, "TM|SI"),
    (454, "futex_wake", 4, "0"),
    (455, "futex_wait", 6, "0"),
    (456, "futex_requeue", 4, "0"),
    (457, "statmount", 4, "0"),
    (458, "listmount", 4, "0"),
    (459, "lsm_get_self_attr", 4, "0"),
    (460, "lsm_set_self_attr", 4, "0"),
    (461, "lsm_list_modules", 3, "0"),
    (462, "mseal", 3, "TM"),
    (463, "setxattrat", 6, "TD|TF"),
    (464, "getxattrat", 6, "TD|TF"),
)

# Rows where vmstrace departs from strace's: i386 socketcall prints as the call it
# multiplexes (socket, connect, sendmsg...: network calls all), so it is in %network as
# strace's socketcall subcalls are.
OVERRIDES: dict[tuple[str, str], tuple[int, str]] = {("i386", "socketcall"): (2, "TN")}

ABIS = {
    # abi: (unistd header, strace syscallent, module docstring's source line)
    "x86_64": ("unistd_64.h", "linux/x86_64/syscallent.h"),
    "i386": ("unistd_32.h", "linux/i386/syscallent.h"),
}

_DEFINE = re.compile(r"^#define\s+__NR_(\w+)\s+(\d+)\s*$", re.M)
_ROW = re.compile(r"^\[\s*(BASE_NR\s*\+\s*)?(\d+)\s*\]\s*=\s*\{\s*(\w+)\s*,\s*([\w|]+)\s*,", re.M)
_INCLUDE = re.compile(r'^#include\s+"([^"]+)"\s*$', re.M)


def parse_unistd(text: str) -> dict[int, str]:
    """``{nr: name}`` from a unistd header's ``#define __NR_<name> <nr>`` lines."""
    return {int(nr): name for name, nr in _DEFINE.findall(text)}


def parse_syscallent(text: str, read: Callable[[str], str]) -> dict[int, tuple[int, str]]:
    """``{nr: (nargs, strace flags)}`` from a syscallent.h; ``read(path)`` gives the text
    of a file it #includes (the path as written).  strace's includes put their rows at
    ``BASE_NR + n`` with BASE_NR 0 on the ABIs here; a later row of a number wins, as in
    C's designated initializers."""
    rows: dict[int, tuple[int, str]] = {}
    pieces = _INCLUDE.split(text)
    for i, piece in enumerate(pieces):
        if i % 2:
            rows.update(parse_syscallent(read(piece), read))
            continue
        for _base, nr, nargs, flags in _ROW.findall(piece):
            rows[int(nr)] = (6 if nargs == "MA" else int(nargs), flags)
    return rows


def classes_of(strace_flags: str) -> str:
    """strace's ``TD|TF|TSTA`` as ``"desc file %stat"`` (strace's order)."""
    out = []
    for part in strace_flags.split("|"):
        if part in CLASSES:
            out.append(CLASSES[part])
        elif part not in IGNORED:
            raise ValueError(f"unknown strace flag {part!r} in {strace_flags!r}")
    return " ".join(out)


def flags_of(name: str) -> str:
    """The row's flags expression, ``"Flag.EXEC | Flag.TASK_REFRESH"`` or ``"0"``."""
    got = [flag for flag, names in FLAG_NAMES.items() if name in names]
    return " | ".join(f"F.{flag}" for flag in got) if got else "0"


def make_rows(
    names: Mapping[int, str],
    strace: Mapping[int, tuple[int, str]],
    newer: Iterable[tuple[int, str, int, str]] = (),
    overrides: Mapping[str, tuple[int, str]] = {},
) -> list[tuple[int, str, int, str, str]]:
    """The table's rows ``(nr, name, nargs, classes, flags expression)`` by number: every
    number the header names, with strace's row of that number (a number strace has no
    row for is an error: the header is newer than strace) or ``overrides``' row of its
    name, then ``newer``'s."""
    rows = {}
    for nr, name in sorted(names.items()):
        if name in overrides:
            nargs, sflags = overrides[name]
        elif nr in strace:
            nargs, sflags = strace[nr]
        else:
            raise ValueError(f"strace has no row for {nr} ({name}); add it to NEWER_*")
        rows[nr] = (nr, name, nargs, classes_of(sflags), flags_of(name))
    for nr, name, nargs, sflags in newer:
        if nr in rows and rows[nr][1] != name:
            raise ValueError(f"{nr}: the header says {rows[nr][1]}, NEWER_* says {name}")
        rows[nr] = (nr, name, nargs, classes_of(sflags), flags_of(name))
    return [rows[nr] for nr in sorted(rows)]


HEADER = '''\
# SPDX-License-Identifier: GPL-2.0-or-later
"""The {abi} system call table.

Generated by scripts/gen-syscall-table.py; do not edit, run it again.
Names: Linux UAPI ``asm/{unistd}`` (kernel headers 6.1){newer}.
Argument counts and classes: strace 6.1's ``src/{syscallent}`` and what it includes.
Flags: the generator's FLAG_NAMES.
"""

from __future__ import annotations

from .table import Flag as F
from .table import Row

# (nr, name, nargs, space-separated classes, flags)
ROWS: tuple[Row, ...] = (
'''


def render(abi: str, rows: Iterable[tuple[int, str, int, str, str]]) -> str:
    unistd, syscallent = ABIS[abi]
    newer = (
        ",\nnumbers 451-464 from Linux 6.13's ``arch/x86/entry/syscalls/syscall_64.tbl``"
        if abi == "x86_64"
        else ""
    )
    out = [HEADER.format(abi=abi, unistd=unistd, syscallent=syscallent, newer=newer)]
    for nr, name, nargs, classes, flags in rows:
        out.append(f'    ({nr}, "{name}", {nargs}, "{classes}", {flags}),\n')
    out.append(")\n")
    return "".join(out)


def generate(strace_src: Path, unistd_dir: Path) -> dict[str, str]:
    """``{abi: module text}``."""
    out = {}
    for abi, (unistd, syscallent) in ABIS.items():
        path = strace_src / "src" / syscallent

        def read(include: str, _dir: Path = path.parent) -> str:
            found = (_dir / include).resolve()
            if not found.exists():  # "syscallent-common.h": found on strace's -I path
                found = strace_src / "src" / "linux" / "generic" / include
            return found.read_text()

        names = parse_unistd((unistd_dir / unistd).read_text())
        strace = parse_syscallent(path.read_text(), read)
        newer = NEWER_X86_64 if abi == "x86_64" else ()
        overrides = {name: row for (a, name), row in OVERRIDES.items() if a == abi}
        out[abi] = render(abi, make_rows(names, strace, newer, overrides))
    return out


def main(argv: list[str]) -> int:
    cache = Path(os.environ.get("VMSTRACE_CACHE", Path.home() / ".cache" / "vmstrace"))
    strace_src = Path(argv[1]) if len(argv) > 1 else cache / "strace-tests" / "strace-6.1"
    unistd_dir = Path(argv[2]) if len(argv) > 2 else Path("/usr/include/x86_64-linux-gnu/asm")
    for abi, text in generate(strace_src, unistd_dir).items():
        (ROOT / "src" / "vmstrace" / "syscalls" / f"{abi}.py").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
