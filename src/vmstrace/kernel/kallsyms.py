"""Recover the kernel's own symbol table (kallsyms) from a vmlinux image.

The vmlinux inside a distribution bzImage is stripped (no ``.symtab``), but a kernel built
with CONFIG_KALLSYMS carries every symbol's name and address in ``.rodata`` so that
``/proc/kallsyms`` and oops traces can print them.  There are no ELF symbols pointing at
those tables, so they are found by their shape, as scripts/kallsyms.c writes them
(``write_src``; every label is ``.balign 8`` on 64-bit):

* ``kallsyms_num_syms`` (``.long``, ``PTR`` before 5.x), then ``kallsyms_names``: per
  symbol a length (one byte, or two — ULEB128 — for lengths over 127 since 6.1) and that
  many token numbers; the expanded name's first character is the ``nm`` type letter;
* ``kallsyms_markers``: the offset into ``kallsyms_names`` of every 256th symbol
  (``PTR`` up to 6.1, ``.long`` after);
* ``kallsyms_token_table``: 256 NUL-terminated strings, and ``kallsyms_token_index``:
  256 ``.short`` offsets into it.  A byte that occurs in symbol names and was not used
  as a compression token stands for itself, so the table holds "0\\0" … "9\\0" in a row:
  that run is the anchor of the search;
* ``kallsyms_offsets`` (``.long`` per symbol) and ``kallsyms_relative_base`` (``PTR``):
  before ``kallsyms_num_syms`` up to 6.1, after ``kallsyms_token_index`` from 6.2.  With
  CONFIG_KALLSYMS_ABSOLUTE_PERCPU a non-negative offset is an absolute (per-CPU) address
  and a negative one means ``relative_base - 1 - offset``; without it the address is
  ``relative_base + offset``.  Both readings are tried and the one that puts ``_text`` at
  the start of ``.text`` wins.

Hand-written rather than depending on the ``vmlinux-to-elf`` package: that package is
GPL-3.0-or-later (vmstrace is distributed as GPL-2.0-or-later), pulls in a GUI and a
database layer, and is built as a command-line tool rather than a library.  Kernel images
are untrusted input: every loop here is bounded and every failure is a
:class:`KallsymsError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from vmstrace.kernel.errors import KernelError

DIGITS = b"".join(bytes([c]) + b"\0" for c in b"0123456789")  # tokens 0x30..0x39
MAX_SYMS = 1 << 22  # a large distribution kernel has ~200k
MAX_TOKEN = 512  # KSYM_NAME_LEN (include/linux/kallsyms.h)
MAX_ENTRY = 2 + 0x3FFF  # two length bytes and at most 0x3FFF tokens (scripts/kallsyms.c)
MAX_ANCHORS = 64  # "0\01\0…9\0" occurs a few times in a kernel; try this many
ALIGN = 8  # ALGN in scripts/kallsyms.c on 64-bit


class KallsymsError(KernelError):
    """The image has no kallsyms tables vmstrace can find, or they are inconsistent."""

    def __init__(self, why: str) -> None:
        super().__init__(f"kallsyms: {why}")


@dataclass(frozen=True)
class Kallsyms:
    """The kernel's symbols in address order: names, ``nm`` type letters, addresses."""

    names: tuple[str, ...]
    types: str  # one letter per symbol ('T' global text, 't' local text, 'D', 'R', …)
    addresses: tuple[int, ...]  # link-time addresses (before KASLR)
    _by_name: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _by_addr: dict[int, list[str]] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.names)

    def address(self, name: str) -> int | None:
        """The address of the first symbol called ``name``, None when there is none."""
        if not self._by_name:
            for i in range(len(self.names) - 1, -1, -1):
                self._by_name[self.names[i]] = self.addresses[i]
        return self._by_name.get(name)

    def at(self, address: int) -> list[str]:
        """Every symbol that starts exactly at ``address`` (aliases share one)."""
        if not self._by_addr:
            for n, a in zip(self.names, self.addresses, strict=True):
                self._by_addr.setdefault(a, []).append(n)
        return self._by_addr.get(address, [])

    def next_address(self, address: int) -> int | None:
        """The lowest symbol address above ``address`` (where an object must end)."""
        best = None
        for a in self.addresses:  # linear: called a handful of times per kernel
            if a > address and (best is None or a < best):
                best = a
        return best


def _align(n: int, a: int = ALIGN) -> int:
    return (n + a - 1) // a * a


def _u16(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 2], "little")


def _u32(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "little")


def _u64(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 8], "little")


@dataclass(frozen=True)
class _Tokens:
    table: int  # kallsyms_token_table
    index: int  # kallsyms_token_index
    tokens: tuple[str, ...]


def _token_table_at(data: bytes, anchor: int, hi: int) -> _Tokens | None:
    """The token table whose "0" token is at ``anchor``, checked against its index."""
    pos = anchor
    starts = {}
    for tok in range(0x30, 0x100):
        end = data.find(b"\0", pos, min(hi, pos + MAX_TOKEN))
        if end <= pos:  # not found, or an empty token: not a token table
            return None
        starts[tok] = pos
        pos = end + 1
    for index in (_align(pos), _align(pos, 4), _align(pos, 2)):
        if index + 512 > hi:
            continue
        offs = [_u16(data, index + 2 * i) for i in range(256)]
        if offs[0] != 0 or any(b <= a for a, b in zip(offs, offs[1:], strict=False)):
            continue
        table = anchor - offs[0x30]
        if table < 0 or any(table + offs[t] != starts[t] for t in starts):
            continue
        if any(data[table + offs[t] - 1] != 0 for t in range(1, 0x30)):
            continue
        tokens = tuple(
            data[table + offs[t] : data.find(b"\0", table + offs[t], pos)].decode("latin-1")
            for t in range(256)
        )
        return _Tokens(table, index, tokens)
    return None


def _marker_candidates(data: bytes, end: int, lo: int) -> Iterator[tuple[int, list[int]]]:
    """(start, markers) for arrays of ``.long`` or ``PTR`` ending at ``end``.

    The markers rise strictly from 0; up to 7 bytes of zero padding may follow them.
    """
    for size, read in ((4, _u32), (8, _u64)):
        for pad in range(0, ALIGN, size):
            pos = end - pad
            if any(data[pos:end]):
                continue
            values: list[int] = []
            while pos - size >= lo and len(values) <= MAX_SYMS // 256:
                v = read(data, pos - size)
                if values and v >= values[-1]:
                    break
                pos -= size
                values.append(v)
                if v == 0:
                    yield pos, values[::-1]
                    break


def _walk_names(data: bytes, start: int, count: int, hi: int) -> list[int] | None:
    """Offsets of ``count`` length-prefixed entries from ``start`` (plus the end)."""
    offs = []
    pos = start
    for _ in range(count):
        if pos >= hi:
            return None
        offs.append(pos)
        n = data[pos]
        if n & 0x80:  # 6.1+: ULEB128, two bytes at most
            n = (n & 0x7F) | (data[pos + 1] << 7)
            pos += 1
        if n == 0:
            return None
        pos += 1 + n
    offs.append(pos)
    return offs if pos <= hi else None


@dataclass(frozen=True)
class _Names:
    num_syms: int  # position of kallsyms_num_syms
    entries: list[int]  # position of each kallsyms_names entry, plus the end

    @property
    def count(self) -> int:
        return len(self.entries) - 1


def _names_before(data: bytes, markers_at: int, markers: list[int], lo: int) -> _Names | None:
    """Find kallsyms_num_syms/kallsyms_names that the markers at ``markers_at`` index."""
    m = len(markers)
    last = markers[-1]
    top = (markers_at - last - 8) // ALIGN * ALIGN
    bottom = max(lo, top - 256 * MAX_ENTRY)
    for q in range(top, bottom - 1, -ALIGN):  # bounded: the last 256 entries' length
        count = _u32(data, q)
        if not (256 * (m - 1) < count <= 256 * m) or _u32(data, q + 4) != 0:
            continue
        names = q + 8
        entries = _walk_names(data, names, count, markers_at)
        if entries is None or markers_at - entries[-1] >= ALIGN:
            continue
        if all(entries[256 * i] - names == markers[i] for i in range(m)):
            return _Names(q, entries)
    return None


def _decode_addresses(
    data: bytes, offsets: int, count: int, base: int, absolute_percpu: bool
) -> list[int]:
    raw = struct.unpack_from(f"<{count}i", data, offsets)
    if absolute_percpu:
        return [o if o >= 0 else base - 1 - o for o in raw]
    return [base + (o & 0xFFFFFFFF) for o in raw]


def _markers_and_names(data: bytes, table: int, lo: int) -> Iterator[_Names]:
    """kallsyms_names candidates, found through the kallsyms_markers that index them.

    The markers end right before ``kallsyms_token_table`` (mainline 6.1, 6.4+), or before
    a ``kallsyms_seqs_of_names`` block of three bytes per symbol that sits between them
    (6.2-6.3, and 6.1 stable kernels that took that backport).
    """
    bottom = max(lo, table - 3 * MAX_SYMS - 2 * ALIGN)
    for end in range(table - table % ALIGN, bottom, -ALIGN):
        gap = table - end
        for markers_at, markers in _marker_candidates(data, end, lo):
            m = len(markers)
            if gap >= ALIGN and not any(
                _align(3 * n) == gap
                for n in range(max(256 * (m - 1) + 1, (gap - 7) // 3), min(256 * m, gap // 3) + 1)
            ):
                continue
            names = _names_before(data, markers_at, markers, lo)
            if names is not None and (gap < ALIGN or _align(3 * names.count) == gap):
                yield names


def find_kallsyms(
    data: bytes, lo: int = 0, hi: int | None = None, text_addr: int | None = None
) -> Kallsyms:
    """Find and decode kallsyms in ``data[lo:hi]`` (the vmlinux's ``.rodata``).

    ``text_addr`` is the link address of ``.text``: the address reading that puts the
    ``_text`` symbol there is chosen (without it, the first consistent reading).
    """
    hi = len(data) if hi is None else min(hi, len(data))
    anchor = data.find(DIGITS, lo, hi)
    tried = 0
    why = "no kallsyms_token_table (no run of single-digit tokens)"
    while anchor >= 0 and tried < MAX_ANCHORS:
        tried += 1
        tokens = _token_table_at(data, anchor, hi)
        if tokens is not None:
            why = "found kallsyms_token_table but no kallsyms_markers/kallsyms_names before it"
            for names in _markers_and_names(data, tokens.table, lo):
                syms = _decode(data, tokens, names, hi, text_addr)
                if syms is not None:
                    return syms
                why = "found kallsyms_names but no kallsyms_offsets that fit"
        anchor = data.find(DIGITS, anchor + 1, hi)
    raise KallsymsError(why)


def _decode(
    data: bytes, tokens: _Tokens, names: _Names, hi: int, text_addr: int | None
) -> Kallsyms | None:
    count = len(names.entries) - 1
    table = []
    for a, b in zip(names.entries, names.entries[1:], strict=False):
        skip = 2 if data[a] & 0x80 else 1
        table.append("".join([tokens.tokens[t] for t in data[a + skip : b]]))
    if any(not n for n in table):
        return None
    # Where kallsyms_offsets and kallsyms_relative_base may sit (see the module docstring).
    span = _align(4 * count)
    layouts = [
        (names.num_syms - 8 - span, names.num_syms - 8),  # up to 6.1: before num_syms
        (tokens.index + 512, tokens.index + 512 + span),  # 6.2+: after token_index
    ]
    for offsets, base_at in layouts:
        if offsets < 0 or base_at + 8 > hi:
            continue
        base = _u64(data, base_at)
        if base < 1 << 63:  # kallsyms_relative_base is a kernel address
            continue
        for absolute_percpu in (True, False):
            addrs = _decode_addresses(data, offsets, count, base, absolute_percpu)
            if any(b < a for a, b in zip(addrs, addrs[1:], strict=False)):
                continue  # scripts/kallsyms.c sorts symbols by address
            syms = Kallsyms(tuple(n[1:] for n in table), "".join(n[0] for n in table), tuple(addrs))
            if text_addr is None or syms.address("_text") == text_addr:
                return syms
    return None
