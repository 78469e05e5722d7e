"""System call names as the guest kernel itself numbers them.

The project's tables (vmstrace.decode) are a fallback: a guest kernel newer than them has
numbers they lack, and any kernel has numbers it does not implement.  The kernel knows:
its dispatcher sends number N to an entry point such as ``__x64_sys_openat``, and the
kernel's own symbol table (kallsyms, recovered by :mod:`vmstrace.kernel.kallsyms`) names
that entry point.  Where the dispatcher lives is feature-detected:

* ``x64_sys_call``/``ia32_sys_call``: a ``switch (nr)`` (mainline 6.9+, and stable kernels
  with the branch-history-injection fix such as Debian's 6.1.0-56); this is what runs, and
  ``ia32_sys_call_table`` no longer exists.  Read by :mod:`vmstrace.kernel.x86switch`;
* ``sys_call_table``/``ia32_sys_call_table``: arrays of entry-point addresses (older
  kernels; newer ones keep the x86-64 array for syscall tracing).  The vmlinux holds
  link-time addresses, which is what kallsyms records too, so KASLR does not matter.

An entry point's name is the call's name after its prefix, except where the kernel's
syscall_*.tbl gives the entry another name (``newstat`` is ``stat``;
:mod:`vmstrace.kernel.syscall_entries`).  ``sys_ni_syscall`` marks a number the kernel
does not implement: those are reported, and the caller keeps the project's name for them.

:func:`kernel_syscall_names` caches the result per kernel build (sha256 of the bzImage)
next to the layout cache.  It never raises for a bad kernel: the result is then empty and
says why, and the caller keeps the project tables.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from vmstrace.core.files import read_derived, write_entry
from vmstrace.kernel.bzimage import decompress, read_bzimage
from vmstrace.kernel.errors import KernelError
from vmstrace.kernel.kallsyms import Kallsyms, find_kallsyms
from vmstrace.kernel.syscall_entries import ENTRY_NAMES, SHARED
from vmstrace.kernel.x86switch import switch_cases

SCHEMA = 1  # bump when the cached document's fields or their meaning change
LIMIT = 1024  # numbers looked at per ABI (x86-64 ends at 547 with x32, i386 below 500)
NI_ENTRY = "ni_syscall"  # kernel/sys_ni.c: the "not implemented" entry


@dataclass(frozen=True)
class Dispatcher:
    """Where one ABI's number -> entry point mapping can be found."""

    switch: str  # the function holding ``switch (nr)``
    table: str  # the array of entry-point addresses
    prefixes: tuple[str, ...]  # entry-point symbol prefixes, most specific first


DISPATCHERS = {
    "x86_64": Dispatcher("x64_sys_call", "sys_call_table", ("__x64_sys_",)),
    "i386": Dispatcher(
        "ia32_sys_call", "ia32_sys_call_table", ("__ia32_compat_sys_", "__ia32_sys_")
    ),
}


@dataclass(frozen=True)
class KernelSyscallNames:
    """One kernel build's syscall numbering, per ABI ("x86_64", "i386")."""

    names: dict[str, dict[int, str]]  # implemented numbers only
    not_implemented: dict[str, frozenset[int]]  # numbers below the highest implemented one
    sources: dict[str, str]  # ABI -> the symbol read ("x64_sys_call", "sys_call_table")
    reason: str = ""  # why an ABI is missing ("" when both were read)
    sha256: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "sha256": self.sha256,
            "names": {
                abi: {str(nr): n for nr, n in sorted(t.items())} for abi, t in self.names.items()
            },
            "not_implemented": {abi: sorted(s) for abi, s in self.not_implemented.items()},
            "sources": self.sources,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> KernelSyscallNames:
        if doc.get("schema") != SCHEMA:
            raise ValueError(f"syscall-names schema {doc.get('schema')!r}, expected {SCHEMA}")
        return cls(
            names={
                abi: {int(nr): str(n) for nr, n in t.items()} for abi, t in doc["names"].items()
            },
            not_implemented={
                abi: frozenset(int(n) for n in s) for abi, s in doc["not_implemented"].items()
            },
            sources={str(k): str(v) for k, v in doc["sources"].items()},
            reason=str(doc["reason"]),
            sha256=str(doc["sha256"]),
        )


@dataclass(frozen=True)
class Section:
    """Bytes [offset, offset+size) of the image hold addresses [addr, addr+size)."""

    addr: int
    offset: int
    size: int


class Image:
    """A kernel image's bytes, its kallsyms, and address -> offset in the bytes: a vmlinux
    file (link addresses), or the image as mapped in guest memory (run-time addresses,
    kernel/live.py)."""

    def __init__(self, data: bytes, sections: list[Section], syms: Kallsyms) -> None:
        self.data = data
        self.sections = sections
        self.syms = syms

    @classmethod
    def from_vmlinux(cls, vmlinux: bytes) -> Image:
        elf = ELFFile(io.BytesIO(vmlinux))
        sections = [
            Section(s["sh_addr"], s["sh_offset"], s["sh_size"])
            for s in elf.iter_sections()
            if s["sh_type"] == "SHT_PROGBITS" and s["sh_addr"] and s["sh_size"]
        ]
        rodata, text = elf.get_section_by_name(".rodata"), elf.get_section_by_name(".text")
        if rodata is None or text is None:
            raise KernelError("vmlinux has no .rodata or .text section")
        syms = find_kallsyms(
            vmlinux, rodata["sh_offset"], rodata["sh_offset"] + rodata["sh_size"], text["sh_addr"]
        )
        return cls(vmlinux, sections, syms)

    def read(self, addr: int, size: int) -> bytes:
        for s in self.sections:
            if s.addr <= addr and addr + size <= s.addr + s.size:
                return self.data[s.offset + addr - s.addr : s.offset + addr - s.addr + size]
        raise KernelError(f"{addr:#x}+{size:#x} is in no section of the vmlinux")

    def extent(self, name: str) -> tuple[int, int]:
        """(address, size) of symbol ``name``: kallsyms has no sizes, so up to the next."""
        addr = self.syms.address(name)
        if addr is None:
            raise KernelError(f"the kernel has no symbol {name}")
        end = self.syms.next_address(addr)
        if end is None or end - addr > 1 << 20:
            raise KernelError(f"cannot bound {name} at {addr:#x}")
        return addr, end - addr

    def entry(self, addr: int, prefixes: tuple[str, ...]) -> str | None:
        """The entry point at ``addr`` without its prefix (``openat``), None if none."""
        names = self.syms.at(addr)
        for p in prefixes:
            for n in names:
                # a C identifier, or not an entry point: the name is printed as it is
                # (trace lines, -c), and the symbol table is the kernel image's word
                if n.startswith(p) and n[len(p) :].isidentifier() and n.isascii():
                    return n[len(p) :]
        return None


def entries_from_switch(image: Image, d: Dispatcher) -> dict[int, str]:
    """``{nr: entry}`` from the ``switch (nr)`` in ``d.switch``."""
    addr, size = image.extent(d.switch)
    out = {}
    for nr, target in switch_cases(image.read(addr, size), addr, LIMIT).items():
        name = image.entry(target, d.prefixes)
        if name is None:
            raise KernelError(f"{d.switch}: case {nr} jumps to {target:#x}, no entry point")
        out[nr] = name
    return out


def entries_from_table(image: Image, d: Dispatcher) -> dict[int, str]:
    """``{nr: entry}`` from the array ``d.table``; it ends where entry points stop."""
    addr, size = image.extent(d.table)
    count = min(size // 8, LIMIT)
    out = {}
    for nr, target in enumerate(struct.unpack(f"<{count}Q", image.read(addr, 8 * count))):
        name = image.entry(target, d.prefixes)
        if name is None:
            break  # alignment padding after the last entry
        out[nr] = name
    if not out:
        raise KernelError(f"{d.table} holds no entry points")
    return out


def names_from_entries(abi: str, entries: dict[int, str]) -> tuple[dict[int, str], frozenset[int]]:
    """The names of the implemented numbers, and the unimplemented numbers below them."""
    aliases, shared = ENTRY_NAMES.get(abi, {}), SHARED.get(abi, {})
    names = {
        nr: shared.get((e, nr)) or aliases.get(e, e) for nr, e in entries.items() if e != NI_ENTRY
    }
    top = max(names, default=-1)
    ni = frozenset(nr for nr, e in entries.items() if e == NI_ENTRY and nr < top)
    return names, ni


def syscall_names_from_vmlinux(vmlinux: bytes, sha256: str = "") -> KernelSyscallNames:
    """Read both ABIs' numbering from a vmlinux; what cannot be read is left out, with why."""
    try:
        image = Image.from_vmlinux(vmlinux)
    except (KernelError, ELFError, ValueError, IndexError, struct.error) as err:
        return KernelSyscallNames({}, {}, {}, str(err), sha256)
    return syscall_names_from_image(image, sha256)


def syscall_names_from_image(image: Image, sha256: str = "") -> KernelSyscallNames:
    """Both ABIs' numbering from a kernel image and its symbols."""
    names: dict[str, dict[int, str]] = {}
    ni: dict[str, frozenset[int]] = {}
    sources: dict[str, str] = {}
    why: list[str] = []
    for abi, d in DISPATCHERS.items():
        problems = []
        for source, read in ((d.switch, entries_from_switch), (d.table, entries_from_table)):
            try:
                entries = read(image, d)
            except (KernelError, ValueError, IndexError, struct.error) as err:
                problems.append(str(err))
                continue
            names[abi], ni[abi] = names_from_entries(abi, entries)
            sources[abi] = source
            break
        else:
            why.append(f"{abi}: " + "; ".join(problems))
    return KernelSyscallNames(names, ni, sources, "; ".join(why), sha256)


def cache_path(cache_dir: Path | str, sha256: str) -> Path:
    return Path(cache_dir) / "syscall-names" / f"{sha256}.json"


def kernel_syscall_names(bzimage: Path | str, cache_dir: Path | str) -> KernelSyscallNames:
    """The syscall numbering of the kernel in ``bzimage``, from the cache when it has it.

    Never raises for an unreadable or unusual kernel: the result is then empty (or lacks
    an ABI) and ``reason`` says why.
    """
    path = Path(bzimage)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        return KernelSyscallNames({}, {}, {}, f"{path}: {err.strerror or err}")
    cached = cache_path(cache_dir, digest)
    known = read_derived(cached, Path(cache_dir), digest, KernelSyscallNames.from_json)
    if known is not None:
        return known
    try:
        vmlinux = decompress(read_bzimage(path))
    except (KernelError, OSError) as err:
        return KernelSyscallNames({}, {}, {}, str(err), digest)
    result = syscall_names_from_vmlinux(vmlinux, digest)
    write_entry(cached, json.dumps(result.to_json(), indent=1) + "\n")
    return result
