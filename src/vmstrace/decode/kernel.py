"""Calls on the kernel itself: init_module, finit_module and delete_module (strace's
bjm.c), kexec_load and kexec_file_load (kexec.c), reboot (reboot.c), syslog (syslog.c),
swapon (swapon.c) and swapoff (printed as chdir), memfd_secret (memfd_secret.c),
pkey_alloc (pkeys.c) and remap_file_pages (mem.c).  Each prints as strace 6.1 prints it;
the flag tables are strace's xlat/*.in, in their order (consts/kernel.py).
"""

from __future__ import annotations

import struct

from ..capture.spec import Capture, fixed
from .args import FD, FLAGS, HEX, PATH, PTR, RBUF, STR, ULONG, WBUF, XLAT, register_only
from .consts import kernel as k
from .consts import mm
from .fmt import MASK64, Ctx, array, flags, hexnum, ptr, quote, readable, s32, u32, xlat
from .registry import Arg, syscall

# --- modules (bjm.c) ------------------------------------------------------------------

syscall("init_module", PTR, ULONG, STR)
syscall("finit_module", FD, STR, FLAGS(k.MODULE_INIT_FLAGS, "MODULE_INIT_???"))
syscall("delete_module", STR, FLAGS(k.DELETE_MODULE_FLAGS, "O_???"))

# --- kexec (kexec.c) ------------------------------------------------------------------

SEGMENT = 32  # struct kexec_segment: buf, bufsz, mem, memsz


def _segment(d: bytes) -> str:
    buf, bufsz, mem, memsz = struct.unpack("<4Q", d)
    return f"{{buf={ptr(buf)}, bufsz={bufsz}, mem={ptr(mem)}, memsz={memsz}}}"


def _segments(c: Ctx, i: int) -> str:
    """The segment array, nr_segments long: only its address past KEXEC_SEGMENT_MAX (the
    kernel refuses more) or when it wraps around the address space."""
    addr, n = c.a(i), c.a(1)
    if n > k.KEXEC_SEGMENT_MAX or (addr and n and addr + n * SEGMENT > MASK64):
        return ptr(addr)
    return array(addr, c.mem(i), n, SEGMENT, c.opts.strsize, _segment)


def _kexec_flags(c: Ctx, i: int) -> str:
    """The architecture in the top half of the low 32 bits, then the flag bits (all 64)."""
    v = c.a(i)
    arch = xlat(v & k.KEXEC_ARCH_MASK, k.KEXEC_ARCHES, c.opts, "KEXEC_ARCH_")
    rest = v & ~k.KEXEC_ARCH_MASK
    return f"{arch}|{flags(rest, k.KEXEC_LOAD_FLAGS, c.opts, dflt='KEXEC_???')}" if rest else arch


# strace reads each element it prints (-s of them, at most KEXEC_SEGMENT_MAX, one more to
# tell whether the array goes on): as many in one read
SEGMENTS = Arg(
    _segments,
    lambda o: (fixed(SEGMENT * min(o.strsize + 1, k.KEXEC_SEGMENT_MAX), "both"),),
)
syscall("kexec_load", PTR, ULONG, SEGMENTS, register_only(Arg(_kexec_flags)))
KEXEC_FILE = FLAGS(k.KEXEC_FILE_LOAD_FLAGS, "KEXEC_FILE_???", bits32=False)
syscall("kexec_file_load", FD, FD, ULONG, WBUF(2), KEXEC_FILE)

# --- reboot (reboot.c) ----------------------------------------------------------------

RESTART2_MAX = 255  # the kernel copies at most 255 bytes of the command (a 256-byte buffer)


def _restart2_arg(c: Ctx, i: int) -> str | None:
    """LINUX_REBOOT_CMD_RESTART2's command: strace reads min(-s + 1, 255) bytes up to a NUL,
    prints at most -s of them, and ``...`` when no NUL came within what it read."""
    if u32(c.a(2)) != k.REBOOT_CMD_RESTART2:
        return None
    addr, m = c.a(i), c.mem(i)
    if not addr:
        return "NULL"
    size = min(c.opts.strsize + 1, RESTART2_MAX)
    if m is None or not readable(m):
        return ptr(addr)
    data = m.data[:size]
    nul = data.find(b"\0")
    if nul >= 0:
        return quote(data[:nul], hexstr=c.opts.hexstr)
    if len(data) < size:  # a fault (or a short read) before a NUL
        return ptr(addr)
    return quote(data[: c.opts.strsize], hexstr=c.opts.hexstr) + "..."


RESTART2 = Arg(
    _restart2_arg, lambda o: (Capture("str", "both", "-", min(o.strsize + 1, RESTART2_MAX)),)
)
syscall(
    "reboot",
    XLAT(k.REBOOT_MAGIC1, "LINUX_REBOOT_MAGIC_"),
    XLAT(k.REBOOT_MAGIC2, "LINUX_REBOOT_MAGIC_"),
    XLAT(k.REBOOT_CMDS, "LINUX_REBOOT_CMD_"),
    RESTART2,
)

# --- syslog (syslog.c) ----------------------------------------------------------------
# The action and the console level print as ``8 /* NAME */`` whatever -X says (strace asks
# for its verbose style); the actions without arguments print the action alone.  Names:
# the kernel-internal include/linux/syslog.h and kern_levels.h (strace's
# syslog_action_type.in and syslog_console_levels.in).
SYSLOG_ACTIONS = dict(enumerate((
    "SYSLOG_ACTION_CLOSE", "SYSLOG_ACTION_OPEN", "SYSLOG_ACTION_READ",
    "SYSLOG_ACTION_READ_ALL", "SYSLOG_ACTION_READ_CLEAR", "SYSLOG_ACTION_CLEAR",
    "SYSLOG_ACTION_CONSOLE_OFF", "SYSLOG_ACTION_CONSOLE_ON", "SYSLOG_ACTION_CONSOLE_LEVEL",
    "SYSLOG_ACTION_SIZE_UNREAD", "SYSLOG_ACTION_SIZE_BUFFER",
)))  # fmt: skip
SYSLOG_READS = frozenset((2, 3, 4))  # READ, READ_ALL, READ_CLEAR: the buffer is filled
SYSLOG_NO_ARGS = frozenset((0, 1, 5, 6, 7, 9, 10))  # the kernel ignores bufp and len
SYSLOG_CONSOLE_LEVEL = 8
LOGLEVELS = dict(enumerate((
    "LOGLEVEL_EMERG", "LOGLEVEL_ALERT", "LOGLEVEL_CRIT", "LOGLEVEL_ERR", "LOGLEVEL_WARNING",
    "LOGLEVEL_NOTICE", "LOGLEVEL_INFO", "LOGLEVEL_DEBUG", "LOGLEVEL_DEBUG+1",
)))  # fmt: skip


def _verbose(v: int, table: dict[int, str], unknown: str) -> str:
    return f"{v} /* {table.get(v, unknown)} */"


def _syslog_type(c: Ctx, i: int) -> str:
    return _verbose(s32(c.a(i)), SYSLOG_ACTIONS, "SYSLOG_ACTION_???")


_read_buf = RBUF()


def _syslog_buf(c: Ctx, i: int) -> str | None:
    kind = s32(c.a(0))
    if kind in SYSLOG_NO_ARGS:
        return None
    return _read_buf.render(c, i) if kind in SYSLOG_READS else ptr(c.a(i))


def _syslog_len(c: Ctx, i: int) -> str | None:
    kind, v = s32(c.a(0)), s32(c.a(i))
    if kind in SYSLOG_NO_ARGS:
        return None
    return _verbose(v, LOGLEVELS, "LOGLEVEL_???") if kind == SYSLOG_CONSOLE_LEVEL else str(v)


syscall(
    "syslog",
    register_only(Arg(_syslog_type)),
    Arg(_syslog_buf, _read_buf.captures),
    register_only(Arg(_syslog_len), also=0),
)

# --- swap (swapon.c; swapoff prints as chdir) -----------------------------------------
# glibc's sys/swap.h and the kernel-internal include/linux/swap.h (strace's swap_flags.in)
SWAP_FLAG_PRIO_MASK = 0x7FFF
SWAP_FLAGS = (
    (0x8000, "SWAP_FLAG_PREFER"),
    (0x10000, "SWAP_FLAG_DISCARD"),
    (0x20000, "SWAP_FLAG_DISCARD_ONCE"),
    (0x40000, "SWAP_FLAG_DISCARD_PAGES"),
)


def _swap_flags(c: Ctx, i: int) -> str:
    """The flag bits, then always the priority in decimal: ``SWAP_FLAG_PREFER|42``."""
    v = u32(c.a(i))
    prio, rest = v & SWAP_FLAG_PRIO_MASK, v & ~SWAP_FLAG_PRIO_MASK
    head = flags(rest, SWAP_FLAGS, c.opts, dflt="SWAP_FLAG_???") + "|" if rest else ""
    return f"{head}{prio}"


syscall("swapon", PATH, register_only(Arg(_swap_flags)))
syscall("swapoff", PATH)

# --- memfd_secret, pkey_alloc, remap_file_pages ----------------------------------------

# asm-generic/mman-common.h; PKEY_DISABLE_EXECUTE is powerpc's, named on every
# architecture by strace's pkey_access.in
PKEY_ACCESS = ((1, "PKEY_DISABLE_ACCESS"), (2, "PKEY_DISABLE_WRITE"), (4, "PKEY_DISABLE_EXECUTE"))
syscall("memfd_secret", FLAGS(k.MEMFD_SECRET_FLAGS))
syscall("pkey_alloc", HEX, FLAGS(PKEY_ACCESS, "PKEY_???", bits32=False))
# remap_file_pages prints prot as 64 bits (mmap's are 32)
PROT64 = register_only(
    Arg(lambda c, i: flags(c.a(i), mm.PROT, c.opts, zero="PROT_NONE", dflt="PROT_???"))
)


def _remap_flags(c: Ctx, i: int) -> str:
    """As mmap's flags (strace's print_mmap_flags): the type, the flag bits, the huge page
    size as ``21<<MAP_HUGE_SHIFT``; it drops the upper 32 bits except under -X raw."""
    if c.opts.raw:
        return hexnum(c.a(i))
    v = u32(c.a(i))
    kind, huge = v & mm.MAP_TYPE, v & mm.MAP_HUGE_MASK << mm.MAP_HUGE_SHIFT
    parts = [mm.MAP_TYPES.get(kind) or f"{hexnum(kind)} /* MAP_??? */"]
    if rest := v & ~mm.MAP_TYPE & ~huge:
        parts.append(flags(rest, mm.MAP_FLAGS, c.opts))
    if huge:
        parts.append(f"{huge >> mm.MAP_HUGE_SHIFT}<<MAP_HUGE_SHIFT")
    return "|".join(parts)


syscall("remap_file_pages", PTR, ULONG, PROT64, ULONG, register_only(Arg(_remap_flags)))
