"""getsockopt and setsockopt: the level, the option's name and its value, as strace 6.1
prints them (its src/net.c: print_sockopt_fd_level_name, print_getsockopt,
print_setsockopt).

A value whose type strace knows prints decoded (``[1]``, ``{l_onoff=1, l_linger=2}``,
``[ECONNREFUSED]``); a known int-like option given fewer bytes than an int prints them in
hex; anything else prints as an int when the length is an int's, else as a string of
that many bytes.  Layouts: ``linux/socket.h`` (linger, ucred), ``linux/in.h`` (ip_mreq),
``linux/in6.h`` (ipv6_mreq), ``linux/if_packet.h`` (tpacket_req, tpacket_stats).
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable, Mapping

from ..capture.spec import Capture, fixed
from ..core.abi import MAX_BYTES
from ..core.events import Mem
from .args import FD, INT, register_only
from .consts import net
from .fmt import MASK64, Ctx, DecodeOptions, buffer, hexnum, ptr, quote, s32, u32, xlat
from .inet import ifindex, inet6_ntop, inet_addr
from .net import ADDRLEN
from .registry import Arg, syscall
from .sockaddr import sockaddr

# The levels whose option names strace prints, with the names' tables (getsockopt's,
# setsockopt's: SOL_SOCKET's 26 and the netfilter controls differ) and the prefix of the
# comment for an unknown one.  Other levels print the name as an unsigned number.
_OPTION_NAMES: dict[int, tuple[Mapping[int, str], Mapping[int, str], str]] = {
    net.SOL_SOCKET: (net.GETSOCK_SO_OPTS, net.SETSOCK_SO_OPTS, "SO_"),
    net.SOL_IP: (net.GETSOCK_IP_OPTS, net.SETSOCK_IP_OPTS, "IP_"),
    net.SOL_IPV6: (net.GETSOCK_IPV6_OPTS, net.SETSOCK_IPV6_OPTS, "IPV6_"),
    net.SOL_TCP: (net.TCP_OPTS, net.TCP_OPTS, "TCP_"),
    net.SOL_UDP: (net.UDP_OPTS, net.UDP_OPTS, "UDP_"),
    net.SOL_RAW: (net.RAW_OPTS, net.RAW_OPTS, "RAW_"),
    net.SOL_PACKET: (net.PACKET_OPTS, net.PACKET_OPTS, "PACKET_"),
    net.SOL_NETLINK: (net.NETLINK_OPTS, net.NETLINK_OPTS, "NETLINK_"),
}

# asm-generic/socket.h: the options strace reads as a plain int (its "int-like" list)
SO_LINGER, SO_ERROR, SO_PEERCRED, SO_TXREHASH = 13, 4, 17, 74
SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF = 26, 51
INT_LIKE = frozenset(
    {
        1,
        2,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        14,
        15,
        16,
        18,
        19,
        27,
        29,
        30,
        32,
        33,
        34,
        35,
        36,
        37,
        40,
        41,
        42,
        43,
        44,
        45,
        46,
        49,
        53,
        56,
        60,
        63,
        64,
        65,
        68,
        69,
        70,
        73,
        75,
    }
)
PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP = 1, 2
PACKET_RX_RING, PACKET_STATISTICS, PACKET_TX_RING = 5, 6, 13
ICMP_FILTER = 1  # SOL_RAW's one option
# vmstrace prints these as an address where strace decodes them (not written yet): a BPF
# program (SO_ATTACH_FILTER), NETLINK_LIST_MEMBERSHIPS's array
_ADDRESS_ONLY = frozenset({(net.SOL_NETLINK, 9)})
MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP = 42, 45
GROUP_REQ_SIZE = 136  # struct group_req: u32 gr_interface, then a sockaddr_storage at 8
# strace's icmp_filter_flags.in: the ICMP types, by their bit's number
ICMP_TYPES = {
    0: "ICMP_ECHOREPLY",
    3: "ICMP_DEST_UNREACH",
    4: "ICMP_SOURCE_QUENCH",
    5: "ICMP_REDIRECT",
    8: "ICMP_ECHO",
    11: "ICMP_TIME_EXCEEDED",
    12: "ICMP_PARAMETERPROB",
    13: "ICMP_TIMESTAMP",
    14: "ICMP_TIMESTAMPREPLY",
    15: "ICMP_INFO_REQUEST",
    16: "ICMP_INFO_REPLY",
    17: "ICMP_ADDRESS",
    18: "ICMP_ADDRESSREPLY",
}
PACKET_MR_TYPES = {0: "PACKET_MR_MULTICAST", 1: "PACKET_MR_PROMISC", 2: "PACKET_MR_ALLMULTI",
                   3: "PACKET_MR_UNICAST"}  # fmt: skip
PACKET_MREQ_SIZE = 16  # struct packet_mreq: int ifindex, u16 type, u16 alen, u8 address[8]


def _icmp_filter(c: Ctx, addr: int, m: Mem | None, length: int) -> str:
    """strace's print_icmp_filter: the ICMP types whose bit is set, ``~[...]`` the ones
    not set when more than half are (a length under 4 leaves the rest of the word set)."""
    n = min(length, 4)
    if n <= 0 or m is None or len(m.data) < n:
        return ptr(addr)
    v = int.from_bytes(m.data[:n] + b"\xff" * (4 - n), "little")
    inverted = bin(v).count("1") > 16
    if inverted:
        v = ~v & 0xFFFFFFFF
    names = (xlat(k, ICMP_TYPES, c.opts, "ICMP_") for k in range(32) if v >> k & 1)
    return ("~" if inverted else "") + "[" + " ".join(names) + "]"


def _group_req(c: Ctx, addr: int, m: Mem | None, length: int) -> str:
    """``{gr_interface=if_nametoindex("lo"), gr_group={sa_family=AF_INET, ...}}``:
    joining or leaving a multicast group (strace's print_group_req)."""
    if length < GROUP_REQ_SIZE or m is None or len(m.data) < GROUP_REQ_SIZE:
        return ptr(addr)
    (index,) = struct.unpack_from("<I", m.data)
    shown = str(index) if c.opts.raw else ifindex(index)
    return f"{{gr_interface={shown}, gr_group={sockaddr(c, m.data[8:GROUP_REQ_SIZE])}}}"


def _packet_mreq(c: Ctx, addr: int, m: Mem | None, length: int) -> str:
    """``{mr_ifindex=.., mr_type=PACKET_MR_PROMISC, mr_alen=6, mr_address=00:11:..}``: a
    packet socket joining a group or going promiscuous (strace's print_packet_mreq)."""
    if length != PACKET_MREQ_SIZE or m is None or len(m.data) < PACKET_MREQ_SIZE:
        return ptr(addr)
    index, kind, alen = struct.unpack_from("<iHH", m.data)
    mac = m.data[8 : 8 + min(alen, 8)]
    shown = quote(mac, True) if c.opts.raw else ":".join(f"{b:02x}" for b in mac)
    return (
        f"{{mr_ifindex={index if c.opts.raw else ifindex(index)}, "
        f"mr_type={xlat(kind, PACKET_MR_TYPES, c.opts, 'PACKET_MR_')}, mr_alen={alen}, "
        f"mr_address={shown}}}"
    )


def _level(c: Ctx, i: int) -> str:
    v = u32(c.a(i))
    name = None if c.opts.raw else net.SOL.get(v)
    if name is not None:
        return name
    return hexnum(v) if c.opts.raw else f"{hexnum(v)} /* SOL_?? */"


def _option_name(get: bool) -> Arg:
    def render(c: Ctx, i: int) -> str:
        names = _OPTION_NAMES.get(u32(c.a(1)))
        v = u32(c.a(i))
        if names is None:
            return str(v)
        return xlat(v, names[0] if get else names[1], c.opts, names[2])

    return register_only(Arg(render), also=1)  # (by the level)


# --- value printers: strace's printnum_int, printstr_ex and struct printers ---------


def _word(d: bytes, off: int = 0) -> int:
    return s32(int.from_bytes(d[off : off + 4], "little"))


def _int(addr: int, m: Mem | None, shown: Callable[[int], str] = str) -> str:
    """``[42]``: an int read at ``addr`` (the address when it cannot be read)."""
    if not addr:
        return "NULL"
    if m is None or len(m.data) < 4:
        return ptr(addr)
    return f"[{shown(_word(m.data))}]"


def _errno_name(v: int) -> str:
    """SO_ERROR's value as strace's print_err: the errno's name, or the number."""
    preferred = {11: "EAGAIN", 35: "EDEADLK", 95: "EOPNOTSUPP"}  # where Python picks an alias
    return preferred.get(v) or (errno.errorcode.get(v) if v > 0 else None) or str(v)


def _txrehash(v: int) -> str:
    name = net.TXREHASH.get(v)
    return name if name is not None else f"{v} /* SOCK_TXREHASH_??? */"


def _fields(
    addr: int, m: Mem | None, length: int, fields: tuple[tuple[str, Callable[[int], str]], ...]
) -> str:
    """A struct of 4-byte fields as strace's MAYBE_PRINT_FIELD_LEN prints ``length``
    bytes of it: whole fields decoded, a cut one in hex, the rest left out."""
    length = min(length, 4 * len(fields))
    if m is None or len(m.data) < length:
        return ptr(addr)
    out = []
    for k, (name, shown) in enumerate(fields):
        start = 4 * k
        if length <= start:
            break
        if length >= start + 4:
            out.append(f"{name}={shown(_word(m.data, start))}")
        else:
            out.append(f"{name}={quote(m.data[start:length], force_hex=True)}")
    return "{" + ", ".join(out) + "}"


def _uid(v: int) -> str:
    return "-1" if v == -1 else str(v & 0xFFFFFFFF)


def _unsigned(v: int) -> str:
    return str(v & 0xFFFFFFFF)


_LINGER = (("l_onoff", str), ("l_linger", str))
_UCRED = (("pid", str), ("uid", _uid), ("gid", _uid))
_TPACKET_STATS = (
    ("tp_packets", _unsigned),
    ("tp_drops", _unsigned),
    ("tp_freeze_q_cnt", _unsigned),
)
_TPACKET_REQ = (
    ("tp_block_size", _unsigned),
    ("tp_block_nr", _unsigned),
    ("tp_frame_size", _unsigned),
    ("tp_frame_nr", _unsigned),
)


def _mreq(addr: int, m: Mem | None, n: int, opts: DecodeOptions) -> str:
    """``{imr_multiaddr=inet_addr("224.0.0.1"), imr_interface=inet_addr("0.0.0.0")}``;
    under -X raw each address's four bytes."""
    if n < 8 or m is None or len(m.data) < 8:
        return ptr(addr)
    if opts.raw:
        group, interface = quote(m.data[:4], True), quote(m.data[4:8], True)
    else:
        group, interface = inet_addr(m.data[:4], opts.hexstr), inet_addr(m.data[4:8], opts.hexstr)
    return f"{{imr_multiaddr={group}, imr_interface={interface}}}"


def _mreq6(addr: int, m: Mem | None, n: int, opts: DecodeOptions) -> str:
    if n < 20 or m is None or len(m.data) < 20:
        return ptr(addr)
    (index,) = struct.unpack_from("<I", m.data, 16)
    if opts.raw:  # the address's bytes, the index as a number
        return f"{{ipv6mr_multiaddr={quote(m.data[:16], True)}, ipv6mr_interface={index}}}"
    group = quote(inet6_ntop(m.data[:16]).encode(), hexstr=opts.hexstr)
    # (strace names the field only inside inet_pton's arguments)
    return f"{{inet_pton(AF_INET6, {group}, &ipv6mr_multiaddr), ipv6mr_interface={ifindex(index)}}}"


# --- getsockopt -------------------------------------------------------------------------


def _optval_cap(opts: DecodeOptions) -> int:
    # -s + 1 bytes (a string one past -s shows whether it goes on), and at least the
    # largest structure decoded (group_req, 136 bytes)
    return min(max(opts.strsize + 1, GROUP_REQ_SIZE), MAX_BYTES)


def _get_value(c: Ctx, level: int, name: int, addr: int, m: Mem | None, rlen: int) -> str:
    strsize = c.opts.strsize
    if addr and level == net.SOL_SOCKET:
        if name == SO_LINGER:
            return _fields(addr, m, rlen, _LINGER)
        if name == SO_PEERCRED:
            return _fields(addr, m, rlen, _UCRED)
        if name == SO_ERROR:
            if rlen < 4:
                return buffer(addr, m, rlen, strsize, force_hex=True)
            return _int(addr, m, _errno_name)
        if name == SO_TXREHASH:
            if rlen < 4:
                return buffer(addr, m, rlen, strsize, force_hex=True)
            return _int(addr, m, str if c.opts.raw else _txrehash)
        if name == SO_ATTACH_FILTER:
            return ptr(addr)
        if name in INT_LIKE:
            if rlen < 4:
                return buffer(addr, m, rlen, strsize, force_hex=True)
            return _int(addr, m)
    elif addr and (level, name) in _ADDRESS_ONLY:
        return ptr(addr)
    elif addr and (level, name) == (net.SOL_RAW, ICMP_FILTER):
        return _icmp_filter(c, addr, m, rlen)
    elif addr and level == net.SOL_PACKET and name == PACKET_STATISTICS:
        return _fields(addr, m, rlen, _TPACKET_STATS)
    if level == net.SOL_NETLINK:
        return _int(addr, m)
    return _int(addr, m) if rlen == 4 else buffer(addr, m, rlen, strsize, hexstr=c.opts.hexstr)


def _len_at(m: Mem | None) -> int | None:
    if m is None or len(m.data) < 4:
        return None
    return _word(m.data)


def _getsockopt_value(c: Ctx, i: int) -> str:
    """What the kernel stored, ``*optlen`` bytes of it (strace reads the length back at
    exit; a length it did not read, or not above zero, shows the address)."""
    addr = c.a(i)
    ulen = _len_at(c.entry_mem(4))
    rlen = None if c.failed else _len_at(c.exit_mem(4))
    if ulen is None or rlen is None or ulen <= 0 or rlen <= 0:
        return ptr(addr)
    return _get_value(c, u32(c.a(1)), u32(c.a(2)), addr, c.exit_mem(i), rlen)


GET_OPTVAL = Arg(_getsockopt_value, lambda opts: (fixed(_optval_cap(opts), "exit"),))
LEVEL = register_only(Arg(_level))
syscall("getsockopt", FD, LEVEL, _option_name(True), GET_OPTVAL, ADDRLEN)


# --- setsockopt -------------------------------------------------------------------------


def _setsockopt_value(c: Ctx, i: int) -> str:
    addr = c.a(i)
    m = c.mem(i)
    n = s32(c.a(4))
    level, name = u32(c.a(1)), u32(c.a(2))
    if addr and level == net.SOL_SOCKET:
        if name == SO_LINGER:
            return ptr(addr) if n < 8 else _fields(addr, m, 8, _LINGER)
        if name in (SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF):
            return ptr(addr)
        if name == SO_TXREHASH:
            return ptr(addr) if n < 4 else _int(addr, m, str if c.opts.raw else _txrehash)
        if name in INT_LIKE:
            return ptr(addr) if n < 4 else _int(addr, m)
    elif addr and (level, name) in _ADDRESS_ONLY:
        return ptr(addr)
    elif addr and (level, name) == (net.SOL_RAW, ICMP_FILTER):
        return _icmp_filter(c, addr, m, n)
    elif (
        addr
        and level in (net.SOL_IP, net.SOL_IPV6)
        and name in (MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP)
    ):
        return _group_req(c, addr, m, n)
    elif (
        addr and level == net.SOL_PACKET and name in (PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP)
    ):
        return _packet_mreq(c, addr, m, n)
    elif addr and level == net.SOL_IP and name in (net.IP_ADD_MEMBERSHIP, net.IP_DROP_MEMBERSHIP):
        return _mreq(addr, m, n, c.opts)
    elif (
        addr
        and level == net.SOL_IPV6
        and name
        in (
            net.IPV6_ADD_MEMBERSHIP,
            net.IPV6_DROP_MEMBERSHIP,
            net.IPV6_JOIN_ANYCAST,
            net.IPV6_LEAVE_ANYCAST,
        )
    ):
        return _mreq6(addr, m, n, c.opts)
    elif addr and level == net.SOL_PACKET and name in (PACKET_RX_RING, PACKET_TX_RING):
        return ptr(addr) if n != 16 else _fields(addr, m, 16, _TPACKET_REQ)
    elif level == net.SOL_NETLINK:
        return ptr(addr) if addr and n < 4 else _int(addr, m)
    if n == 4:
        return _int(addr, m)
    # strace passes the int length on as an unsigned long: a negative one is huge
    return buffer(addr, m, n & MASK64, c.opts.strsize, hexstr=c.opts.hexstr)


def _set_optval_caps(opts: DecodeOptions) -> tuple[Capture, ...]:
    return (Capture("buf", "both", "a4", _optval_cap(opts)),)


syscall(
    "setsockopt",
    FD,
    LEVEL,
    _option_name(False),
    Arg(_setsockopt_value, _set_optval_caps),
    INT,
)
