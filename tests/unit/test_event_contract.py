"""The event type is defined once: its dataclass.  A field added with a default reaches
every event, made by the compiled lane or by the Python path, and every JSON line, with
no other edit; the raw values ride along with the rendered ones.  And the compiled parts
use no private name of a Python module (they are given what they use)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from test_lane import _ordinary

from vmstrace import _decoder
from vmstrace.core.events import TraceEvent
from vmstrace.pipeline import Decoder, Emitter
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.trace.attribution import ProcessTree

SRC = Path(__file__).resolve().parents[2] / "src" / "vmstrace"


# the one edit: a field with a default (as if added to TraceEvent itself), and one with a
# default factory
@dataclasses.dataclass(frozen=True, slots=True)
class ReviewedEvent(TraceEvent):
    verdict: str = "unreviewed"
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)


@pytest.mark.parametrize("compiled", [True, False])
def test_a_field_with_a_default_needs_one_edit(compiled):
    out = io.StringIO()
    decoder = Decoder(32, event_cls=ReviewedEvent)
    emitter = Emitter(ProcessTree(trace_all=True), decoder, [JsonSink(out)], compiled=compiled)
    assert (emitter.lane is not None) is compiled
    emitter.emit(list(_ordinary()))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 4
    assert all(line["verdict"] == "unreviewed" and line["tags"] == [] for line in lines)
    # and the events themselves, as the dataclass's own constructor would make them
    evs: list[TraceEvent] = []
    collecting = Emitter(ProcessTree(trace_all=True), decoder, [], compiled=compiled)
    collecting._send = lambda batch, notes=0: evs.extend(batch)  # type: ignore[method-assign]
    collecting.emit(list(_ordinary()))
    for ev in evs:
        assert type(ev) is ReviewedEvent
        made = ReviewedEvent(**{f.name: getattr(ev, f.name) for f in dataclasses.fields(ev)
                                if f.name not in ("verdict", "tags")})  # fmt: skip
        assert ev == made


def test_raw_values_are_the_registers_the_texts_came_from():
    evs: list[TraceEvent] = []
    emitter = Emitter(ProcessTree(trace_all=True), Decoder(32), [])
    emitter._send = lambda batch, notes=0: evs.extend(batch)  # type: ignore[method-assign]
    calls = _ordinary()
    emitter.emit(list(calls))
    for ev, call in zip(evs, calls, strict=True):
        assert ev.raw_args == call.entry.args
        assert ev.raw_ret == (None if call.exit is None else call.exit.ret)
    assert evs[1].raw_ret == 2**64 - 2 and evs[1].ret == -2  # ENOENT, as the register held it


def test_a_field_without_a_default_is_named_at_once():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Unfillable(TraceEvent):
        verdict: str = dataclasses.field(kw_only=True)

    decoder = Decoder(32, event_cls=Unfillable)
    with pytest.raises(TypeError, match="verdict"):
        decoder(_ordinary()[0])


def test_the_compiled_parts_look_up_no_name_on_a_python_object():
    """They take what they use as arguments: no getattr of a private (or any) attribute
    name outside the documented classes' fields."""
    for c_file in [*SRC.glob("*.c"), *SRC.glob("*/*.c")]:
        text = c_file.read_text()
        privates = re.findall(r'"(_[a-z][a-z_]*)"', text)
        assert privates == [], f"{c_file.name} names private attributes {privates}"
        assert "PyObject_CallMethod(" not in text.replace('PyObject_CallMethod(dc, "fields"', ""), (
            c_file.name
        )


def test_lane_and_events_are_typed_objects():
    assert isinstance(Decoder(32).events, _decoder.Events)
    with pytest.raises(AttributeError):
        _decoder.Events(object)  # not a slotted dataclass
