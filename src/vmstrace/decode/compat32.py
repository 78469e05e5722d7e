"""i386 templates: the calls whose arguments are structures, with their 32-bit layouts.

A 32-bit process passes structures laid out for i386 (4-byte longs and pointers, 8-byte
members aligned to 4), and calls that exist only there (``stat64``, ``_llseek``, ``mmap2``,
``socketcall``...).  These templates print them as strace does for a 32-bit tracee; they
live in their own table because their names are shared with x86_64 templates of another
layout (``compat_i386.template`` looks here first).  Layouts cite
arch/x86/include/uapi/asm/*.h for i386 (the kernel's compat_* structures are the same).
"""

from __future__ import annotations

import struct
from dataclasses import replace

from ..capture.spec import Capture, fixed
from ..core.abi import MAX_BYTES
from ..core.events import Syscall

# the family modules register the x86_64 templates _like() reuses below
from . import files, io, memory, net, process, sched, signal, time  # noqa: F401
from .args import DIRFD, FD, FLAGS, IN, INT, OUT, PATH, PTR, RBUF, SKIP, ULONG, WBUF, XLAT
from .consts import fs, proc, signals
from .files import flock_text
from .fmt import Ctx, hexnum, ptr, s32, u32, xlat
from .registry import TEMPLATES, Arg, RetRender, Template
from .siginfo import SIGINFO_SIZE, printsiginfo
from .structs import sigaction_text, sigset_bits, stat_text

TEMPLATES32: dict[str, Template] = {}


def syscall32(name: str, *args: Arg, ret: RetRender | None = None) -> Template:
    """Register the i386 template for ``name``."""
    if name in TEMPLATES32:
        raise ValueError(f"duplicate i386 template for {name}")
    t = TEMPLATES32[name] = Template(name, tuple(args), ret)
    return t


def _like(name: str, of: str) -> Template:
    """An i386 call that prints exactly like an x86_64 template (same layout)."""
    src = TEMPLATES[of]
    return syscall32(name, *src.args, ret=src.ret)


def ret_hex32(c: Ctx) -> str:
    """An address returned by a 32-bit call (the return value is sign-extended)."""
    assert c.ret is not None
    return hexnum(c.ret & 0xFFFFFFFF)


def _word(d: bytes, off: int) -> int:
    return int.from_bytes(d[off : off + 4], "little")


def off64(lo: int, hi: int) -> Arg:
    """A 64-bit offset passed as two 32-bit arguments, printed as one signed number."""

    def render(c: Ctx, i: int) -> str:
        v = u32(c.a(hi)) << 32 | u32(c.a(lo))
        return str(v - (1 << 64) if v >> 63 else v)

    return Arg(render)


LOFF = INT  # i386 off_t / long: 32-bit signed


# --- file status (asm/stat.h, i386) --------------------------------------------------

# struct stat64 (packed): st_dev u64, pad 4, __st_ino u32, st_mode u32 @16, st_nlink,
# st_uid, st_gid, st_rdev u64 @32, pad 4, st_size s64 @44, ... st_ino u64 @88: 96 bytes
STAT64_SIZE = 96
# struct stat: st_dev, st_ino (u32), st_mode u16 @8, nlink, uid, gid (u16), st_rdev u32
# @16, st_size u32 @20, ...: 64 bytes
STAT32_SIZE = 64


def stat64(c: Ctx, d: bytes) -> str:
    (mode,) = struct.unpack_from("<I", d, 16)
    (rdev,) = struct.unpack_from("<Q", d, 32)
    (size,) = struct.unpack_from("<q", d, 44)
    return stat_text(c, mode, rdev, size)


def stat32(c: Ctx, d: bytes) -> str:
    (mode,) = struct.unpack_from("<H", d, 8)
    rdev, size = struct.unpack_from("<II", d, 16)
    return stat_text(c, mode, rdev, size)


STAT64 = OUT(STAT64_SIZE, stat64)
STAT32 = OUT(STAT32_SIZE, stat32)
AT_FLAGS = FLAGS(fs.AT_FLAGS, "AT_???")

syscall32("stat64", PATH, STAT64)
syscall32("lstat64", PATH, STAT64)
syscall32("fstat64", FD, STAT64)
syscall32("fstatat64", DIRFD, PATH, STAT64, AT_FLAGS)
syscall32("stat", PATH, STAT32)
syscall32("lstat", PATH, STAT32)
syscall32("fstat", FD, STAT32)
syscall32("truncate64", PATH, off64(1, 2), SKIP)
syscall32("ftruncate64", FD, off64(1, 2), SKIP)
SEEK = XLAT(fs.SEEK, unknown="SEEK_")
syscall32("lseek", FD, LOFF, SEEK)


def _llseek_result(c: Ctx, d: bytes) -> str:
    return f"[{int.from_bytes(d[:8], 'little', signed=True)}]"


# _llseek(fd, offset_high, offset_low, loff_t *result, whence): strace joins the halves
syscall32("_llseek", FD, off64(2, 1), SKIP, OUT(8, _llseek_result), SEEK)


def _dirents32(c: Ctx, i: int) -> str:
    """getdents' buffer: struct linux_dirent with 4-byte d_ino and d_off (reclen at 8)."""
    addr = ptr(c.a(i))
    m = c.exit_mem(i)
    if c.failed or c.ret is None or m is None:
        return addr
    data = m.data[: c.ret]
    n = off = 0
    while off + 10 <= len(data):
        (reclen,) = struct.unpack_from("<H", data, off + 8)
        if reclen == 0:
            break
        n += 1
        off += reclen
    return f"{addr} /* {n} entries */"


syscall32(
    "getdents", FD, Arg(_dirents32, lambda o: (Capture("buf", "exit", "ret", MAX_BYTES),)), ULONG
)


# --- statfs (asm-generic/statfs.h with 4-byte __statfs_word, i386) -------------------

# struct statfs: f_type .. f_ffree (u32), f_fsid (2 x u32), f_namelen, f_frsize, f_flags,
# f_spare[4]: 64 bytes.  struct statfs64: f_blocks .. f_ffree are u64 (aligned to 4 on
# i386, asm/statfs.h), 84 bytes; statfs64 and fstatfs64 pass that size and the kernel
# refuses any other.
STATFS32_SIZE = 64
STATFS64_SIZE = 84


def statfs32(c: Ctx, d: bytes) -> str:
    v = struct.unpack_from("<12I", d)
    return files.statfs_text(c, v[0], v[1:7], (v[7], v[8]), v[9], v[10], v[11])


def statfs64(c: Ctx, d: bytes) -> str:
    v = struct.unpack_from("<2I5Q5I", d)
    return files.statfs_text(c, v[0], v[1:7], (v[7], v[8]), v[9], v[10], v[11])


_STATFS64_OUT = OUT(STATFS64_SIZE, statfs64)


def _statfs64_buf(c: Ctx, i: int) -> str | None:
    if u32(c.a(1)) != STATFS64_SIZE:  # strace reads no struct of another size
        return ptr(c.a(i))
    return _STATFS64_OUT.render(c, i)


STATFS32 = OUT(STATFS32_SIZE, statfs32)
STATFS64 = Arg(_statfs64_buf, _STATFS64_OUT.captures)
syscall32("statfs", PATH, STATFS32)
syscall32("fstatfs", FD, STATFS32)
syscall32("statfs64", PATH, ULONG, STATFS64)
syscall32("fstatfs64", FD, ULONG, STATFS64)


# --- fcntl: struct flock (i386: 4-byte l_start/l_len) and struct flock64 -------------

F_GETLK64, F_SETLK64, F_SETLKW64 = 12, 13, 14  # asm-generic/fcntl.h (32-bit only)
FCNTL64_CMDS = {
    **fs.FCNTL_CMDS,
    F_GETLK64: "F_GETLK64",
    F_SETLK64: "F_SETLK64",
    F_SETLKW64: "F_SETLKW64",
}
_F = {v: k for k, v in fs.FCNTL_CMDS.items()}
_GETLK = {_F["F_GETLK"], _F["F_OFD_GETLK"], F_GETLK64}
_OFD = {_F["F_OFD_GETLK"], _F["F_OFD_SETLK"], _F["F_OFD_SETLKW"]}
_LOCKS = {_F["F_GETLK"], _F["F_SETLK"], _F["F_SETLKW"], F_GETLK64, F_SETLK64, F_SETLKW64} | _OFD
FLOCK64_SIZE = 24  # l_type, l_whence (s16), l_start, l_len (s64, 4-aligned), l_pid


def _flock(c: Ctx, d: bytes, wide: bool, getlk: bool) -> str | None:
    if wide and len(d) >= FLOCK64_SIZE:
        ltype, whence, start, length, pid = struct.unpack_from("<hhqqi", d)
    elif not wide and len(d) >= 16:
        ltype, whence, start, length, pid = struct.unpack_from("<hhiii", d)
    else:
        return None
    return flock_text(c, ltype, whence, start, length, pid if getlk else None)


def _fcntl_arg(is64: bool) -> Arg:
    generic = TEMPLATES["fcntl"].args[2]

    def render(c: Ctx, i: int) -> str | None:
        cmd = u32(c.a(1))
        if cmd not in _LOCKS:
            return generic.render(c, i)
        wide = cmd in (F_GETLK64, F_SETLK64, F_SETLKW64) or (is64 and cmd in _OFD)
        if cmd in _GETLK:  # the kernel's answer, shown at exit
            d = c.out_data(i, FLOCK64_SIZE if wide else 16)
        else:
            d = c.in_data(i, FLOCK64_SIZE if wide else 16)
        text = None if d is None else _flock(c, d, wide, cmd in _GETLK)
        return ptr(c.a(i)) if text is None else text

    return Arg(render, lambda o: (fixed(FLOCK64_SIZE, "entry"), fixed(FLOCK64_SIZE, "exit")))


_FCNTL_RET = TEMPLATES["fcntl"].ret
_FCNTL64_CMD = Arg(lambda c, i: xlat(u32(c.a(i)), FCNTL64_CMDS, c.opts, "F_"))
syscall32("fcntl", FD, TEMPLATES["fcntl"].args[1], _fcntl_arg(False), ret=_FCNTL_RET)
syscall32("fcntl64", FD, _FCNTL64_CMD, _fcntl_arg(True), ret=_FCNTL_RET)


# --- memory --------------------------------------------------------------------------

PAGE_SIZE = 4096
_MMAP = TEMPLATES["mmap"].args
# mmap2's last argument counts pages; strace prints the byte offset
PGOFF = Arg(lambda c, i: hexnum(u32(c.a(i)) * PAGE_SIZE))
syscall32("mmap2", *_MMAP[:5], PGOFF, ret=ret_hex32)
syscall32("brk", PTR, ret=ret_hex32)
syscall32("mremap", *TEMPLATES["mremap"].args, ret=ret_hex32)


# --- vectored I/O (struct iovec: 4-byte iov_base and iov_len) -------------------------


def _writev(c: Ctx, i: int) -> str:
    return io.iovec_array(c, c.a(i), c.mem(i), s32(c.a(2)), None, word=4)


def _readv(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return io.iovec_array(c, c.a(i), c.exit_mem(i), s32(c.a(2)), c.ret, word=4)


WIOV = Arg(_writev, io.iov_caps("both"))  # i386 arrays: 4-byte fields
RIOV = Arg(_readv, io.iov_caps("exit"))
syscall32("readv", FD, RIOV, INT)
syscall32("writev", FD, WIOV, INT)
# preadv(fd, iov, vlen, pos_l, pos_h); pread64(fd, buf, count, pos_lo, pos_hi)
syscall32("preadv", FD, RIOV, INT, off64(3, 4), SKIP)
syscall32("pwritev", FD, WIOV, INT, off64(3, 4), SKIP)
syscall32("pread64", FD, RBUF(), ULONG, off64(3, 4), SKIP)
syscall32("pwrite64", FD, WBUF(2), ULONG, off64(3, 4), SKIP)
_VM_READ_LOCAL, _VM_WRITE_LOCAL, _VM_REMOTE = io.vm_iov_args(4)
syscall32("process_vm_readv", INT, _VM_READ_LOCAL, ULONG, _VM_REMOTE, ULONG, ULONG)
syscall32("process_vm_writev", INT, _VM_WRITE_LOCAL, ULONG, _VM_REMOTE, ULONG, ULONG)


# --- time (linux/time_types.h: __kernel_old_timespec/timeval with 4-byte fields) ------

TS32_SIZE = TV32_SIZE = 8


def timespec32(c: Ctx, d: bytes) -> str:
    # strace prints an i386 tv_nsec as unsigned (a -1 shows as 4294967295)
    sec, nsec = struct.unpack_from("<iI", d)
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


def timeval32(c: Ctx, d: bytes) -> str:
    sec, usec = struct.unpack_from("<iI", d)
    return f"{{tv_sec={sec}, tv_usec={usec}}}"


TS32_IN = IN(TS32_SIZE, timespec32)
TS32_OUT = OUT(TS32_SIZE, timespec32)
syscall32("nanosleep", TS32_IN, time.remaining(TS32_SIZE, timespec32, None))
syscall32(
    "clock_nanosleep",
    time.CLOCK,
    FLAGS(proc.TIMER_FLAGS, "TIMER_???"),
    TS32_IN,
    time.remaining(TS32_SIZE, timespec32, 1),
)
syscall32("clock_gettime", time.CLOCK, TS32_OUT)
syscall32("clock_getres", time.CLOCK, TS32_OUT)
syscall32("clock_settime", time.CLOCK, TS32_IN)
syscall32("gettimeofday", OUT(TV32_SIZE, timeval32), time.TZ_OUT)
syscall32("settimeofday", IN(TV32_SIZE, timeval32), time.TZ_IN)
# the *_time64 calls take the 64-bit __kernel_timespec: x86_64's layout
_like("clock_gettime64", "clock_gettime")
_like("clock_getres_time64", "clock_getres")
_like("clock_settime64", "clock_settime")
_like("clock_nanosleep_time64", "clock_nanosleep")
syscall32("sched_rr_get_interval", INT, TS32_OUT)
_like("sched_rr_get_interval_time64", "sched_rr_get_interval")


# POSIX timers: the old struct itimerspec (two 32-bit timespecs) and the i386 struct
# sigevent (asm-generic/siginfo.h: 4-byte sigev_value, then signo, notify and the union
# at 12: thread id, or function and attributes pointers); timer_settime64 and
# timer_gettime64 take the 64-bit __kernel_itimerspec, x86_64's layout.
ITIMERSPEC32_SIZE = 16
SIGEVENT32_READ = 20  # the fields strace prints


def itimerspec32(c: Ctx, d: bytes) -> str:
    return (
        f"{{it_interval={timespec32(c, d[:8])}, it_value={timespec32(c, d[8:ITIMERSPEC32_SIZE])}}}"
    )


def sigevent32(c: Ctx, d: bytes) -> str:
    return time.sigevent_text(c, *struct.unpack_from("<IIiII", d))


_TIMER_CREATE = TEMPLATES["timer_create"].args
_TIMER_SETTIME = TEMPLATES["timer_settime"].args
syscall32("timer_create", _TIMER_CREATE[0], IN(SIGEVENT32_READ, sigevent32), _TIMER_CREATE[2])
syscall32(
    "timer_settime",
    *_TIMER_SETTIME[:2],
    IN(ITIMERSPEC32_SIZE, itimerspec32),
    OUT(ITIMERSPEC32_SIZE, itimerspec32),
)
syscall32("timer_gettime", INT, OUT(ITIMERSPEC32_SIZE, itimerspec32))
_like("timer_settime64", "timer_settime")
_like("timer_gettime64", "timer_gettime")


def _time32(c: Ctx, d: bytes) -> str:
    return time.time_value(c, int.from_bytes(d[:4], "little", signed=True))


syscall32("time", OUT(4, _time32), ret=time.ret_time)


# --- signals (asm/signal.h, i386) ----------------------------------------------------


def _handler32(v: int) -> int:
    return (1 << 64) - 1 if v == 0xFFFFFFFF else v  # SIG_ERR, as the table spells it


def sigaction32(c: Ctx, d: bytes) -> str:
    """rt_sigaction's struct sigaction: handler, flags, restorer (u32), mask (u64)."""
    handler, flags_, restorer, mask = struct.unpack_from("<IIIQ", d)
    return sigaction_text(c, _handler32(handler), flags_, restorer, mask)


def old_sigaction(c: Ctx, d: bytes) -> str:
    """sigaction's struct old_sigaction: handler, mask (old_sigset_t, 32 bits), flags,
    restorer."""
    handler, mask, flags_, restorer = struct.unpack_from("<IIII", d)
    return sigaction_text(c, _handler32(handler), flags_, restorer, mask, nsig=32)


SIGACTION32_SIZE = 20
OLD_SIGACTION_SIZE = 16
syscall32(
    "rt_sigaction",
    signal.SIG,
    IN(SIGACTION32_SIZE, sigaction32),
    OUT(SIGACTION32_SIZE, sigaction32),
    ULONG,
)
syscall32(
    "sigaction",
    signal.SIG,
    IN(OLD_SIGACTION_SIZE, old_sigaction),
    OUT(OLD_SIGACTION_SIZE, old_sigaction),
)


def _old_sigset(c: Ctx, d: bytes) -> str:
    return sigset_bits(_word(d, 0), 32, c.opts.raw)


syscall32(
    "sigprocmask", XLAT(signals.SIGPROCMASK_HOW, "SIG_"), IN(4, _old_sigset), OUT(4, _old_sigset)
)
syscall32("sigreturn", Arg(signal.sigreturn32))


# --- process: wait status, struct rusage, limits -------------------------------------


def rusage32(c: Ctx, d: bytes) -> str:
    return f"{{ru_utime={timeval32(c, d[:8])}, ru_stime={timeval32(c, d[8:16])}, ...}}"


_WAIT4 = TEMPLATES["wait4"].args
syscall32("waitpid", *_WAIT4[:3])
syscall32("wait4", *_WAIT4[:3], process.wait4_rusage(16, rusage32))
syscall32("getrusage", XLAT(proc.RUSAGE_WHO), OUT(16, rusage32))

RLIM_INFINITY32 = 0xFFFFFFFF


def _rlim32(v: int, raw: bool) -> str:
    if raw:  # strace -X raw: the plain number
        return str(v)
    if v == RLIM_INFINITY32:
        return "RLIM_INFINITY"
    return f"{v // 1024}*1024" if v > 1024 and v % 1024 == 0 else str(v)


def rlimit32(c: Ctx, d: bytes) -> str:
    raw = c.opts.raw
    return f"{{rlim_cur={_rlim32(_word(d, 0), raw)}, rlim_max={_rlim32(_word(d, 4), raw)}}}"


syscall32("ugetrlimit", process.RESOURCE, OUT(8, rlimit32))


# getgroups and setgroups take i386's 16-bit old_gid_t (getgroups32/setgroups32: gid_t)
syscall32("getgroups", INT, process.getgroups_list(2))
syscall32("setgroups", INT, process.setgroups_list(2))
_like("getgroups32", "getgroups")
_like("setgroups32", "setgroups")
syscall32("getrlimit", process.RESOURCE, OUT(8, rlimit32))
syscall32("setrlimit", process.RESOURCE, IN(8, rlimit32))

# linux/sysinfo.h struct sysinfo, i386: 4-byte longs, procs (u16) at 40, mem_unit at 52
SYSINFO32_SIZE = 64


def sysinfo32(c: Ctx, d: bytes) -> str:
    return process.sysinfo_text(struct.unpack_from("<10IH2xIII", d), c.opts)


syscall32("sysinfo", OUT(SYSINFO32_SIZE, sysinfo32))


# --- set_thread_area / get_thread_area (asm/ldt.h struct user_desc: 16 bytes) --------

USER_DESC_SIZE = 16


def _x08(v: int) -> str:
    """C's ``%#08x``: ``0x0fffff``, and ``00000000`` for zero (no 0x prefix)."""
    return f"{v:#08x}" if v else "00000000"


def _desc_tail(d: bytes) -> str:
    base, limit, bits = struct.unpack_from("<III", d, 4)
    return (
        f", base_addr={_x08(base)}, limit={_x08(limit)}, seg_32bit={bits & 1}, "
        f"contents={bits >> 1 & 3}, read_exec_only={bits >> 3 & 1}, "
        f"limit_in_pages={bits >> 4 & 1}, seg_not_present={bits >> 5 & 1}, "
        f"useable={bits >> 6 & 1}}}"
    )


def _set_thread_area(c: Ctx, i: int) -> str:
    m = c.entry_mem(i)
    if not c.a(i) or m is None or len(m.data) < USER_DESC_SIZE:
        return ptr(c.a(i))
    return f"{{entry_number={s32(_word(m.data, 0))}" + _desc_tail(m.data)


def _set_thread_area_ret(c: Ctx) -> str:
    """``0 (entry_number=12)``: the entry the kernel chose (asked for with -1)."""
    m = c.exit_mem(0)
    if m is None or len(m.data) < 4:
        return str(c.ret)
    return f"{c.ret} (entry_number={_word(m.data, 0)})"


def _get_thread_area(c: Ctx, i: int) -> str:
    m = c.entry_mem(i)
    if not c.a(i) or m is None or len(m.data) < 4:
        return ptr(c.a(i))
    asked = _word(m.data, 0)
    text = f"{{entry_number={s32(asked)}"
    d = c.out_data(i, USER_DESC_SIZE)
    if d is None:
        return text + ", ...}"
    got = _word(d, 0)
    if got != asked:
        text += " => -1" if got == 0xFFFFFFFF else f" => {got}"
    return text + _desc_tail(d)


_DESC_CAPS = lambda o: (fixed(USER_DESC_SIZE, "entry"), fixed(USER_DESC_SIZE, "exit"))  # noqa: E731
syscall32("set_thread_area", Arg(_set_thread_area, _DESC_CAPS), ret=_set_thread_area_ret)
syscall32("get_thread_area", Arg(_get_thread_area, _DESC_CAPS))


# --- socketcall (linux/net.h): one entry point, the real call's arguments in memory ---

SOCKETCALLS = {  # SYS_* number: (name, argument count)
    1: ("socket", 3),
    2: ("bind", 3),
    3: ("connect", 3),
    4: ("listen", 2),
    5: ("accept", 3),
    6: ("getsockname", 3),
    7: ("getpeername", 3),
    8: ("socketpair", 4),
    9: ("send", 4),
    10: ("recv", 4),
    11: ("sendto", 6),
    12: ("recvfrom", 6),
    13: ("shutdown", 2),
    14: ("setsockopt", 5),
    15: ("getsockopt", 5),
    16: ("sendmsg", 3),
    17: ("recvmsg", 3),
    18: ("accept4", 4),
    19: ("recvmmsg", 5),
    20: ("sendmmsg", 4),
}
SOCKETCALL_NAMES = {n: "SYS_" + name.upper() for n, (name, _) in SOCKETCALLS.items()}
SOCKETCALL_ARGS_SIZE = 6 * 4

# The inner call's own pointers (addresses, buffers) are not read: they print as
# addresses; scalars print as the direct call's template does.
_SUBCALL_TEMPLATES: dict[str, Template] = {
    "send": Template("send", (FD, WBUF(2), ULONG, net.MSG)),
    "recv": Template("recv", (FD, RBUF(), ULONG, net.MSG)),
}


def _subcall(call: Syscall) -> tuple[str, tuple[int, ...]] | None:
    """The inner call's name and arguments, when strace would print it decoded."""
    entry = SOCKETCALLS.get(u32(call.entry.args[0]))
    m = call.exit.mem.get(1) if call.exit is not None else None  # re-read: entry faulted
    if m is None:
        m = call.entry.mem.get(1)
    if entry is None or not call.entry.args[1] or m is None:
        return None
    name, nargs = entry
    if len(m.data) < 4 * nargs:
        return None
    return name, tuple(_word(m.data, 4 * k) for k in range(nargs))


def socketcall_name(call: Syscall) -> str | None:
    """``socket`` for socketcall(SYS_SOCKET, args) when its arguments were read."""
    sub = _subcall(call)
    return None if sub is None else sub[0]


def _socketcall(c: Ctx, i: int) -> str:
    sub = _subcall(c.call)
    if sub is None:
        call_no = xlat(u32(c.a(0)), SOCKETCALL_NAMES, c.opts)
        return f"{call_no}, {ptr(c.a(1))}"
    name, words = sub
    tpl = _SUBCALL_TEMPLATES.get(name) or TEMPLATES.get(name)
    if tpl is None:
        return ", ".join(hexnum(w) for w in words)
    w = words + (0,) * 6
    args = (w[0], w[1], w[2], w[3], w[4], w[5])
    inner = Ctx(Syscall(replace(c.call.entry, args=args, mem={}), c.call.exit), c.opts)
    out = [arg.render(inner, k) for k, arg in enumerate(tpl.args[: len(words)])]
    return ", ".join(text for text in out if text is not None)


syscall32(
    "socketcall",
    Arg(_socketcall),
    Arg(SKIP.render, lambda o: (fixed(SOCKETCALL_ARGS_SIZE, "both"),)),
)


# --- siginfo_t (compat_siginfo: the union at offset 12, 4-byte clocks and addresses) ---


def siginfo32(c: Ctx, d: bytes) -> str:
    return printsiginfo(d, c.opts.raw, compat=True)


SIGINFO32_IN = IN(SIGINFO_SIZE, siginfo32)
SIGINFO32_OUT = OUT(SIGINFO_SIZE, siginfo32)
_WAITID = TEMPLATES["waitid"].args
syscall32("waitid", _WAITID[0], _WAITID[1], SIGINFO32_OUT, _WAITID[3], OUT(16, rusage32))
_TIMEDWAIT = TEMPLATES["rt_sigtimedwait"]
_SET, _SETSIZE = _TIMEDWAIT.args[0], _TIMEDWAIT.args[3]
syscall32("rt_sigtimedwait", _SET, SIGINFO32_OUT, TS32_IN, _SETSIZE, ret=_TIMEDWAIT.ret)
# (its timeout is the 64-bit __kernel_timespec: x86_64's)
syscall32(
    "rt_sigtimedwait_time64",
    _SET,
    SIGINFO32_OUT,
    _TIMEDWAIT.args[2],
    _SETSIZE,
    ret=_TIMEDWAIT.ret,
)
_QUEUE = TEMPLATES["rt_sigqueueinfo"].args
syscall32("rt_sigqueueinfo", *_QUEUE[:2], SIGINFO32_IN)
_TGQUEUE = TEMPLATES["rt_tgsigqueueinfo"].args
syscall32("rt_tgsigqueueinfo", *_TGQUEUE[:3], SIGINFO32_IN)
_PIDFD_SEND = TEMPLATES["pidfd_send_signal"].args
syscall32("pidfd_send_signal", _PIDFD_SEND[0], _PIDFD_SEND[1], SIGINFO32_IN, _PIDFD_SEND[3])
