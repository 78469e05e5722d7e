"""Constant tables (plain data), one module per kernel header family.

Each table names the UAPI header it comes from; flag tables are ordered the way
strace prints them (its ``src/xlat/*.in`` order), so ``A|B`` comes out identically.
"""

from __future__ import annotations


def enum_names(*names: str, prefix: str = "") -> dict[int, str]:
    """A value table of an enum whose names are in value order from 0."""
    return {k: prefix + n for k, n in enumerate(names)}


def bit_names(*names: str, prefix: str) -> tuple[tuple[int, str], ...]:
    """A flag table of bits 0, 1, 2... named in order (the xlat file's order too)."""
    return tuple((1 << k, prefix + n) for k, n in enumerate(names))
