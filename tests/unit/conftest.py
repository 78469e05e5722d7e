"""Fixtures for the decode tests: build paired ``Syscall`` objects by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest
from hypothesis import strategies as st

from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo, TraceEvent
from vmstrace.decode import TABLES

_NR = {info.name: nr for nr, info in TABLES["x86_64"].items()}
_WHO = TaskInfo(task=0xFFFF888000001000, cr3=0x1000, pid=100, tid=100, ppid=1, comm="t")

MemSpec = Mapping[int, "Mem | bytes"]
MakeCall = Callable[..., Syscall]


def _mems(spec: MemSpec | None, at_exit: bool) -> dict[int, Mem]:
    out: dict[int, Mem] = {}
    for i, m in (spec or {}).items():
        out[i] = m if isinstance(m, Mem) else Mem(addr=0x1000 * (i + 1), data=m, at_exit=at_exit)
    return out


def build_call(
    name: str | int,
    args: Sequence[int] = (),
    ret: int | None = 0,
    entry: MemSpec | None = None,
    exit: MemSpec | None = None,
) -> Syscall:
    """A Syscall for ``name`` (or a number) with raw ``args`` and memory reads.

    ``ret`` None: the call never returned.  Memory values may be plain bytes.
    """
    nr = name if isinstance(name, int) else _NR[name]
    full = tuple(args) + (0,) * (6 - len(args))
    e = RawEntry(
        ts=1,
        vcpu=0,
        abi="x86_64",
        insn=Insn.SYSCALL,
        pc=0x401000,
        sp=0x7FFC0000,
        nr=nr,
        args=full,
        who=_WHO,
        mem=_mems(entry, False),  # type: ignore[arg-type]
    )
    if ret is None:
        return Syscall(e, None)
    x = RawExit(
        ts=2,
        vcpu=0,
        abi="x86_64",
        insn=Insn.SYSRETQ,
        pc=0x401002,
        ret=ret & ((1 << 64) - 1),
        nr=nr,
        who=_WHO,
        mem=_mems(exit, True),
    )
    return Syscall(e, x)


@pytest.fixture
def decode_call() -> MakeCall:
    """Factory fixture: ``decode_call("read", [3, buf, 10], ret=3, exit={1: b"hi\\n"})``."""
    return build_call


def trace_events(
    ints: st.SearchStrategy[int], texts: st.SearchStrategy[str], **more: st.SearchStrategy[object]
) -> st.SearchStrategy[TraceEvent]:
    """TraceEvents with every field drawn, from ``ints`` and ``texts`` (or None where the
    field may be None; up to six argument texts); ``more``: other fields' strategies."""
    opt_ints, opt_texts = st.none() | ints, st.none() | texts
    return st.builds(
        TraceEvent,
        ts=ints,
        ts_exit=opt_ints,
        vcpu=ints,
        pid=opt_ints,
        tid=opt_ints,
        ppid=opt_ints,
        comm=opt_texts,
        cr3=ints,
        nr=ints,
        name=texts,
        abi=texts,
        args=st.lists(texts, max_size=6).map(tuple),
        ret=opt_ints,
        ret_text=texts,
        error=opt_texts,
        uid=opt_ints,
        euid=opt_ints,
        task_id=opt_texts,
        exe=opt_texts,
        **more,
    )
