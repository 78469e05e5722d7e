"""Memory-management syscalls: mmap, mprotect, munmap, brk, mremap, madvise, mlock...

Addresses print in hex (NULL for 0) and so do the addresses these calls return.
"""

from __future__ import annotations

from ..capture.spec import Capture
from ..core.abi import MAX_BYTES
from .args import FD, FLAGS, HEX, INT, PTR, STR, ULONG, XLAT, register_only, ret_hex
from .consts import mm
from .fmt import Ctx, array, flags, hexnum, ptr, u32
from .registry import Arg, syscall

PROT = register_only(
    Arg(lambda c, i: flags(c.a(i) & 0xFFFFFFFF, mm.PROT, c.opts, zero="PROT_NONE", dflt="PROT_???"))
)


def _map_flags(c: Ctx, i: int) -> str:
    """strace's print_mmap_flags: the type (0 is MAP_FILE, an unknown one in hex with a
    comment), the flag bits, then a huge page size as ``21<<MAP_HUGE_SHIFT``."""
    v = c.a(i) & 0xFFFFFFFF
    if c.opts.raw:
        return hexnum(v)
    kind = v & mm.MAP_TYPE
    name = mm.MAP_TYPES.get(kind)
    parts = [name if name else f"{hexnum(kind)} /* MAP_??? */"]
    huge = v & mm.MAP_HUGE_MASK << mm.MAP_HUGE_SHIFT
    rest = v & ~mm.MAP_TYPE & ~huge
    if rest:
        parts.append(flags(rest, mm.MAP_FLAGS, c.opts))
    if huge:
        parts.append(f"{huge >> mm.MAP_HUGE_SHIFT}<<MAP_HUGE_SHIFT")
    return "|".join(parts)


OFFSET = HEX  # strace prints mmap's offset in hex

syscall("mmap", PTR, ULONG, PROT, register_only(Arg(_map_flags)), FD, OFFSET, ret=ret_hex)
syscall("mprotect", PTR, ULONG, PROT)
syscall("pkey_mprotect", PTR, ULONG, PROT, INT)
syscall("munmap", PTR, ULONG)
syscall("brk", PTR, ret=ret_hex)
# the new address is printed only when MREMAP_FIXED makes the kernel read it
NEW_ADDR = register_only(Arg(lambda c, i: ptr(c.a(i)) if c.a(3) & 2 else None), also=3)
syscall("mremap", PTR, ULONG, ULONG, FLAGS(mm.MREMAP_FLAGS, "MREMAP_???"), NEW_ADDR, ret=ret_hex)
syscall("madvise", PTR, ULONG, XLAT(mm.MADVISE, "MADV_"))
syscall("msync", PTR, ULONG, FLAGS(mm.MSYNC_FLAGS, "MS_???"))
PAGE_SIZE = 4096


def _mincore_vec(c: Ctx, i: int) -> str:
    """One residency byte per page of the range, bit 0 shown (print_mincore_entry)."""
    if c.failed:
        return ptr(c.a(i))
    pages = (c.a(1) + PAGE_SIZE - 1) // PAGE_SIZE
    return array(c.a(i), c.exit_mem(i), pages, 1, c.opts.strsize, lambda d: str(d[0] & 1))


# (len bytes: at least the vector's one byte per page, up to -s + 1)
syscall(
    "mincore",
    PTR,
    ULONG,
    Arg(_mincore_vec, lambda o: (Capture("buf", "exit", "a1", min(o.strsize + 1, MAX_BYTES)),)),
)
syscall("mlock", PTR, ULONG)
syscall("munlock", PTR, ULONG)
syscall("mlock2", PTR, ULONG, FLAGS(mm.MLOCK2_FLAGS, "MLOCK_???"))
syscall("mlockall", FLAGS(mm.MLOCKALL_FLAGS, "MCL_???"))
syscall("munlockall")
MFD_HUGE_SHIFT, MFD_HUGE_MASK = 26, 0x3F


def _memfd_flags(c: Ctx, i: int) -> str:
    """The flags, and a huge page size's log2 in the top bits as ``21<<MFD_HUGE_SHIFT``
    (strace's memfd_create.c)."""
    v = u32(c.a(i))
    if c.opts.raw:
        return hexnum(v)
    huge = v & (MFD_HUGE_MASK << MFD_HUGE_SHIFT)
    rest = v & ~huge
    parts = [flags(rest, mm.MEMFD_FLAGS, c.opts, dflt="MFD_???")] if rest or not huge else []
    if huge:
        parts.append(f"{huge >> MFD_HUGE_SHIFT}<<MFD_HUGE_SHIFT")
    return "|".join(parts)


syscall("memfd_create", STR, register_only(Arg(_memfd_flags)))
syscall("mseal", PTR, ULONG, HEX)
SHM_FLAGS = (
    (0o10000, "SHM_RDONLY"),
    (0o20000, "SHM_RND"),
    (0o40000, "SHM_REMAP"),
    (0o100000, "SHM_EXEC"),
)
syscall("shmat", INT, PTR, FLAGS(SHM_FLAGS, "SHM_???"), ret=ret_hex)
syscall("shmdt", PTR)
