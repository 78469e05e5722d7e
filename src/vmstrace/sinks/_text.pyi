# TextSink's default lines, compiled (_text.c): sinks/text.py uses it.
from collections.abc import Sequence

from vmstrace.core.events import Note, TraceEvent

def configure(event_cls: type[TraceEvent], note_cls: type[Note], /) -> None: ...
def lines(events: Sequence[TraceEvent | Note], /) -> str: ...
