"""Scheduler constants.

Source: ``linux/sched.h`` (SCHED_*), with glibc's ``bits/sched.h`` names where strace 6.1
takes them from there (it builds ``xlat/schedulers.in`` against glibc's <sched.h>).
"""

from __future__ import annotations

# strace's schedulers.in: a plain value table.  SCHED_ISO is glibc's name for the value
# linux/sched.h reserves; SCHED_RESET_ON_FORK (0x40000000, ORed into a policy) is in no
# strace 6.1 table, so such a policy prints ``0x40000000 /* SCHED_??? */``.
POLICIES = {
    0: "SCHED_OTHER",
    1: "SCHED_FIFO",
    2: "SCHED_RR",
    3: "SCHED_BATCH",
    4: "SCHED_ISO",
    5: "SCHED_IDLE",
    6: "SCHED_DEADLINE",
}

# strace's sched_flags.in (linux/sched.h SCHED_FLAG_*): struct sched_attr's sched_flags.
SCHED_FLAGS = (
    (0x01, "SCHED_FLAG_RESET_ON_FORK"),
    (0x02, "SCHED_FLAG_RECLAIM"),
    (0x04, "SCHED_FLAG_DL_OVERRUN"),
    (0x08, "SCHED_FLAG_KEEP_POLICY"),
    (0x10, "SCHED_FLAG_KEEP_PARAMS"),
    (0x20, "SCHED_FLAG_UTIL_CLAMP_MIN"),
    (0x40, "SCHED_FLAG_UTIL_CLAMP_MAX"),
)
