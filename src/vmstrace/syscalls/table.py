# SPDX-License-Identifier: GPL-2.0-or-later
"""A syscall table: one immutable row per number, as strace's ``syscallent.h``.

A row is ``(nr, name, nargs, classes, flags)`` on every ABI: the kernel's name, how many
argument registers the call reads, strace's ``-e trace=%CLASS`` names, and the
:class:`Flag` facts the stages act on (it does not return, it forks, it returns an fd...).
A stage asks the table it was given (``table.numbers(Flag.FORK)``) instead of keeping
numbers of its own, so a table renumbered from the guest kernel's own
(:meth:`SyscallTable.renumbered`) reaches every stage as one new object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntFlag
from functools import cached_property


class Flag(IntFlag):
    """Facts about a syscall (scripts/gen-syscall-table.py's FLAG_NAMES lists whose)."""

    NONE = 0
    NO_RETURN = 1 << 0  # never returns to the caller when it succeeds
    FORK = 1 << 1  # makes a process or thread
    EXEC = 1 << 2  # replaces the program: returns into a new one
    SIGRETURN = 1 << 3  # resumes the context a signal frame saved
    RESTART = 1 << 4  # restart_syscall(): what -ERESTART_RESTARTBLOCK runs
    RETURNS_FD = 1 << 5  # returns a new file descriptor (strace's RVAL_FD)
    MAY_RETURN_FD = 1 << 6  # returns one for some arguments only (fcntl's F_DUPFD)
    REAPS = 1 << 7  # reaps a child, and writes how it ended
    TASK_REFRESH = 1 << 8  # may change the caller's comm, uids or parent


Row = tuple[int, str, int, str, int]  # (nr, name, nargs, space-separated classes, flags)


@dataclass(frozen=True)
class SyscallInfo:
    """One row of a syscall table; ``classes`` are strace's ``-e trace=%CLASS`` names."""

    nr: int
    name: str
    nargs: int
    classes: frozenset[str]
    flags: Flag = Flag.NONE


# A name no row knows: strace's printargs default of six raw arguments.
UNKNOWN_NARGS = 6


@dataclass(frozen=True, eq=False)
class SyscallTable:
    """The rows of one ABI, by number and by name; never changed once made."""

    abi: str
    rows: Mapping[int, SyscallInfo]
    _by_name: dict[str, SyscallInfo] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", dict(sorted(self.rows.items())))
        by_name: dict[str, SyscallInfo] = {}
        for info in self.rows.values():
            by_name.setdefault(info.name, info)  # a name at two numbers: the lower one
        object.__setattr__(self, "_by_name", by_name)

    @classmethod
    def from_rows(cls, abi: str, rows: tuple[Row, ...]) -> SyscallTable:
        return cls(
            abi,
            {
                nr: SyscallInfo(nr, name, nargs, frozenset(classes.split()), Flag(flags))
                for nr, name, nargs, classes, flags in rows
            },
        )

    def get(self, nr: int) -> SyscallInfo | None:
        return self.rows.get(nr)

    def by_name(self, name: str) -> SyscallInfo | None:
        return self._by_name.get(name)

    def __getitem__(self, nr: int) -> SyscallInfo:
        return self.rows[nr]

    def __contains__(self, nr: object) -> bool:
        return nr in self.rows

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def items(self) -> Iterator[tuple[int, SyscallInfo]]:
        return iter(self.rows.items())

    def values(self) -> Iterator[SyscallInfo]:
        return iter(self.rows.values())

    def numbers(self, flag: Flag) -> frozenset[int]:
        """The numbers of the rows with any of ``flag``'s bits."""
        known = self._flagged.get(flag)
        if known is not None:
            return known
        return frozenset(nr for nr, info in self.rows.items() if info.flags & flag)

    def names(self, flag: Flag) -> frozenset[str]:
        """The names of the rows with any of ``flag``'s bits."""
        return frozenset(self.rows[nr].name for nr in self.numbers(flag))

    @cached_property
    def _flagged(self) -> dict[Flag, frozenset[int]]:
        # each single flag's numbers, worked out once: stages ask at set-up, often
        return {
            flag: frozenset(nr for nr, i in self.rows.items() if i.flags & flag)
            for flag in Flag
            if flag
        }

    def renumbered(
        self, names: Mapping[int, str], like: SyscallTable | None = None
    ) -> SyscallTable:
        """A new table where ``names`` (``{nr: name}``, the guest kernel's) name those
        numbers; every other number keeps its row.  A renamed number takes the nargs,
        classes and flags of the row of its new name here, else in ``like`` (another
        ABI's table), else six arguments, no class, no flag."""
        rows = dict(self.rows)
        for nr, name in names.items():
            old = rows.get(nr)
            if old is not None and old.name == name:
                continue
            known = self.by_name(name) or (like.by_name(name) if like is not None else None)
            if known is None:
                rows[nr] = SyscallInfo(nr, name, UNKNOWN_NARGS, frozenset())
            else:
                rows[nr] = SyscallInfo(nr, name, known.nargs, known.classes, known.flags)
        return SyscallTable(self.abi, rows)
