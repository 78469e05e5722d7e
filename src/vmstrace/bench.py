"""`vmstrace bench`: what tracing costs the guest, measured against two baselines.

Each workload (guest/programs/bench-*.c, busybox ``tar czf``, and boot itself) runs in the
same guest configuration in several modes, repeated, with the mode order rotated on every
repeat so that drift on a busy host falls evenly on all modes:

    untraced   the guest without the capture plugin (``vmstrace run --no-trace``)
    vmstrace   traced by vmstrace, default (lossless) mode, strace-style text to a file
    strace     the guest without the plugin, the workload under ``strace -f`` inside it
    plugin-bare, plugin-spec
               profiling modes: the plugin writes its records to /dev/null, with no
               capture spec (registers only) or with the full one; no Python consumer

A workload times itself inside the guest (CLOCK_MONOTONIC of the guest, printed as
``vmstrace-bench elapsed_ns=N``); boot is timed on the host (monotonic clock, QEMU start
to the guest init's READY).  The host also times every whole run.

:func:`decode_bench` measures the Python consumer alone (records → pairing → decoding →
JSON lines) on a stream recorded once with :func:`record_raw`.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import EndEvent, TraceCounts, TraceEvent
from vmstrace.core.files import open_output
from vmstrace.sinks.base import Sink

if TYPE_CHECKING:
    from rich.console import Console

    from vmstrace.run import RunOptions

MODES = ("untraced", "vmstrace", "strace")
PROFILE_MODES = ("plugin-bare", "plugin-spec")
ELAPSED = re.compile(rb"vmstrace-bench elapsed_ns=(\d+)")
STRACE_LINES = re.compile(rb"vmstrace-strace-lines (\d+)")
STRACE_OUT = "/tmp/vmstrace-strace.out"
# strace writes to a file in the guest (as vmstrace writes its text to a file on the
# host); its line count comes back on stderr.
STRACE_WRAPPER = (
    f'strace -f -qq -o {STRACE_OUT} "$@"; s=$?; '
    f'echo "vmstrace-strace-lines $(wc -l < {STRACE_OUT})" >&2; exit $s'
)


@dataclass(frozen=True)
class Workload:
    name: str
    argv: tuple[str, ...]  # "{n}" is replaced by the scaled size
    n: int = 0  # default size; 0: no size argument
    # the guest image: "strace" (the default guest with strace, for every mode), or
    # "realsw" (that with Debian's own dynamically linked programs, guest/realsw.py)
    image: str = "strace"

    def command(self, scale: float) -> list[str]:
        n = max(1, round(self.n * scale))
        return [a.replace("{n}", str(n)) for a in self.argv]


def build_image(image: str) -> Path:
    """The cached initramfs of a workload's ``image``."""
    from vmstrace.core.files import cache_dir

    if image == "realsw":
        from vmstrace.guest.realsw import build_realsw_initramfs

        return build_realsw_initramfs(cache_dir())
    from vmstrace.guest.strace_image import build_strace_initramfs

    return build_strace_initramfs(cache_dir())


# Debian's ls, sed and grep (dynamically linked: the loader maps libc and libselinux's
# pages into each new process) run one after another by Debian's dash (busybox's sh runs
# its own applets instead, in its own process).
DEBIAN_LOOP = (
    "export PATH=/usr/bin:/bin; for i in $(seq {n}); do "
    "ls -la /usr/bin /etc; sed s/e/E/g /vmstrace/real/coreutils.sh | grep -c E; "
    "done > /dev/null"
)


WORKLOADS = {
    w.name: w
    for w in (
        Workload("boot", ("/bin/true",)),
        Workload("syscalls", ("/vmstrace/bin/bench-syscalls", "{n}"), 100000),
        Workload("files", ("/vmstrace/bin/bench-files", "{n}"), 3000),
        Workload("procs", ("/vmstrace/bin/bench-procs", "{n}"), 300),
        Workload(
            "tar",
            (
                "/vmstrace/bin/bench-time",
                "tar",
                "czf",
                "/tmp/bench.tgz",
                "/bin",
                "/sbin",
                "/usr",
                "/etc",
            ),
        ),
        Workload(
            "debian",
            ("/vmstrace/bin/bench-time", "/usr/bin/dash", "-c", DEBIAN_LOOP),
            20,
            "realsw",
        ),
    )
}


@dataclass
class Sample:
    """One run of one workload in one mode."""

    seconds: float  # the workload's own time (guest clock), or boot time (host clock)
    host_s: float  # the whole run on the host: QEMU start to exit
    events: int | None
    lost: int | None
    peak_rss_mb: float
    reconciled: bool | None = None  # vmstrace: every count adds up (see reconciles())
    stalled_s: float | None = None  # vmstrace: time the guest waited for the tracer (ring full)
    # the host CPU the run took, boot included: QEMU's and the tracer's, user and system
    # (with --parallel N, the N runs' total divided by N)
    cpu_s: float | None = None


@dataclass
class Row:
    workload: str
    mode: str
    samples: list[Sample] = field(default_factory=list)
    ratio: float | None = None
    # host CPU a call took beyond the untraced run's, µs (traced modes): the whole host's
    # cost of tracing one call (compare(): the boot's excess taken off when it was measured)
    cpu_per_call_us: float | None = None

    @property
    def clock(self) -> str:
        return (
            "host monotonic, QEMU start to READY"
            if self.workload == "boot"
            else "guest CLOCK_MONOTONIC"
        )

    @property
    def median_s(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def host_median_s(self) -> float:
        return statistics.median(s.host_s for s in self.samples)

    @property
    def events(self) -> int | None:
        values = [s.events for s in self.samples if s.events is not None]
        return int(statistics.median(values)) if values else None

    @property
    def lost(self) -> int | None:
        values = [s.lost for s in self.samples]
        return None if any(v is None for v in values) else sum(v or 0 for v in values)

    @property
    def peak_rss_mb(self) -> float:
        return max(s.peak_rss_mb for s in self.samples)

    @property
    def cpu_median_s(self) -> float | None:
        values = [s.cpu_s for s in self.samples if s.cpu_s is not None]
        return statistics.median(values) if len(values) == len(self.samples) else None

    @property
    def stalled_s(self) -> float | None:
        """The longest time the guest waited for the tracer in any run (None: not traced)."""
        values = [s.stalled_s for s in self.samples]
        return None if any(v is None for v in values) else max(v or 0.0 for v in values)

    @property
    def reconciled(self) -> bool | None:
        values = [s.reconciled for s in self.samples]
        return None if any(v is None for v in values) else all(values)

    def as_json(self) -> dict[str, object]:
        return {
            "workload": self.workload,
            "mode": self.mode,
            "median_s": self.median_s,
            "ratio": self.ratio,
            "events": self.events,
            "lost": self.lost,
            "reconciled": self.reconciled,
            "guest_stalled_s": self.stalled_s,
            "peak_rss_mb": self.peak_rss_mb,
            "host_median_s": self.host_median_s,
            "clock": self.clock,
            "repeats": len(self.samples),
            "samples_s": [s.seconds for s in self.samples],  # each run's time, in run order
            "cpu_median_s": self.cpu_median_s,
            "cpu_samples_s": [s.cpu_s for s in self.samples],
            "cpu_per_call_us": self.cpu_per_call_us,
        }


# --- the tracer's own memory ----------------------------------------------------------


def reset_peak_rss() -> None:
    """Resets this process's VmHWM (Linux ≥ 4.0: ``5`` to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # then the peak covers the whole process lifetime


def peak_rss_mb() -> float:
    """This process's peak resident set since the last reset, MiB (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- one run ----------------------------------------------------------------------------


def _guest_seconds(out: bytes, workload: Workload, boot_s: float | None) -> float:
    if workload.name == "boot":
        if boot_s is None:
            raise VmstraceError("bench: the guest never said READY")
        return boot_s
    m = ELAPSED.search(out)
    if m is None:
        raise VmstraceError(f"bench {workload.name}: no elapsed time in its output: {out[-200:]!r}")
    return int(m.group(1)) / 1e9


def reconciles(c: TraceCounts) -> bool:
    """The plugin's count of records equals what the tracer read, which is every entry and
    exit; every exit met its entry (none orphaned, by the plugin or the pairing), and every
    thread's records came whole and in their turn (no gap, none stale).  (That every entry
    was paired, never returns or was unfinished holds by the pairing's construction: it is
    not a check.)"""
    return (
        c.produced is not None
        and not c.dropped
        and c.produced == c.delivered == c.entries + c.exits
        and c.exits == c.paired
        and not c.orphan_exits
        and not c.gaps
        and not c.stale
    )


def run_once(
    workload: Workload, mode: str, scale: float, initrd: Path | None, workdir: Path
) -> Sample:
    from vmstrace.run import RunOptions, run
    from vmstrace.sinks.text import TextSink

    argv = workload.command(scale)
    if mode == "strace":
        argv = ["/bin/sh", "-c", STRACE_WRAPPER, "sh", *argv]
    opts = RunOptions(argv=argv, initrd=initrd, trace=mode == "vmstrace")
    if mode in PROFILE_MODES:
        return _run_raw(opts, workload, "/dev/null", with_spec=mode == "plugin-spec")
    out, err = io.BytesIO(), io.BytesIO()
    reset_peak_rss()
    t0 = time.monotonic()
    with open(workdir / "trace.txt", "w", encoding="utf-8") as text:
        result = run(opts, [TextSink(text)], stdout=out, stderr=err)
    host_s = time.monotonic() - t0
    rss = peak_rss_mb()
    if result.exit_status != 0:
        raise VmstraceError(
            f"bench {workload.name} ({mode}) exited with {result.exit_status}: "
            f"{err.getvalue()[-300:]!r}"
        )
    seconds = _guest_seconds(out.getvalue(), workload, result.boot_s)
    events: int | None = None
    lost: int | None = None
    c = result.counts
    if mode == "vmstrace":
        events = c.entries if workload.name == "boot" else c.shown
        lost = None if c.produced is None else c.produced - c.delivered + (c.dropped or 0)
        return Sample(seconds, host_s, events, lost, rss, reconciles(c), c.guest_stalled_s)
    if mode == "strace":
        m = STRACE_LINES.search(err.getvalue())
        events = int(m.group(1)) if m else None
    return Sample(seconds, host_s, events, lost, rss)


def _run_raw(opts: RunOptions, workload: Workload, out: str, with_spec: bool) -> Sample:
    """The guest with the plugin writing records to ``out`` and no Python consumer."""
    from vmstrace.capture.plugin import plugin_path
    from vmstrace.core.files import cache_dir
    from vmstrace.guest.qemu import find_qemu
    from vmstrace.host import Stop, Workdir, ram_memfd
    from vmstrace.launcher import launch
    from vmstrace.run import prepare_guest, ram_plugin_args

    opts.trace = True
    qemu = find_qemu()
    workdir = Workdir()
    ram = -1
    stdout = bytearray()
    try:
        cfg, spec = prepare_guest(opts, workdir.path)
        ram = ram_memfd(cfg.ram_bytes)
        cfg = replace(cfg, ram_file=Path(f"/dev/fd/{ram}"))  # kernel reads by page walk
        plugin_args = {"out": out} | ram_plugin_args(cfg)
        if with_spec and spec is not None:
            (workdir.path / "spec.txt").write_text(spec)
            plugin_args["spec"] = str(workdir.path / "spec.txt")
        stop = Stop()
        guest = launch(
            qemu,
            cfg,
            stop=stop,
            stdout=stdout.extend,
            stderr=lambda data: None,
            log=cache_dir() / "last-console.log",
            plugin=plugin_path(),
            plugin_args=plugin_args,
            pass_fds=[ram],
            boot_timeout=opts.boot_timeout,
        )
        status = guest.wait()
        stop.finished()
        host_s = time.monotonic() - guest.started
        if status != 0:
            detail = guest.qemu_output().decode("utf-8", "replace").strip()
            raise VmstraceError(f"bench: QEMU exited with {status}: {detail[-300:]}")
        seconds = _guest_seconds(bytes(stdout), workload, guest.boot_s)
        return Sample(seconds, host_s, None, None, peak_rss_mb())
    finally:
        if ram >= 0:
            os.close(ram)
        workdir.remove()


def record_raw(dest: Path, workload: str = "syscalls", scale: float = 1.0) -> float:
    """Runs a workload with the plugin writing its raw record stream to ``dest``."""
    from vmstrace.run import RunOptions

    w = _workload(workload)
    initrd = build_image(w.image)
    open_output(dest, "--record").close()  # the plugin opens out= without O_CREAT
    # (it expects a pipe)
    sample = _run_raw(
        RunOptions(argv=w.command(scale), initrd=initrd), w, str(dest.resolve()), True
    )
    return sample.host_s


# --- the benchmark --------------------------------------------------------------------


def _workload(name: str) -> Workload:
    if name not in WORKLOADS:
        raise VmstraceError(f"bench: unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")
    return WORKLOADS[name]


def bench(
    workloads: list[str],
    modes: list[str],
    repeat: int = 3,
    scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
    parallel: int = 1,
) -> list[Row]:
    """Runs every workload in every mode ``repeat`` times; medians, ratios to untraced.
    ``parallel`` guests run each time at once (each a sample): the cost of tracing many
    VMs on one host, untraced against traced with the same number of guests."""
    if repeat < 1:
        raise VmstraceError("bench: --repeat must be at least 1")
    if not 1 <= parallel <= 16:
        raise VmstraceError("bench: --parallel takes 1 to 16 guests")
    for mode in modes:
        if mode not in MODES + PROFILE_MODES:
            raise VmstraceError(
                f"bench: unknown mode {mode!r}; choose from {', '.join(MODES + PROFILE_MODES)}"
            )
    chosen = [_workload(w) for w in workloads]
    rows = {(w.name, m): Row(w.name, m) for w in chosen for m in modes}
    workdir = Path(tempfile.mkdtemp(prefix="vmstrace-bench-"))
    try:
        # The same guest for every mode: the workload's image (with strace: guest/
        # strace_image.py), copied, as a rebuild of the cache (another checkout's run)
        # prunes old images.
        initrds: dict[str, Path] = {}
        for image in dict.fromkeys(w.image for w in chosen):
            initrds[image] = workdir / f"{image}.img"
            shutil.copyfile(build_image(image), initrds[image])
        for rep in range(repeat):
            for w in chosen:
                k = rep % len(modes)
                for mode in modes[k:] + modes[:k]:  # rotated: drift falls on every mode
                    if progress:
                        progress(f"repeat {rep + 1}/{repeat}: {w.name} {mode}")
                    rows[w.name, mode].samples += _at_once(
                        w, mode, scale, initrds[w.image], workdir, parallel
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return compare(list(rows.values()))


def compare(rows: list[Row]) -> list[Row]:
    """Each row against its workload's untraced row: the time ratio, and for a traced row
    the host CPU per event beyond the untraced run's.  Every run boots the guest: when the
    boot was measured in the same mode, its excess (the tracer's start, the boot's calls)
    is taken off first, so what is left is the workload's calls' own cost."""
    untraced = {row.workload: row for row in rows if row.mode == "untraced"}

    def excess(row: Row) -> float | None:
        base = untraced.get(row.workload)
        cpu, base_cpu = row.cpu_median_s, None if base is None else base.cpu_median_s
        return None if cpu is None or base_cpu is None else cpu - base_cpu

    boots = {row.mode: excess(row) for row in rows if row.workload == "boot"}
    for row in rows:
        base = untraced.get(row.workload)
        if base is None:
            continue
        if base.median_s > 0:
            row.ratio = row.median_s / base.median_s
        extra = excess(row)
        if row is base or row.workload == "boot" or extra is None or not row.events:
            continue
        row.cpu_per_call_us = (extra - (boots.get(row.mode) or 0.0)) / row.events * 1e6
    return rows


def _cpu_now() -> float:
    """CPU seconds so far of this process (the tracer) and of its reaped children (QEMU)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _apart(runs: list[tuple[Workload, str, float, Path, Path]]) -> list[Sample]:
    """:func:`run_once` of each of ``runs`` at the same time, each in a process of its own,
    as separate ``vmstrace run`` commands are (threads of one process would share its
    interpreter lock: two decoders on one core).  A worker's CPU, and its QEMU's, count
    in :func:`_cpu_now` once the pool has reaped it."""
    spawn = multiprocessing.get_context("spawn")  # (no fork of a process with threads)
    with ProcessPoolExecutor(len(runs), mp_context=spawn) as pool:
        futures = [pool.submit(run_once, *args) for args in runs]
        return [f.result() for f in futures]


def _at_once(
    w: Workload, mode: str, scale: float, initrd: Path, workdir: Path, parallel: int
) -> list[Sample]:
    """``parallel`` runs of ``w`` in ``mode`` at the same time, each in its own directory
    (:func:`_apart`); each sample's ``cpu_s`` is their host CPU divided among them."""
    c0 = _cpu_now()
    if parallel == 1:
        samples = [run_once(w, mode, scale, initrd, workdir)]
    else:
        dirs = [workdir / f"guest{i}" for i in range(parallel)]
        for d in dirs:
            d.mkdir(exist_ok=True)
        samples = _apart([(w, mode, scale, initrd, d) for d in dirs])
    cpu = (_cpu_now() - c0) / len(samples)
    return [replace(s, cpu_s=cpu) for s in samples]


# --- the Python consumer alone --------------------------------------------------------


@dataclass(frozen=True)
class DecodeResult:
    records: int
    syscalls: int  # syscalls paired (the consumer's input)
    seconds: float  # best of the repeats, wall clock (one thread, one core)
    cpu_seconds: float
    sink: str = "json"  # the output it was written to (SINKS)
    shown: int | None = None  # the calls -e kept, decoded and written (None: all)
    qualifiers: tuple[str, ...] = ()  # the -e expressions

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds

    @property
    def syscalls_per_s(self) -> float:
        return self.syscalls / self.seconds


# The outputs `bench --decode` can time the consumer with (--sink): each writes to
# /dev/null, as a run writes to a file.
SINKS = ("json", "text", "parquet", "perfetto", "json+parquet", "json+raw", "summary", "tree")


def _bench_sinks(sink: str, stack: ExitStack) -> list[Sink]:
    from vmstrace.sinks.jsonl import JsonSink

    made: list[Sink] = []
    for name in sink.split("+"):
        if name == "json":
            made.append(JsonSink(stack.enter_context(open(os.devnull, "w", encoding="utf-8"))))
        elif name == "text":  # strace's lines, as `vmstrace run -o FILE` and the bench write
            from vmstrace.sinks.text import TextSink

            made.append(TextSink(stack.enter_context(open(os.devnull, "w", encoding="utf-8"))))
        elif name == "parquet":
            from vmstrace.sinks.parquet import ParquetSink

            made.append(ParquetSink(stack.enter_context(open(os.devnull, "wb"))))
        elif name == "raw":
            pass  # not a sink: the stream is teed (decode_bench)
        elif name in ("summary", "tree"):  # -c, --tree: they write only at close
            from vmstrace.sinks.summary import SummarySink
            from vmstrace.sinks.tree import ProcessTreeSink

            out = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
            made.append(SummarySink(out) if name == "summary" else ProcessTreeSink(out))
        elif name == "perfetto":
            from vmstrace.sinks.perfetto import PerfettoSink

            out = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
            made.append(PerfettoSink(out))
        else:
            raise VmstraceError(f"--sink {sink}: choose one of {', '.join(SINKS)}")
    return made


class _Recording(io.BytesIO):
    """A recording handed to the reader as the ring hands it: in one copy into the reader's
    buffer.  (BytesIO's own readinto1 is BufferedIOBase's, which reads a new bytes object
    and copies that: a second copy and an allocation per read that no live run makes.)"""

    readinto1 = io.BytesIO.readinto


def decode_bench(
    raw: Path,
    repeat: int = 3,
    trace_all: bool = False,
    sink: str = "json",
    qualifiers: tuple[str, ...] = (),
) -> DecodeResult:
    """Reader → pairing → filter (``qualifiers``: strace's -e) → decoding → the output
    ``sink`` (JSON lines, Parquet, Perfetto, -c's table, --tree's, or two joined by +)
    on a recorded raw stream."""
    from vmstrace.pipeline import Pipeline
    from vmstrace.trace.filters import build_filter

    filt = build_filter(qualifiers)
    data = raw.read_bytes()
    best: DecodeResult | None = None
    # at least ``repeat`` runs, and more for a small recording (at least a second in all):
    # the best of a few 30 ms runs is the machine's noise more than the decoder's speed
    runs, spent = 0, 0.0
    while runs < repeat or spent < 1.0:
        runs += 1
        with ExitStack() as stack:
            sinks = _bench_sinks(sink, stack)
            pipeline = Pipeline(sinks, trace_all=trace_all, filt=filt)
            t0, c0 = time.perf_counter(), time.process_time()
            stream: Any = _Recording(data)
            if "raw" in sink.split("+"):  # --save-raw's copy of the stream, as a run makes it
                from vmstrace.rawfile import RawHeader, RawWriter

                devnull = stack.enter_context(open(os.devnull, "wb"))
                stream = RawWriter(devnull, RawHeader({}, 32, False, False, 1, None)).tee(stream)
            pipeline.consume(stream)
            pipeline.drain()
            counts = pipeline.counts()
            for each in sinks:  # (the Parquet sink writes its last row group here)
                each.close(counts)
            result = DecodeResult(
                counts.delivered,
                counts.paired + counts.unfinished + counts.no_return,
                time.perf_counter() - t0,
                time.process_time() - c0,
                sink,
                pipeline.shown if qualifiers else None,
                qualifiers,
            )
        spent += result.seconds
        if best is None or result.seconds < best.seconds:
            best = result
    assert best is not None
    return best


# --- output -----------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row], console: Console) -> None:
    """Medians, ratios to the untraced run, event rates, losses and the tracer's memory."""
    from rich.table import Table

    table = Table(title="vmstrace bench (medians)")
    for col in (
        "workload",
        "mode",
        "median s",
        "ratio",
        "host run s",
        "events",
        "events/s",
        "lost",
        "counts",
        "guest held s",
        "tracer peak RSS MB",
        "host CPU s",
        "CPU µs/call",
    ):
        table.add_column(col, justify="left" if col in ("workload", "mode") else "right")
    for row in rows:
        events = row.events
        rate = None if events is None or row.median_s <= 0 else events / row.median_s
        table.add_row(
            row.workload,
            row.mode,
            f"{row.median_s:.3f}",
            _fmt(row.ratio, ".2f"),
            f"{row.host_median_s:.2f}",
            _fmt(events, "d"),
            _fmt(rate, ",.0f"),
            _fmt(row.lost, "d"),
            "-" if row.reconciled is None else "ok" if row.reconciled else "MISMATCH",
            _fmt(row.stalled_s, ".3f"),
            f"{row.peak_rss_mb:.1f}",
            _fmt(row.cpu_median_s, ".2f"),
            _fmt(row.cpu_per_call_us, ".2f"),
        )
    console.print(table)
    console.print(
        "median s: the workload's own time on the guest's CLOCK_MONOTONIC (boot: host "
        "monotonic clock, QEMU start to the guest's READY); host run s: the whole run, "
        "QEMU start to exit, host clock.  events: syscalls shown (vmstrace; boot: all the "
        "guest's syscall entries), output lines (strace).  lost: records the plugin produced "
        "that the tracer did not receive, plus dropped ones.  counts: ok when produced = "
        "delivered = entries + exits and entries = paired + no-return + unfinished.  "
        "guest held s: the longest time, over the runs, that the plugin waited for room in "
        "the ring, i.e. the guest was held back by the tracer (0: never).  "
        "Peak RSS: the Python tracer "
        "process (VmHWM, reset before each run).  host CPU s: QEMU's and the tracer's CPU "
        "time for the run, boot included (with --parallel, shared out evenly); CPU µs/call: "
        "its excess over the untraced run's, less the boot's excess when the boot was "
        "measured, per event (a few thousand events: within the runs' noise)."
    )


def write_json(rows: list[Row], path: Path) -> None:
    import json

    with open_output(path, "--json") as f:
        f.write(json.dumps([row.as_json() for row in rows], indent=1) + "\n")


STAGES = ("reading", "pairing", "filter, decoding, event", "JSON lines")


class _Discard:
    """A sink that drops what it gets: the pipeline cut before the JSON lines."""

    def event(self, ev: TraceEvent) -> None:
        pass

    def events(self, evs: list[TraceEvent]) -> None:
        pass

    def note(self, tid: int | None, text: str, comm: str | None = None) -> None:
        pass

    def end(self, ev: EndEvent) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self, counts: TraceCounts) -> None:
        pass


def decode_stages(raw: Path, repeat: int = 7, trace_all: bool = False) -> tuple[int, list[float]]:
    """Where the consumer's time goes: the pipeline of :func:`decode_bench` cut after each
    of :data:`STAGES` in turn (best of ``repeat`` runs of each cut, interleaved so drift
    spreads over all of them).  The process filter and the decoding are one stage: the
    emitter's compiled lane does both in one pass.  Returns the syscalls paired and each
    stage's seconds."""
    from vmstrace.pipeline import Pipeline, Upto
    from vmstrace.sinks.jsonl import JsonSink

    data = raw.read_bytes()
    cuts: list[Upto] = ["read", "pair", "all", "all"]

    def run(stages: int) -> tuple[float, int]:
        with open(os.devnull, "w", encoding="utf-8") as devnull:
            sink: Sink = JsonSink(devnull) if stages == 4 else _Discard()
            pipeline = Pipeline([sink], trace_all=trace_all)
            t0 = time.perf_counter()
            paired = pipeline.consume(_Recording(data), cuts[stages - 1])
            return time.perf_counter() - t0, paired

    best = [float("inf")] * len(STAGES)
    paired = 0
    for _ in range(repeat):
        for n in range(1, len(STAGES) + 1):
            seconds, count = run(n)
            best[n - 1] = min(best[n - 1], seconds)
            paired = max(paired, count)
    # each stage: the cut that includes it minus the one before (never below zero: noise)
    return paired, [max(0.0, b - a) for a, b in zip([0.0, *best], best, strict=False)]


def describe_stages(raw: Path, paired: int, seconds: list[float]) -> str:
    lines = [
        f"where the consumer's time goes on {raw} ({paired} syscalls paired; "
        "µs per syscall, best of the runs):"
    ]
    lines += [
        f"  {name:24s} {s * 1e6 / max(paired, 1):6.2f}"
        for name, s in zip(STAGES, seconds, strict=True)
    ]
    return "\n".join(lines)


_SINK_WORDS = {
    "json": "JSON lines",
    "text": "text lines",
    "parquet": "Parquet",
    "perfetto": "Perfetto JSON",
    "summary": "-c's table",
    "tree": "--tree's",
}
# (the Parquet sink encodes and compresses each row group on a thread of its own)
_THREADS = {s: "two threads" if "parquet" in s else "one thread" for s in SINKS}


def describe_decode(raw: Path, result: DecodeResult) -> str:
    kept = "".join(f" -e {q}" for q in result.qualifiers)
    if result.shown is not None:
        kept += f" ({result.shown} shown)"
    return (
        f"decode bench on {raw}: {result.records} records, {result.syscalls} syscalls{kept} "
        f"decoded to {_SINK_WORDS.get(result.sink, result.sink)} in {result.seconds:.3f} s "
        f"wall ({result.cpu_seconds:.3f} s "
        f"CPU, {_THREADS[result.sink]}): {result.records_per_s:,.0f} records/s, "
        f"{result.syscalls_per_s:,.0f} syscalls/s"
    )
