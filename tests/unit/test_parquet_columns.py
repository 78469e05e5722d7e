"""Columns.add() (the compiled gathering, _columns.c) fills exactly what add_reference() fills.

add_reference() is the reference: its columns make the table test_parquet_sink.py reads
back.  Here any stream of batches of events, with any field values a TraceEvent can hold
(None, ints out of every column's range, lone surrogates, empty and long argument
tuples), interleaved with notes and ends (the reference's alone), and threads and calls
that repeat so the memo and the combos are hit as well as filled, gives the same lists,
the same integer buffers and nulls, the same combinations and the same table both ways.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import trace_events
from vmstrace.core.events import EndEvent, TraceEvent
from vmstrace.sinks import _columns
from vmstrace.sinks.parquet import Columns, _End, _Note

ints = st.one_of(st.integers(-(1 << 63) - 3, (1 << 64) + 5), st.sampled_from([0, -1, 1 << 63]))
opt_ints = st.one_of(st.none(), ints)
texts = st.one_of(st.text(max_size=8), st.sampled_from(["\udc80", "x\ud800y", ""]))
opt_texts = st.one_of(st.none(), texts)

events = trace_events(ints, texts, raw_args=st.lists(ints, max_size=7).map(tuple), raw_ret=opt_ints)
others = st.one_of(
    st.builds(_Note, opt_ints, opt_ints, opt_texts, texts),
    st.builds(
        lambda ts, pid, comm, sig: _End(EndEvent(ts, pid, pid, comm, sig, None, None)),
        ints,
        opt_ints,
        opt_texts,
        opt_texts,
    ),
)
# (batch of picks from the pool, or None: a note or an end)
streams = st.tuples(
    st.lists(events, min_size=1, max_size=5),
    st.lists(st.one_of(st.lists(st.integers(0, 4), max_size=12), others), max_size=8),
)


def state(c: Columns) -> tuple[object, ...]:
    lists = (c.combos, c.index, c.vcpu, c.error, c.arg_lens, c.arg_items, c.raw_lens)
    ints = tuple(
        (col.values.tolist(), col.nulls) for col in (c.ts, c.ts_exit, c.ret, c.raw_ret, c.raw_items)
    )
    return (*lists, ints, [(at, id(row)) for at, row in c.others])


def fill(stream, pool, adder: str) -> Columns:
    c = Columns()
    for step in stream:
        if isinstance(step, list):
            getattr(c, adder)([pool[i % len(pool)] for i in step])
        else:
            c.others.append((len(c.index), step))  # add_other(), by the named way
            getattr(c, adder)([step])
    return c


@settings(max_examples=300, deadline=None)
@given(data=streams)
def test_compiled_columns_are_the_references(data) -> None:
    pool, stream = data
    compiled, reference = fill(stream, pool, "add"), fill(stream, pool, "add_reference")
    assert state(compiled) == state(reference)
    if compiled.index:  # (a row group is made only of rows)
        assert compiled.table().equals(reference.table())


def test_a_second_columns_does_not_take_the_first_ones_numbers() -> None:
    # the same events in a new row group (a new combos dict) are numbered from 0 again
    a = TraceEvent(1, None, 0, 5, 5, 1, "sh", 0, 0, "read", "x86_64", (), None, "", None)
    b = TraceEvent(2, None, 0, 6, 6, 1, "sh", 0, 0, "read", "x86_64", (), None, "", None)
    first, second = Columns(), Columns()
    first.add([a, b, a])
    second.add([b, a, b])
    assert first.index == [0, 1, 0] and second.index == [0, 1, 0]
    six, five = (
        (6, 6, 1, "sh", *[None] * 4, 0, 0, "read", "x86_64"),
        (5, 5, 1, "sh", *[None] * 4, 0, 0, "read", "x86_64"),
    )
    assert list(second.combos) == [six, five]


class Hashes:
    """A field value whose hash and equality are Python code that changes an event."""

    def __init__(self, victim: list[TraceEvent]) -> None:
        self.victim = victim

    def __hash__(self) -> int:
        for ev in self.victim:
            object.__setattr__(ev, "args", ["not", "a", "tuple"])
        return 1

    def __eq__(self, other: object) -> bool:
        return other is self


def test_an_event_changed_while_it_is_added_is_refused_not_read() -> None:
    victim: list[TraceEvent] = []
    ev = TraceEvent(
        1, None, 0, Hashes(victim), 5, 1, "sh", 0, 0, "read", "x86_64", (), None, "", None
    )
    victim.append(ev)
    c = Columns()
    try:
        c.add([ev])
    except TypeError as e:
        assert "changed" in str(e)
    else:
        raise AssertionError("a changed event was read")


def test_rows_it_does_not_take_touch_nothing() -> None:
    ev = TraceEvent(1, None, 0, 5, 5, 1, "sh", 0, 0, "read", "x86_64", ["a"], None, "", None)  # type: ignore[arg-type]
    c = Columns()
    lists = [[] for _ in range(6)]
    assert _columns.add([ev], c.combos, *lists) is None  # args not a tuple
    assert _columns.add([_Note(1, 2, "sh", "x")], c.combos, *lists) is None
    assert c.combos == {} and lists == [[] for _ in range(6)]


def _row(ts: int, tid: int, comm: object) -> TraceEvent:
    return TraceEvent(ts, None, 0, 5, tid, 1, comm, 0, 0, "read", "x86_64", (), None, "", None)  # type: ignore[arg-type]


def test_a_row_changed_by_another_rows_key_is_refused_not_read() -> None:
    class Deletes:  # row 0's key, whose hash takes a field out of row 1
        def __hash__(self) -> int:
            object.__delattr__(later, "comm")
            return 1

    later = _row(2, 6, "sh")
    try:
        Columns().add([_row(1, 5, Deletes()), later])
    except TypeError as e:
        assert "changed" in str(e)
    else:
        raise AssertionError("a row without a field was read")


def test_a_key_that_adds_to_another_columns_leaves_both_numbered_right() -> None:
    first, second = Columns(), Columns()

    class Reenters:  # the key's hash adds a row to the second Columns mid-lookup
        done = False

        def __hash__(self) -> int:
            if not Reenters.done:
                Reenters.done = True
                second.add([_row(9, 9, "zz")])
            return 7

    first.add([_row(1, 1, "a"), _row(2, 2, "b")])
    row = _row(3, 3, Reenters())
    first.add([row])
    second.add([row])
    reference = Columns()
    reference.add_reference([_row(9, 9, "zz")])
    reference.add_reference([row])
    assert (first.index, len(first.combos)) == ([0, 1, 2], 3)
    assert (second.index, len(second.combos)) == (reference.index, len(reference.combos))
