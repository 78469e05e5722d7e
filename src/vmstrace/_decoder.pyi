# The decoder's glue, compiled (_decoder.c): session.Decoder and session.Emitter use it.
from collections.abc import Callable

from vmstrace.core.events import RawEntry, RawExit, Syscall, TaskInfo, ThreadEnd, TraceEvent

# (pid, tid, ppid, comm, cr3, uid, euid, task_id)
ThreadFields = tuple[
    int | None, int | None, int | None, str | None, int, int | None, int | None, str | None
]

def configure(
    event_cls: type[TraceEvent],
    syscall_cls: type[Syscall],
    entry_cls: type[RawEntry],
    exit_cls: type[RawExit],
    /,
) -> None: ...
def event(
    thread: ThreadFields,
    call: Syscall,
    name: str,
    args: tuple[str, ...],
    ret_text: str,
    error: str | None,
    exe: str | None,
    /,
) -> TraceEvent: ...
def configure_lane(
    plan_cls: type,
    ctx_cls: type,
    taskinfo_cls: type[TaskInfo],
    failure_text: Callable[[int], str],
    errno_name: Callable[[int], str],
    success_text: Callable[..., str],
    sigframe_arg: int,
    exe_arg: int,
    python_only: frozenset[str],
    /,
) -> None: ...
def lane(
    calls: list[Syscall | ThreadEnd],
    start: int,
    evs: list[TraceEvent],
    tree: object,
    decoder: object,
    /,
) -> int: ...
