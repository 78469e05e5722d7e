"""The plugin reads only the argument registers a call takes (the spec's `nargs` lines):
no decoder may look past its call's argument count, or it would decode zeros."""

from __future__ import annotations

import random

import pytest

from vmstrace.capture.spec import nargs_lines
from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo
from vmstrace.decode import (
    TABLES,
    DecodeOptions,
    decode_args_strict,
    format_return,
    registers_used,
)

U64 = (1 << 64) - 1
_WHO = TaskInfo(task=0, cr3=0)
_CALLS = sorted((abi, nr) for abi, table in TABLES.items() for nr in table)
_INSN = {"x86_64": (Insn.SYSCALL, Insn.SYSRETQ), "i386": (Insn.INT80, Insn.IRETQ)}


def _call(abi: str, nr: int, args: tuple[int, ...], ret: int, mems: dict[int, Mem]) -> Syscall:
    enter, leave = _INSN[abi]
    e = RawEntry(1, 0, abi, enter, 0, 0, nr, args, _WHO, mems)  # type: ignore[arg-type]
    return Syscall(e, RawExit(2, 0, abi, leave, 0, ret & U64, nr, _WHO, mems))


@pytest.mark.parametrize("abi,nr", _CALLS)
def test_decoding_ignores_registers_past_the_argument_count(abi, nr):
    rng = random.Random(nr)
    n = registers_used(abi, nr)
    for _ in range(8):
        args = [rng.choice([0, 1, 3, 0x40, 0x1000, U64, rng.getrandbits(64)]) for _ in range(6)]
        ret = rng.choice([0, 1, 8, -2, -14])
        mems = {i: Mem(addr=args[i], data=rng.randbytes(rng.randint(0, 64))) for i in range(n)}
        full = _call(abi, nr, tuple(args), ret, mems)
        cut = _call(abi, nr, tuple(args[:n]) + (0,) * (6 - n), ret, mems)
        opts = DecodeOptions()
        assert decode_args_strict(full, opts) == decode_args_strict(cut, opts)
        assert format_return(full, opts) == format_return(cut, opts)


def test_nargs_lines_group_calls_by_count_and_leave_six_out():
    lines = nargs_lines({"64": {0: 3, 1: 3, 39: 0, 9: 6, 5000: 1}, "32": {20: 0}})
    assert lines == ["nargs 64 0 39", "nargs 64 3 0 1", "nargs 32 0 20"]
