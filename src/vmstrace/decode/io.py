"""Data transfer and readiness syscalls: read/write and their vector forms, poll, select,
ioctl.

Buffers print as quoted strings cut at ``-s``; arrays (iovec, pollfd) print at most
``-s`` elements, then ``...``, as strace's print_array does.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..capture.spec import Capture, When, fixed
from ..core.abi import INDEX_TOP, MAX_BYTES, MAX_ELEMS, MAX_FDLIST
from ..core.events import Mem
from . import fdpath
from .args import (
    FD,
    FLAGS,
    IN,
    INT,
    LONG,
    RBUF,
    SKIP,
    UINT,
    ULONG,
    WBUF,
    XLAT,
    StructFmt,
    register_only,
)
from .consts import ioctl as ioc
from .consts import net, proc
from .fmt import (
    Ctx,
    DecodeOptions,
    array,
    buffer,
    char_array,
    flags,
    hexnum,
    ptr,
    quote,
    s32,
    s64,
    u32,
    xlat,
)
from .inet import ifindex
from .registry import Arg, Captures, RetRender, syscall
from .sockaddr import sockaddr
from .structs import (
    TIMESPEC_SIZE,
    TIMEVAL_SIZE,
    entry_struct,
    sigset,
    timespec,
    timespec_in,
    timeval,
)

syscall("read", FD, RBUF(), ULONG)
syscall("write", FD, WBUF(2), ULONG)
syscall("pread64", FD, RBUF(), ULONG, LONG)
syscall("pwrite64", FD, WBUF(2), ULONG, LONG)


IOV_MAX_COUNT = 1 << 59  # more elements than the address space holds: strace's address

# --- iovec arrays --------------------------------------------------------------------


def iovec_array(
    c: Ctx,
    addr: int,
    m: Mem | None,
    count: int,
    budget: int | None,
    word: int = 8,
    addrs: bool = False,
) -> str:
    """``[{iov_base="hello", iov_len=5}, ...]`` from an ``iov`` capture of the array at addr.

    ``m.data`` is the raw ``struct iovec`` array; ``m.elems`` the element buffers.
    ``budget`` is how many bytes in total carry data (readv: the return value).
    ``word`` is the size of iov_base and iov_len: 8, or 4 for an i386 caller.
    ``addrs``: show each iov_base as an address, not its data (strace's iov_decode_addr).
    """
    if not addr:
        return "NULL"
    if count == 0:  # print_array reads nothing
        return "[]"
    size = 2 * word
    if m is None or len(m.data) < size * min(count, 1):
        return ptr(addr)
    limit = c.opts.strsize
    out = []
    n = min(count, len(m.data) // size)
    # the plugin reads no buffer for a NULL iov_base: find elements by their number
    numbered = {e.index: e for e in m.elems if e.index != INDEX_TOP}
    for k in range(n):
        if k >= limit:
            out.append("...")
            break
        base, length = struct.unpack_from("<QQ" if word == 8 else "<II", m.data, size * k)
        if numbered:
            elem = numbered.get(k)
        else:
            elem = m.elems[k] if k < len(m.elems) else None
        shown = length if budget is None else max(0, min(length, budget))
        if budget is not None:
            budget -= shown
        shown_base = ptr(base) if addrs else buffer(base, elem, shown, limit, hexstr=c.opts.hexstr)
        out.append(f"{{iov_base={shown_base}, iov_len={length}}}")
    else:
        if n < count:  # print_array: an element it could not read shows its address
            out.append(f"... /* {ptr(addr + size * n)} */" if m.fault else "...")
    return "[" + ", ".join(out) + "]"


def iov_caps(when: When) -> Captures:
    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        cap = min(max(opts.strsize, 1), MAX_ELEMS)
        return (Capture("iov", when, "a2", cap, min(opts.strsize + 1, MAX_BYTES)),)

    return captures


def _writev(c: Ctx, i: int) -> str:
    return iovec_array(c, c.a(i), c.mem(i), s32(c.a(2)), None)


def _readv(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:  # strace's IOV_DECODE_ADDR: each iov_base's address
        return iovec_array(
            c, c.a(i), c.exit_mem(i) or c.entry_mem(i), s32(c.a(2)), None, addrs=True
        )
    return iovec_array(c, c.a(i), c.exit_mem(i), s32(c.a(2)), c.ret)


WIOV = Arg(_writev, iov_caps("both"))
RIOV = Arg(_readv, iov_caps("exit"))

syscall("readv", FD, RIOV, INT)
syscall("writev", FD, WIOV, INT)
syscall("preadv", FD, RIOV, INT, LONG)
syscall("pwritev", FD, WIOV, INT, LONG)
# preadv2/pwritev2: the offset comes in pos_l (x86_64: the whole of it) and pos_h, which
# strace does not print; vlen as an unsigned long, the flags by name (rwf_flags.in)
RWF_FLAGS = (
    (0x1, "RWF_HIPRI"),
    (0x2, "RWF_DSYNC"),
    (0x4, "RWF_SYNC"),
    (0x8, "RWF_NOWAIT"),
    (0x10, "RWF_APPEND"),
)  # linux/fs.h; RWF_NOAPPEND (6.9) is past strace 6.1
RWF = FLAGS(RWF_FLAGS, "RWF_???")


def _iov2(read: bool) -> Arg:
    """The iovecs, counted by vlen as an unsigned long: a count whose array would pass the
    end of the address space prints as the address (print_array's overflow check)."""

    def render(c: Ctx, i: int) -> str:
        count = c.a(2)
        if count > IOV_MAX_COUNT:
            return ptr(c.a(i))
        if not read:
            return iovec_array(c, c.a(i), c.mem(i), count, None)
        if c.failed or c.ret is None:
            return iovec_array(c, c.a(i), c.exit_mem(i) or c.entry_mem(i), count, None, addrs=True)
        return iovec_array(c, c.a(i), c.exit_mem(i), count, c.ret)

    return Arg(render, iov_caps("exit" if read else "both"))


syscall("preadv2", FD, _iov2(True), ULONG, LONG, SKIP, RWF)
syscall("pwritev2", FD, _iov2(False), ULONG, LONG, SKIP, RWF)


# --- process_vm_readv / process_vm_writev --------------------------------------------

# The local iovecs show their data (what was read: at exit, up to the return value; what
# is written: at entry); the remote ones, in the other process, their addresses only.
# strace prints the counts and flags as unsigned longs.


def _remote_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    return (Capture("iov", "both", "a4", min(max(opts.strsize, 1), MAX_ELEMS), 0),)


def vm_iov_args(word: int) -> tuple[Arg, Arg, Arg]:
    """process_vm_readv's local iovecs, process_vm_writev's, and the remote ones, for
    iovecs of ``word``-byte fields (4: an i386 caller, whose counts never overflow)."""

    def iov(c: Ctx, i: int, m: Mem | None, budget: int | None, addrs: bool) -> str:
        count = c.a(i + 1)
        if count > IOV_MAX_COUNT:
            return ptr(c.a(i))
        return iovec_array(c, c.a(i), m, count, budget, word=word, addrs=addrs)

    def read_local(c: Ctx, i: int) -> str:
        if c.failed or c.ret is None:
            return iov(c, i, c.exit_mem(i) or c.entry_mem(i), None, True)
        return iov(c, i, c.exit_mem(i), c.ret, False)

    return (
        Arg(read_local, iov_caps("exit")),
        Arg(lambda c, i: iov(c, i, c.mem(i), None, False), iov_caps("both")),
        Arg(lambda c, i: iov(c, i, c.mem(i), None, True), _remote_caps),
    )


VM_READ_LOCAL, VM_WRITE_LOCAL, VM_REMOTE = vm_iov_args(8)
syscall("process_vm_readv", INT, VM_READ_LOCAL, ULONG, VM_REMOTE, ULONG, ULONG)
syscall("process_vm_writev", INT, VM_WRITE_LOCAL, ULONG, VM_REMOTE, ULONG, ULONG)


# --- sendfile ------------------------------------------------------------------------


def _offset_inout(c: Ctx, i: int) -> str:
    """``[0]`` at entry, ``[0] => [4096]`` once the kernel advanced it: strace's sendfile64
    prints the offset unsigned, and again only after a call that moved something."""
    if not c.a(i):
        return "NULL"
    before = c.entry_mem(i)
    after = c.exit_mem(i)
    if before is None or len(before.data) < 8:
        return ptr(c.a(i))
    text = f"[{int.from_bytes(before.data[:8], 'little')}]"
    if not c.failed and c.ret and after is not None and len(after.data) >= 8:
        text += f" => [{int.from_bytes(after.data[:8], 'little')}]"
    return text


OFFSET_INOUT = Arg(_offset_inout, lambda opts: (fixed(8, "entry"), fixed(8, "exit")))
syscall("sendfile", FD, FD, OFFSET_INOUT, ULONG)


def _offset_in(c: Ctx, i: int) -> str:
    """copy_file_range's offsets: ``[2]``, as passed in (strace prints them at entry)."""
    if not c.a(i):
        return "NULL"
    m = c.mem(i)
    if m is None or len(m.data) < 8:
        return ptr(c.a(i))
    return f"[{s64(int.from_bytes(m.data[:8], 'little'))}]"


OFFSET_IN = Arg(_offset_in, lambda opts: (fixed(8, "both"),))
syscall("copy_file_range", FD, OFFSET_IN, FD, OFFSET_IN, ULONG, UINT)

# linux/fcntl.h SPLICE_F_* (strace's splice_flags.in); splice/tee print at entry
SPLICE_FLAGS = FLAGS(
    (
        (0x1, "SPLICE_F_MOVE"),
        (0x2, "SPLICE_F_NONBLOCK"),
        (0x4, "SPLICE_F_MORE"),
        (0x8, "SPLICE_F_GIFT"),
    ),
    "SPLICE_F_???",
)
syscall("splice", FD, OFFSET_IN, FD, OFFSET_IN, ULONG, SPLICE_FLAGS)
syscall("tee", FD, FD, ULONG, SPLICE_FLAGS)
# vmsplice.c: the iovecs as writev's (what it maps into the pipe), their count, the flags
syscall("vmsplice", FD, WIOV, ULONG, SPLICE_FLAGS)


# --- poll ----------------------------------------------------------------------------

POLL_CAP = 64  # pollfd entries read (8 bytes each); strace prints at most -s of them


def _pollfds(c: Ctx, d: bytes, count: int, want_revents: bool) -> str:
    items = []
    n = min(count, len(d) // 8)
    for k in range(n):
        if k >= c.opts.strsize:
            items.append("...")
            break
        fd, events, revents = struct.unpack_from("<ihh", d, 8 * k)
        if want_revents:
            if revents:
                items.append(
                    f"{{fd={fd}, revents={flags(revents & 0xFFFF, proc.POLL_EVENTS, c.opts)}}}"
                )
        elif fd < 0:  # the kernel ignores the entry: strace shows the fd alone
            items.append(f"{{fd={fd}}}")
        else:
            ev = flags(events & 0xFFFF, proc.POLL_EVENTS, c.opts, dflt="POLL???")
            items.append(f"{{fd={fd}, events={ev}}}")
    return "[" + ", ".join(items) + "]"


def _poll_arg(c: Ctx, i: int) -> str:
    # -y: what the fds of the entries referred to at entry, by fd (the element at place k
    # is the file of the fd the entry read held there): a printed fd another thread put
    # in the array since then has none
    entry = c.entry_mem(i) if c.opts.decode_fds else None
    files = {}
    if entry is not None:
        for e in entry.elems:
            if 8 * e.index + 4 <= len(entry.data):
                files[s32(int.from_bytes(entry.data[8 * e.index : 8 * e.index + 4], "little"))] = e

    def pollfd(d: bytes) -> str:
        fd, events = struct.unpack_from("<ih", d)
        if fd < 0:  # the kernel ignores the entry: strace shows the fd alone
            return f"{{fd={fd}}}"
        shown = str(fd)
        if fd in files:
            shown = fdpath.with_path(shown, files[fd], c.opts.fd_details, c.opts.hexstr)
        ev = flags(events & 0xFFFF, proc.POLL_EVENTS, c.opts, dflt="POLL???")
        return f"{{fd={shown}, events={ev}}}"

    return array(c.a(i), c.mem(i), u32(c.a(1)), 8, c.opts.strsize, pollfd)


def _poll_captures(opts: DecodeOptions) -> tuple[Capture, ...]:
    out: tuple[Capture, ...] = (fixed(8 * POLL_CAP, "exit"),)
    if opts.decode_fds:
        # -y: the fds' files at entry, attached to an entry read of the array (a record's
        # elements attach to their argument's own read); as many as strace prints (-s)
        cap = max(1, min(POLL_CAP, opts.strsize))
        out += (fixed(8 * cap, "entry"), Capture("fdarr", "entry", "a1", cap, 8))
    return out


POLLFDS = Arg(_poll_arg, _poll_captures)


def _poll_ret(c: Ctx) -> str:
    assert c.ret is not None
    if c.ret == 0:
        return "0 (Timeout)"
    m = c.exit_mem(0)
    if m is None or not m.data:
        return str(c.ret)
    return f"{c.ret} ({_pollfds(c, m.data, u32(c.a(1)), True)})"


syscall("poll", POLLFDS, UINT, INT, ret=_poll_ret)  # nfds: the kernel's unsigned int


def _ppoll_ret(c: Ctx) -> str:
    assert c.ret is not None
    left = c.exit_mem(2)
    tail = ""
    if c.a(2) and left is not None and len(left.data) >= TIMESPEC_SIZE:
        tail = f"left {timespec(c, left.data)}"
    if c.ret == 0:
        return "0 (Timeout)"
    m = c.exit_mem(0)
    head = _pollfds(c, m.data, u32(c.a(1)), True) if m is not None and m.data else ""
    parts = [p for p in (head, tail) if p]
    return f"{c.ret} ({', '.join(parts)})" if parts else str(c.ret)


def _sigset_entry(c: Ctx, i: int) -> str:
    """A sigset_t followed by its size (ppoll, epoll_pwait): strace's
    print_sigset_addr_len shows the address unless the size is the kernel's 8 bytes."""
    if not c.a(i):
        return "NULL"
    if c.a(i + 1) != 8:
        return ptr(c.a(i))
    m = c.mem(i)
    if m is None or len(m.data) < 8:
        return ptr(c.a(i))
    return sigset(c, m.data)


TS_ENTRY_EXIT = Arg(
    timespec_in, lambda opts: (fixed(TIMESPEC_SIZE, "entry"), fixed(TIMESPEC_SIZE, "exit"))
)
SIGSET_ENTRY = Arg(_sigset_entry, lambda opts: (fixed(8, "both"),))
syscall("ppoll", POLLFDS, UINT, TS_ENTRY_EXIT, SIGSET_ENTRY, ULONG, ret=_ppoll_ret)


# --- select --------------------------------------------------------------------------

# strace reads each set as nfds bits rounded up to whole longs (decode_select: nfds capped
# at 1024*1024) and prints the address when that read fails.  The capture takes nfds
# *bytes* (the one length the spec can take from an argument), at least the bits' words
# from nfds = 8 on, capped at FDSET_CAP (65536 fds); a fault keeps the readable prefix,
# which tells whether the words strace reads were readable.
FDSET_CAP = 8192
FDSET_MAX_FDS = 1024 * 1024
SELECT_OUTSTR = 1024  # strace's static buffer for the returned sets (decode_select)


def _nfds(c: Ctx) -> int:
    return max(0, min(s32(c.a(0)), FDSET_MAX_FDS))


def _fdset_words(c: Ctx, m: Mem | None, nfds: int) -> bytes | None:
    """The set as strace reads it, None when that read would fail."""
    if m is None:
        return None
    need = ((nfds + 7) // 8 + 7) & ~7
    if len(m.data) < need and m.fault:
        return None
    return m.data[:need] if m.data or not need else None


def _set_fds(data: bytes, nfds: int) -> list[int]:
    nfds = min(nfds, len(data) * 8)
    bits = int.from_bytes(data[: (nfds + 7) // 8], "little") & ((1 << nfds) - 1)
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


def _fdset_arg(c: Ctx, i: int) -> str:
    """A set as passed in; its address when nfds is not positive (strace reads no set
    then) or the words strace reads are not all readable."""
    nfds = _nfds(c)
    if not c.a(i):
        return "NULL"
    m = c.entry_mem(i)
    data = _fdset_words(c, m, nfds) if nfds else None
    if data is None:
        return ptr(c.a(i))
    fds = _set_fds(data, nfds)
    if c.opts.decode_fds and m is not None and m.elems:
        # -y: strace's printfd on each; the plugin resolved the first FDSET_PATHS set fds
        # at entry, each element indexed by its fd
        found = {e.index: e for e in m.elems}
        return (
            "["
            + " ".join(
                fdpath.with_path(str(fd), found.get(fd), c.opts.fd_details, c.opts.hexstr)
                for fd in fds
            )
            + "]"
        )
    return "[" + " ".join(map(str, fds)) + "]"


FDSET_PATHS = MAX_FDLIST  # set fds whose files -y shows (the rest: bare numbers)


def _fdset_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    caps: tuple[Capture, ...] = (
        Capture("buf", "entry", "a0", FDSET_CAP),
        Capture("buf", "exit", "a0", FDSET_CAP),
    )
    if opts.decode_fds:
        caps += (Capture("fdbits", "entry", "a0", FDSET_PATHS),)
    return caps


FDSET = Arg(_fdset_arg, _fdset_caps)


def _select_ret(size: int, fmt: StructFmt) -> RetRender:
    """strace's text for the sets select returned, quirks included: it stops after
    ``ret`` fds, skips fds once its 1024-byte buffer is nearly full, and closes a
    bracket after every set it reads once something was written (``in [3]]``)."""

    def render(c: Ctx) -> str:
        assert c.ret is not None
        if c.ret == 0:
            return "0 (Timeout)"
        nfds = _nfds(c)
        ready = c.ret
        out = ""
        sep = ""
        for name, k in (("in", 1), ("out", 2), ("except", 3)):
            if ready <= 0:
                break
            data = _fdset_words(c, c.exit_mem(k), nfds) if c.a(k) else None
            if data is None:
                continue
            first = True
            for fd in _set_fds(data, nfds):
                if len(out) < SELECT_OUTSTR - (len(", except [") + 1 + 12 + 2):
                    if first:
                        out += f"{sep}{name} [{fd}"
                        first, sep = False, ", "
                    else:
                        out += f" {fd}"
                ready -= 1
                if ready == 0:
                    break
            if out:
                out += "]"
        if c.a(4):
            t = c.exit_mem(4)
            left = fmt(c, t.data) if t is not None and len(t.data) >= size else ptr(c.a(4))
            if len(out) + len("left ") + 1 + len(sep) + len(left) < SELECT_OUTSTR:
                out += f"{sep}left {left}"
        return f"{c.ret} ({out})"

    return render


def _tv_entry(c: Ctx, i: int) -> str:
    return entry_struct(c, i, TIMEVAL_SIZE, timeval)


TV_ENTRY_EXIT = Arg(
    _tv_entry, lambda opts: (fixed(TIMEVAL_SIZE, "entry"), fixed(TIMEVAL_SIZE, "exit"))
)
syscall(
    "select",
    INT,
    FDSET,
    FDSET,
    FDSET,
    TV_ENTRY_EXIT,
    ret=_select_ret(TIMEVAL_SIZE, timeval),
)


def _pselect_sigmask(c: Ctx, i: int) -> str:
    """``{sigmask=[], sigsetsize=8}``: pselect6's {const sigset_t *ss; size_t ss_len}.

    The pair has struct iovec's layout, so an ``iov`` capture of one element reads both
    the pair and the sigset it points to.
    """
    if not c.a(i):
        return "NULL"
    m = c.mem(i)
    if m is None or len(m.data) < 16:
        return ptr(c.a(i))
    ss, size = struct.unpack_from("<QQ", m.data)
    shown = ptr(ss)
    elem = m.elems[0] if m.elems else None
    if ss and size == 8 and elem is not None and len(elem.data) >= 8:
        shown = sigset(c, elem.data)
    return f"{{sigmask={shown}, sigsetsize={size}}}"


syscall(
    "pselect6",
    INT,
    FDSET,
    FDSET,
    FDSET,
    TS_ENTRY_EXIT,
    Arg(_pselect_sigmask, lambda opts: (Capture("iov", "both", "c1", 1, 8),)),
    ret=_select_ret(TIMESPEC_SIZE, timespec),
)


# --- ioctl ---------------------------------------------------------------------------

_NO_ARG = frozenset({0x5450, 0x5451, 0x5422, 0x540C, 0x540D, 0x5427, 0x5428})


def ioctl_request(code: int, c: Ctx) -> str:
    code = u32(code)
    name = ioc.IOCTLS.get(code)
    if name is not None and not c.opts.raw:
        return name
    if c.opts.raw:
        return hexnum(code)
    d = ioc.IOC_DIRS[(code >> 30) & 3]
    fields = (code >> 8) & 0xFF, code & 0xFF, (code >> 16) & 0x3FFF  # type, nr, size
    return f"_IOC({d}, {', '.join(map(hexnum, fields))})"  # (C's %#x: 0 for zero)


def _winsize(d: bytes) -> str:
    row, col, xp, yp = struct.unpack_from("<HHHH", d)
    return f"{{ws_row={row}, ws_col={col}, ws_xpixel={xp}, ws_ypixel={yp}}}"


# TIOCMGET, TIOCMBIS, TIOCMBIC, TIOCMSET: an int of modem lines (strace's modem_flags.in,
# x86's values)
MODEM_REQUESTS = frozenset({0x5415, 0x5416, 0x5417, 0x5418})
MODEM_FLAGS = (
    (0x001, "TIOCM_LE"),
    (0x002, "TIOCM_DTR"),
    (0x004, "TIOCM_RTS"),
    (0x008, "TIOCM_ST"),
    (0x010, "TIOCM_SR"),
    (0x020, "TIOCM_CTS"),
    (0x040, "TIOCM_CAR"),
    (0x080, "TIOCM_RNG"),
    (0x100, "TIOCM_DSR"),
    (0x2000, "TIOCM_OUT1"),
    (0x4000, "TIOCM_OUT2"),
    (0x8000, "TIOCM_LOOP"),
)


# --- terminals (strace's term.c) ---
# struct termios (36 bytes: four u32 flag words, c_line, c_cc[19]), termio (18: four u16
# words, c_line, c_cc[8]) and termios2 (44: termios with the two speeds)
TERMIOS_GET = frozenset({0x5401, 0x5456})  # TCGETS, TIOCGLCKTRMIOS: filled by the kernel
TERMIOS_SET = frozenset({0x5402, 0x5403, 0x5404, 0x5457})  # TCSETS*, TIOCSLCKTRMIOS
TERMIO_GET, TERMIO_SET = frozenset({0x5405}), frozenset({0x5406, 0x5407, 0x5408})
TERMIOS2_GET, TERMIOS2_SET = (
    frozenset({0x802C542A}),
    frozenset({0x402C542B, 0x402C542C, 0x402C542D}),
)
TERM_GET = TERMIOS_GET | TERMIO_GET | TERMIOS2_GET
_TERM_SIZE = {
    **dict.fromkeys(TERMIOS_GET | TERMIOS_SET, 36),
    **dict.fromkeys(TERMIO_GET | TERMIO_SET, 18),
    **dict.fromkeys(TERMIOS2_GET | TERMIOS2_SET, 44),
}
TCSBRK, TCXONC, TCFLSH, TIOCSCTTY, TCSBRKP, TIOCSTI = 0x5409, 0x540A, 0x540B, 0x540E, 0x5425, 0x5412


def _oflag(c: Ctx, v: int) -> str:
    """NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR: each delay field, then the flags left."""
    parts = []
    for mask, names in ioc.TERM_ODELAYS:  # (every value of each field has a name)
        parts.append(xlat(v & mask, names, c.opts, "?"))
        v &= ~mask
    parts.append(flags(v, ioc.TERM_OFLAGS, c.opts))
    return "|".join(parts)


def _cflag(c: Ctx, v: int) -> str:
    """B38400|CS8|CREAD: the output speed, the input speed when set (B9600<<IBSHIFT), the
    character size, then the flags left."""
    parts = [xlat(v & ioc.CBAUD, ioc.BAUDS, c.opts, "B")]
    if v & ioc.CIBAUD:
        parts.append(xlat((v & ioc.CIBAUD) >> ioc.IBSHIFT, ioc.BAUDS, c.opts, "B") + "<<IBSHIFT")
    parts.append(xlat(v & ioc.CSIZE, ioc.CSIZES, c.opts, "CS"))
    parts.append(flags(v & ~(ioc.CBAUD | ioc.CIBAUD | ioc.CSIZE), ioc.TERM_CFLAGS, c.opts))
    return "|".join(parts)


def _termios(c: Ctx, d: bytes, size: int) -> str:
    """``{c_iflag=ICRNL|IXON, c_oflag=..., c_cflag=..., c_lflag=..., ...}`` (strace's
    abbreviated form: c_line, c_cc and the speeds are the ``...``)."""
    iflag, oflag, cflag, lflag = struct.unpack_from("<4H" if size == 18 else "<4I", d)
    return (
        f"{{c_iflag={flags(iflag, ioc.TERM_IFLAGS, c.opts)}, c_oflag={_oflag(c, oflag)}, "
        f"c_cflag={_cflag(c, cflag)}, c_lflag={flags(lflag, ioc.TERM_LFLAGS, c.opts)}, ...}}"
    )


def _term_arg(c: Ctx, i: int, req: int) -> str:
    size = _TERM_SIZE[req]
    if req in TERM_GET:
        d = c.out_data(i, size)
    else:  # what the caller passed; the exit's read should the entry's have faulted (as
        # every input's: the kernel does not write a TCSETS struct)
        m = c.entry_mem(i)
        if m is None or len(m.data) < size:
            m = c.exit_mem(i)
        d = None if m is None or len(m.data) < size else m.data[:size]
    return ptr(c.a(i)) if d is None else _termios(c, d, size)


def _term_value(c: Ctx, req: int, v: int) -> str:
    """The requests whose argument is a value: an int, or TCXONC's and TCFLSH's action."""
    if req == TCXONC:
        return xlat(v, ioc.TCXONC_OPTIONS, c.opts, "TC")
    if req == TCFLSH:
        return xlat(v, ioc.TCFLSH_OPTIONS, c.opts, "TC")
    return str(s32(v))


def _int_word(c: Ctx, req: int, d: bytes) -> str:
    v = int.from_bytes(d[:4], "little")
    if req in MODEM_REQUESTS:
        return f"[{flags(v, MODEM_FLAGS, c.opts, dflt='TIOCM_???')}]"
    return f"[{s32(v)}]"


def _ioctl_arg(c: Ctx, i: int) -> str | None:
    req = u32(c.a(1))
    v = c.a(i)
    if req in _NO_ARG:
        return None
    if req in (TCSBRK, TCXONC, TCFLSH, TIOCSCTTY, TCSBRKP):
        return _term_value(c, req, v)
    if not v and req in ioc.IOCTLS and req not in ioc.ARG_AS_NUMBER:
        return "NULL"
    if req in _TERM_SIZE:
        return _term_arg(c, i, req)
    if req == TIOCSTI:  # the one character to push into the input queue
        m = c.entry_mem(i)
        return ptr(v) if m is None or not m.data else quote(m.data[:1], hexstr=c.opts.hexstr)
    if req in ioc.INT_OUT or req == ioc.TIOCGWINSZ:
        d = c.out_data(i, 8 if req == ioc.TIOCGWINSZ else 4)
        if d is None:
            return ptr(v)
        return _winsize(d) if req == ioc.TIOCGWINSZ else _int_word(c, req, d)
    if req in ioc.INT_IN or req == ioc.TIOCSWINSZ:
        m = c.entry_mem(i)
        size = 8 if req == ioc.TIOCSWINSZ else 4
        if m is None or len(m.data) < size:
            return ptr(v)
        d = m.data[:size]
        return _winsize(d) if size == 8 else _int_word(c, req, d)
    if req in _IFREQ_GET or req in _IFREQ_SET or req == SIOCGIFNAME:
        return _ifreq(c, i, req)
    if req in (SIOCBRADDBR, SIOCBRDELBR):
        return _bridge_name(c, i)
    if req in (SIOCBRADDIF, SIOCBRDELIF):  # an interface into or out of a bridge
        m = c.entry_mem(i)
        if m is None or len(m.data) < _ifreq_size(c):
            return ptr(v)
        index = int.from_bytes(m.data[IFNAMSIZ : IFNAMSIZ + 4], "little")
        return f"{{ifr_ifindex={index if c.opts.raw else ifindex(index)}}}"
    if req in ioc.INT_VALUE:
        return str(s32(v))
    return hexnum(v)


IFREQ_SIZE = 40  # linux/if.h struct ifreq: ifr_name[IFNAMSIZ] + a 24-byte union
IOCTL_READ = 44  # what the plugin reads at the argument: the largest struct decoded (termios2)
IFNAMSIZ = 16


def _ifr_int(c: Ctx, d: bytes) -> str:
    return str(s32(int.from_bytes(d[:4], "little")))


def _ifr_flags(c: Ctx, d: bytes) -> str:
    return flags(int.from_bytes(d[:2], "little"), net.IFF_FLAGS, c.opts, dflt="IFF_???")


def _ifr_addr(c: Ctx, d: bytes) -> str:
    return sockaddr(c, d[:16])


def _ifr_hwaddr(c: Ctx, d: bytes) -> str:
    """``{sa_family=ARPHRD_ETHER, sa_data=52:54:00:12:34:56}``: as many of sa_data's 14
    bytes as the hardware type's addresses have (strace's print_mac.c); -X raw: all 14."""
    hatype = int.from_bytes(d[:2], "little")
    family = xlat(hatype, net.ARP_HARDWARE_TYPES, c.opts, "ARPHRD_")
    data = d[2:16]
    if c.opts.raw:
        return f"{{sa_family={family}, sa_data={quote(data, True)}}}"
    size = net.HWADDR_SIZES.get(hatype, 14)
    return f"{{sa_family={family}, sa_data={':'.join(f'{b:02x}' for b in data[:size])}}}"


def _ifr_map(c: Ctx, d: bytes) -> str:
    """struct ifmap: mem_start and mem_end are the caller's longs (_ifreq read the whole
    struct ifreq of the caller's ABI, which holds it)."""
    fmt = "<IIHBBB" if c.call.entry.abi == "i386" else "<QQHBBB"
    start, end, base, irq, dma, port = struct.unpack_from(fmt, d)
    return (
        f"{{mem_start={hexnum(start)}, mem_end={hexnum(end)}, base_addr={hexnum(base)}, "
        f"irq={hexnum(irq)}, dma={hexnum(dma)}, port={hexnum(port)}}}"
    )


def _ifr_name(c: Ctx, d: bytes) -> str:
    """A name of IFNAMSIZ bytes, as strace's print_quoted_cstring shows it."""
    return char_array(d[:IFNAMSIZ], c.opts.hexstr)


def _bridge_name(c: Ctx, i: int) -> str:
    """A bridge's name, as strace's printstr_ex shows a string of at most IFNAMSIZ bytes:
    cut at -s, ``...`` when no NUL ends it there; unreadable before that, the address."""
    m = c.entry_mem(i)
    name = b"" if m is None else m.data[:IFNAMSIZ]
    limit = min(IFNAMSIZ, c.opts.strsize)
    nul = name.find(b"\0")
    if 0 <= nul <= limit:
        return quote(name[:nul], hexstr=c.opts.hexstr)
    if nul < 0 and len(name) < min(IFNAMSIZ, limit + 1):
        return ptr(c.a(i))
    return quote(name[:limit], hexstr=c.opts.hexstr) + "..."


def _ifreq_size(c: Ctx) -> int:
    """sizeof(struct ifreq) for the caller: its union's largest member, struct ifmap, has
    longs (i386: 4 bytes)."""
    return 32 if c.call.entry.abi == "i386" else IFREQ_SIZE


# linux/sockios.h: the requests whose argument strace's sock_ioctl prints as a struct
# ifreq, by the member of its union each takes: a get's the kernel writes (shown at a
# successful return), a set's the caller passes.
_IFREQ_GET: dict[int, tuple[str, Callable[[Ctx, bytes], str]]] = {
    0x8913: ("ifr_flags", _ifr_flags),
    0x8915: ("ifr_addr", _ifr_addr),
    0x8917: ("ifr_dstaddr", _ifr_addr),
    0x8919: ("ifr_broadaddr", _ifr_addr),
    0x891B: ("ifr_netmask", _ifr_addr),
    0x891D: ("ifr_metric", _ifr_int),
    0x8921: ("ifr_mtu", _ifr_int),
    0x8927: ("ifr_hwaddr", _ifr_hwaddr),
    0x8929: ("ifr_slave", _ifr_name),
    0x8933: ("ifr_ifindex", _ifr_int),
    0x8942: ("ifr_qlen", _ifr_int),
    0x8970: ("ifr_map", _ifr_map),
}
_IFREQ_SET: dict[int, tuple[str, Callable[[Ctx, bytes], str]]] = {
    0x8914: ("ifr_flags", _ifr_flags),
    0x8916: ("ifr_addr", _ifr_addr),
    0x8918: ("ifr_dstaddr", _ifr_addr),
    0x891A: ("ifr_broadaddr", _ifr_addr),
    0x891C: ("ifr_netmask", _ifr_addr),
    0x891E: ("ifr_metric", _ifr_int),
    0x8922: ("ifr_mtu", _ifr_int),
    0x8923: ("ifr_newname", _ifr_name),
    0x8924: ("ifr_hwaddr", _ifr_hwaddr),
    0x8930: ("ifr_slave", _ifr_name),
    0x8931: ("ifr_hwaddr", _ifr_hwaddr),  # SIOCADDMULTI
    0x8932: ("ifr_hwaddr", _ifr_hwaddr),  # SIOCDELMULTI
    0x8937: ("ifr_hwaddr", _ifr_hwaddr),  # SIOCSIFHWBROADCAST
    0x8943: ("ifr_qlen", _ifr_int),
    0x8971: ("ifr_map", _ifr_map),
}
SIOCGIFNAME = 0x8910
SIOCBRADDBR, SIOCBRDELBR, SIOCBRADDIF, SIOCBRDELIF = 0x89A0, 0x89A1, 0x89A2, 0x89A3


def _ifreq(c: Ctx, i: int, req: int) -> str:
    """``{ifr_name="lo", ifr_mtu=65536}``: the name and the member the request takes;
    a get whose call failed shows the name only.  SIOCGIFNAME goes the other way: the
    index in, the name out."""
    # strace reads the whole struct at entry (else shows the address) and again at a
    # successful return
    size = _ifreq_size(c)
    m = c.entry_mem(i)
    if m is None or len(m.data) < size:
        return ptr(c.a(i))
    if req == SIOCGIFNAME:
        head = f"{{ifr_ifindex={_ifr_int(c, m.data[IFNAMSIZ:])}"
        d = c.out_data(i, size)
        return head + ("}" if d is None else f", ifr_name={_ifr_name(c, d)}}}")
    field, render = _IFREQ_SET.get(req) or _IFREQ_GET[req]
    head = f"{{ifr_name={_ifr_name(c, m.data)}"
    d = m.data if req in _IFREQ_SET else c.out_data(i, size)
    if d is None:
        return head + "}"
    return f"{head}, {field}={render(c, d[IFNAMSIZ:])}}}"


syscall(
    "ioctl",
    FD,
    register_only(Arg(lambda c, i: ioctl_request(c.a(i), c))),
    Arg(_ioctl_arg, lambda opts: (fixed(IOCTL_READ, "entry"), fixed(IOCTL_READ, "exit"))),
)


# --- epoll / eventfd -----------------------------------------------------------------


def _epoll_event(c: Ctx, d: bytes, k: int) -> str:
    ev, data = struct.unpack_from("<IQ", d, 12 * k)  # packed on x86-64 (linux/eventpoll.h)
    return (
        f"{{events={flags(ev, proc.EPOLL_EVENTS, c.opts, dflt='EPOLL???')}, "
        f"data={{u32={data & 0xFFFFFFFF}, u64={data}}}}}"
    )


def _epoll_ctl_ev(c: Ctx, i: int) -> str:
    if not c.a(i):
        return "NULL"
    if u32(c.a(1)) == EPOLL_CTL_DEL:  # the kernel ignores the event: strace's address
        return ptr(c.a(i))
    m = c.mem(i)
    if m is None or len(m.data) < 12:
        return ptr(c.a(i))
    return _epoll_event(c, m.data, 0)


EPOLL_CAP = 32
EPOLL_CTL_DEL = 2  # linux/eventpoll.h


def _epoll_events_out(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    m = c.exit_mem(i)
    if m is None:
        return ptr(c.a(i))
    n = min(c.ret, len(m.data) // 12)
    items = [_epoll_event(c, m.data, k) for k in range(min(n, c.opts.strsize))]
    if c.ret > len(items):
        items.append("...")
    return "[" + ", ".join(items) + "]"


EPOLL_OUT = Arg(_epoll_events_out, lambda opts: (fixed(12 * EPOLL_CAP, "exit"),))
syscall("epoll_create", INT)
syscall(
    "epoll_create1",
    register_only(
        Arg(lambda c, i: flags(u32(c.a(i)), proc.EPOLL_CLOEXEC, c.opts, dflt="EPOLL_???"))
    ),
)
syscall(
    "epoll_ctl",
    FD,
    XLAT(proc.EPOLL_CTL, "EPOLL_CTL_"),
    FD,
    Arg(_epoll_ctl_ev, lambda opts: (fixed(12, "both"),)),
)
syscall("epoll_wait", FD, EPOLL_OUT, INT, INT)


def _epoll_sigmask(c: Ctx, i: int) -> str:
    """epoll_pwait's mask, printed at exit: its address when the call failed."""
    return ptr(c.a(i)) if c.failed else _sigset_entry(c, i)


EPOLL_SIGMASK = Arg(_epoll_sigmask, SIGSET_ENTRY.captures)
syscall("epoll_pwait", FD, EPOLL_OUT, INT, INT, EPOLL_SIGMASK, ULONG)
# epoll_pwait2: the timeout a struct timespec (NULL: block), which strace reads at exit:
# its address after a call that failed
_TIMEOUT_TS = IN(TIMESPEC_SIZE, timespec)
EPOLL_TIMEOUT = Arg(
    lambda c, i: ptr(c.a(i)) if c.failed else _TIMEOUT_TS.render(c, i), _TIMEOUT_TS.captures
)
syscall("epoll_pwait2", FD, EPOLL_OUT, INT, EPOLL_TIMEOUT, EPOLL_SIGMASK, ULONG)
syscall("eventfd", UINT)
syscall(
    "eventfd2",
    UINT,
    register_only(Arg(lambda c, i: flags(u32(c.a(i)), proc.EFD_FLAGS, c.opts, dflt="EFD_???"))),
)
