"""The `vmstrace` command line.  Parses options and calls the library; no logic here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import TraceCounts
from vmstrace.core.files import open_binary_output, open_output
from vmstrace.sinks.base import Sink
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.text import TextSink
from vmstrace.sinks.tree import ProcessTreeSink

if TYPE_CHECKING:
    from vmstrace.run import RunOptions, RunResult


def _parse_add(values: tuple[str, ...]) -> list[tuple[Path, str]]:
    adds = []
    for value in values:
        host, sep, guest = value.partition(":")
        path = Path(host)
        if not path.exists():
            raise VmstraceError(f"--add: {host} does not exist")
        guest_path = guest if sep else str(path.resolve())
        if not guest_path.startswith("/"):
            raise VmstraceError(f"--add {value}: the guest path must be absolute")
        adds.append((path, guest_path))
    return adds


def _counts_line(counts: TraceCounts) -> str:
    produced = "unknown (QEMU ended early)" if counts.produced is None else counts.produced
    dropped = "?" if counts.dropped is None else counts.dropped
    held = counts.guest_stalled_s
    return (
        f"vmstrace: {counts.shown} syscalls shown; records produced {produced}, "
        f"delivered {counts.delivered}, dropped {dropped}"
        + (f"; the guest waited {held:.3f} s for the tracer" if held else "")
        + (
            f"; incomplete: {counts.evicted} calls or threads let go at the tracer's table "
            "limits (their results unknown)"
            if counts.evicted
            else ""
        )
    )


_GUEST_OPTION = click.option(
    "--guest",
    type=click.Choice(["default", "debian"]),
    default="default",
    show_default=True,
    help="The guest: a busybox initramfs, or Debian 12 booting systemd (built with "
    "mmdebstrap and cached).",
)
_INSTALL_OPTION = click.option(
    "--install",
    "install",
    metavar="PKG",
    multiple=True,
    help="Add this Debian package to the --guest debian image (repeatable; the image is "
    "cached per package set).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vmstrace")
def main() -> None:
    """strace for virtual machines: trace a Linux guest's system calls from outside it."""


_TRACE_OPTIONS = [
    click.option(
        "-o",
        "output",
        type=click.Path(dir_okay=False, writable=True),
        help="Write the strace-style trace to FILE instead of stderr.",
    ),
    click.option(
        "--json",
        "json_path",
        type=click.Path(dir_okay=False, writable=True),
        help="Also write one JSON object per syscall to FILE.",
    ),
    click.option(
        "--json-raw",
        "json_raw",
        is_flag=True,
        help="In the JSON, also each call's raw argument registers and return register.",
    ),
    click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False, writable=True),
        help="At the end, write the run's report to FILE: one self-contained HTML page "
        "(process tree, files, programs, network, signals, errors, every call).",
    ),
    click.option(
        "--perfetto",
        "perfetto_path",
        type=click.Path(dir_okay=False, writable=True),
        help="Also write a timeline to FILE (Chrome trace-event JSON, for Perfetto UI and "
        "chrome://tracing): a track per guest thread, a slice per call.",
    ),
    click.option(
        "--parquet",
        "parquet_path",
        type=click.Path(dir_okay=False, writable=True),
        help="Also write the calls as a Parquet table to FILE, for SQL (DuckDB): docs/columnar.md.",
    ),
    click.option(
        "-s",
        "strsize",
        type=click.IntRange(0, 65536),
        default=32,
        show_default=True,
        help="Maximum string size to print (as strace -s).",
    ),
    click.option(
        "--buffer-mb",
        type=click.IntRange(1, 4096),
        default=64,
        show_default=True,
        help="Size of the ring shared with the plugin: how far (MB of capture "
        "records) the guest may run ahead of the decoder before it waits; the "
        "trace stays lossless either way.",
    ),
    click.option(
        "--symbols",
        type=click.Path(path_type=Path),
        help="A volatility3 symbol table (ISF JSON, .json or .json.xz) for the guest "
        "kernel, used instead of its BTF.",
    ),
    click.option(
        "-y",
        "decode_fds",
        count=True,
        help="Print file descriptors with what they refer to: 3</etc/hostname>, "
        "4<pipe:[1234]>, 5<socket:[5678]> (read from the guest kernel's file "
        "table); -yy also a socket's protocol and addresses: "
        "5<TCP:[10.0.2.15:41234->10.1.2.3:8080]>.",
    ),
    click.option(
        "-x",
        "hexstr",
        count=True,
        help="Print a string with a non-ASCII byte in hexadecimal, as strace -x; -xx every "
        'string: "\\x7f\\x45\\x4c\\x46".',
    ),
    click.option(
        "--tree",
        "show_tree",
        is_flag=True,
        help="Print the process tree at the end (pid, ppid, name, exec, exit, calls).",
    ),
    click.option(
        "-e",
        "qualifiers",
        multiple=True,
        metavar="EXPR",
        help="trace=SET: only these syscalls (names, %file %network %process %signal "
        "%memory %ipc %desc %creds %clock %stat %lstat %fstat %%stat %statfs "
        "%fstatfs %%statfs %pure, /regex, all, none; !SET inverts); "
        "status=SET: successful, failed, unfinished (as strace -e).",
    ),
    click.option(
        "-z", "successful", is_flag=True, help="Only calls that succeeded (-e status=successful)."
    ),
    click.option("-Z", "failed", is_flag=True, help="Only calls that failed (-e status=failed)."),
    click.option(
        "-p",
        "pids",
        multiple=True,
        type=int,
        metavar="PID",
        help="Only this guest process and its threads, anywhere in the guest (repeatable; "
        "replaces the CMD tree).",
    ),
    click.option(
        "--comm",
        "comms",
        multiple=True,
        metavar="NAME",
        help="Only guest processes whose comm is NAME, anywhere in the guest (repeatable; "
        "replaces the CMD tree).",
    ),
    click.option(
        "-X",
        "xlat",
        type=click.Choice(["abbrev", "raw"]),
        default="abbrev",
        show_default=True,
        help="raw: print constants and flags as numbers.",
    ),
    click.option(
        "-t",
        "timestamps",
        count=True,
        help="Prefix each line with the host wall-clock time: -t HH:MM:SS, "
        "-tt with microseconds, -ttt seconds since the epoch.",
    ),
    click.option(
        "-T",
        "durations",
        is_flag=True,
        help="Append the time spent in each call, <s.us>: host time QEMU took to "
        "emulate it, not guest CPU time.",
    ),
    click.option(
        "-c",
        "summary_only",
        is_flag=True,
        help="Print a per-syscall table (% time, seconds, usecs/call, calls, errors) "
        "instead of the trace; times are emulated host time.",
    ),
    click.option("-C", "summary_too", is_flag=True, help="Like -c, after the regular trace."),
]


_SAVE_RAW = click.option(
    "--save-raw",
    "save_raw",
    type=click.Path(dir_okay=False, writable=True),
    help="Also keep the plugin's record stream, with what decoding it needs, in FILE: "
    "`vmstrace replay FILE` decodes it again with other filters and outputs.",
)


def _trace_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that traces (run, qemu): outputs, filters, format."""
    for option in reversed(_TRACE_OPTIONS):
        command = option(command)
    return command


@dataclass
class TraceArgs:
    """The trace options as given (_TRACE_OPTIONS: every command that traces or decodes
    takes them), made into the run's options and its sinks."""

    output: str | None
    json_path: str | None
    json_raw: bool
    report_path: str | None
    perfetto_path: str | None
    parquet_path: str | None
    strsize: int
    buffer_mb: int
    symbols: Path | None
    decode_fds: int
    hexstr: int
    show_tree: bool
    qualifiers: tuple[str, ...]
    successful: bool
    failed: bool
    pids: tuple[int, ...]
    comms: tuple[str, ...]
    xlat: str
    timestamps: int
    durations: bool
    summary_only: bool
    summary_too: bool

    def options(self, **more: Any) -> RunOptions:
        """The run's options: these, and the command's own (``more``)."""
        from vmstrace.run import RunOptions
        from vmstrace.trace.filters import build_filter

        if self.summary_only and self.summary_too:
            raise VmstraceError("-c and -C are mutually exclusive")
        filt = build_filter(
            self.qualifiers,
            successful=self.successful,
            failed=self.failed,
            pids=self.pids,
            comms=self.comms,
        )
        return RunOptions(
            strsize=self.strsize,
            filter=filt,
            raw=self.xlat == "raw",
            decode_fds=self.decode_fds >= 1,
            fd_details=self.decode_fds >= 2,
            hexstr=min(self.hexstr, 2),
            symbols=self.symbols,
            buffer_mb=self.buffer_mb,
            **more,
        )

    def sinks(
        self, stack: ExitStack, opts: RunOptions, show_comm: bool, save_raw: str | None = None
    ) -> list[Sink]:
        """The sinks these options ask for; the files are opened now (into ``stack``)."""
        from vmstrace.sinks.summary import SummarySink

        if save_raw:
            opts.save_raw = stack.enter_context(open_binary_output(save_raw, "--save-raw"))
        text_out: TextIO = sys.stderr
        if self.output:
            text_out = stack.enter_context(open_output(self.output, "-o"))
        sinks: list[Sink] = []
        if not self.summary_only:
            text = TextSink(
                text_out,
                show_comm=show_comm,
                timestamps=self.timestamps,
                durations=self.durations,
            )
            opts.on_start = text.set_origin
            sinks.append(text)
        if self.summary_only or self.summary_too:
            sinks.append(SummarySink(text_out))
        if self.json_path:
            out = stack.enter_context(open_output(self.json_path, "--json"))
            sinks.append(JsonSink(out, raw_values=self.json_raw))
        if self.show_tree:
            sinks.append(ProcessTreeSink(text_out))
        if self.report_path:
            from vmstrace.report.sink import ReportSink

            page = stack.enter_context(open_output(self.report_path, "--report"))
            sinks.append(ReportSink(page))
        if self.perfetto_path or self.parquet_path:
            from vmstrace.run import describe_run

            command_line = list(sys.argv)

            def metadata() -> dict[str, object]:
                return describe_run(opts, command_line)

            if self.perfetto_path:
                from vmstrace.sinks.perfetto import PerfettoSink

                out = stack.enter_context(open_output(self.perfetto_path, "--perfetto"))
                sinks.append(PerfettoSink(out, metadata))
            if self.parquet_path:
                from vmstrace.sinks.parquet import ParquetSink

                binary = stack.enter_context(open_output(self.parquet_path, "--parquet")).buffer
                sinks.append(ParquetSink(binary, metadata))
        return sinks


T = TypeVar("T")


def _or_exit(go: Callable[[ExitStack], T]) -> T:
    """``go`` with a stack for the outputs it opens; a VmstraceError or OSError is one
    message and the exit status."""
    with ExitStack() as stack:
        try:
            return go(stack)
        except VmstraceError as err:
            if str(err):  # (an output that was closed ends quietly)
                click.echo(f"vmstrace: {err}", err=True)
            sys.exit(err.exit_code)
        except OSError as err:
            click.echo(f"vmstrace: {err}", err=True)
            sys.exit(2)


@main.command(context_settings={"ignore_unknown_options": False})
@_trace_options
@_SAVE_RAW
@click.option(
    "--add",
    "adds",
    multiple=True,
    metavar="HOST[:GUEST]",
    help="Copy a host file or directory into the guest (repeatable); an ELF program or "
    "library brings its interpreter and the libraries it needs.",
)
@click.option(
    "--no-deps",
    is_flag=True,
    help="--add only the named files, not the libraries they need.",
)
@click.option(
    "--all", "trace_all", is_flag=True, help="Trace every process in the guest, boot included."
)
@click.option(
    "-m", "memory", type=int, default=None, help="Guest memory, MB  [default: 512; 1024 debian]"
)
@_GUEST_OPTION
@_INSTALL_OPTION
@click.option(
    "--net",
    type=click.Choice(["restricted", "open", "off"]),
    default=None,
    help="The guest's network (QEMU user networking, virtio-net): restricted reaches "
    "nothing outside the guest, open reaches what the host reaches, off has no device  "
    "[default: restricted for debian, off for the default guest]",
)
@click.option(
    "--forward",
    "forwards",
    multiple=True,
    metavar="[tcp:|udp:]HOSTPORT:GUESTPORT",
    help="Forward the host's 127.0.0.1:HOSTPORT to the guest's GUESTPORT (repeatable).",
)
@click.option("--smp", type=int, default=1, show_default=True, help="Number of vCPUs.")
@click.option("--cpu", default="max", show_default=True, help="QEMU CPU model.")
@click.option(
    "--kernel",
    type=click.Path(path_type=Path),
    help="Boot this bzImage instead of the default Debian kernel.",
)
@click.option(
    "--kernel-line",
    metavar="SERIES",
    default=None,
    help="Boot the Debian cloud kernel of this series (e.g. 6.12; fetched and "
    "cached like the default one) instead of the default kernel.",
)
@click.option(
    "--initrd",
    type=click.Path(path_type=Path),
    help="Use this initramfs instead of the default one (needs vmstrace's init).",
)
@click.option(
    "--boot-timeout",
    type=click.FloatRange(0, min_open=True),
    default=120.0,
    show_default=True,
    help="Seconds the guest may take to boot.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Stop the guest after this many seconds.",
)
@click.option("--no-trace", is_flag=True, help="Boot the same guest without the capture plugin.")
@click.option(
    "--kernel-from-memory",
    "from_memory",
    is_flag=True,
    help="Learn the guest kernel (its BTF, layout and syscall numbering) from guest "
    "memory once it is up, as `vmstrace qemu` does, instead of from the kernel file.",
)
@click.argument("cmd", nargs=-1, required=True)
def run(
    adds: tuple[str, ...],
    no_deps: bool,
    trace_all: bool,
    memory: int | None,
    guest: str,
    install: tuple[str, ...],
    net: str | None,
    forwards: tuple[str, ...],
    smp: int,
    cpu: str,
    kernel: Path | None,
    kernel_line: str | None,
    initrd: Path | None,
    boot_timeout: float,
    timeout: float | None,
    no_trace: bool,
    from_memory: bool,
    save_raw: str | None,
    cmd: tuple[str, ...],
    **trace: Any,
) -> None:
    """Boot the guest, run CMD in it and print its system calls.

    Usage: vmstrace run [OPTIONS] -- CMD [ARG...]
    """
    from vmstrace.guest.network import parse_forwards
    from vmstrace.run import run as run_session

    t = TraceArgs(**trace)

    def go(stack: ExitStack) -> RunResult:
        opts = t.options(
            argv=list(cmd),
            adds=_parse_add(adds),
            deps=not no_deps,
            kernel=kernel,
            kernel_line=kernel_line,
            initrd=initrd,
            guest=guest,
            install=list(install),
            net=net,
            forwards=parse_forwards(forwards),
            memory_mb=memory,
            smp=smp,
            cpu=cpu,
            trace_all=trace_all,
            trace=not no_trace,
            boot_timeout=boot_timeout,
            timeout=timeout,
            from_memory=from_memory,
            # a status line where it mixes with nothing: stderr a terminal without the
            # trace on it
            status=sys.stderr.isatty() and bool(t.output or t.summary_only) and not no_trace,
        )
        show_comm = trace_all or opts.filter.guest_wide
        # (the sinks are made once every input has been checked)
        return run_session(opts, lambda: t.sinks(stack, opts, show_comm, save_raw))

    result = _or_exit(go)
    if not no_trace:
        click.echo(_counts_line(result.counts), err=True)
    sys.exit(result.exit_status)


@main.command(context_settings={"ignore_unknown_options": True})
@_trace_options
@_SAVE_RAW
@click.option(
    "--boot-timeout",
    type=click.FloatRange(0),
    default=300.0,
    show_default=True,
    help="Seconds until the guest's first system call (its kernel is up) before the VM "
    "is stopped; 0: no limit.",
)
@click.argument("qemu_argv", nargs=-1, required=True, type=click.UNPROCESSED)
def qemu(
    qemu_argv: tuple[str, ...],
    boot_timeout: float,
    save_raw: str | None,
    **trace: Any,
) -> None:
    """Run your own QEMU command line, tracing every process of its guest.

    Usage: vmstrace qemu [OPTIONS] -- qemu-system-x86_64 ARG...

    The VM runs as you give it (disks, firmware, its own kernel and bootloader), with
    the capture plugin and a shared RAM backing added, and TCG in place of KVM.  The
    guest kernel is learnt from guest memory once it is up; no kernel file is needed.
    Ends when QEMU does, with QEMU's exit status.
    """
    from vmstrace.userqemu import UserVmResult, run_user_vm

    t = TraceArgs(**trace)

    def go(stack: ExitStack) -> UserVmResult:
        opts = t.options(
            argv=[],
            trace_all=True,
            from_memory=t.symbols is None,
            boot_timeout=boot_timeout,
        )
        return run_user_vm(list(qemu_argv), opts, lambda: t.sinks(stack, opts, True, save_raw))

    result = _or_exit(go)
    click.echo(_counts_line(result.counts), err=True)
    sys.exit(result.exit_status)


@main.command()
@_trace_options
@click.option(
    "--all", "trace_all", is_flag=True, help="Every process in the guest, not only CMD's tree."
)
@click.argument("raw_file", type=click.Path(path_type=Path))
def replay(raw_file: Path, trace_all: bool, **trace: Any) -> None:
    """Decode a raw file (run --save-raw FILE) again, with these options.

    Usage: vmstrace replay [OPTIONS] FILE

    With the live run's options the output is byte for byte what it printed.
    """
    from vmstrace.replay import replay as replay_file

    t = TraceArgs(**trace)

    def go(stack: ExitStack) -> TraceCounts:
        if t.symbols is not None:
            raise VmstraceError("--symbols: a raw file is decoded with its own kernel's layout")
        opts = t.options(argv=[], trace_all=trace_all)
        show_comm = trace_all or opts.filter.guest_wide
        return replay_file(raw_file, opts, lambda: t.sinks(stack, opts, show_comm))

    click.echo(_counts_line(_or_exit(go)), err=True)


@main.command()
@click.argument("trace", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the HTML report to FILE.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report's facts as JSON to FILE.",
)
@click.option(
    "--perfetto",
    "perfetto_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the trace's timeline to FILE (as `vmstrace convert` does).",
)
def report(
    trace: Path, output: str | None, json_path: str | None, perfetto_path: Path | None
) -> None:
    """Report what a JSON trace (`vmstrace run --json`) says the guest did: one
    self-contained HTML page (-o) and/or its facts as JSON (--json), and/or its
    timeline (--perfetto).

    Usage: vmstrace report TRACE.jsonl -o report.html [--json facts.json]
    """
    from vmstrace.convert import convert as convert_trace
    from vmstrace.report.html import write_report
    from vmstrace.report.reader import open_trace, read_trace

    try:
        if output is None and json_path is None and perfetto_path is None:
            raise VmstraceError(
                "say where the report goes: -o report.html, --json FILE and/or --perfetto FILE"
            )
        if perfetto_path is not None:
            result = convert_trace(trace, perfetto_path, "perfetto")
            if result.stopped is not None:
                click.echo(
                    f"vmstrace: {trace}: {result.stopped}: the timeline stops there", err=True
                )
        if output is None and json_path is None:
            return
        with ExitStack() as stack:
            source = stack.enter_context(open_trace(trace))
            page = stack.enter_context(open_output(output, "-o")) if output else None
            facts = stack.enter_context(open_output(json_path, "--json")) if json_path else None
            collected = read_trace(trace, calls=page is not None, f=source)
            for problem in collected.facts.problems:
                click.echo(f"vmstrace: {trace}: {problem}", err=True)
            write_report(collected, page, facts)
    except VmstraceError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(err.exit_code)
    except OSError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(2)


@main.command()
@click.option("--kernel", type=click.Path(path_type=Path), help="Check this bzImage instead.")
@click.option("--line", default=None, help="Fetch this kernel series (e.g. 6.12) instead.")
@_GUEST_OPTION
@_INSTALL_OPTION
def prepare(kernel: Path | None, line: str | None, guest: str, install: tuple[str, ...]) -> None:
    """Fetch and build what a run needs: kernel, initramfs, kernel layout, plugin."""
    from vmstrace.capture.plugin import plugin_path
    from vmstrace.core.files import cache_dir, check_input_file
    from vmstrace.guest.kernel import fetch_default_kernel
    from vmstrace.guest.qemu import find_qemu
    from vmstrace.kernel.layout import load_layout
    from vmstrace.run import RunOptions, build_guest_image

    try:
        cache = cache_dir()
        qemu = find_qemu()
        if kernel is not None:
            check_input_file("--kernel", kernel, "a bzImage")
        image = kernel or fetch_default_kernel(cache, line)
        layout = load_layout(image, cache)
        initrd, _ = build_guest_image(
            RunOptions(argv=[], guest=guest, install=list(install)), cache
        )
        plugin = plugin_path()
    except VmstraceError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(err.exit_code)
    click.echo(f"qemu     {qemu}")
    click.echo(f"kernel   {image}")
    click.echo(f"layout   {layout.release}: current task at per-CPU {layout.percpu_task:#x}")
    click.echo(f"initrd   {initrd}")
    click.echo(f"plugin   {plugin}")


@main.command()
@click.option(
    "--repeat",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="Runs of each workload in each mode (medians are reported).",
)
@click.option(
    "--workload",
    "workloads",
    multiple=True,
    help="boot, syscalls, files, procs, tar, debian (repeatable; default: all).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    help="untraced, vmstrace, strace, plugin-bare, plugin-spec (repeatable; "
    "default: the first three).",
)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Multiply the workloads' sizes by this.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the results as a JSON list to FILE.",
)
@click.option(
    "--record",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Only record the raw capture stream of the first workload to FILE.",
)
@click.option(
    "--decode",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Only time the Python consumer (records to JSON lines) on a recorded FILE.",
)
@click.option(
    "--stages", is_flag=True, help="With --decode: also time the consumer's stages one by one."
)
@click.option(
    "--parallel",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Guests run at once for each sample (each mode with the same number): the cost "
    "of tracing several VMs on one host.",
)
@click.option(
    "--sink",
    "decode_sink",
    default="json",
    show_default=True,
    help="With --decode: the output the consumer writes (to /dev/null): json, text, parquet, "
    "perfetto, json+parquet, json+raw (--save-raw's copy), summary (-c), tree (--tree).",
)
@click.option(
    "-e",
    "qualifiers",
    multiple=True,
    metavar="EXPR",
    help="With --decode: strace's -e trace=SET / status=SET, applied by the consumer.",
)
def bench(
    repeat: int,
    workloads: tuple[str, ...],
    modes: tuple[str, ...],
    scale: float,
    json_path: Path | None,
    record: Path | None,
    decode: Path | None,
    stages: bool,
    parallel: int,
    decode_sink: str,
    qualifiers: tuple[str, ...],
) -> None:
    """Measure what tracing costs: each workload untraced, under vmstrace, under strace."""
    from rich.console import Console

    from vmstrace import bench as b

    console = Console(stderr=True)
    try:
        if decode is None and (stages or qualifiers or decode_sink != "json"):
            raise VmstraceError(
                "--stages, --sink and -e time the consumer on a recording: give --decode FILE"
            )
        if decode is not None:
            result = b.decode_bench(decode, repeat, sink=decode_sink, qualifiers=qualifiers)
            click.echo(b.describe_decode(decode, result))
            if stages:
                click.echo(b.describe_stages(decode, *b.decode_stages(decode, repeat)))
            return
        if record is not None:
            seconds = b.record_raw(record, (workloads or ("syscalls",))[0], scale)
            click.echo(f"recorded {record} ({record.stat().st_size} bytes) in {seconds:.1f} s")
            return
        rows = b.bench(
            list(workloads or b.WORKLOADS),
            list(modes or b.MODES),
            repeat,
            scale,
            progress=lambda text: console.log(text),
            parallel=parallel,
        )
    except VmstraceError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(err.exit_code)
    b.print_table(rows, Console(width=None if sys.stdout.isatty() else 140))
    if json_path is not None:
        b.write_json(rows, json_path)


@main.command()
@click.argument("trace", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--to",
    type=click.Choice(["perfetto", "parquet"]),
    default=None,
    help="Output format  [default: by OUT's suffix: .parquet, .json for Perfetto]",
)
def convert(trace: Path, out: Path, to: str | None) -> None:
    """Convert a JSON lines trace (--json) into a Perfetto timeline or a Parquet table.

    Usage: vmstrace convert TRACE.jsonl OUT.parquet | OUT.json [--to FORMAT]

    A trace that is cut or damaged converts up to the first bad line; the message says
    where it stopped, and the exit status is 1.
    """
    from vmstrace.convert import convert as convert_trace

    try:
        result = convert_trace(trace, out, to)
    except VmstraceError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(err.exit_code)
    if result.stopped is not None:
        click.echo(
            f"vmstrace: {trace}: {result.stopped}; stopped there: the {result.records} "
            f"records before it ({result.syscalls} syscalls) are in {out}",
            err=True,
        )
        sys.exit(1)
    click.echo(f"vmstrace: {result.records} records ({result.syscalls} syscalls) to {out}")


@main.command()
@click.argument("workloads", nargs=-1)
@click.option(
    "--suite",
    "suites",
    multiple=True,
    type=click.Choice(["static", "real", "strace-tests"]),
    help="Run a whole suite: static (conf-*), real (Debian software), strace-tests "
    "(strace 6.1's test programs). Default: static, unless WORKLOADS are named.",
)
@click.option(
    "--smp", type=click.IntRange(1, 16), default=1, show_default=True, help="Number of vCPUs."
)
@click.option(
    "-s",
    "strsize",
    type=click.IntRange(0, 65536),
    default=32,
    show_default=True,
    help="String size, for strace and vmstrace alike.",
)
@click.option("-y", "decode_fds", count=True, help="-y (or -yy) for strace and vmstrace alike.")
@click.option("-x", "hexstr", count=True, help="-x (or -xx) for strace and vmstrace alike.")
@click.option(
    "-X",
    "xlat",
    type=click.Choice(["abbrev", "raw"]),
    default="abbrev",
    show_default=True,
    help="-X for strace and vmstrace alike.",
)
@click.option(
    "--show",
    type=click.IntRange(0),
    default=50,
    show_default=True,
    help="Failing disagreements to print per workload.",
)
@click.option(
    "--listing",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every disagreement, with both renderings, to this file.",
)
def conformance(
    workloads: tuple[str, ...],
    suites: tuple[str, ...],
    smp: int,
    strsize: int,
    decode_fds: int,
    hexstr: int,
    xlat: str,
    show: int,
    listing: Path | None,
) -> None:
    """Run workloads under strace in the guest while vmstrace traces them, and compare the
    two traces per thread (names, returns, argument text, order, signal lines).

    WORKLOADS are names (conf-files, real-tar, strace-chmod); --suite adds whole suites.
    Exits 1 when a workload misses the targets (names 100%, returns 99.9%, arguments 99%,
    nothing out of order, no fake signal line, no disagreement outside the allow-list).
    """
    from rich.console import Console

    from vmstrace import conformance as conf
    from vmstrace import conformance_suites as suites_mod

    console = Console(width=None if sys.stdout.isatty() else 200)
    opts = suites_mod.Options(
        strsize=strsize,
        decode_fds=decode_fds >= 1,
        fd_details=decode_fds >= 2,
        raw=xlat == "raw",
        hexstr=min(hexstr, 2),
    )
    try:
        chosen = suites_mod.select(
            list(workloads), list(suites) or ([] if workloads else ["static"])
        )
        results = suites_mod.run_conformance(
            chosen, smp=smp, opts=opts, progress=lambda text: Console(stderr=True).log(text)
        )
    except VmstraceError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(err.exit_code)
    title = f"vmstrace vs strace (same guest run, {smp} vCPU, strace {opts.label})"
    for renderable in conf.render_report(results, show=show, title=title):
        console.print(renderable)
    if listing is not None:
        try:
            with open_output(listing, "--listing", append=True) as f:
                conf.write_listing(results, f, title)
        except VmstraceError as err:
            click.echo(f"vmstrace: {err}", err=True)
            sys.exit(err.exit_code)
    sys.exit(0 if all(r.meets_targets for r in results) else 1)
