"""File-system and descriptor syscalls: open/stat/access/mkdir/rename/readlink/fcntl...

Printed as strace does: paths in full, open flags as ``O_RDONLY|O_CLOEXEC``, modes in
octal, stat structures abbreviated (``{st_mode=S_IFREG|0644, st_size=13, ...}``).
"""

from __future__ import annotations

import struct

from ..capture.spec import MAX_BYTES, Capture, fixed
from .args import (
    DIRFD,
    FD,
    FLAGS,
    HEX,
    INT,
    LONG,
    MODE,
    OUT,
    PATH,
    PTR,
    STR,
    UINT,
    ULONG,
    XLAT,
    ret_octal,
)
from .consts import fs
from .fmt import Ctx, buffer, cstring, flags, hexnum, octal, ptr, s32, s64, u32, xlat
from .fmt import xlat_flags as _xf
from .registry import Arg, alias, syscall
from .structs import STAT_SIZE, STATX_SIZE, makedev, mode, signame, stat, statx


def open_flags(v: int, c: Ctx) -> str:
    return _xf(u32(v), fs.O_ACCMODE, fs.ACCMODE, fs.OPEN_FLAGS, c.opts)


OFLAGS = Arg(lambda c, i: open_flags(c.a(i), c))


def _open_mode(flags_arg: int) -> Arg:
    """The mode argument, printed only when the flags make the kernel use it."""

    def render(c: Ctx, i: int) -> str | None:
        f = c.a(flags_arg)
        if f & fs.O_CREAT or f & fs.O_TMPFILE == fs.O_TMPFILE:
            return octal(u32(c.a(i)))
        return None

    return Arg(render)


def _at(table: tuple[tuple[int, str], ...] = fs.AT_FLAGS) -> Arg:
    return FLAGS(table)


ACCESS = FLAGS(fs.ACCESS_MODES, zero="F_OK")
STAT = OUT(STAT_SIZE, stat)

syscall("open", PATH, OFLAGS, _open_mode(1))
syscall("openat", DIRFD, PATH, OFLAGS, _open_mode(2))
syscall("creat", PATH, MODE)
syscall("close", FD)
syscall("stat", PATH, STAT)
syscall("lstat", PATH, STAT)
syscall("fstat", FD, STAT)
syscall("newfstatat", DIRFD, PATH, STAT, _at())


def _statx_flags(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    return _xf(v, fs.AT_STATX_SYNC_TYPE, fs.STATX_SYNC, fs.AT_FLAGS, c.opts)


syscall(
    "statx",
    DIRFD,
    PATH,
    Arg(_statx_flags),
    FLAGS(fs.STATX_MASK),
    OUT(STATX_SIZE, statx),
)
syscall("access", PATH, ACCESS)
syscall("faccessat", DIRFD, PATH, ACCESS)
syscall("faccessat2", DIRFD, PATH, ACCESS, _at(fs.AT_EACCESS))
syscall("mkdir", PATH, MODE)
syscall("mkdirat", DIRFD, PATH, MODE)
FMODE = Arg(lambda c, i: mode(u32(c.a(i)), c.opts.raw))  # S_IFCHR|0600
# the device number is printed only for character and block devices
DEV = Arg(lambda c, i: makedev(c.a(i)) if u32(c.a(i - 1)) & 0o170000 in (0o20000, 0o60000)
          else None)
syscall("mknod", PATH, FMODE, DEV)
syscall("mknodat", DIRFD, PATH, FMODE, DEV)
syscall("rmdir", PATH)
syscall("unlink", PATH)
syscall("unlinkat", DIRFD, PATH, _at())
syscall("rename", PATH, PATH)
syscall("renameat", DIRFD, PATH, DIRFD, PATH)
syscall("renameat2", DIRFD, PATH, DIRFD, PATH, FLAGS(fs.RENAME_FLAGS))
syscall("link", PATH, PATH)
syscall("linkat", DIRFD, PATH, DIRFD, PATH, _at())
syscall("symlink", PATH, PATH)
syscall("symlinkat", PATH, DIRFD, PATH)
syscall("chdir", PATH)
syscall("fchdir", FD)
syscall("chroot", PATH)
syscall("chmod", PATH, MODE)
syscall("fchmod", FD, MODE)
syscall("fchmodat", DIRFD, PATH, MODE)
syscall("fchmodat2", DIRFD, PATH, MODE, _at())
syscall("chown", PATH, INT, INT)
alias("lchown", "chown")
syscall("fchown", FD, INT, INT)
syscall("fchownat", DIRFD, PATH, INT, INT, _at())
syscall("truncate", PATH, LONG)
syscall("ftruncate", FD, LONG)
syscall("fsync", FD)
syscall("fdatasync", FD)
syscall("syncfs", FD)
syscall("sync")
syscall("umask", MODE, ret=ret_octal)
syscall("flock", FD, FLAGS(fs.FLOCK_OPS))
syscall("fallocate", FD, FLAGS(fs.FALLOC_FLAGS), LONG, LONG)
syscall("fadvise64", FD, LONG, ULONG, INT)
syscall("close_range", UINT, UINT, FLAGS(fs.CLOSE_RANGE_FLAGS))
syscall("utimensat", DIRFD, PATH, PTR, _at())
syscall("statfs", PATH, PTR)
syscall("fstatfs", FD, PTR)
syscall("setxattr", PATH, STR, PTR, ULONG, INT)
syscall("getxattr", PATH, STR, PTR, ULONG)
syscall("listxattr", PATH, PTR, ULONG)
syscall("removexattr", PATH, STR)
alias("lsetxattr", "setxattr")
alias("lgetxattr", "getxattr")
alias("llistxattr", "listxattr")
alias("lremovexattr", "removexattr")
syscall("fgetxattr", FD, STR, PTR, ULONG)
syscall("inotify_add_watch", FD, PATH, HEX)
syscall("inotify_rm_watch", FD, INT)


# --- lseek, dup, pipe ----------------------------------------------------------------

syscall("lseek", FD, LONG, XLAT(fs.SEEK, unknown="SEEK_"))
syscall("dup", FD)
syscall("dup2", FD, FD)
syscall("dup3", FD, FD, FLAGS(fs.OPEN_FLAGS))


def _fd_pair(c: Ctx, d: bytes) -> str:
    a, b = struct.unpack_from("<ii", d)
    return f"[{a}, {b}]"


syscall("pipe", OUT(8, _fd_pair))
syscall("pipe2", OUT(8, _fd_pair), FLAGS(fs.OPEN_FLAGS))


# --- readlink, getcwd, getdents ------------------------------------------------------


def _link_buf(c: Ctx, i: int) -> str:
    """readlink's result: ``ret`` bytes, no NUL, cut at -s (strace's printstrn)."""
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return buffer(c.a(i), c.exit_mem(i), c.ret, c.opts.strsize)


LINKBUF = Arg(
    _link_buf,
    lambda opts: (Capture("buf", "exit", "ret", min(opts.strsize, MAX_BYTES)),),
)
syscall("readlink", PATH, LINKBUF, ULONG)
syscall("readlinkat", DIRFD, PATH, LINKBUF, ULONG)


def _cwd(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return cstring(c.a(i), c.exit_mem(i), None)


syscall(
    "getcwd",
    Arg(_cwd, lambda opts: (Capture("buf", "exit", "ret", 4096),)),
    ULONG,
)


def _dirents(c: Ctx, i: int) -> str:
    """``0x... /* 4 entries */``: the records in the returned buffer, counted."""
    addr = ptr(c.a(i))
    if c.failed or c.ret is None:
        return addr
    m = c.exit_mem(i)
    if m is None:
        return addr
    data = m.data[: c.ret]
    n = off = 0
    while off + 18 <= len(data):
        (reclen,) = struct.unpack_from("<H", data, off + 16)
        if reclen == 0:
            break
        n += 1
        off += reclen
    return f"{addr} /* {n} entries */"


DIRENTS = Arg(_dirents, lambda opts: (Capture("buf", "exit", "ret", MAX_BYTES),))
syscall("getdents64", FD, DIRENTS, UINT)
syscall("getdents", FD, DIRENTS, UINT)


# --- fcntl ---------------------------------------------------------------------------

_F = {v: k for k, v in fs.FCNTL_CMDS.items()}
_GETTERS = {_F[n] for n in ("F_GETFD", "F_GETFL", "F_GETOWN", "F_GETSIG", "F_GETLEASE",
                            "F_GETPIPE_SZ", "F_GET_SEALS")}
# struct flock (asm-generic/fcntl.h, x86-64; struct flock64 is the same): l_type,
# l_whence (short), l_start, l_len (off_t at 8 and 16), l_pid (int at 24); 32 bytes
FLOCK_SIZE = 32
_SETLK = {_F["F_SETLK"], _F["F_SETLKW"], _F["F_OFD_SETLK"], _F["F_OFD_SETLKW"]}
_GETLK = {_F["F_GETLK"], _F["F_OFD_GETLK"]}


def flock_text(c: Ctx, ltype: int, whence: int, start: int, length: int, pid: int | None) -> str:
    """Any struct flock layout's fields as strace prints them; ``l_pid`` only for the
    F_GETLK family (the kernel's answer), ``pid`` None otherwise."""
    text = (f"{{l_type={xlat(ltype & 0xFFFF, fs.LEASES, c.opts, 'F_')}, "
            f"l_whence={xlat(whence & 0xFFFF, fs.SEEK, c.opts, 'SEEK_')}, "
            f"l_start={start}, l_len={length}")
    return text + (f", l_pid={pid}}}" if pid is not None else "}")


def _flock(c: Ctx, d: bytes, getlk: bool) -> str:
    ltype, whence, start, length, pid = struct.unpack_from("<hh4xqqi", d)
    return flock_text(c, ltype, whence, start, length, pid if getlk else None)


def _owner_ex(c: Ctx, d: bytes) -> str:
    kind, pid = struct.unpack_from("<ii", d)
    return (f"{{type={xlat(kind & 0xFFFFFFFF, fs.F_OWNER_TYPES, c.opts, 'F_OWNER_')}, "
            f"pid={pid}}}")


def _entry_struct(c: Ctx, i: int, size: int) -> bytes | None:
    """The struct the caller passed, as read at entry (None: NULL or unreadable)."""
    m = c.entry_mem(i)
    if not c.a(i) or m is None or len(m.data) < size:
        return None
    return m.data[:size]


def _fcntl_arg(c: Ctx, i: int) -> str | None:
    cmd = u32(c.a(1))
    v = c.a(i)
    if cmd not in fs.FCNTL_CMDS:
        return hexnum(v)
    if cmd in _GETTERS:
        return None
    if cmd == _F["F_SETFD"]:
        return flags(u32(v), fs.FD_FLAGS, c.opts)
    if cmd == _F["F_SETFL"]:
        return open_flags(v, c)
    if cmd == _F["F_SETSIG"]:
        return signame(s32(v), c.opts.raw)
    if cmd == _F["F_SETLEASE"]:
        return xlat(v, fs.LEASES, c.opts, "F_")
    if cmd == _F["F_ADD_SEALS"]:
        return flags(v, fs.SEALS, c.opts)
    if cmd == _F["F_NOTIFY"]:
        return flags(v, fs.DN_FLAGS, c.opts)
    if cmd == _F["F_SETOWN"]:
        return str(s32(v))
    if cmd in (_F["F_DUPFD"], _F["F_DUPFD_CLOEXEC"], _F["F_SETPIPE_SZ"]):
        return str(s64(v))  # strace's PRINT_VAL_D of the whole register
    if cmd in _SETLK:  # what the caller asks for, shown even when the call failed
        d = _entry_struct(c, i, FLOCK_SIZE)
        return ptr(v) if d is None else _flock(c, d, False)
    if cmd in _GETLK:  # the kernel's answer
        d = c.out_data(i, FLOCK_SIZE)
        return ptr(v) if d is None else _flock(c, d, True)
    if cmd == _F["F_SETOWN_EX"]:
        d = _entry_struct(c, i, 8)
        return ptr(v) if d is None else _owner_ex(c, d)
    if cmd == _F["F_GETOWN_EX"]:
        d = c.out_data(i, 8)
        return ptr(v) if d is None else _owner_ex(c, d)
    return hexnum(v)  # F_GETOWNER_UIDS, F_CANCELLK, F_GETLK64..: strace 6.1's %#lx


def _fcntl_ret(c: Ctx) -> str:
    assert c.ret is not None
    cmd = u32(c.a(1))
    r = c.ret
    if cmd == _F["F_GETFL"]:
        return f"{hexnum(r)} (flags {open_flags(r, c)})"
    if cmd == _F["F_GETFD"] and r:
        return f"{hexnum(r)} (flags {flags(r, fs.FD_FLAGS, c.opts)})"
    if cmd == _F["F_GET_SEALS"] and r:
        return f"{hexnum(r)} (seals {flags(r, fs.SEALS, c.opts)})"
    if cmd == _F["F_GETLEASE"]:  # the lease in hex, and its name when it has one
        name = None if c.opts.raw else fs.LEASES.get(r)
        return f"{hexnum(r)} ({name})" if name else hexnum(r)
    if cmd == _F["F_GETSIG"] and r:
        return signame(r, c.opts.raw)
    return str(r)


def _fcntl_cmd(c: Ctx, i: int) -> str:
    return xlat(u32(c.a(i)), fs.FCNTL_CMDS, c.opts, "F_")


syscall(
    "fcntl", FD, Arg(_fcntl_cmd),
    Arg(_fcntl_arg, lambda o: (fixed(FLOCK_SIZE, "entry"), fixed(FLOCK_SIZE, "exit"))),
    ret=_fcntl_ret,
)
