# The decoder's glue, compiled (_decoder.c): pipeline.Decoder and pipeline.Emitter use it.
from collections.abc import Callable, Mapping

from vmstrace.core.events import (
    Mem,
    Note,
    RawEntry,
    RawExit,
    Syscall,
    TaskInfo,
    ThreadEnd,
    TraceEvent,
)

# (pid, tid, ppid, comm, cr3, uid, euid, task_id)
ThreadFields = tuple[
    int | None, int | None, int | None, str | None, int, int | None, int | None, str | None
]

def configure(
    syscall_cls: type[Syscall],
    entry_cls: type[RawEntry],
    exit_cls: type[RawExit],
    taskinfo_cls: type[TaskInfo],
    plan_cls: type,
    ctx_cls: type,
    mem_cls: type[Mem],
    threadend_cls: type[ThreadEnd],
    note_cls: type[Note],
    cr3_mask: int,
    max_exes: int,
    /,
) -> None: ...

class Events:
    """Makes events of ``event_cls``: the fields below from the call, any other field its
    default (the dataclass is the one definition)."""

    def __init__(self, event_cls: type[TraceEvent]) -> None: ...
    def make(
        self,
        thread: ThreadFields,
        call: Syscall,
        name: str,
        args: tuple[str, ...],
        ret_text: str,
        error: str | None,
        exe: str | None,
        /,
    ) -> TraceEvent: ...

class Lane:
    """One run's compiled lane, given everything it reads and calls."""

    notes: int  # the Notes (exit_group's "+++ exited" lines) the last run() put in evs

    def __init__(
        self,
        *,
        events: Events,
        pids: set[int],
        trace_all: bool,
        opts: object,
        exes: dict[int, str],
        thread_fields: Callable[[TaskInfo], tuple[TaskInfo, ThreadFields]],
        exe_named: Callable[[bytes], str | None],
        plans: Mapping[tuple[str, int], object],
        forks: Mapping[str, frozenset[int]],
        execs: Mapping[str, frozenset[int]],
        failure_text: Callable[[int], str],
        errno_name: Callable[[int], str],
        success_text: Callable[..., str],
        noted: frozenset[str],
        observed: frozenset[str],
        observe: Callable[[Syscall, str], None],
        value_texts: tuple[Callable[[int, bool], str], ...],
        calls: frozenset[tuple[str, int]],
        inverted: bool,
        statuses: frozenset[str],
        args_for: frozenset[str] | None,
    ) -> None: ...
    def run(
        self, calls: list[Syscall | ThreadEnd], start: int, evs: list[TraceEvent | Note], /
    ) -> int: ...
