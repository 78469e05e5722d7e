"""JsonSink.events() (the compiled batch, _jsonl.c) writes exactly what event() writes.

event() is the reference: its line is json.dumps of the event's dict (test_hot_path.py
checks that); here any batch of events, with any field values a TraceEvent can hold
(big and negative ints, None, strings with quotes, control characters, non-ASCII and
astral characters, lone surrogates), gives the same text both ways, and both ways fill
the fragment caches the same.
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import trace_events
from vmstrace.core.events import Note, TraceEvent
from vmstrace.sinks import _jsonl
from vmstrace.sinks.jsonl import JsonSink

ints = st.one_of(st.integers(-(1 << 63), (1 << 64) + 5), st.sampled_from([0, -1, 1 << 63]))
# every kind of character json escapes differently: printable ASCII, its two escaped
# characters, the five C escapes, other controls, DEL, Latin-1, the BMP, surrogates, astral
chars = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(
        list('"\\\b\f\n\r\t\x00\x1f\x7f\xe9\u2028\ud800\udfff\uffff\U00010000\U0010ffff')
    ),
    st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF),
)
# long runs of printable ASCII between the others too (copied a run at a time: _jsonl.c)
printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
runs = st.one_of(st.text(printable, max_size=8), st.text(printable, min_size=40, max_size=90))
texts = st.one_of(
    st.lists(chars, max_size=12).map("".join),  # (text(alphabet=chars) drew ASCII only)
    st.lists(st.one_of(runs, chars), max_size=6).map("".join),
)

events = trace_events(ints, texts)
# a stream where threads and calls repeat, so the caches are hit as well as filled
pools = st.lists(events, min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(pool=pools, picks=st.lists(st.integers(0, 3), max_size=20), split=st.integers(0, 20))
def test_batch_lines_are_event_lines(pool: list[TraceEvent], picks: list[int], split: int) -> None:
    stream = [pool[i % len(pool)] for i in picks]
    one, batch = io.StringIO(), io.StringIO()
    ref, sink = JsonSink(one), JsonSink(batch)
    for ev in stream:
        ref.event(ev)
    sink.events(stream[:split])  # two batches: the second starts with warm caches
    sink.events(stream[split:])
    assert batch.getvalue() == one.getvalue()
    assert sink._threads == ref._threads and sink._calls == ref._calls


notes = st.builds(
    Note, tid=st.one_of(st.none(), ints), text=texts, comm=st.one_of(st.none(), texts)
)


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(events, notes), max_size=12))
def test_a_note_in_a_batch_is_note_lines(batch: list[TraceEvent | Note]) -> None:
    """The lane's Notes among the events (the "+++ exited" after an exit_group): each
    written where it stands, as note() writes it."""
    one, out = io.StringIO(), io.StringIO()
    ref = JsonSink(one)
    for ev in batch:
        if isinstance(ev, Note):
            ref.note(ev.tid, ev.text, ev.comm)
        else:
            ref.event(ev)
    JsonSink(out).events(batch)
    assert out.getvalue() == one.getvalue()


def test_the_compiled_lines_write_a_note_themselves() -> None:
    note = Note(85, "+++ exited with 0 +++", None)
    text = _jsonl.lines([note], {}, {}, lambda key: "", None)
    assert json.loads(text) == {"type": "note", "tid": 85, "comm": None, "text": note.text}


@given(ev=events)
def test_a_line_is_json_dumps_of_the_event(ev: TraceEvent) -> None:
    out = io.StringIO()
    JsonSink(out).events([ev])
    keys = (
        "ts",
        "ts_exit",
        "vcpu",
        "pid",
        "tid",
        "ppid",
        "comm",
        "uid",
        "euid",
        "task_id",
        "exe",
        "cr3",
        "nr",
        "name",
        "abi",
        "args",
        "ret",
        "error",
    )  # the README's order
    obj = {"type": "syscall", **{k: getattr(ev, k) for k in keys}}
    obj["args"] = list(ev.args)
    assert out.getvalue() == json.dumps(obj, separators=(",", ":")) + "\n"


@pytest.mark.parametrize("at", range(17))
def test_every_character_anywhere_in_a_run_is_escaped_as_json_escapes_it(at: int) -> None:
    # the sink tests a string's characters eight at a time: each of the first 256 (and a
    # wide one) at each place of the first two words and the tail, in a plain run
    for c in [*range(256), 0x2028, 0x1F600]:
        text = list("abcdefgh" * 2 + "x")
        text[at] = chr(c)
        arg = "".join(text)
        out = io.StringIO()
        JsonSink(out).events([_event(args=(arg,), comm=arg)])
        line = json.loads(out.getvalue())
        assert line["args"] == [arg] and line["comm"] == arg
        assert json.dumps(arg) in out.getvalue()


BOUNDARIES = sorted(
    {v + d for k in range(21) for v in (10**k, 2**k * 2**k) for d in (-1, 0, 1)}
    | {2**k + d for k in range(66) for d in (-1, 0, 1)}
)


@pytest.mark.parametrize("value", [v for b in BOUNDARIES for v in (b, -b)])
def test_an_int_at_each_digit_count_boundary_prints_as_json_prints_it(value: int) -> None:
    # the sink counts an int's digits from its bit length, then writes them two at a time
    out = io.StringIO()
    JsonSink(out).events([_event(ts=value, ret=value, vcpu=value)])
    assert json.loads(out.getvalue())["ts"] == value
    assert f',"ret":{value},' in out.getvalue() and f'"ts":{value},' in out.getvalue()


def _event(**over: object) -> TraceEvent:
    base: dict[str, object] = dict(
        ts=1,
        ts_exit=2,
        vcpu=0,
        pid=5,
        tid=5,
        ppid=1,
        comm="sh",
        cr3=0x1000,
        nr=0,
        name="read",
        abi="x86_64",
        args=("3", '"x"', "1"),
        ret=1,
        ret_text="1",
        error=None,
        uid=0,
        euid=0,
        task_id="9:5",
        exe="/bin/sh",
    )
    base.update(over)
    return TraceEvent(**base)  # type: ignore[arg-type]


def test_a_field_the_decoder_never_makes_goes_through_event() -> None:
    # a bool is an int to Python but prints as "True" in event()'s f-string: the compiled
    # path refuses the batch and the reference writes it, the same text either way
    odd = [_event(), _event(vcpu=True), _event(args=("3", b"x"))]  # type: ignore[arg-type]
    for ev in odd[:2]:
        one, batch = io.StringIO(), io.StringIO()
        JsonSink(one).event(ev)
        JsonSink(batch).events([ev])
        assert batch.getvalue() == one.getvalue()
    try:
        _jsonl.lines([odd[1]], {}, {}, str, None)
    except TypeError as err:
        assert "int" in str(err)
    else:
        raise AssertionError("a bool field was accepted")


def test_a_call_cache_miss_calls_the_sinks_renderer_once_per_key() -> None:
    seen: list[tuple[object, ...]] = []
    calls: dict[tuple[object, ...], str] = {}

    def call_text(key: tuple[object, ...]) -> str:
        seen.append(key)
        calls[key] = text = '"nr":0,'
        return text

    evs = [_event(), _event(ts=5), _event(nr=1, name="write")]
    text = _jsonl.lines(evs, {}, calls, call_text, None)
    assert len(seen) == 2 and text.count("\n") == 3


def test_the_thread_cache_is_bounded_as_the_reference_bounds_it() -> None:
    from vmstrace.sinks import jsonl

    ref, batch = JsonSink(io.StringIO()), JsonSink(io.StringIO())
    evs = [_event(tid=i, task_id=f"9:{i}") for i in range(jsonl._MAX_CACHED + 10)]
    for ev in evs:
        ref.event(ev)
    batch.events(evs)
    assert batch._threads == ref._threads and len(batch._threads) == 10


def test_the_stats_record_names_every_count_by_its_own_value():
    from vmstrace.core.events import TraceCounts

    counts = TraceCounts(
        produced=101,
        delivered=101,
        dropped=0,
        entries=53,
        exits=48,
        paired=47,
        unfinished=2,
        shown=40,
        no_return=4,
        orphan_exits=1,
        held=9,
        gaps=0,
        stale=0,
        guest_stalled_s=0.25,
    )
    out = io.StringIO()
    JsonSink(out).close(counts)
    assert json.loads(out.getvalue()) == {
        "type": "stats",
        "complete": True,
        "reason": None,
        "produced": 101,
        "delivered": 101,
        "dropped": 0,
        "entries": 53,
        "exits": 48,
        "paired": 47,
        "unfinished": 2,
        "no_return": 4,
        "orphan_exits": 1,
        "held": 9,
        "gaps": 0,
        "stale": 0,
        "evicted": 0,
        "events": 40,
        "guest_stalled_s": 0.25,
    }
    assert TraceCounts(**{**counts.__dict__, "gaps": 1}).complete is False
    assert TraceCounts(**{**counts.__dict__, "evicted": 1}).complete is False
    assert TraceCounts(**{**counts.__dict__, "reason": "timeout"}).complete is False


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.integers(-(2**63), 2**64)),
    st.one_of(st.none(), st.text()),
    st.text(),
)
def test_a_note_is_what_json_dumps_makes(tid, comm, text):
    out = io.StringIO()
    JsonSink(out).note(tid, text, comm)
    obj = {"type": "note", "tid": tid, "comm": comm, "text": text}
    assert out.getvalue() == json.dumps(obj, separators=(",", ":")) + "\n"
