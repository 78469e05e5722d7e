# The compiled batch form of JsonSink.event() (_jsonl.c); jsonl.py is its only user.
from collections.abc import Callable, Sequence
from typing import TypeVar

from vmstrace.core.events import Note, TraceEvent

_Thread = TypeVar("_Thread")
_Call = TypeVar("_Call")

def configure(event_cls: type[TraceEvent], note_cls: type[Note], max_cached: int, /) -> None: ...
def lines(
    events: Sequence[TraceEvent | Note],
    threads: dict[_Thread, str],
    calls: dict[_Call, str],
    call_text: Callable[[_Call], str],
    tail: Callable[[TraceEvent], str] | None,
    /,
) -> str: ...
