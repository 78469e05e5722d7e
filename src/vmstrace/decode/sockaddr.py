"""Socket addresses as strace 6.1 prints them (its src/sockaddr.c).

``{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("10.0.2.2")}``: a family
strace has a printer for prints field by field when the length given holds at least the
printer's minimum; any other address prints its bytes after the family as ``sa_data``.
Layouts: ``linux/un.h``, ``linux/in.h``, ``linux/in6.h``, ``linux/netlink.h``,
``linux/ipx.h``, ``linux/x25.h``, ``linux/if_packet.h``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..core.events import Mem
from .consts import net
from .fmt import Ctx, DecodeOptions, hexnum, ptr, quote, xlat
from .inet import ifindex, inet6_ntop

SOCKADDR_STORAGE = 128  # sizeof(struct sockaddr_storage): strace reads no more
SUN_LEN = 110  # sizeof(struct sockaddr_un)
SOCKADDR_LL, SLL_ADDR = 20, 12  # sizeof(struct sockaddr_ll), offsetof(.., sll_addr)
AF_IPX, AF_X25 = 4, 9


def _hex0(v: int, width: int) -> str:
    """C's ``%#0*x``: ``0x41``, but ``00`` for zero (the ``#`` adds no 0x to a zero)."""
    return f"{v:#0{width}x}" if v else "0" * width


def _un(d: bytes, opts: DecodeOptions) -> str:
    # sun_path as far as the length reaches (at most sockaddr_un's 108 bytes): a path
    # up to its NUL, an abstract name (a leading NUL) every byte
    path, hexstr = d[2:SUN_LEN], opts.hexstr
    if path[0]:
        return "sun_path=" + quote(path.split(b"\0", 1)[0], hexstr=hexstr)
    return f"sun_path=@{quote(path[1:], hexstr=hexstr)}"


def _in(d: bytes, opts: DecodeOptions) -> str:
    (port,) = struct.unpack_from(">H", d, 2)
    # (strace's print_inet_addr quotes the text: -xx shows it in hex too)
    ip = quote(".".join(str(b) for b in d[4:8]).encode(), hexstr=opts.hexstr)
    return f"sin_port=htons({port}), sin_addr=inet_addr({ip})"


def _in6(d: bytes, opts: DecodeOptions) -> str:
    port, flow = struct.unpack_from(">HI", d, 2)
    addr = d[8:24]
    text = (
        f"sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), "
        f"inet_pton(AF_INET6, {quote(inet6_ntop(addr).encode(), hexstr=opts.hexstr)}, "
        "&sin6_addr)"
    )
    if len(d) <= 24:
        return text
    scope = int.from_bytes(d[24:28].ljust(4, b"\0"), "little")
    link_local = (addr[0] == 0xFE and addr[1] & 0xC0 == 0x80) or (
        addr[0] == 0xFF and addr[1] & 0x0F == 0x2
    )  # IN6_IS_ADDR_(MC_)LINKLOCAL
    return text + f", sin6_scope_id={ifindex(scope) if link_local else scope}"


def _nl(d: bytes, opts: DecodeOptions) -> str:
    pad, pid, groups = struct.unpack_from("<HIi", d, 2)
    head = f"nl_pad={pad:#x}, " if pad else ""
    return (
        head + f"nl_pid={pid if pid < 1 << 31 else pid - (1 << 32)}, "
        f"nl_groups={_hex0(groups & 0xFFFFFFFF, 8)}"
    )


def _ipx(d: bytes, opts: DecodeOptions) -> str:
    port, network = struct.unpack_from(">HI", d, 2)
    node = ", ".join(_hex0(b, 2) for b in d[8:14])
    # (-X raw: the port's bytes, as an IP port's; the network stays htonl(), as strace's)
    shown = quote(d[2:4], True) if opts.raw else f"htons({port})"
    text = (
        f"sipx_port={shown}, sipx_network=htonl({hexnum(network)}), "
        f"sipx_node=[{node}], sipx_type={_hex0(d[14], 2)}"
    )
    return text + (f", sipx_zero={d[15]:#x}" if d[15] else "")


def _x25(d: bytes, opts: DecodeOptions) -> str:
    addr, hexstr = d[2:18], opts.hexstr  # char x25_addr[16], a C string that may fill it
    nul = addr.find(b"\0")
    shown = (
        quote(addr[:nul], hexstr=hexstr) if nul >= 0 else quote(addr[:15], hexstr=hexstr) + "..."
    )
    return f"sx25_addr={{x25_addr={shown}}}"


def _ll(d: bytes, opts: DecodeOptions) -> str:
    """struct sockaddr_ll (linux/if_packet.h): protocol (network order), ifindex, hatype,
    pkttype, halen, then sll_addr's bytes, as many as halen says that the length holds
    (strace reads on into the rest of the address, past the 8 of sll_addr)."""
    proto, index, hatype, pkttype, halen = struct.unpack_from("<2sIHBB", d, 2)
    if opts.raw:
        head = f"sll_protocol={quote(proto, True)}, sll_ifindex={index}"
    else:
        name = xlat(int.from_bytes(proto, "big"), net.ETHERNET_PROTOCOLS, opts, "ETH_P_")
        head = f"sll_protocol=htons({name}), sll_ifindex={ifindex(index)}"
    text = (
        f"{head}, sll_hatype={xlat(hatype, net.ARP_HARDWARE_TYPES, opts, 'ARPHRD_')}, "
        f"sll_pkttype={xlat(pkttype, net.PACKET_TYPES, opts, 'PACKET_')}, sll_halen={halen}"
    )
    if not halen:
        return text
    addr = [_hex0(b, 2) for b in d[SLL_ADDR : SLL_ADDR + halen]]
    more = ", ..." if halen > len(d) - SLL_ADDR else ""
    return f"{text}, sll_addr=[{', '.join(addr)}{more}]"


# family: (printer of the bytes after sa_family, the least length it needs)
# each printer takes the address's bytes and the options (-x: strace quotes sun_path as a
# string; -X raw)
_PRINTERS: dict[int, tuple[Callable[[bytes, DecodeOptions], str], int]] = {
    net.AF_UNIX: (_un, 3),
    net.AF_INET: (_in, 16),
    net.AF_INET6: (_in6, 24),
    net.AF_NETLINK: (_nl, 12),
    AF_IPX: (_ipx, 16),
    AF_X25: (_x25, 18),
    net.AF_PACKET: (_ll, SOCKADDR_LL),
}


def sockaddr(c: Ctx, d: bytes) -> str:
    """One socket address: ``d`` holds the bytes within the length given (at most
    sockaddr_storage's 128), at least the 2 of sa_family."""
    if len(d) < 2:
        return "{sa_family=???}" if not d else ptr(0)  # (callers pass at least 2 bytes)
    (family,) = struct.unpack_from("<H", d)
    head = f"sa_family={xlat(family, net.ADDRESS_FAMILIES, c.opts, 'AF_')}"
    if len(d) <= 2:
        return f"{{{head}}}"
    printer = _PRINTERS.get(family)
    if c.opts.raw and family in (net.AF_INET, net.AF_INET6) and printer is not None:
        if len(d) >= printer[1]:  # (shorter: sa_data's bytes, as below)
            return _inet_raw(head, family, d)
    if printer is not None and len(d) >= printer[1]:
        return f"{{{head}, {printer[0](d, c.opts)}}}"
    return f"{{{head}, sa_data={quote(d[2:], hexstr=c.opts.hexstr)}}}"


def decode_sockaddr(c: Ctx, addr: int, m: Mem | None, addrlen: int) -> str:
    """strace's decode_sockaddr: a length below 2 shows the address, a longer one than
    sockaddr_storage is cut to it, and a read short of the length shows the address."""
    if addrlen < 2 or not addr:
        return ptr(addr)
    addrlen = min(addrlen, SOCKADDR_STORAGE)
    if m is None or len(m.data) < addrlen:
        return ptr(addr)
    return sockaddr(c, m.data[:addrlen])


def _inet_raw(head: str, family: int, d: bytes) -> str:
    """strace -X raw: an IP address's fields as the bytes they hold (``sin_port="\\x00\\x09"``);
    an IPv6 one's scope id only when the length holds it."""
    if family == net.AF_INET:
        return f"{{{head}, sin_port={quote(d[2:4], True)}, sin_addr={quote(d[4:8], True)}}}"
    scope = f", sin6_scope_id={struct.unpack_from('<I', d, 24)[0]}" if len(d) >= 28 else ""
    return (
        f"{{{head}, sin6_port={quote(d[2:4], True)}, "
        f"sin6_flowinfo={quote(d[4:8], True)}, sin6_addr={quote(d[8:24], True)}{scope}}}"
    )
