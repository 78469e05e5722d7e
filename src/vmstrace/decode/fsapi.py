"""The new mount API (fsopen, fspick, fsconfig, fsmount, move_mount, open_tree,
mount_setattr), fanotify (fanotify_init, fanotify_mark) and Landlock
(landlock_create_ruleset, landlock_add_rule, landlock_restrict_self).

Each prints as strace 6.1 prints it: its fsopen.c, fspick.c, fsconfig.c, fsmount.c,
move_mount.c, open_tree.c, mount_setattr.c, fanotify.c and landlock.c; the flag tables
are its xlat/*.in (consts/fsapi.py).  An fd inside a struct (mount_attr's userns_fd,
a path-beneath rule's parent_fd) prints as its number, without -y's path.
"""

from __future__ import annotations

import struct

from ..capture.spec import Capture, fixed
from ..core.abi import ARG_RETFD, MAX_BYTES
from ..core.events import Mem
from .args import DIRFD, FD, FLAGS, HEX32, INT, INT_OUT, PATH, STR, ULONG, XLAT, register_only
from .consts import fsapi as k
from .fdpath import with_path
from .files import OFLAGS
from .fmt import (
    PATH_MAX,
    Ctx,
    DecodeOptions,
    buffer,
    cstring,
    flags,
    nonzero_tail,
    ptr,
    quote,
    readable,
    s32,
    u32,
    xlat,
)
from .registry import Arg, syscall

# --- fsopen, fspick, fsmount, fsconfig (fsopen.c, fspick.c, fsmount.c, fsconfig.c) ----

syscall("fsopen", STR, FLAGS(k.FSOPEN_FLAGS, "FSOPEN_???"))
syscall("fspick", DIRFD, PATH, FLAGS(k.FSPICK_FLAGS, "FSPICK_???"))
syscall(
    "fsmount",
    FD,
    FLAGS(k.FSMOUNT_FLAGS, "FSMOUNT_???"),
    FLAGS(k.FSMOUNT_ATTR_FLAGS, "MOUNT_ATTR_???"),
)

SET_FLAG, SET_STRING, SET_BINARY, SET_PATH, SET_PATH_EMPTY, SET_FD = range(6)
FSCONFIG_STR_MAX = 256  # strace reads a key or a string value as printstr_ex(.., 256, ..)
FSCONFIG_BINARY_MAX = 1 << 20  # a binary value's aux beyond this prints as the address


def _str_upto(c: Ctx, addr: int, mem: Mem | None) -> str:
    """printstr_ex(addr, 256, QUOTE_0_TERMINATED) of a buffer read: -s + 1 bytes (at most
    256) read, shown to the NUL or cut at -s (at most 256) with ``...``; the address when
    the read fails before a NUL."""
    strsize = c.opts.strsize
    if not addr:
        return "NULL"
    if mem is None or not readable(mem):
        return ptr(addr)
    read = min(strsize + 1, FSCONFIG_STR_MAX)
    data = mem.data[:read]
    nul = data.find(b"\0")
    if nul < 0 and len(data) < read:
        return ptr(addr)
    shown = min(strsize, FSCONFIG_STR_MAX)
    if 0 <= nul <= shown:
        return quote(data[:nul], hexstr=c.opts.hexstr)
    return quote(data[:shown], hexstr=c.opts.hexstr) + "..."


def _fsconfig_key(c: Ctx, i: int) -> str:
    # a string capture of at most 256 bytes: cstring() cut at -s (at most 256) reads it
    # as _str_upto() reads a buffer
    if u32(c.a(1)) <= SET_FD:
        return cstring(c.a(i), c.mem(i), min(c.opts.strsize, FSCONFIG_STR_MAX), c.opts.hexstr)
    return ptr(c.a(i))


def _fsconfig_value(c: Ctx, i: int) -> str:
    cmd, addr, aux = u32(c.a(1)), c.a(i), s32(c.a(4))
    if cmd == SET_STRING:
        return _str_upto(c, addr, c.mem(i))
    if cmd in (SET_PATH, SET_PATH_EMPTY):
        return cstring(addr, c.mem(i), None, c.opts.hexstr)
    if cmd == SET_BINARY and 0 <= aux <= FSCONFIG_BINARY_MAX:
        return buffer(addr, c.mem(i), aux, c.opts.strsize, True, c.opts.hexstr)
    return ptr(addr)


def _fsconfig_aux(c: Ctx, i: int) -> str | None:
    cmd = u32(c.a(1))
    if cmd in (SET_PATH, SET_PATH_EMPTY):
        return DIRFD.render(c, i)
    if cmd == SET_FD:
        return FD.render(c, i)
    return INT.render(c, i)


def _value_capture(o: DecodeOptions) -> tuple[Capture, ...]:
    # one read serves a path (PATH_MAX, up to its NUL), a string and a binary value (-s + 1
    # bytes): a buffer, not a string, as a binary value holds NULs
    n = max(PATH_MAX, min(o.strsize + 1, MAX_BYTES))
    return (Capture("buf", "both", f"c{n}", n),)


syscall(
    "fsconfig",
    FD,
    XLAT(k.FSCONFIG_CMDS, "FSCONFIG_"),
    Arg(
        _fsconfig_key,
        lambda o: (Capture("str", "both", "-", min(o.strsize + 1, FSCONFIG_STR_MAX)),),
    ),
    Arg(_fsconfig_value, _value_capture),
    Arg(_fsconfig_aux, FD.captures),
)

# --- move_mount, open_tree, mount_setattr (move_mount.c, open_tree.c, mount_setattr.c) -

syscall("move_mount", DIRFD, PATH, DIRFD, PATH, FLAGS(k.MOVE_MOUNT_FLAGS, "MOVE_MOUNT_???"))
syscall("open_tree", DIRFD, PATH, FLAGS(k.OPEN_TREE_FLAGS, "OPEN_TREE_???"))

MOUNT_ATTR_SIZE = 32  # struct mount_attr: attr_set, attr_clr, propagation, userns_fd (u64)
PAGE_SIZE = 4096  # strace looks for nonzero bytes past the struct up to a page


def _mount_attr(c: Ctx, i: int) -> str:
    """``{attr_set=.., attr_clr=.., propagation=MS_SLAVE, userns_fd=9}``; a larger struct's
    further bytes (to a page) as ``???`` where unreadable, ``/* bytes 32..39 */ "\\x80.."``
    where any is not zero."""
    addr, size = c.a(i), c.a(4)
    m = c.mem(i)
    if size < MOUNT_ATTR_SIZE or not addr or m is None or len(m.data) < MOUNT_ATTR_SIZE:
        return ptr(addr)
    attr_set, attr_clr, propagation, userns_fd = struct.unpack_from("<4Q", m.data)
    o = c.opts
    parts = [
        f"attr_set={flags(attr_set, k.MOUNT_ATTR_ATTR, o, dflt='MOUNT_ATTR_???')}",
        f"attr_clr={flags(attr_clr, k.MOUNT_ATTR_ATTR, o, dflt='MOUNT_ATTR_???')}",
        f"propagation={xlat(propagation, k.MOUNT_ATTR_PROPAGATION, o, 'MS_')}",
        # (strace prints it as an fd where MOUNT_ATTR_IDMAP makes the kernel use it: the
        # same number, below INT_MAX)
        f"userns_fd={userns_fd}",
    ]
    tail = nonzero_tail(m.data, MOUNT_ATTR_SIZE, min(size, PAGE_SIZE), o.strsize)
    if tail is not None:
        parts.append(tail)
    return "{" + ", ".join(parts) + "}"


syscall(
    "mount_setattr",
    DIRFD,
    PATH,
    FLAGS(k.MOUNT_SETATTR_FLAGS, "AT_???"),
    Arg(_mount_attr, lambda o: (Capture("buf", "both", "a4", PAGE_SIZE),)),
    ULONG,
)

# --- fanotify_init, fanotify_mark (fanotify.c) -------------------------------------------

FAN_ALL_CLASS_BITS = 0xC


def _fan_init_flags(c: Ctx, i: int) -> str:
    """The class (``0xc /* FAN_CLASS_??? */`` when unknown), then the other flags."""
    v = u32(c.a(i))
    text = xlat(v & FAN_ALL_CLASS_BITS, k.FAN_CLASSES, c.opts, "FAN_CLASS_")
    rest = v & ~FAN_ALL_CLASS_BITS
    return f"{text}|{flags(rest, k.FAN_INIT_FLAGS, c.opts, dflt='FAN_???')}" if rest else text


syscall("fanotify_init", register_only(Arg(_fan_init_flags)), OFLAGS)

# fan_event_flags.in, in its order (FAN_ONDIR before FAN_EVENT_ON_CHILD).  Kept here, not
# in consts: FAN_DIR_MODIFY is strace's, in no released kernel's header.
FAN_EVENT_FLAGS = (
    (0x00000001, "FAN_ACCESS"),
    (0x00000002, "FAN_MODIFY"),
    (0x00000004, "FAN_ATTRIB"),
    (0x00000008, "FAN_CLOSE_WRITE"),
    (0x00000010, "FAN_CLOSE_NOWRITE"),
    (0x00000020, "FAN_OPEN"),
    (0x00000040, "FAN_MOVED_FROM"),
    (0x00000080, "FAN_MOVED_TO"),
    (0x00000100, "FAN_CREATE"),
    (0x00000200, "FAN_DELETE"),
    (0x00000400, "FAN_DELETE_SELF"),
    (0x00000800, "FAN_MOVE_SELF"),
    (0x00001000, "FAN_OPEN_EXEC"),
    (0x00004000, "FAN_Q_OVERFLOW"),
    (0x00008000, "FAN_FS_ERROR"),
    (0x00010000, "FAN_OPEN_PERM"),
    (0x00020000, "FAN_ACCESS_PERM"),
    (0x00040000, "FAN_OPEN_EXEC_PERM"),
    (0x00080000, "FAN_DIR_MODIFY"),
    (0x40000000, "FAN_ONDIR"),
    (0x08000000, "FAN_EVENT_ON_CHILD"),
    (0x10000000, "FAN_RENAME"),
)
FAN_NOFD = -1


def _fan_dirfd(c: Ctx, i: int) -> str | None:
    if s32(c.a(i)) == FAN_NOFD:
        return "-1" if c.opts.raw else "FAN_NOFD"
    return DIRFD.render(c, i)


syscall(
    "fanotify_mark",
    FD,
    FLAGS(k.FAN_MARK_FLAGS, "FAN_MARK_???"),
    FLAGS(FAN_EVENT_FLAGS, "FAN_???", bits32=False),  # the mask is a u64 on x86-64
    Arg(_fan_dirfd, DIRFD.captures),
    PATH,
)

# --- landlock_create_ruleset, landlock_add_rule, landlock_restrict_self (landlock.c) -----

RULESET_ATTR_SIZE = 8  # struct landlock_ruleset_attr: handled_access_fs (u64)
PATH_BENEATH_SIZE = 12  # struct landlock_path_beneath_attr (packed): u64 access, s32 fd
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1


def _access(c: Ctx, v: int) -> str:
    return flags(v, k.LANDLOCK_ACCESS_FS, c.opts, dflt="LANDLOCK_ACCESS_FS_???")


def _ruleset_attr(c: Ctx, i: int) -> str:
    """``{handled_access_fs=..}``, with ``, ...`` when the size says more follows; the
    address when the size is short of the field or the read failed."""
    addr, size = c.a(i), c.a(1)
    if size < RULESET_ATTR_SIZE:
        return ptr(addr)
    data = c.in_data(i, RULESET_ATTR_SIZE)
    if data is None:
        return ptr(addr)
    (access,) = struct.unpack_from("<Q", data)
    more = ", ..." if size > RULESET_ATTR_SIZE else ""
    return f"{{handled_access_fs={_access(c, access)}{more}}}"


def _ruleset_ret(c: Ctx) -> str:
    """A ruleset's fd (with -y its path), but the ABI version, a plain number, when
    LANDLOCK_CREATE_RULESET_VERSION asked for it (the table marks the call MAY_RETURN_FD,
    so this decides)."""
    assert c.ret is not None
    if c.opts.decode_fds and not u32(c.a(2)) & LANDLOCK_CREATE_RULESET_VERSION:
        return with_path(str(c.ret), c.exit_mem(ARG_RETFD), c.opts.fd_details, c.opts.hexstr)
    return str(c.ret)


syscall(
    "landlock_create_ruleset",
    Arg(_ruleset_attr, lambda o: (fixed(RULESET_ATTR_SIZE, "both"),)),
    ULONG,
    FLAGS(k.LANDLOCK_CREATE_RULESET_FLAGS, "LANDLOCK_CREATE_RULESET_???"),
    ret=_ruleset_ret,
)


def _rule_attr(c: Ctx, i: int) -> str:
    """A path-beneath rule as ``{allowed_access=.., parent_fd=3}``; any other rule type's
    attribute as its address."""
    data = c.in_data(i, PATH_BENEATH_SIZE) if u32(c.a(1)) == LANDLOCK_RULE_PATH_BENEATH else None
    if data is None:
        return ptr(c.a(i))
    access, parent_fd = struct.unpack_from("<Qi", data)
    return f"{{allowed_access={_access(c, access)}, parent_fd={parent_fd}}}"


syscall(
    "landlock_add_rule",
    FD,
    XLAT(k.LANDLOCK_RULE_TYPES, "LANDLOCK_RULE_"),
    Arg(_rule_attr, lambda o: (fixed(PATH_BENEATH_SIZE, "both"),)),
    HEX32,
)
syscall("landlock_restrict_self", FD, HEX32)

# --- name_to_handle_at, open_by_handle_at (file_handle.c) ---------------------------------

HANDLE_HEADER = 8  # struct file_handle: handle_bytes (u32), handle_type (int), f_handle[]
MAX_HANDLE_SZ = 128  # the most of f_handle strace shows
HANDLE_READ = HANDLE_HEADER + MAX_HANDLE_SZ
NAME_TO_HANDLE_FLAGS = ((0x400, "AT_SYMLINK_FOLLOW"), (0x1000, "AT_EMPTY_PATH"))


def _f_handle(d: bytes, handle_bytes: int) -> str:
    """The handle's bytes in hex, at most 128 (then ``...``); ``???`` where they could not
    be read."""
    n = min(handle_bytes, MAX_HANDLE_SZ)
    if len(d) < HANDLE_HEADER + n:
        return "???"
    return quote(d[HANDLE_HEADER : HANDLE_HEADER + n], True) + ("..." if handle_bytes > n else "")


def _handle_out(c: Ctx, i: int) -> str:
    """name_to_handle_at's handle: the size the caller gave (read at entry), and after the
    call the size, type and handle the kernel wrote (the size alone after EOVERFLOW, which
    says how large a handle would be)."""
    m = c.entry_mem(i)
    if not c.a(i) or m is None or len(m.data) < HANDLE_HEADER:
        return ptr(c.a(i))
    (given,) = struct.unpack_from("<I", m.data)
    text = f"{{handle_bytes={given}"
    x = c.exit_mem(i)
    overflow = c.ret == -75  # EOVERFLOW
    if (not c.failed or overflow) and x is not None and len(x.data) >= HANDLE_HEADER:
        size, kind = struct.unpack_from("<Ii", x.data)
        if size != given:
            text += f" => {size}"
        if not c.failed:
            text += f", handle_type={kind}, f_handle={_f_handle(x.data, size)}"
    return text + "}"


def _handle_in_out(o: DecodeOptions) -> tuple[Capture, ...]:
    return (fixed(HANDLE_READ, "entry"), fixed(HANDLE_READ, "exit"))


def _handle_in(c: Ctx, i: int) -> str:
    m = c.mem(i)
    if not c.a(i) or m is None or len(m.data) < HANDLE_HEADER:
        return ptr(c.a(i))
    size, kind = struct.unpack_from("<Ii", m.data)
    return f"{{handle_bytes={size}, handle_type={kind}, f_handle={_f_handle(m.data, size)}}}"


syscall(
    "name_to_handle_at",
    DIRFD,
    PATH,
    Arg(_handle_out, _handle_in_out),
    INT_OUT(),
    FLAGS(NAME_TO_HANDLE_FLAGS, "AT_???"),
)
syscall("open_by_handle_at", FD, Arg(_handle_in, lambda o: (fixed(HANDLE_READ, "both"),)), OFLAGS)
