"""strace -y: what a file descriptor refers to, from the plugin's walk of the guest kernel's
file table (native/captures.c, capture_fd), e.g. ``3</etc/hostname>``,
``4<pipe:[1234]>``, ``5<socket:[5678]>``, ``6<anon_inode:[eventpoll]>``; with -yy a
socket's protocol and addresses, ``5<TCP:[10.0.2.15:41234->10.1.2.3:8080]>``.
"""

from __future__ import annotations

import ipaddress
import struct

from ..capture.spec import Capture
from ..core.abi import FD_CUT, FD_DELETED, FD_MAX_COMPONENTS, FD_PSEUDO, record_struct
from ..core.events import Mem
from .fmt import DecodeOptions, escape, local_array

# The blob's layout (native/vmstrace_records.h): the header, the names, and for a socket
# its details, then a unix path or two IPv6 addresses.
HEADER = record_struct("fd_hdr")
SOCKET = record_struct("fd_socket")
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW = 1, 2, 3
# An inet socket's protocol name as the kernel names it (sk->sk_prot->name; strace reads
# it as the socket's system.sockprotoname attribute), by (IPv6, type, protocol): SOCK_RAW
# is RAW whatever its protocol, a datagram ICMP socket PING.
_INET_NAMES = {
    (SOCK_STREAM, 6): "TCP",
    (SOCK_STREAM, 262): "MPTCP",
    (SOCK_DGRAM, 17): "UDP",
    (SOCK_DGRAM, 136): "UDP-Lite",
    (SOCK_DGRAM, 115): "L2TP/IP",
    (SOCK_DGRAM, 1): "PING",
    (6, 33): "DCCP",  # SOCK_DCCP
}
_INET6_NAMES = {
    (SOCK_STREAM, 6): "TCPv6",
    (SOCK_STREAM, 262): "MPTCPv6",
    (SOCK_DGRAM, 17): "UDPv6",
    (SOCK_DGRAM, 136): "UDPLITEv6",
    (SOCK_DGRAM, 115): "L2TP/IPv6",
    (SOCK_DGRAM, 58): "PINGv6",
    (6, 33): "DCCPv6",
}
# The names strace 6.1 knows (socketutils.c's protocols[]): any other inet socket it
# prints as socket:[inode]; for PING no inet_diag module answers, so never an address.
_STRACE_INET = frozenset(
    {"TCP", "UDP", "UDPLITE", "DCCP", "SCTP", "L2TP/IP", "PING", "RAW"}
    | {"TCPv6", "UDPv6", "UDPLITEv6", "DCCPv6", "SCTPv6", "L2TP/IPv6", "PINGv6", "RAWv6"}
)

# include/uapi/linux/magic.h
PIPEFS_MAGIC = 0x50495045
SOCKFS_MAGIC = 0x534F434B
ANON_INODE_FS_MAGIC = 0x09041934
TMPFS_MAGIC = 0x01021994
HUGETLBFS_MAGIC = 0x958458F6
NSFS_MAGIC = 0x6E736673
# A file of no directory tree (d_alloc_pseudo: a memfd, a SysV shm segment) on these is
# named by simple_dname (fs/libfs.c): "/" + its name + " (deleted)"; a namespace file by
# nsfs's ns_dname, "net:[4026531840]" (the walk records the type's name).  Other
# filesystems' pseudo files are named by their own d_dname, which the walk does not have:
# those print no path rather than a wrong one.
SIMPLE_DNAME = (TMPFS_MAGIC, HUGETLBFS_MAGIC)

# Which calls return a new file descriptor is a row's flag (Flag.RETURNS_FD, and
# Flag.MAY_RETURN_FD for fcntl's F_DUPFD, whose own ret renderer decides: files._fcntl_ret).


def fd_capture(opts: DecodeOptions) -> tuple[Capture, ...]:
    """The capture an fd argument needs: none unless -y asked for paths."""
    return (Capture("fd", "entry"),) if opts.decode_fds else ()


def ret_fd_capture() -> Capture:
    return Capture("fd", "exit", "ret")


def _shown(raw: bytes | str, hexstr: int) -> str:
    """strace's printfd: print_quoted_string_ex(path, QUOTE_OMIT_LEADING_TRAILING_QUOTES,
    "<>"): what would break the <...> notation or drive the terminal escaped, in hex under
    -x/-xx as any string.  (A str is -yy's socket text, already in its printed form.)"""
    return raw if isinstance(raw, str) else escape(raw, "<>", hexstr)


# What the walk's bytes say, by those bytes: the same files (a program's executable, the
# descriptors it uses) come back call after call.  Keyed by the whole input, so correct by
# construction; bounded, as everything guest-driven.
_DESCRIBED: dict[tuple[bytes, bool, int], tuple[str, bool] | None] = {}
_MEMO_LEN = 1024
_MEMO_ENTRIES = 4096


def _lookup(data: bytes, details: bool, hexstr: int = 0) -> tuple[str, bool] | None:
    if len(data) > _MEMO_LEN:
        return _text(data, details, hexstr)
    key = (data, details, hexstr)
    if key in _DESCRIBED:
        return _DESCRIBED[key]
    if len(_DESCRIBED) >= _MEMO_ENTRIES:
        _DESCRIBED.clear()
    found = _DESCRIBED[key] = _text(data, details, hexstr)
    return found


def _text(data: bytes, details: bool, hexstr: int) -> tuple[str, bool] | None:
    found = _describe(data, details)
    if found is None:
        return None
    raw, deleted = found
    shown = _shown(raw, hexstr)
    if details:
        shown += _device(data)
    return shown, deleted


def _device(data: bytes) -> str:
    """-yy's device number after a device file's path (strace's printfd_pid_with_finfo:
    ``</dev/null<char 1:3>>``): the kernel's dev_t after the names, 12 bits of major and
    20 of minor (include/linux/kdev_t.h)."""
    mode = HEADER.unpack_from(data)[1] & 0o170000
    if mode not in (0o020000, 0o060000):
        return ""
    off = _names(data)[1]
    if off + 4 > len(data):
        return ""
    (dev,) = struct.unpack_from("<I", data, off)
    return f"<{'block' if mode == 0o060000 else 'char'} {dev >> 20}:{dev & 0xFFFFF}>"


def _names(data: bytes) -> tuple[list[bytes], int]:
    """The walk's names, leaf first, and where what follows them starts."""
    names: list[bytes] = []
    off = HEADER.size
    for _ in range(min(HEADER.unpack_from(data)[3], FD_MAX_COMPONENTS)):
        if off + 2 > len(data):
            return names, len(data)
        (n,) = struct.unpack_from("<H", data, off)
        names.append(data[off + 2 : off + 2 + n])
        off += 2 + n
    return names, off


def describe(m: Mem | None, details: bool = False) -> str | None:
    """What the file is, as the kernel names it in /proc/PID/fd and /proc/PID/exe:
    ``/etc/hostname``, ``pipe:[1234]``, ``/tmp/x (deleted)`` (``details``: -yy's socket
    protocol and addresses); None if the walk gave nothing."""
    return None if m is None else describe_walk(m.data, details)


def describe_walk(data: bytes, details: bool = False) -> str | None:
    """:func:`describe` of the walk's bytes (an exec's executable, named by the compiled
    lane from the record's blob in place)."""
    found = _lookup(data, details)
    if found is None:
        return None
    text, deleted = found
    return text + " (deleted)" if deleted else text


def _describe(data: bytes, details: bool) -> tuple[bytes | str, bool] | None:
    """What strace -y shows inside <...> before quoting (bytes; -yy's socket text as it is
    printed), and whether the file was deleted."""
    if len(data) < HEADER.size:
        return None
    ino, _mode, magic, _ncomp, flags = HEADER.unpack_from(data)
    names, off = _names(data)
    if magic == PIPEFS_MAGIC:
        return f"pipe:[{ino}]".encode(), False
    if magic == SOCKFS_MAGIC:
        return (_socket(ino, data[off:]) if details else f"socket:[{ino}]".encode()), False
    if magic == ANON_INODE_FS_MAGIC:
        # anon_inodefs_dname: the name given at creation ("[eventpoll]"), never the inode
        # (one inode serves them all)
        return (b"anon_inode:" + names[0], False) if names else None
    if flags & FD_PSEUDO:
        if magic == NSFS_MAGIC:
            return (names[0] + f":[{ino}]".encode(), False) if names else None
        return (b"/" + names[0], True) if names and magic in SIMPLE_DNAME else None
    path = b"/" + b"/".join(reversed(names))
    # d_unlinked: /proc/PID/fd says " (deleted)" after the path; strace -y after the ">"
    return path + (b"/..." if flags & FD_CUT else b""), bool(flags & FD_DELETED)


def _ipv4(addr: int, port: int) -> str:
    return f"{'.'.join(str(b) for b in addr.to_bytes(4, 'little'))}:{port}"


def _inet_name(v6: bool, stype: int, proto: int) -> str:
    if stype == SOCK_RAW:
        return "RAWv6" if v6 else "RAW"
    if proto == 132:  # SOCK_STREAM or SOCK_SEQPACKET
        return "SCTPv6" if v6 else "SCTP"
    return (_INET6_NAMES if v6 else _INET_NAMES).get((stype, proto), "")


def _socket(ino: int, d: bytes) -> str:
    """``TCP:[10.0.2.15:41234->10.1.2.3:8080]``, ``UNIX-STREAM:[1234,"/tmp/s"]`` (the forms
    of strace -yy), ``socket:[ino]`` for what the walk did not describe."""
    if len(d) < SOCKET.size:
        return f"socket:[{ino}]"
    family, stype, proto, lport, rport_be, ulen, laddr, raddr, _peer = SOCKET.unpack_from(d)
    rport = int.from_bytes(rport_be.to_bytes(2, "little"), "big")
    if family in (2, 10):  # AF_INET, AF_INET6
        name = _inet_name(family == 10, stype, proto)
        if name not in _STRACE_INET:
            return f"socket:[{ino}]"
        if name.startswith("PING"):
            return f"{name}:[{ino}]"
    if family == 2:
        if raddr or rport:
            return f"{name}:[{_ipv4(laddr, lport)}->{_ipv4(raddr, rport)}]"
        if lport:
            return f"{name}:[{_ipv4(laddr, lport)}]"
        return f"{name}:[{ino}]"
    if family == 10:  # the two addresses follow
        v6 = d[SOCKET.size : SOCKET.size + 32]
        if len(v6) < 32:
            return f"{name}:[{ino}]"
        local = f"[{ipaddress.IPv6Address(v6[:16]).compressed}]:{lport}"
        remote = f"[{ipaddress.IPv6Address(v6[16:]).compressed}]:{rport}"
        if rport or any(v6[16:]):
            return f"{name}:[{local}->{remote}]"
        return f"{name}:[{local}]" if lport else f"{name}:[{ino}]"
    if family == 1:  # AF_UNIX: the kernel names a stream socket UNIX-STREAM, others UNIX
        kind = "UNIX-STREAM" if stype == SOCK_STREAM else "UNIX"
        path = d[SOCKET.size : SOCKET.size + min(ulen, 108)]
        if path:
            # strace's unix_parse_response: string_quote(path, QUOTE_0_TERMINATED, NULL)
            shown = "@" + escape(path[1:]) if path[:1] == b"\0" else escape(path.split(b"\0")[0])
            return f'{kind}:[{ino},"{shown}"]'
        return f"{kind}:[{ino}]"
    if family == 16:  # AF_NETLINK
        return f"NETLINK:[{ino}]"
    return f"socket:[{ino}]"


def fd_array_capture(opts: DecodeOptions, count: int) -> tuple[Capture, ...]:
    """What the fds a call stores in an int array refer to (pipe2, socketpair): -y only."""
    return (Capture("fdarr", "exit", f"c{count}", 0),) if opts.decode_fds else ()


def fd_array(fds: tuple[int, ...], m: Mem | None, opts: DecodeOptions) -> str:
    """``[3, 4]``; with -y ``[3<pipe:[10475]>, 4<pipe:[10475]>]`` from the elements an
    fdarr capture attached to the array's exit read (``m``)."""
    if not opts.decode_fds or m is None:
        return local_array([str(fd) for fd in fds], opts)
    found = {e.index: e for e in m.elems}
    return local_array(
        [
            with_path(str(fd), found.get(k), opts.fd_details, opts.hexstr)
            for k, fd in enumerate(fds)
        ],
        opts,
    )


def exe_capture() -> Capture:
    return Capture("exe", "exit")


def with_path(fd_text: str, m: Mem | None, details: bool = False, hexstr: int = 0) -> str:
    """``3`` → ``3</etc/hostname>`` when the walk resolved it (``details``: -yy; ``hexstr``:
    -x), or ``3</tmp/x>(deleted)`` (strace's printfd) when the file is gone."""
    found = None if m is None else _lookup(m.data, details, hexstr)
    if found is None:
        return fd_text
    text, deleted = found
    return f"{fd_text}<{text}>(deleted)" if deleted else f"{fd_text}<{text}>"
