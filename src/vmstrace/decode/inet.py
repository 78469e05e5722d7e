"""Internet addresses and interface indexes as strace prints them (its sockaddr.c
print_inet_addr, print_ifindex): glibc's inet_ntop text, ``if_nametoindex("lo")``."""

from __future__ import annotations

import ipaddress

from .fmt import quote

# The loopback device is index 1 in every network namespace (LOOPBACK_IFINDEX,
# include/net/net_namespace.h).  Other indexes name devices vmstrace cannot see from
# outside the guest: they print as numbers, as strace prints an index with no device.
_KNOWN_IFINDEX = {1: "lo"}


def ifindex(index: int) -> str:
    """An interface index: ``if_nametoindex("lo")`` for a device strace would find."""
    name = _KNOWN_IFINDEX.get(index)
    return f'if_nametoindex("{name}")' if name is not None else str(index)


def inet_addr(d: bytes, hexstr: int) -> str:
    """``inet_addr("127.0.0.1")`` of four bytes (strace's print_inet_addr quotes the text:
    -xx shows it in hex too)."""
    return f"inet_addr({quote('.'.join(str(b) for b in d[:4]).encode(), hexstr=hexstr)})"


def inet6_ntop(d: bytes) -> str:
    """16 bytes as glibc's inet_ntop(AF_INET6) writes them: RFC 5952 compression, and
    the IPv4-mapped (``::ffff:1.2.3.4``) and IPv4-compatible (``::1.2.3.4``) forms."""
    words = [int.from_bytes(d[k : k + 2], "big") for k in range(0, 16, 2)]
    # glibc writes the dotted form when the longest zero run is exactly words 0..5, or
    # words 0..4 before an ffff
    if words[:5] == [0] * 5 and (words[5] == 0xFFFF or (words[5] == 0 and words[6])):
        return ("::ffff:" if words[5] else "::") + ".".join(str(b) for b in d[12:16])
    return ipaddress.IPv6Address(bytes(d[:16])).compressed
