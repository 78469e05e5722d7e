"""strace -y rendering from the plugin's fd walk, on crafted blobs."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.abi import (
    ARG_RETFD,
    FD_CUT,
    FD_DELETED,
    FD_PSEUDO,
    INDEX_MSG_CONTROL,
    INDEX_MSG_FDS,
)
from vmstrace.core.events import Mem
from vmstrace.decode import TABLES, DecodeOptions, capture_entries, render_line
from vmstrace.decode.fdpath import (
    ANON_INODE_FS_MAGIC,
    HEADER,
    HUGETLBFS_MAGIC,
    PIPEFS_MAGIC,
    SOCKFS_MAGIC,
    TMPFS_MAGIC,
    describe,
    with_path,
)


def blob(ino: int, magic: int, names: list[bytes], flags: int = 0) -> Mem:
    data = HEADER.pack(ino, 0o100644, magic, len(names), flags)
    for n in names:  # leaf first, as the plugin walks up
        data += struct.pack("<H", len(n)) + n
    return Mem(0xFFFF888000001000, data)


@pytest.mark.parametrize(
    "m, text",
    [
        (blob(12, 0x858458F6, [b"hostname", b"etc"]), "/etc/hostname"),
        (blob(5, 0x1373, [b"ttyS1"] + [b"dev"]), "/dev/ttyS1"),
        (blob(1, 0x858458F6, []), "/"),
        (blob(10211, PIPEFS_MAGIC, [b""]), "pipe:[10211]"),
        (blob(5678, SOCKFS_MAGIC, [b""]), "socket:[5678]"),
        (blob(9, ANON_INODE_FS_MAGIC, [b"[eventpoll]"]), "anon_inode:[eventpoll]"),
        # strace's printfd: print_quoted_string_ex(path, QUOTE_OMIT_LEADING_TRAILING_QUOTES, "<>")
        (blob(3, 0x858458F6, [b"a>b\n", b"tmp"]), "/tmp/a\\76b\\n"),
        (blob(3, 0x858458F6, [b'<1\x1b[31m"\\', b"tmp"]), '/tmp/\\0741\\33[31m\\"\\\\'),
        (blob(3, 0x858458F6, [b"x"], FD_CUT), "/x/..."),
        # unlinked while open (d_unlinked): d_path's suffix, as /proc/PID/fd shows it
        (blob(3, 0x858458F6, [b"gone", b"tmp"], FD_DELETED), "/tmp/gone (deleted)"),
        (blob(3, 0x858458F6, [b"x"], FD_CUT | FD_DELETED), "/x/... (deleted)"),
        # files of no tree: memfd_create, SysV shm (simple_dname); anonymous inodes by name
        (blob(4, TMPFS_MAGIC, [b"memfd:a>b"], FD_PSEUDO), "/memfd:a\\76b (deleted)"),
        (blob(4, HUGETLBFS_MAGIC, [b"memfd:h"], FD_PSEUDO), "/memfd:h (deleted)"),
        (blob(9, ANON_INODE_FS_MAGIC, [b"[eventfd]"], FD_PSEUDO), "anon_inode:[eventfd]"),
        # what the walk cannot name exactly prints no path, never a guess
        (blob(9, ANON_INODE_FS_MAGIC, []), None),
        (blob(4, TMPFS_MAGIC, [], FD_PSEUDO), None),
        # nsfs's ns_dname: the namespace type the walk read, and the inode
        (blob(4026531840, 0x6E736673, [b"net"], FD_PSEUDO), "net:[4026531840]"),
        (blob(4026531840, 0x6E736673, [], FD_PSEUDO), None),
        (blob(7, 0x62656572, [b"x"], FD_PSEUDO), None),  # another d_dname: not guessed
    ],
)
def test_describe(m, text):
    assert describe(m) == text


def test_a_deleted_file_is_said_after_the_brackets():
    # strace's printfd: the path inside <...>, then "(deleted)"; /proc/PID/fd's form else
    gone = blob(3, 0x858458F6, [b"gone", b"tmp"], FD_DELETED)
    assert with_path("6", gone) == "6</tmp/gone>(deleted)"
    memfd = blob(4, TMPFS_MAGIC, [b"memfd:m"], FD_PSEUDO)
    assert with_path("4", memfd) == "4</memfd:m>(deleted)"
    # a file whose name ends so, still there, is named as it is
    named = blob(3, 0x858458F6, [b"x (deleted)", b"tmp"])
    assert (with_path("5", named), describe(named)) == ("5</tmp/x (deleted)>", "/tmp/x (deleted)")


def test_unresolved_fd_prints_bare():
    assert with_path("3", None) == "3"
    assert with_path("3", Mem(0, b"short")) == "3"
    assert with_path("3", blob(1, 0, [b"f"])) == "3</f>"


def test_hostile_component_count_is_bounded():
    data = HEADER.pack(1, 0, 0, 1 << 31, 0) + struct.pack("<H", 60000) + b"x"
    assert describe(Mem(0, data)) == "/x"


def sock(family, stype, proto, lport, rport, laddr, raddr, path=b""):
    rport_be = int.from_bytes(rport.to_bytes(2, "big"), "little")
    extra = (
        struct.pack(
            "<HHHHHHIIQ4x",
            family,
            stype,
            proto,
            lport,
            rport_be,
            len(path),
            int.from_bytes(bytes(laddr), "little"),
            int.from_bytes(bytes(raddr), "little"),
            0,
        )
        + path
    )
    data = HEADER.pack(77, 0o140777, SOCKFS_MAGIC, 1, 0) + struct.pack("<H", 0) + extra
    return Mem(0, data)


@pytest.mark.parametrize(
    "m, text",
    [
        (
            sock(2, 1, 6, 41234, 8080, (10, 0, 2, 15), (10, 1, 2, 3)),
            "TCP:[10.0.2.15:41234->10.1.2.3:8080]",
        ),
        (sock(2, 1, 6, 4321, 0, (127, 0, 0, 1), (0, 0, 0, 0)), "TCP:[127.0.0.1:4321]"),
        (sock(2, 2, 17, 0, 0, (0, 0, 0, 0), (0, 0, 0, 0)), "UDP:[77]"),
        (sock(1, 1, 0, 0, 0, (0,) * 4, (0,) * 4, b"/tmp/s\0"), 'UNIX-STREAM:[77,"/tmp/s"]'),
        # the kernel's name of a datagram (and seqpacket) unix socket is UNIX
        (sock(1, 2, 0, 0, 0, (0,) * 4, (0,) * 4, b"\0abstract"), 'UNIX:[77,"@abstract"]'),
        (sock(1, 5, 0, 0, 0, (0,) * 4, (0,) * 4), "UNIX:[77]"),
        # SOCK_RAW is RAW whatever its protocol (its local "port" is the protocol)
        (sock(2, 3, 1, 1, 0, (0,) * 4, (0,) * 4), "RAW:[0.0.0.0:1]"),
        (sock(10, 3, 58, 58, 0, (0,) * 4, (0,) * 4, bytes(32)), "RAWv6:[[::]:58]"),
        # a ping socket: no inet_diag answers for it, so strace shows the inode only
        (sock(2, 2, 1, 7, 0, (127, 0, 0, 1), (0,) * 4), "PING:[77]"),
        (sock(2, 2, 136, 9, 0, (0,) * 4, (0,) * 4), "socket:[77]"),  # UDP-Lite: not strace's
        (sock(10, 2, 136, 9, 0, (0,) * 4, (0,) * 4, bytes(32)), "UDPLITEv6:[[::]:9]"),
        (sock(2, 1, 262, 80, 0, (0,) * 4, (0,) * 4), "socket:[77]"),  # MPTCP: neither
        (sock(2, 5, 132, 80, 0, (0,) * 4, (0,) * 4), "SCTP:[0.0.0.0:80]"),
        (sock(1, 1, 0, 0, 0, (0,) * 4, (0,) * 4), "UNIX-STREAM:[77]"),
        (sock(16, 3, 0, 0, 0, (0,) * 4, (0,) * 4), "NETLINK:[77]"),
        (sock(10, 1, 6, 0, 0, (0,) * 4, (0,) * 4), "TCPv6:[77]"),
        (
            sock(10, 1, 6, 4321, 5000, (0,) * 4, (0,) * 4, bytes(15) + b"\1" + bytes(15) + b"\1"),
            "TCPv6:[[::1]:4321->[::1]:5000]",
        ),
        (sock(10, 2, 17, 53, 0, (0,) * 4, (0,) * 4, bytes(32)), "UDPv6:[[::]:53]"),
        (Mem(0, HEADER.pack(77, 0, SOCKFS_MAGIC, 0, 0)), "socket:[77]"),
    ],
)
def test_socket_descriptions(m, text):
    assert describe(m, details=True) == text  # -yy
    assert describe(m) == "socket:[77]"  # -y: strace 6.1 names the inode alone


def test_plain_y_socket_with_path():
    m = sock(1, 1, 0, 0, 0, (0,) * 4, (0,) * 4, b"/tmp/s\0")
    assert with_path("3", m) == "3<socket:[77]>"
    assert with_path("3", m, details=True) == '3<UNIX-STREAM:[77,"/tmp/s"]>'


HOSTNAME = blob(12, 0x858458F6, [b"hostname", b"etc"])
Y = DecodeOptions(decode_fds=True)


@pytest.mark.parametrize(
    "name, args, ret, line",
    [
        # strace 6.1 -y on the host: the fd a call returns is annotated as its arguments are
        ("fcntl", [3, 0], 11, "fcntl(3</etc/hostname>, F_DUPFD, 0) = 11</etc/hostname>"),
        (
            "fcntl",
            [3, 1030, 3],
            4,
            "fcntl(3</etc/hostname>, F_DUPFD_CLOEXEC, 3) = 4</etc/hostname>",
        ),
        ("fcntl", [3, 1], 0, "fcntl(3</etc/hostname>, F_GETFD) = 0"),
        ("dup", [3], 5, "dup(3</etc/hostname>) = 5</etc/hostname>"),
        ("dup2", [3, 20], 20, "dup2(3</etc/hostname>, 20) = 20</etc/hostname>"),
    ],
)
def test_returned_fd_is_annotated(decode_call, name, args, ret, line):
    call = decode_call(name, args, ret, {0: HOSTNAME}, {ARG_RETFD: HOSTNAME})
    assert render_line(call, Y) == line


def test_a_message_queue_descriptor_is_annotated(decode_call):
    call = decode_call("mq_open", [0x1000, 2, 0, 0], 15, {0: b"q\0"}, {ARG_RETFD: HOSTNAME})
    assert render_line(call, Y) == 'mq_open("q", O_RDWR) = 15</etc/hostname>'


def test_every_returned_fd_is_captured():
    entries = capture_entries(Y)
    ret_fd = {(abi, nr) for abi, nr, _i, cap in entries if cap.kind == "fd" and cap.size == "ret"}
    for name in ("fcntl", "dup", "socket", "mq_open", "landlock_create_ruleset", "io_uring_setup"):
        nr = next(nr for nr, info in TABLES["x86_64"].items() if info.name == name)
        assert ("64", nr) in ret_fd, name


def _pipe_fd(k: int) -> Mem:
    m = blob(10475, PIPEFS_MAGIC, [b""])
    return Mem(m.addr, m.data, at_exit=True, index=k)


@pytest.mark.parametrize(
    "elems, text",
    [
        ((_pipe_fd(0), _pipe_fd(1)), "[3<pipe:[10475]>, 4<pipe:[10475]>]"),
        ((_pipe_fd(1),), "[3, 4<pipe:[10475]>]"),  # fd 3 not resolved: the bare number
        ((), "[3, 4]"),
    ],
)
def test_pipe2_fds_annotated(decode_call, elems, text):
    arr = Mem(0x1000, struct.pack("<ii", 3, 4), at_exit=True, elems=elems)
    call = decode_call("pipe2", [0x1000, 0], 0, None, {0: arr})
    assert render_line(call, Y) == f"pipe2({text}, 0) = 0"
    assert render_line(call) == "pipe2([3, 4], 0) = 0"


def test_socketpair_fds_annotated(decode_call):
    s = sock(1, 1, 0, 0, 0, (0,) * 4, (0,) * 4)
    elems = tuple(Mem(0, s.data, index=k) for k in (0, 1))
    arr = Mem(0x1000, struct.pack("<ii", 12, 13), at_exit=True, elems=elems)
    call = decode_call("socketpair", [1, 1, 0, 0x1000], 0, None, {3: arr})
    assert render_line(call, Y) == (
        "socketpair(AF_UNIX, SOCK_STREAM, 0, [12<socket:[77]>, 13<socket:[77]>]) = 0"
    )


def _pollfds(*entries: tuple[int, int, int]) -> bytes:
    return b"".join(struct.pack("<ihh", fd, ev, rev) for fd, ev, rev in entries)


@pytest.mark.parametrize(
    "at_exit, text",
    [
        # strace's print_pollfd: printfd on each entry's fd, as it was at entry
        (
            [(3, 1, 0), (-1, 1, 0), (5, 1, 1)],
            "[{fd=3<pipe:[10475]>, events=POLLIN}, {fd=-1}, {fd=5</etc/hostname>, events=POLLIN}]",
        ),
        # another thread put fd 7 where 3 was: its path is not known, the number alone
        (
            [(7, 1, 0), (-1, 1, 0), (5, 1, 1)],
            "[{fd=7, events=POLLIN}, {fd=-1}, {fd=5</etc/hostname>, events=POLLIN}]",
        ),
    ],
)
def test_poll_fds_annotated_at_entry(decode_call, at_exit, text):
    host = Mem(0, HOSTNAME.data, index=2)
    elems = (Mem(0, _pipe_fd(0).data, index=0), host)
    entry = Mem(0x1000, _pollfds((3, 1, 0), (-1, 1, 0), (5, 1, 0)), elems=elems)
    out = Mem(0x1000, _pollfds(*at_exit), at_exit=True)
    call = decode_call("poll", [0x1000, 3, 0], 1, {0: entry}, {0: out})
    assert render_line(call, Y) == f"poll({text}, 3, 0) = 1 ([{{fd=5, revents=POLLIN}}])"
    plain = render_line(call)
    assert "<" not in plain and plain.startswith(f"poll([{{fd={at_exit[0][0]}, events=POLLIN}}")


def test_select_sets_annotated_at_entry(decode_call):
    # strace's decode_select: printfd on each fd set at entry; the returned sets bare
    pipe = _pipe_fd(0).data
    elems = (Mem(0, pipe, index=3), Mem(0, pipe, index=4), Mem(0, HOSTNAME.data, index=9))
    rd = Mem(0x1000, (1 << 3 | 1 << 4 | 1 << 7 | 1 << 9).to_bytes(8, "little"), elems=elems)
    out = Mem(0x1000, (1 << 4).to_bytes(8, "little"), at_exit=True)
    call = decode_call("select", [10, 0x1000, 0, 0, 0], 1, {1: rd}, {1: out})
    assert render_line(call, Y) == (
        "select(10, [3<pipe:[10475]> 4<pipe:[10475]> 7 9</etc/hostname>], NULL, NULL, NULL)"
        " = 1 (in [4])"
    )
    assert render_line(call) == "select(10, [3 4 7 9], NULL, NULL, NULL) = 1 (in [4])"


def test_fd_with_junk_above_the_int_is_the_int(decode_call):
    # the kernel reads an fd argument's low 32 bits; the plugin resolves that fd
    call = decode_call("dup", [0xBADC0DED00000003], 4, {0: HOSTNAME}, {ARG_RETFD: HOSTNAME})
    assert render_line(call, Y) == "dup(3</etc/hostname>) = 4</etc/hostname>"
    assert render_line(call) == "dup(3) = 4"


def test_fd_arrays_are_captured_only_with_y():
    def kinds(opts):
        return {(abi, nr, i) for abi, nr, i, cap in capture_entries(opts) if cap.kind == "fdarr"}

    pipe2 = next(nr for nr, info in TABLES["x86_64"].items() if info.name == "pipe2")
    poll = next(nr for nr, info in TABLES["x86_64"].items() if info.name == "poll")
    assert ("64", pipe2, 0) in kinds(Y) and ("64", poll, 0) in kinds(Y)
    assert not kinds(DecodeOptions())
    select = next(nr for nr, info in TABLES["x86_64"].items() if info.name == "select")
    bits = {(a, n, i) for a, n, i, cap in capture_entries(Y) if cap.kind == "fdbits"}
    assert {("64", select, i) for i in (1, 2, 3)} <= bits
    assert not any(cap.kind == "fdbits" for *_, cap in capture_entries(DecodeOptions()))


def test_fdarr_capture_is_bounded():
    from vmstrace.capture.spec import Capture

    with pytest.raises(ValueError):
        Capture("fdarr", "exit", "c3")
    with pytest.raises(ValueError):
        Capture("fdarr", "entry", "c2")
    Capture("fdarr", "entry", "a1", 64, 8)  # poll's: at most 64 struct pollfd
    Capture("fdbits", "entry", "a0", 64)  # select's
    for bad in (("exit", "a0", 64), ("entry", "c8", 64), ("entry", "a0", 65)):
        with pytest.raises(ValueError):
            Capture("fdbits", *bad)
    for cap, stride in ((65, 8), (64, 6), (64, 0), (64, 68)):
        with pytest.raises(ValueError):
            Capture("fdarr", "entry", "a1", cap, stride)


CWD = blob(7, 0x01021994, [b"real-coreutils", b"w", b"tmp"])


@pytest.mark.parametrize(
    "opts, line",
    [
        (
            Y,
            'newfstatat(AT_FDCWD</tmp/w/real-coreutils>, "x", 0x1000, 0) = -1 ENOENT '
            "(No such file or directory)",
        ),
        (
            DecodeOptions(decode_fds=True, raw=True),
            'newfstatat(-100</tmp/w/real-coreutils>, "x", 0x1000, 0) = -1 ENOENT '
            "(No such file or directory)",
        ),
        (
            DecodeOptions(),
            'newfstatat(AT_FDCWD, "x", 0x1000, 0) = -1 ENOENT (No such file or directory)',
        ),
    ],
)
def test_at_fdcwd_shows_the_working_directory(decode_call, opts, line):
    # strace 6.1 -y (and -y -X raw) on the host
    call = decode_call(
        "newfstatat", [(1 << 64) - 100, 0x2000, 0x1000, 0], (1 << 64) - 2, {0: CWD, 1: b"x\0"}
    )
    assert render_line(call, opts) == line


def test_a_negative_fd_argument_is_not_annotated(decode_call):
    # the plugin resolves -100 for any fd capture; only a dirfd prints it
    call = decode_call("close", [(1 << 64) - 100], (1 << 64) - 9, {0: CWD})
    assert render_line(call, Y) == "close(-100) = -1 EBADF (Bad file descriptor)"


@pytest.mark.parametrize(
    "opts, dirfd",
    [
        (Y, "AT_FDCWD</tmp/w/real-coreutils>"),
        (DecodeOptions(decode_fds=True, raw=True), "-100</tmp/w/real-coreutils>"),
        (DecodeOptions(), "AT_FDCWD"),
    ],
)
def test_execveat_dirfd_shows_the_working_directory(decode_call, opts, dirfd):
    # strace 6.1 -y on the host: execveat(AT_FDCWD</tmp/hi>, "/nonexist/x", ["x"], ...)
    argv = Mem(0x3000, b"", elems=(Mem(0xA, b"x\0"),))
    envp = Mem(0x4000, struct.pack("<Q", 0))
    call = decode_call(
        "execveat",
        [(1 << 64) - 100, 0x2000, 0x3000, 0x4000, 0],
        (1 << 64) - 2,
        {0: CWD, 1: b"/nonexist/x\0", 2: argv, 3: envp},
    )
    assert render_line(call, opts) == (
        f'execveat({dirfd}, "/nonexist/x", ["x"], 0x4000 /* 0 vars */, 0) '
        "= -1 ENOENT (No such file or directory)"
    )


@pytest.mark.parametrize(
    ("strsize", "shown"), [(0, "[...]"), (1, "[3, ...]"), (2, "[3, 4]"), (32, "[3, 4]")]
)
def test_fd_pair_cut_at_s(decode_call, strsize, shown):
    # strace's print_local_array: at most -s elements of a fixed array
    arr = Mem(0x1000, struct.pack("<ii", 3, 4), at_exit=True, elems=(_pipe_fd(0), _pipe_fd(1)))
    call = decode_call("pipe2", [0x1000, 0], 0, None, {0: arr})
    assert render_line(call, DecodeOptions(strsize=strsize)) == f"pipe2({shown}, 0) = 0"
    if strsize == 1:
        y = DecodeOptions(strsize=1, decode_fds=True)
        assert render_line(call, y) == "pipe2([3<pipe:[10475]>, ...], 0) = 0"


def test_x_prints_paths_in_hex_as_strace_printfd():
    # print_quoted_string_ex on the whole text inside <...>: -xx always, -x when a byte
    # is neither printable ASCII nor whitespace
    plain = blob(12, 0x858458F6, [b"hostname", b"etc"])
    assert with_path("3", plain, hexstr=1) == "3</etc/hostname>"
    assert (
        with_path("3", plain, hexstr=2)
        == "3<" + "".join(f"\\x{b:02x}" for b in b"/etc/hostname") + ">"
    )
    odd = blob(12, 0x858458F6, [b"caf\xc3\xa9", b"tmp"], FD_DELETED)
    assert with_path("4", odd) == "4</tmp/caf\\303\\251>(deleted)"
    assert (
        with_path("4", odd, hexstr=1)
        == "4<" + "".join(f"\\x{b:02x}" for b in "/tmp/caf\u00e9".encode()) + ">(deleted)"
    )
    pipe = _pipe_fd(0)
    assert with_path("5", pipe, hexstr=2).startswith("5<\\x70\\x69\\x70\\x65\\x3a")
    # the JSON's exe keeps the kernel's form whatever -x says
    assert describe(odd) == "/tmp/caf\\303\\251 (deleted)"


@pytest.mark.parametrize(
    ("mode", "dev", "shown"),
    [
        (0o020666, (1 << 20) | 3, "3</dev/null<char 1:3>>"),
        (0o060660, (8 << 20) | 1, "3</dev/null<block 8:1>>"),
        (0o100644, None, "3</dev/null>"),  # not a device: nothing follows the names
        (0o020666, None, "3</dev/null>"),  # a device whose number the walk lacks
    ],
)
def test_yy_prints_a_device_number(mode, dev, shown):
    # strace -yy's printfd: the path, then <char|block MAJOR:MINOR> inside the brackets
    data = HEADER.pack(7, mode, 0x1373, 2, 0)
    data += b"".join(struct.pack("<H", len(n)) + n for n in (b"null", b"dev"))
    if dev is not None:
        data += struct.pack("<I", dev)
    m = Mem(0, data)
    assert with_path("3", m, details=True) == shown
    assert with_path("3", m) == "3</dev/null>"  # -y alone: the path


def _scm_rights(*fds: int) -> bytes:
    data = struct.pack(f"<{len(fds)}i", *fds)
    cmsg = struct.pack("<QiI", 16 + len(data), 1, 1) + data  # SOL_SOCKET, SCM_RIGHTS
    return cmsg.ljust((len(cmsg) + 7) & ~7, b"\0")


def test_fds_passed_in_scm_rights_are_annotated(decode_call):
    """strace -y prints each passed fd with its file: sendmsg's as the sender has them at
    entry, recvmsg's new ones at exit; the plugin's elements are keyed by the fd itself."""
    control = _scm_rights(5, 7, 3)
    hdr = struct.pack("<QI4xQQQQi4x", 0, 0, 0, 0, 0x3000, len(control), 0)
    files = (
        Mem(0, HOSTNAME.data, index=INDEX_MSG_FDS + 5),
        Mem(0, _pipe_fd(0).data, index=INDEX_MSG_FDS + 3),  # 7: not resolved, bare
    )
    msg = Mem(0x1000, hdr, elems=(Mem(0x3000, control, index=INDEX_MSG_CONTROL), *files))
    call = decode_call("sendmsg", [4, 0x1000, 0], 0, {1: msg}, {})
    shown = "cmsg_data=[5</etc/hostname>, 7, 3<pipe:[10475]>]"
    assert shown in render_line(call, Y)
    assert "cmsg_data=[5, 7, 3]" in render_line(call)
    received = Mem(0x1000, hdr, at_exit=True, elems=msg.elems)
    given = Mem(0x1000, hdr[:12])
    call = decode_call("recvmsg", [4, 0x1000, 0], 0, {1: given}, {1: received})
    assert shown in render_line(call, Y)


def test_passed_fds_are_captured_only_with_y():
    def kinds(opts):
        return {
            (nr, cap.when) for abi, nr, i, cap in capture_entries(opts) if cap.kind == "cmsgfds"
        }

    names = {info.name: nr for nr, info in TABLES["x86_64"].items()}
    assert kinds(Y) >= {(names["sendmsg"], "entry"), (names["recvmsg"], "exit")}
    assert not kinds(DecodeOptions())


@pytest.mark.parametrize(
    ("args", "ret", "line"),
    [
        # MAP_CREATE's result is a map's descriptor; MAP_LOOKUP_ELEM's a status
        ([0, 0, 0], 5, "bpf(BPF_MAP_CREATE, NULL, 0) = 5</etc/hostname>"),
        ([1, 0, 0], 0, "bpf(BPF_MAP_LOOKUP_ELEM, NULL, 0) = 0"),
    ],
)
def test_bpf_annotates_the_descriptors_its_commands_make(decode_call, args, ret, line):
    call = decode_call("bpf", args, ret, {}, {ARG_RETFD: HOSTNAME})
    assert render_line(call, Y) == line
