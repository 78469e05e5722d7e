"""Signal constants.

Sources: ``asm/signal.h`` (x86), ``asm-generic/signal-defs.h`` (Linux UAPI).  Names of
real-time signals follow strace: 32 is ``SIGRTMIN``, 33.. are ``SIGRT_1``.. (relative to
the kernel's SIGRTMIN, not glibc's).  SA_* order follows strace's ``sigact_flags.in``.
"""

from __future__ import annotations

NSIG = 64
SIGRTMIN = 32

_NAMES = (
    "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD "
    "CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS"
).split()

# short names, as printed inside a signal set: 1 -> "HUP", 33 -> "RT_1"
SHORT: dict[int, str] = {i + 1: n for i, n in enumerate(_NAMES)}
SHORT[SIGRTMIN] = "RTMIN"
for _n in range(SIGRTMIN + 1, NSIG + 1):
    SHORT[_n] = f"RT_{_n - SIGRTMIN}"

SIGNALS: dict[int, str] = {k: "SIG" + v for k, v in SHORT.items()}

SIGCHLD = 17

SA_RESTORER = 0x04000000
SA_FLAGS = (
    (0x04000000, "SA_RESTORER"),
    (0x08000000, "SA_ONSTACK"),
    (0x10000000, "SA_RESTART"),
    (0x20000000, "SA_INTERRUPT"),  # glibc's bits/sigaction.h (obsolete, the kernel ignores it)
    (0x40000000, "SA_NODEFER"),
    (0x80000000, "SA_RESETHAND"),
    (0x00000004, "SA_SIGINFO"),
    (0x00000001, "SA_NOCLDSTOP"),
    (0x00000002, "SA_NOCLDWAIT"),
)

HANDLERS = {0: "SIG_DFL", 1: "SIG_IGN", (1 << 64) - 1: "SIG_ERR"}

SIGPROCMASK_HOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}

SS_FLAGS = ((1, "SS_ONSTACK"), (2, "SS_DISABLE"), (1 << 31, "SS_AUTODISARM"))
