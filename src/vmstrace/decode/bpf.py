"""bpf(2), as strace 6.1's bpf.c prints it: the command, the ``union bpf_attr`` of every
command strace decodes (bpf_attr.h's layouts), the size.

strace reads ``size`` bytes of the attr (the address when that read fails or size is 0 or
above a page), shows only the fields that start inside them (an older caller's shorter
struct), and ``...`` for a non-zero byte past the struct it knows (``extra_data`` only
under -v).  Commands that get data back (GET_NEXT_ID, OBJ_GET_INFO_BY_FD, PROG_QUERY,
TASK_FD_QUERY, the batches) print the rest from the attr read again at exit, a changed
value as ``before => after``.  Memory the attr points to (license, paths, names, log
buffers, arrays) is not read: it prints as its address, as strace prints memory it cannot
read; a zero length still prints as ``""`` or ``[]`` (strace reads nothing then).  Without
-v strace prints the instructions and OBJ_GET_INFO_BY_FD's info as addresses too.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from ..capture.spec import Capture
from ..core.abi import ARG_RETFD
from ..core.events import Mem
from .args import UINT, XLAT
from .consts import bpf as B
from .fdpath import with_path
from .fmt import Ctx, DecodeOptions, char_array, flags, hexnum, ptr, xlat
from .inet import ifindex
from .registry import Arg, syscall

PAGE = 4096  # strace reads no attr larger than a page

# A field's text from the options, the attr (zero-padded past what was read, as strace's
# memcpy into a zeroed struct), the field's offset and the bytes read (min(size, struct)).
Fmt = Callable[[DecodeOptions, bytes, int, int], str]


def _u32(d: bytes, at: int) -> int:
    return int.from_bytes(d[at : at + 4], "little")


def _u64(d: bytes, at: int) -> int:
    return int.from_bytes(d[at : at + 8], "little")


def _U(o: DecodeOptions, d: bytes, at: int, n: int) -> str:  # noqa: N802
    return str(_u32(d, at))


def _FD(o: DecodeOptions, d: bytes, at: int, n: int) -> str:  # noqa: N802
    # an fd held in the attr: strace's printfd; its -y path is not resolved (the plugin
    # resolves argument fds only), the number is what the kernel sees
    return str(struct.unpack_from("<i", d, at)[0])


def _U64(o: DecodeOptions, d: bytes, at: int, n: int) -> str:  # noqa: N802
    return str(_u64(d, at))


def _X(o: DecodeOptions, d: bytes, at: int, n: int) -> str:  # noqa: N802
    return hexnum(_u32(d, at))


def _X64(o: DecodeOptions, d: bytes, at: int, n: int) -> str:  # noqa: N802
    return hexnum(_u64(d, at))


def _ADDR(o: DecodeOptions, d: bytes, at: int, n: int) -> str:  # noqa: N802
    # also a string strace would read (license, pathname, tracepoint name) and the
    # instructions (an address without -v): vmstrace does not follow pointers in the attr
    return ptr(_u64(d, at))


def _xval(table: dict[int, str], dflt: str, wide: bool = False) -> Fmt:
    def fmt(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
        return xlat(_u64(d, at) if wide else _u32(d, at), table, o, dflt)

    return fmt


def _flags(
    table: tuple[tuple[int, str], ...], dflt: str, zero: str = "0", wide: bool = False
) -> Fmt:
    def fmt(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
        return flags(_u64(d, at) if wide else _u32(d, at), table, o, zero, dflt)

    return fmt


def _unread_str(addr: int, length: int) -> str:
    """printstr_ex of a counted buffer not read: NULL, ``""`` for a zero length (strace
    reads nothing then), else the address."""
    return '""' if addr and not length else ptr(addr)


def _counted(len_at: int) -> Fmt:
    """A buffer whose length is the u32 field at ``len_at`` (log_buf, btf)."""

    def fmt(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
        return _unread_str(_u64(d, at), _u32(d, len_at))

    return fmt


def _array(addr: int, count: int) -> str:
    """print_array of memory not read: NULL, ``[]`` for no elements, else the address."""
    return ptr(addr) if not addr or count else "[]"


def _name(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
    """A char[16] name as print_quoted_cstring shows it, cut at the bytes read: up to a NUL
    within all but its last byte, ``...`` after those when no NUL ends them."""
    return char_array(d[at : at + min(16, n - at)], o.hexstr)


def _ifindex(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
    v = _u32(d, at)
    return str(v) if o.raw else ifindex(v)


def _kernel_version(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
    v = _u32(d, at)
    return hexnum(v) if o.raw else f"KERNEL_VERSION({v >> 16}, {v >> 8 & 0xFF}, {v & 0xFF})"


def _numa_node(o: DecodeOptions, d: bytes, at: int, n: int) -> str:
    # strace forces the verbose style: NUMA_NO_NODE is not a name of the UAPI headers
    v = _u32(d, at)
    return f"{v} /* NUMA_NO_NODE */" if v == B.NUMA_NO_NODE and not o.raw else str(v)


@dataclass(frozen=True)
class F:
    """One field: printed when ``gate`` is off or the bytes read go past its offset (a
    gated field that does not stops the struct), and ``when`` (of the attr) holds."""

    name: str
    at: int
    fmt: Fmt
    gate: bool = False
    when: Callable[[bytes], bool] | None = None


def _fields(o: DecodeOptions, d: bytes, n: int, fields: tuple[F, ...]) -> list[str]:
    out = []
    for f in fields:
        if f.gate and n <= f.at:
            break
        if f.when is None or f.when(d):
            out.append(f"{f.name}={f.fmt(o, d, f.at, n)}")
    return out


@dataclass(frozen=True)
class Cmd:
    """A command whose attr strace prints at entry: ``size`` is its struct's (bytes past
    it are extra data), ``wrap`` the name its fields print inside (``test={...}``)."""

    size: int
    fields: tuple[F, ...]
    wrap: str = ""


_ATTACH_TYPE = _xval(B.ATTACH_TYPES, "BPF_")
_FILE_FLAGS = _flags(B.FILE_MODE_FLAGS, "BPF_F_???")
_MAP_FD = F("map_fd", 0, _FD)
_LOOKUP = Cmd(
    32,
    (
        _MAP_FD,
        F("key", 8, _ADDR),
        F("value", 16, _ADDR),
        F("flags", 24, _flags(B.LOOKUP_ELEM_FLAGS, "BPF_???", "BPF_ANY", True), True),
    ),
)


def _by_id(name: str) -> Cmd:
    return Cmd(12, (F(name, 0, _U), F("next_id", 4, _U), F("open_flags", 8, _FILE_FLAGS, True)))


def _batch(*names: str) -> Cmd:
    at = {"in_batch": 0, "out_batch": 8, "keys": 16, "values": 24}
    return Cmd(
        56,
        (
            *(F(n, at[n], _ADDR) for n in names),
            F("count", 32, _U),
            F("map_fd", 36, _FD),
            F("elem_flags", 40, _flags(B.LOOKUP_ELEM_FLAGS, "BPF_???", "BPF_ANY", True)),
            F("flags", 48, _X64),
        ),
        "batch",
    )


_PIN = Cmd(
    16, (F("pathname", 0, _ADDR), F("bpf_fd", 8, _FD), F("file_flags", 12, _FILE_FLAGS, True))
)
_LOOKUP_BATCH = _batch("in_batch", "out_batch", "keys", "values")

CMDS: dict[int, Cmd] = {
    B.MAP_CREATE: Cmd(
        72,
        (
            F("map_type", 0, _xval(B.MAP_TYPES, "BPF_MAP_TYPE_")),
            F("key_size", 4, _U),
            F("value_size", 8, _U),
            F("max_entries", 12, _U),
            F("map_flags", 16, _flags(B.MAP_FLAGS, "BPF_F_???"), True),
            F("inner_map_fd", 20, _FD, True),
            F("numa_node", 24, _numa_node, True, lambda d: bool(_u32(d, 16) & B.BPF_F_NUMA_NODE)),
            F("map_name", 28, _name, True),
            F("map_ifindex", 44, _ifindex, True),
            F("btf_fd", 48, _FD, True),
            F("btf_key_type_id", 52, _U),
            F("btf_value_type_id", 56, _U),
            F("btf_vmlinux_value_type_id", 60, _U, True),
            F("map_extra", 64, _U64, True),
        ),
    ),
    B.MAP_LOOKUP_ELEM: _LOOKUP,
    B.MAP_LOOKUP_AND_DELETE_ELEM: _LOOKUP,
    B.MAP_UPDATE_ELEM: Cmd(
        32,
        (
            _MAP_FD,
            F("key", 8, _ADDR),
            F("value", 16, _ADDR),
            F("flags", 24, _xval(B.UPDATE_ELEM_FLAGS, "BPF_", True)),
        ),
    ),
    B.MAP_DELETE_ELEM: Cmd(16, (_MAP_FD, F("key", 8, _ADDR))),
    B.MAP_GET_NEXT_KEY: Cmd(24, (_MAP_FD, F("key", 8, _ADDR), F("next_key", 16, _ADDR))),
    B.MAP_FREEZE: Cmd(4, (_MAP_FD,)),
    B.PROG_LOAD: Cmd(
        128,
        (
            F("prog_type", 0, _xval(B.PROG_TYPES, "BPF_PROG_TYPE_")),
            F("insn_cnt", 4, _U),
            F("insns", 8, _ADDR),
            F("license", 16, _ADDR),
            F("log_level", 24, _U, True),
            F("log_size", 28, _U),
            F("log_buf", 32, _counted(28)),
            F("kern_version", 40, _kernel_version, True),
            F("prog_flags", 44, _flags(B.PROG_FLAGS, "BPF_F_???"), True),
            F("prog_name", 48, _name, True),
            F("prog_ifindex", 64, _ifindex, True),
            F("expected_attach_type", 68, _ATTACH_TYPE, True),
            F("prog_btf_fd", 72, _FD, True),
            F("func_info_rec_size", 76, _U),
            F("func_info", 80, _ADDR),
            F("func_info_cnt", 88, _U),
            F("line_info_rec_size", 92, _U),
            F("line_info", 96, _ADDR),
            F("line_info_cnt", 104, _U),
            F("attach_btf_id", 108, _U, True),
            F("attach_prog_fd", 112, _FD, True),
            F("fd_array", 120, _ADDR, True),
        ),
    ),
    B.OBJ_PIN: _PIN,
    B.OBJ_GET: _PIN,
    B.PROG_ATTACH: Cmd(
        20,
        (
            F("target_fd", 0, _FD),
            F("attach_bpf_fd", 4, _FD),
            F("attach_type", 8, _ATTACH_TYPE),
            F("attach_flags", 12, _flags(B.ATTACH_FLAGS, "BPF_F_???")),
            F("replace_bpf_fd", 16, _FD, True),
        ),
    ),
    B.PROG_DETACH: Cmd(12, (F("target_fd", 0, _FD), F("attach_type", 8, _ATTACH_TYPE))),
    B.PROG_TEST_RUN: Cmd(
        76,
        (
            F("prog_fd", 0, _FD),
            F("retval", 4, _U),
            F("data_size_in", 8, _U),
            F("data_size_out", 12, _U),
            F("data_in", 16, _ADDR),
            F("data_out", 24, _ADDR),
            F("repeat", 32, _U),
            F("duration", 36, _U),
            F("ctx_size_in", 40, _U, True),
            F("ctx_size_out", 44, _U),
            F("ctx_in", 48, _ADDR),
            F("ctx_out", 56, _ADDR),
            F("flags", 64, _flags(B.TEST_RUN_FLAGS, "BPF_F_???"), True),
            F("cpu", 68, _U),
            F("batch_size", 72, _U, True),
        ),
        "test",
    ),
    B.PROG_GET_FD_BY_ID: _by_id("prog_id"),
    B.MAP_GET_FD_BY_ID: _by_id("map_id"),
    B.RAW_TRACEPOINT_OPEN: Cmd(12, (F("name", 0, _ADDR), F("prog_fd", 8, _FD)), "raw_tracepoint"),
    B.BTF_LOAD: Cmd(
        28,
        (
            F("btf", 0, _counted(16)),
            F("btf_log_buf", 8, _ADDR),
            F("btf_size", 16, _U),
            F("btf_log_size", 20, _U),
            F("btf_log_level", 24, _U),
        ),
    ),
    B.BTF_GET_FD_BY_ID: Cmd(4, (F("btf_id", 0, _U),)),
    B.LINK_UPDATE: Cmd(
        16,
        (
            F("link_fd", 0, _FD),
            F("new_prog_fd", 4, _FD),
            F("flags", 8, _flags(B.ATTACH_FLAGS, "BPF_F_???")),
            F("old_prog_fd", 12, _FD, when=lambda d: bool(_u32(d, 8) & B.BPF_F_REPLACE)),
        ),
        "link_update",
    ),
    B.LINK_GET_FD_BY_ID: Cmd(4, (F("link_id", 0, _U),)),
    B.MAP_LOOKUP_BATCH: _LOOKUP_BATCH,
    B.MAP_LOOKUP_AND_DELETE_BATCH: _LOOKUP_BATCH,
    B.MAP_UPDATE_BATCH: _batch("keys", "values"),
    B.MAP_DELETE_BATCH: _batch("keys"),
}
NEXT_ID = (B.PROG_GET_NEXT_ID, B.MAP_GET_NEXT_ID, B.BTF_GET_NEXT_ID, B.LINK_GET_NEXT_ID)
# the commands strace prints partly at exit (with what the kernel wrote back)
AT_EXIT = {*NEXT_ID, B.OBJ_GET_INFO_BY_FD, B.PROG_QUERY, B.TASK_FD_QUERY}
# ... and those that add a changed count after the attr (`` => {batch={count=2}}``)
BATCHES = {
    B.MAP_LOOKUP_BATCH,
    B.MAP_LOOKUP_AND_DELETE_BATCH,
    B.MAP_UPDATE_BATCH,
    B.MAP_DELETE_BATCH,
}
DECODED = {*CMDS, B.LINK_CREATE, *AT_EXIT}


def _padded(raw: bytes, size: int, struct_size: int) -> tuple[bytes, int]:
    """The attr as strace's decoder holds it (the first min(size, struct) bytes, zeros
    after them), and that length."""
    n = min(size, struct_size)
    return raw[:n] + bytes(struct_size + 8 - n), n


def _extra(raw: bytes, size: int, struct_size: int) -> list[str]:
    # decode_attr_extra_data: without -v, only that a byte past the struct is not zero
    return ["..."] if any(raw[struct_size:size]) else []


def _struct(o: DecodeOptions, raw: bytes, size: int, cmd: Cmd) -> str:
    d, n = _padded(raw, size, cmd.size)
    parts = _fields(o, d, n, cmd.fields)
    if cmd.wrap:
        parts = [f"{cmd.wrap}={{{', '.join(parts)}}}"]
    return "{" + ", ".join(parts + _extra(raw, size, cmd.size)) + "}"


_LINK_HEAD = (
    F("prog_fd", 0, _FD),
    F("target_fd", 4, _FD),
    F("attach_type", 8, _ATTACH_TYPE),
    F("flags", 12, _X),
)
_KPROBE_ARRAYS = (("syms", 24), ("addrs", 32), ("cookies", 40))


def _link_create(o: DecodeOptions, raw: bytes, size: int) -> str:
    """LINK_CREATE: the union after ``flags`` as strace guesses it from the attach type,
    the struct's end (for extra data) where that member ends."""
    d, n = _padded(raw, size, 48)
    parts = _fields(o, d, n, _LINK_HEAD)
    end = 48
    if n > 16:
        kind = _u32(d, 8)
        if kind == 0:
            if _u32(d, 16):
                parts.append(f"target_btf_id={_u32(d, 16)}")
            end = 20
        elif kind == B.BPF_TRACE_ITER:
            parts.append(f"iter_info={_array(_u64(d, 16), _u32(d, 24))}")
            parts.append(f"iter_info_len={_u32(d, 24)}")
            end = 28
        elif kind == B.BPF_PERF_EVENT:
            parts.append(f"perf_event={{bpf_cookie={hexnum(_u64(d, 16))}}}")
            end = 24
        elif kind == B.BPF_TRACE_KPROBE_MULTI:
            cnt = _u32(d, 20)
            fl = flags(_u32(d, 16), B.KPROBE_MULTI_FLAGS, o, dflt="BPF_F_???")
            arrays = ", ".join(f"{k}={_array(_u64(d, at), cnt)}" for k, at in _KPROBE_ARRAYS)
            parts.append(f"kprobe_multi={{flags={fl}, cnt={cnt}, {arrays}}}")
        else:
            end = 16
    return (
        f"{{link_create={{{', '.join(parts)}}}"
        + "".join(", " + e for e in _extra(raw, size, end))
        + "}"
    )


_QUERY = (
    F("target_fd", 0, _FD),
    F("attach_type", 4, _ATTACH_TYPE),
    F("query_flags", 8, _flags(B.QUERY_FLAGS, "BPF_F_QUERY_???")),
    F("attach_flags", 12, _flags(B.ATTACH_FLAGS, "BPF_F_???")),
)


def _changed(before: int, after: int) -> str:
    return f"{before} => {after}" if before != after else str(after)


def _at_exit(o: DecodeOptions, cmd: int, e: bytes, x: bytes, size: int) -> str:
    """The commands whose attr strace prints in two steps: the caller's fields from the
    entry read, the rest from the exit read (a changed count as ``before => after``)."""
    if cmd in NEXT_ID:
        de, n = _padded(e, size, 12)
        dx = _padded(x, size, 12)[0]
        parts = [f"start_id={_u32(de, 0)}", f"next_id={_changed(_u32(de, 4), _u32(dx, 4))}"]
        if n > 8:
            parts += [f"open_flags={_FILE_FLAGS(o, dx, 8, n)}", *_extra(x, size, 12)]
        return "{" + ", ".join(parts) + "}"
    if cmd == B.OBJ_GET_INFO_BY_FD:
        de, n = _padded(e, size, 16)
        dx = _padded(x, size, 16)[0]
        inner = (
            f"bpf_fd={_FD(o, de, 0, n)}, info_len={_changed(_u32(de, 4), _u32(dx, 4))}, "
            f"info={ptr(_u64(dx, 8))}"  # without -v, strace prints the info struct's address
        )
        return "{" + ", ".join([f"info={{{inner}}}", *_extra(x, size, 16)]) + "}"
    if cmd == B.PROG_QUERY:
        de, n = _padded(e, size, 28)
        dx = _padded(x, size, 28)[0]
        head = _fields(o, de, n, _QUERY)
        cnt = _u32(dx, 24)
        head += [f"prog_ids={_array(_u64(dx, 16), cnt)}", f"prog_cnt={_changed(_u32(de, 24), cnt)}"]
        return "{" + ", ".join([f"query={{{', '.join(head)}}}", *_extra(x, size, 28)]) + "}"
    # TASK_FD_QUERY
    de, n = _padded(e, size, 48)
    dx = _padded(x, size, 48)[0]
    head = [
        f"pid={_FD(o, de, 0, n)}",
        f"fd={_FD(o, de, 4, n)}",
        f"flags={_u32(de, 8)}",
        f"buf_len={_changed(_u32(de, 12), _u32(dx, 12))}",
    ]
    buf, buf_len = _u64(dx, 16), min(_u32(de, 12), _u32(dx, 12))
    head += [
        f"buf={_unread_str(buf, buf_len)}",
        f"prog_id={_u32(dx, 24)}",
        f"fd_type={xlat(_u32(dx, 28), B.TASK_FD_TYPES, o, 'BPF_FD_TYPE_')}",
        f"probe_offset={hexnum(_u64(dx, 32))}",
        f"probe_addr={hexnum(_u64(dx, 40))}",
    ]
    return "{" + ", ".join([f"task_fd_query={{{', '.join(head)}}}", *_extra(x, size, 48)]) + "}"


def _read(m: Mem | None, size: int) -> bytes | None:
    """The ``size`` bytes strace reads, or None where they could not all be read."""
    return m.data[:size] if m is not None and len(m.data) >= size else None


def _attr(c: Ctx, i: int) -> str:
    cmd, addr, size = c.a(0) & 0xFFFFFFFF, c.a(i), c.a(2) & 0xFFFFFFFF
    if not 0 < size <= PAGE or cmd not in DECODED or not addr:
        return ptr(addr)
    e = _read(c.entry_mem(i), size)
    if e is None:
        # strace's read of `size` bytes failed (the address); or the page was not in at
        # entry: the exit read is not taken for it, as the attr may have changed after the
        # kernel copied it (another thread), and the kernel's copy is what counts
        return ptr(addr)
    o = c.opts
    if cmd in AT_EXIT or cmd in BATCHES:
        # the exit read; none (a call that did not return, a fault): its fields unknown
        x = _read(c.exit_mem(i), size) if c.call.exit is not None else None
        if x is None:
            return ptr(addr)
        if cmd in AT_EXIT:
            return _at_exit(o, cmd, e, x, size)
        text = _struct(o, e, size, CMDS[cmd])
        before, after = _u32(_padded(e, size, 56)[0], 32), _u32(_padded(x, size, 56)[0], 32)
        return text + (f" => {{batch={{count={after}}}}}" if before != after else "")
    if cmd == B.LINK_CREATE:
        return _link_create(o, e, size)
    return _struct(o, e, size, CMDS[cmd])


# The attr as the caller passed it, and as the call left it (what GET_NEXT_ID and the
# others wrote back): a page at most each.
ATTR = Arg(
    _attr,
    lambda o: (Capture("buf", "entry", "a2", PAGE), Capture("buf", "exit", "a2", PAGE)),
)
# The commands whose result is a new descriptor (bpf.c's RVAL_FD): MAP_CREATE, PROG_LOAD,
# OBJ_PIN and OBJ_GET (one decoder), the GET_FD_BY_ID ones, BTF_LOAD, LINK_CREATE
FD_COMMANDS = frozenset({0, 5, 6, 7, 13, 14, 18, 19, 28, 30})


def _ret(c: Ctx) -> str:
    """A new descriptor (with -y what it refers to) for the commands that make one; the
    table marks bpf MAY_RETURN_FD, so this decides."""
    assert c.ret is not None
    if c.opts.decode_fds and c.a(0) & 0xFFFFFFFF in FD_COMMANDS:
        return with_path(str(c.ret), c.exit_mem(ARG_RETFD), c.opts.fd_details, c.opts.hexstr)
    return str(c.ret)


syscall("bpf", XLAT(B.COMMANDS, "BPF_"), ATTR, UINT, ret=_ret)
