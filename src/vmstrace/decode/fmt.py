"""Formatting primitives shared by every decoder: strings, numbers, flags, pointers.

Everything here renders the way strace 6.x does by default, so the decoders only pick
which primitive fits an argument.  Nothing here raises on odd input: guest memory is
hostile, and an unreadable or short value falls back to the raw number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..core.events import Mem, Syscall

MASK64 = (1 << 64) - 1

# A table of (value, name) pairs, in the order strace prints flag names.
Xlat = Sequence[tuple[int, str]]


@dataclass(frozen=True)
class DecodeOptions:
    """How much to print: ``strsize`` is strace ``-s``, ``raw`` is strace ``-X raw``,
    ``decode_fds`` is strace ``-y`` (file descriptors with what they refer to),
    ``fd_details`` strace ``-yy`` (with -y: a socket's protocol and addresses),
    ``hexstr`` strace ``-x`` (1: a string with a non-ASCII byte all in hex) and ``-xx``
    (2: every string in hex)."""

    strsize: int = 32
    raw: bool = False
    decode_fds: bool = False
    fd_details: bool = False
    exe_paths: bool = False  # capture the executable after each exec (the JSON "exe")
    hexstr: int = 0


# The options of a text made from a value and -X raw alone (flags() reads raw alone of
# them): the functions the compiled lane asks by value (pipeline.VALUE_TEXTS) take raw.
OPTS_PLAIN, OPTS_RAW = DecodeOptions(), DecodeOptions(raw=True)


# --- numbers -------------------------------------------------------------------------


def s32(v: int) -> int:
    """The low 32 bits as a signed C int (how the kernel reads an ``int`` argument)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def u32(v: int) -> int:
    return v & 0xFFFFFFFF


def s64(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def hexnum(v: int) -> str:
    """C's ``%#lx``: ``0`` for zero, ``0x...`` otherwise."""
    return f"{v:#x}" if v else "0"


def ptr(v: int) -> str:
    """strace's printaddr: NULL or the address in hex."""
    return f"{v & MASK64:#x}" if v & MASK64 else "NULL"


def octal(v: int, width: int = 3) -> str:
    """Modes and masks: ``0644``; zero prints as ``000`` like strace's ``%#03o``."""
    return "0" + format(v, "o").rjust(width - 1, "0") if v else "0" * width


# --- strings -------------------------------------------------------------------------

_ESCAPES = {0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r"}
# Most strings are printable ASCII, or need only the named escapes: they are quoted with a
# few str.replace calls (``_NAMED`` does the backslash first: the others add backslashes).
_NEEDS_OCTAL = re.compile(rb"[^\x20-\x7e\t\n\v\f\r]")
_NAMED = (
    ("\\", "\\\\"),
    ('"', '\\"'),
    ("\t", "\\t"),
    ("\n", "\\n"),
    ("\v", "\\v"),
    ("\f", "\\f"),
    ("\r", "\\r"),
)
# What quote() writes for each byte (as a latin-1 character) when no octal digit follows:
# printable ASCII stays (absent from the table), the rest is named or in the fewest octal
# digits.
_SHORT_ESCAPES: dict[int, str] = {
    b: '\\"' if b == 0x22 else "\\\\" if b == 0x5C else _ESCAPES.get(b, f"\\{b:o}")
    for b in range(256)
    if not 0x20 <= b < 0x7F or b in (0x22, 0x5C)
}
# A byte written in octal (not printable, not named) followed by an octal digit.
_OCTAL_BEFORE_DIGIT = re.compile(r"([\x00-\x08\x0e-\x1f\x7f-\xff])(?=[0-7])")


# The text of short byte strings already quoted: the same data comes back from call to
# call (a loop's buffer, a library's path, a file read again).  Bounded (entries and
# length), as everything guest-driven.
_QUOTED: dict[bytes, str] = {}
_QUOTE_MEMO_LEN = 64
_MEMO_ENTRIES = 4096

_K = TypeVar("_K")
_V = TypeVar("_V")


def _keep(memo: dict[_K, _V], key: _K, entry: _V) -> None:
    """Store a rendered text in one of this module's memos, emptying the memo first when
    it is full (it holds guest-driven values: bounded, like all such state)."""
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()
    memo[key] = entry


def clear_memos() -> None:
    """Empty the memos of rendered texts (quoted strings, flag texts): a check that two
    decodings agree must not see one reuse the other's texts."""
    for memo in (_QUOTED, _FLAGS_TEXT, _XLAT_FLAGS_TEXT):
        memo.clear()


def quote(data: bytes, force_hex: bool = False, hexstr: int = 0) -> str:
    """Quote bytes as strace's string_quote does (without the ``...`` suffix).

    Printable ASCII stays, ``"`` and ``\\`` are escaped, ``\\t\\n\\v\\f\\r`` use their
    C names, anything else is octal in the fewest digits unless the next byte is an
    octal digit (then three digits, so the escape cannot swallow it).  With
    ``force_hex`` (getrandom's buffer) every byte is ``\\xNN``, and so with ``hexstr``
    2 (-xx), or 1 (-x) when a byte is neither printable ASCII nor one of ``\\t\\n\\v\\f\\r``.
    """
    if force_hex or (hexstr and (hexstr > 1 or data.translate(None, _PLAIN_OR_SPACE))):
        # "\\xNN" per byte, from bytes.hex in C calls (no loop over the bytes)
        return '"\\x' + data.hex(" ").replace(" ", "\\x") + '"' if data else '""'
    text = _QUOTED.get(data)
    if text is None:
        text = _quote(data)
        if len(data) <= _QUOTE_MEMO_LEN:
            _keep(_QUOTED, bytes(data), text)
    return text


# the bytes -x leaves unhexed: printable ASCII and the C whitespace (string_quote's test)
_PLAIN_OR_SPACE = bytes(range(0x20, 0x7F)) + b"\t\n\v\f\r"


def _quote(data: bytes) -> str:
    """:func:`quote` without ``force_hex``, worked out."""
    # what the general case below makes of the data, when it needs no octal escape
    if data.isascii():
        text = data.decode("ascii")
        if text.isprintable():  # 0x20-0x7e
            if '"' in text or "\\" in text:
                text = text.replace("\\", "\\\\").replace('"', '\\"')
            return '"' + text + '"'
        if _NEEDS_OCTAL.search(data) is None:
            for char, escape in _NAMED:
                if char in text:
                    text = text.replace(char, escape)
            return '"' + text + '"'
    # The general case, in C calls rather than a loop over the bytes: every character of
    # the latin-1 text through the table of short escapes, except a byte escaped in octal
    # just before an octal digit, which takes three digits (split() hands those over as
    # the odd parts).
    parts = _OCTAL_BEFORE_DIGIT.split(data.decode("latin-1"))
    if len(parts) == 1:
        return '"' + parts[0].translate(_SHORT_ESCAPES) + '"'
    return (
        '"'
        + "".join(
            [
                part.translate(_SHORT_ESCAPES) if not i % 2 else f"\\{ord(part):03o}"
                for i, part in enumerate(parts)
            ]
        )
        + '"'
    )


def escape(text: str | bytes, also: str = "", hexstr: int = 0) -> str:
    """Guest text for vmstrace's own output (a name, a console line, a path): as
    :func:`quote` renders it (``hexstr``: -x, -xx), without the quotes (strace's
    QUOTE_OMIT_LEADING_TRAILING_QUOTES), so no byte of it drives the terminal; the
    printable characters in ``also`` (strace's ``escape_chars``: ``"<>"`` inside -y's
    angle brackets) in octal too.  A str is taken as the bytes it was decoded from
    (UTF-8, with ``surrogateescape`` for the rest).
    """
    if isinstance(text, bytes):
        data = text
    elif (
        hexstr < 2
        and text.isascii()
        and text.isprintable()
        and '"' not in text
        and "\\" not in text
        and not any(c in text for c in also)
    ):
        return text
    else:
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate no decoding made: its UTF-8 form
            data = text.encode("utf-8", "surrogatepass")
    shown = quote(data, hexstr=hexstr)[1:-1]
    if also and any(c in shown for c in also):
        # quote() left them as they are: printable, and never part of one of its escapes
        shown = re.sub(f"[{re.escape(also)}]([0-7]?)", _octal_escape, shown)
    return shown


def _octal_escape(m: re.Match[str]) -> str:
    """An ``also`` character of :func:`escape` in octal: three digits before a digit."""
    digit = m.group(1)
    return f"\\{ord(m.group(0)[0]):03o}{digit}" if digit else f"\\{ord(m.group(0)[0]):o}"


def readable(mem: Mem | None) -> bool:
    """Whether a read produced anything to print (a fault with no bytes did not)."""
    return mem is not None and not (mem.fault and not mem.data)


PATH_MAX = 4096


def cstring(addr: int, mem: Mem | None, limit: int | None, hexstr: int = 0) -> str:
    """A NUL-terminated string, cut at ``limit`` bytes with ``...`` (None: a path, cut at
    PATH_MAX - 1 as strace's printpath does).

    strace reads ``limit`` + 1 bytes (a path: PATH_MAX) and prints the address when a
    fault comes before a NUL within them: a read that faulted before that many bytes and
    holds no NUL shows as the address too.
    """
    if not addr:
        return "NULL"
    if mem is None or (mem.fault and not mem.data):  # not readable(mem)
        return ptr(addr)
    data = mem.data
    nul = data.find(b"\0")
    more = mem.truncated or mem.fault
    if nul < 0 and mem.fault and len(data) < (PATH_MAX if limit is None else limit + 1):
        return ptr(addr)
    if nul < 0 and limit is None and len(data) >= PATH_MAX:
        data, more = data[: PATH_MAX - 1], True
    if nul >= 0:
        data, more = data[:nul], False
    if limit is not None and len(data) > limit:
        data, more = data[:limit], True
    return quote(data, hexstr=hexstr) + ("..." if more else "")


def char_array(raw: bytes, hexstr: int = 0) -> str:
    """A fixed char array (an interface's or a BPF object's name) as strace's
    print_quoted_cstring shows it: up to a NUL within all but its last byte, else those
    bytes and ``...`` when the last one is not a NUL either."""
    if not raw:
        return '""'
    nul = raw.find(b"\0", 0, len(raw) - 1)
    if nul >= 0:
        return quote(raw[:nul], hexstr=hexstr)
    return quote(raw[:-1], hexstr=hexstr) + ("..." if raw[-1] else "")


def nonzero_tail(data: bytes, start: int, end: int, strsize: int) -> str | None:
    """strace's print_nonzero_bytes, for a struct the caller says is larger than the one
    known: bytes ``start..end-1`` of ``data`` (what could be read) as ``???`` where they
    could not all be read, None where all are zero, else ``/* bytes 24..31 */ "\x80..."``
    (the first ``strsize`` of them, in hex, ``...`` when more follow)."""
    rest = data[start:end]
    if len(rest) < end - start:
        return "???"
    if not any(rest):
        return None
    more = "..." if len(rest) > strsize else ""
    return f"/* bytes {start}..{end - 1} */ {quote(rest[:strsize], force_hex=True)}{more}"


def buffer(
    addr: int,
    mem: Mem | None,
    length: int,
    strsize: int,
    force_hex: bool = False,
    hexstr: int = 0,
) -> str:
    """A counted buffer (write's data): ``length`` bytes, shown up to ``strsize``.

    strace's printstr_ex reads ``min(length, strsize + 1)`` bytes (one past ``-s``) and
    prints the address when that read fails: a read that faulted before that many bytes
    shows as the address too, not as the readable part.
    """
    if not addr:
        return "NULL"
    if length == 0:
        return '""'
    if mem is None or not readable(mem):
        return ptr(addr)
    if mem.fault and len(mem.data) < min(length, strsize + 1):
        return ptr(addr)
    shown = min(length, strsize)
    data = mem.data[:shown]
    more = length > len(data)
    return quote(data, force_hex, hexstr) + ("..." if more else "")


def local_array(items: Sequence[str], opts: DecodeOptions) -> str:
    """strace's print_local_array (a fixed array held whole: a pair of fds or times, the
    load averages): at most -s elements, then ``...``."""
    if len(items) > opts.strsize:
        return "[" + ", ".join([*items[: opts.strsize], "..."]) + "]"
    return "[" + ", ".join(items) + "]"


def array(
    addr: int, mem: Mem | None, count: int, size: int, limit: int, elem: Callable[[bytes], str]
) -> str:
    """strace's print_array: ``[e0, e1, ...]`` of ``count`` elements of ``size`` bytes, at
    most ``limit`` (-s) of them then ``...``; the address when the first element is
    unreadable, ``... /* address */`` where a later one is."""
    if not addr:
        return "NULL"
    if count <= 0:
        return "[]"
    data = mem.data if mem is not None else b""
    items = []
    for k in range(min(count, limit + 1)):
        if size * (k + 1) > len(data):
            if not k:
                return ptr(addr)
            faulted = mem is not None and mem.fault
            items.append(f"... /* {ptr(addr + size * k)} */" if faulted else "...")
            break
        if k == limit:
            items.append("...")
            break
        items.append(elem(data[size * k : size * (k + 1)]))
    return "[" + ", ".join(items) + "]"


# --- symbolic constants --------------------------------------------------------------


def xlat(value: int, table: Mapping[int, str], opts: DecodeOptions, unknown: str = "") -> str:
    """One value from a table; an unknown one prints in hex with ``/* X_??? */``.

    ``unknown`` is the comment's prefix (``F_``); empty: print the bare number.
    """
    name = None if opts.raw else table.get(value)
    if name is not None:
        return name
    if unknown and not opts.raw:
        return f"{hexnum(value)} /* {unknown}??? */"
    return hexnum(value) if unknown else str(value)


def flags(
    value: int,
    table: Xlat,
    opts: DecodeOptions,
    zero: str = "0",
    dflt: str = "",
) -> str:
    """A bit set as ``A|B|0x40``: known names in table order, the rest in hex.

    ``dflt`` is the comment strace's printflags() writes when no name matches a non-zero
    value (``0x40 /* MSG_??? */``); empty where strace passes none (the bare number).
    """
    if opts.raw:
        return hexnum(value)
    key = (id(table), value, zero, dflt)
    known = _FLAGS_TEXT.get(key)
    if known is not None:
        return known[1]
    text = _flags_text(value, table, zero, dflt)
    _keep(_FLAGS_TEXT, key, (table, text))
    return text


# The text of flag sets already rendered: they repeat from call to call (O_RDONLY|
# O_CLOEXEC, PROT_READ|PROT_WRITE).  Keyed by the table's id(): each entry holds its
# table, so while the entry exists no other object can have that id.  (Tables are
# constants.)
_FLAGS_TEXT: dict[tuple[int, int, str, str], tuple[Xlat, str]] = {}


def _flags_text(value: int, table: Xlat, zero: str, dflt: str) -> str:
    if value == 0:
        return zero
    names = []
    rest = value
    for bit, name in table:
        if bit and rest & bit == bit:
            names.append(name)
            rest &= ~bit
    if rest:
        if not names and dflt:
            return f"{rest:#x} /* {dflt} */"
        names.append(f"{rest:#x}")
    return "|".join(names)


def xlat_flags(
    value: int,
    field_mask: int,
    field: Mapping[int, str],
    table: Xlat,
    opts: DecodeOptions,
) -> str:
    """A value with an enumerated field (O_ACCMODE, MAP_TYPE) plus flag bits."""
    if opts.raw:
        return hexnum(value)
    key = (id(field), id(table), field_mask, value)  # (kept as flags() keeps its texts)
    known = _XLAT_FLAGS_TEXT.get(key)
    if known is not None:
        return known[2]
    text = _xlat_flags_text(value, field_mask, field, table, opts)
    _keep(_XLAT_FLAGS_TEXT, key, (field, table, text))
    return text


_XLAT_FLAGS_TEXT: dict[tuple[int, int, int, int], tuple[Mapping[int, str], Xlat, str]] = {}


def _xlat_flags_text(
    value: int, field_mask: int, field: Mapping[int, str], table: Xlat, opts: DecodeOptions
) -> str:
    head = field.get(value & field_mask)
    rest = value & ~field_mask if head is not None else value
    parts = [head] if head is not None else []
    if rest or not parts:
        tail = flags(rest, table, opts)
        parts.append(tail)
    return "|".join(parts)


# --- the per-call context ------------------------------------------------------------


class Ctx:
    """What a decoder sees: the call, the options, and typed views of its arguments."""

    __slots__ = ("call", "opts", "args", "ret")  # one per decoded call

    def __init__(self, call: Syscall, opts: DecodeOptions) -> None:
        self.call = call
        self.opts = opts
        self.args = call.entry.args  # six unsigned registers, always (RawEntry says how)
        self.ret = call.ret

    @property
    def failed(self) -> bool:
        """The call returned an error (or did not return: there is no output to show)."""
        return self.ret is None or -4095 <= self.ret <= -1

    def a(self, i: int) -> int:
        return self.args[i] if 0 <= i < 6 else 0

    def mem(self, i: int) -> Mem | None:
        """Syscall.mem(), spelled out: the exit read wins over the entry one (a renderer
        asks for nearly every path and buffer)."""
        call = self.call
        x = call.exit
        if x is not None:
            m = x.mem.get(i)
            if m is not None:
                return m
        return call.entry.mem.get(i)

    def entry_mem(self, i: int) -> Mem | None:
        return self.call.entry.mem.get(i)

    def exit_mem(self, i: int) -> Mem | None:
        if self.call.exit is None:
            return None
        return self.call.exit.mem.get(i)

    def out_data(self, i: int, size: int) -> bytes | None:
        """An output struct of ``size`` bytes, or None when it is not to be shown."""
        if self.failed or not self.a(i):
            return None
        m = self.exit_mem(i)
        if m is None or len(m.data) < size:
            return None
        return m.data[:size]

    def in_data(self, i: int, size: int) -> bytes | None:
        """An input struct of ``size`` bytes read at entry (or re-read at exit)."""
        if not self.a(i):
            return None
        m = self.mem(i)
        if m is None or len(m.data) < size:
            return None
        return m.data[:size]
