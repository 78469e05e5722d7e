"""Kernel type knowledge, derived from the guest kernel image itself (bzImage → vmlinux → BTF).

``load_layout(bzimage, cache_dir)`` is the entry point: it returns the :class:`KernelLayout`
(per-CPU current-task offset, task_struct field offsets) and caches it per kernel build.
"""

from vmstrace.kernel.btf import Btf
from vmstrace.kernel.layout import FieldLoc, KernelLayout, load_layout

__all__ = ["Btf", "FieldLoc", "KernelLayout", "load_layout"]
