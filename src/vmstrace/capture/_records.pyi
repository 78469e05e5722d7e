# The compiled fast path of the record reader (_records.c); records.py is its only user.
from collections.abc import Callable, Iterator, Mapping

from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Stats, TaskInfo

class Blobs(Mapping[int, Mem]):
    """A record's blobs, read in place by the compiled stages (src/vmstrace/_blobs.h)."""

    def __getitem__(self, key: int, /) -> Mem: ...
    def __iter__(self) -> Iterator[int]: ...
    def __len__(self) -> int: ...

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
def blobs(area: bytes | bytearray | memoryview, count: int, /) -> Blobs: ...
