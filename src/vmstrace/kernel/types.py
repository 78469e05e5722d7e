"""The one interface to a guest kernel's type information (volatility3's "symbol table").

Two backends answer it: the kernel's own BTF (:class:`vmstrace.kernel.btf.BtfTypes`) and a
volatility3 ISF file (:class:`vmstrace.kernel.isf.IsfTypes`).  The layout derivation
(:func:`vmstrace.kernel.layout.layout_from`) and the fd-walk offsets
(:func:`vmstrace.kernel.fdwalk.fdwalk_from`) ask only these questions, so both backends
give one KernelLayout by one set of rules.

A type is described only as far as vmstrace checks it, in a spelling both sources can
give: ``"struct NAME"`` (or ``"union NAME"``) for a named struct or union, that followed
by ``" *"`` for a pointer to one, and ``""`` for anything else (an integer, an array, an
anonymous struct, a pointer to any of those).  A source that omits a type says ``None``.

A name the source lacks raises :class:`vmstrace.kernel.errors.TypeLookupError`; a source
that is malformed raises its own error (BtfError, IsfError), which callers let through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StructMember:
    """Where a (possibly nested) struct member sits and what it is."""

    offset: int  # bytes from the start of the outermost struct
    size: int  # bytes
    type: str  # spelled as the module docstring says


@dataclass(frozen=True, slots=True)
class PerCpuVar:
    """A per-CPU variable: ``offset`` from the start of the per-CPU area (what the kernel
    adds to its GS base once :attr:`KernelTypes.percpu_base` is added)."""

    offset: int
    type: str | None  # None: the source does not record the variable's type


class KernelTypes(Protocol):
    """What vmstrace asks of a kernel's type information."""

    @property
    def source(self) -> str:
        """Names the source in messages: "the kernel's BTF", "the symbol table"."""

    @property
    def percpu_base(self) -> int:
        """Link address of the per-CPU area (0 on x86-64 through 6.14: zero-based)."""

    def struct_size(self, name: str) -> int:
        """Byte size of ``struct name``."""

    def member(self, struct: str, path: str) -> StructMember:
        """``struct``'s member ``path`` (``"a.b"`` walks into embedded structs; anonymous
        structs and unions are searched through, as C does); a bitfield is not found."""

    def percpu_var(self, name: str) -> PerCpuVar | None:
        """The per-CPU variable called ``name``, or None when the kernel has none."""


def spell(kind: str, name: str, pointer: bool = False) -> str:
    """A type's spelling (module docstring) from its kind (``"struct"``, ``"union"`` or
    anything else) and name; ``pointer``: a pointer to that type."""
    if kind not in ("struct", "union") or not name:
        return ""
    return f"{kind} {name} *" if pointer else f"{kind} {name}"
