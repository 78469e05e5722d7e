"""Calls that change how the system or a process runs, and watches on files: mount and
umount2, personality, I/O priorities, seccomp, userfaultfd, inotify, utime, utimes and futimesat,
System V IPC, POSIX message queues, capabilities; readahead and
sync_file_range.  Each prints as strace
6.1 prints it (the source file named in each section); the flag tables are strace's
xlat/*.in, in their order.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from ..capture.spec import Capture, When, fixed
from ..core.abi import MAX_BYTES
from ..core.events import Mem
from .args import (
    DIRFD,
    FD,
    HEX,
    IN,
    INT,
    LONG,
    OUT,
    PATH,
    PTR,
    RBUF,
    SKIP,
    STR,
    UINT,
    ULONG,
    WBUF,
    register_only,
    uid_text,
)
from .consts import fs
from .files import OFLAGS
from .fmt import (
    MASK64,
    Ctx,
    DecodeOptions,
    array,
    buffer,
    cstring,
    flags,
    hexnum,
    octal,
    ptr,
    quote,
    s32,
    s64,
    u32,
    xlat,
)
from .registry import Arg, Captures, syscall
from .structs import makedev, sprinttime
from .time import SIGEVENT_IN, TS_IN

# --- mount, umount2 (mount.c, umount.c) ----------------------------------------------

MOUNT_FLAGS = tuple((1 << n, name) for n, name in enumerate((
    "MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC", "MS_SYNCHRONOUS", "MS_REMOUNT",
    "MS_MANDLOCK", "MS_DIRSYNC", "MS_NOSYMFOLLOW", "", "MS_NOATIME", "MS_NODIRATIME",
    "MS_BIND", "MS_MOVE", "MS_REC", "MS_SILENT", "MS_POSIXACL", "MS_UNBINDABLE",
    "MS_PRIVATE", "MS_SLAVE", "MS_SHARED", "MS_RELATIME", "MS_KERNMOUNT", "MS_I_VERSION",
    "MS_STRICTATIME", "MS_LAZYTIME", "MS_SUBMOUNT", "MS_NOREMOTELOCK", "MS_NOSEC",
    "MS_BORN", "MS_ACTIVE", "MS_NOUSER",
)) if name)  # fmt: skip
MS_REMOUNT, MS_BIND, MS_MOVE = 1 << 5, 1 << 12, 1 << 13
MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED = 1 << 17, 1 << 18, 1 << 19, 1 << 20
MS_MGC_VAL, MS_MGC_MSK = 0xC0ED0000, 0xFFFF0000
str_arg, str_capture = STR.render, STR.captures  # the type and the data: strings cut at -s
UMOUNT_FLAGS = ((1, "MNT_FORCE"), (2, "MNT_DETACH"), (4, "MNT_EXPIRE"), (8, "UMOUNT_NOFOLLOW"))


def _mount_flags(c: Ctx) -> tuple[int, bool]:
    """The flags without the old magic in their top half, and whether it was there."""
    v = c.a(3)
    if v & MS_MGC_MSK == MS_MGC_VAL:
        return v & ~MS_MGC_MSK, True
    return v, False


def _ignored(c: Ctx) -> tuple[bool, bool]:
    """Whether the kernel ignores the type, and the data: a remount reads no type; a bind,
    a move or a propagation change neither."""
    v, _ = _mount_flags(c)
    if v & MS_REMOUNT:
        return True, False
    moved = v & (MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
    return bool(moved), bool(moved)


def _mount_type(c: Ctx, i: int) -> str | None:
    return ptr(c.a(i)) if _ignored(c)[0] else str_arg(c, i)


def _mount_data(c: Ctx, i: int) -> str | None:
    return ptr(c.a(i)) if _ignored(c)[1] else str_arg(c, i)


def _mount_flags_text(c: Ctx, i: int) -> str:
    v, magic = _mount_flags(c)
    shown = flags(v, MOUNT_FLAGS, c.opts, dflt="MS_???") if v or not magic else ""
    old = hexnum(MS_MGC_VAL) if c.opts.raw else "MS_MGC_VAL"  # (-X raw: 0xc0ed0000|0xf)
    return "|".join(p for p in (old if magic else "", shown) if p)


syscall(
    "mount",
    PATH,
    PATH,
    Arg(_mount_type, str_capture),
    Arg(_mount_flags_text),
    Arg(_mount_data, str_capture),
)
UMOUNT = register_only(Arg(lambda c, i: flags(u32(c.a(i)), UMOUNT_FLAGS, c.opts, dflt="MNT_???")))
syscall("umount2", PATH, UMOUNT)


# --- personality (personality.c) ------------------------------------------------------

PER_MASK = 0xFF
PERSONALITY_TYPES = {0: "PER_LINUX", 6: "PER_BSD", 8: "PER_LINUX32", 0xC: "PER_RISCOS",
                     0xF: "PER_OSF4", 0x10: "PER_HPUX", 0xFF: "PER_MASK"}  # fmt: skip
PERSONALITY_FLAGS = (
    (0x0020000, "UNAME26"),
    (0x0040000, "ADDR_NO_RANDOMIZE"),
    (0x0080000, "FDPIC_FUNCPTRS"),
    (0x0100000, "MMAP_PAGE_ZERO"),
    (0x0200000, "ADDR_COMPAT_LAYOUT"),
    (0x0400000, "READ_IMPLIES_EXEC"),
    (0x0800000, "ADDR_LIMIT_32BIT"),
    (0x1000000, "SHORT_INODE"),
    (0x2000000, "WHOLE_SECONDS"),
    (0x4000000, "STICKY_TIMEOUTS"),
    (0x8000000, "ADDR_LIMIT_3GB"),
)


def _persona(c: Ctx, v: int, unknown: str) -> str:
    """``PER_LINUX|ADDR_NO_RANDOMIZE``: the type in the low byte, then the flags."""
    kind = xlat(v & PER_MASK, PERSONALITY_TYPES, c.opts, unknown)
    rest = v & ~PER_MASK
    return f"{kind}|{flags(rest, PERSONALITY_FLAGS, c.opts)}" if rest else kind


def _personality(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    return "0xffffffff" if v == 0xFFFFFFFF else _persona(c, v, "PER_")


def _personality_ret(c: Ctx) -> str:
    assert c.ret is not None
    v = u32(c.ret)
    return f"{hexnum(v)} ({_persona(c, v, 'PER_')})"


syscall("personality", register_only(Arg(_personality)), ret=_personality_ret)


# --- ioprio_get, ioprio_set (ioprio.c) ------------------------------------------------

IOPRIO_WHO = {1: "IOPRIO_WHO_PROCESS", 2: "IOPRIO_WHO_PGRP", 3: "IOPRIO_WHO_USER"}
IOPRIO_CLASS = {0: "IOPRIO_CLASS_NONE", 1: "IOPRIO_CLASS_RT", 2: "IOPRIO_CLASS_BE",
                3: "IOPRIO_CLASS_IDLE"}  # fmt: skip


def ioprio_text(c: Ctx, v: int) -> str:
    """``IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 4)``: the class in the top bits, the data in
    the low 13 (strace's sprint_ioprio)."""
    v = u32(v)
    klass = xlat(v >> 13, IOPRIO_CLASS, DecodeOptions(), "IOPRIO_CLASS_")
    return f"IOPRIO_PRIO_VALUE({klass}, {v & 0x1FFF})"


WHO = register_only(Arg(lambda c, i: xlat(u32(c.a(i)), IOPRIO_WHO, c.opts, "IOPRIO_WHO_")))


def _ioprio_get_ret(c: Ctx) -> str:
    assert c.ret is not None
    return str(c.ret) if c.opts.raw else f"{c.ret} ({ioprio_text(c, c.ret)})"


def _ioprio_arg(c: Ctx, i: int) -> str:
    return str(s32(c.a(i))) if c.opts.raw else ioprio_text(c, c.a(i))


syscall("ioprio_get", WHO, INT, ret=_ioprio_get_ret)
syscall("ioprio_set", WHO, INT, register_only(Arg(_ioprio_arg)))


# --- seccomp (seccomp.c) ---------------------------------------------------------------

SECCOMP_OPS = {0: "SECCOMP_SET_MODE_STRICT", 1: "SECCOMP_SET_MODE_FILTER",
               2: "SECCOMP_GET_ACTION_AVAIL", 3: "SECCOMP_GET_NOTIF_SIZES"}  # fmt: skip
SECCOMP_FILTER_FLAGS = tuple((1 << n, f"SECCOMP_FILTER_FLAG_{name}") for n, name in enumerate((
    "TSYNC", "LOG", "SPEC_ALLOW", "NEW_LISTENER", "TSYNC_ESRCH", "WAIT_KILLABLE_RECV",
)))  # fmt: skip
SECCOMP_SET_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES = 1, 2, 3
SOCK_FPROG_SIZE = 16  # struct sock_fprog: unsigned short len, then the filter's address
# linux/seccomp.h, in strace's seccomp_ret_action.in order
SECCOMP_RET_ACTIONS = {
    0x80000000: "SECCOMP_RET_KILL_PROCESS",
    0x00000000: "SECCOMP_RET_KILL_THREAD",
    0x00030000: "SECCOMP_RET_TRAP",
    0x00050000: "SECCOMP_RET_ERRNO",
    0x7FC00000: "SECCOMP_RET_USER_NOTIF",
    0x7FF00000: "SECCOMP_RET_TRACE",
    0x7FFC0000: "SECCOMP_RET_LOG",
    0x7FFF0000: "SECCOMP_RET_ALLOW",
}


def _seccomp_flags(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    if u32(c.a(0)) == SECCOMP_SET_MODE_FILTER:
        return flags(v, SECCOMP_FILTER_FLAGS, c.opts, dflt="SECCOMP_FILTER_FLAG_???")
    return hexnum(v)


def _seccomp_args(c: Ctx, i: int) -> str:
    """A filter's program as ``{len=7, filter=0x...}`` (strace prints the instructions
    only with -v); the action GET_ACTION_AVAIL asks about, ``[SECCOMP_RET_LOG]``; the
    sizes GET_NOTIF_SIZES fills, read at exit; anything else the address."""
    op, addr = u32(c.a(0)), c.a(i)
    if not addr or op not in (SECCOMP_SET_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL,
                              SECCOMP_GET_NOTIF_SIZES):  # fmt: skip
        return ptr(addr)
    if op == SECCOMP_GET_NOTIF_SIZES:
        m = None if c.failed else c.exit_mem(i)
        if m is None or len(m.data) < 6:
            return ptr(addr)
        notif, resp, data = struct.unpack_from("<3H", m.data)
        return f"{{seccomp_notif={notif}, seccomp_notif_resp={resp}, seccomp_data={data}}}"
    # an input: read at entry, at exit where the entry read faulted (the kernel writes
    # neither back)
    need = 4 if op == SECCOMP_GET_ACTION_AVAIL else SOCK_FPROG_SIZE
    m = c.entry_mem(i)
    if m is None or len(m.data) < need:
        m = c.exit_mem(i)
    if m is None or len(m.data) < need:
        return ptr(addr)
    if op == SECCOMP_GET_ACTION_AVAIL:
        (act,) = struct.unpack_from("<I", m.data)
        return f"[{xlat(act, SECCOMP_RET_ACTIONS, c.opts, 'SECCOMP_RET_')}]"
    length, at = struct.unpack_from("<H6xQ", m.data)
    return f"{{len={length}, filter={ptr(at)}}}"


syscall(
    "seccomp",
    register_only(Arg(lambda c, i: xlat(u32(c.a(i)), SECCOMP_OPS, c.opts, "SECCOMP_SET_MODE_"))),
    register_only(Arg(_seccomp_flags), also=0),
    Arg(
        _seccomp_args,
        lambda opts: (fixed(SOCK_FPROG_SIZE, "entry"), fixed(SOCK_FPROG_SIZE, "exit")),
    ),
)


# --- userfaultfd, inotify (userfaultfd.c, inotify.c) -----------------------------------

O_NONBLOCK, O_CLOEXEC = 0o4000, 0o2000000
UFFD_FLAGS = ((1, "UFFD_USER_MODE_ONLY"), (O_NONBLOCK, "O_NONBLOCK"), (O_CLOEXEC, "O_CLOEXEC"))
INOTIFY_INIT_FLAGS = ((O_NONBLOCK, "IN_NONBLOCK"), (O_CLOEXEC, "IN_CLOEXEC"))
INOTIFY_FLAGS = (
    (0x00000001, "IN_ACCESS"),
    (0x00000002, "IN_MODIFY"),
    (0x00000004, "IN_ATTRIB"),
    (0x00000008, "IN_CLOSE_WRITE"),
    (0x00000010, "IN_CLOSE_NOWRITE"),
    (0x00000020, "IN_OPEN"),
    (0x00000040, "IN_MOVED_FROM"),
    (0x00000080, "IN_MOVED_TO"),
    (0x00000100, "IN_CREATE"),
    (0x00000200, "IN_DELETE"),
    (0x00000400, "IN_DELETE_SELF"),
    (0x00000800, "IN_MOVE_SELF"),
    (0x00002000, "IN_UNMOUNT"),
    (0x00004000, "IN_Q_OVERFLOW"),
    (0x00008000, "IN_IGNORED"),
    (0x01000000, "IN_ONLYDIR"),
    (0x02000000, "IN_DONT_FOLLOW"),
    (0x04000000, "IN_EXCL_UNLINK"),
    (0x10000000, "IN_MASK_CREATE"),
    (0x20000000, "IN_MASK_ADD"),
    (0x40000000, "IN_ISDIR"),
    (0x80000000, "IN_ONESHOT"),
)


def FLAGS32(table: tuple[tuple[int, str], ...], dflt: str) -> Arg:  # noqa: N802
    """An unsigned int's flags (the register's upper half is not the kernel's)."""
    return register_only(Arg(lambda c, i: flags(u32(c.a(i)), table, c.opts, dflt=dflt)))


syscall("userfaultfd", FLAGS32(UFFD_FLAGS, "UFFD_???"))
syscall("inotify_init1", FLAGS32(INOTIFY_INIT_FLAGS, "IN_???"))
syscall("inotify_add_watch", FD, PATH, FLAGS32(INOTIFY_FLAGS, "IN_???"))
syscall("inotify_rm_watch", FD, INT)


# --- utime, utimes, futimesat (utime.c, utimes.c) ----------------------------------------


def _dated(value: int | str, when: str | None) -> str:
    return f"{value}" if when is None else f"{value} /* {when} */"


def _utimbuf(c: Ctx, d: bytes) -> str:
    """``{actime=1492350678 /* 2017-04-16T13:51:18+0000 */, modtime=...}``."""
    actime, modtime = struct.unpack_from("<qq", d)
    return (
        f"{{actime={_dated(actime, sprinttime(actime))}, "
        f"modtime={_dated(modtime, sprinttime(modtime))}}}"
    )


def _timevals(c: Ctx, d: bytes) -> str:
    """``[{tv_sec=1, tv_usec=2} /* 1970-01-01T00:00:01.000002+0000 */, ...]``."""
    shown = []
    for k in (0, 16):
        sec, usec = struct.unpack_from("<qQ", d, k)
        shown.append(_dated(f"{{tv_sec={sec}, tv_usec={usec}}}", sprinttime(sec, usec, digits=6)))
    return f"[{', '.join(shown)}]"


syscall("utime", PATH, IN(16, _utimbuf))
syscall("utimes", PATH, IN(32, _timevals))
syscall("futimesat", DIRFD, PATH, IN(32, _timevals))


# --- readahead, sync_file_range (readahead.c, sync_file_range.c) ----------------------

SYNC_FILE_RANGE_FLAGS = (
    (1, "SYNC_FILE_RANGE_WAIT_BEFORE"),
    (2, "SYNC_FILE_RANGE_WRITE"),
    (4, "SYNC_FILE_RANGE_WAIT_AFTER"),
)
LOFF = register_only(Arg(lambda c, i: str(s64(c.a(i)))))

syscall("readahead", FD, LOFF, ULONG)
syscall("sync_file_range", FD, LOFF, LOFF, FLAGS32(SYNC_FILE_RANGE_FLAGS, "SYNC_FILE_RANGE_???"))


# --- System V IPC: shmget, semget, msgget (ipc_shm.c, ipc_sem.c, ipc_msg.c) ------------

IPC_FLAGS = ((0o1000, "IPC_CREAT"), (0o2000, "IPC_EXCL"), (0o4000, "IPC_NOWAIT"))
SHM_FLAGS = ((0o1000, "IPC_CREAT"), (0o2000, "IPC_EXCL"), (0o4000, "SHM_HUGETLB"),
             (0o10000, "SHM_NORESERVE"))  # fmt: skip
SHM_HUGE_SHIFT, SHM_HUGE_MASK = 26, 0x3F


def _ipc_key(c: Ctx, i: int) -> str:
    key = u32(c.a(i))
    return "IPC_PRIVATE" if key == 0 and not c.opts.raw else hexnum(key)


def _ipc_flags(c: Ctx, v: int, table: tuple[tuple[int, str], ...]) -> str:
    """``IPC_CREAT|0600``: the flags, then the permission bits in octal (strace's
    print_numeric_umode_t), the flags left out when there are none."""
    rest = v & ~0o777
    mode = octal(v & 0o777)
    if not rest:
        return mode
    return f"{flags(rest, table, c.opts)}|{mode}"


def _shm_flags(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    huge = (v & ~0o777) & (SHM_HUGE_MASK << SHM_HUGE_SHIFT)
    rest = (v & ~0o777) & ~huge
    mode = octal(v & 0o777)
    parts = [flags(rest, SHM_FLAGS, c.opts)] if rest else []
    if huge:
        shift = SHM_HUGE_SHIFT if c.opts.raw else "SHM_HUGE_SHIFT"
        parts.append(f"{huge >> SHM_HUGE_SHIFT}<<{shift}")
    return "|".join([*parts, mode])


syscall("shmget", register_only(Arg(_ipc_key)), ULONG, register_only(Arg(_shm_flags)))
syscall(
    "semget",
    register_only(Arg(_ipc_key)),
    INT,
    register_only(Arg(lambda c, i: _ipc_flags(c, c.a(i), IPC_FLAGS))),
)
syscall(
    "msgget",
    register_only(Arg(_ipc_key)),
    register_only(Arg(lambda c, i: _ipc_flags(c, c.a(i), IPC_FLAGS))),
)


# --- System V IPC operations: semop, semtimedop, msgsnd, msgrcv, the three *ctl calls ----

IPC_64 = 0x100  # a *ctl cmd's flag: the 64-bit structures (glibc's x86-64 calls omit it)
_IPC_CMDS = {0: "IPC_RMID", 1: "IPC_SET", 2: "IPC_STAT", 3: "IPC_INFO"}
SHMCTL_CMDS = {**_IPC_CMDS, 11: "SHM_LOCK", 12: "SHM_UNLOCK", 13: "SHM_STAT", 14: "SHM_INFO",
               15: "SHM_STAT_ANY"}  # fmt: skip
MSGCTL_CMDS = {**_IPC_CMDS, 11: "MSG_STAT", 12: "MSG_INFO", 13: "MSG_STAT_ANY"}
SEMCTL_CMDS = {**_IPC_CMDS, 11: "GETPID", 12: "GETVAL", 13: "GETALL", 14: "GETNCNT",
               15: "GETZCNT", 16: "SETVAL", 17: "SETALL", 18: "SEM_STAT", 19: "SEM_INFO",
               20: "SEM_STAT_ANY"}  # fmt: skip
SEMOP_FLAGS = ((0x1000, "SEM_UNDO"), (0o4000, "IPC_NOWAIT"))
MSG_FLAGS = ((0o10000, "MSG_NOERROR"), (0o20000, "MSG_EXCEPT"), (0o40000, "MSG_COPY"),
             (0o4000, "IPC_NOWAIT"))  # fmt: skip
SEMBUF_SIZE = 6  # struct sembuf: u16 sem_num, s16 sem_op, s16 sem_flg
MSGBUF_SIZE = 16  # struct msgbuf as strace reads it first: long mtype, char mtext[1], padded


def _ipc_cmd(table: dict[int, str], unknown: str) -> Arg:
    """strace's PRINTCTL: ``IPC_STAT``, ``IPC_64|IPC_STAT`` with the flag (under -X raw
    ``0x100|0x2``: the flag and the command each a number)."""

    def render(c: Ctx, i: int) -> str:
        cmd = u32(c.a(i))
        if not cmd & IPC_64:
            return xlat(cmd, table, c.opts, unknown)
        head = hexnum(IPC_64) if c.opts.raw else "IPC_64"
        return f"{head}|{xlat(cmd & ~IPC_64, table, c.opts, unknown)}"

    return register_only(Arg(render))


# The *ctl calls' buffers, x86-64's layouts (glibc's struct msqid_ds, shmid_ds, semid_ds,
# msginfo, shminfo, shm_info, seminfo, which strace prints; the kernel's 64-bit ones):
# each struct's size, and a renderer of (cmd, its bytes).
IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO = 0, 1, 2, 3
_IPC_PERM = struct.Struct("<iIIIII")  # key, uid, gid, cuid, cgid, mode (48 bytes in all)
IPC_PERM_SIZE = 48


def _ipc_perm(c: Ctx, d: bytes, cmd: int) -> str:
    """``{uid=0, gid=0, mode=0600, key=0, cuid=0, cgid=0}``; IPC_SET's the first three."""
    key, uid, gid, cuid, cgid, mode = _IPC_PERM.unpack_from(d)
    text = f"uid={uid_text(uid)}, gid={uid_text(gid)}, mode={octal(mode)}"
    if cmd != IPC_SET:
        text += f", key={u32(key)}, cuid={uid_text(cuid)}, cgid={uid_text(cgid)}"
    return "{" + text + "}"


def _msqid_ds(c: Ctx, d: bytes, cmd: int) -> str:
    stime, rtime, ctime, _cbytes, qnum, qbytes, lspid, lrpid = struct.unpack_from(
        "<qqqQQQii", d, IPC_PERM_SIZE
    )
    perm = f"msg_perm={_ipc_perm(c, d, cmd)}"
    if cmd == IPC_SET:
        return f"{{{perm}, msg_qbytes={qbytes}}}"
    return (
        f"{{{perm}, msg_stime={stime & MASK64}, msg_rtime={rtime & MASK64}, "
        f"msg_ctime={ctime & MASK64}, msg_qnum={qnum}, msg_qbytes={qbytes}, "
        f"msg_lspid={lspid}, msg_lrpid={lrpid}}}"
    )


def _shmid_ds(c: Ctx, d: bytes, cmd: int) -> str:
    segsz, atime, dtime, ctime, cpid, lpid, nattch = struct.unpack_from(
        "<QqqqiiQ", d, IPC_PERM_SIZE
    )
    perm = f"shm_perm={_ipc_perm(c, d, cmd)}"
    if cmd == IPC_SET:
        return f"{{{perm}}}"
    return (
        f"{{{perm}, shm_segsz={segsz}, shm_cpid={cpid}, shm_lpid={lpid}, "
        f"shm_nattch={nattch}, shm_atime={atime & MASK64}, shm_dtime={dtime & MASK64}, "
        f"shm_ctime={ctime & MASK64}}}"
    )


def _semid_ds(c: Ctx, d: bytes, cmd: int) -> str:
    otime, _r1, ctime, _r2, nsems = struct.unpack_from("<qQqQQ", d, IPC_PERM_SIZE)
    perm = f"sem_perm={_ipc_perm(c, d, cmd)}"
    if cmd == IPC_SET:
        return f"{{{perm}}}"
    return f"{{{perm}, sem_otime={otime & MASK64}, sem_ctime={ctime & MASK64}, sem_nsems={nsems}}}"


def _fields(names: str, fmt: str) -> Callable[[Ctx, bytes, int], str]:
    layout = struct.Struct(fmt)

    def render(c: Ctx, d: bytes, cmd: int) -> str:
        values = layout.unpack_from(d)
        return "{" + ", ".join(f"{n}={v}" for n, v in zip(names.split(), values, strict=True)) + "}"

    return render


_MSGINFO = _fields("msgpool msgmap msgmax msgmnb msgmni msgssz msgtql msgseg", "<7iH")
_SHMINFO = _fields("shmmax shmmin shmmni shmseg shmall", "<5Q")
_SHM_INFO = _fields("used_ids shm_tot shm_rss shm_swp swap_attempts swap_successes", "<i4x5Q")
_SEMINFO = _fields("semmap semmni semmns semmnu semmsl semopm semume semusz semvmx semaem", "<10i")
IpcBuf = tuple[int, Callable[[Ctx, bytes, int], str]]
_MSGCTL_BUFS: dict[int, IpcBuf] = {
    IPC_SET: (120, _msqid_ds), IPC_STAT: (120, _msqid_ds), 11: (120, _msqid_ds),
    13: (120, _msqid_ds), IPC_INFO: (32, _MSGINFO), 12: (32, _MSGINFO),
}  # fmt: skip
_SHMCTL_BUFS: dict[int, IpcBuf] = {
    IPC_SET: (112, _shmid_ds), IPC_STAT: (112, _shmid_ds), 13: (112, _shmid_ds),
    15: (112, _shmid_ds), IPC_INFO: (72, _SHMINFO), 14: (48, _SHM_INFO),
}  # fmt: skip
_SEMCTL_BUFS: dict[int, IpcBuf] = {
    IPC_SET: (104, _semid_ds), IPC_STAT: (104, _semid_ds), 18: (104, _semid_ds),
    20: (104, _semid_ds), IPC_INFO: (40, _SEMINFO), 19: (40, _SEMINFO),
}  # fmt: skip
IPC_BUF_READ = 120  # the largest of them


def _ipc_buf(bufs: dict[int, IpcBuf], cmd_arg: int, stat_failed: bool = False) -> Arg:
    """The buffer as strace's *ctl decoders print it: IPC_SET's struct as passed, the
    STAT and INFO commands' as the kernel filled it (at a return that did not fail;
    semctl's STAT commands at any return, as strace reads it); any other command's
    address.  A struct not wholly readable: its address."""

    def render(c: Ctx, i: int) -> str:
        cmd = u32(c.a(cmd_arg)) & ~IPC_64
        known = bufs.get(cmd)
        if known is None or not c.a(i):
            return ptr(c.a(i))
        size, fmt = known
        if cmd == IPC_SET:  # (the exit's read, should the entry's have faulted)
            m = c.entry_mem(i)
            if m is None or len(m.data) < size:
                m = c.exit_mem(i)
        elif c.failed and not (stat_failed and fmt is _semid_ds):
            return ptr(c.a(i))
        else:
            m = c.exit_mem(i)
        if m is None or len(m.data) < size:
            return ptr(c.a(i))
        return fmt(c, m.data[:size], cmd)

    return Arg(render, lambda o: (fixed(IPC_BUF_READ, "entry"), fixed(IPC_BUF_READ, "exit")))


syscall("shmctl", INT, _ipc_cmd(SHMCTL_CMDS, "SHM_"), _ipc_buf(_SHMCTL_BUFS, 1))
syscall("msgctl", INT, _ipc_cmd(MSGCTL_CMDS, "MSG_"), _ipc_buf(_MSGCTL_BUFS, 1))
syscall(
    "semctl", INT, INT, _ipc_cmd(SEMCTL_CMDS, "SEM_"), _ipc_buf(_SEMCTL_BUFS, 2, stat_failed=True)
)


def _sembuf(c: Ctx, d: bytes) -> str:
    num, op, flg = struct.unpack("<HhH", d)
    return (
        f"{{sem_num={num}, sem_op={op}, sem_flg={flags(flg, SEMOP_FLAGS, c.opts, dflt='SEM_???')}}}"
    )


def _sembufs(c: Ctx, i: int) -> str:
    count = u32(c.a(2))
    return array(c.a(i), c.mem(i), count, SEMBUF_SIZE, c.opts.strsize,
                 lambda d: _sembuf(c, d))  # fmt: skip


def _sembuf_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    n = min((opts.strsize + 1) * SEMBUF_SIZE, MAX_BYTES)
    return (Capture("buf", "both", f"c{n}", n),)


SEMBUFS = Arg(_sembufs, _sembuf_caps)
syscall("semop", INT, SEMBUFS, UINT)
syscall("semtimedop", INT, SEMBUFS, UINT, TS_IN)


def _msgbuf(c: Ctx, addr: int, m: Mem | None, count: int) -> str:
    """``{mtype=1, mtext="hello"}``: the type, then ``count`` bytes of text (at most -s);
    the text's address when only the type could be read."""
    if not addr:
        return "NULL"
    if m is None or len(m.data) < MSGBUF_SIZE:
        return ptr(addr)
    mtype = s64(int.from_bytes(m.data[:8], "little"))
    shown = min(count, c.opts.strsize)
    text = m.data[8 : 8 + shown]
    if len(text) < shown:
        return f"{{mtype={mtype}, mtext={ptr(addr + 8)}}}"
    more = "..." if count > shown else ""
    return f"{{mtype={mtype}, mtext={quote(text, hexstr=c.opts.hexstr)}{more}}}"


def _msgbuf_caps(when: When) -> Captures:
    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        n = min(8 + max(opts.strsize, 8), MAX_BYTES)
        return (Capture("buf", when, f"c{n}", n),)

    return captures


def _msgsnd_buf(c: Ctx, i: int) -> str:
    return _msgbuf(c, c.a(i), c.mem(i), c.a(2))


def _msgrcv_buf(c: Ctx, i: int) -> str:
    """Read at a return that did not fail, ``msgsz`` bytes of text as strace shows them
    (not only the returned length)."""
    if c.failed:
        return ptr(c.a(i))
    return _msgbuf(c, c.a(i), c.exit_mem(i), c.a(2))


syscall(
    "msgsnd",
    INT,
    Arg(_msgsnd_buf, _msgbuf_caps("both")),
    ULONG,
    register_only(Arg(lambda c, i: flags(u32(c.a(i)), MSG_FLAGS, c.opts, dflt="MSG_???"))),
)
syscall(
    "msgrcv",
    INT,
    Arg(_msgrcv_buf, _msgbuf_caps("exit")),
    ULONG,
    LONG,
    register_only(Arg(lambda c, i: flags(u32(c.a(i)), MSG_FLAGS, c.opts, dflt="MSG_???"))),
)


# --- POSIX message queues (mq.c, print_mq_attr.c) --------------------------------------

# struct mq_attr: the four longs strace prints, then four reserved; strace (as the kernel)
# reads all 64 bytes or shows the address
MQ_ATTR_SIZE = 64
MQ_ATTR_FLAGS = ((0o4000, "O_NONBLOCK"),)


def _mq_attr(c: Ctx, d: bytes, decode_flags: bool) -> str:
    """``{mq_flags=0, mq_maxmsg=10, mq_msgsize=8192, mq_curmsgs=0}``: mq_open's flags in
    hex, mq_getsetattr's by name."""
    mq_flags, maxmsg, msgsize, curmsgs = struct.unpack_from("<qqqq", d)
    shown = (
        flags(mq_flags & MASK64, MQ_ATTR_FLAGS, c.opts, dflt="O_???")
        if decode_flags
        else hexnum(mq_flags & MASK64)
    )
    return f"{{mq_flags={shown}, mq_maxmsg={maxmsg}, mq_msgsize={msgsize}, mq_curmsgs={curmsgs}}}"


def _mq_open_tail(show: Callable[[Ctx, int], str]) -> Callable[[Ctx, int], str | None]:
    """mode and attr: printed only with O_CREAT, as strace prints them."""

    def render(c: Ctx, i: int) -> str | None:
        return show(c, i) if c.a(1) & fs.O_CREAT else None

    return render


def _mq_open_attr(c: Ctx, i: int) -> str:
    d = c.in_data(i, MQ_ATTR_SIZE)
    return ptr(c.a(i)) if d is None else _mq_attr(c, d, False)


syscall(
    "mq_open",
    PATH,
    OFLAGS,
    register_only(Arg(_mq_open_tail(lambda c, i: octal(c.a(i) & 0xFFFF))), also=1),
    Arg(_mq_open_tail(_mq_open_attr), lambda o: (fixed(MQ_ATTR_SIZE, "both"),)),
)
syscall("mq_unlink", PATH)
syscall("mq_timedsend", FD, WBUF(2), ULONG, UINT, TS_IN)
PRIO_OUT = OUT(4, lambda c, d: f"[{int.from_bytes(d[:4], 'little')}]")  # printnum_int's %u
syscall("mq_timedreceive", FD, RBUF(), ULONG, PRIO_OUT, TS_IN)
syscall("mq_notify", FD, SIGEVENT_IN)
syscall(
    "mq_getsetattr",
    FD,
    IN(MQ_ATTR_SIZE, lambda c, d: _mq_attr(c, d, True)),
    OUT(MQ_ATTR_SIZE, lambda c, d: _mq_attr(c, d, True)),
)


# --- capget, capset (capability.c) ----------------------------------------------------

CAP_VERSIONS = {0x19980330: "_LINUX_CAPABILITY_VERSION_1",
                0x20071026: "_LINUX_CAPABILITY_VERSION_2",
                0x20080522: "_LINUX_CAPABILITY_VERSION_3"}  # fmt: skip
CAPS = (
    "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
    "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
    "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
    "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
    "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF "
    "CHECKPOINT_RESTORE"
).split()
# strace's cap_mask0 and cap_mask1: a word's bits, each named by its capability's number
CAP_MASK0 = tuple((1 << n, f"1<<CAP_{name}") for n, name in enumerate(CAPS[:32]))
CAP_MASK1 = tuple((1 << n, f"1<<CAP_{name}") for n, name in enumerate(CAPS[32:]))
CAP_HEADER_SIZE, CAP_DATA_SIZE = 8, 12  # struct __user_cap_header_struct, _data_struct


def _cap_header(c: Ctx) -> tuple[int, int] | None:
    m = c.mem(0)
    if not c.a(0) or m is None or len(m.data) < CAP_HEADER_SIZE:
        return None
    version, pid = struct.unpack_from("<Ii", m.data)
    return version, pid


def _cap_header_text(c: Ctx, i: int) -> str:
    h = _cap_header(c)
    if h is None:
        return ptr(c.a(i))
    version = xlat(h[0], CAP_VERSIONS, c.opts, "_LINUX_CAPABILITY_VERSION_")
    return f"{{version={version}, pid={h[1]}}}"


def _cap_bits(c: Ctx, lo: int, hi: int) -> str:
    parts = [flags(lo, CAP_MASK0, c.opts, dflt="CAP_???")] if lo or not hi else []
    if hi:
        parts.append(flags(hi, CAP_MASK1, c.opts, dflt="CAP_???"))
    return "|".join(parts)


def _cap_data(c: Ctx, i: int, filled: bool) -> str:
    """``{effective=1<<CAP_CHOWN|..., permitted=..., inheritable=...}``: two words of each
    set for versions 2 and 3, one for version 1 (strace's print_cap_data); ``filled``:
    capget's, which a failed call did not fill."""
    h = _cap_header(c)
    if h is None or not c.a(i) or (filled and c.failed):
        return ptr(c.a(i))
    words = 2 if h[0] in (0x20071026, 0x20080522) else 1
    m = c.mem(i)
    if m is None or len(m.data) < CAP_DATA_SIZE * words:
        return ptr(c.a(i))
    sets = [struct.unpack_from("<III", m.data, CAP_DATA_SIZE * k) for k in range(words)]
    shown = [
        f"{name}={_cap_bits(c, sets[0][n], sets[1][n] if words > 1 else 0)}"
        for n, name in enumerate(("effective", "permitted", "inheritable"))
    ]
    return "{" + ", ".join(shown) + "}"


CAP_HEADER = Arg(_cap_header_text, lambda opts: (fixed(CAP_HEADER_SIZE, "both"),))
CAPS_OUT = Arg(lambda c, i: _cap_data(c, i, True), lambda opts: (fixed(2 * CAP_DATA_SIZE, "exit"),))
CAPS_IN = Arg(lambda c, i: _cap_data(c, i, False), lambda opts: (fixed(2 * CAP_DATA_SIZE, "both"),))
syscall("capget", CAP_HEADER, CAPS_OUT)
syscall("capset", CAP_HEADER, CAPS_IN)

# --- add_key, request_key (keyctl.c) ----------------------------------------------------

KEY_SPECS = {
    -1: "KEY_SPEC_THREAD_KEYRING",
    -2: "KEY_SPEC_PROCESS_KEYRING",
    -3: "KEY_SPEC_SESSION_KEYRING",
    -4: "KEY_SPEC_USER_KEYRING",
    -5: "KEY_SPEC_USER_SESSION_KEYRING",
    -6: "KEY_SPEC_GROUP_KEYRING",
    -7: "KEY_SPEC_REQKEY_AUTH_KEY",
    -8: "KEY_SPEC_REQUESTOR_KEYRING",
}


def _key_name(c: Ctx, v: int) -> str:
    """A key serial number (int32): a special keyring by name, any other in decimal."""
    return str(v) if c.opts.raw else KEY_SPECS.get(v, str(v))


KEY_SERIAL = register_only(Arg(lambda c, i: _key_name(c, s32(c.a(i)))))
syscall("add_key", STR, STR, WBUF(3), ULONG, KEY_SERIAL)
syscall("request_key", STR, STR, STR, KEY_SERIAL)

_KEYCTL_NAMES = (
    "GET_KEYRING_ID JOIN_SESSION_KEYRING UPDATE REVOKE CHOWN SETPERM DESCRIBE CLEAR LINK "
    "UNLINK SEARCH READ INSTANTIATE NEGATE SET_REQKEY_KEYRING SET_TIMEOUT ASSUME_AUTHORITY "
    "GET_SECURITY SESSION_TO_PARENT REJECT INSTANTIATE_IOV INVALIDATE GET_PERSISTENT "
    "DH_COMPUTE PKEY_QUERY PKEY_ENCRYPT PKEY_DECRYPT PKEY_SIGN PKEY_VERIFY RESTRICT_KEYRING "
    "MOVE CAPABILITIES WATCH_KEY"
)
KEYCTL_COMMANDS = {k: "KEYCTL_" + n for k, n in enumerate(_KEYCTL_NAMES.split())}
KEY_PERMS = tuple(
    (bits << shift, f"KEY_{who}_{name}")
    for who, shift in (("POS", 24), ("USR", 16), ("GRP", 8), ("OTH", 0))
    for bits, name in (
        (0x01, "VIEW"), (0x02, "READ"), (0x04, "WRITE"), (0x08, "SEARCH"), (0x10, "LINK"),
        (0x20, "SETATTR"), (0x3F, "ALL"),
    )
)  # fmt: skip
KEY_REQKEYS = {
    -1: "KEY_REQKEY_DEFL_NO_CHANGE",
    0: "KEY_REQKEY_DEFL_DEFAULT",
    1: "KEY_REQKEY_DEFL_THREAD_KEYRING",
    2: "KEY_REQKEY_DEFL_PROCESS_KEYRING",
    3: "KEY_REQKEY_DEFL_SESSION_KEYRING",
    4: "KEY_REQKEY_DEFL_USER_KEYRING",
    5: "KEY_REQKEY_DEFL_USER_SESSION_KEYRING",
    6: "KEY_REQKEY_DEFL_GROUP_KEYRING",
    7: "KEY_REQKEY_DEFL_REQUESTOR_KEYRING",
}
KEYCTL_MOVE_FLAGS = ((1, "KEYCTL_MOVE_EXCL"),)
# the commands that fill a buffer (argument 2, ret bytes) whose text may end in a NUL
KEY_READS = {6: True, 11: False, 17: True}  # DESCRIBE, READ, GET_SECURITY


def _keyctl(c: Ctx, i: int) -> str:
    """strace's keyctl: the command, then its own arguments (keyctl.c); a command whose
    structs this does not decode shows their addresses."""
    cmd = s32(c.a(0))
    o = c.opts
    text = xlat(cmd & 0xFFFFFFFF, KEYCTL_COMMANDS, o, "KEYCTL_")

    def key(k: int) -> str:
        return _key_name(c, s32(c.a(k)))

    def entry(k: int) -> Mem | None:  # (argument 2's exit read is the command's output)
        return c.entry_mem(k) if k == 2 else c.mem(k)

    def string(k: int) -> str:
        return cstring(c.a(k), entry(k), o.strsize, o.hexstr)

    def data(k: int, length: int) -> str:
        return buffer(c.a(k), entry(k), length, o.strsize, hexstr=o.hexstr)

    a = [c.a(k) for k in range(5)]
    if cmd == 0:
        rest = [key(1), str(s32(a[2]))]
    elif cmd == 1:
        rest = [string(1)]
    elif cmd in (2, 12):  # UPDATE, INSTANTIATE
        rest = [key(1), data(2, a[3]), str(a[3])] + ([key(4)] if cmd == 12 else [])
    elif cmd in (3, 7, 16, 21):
        rest = [key(1)]
    elif cmd == 4:
        rest = [key(1), uid_text(a[2]), uid_text(a[3])]
    elif cmd == 5:
        rest = [key(1), flags(u32(a[2]), KEY_PERMS, o, dflt="KEY_???")]
    elif cmd in KEY_READS:
        rest = [key(1), _key_read(c, KEY_READS[cmd]), str(a[3])]
    elif cmd in (8, 9):
        rest = [key(1), key(2)]
    elif cmd == 10:
        rest = [key(1), string(2), string(3), key(4)]
    elif cmd == 13:
        rest = [key(1), str(u32(a[2])), key(3)]
    elif cmd == 14:
        v = s32(a[1])
        name = None if o.raw else KEY_REQKEYS.get(v)
        rest = [name or (f"{v} /* KEY_REQKEY_DEFL_??? */" if not o.raw else str(v))]
    elif cmd == 15:
        rest = [key(1), str(u32(a[2]))]
    elif cmd == 18:
        rest = []
    elif cmd == 19:
        from . import errno_name  # (the package imports this module)

        err = u32(a[3])
        name = errno_name(err) if 0 < err < 4096 and not o.raw else None
        shown = name if name and not name.startswith("ERRNO_") else str(err)
        rest = [key(1), str(u32(a[2])), shown, key(4)]
    elif cmd == 20:  # (the iovec array is not read: its address)
        rest = [key(1), ptr(a[2]), str(a[3]), key(4)]
    elif cmd == 22:
        rest = [uid_text(a[1]), key(2)]
    elif cmd == 23:  # DH_COMPUTE (its kdf parameters point further: their address)
        out = ptr(a[2]) if c.failed or c.ret is None else _key_read(c, False)
        d = c.in_data(1, DH_PARAMS_SIZE)
        params = ptr(a[1]) if d is None else _dh_params(c, d)
        rest = [params, out, str(a[3]), ptr(a[4])]
    elif cmd == 24:  # PKEY_QUERY (the result, read at exit, is not: its address)
        rest = [key(1), hexnum(a[2]), string(3), ptr(a[4])]
    elif 25 <= cmd <= 28:  # PKEY_ENCRYPT, _DECRYPT, _SIGN, _VERIFY
        rest = _pkey_op(c, verify=cmd == 28)
    elif cmd == 31:  # CAPABILITIES (the array written at exit is not read: its address)
        rest = [ptr(a[1]), str(a[2])]
    elif cmd == 29:
        rest = [key(1), string(2), string(3)]
    elif cmd == 30:
        rest = [
            key(1),
            key(2),
            key(3),
            flags(u32(a[4]), KEYCTL_MOVE_FLAGS, o, dflt="KEYCTL_MOVE_???"),
        ]
    else:  # strace's default, and the structs this does not decode: the raw values
        rest = [hexnum(v) for v in a[1:5]]
    return ", ".join([text, *rest])


DH_PARAMS_SIZE = 12  # struct keyctl_dh_params: private, prime, base


def _dh_params(c: Ctx, d: bytes) -> str:
    private, prime, base = struct.unpack_from("<3i", d)
    return (
        f"{{private={_key_name(c, private)}, prime={_key_name(c, prime)}, "
        f"base={_key_name(c, base)}}}"
    )


PKEY_PARAMS_SIZE = 40  # struct keyctl_pkey_params: key_id, in_len, out_len, __spare[7]


def _pkey_op(c: Ctx, verify: bool) -> list[str]:
    """The parameters, the info string, the input (in_len bytes), and for VERIFY the
    signature (in2_len bytes); the output of the others is written at exit and not read
    (its address)."""
    o = c.opts
    m = c.mem(1)
    d = None if m is None or len(m.data) < PKEY_PARAMS_SIZE or not c.a(1) else m.data
    info = cstring(c.a(2), c.entry_mem(2), o.strsize, o.hexstr)
    if d is None:
        return [ptr(c.a(1)) if c.a(1) else "NULL", info, ptr(c.a(3)), ptr(c.a(4))]
    key_id, in_len, out_len = struct.unpack_from("<iII", d)
    spare = struct.unpack_from("<7I", d, 12)
    fields = [f"key_id={_key_name(c, key_id)}", f"in_len={in_len}"]
    fields.append(f"{'in2_len' if verify else 'out_len'}={out_len}")
    if any(spare):
        fields.append(f"__spare=[{', '.join(hexnum(v) for v in spare)}]")
    op1 = buffer(c.a(3), c.mem(3), in_len, o.strsize, hexstr=o.hexstr)
    op2 = buffer(c.a(4), c.mem(4), out_len, o.strsize, hexstr=o.hexstr) if verify else ptr(c.a(4))
    return ["{" + ", ".join(fields) + "}", info, op1, op2]


def _key_read(c: Ctx, has_nul: bool) -> str:
    """A key's description, payload or label the kernel wrote: at most the buffer's
    length of the return value's bytes, a trailing NUL not shown."""
    addr, size = c.a(2), c.a(3)
    if c.failed or c.ret is None:
        return ptr(addr)
    n = min(c.ret, size)
    m = c.exit_mem(2)
    if has_nul and 0 < n <= c.opts.strsize and m is not None and len(m.data) >= n:
        if m.data[n - 1] == 0:
            return quote(m.data[: n - 1], hexstr=c.opts.hexstr)
    return buffer(addr, m, n, c.opts.strsize, hexstr=c.opts.hexstr)


def _keyctl_caps(o: DecodeOptions) -> tuple[Capture, ...]:
    # one read serves a string and a counted payload: -s + 1 bytes, the length not known
    # until the command is
    n = max(min(o.strsize + 1, MAX_BYTES), PKEY_PARAMS_SIZE)
    return (Capture("buf", "both", f"c{n}", n),)


def _keyctl_out_caps(o: DecodeOptions) -> tuple[Capture, ...]:
    # argument 2: a string or payload in (read at entry only: its exit read is a reading
    # command's output, what the kernel wrote there)
    n = min(o.strsize + 1, MAX_BYTES)
    return (Capture("buf", "entry", f"c{n}", n), Capture("buf", "exit", "ret", n))


syscall(
    "keyctl",
    Arg(_keyctl),
    Arg(SKIP.render, _keyctl_caps),
    Arg(SKIP.render, _keyctl_out_caps),
    Arg(SKIP.render, _keyctl_caps),
    Arg(SKIP.render, _keyctl_caps),
)

# --- iopl, ioperm (ioperm.c), lookup_dcookie (lookup_dcookie.c) -----------------------

syscall("iopl", INT)
syscall("ioperm", HEX, HEX, INT)
syscall("lookup_dcookie", ULONG, RBUF(), ULONG)

# --- modify_ldt (ldt.c) -----------------------------------------------------------------

USER_DESC_SIZE = 16  # struct user_desc: entry_number, base_addr, limit, then bit fields
_USER_DESC_BITS = (
    ("seg_32bit", 0, 1), ("contents", 1, 2), ("read_exec_only", 3, 1),
    ("limit_in_pages", 4, 1), ("seg_not_present", 5, 1), ("useable", 6, 1), ("lm", 7, 1),
)  # fmt: skip


def _hex8(v: int) -> str:
    return "00000000" if not v else f"{v:#08x}"  # C's %#08x (no 0x before a zero)


def _user_desc(c: Ctx, i: int) -> str:
    """A descriptor when bytecount is its size (strace's print_user_desc), else the
    address."""
    if c.a(2) != USER_DESC_SIZE or not c.a(i):
        return ptr(c.a(i))
    d = c.in_data(i, USER_DESC_SIZE)
    if d is None:
        return ptr(c.a(i))
    entry, base, limit, bits = struct.unpack_from("<4I", d)
    fields = [
        f"entry_number={uid_text(entry)}",
        f"base_addr={_hex8(base)}",
        f"limit={_hex8(limit)}",
    ]
    fields += [f"{name}={bits >> at & (1 << width) - 1}" for name, at, width in _USER_DESC_BITS]
    return "{" + ", ".join(fields) + "}"


def _ldt_ret(c: Ctx) -> str:
    """modify_ldt returns an int the x86-64 entry zero-extends: a 32-bit negative errno
    reads as a large number, which strace shows with its error."""
    assert c.ret is not None
    if 0xFFFFF000 <= c.ret <= 0xFFFFFFFF:
        from . import errno_name  # (the package imports this module)

        err = -s32(c.ret)
        return f"{c.ret} {errno_name(err)} ({os.strerror(err)})"
    return str(c.ret)


syscall(
    "modify_ldt",
    INT,
    Arg(_user_desc, lambda o: (fixed(USER_DESC_SIZE, "both"),)),
    ULONG,
    ret=_ldt_ret,
)

# ustat (ustat.c): a 32-bit device; strace 6.1 built on glibc without <ustat.h> prints
# the buffer as its address
syscall(
    "ustat",
    register_only(Arg(lambda c, i: hexnum(u32(c.a(i))) if c.opts.raw else makedev(u32(c.a(i))))),
    PTR,
)
