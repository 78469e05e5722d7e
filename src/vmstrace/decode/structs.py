"""Renderers for the kernel structures several families share.

Layouts are x86-64 as in the Linux UAPI headers named on each; output is strace's
default (abbreviated, no ``-v``) form.  Each renderer takes exactly the struct's bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import lru_cache

from .consts import fs, signals
from .fmt import OPTS_PLAIN, OPTS_RAW, Ctx, flags, hexnum, octal, ptr, quote

# --- time (linux/time_types.h: __kernel_timespec, __kernel_old_timeval) --------------

TIMESPEC_SIZE = 16
TIMEVAL_SIZE = 16


# strace prints tv_sec signed and tv_nsec / tv_usec unsigned (print_timespec.h)
def timespec(c: Ctx, d: bytes) -> str:
    sec, nsec = struct.unpack_from("<qQ", d)
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


def timeval(c: Ctx, d: bytes) -> str:
    sec, usec = struct.unpack_from("<qQ", d)
    return f"{{tv_sec={sec}, tv_usec={usec}}}"


def sprinttime(sec: int, nsec: int | None = None, digits: int = 9) -> str | None:
    """The date strace adds in a comment (sprinttime_nsec): ``2026-12-05T09:07:19+0000``,
    with ``.000000135`` when ``nsec`` is given and not zero; None where strace prints
    none (0 s and 0 ns, ``nsec`` past 999999999, a year localtime() cannot hold).
    ``digits``: 6 for sprinttime_usec, ``nsec`` then in microseconds (at most 999999).

    The tracee's local time is UTC (the guest has no time zone data).  glibc's %F does
    not pad the year (``1-01-01``, ``10000-01-01``); the civil date is worked out here
    (H. Hinnant's days-to-civil), as datetime stops at year 9999.
    """
    if (sec == 0 and not nsec) or (nsec is not None and not 0 <= nsec < 10**digits):
        return None
    days, rem = divmod(sec, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    if not -(1 << 31) <= year - 1900 < 1 << 31:  # struct tm's int tm_year
        return None
    frac = f".{nsec:0{digits}d}" if nsec else ""
    return (
        f"{year}-{month:02d}-{day:02d}T{rem // 3600:02d}:{rem // 60 % 60:02d}:"
        f"{rem % 60:02d}{frac}+0000"
    )


UTIME_NOW = (1 << 30) - 1  # linux/stat.h
UTIME_OMIT = (1 << 30) - 2


def timespec_utime(c: Ctx, d: bytes) -> str:
    """One of utimensat's times: UTIME_NOW / UTIME_OMIT by name, else the timespec with
    its date in a comment (strace's print_timespec_t_utime)."""
    sec, nsec = struct.unpack_from("<qQ", d)
    text = f"{{tv_sec={sec}, tv_nsec={nsec}}}"
    if nsec in (UTIME_NOW, UTIME_OMIT):  # -X raw: the timespec alone
        return text if c.opts.raw else "UTIME_NOW" if nsec == UTIME_NOW else "UTIME_OMIT"
    when = sprinttime(sec, nsec)  # (a date, not a constant: -X raw keeps it)
    return text if when is None else f"{text} /* {when} */"


USER_HZ = 100  # clock_t ticks per second (asm-generic/param.h)


def clock_t(v: int, raw: bool = False) -> str:
    """A clock_t count; strace adds the seconds in a comment when it is not zero (not
    under -X raw)."""
    if not v or raw:
        return str(v)
    return f"{v} /* {v // USER_HZ}.{v % USER_HZ:02d} s */"


# --- file status (asm/stat.h struct stat, x86-64: 144 bytes) -------------------------

STAT_SIZE = 144


@lru_cache(maxsize=1024)  # a trace shows a few modes many times (stat, open, chmod)
def mode(m: int, raw: bool = False) -> str:
    """``S_IFREG|S_ISUID|0755``: file type, special bits, permissions in octal."""
    if raw:
        return octal(m)
    parts = []
    t = fs.FILE_TYPES.get(m & fs.S_IFMT)
    if t is None and m & fs.S_IFMT:  # an unknown file type: strace prints the number
        return octal(m)
    rest = m
    if t is not None:
        parts.append(t)
        rest &= ~fs.S_IFMT
    for bit, name in fs.MODE_EXTRA:
        if rest & bit:
            parts.append(name)
            rest &= ~bit
    parts.append(octal(rest))
    return "|".join(parts)


def makedev(dev: int) -> str:
    """glibc's gnu_dev_major/minor split of a 64-bit dev_t, printed as strace does."""
    major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF & 0xFFFFFFFF)
    minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF & 0xFFFFFFFF)
    return f"makedev({hexnum(major)}, {hexnum(minor)})"


# x86-64 struct stat (arch/x86/include/uapi/asm/stat.h) from st_mode at offset 24:
# st_mode, st_uid, st_gid, __pad0, st_rdev at 40, st_size at 48
_STAT_MODE_RDEV_SIZE = struct.Struct("<I12xQq")


def stat(c: Ctx, d: bytes) -> str:
    st_mode, st_rdev, st_size = _STAT_MODE_RDEV_SIZE.unpack_from(d, 24)
    return stat_text(c, st_mode, st_rdev, st_size)


def stat_text(c: Ctx, st_mode: int, st_rdev: int, st_size: int) -> str:
    """The abbreviated form of any stat layout (x86-64 here, i386 in compat32)."""
    kind = st_mode & fs.S_IFMT
    if kind in (0o20000, 0o60000):  # character / block device: the device number matters
        tail = f"st_rdev={hexnum(st_rdev) if c.opts.raw else makedev(st_rdev)}"
    else:
        tail = f"st_size={st_size}"
    return f"{{st_mode={mode(st_mode, c.opts.raw)}, {tail}, ...}}"


# linux/stat.h struct statx: 256 bytes; the abbreviated form needs the first 48
STATX_SIZE = 256


def statx_mask(mask: int, raw: bool) -> str:
    """stx_mask's text (the compiled lane asks for it too: pipeline.VALUE_TEXTS)."""
    return flags(mask, fs.STATX_MASK, OPTS_RAW if raw else OPTS_PLAIN, dflt="STATX_???")


def statx_attributes(attrs: int, raw: bool) -> str:
    """stx_attributes' text (pipeline.VALUE_TEXTS too)."""
    return flags(attrs, fs.STATX_ATTRS, OPTS_RAW if raw else OPTS_PLAIN, dflt="STATX_ATTR_???")


def statx(c: Ctx, d: bytes) -> str:
    (mask,) = struct.unpack_from("<I", d, 0)
    (attrs,) = struct.unpack_from("<Q", d, 8)
    (stx_mode,) = struct.unpack_from("<H", d, 28)
    (size,) = struct.unpack_from("<Q", d, 40)
    raw = c.opts.raw
    return (
        f"{{stx_mask={statx_mask(mask, raw)}, stx_attributes={statx_attributes(attrs, raw)}, "
        f"stx_mode={mode(stx_mode, raw)}, stx_size={size}, ...}}"
    )


# --- signals (asm/signal.h: kernel sigset_t is 64 bits on x86-64) --------------------

SIGSET_SIZE = 8


@lru_cache(maxsize=1024)  # a program blocks and restores the same few masks again and again
def sigset_bits(mask: int, nsig: int = signals.NSIG, raw: bool = False) -> str:
    """``[USR1 CHLD]``, or ``~[...]`` of the complement when 2/3 or more of the ``nsig``
    bits are set (strace's sprintsigmask_n; ``nsig`` is the set's 32-bit words * 32);
    with -X raw the signal numbers (``~[32 33]``)."""
    names = {} if raw else signals.SHORT
    mask &= (1 << nsig) - 1
    if mask.bit_count() >= nsig * 2 // 3:
        absent = [s for s in range(1, nsig + 1) if not mask >> (s - 1) & 1]
        return "~[" + " ".join(names.get(s, str(s)) for s in absent) + "]"
    present = [s for s in range(1, nsig + 1) if mask >> (s - 1) & 1]
    return "[" + " ".join(names.get(s, str(s)) for s in present) + "]"


def sigset(c: Ctx, d: bytes) -> str:
    return sigset_bits(int.from_bytes(d[:8], "little"), raw=c.opts.raw)


def signame(sig: int, raw: bool = False) -> str:
    if raw:
        return str(sig)
    return signals.SIGNALS.get(sig, str(sig))


# kernel struct sigaction (x86-64): handler, flags, restorer, mask = 32 bytes
SIGACTION_SIZE = 32


def sigaction(c: Ctx, d: bytes) -> str:
    handler, sa_flags, restorer, mask = struct.unpack_from("<QQQQ", d)
    return sigaction_text(c, handler, sa_flags, restorer, mask)


def sigaction_text(
    c: Ctx, handler: int, sa_flags: int, restorer: int, mask: int, nsig: int = signals.NSIG
) -> str:
    """Any sigaction layout's fields (x86-64 here, i386 in compat32), as strace prints."""
    if c.opts.raw:  # strace -X raw: SIG_DFL is 0, SIG_IGN 0x1
        h: str | None = hexnum(handler)
    else:
        h = signals.HANDLERS.get(handler)
    parts = [
        f"sa_handler={h if h is not None else ptr(handler)}",
        f"sa_mask={sigset_bits(mask, nsig, c.opts.raw)}",
        f"sa_flags={flags(sa_flags, signals.SA_FLAGS, c.opts, dflt='SA_???')}",
    ]
    if sa_flags & signals.SA_RESTORER:
        parts.append(f"sa_restorer={ptr(restorer)}")
    return "{" + ", ".join(parts) + "}"


# --- process -------------------------------------------------------------------------


def wait_status(status: int) -> str:
    """The ``[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`` form of a wait status (strace
    prints it, signal names included, under -X raw too)."""
    s = status & 0xFFFFFFFF
    low = s & 0x7F
    if (s & 0xFF) == 0x7F:
        text = f"WIFSTOPPED(s) && WSTOPSIG(s) == {signame((s >> 8) & 0xFF)}"
        rest = s & ~0xFFFF
    elif s == 0xFFFF:
        text = "WIFCONTINUED(s)"
        rest = 0
    elif low == 0:
        text = f"WIFEXITED(s) && WEXITSTATUS(s) == {(s >> 8) & 0xFF}"
        rest = s & ~0xFFFF
    else:
        text = f"WIFSIGNALED(s) && WTERMSIG(s) == {signame(low)}"
        if s & 0x80:
            text += " && WCOREDUMP(s)"
        rest = s & ~0xFFFF
    tail = f" | {rest:#x}" if rest else ""
    return f"[{{{text}}}{tail}]"


def rlim(v: int, raw: bool = False) -> str:
    """An rlim_t: ``8192*1024``, ``RLIM64_INFINITY``; -X raw: the plain number."""
    if raw:
        return str(v)
    if v == (1 << 64) - 1:
        return "RLIM64_INFINITY"
    if v > 1024 and v % 1024 == 0:
        return f"{v // 1024}*1024"
    return str(v)


RLIMIT_SIZE = 16


def rlimit(c: Ctx, d: bytes) -> str:
    cur, mx = struct.unpack_from("<QQ", d)
    return f"{{rlim_cur={rlim(cur, c.opts.raw)}, rlim_max={rlim(mx, c.opts.raw)}}}"


# linux/utsname.h struct new_utsname: six 65-byte fields
UTSNAME_SIZE = 6 * 65


def utsname(c: Ctx, d: bytes) -> str:
    def field(k: int) -> str:
        raw = d[k * 65 : (k + 1) * 65]
        return quote(raw.split(b"\0", 1)[0], hexstr=c.opts.hexstr)

    return f"{{sysname={field(0)}, nodename={field(1)}, ...}}"


def u64_list(c: Ctx, d: bytes) -> str:
    return f"[{hexnum(int.from_bytes(d[:8], 'little'))}]"


def entry_struct(c: Ctx, i: int, size: int, fmt: Callable[[Ctx, bytes], str]) -> str:
    """An input struct as the caller passed it (the entry read, even if the kernel wrote
    it back); its address if unreadable."""
    if not c.a(i):
        return "NULL"
    m = c.entry_mem(i)
    if m is None or len(m.data) < size:
        return ptr(c.a(i))
    return fmt(c, m.data)


def timespec_in(c: Ctx, i: int) -> str:
    """An input ``struct timespec`` (a timeout)."""
    return entry_struct(c, i, TIMESPEC_SIZE, timespec)
