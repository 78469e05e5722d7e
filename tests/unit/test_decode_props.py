"""Property tests: every template survives hostile input and its output stays bounded."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo
from vmstrace.decode import (
    TABLES,
    DecodeOptions,
    capture_entries,
    decode_args_strict,
    error_name,
    format_return,
    templated,
)

_NR = {info.name: nr for nr, info in TABLES["x86_64"].items()}
_WHO = TaskInfo(task=0, cr3=0)
U64 = (1 << 64) - 1

args_st = st.one_of(
    st.sampled_from([0, 1, 2, 3, 8, 0x80, 0x100, 0xFFFFFFFF, U64, U64 - 99, 0x7FFE0000]),
    st.integers(0, U64),
)
leaf_mem = st.builds(
    Mem,
    addr=st.integers(0, U64),
    data=st.binary(max_size=400),
    fault=st.booleans(),
    truncated=st.booleans(),
)
mem_st = st.builds(
    Mem,
    addr=st.integers(0, U64),
    data=st.binary(max_size=600),
    fault=st.booleans(),
    truncated=st.booleans(),
    elems=st.lists(leaf_mem, max_size=6).map(tuple),
)
mems_st = st.dictionaries(st.integers(0, 5), mem_st, max_size=6)
ret_st = st.one_of(
    st.none(), st.integers(-4095, -1), st.integers(0, 4096), st.integers(-(1 << 63), U64)
)


def make(name: str, args: list[int], ret: int | None, em: dict, xm: dict) -> Syscall:
    nr = _NR[name]
    e = RawEntry(1, 0, "x86_64", Insn.SYSCALL, 0, 0, nr, tuple(args), _WHO, em)  # type: ignore[arg-type]
    if ret is None:
        return Syscall(e, None)
    return Syscall(e, RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret & U64, nr, _WHO, xm))


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    name=st.sampled_from(templated()),
    args=st.lists(args_st, min_size=6, max_size=6),
    ret=ret_st,
    entry=mems_st,
    exit=mems_st,
    strsize=st.integers(0, 64),
    raw=st.booleans(),
)
def test_templates_never_raise_and_stay_bounded(name, args, ret, entry, exit, strsize, raw):
    call = make(name, args, ret, entry, exit)
    opts = DecodeOptions(strsize=strsize, raw=raw)
    out = decode_args_strict(call, opts)
    text = format_return(call, opts)
    error_name(call)
    assert all(isinstance(a, str) for a in out)
    assert len(out) <= 6
    # paths are up to 4096 bytes, 4 chars per escaped byte; everything else is cut by -s
    assert sum(len(a) for a in out) + len(text) < 6 * 4 * 4096 + 20_000


@given(nr=st.integers(0, 1 << 20), args=st.lists(args_st, min_size=6, max_size=6), ret=ret_st)
def test_any_number_renders(nr, args, ret):
    e = RawEntry(1, 0, "x86_64", Insn.SYSCALL, 0, 0, nr, tuple(args), _WHO)  # type: ignore[arg-type]
    x = None if ret is None else RawExit(2, 0, "x86_64", Insn.SYSRETQ, 0, ret & U64, nr, _WHO)
    call = Syscall(e, x)
    assert isinstance(decode_args_strict(call, DecodeOptions()), list)
    assert format_return(call, DecodeOptions())


@given(strsize=st.integers(0, 1 << 17))
def test_capture_entries_are_valid_for_any_strsize(strsize):
    # Capture validates its own bounds on construction: building the list is the check.
    entries = capture_entries(DecodeOptions(strsize=strsize))
    assert entries
