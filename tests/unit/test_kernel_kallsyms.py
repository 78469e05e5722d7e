"""The kallsyms parser on blobs laid out as scripts/kallsyms.c writes them.

``build`` is a small re-implementation of the writer (token table with a few compression
tokens, length-prefixed names, markers, relative offsets with absolute per-CPU symbols) in
the three orders kernels have used; the parser must recover every symbol from each.
"""

from __future__ import annotations

import struct

import pytest

from vmstrace.kernel.kallsyms import KallsymsError, find_kallsyms

TEXT = 0xFFFFFFFF81000000
COMPRESSION = ("__x64_sys_", "func_", "table")  # tokens standing for several characters


def _pad(buf: bytearray, align: int = 8) -> int:
    buf += b"\0" * (-len(buf) % align)
    return len(buf)


def _symbols() -> list[tuple[str, str, int]]:
    syms = [
        ("D", "fixed_percpu_data", 0),
        ("D", "current_task", 0x1FB80),
        ("T", "_text", TEXT),
        ("T", "startup_64", TEXT),
    ]
    syms += [("t" if i % 3 else "T", f"func_{i:04d}", TEXT + 0x100 + 0x40 * i) for i in range(600)]
    syms += [
        ("T", "__x64_sys_read", TEXT + 0x20000),
        ("T", "x" * 150, TEXT + 0x20040),
        ("D", "sys_call_table", TEXT + 0x1000000),
    ]
    return syms


def _encode(name: str, tokens: list[str]) -> bytes:
    out, i = bytearray(), 0
    while i < len(name):
        for t in COMPRESSION:
            if name.startswith(t, i):
                out.append(tokens.index(t))
                i += len(t)
                break
        else:
            out.append(ord(name[i]))
            i += 1
    return bytes(out)


def build(syms: list[tuple[str, str, int]], order: str) -> bytes:
    """A .rodata-like blob holding kallsyms for ``syms`` in the given layout ``order``."""
    tokens = [""] * 256
    for c in {c for t, n, _ in syms for c in t + n}:
        tokens[ord(c)] = c
    free = [i for i in range(256) if not tokens[i]]
    for slot, tok in zip(free, COMPRESSION + tuple(f"~{i}" for i in range(256)), strict=False):
        tokens[slot] = tok
    count = len(syms)
    names, markers = bytearray(), []
    for i, (t, n, _) in enumerate(syms):
        if i % 256 == 0:
            markers.append(len(names))
        enc = _encode(t + n, tokens)
        if len(enc) > 0x7F:  # 6.1+: two-byte ULEB128 length
            names += bytes([(len(enc) & 0x7F) | 0x80, len(enc) >> 7])
        else:
            names.append(len(enc))
        names += enc
    base = min(a for _, _, a in syms if a >= 1 << 63)
    # CONFIG_KALLSYMS_ABSOLUTE_PERCPU: per-CPU symbols absolute, the rest base - 1 - offset
    offsets = b"".join(struct.pack("<i", a if a < 1 << 31 else -(a - base) - 1) for _, _, a in syms)
    table = b"".join(t.encode("latin-1") + b"\0" for t in tokens)
    index, pos = [], 0
    for t in tokens:
        index.append(pos)
        pos += len(t) + 1
    seqs = b"".join(i.to_bytes(3, "big") for i in sorted(range(count), key=lambda i: syms[i][1]))
    marker_fmt = "<Q" if order == "6.1" else "<I"
    parts = {
        "offsets": offsets + b"\0" * (-len(offsets) % 8) + struct.pack("<Q", base),
        "num_syms": struct.pack("<I", count),
        "names": bytes(names),
        "markers": b"".join(struct.pack(marker_fmt, m) for m in markers),
        "seqs": seqs,
        "token_table": table,
        "token_index": struct.pack("<256H", *index),
    }
    layout = {
        "6.1": ["offsets", "num_syms", "names", "markers", "token_table", "token_index"],
        "6.2": ["num_syms", "names", "markers", "seqs", "token_table", "token_index", "offsets"],
        "6.4": ["num_syms", "names", "markers", "token_table", "token_index", "offsets", "seqs"],
    }[order]
    blob = bytearray(b"\x11" * 40)  # unrelated data before the tables
    for part in layout:
        _pad(blob)
        blob += parts[part]
    _pad(blob)
    blob += b"0\x001\x002\x00" + b"\x22" * 32  # a decoy digit run after the tables
    return bytes(blob)


@pytest.mark.parametrize("order", ["6.1", "6.2", "6.4"])
def test_recovers_every_symbol(order: str) -> None:
    syms = _symbols()
    ks = find_kallsyms(build(syms, order), text_addr=TEXT)
    assert list(zip(ks.types, ks.names, ks.addresses, strict=True)) == syms
    assert ks.address("sys_call_table") == TEXT + 0x1000000
    assert ks.address("current_task") == 0x1FB80
    assert ks.at(TEXT) == ["_text", "startup_64"]
    assert ks.next_address(TEXT + 0x20000) == TEXT + 0x20040
    assert ks.address("x" * 150) == TEXT + 0x20040


def test_bounds_the_search_to_the_given_range() -> None:
    blob = build(_symbols(), "6.4")
    with pytest.raises(KallsymsError, match="no kallsyms_token_table"):
        find_kallsyms(blob, 0, 40)


@pytest.mark.parametrize("where", [0.3, 0.6])
def test_damaged_tables_raise(where: float) -> None:
    blob = bytearray(build(_symbols(), "6.4"))
    pos = int(len(blob) * where)
    blob[pos : pos + 64] = b"\xff" * 64
    with pytest.raises(KallsymsError):
        find_kallsyms(bytes(blob), text_addr=TEXT)


def test_truncated_offsets_raise() -> None:
    blob = build(_symbols(), "6.4")
    with pytest.raises(KallsymsError, match="no kallsyms_offsets"):
        find_kallsyms(blob[: blob.rindex(b"0\x001\x002\x00") - 2500], text_addr=TEXT)


def test_wrong_text_address_is_refused() -> None:
    with pytest.raises(KallsymsError, match="no kallsyms_offsets"):
        find_kallsyms(build(_symbols(), "6.1"), text_addr=TEXT + 0x1000)


def test_no_tables_at_all() -> None:
    with pytest.raises(KallsymsError):
        find_kallsyms(bytes(range(256)) * 64)
