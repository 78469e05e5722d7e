"""What the fuzz targets found (vmstrace.fuzz, docs/fuzzing.md), each kept as an exact
test, and the saved corpus replayed through every target."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from vmstrace.capture.records import (
    ENTRY,
    EXIT,
    REC_HDR,
    STREAM_HDR,
    RecordReader,
    StreamError,
)
from vmstrace.core.abi import MAGIC, VERSION
from vmstrace.core.events import TraceCounts, TraceEvent
from vmstrace.fuzz.targets import TARGETS
from vmstrace.sinks.text import TextSink
from vmstrace.sinks.tree import ProcessTreeSink

CORPUS = Path(__file__).resolve().parent.parent / "fuzz" / "corpus"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_saved_input_keeps_the_targets_invariants(target: str) -> None:
    inputs = sorted((CORPUS / target).iterdir())
    assert inputs, f"no saved inputs for {target} in {CORPUS / target}"
    failed = {}
    for path in inputs:
        try:
            TARGETS[target](path.read_bytes())
        except Exception as err:  # noqa: BLE001  (every failing input is named below)
            failed[path.name] = repr(err)
    assert failed == {}


def _event(comm: str, pid: int = 85) -> TraceEvent:
    return TraceEvent(
        ts=0,
        ts_exit=1,
        vcpu=0,
        pid=pid,
        tid=pid,
        ppid=1,
        comm=comm,
        cr3=0,
        nr=39,
        name="getpid",
        abi="x86_64",
        args=(),
        ret=pid,
        ret_text=str(pid),
        error=None,
    )


# A guest names its threads (prctl PR_SET_NAME, 15 bytes): a newline would forge a line,
# an escape sequence would drive the terminal, a bidi override would reorder the line.
HOSTILE_COMM = "a\nb\x1b[2J\u202ec\x7f"
SHOWN_COMM = "a\\nb\\33[2J\\342\\200\\256c\\177"  # as strace escapes a string


def test_text_lines_show_a_hostile_thread_name_escaped() -> None:
    out = io.StringIO()
    sink = TextSink(out, show_comm=True)
    sink.events([_event(HOSTILE_COMM)])
    sink.note(85, "+++ exited with 0 +++", HOSTILE_COMM)
    assert out.getvalue() == (
        f"[pid 85 {SHOWN_COMM}] getpid() = 85\n[pid 85 {SHOWN_COMM}] +++ exited with 0 +++\n"
    )


@pytest.mark.parametrize("comm", ["[/]", "[bold]x[/]", HOSTILE_COMM])
def test_the_process_tree_shows_a_thread_name_as_it_is(comm: str) -> None:
    # rich markup in a name was rendered ("[bold]x[/]" showed as "x") or raised at close
    out = io.StringIO()
    sink = ProcessTreeSink(out)
    sink.event(_event(comm))
    sink.close(TraceCounts(1, 1, 0, 1, 1, 1, 0, 1))
    shown = SHOWN_COMM if comm == HOSTILE_COMM else comm
    assert out.getvalue() == f"process tree\n└── pid 85  ppid 1  {shown}  exit ?  1 syscalls\n"


def _stream_with(rtype: int, abi: int, insn: int) -> bytes:
    """A good ENTRY, then a whole ENTRY or EXIT record with the given codes."""
    head = STREAM_HDR.pack(MAGIC, VERSION, 0)

    def rec(rtype: int, abi: int, insn: int) -> bytes:
        body = (
            ENTRY.pack(0x1000, 0, 0x401000, 0x7FFC0000, 39, *(0,) * 6, 1, abi, insn, 0, 0, 0)
            if rtype == 1
            else EXIT.pack(
                0x1000, 0, 0x401002, 85, 39, 0x7FFC0000, 0x401002, 0, 2, abi, insn, 0, 0, 0
            )
        )
        return REC_HDR.pack(rtype, 0, REC_HDR.size + len(body), 7) + body

    return head + rec(1, 0, 1) + rec(rtype, abi, insn)


@pytest.mark.parametrize(
    ("rtype", "abi", "insn", "message"),
    [
        (1, 0, 99, "unknown instruction code 99"),
        (2, 0, 0, "unknown instruction code 0"),
        (1, 2, 1, "unknown ABI code 2"),
        (2, 255, 4, "unknown ABI code 255"),
    ],
)
def test_a_record_with_an_unknown_code_is_a_stream_error(rtype, abi, insn, message) -> None:
    # a ValueError escaped the reader (the session reports only StreamError), and an ABI
    # byte other than 0 and 1 was read as one of them
    events = []
    with pytest.raises(StreamError) as err:
        for ev in RecordReader(io.BytesIO(_stream_with(rtype, abi, insn))):
            events.append(ev)
    assert [type(ev).__name__ for ev in events] == ["RawEntry"]  # the good record first
    assert str(err.value) == f"capture stream corrupt: {message}"
