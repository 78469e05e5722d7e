"""Socket syscalls: socket/connect/bind/accept/sendto/recvfrom and friends.

Socket addresses print as sockaddr.py says; socket options are in sockopt.py.
"""

from __future__ import annotations

import struct

from ..capture.spec import Capture, When, fixed
from ..core.abi import (
    INDEX_MSG_CONTROL,
    INDEX_MSG_FDS,
    INDEX_MSG_IOV,
    INDEX_MSG_NAME,
    INDEX_TOP,
    MAX_BYTES,
    MAX_ELEMS,
    MAX_FDLIST,
    MAX_MMSG,
    MAX_MMSG_IOV,
)
from ..core.events import Mem
from . import fdpath
from .args import FD, FD_PAIR, FLAGS, INT, RBUF, UINT, ULONG, WBUF, XLAT, register_only, uid_text
from .consts import net
from .fmt import (
    Ctx,
    DecodeOptions,
    array,
    buffer,
    flags,
    hexnum,
    local_array,
    ptr,
    quote,
    s32,
    u32,
    xlat,
)
from .inet import ifindex, inet_addr
from .io import TS_ENTRY_EXIT, iovec_array
from .registry import Arg, Captures, syscall
from .sockaddr import SOCKADDR_STORAGE, decode_sockaddr, sockaddr
from .structs import TIMESPEC_SIZE, timespec, timeval

SOCKADDR_CAP = SOCKADDR_STORAGE


def _addr_in(len_arg: int) -> Arg:
    """A socket address the caller passes, ``a<len_arg>`` bytes long."""

    def render(c: Ctx, i: int) -> str:
        return decode_sockaddr(c, c.a(i), c.mem(i), s32(c.a(len_arg)))

    def captures(opts: object) -> tuple[Capture, ...]:
        return (Capture("buf", "both", f"a{len_arg}", SOCKADDR_CAP),)

    return Arg(render, captures)  # type: ignore[arg-type]


def _len_word(m: object) -> int | None:
    """A socklen_t the caller passes, as strace prints it: a signed int."""
    data = getattr(m, "data", b"")
    return int.from_bytes(data[:4], "little", signed=True) if len(data) >= 4 else None


def _addr_out(len_arg: int) -> Arg:
    """A socket address the kernel fills; its length is in ``*a<len_arg>`` at exit."""

    def render(c: Ctx, i: int) -> str:
        given = _len_word(c.entry_mem(len_arg))
        got = None if c.failed else _len_word(c.exit_mem(len_arg))
        if given is None or got is None:
            return ptr(c.a(i))
        return decode_sockaddr(c, c.a(i), c.exit_mem(i), min(s32(given), s32(got)))

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
MSG = FLAGS(net.MSG_FLAGS, "MSG_???")


def _sock_type(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    if c.opts.raw:  # strace -X raw: the type, then the flags (``0x1|0x80800``)
        kind, rest = v & net.SOCK_TYPE_MASK, v & ~net.SOCK_TYPE_MASK
        return f"{kind:#x}|{rest:#x}" if kind and rest else hexnum(v)
    t = net.SOCK_TYPES.get(v & net.SOCK_TYPE_MASK)
    rest = v & ~net.SOCK_TYPE_MASK if t is not None else v
    parts = [t] if t is not None else []
    if rest or not parts:
        parts.append(flags(rest, net.SOCK_FLAGS, c.opts, dflt="SOCK_???"))
    return "|".join(parts)


def _protocol(c: Ctx, i: int) -> str:
    family = u32(c.a(0))
    v = s32(c.a(i))
    if c.opts.raw and family in (net.AF_INET, net.AF_INET6, net.AF_NETLINK):
        return hexnum(u32(v))  # strace -X raw prints these tables' values in hex
    if family in (net.AF_INET, net.AF_INET6):
        return xlat(v, net.IPPROTO, c.opts)
    if family == net.AF_NETLINK:
        return xlat(v, net.NETLINK, c.opts)
    if family == net.AF_PACKET:  # the protocol in network byte order, as the kernel takes it
        proto = int.from_bytes((v & 0xFFFF).to_bytes(2, "little"), "big")
        return f"htons({xlat(proto, net.ETHERNET_PROTOCOLS, c.opts, 'ETH_P_')})"
    return str(v)


FAMILY = register_only(
    Arg(
        lambda c, i: (
            hexnum(u32(c.a(i)))
            if c.opts.raw  # strace -X raw: 0x1
            else xlat(u32(c.a(i)), net.ADDRESS_FAMILIES, c.opts)
        )
    )
)
SOCK_TYPE = register_only(Arg(_sock_type))
PROTOCOL = register_only(Arg(_protocol), also=0)  # (by the family)

syscall("socket", FAMILY, SOCK_TYPE, PROTOCOL)


syscall("socketpair", FAMILY, SOCK_TYPE, PROTOCOL, FD_PAIR())
syscall("connect", FD, _addr_in(2), INT)
syscall("bind", FD, _addr_in(2), INT)
syscall("listen", FD, INT)
syscall("accept", FD, _addr_out(2), ADDRLEN)
SOCK_FLAGS = register_only(
    Arg(lambda c, i: flags(u32(c.a(i)), net.SOCK_FLAGS, c.opts, dflt="SOCK_???"))
)
syscall("accept4", FD, _addr_out(2), ADDRLEN, SOCK_FLAGS)
syscall("getsockname", FD, _addr_out(2), ADDRLEN)
syscall("getpeername", FD, _addr_out(2), ADDRLEN)
syscall("sendto", FD, WBUF(2), ULONG, MSG, _addr_in(5), INT)


def _received(c: Ctx, i: int) -> str:
    """recvfrom's data: with MSG_TRUNC the call returns the datagram's whole size, which
    can pass the buffer's; strace shows the buffer's bytes, at most ``len`` (a plain read's
    RBUF, compiled in the lane, takes the return value alone)."""
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return buffer(c.a(i), c.exit_mem(i), min(c.ret, c.a(2)), c.opts.strsize, hexstr=c.opts.hexstr)


RECEIVED = Arg(_received, RBUF().captures)
syscall("recvfrom", FD, RECEIVED, ULONG, MSG, _addr_out(5), ADDRLEN)
# --- sendmsg / recvmsg: struct user_msghdr (include/linux/socket.h) ------------------

MSGHDR_SIZE = 56  # struct user_msghdr
MMSGHDR_SIZE = 64  # struct mmsghdr: the msghdr, msg_len (u32), padding
SOL_SOCKET = 1
# strace's scmvals.in (asm-generic/socket.h) and ip_cmsg_types.in (linux/in.h); with each, the
# least data strace's printer for it takes (msghdr.c), the types it prints no data for left
# out
SCM_TYPES = {1: "SCM_RIGHTS", 2: "SCM_CREDENTIALS", 3: "SCM_SECURITY", 41: "SO_WIFI_STATUS",
             61: "SO_TXTIME", 29: "SO_TIMESTAMP_OLD", 35: "SO_TIMESTAMPNS_OLD",
             37: "SO_TIMESTAMPING_OLD", 63: "SO_TIMESTAMP_NEW", 64: "SO_TIMESTAMPNS_NEW",
             65: "SO_TIMESTAMPING_NEW"}  # fmt: skip
SCM_DATA = {1: 4, 2: 12, 3: 1, 29: 1, 35: 1, 37: 1, 63: 1, 64: 1, 65: 1}
IP_CMSG_TYPES = {1: "IP_TOS", 2: "IP_TTL", 3: "SCM_SECURITY", 6: "IP_RECVOPTS",
                 7: "IP_RETOPTS", 8: "IP_PKTINFO", 11: "IP_RECVERR", 20: "IP_ORIGDSTADDR",
                 23: "IP_CHECKSUM"}  # fmt: skip
IP_CMSG_DATA = {8: 12, 2: 4, 1: 1, 3: 1, 6: 1, 7: 1, 11: 32, 20: 16, 23: 4}
SOL_IP = 0
# the timestamps' structs, and how many: SO_TIMESTAMP_OLD/NEW a timeval, SO_TIMESTAMPNS_*
# a timespec, SO_TIMESTAMPING_* three timespecs (x86_64: the old and new layouts agree)
SCM_TIMES = {29: (timeval, 1), 63: (timeval, 1), 35: (timespec, 1), 64: (timespec, 1),
             37: (timespec, 3), 65: (timespec, 3)}  # fmt: skip


def _part(m: Mem, index: int) -> Mem | None:
    return next((e for e in m.elems if e.index == index), None)


CMSG_SIZE = 16  # struct cmsghdr: cmsg_len (u64), cmsg_level, cmsg_type
OPTMEM_MAX = 20480  # net.core.optmem_max's default: the most strace reads of the control data


def _cmsg(c: Ctx, length: int, level: int, ctype: int, data: bytes, files: dict[int, Mem]) -> str:
    """One control message, as strace's print_cmsg_type_data: its type by the level's
    table, and its data only where strace has a printer for the type and enough bytes."""
    head = f"{{cmsg_len={length}, cmsg_level={xlat(level, net.SOL, c.opts, 'SOL_')}"
    if level == SOL_SOCKET:
        typ, least = xlat(ctype, SCM_TYPES, c.opts, "SCM_"), SCM_DATA.get(ctype)
    elif level == SOL_IP:
        typ, least = xlat(ctype, IP_CMSG_TYPES, c.opts, "IP_"), IP_CMSG_DATA.get(ctype)
    else:
        typ, least = hexnum(u32(ctype)), None
    head += f", cmsg_type={typ}"
    if least is None or len(data) < least:
        return head + "}"
    if level == SOL_SOCKET and ctype == 1:  # strace's print_scm_rights: at most -s of them
        numbers = (int.from_bytes(data[k : k + 4], "little") for k in range(0, len(data) - 3, 4))
        fds = [
            fdpath.with_path(str(fd), files.get(fd), c.opts.fd_details, c.opts.hexstr)
            for fd in map(s32, numbers)
        ]
        shown = local_array(fds, c.opts)
    elif level == SOL_SOCKET and ctype == 2:  # print_scm_creds: struct ucred
        pid, uid, gid = struct.unpack_from("<iII", data)
        shown = f"{{pid={pid}, uid={uid_text(uid)}, gid={uid_text(gid)}}}"
    elif level == SOL_SOCKET and ctype in SCM_TIMES:  # print_scm_timestamp*: ??? if short
        fmt, count = SCM_TIMES[ctype]
        if len(data) < 16 * count:
            shown = "???"
        elif count == 1:
            shown = fmt(c, data)
        else:
            shown = "[" + ", ".join(fmt(c, data[k : k + 16]) for k in range(0, 48, 16)) + "]"
    elif level == SOL_IP and ctype != 3:
        shown = _ip_cmsg_data(c, ctype, data)
    else:  # SCM_SECURITY's context, at either level: its bytes
        shown = quote(data, hexstr=c.opts.hexstr)
    return f"{head}, cmsg_data={shown}}}"


def _ip_cmsg_data(c: Ctx, ctype: int, data: bytes) -> str:
    """An SOL_IP message's data, as msghdr.c's cmsg_ip_printers print it (IP_CMSG_DATA
    has checked there is enough of it)."""
    if ctype == 8:  # print_cmsg_ip_pktinfo: struct in_pktinfo
        (index,) = struct.unpack_from("<i", data)
        return (
            f"{{ipi_ifindex={ifindex(index)}, "
            f"ipi_spec_dst={inet_addr(data[4:8], c.opts.hexstr)}, "
            f"ipi_addr={inet_addr(data[8:12], c.opts.hexstr)}}}"
        )
    if ctype in (2, 23):  # print_cmsg_uint: IP_TTL, IP_CHECKSUM
        words = [
            str(u32(int.from_bytes(data[k : k + 4], "little"))) for k in range(0, len(data) - 3, 4)
        ]
        return local_array(words, c.opts)
    if ctype == 11:  # print_cmsg_ip_recverr: struct sock_extended_err, the offender after it
        errno, origin, etype, code, _, info, edata = struct.unpack_from("<IBBBBII", data)
        return (
            f"{{ee_errno={errno}, ee_origin={origin}, ee_type={etype}, ee_code={code}, "
            f"ee_info={info}, ee_data={edata}, offender={sockaddr(c, data[16:32])}}}"
        )
    if ctype == 20:  # print_cmsg_ip_origdstaddr: a socket address
        return sockaddr(c, data[:SOCKADDR_STORAGE])
    # print_cmsg_xint8_t: IP_TOS, IP_RECVOPTS, IP_RETOPTS, a byte at a time in hex
    return local_array([hexnum(b) for b in data], c.opts)


def _cmsgs(c: Ctx, addr: int, ctl: Mem | None, in_len: int, files: dict[int, Mem]) -> str:
    """``[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}]``, walked
    as strace's decode_msg_control walks it: the address when less than one header was
    passed or the data could not be read; a message shorter than its header ends the walk,
    and what is left after the last one shows as ``... /* address */``.  ``files``: what
    the passed fds refer to, by fd (-y: ``[5</etc/hostname>]``)."""
    control_len = min(in_len, OPTMEM_MAX)
    d = b"" if ctl is None else ctl.data[:control_len]
    if control_len < CMSG_SIZE or ctl is None or (ctl.fault and len(d) < control_len):
        return ptr(addr)
    cut = len(d) < control_len  # (the capture's cap: strace read further)
    out: list[str] = []
    off, left = 0, len(d)
    while left >= CMSG_SIZE:
        length, level, ctype = struct.unpack_from("<QiI", d, off)
        size = min(length, left)
        out.append(_cmsg(c, length, level, ctype, d[off + CMSG_SIZE : off + size], files))
        if size < CMSG_SIZE:
            left -= CMSG_SIZE
            break
        step = (length + 7) & ~7
        if step >= left:
            left = 0
            break
        off, left = off + step, left - step
    if cut:
        out.append("...")
    elif left:
        out.append(f"... /* {ptr(addr + control_len - left)} */")
    elif control_len < in_len:
        out.append("...")
    return "[" + ", ".join(out) + "]"


def _msghdr(
    c: Ctx, addr: int, m: Mem | None, budget: int | None, given_namelen: int | None = None
) -> str:
    """``{msg_name=NULL, msg_namelen=0, msg_iov=[...], msg_iovlen=1, msg_controllen=0,
    msg_flags=0}`` (strace's msghdr.c order).  ``given_namelen``: recvmsg's msg_namelen as
    the caller set it, shown ``110 => 16`` when the kernel changed it, and the most of the
    name that is shown (the kernel reports the address's whole size, not what it wrote)."""
    if not addr:
        return "NULL"
    if m is None or len(m.data) < MSGHDR_SIZE:
        return ptr(addr)
    name, namelen, iov, iovlen, control, controllen, mflags = struct.unpack_from(
        "<QI4xQQQQi", m.data
    )
    name_m = _part(m, INDEX_MSG_NAME)
    shown_namelen = str(namelen)
    name_size = s32(namelen)
    if given_namelen is not None:
        name_size = min(name_size, given_namelen)
        if given_namelen != s32(namelen):
            shown_namelen = f"{given_namelen} => {namelen}"
    if not name:
        shown_name = "NULL"
    else:
        shown_name = decode_sockaddr(c, name, name_m, name_size)
    iov_m = _part(m, INDEX_MSG_IOV)
    if iov_m is not None:
        elems = tuple(e for e in m.elems if e.index < INDEX_MSG_NAME)
        iov_m = Mem(iov_m.addr, iov_m.data, iov_m.fault, iov_m.truncated, iov_m.at_exit, elems)
    shown_iov = iovec_array(c, iov, iov_m, iovlen, budget)
    parts = [
        f"msg_name={shown_name}",
        f"msg_namelen={shown_namelen}",
        f"msg_iov={shown_iov}",
        f"msg_iovlen={iovlen}",
    ]
    if controllen:
        ctl = _part(m, INDEX_MSG_CONTROL)
        files = {}
        if c.opts.decode_fds:  # a cmsgfds capture's elements, by fd
            files = {
                e.index - INDEX_MSG_FDS: e for e in m.elems if INDEX_MSG_FDS <= e.index < INDEX_TOP
            }
        shown = _cmsgs(c, control, ctl, controllen, files)
        parts.append(f"msg_control={shown}")
    parts.append(f"msg_controllen={controllen}")
    parts.append(f"msg_flags={flags(u32(mflags), net.MSG_FLAGS, c.opts, dflt='MSG_???')}")
    return "{" + ", ".join(parts) + "}"


def _msghdr_caps(when: When) -> Captures:
    def captures(opts: DecodeOptions) -> tuple[Capture, ...]:
        cap = min(max(opts.strsize, 1), MAX_ELEMS)
        out: tuple[Capture, ...] = (
            Capture("msghdr", when, "-", cap, min(opts.strsize + 1, MAX_BYTES)),
        )
        if opts.decode_fds:  # -y: the fds an SCM_RIGHTS message passes, the sender's at entry
            fds_when: When = "exit" if when == "exit" else "entry"
            out += (Capture("cmsgfds", fds_when, "-", MAX_FDLIST),)
        return out

    return captures


def _sendmsg(c: Ctx, i: int) -> str:
    return _msghdr(c, c.a(i), c.mem(i), None)


# recvmsg reads msg_namelen at entry too (msg_name, then the int): strace shows the size
# the caller gave against the one the kernel returned, and that alone when the call failed.
NAMELEN_AT = 8


def _recvmsg(c: Ctx, i: int) -> str:
    if not c.a(i):
        return "NULL"
    at_entry = c.entry_mem(i)
    data = b"" if at_entry is None or at_entry.fault else at_entry.data
    if len(data) < NAMELEN_AT + 4 or c.ret is None:
        return ptr(c.a(i))  # (strace, unable to read it at entry, printed the address)
    given = s32(int.from_bytes(data[NAMELEN_AT : NAMELEN_AT + 4], "little"))
    if c.failed:
        return f"{{msg_namelen={given}}}"
    return _msghdr(c, c.a(i), c.exit_mem(i), c.ret, given)


def _recvmsg_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    return (fixed(NAMELEN_AT + 4, "entry"), *_msghdr_caps("exit")(opts))


syscall("sendmsg", FD, Arg(_sendmsg, _msghdr_caps("both")), MSG)
syscall("recvmsg", FD, Arg(_recvmsg, _recvmsg_caps), MSG)
syscall("shutdown", FD, XLAT(net.SHUTDOWN, "SHUT_"))


# --- sendmmsg / recvmmsg: arrays of struct mmsghdr (strace's mmsghdr.c) ---------------


def _messages(m: Mem | None) -> dict[int, Mem]:
    """An mmsghdr capture's messages, each as a msghdr capture's Mem: its 56 bytes, and its
    parts numbered as a msghdr's (message k's are 4k past the name's, and k * MAX_MMSG_IOV
    past the first buffer's)."""
    if m is None:
        return {}
    parts: dict[int, list[Mem]] = {}
    for e in m.elems:
        if INDEX_MSG_NAME <= e.index < INDEX_MSG_NAME + 4 * MAX_MMSG:
            k, index = divmod(e.index - INDEX_MSG_NAME, 4)
            index += INDEX_MSG_NAME
        elif e.index < MAX_MMSG * MAX_MMSG_IOV:
            k, index = divmod(e.index, MAX_MMSG_IOV)
        else:
            continue
        part = Mem(e.addr, e.data, e.fault, e.truncated, e.at_exit, e.elems, index)
        parts.setdefault(k, []).append(part)
    return {
        k: Mem(
            m.addr + k * MMSGHDR_SIZE,
            m.data[k * MMSGHDR_SIZE : k * MMSGHDR_SIZE + MSGHDR_SIZE],
            m.fault,
            m.truncated,
            m.at_exit,
            tuple(parts.get(k, ())),
        )
        for k in range(len(m.data) // MMSGHDR_SIZE)
    }


def _msg_lens(m: Mem | None) -> list[int]:
    """Each captured message's msg_len (what the kernel sent or received of it)."""
    d = b"" if m is None else m.data
    at = MSGHDR_SIZE
    return [
        int.from_bytes(d[k + at : k + at + 4], "little")
        for k in range(0, len(d) - MMSGHDR_SIZE + 1, MMSGHDR_SIZE)
    ]


def _mmsgvec(
    c: Ctx,
    i: int,
    m: Mem | None,
    count: int,
    lens: list[int],
    shown_lens: int,
    given: list[int] | None,
) -> str:
    """strace's decode_mmsgvec: ``[{msg_hdr={...}, msg_len=5}, ...]``, ``count`` messages
    (at most -s of them); msg_len for the first ``shown_lens``; ``given``: each message's
    msg_namelen at entry (recvmmsg), its msg_iov then shown as far as its msg_len."""
    messages = _messages(m)
    k = 0

    def element(_: bytes) -> str:
        nonlocal k
        at, msg = c.a(i) + k * MMSGHDR_SIZE, messages.get(k)
        budget = lens[k] if given is not None and k < len(lens) else None
        namelen = given[k] if given is not None and k < len(given) else None
        text = f"{{msg_hdr={_msghdr(c, at, msg, budget, namelen)}"
        if k < shown_lens and k < len(lens):
            text += f", msg_len={lens[k]}"
        k += 1
        return text + "}"

    return array(c.a(i), m, count, MMSGHDR_SIZE, c.opts.strsize, element)


def _mmsg_cap(opts: DecodeOptions) -> int:
    return min(max(opts.strsize, 1) + 1, MAX_MMSG)


def _sendmmsg(c: Ctx, i: int) -> str:
    sent = 0 if c.failed or c.ret is None else c.ret
    lens = _msg_lens(c.exit_mem(i))
    return _mmsgvec(c, i, c.entry_mem(i), u32(c.a(2)), lens, sent, None)


def _sendmmsg_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    """The messages at entry, with their parts; at exit each sent one's msg_len."""
    cap = _mmsg_cap(opts)
    return (
        Capture("mmsghdr", "entry", "a2", cap, min(opts.strsize + 1, MAX_BYTES)),
        Capture("mmsghdr", "exit", "ret", cap, 0),
    )


def _recvmmsg(c: Ctx, i: int) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    at_entry = c.entry_mem(i)
    d = b"" if at_entry is None else at_entry.data
    given = [
        s32(int.from_bytes(d[k + 8 : k + 12], "little"))
        for k in range(0, len(d) - MMSGHDR_SIZE + 1, MMSGHDR_SIZE)
    ]
    received = c.exit_mem(i)
    return _mmsgvec(c, i, received, c.ret, _msg_lens(received), c.ret, given)


def _recvmmsg_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    """Each message's msg_namelen at entry; the messages received, with their parts, at
    exit."""
    cap = _mmsg_cap(opts)
    return (
        Capture("mmsghdr", "entry", "a2", cap, 0),
        Capture("mmsghdr", "exit", "ret", cap, min(opts.strsize + 1, MAX_BYTES)),
    )


def _recvmmsg_ret(c: Ctx) -> str:
    """``0 (Timeout)``; with a timeout, ``2 (left {tv_sec=0, tv_nsec=5000})``."""
    assert c.ret is not None
    if c.ret == 0:
        return "0 (Timeout)"
    left = c.exit_mem(4)
    if c.a(4) and left is not None and len(left.data) >= TIMESPEC_SIZE:
        return f"{c.ret} (left {timespec(c, left.data)})"
    return str(c.ret)


syscall("sendmmsg", FD, Arg(_sendmmsg, _sendmmsg_caps), UINT, MSG)
syscall("recvmmsg", FD, Arg(_recvmmsg, _recvmmsg_caps), UINT, MSG, TS_ENTRY_EXIT, ret=_recvmmsg_ret)
