"""Socket addresses as strace 6.1 prints them: the guest run's conformance listing
(strace's net-sockaddr test) and calls on the host."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.events import Mem
from vmstrace.decode import DecodeOptions, render_line

SA = 0x7F270D109F94
EBADF = " = -1 EBADF (Bad file descriptor)"


def neg(n: int) -> int:
    return n & ((1 << 64) - 1)


def fam(family: int, rest: bytes) -> bytes:
    return struct.pack("<H", family) + rest


def in6(port: int, flow: int, addr: bytes, scope: int | None = None) -> bytes:
    tail = b"" if scope is None else struct.pack("<I", scope)
    return fam(10, struct.pack(">HI", port, flow) + addr + tail)


def connect(data: bytes | Mem, addrlen: int, shown: str) -> tuple:
    mem = data if isinstance(data, Mem) else Mem(SA, data)
    return (
        ("connect", [neg(-1), SA, addrlen], neg(-9), {1: mem}, None),
        f"connect(-1, {shown}, {addrlen}){EBADF}",
    )


IPX = fam(4, struct.pack(">HI", 12345, 0xFACEFEED) + b"ABCDEF\xff")


def ll(proto: int, index: int, hatype: int, pkttype: int, halen: int, addr: bytes) -> bytes:
    """struct sockaddr_ll: the protocol in network byte order, the rest in the host's."""
    return fam(
        17, struct.pack(">H", proto) + struct.pack("<IHBB", index, hatype, pkttype, halen) + addr
    )


LL = ll(0x0003, 0xFACEFEED, 1, 0, 8, b"abcdefgh")
CASES = [
    # AF_UNIX: sun_path within the length and sockaddr_un's 108 bytes
    connect(fam(1, b"0" * 110), 112, '{sa_family=AF_UNIX, sun_path="' + "0" * 108 + '"}'),
    connect(fam(1, b"\0" + b"0" * 109), 112, '{sa_family=AF_UNIX, sun_path=@"' + "0" * 107 + '"}'),
    connect(
        fam(1, b"0" * 108 + b"\xff" * 30), 129, '{sa_family=AF_UNIX, sun_path="' + "0" * 108 + '"}'
    ),
    connect(Mem(SA, fam(1, b"\0" + b"0" * 105), fault=True), 110, "0x7f270d109f94"),
    connect(fam(1, b""), 2, "{sa_family=AF_UNIX}"),
    connect(fam(1, b"\0"), 3, '{sa_family=AF_UNIX, sun_path=@""}'),
    connect(fam(1, b"x\0\0"), 5, '{sa_family=AF_UNIX, sun_path="x"}'),
    connect(
        fam(1, b"\0" + b"a" * 17 + b"\0" + b"a" * 19),
        40,
        '{sa_family=AF_UNIX, sun_path=@"' + "a" * 17 + "\\0" + "a" * 19 + '"}',
    ),
    connect(b"\1", 1, "0x7f270d109f94"),
    # AF_INET: shorter than sockaddr_in, its bytes; unreadable, the address
    connect(
        fam(2, bytes(6) + b"\xff" * 4),
        12,
        '{sa_family=AF_INET, sa_data="\\0\\0\\0\\0\\0\\0\\377\\377\\377\\377"}',
    ),
    connect(Mem(SA, fam(2, bytes(10)), fault=True), 16, "0x7f270d109f94"),
    connect(
        fam(2, b"\x78\0" + bytes(12)) + bytes(24),
        40,
        '{sa_family=AF_INET, sin_port=htons(30720), sin_addr=inet_addr("0.0.0.0")}',
    ),
    # AF_INET6: the scope id only past 24 bytes, an interface for a link-local address
    connect(
        in6(12345, 1234567890, b"\xfe\x80" + bytes(14), 1),
        28,
        "{sa_family=AF_INET6, sin6_port=htons(12345), sin6_flowinfo=htonl(1234567890), "
        'inet_pton(AF_INET6, "fe80::", &sin6_addr), sin6_scope_id=if_nametoindex("lo")}',
    ),
    connect(
        in6(0, 0, b"\xfe\x80" + bytes(13) + b"\1", 77),
        28,
        "{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "fe80::1", &sin6_addr), sin6_scope_id=77}',
    ),
    connect(
        in6(12345, 1234567890, bytes.fromhex("0012003400560078009000ab00cd00ef")),
        24,
        "{sa_family=AF_INET6, sin6_port=htons(12345), sin6_flowinfo=htonl(1234567890), "
        'inet_pton(AF_INET6, "12:34:56:78:90:ab:cd:ef", &sin6_addr)}',
    ),
    connect(
        in6(0, 0, bytes(10) + b"\xff\xff\1\2\3\4", 0),
        28,
        "{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "::ffff:1.2.3.4", &sin6_addr), sin6_scope_id=0}',
    ),
    connect(
        in6(0, 0, bytes(12) + b"\1\2\3\4", 0),
        28,
        "{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "::1.2.3.4", &sin6_addr), sin6_scope_id=0}',
    ),
    connect(
        in6(0, 0, b"\xfe\x80" + bytes(14))[:23],
        23,
        '{sa_family=AF_INET6, sa_data="\\0\\0\\0\\0\\0\\0\\376\\200' + "\\0" * 13 + '"}',
    ),
    # AF_IPX, AF_X25, AF_NETLINK, an unknown family
    connect(
        IPX + b"\0",
        16,
        "{sa_family=AF_IPX, sipx_port=htons(12345), sipx_network=htonl(0xfacefeed), "
        "sipx_node=[0x41, 0x42, 0x43, 0x44, 0x45, 0x46], sipx_type=0xff}",
    ),
    connect(
        IPX + b"B",
        16,
        "{sa_family=AF_IPX, sipx_port=htons(12345), sipx_network=htonl(0xfacefeed), "
        "sipx_node=[0x41, 0x42, 0x43, 0x44, 0x45, 0x46], sipx_type=0xff, sipx_zero=0x42}",
    ),
    connect(
        fam(4, bytes(14)),
        16,
        "{sa_family=AF_IPX, sipx_port=htons(0), sipx_network=htonl(0), "
        "sipx_node=[00, 00, 00, 00, 00, 00], sipx_type=00}",
    ),
    connect(
        fam(9, b"0123456789abcdef\0"),
        19,
        '{sa_family=AF_X25, sx25_addr={x25_addr="0123456789abcde"...}}',
    ),
    connect(
        fam(9, b"0123456789\0bcdef"), 18, '{sa_family=AF_X25, sx25_addr={x25_addr="0123456789"}}'
    ),
    connect(
        fam(9, b"0123456789abcde\0"),
        18,
        '{sa_family=AF_X25, sx25_addr={x25_addr="0123456789abcde"}}',
    ),
    connect(
        fam(16, struct.pack("<HII", 0xFFFF, 1234567890, 0xFACEFEED)),
        12,
        "{sa_family=AF_NETLINK, nl_pad=0xffff, nl_pid=1234567890, nl_groups=0xfacefeed}",
    ),
    connect(fam(16, bytes(10)), 12, "{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}"),
    connect(
        fam(16, b"\1" + bytes(8)),
        11,
        '{sa_family=AF_NETLINK, sa_data="\\1\\0\\0\\0\\0\\0\\0\\0\\0"}',
    ),
    connect(
        fam(0xFF, b"0" * 134), 136, '{sa_family=0xff /* AF_??? */, sa_data="' + "0" * 126 + '"}'
    ),
    connect(fam(0, b"x\0\0\0"), 6, '{sa_family=AF_UNSPEC, sa_data="x\\0\\0\\0"}'),
    # AF_PACKET (strace's net-sockaddr check_ll): sll_addr as long as sll_halen, within
    # the length; an interface strace would find by name
    connect(
        LL,
        20,
        "{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=4207869677, "
        "sll_hatype=ARPHRD_ETHER, sll_pkttype=PACKET_HOST, sll_halen=8, "
        "sll_addr=[0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68]}",
    ),
    connect(
        LL[:11] + b"\x09" + LL[12:],
        20,
        "{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=4207869677, "
        "sll_hatype=ARPHRD_ETHER, sll_pkttype=PACKET_HOST, sll_halen=9, "
        "sll_addr=[0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, ...]}",
    ),
    connect(
        ll(0x0800, 1, 1, 4, 6, b"\x52\x54\0\x12\x34\x56\0\0" + b"\xff" * 4),
        24,
        "{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_IP), "
        'sll_ifindex=if_nametoindex("lo"), sll_hatype=ARPHRD_ETHER, '
        "sll_pkttype=PACKET_OUTGOING, sll_halen=6, sll_addr=[0x52, 0x54, 00, 0x12, 0x34, 0x56]}",
    ),
    connect(
        ll(0x1234, 2, 0x2222, 9, 0, bytes(8)),
        20,
        "{sa_family=AF_PACKET, sll_protocol=htons(0x1234 /* ETH_P_??? */), sll_ifindex=2, "
        "sll_hatype=0x2222 /* ARPHRD_??? */, sll_pkttype=0x9 /* PACKET_??? */, sll_halen=0}",
    ),
    connect(
        LL[:19],
        19,
        '{sa_family=AF_PACKET, sa_data="\\0\\3\\355\\376\\316\\372\\1\\0\\0\\10abcdefg"}',
    ),
    # an address the kernel wrote: as long as the smaller of the lengths
    (
        (
            "getsockname",
            [8, 0x1000, 0x2000],
            0,
            {2: struct.pack("<I", 12)},
            {1: fam(16, struct.pack("<HII", 0, 14128, 0)), 2: struct.pack("<I", 12)},
        ),
        "getsockname(8, {sa_family=AF_NETLINK, nl_pid=14128, nl_groups=00000000}, [12]) = 0",
    ),
    (
        (
            "accept",
            [3, 0x1000, 0x2000],
            5,
            {2: struct.pack("<I", 110)},
            {1: fam(1, b"/tmp/s\0" + b"\xff" * 100), 2: struct.pack("<I", 9)},
        ),
        'accept(3, {sa_family=AF_UNIX, sun_path="/tmp/s"}, [110 => 9]) = 5',
    ),
]


@pytest.mark.parametrize(("call", "expected"), CASES, ids=[e[:70] for _, e in CASES])
def test_sockaddr_line(decode_call, call, expected):
    name, args, ret, entry, exit_mem = call
    assert render_line(decode_call(name, args, ret, entry, exit_mem), DecodeOptions()) == expected


def test_packet_socket_protocol_and_address(decode_call):
    sock = decode_call("socket", [17, 3, 0x0300], 3)
    assert render_line(sock, DecodeOptions()) == "socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = 3"
    assert render_line(sock, DecodeOptions(raw=True)) == "socket(0x11, 0x3, htons(0x3)) = 3"
    other = decode_call("socket", [17, 2, 0x3412], 3)
    assert render_line(other, DecodeOptions()) == (
        "socket(AF_PACKET, SOCK_DGRAM, htons(0x1234 /* ETH_P_??? */)) = 3"
    )
    bind = decode_call("bind", [3, SA, 20], 0, {1: Mem(SA, LL)})
    assert render_line(bind, DecodeOptions(raw=True)) == (
        'bind(3, {sa_family=0x11, sll_protocol="\\x00\\x03", sll_ifindex=4207869677, '
        "sll_hatype=0x1, sll_pkttype=0, sll_halen=8, "
        "sll_addr=[0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68]}, 20) = 0"
    )


def test_raw_family_is_hex(decode_call):
    call = decode_call("connect", [3, SA, 110], 0, {1: Mem(SA, fam(1, b"/s").ljust(110, b"\0"))})
    assert render_line(call, DecodeOptions(raw=True)) == (
        'connect(3, {sa_family=0x1, sun_path="/s"}, 110) = 0'
    )


def test_addresses_text_is_a_quoted_string_that_xx_shows_in_hex():
    """strace's print_inet_addr quotes inet_addr's and inet_pton's text: -xx hex too."""
    v4 = Mem(SA, fam(2, b"\x00\x35" + bytes([127, 0, 0, 1]) + bytes(8)))
    call = ("connect", [neg(-1), SA, 16], neg(-9), {1: v4}, None)
    from conftest import build_call

    line = render_line(build_call(*call), DecodeOptions(hexstr=2))
    assert 'sin_addr=inet_addr("\\x31\\x32\\x37\\x2e\\x30\\x2e\\x30\\x2e\\x31")' in line
    assert 'sin_addr=inet_addr("127.0.0.1")' in render_line(build_call(*call))
    v6 = Mem(SA, in6(53, 0, bytes(15) + b"\x01"))
    call6 = ("connect", [neg(-1), SA, 24], neg(-9), {1: v6}, None)
    assert 'inet_pton(AF_INET6, "\\x3a\\x3a\\x31", &sin6_addr)' in render_line(
        build_call(*call6), DecodeOptions(hexstr=2)
    )
