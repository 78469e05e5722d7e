"""Scheduler syscalls: policies and priorities, sched_yield, round-robin interval, CPU
affinity (strace's sched.c and affinity.c)."""

from __future__ import annotations

from ..capture.spec import Capture
from ..core.events import Mem
from .args import IN, INT, INT_OUT, UINT, XLAT, fixed
from .consts import sched
from .fmt import Ctx, flags, ptr, s32, u32, xlat
from .registry import Arg, syscall
from .time import TS_OUT

POLICY = XLAT(sched.POLICIES, "SCHED_")
# struct sched_param (linux/sched/types.h) is one int, printed as strace's printnum_int
PARAM_IN = IN(4, lambda c, d: f"[{s32(int.from_bytes(d[:4], 'little'))}]")


def _policy_ret(c: Ctx) -> str:
    """``0 (SCHED_OTHER)``; a value no name matches (a policy with SCHED_RESET_ON_FORK)
    is the bare number.  strace looks the name up with xlookup(), so -X raw keeps it."""
    assert c.ret is not None
    name = sched.POLICIES.get(c.ret)
    return str(c.ret) if name is None else f"{c.ret} ({name})"


syscall("sched_yield")
syscall("sched_getscheduler", INT, ret=_policy_ret)
syscall("sched_setscheduler", INT, POLICY, PARAM_IN)
syscall("sched_getparam", INT, INT_OUT())
syscall("sched_setparam", INT, PARAM_IN)
syscall("sched_get_priority_max", POLICY)
syscall("sched_get_priority_min", POLICY)
# the interval: an address when the call failed (OUT), a timespec when it succeeded
syscall("sched_rr_get_interval", INT, TS_OUT)


# --- struct sched_attr (sched_setattr, sched_getattr) -----------------------------------

ATTR_MIN_SIZE = 48  # SCHED_ATTR_SIZE_VER0: up to sched_period
ATTR_SIZE_VER1 = 56  # with sched_util_min and sched_util_max: all strace 6.1 reads
KEEP_POLICY, KEEP_PARAMS = 0x08, 0x10
E2BIG = 7


def _sched_attr(c: Ctx, d: bytes, size: int, more: bool, is_set: bool) -> str:
    """``{size=56, sched_policy=SCHED_OTHER, ...}`` as strace's print_sched_attr: the fields
    ``size`` bytes hold (bytes past what was read count as 0), those a setattr's KEEP flags
    make the kernel ignore left out, ``...`` when ``more`` (a larger struct than strace
    reads)."""
    d = d.ljust(ATTR_SIZE_VER1, b"\0")
    field = int.from_bytes
    policy, sched_flags = field(d[4:8], "little"), field(d[8:16], "little")
    parts = [f"size={field(d[0:4], 'little')}"]
    if size >= ATTR_MIN_SIZE:
        if not is_set or s32(policy) < 0 or not sched_flags & (KEEP_POLICY | KEEP_PARAMS):
            parts.append(f"sched_policy={xlat(policy, sched.POLICIES, c.opts, 'SCHED_')}")
        shown = flags(sched_flags, sched.SCHED_FLAGS, c.opts, dflt="SCHED_FLAG_???")
        parts.append(f"sched_flags={shown}")
        if not is_set or not sched_flags & KEEP_PARAMS:
            parts += (
                f"sched_nice={s32(field(d[16:20], 'little'))}",
                f"sched_priority={field(d[20:24], 'little')}",
                f"sched_runtime={field(d[24:32], 'little')}",
                f"sched_deadline={field(d[32:40], 'little')}",
                f"sched_period={field(d[40:48], 'little')}",
            )
        if size >= ATTR_SIZE_VER1:
            parts += (
                f"sched_util_min={field(d[48:52], 'little')}",
                f"sched_util_max={field(d[52:56], 'little')}",
            )
    if more:
        parts.append("...")
    return "{" + ", ".join(parts) + "}"


def _setattr_attr(c: Ctx, i: int) -> str:
    """The struct as the caller passed it: its size field first (0: the first version's
    48 bytes), then that much of it, up to 56 bytes; on E2BIG ``=> {size=N}``, the size
    the kernel wrote back (the one it supports)."""
    addr = c.a(i)
    m = c.entry_mem(i)
    if not addr or m is None or len(m.data) < 4:
        return ptr(addr)
    usize = int.from_bytes(m.data[:4], "little") or ATTR_MIN_SIZE
    size = min(usize, ATTR_SIZE_VER1)
    if size >= ATTR_MIN_SIZE and len(m.data) < size:
        return ptr(addr)
    text = _sched_attr(c, m.data[:size], size, usize > size, True)
    x = c.exit_mem(i)
    if c.ret == -E2BIG and x is not None and len(x.data) >= 4:
        text += f" => {{size={int.from_bytes(x.data[:4], 'little')}}}"
    return text


def _getattr_attr(c: Ctx, i: int) -> str:
    """What the kernel wrote: min(usize, 56) bytes, whose own size field says how many of
    them it filled."""
    usize = u32(c.a(2))
    data = c.out_data(i, min(usize, ATTR_SIZE_VER1)) if usize else None
    if data is None:
        return ptr(c.a(i))
    size = int.from_bytes(data[:4].ljust(4, b"\0"), "little")
    return _sched_attr(c, data, size, False, False)


syscall(
    "sched_setattr",
    INT,
    Arg(
        _setattr_attr,
        lambda o: (fixed(ATTR_SIZE_VER1, "entry"), fixed(4, "exit")),
    ),
    UINT,
)
syscall(
    "sched_getattr",
    INT,
    Arg(_getattr_attr, lambda o: (Capture("buf", "exit", "a2", ATTR_SIZE_VER1),)),
    UINT,
    UINT,
)


# --- CPU affinity ----------------------------------------------------------------------

CPUSET_MAX = 128  # bytes strace reads of a CPU set (its probe's answer for <= 1024 CPUs)


def _cpu_set(c: Ctx, i: int, length: int, m: Mem | None) -> str:
    """``[0 1 64]``: the CPUs set in the first min(length, 128) bytes, ``...`` after them
    when the set is longer (strace's print_affinitylist)."""
    addr = c.a(i)
    if not addr:
        return "NULL"
    if not length:
        return "[]"
    want = min(length, CPUSET_MAX)
    if m is None or len(m.data) < want:
        return ptr(addr)
    bits = int.from_bytes(m.data[:want], "little")
    cpus = [str(k) for k in range(8 * want) if bits >> k & 1]
    if -(-want // 8) * 8 < length:  # strace rounds the bytes it read up to a word
        cpus.append("...")
    return "[" + " ".join(cpus) + "]"


def _setaffinity_mask(c: Ctx, i: int) -> str:
    return _cpu_set(c, i, u32(c.a(1)), c.mem(i))


def _getaffinity_mask(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return _cpu_set(c, i, u32(c.ret), c.exit_mem(i))


syscall(
    "sched_getaffinity",
    INT,
    UINT,
    Arg(_getaffinity_mask, lambda o: (Capture("buf", "exit", "ret", CPUSET_MAX),)),
)
syscall(
    "sched_setaffinity",
    INT,
    UINT,
    Arg(_setaffinity_mask, lambda o: (Capture("buf", "both", "a1", CPUSET_MAX),)),
)
