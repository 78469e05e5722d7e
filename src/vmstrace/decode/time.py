"""Time and sleep syscalls: nanosleep, clock_*, gettimeofday, time, timerfd..."""

from __future__ import annotations

import datetime
import struct
from collections.abc import Callable

from ..capture.spec import fixed
from .args import FD, FLAGS, IN, INT, INT_OUT, OUT, XLAT, register_only
from .consts import proc
from .fmt import Ctx, flags, ptr, s32, xlat
from .registry import Arg, syscall
from .structs import (
    TIMESPEC_SIZE,
    TIMEVAL_SIZE,
    clock_t,
    signame,
    sprinttime,
    timespec,
    timeval,
)

# A sleep cut short by a signal: strace sees the kernel's ERESTART_RESTARTBLOCK (or
# another ERESTART* code), vmstrace at the return to user mode sees EINTR when a handler
# ran, an ERESTART* code when the call is restarted (trace.events.return_value).
EINTR = 4
INTERRUPTED = frozenset({-EINTR, -512, -513, -514, -516})


def _clock(c: Ctx, i: int) -> str:
    v = s32(c.a(i))
    # an unknown non-negative id prints as ``0x4d2 /* CLOCK_??? */`` (strace's xlat);
    # negative ids are CPU-time clocks strace decodes specially, left numeric here
    return xlat(v, proc.CLOCKS, c.opts, "CLOCK_" if v >= 0 else "")


CLOCK = register_only(Arg(_clock))
TS_IN = IN(TIMESPEC_SIZE, timespec)
TS_OUT = OUT(TIMESPEC_SIZE, timespec)


def remaining(size: int, fmt: Callable[[Ctx, bytes], str], flags_arg: int | None) -> Arg:
    """A sleep's ``rem``: written (and shown) only when a signal cut the sleep short, and
    for clock_nanosleep only when its flags (argument ``flags_arg``) are 0: an absolute
    sleep (TIMER_ABSTIME) has no remainder, strace prints the address."""

    def render(c: Ctx, i: int) -> str:
        if not c.a(i):
            return "NULL"
        if flags_arg is not None and c.a(flags_arg):
            return ptr(c.a(i))
        m = c.exit_mem(i)
        if c.ret in INTERRUPTED and m is not None and len(m.data) >= size:
            return fmt(c, m.data)
        return ptr(c.a(i))

    return Arg(render, lambda o: (fixed(size, "exit"),))


syscall("nanosleep", TS_IN, remaining(TIMESPEC_SIZE, timespec, None))
syscall(
    "clock_nanosleep",
    CLOCK,
    FLAGS(proc.TIMER_FLAGS, "TIMER_???"),
    TS_IN,
    remaining(TIMESPEC_SIZE, timespec, 1),
)
syscall("clock_gettime", CLOCK, TS_OUT)
syscall("clock_getres", CLOCK, TS_OUT)
syscall("clock_settime", CLOCK, TS_IN)
# struct timezone (linux/time.h): two ints
TIMEZONE = 8


def _timezone(c: Ctx, d: bytes) -> str:
    west, dst = struct.unpack_from("<ii", d)
    return f"{{tz_minuteswest={west}, tz_dsttime={dst}}}"


TZ_OUT = OUT(TIMEZONE, _timezone)  # (the same layout for an i386 caller)
TZ_IN = IN(TIMEZONE, _timezone)
syscall("gettimeofday", OUT(TIMEVAL_SIZE, timeval), TZ_OUT)
syscall("settimeofday", IN(TIMEVAL_SIZE, timeval), TZ_IN)


def ret_time(c: Ctx) -> str:
    """``1795658886 (2026-11-26T02:08:06+0000)``: strace adds the date in the tracee's
    local time; the default guest has no time zone data, so that is UTC."""
    assert c.ret is not None
    try:
        when = datetime.datetime.fromtimestamp(c.ret, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return str(c.ret)
    return f"{c.ret} ({when.strftime('%Y-%m-%dT%H:%M:%S%z')})"


def time_value(c: Ctx, v: int) -> str:
    """``[1796461675 /* 2026-12-05T09:07:55+0000 */]``: time()'s output, any width."""
    when = sprinttime(v)
    return f"[{v}]" if when is None else f"[{v} /* {when} */]"


syscall(
    "time",
    OUT(8, lambda c, d: time_value(c, int.from_bytes(d[:8], "little", signed=True))),
    ret=ret_time,
)


def _tms(c: Ctx, d: bytes) -> str:
    # linux/times.h struct tms: four clock_t (long)
    ut, st, cut, cst = (
        int.from_bytes(d[k : k + 8], "little", signed=True) for k in range(0, 32, 8)
    )
    return (
        f"{{tms_utime={clock_t(ut, c.opts.raw)}, tms_stime={clock_t(st, c.opts.raw)}, "
        f"tms_cutime={clock_t(cut, c.opts.raw)}, tms_cstime={clock_t(cst, c.opts.raw)}}}"
    )


syscall("times", OUT(32, _tms))


def _itimerspec(c: Ctx, d: bytes) -> str:
    return f"{{it_interval={timespec(c, d[:16])}, it_value={timespec(c, d[16:32])}}}"


def _itimerval(c: Ctx, d: bytes) -> str:
    return f"{{it_interval={timeval(c, d[:16])}, it_value={timeval(c, d[16:32])}}}"


syscall("timerfd_create", CLOCK, FLAGS(proc.TFD_FLAGS, "TFD_???"))
syscall(
    "timerfd_settime",
    FD,
    FLAGS(proc.TFD_TIMER_FLAGS, "TFD_???"),
    IN(32, _itimerspec),
    OUT(32, _itimerspec),
)
syscall("timerfd_gettime", FD, OUT(32, _itimerspec))
ITIMER = XLAT(proc.ITIMERS, "ITIMER_")  # an unknown one: 0xdeadbeef /* ITIMER_??? */
syscall("getitimer", ITIMER, OUT(32, _itimerval))
syscall("setitimer", ITIMER, IN(32, _itimerval), OUT(32, _itimerval))


# --- POSIX timers --------------------------------------------------------------------

# asm-generic/siginfo.h struct sigevent (x86-64, 64 bytes): sigev_value, sigev_signo,
# sigev_notify, then a union: the thread id, or the function and attributes (SIGEV_THREAD)
SIGEVENT_READ = 32  # the fields strace prints
SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID = 0, 2, 4


def _sigevent(c: Ctx, d: bytes) -> str:
    return sigevent_text(c, *struct.unpack_from("<QIiQQ", d))


def sigevent_text(
    c: Ctx, value: int, signo: int, notify: int, function: int, attributes: int
) -> str:
    """Any struct sigevent layout's fields (``function`` holds the thread id too)."""
    out = []
    if value:
        out.append(f"sigev_value={{sival_int={s32(value)}, sival_ptr={ptr(value)}}}")
    if notify in (SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID):
        out.append(f"sigev_signo={signame(s32(signo), c.opts.raw)}")
    else:
        out.append(f"sigev_signo={signo}")
    out.append(f"sigev_notify={xlat(notify & 0xFFFFFFFF, proc.SIGEV, c.opts, 'SIGEV_')}")
    if notify == SIGEV_THREAD_ID:
        out.append(f"sigev_notify_thread_id={s32(function)}")
    elif notify == SIGEV_THREAD:
        out.append(
            f"sigev_notify_function={ptr(function)}, sigev_notify_attributes={ptr(attributes)}"
        )
    return "{" + ", ".join(out) + "}"


ITIMERSPEC = 32
SIGEVENT_IN = IN(SIGEVENT_READ, _sigevent)
syscall("timer_create", CLOCK, SIGEVENT_IN, INT_OUT())
syscall(
    "timer_settime",
    INT,
    FLAGS(proc.TIMER_FLAGS, "TIMER_???"),
    IN(ITIMERSPEC, _itimerspec),
    OUT(ITIMERSPEC, _itimerspec),
)
syscall("timer_gettime", INT, OUT(ITIMERSPEC, _itimerspec))
syscall("timer_getoverrun", INT)
syscall("timer_delete", INT)

# --- adjtimex, clock_adjtime (strace's print_timex.h, time.c) ------------------------

# struct timex (x86_64): modes, then long fields, time a struct timeval; 208 bytes
TIMEX_SIZE = 208
ADJ_MODES = (
    (0xA001, "ADJ_OFFSET_SS_READ"),
    (0x8001, "ADJ_OFFSET_SINGLESHOT"),
    (0x0001, "ADJ_OFFSET"),
    (0x0002, "ADJ_FREQUENCY"),
    (0x0004, "ADJ_MAXERROR"),
    (0x0008, "ADJ_ESTERROR"),
    (0x0010, "ADJ_STATUS"),
    (0x0020, "ADJ_TIMECONST"),
    (0x0080, "ADJ_TAI"),
    (0x0100, "ADJ_SETOFFSET"),
    (0x1000, "ADJ_MICRO"),
    (0x2000, "ADJ_NANO"),
    (0x4000, "ADJ_TICK"),
)
STA_STATUS = tuple(
    (1 << k, "STA_" + n)
    for k, n in enumerate(
        "PLL PPSFREQ PPSTIME FLL INS DEL UNSYNC FREQHOLD PPSSIGNAL PPSJITTER PPSWANDER "
        "PPSERROR CLOCKERR NANO MODE CLK".split()
    )
)
TIME_STATES = {
    0: "TIME_OK",
    1: "TIME_INS",
    2: "TIME_DEL",
    3: "TIME_OOP",
    4: "TIME_WAIT",
    5: "TIME_ERROR",
}
_TIMEX_LONGS = (
    ("offset", 8), ("freq", 16), ("maxerror", 24), ("esterror", 32), ("constant", 48),
    ("precision", 56), ("tolerance", 64), ("tick", 88), ("ppsfreq", 96), ("jitter", 104),
    ("stabil", 120), ("jitcnt", 128), ("calcnt", 136), ("errcnt", 144), ("stbcnt", 152),
)  # fmt: skip


def _timex(c: Ctx, i: int) -> str:
    """The struct as the kernel left it: strace reads it at exit, after a failure too."""
    if not c.a(i):
        return "NULL"
    m = c.exit_mem(i)
    if m is None or len(m.data) < TIMEX_SIZE:
        return ptr(c.a(i))
    d = m.data
    modes, status, shift, tai = (struct.unpack_from("<i", d, at)[0] for at in (0, 40, 112, 160))
    v = {name: struct.unpack_from("<q", d, at)[0] for name, at in _TIMEX_LONGS}
    sec, usec = struct.unpack_from("<qQ", d, 72)
    fields = [
        f"modes={flags(modes & 0xFFFFFFFF, ADJ_MODES, c.opts, dflt='ADJ_???')}",
        *(f"{n}={v[n]}" for n in ("offset", "freq", "maxerror", "esterror")),
        f"status={flags(status & 0xFFFFFFFF, STA_STATUS, c.opts, dflt='STA_???')}",
        *(f"{n}={v[n]}" for n in ("constant", "precision", "tolerance")),
        f"time={{tv_sec={sec}, tv_usec={usec}}}",
        *(f"{n}={v[n]}" for n in ("tick", "ppsfreq", "jitter")),
        f"shift={shift}",
        *(f"{n}={v[n]}" for n in ("stabil", "jitcnt", "calcnt", "errcnt", "stbcnt")),
        f"tai={tai}",
    ]
    return "{" + ", ".join(fields) + "}"


def _clock_state(arg: int) -> Callable[[Ctx], str]:
    """The clock's state after the call, named when the struct (argument ``arg``) could be
    shown (strace's RVAL_STR, under -X raw too)."""

    def render(c: Ctx) -> str:
        assert c.ret is not None
        name = TIME_STATES.get(c.ret)
        m = c.exit_mem(arg)
        shown = c.a(arg) and m is not None and len(m.data) >= TIMEX_SIZE
        return f"{c.ret} ({name})" if name is not None and shown else str(c.ret)

    return render


TIMEX = Arg(_timex, lambda o: (fixed(TIMEX_SIZE, "exit"),))
syscall("adjtimex", TIMEX, ret=_clock_state(0))
syscall("clock_adjtime", CLOCK, TIMEX, ret=_clock_state(1))
