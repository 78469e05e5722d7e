# The compiled batch form of parquet.py's Columns.add_reference() (_columns.c); Columns.add()
# is its only user.
from typing import Any

from vmstrace.core.events import TraceEvent

def configure(event_cls: type[TraceEvent], /) -> None: ...
def add(
    rows: list[Any],
    combos: dict[tuple[Any, ...], int],
    index: list[int],
    vcpu: list[int | None],
    error: list[str | None],
    arg_lens: list[int],
    arg_items: list[str],
    raw_lens: list[int],
    /,
) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]] | None: ...
