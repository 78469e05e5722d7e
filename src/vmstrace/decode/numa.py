"""NUMA memory policy and page placement calls: set_mempolicy, get_mempolicy, mbind,
migrate_pages, move_pages, set_mempolicy_home_node, and process_madvise and futex_waitv.

Each prints as strace 6.1 does (its numa.c, mem.c, futex_waitv.c and the xlat tables
mpol_modes.in, mpol_mode_flags.in, mbind_flags.in, get_mempolicy_flags.in,
move_pages_flags.in, futex_waiter_flags.in, madvise_cmds.in).  Arrays print as its
print_array: at most -s elements, then ``...``; ``... /* address */`` at the first element
it could not read; the address when the first one is unreadable.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..capture.spec import Capture, When
from ..core.abi import MAX_BYTES, MAX_ELEMS
from ..core.events import Mem
from .args import FD, FLAGS, HEX, HEX32, INT, OUT, PTR, UINT, ULONG, XLAT, register_only
from .consts import mm, proc
from .fmt import MASK64, Ctx, DecodeOptions, array, flags, hexnum, ptr, s32, u32, xlat
from .io import iovec_array
from .registry import Arg, Captures, syscall
from .time import TS_IN

MPOL_MODES = {
    0: "MPOL_DEFAULT",
    1: "MPOL_PREFERRED",
    2: "MPOL_BIND",
    3: "MPOL_INTERLEAVE",
    4: "MPOL_LOCAL",
    5: "MPOL_PREFERRED_MANY",
}
MPOL_MODE_FLAGS = (
    (1 << 15, "MPOL_F_STATIC_NODES"),
    (1 << 14, "MPOL_F_RELATIVE_NODES"),
    (1 << 13, "MPOL_F_NUMA_BALANCING"),
)
MPOL_FLAGS_MASK = 0xE000
MBIND_FLAGS = ((1, "MPOL_MF_STRICT"), (2, "MPOL_MF_MOVE"), (4, "MPOL_MF_MOVE_ALL"))
GET_MEMPOLICY_FLAGS = ((1, "MPOL_F_NODE"), (2, "MPOL_F_ADDR"), (4, "MPOL_F_MEMS_ALLOWED"))
MOVE_PAGES_FLAGS = ((2, "MPOL_MF_MOVE"), (4, "MPOL_MF_MOVE_ALL"))
FUTEX_WAITER_FLAGS = ((2, "FUTEX_32"), (128, "FUTEX_PRIVATE_FLAG"))
FUTEX_WAITV_MAX = 128  # waiters strace prints at most, whatever -s says
WAITER_SIZE = 24  # struct futex_waitv: u64 val, u64 uaddr, u32 flags, u32 __reserved


def _mode_text(v: int, opts: DecodeOptions) -> str:
    """strace's print_mode: a mode from the table, ``|`` its flag bits; a value whose mode
    part no name matches prints as a flag set (or a number when it has no flag bit)."""
    fl = v & MPOL_FLAGS_MASK
    if not fl:
        return xlat(v, MPOL_MODES, opts, "MPOL_")
    name = MPOL_MODES.get(v & ~MPOL_FLAGS_MASK)
    if name is None:
        return flags(v, MPOL_MODE_FLAGS, opts, dflt="MPOL_???")
    if opts.raw:
        return hexnum(v)
    return f"{name}|{flags(fl, MPOL_MODE_FLAGS, opts)}"


# set_mempolicy reads its mode as an unsigned int, mbind as the whole register
MODE32 = register_only(Arg(lambda c, i: _mode_text(u32(c.a(i)), c.opts)))
MODE64 = register_only(Arg(lambda c, i: _mode_text(c.a(i), c.opts)))


def _array(
    c: Ctx, addr: int, m: Mem | None, count: int, size: int, elem: Callable[[bytes], str]
) -> str:
    """print_array, with its check that the array fits the address space: one that does
    not prints as its address."""
    if addr and count and (count * size > MASK64 or addr + count * size > MASK64):
        return ptr(addr)
    return array(addr, m, count, size, c.opts.strsize, elem)


def _array_caps(size: int, when: When, limit: int | None = None) -> Captures:
    """A read of the elements print_array shows: -s of them and the one after (printed as
    ``...`` when it can be read)."""

    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        n = min(opts.strsize, limit if limit is not None else opts.strsize) + 1
        nbytes = min(n * size, MAX_BYTES)
        return (Capture("buf", when, f"c{nbytes}", nbytes),)

    return captures


def _node(d: bytes) -> str:
    # PRINT_VAL_0X, C's "%#016llx": 16 characters, "0x" among them (none for zero)
    return f"{int.from_bytes(d, 'little'):#016x}" if any(d) else "0" * 16


def _nodemask(c: Ctx, addr: int, maxnode: int, m: Mem | None) -> str:
    """strace's print_nodemask: the longs holding ``maxnode - 1`` bits (the kernel's
    count), each as 16 hex digits; the address when that count wraps."""
    nmemb = ((maxnode + 62) & MASK64) // 64
    if nmemb < maxnode // 64 or (maxnode and not nmemb):
        return ptr(addr)
    return _array(c, addr, m, nmemb, 8, _node)


def NODEMASK(maxnode_arg: int, when: When = "both") -> Arg:  # noqa: N802
    """A node mask of ``maxnode_arg``'s bits: what the caller passed, or (``exit``) what a
    successful call wrote (a failed one's prints as its address)."""

    def render(c: Ctx, i: int) -> str:
        if when == "exit":
            m = None if c.failed else c.exit_mem(i)
        else:
            m = c.mem(i)
        return _nodemask(c, c.a(i), c.a(maxnode_arg), m)

    return Arg(render, _array_caps(8, when))


syscall("set_mempolicy", MODE32, NODEMASK(2), ULONG)
syscall("mbind", PTR, ULONG, MODE64, NODEMASK(4), ULONG, FLAGS(MBIND_FLAGS, "MPOL_???"))
syscall("migrate_pages", INT, ULONG, NODEMASK(1), NODEMASK(1))
syscall("set_mempolicy_home_node", PTR, ULONG, ULONG, HEX)


# the policy the kernel stored: ``[MPOL_BIND]`` (an int, looked up unsigned)
POLICY_OUT = OUT(
    4, lambda c, d: f"[{xlat(int.from_bytes(d, 'little'), MPOL_MODES, c.opts, 'MPOL_')}]"
)


syscall(
    "get_mempolicy",
    POLICY_OUT,
    NODEMASK(2, "exit"),
    ULONG,
    PTR,
    FLAGS(GET_MEMPOLICY_FLAGS, "MPOL_???", bits32=False),
)


# --- move_pages ------------------------------------------------------------------------

# strace's errnoent names (print_err): 1..133 but 41 and 58, and the kernel's 512..530
# but 519 and 520
_ERRNOS = frozenset(range(1, 134)) - {41, 58} | frozenset(range(512, 531)) - {519, 520}


def _status_text(v: int, raw: bool) -> str:
    """A page's status: its node, or ``-EFAULT`` (print_err of the negated errno)."""
    if raw or -v not in _ERRNOS:
        return str(v)
    from . import errno_name  # (the package imports this module)

    return "-" + ("EHWPOISON" if v == -133 else errno_name(-v))


def _pages(c: Ctx, i: int) -> str:
    return _array(c, c.a(i), c.mem(i), c.a(1), 8, lambda d: ptr(int.from_bytes(d, "little")))


def _nodes(c: Ctx, i: int) -> str:
    return _array(c, c.a(i), c.mem(i), c.a(1), 4, lambda d: str(s32(int.from_bytes(d, "little"))))


def _status(c: Ctx, i: int) -> str:
    """Written by the kernel: read at exit, not after a failed call (strace's tfetch_mem)."""
    m = None if c.failed else c.exit_mem(i)
    raw = c.opts.raw
    return _array(
        c, c.a(i), m, c.a(1), 4, lambda d: _status_text(s32(int.from_bytes(d, "little")), raw)
    )


syscall(
    "move_pages",
    INT,
    ULONG,
    Arg(_pages, _array_caps(8, "both")),
    Arg(_nodes, _array_caps(4, "both")),
    Arg(_status, _array_caps(4, "exit")),
    FLAGS(MOVE_PAGES_FLAGS, "MPOL_???"),
)


# --- process_madvise -------------------------------------------------------------------


def _madvise_iov(c: Ctx, i: int) -> str:
    """The ranges as iovecs of addresses (strace's iov_decode_addr), vlen an unsigned
    long: an array past the end of the address space prints as its address."""
    addr, count = c.a(i), c.a(2)
    if addr and count and (count * 16 > MASK64 or addr + count * 16 > MASK64):
        return ptr(addr)
    return iovec_array(c, addr, c.mem(i), count, None, addrs=True)


def _madvise_iov_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    return (Capture("iov", "both", "a2", min(opts.strsize + 1, MAX_ELEMS), 0),)


syscall(
    "process_madvise",
    FD,
    Arg(_madvise_iov, _madvise_iov_caps),
    ULONG,
    XLAT(mm.MADVISE, "MADV_"),
    HEX32,
)


# --- futex_waitv -----------------------------------------------------------------------


def _waiter(c: Ctx, d: bytes) -> str:
    val, uaddr, fl, reserved = struct.unpack("<QQII", d)
    text = f"{{val={hexnum(val)}, uaddr={ptr(uaddr)}, flags="
    text += flags(fl, FUTEX_WAITER_FLAGS, c.opts, dflt="FUTEX_???")
    return text + (f", __reserved={reserved:#x}}}" if reserved else "}")


def _waiters(c: Ctx, i: int) -> str:
    """The waiters, at most FUTEX_WAITV_MAX of them (then ``...``), their count an uint."""
    addr, count = c.a(i), u32(c.a(1))
    if addr and count and addr + count * WAITER_SIZE > MASK64:
        return ptr(addr)
    limit = min(c.opts.strsize, FUTEX_WAITV_MAX)
    return array(addr, c.mem(i), count, WAITER_SIZE, limit, lambda d: _waiter(c, d))


CLOCKID = register_only(Arg(lambda c, i: xlat(u32(c.a(i)), proc.CLOCKS, c.opts, "CLOCK_")))
syscall(
    "futex_waitv",
    Arg(_waiters, _array_caps(WAITER_SIZE, "both", FUTEX_WAITV_MAX)),
    UINT,
    HEX32,
    TS_IN,
    CLOCKID,
)
