"""The lines the consumer writes after a call: a number register with junk is remarked on
only when its call is shown."""

from __future__ import annotations

import io

import pytest

from conftest import build_call
from vmstrace.core.abi import ARG_RAX
from vmstrace.core.events import Mem
from vmstrace.pipeline import Decoder, Emitter
from vmstrace.sinks.text import TextSink
from vmstrace.trace.attribution import ProcessTree
from vmstrace.trace.filters import EVERY_CALL, build_filter

JUNK = (0xDEAD00000001).to_bytes(8, "little")


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    "qualifiers, lines",
    [
        (
            (),
            [
                '[pid 100] write(1, "hi\\n", 3) = 3',
                "[pid 100] [ rax 0xdead00000001: upper 32 bits ignored by the kernel, "
                "the call is write ]",
            ],
        ),
        (("trace=open",), []),
    ],
)
def test_the_rax_note_follows_its_call_only(compiled, qualifiers, lines) -> None:
    call = build_call(
        "write", [1, 0x1000, 3], ret=3, entry={1: b"hi\n", ARG_RAX: Mem(addr=0, data=JUNK)}
    )
    out = io.StringIO()
    filt = build_filter(qualifiers) if qualifiers else EVERY_CALL
    emitter = Emitter(
        ProcessTree(trace_all=True), Decoder(32), [TextSink(out)], filt, compiled=compiled
    )
    emitter.emit([call])
    assert out.getvalue().splitlines() == lines
