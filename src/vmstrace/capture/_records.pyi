# The compiled fast path of the record reader (_records.c); records.py is its only user.
from collections.abc import Callable, Mapping

from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Stats, TaskInfo

def configure(
    entry_cls: type[RawEntry],
    exit_cls: type[RawExit],
    mem_cls: type[Mem],
    insns: tuple[Insn | None, ...],
    abis: tuple[str, str],
    stream_error: type[Exception],
    max_record: int,
    no_mem: Mapping[int, Mem],
    /,
) -> None: ...
def parse(
    buf: bytes | bytearray | memoryview,
    off: int,
    end: int,
    task_bytes: int,
    decode_task: Callable[[bytes, int, int, bool], TaskInfo],
    /,
) -> tuple[list[RawEntry | RawExit | Stats], int, int, BaseException | None]: ...
