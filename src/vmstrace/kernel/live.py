"""Learn the running guest kernel from guest memory: no kernel file, no profile.

When vmstrace was not given the kernel image (``vmstrace qemu``: the kernel sits inside
the user's disk and is booted by its own bootloader), the plugin stops the first vCPU
that makes a system call and hands over CR3 and CR4; by then the kernel is up, and
everything vmstrace needs is in its image in RAM:

* the image itself: the kernel maps it at ``__START_KERNEL_map`` (0xffffffff80000000,
  KERNEL_IMAGE_SIZE 1 GiB; arch/x86/include/asm/page_64_types.h), shifted by the KASLR
  slide, and cleanup_highmap() leaves only ``_text`` … ``_brk_end`` mapped there.  Walking
  the kernel page tables over that range finds the image wherever KASLR put it, in
  physical and in virtual memory, without searching the rest of RAM (which holds user
  data: only the kernel's own mapping is read);
* its BTF (``.BTF``, kept for /sys/kernel/btf/vmlinux): found by the header's shape inside
  the image, and from it the layout, as from a kernel file (kernel/layout.py);
* its kallsyms (kernel/kallsyms.py, on the image's bytes at their run-time addresses):
  the per-CPU section's base (``__per_cpu_start``), ``_text`` (the slide against the
  default link address is reported) and the syscall dispatcher, from which the kernel's
  own numbering is read (kernel/syscall_names.py).

The result is cached by the digest of the BTF blob and the kernel's banner (its
``linux_banner``: release, build number, compiler, date), which is what the layout and
the names are derived from.  Guest memory is untrusted: walks are bounded, every length
is capped, every failure is a :class:`LiveKernelError` that says what was not found.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmstrace.core.files import read_derived, write_entry
from vmstrace.kernel.btf import BTF_MAGIC, Btf, BtfTypes
from vmstrace.kernel.errors import BtfError, KernelError, LayoutError
from vmstrace.kernel.kallsyms import Kallsyms, KallsymsError, find_kallsyms
from vmstrace.kernel.layout import KernelLayout, layout_from
from vmstrace.kernel.syscall_names import (
    Image,
    KernelSyscallNames,
    Section,
    syscall_names_from_image,
)

KERNEL_MAP = 0xFFFF_FFFF_8000_0000  # __START_KERNEL_map
KERNEL_MAP_SIZE = 1 << 30  # KERNEL_IMAGE_SIZE with KASLR
DEFAULT_TEXT = 0xFFFF_FFFF_8100_0000  # _text at CONFIG_PHYSICAL_START 0x1000000, no slide
MAX_IMAGE = 256 << 20  # a distribution kernel's _text.._end is ~60 MiB
MAX_PTES = 1 << 18  # page-table entries looked at in one walk
MAX_BTF = 64 << 20  # vmlinux BTF is ~5 MiB
MAX_BTF_CANDIDATES = 16
GIB4 = 1 << 32

PTE_PRESENT = 0x1
PTE_PS = 0x80
PTE_ADDR = 0x000F_FFFF_FFFF_F000
CR3_KPTI_USER = 0x1000  # the user half of KPTI's 8 KiB PGD pair
CR4_LA57 = 1 << 12
BTF_HEADER = struct.pack("<HBBI", BTF_MAGIC, 1, 0, 24)  # magic, version 1, flags, hdr_len
BANNER = b"Linux version "
SCHEMA = 1


class LiveKernelError(KernelError):
    """The running kernel could not be learnt from guest memory."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"cannot learn the guest kernel from its memory: {why}; give its type information "
            "with --symbols FILE (a volatility3 ISF made from the kernel's debug info)"
        )


class GuestRam:
    """Guest-physical memory backed by the RAM file QEMU shares (PC machine memory map:
    the first ``low`` bytes at physical 0, the rest from 4 GiB; guest/qemu.py)."""

    def __init__(self, data: bytes | mmap.mmap, low: int | None = None) -> None:
        self.data = data
        self.size = len(data)
        self.low = self.size if low is None else min(low, self.size)

    @classmethod
    def open(cls, fd: int, size: int, low: int) -> GuestRam:
        return cls(mmap.mmap(fd, size, prot=mmap.PROT_READ, flags=mmap.MAP_SHARED), low)

    def close(self) -> None:
        """Unmaps the RAM file (a mapping made by :meth:`open`)."""
        if isinstance(self.data, mmap.mmap):
            self.data.close()

    def read(self, pa: int, n: int) -> bytes | None:
        if not self.holds(pa, n):
            return None
        off = pa if pa < GIB4 else self.low + (pa - GIB4)
        return bytes(self.data[off : off + n])

    def holds(self, pa: int, n: int) -> bool:
        """Whether [pa, pa+n) is all RAM (one side of the 4 GiB split)."""
        return (0 <= pa and pa + n <= self.low) or (
            pa >= GIB4 and self.low + (pa - GIB4) + n <= self.size
        )

    def u64s(self, pa: int) -> tuple[int, ...] | None:
        """The 512 entries of the page table at ``pa``."""
        page = self.read(pa & PTE_ADDR, 4096)
        return None if page is None else struct.unpack("<512Q", page)


@dataclass(frozen=True)
class Run:
    """Virtual [va, va+size) mapped to physical [pa, pa+size)."""

    va: int
    pa: int
    size: int


def _walk(
    ram: GuestRam, table: int, level: int, va: int, lo: int, hi: int, budget: list[int]
) -> Iterator[Run]:
    """Mapped pages of [lo, hi) under the table at ``table`` that maps ``va`` onward."""
    entries = ram.u64s(table)
    if entries is None:
        return
    shift = 12 + 9 * (level - 1)
    for i, e in enumerate(entries):
        start = va + (i << shift)
        if start + (1 << shift) <= lo or start >= hi or not e & PTE_PRESENT:
            continue
        budget[0] -= 1
        if budget[0] < 0:
            raise LiveKernelError("the kernel's page tables have too many entries to walk")
        if level == 1 or (level in (2, 3) and e & PTE_PS):
            size = 1 << shift
            pa = e & PTE_ADDR & ~(size - 1)
            if ram.holds(pa, size):  # (a page that is not RAM has no bytes to read)
                yield Run(start, pa, size)
        elif level > 1:
            yield from _walk(ram, e & PTE_ADDR, level - 1, start, lo, hi, budget)


def _canonical(va: int, levels: int) -> int:
    """A walk's address (``bits`` wide) as the CPU spells it: the top bit repeated."""
    bits = 57 if levels == 5 else 48
    return va | (2**64 - (1 << bits)) if va >> (bits - 1) & 1 else va


def mapped_runs(ram: GuestRam, cr3: int, levels: int, lo: int, hi: int) -> list[Run]:
    """Where canonical addresses [lo, hi) are mapped in the page tables at ``cr3``, as
    merged runs (canonical addresses)."""
    width = (1 << (57 if levels == 5 else 48)) - 1
    budget = [MAX_PTES]
    runs: list[Run] = []
    for r in _walk(ram, cr3 & PTE_ADDR, levels, 0, lo & width, ((hi - 1) & width) + 1, budget):
        r = Run(_canonical(r.va, levels), r.pa, r.size)
        prev = runs[-1] if runs else None
        if prev and prev.va + prev.size == r.va and prev.pa + prev.size == r.pa:
            runs[-1] = Run(prev.va, prev.pa, prev.size + r.size)
        else:
            runs.append(r)
    return runs


@dataclass(frozen=True)
class MemoryImage:
    """The kernel image's bytes as mapped at run time: ``data`` holds [base, base+len),
    with zeros where nothing is mapped (``runs`` says where something is)."""

    base: int
    data: bytes
    runs: tuple[Run, ...]

    def sections(self) -> list[Section]:
        """The mapped runs as kernel/syscall_names.py's sections of the bytes."""
        return [
            Section(r.va, r.va - self.base, min(r.size, len(self.data) - (r.va - self.base)))
            for r in self.runs
        ]


def kernel_image(ram: GuestRam, cr3: int, cr4: int) -> MemoryImage:
    """The kernel image, read through the kernel's own page tables at ``cr3``."""
    levels = 5 if cr4 & CR4_LA57 else 4
    hi = KERNEL_MAP + KERNEL_MAP_SIZE
    candidates = [cr3]
    if cr3 & CR3_KPTI_USER:  # the user half of a KPTI pair maps only the entry code
        candidates.append(cr3 & ~CR3_KPTI_USER)
    best: list[Run] = []
    for pgd in candidates:
        runs = mapped_runs(ram, pgd, levels, KERNEL_MAP, hi)
        if sum(r.size for r in runs) > sum(r.size for r in best):
            best = runs
    if not best:
        raise LiveKernelError(
            f"nothing is mapped at the kernel image's addresses (CR3 {cr3:#x}): not a Linux "
            "x86-64 kernel, or it is not up yet"
        )
    base = best[0].va
    span = best[-1].va + best[-1].size - base
    if span > MAX_IMAGE:  # keep the text, the data and what follows up to the cap
        best = [r for r in best if r.va < base + MAX_IMAGE]
        span = min(MAX_IMAGE, best[-1].va + best[-1].size - base)
    buf = bytearray(span)
    for r in best:
        size = min(r.size, base + span - r.va)
        chunk = ram.read(r.pa, size)
        if chunk is not None:
            buf[r.va - base : r.va - base + size] = chunk
    return MemoryImage(base, bytes(buf), tuple(best))


def find_btf(data: bytes) -> bytes:
    """The vmlinux BTF blob in the image: a header of the right shape whose types parse
    and define ``struct task_struct``.  Two different ones are an error, not a guess."""
    found: dict[bytes, int] = {}
    pos = data.find(BTF_HEADER)
    seen = 0
    while pos >= 0 and seen < MAX_BTF_CANDIDATES:
        seen += 1
        if pos + 24 > len(data):  # the header cut short by the image's end
            break
        type_off, type_len, str_off, str_len = struct.unpack_from("<4I", data, pos + 8)
        total = 24 + max(type_off + type_len, str_off + str_len)
        if type_len and str_len and total <= MAX_BTF and pos + total <= len(data):
            blob = data[pos : pos + total]
            try:
                Btf(blob).find_struct("task_struct")
            except KernelError:
                pass
            else:
                found.setdefault(blob, pos)
        pos = data.find(BTF_HEADER, pos + 1)
    if not found:
        raise LiveKernelError(
            "the kernel image in memory holds no BTF (a kernel built without CONFIG_DEBUG_INFO_BTF)"
        )
    if len(found) > 1:
        raise LiveKernelError(
            f"the kernel image in memory holds {len(found)} different BTF blobs "
            f"(at image offsets {', '.join(hex(p) for p in found.values())})"
        )
    return next(iter(found))


def find_banner(data: bytes) -> str:
    """``linux_banner`` (init/version-timestamp.c): "Linux version …\\n", NUL-terminated;
    the printk buffer's copies lack the newline.  "" when there is none."""
    pos = data.find(BANNER)
    while pos >= 0:
        end = data.find(b"\0", pos, pos + 1024)
        if end > pos and data[end - 1 : end] == b"\n":
            return data[pos + len(BANNER) : end - 1].decode("ascii", "replace")
        pos = data.find(BANNER, pos + 1)
    return ""


@dataclass(frozen=True)
class LiveKernel:
    """What the run needs of the running kernel, learnt from its memory."""

    layout: KernelLayout
    names: KernelSyscallNames
    banner: str  # linux_banner without "Linux version "
    key: str  # the cache key: sha256 of the BTF blob and the banner
    text: int | None  # _text's run-time address (None when read from the cache)
    cached: bool

    @property
    def slide(self) -> int | None:
        """KASLR's shift of _text from its default link address (informational)."""
        return None if self.text is None else self.text - DEFAULT_TEXT


def _symbols(image: MemoryImage) -> Kallsyms:
    syms = find_kallsyms(image.data, 0, len(image.data))
    text = syms.address("_text")
    if text != image.base:
        raise KallsymsError(
            f"kallsyms puts _text at {text or 0:#x}, the image is mapped at {image.base:#x}"
        )
    return syms


def _percpu_base(syms: Kallsyms | None) -> int:
    """The per-CPU section's base: 0 on x86-64 through 6.14 (zero-based per-CPU)."""
    if syms is None:
        return 0
    start = syms.address("__per_cpu_start")
    return 0 if start is None else start


def learn(
    image: MemoryImage, blob: bytes | None = None, banner: str | None = None
) -> tuple[KernelLayout, KernelSyscallNames, int | None]:
    """Layout, syscall names and _text from a kernel image in memory (``blob`` and
    ``banner``: its BTF and banner, when already found)."""
    blob = find_btf(image.data) if blob is None else blob
    banner = find_banner(image.data) if banner is None else banner
    try:
        syms: Kallsyms | None = _symbols(image)
    except KallsymsError:
        syms = None
    names = (
        syscall_names_from_image(Image(image.data, image.sections(), syms))
        if syms is not None
        else KernelSyscallNames({}, {}, {}, "no kallsyms in the kernel image in memory")
    )
    try:
        types = BtfTypes(Btf(blob), _percpu_base(syms), lambda: _need(syms))
        layout = layout_from(types, version=banner)
    except (BtfError, LayoutError) as err:
        raise LiveKernelError(str(err)) from err
    return layout, names, None if syms is None else syms.address("_text")


def _need(syms: Kallsyms | None) -> Kallsyms:
    if syms is None:
        raise KallsymsError("no kallsyms in the kernel image in memory")
    return syms


def cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "live-kernel" / f"{key}.json"


def discover(ram: GuestRam, cr3: int, cr4: int, cache_dir: Path) -> LiveKernel:
    """The running kernel's layout and syscall names, from the cache when this build was
    seen before.  A layout whose per-CPU offsets are run-time addresses (a per-CPU section
    that is not zero-based moves with KASLR) is not cached."""
    image = kernel_image(ram, cr3, cr4)
    blob = find_btf(image.data)
    banner = find_banner(image.data)
    key = hashlib.sha256(blob + b"\0" + banner.encode()).hexdigest()
    path = cache_path(cache_dir, key)
    known = read_derived(path, cache_dir, key, _Cached.from_json)
    if known is not None:
        return LiveKernel(known.layout, known.names, banner, key, None, cached=True)
    layout, names, text = learn(image, blob, banner)
    if layout.percpu_section_addr == 0:
        write_entry(path, json.dumps(_Cached(layout, names, key).to_json(), indent=1) + "\n")
    return LiveKernel(layout, names, banner, key, text, cached=False)


@dataclass(frozen=True)
class _Cached:
    layout: KernelLayout
    names: KernelSyscallNames
    sha256: str  # the key (core/files.py's read_derived checks it)

    def to_json(self) -> dict[str, object]:
        return {
            "schema": SCHEMA,
            "sha256": self.sha256,
            "layout": self.layout.to_json(),
            "names": self.names.to_json(),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> _Cached:
        if doc.get("schema") != SCHEMA:
            raise ValueError("live-kernel cache schema")
        return cls(
            KernelLayout.from_json(doc["layout"]),
            KernelSyscallNames.from_json(doc["names"]),
            str(doc["sha256"]),
        )
