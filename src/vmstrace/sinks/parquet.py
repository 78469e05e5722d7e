"""`--parquet FILE`: the trace as a Parquet table, one row per syscall, for SQL (DuckDB).

Rows are gathered into columns as they come (a batch of events in one pass of
_columns.c; Columns.add_reference is the reference) and written as a row group every
``row_group`` rows, each column made by one pyarrow conversion, so memory stays bounded
however long the run and the consumer keeps its speed (docs/performance.md).  The run's
metadata and the stats record go into the file's footer at close (a Parquet file is
readable only once its footer is written: an interrupted run still gets one, a killed
vmstrace does not).
The schema and the metadata keys are documented in docs/columnar.md.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.sinks import _columns
from vmstrace.sinks.jsonl import stats_line

FORMAT_VERSION = "1"
ROW_GROUP = 65536  # rows per row group: the buffer's bound (tens of MB of events at most)

_LIST_STR = pa.list_(pa.string())
_LIST_U64 = pa.list_(pa.uint64())
# (name, type, how a syscall row's value is read): the columns in file order
SCHEMA = pa.schema(
    [
        ("type", pa.string()),  # "syscall", "note" or "end" (as the JSON lines' type)
        ("ts", pa.int64()),  # ns since trace start
        ("ts_exit", pa.int64()),
        ("vcpu", pa.int32()),
        ("pid", pa.int32()),
        ("tid", pa.int32()),
        ("ppid", pa.int32()),
        ("comm", pa.string()),
        ("uid", pa.uint32()),
        ("euid", pa.uint32()),
        ("task_id", pa.string()),
        ("exe", pa.string()),
        ("cr3", pa.uint64()),
        ("nr", pa.int64()),
        ("name", pa.string()),
        ("abi", pa.string()),
        ("args", _LIST_STR),
        ("ret", pa.int64()),
        ("error", pa.string()),
        ("raw_args", _LIST_U64),
        ("raw_ret", pa.uint64()),
        ("text", pa.string()),  # a note's line; an end's words between +++
        ("killed_by", pa.string()),
        ("exit_code", pa.int32()),
        ("core_dumped", pa.bool_()),
    ],
    metadata={"vmstrace.format": FORMAT_VERSION},
)
_TYPES = {f.name: f.type for f in SCHEMA}
# the columns a syscall row fills; the rest only note and end rows do
_CALL_COLUMNS = tuple(
    f.name
    for f in SCHEMA
    if f.name not in ("type", "text", "killed_by", "exit_code", "core_dumped")
)


_columns.configure(TraceEvent)


class _Other:
    """A row that is not a syscall: every syscall field it lacks reads as None (class
    attributes), so the columns are made by the same comprehension as a syscall's."""

    __slots__ = ()
    kind = ""
    ts: int | None = None
    pid: int | None = None
    tid: int | None = None
    comm: str | None = None
    ts_exit = vcpu = ppid = uid = euid = task_id = exe = cr3 = None
    nr = name = abi = ret = error = raw_ret = None
    args: tuple[str, ...] = ()  # (null in the table: Columns.table)
    raw_args: tuple[int, ...] = ()
    text: str | None = None
    killed_by: str | None = None
    exit_code: int | None = None
    core_dumped: bool | None = None


class _Note(_Other):
    __slots__ = ("ts", "tid", "comm", "text")
    kind = "note"

    def __init__(self, ts: int | None, tid: int | None, comm: str | None, text: str) -> None:
        self.ts, self.tid, self.comm, self.text = ts, tid, comm, text


class _End(_Other):
    __slots__ = ("ts", "pid", "tid", "comm", "text", "killed_by", "exit_code", "core_dumped")
    kind = "end"

    def __init__(self, ev: EndEvent) -> None:
        self.ts, self.pid, self.tid, self.comm = ev.ts, ev.pid, ev.tid, ev.comm
        self.text, self.killed_by, self.exit_code = ev.text, ev.killed_by, ev.exit_code
        self.core_dumped = ev.core_dumped


# the array module's codes for the integer columns: a list of ints with no None becomes a
# buffer in one C loop, several times faster than pyarrow's conversion of Python objects
_CODES = {pa.int64(): "q", pa.uint64(): "Q", pa.int32(): "i", pa.uint32(): "I"}


def _column(name: str, values: list[Any]) -> pa.Array:
    """One column; a value pyarrow refuses (an int out of the type's range, a string that
    is not Unicode: a hostile guest's comm) is made representable, never a crash."""
    kind = _TYPES[name]
    code = _CODES.get(kind)
    if code is not None:
        try:
            return _buffer_array(kind, array(code, values))
        except (OverflowError, TypeError):
            pass  # a None (null), or a value out of range: pyarrow's way, below
    try:
        return pa.array(values, kind)
    except (pa.ArrowException, OverflowError, UnicodeError, TypeError, ValueError):
        return pa.array([_fit(v, kind) for v in values], kind)


def _fit(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_list(kind):
        return [_fit(v, kind.value_type) for v in value]
    if pa.types.is_string(kind):
        # bytes that are not UTF-8 (decoded as \udc80-\udcff) as strace escapes them; any
        # other lone surrogate as Python writes it
        text = str(value)
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "backslashreplace")
        return data.decode("utf-8", "backslashreplace")
    if pa.types.is_integer(kind):
        try:
            pa.scalar(value, kind)
            return value
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            return None  # out of the column's range: unknown rather than wrapped
    return value


def _buffer_array(kind: pa.DataType, values: array[int]) -> pa.Array:
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def _offsets(lens: list[int]) -> pa.Array:
    return _buffer_array(pa.int32(), array("i", accumulate(lens, initial=0)))


def _list_column(
    name: str, lens: list[int], items: list[Any], nulls: list[bool] | None
) -> pa.Array:
    """A list column from its items, flattened, and each row's count (``nulls``: the rows
    that have none): far faster than converting a list of tuples."""
    kind = _TYPES[name]
    flat = _column_values(kind.value_type, items)
    mask = None if nulls is None else pa.array(nulls, pa.bool_())
    return pa.ListArray.from_arrays(_offsets(lens), flat, type=kind, mask=mask)


def _column_values(kind: pa.DataType, values: list[Any]) -> pa.Array:
    try:
        return pa.array(values, kind)
    except (pa.ArrowException, OverflowError, UnicodeError, TypeError, ValueError):
        return pa.array([_fit(v, kind) for v in values], kind)


# The fields that repeat from row to row (who made the call, and which call): read together
# and converted once per distinct combination, then spread by index (a fraction of the
# cost of a column each).
_REPEATING = (
    "pid", "tid", "ppid", "comm", "uid", "euid", "task_id", "exe", "cr3", "nr", "name", "abi",
)  # fmt: skip
_repeating = attrgetter(*_REPEATING)
_OTHER_ONLY = ("text", "killed_by", "exit_code", "core_dumped")
# The columns written dictionary-encoded: those whose values repeat.  A column of mostly
# distinct values (times, argument texts, registers, return values) is written plain:
# pyarrow's default, a dictionary for every column, cost time there and, for the argument
# texts, made the file a third to two-thirds larger (docs/columnar.md).
_DICTIONARY = [
    f.name
    for f in SCHEMA
    if f.name not in ("ts", "ts_exit", "args", "ret", "raw_args", "raw_ret", "text")
]


class _Ints:
    """An integer column gathered as it comes, into an array's buffer while the values are
    fresh in the cache (read back a row group later, scattered over the heap, they cost
    more than the rest of the column); None, and a value out of the column's range, a null.
    """

    __slots__ = ("kind", "values", "nulls")

    def __init__(self, kind: pa.DataType) -> None:
        self.kind = kind
        self.values = array(_CODES[kind])
        self.nulls: list[int] = []  # the rows that are null

    def extend(self, values: list[Any]) -> None:
        try:
            self.values.fromlist(values)  # (all or nothing)
        except (OverflowError, TypeError):
            out, nulls = self.values, self.nulls
            for v in values:
                try:
                    out.append(v)
                except (OverflowError, TypeError):
                    nulls.append(len(out))
                    out.append(0)

    def array(self) -> pa.Array:
        n, data = len(self.values), pa.py_buffer(self.values)
        if not self.nulls:
            return pa.Array.from_buffers(self.kind, n, [None, data])
        valid = [True] * n
        for at in self.nulls:
            valid[at] = False
        bitmap = pa.array(valid, pa.bool_()).buffers()[1]
        return pa.Array.from_buffers(self.kind, n, [bitmap, data], null_count=len(self.nulls))


class Columns:
    """A row group being gathered, as plain lists of values (strings and small ints, which
    the garbage collector does not track: holding the events themselves made every full
    collection walk the whole buffer) and integer buffers, made a table by :meth:`table`.
    """

    def __init__(self) -> None:
        self.combos: dict[tuple[Any, ...], int] = {}
        self.index: list[int] = []
        self.ts = _Ints(pa.int64())
        self.ts_exit = _Ints(pa.int64())
        self.vcpu: list[int | None] = []
        self.ret = _Ints(pa.int64())
        self.error: list[str | None] = []
        self.raw_ret = _Ints(pa.uint64())
        self.arg_lens: list[int] = []
        self.arg_items: list[str] = []
        self.raw_lens: list[int] = []
        self.raw_items = _Ints(pa.uint64())
        self.others: list[tuple[int, _Other]] = []  # (row, note or end)

    def __len__(self) -> int:
        return len(self.index)

    def add(self, rows: list[TraceEvent] | list[_Other]) -> None:
        # _columns.c appends the same objects to the same lists in one pass over a batch of
        # TraceEvents; anything else (a note or an end) comes here, to the reference.
        ints = _columns.add(
            rows,
            self.combos,
            self.index,
            self.vcpu,
            self.error,
            self.arg_lens,
            self.arg_items,
            self.raw_lens,
        )
        if ints is None:
            self.add_reference(rows)
            return
        for column, values in zip(
            (self.ts, self.ts_exit, self.ret, self.raw_ret, self.raw_items), ints, strict=True
        ):
            column.extend(values)

    def add_reference(self, rows: list[TraceEvent] | list[_Other]) -> None:
        combos = self.combos
        self.index += [combos.setdefault(k, len(combos)) for k in map(_repeating, rows)]
        self.ts.extend([r.ts for r in rows])
        self.ts_exit.extend([r.ts_exit for r in rows])
        self.vcpu += [r.vcpu for r in rows]
        self.ret.extend([r.ret for r in rows])
        self.error += [r.error for r in rows]
        self.raw_ret.extend([r.raw_ret for r in rows])
        args = [r.args for r in rows]
        self.arg_lens += map(len, args)
        self.arg_items += chain.from_iterable(args)
        raws = [r.raw_args for r in rows]
        self.raw_lens += map(len, raws)
        self.raw_items.extend(list(chain.from_iterable(raws)))

    def add_other(self, row: _Other) -> None:
        self.others.append((len(self.index), row))
        self.add([row])

    def table(self) -> pa.Table:
        """The rows as a table of SCHEMA."""
        n = len(self.index)
        cols: dict[str, pa.Array] = {}
        index = _buffer_array(pa.int32(), array("i", self.index))
        for name, values in zip(_REPEATING, zip(*self.combos, strict=True), strict=True):
            cols[name] = _column(name, list(values)).take(index)
        for name in ("vcpu", "error"):
            cols[name] = _column(name, getattr(self, name))
        for ints in ("ts", "ts_exit", "ret", "raw_ret"):
            cols[ints] = getattr(self, ints).array()
        if self.others:
            kinds: list[str | None] = ["syscall"] * n
            nulls = [False] * n
            extra: dict[str, list[Any]] = {name: [None] * n for name in _OTHER_ONLY}
            for at, row in self.others:
                kinds[at], nulls[at] = row.kind, True
                for name in _OTHER_ONLY:
                    extra[name][at] = getattr(row, name)
            cols["type"] = pa.array(kinds, pa.string())
            for name in _OTHER_ONLY:
                cols[name] = _column(name, extra[name])
        else:
            cols["type"] = pa.repeat("syscall", n)
            for name in _OTHER_ONLY:
                cols[name] = pa.nulls(n, _TYPES[name])
        cols["args"] = _list_column(
            "args", self.arg_lens, self.arg_items, nulls if self.others else None
        )
        # null where no registers were kept (a note; an event converted from JSON without)
        whole = len(self.raw_items.values) == 6 * n
        cols["raw_args"] = pa.ListArray.from_arrays(
            _offsets(self.raw_lens),
            self.raw_items.array(),
            type=_LIST_U64,
            mask=None if whole else pa.array([not k for k in self.raw_lens], pa.bool_()),
        )
        return pa.Table.from_arrays([cols[f.name] for f in SCHEMA], schema=SCHEMA)


class ParquetSink:
    """Gathers rows and writes a row group every ``row_group`` of them; ``metadata``
    (called at close) gives the run's description for the footer."""

    def __init__(
        self,
        out: BinaryIO,
        metadata: Callable[[], Mapping[str, Any]] | None = None,
        row_group: int = ROW_GROUP,
        compression: str = "zstd",
    ) -> None:
        self.out = out
        self.metadata = metadata
        self.row_group = max(1, row_group)
        self.cols = Columns()
        self.last: TraceEvent | None = None  # the call before a note: its time
        self.writer = pq.ParquetWriter(
            out, SCHEMA, compression=compression, use_dictionary=_DICTIONARY
        )
        # Encoding and compressing a row group (pyarrow, without the interpreter lock) runs
        # on a thread of its own while the decoder gathers the next: one in flight at most.
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="vmstrace-parquet")
        self.pending: Future[None] | None = None

    def event(self, ev: TraceEvent) -> None:
        self.events([ev])

    def events(self, evs: list[TraceEvent]) -> None:
        if evs:
            self.cols.add(evs)
            self.last = evs[-1]
            if len(self.cols) >= self.row_group:
                self._write()

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        # a note follows the call it belongs to: it takes that call's time (its return, or
        # its entry if it did not return), when that call is in the trace
        last, ts = self.last, None
        if last is not None and last.tid == tid:
            ts = last.ts if last.ts_exit is None else last.ts_exit
        self._add(_Note(ts, tid, comm, text))

    def end(self, ev: EndEvent) -> None:
        self._add(_End(ev))

    def _add(self, row: _Other) -> None:
        self.cols.add_other(row)
        self.last = None
        if len(self.cols) >= self.row_group:
            self._write()

    def _write(self) -> None:
        cols, self.cols = self.cols, Columns()
        if len(cols):
            table = cols.table()
            self._wait()
            self.pending = self.pool.submit(self.writer.write_table, table, len(cols))

    def _wait(self) -> None:
        """The row group in flight written (its error, an OSError, raised here)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def flush(self) -> None:
        pass  # rows go out a row group at a time; the file is readable once closed

    def close(self, counts: TraceCounts) -> None:
        try:
            self._write()
            self._wait()
        finally:
            self.pool.shutdown()
        meta = {"vmstrace.stats": stats_line(counts).strip()}
        if self.metadata is not None:
            for key, value in self.metadata().items():
                meta[f"vmstrace.{key}"] = json.dumps(value, default=str)
        self.writer.add_key_value_metadata(meta)
        self.writer.close()
        self.out.flush()
