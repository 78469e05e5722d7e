"""Socket syscalls: socket/connect/bind/accept/sendto/recvfrom and friends.

Socket addresses print in strace's form: ``{sa_family=AF_INET, sin_port=htons(80),
sin_addr=inet_addr("10.0.2.2")}``, ``{sa_family=AF_UNIX, sun_path="/tmp/s"}``.
Layouts: ``linux/in.h``, ``linux/in6.h``, ``linux/un.h``, ``linux/netlink.h``.
"""

from __future__ import annotations

import ipaddress
import struct

from ..capture.spec import Capture, fixed
from .args import FD, FLAGS, INT, OUT, PTR, RBUF, ULONG, WBUF, XLAT
from .consts import net
from .fmt import Ctx, flags, ptr, quote, s32, u32, xlat
from .registry import Arg, syscall

SOCKADDR_CAP = 128  # sizeof(struct sockaddr_storage)


def sockaddr(c: Ctx, d: bytes) -> str:
    """One socket address of ``len(d)`` bytes (the length the caller gave)."""
    if len(d) < 2:
        return "{sa_family=???}" if not d else ptr(0)
    (family,) = struct.unpack_from("<H", d)
    fam = xlat(family, net.ADDRESS_FAMILIES, c.opts)
    head = f"sa_family={fam}"
    body = d[2:]
    if family == net.AF_INET and len(d) >= 8:
        port, addr = struct.unpack_from(">H4s", d, 2)
        ip = ".".join(str(b) for b in addr)
        return f'{{{head}, sin_port=htons({port}), sin_addr=inet_addr("{ip}")}}'
    if family == net.AF_INET6 and len(d) >= 24:
        port, flow = struct.unpack_from(">HI", d, 2)
        ip6 = ipaddress.IPv6Address(d[8:24]).compressed
        scope = struct.unpack_from("<I", d, 24)[0] if len(d) >= 28 else 0
        return (
            f"{{{head}, sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), "
            f'inet_pton(AF_INET6, "{ip6}", &sin6_addr), sin6_scope_id={scope}}}'
        )
    if family == net.AF_UNIX:
        if not body:
            return f"{{{head}}}"
        if body[0] == 0 and len(body) > 1:  # abstract namespace: printed with a leading @
            return f"{{{head}, sun_path=@{quote(body[1:])}}}"
        path = body.split(b"\0", 1)[0]
        return f"{{{head}, sun_path={quote(path)}}}"
    if family == net.AF_NETLINK and len(d) >= 12:
        pid, groups = struct.unpack_from("<II", d, 4)
        return f"{{{head}, nl_pid={pid}, nl_groups={groups:08x}}}"
    return f"{{{head}, sa_data={quote(body)}}}"


def _addr_in(len_arg: int) -> Arg:
    """A socket address the caller passes, ``a<len_arg>`` bytes long."""

    def render(c: Ctx, i: int) -> str:
        if not c.a(i):
            return "NULL"
        m = c.mem(i)
        n = u32(c.a(len_arg))
        if m is None or not m.data or len(m.data) < min(n, 2):
            return ptr(c.a(i))
        return sockaddr(c, m.data[: min(n, len(m.data))])

    def captures(opts: object) -> tuple[Capture, ...]:
        return (Capture("buf", "entry", f"a{len_arg}", SOCKADDR_CAP),)

    return Arg(render, captures)  # type: ignore[arg-type]


def _len_word(m: object) -> int | None:
    data = getattr(m, "data", b"")
    return int.from_bytes(data[:4], "little") if len(data) >= 4 else None


def _addr_out(len_arg: int) -> Arg:
    """A socket address the kernel fills; its length is in ``*a<len_arg>`` at exit."""

    def render(c: Ctx, i: int) -> str:
        if not c.a(i):
            return "NULL"
        if c.failed:
            return ptr(c.a(i))
        m = c.exit_mem(i)
        n = _len_word(c.exit_mem(len_arg))
        given = _len_word(c.entry_mem(len_arg))
        if m is None or n is None or not m.data:
            return ptr(c.a(i))
        n = min(n, given if given is not None else n, len(m.data))
        return sockaddr(c, m.data[:n])

    return Arg(render, lambda opts: (fixed(SOCKADDR_CAP, "exit"),))


def _addrlen_inout(c: Ctx, i: int) -> str:
    """``[110 => 16]``: the buffer size given, and the address size returned."""
    if not c.a(i):
        return "NULL"
    before = _len_word(c.entry_mem(i))
    if before is None:
        return ptr(c.a(i))
    after = None if c.failed else _len_word(c.exit_mem(i))
    if after is None or after == before:
        return f"[{before}]"
    return f"[{before} => {after}]"


ADDRLEN = Arg(_addrlen_inout, lambda opts: (fixed(4, "entry"), fixed(4, "exit")))
MSG = FLAGS(net.MSG_FLAGS)


def _sock_type(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    if c.opts.raw:
        return f"{v:#x}" if v else "0"
    t = net.SOCK_TYPES.get(v & net.SOCK_TYPE_MASK)
    rest = v & ~net.SOCK_TYPE_MASK if t is not None else v
    parts = [t] if t is not None else []
    if rest or not parts:
        parts.append(flags(rest, net.SOCK_FLAGS, c.opts))
    return "|".join(parts)


def _protocol(c: Ctx, i: int) -> str:
    family = u32(c.a(0))
    v = s32(c.a(i))
    if family in (net.AF_INET, net.AF_INET6):
        return xlat(v, net.IPPROTO, c.opts)
    if family == net.AF_NETLINK:
        return xlat(v, net.NETLINK, c.opts)
    return str(v)


FAMILY = XLAT(net.ADDRESS_FAMILIES)
SOCK_TYPE = Arg(_sock_type)

syscall("socket", FAMILY, SOCK_TYPE, Arg(_protocol))



def _fd_pair(c: Ctx, d: bytes) -> str:
    a, b = struct.unpack_from("<ii", d)
    return f"[{a}, {b}]"


syscall("socketpair", FAMILY, SOCK_TYPE, Arg(_protocol), OUT(8, _fd_pair))
syscall("connect", FD, _addr_in(2), INT)
syscall("bind", FD, _addr_in(2), INT)
syscall("listen", FD, INT)
syscall("accept", FD, _addr_out(2), ADDRLEN)
SOCK_FLAGS = Arg(lambda c, i: flags(u32(c.a(i)), net.SOCK_FLAGS, c.opts))
syscall("accept4", FD, _addr_out(2), ADDRLEN, SOCK_FLAGS)
syscall("getsockname", FD, _addr_out(2), ADDRLEN)
syscall("getpeername", FD, _addr_out(2), ADDRLEN)
syscall("sendto", FD, WBUF(2), ULONG, MSG, _addr_in(5), INT)
syscall("recvfrom", FD, RBUF(), ULONG, MSG, _addr_out(5), ADDRLEN)
syscall("sendmsg", FD, PTR, MSG)
syscall("recvmsg", FD, PTR, MSG)
syscall("shutdown", FD, XLAT(net.SHUTDOWN, "SHUT_"))


def _sol(c: Ctx, i: int) -> str:
    return xlat(s32(c.a(i)), net.SOL, c.opts)


def _optname(c: Ctx, i: int) -> str:
    if s32(c.a(1)) == net.SOL_SOCKET:
        return xlat(s32(c.a(i)), net.SO_OPTS, c.opts)
    return str(s32(c.a(i)))


def _optval_in(c: Ctx, i: int) -> str:
    if not c.a(i):
        return "NULL"
    m = c.entry_mem(i)
    n = u32(c.a(4))
    if m is None or n != 4 or len(m.data) < 4:
        return ptr(c.a(i))
    return f"[{s32(int.from_bytes(m.data[:4], 'little'))}]"


syscall(
    "setsockopt", FD, Arg(_sol), Arg(_optname),
    Arg(_optval_in, lambda opts: (fixed(4, "entry"),)), INT,
)


def _optval_out(c: Ctx, i: int) -> str:
    """An option value the kernel wrote: ``[1]`` for the int-sized ones, else the address."""
    if not c.a(i):
        return "NULL"
    n = _len_word(c.exit_mem(4))
    d = c.out_data(i, 4)
    if d is None or n != 4:
        return ptr(c.a(i))
    return f"[{s32(int.from_bytes(d, 'little'))}]"


syscall(
    "getsockopt", FD, Arg(_sol), Arg(_optname),
    Arg(_optval_out, lambda opts: (fixed(4, "exit"),)), ADDRLEN,
)
