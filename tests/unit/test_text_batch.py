"""TextSink.events() (the compiled batch, _text.c) writes exactly what _line() writes.

_line() is the reference (the strace forms: test_text_sink.py and the e2e comparisons
with strace hold it); here any batch of events, with any field values a TraceEvent can
hold (a tid of any size or none, non-ASCII and control characters, empty argument lists),
gives the same text both ways, with every option of the sink.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmstrace.core.events import Note, TraceEvent
from vmstrace.sinks import _text
from vmstrace.sinks.text import TextSink

ints = st.one_of(st.integers(-(1 << 63), (1 << 64) + 5), st.sampled_from([0, -1, 85]))
chars = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(list('\\"\n\t\x00\x7f\xe9\u2028\U00010000')),
)
texts = st.lists(chars, max_size=10).map("".join)
events = st.builds(
    TraceEvent,
    ts=st.integers(0, 1 << 40),
    ts_exit=st.one_of(st.none(), st.integers(0, 1 << 40)),
    vcpu=st.integers(0, 3),
    pid=st.one_of(st.none(), ints),
    tid=st.one_of(st.none(), ints),
    ppid=st.none(),
    comm=st.one_of(st.none(), texts),
    cr3=st.integers(0, 1 << 52),
    nr=st.integers(0, 500),
    name=texts,
    abi=st.just("x86_64"),
    args=st.lists(texts, max_size=6).map(tuple),
    ret=st.none(),
    ret_text=texts,
    error=st.none(),
)
OPTIONS = [{}, {"show_comm": True}, {"timestamps": 3}, {"durations": True}]


@settings(max_examples=400, deadline=None)
@given(batch=st.lists(events, max_size=12), options=st.sampled_from(OPTIONS))
def test_batch_lines_are_line_lines(batch: list[TraceEvent], options: dict) -> None:
    out = io.StringIO()
    sink = TextSink(out, **options)
    sink.set_origin(0)
    sink.events(batch)
    assert out.getvalue() == "".join(sink._line(ev) for ev in batch)


notes = st.builds(
    Note, tid=st.one_of(st.none(), ints), text=texts, comm=st.one_of(st.none(), texts)
)


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(events, notes), max_size=12), options=st.sampled_from(OPTIONS))
def test_a_note_in_a_batch_is_note_lines(batch: list[TraceEvent | Note], options: dict) -> None:
    """The lane's Notes among the events: each written where it stands, as note() does."""
    one, out = io.StringIO(), io.StringIO()
    ref, sink = TextSink(one, **options), TextSink(out, **options)
    ref.set_origin(0)
    sink.set_origin(0)
    for ev in batch:
        if isinstance(ev, Note):
            ref.note(ev.tid, ev.text, ev.comm)
        else:
            ref.event(ev)
    sink.events(batch)
    assert out.getvalue() == one.getvalue()


def test_the_compiled_lines_write_a_note_themselves() -> None:
    """(not only through the fallback: a Note with a tid is _text.c's; without, refused)"""
    assert (
        _text.lines([Note(85, "+++ exited with 0 +++", "sh")]) == "[pid 85] +++ exited with 0 +++\n"
    )
    with pytest.raises(TypeError):
        _text.lines([Note(None, "+++ exited with 0 +++", None)])


def test_the_compiled_lines_take_the_default_form_and_refuse_the_rest() -> None:
    """Not a test that passes because the batch always falls back: _text.c writes the
    ordinary line itself, and refuses what it does not write as _line() does."""
    ev = TraceEvent(
        1, 2, 0, 85, 85, 1, "sh", 0, 0, "read", "x86_64", ("3", '"ab"', "2"), 2, "2", None
    )
    assert _text.lines([ev, ev]) == '[pid 85] read(3, "ab", 2) = 2\n' * 2
    for other in (
        TraceEvent(1, 2, 0, None, None, 1, "sh", 0x1000, 0, "read", "x86_64", (), 2, "2", None),
        TraceEvent(1, 2, 0, 85, 85, 1, "sh", 0, 0, "r\xe9ad", "x86_64", (), 2, "2", None),
    ):
        with pytest.raises(TypeError):
            _text.lines([ev, other])
