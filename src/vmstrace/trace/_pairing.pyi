# The compiled batch loop of the pairing stage (_pairing.c); pairing.py is its only user.
from collections.abc import Callable, Mapping
from typing import Any

from vmstrace.core.events import Mem, RawEntry, RawExit, Stats, Syscall, TaskInfo, ThreadEnd

def configure(
    entry_cls: type[RawEntry],
    exit_cls: type[RawExit],
    taskinfo_cls: type[TaskInfo],
    syscall_cls: type[Syscall],
    mem_cls: type[Mem],
    threadend_cls: type[ThreadEnd],
    return_value: Callable[[RawEntry, RawExit], int | None],
    i386: str,
    hold_limit: int,
    /,
) -> None: ...
def pair(
    events: list[RawEntry | RawExit | Stats],
    pending: dict[tuple[int, int], RawEntry],
    seqs: dict[tuple[int, int], int],
    held: dict[tuple[int, int], dict[int, RawEntry | RawExit]],
    dying: list[Any],
    marks: dict[int, int],
    tasks: dict[int, int],
    gone: list[tuple[tuple[int, int], int]],
    vcpus: int,
    after: Callable[[RawEntry | RawExit, list[Syscall | ThreadEnd], int], None],
    limits: tuple[int, int, int, int],
    no_return: Mapping[str, frozenset[int]],
    reaps: Mapping[str, Mapping[int, int]],
    /,
) -> tuple[
    list[Syscall | ThreadEnd], list[object], tuple[int, int, int, int, int, int, int, int, int]
]: ...
