# The decoder's event assembly, compiled (_decoder.c); session.Decoder is its only user.
from vmstrace.sinks.base import TraceEvent
from vmstrace.trace.events import RawEntry, RawExit, Syscall

# (pid, tid, ppid, comm, cr3, uid, euid, task_id)
ThreadFields = tuple[int | None, int | None, int | None, str | None, int, int | None,
                     int | None, str | None]

def configure(event_cls: type[TraceEvent], syscall_cls: type[Syscall],
              entry_cls: type[RawEntry], exit_cls: type[RawExit], /) -> None: ...
def event(thread: ThreadFields, call: Syscall, name: str, args: tuple[str, ...],
          ret_text: str, error: str | None, exe: str | None, /) -> TraceEvent: ...
