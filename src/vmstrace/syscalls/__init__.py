# SPDX-License-Identifier: GPL-2.0-or-later
"""The syscall tables as data: one row per number and ABI (see :mod:`.table`).

:data:`TABLES` is the project's numbering (generated from the kernel's UAPI headers and
strace's syscallent.h by scripts/gen-syscall-table.py); a run that reads the guest
kernel's own numbering makes a new :class:`SyscallTables` with :meth:`renumbered` and
hands it to the stages.  Nothing here is changed after import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from . import i386, x86_64
from .table import Flag, Row, SyscallInfo, SyscallTable

__all__ = [
    "ABIS",
    "TABLES",
    "Flag",
    "NameChange",
    "Row",
    "SyscallInfo",
    "SyscallTable",
    "SyscallTables",
]

ABIS = ("x86_64", "i386")


@dataclass(frozen=True)
class NameChange:
    """A number the guest kernel names differently from (or beyond) the project's table."""

    abi: str
    nr: int
    project: str | None  # None: the project's table has no such number
    kernel: str


class SyscallTables(Mapping[str, SyscallTable]):
    """One table per ABI (``tables["i386"]``); immutable."""

    def __init__(self, tables: Mapping[str, SyscallTable]) -> None:
        self._tables = dict(tables)

    def __getitem__(self, abi: str) -> SyscallTable:
        return self._tables[abi]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __hash__(self) -> int:  # immutable; equal (Mapping's ==) means the same tables
        return hash(tuple((abi, id(table)) for abi, table in self._tables.items()))

    def names(self, flag: Flag) -> frozenset[str]:
        """The names of every ABI's rows with any of ``flag``'s bits."""
        return frozenset().union(*(table.names(flag) for table in self._tables.values()))

    def renumbered(self, names: Mapping[str, Mapping[int, str]] | None) -> SyscallTables:
        """The tables with ``names`` (``{abi: {nr: name}}``, the guest kernel's) naming
        those numbers (:meth:`SyscallTable.renumbered`); an i386 name the i386 table
        lacks takes the x86_64 row's nargs, classes and flags.  None: these tables."""
        if not names:
            return self
        x86 = self._tables.get("x86_64")
        return SyscallTables(
            {
                abi: table.renumbered(names[abi], like=x86 if abi != "x86_64" else None)
                if abi in names
                else table
                for abi, table in self._tables.items()
            }
        )

    def changes_from(self, base: SyscallTables) -> list[NameChange]:
        """The numbers these tables name differently from ``base``, or that it lacks."""
        out = []
        for abi, table in self._tables.items():
            old = base.get(abi)
            for nr, info in table.items():
                before = old.get(nr) if old is not None else None
                if before is None or before.name != info.name:
                    out.append(
                        NameChange(abi, nr, None if before is None else before.name, info.name)
                    )
        return out


TABLES = SyscallTables(
    {
        "x86_64": SyscallTable.from_rows("x86_64", x86_64.ROWS),
        "i386": SyscallTable.from_rows("i386", i386.ROWS),
    }
)
