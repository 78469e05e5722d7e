"""sendmsg/recvmsg: the msghdr capture's parts rendered as strace prints them."""

from __future__ import annotations

import struct

from vmstrace import decode
from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo

WHO = TaskInfo(task=1, cr3=0, pid=9, tid=9)


def msghdr(name=0, namelen=0, iov=0, iovlen=0, control=0, controllen=0, flags=0) -> bytes:
    return struct.pack("<QI4xQQQQi4x", name, namelen, iov, iovlen, control, controllen, flags)


def call(nr, hdr_mem, ret, flags=0, at_exit=False, given=None):
    """``given``: recvmsg's entry read of msg_name and msg_namelen, with this namelen."""
    entry_mem = {} if at_exit else {1: hdr_mem}
    if given is not None:
        entry_mem = {1: Mem(0x1000, struct.pack("<QI", 0x5000, given))}
    e = RawEntry(
        0,
        0,
        "x86_64",
        Insn.SYSCALL,
        0,
        0,
        nr,
        (4, 0x1000, flags, 0, 0, 0),
        WHO,
        entry_mem,
    )
    x = RawExit(1, 0, "x86_64", Insn.SYSRETQ, 0, ret, nr, WHO, {1: hdr_mem} if at_exit else {})
    return Syscall(e, x)


def test_sendmsg_with_iov_and_scm_rights():
    cmsg = struct.pack("<QiIi4x", 20, 1, 1, 5)
    m = Mem(
        0x1000,
        msghdr(0, 0, 0x2000, 1, 0x3000, 24),
        elems=(
            Mem(0x3000, cmsg, index=0x8001),
            Mem(0x2000, struct.pack("<QQ", 0x4000, 5), index=0x8002),
            Mem(0x4000, b"hello", index=0),
        ),
    )
    assert decode.render_line(call(46, m, 5, flags=0x4000)) == (
        'sendmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], '
        "msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, "
        "cmsg_type=SCM_RIGHTS, cmsg_data=[5]}], msg_controllen=24, msg_flags=0}, "
        "MSG_NOSIGNAL) = 5"
    )


def test_recvmsg_shows_only_the_bytes_received_and_the_sender():
    name = struct.pack("<H", 1) + b"/tmp/s\0"
    m = Mem(
        0x1000,
        msghdr(0x5000, len(name), 0x2000, 1),
        at_exit=True,
        elems=(
            Mem(0x5000, name, index=0x8000),
            Mem(0x2000, struct.pack("<QQ", 0x4000, 64), index=0x8002),
            Mem(0x4000, b"abc", index=0),
        ),
    )
    rest = 'msg_iov=[{iov_base="abc", iov_len=64}], msg_iovlen=1, msg_controllen=0, msg_flags=0}'
    assert decode.render_line(call(47, m, 3, at_exit=True, given=9)) == (
        'recvmsg(4, {msg_name={sa_family=AF_UNIX, sun_path="/tmp/s"}, msg_namelen=9, '
        f"{rest}, 0) = 3"
    )
    # the size the caller gave, then the one the kernel returned (strace's `110 => 9`)
    assert decode.render_line(call(47, m, 3, at_exit=True, given=110)) == (
        'recvmsg(4, {msg_name={sa_family=AF_UNIX, sun_path="/tmp/s"}, msg_namelen=110 => 9, '
        f"{rest}, 0) = 3"
    )
    # a buffer smaller than the address: the name is shown as far as the caller's size
    assert decode.render_line(call(47, m, 3, at_exit=True, given=2)).startswith(
        "recvmsg(4, {msg_name={sa_family=AF_UNIX}, msg_namelen=2 => 9, "
    )


def test_unreadable_or_failed_msghdr_prints_the_pointer():
    assert decode.render_line(call(46, Mem(0x1000, b"", fault=True), -14)) == (
        "sendmsg(4, 0x1000, 0) = -1 EFAULT (Bad address)"
    )
    # recvmsg: its msghdr unreadable at entry, the address; a failure, the size given
    assert decode.render_line(
        call(47, Mem(0x1000, msghdr(), at_exit=True), -11, at_exit=True)
    ).startswith("recvmsg(4, 0x1000, 0) = -1 EAGAIN")
    assert decode.render_line(
        call(47, Mem(0x1000, msghdr(), at_exit=True), -11, at_exit=True, given=16)
    ).startswith("recvmsg(4, {msg_namelen=16}, 0) = -1 EAGAIN")


def mmsg_call(nr, args, ret, entry, exit):
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, 0, 0, nr, args, WHO, entry)
    x = RawExit(1, 0, "x86_64", Insn.SYSRETQ, 0, ret, nr, WHO, exit)
    return Syscall(e, x)


def mmsghdr(*messages: tuple[bytes, int]) -> bytes:
    """struct mmsghdr entries: each a msghdr's 56 bytes, then msg_len and padding."""
    return b"".join(hdr + struct.pack("<I4x", sent) for hdr, sent in messages)


def test_sendmmsg_shows_each_message_and_what_was_sent_of_it():
    """The messages as the caller passed them (their parts numbered per message), and
    msg_len for those the kernel sent (strace's decode_mmsgvec)."""
    sent = mmsghdr((msghdr(0, 0, 0x2000, 1), 0), (msghdr(0, 0, 0x2100, 1), 0))
    parts = (
        Mem(0x2000, struct.pack("<QQ", 0x4000, 3), index=0x8002),
        Mem(0x4000, b"abc", index=0),
        Mem(0x2100, struct.pack("<QQ", 0x4100, 4), index=0x8002 + 4),
        Mem(0x4100, b"defg", index=256),
    )
    entry = {1: Mem(0x1000, sent, elems=parts)}
    lens = Mem(0x1000, mmsghdr((msghdr(), 3), (msghdr(), 4)), at_exit=True)
    one = "msg_controllen=0, msg_flags=0}"
    call = mmsg_call(307, (3, 0x1000, 2, 0x4000, 0, 0), 2, entry, {1: lens})
    assert decode.render_line(call) == (
        "sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, "
        f'msg_iov=[{{iov_base="abc", iov_len=3}}], msg_iovlen=1, {one}, msg_len=3}}, '
        "{msg_hdr={msg_name=NULL, msg_namelen=0, "
        f'msg_iov=[{{iov_base="defg", iov_len=4}}], msg_iovlen=1, {one}, msg_len=4}}], '
        "2, MSG_NOSIGNAL) = 2"
    )
    failed = mmsg_call(307, (3, 0x1000, 2, 0, 0, 0), 2**64 - 111, entry, {})
    line = decode.render_line(failed)
    assert "msg_len" not in line and line.endswith("2, 0) = -1 ECONNREFUSED (Connection refused)")
    assert decode.render_line(mmsg_call(307, (3, 0, 2, 0, 0, 0), -14, {}, {})).startswith(
        "sendmmsg(3, NULL, 2, 0) = -1 EFAULT"
    )


def test_recvmmsg_shows_the_messages_received():
    name = struct.pack("<HH4s", 2, 0x3500, bytes([127, 0, 0, 1])).ljust(16, b"\0")
    given = mmsghdr((msghdr(0x5000, 16, 0x2000, 1), 0), (msghdr(0x5100, 16, 0x2100, 1), 0))
    got = mmsghdr((msghdr(0x5000, 16, 0x2000, 1), 2))
    parts = (
        Mem(0x5000, name, index=0x8000),
        Mem(0x2000, struct.pack("<QQ", 0x4000, 512), index=0x8002),
        Mem(0x4000, b"hi", index=0),
    )
    received = Mem(0x1000, got, at_exit=True, elems=parts)
    args = (3, 0x1000, 2, 0x40, 0, 0)
    call = mmsg_call(299, args, 1, {1: Mem(0x1000, given)}, {1: received})
    assert decode.render_line(call) == (
        "recvmmsg(3, [{msg_hdr={msg_name={sa_family=AF_INET, sin_port=htons(53), "
        'sin_addr=inet_addr("127.0.0.1")}, msg_namelen=16, msg_iov=[{iov_base="hi", '
        "iov_len=512}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=2}], 2, "
        "MSG_DONTWAIT, NULL) = 1"
    )
    timeout = mmsg_call(299, args, 0, {1: Mem(0x1000, given)}, {1: Mem(0x1000, b"")})
    assert decode.render_line(timeout) == "recvmmsg(3, [], 2, MSG_DONTWAIT, NULL) = 0 (Timeout)"
    failed = mmsg_call(299, args, -11, {1: Mem(0x1000, given)}, {})
    assert decode.render_line(failed).startswith("recvmmsg(3, 0x1000, 2, MSG_DONTWAIT, NULL) = -1")


def cmsg_call(control: bytes, controllen: int | None = None, fault: bool = False) -> str:
    n = len(control) if controllen is None else controllen
    m = Mem(
        0x1000,
        msghdr(0, 0, 0, 0, 0x3000, n),
        elems=(Mem(0x3000, control, fault=fault, index=0x8001),),
    )
    return decode.render_line(call(46, m, -9))


def test_control_messages_walk_as_strace_walks_them():
    """strace's decode_msg_control and print_cmsg_type_data: no data for a message shorter
    than its type needs, a type's data only where strace prints it, what is left after the
    last whole message as `... /* address */`, the address for less than a header."""
    short = struct.pack("<QiI", 3, 1, 1)  # cmsg_len 3: shorter than its own header
    assert "msg_control=[{cmsg_len=3, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS}]" in (
        cmsg_call(short)
    )
    creds = struct.pack("<QiIiII4x", 28, 1, 2, 7, 0, 0xFFFFFFFF)
    assert (
        "[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, "
        "cmsg_data={pid=7, uid=0, gid=-1}}]" in cmsg_call(creds)
    )
    other = struct.pack("<QiI", 16, 6, 9)  # a level strace has no table for: the type in hex
    assert "[{cmsg_len=16, cmsg_level=SOL_TCP, cmsg_type=0x9}]" in cmsg_call(other)
    rights = struct.pack("<QiIi4x", 20, 1, 1, 5)
    assert (
        "{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}, ... /* 0x3018 */]"
        in (cmsg_call(rights + b"\0" * 8))
    )
    assert "msg_control=0x3000, msg_controllen=8" in cmsg_call(b"\0" * 8)
    assert "msg_control=0x3000, msg_controllen=32" in cmsg_call(rights, 32, fault=True)


def test_timestamps_in_control_messages():
    stamp = struct.pack("<QiIqq", 32, 1, 29, 123456789, 987654)
    assert "cmsg_type=SO_TIMESTAMP_OLD, cmsg_data={tv_sec=123456789, tv_usec=987654}}]" in (
        cmsg_call(stamp)
    )
    short = struct.pack("<QiIq", 24, 1, 35, 987654321)  # too short for a timespec
    assert "cmsg_type=SO_TIMESTAMPNS_OLD, cmsg_data=???}]" in cmsg_call(short)


def test_ip_control_messages_print_their_data_as_strace_does():
    """msghdr.c's cmsg_ip_printers: IP_PKTINFO's struct, IP_TTL's and IP_CHECKSUM's
    unsigned ints, IP_TOS's and the options' bytes in hex, IP_RECVERR's extended error and
    its offender, IP_ORIGDSTADDR's address; none for data shorter than the type needs."""

    def ip(ctype: int, data: bytes) -> str:
        text = cmsg_call(struct.pack("<QiI", 16 + len(data), 0, ctype) + data)
        return text.split("msg_control=[", 1)[1].split("}], msg_controllen", 1)[0] + "}"

    lo = bytes([127, 0, 0, 1])
    assert ip(8, struct.pack("<i", 1) + bytes([127, 0, 0, 2]) + lo) == (
        "{cmsg_len=28, cmsg_level=SOL_IP, cmsg_type=IP_PKTINFO, cmsg_data={ipi_ifindex="
        'if_nametoindex("lo"), ipi_spec_dst=inet_addr("127.0.0.2"), '
        'ipi_addr=inet_addr("127.0.0.1")}}'
    )
    assert ip(2, struct.pack("<II", 64, 2**32 - 1)) == (
        "{cmsg_len=24, cmsg_level=SOL_IP, cmsg_type=IP_TTL, cmsg_data=[64, 4294967295]}"
    )
    assert ip(1, bytes([0x10, 0])) == (
        "{cmsg_len=18, cmsg_level=SOL_IP, cmsg_type=IP_TOS, cmsg_data=[0x10, 0]}"
    )
    offender = struct.pack("<H", 2) + struct.pack(">H", 53) + lo + bytes(8)
    err = struct.pack("<IBBBBII", 111, 2, 3, 3, 0, 0, 0) + offender
    assert ip(11, err) == (
        "{cmsg_len=48, cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data={ee_errno=111, "
        "ee_origin=2, ee_type=3, ee_code=3, ee_info=0, ee_data=0, offender={sa_family=AF_INET, "
        'sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}}}'
    )
    assert ip(20, offender) == (
        "{cmsg_len=32, cmsg_level=SOL_IP, cmsg_type=IP_ORIGDSTADDR, cmsg_data={sa_family="
        'AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}}'
    )
    assert ip(11, err[:31]) == "{cmsg_len=47, cmsg_level=SOL_IP, cmsg_type=IP_RECVERR}"
    assert ip(8, lo) == "{cmsg_len=20, cmsg_level=SOL_IP, cmsg_type=IP_PKTINFO}"
