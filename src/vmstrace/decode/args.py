"""The common argument kinds decoders are built from (ints, fds, paths, flags, buffers).

Each factory returns an :class:`Arg`; a family module composes a syscall's template
from these in one line.  Kinds needing guest memory declare their Captures here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..capture.spec import Capture, fixed
from ..core.abi import MAX_BYTES
from . import fdpath
from .consts.fs import AT_FDCWD
from .fmt import (
    Ctx,
    DecodeOptions,
    Xlat,
    buffer,
    cstring,
    flags,
    hexnum,
    octal,
    ptr,
    s32,
    s64,
    u32,
    xlat,
)
from .registry import Arg

PATH_MAX = 4096
# Renderers read their own argument as ``c.args[i]``: ``i`` is the argument's place in its
# template, and a template has at most six (tests/unit/test_hot_path.py checks), the
# registers Ctx.args always holds.


def _path_capture(opts: DecodeOptions) -> tuple[Capture, ...]:
    return (Capture("str", "both", "-", PATH_MAX),)


def _str_capture(opts: DecodeOptions) -> tuple[Capture, ...]:
    # one byte past -s tells whether the string goes on (strace prints "..." then)
    return (Capture("str", "both", "-", min(opts.strsize + 1, MAX_BYTES)),)


# --- plain numbers -------------------------------------------------------------------

INT = Arg(lambda c, i: str(s32(c.args[i])))  # C int (fds, pids, counts)
UINT = Arg(lambda c, i: str(u32(c.args[i])))  # unsigned int
LONG = Arg(lambda c, i: str(s64(c.args[i])))  # long, off_t, loff_t
ULONG = Arg(lambda c, i: str(c.args[i]))  # size_t, unsigned long
HEX = Arg(lambda c, i: hexnum(c.args[i]))  # undecoded: strace's %#lx
PTR = Arg(lambda c, i: ptr(c.args[i]))  # an address strace does not follow


# The renderers the compiled lane (_decoder.c) prints itself, by its K_* codes (the kind
# in the low byte, a parameter above): the numbers' text depends on the register alone
# (FD's and DIRFD's only without -y), the strings' and buffers' on the argument's memory
# too; tests/unit/test_lane.py holds the two to the same text.
PLAIN_KINDS: dict[Callable[[Ctx, int], str | None], int] = {
    PTR.render: 1,
    HEX.render: 2,
    ULONG.render: 3,
    INT.render: 4,
    UINT.render: 5,
    LONG.render: 6,
}


def _fd(c: Ctx, i: int) -> str:
    # the kernel reads an int: the register's low 32 bits, whatever is above them (the
    # plugin resolves the same fd)
    fd = s32(c.args[i])
    if fd < 0:  # refers to nothing (the plugin resolves -100 all the same, for the
        return str(fd)  # AT_FDCWD of a DIRFD)
    opts = c.opts
    text = str(fd)
    return (
        fdpath.with_path(text, c.entry_mem(i), opts.fd_details, opts.hexstr)
        if opts.decode_fds
        else text
    )


FD = Arg(_fd, fdpath.fd_capture)  # a file descriptor: `3`, with -y `3</etc/hostname>`
PLAIN_KINDS[_fd] = 7
_K_DIRFD, _K_MODE, _K_PATH, _K_STR, _K_WBUF, _K_RBUF, _K_REG, _K_STAT, _K_EXEC = range(8, 17)
_K_SKIP = 17
# The renderers the lane prints itself beyond the plain numbers and strings (compiled()):
# their kinds, by name; the struct and call kinds print as decode/*.py does.
COMPILED_KINDS = {
    "stat": _K_STAT,  # an OUT(STAT_SIZE, structs.stat) (a device's through the renderer)
    "exec": _K_EXEC,  # execve's program, argv, envp: the parameter 0, 1, 2
    "rlimit_in": 18,
    "rlimit_out": 18 | 1 << 8,
    "wait_status": 19,
    "clone": 20,
    "arch_prctl": 21,
    "rusage": 22,  # wait4's struct rusage, its size / 8 the parameter
    "dirents": 23,  # getdents' records, counted (files.py)
    "xattr_out": 24,  # an extended attribute's value, getxattr's and setxattr's
    "xattr_in": 24 | 1 << 8,
    "statx": 25,  # an OUT(STATX_SIZE, structs.statx)
}
_FORCE_HEX = 8  # the buffers' parameter bit (the WBUF's length argument below it)


def register_only(arg: Arg, also: int | None = None) -> Arg:
    """``arg``, whose text depends on its register and the run's options alone (a flag set,
    a value from a table), or on argument ``also``'s register too: the compiled lane keeps
    its texts per register values."""
    PLAIN_KINDS[arg.render] = _K_REG | (0 if also is None else also + 1) << 8
    return arg


HEX32 = register_only(Arg(lambda c, i: hexnum(u32(c.args[i]))))  # an unsigned int, %#x


def compiled(arg: Arg, kind: str, param: int = 0) -> Arg:
    """``arg``, whose renderer the compiled lane prints as it does (:data:`COMPILED_KINDS`:
    struct stat and statx, execve's, clone's, wait4's, the rlimit calls', arch_prctl's,
    getdents', an extended attribute's); ``param`` is the kind's (0..15)."""
    assert 0 <= param <= 15
    PLAIN_KINDS[arg.render] = COMPILED_KINDS[kind] | param << 8
    return arg


SKIP = Arg(lambda c, i: None)  # printed by another Arg of the same call (clone, futex)
PLAIN_KINDS[SKIP.render] = _K_SKIP


def _dirfd(c: Ctx, i: int) -> str:
    v = c.args[i]
    fd = v if v < 0x80000000 else s32(v)
    text = "AT_FDCWD" if fd == AT_FDCWD and not c.opts.raw else str(fd)
    if not c.opts.decode_fds:
        return text
    # -y: AT_FDCWD</tmp/w>, the working directory (the plugin walks task->fs->pwd)
    return fdpath.with_path(text, c.entry_mem(i), c.opts.fd_details, c.opts.hexstr)


DIRFD = Arg(_dirfd, lambda o: fdpath.fd_capture(o) if o.decode_fds else ())
PLAIN_KINDS[_dirfd] = _K_DIRFD
# strace reads a mode argument as an unsigned short (print_numeric_umode_t): bits past
# S_IFMT|07777 never print, so 037777600000 shows as ``000``
MODE = Arg(lambda c, i: octal(c.args[i] & 0xFFFF))
PLAIN_KINDS[MODE.render] = _K_MODE


def uid_text(v: int) -> str:
    """A uid_t/gid_t as strace's printuid: unsigned, except (uid_t) -1 ("no change")."""
    v &= 0xFFFFFFFF
    return "-1" if v == 0xFFFFFFFF else str(v)


UID = register_only(Arg(lambda c, i: uid_text(c.args[i])))


def _path(c: Ctx, i: int) -> str:
    return cstring(c.args[i], c.mem(i), None, c.opts.hexstr)


PATH = Arg(_path, _path_capture)  # paths are never cut by -s
PLAIN_KINDS[_path] = _K_PATH


def _str(c: Ctx, i: int) -> str:
    return cstring(c.args[i], c.mem(i), c.opts.strsize, c.opts.hexstr)


STR = Arg(_str, _str_capture)  # a string cut at -s (names, values)
PLAIN_KINDS[_str] = _K_STR


def FLAGS(table: Xlat, dflt: str = "", zero: str = "0", bits32: bool = True) -> Arg:  # noqa: N802
    """A bit set: ``A|B|0x40``; ``dflt`` is strace's comment for a value no name matches
    (``0x40 /* MSG_??? */``)."""

    def render(c: Ctx, i: int) -> str:
        v = u32(c.args[i]) if bits32 else c.args[i]
        return flags(v, table, c.opts, zero, dflt)

    return register_only(Arg(render))


def XLAT(table: Mapping[int, str], unknown: str = "", signed: bool = False) -> Arg:  # noqa: N802
    """One value from a table; ``unknown`` names the comment for unknown values."""

    def render(c: Ctx, i: int) -> str:
        v = s32(c.args[i]) if signed else u32(c.args[i])
        return xlat(v, table, c.opts, unknown)

    return register_only(Arg(render))


def WBUF(len_arg: int, force_hex: bool = False) -> Arg:  # noqa: N802
    """Data the caller passes in (write's buf), ``len_arg`` bytes long."""

    def render(c: Ctx, i: int) -> str:
        return buffer(c.args[i], c.mem(i), c.a(len_arg), c.opts.strsize, force_hex, c.opts.hexstr)

    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        # -s + 1 bytes: a fault at the byte past -s prints the address (fmt.buffer)
        return (Capture("buf", "both", f"a{len_arg}", min(opts.strsize + 1, MAX_BYTES)),)

    if 0 <= len_arg < 6:
        PLAIN_KINDS[render] = _K_WBUF | (len_arg | (_FORCE_HEX if force_hex else 0)) << 8
    return Arg(render, captures)


def RBUF(force_hex: bool = False) -> Arg:  # noqa: N802
    """Data the kernel fills (read's buf); its length is the return value."""

    def render(c: Ctx, i: int) -> str:
        if c.failed or c.ret is None:
            return ptr(c.args[i])
        return buffer(c.args[i], c.exit_mem(i), c.ret, c.opts.strsize, force_hex, c.opts.hexstr)

    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        return (Capture("buf", "exit", "ret", min(opts.strsize + 1, MAX_BYTES)),)

    PLAIN_KINDS[render] = _K_RBUF | (_FORCE_HEX if force_hex else 0) << 8
    return Arg(render, captures)


def OUTSTR() -> Arg:
    """A string the kernel fills (getcwd, readlink); ``ret`` bytes, path-like."""

    def render(c: Ctx, i: int) -> str:
        if c.failed or c.ret is None:
            return ptr(c.args[i])
        m = c.exit_mem(i)
        if m is None or (m.fault and not m.data):
            return ptr(c.args[i])
        return buffer(c.args[i], m, c.ret, PATH_MAX, hexstr=c.opts.hexstr)

    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        return (Capture("buf", "exit", "ret", PATH_MAX),)

    return Arg(render, captures)


StructFmt = Callable[[Ctx, bytes], str]


def OUT(size: int, fmt: StructFmt) -> Arg:  # noqa: N802
    """A struct the kernel fills: shown from exit memory when the call succeeded."""

    def render(c: Ctx, i: int) -> str:
        data = c.out_data(i, size)
        return ptr(c.args[i]) if data is None else fmt(c, data)

    return Arg(render, lambda opts: (fixed(size, "exit"),))


def IN(size: int, fmt: StructFmt) -> Arg:  # noqa: N802
    """A struct the caller passes: shown from entry memory (re-read at exit when the entry
    read faulted: a page not yet faulted in)."""

    def render(c: Ctx, i: int) -> str:
        data = c.in_data(i, size)
        return ptr(c.args[i]) if data is None else fmt(c, data)

    return Arg(render, lambda opts: (fixed(size, "both"),))


def INOUT(size: int, fmt: StructFmt) -> Arg:  # noqa: N802
    """A struct read and written back (the exit value is shown when it exists)."""

    def render(c: Ctx, i: int) -> str:
        if not c.args[i]:
            return "NULL"
        m = c.mem(i)
        if m is None or len(m.data) < size:
            return ptr(c.args[i])
        return fmt(c, m.data[:size])

    return Arg(render, lambda opts: (fixed(size, "both"),))


def INT_OUT() -> Arg:
    """An int the kernel stores through a pointer, shown as ``[42]``."""
    return OUT(4, lambda c, d: f"[{s32(int.from_bytes(d[:4], 'little'))}]")


def FD_PAIR() -> Arg:  # noqa: N802
    """The two fds a call stores (pipe2, socketpair): ``[3, 4]``, with -y
    ``[3<pipe:[10475]>, 4<pipe:[10475]>]`` (the plugin resolves them at exit)."""

    def render(c: Ctx, i: int) -> str:
        d = c.out_data(i, 8)
        if d is None:
            return ptr(c.args[i])
        fds = (s32(int.from_bytes(d[:4], "little")), s32(int.from_bytes(d[4:8], "little")))
        return fdpath.fd_array(fds, c.exit_mem(i), c.opts)

    return Arg(render, lambda opts: (fixed(8, "exit"), *fdpath.fd_array_capture(opts, 2)))


def ret_hex(c: Ctx) -> str:
    assert c.ret is not None
    return hexnum(c.ret & ((1 << 64) - 1))


def ret_octal(c: Ctx) -> str:
    assert c.ret is not None
    return octal(c.ret)
