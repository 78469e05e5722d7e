"""strace's selection options as a filter stage: which calls reach the sinks.

    ProcessTree (or the guest-wide -p/--comm selection) ─▶ CallFilter ─▶ decode ─▶ sinks

* ``-e trace=SET`` (:func:`parse_trace`): syscall names, numbers, ``/regex``, classes
  (``%file`` ... as strace's ``-e trace=%CLASS``), ``all``, ``none``, ``?name`` (ignore
  if unknown) and a leading ``!`` that inverts the whole set — strace 6.x's syntax
  (``src/filter_qualify.c``: qualify_syscall_tokens), names checked against both ABIs.
* ``-e status=SET`` (:func:`parse_status`), ``-z`` (successful) and ``-Z`` (failed).
* ``-p PID`` and ``--comm NAME`` pick guest processes by thread-group id or by the
  kernel's ``comm`` (``task_struct.comm``, at most 15 characters), anywhere in the guest.

The filter reads the paired ``Syscall`` before decoding, so a narrow ``-e trace`` also
saves the decoding of every call it drops.  Lines that are not calls (``--- SIGCHLD ---``,
``+++ exited with 0 +++``) follow the process selection only, as strace prints them
whatever ``-e trace`` says.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import Syscall
from vmstrace.syscalls import TABLES, SyscallTables

# strace's class names (filter_qualify.c) → the class words of the syscall table
# (vmstrace.syscalls).  The %-less forms are strace's legacy spellings.
CLASSES: dict[str, str] = {
    "%desc": "desc",
    "%file": "file",
    "%memory": "memory",
    "%process": "process",
    "%signal": "signal",
    "%ipc": "ipc",
    "%network": "network",
    "%net": "network",
    "%creds": "creds",
    "%clock": "clock",
    "%pure": "pure",
    "%stat": "stat",
    "%lstat": "lstat",
    "%fstat": "fstat",
    "%%stat": "%stat",
    "%statfs": "statfs",
    "%fstatfs": "fstatfs",
    "%%statfs": "%statfs",
    "desc": "desc",
    "file": "file",
    "memory": "memory",
    "process": "process",
    "signal": "signal",
    "ipc": "ipc",
    "network": "network",
}

# strace's -e status= values (strace(1)); vmstrace never detaches and always has the
# return register, so "unavailable" and "detached" select nothing here.
STATUSES = ("successful", "failed", "unfinished", "unavailable", "detached")

TASK_COMM_LEN = 16  # include/linux/sched.h: comm holds 15 characters and a NUL

Key = tuple[str, int]  # (abi, syscall number)


@dataclass(frozen=True)
class SyscallSet:
    """A set of (abi, nr); ``inverted`` means every call except those."""

    keys: frozenset[Key] = frozenset()
    inverted: bool = True  # the default set: all
    spec: str | None = field(default=None, compare=False)  # the -e trace= it was parsed from

    def __contains__(self, key: object) -> bool:
        return (key in self.keys) != self.inverted

    def for_tables(self, tables: SyscallTables) -> SyscallSet:
        """The same selection by names in ``tables`` (a run's renumbered ones)."""
        return self if self.spec is None else parse_trace(self.spec, tables)


def _split_set(spec: str, option: str) -> tuple[bool, list[str]]:
    """strace's set syntax: leading ``!`` (each one inverts) and comma-separated tokens."""
    body = spec.lstrip("!")
    inverted = (len(spec) - len(body)) % 2 == 1
    tokens = body.split(",")
    if any(not t for t in tokens):
        raise VmstraceError(f"{option}{spec}: empty element in the list")
    return inverted, tokens


def _all_keys(tables: SyscallTables) -> dict[str, list[Key]]:
    by_name: dict[str, list[Key]] = {}
    for abi, table in tables.items():
        for nr, info in table.items():
            by_name.setdefault(info.name, []).append((abi, nr))
    return by_name


def parse_trace(spec: str, tables: SyscallTables = TABLES) -> SyscallSet:
    """``-e trace=SPEC`` → the set it selects in ``tables``; every bad element named in one
    error."""
    option = "-e trace="
    inverted, tokens = _split_set(spec, option)
    if tokens in (["all"], ["none"]):
        return SyscallSet(frozenset(), inverted=(tokens == ["all"]) != inverted, spec=spec)
    by_name = _all_keys(tables)
    keys: set[Key] = set()
    unknown: list[str] = []
    for token in tokens:
        optional = token.startswith("?")
        name = token[1:] if optional else token
        found = _resolve(name, by_name, option, tables)
        if found is None:
            if not optional:
                unknown.append(name)
            continue
        keys.update(found)
    if unknown:
        raise VmstraceError(_unknown_message(unknown, by_name))
    return SyscallSet(frozenset(keys), inverted=inverted, spec=spec)


def _resolve(
    name: str, by_name: dict[str, list[Key]], option: str, tables: SyscallTables
) -> list[Key] | None:
    if name.startswith("/"):
        try:
            rx = re.compile(name[1:])
        except re.error as err:
            raise VmstraceError(f"{option}: bad regular expression {name[1:]!r}: {err}") from None
        return [k for n, ks in by_name.items() if rx.search(n) for k in ks]
    if name in CLASSES:
        cls = CLASSES[name]
        return [
            (abi, nr)
            for abi, table in tables.items()
            for nr, info in table.items()
            if cls in info.classes
        ]
    if name.isdigit():
        return [(abi, int(name)) for abi in tables]
    return by_name.get(name)


def _unknown_message(unknown: list[str], by_name: dict[str, list[Key]]) -> str:
    parts = []
    for name in unknown:
        if name.startswith("%"):
            hint = ", ".join(sorted(k for k in CLASSES if k.startswith("%")))
            parts.append(f"{name!r} (classes: {hint})")
            continue
        close = difflib.get_close_matches(name, list(by_name), n=1)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    noun = "system call" if len(unknown) == 1 else "system calls"
    return f"-e trace: unknown {noun} {', '.join(parts)}"


def parse_status(spec: str) -> frozenset[str]:
    """``-e status=SPEC`` → the statuses it selects (``all``, ``none``, ``!`` as strace)."""
    inverted, tokens = _split_set(spec, "-e status=")
    if tokens == ["all"]:
        chosen: set[str] = set(STATUSES)
    elif tokens == ["none"]:
        chosen = set()
    else:
        bad = [t for t in tokens if t not in STATUSES]
        if bad:
            raise VmstraceError(
                f"-e status: unknown status {', '.join(map(repr, bad))} "
                f"(choose from {', '.join(STATUSES)})"
            )
        chosen = set(tokens)
    return frozenset(set(STATUSES) - chosen if inverted else chosen)


def call_status(call: Syscall) -> str:
    """strace's status of a call: ``unfinished`` (no return), ``failed`` or ``successful``."""
    ret = call.ret
    if ret is None:
        return "unfinished"
    # the same rule as decode.error_name: -4095..-1 is an errno (linux/err.h MAX_ERRNO)
    return "failed" if -4095 <= ret <= -1 else "successful"


@dataclass(frozen=True)
class CallFilter:
    """Everything strace's selection options chose; the default selects every call."""

    syscalls: SyscallSet = field(default_factory=SyscallSet)
    statuses: frozenset[str] = frozenset(STATUSES)
    pids: frozenset[int] = frozenset()
    comms: frozenset[str] = frozenset()
    # Whether no option narrows the processes / the calls: asked of every call, so found
    # once (derived from the fields above; not part of equality or repr).  The hot path
    # reads them to skip wants_process() and wants_call().
    every_process: bool = field(init=False, repr=False, compare=False)
    every_call: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "every_process", not (self.pids or self.comms))
        object.__setattr__(
            self,
            "every_call",
            self.syscalls == SyscallSet() and self.statuses >= frozenset(STATUSES),
        )

    @property
    def guest_wide(self) -> bool:
        """-p/--comm pick processes anywhere in the guest instead of the command's tree."""
        return bool(self.pids or self.comms)

    def wants_process(self, call: Syscall) -> bool:
        """True when the call's process is selected by -p/--comm (or neither is given)."""
        if self.every_process:
            return True
        who = [call.entry.who] + ([call.exit.who] if call.exit is not None else [])
        # the exit's comm counts too: an execve's entry still carries the old name
        return any(w.pid in self.pids or w.comm in self.comms for w in who)

    def for_tables(self, tables: SyscallTables) -> CallFilter:
        """This filter with its ``-e trace`` names resolved in ``tables``."""
        syscalls = self.syscalls.for_tables(tables)
        return self if syscalls is self.syscalls else replace(self, syscalls=syscalls)

    def wants_call(self, call: Syscall) -> bool:
        """True when -e trace and -e status keep the call."""
        if self.every_call:
            return True
        return (call.entry.abi, call.entry.nr) in self.syscalls and call_status(
            call
        ) in self.statuses


EVERY_CALL = CallFilter()


def build_filter(
    qualifiers: Iterable[str] = (),
    *,
    successful: bool = False,
    failed: bool = False,
    pids: Iterable[int] = (),
    comms: Iterable[str] = (),
    tables: SyscallTables = TABLES,
) -> CallFilter:
    """A CallFilter from strace-style options: ``-e`` values, ``-z``, ``-Z``, ``-p``, ``--comm``;
    syscall names resolve to numbers in ``tables``.

    ``-e`` takes ``trace=SET``, ``status=SET`` or a bare SET (meaning ``trace=SET``); a
    later ``-e trace=`` replaces an earlier one, as in strace.
    """
    syscalls = SyscallSet()
    statuses = frozenset(STATUSES)
    status_given = False
    for q in qualifiers:
        kind, eq, value = q.partition("=")
        if not eq:
            kind, value = "trace", q
        if kind == "trace":
            syscalls = parse_trace(value, tables)
        elif kind == "status":
            statuses = parse_status(value)
            status_given = True
        else:
            raise VmstraceError(f"-e {q}: vmstrace supports -e trace=SET and -e status=SET")
    picked = [flag for flag, on in (("-z", successful), ("-Z", failed)) if on]
    if len(picked) + status_given > 1:
        raise VmstraceError("-z, -Z and -e status= each choose the statuses: give one of them")
    if successful:
        statuses = frozenset({"successful"})
    if failed:
        statuses = frozenset({"failed"})
    bad = [p for p in pids if p <= 0]
    if bad:
        raise VmstraceError(f"-p {bad[0]}: a guest process id is a positive number")
    names = frozenset(c[: TASK_COMM_LEN - 1] for c in comms)
    if "" in names:
        raise VmstraceError("--comm: the process name must not be empty")
    return CallFilter(syscalls=syscalls, statuses=statuses, pids=frozenset(pids), comms=names)
