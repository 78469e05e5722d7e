"""Scheduler syscalls: policies and priorities, sched_yield, round-robin interval, CPU
affinity (strace's sched.c and affinity.c)."""

from __future__ import annotations

from ..capture.spec import Capture
from ..core.events import Mem
from .args import IN, INT, INT_OUT, UINT, XLAT
from .consts import sched
from .fmt import Ctx, ptr, s32, u32
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
