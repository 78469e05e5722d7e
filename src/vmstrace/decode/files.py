"""File-system and descriptor syscalls: open/stat/access/mkdir/rename/readlink/fcntl...

Printed as strace does: paths in full, open flags as ``O_RDONLY|O_CLOEXEC``, modes in
octal, stat structures abbreviated (``{st_mode=S_IFREG|0644, st_size=13, ...}``).
"""

from __future__ import annotations

import struct

from ..capture.spec import MAX_BYTES, Capture
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
    UID,
    UINT,
    ULONG,
    XLAT,
    ret_octal,
)
from .consts import fs
from .fmt import Ctx, buffer, cstring, flags, hexnum, octal, ptr, s32, u32, xlat
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
        if f & (fs.O_CREAT | fs.__O_TMPFILE):  # strace's test (open.c): either bit
            return octal(c.a(i) & 0xFFFF)  # an unsigned short, as MODE
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
    """``AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW``: the sync type bits, then the rest."""
    v = u32(c.a(i))
    if c.opts.raw:
        return hexnum(v)
    head = flags(v & fs.AT_STATX_SYNC_TYPE, fs.STATX_SYNC, c.opts, "AT_STATX_SYNC_AS_STAT")
    rest = v & ~fs.AT_STATX_SYNC_TYPE
    return f"{head}|{flags(rest, fs.AT_FLAGS, c.opts)}" if rest else head


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
# S_IFCHR|0600; strace's mknod reads the mode as an unsigned short, as MODE
FMODE = Arg(lambda c, i: mode(c.a(i) & 0xFFFF, c.opts.raw))
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
syscall("chown", PATH, UID, UID)
alias("lchown", "chown")
syscall("fchown", FD, UID, UID)
syscall("fchownat", DIRFD, PATH, UID, UID, _at())
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
        return signame(u32(v), c.opts.raw)
    if cmd == _F["F_SETLEASE"]:
        return xlat(u32(v), fs.LEASES, c.opts, "F_")
    if cmd == _F["F_ADD_SEALS"]:
        return flags(u32(v), fs.SEALS, c.opts)
    if cmd in (_F["F_DUPFD"], _F["F_DUPFD_CLOEXEC"], _F["F_SETOWN"], _F["F_SETPIPE_SZ"],
               _F["F_NOTIFY"]):
        return str(s32(v))
    return ptr(v)  # struct flock, f_owner_ex, rw hints: not decoded yet


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
    if cmd == _F["F_GETLEASE"]:
        return xlat(r, fs.LEASES, c.opts, "F_")
    if cmd == _F["F_GETSIG"] and r:
        return signame(r, c.opts.raw)
    return str(r)


def _fcntl_cmd(c: Ctx, i: int) -> str:
    return xlat(u32(c.a(i)), fs.FCNTL_CMDS, c.opts, "F_")


syscall("fcntl", FD, Arg(_fcntl_cmd), Arg(_fcntl_arg), ret=_fcntl_ret)
