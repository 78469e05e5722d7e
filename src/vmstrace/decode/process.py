"""Process life-cycle and identity syscalls: clone/fork/execve/exit/wait4, ids, limits,
arch_prctl (prctl: prctl.py), futex, uname, getrandom.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..capture.spec import Capture, When, fixed
from ..core.abi import MAX_BYTES, MAX_ELEMS
from ..core.events import Mem
from .args import (
    DIRFD,
    FD,
    FLAGS,
    HEX,
    HEX32,
    IN,
    INT,
    OUT,
    PATH,
    PTR,
    RBUF,
    SKIP,
    UID,
    UINT,
    ULONG,
    WBUF,
    XLAT,
    compiled,
    uid_text,
)
from .consts import fs, proc
from .fmt import (
    OPTS_PLAIN,
    OPTS_RAW,
    Ctx,
    DecodeOptions,
    array,
    buffer,
    cstring,
    flags,
    hexnum,
    local_array,
    nonzero_tail,
    ptr,
    s32,
    u32,
    xlat,
)
from .registry import Arg, Captures, syscall
from .siginfo import SIGINFO_SIZE, printsiginfo
from .structs import (
    RLIMIT_SIZE,
    TIMESPEC_SIZE,
    UTSNAME_SIZE,
    rlimit,
    signame,
    timespec,
    timeval,
    utsname,
    wait_status,
)

# --- clone family --------------------------------------------------------------------


def clone_flags(v: int, raw: bool) -> str:
    """``CLONE_VM|...|SIGCHLD``: the flag bits, then the exit signal in the low byte
    (-X raw: ``0x1200000|17``).  The compiled lane asks for it too (pipeline.VALUE_TEXTS)."""
    sig = v & proc.CSIGNAL
    rest = v & ~proc.CSIGNAL
    opts = OPTS_RAW if raw else OPTS_PLAIN
    parts = [flags(rest, proc.CLONE_FLAGS, opts, dflt="CLONE_???")] if rest else []
    if sig:
        parts.append(signame(sig, raw))
    return "|".join(parts) if parts else "0"


def wait_status_text(status: int, raw: bool) -> str:
    """:func:`structs.wait_status`, as the compiled lane asks for it (pipeline.VALUE_TEXTS;
    strace prints the signal names under -X raw too)."""
    return wait_status(status)


def _clone(c: Ctx) -> list[str]:
    # x86-64 argument order: flags, stack, parent_tid, child_tid, tls
    f = c.a(0)
    out = [f"child_stack={ptr(c.a(1))}", f"flags={clone_flags(f, c.opts.raw)}"]
    if f & (proc.CLONE_PARENT_SETTID | proc.CLONE_PIDFD):
        d = c.out_data(2, 4)
        shown = ptr(c.a(2)) if d is None else f"[{s32(int.from_bytes(d, 'little'))}]"
        out.append(f"parent_tid={shown}")
    if f & proc.CLONE_SETTLS:
        out.append(f"tls={ptr(c.a(4))}")
    if f & (proc.CLONE_CHILD_SETTID | proc.CLONE_CHILD_CLEARTID):
        out.append(f"child_tidptr={ptr(c.a(3))}")
    return out


# clone prints named fields in its own order: the first Arg renders them all, the
# others print nothing but still ask for the memory they need.
syscall(
    "clone",
    compiled(Arg(lambda c, i: ", ".join(_clone(c))), "clone"),
    SKIP,
    Arg(SKIP.render, lambda o: (fixed(4, "exit"),)),
)
syscall("fork")
syscall("vfork")

CLONE_ARGS_SIZE = 88  # linux/sched.h struct clone_args (CLONE_ARGS_SIZE_VER2)
CLONE_ARGS_MIN = 64  # up to tls: the least strace decodes (CLONE_ARGS_SIZE_VER0)
CLONE_ARGS_MAX = 4096  # strace reads a larger struct's further bytes up to a page
CLONE_INTO_CGROUP = 0x200000000
MAX_SET_TID = 32  # strace prints a set_tid array of at most this many, else its address


def _clone_args(c: Ctx, i: int) -> str:
    """strace's clone3 decoder: the struct's fields the flags use, then any non-zero bytes
    of a larger struct; at exit, the tid the kernel stored at parent_tid."""
    size = c.a(1)
    m = c.mem(i)
    fetch = min(size, CLONE_ARGS_SIZE)
    if not c.a(i):
        return "NULL"
    if m is None or size < CLONE_ARGS_MIN or len(m.data) < fetch:
        return ptr(c.a(i))
    d = m.data[:fetch].ljust(CLONE_ARGS_SIZE, b"\0")
    (
        f,
        pidfd,
        child_tid,
        parent_tid,
        sig,
        stack,
        stack_size,
        tls,
        set_tid,
        set_tid_size,
        cgroup,
    ) = struct.unpack_from("<11Q", d)
    out = [f"flags={flags(f, proc.CLONE3_FLAGS, c.opts, dflt='CLONE_???')}"]
    if f & proc.CLONE_PIDFD:
        out.append(f"pidfd={ptr(pidfd)}")
    if f & (proc.CLONE_CHILD_SETTID | proc.CLONE_CHILD_CLEARTID):
        out.append(f"child_tid={ptr(child_tid)}")
    if f & proc.CLONE_PARENT_SETTID:
        out.append(f"parent_tid={ptr(parent_tid)}")
    out.append(f"exit_signal={signame(sig, c.opts.raw) if 0 < sig < 2**31 - 1 else sig}")
    out.append(f"stack={ptr(stack)}")
    out.append(f"stack_size={hexnum(stack_size)}")
    if f & proc.CLONE_SETTLS:
        out.append(f"tls={ptr(tls)}")
    if set_tid or set_tid_size:
        # (the array itself is not read: its address, which strace prints for a bad one)
        out.append(f"set_tid={ptr(set_tid)}, set_tid_size={set_tid_size}")
    if fetch > 80 and (cgroup or f & CLONE_INTO_CGROUP):
        out.append(f"cgroup={cgroup}")
    end = min(size, CLONE_ARGS_MAX)
    tail = nonzero_tail(m.data, CLONE_ARGS_SIZE, end, c.opts.strsize) if end > fetch else None
    if tail is not None:
        out.append(tail)
    text = "{" + ", ".join(out) + "}"
    if f & proc.CLONE_PARENT_SETTID and not c.failed and c.ret:
        # strace reads *parent_tid at exit.  kernel_clone() stored the child's tid there,
        # the value the call returns (kernel/fork.c), unless the pointer is NULL (nothing
        # stored; put_user's failure on a bad one is ignored, and strace would print the
        # address: not told apart here, as the tid is not read back)
        shown = "NULL" if not parent_tid else f"[{c.ret}]"
        text += f" => {{parent_tid={shown}}}"
    return text


syscall(
    "clone3", Arg(_clone_args, lambda o: (Capture("buf", "both", "a1", CLONE_ARGS_MAX),)), ULONG
)


# --- execve --------------------------------------------------------------------------


def _exec_mem(c: Ctx, i: int) -> Mem | None:
    """execve's input as read at entry, or else from the new stack at exit (execstack):
    a fresh child's pages may not be mapped yet when it calls execve."""
    m = c.entry_mem(i)
    if m is not None and not m.fault and not any(e.fault for e in m.elems):
        return m
    return c.exit_mem(i) or m


def _argv(c: Ctx, i: int) -> str:
    """``["x", "a"]``: at most -s strings, each cut at -s."""
    if not c.a(i):
        return "NULL"
    m = _exec_mem(c, i)
    if m is None or (m.fault and not m.elems):
        return ptr(c.a(i))
    items = []
    for k, e in enumerate(m.elems):
        if k >= c.opts.strsize:
            items.append("...")
            break
        items.append(cstring(e.addr or 1, e, c.opts.strsize, c.opts.hexstr))
    else:
        if m.fault:  # no NULL before a pointer that could not be read: where it is
            width = 4 if c.call.entry.abi == "i386" else 8
            items.append(f"... /* {ptr(c.a(i) + width * len(m.elems))} */")
        elif m.truncated:
            items.append("...")
    return "[" + ", ".join(items) + "]"


def _envp(c: Ctx, i: int) -> str:
    """``0x7ffe... /* 5 vars */``: strace counts the environment without printing it."""
    if not c.a(i):
        return "NULL"
    m = _exec_mem(c, i)
    if m is None or (m.fault and not m.data):
        return ptr(c.a(i))
    # elem_cap 0: the plugin reads only the pointer array (NULL-terminated), no strings.
    # The pointers up to the first NULL, as words in one cast (the stream and the host are
    # little-endian: _records.c refuses to build otherwise), not a from_bytes per pointer.
    width = 4 if c.call.entry.abi == "i386" else 8  # the plugin reads i386 pointers at 4
    whole = len(m.data) // width
    words = memoryview(m.data)[: whole * width].cast("I" if width == 4 else "Q").tolist()
    n = words.index(0) if 0 in words else whole
    if m.fault and n == whole:  # no NULL before a pointer that could not be read
        return f"{ptr(c.a(i))} /* {n} var{'' if n == 1 else 's'}, unterminated */"
    more = "+" if m.truncated else ""
    return f"{ptr(c.a(i))} /* {n}{more} var{'' if n == 1 and not more else 's'} */"


# "both": a failed execve leaves the caller's memory in place, and the kernel has faulted
# the strings in by then; after a successful one the plugin skips these re-reads and the
# execstack capture takes the new stack's copies instead.
def _argv_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    n = min(max(opts.strsize, 1) + 1, MAX_ELEMS)
    return (Capture("strarr", "both", "-", n, min(opts.strsize + 1, MAX_BYTES)),)


def _env_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    return (Capture("strarr", "both", "-", MAX_ELEMS, 0),)


def _exec_stack_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    n = min(max(opts.strsize, 1) + 1, MAX_ELEMS)
    return (
        Capture("str", "both", "-", 4096),
        Capture("execstack", "exit", "-", n, min(opts.strsize + 1, MAX_BYTES)),
    )


# Read at entry; after a successful execve the old address space is gone, so the exit
# read (execstack) takes the kernel's copies from the new stack instead.
EXEC_PATH = compiled(
    Arg(lambda c, i: cstring(c.a(i), _exec_mem(c, i), None, c.opts.hexstr), _exec_stack_caps),
    "exec",
)
ARGV = compiled(Arg(_argv, _argv_caps), "exec", 1)
ENVP = compiled(Arg(_envp, _env_caps), "exec", 2)
AT_EXEC_FLAGS = ((0x100, "AT_SYMLINK_NOFOLLOW"), (0x1000, "AT_EMPTY_PATH"))


def _execveat_path(c: Ctx, i: int) -> str:
    """execveat's pathname.  The new stack's copy (taken when the entry read faulted: a
    fresh child's page not yet mapped) is the kernel's bprm->filename, which is the
    pathname only when dirfd is AT_FDCWD or the pathname is absolute; otherwise the
    kernel makes it /dev/fd/<dirfd> (an empty pathname, fexecve's) or
    /dev/fd/<dirfd>/<pathname>, which is also what an absolute pathname of that spelling
    would give: the address then, not a guess."""
    m = c.entry_mem(i)
    x = c.exit_mem(i)
    if (m is None or m.fault) and x is not None and not x.fault:
        dirfd = s32(c.a(0))
        name = x.data.split(b"\0", 1)[0]
        made = f"/dev/fd/{dirfd}".encode()
        if dirfd != fs.AT_FDCWD and (name == made or name.startswith(made + b"/")):
            return ptr(c.a(i))
        m = x
    return cstring(c.a(i), m, None, c.opts.hexstr)


syscall("execve", EXEC_PATH, ARGV, ENVP)
syscall(
    "execveat",
    DIRFD,  # with -y: AT_FDCWD</cwd>, 3</tmp> (read at entry, before the exec)
    Arg(_execveat_path, _exec_stack_caps),
    ARGV,
    ENVP,
    FLAGS(AT_EXEC_FLAGS, "AT_???"),
)
syscall("exit", INT)
syscall("exit_group", INT)


# --- wait ----------------------------------------------------------------------------


def _status(c: Ctx, i: int) -> str:
    if not c.a(i):
        return "NULL"
    if c.ret == 0:  # WNOHANG and nothing to report: the status was not written
        return ptr(c.a(i))
    d = c.out_data(i, 4)
    if d is None:
        return ptr(c.a(i))
    return wait_status(int.from_bytes(d, "little"))


def _rusage(c: Ctx, d: bytes) -> str:
    return f"{{ru_utime={timeval(c, d[:16])}, ru_stime={timeval(c, d[16:32])}, ...}}"


def wait4_rusage(size: int, fmt: Callable[[Ctx, bytes], str]) -> Arg:
    """wait4's usage: written (and shown) only for a reaped child, a positive return
    (strace's printwaitn); ``size`` and ``fmt`` give the ABI's struct rusage."""

    def render(c: Ctx, i: int) -> str:
        d = c.out_data(i, size) if c.ret is not None and c.ret > 0 else None
        return ptr(c.a(i)) if d is None else fmt(c, d)

    return compiled(Arg(render, lambda o: (fixed(size, "exit"),)), "rusage", size // 8)


syscall(
    "wait4",
    INT,
    compiled(Arg(_status, lambda o: (fixed(4, "exit"),)), "wait_status"),
    FLAGS(proc.WAIT_OPTIONS, "W???"),
    wait4_rusage(32, _rusage),
)


syscall(
    "waitid",
    XLAT(proc.IDTYPES, "P_"),
    INT,
    OUT(SIGINFO_SIZE, lambda c, d: printsiginfo(d, c.opts.raw)),
    FLAGS(proc.WAITID_OPTIONS, "W???"),
    OUT(32, _rusage),
)


# --- ids and credentials -------------------------------------------------------------


for _name in (
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getpgrp",
    "setsid",
    "vhangup",
    "restart_syscall",
):
    syscall(_name)
for _name in ("getpgid", "getsid"):
    syscall(_name, INT)
for _name in ("setuid", "setgid", "setfsuid", "setfsgid"):
    syscall(_name, UID)
syscall("setpgid", INT, INT)
syscall("setreuid", UID, UID)
syscall("setregid", UID, UID)
syscall("setresuid", UID, UID, UID)
syscall("setresgid", UID, UID, UID)
INT_PTR = OUT(4, lambda c, d: f"[{uid_text(int.from_bytes(d, 'little'))}]")
syscall("getresuid", INT_PTR, INT_PTR, INT_PTR)
syscall("getresgid", INT_PTR, INT_PTR, INT_PTR)
NGROUPS_MAX = 65536  # linux/limits.h: strace prints a longer list as its address


def gid_list(c: Ctx, addr: int, count: int, m: Mem | None, width: int = 4) -> str:
    """``[0, 1, 65534]``: at most -s gids, as strace's print_array (fmt.array); a list
    longer than NGROUPS_MAX shows as its address."""
    if count > NGROUPS_MAX:
        return ptr(addr)
    none = (1 << 8 * width) - 1

    def gid(d: bytes) -> str:
        v = int.from_bytes(d, "little")
        return "-1" if v == none else str(v)

    return array(addr, m, count, width, c.opts.strsize, gid)


def gid_caps(when: When, width: int = 4) -> Captures:
    # one element past -s: strace reads it before it prints "..."
    return lambda o: (fixed(min(width * (o.strsize + 1), MAX_BYTES), when),)


def setgroups_list(width: int = 4) -> Arg:
    """setgroups' list of ``width``-byte gids (2: i386's old_gid_t)."""
    return Arg(
        lambda c, i: gid_list(c, c.a(i), u32(c.a(0)), c.mem(i), width), gid_caps("both", width)
    )


def getgroups_list(width: int = 4) -> Arg:
    def render(c: Ctx, i: int) -> str:
        count = 0xFFFFFFFF if c.failed or c.ret is None else u32(c.ret)
        return gid_list(c, c.a(i), count, c.exit_mem(i), width)

    return Arg(render, gid_caps("exit", width))


syscall("getgroups", INT, getgroups_list())
syscall("setgroups", INT, setgroups_list())
syscall("set_tid_address", PTR)
syscall("set_robust_list", PTR, ULONG)
# what the kernel stored: the list head as [address] (printnum_ptr), its size as [24]
syscall(
    "get_robust_list",
    INT,
    OUT(8, lambda c, d: f"[{ptr(int.from_bytes(d[:8], 'little'))}]"),
    OUT(8, lambda c, d: f"[{int.from_bytes(d[:8], 'little')}]"),
)
syscall("rseq", HEX, HEX, HEX, HEX)  # strace 6.x prints rseq's arguments raw
UINT_OUT = OUT(4, lambda c, d: f"[{int.from_bytes(d[:4], 'little')}]")
syscall("getcpu", UINT_OUT, UINT_OUT, PTR)


# --- limits, arch_prctl, uname -------------------------------------------------------

RESOURCE = XLAT(proc.RLIMITS, "RLIMIT_")
RLIMIT_IN = compiled(IN(RLIMIT_SIZE, rlimit), "rlimit_in")
RLIMIT_OUT = compiled(OUT(RLIMIT_SIZE, rlimit), "rlimit_out")
syscall("prlimit64", INT, RESOURCE, RLIMIT_IN, RLIMIT_OUT)
syscall("getrlimit", RESOURCE, RLIMIT_OUT)
syscall("setrlimit", RESOURCE, RLIMIT_IN)
syscall("getrusage", XLAT(proc.RUSAGE_WHO, "RUSAGE_"), OUT(32, _rusage))
syscall("uname", OUT(UTSNAME_SIZE, utsname))


def _arch_prctl_arg(c: Ctx, i: int) -> str:
    code = u32(c.a(0))
    if code in (proc.ARCH_GET_FS, proc.ARCH_GET_GS):
        d = c.out_data(i, 8)
        return ptr(c.a(i)) if d is None else f"[{ptr(int.from_bytes(d, 'little'))}]"
    return hexnum(c.a(i))


syscall(
    "arch_prctl",
    XLAT(proc.ARCH_PRCTL, "ARCH_"),
    compiled(Arg(_arch_prctl_arg, lambda o: (fixed(8, "exit"),)), "arch_prctl"),
)


# --- getrandom -----------------------------------------------------------------------

syscall("getrandom", RBUF(force_hex=True), ULONG, FLAGS(proc.GRND_FLAGS, "GRND_???"))


# --- futex ---------------------------------------------------------------------------


def _futex_op(v: int, c: Ctx) -> str:
    """strace looks the whole op up in one table (futexops.in): FUTEX_WAKE_PRIVATE,
    FUTEX_FD|FUTEX_PRIVATE_FLAG, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME; any other
    combination prints in hex, as the 32-bit value (0xfffffffe, strace 6.1 on the host)."""
    return xlat(u32(v), proc.FUTEX_OP_NAMES, c.opts, "FUTEX_")


def _bitset(v: int, raw: bool) -> str:
    v = u32(v)
    if v == proc.FUTEX_BITSET_MATCH_ANY and not raw:
        return "FUTEX_BITSET_MATCH_ANY"
    return hexnum(v)


def _wake_op(v: int, c: Ctx) -> str:
    """FUTEX_WAKE_OP's encoded operation, as strace 6.1 spells it:
    ``FUTEX_OP_ADD<<28|0x3<<12|FUTEX_OP_CMP_LT<<24|0x4``."""
    v = u32(v)
    # -X raw: the same shape, each constant a number and still commented as unknown
    # (strace 6.1's output, checked against its tests)
    raw = c.opts.raw
    parts = [("0x8" if raw else "FUTEX_OP_OPARG_SHIFT") + "<<28"] if v >> 28 & 8 else []
    op = None if raw else proc.FUTEX_WAKE_OPS.get(v >> 28 & 7)
    parts.append(f"{op}<<28" if op else f"{hexnum(v >> 28 & 7)}<<28 /* FUTEX_OP_??? */")
    parts.append(f"{hexnum(v >> 12 & 0xFFF)}<<12")
    cmp_ = None if raw else proc.FUTEX_WAKE_CMPS.get(v >> 24 & 15)
    parts.append(f"{cmp_}<<24" if cmp_ else f"{hexnum(v >> 24 & 15)}<<24 /* FUTEX_OP_CMP_??? */")
    parts.append(hexnum(v & 0xFFF))
    return "|".join(parts)


def _futex(c: Ctx) -> list[str]:
    op = u32(c.a(1))
    cmd = op & 127  # strace's switch: the op without FUTEX_PRIVATE_FLAG and higher bits
    uaddr, val = ptr(c.a(0)), str(u32(c.a(2)))
    d = c.in_data(3, TIMESPEC_SIZE)  # (read for the ops that wait; re-read at exit)
    timeout = ptr(c.a(3)) if d is None else timespec(c, d)
    head = [uaddr, _futex_op(op, c)]
    uaddr2, val2, val3 = ptr(c.a(4)), str(u32(c.a(3))), hexnum(u32(c.a(5)))
    if cmd == 0:  # WAIT
        return head + [val, timeout]
    if cmd in (1, 2):  # WAKE, FD
        return head + [val]
    if cmd == 3:  # REQUEUE
        return head + [val, val2, uaddr2]
    if cmd in (4, 12):  # CMP_REQUEUE(_PI)
        return head + [val, val2, uaddr2, str(u32(c.a(5)))]
    if cmd == 5:
        return head + [val, val2, uaddr2, _wake_op(c.a(5), c)]
    if cmd in (6, 13):  # LOCK_PI(2)
        return head + [timeout]
    if cmd in (7, 8):
        return head
    if cmd == 9:
        return head + [val, timeout, _bitset(c.a(5), c.opts.raw)]
    if cmd == 10:
        return head + [val, _bitset(c.a(5), c.opts.raw)]
    if cmd == 11:
        return head + [val, timeout, uaddr2]
    return head + [val, ptr(c.a(3)), uaddr2, val3]


syscall(
    "futex",
    Arg(lambda c, i: ", ".join(_futex(c))),
    SKIP,
    SKIP,
    Arg(SKIP.render, lambda o: (fixed(TIMESPEC_SIZE, "both"),)),
)


# --- misc small ones -----------------------------------------------------------------

KCMP_TYPES = {0: "KCMP_FILE", 1: "KCMP_VM", 2: "KCMP_FILES", 3: "KCMP_FS", 4: "KCMP_SIGHAND",
              5: "KCMP_IO", 6: "KCMP_SYSVSEM", 7: "KCMP_EPOLL_TFD"}  # fmt: skip
KCMP_FILE, KCMP_EPOLL_TFD = 0, 7


def _kcmp_type(c: Ctx, i: int) -> str:
    """The type, then what it compares (strace's kcmp.c): two fds, an fd and a struct
    kcmp_epoll_slot, nothing for the whole-resource types, an unknown type's indexes in
    hex."""
    kind = s32(c.a(i))
    shown = [xlat(u32(kind), KCMP_TYPES, c.opts, "KCMP_")]
    if kind == KCMP_FILE:
        shown += [str(s32(c.a(3))), str(s32(c.a(4)))]
    elif kind == KCMP_EPOLL_TFD:
        slot = c.mem(4)
        if not c.a(4) or slot is None or len(slot.data) < 12:
            shown += [str(s32(c.a(3))), ptr(c.a(4))]
        else:
            efd, tfd, toff = struct.unpack_from("<iiI", slot.data)
            shown += [str(s32(c.a(3))), f"{{efd={efd}, tfd={tfd}, toff={toff}}}"]
    elif kind not in KCMP_TYPES:
        shown += [hexnum(c.a(3)), hexnum(c.a(4))]
    return ", ".join(shown)


# (idx2's struct is read whatever the type: a read of a non-pointer fails and is not shown)
KCMP_SLOT = Arg(SKIP.render, lambda opts: (fixed(12, "both"),))
syscall("kcmp", INT, INT, Arg(_kcmp_type), SKIP, KCMP_SLOT)
# pidfd_open.c: PIDFD_NONBLOCK is O_NONBLOCK
syscall("pidfd_open", INT, FLAGS(((0o4000, "PIDFD_NONBLOCK"),), "PIDFD_???"))
syscall("pidfd_getfd", FD, FD, HEX32)
syscall("process_mrelease", FD, HEX32)
syscall("unshare", FLAGS(proc.UNSHARE_FLAGS, "CLONE_???", bits32=False))  # an unsigned long
syscall("setns", FD, FLAGS(proc.SETNS_TYPES, "CLONE_NEW???"))
NEW_UTS_LEN = 64


def _hostname(c: Ctx, i: int) -> str:
    """sethostname's and setdomainname's name: ``len`` bytes (an int), the address for a
    length past __NEW_UTS_LEN (strace's hostname.c)."""
    size = u32(c.a(1))
    if size > NEW_UTS_LEN:
        return ptr(c.a(i))
    return buffer(c.a(i), c.mem(i), size, c.opts.strsize, hexstr=c.opts.hexstr)


HOSTNAME = Arg(_hostname, WBUF(1).captures)
syscall("sethostname", HOSTNAME, UINT)
syscall("setdomainname", HOSTNAME, UINT)
syscall("pkey_free", INT)


def _membarrier(c: Ctx, i: int) -> str:
    """cmd, flags, and cpu_id only when MEMBARRIER_CMD_FLAG_CPU asks for it."""
    cmd, fl = xlat(u32(c.a(0)), proc.MEMBARRIER_CMDS, c.opts, "MEMBARRIER_CMD_"), u32(c.a(1))
    out = [cmd, flags(fl, proc.MEMBARRIER_FLAGS, c.opts, "0", "MEMBARRIER_CMD_FLAG_???")]
    if fl & proc.MEMBARRIER_CMD_FLAG_CPU:
        out.append(str(s32(c.a(2))))
    return ", ".join(out)


_MEMBARRIER_BITS = tuple((v, n) for v, n in proc.MEMBARRIER_CMDS.items() if v)


def _membarrier_ret(c: Ctx) -> str:
    """MEMBARRIER_CMD_QUERY's answer: the commands this kernel supports, in hex with
    their names (``0x3ff (0x3ff)`` under -X raw); other commands return a number."""
    assert c.ret is not None
    if u32(c.a(0)) or not c.ret:
        return str(c.ret)
    return f"{hexnum(c.ret)} ({flags(c.ret, _MEMBARRIER_BITS, c.opts)})"


syscall("membarrier", Arg(_membarrier), SKIP, SKIP, ret=_membarrier_ret)
syscall("acct", PATH)
syscall("getpriority", XLAT(proc.PRIO_WHICH, "PRIO_"), INT)
syscall("setpriority", XLAT(proc.PRIO_WHICH, "PRIO_"), INT, INT)


# --- sysinfo (linux/sysinfo.h struct sysinfo, x86-64: 112 bytes) -----------------------

SYSINFO_SIZE = 112


def sysinfo_text(fields: tuple[int, ...], opts: DecodeOptions) -> str:
    """struct sysinfo's fields in order (uptime .. mem_unit, without the padding)."""
    (uptime, l1, l2, l3, total, free, shared, buffers, tswap, fswap, procs, thigh, fhigh, unit) = (
        fields
    )
    return (
        f"{{uptime={uptime}, loads={local_array([str(l1), str(l2), str(l3)], opts)}, "
        f"totalram={total}, "
        f"freeram={free}, sharedram={shared}, bufferram={buffers}, totalswap={tswap}, "
        f"freeswap={fswap}, procs={procs}, totalhigh={thigh}, freehigh={fhigh}, "
        f"mem_unit={unit}}}"
    )


def _sysinfo(c: Ctx, d: bytes) -> str:
    return sysinfo_text(struct.unpack_from("<10QH6xQQI", d), c.opts)


syscall("sysinfo", OUT(SYSINFO_SIZE, _sysinfo))
