"""``vmstrace replay FILE``: a raw file (``run --save-raw``) decoded again, with other
filters and outputs, byte-identical to what the live run printed with the same options.

What the live run captured bounds what a replay can show: a longer ``-s`` than the
capture's, or ``-y`` when the run captured no file descriptors, is refused rather than
printed from memory that was never read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vmstrace.capture.records import StreamError
from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import TraceCounts
from vmstrace.core.progress import Bar
from vmstrace.rawfile import RawFileError, RawReader
from vmstrace.run import RunOptions, pipeline_for
from vmstrace.sinks.base import Sink
from vmstrace.syscalls import TABLES


def replay(path: Path, opts: RunOptions, sinks: Callable[[], list[Sink]]) -> TraceCounts:
    """Decodes the raw file ``path`` into the sinks ``sinks()`` makes, with ``opts``'s
    decoding and filter options; the counts are the live run's.  A cut file is decoded up
    to the cut, then RawFileError says where."""
    try:
        f = open(path, "rb")
    except OSError as err:
        raise VmstraceError(f"{path}: {err.strerror or err}") from err
    with f:
        reader = RawReader(f, str(path))
        reader.check()
        head = reader.header
        if opts.strsize > head.strsize:
            raise RawFileError(
                f"-s {opts.strsize}: {path} holds strings captured for -s {head.strsize}; "
                f"replay it with -s {head.strsize} or less"
            )
        if opts.decode_fds and not head.decode_fds:
            raise RawFileError(f"-y: {path} was recorded without -y (no fds were captured)")
        if opts.fd_details and not head.fd_details:
            raise RawFileError(f"-yy: {path} was recorded without -yy")
        tables = TABLES.renumbered(head.kernel_names or None)
        made = sinks()
        if head.origin_ns is not None and opts.on_start is not None:
            opts.on_start(head.origin_ns)
        opts.filter = opts.filter.for_tables(tables)
        pipeline = pipeline_for(opts, made, head.vcpus, tables)
        stream_error: StreamError | None = None
        with Bar(f"replaying {path.name}", path.stat().st_size) as bar:
            reader.on_read = bar.advance
            try:
                pipeline.consume(reader)
            except StreamError as err:
                stream_error = err
        pipeline.drain()
        trailer = reader.trailer
        if trailer is not None:
            counts = pipeline.counts(trailer.reason, trailer.stalled_s)
        else:
            counts = pipeline.counts("raw-file-cut", None)
        for sink in made:
            sink.close(counts)
    if reader.cut is not None:
        raise RawFileError(
            f"{path}: {reader.cut}; decoded up to there"
            + (f" ({stream_error})" if stream_error is not None else "")
        )
    if stream_error is not None:
        raise RawFileError(f"{path}: {stream_error}")
    return counts
