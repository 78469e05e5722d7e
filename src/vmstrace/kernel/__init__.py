"""Kernel type knowledge, derived from the guest kernel itself: its BTF (bzImage → vmlinux
→ BTF) or a volatility3 ISF file, two backends of one interface (:class:`KernelTypes`).

``load_layout(bzimage, cache_dir, symbols=None)`` is the entry point: it returns the
:class:`KernelLayout` (per-CPU current-task offset, task_struct field offsets) and caches
a BTF-derived one per kernel build.
"""

from vmstrace.kernel.btf import Btf, BtfTypes
from vmstrace.kernel.isf import IsfTypes
from vmstrace.kernel.layout import FieldLoc, KernelLayout, layout_from, load_layout
from vmstrace.kernel.types import KernelTypes

__all__ = [
    "Btf",
    "BtfTypes",
    "FieldLoc",
    "IsfTypes",
    "KernelLayout",
    "KernelTypes",
    "layout_from",
    "load_layout",
]
