"""strace -c: a per-syscall table of time, calls and errors, written when the trace ends.

The table is strace 6.x's default one (``src/count.c``: call_summary_pers): columns
``% time, seconds, usecs/call, calls, errors, syscall``, rows sorted by time, a divider
and a ``total`` line; a zero error count prints blank; an ABI other than x86-64 gets its
own table under ``System call usage summary for 32 bit mode:``.

The time of a call is its exit's timestamp minus its entry's: host CLOCK_MONOTONIC time
while QEMU emulated the call (TCG), not guest CPU time — comparable between calls of one
run, not with strace's figures on real hardware.  A call that never returned
(``exit_group``) counts with zero time, as in strace.

Numbers outside the syscall tables are the guest's to choose (strace names each
``syscall_0x...``): the first :data:`UNKNOWN_ROWS` of an ABI get a row each, and the rest
share one, ``(other unknown numbers)``, so the table stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent

# strace's personality names (x86_64's personality_names in strace) for the table headers
_MODE = {"i386": "32 bit"}
_ABI_ORDER = ("x86_64", "i386")
UNKNOWN_ROWS = 64  # rows of numbers outside the tables, per ABI
OTHER_UNKNOWN = "(other unknown numbers)"
_OTHER_NR = -1  # its row's key (a syscall number is never negative)


@dataclass(slots=True)
class CallStats:
    name: str
    calls: int = 0
    errors: int = 0
    time_ns: int = 0


class SyscallSummary:
    """Accumulates per-(abi, nr) counts; :meth:`render` gives strace -c's text."""

    def __init__(self) -> None:
        self.by_abi: dict[str, dict[int, CallStats]] = {}
        self.unknown: dict[str, int] = {}  # rows of unknown numbers, per ABI

    def add(self, ev: TraceEvent) -> None:
        self.add_all((ev,))

    def add_all(self, evs: Iterable[TraceEvent]) -> None:
        """:meth:`add` for each event (the sink's batch: one loop, its lookups hoisted)."""
        by_abi = self.by_abi
        for ev in evs:
            table = by_abi.get(ev.abi)
            if table is None:
                table = by_abi[ev.abi] = {}
            stats = table.get(ev.nr) or self._row(table, ev)
            stats.calls += 1
            if ev.error is not None:
                stats.errors += 1
            ts_exit = ev.ts_exit
            if ts_exit is not None and ts_exit > ev.ts:
                stats.time_ns += ts_exit - ev.ts

    def _row(self, table: dict[int, CallStats], ev: TraceEvent) -> CallStats:
        """The row of a number seen for the first time: its own, or the shared one."""
        if ev.name.startswith("syscall_"):  # outside the tables (decode.syscall_name)
            rows = self.unknown.get(ev.abi, 0)
            if rows >= UNKNOWN_ROWS:
                return table.get(_OTHER_NR) or table.setdefault(_OTHER_NR, CallStats(OTHER_UNKNOWN))
            self.unknown[ev.abi] = rows + 1
        stats = table[ev.nr] = CallStats(ev.name)
        return stats

    def render(self) -> str:
        """Every ABI's table; the empty string when no call was counted (as strace)."""
        abis = sorted(self.by_abi, key=lambda a: (_ABI_ORDER + (a,)).index(a))
        out = []
        for i, abi in enumerate(abis):
            if i or abi != "x86_64":
                out.append(f"System call usage summary for {_MODE.get(abi, abi)} mode:\n")
            out.append(render_table(list(self.by_abi[abi].items())))
        return "".join(out)


def render_table(rows: list[tuple[int, CallStats]]) -> str:
    """One ABI's table: rows are (syscall number, stats)."""
    # by time, longest first; ties keep syscall-number order (a stable sort)
    rows = sorted(sorted(rows, key=lambda r: r[0]), key=lambda r: -r[1].time_ns)
    total_ns = sum(s.time_ns for _, s in rows)
    calls = sum(s.calls for _, s in rows)
    errors = sum(s.errors for _, s in rows)
    total = total_ns / 1e9
    # strace's per-row average: timespec divided by the count (whole ns), in whole µs
    avg_us = [s.time_ns // s.calls // 1000 for _, s in rows]
    w_sec = max(11, len(f"{total:.6f}"))
    w_avg = max(11, len(str(max(avg_us, default=0))))
    w_calls = max(9, len(str(calls)))
    w_err = max(9, len(str(errors)))
    w_name = max(16, max((len(s.name) for _, s in rows), default=0) + 1)
    divider = " ".join("-" * w for w in (6, w_sec, w_avg, w_calls, w_err, w_name))

    def line(pct: float, secs: float, avg: int, n: int, err: int, name: str) -> str:
        err_text = str(err) if err else ""  # strace's "%*.0u": zero prints nothing
        return (
            f"{pct:6.2f} {secs:{w_sec}.6f} {avg:{w_avg}d} {n:{w_calls}d} "
            f"{err_text:>{w_err}} {name}\n"
        )

    out = [
        f"{'% time':>6} {'seconds':>{w_sec}} {'usecs/call':>{w_avg}} {'calls':>{w_calls}} "
        f"{'errors':>{w_err}} syscall\n",
        divider + "\n",
    ]
    for (_, s), avg in zip(rows, avg_us, strict=True):
        pct = 100.0 * s.time_ns / total_ns if s.time_ns else 0.0
        out.append(line(pct, s.time_ns / 1e9, avg, s.calls, s.errors, s.name))
    out.append(divider + "\n")
    total_avg = int(total / calls * 1e6) if calls else 0
    out.append(line(100.0, total, total_avg, calls, errors, "total"))
    return "".join(out)


class SummarySink:
    """The -c sink: counts every event it is given, writes the table at close."""

    args_for: frozenset[str] = frozenset()  # it reads no argument (sinks/base.py)

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.summary = SyscallSummary()

    def event(self, ev: TraceEvent) -> None:
        self.summary.add(ev)

    def events(self, evs: list[TraceEvent]) -> None:
        self.summary.add_all(evs)

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        pass

    def end(self, ev: EndEvent) -> None:
        pass

    def flush(self) -> None:
        pass  # everything is printed at close

    def close(self, counts: TraceCounts) -> None:
        self.out.write(self.summary.render())
        self.out.flush()
