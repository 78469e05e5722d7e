"""File-system and descriptor syscalls: open/stat/access/mkdir/rename/readlink/fcntl...

Printed as strace does: paths in full, open flags as ``O_RDONLY|O_CLOEXEC``, modes in
octal, stat structures abbreviated (``{st_mode=S_IFREG|0644, st_size=13, ...}``).
"""

from __future__ import annotations

import struct

from ..capture.spec import Capture, When, fixed
from ..core.abi import ARG_RETFD, MAX_BYTES
from ..core.events import Mem
from . import fdpath
from .args import (
    DIRFD,
    FD,
    FD_PAIR,
    FLAGS,
    IN,
    LONG,
    MODE,
    OUT,
    PATH,
    RBUF,
    STR,
    UID,
    UINT,
    ULONG,
    XLAT,
    compiled,
    register_only,
    ret_octal,
)
from .consts import fs, signals
from .consts.statfs import FS_MAGIC, ST_VALID, STATFS_FLAGS
from .fmt import (
    Ctx,
    DecodeOptions,
    buffer,
    cstring,
    flags,
    hexnum,
    local_array,
    nonzero_tail,
    octal,
    ptr,
    quote,
    s32,
    s64,
    u32,
    xlat,
)
from .fmt import xlat_flags as _xf
from .registry import Arg, Captures, alias, syscall
from .structs import (
    STAT_SIZE,
    STATX_SIZE,
    TIMESPEC_SIZE,
    makedev,
    mode,
    signame,
    stat,
    statx,
    timespec_utime,
)


def open_flags(v: int, c: Ctx) -> str:
    return _xf(u32(v), fs.O_ACCMODE, fs.ACCMODE, fs.OPEN_FLAGS, c.opts)


OFLAGS = register_only(Arg(lambda c, i: open_flags(c.a(i), c)))


def _open_mode(flags_arg: int) -> Arg:
    """The mode argument, printed only when the flags make the kernel use it."""

    def render(c: Ctx, i: int) -> str | None:
        f = c.a(flags_arg)
        if f & (fs.O_CREAT | fs.__O_TMPFILE):  # strace's test (open.c): either bit
            return octal(c.a(i) & 0xFFFF)  # an unsigned short, as MODE
        return None

    return register_only(Arg(render), also=flags_arg)


def _at(table: tuple[tuple[int, str], ...] = fs.AT_FLAGS) -> Arg:
    return FLAGS(table, "AT_???")


ACCESS = FLAGS(fs.ACCESS_MODES, "?_OK", zero="F_OK")
STAT = compiled(OUT(STAT_SIZE, stat), "stat")

syscall("open", PATH, OFLAGS, _open_mode(1))
syscall("openat", DIRFD, PATH, OFLAGS, _open_mode(2))

# openat2's struct open_how (linux/openat2.h): flags, mode, resolve (u64 each); strace's
# print_open_how, and open_resolve_flags.in
OPEN_HOW_SIZE = 24
OPEN_HOW_MAX = 4096  # the most strace reads past the struct (a page) for nonzero bytes
RESOLVE_FLAGS = (
    (0x01, "RESOLVE_NO_XDEV"),
    (0x02, "RESOLVE_NO_MAGICLINKS"),
    (0x04, "RESOLVE_NO_SYMLINKS"),
    (0x08, "RESOLVE_BENEATH"),
    (0x10, "RESOLVE_IN_ROOT"),
    (0x20, "RESOLVE_CACHED"),
)


def _open_how(c: Ctx, i: int) -> str:
    """``{flags=O_WRONLY|O_CREAT, mode=0777, resolve=RESOLVE_NO_XDEV}``, the mode only
    where the flags use it or it is set; a larger struct's further bytes as ``???`` where
    unreadable, ``/* bytes 24..31 */ "\x80..."`` where any is not zero."""
    size = c.a(3)
    m = c.mem(i)
    if size < OPEN_HOW_SIZE or not c.a(i) or m is None or len(m.data) < OPEN_HOW_SIZE:
        return ptr(c.a(i))
    oflags, mode, resolve = struct.unpack_from("<QQQ", m.data)
    parts = [f"flags={_xf(oflags, fs.O_ACCMODE, fs.ACCMODE, fs.OPEN_FLAGS, c.opts)}"]
    if oflags & (fs.O_CREAT | fs.__O_TMPFILE) or mode:
        parts.append(f"mode={octal(mode)}")
    parts.append(f"resolve={flags(resolve, RESOLVE_FLAGS, c.opts, dflt='RESOLVE_???')}")
    tail = nonzero_tail(m.data, OPEN_HOW_SIZE, min(size, OPEN_HOW_MAX), c.opts.strsize)
    if tail is not None:
        parts.append(tail)
    return "{" + ", ".join(parts) + "}"


OPEN_HOW = Arg(_open_how, lambda opts: (Capture("buf", "both", "a3", OPEN_HOW_MAX),))
syscall("openat2", DIRFD, PATH, OPEN_HOW, ULONG)
syscall("creat", PATH, MODE)
syscall("close", FD)
syscall("stat", PATH, STAT)
syscall("lstat", PATH, STAT)
syscall("fstat", FD, STAT)
syscall("newfstatat", DIRFD, PATH, STAT, _at())


STATX = compiled(OUT(STATX_SIZE, statx), "statx")


def _statx_flags(c: Ctx, i: int) -> str:
    """``AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW``: the sync type bits, then the rest."""
    v = u32(c.a(i))
    if c.opts.raw:  # strace 6.1 -X raw: a sync type of 0 prints as nothing (``|0x800``)
        sync, rest = v & fs.AT_STATX_SYNC_TYPE, v & ~fs.AT_STATX_SYNC_TYPE
        return (hexnum(sync) if sync else "") + (f"|{rest:#x}" if rest else "")
    head = flags(v & fs.AT_STATX_SYNC_TYPE, fs.STATX_SYNC, c.opts, "AT_STATX_SYNC_AS_STAT")
    rest = v & ~fs.AT_STATX_SYNC_TYPE
    return f"{head}|{flags(rest, fs.AT_FLAGS, c.opts)}" if rest else head


syscall(
    "statx",
    DIRFD,
    PATH,
    register_only(Arg(_statx_flags)),
    FLAGS(fs.STATX_MASK, "STATX_???"),
    STATX,
)
syscall("access", PATH, ACCESS)
syscall("faccessat", DIRFD, PATH, ACCESS)
syscall("faccessat2", DIRFD, PATH, ACCESS, _at(fs.AT_EACCESS))
syscall("mkdir", PATH, MODE)
syscall("mkdirat", DIRFD, PATH, MODE)
# S_IFCHR|0600; strace's mknod reads the mode as an unsigned short, as MODE
FMODE = register_only(Arg(lambda c, i: mode(c.a(i) & 0xFFFF, c.opts.raw)))


def _dev(c: Ctx, i: int) -> str | None:
    """The device number, printed only for character and block devices.  strace's
    decode_mknod keeps its low 32 bits (``unsigned int dev``) before splitting it:
    0xdeadbeef00000107 is ``makedev(0x1, 0x7)``; ``0x107`` under -X raw."""
    if u32(c.a(i - 1)) & 0o170000 not in (0o20000, 0o60000):
        return None
    dev = u32(c.a(i))
    return hexnum(dev) if c.opts.raw else makedev(dev)


DEV = Arg(_dev)
syscall("mknod", PATH, FMODE, DEV)
syscall("mknodat", DIRFD, PATH, FMODE, DEV)
syscall("rmdir", PATH)
syscall("unlink", PATH)
syscall("unlinkat", DIRFD, PATH, _at())
syscall("rename", PATH, PATH)
syscall("renameat", DIRFD, PATH, DIRFD, PATH)
syscall("renameat2", DIRFD, PATH, DIRFD, PATH, FLAGS(fs.RENAME_FLAGS, "RENAME_???"))
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
syscall("flock", FD, FLAGS(fs.FLOCK_OPS, "LOCK_???"))
syscall("fallocate", FD, FLAGS(fs.FALLOC_FLAGS, "FALLOC_FL_???"), LONG, LONG)
syscall(
    "fadvise64",
    FD,
    LONG,
    ULONG,
    register_only(Arg(lambda c, i: xlat(u32(c.a(i)), fs.FADVISE, c.opts, "POSIX_FADV_"))),
)  # an int
syscall("close_range", UINT, UINT, FLAGS(fs.CLOSE_RANGE_FLAGS, "CLOSE_RANGE_???"))


def _utimes(c: Ctx, d: bytes) -> str:
    """utimensat's ``struct timespec times[2]``: atime, mtime."""
    return local_array([timespec_utime(c, d[:16]), timespec_utime(c, d[16:32])], c.opts)


syscall("utimensat", DIRFD, PATH, IN(2 * TIMESPEC_SIZE, _utimes), _at())


# --- statfs (asm-generic/statfs.h struct statfs, x86-64: 120 bytes) -------------------

STATFS_SIZE = 120


def statfs_text(
    c: Ctx,
    f_type: int,
    sizes: tuple[int, ...],
    fsid: tuple[int, int],
    namelen: int,
    frsize: int,
    f_flags: int,
) -> str:
    """Any struct statfs layout's fields (``sizes``: f_bsize .. f_ffree), as strace
    prints them: f_type by name or in hex, f_flags only when ST_VALID says they are set."""
    name = None if c.opts.raw else FS_MAGIC.get(f_type)
    bsize, blocks, bfree, bavail, files, ffree = sizes
    text = (
        f"{{f_type={name or hexnum(f_type)}, f_bsize={bsize}, f_blocks={blocks}, "
        f"f_bfree={bfree}, f_bavail={bavail}, f_files={files}, f_ffree={ffree}, "
        f"f_fsid={{val={local_array([hexnum(fsid[0]), hexnum(fsid[1])], c.opts)}}}, "
        f"f_namelen={namelen}, f_frsize={frsize}"
    )
    if f_flags & ST_VALID:
        text += f", f_flags={flags(f_flags, STATFS_FLAGS, c.opts, dflt='ST_???')}"
    return text + "}"


def _statfs(c: Ctx, d: bytes) -> str:
    v = struct.unpack_from("<7Q2I3Q", d)
    return statfs_text(c, v[0], v[1:7], (v[7], v[8]), v[9], v[10], v[11])


STATFS = OUT(STATFS_SIZE, _statfs)
syscall("statfs", PATH, STATFS)
syscall("fstatfs", FD, STATFS)


# --- extended attributes -------------------------------------------------------------


def xattr_value(c: Ctx, i: int, size: int, m: Mem | None) -> str:
    """A value of ``size`` bytes, as strace's print_xattr_val: cut at -s, a last NUL
    left out (and then no ``...``), the address when larger than XATTR_SIZE_MAX or not
    readable in full (up to -s + 1 bytes)."""
    addr = c.a(i)
    if size > fs.XATTR_SIZE_MAX or not addr:
        return ptr(addr)
    want = min(size, c.opts.strsize + 1)
    if not want:
        return '""'
    if m is None or len(m.data) < want:
        return ptr(addr)
    data = m.data[: min(size, c.opts.strsize)]
    if data.endswith(b"\0"):
        return quote(data[:-1], hexstr=c.opts.hexstr)
    return quote(data, hexstr=c.opts.hexstr) + ("..." if size > c.opts.strsize else "")


def _xattr_in(c: Ctx, i: int) -> str:
    return xattr_value(c, i, c.a(i + 1), c.mem(i))


def _xattr_out(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return xattr_value(c, i, c.ret, c.exit_mem(i))


def _xattr_list(c: Ctx, i: int) -> str:
    """listxattr's names: ``ret`` bytes cut at -s, NULs shown; the address when the size
    asked for is 0 or the call failed."""
    if not c.a(i + 1) or c.failed or c.ret is None:
        return ptr(c.a(i))
    return buffer(c.a(i), c.exit_mem(i), c.ret, c.opts.strsize, hexstr=c.opts.hexstr)


def _value_caps(size: str, when: When) -> Captures:
    return lambda o: (Capture("buf", when, size, min(o.strsize + 1, MAX_BYTES)),)


XATTR_IN = compiled(Arg(_xattr_in, _value_caps("a3", "both")), "xattr_in")
XATTR_OUT = compiled(Arg(_xattr_out, _value_caps("ret", "exit")), "xattr_out")
XATTR_LIST = Arg(_xattr_list, _value_caps("ret", "exit"))


XATTR_FLAGS = register_only(
    Arg(lambda c, i: flags(c.a(i), fs.XATTR_FLAGS, c.opts, dflt="XATTR_???"))
)
syscall("setxattr", PATH, STR, XATTR_IN, ULONG, XATTR_FLAGS)
alias("lsetxattr", "setxattr")
syscall("fsetxattr", FD, STR, XATTR_IN, ULONG, XATTR_FLAGS)
syscall("getxattr", PATH, STR, XATTR_OUT, ULONG)
alias("lgetxattr", "getxattr")
syscall("fgetxattr", FD, STR, XATTR_OUT, ULONG)
syscall("listxattr", PATH, XATTR_LIST, ULONG)
alias("llistxattr", "listxattr")
syscall("flistxattr", FD, XATTR_LIST, ULONG)
syscall("removexattr", PATH, STR)
alias("lremovexattr", "removexattr")
syscall("fremovexattr", FD, STR)


# --- lseek, dup, pipe ----------------------------------------------------------------

syscall("lseek", FD, LONG, XLAT(fs.SEEK, unknown="SEEK_"))
syscall("dup", FD)
syscall("dup2", FD, FD)
syscall("dup3", FD, FD, FLAGS(fs.OPEN_FLAGS, "O_???"))


syscall("pipe", FD_PAIR())
syscall("pipe2", FD_PAIR(), FLAGS(fs.OPEN_FLAGS, "O_???"))


# --- readlink, getcwd, getdents ------------------------------------------------------


# readlink's result: ``ret`` bytes, no NUL, cut at -s (strace's printstrn), as read's
# data is shown (the compiled lane prints it)
LINKBUF = RBUF()
syscall("readlink", PATH, LINKBUF, ULONG)
syscall("readlinkat", DIRFD, PATH, LINKBUF, ULONG)


def _cwd(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return cstring(c.a(i), c.exit_mem(i), None, c.opts.hexstr)


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


DIRENTS = compiled(
    Arg(_dirents, lambda opts: (Capture("buf", "exit", "ret", MAX_BYTES),)), "dirents"
)
syscall("getdents64", FD, DIRENTS, UINT)
syscall("getdents", FD, DIRENTS, UINT)


# --- fcntl ---------------------------------------------------------------------------

_F = {v: k for k, v in fs.FCNTL_CMDS.items()}
_GETTERS = {
    _F[n]
    for n in (
        "F_GETFD",
        "F_GETFL",
        "F_GETOWN",
        "F_GETSIG",
        "F_GETLEASE",
        "F_GETPIPE_SZ",
        "F_GET_SEALS",
    )
}
# struct flock (asm-generic/fcntl.h, x86-64; struct flock64 is the same): l_type,
# l_whence (short), l_start, l_len (off_t at 8 and 16), l_pid (int at 24); 32 bytes
FLOCK_SIZE = 32
_SETLK = {_F["F_SETLK"], _F["F_SETLKW"], _F["F_OFD_SETLK"], _F["F_OFD_SETLKW"]}
_GETLK = {_F["F_GETLK"], _F["F_OFD_GETLK"]}


def flock_text(c: Ctx, ltype: int, whence: int, start: int, length: int, pid: int | None) -> str:
    """Any struct flock layout's fields as strace prints them; ``l_pid`` only for the
    F_GETLK family (the kernel's answer), ``pid`` None otherwise."""
    text = (
        f"{{l_type={xlat(ltype & 0xFFFF, fs.LEASES, c.opts, 'F_')}, "
        f"l_whence={xlat(whence & 0xFFFF, fs.SEEK, c.opts, 'SEEK_')}, "
        f"l_start={start}, l_len={length}"
    )
    return text + (f", l_pid={pid}}}" if pid is not None else "}")


def _flock(c: Ctx, d: bytes, getlk: bool) -> str:
    ltype, whence, start, length, pid = struct.unpack_from("<hh4xqqi", d)
    return flock_text(c, ltype, whence, start, length, pid if getlk else None)


def _owner_ex(c: Ctx, d: bytes) -> str:
    kind, pid = struct.unpack_from("<ii", d)
    return f"{{type={xlat(kind & 0xFFFFFFFF, fs.F_OWNER_TYPES, c.opts, 'F_OWNER_')}, pid={pid}}}"


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
        return flags(u32(v), fs.FD_FLAGS, c.opts, dflt="FD_???")
    if cmd == _F["F_SETFL"]:
        return open_flags(v, c)
    if cmd == _F["F_SETSIG"]:
        return signame(s32(v), c.opts.raw)
    if cmd == _F["F_SETLEASE"]:
        return xlat(v, fs.LEASES, c.opts, "F_")
    if cmd == _F["F_ADD_SEALS"]:
        return flags(v, fs.SEALS, c.opts, dflt="F_SEAL_???")
    if cmd == _F["F_NOTIFY"]:
        return flags(v, fs.DN_FLAGS, c.opts, dflt="DN_???")
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


_NAMED = DecodeOptions()  # what strace names whatever -X says
_DUPFD = {_F["F_DUPFD"], _F["F_DUPFD_CLOEXEC"]}


def _fcntl_ret(c: Ctx) -> str:
    assert c.ret is not None
    cmd = u32(c.a(1))
    r = c.ret
    if cmd == _F["F_GETFL"]:  # named under -X raw too (strace's sprint_open_modes)
        names = _xf(u32(r), fs.O_ACCMODE, fs.ACCMODE, fs.OPEN_FLAGS, _NAMED)
        return f"{hexnum(r)} (flags {names})"
    if cmd == _F["F_GETFD"] and r:
        return f"{hexnum(r)} (flags {flags(r, fs.FD_FLAGS, c.opts)})"
    if cmd == _F["F_GET_SEALS"] and r:
        return f"{hexnum(r)} (seals {flags(r, fs.SEALS, c.opts)})"
    if cmd == _F["F_GETLEASE"]:  # the lease in hex, and its name (-X raw too)
        name = fs.LEASES.get(r)
        return f"{hexnum(r)} ({name})" if name else hexnum(r)
    if cmd == _F["F_GETSIG"] and r:
        name = signals.SIGNALS.get(r)  # strace's signame(): named even with -X raw
        return f"{r} ({name})" if name else str(r)
    if cmd in _DUPFD and c.opts.decode_fds:  # -y: ``10</etc/hostname>``
        return fdpath.with_path(str(r), c.exit_mem(ARG_RETFD), c.opts.fd_details, c.opts.hexstr)
    return str(r)


def _fcntl_cmd(c: Ctx, i: int) -> str:
    return xlat(u32(c.a(i)), fs.FCNTL_CMDS, c.opts, "F_")


syscall(
    "fcntl",
    FD,
    register_only(Arg(_fcntl_cmd)),
    Arg(_fcntl_arg, lambda o: (fixed(FLOCK_SIZE, "entry"), fixed(FLOCK_SIZE, "exit"))),
    ret=_fcntl_ret,
)
