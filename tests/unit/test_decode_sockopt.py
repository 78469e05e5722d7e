"""getsockopt/setsockopt lines as strace 6.1 prints them: the guest run's conformance
listing (strace's sockopt-sol_socket and so_linger tests) and calls on the host."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.events import Mem
from vmstrace.decode import DecodeOptions, render_line

OPT = 0x7F59DD9CFFFC  # 4 bytes before an unmapped page
OPT8 = 0x7F59DD9C9FF8  # 8 bytes before one
END = 0x7F59DD9D0000  # the unmapped page
LEN = 0x7F59DD9C6000
STK = 0x7FFDBB61A49C


def neg(n: int) -> int:
    return n & ((1 << 64) - 1)


def i32(*v: int) -> bytes:
    return struct.pack(f"<{len(v)}i", *v)


def at(addr: int, data: bytes, fault: bool = True) -> Mem:
    """What the plugin reads at ``addr``: ``data``, then (by default) a fault."""
    return Mem(addr, data, fault=fault)


def get(
    level: int,
    name: int,
    val: int,
    ulen: int,
    ret: int = 0,
    data: Mem | bytes | None = None,
    rlen: int | None = None,
) -> tuple:
    exit_mem: dict[int, Mem | bytes] = {}
    if data is not None:
        exit_mem[3] = data
    if ret == 0:
        exit_mem[4] = i32(ulen if rlen is None else rlen)
    return ("getsockopt", [3, level, name, val, LEN], ret, {4: i32(ulen)}, exit_mem)


def put(
    level: int, name: int, val: int, n: int, ret: int = 0, data: Mem | bytes | None = None
) -> tuple:
    return (
        "setsockopt",
        [3, level, name, val, n],
        ret,
        {3: data} if data is not None else {},
        None,
    )


CASES = [
    # int-like options: an int's worth shown as one, fewer bytes in hex
    (
        get(1, 1, OPT, 3, data=at(OPT, bytes(4))),
        'getsockopt(3, SOL_SOCKET, SO_DEBUG, "\\x00\\x00\\x00", [3]) = 0',
    ),
    (
        get(1, 7, OPT, 3, data=at(OPT, b"\x00\x40\x03\x00")),
        'getsockopt(3, SOL_SOCKET, SO_SNDBUF, "\\x00\\x40\\x03", [3]) = 0',
    ),
    (
        get(1, 2, OPT8, 5, rlen=4, data=at(OPT8, bytes(8))),
        "getsockopt(3, SOL_SOCKET, SO_REUSEADDR, [0], [5 => 4]) = 0",
    ),
    (
        put(1, 1, OPT, 5, data=at(OPT, i32(1234567890))),
        "setsockopt(3, SOL_SOCKET, SO_DEBUG, [1234567890], 5) = 0",
    ),
    (
        put(1, 1, OPT, 3, neg(-22), data=at(OPT, bytes(4))),
        "setsockopt(3, SOL_SOCKET, SO_DEBUG, 0x7f59dd9cfffc, 3) = -1 EINVAL (Invalid argument)",
    ),
    # the others: an int when the length is an int's, else a string of that length
    (
        get(1, 3, OPT, 3, data=at(OPT, b"\2\0\0\0")),
        'getsockopt(3, SOL_SOCKET, SO_TYPE, "\\2\\0\\0", [3]) = 0',
    ),
    (
        get(1, 20, OPT8, 5, data=at(OPT8, bytes(8))),
        'getsockopt(3, SOL_SOCKET, SO_RCVTIMEO_OLD, "\\0\\0\\0\\0\\0", [5]) = 0',
    ),
    (
        get(1, 55, OPT, 4, data=at(OPT, bytes(4))),
        "getsockopt(3, SOL_SOCKET, SO_MEMINFO, [0], [4]) = 0",
    ),
    (get(1, 55, 0, 0), "getsockopt(3, SOL_SOCKET, SO_MEMINFO, NULL, [0]) = 0"),
    (
        get(1, 28, OPT, 5, neg(-107)),
        "getsockopt(3, SOL_SOCKET, SO_PEERNAME, 0x7f59dd9cfffc, [5]) = -1 ENOTCONN "
        "(Transport endpoint is not connected)",
    ),
    (
        get(1, 0x4C, OPT, 4, neg(-92)),
        "getsockopt(3, SOL_SOCKET, 0x4c /* SO_??? */, 0x7f59dd9cfffc, [4]) = -1 ENOPROTOOPT "
        "(Protocol not available)",
    ),
    (
        get(1, 3, STK, 0, data=at(STK, bytes(40), fault=False)),
        "getsockopt(3, SOL_SOCKET, SO_TYPE, 0x7ffdbb61a49c, [0]) = 0",
    ),
    (
        put(1, 28, OPT, 5, neg(-92), data=at(OPT, i32(0))),
        "setsockopt(3, SOL_SOCKET, SO_PEERNAME, 0x7f59dd9cfffc, 5) = -1 ENOPROTOOPT "
        "(Protocol not available)",
    ),
    (
        put(1, 28, OPT, 4, neg(-92), data=at(OPT, i32(1))),
        "setsockopt(3, SOL_SOCKET, SO_PEERNAME, [1], 4) = -1 ENOPROTOOPT (Protocol not available)",
    ),
    (
        put(1, 3, OPT, 3, neg(-22), data=at(OPT, bytes(4))),
        'setsockopt(3, SOL_SOCKET, SO_TYPE, "\\0\\0\\0", 3) = -1 EINVAL (Invalid argument)',
    ),
    (
        put(1, 55, OPT, neg(-1), neg(-22), data=at(OPT, bytes(4))),
        "setsockopt(3, SOL_SOCKET, SO_MEMINFO, 0x7f59dd9cfffc, -1) = -1 EINVAL (Invalid argument)",
    ),
    (
        put(1, 55, END, 4, neg(-14), data=at(END, b"")),
        "setsockopt(3, SOL_SOCKET, SO_MEMINFO, 0x7f59dd9d0000, 4) = -1 EFAULT (Bad address)",
    ),
    (
        put(1, 0xFFFFFFFF, OPT, 3, neg(-22), data=at(OPT, bytes(4))),
        'setsockopt(3, SOL_SOCKET, 0xffffffff /* SO_??? */, "\\0\\0\\0", 3) = -1 EINVAL '
        "(Invalid argument)",
    ),
    (
        put(1, 25, 0x1000, 3, data=at(0x1000, b"lo\0\0\0", fault=False)),
        'setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, "lo\\0", 3) = 0',
    ),
    (
        put(1, 25, 0x1000, 40, neg(-19), data=at(0x1000, b"A" * 33, fault=False)),
        'setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"..., 40) '
        "= -1 ENODEV (No such device)",
    ),
    (
        put(1, 25, 0x1000, 0, data=at(0x1000, b"", fault=False)),
        'setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, "", 0) = 0',
    ),
    (
        get(1, 25, 0x1000, 64, rlen=3, data=at(0x1000, b"lo\0" + bytes(30), fault=False)),
        'getsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, "lo\\0", [64 => 3]) = 0',
    ),
    # SO_TXREHASH: the SOCK_TXREHASH_* names
    (
        get(1, 74, OPT8, 5, rlen=4, data=at(OPT8, bytes(8))),
        "getsockopt(3, SOL_SOCKET, SO_TXREHASH, [SOCK_TXREHASH_DISABLED], [5 => 4]) = 0",
    ),
    (
        put(1, 74, OPT, 4, neg(-22), data=at(OPT, i32(511))),
        "setsockopt(3, SOL_SOCKET, SO_TXREHASH, [511 /* SOCK_TXREHASH_??? */], 4) = -1 EINVAL "
        "(Invalid argument)",
    ),
    # SO_LINGER: as many fields as the length holds, a cut one in hex
    (
        get(1, 13, OPT8, 9, rlen=8, data=at(OPT8, i32(1, -1752346657))),
        "getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=-1752346657}, [9 => 8]) = 0",
    ),
    (
        get(1, 13, OPT, 3, data=at(OPT, i32(1))),
        'getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff="\\x01\\x00\\x00"}, [3]) = 0',
    ),
    (
        get(1, 13, OPT, 4, data=at(OPT, i32(1))),
        "getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1}, [4]) = 0",
    ),
    (
        get(1, 13, OPT8, 7, data=at(OPT8, i32(1) + b"\xdf\x4f\x8d\x97")),
        'getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger="\\xdf\\x4f\\x8d"}, [7]) = 0',
    ),
    (
        put(1, 13, OPT8, 9, data=at(OPT8, i32(-15, -42))),
        "setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=-15, l_linger=-42}, 9) = 0",
    ),
    (
        put(1, 13, OPT8, 4, neg(-22), data=at(OPT8, i32(-15, -42))),
        "setsockopt(3, SOL_SOCKET, SO_LINGER, 0x7f59dd9c9ff8, 4) = -1 EINVAL (Invalid argument)",
    ),
    # SO_ERROR, SO_PEERCRED
    (
        get(1, 4, 0x1000, 4, data=i32(111)),
        "getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0",
    ),
    (get(1, 4, 0x1000, 4, data=i32(0)), "getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0"),
    (
        get(1, 4, 0x1000, 2, data=i32(0)),
        'getsockopt(3, SOL_SOCKET, SO_ERROR, "\\x00\\x00", [2]) = 0',
    ),
    (
        get(1, 17, 0x1000, 12, data=i32(14128, 0, 0)),
        "getsockopt(3, SOL_SOCKET, SO_PEERCRED, {pid=14128, uid=0, gid=0}, [12]) = 0",
    ),
    (
        get(1, 17, 0x1000, 7, data=i32(14128, 0, 0)),
        'getsockopt(3, SOL_SOCKET, SO_PEERCRED, {pid=14128, uid="\\x00\\x00\\x00"}, [7]) = 0',
    ),
    # other levels
    (put(6, 1, 0x1000, 4, data=i32(1)), "setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = 0"),
    (get(41, 26, 0x1000, 4, data=i32(1)), "getsockopt(3, SOL_IPV6, IPV6_V6ONLY, [1], [4]) = 0"),
    (
        get(0, 9999, STK, 4, neg(-92)),
        "getsockopt(3, SOL_IP, 0x270f /* IP_??? */, 0x7ffdbb61a49c, [4]) = -1 ENOPROTOOPT "
        "(Protocol not available)",
    ),
    (
        put(12345, 1, 0x1000, 4, neg(-92), data=i32(1)),
        "setsockopt(3, 0x3039 /* SOL_?? */, 1, [1], 4) = -1 ENOPROTOOPT (Protocol not available)",
    ),
    (
        put(270, 1, 0x1000, 4, data=i32(1)),
        "setsockopt(3, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, [1], 4) = 0",
    ),
    (put(0, 1, 0x1000, 1, data=bytes(4)), 'setsockopt(3, SOL_IP, IP_TOS, "\\0", 1) = 0'),
    (
        put(0, 35, 0x1000, 8, data=bytes([224, 0, 0, 251, 0, 0, 0, 0])),
        'setsockopt(3, SOL_IP, IP_ADD_MEMBERSHIP, {imr_multiaddr=inet_addr("224.0.0.251"), '
        'imr_interface=inet_addr("0.0.0.0")}, 8) = 0',
    ),
    (
        put(0, 35, STK, 7, neg(-22), data=bytes(8)),
        "setsockopt(3, SOL_IP, IP_ADD_MEMBERSHIP, 0x7ffdbb61a49c, 7) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        put(41, 20, 0x1000, 20, data=bytes([0xFF, 2]) + bytes(13) + b"\xfb" + i32(1)),
        'setsockopt(3, SOL_IPV6, IPV6_ADD_MEMBERSHIP, {inet_pton(AF_INET6, "ff02::fb", '
        '&ipv6mr_multiaddr), ipv6mr_interface=if_nametoindex("lo")}, 20) = 0',
    ),
    (
        put(263, 5, 0x1000, 16, neg(-92), data=i32(4096, 2, 2048, 4)),
        "setsockopt(3, SOL_PACKET, PACKET_RX_RING, {tp_block_size=4096, tp_block_nr=2, "
        "tp_frame_size=2048, tp_frame_nr=4}, 16) = -1 ENOPROTOOPT (Protocol not available)",
    ),
]


@pytest.mark.parametrize(("call", "expected"), CASES, ids=[e[:60] for _, e in CASES])
def test_sockopt_line(decode_call, call, expected):
    name, args, ret, entry, exit_mem = call
    assert render_line(decode_call(name, args, ret, entry, exit_mem), DecodeOptions()) == expected


# strace's ip_mreq and net-sockaddr programs under -X raw (vmstrace conformance
# --suite strace-tests -X raw): addresses as the bytes they hold
RAW_CASES = [
    (
        ("setsockopt", [0, 0, 35, 0x1000, 8], -19, {3: b"\xe0\x00\x00\x03\x7f\x00\x00\x01"}),
        'setsockopt(0, 0, 0x23, {imr_multiaddr="\\xe0\\x00\\x00\\x03", '
        'imr_interface="\\x7f\\x00\\x00\\x01"}, 8) = -1 ENODEV (No such device)',
    ),
    (
        (
            "setsockopt",
            [0, 41, 20, 0x1000, 20],
            -92,
            {3: bytes.fromhex("ff01") + bytes(13) + b"\x0c" + struct.pack("<I", 1)},
        ),
        'setsockopt(0, 0x29, 0x14, {ipv6mr_multiaddr="\\xff\\x01\\x00\\x00\\x00\\x00\\x00'
        '\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x0c", ipv6mr_interface=1}, 20) = -1 '
        "ENOPROTOOPT (Protocol not available)",
    ),
    (
        ("connect", [0xFFFFFFFF, 0x1000, 12], -9, {1: b"\x02\x00" + bytes(6) + b"\xff" * 4}),
        'connect(-1, {sa_family=0x2, sa_data="\\0\\0\\0\\0\\0\\0\\377\\377\\377\\377"}, 12) = '
        "-1 EBADF (Bad file descriptor)",
    ),
    (
        (
            "connect",
            [0xFFFFFFFF, 0x1000, 24],
            -9,
            {
                1: b"\x0a\x00\x30\x39\x49\x96\x02\xd2"
                + bytes.fromhex("0012003400560078009000ab00cd00ef")
            },
        ),
        'connect(-1, {sa_family=0xa, sin6_port="\\x30\\x39", sin6_flowinfo="\\x49\\x96\\x02'
        '\\xd2", sin6_addr="\\x00\\x12\\x00\\x34\\x00\\x56\\x00\\x78\\x00\\x90\\x00\\xab\\x00'
        '\\xcd\\x00\\xef"}, 24) = -1 EBADF (Bad file descriptor)',
    ),
]


@pytest.mark.parametrize(("call", "expected"), RAW_CASES)
def test_addresses_under_raw_are_their_bytes(decode_call, call, expected):
    name, args, ret, entry = call
    assert render_line(decode_call(name, args, ret, entry), DecodeOptions(raw=True)) == expected


def test_an_ipx_port_under_raw_is_its_bytes(decode_call):
    d = struct.pack("<H", 4) + bytes.fromhex("3039facefeed414243444546ff00")
    call = decode_call("connect", [0xFFFFFFFF, 0x1000, 16], -9, {1: d})
    assert render_line(call, DecodeOptions(raw=True)) == (
        'connect(-1, {sa_family=0x4, sipx_port="\\x30\\x39", sipx_network=htonl(0xfacefeed), '
        "sipx_node=[0x41, 0x42, 0x43, 0x44, 0x45, 0x46], sipx_type=0xff}, 16) = -1 EBADF "
        "(Bad file descriptor)"
    )


# strace's net-icmp_filter and net-packet_mreq programs (vmstrace conformance)
FILTER = 1 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 11 | 1 << 12
MREQ = struct.pack("<iHH", 0, 1, 8) + b"\xff" * 8


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("setsockopt", [0xFFFFFFFF, 255, 1, 0x1FFC, 4], -9, {3: struct.pack("<I", FILTER)}),
            "setsockopt(-1, SOL_RAW, ICMP_FILTER, [ICMP_ECHOREPLY ICMP_DEST_UNREACH "
            "ICMP_SOURCE_QUENCH ICMP_REDIRECT ICMP_TIME_EXCEEDED ICMP_PARAMETERPROB], 4) = -1 "
            "EBADF (Bad file descriptor)",
        ),
        (
            (
                "setsockopt",
                [0xFFFFFFFF, 255, 1, 0x1FFC, 8],
                -9,
                {3: struct.pack("<I", ~FILTER & 0xFFFFFFFF)},
            ),
            "setsockopt(-1, SOL_RAW, ICMP_FILTER, ~[ICMP_ECHOREPLY ICMP_DEST_UNREACH "
            "ICMP_SOURCE_QUENCH ICMP_REDIRECT ICMP_TIME_EXCEEDED ICMP_PARAMETERPROB], 8) = -1 "
            "EBADF (Bad file descriptor)",
        ),
        (
            ("setsockopt", [0xFFFFFFFF, 255, 1, 0x1FFC, 4], -9, {3: b"\xff" * 4}),
            "setsockopt(-1, SOL_RAW, ICMP_FILTER, ~[], 4) = -1 EBADF (Bad file descriptor)",
        ),
        (
            ("setsockopt", [0xFFFFFFFF, 263, 1, 0x1FF0, 16], -9, {3: MREQ}),
            "setsockopt(-1, SOL_PACKET, PACKET_ADD_MEMBERSHIP, {mr_ifindex=0, "
            "mr_type=PACKET_MR_PROMISC, mr_alen=8, mr_address=ff:ff:ff:ff:ff:ff:ff:ff}, 16) = "
            "-1 EBADF (Bad file descriptor)",
        ),
        (
            (
                "setsockopt",
                [0xFFFFFFFF, 263, 2, 0x1FF0, 16],
                -9,
                {3: struct.pack("<iHH", 0, 0xFFFF, 7) + b"\xff" * 8},
            ),
            "setsockopt(-1, SOL_PACKET, PACKET_DROP_MEMBERSHIP, {mr_ifindex=0, "
            "mr_type=0xffff /* PACKET_MR_??? */, mr_alen=7, mr_address=ff:ff:ff:ff:ff:ff:ff}, "
            "16) = -1 EBADF (Bad file descriptor)",
        ),
        (
            ("setsockopt", [0xFFFFFFFF, 263, 1, 0x1FF0, 12], -9, {3: MREQ}),
            "setsockopt(-1, SOL_PACKET, PACKET_ADD_MEMBERSHIP, 0x1ff0, 12) = -1 EBADF "
            "(Bad file descriptor)",
        ),
    ],
)
def test_raw_and_packet_socket_options(decode_call, call, expected):
    name, args, ret, entry = call
    assert render_line(decode_call(name, args, ret, entry), DecodeOptions()) == expected


GROUP4 = struct.pack("<I4xH", 1, 2) + b"\xff\xff" + bytes([224, 0, 0, 3]) + bytes(120)


@pytest.mark.parametrize(
    ("call", "raw", "expected"),
    [
        (
            ("setsockopt", [0, 0, 42, 0x1000, 136], 0, {3: GROUP4}),
            False,
            'setsockopt(0, SOL_IP, MCAST_JOIN_GROUP, {gr_interface=if_nametoindex("lo"), '
            "gr_group={sa_family=AF_INET, sin_port=htons(65535), "
            'sin_addr=inet_addr("224.0.0.3")}}, 136) = 0',
        ),
        (
            ("setsockopt", [0, 0, 45, 0x1000, 135], -22, {3: GROUP4}),
            False,
            "setsockopt(0, SOL_IP, MCAST_LEAVE_GROUP, 0x1000, 135) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("setsockopt", [0, 0, 42, 0x1000, 136], 0, {3: GROUP4}),
            True,
            'setsockopt(0, 0, 0x2a, {gr_interface=1, gr_group={sa_family=0x2, sin_port="\\xff'
            '\\xff", sin_addr="\\xe0\\x00\\x00\\x03"}}, 136) = 0',
        ),
    ],
)
def test_multicast_group_requests(decode_call, call, raw, expected):
    name, args, ret, entry = call
    assert render_line(decode_call(name, args, ret, entry), DecodeOptions(raw=raw)) == expected
