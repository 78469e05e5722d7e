"""Values read back out of strace-style argument texts: quoted strings, argv lists, socket
addresses, flag sets, file descriptors.

The report works from what a trace file holds (``args``, and ``raw_args`` when the trace
has them, docs/json-schema.md); these helpers undo the rendering of ``decode/`` for the few
kinds the facts need.  Each returns None when the text is not what it expects (a pointer
printed because the memory could not be read, ``NULL``), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# strace's short escapes (decode/fmt.py's quote(): \t \n \v \f \r, \" and \\)
_SHORT = {"t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.S)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?', re.S)


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(body):
        out += body[pos : m.start()].encode("latin-1", "replace")
        esc = m.group(1)
        if esc[0] == "x" and len(esc) == 3:
            out.append(int(esc[1:], 16))
        elif esc[0] in "01234567":
            out.append(int(esc, 8) & 0xFF)
        else:
            out.append(_SHORT.get(esc, ord(esc) & 0xFF))
        pos = m.end()
    out += body[pos:].encode("latin-1", "replace")
    # a byte that is not UTF-8 stays visible as \xNN rather than become U+FFFD
    return out.decode("utf-8", "backslashreplace")


def unquote(text: str) -> str | None:
    """The string a quoted argument renders (``"a\\nb"`` → ``a<newline>b``); a string cut
    at ``-s`` keeps its ``...``.  None: not a quoted string (``NULL``, a pointer)."""
    m = _STRING.fullmatch(text)
    if m is None:
        return None
    return _unescape(m.group(1)) + ("..." if m.group(2) else "")


def strings(text: str) -> list[str] | None:
    """The strings of an array argument (execve's argv: ``["sh", "-c", ...]``); a list
    strace cut short ends with ``...``.  None: not an array (a pointer)."""
    if not text.startswith("["):
        return None
    items = [_unescape(m.group(1)) + ("..." if m.group(2) else "") for m in _STRING.finditer(text)]
    if text.rstrip("]").endswith("..."):
        items.append("...")
    return items


def fd_number(text: str) -> int | None:
    """The descriptor of an fd argument: ``3``, ``3</etc/hostname>`` (``-y``), ``AT_FDCWD``
    → None."""
    m = re.match(r"-?\d+", text)
    return int(m.group()) if m else None


_INT = re.compile(r"-?(?:0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*)")


def int_value(text: str) -> int | None:
    m = _INT.fullmatch(text.strip())
    return int(m.group(), 0) if m else None


def flag_bits(text: str, names: dict[str, int]) -> int:
    """``O_WRONLY|O_CREAT|0x40000000`` → its bits: the names this module knows, numbers as
    they are (``-X raw`` prints the whole set as one number)."""
    bits = 0
    for part in text.split("|"):
        part = part.strip()
        if part in names:
            bits |= names[part]
        else:
            value = int_value(part)
            if value is not None:
                bits |= value
    return bits


# <asm-generic/fcntl.h> (x86-64)
O_FLAGS = {
    "O_RDONLY": 0,
    "O_WRONLY": 0o1,
    "O_RDWR": 0o2,
    "O_CREAT": 0o100,
    "O_EXCL": 0o200,
    "O_TRUNC": 0o1000,
    "O_APPEND": 0o2000,
    "O_DIRECTORY": 0o200000,
    "O_CLOEXEC": 0o2000000,
    "O_PATH": 0o10000000,
    "O_TMPFILE": 0o20200000,
}
O_ACCMODE, O_WRONLY, O_RDWR = 0o3, 0o1, 0o2
O_CREAT, O_EXCL, O_TRUNC, O_CLOEXEC = 0o100, 0o200, 0o1000, 0o2000000
# <linux/net.h> SOCK_CLOEXEC = O_CLOEXEC; <linux/sched.h> clone flags
SOCK_NAMES = {"SOCK_CLOEXEC": 0o2000000, "SOCK_NONBLOCK": 0o4000}
CLONE_NAMES = {"CLONE_FS": 0x200, "CLONE_FILES": 0x400, "CLONE_THREAD": 0x10000}
CLONE_FS, CLONE_FILES, CLONE_THREAD = 0x200, 0x400, 0x10000
# <uapi/linux/fcntl.h>, <asm-generic/fcntl.h>
F_DUPFD, F_SETFD, F_DUPFD_CLOEXEC = 0, 2, 1030
FCNTL_CMDS = {"F_DUPFD": F_DUPFD, "F_SETFD": F_SETFD, "F_DUPFD_CLOEXEC": F_DUPFD_CLOEXEC}
FD_CLOEXEC = 1
AT_REMOVEDIR = 0x200


def clone_flags(args: Sequence[str]) -> int:
    """clone's and clone3's flags, from ``flags=CLONE_VM|...`` in their rendering."""
    for arg in args:
        m = re.search(r"flags=([^,}]+)", arg)
        if m:
            return flag_bits(m.group(1), CLONE_NAMES)
    return 0


_INET = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]*)"\)')
_INET6 = re.compile(r'sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]*)"')
_UNIX = re.compile(r'sun_path=(@?"(?:[^"\\]|\\.)*")')


def sockaddr(text: str) -> str | None:
    """A socket address as people write it: ``127.0.0.1:4321``, ``[::1]:80``,
    ``/tmp/sock``, ``@abstract``; another family as rendered.  None: no address (NULL)."""
    if not text.startswith("{"):
        return None
    m = _INET.search(text)
    if m:
        return f"{m.group(2)}:{m.group(1)}"
    m = _INET6.search(text)
    if m:
        return f"[{m.group(2)}]:{m.group(1)}"
    m = _UNIX.search(text)
    if m:
        path = m.group(1)
        at = path.startswith("@")
        name = unquote(path[1:] if at else path)
        return None if name is None else ("@" if at else "") + name
    if "sa_family=AF_UNIX" in text:
        return "(unnamed unix socket)"
    return text


_FAMILY = {"AF_INET": "IPv4", "AF_INET6": "IPv6", "AF_UNIX": "UNIX", "AF_NETLINK": "NETLINK"}


def socket_kind(domain: str, type_: str) -> str:
    """``TCP``, ``UDP``, ``UNIX-STREAM``...: what a socket(domain, type, ...) is."""
    base = type_.split("|")[0]
    if domain in ("AF_INET", "AF_INET6"):
        proto = {"SOCK_STREAM": "TCP", "SOCK_DGRAM": "UDP", "SOCK_RAW": "RAW"}.get(base, base)
        return proto + ("v6" if domain == "AF_INET6" else "")
    if domain == "AF_UNIX":
        return "UNIX-" + base.removeprefix("SOCK_")
    return f"{_FAMILY.get(domain, domain)} {base}"
