"""One traced run: check the inputs, make the guest (kernel, initramfs, capture spec),
start it (launcher.py), and feed the plugin's records through the consumer (pipeline.py)
to the sinks.

    prepare_guest ─▶ launch ─▶ QEMU + plugin ──records (shared ring)──▶ Pipeline ─▶ sinks
                                   └─ serial lines: console, stdout/stderr, control

Whatever happens (timeout, panic, a signal, a failed output, a bad record), the events
traced so far are flushed to the sinks and the counts, with the reason the run ended
early, close the JSON stream before the error is raised (host.py: how a run ends).
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from vmstrace import decode
from vmstrace.capture.plugin import plugin_path
from vmstrace.capture.records import RecordReader, StreamError
from vmstrace.capture.ring import Ring
from vmstrace.capture.spec import nargs_lines, render_spec, task_read
from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import TraceCounts
from vmstrace.core.files import cache_dir, check_input_file
from vmstrace.decode.fmt import escape
from vmstrace.guest.channels import GuestStatus, Settled, console_excerpt, settle_status
from vmstrace.guest.elfdeps import with_dependencies
from vmstrace.guest.network import Forward, check_network, network_files
from vmstrace.guest.qemu import GuestConfig, find_qemu, ram_below_4g
from vmstrace.host import Interrupted, Outputs, StatusLine, Stop, Workdir, ram_memfd
from vmstrace.kernel.errors import NoBTF
from vmstrace.kernel.fdwalk import render_fdwalk
from vmstrace.kernel.layout import KernelLayout, load_layout
from vmstrace.kernel.live import GuestRam, LiveKernel, LiveKernelError, discover
from vmstrace.kernel.syscall_names import kernel_syscall_names
from vmstrace.launcher import launch
from vmstrace.pipeline import Pipeline
from vmstrace.rawfile import RawHeader, RawWriter
from vmstrace.sinks.base import Sink
from vmstrace.syscalls import TABLES, SyscallTables
from vmstrace.trace.attribution import call_class_lines
from vmstrace.trace.filters import CallFilter


@dataclass
class RunOptions:
    argv: list[str]
    adds: list[tuple[Path, str]] = field(default_factory=list)
    deps: bool = True  # --add of an ELF file brings its interpreter and libraries
    kernel: Path | None = None
    kernel_line: str | None = None  # a Debian kernel series ("6.12") instead of the default
    symbols: Path | None = None  # a volatility3 ISF file instead of the kernel's BTF
    # learn the kernel from guest memory once it is up (kernel/live.py), not from its file
    from_memory: bool = False
    warn: Callable[[str], None] = field(
        default=lambda text: print(f"vmstrace: warning: {text}", file=sys.stderr)
    )
    note: Callable[[str], None] = field(
        default=lambda text: print(f"vmstrace: {text}", file=sys.stderr)
    )
    initrd: Path | None = None
    guest: str = "default"  # GUESTS: the busybox initramfs, or Debian 12 with systemd
    install: list[str] = field(default_factory=list)  # Debian packages (--guest debian)
    net: str | None = None  # the network (guest/network.py); None: the guest's own (guest_net)
    forwards: list[Forward] = field(default_factory=list)  # --forward: host ports into the guest
    memory_mb: int | None = None  # None: the guest's own (guest_memory_mb)
    smp: int = 1
    cpu: str = "max"
    trace_all: bool = False
    trace: bool = True
    strsize: int = 32
    boot_timeout: float = 120.0
    timeout: float | None = None
    filter: CallFilter = field(default_factory=CallFilter)  # -e trace/status, -p, --comm
    raw: bool = False  # -X raw: constants as numbers
    decode_fds: bool = False  # -y: file descriptors with what they refer to
    fd_details: bool = False  # -yy: and sockets' protocol and addresses
    hexstr: int = 0  # -x: strings with a non-ASCII byte in hex; -xx: every string
    buffer_mb: int = 64  # how far the guest may run ahead of the decoder (capture/ring.py)
    # the syscall numbering: the project's, or the guest kernel's once prepare_guest() read it
    tables: SyscallTables = TABLES
    # told the host wall-clock time (ns) just before QEMU starts: trace time 0, to within
    # QEMU's start-up (the plugin's clock starts when QEMU loads it)
    on_start: Callable[[int], None] | None = None
    # the guest kernel's own numbering the tables were renumbered with ({}: none)
    kernel_names: dict[str, dict[int, str]] = field(default_factory=dict)
    save_raw: BinaryIO | None = None  # --save-raw: the record stream kept (rawfile.py)
    status: bool = False  # a live status line on stderr (host.StatusLine); the CLI decides
    origin_ns: int | None = None  # set when QEMU starts (on_start's time)
    # what the run found out, for the outputs that describe it (describe_run)
    kernel_path: Path | None = None  # the bzImage booted (None: the user's VM's own)
    kernel_release: str | None = None  # the guest kernel's banner release, once known


def describe_run(opts: RunOptions, command_line: list[str]) -> dict[str, object]:
    """The run as the Parquet footer and the Perfetto file describe it (docs/columnar.md):
    vmstrace's command line, the guest, its kernel and the options that shape the trace."""
    from importlib.metadata import version

    own_vm = not opts.argv  # vmstrace qemu: the guest is the user's command line's
    return {
        "version": version("vmstrace"),
        "command_line": command_line,
        "argv": opts.argv,
        "guest": "vmstrace qemu: the user's own VM" if own_vm else opts.guest,
        "kernel": None if opts.kernel_path is None else str(opts.kernel_path),
        "kernel_release": opts.kernel_release,
        "smp": None if own_vm else opts.smp,  # (the user's -smp is in command_line)
        "options": {
            "strsize": opts.strsize,
            "raw": opts.raw,
            "decode_fds": opts.decode_fds,
            "fd_details": opts.fd_details,
            "hexstr": opts.hexstr,
            "trace_all": opts.trace_all,
            "symbols": None if opts.symbols is None else str(opts.symbols),
            "from_memory": opts.from_memory,
            "buffer_mb": opts.buffer_mb,
        },
    }


GUESTS = ("default", "debian")
_DEFAULT_MEMORY_MB = 512


def guest_memory_mb(opts: RunOptions) -> int:
    """-m, else what the chosen guest needs."""
    if opts.memory_mb is not None:
        return opts.memory_mb
    if opts.guest == "debian":
        from vmstrace.guest.debian import MIN_MEMORY_MB

        return MIN_MEMORY_MB
    return _DEFAULT_MEMORY_MB


def guest_net(opts: RunOptions) -> str:
    """--net, else the chosen guest's: the Debian guest has a (restricted) network."""
    if opts.net is not None:
        return opts.net
    return "restricted" if opts.guest == "debian" else "off"


def check_guest_options(opts: RunOptions) -> None:
    """--guest, --install, --initrd, --net and --forward agree."""
    if opts.guest not in GUESTS:
        raise VmstraceError(f"--guest {opts.guest}: choose one of {', '.join(GUESTS)}")
    if opts.install and opts.guest != "debian":
        raise VmstraceError("--install adds Debian packages: use it with --guest debian")
    if opts.initrd is not None and opts.guest != "default":
        raise VmstraceError(f"--initrd and --guest {opts.guest} exclude each other")
    if opts.guest == "debian":
        from vmstrace.guest.debian import check_packages

        check_packages(opts.install)
    check_network(guest_net(opts), opts.forwards)


def build_guest_image(opts: RunOptions, cache: Path) -> tuple[Path, dict[str, str]]:
    """The chosen guest's base initramfs, and its top-level symlinks (the per-run overlay
    must put files through them, not replace them)."""
    check_guest_options(opts)
    if opts.initrd is not None:
        return opts.initrd, {}
    if opts.guest == "debian":
        from vmstrace.guest.debian import USR_MERGED, build_debian_initramfs

        return build_debian_initramfs(cache, opts.install), dict(USR_MERGED)
    from vmstrace.guest.image import build_default_initramfs

    return build_default_initramfs(cache), {}


@dataclass
class RunResult:
    exit_status: int
    counts: TraceCounts
    boot_s: float | None = None  # QEMU start to the guest's READY (host monotonic clock)


def _kernel_layout(opts: RunOptions, kernel: Path, cache: Path) -> KernelLayout | None:
    """The kernel's layout from --symbols, else its BTF; None (with a warning) when the
    kernel has no BTF and no symbols were given: attribution by CR3 only."""
    try:
        return load_layout(kernel, cache, opts.symbols)
    except NoBTF as err:
        opts.warn(
            f"{err}; without BTF or --symbols FILE (a volatility3 ISF) calls are "
            "attributed by address space (CR3) only, and every process is traced"
        )
        return None


def _kernel_tables(
    opts: RunOptions, kernel: Path, cache: Path, layout: KernelLayout | None
) -> SyscallTables:
    """The syscalls numbered as the guest kernel does when its own image was read (BTF);
    otherwise, or where the kernel cannot say, as the project's tables do."""
    if layout is None or opts.symbols is not None:
        return TABLES
    found = kernel_syscall_names(kernel, cache)
    if found.reason:
        opts.warn(f"syscall names: {found.reason}; the project's tables name those calls")
    opts.kernel_names = {abi: dict(t) for abi, t in found.names.items()}
    return TABLES.renumbered(found.names)


def capture_spec(opts: RunOptions, layout: KernelLayout | None) -> str:
    tables = opts.tables
    plans = decode.Plans(tables)
    dopts = decode.DecodeOptions(
        strsize=opts.strsize,
        decode_fds=opts.decode_fds,
        exe_paths=layout is not None and bool(layout.fdwalk),
    )
    nargs = nargs_lines(
        {
            tag: {nr: decode.registers_used(abi, nr, plans) for nr in tables[abi]}
            for abi, tag in (("x86_64", "64"), ("i386", "32"))
        }
    )
    if layout is None:  # no attribution: no task reads, and no process tree to follow
        if opts.decode_fds:
            raise VmstraceError("-y needs the kernel's BTF or --symbols FILE")
        opts.trace_all = True
        entries = decode.capture_entries(dopts, tables)
        return render_spec(None, entries, call_class_lines(tables) + nargs)
    extra = call_class_lines(tables) + nargs
    if opts.decode_fds and not layout.fdwalk:
        raise VmstraceError(
            "-y: the kernel's type information lacks a struct vmstrace needs to resolve "
            "file descriptors; run without -y"
        )
    if layout.fdwalk:  # the executable after an exec (the JSON's exe) is read through it
        extra.append(render_fdwalk(layout.fdwalk))
    return render_spec(task_read(layout), decode.capture_entries(dopts, tables), extra)


def prepare_guest(opts: RunOptions, workdir: Path) -> tuple[GuestConfig, str | None]:
    """Kernel, initramfs and capture spec for a run; every input checked first."""
    from vmstrace.guest.image import concat_initrd, make_overlay
    from vmstrace.guest.kernel import fetch_default_kernel

    cache = cache_dir()
    check_guest_options(opts)
    for host, _ in opts.adds:
        if not host.exists():
            raise VmstraceError(f"--add: {host} does not exist")
    if opts.kernel is not None:
        check_input_file("--kernel", opts.kernel, "a bzImage")
    if opts.initrd is not None:
        check_input_file("--initrd", opts.initrd, "an initramfs")
    if opts.kernel is not None and opts.kernel_line is not None:
        raise VmstraceError("--kernel and --kernel-line exclude each other")
    kernel = opts.kernel or fetch_default_kernel(cache, opts.kernel_line)
    opts.kernel_path = kernel
    spec = None
    if opts.trace and opts.from_memory and opts.symbols is not None:
        raise VmstraceError("--kernel-from-memory and --symbols exclude each other")
    if opts.trace and not opts.from_memory:
        layout = _kernel_layout(opts, kernel, cache)
        opts.kernel_release = None if layout is None else layout.release
        opts.tables = _kernel_tables(opts, kernel, cache, layout)
        opts.filter = opts.filter.for_tables(opts.tables)
        spec = capture_spec(opts, layout)
    base, links = build_guest_image(opts, cache)
    adds = with_dependencies(opts.adds) if opts.deps else opts.adds
    net = guest_net(opts)
    if net != "off":  # the modules the device needs, for the guest's vmstrace-net
        adds = [*adds, *network_files(kernel, workdir)]
    overlay = make_overlay(opts.argv, adds, workdir / "overlay.cpio", links=links)
    initrd = concat_initrd(base, overlay, workdir / "initrd.img")
    cfg = GuestConfig(
        kernel=kernel,
        initrd=initrd,
        memory_mb=guest_memory_mb(opts),
        smp=opts.smp,
        cpu=opts.cpu,
        net=net,
        forwards=tuple(opts.forwards),
    )
    return cfg, spec


ASK_LINE = re.compile(rb"kernel cr3=0x([0-9a-f]{1,16}) cr4=0x([0-9a-f]{1,16})\n")


class KernelProbe:
    """The guest kernel learnt from its memory while the guest waits (the plugin's ask=
    and answer=, native/vmstrace_plugin.c: await_spec).

    The first system call stops the guest's vCPUs and sends CR3 and CR4 on the ask pipe;
    a thread here reads the kernel out of the RAM file (kernel/live.py), sets the run's
    syscall tables and filter from it, and answers with the whole capture spec.  The
    decoder starts once :meth:`wait` returns, so it decodes with the kernel's numbering
    from the first record on.  A kernel that cannot be learnt ends the run (Stop.fail)
    with the error that says why; the plugin is answered with nothing, and records
    registers only until QEMU is stopped.
    """

    def __init__(
        self,
        opts: RunOptions,
        ram: GuestRam,
        stop: Stop,
        cache: Path,
        boot_timeout: float | None = None,
    ) -> None:
        self.opts, self.ram, self.stop, self.cache = opts, ram, stop, cache
        self.boot_timeout = boot_timeout  # seconds to the first system call; None: no limit
        self.ask_r, self.ask_w = os.pipe()
        self.answer_r, self.answer_w = os.pipe()
        self.kernel: LiveKernel | None = None
        self.asked = False  # the plugin asked: the guest made a system call
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def plugin_args(self) -> dict[str, str]:
        return {"ask": f"/dev/fd/{self.ask_w}", "answer": f"/dev/fd/{self.answer_r}"}

    def child_fds(self) -> list[int]:
        return [self.ask_w, self.answer_r]

    def started(self) -> None:
        """QEMU holds its ends: close ours (QEMU's exit is then the ask pipe's end)."""
        for fd in self.child_fds():
            os.close(fd)
        self.thread.start()

    def started_not(self) -> None:
        """QEMU did not start: every end is ours to close."""
        for fd in (*self.child_fds(), self.ask_r, self.answer_w):
            os.close(fd)

    def wait(self) -> None:
        """Until the plugin was answered, or QEMU ended without asking."""
        self.thread.join()

    def refused(self, reader: RecordReader | None) -> bool:
        """Whether the plugin, answered with a spec, went on without it: it refuses a spec
        that does not load (await_spec) by tracing registers only, no task fields."""
        return self.kernel is not None and reader is not None and reader.task_bytes == 0

    def close(self) -> None:
        """After :meth:`wait`: the pipes and the RAM mapping."""
        self.ram.close()
        os.close(self.ask_r)
        if self.answer_w >= 0:
            os.close(self.answer_w)
            self.answer_w = -1

    def _read_ask(self) -> bytes:
        line = b""
        deadline = None if self.boot_timeout is None else time.monotonic() + self.boot_timeout
        while len(line) < 256 and not line.endswith(b"\n"):
            if deadline is not None and time.monotonic() > deadline:
                raise VmstraceError(
                    f"the guest made no system call within --boot-timeout "
                    f"{self.boot_timeout:g} s: it did not boot a Linux kernel (check the disk "
                    "image, the boot order and QEMU's console), or it needs longer"
                )
            ready, _, _ = select.select([self.ask_r], [], [], 0.5)
            if ready:
                chunk = os.read(self.ask_r, 256 - len(line))
                if not chunk:
                    break  # QEMU ended without a system call
                line += chunk
        return line

    def _serve(self) -> None:
        try:
            line = self._read_ask()
            if not line:
                return
            self.asked = True
            m = ASK_LINE.fullmatch(line)
            if m is None:
                raise VmstraceError(
                    f"the plugin asked for the kernel in a form not known: {line!r}"
                )
            cr3, cr4 = int(m.group(1), 16), int(m.group(2), 16)
            began = time.monotonic()
            kernel = discover(self.ram, cr3, cr4, self.cache)
            self.kernel = kernel
            opts = self.opts
            if kernel.names.reason:
                opts.warn(
                    f"syscall names: {kernel.names.reason}; the project's tables name those calls"
                )
            opts.tables = TABLES.renumbered(kernel.names.names)
            opts.kernel_names = {abi: dict(t) for abi, t in kernel.names.names.items()}
            opts.kernel_release = kernel.layout.release
            opts.filter = opts.filter.for_tables(opts.tables)
            spec = capture_spec(opts, kernel.layout)
            opts.note(
                f"guest kernel {kernel.layout.release or '(no banner)'} learnt from its memory "
                f"in {time.monotonic() - began:.2f} s" + (" (cached)" if kernel.cached else "")
            )
            with os.fdopen(self.answer_w, "w", closefd=True) as f:
                self.answer_w = -1
                f.write(spec)
        except VmstraceError as err:
            self.stop.fail("kernel-unknown", err)
        except OSError as err:  # the plugin went away: QEMU is ending
            if self.stop.reason is None:  # (if for a reason of its own, that one is said)
                self.stop.fail("kernel-unknown", VmstraceError(f"answering the plugin: {err}"))
        except Exception as err:  # a bug in the reading: the run must not go on untraced
            why = f"{type(err).__name__}: {err}"
            self.stop.fail("kernel-unknown", LiveKernelError(why))
        finally:
            if self.answer_w >= 0:
                os.close(self.answer_w)
                self.answer_w = -1


def run(
    opts: RunOptions,
    sinks: list[Sink] | Callable[[], list[Sink]],
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> RunResult:
    """Boots the guest, runs ``opts.argv`` in it, and traces it into ``sinks``.

    ``sinks`` may be a function that makes them: it is called once every input (kernel,
    --add paths, symbols, options) has been checked, so that a bad input leaves the
    user's output files as they were.  However the run ends (host.py), the sinks are
    closed with counts that say why."""
    if opts.smp < 1 or opts.smp > 32:
        raise VmstraceError(f"--smp {opts.smp}: choose 1 to 32 vCPUs")
    if guest_memory_mb(opts) < 128:
        raise VmstraceError(f"-m {opts.memory_mb}: the guest needs at least 128 MB")
    stdout = stdout or sys.stdout.buffer
    stderr = stderr or sys.stderr.buffer
    qemu = find_qemu()
    plugin = plugin_path() if opts.trace else None
    stop = Stop()
    outputs = Outputs(stop)
    guarded = [] if callable(sinks) else outputs.guard(sinks)
    ram = -1
    with stop.signals():
        workdir = Workdir()
        try:
            cfg, spec = prepare_guest(opts, workdir.path)
            if callable(sinks):
                guarded = outputs.guard(sinks())
            # Traced or not, guest RAM is the same shared memory, so that --no-trace is the
            # very same machine (the backing alone moved the tar workload's time by 10%).
            ram = ram_memfd(cfg.ram_bytes)
            cfg = replace(cfg, ram_file=Path(f"/dev/fd/{ram}"))
            result = _run_guest(
                qemu, cfg, spec, plugin, opts, guarded, stdout, stderr, workdir, stop, outputs, ram
            )
        except BaseException as err:
            close_unstarted(guarded, err)  # (if _run_guest had not closed them)
            raise
        finally:
            if ram >= 0:
                os.close(ram)
            outputs.close()
            workdir.remove()
    return result


def pipeline_for(
    opts: RunOptions, sinks: list[Sink], vcpus: int, tables: SyscallTables | None = None
) -> Pipeline:
    """The consumer with ``opts``'s decoding and filter options (run, qemu, replay)."""
    return Pipeline(
        sinks,
        strsize=opts.strsize,
        raw=opts.raw,
        decode_fds=opts.decode_fds,
        fd_details=opts.fd_details,
        hexstr=opts.hexstr,
        filt=opts.filter,
        trace_all=opts.trace_all,
        vcpus=vcpus,
        tables=opts.tables if tables is None else tables,
    )


def close_outputs(sinks: list[Sink], counts: TraceCounts, raw: RawWriter | None) -> None:
    """The end of a trace: the raw file's trailer, then every sink closed with the counts
    (their stats record)."""
    if raw is not None:
        raw.finish(counts.reason, counts.guest_stalled_s)
    for sink in sinks:
        sink.close(counts)


def close_unstarted(sinks: list[Sink], err: BaseException) -> None:
    """The outputs of a run that ended before its trace began (QEMU did not start, or a
    signal came first): nothing traced, and a stats record that says why."""
    reason = "interrupted" if isinstance(err, Interrupted) else "start-failed"
    for sink in sinks:
        if not getattr(sink, "closed", False):
            sink.close(Pipeline([]).counts(reason))


def _status_text(live: list[Pipeline], began: float, last: list[tuple[float, int]]) -> str:
    """The status line: calls shown, records read, their rate over the last update."""
    now = time.monotonic()
    p = live[0] if live else None
    records = 0 if p is None or p.reader is None else p.reader.delivered
    then, before = last[0] if last else (began, 0)
    last[:] = [(now, records)]
    rate = (records - before) / max(now - then, 1e-3)
    return (
        f"vmstrace: {0 if p is None else p.shown:,} calls shown, {records:,} records, "
        f"{rate:,.0f} records/s, {now - began:.0f} s"
    )


def trace_origin(opts: RunOptions) -> Callable[[int], None]:
    """The on_start that also keeps the trace's time origin (the raw file's header)."""

    def on_start(ns: int) -> None:
        opts.origin_ns = ns
        if opts.on_start is not None:
            opts.on_start(ns)

    return on_start


def raw_writer(opts: RunOptions, vcpus: int) -> RawWriter:
    """--save-raw's writer: the header from what the run decodes with."""
    assert opts.save_raw is not None
    return RawWriter(
        opts.save_raw,
        RawHeader(
            kernel_names=opts.kernel_names,
            strsize=opts.strsize,
            decode_fds=opts.decode_fds,
            fd_details=opts.fd_details,
            vcpus=vcpus,
            origin_ns=opts.origin_ns,
            kernel=opts.kernel_release or "",
            argv=list(opts.argv),
        ),
    )


def ram_plugin_args(cfg: GuestConfig) -> dict[str, str]:
    """The plugin's ram=, ram_size=, ram_low= arguments for a guest with a RAM file."""
    if cfg.ram_file is None:
        return {}
    return {
        "ram": str(cfg.ram_file),
        "ram_size": str(cfg.ram_bytes),
        "ram_low": str(ram_below_4g(cfg.ram_bytes)),
    }


def _run_guest(
    qemu: str,
    cfg: GuestConfig,
    spec: str | None,
    plugin: Path | None,
    opts: RunOptions,
    sinks: list[Sink],
    stdout: BinaryIO,
    stderr: BinaryIO,
    workdir: Workdir,
    stop: Stop,
    outputs: Outputs,
    ram: int,
) -> RunResult:
    def flush_sinks() -> None:  # the decoder caught up: show the trace so far
        for sink in sinks:
            sink.flush()

    ring = Ring(opts.buffer_mb << 20, idle=flush_sinks) if plugin is not None else None
    plugin_args = None
    probe = None
    if ring is not None and spec is not None:
        (workdir.path / "spec.txt").write_text(spec)
        plugin_args = ring.plugin_args() | {"spec": str(workdir.path / "spec.txt")}
        plugin_args |= ram_plugin_args(cfg)
    elif ring is not None and opts.from_memory:
        guest_ram = GuestRam.open(ram, cfg.ram_bytes, ram_below_4g(cfg.ram_bytes))
        probe = KernelProbe(opts, guest_ram, stop, cache_dir())
        plugin_args = ring.plugin_args() | probe.plugin_args() | ram_plugin_args(cfg)
    if ring is not None:
        stop.progress = ring.written
    log = cache_dir() / "last-console.log"
    live: list[Pipeline] = []
    began = time.monotonic()
    last: list[tuple[float, int]] = []
    line = StatusLine(sys.stderr, lambda: _status_text(live, began, last)) if opts.status else None
    out_write, err_write = outputs.writer(stdout), outputs.writer(stderr)
    if line is not None:
        out_write, err_write = line.relay(out_write), line.relay(err_write)
        line.start()
    try:
        guest = launch(
            qemu,
            cfg,
            stop=stop,
            stdout=out_write,
            stderr=err_write,
            log=log,
            plugin=plugin,
            plugin_args=plugin_args,
            pass_fds=[ram]
            + (ring.child_fds() if ring else [])
            + (probe.child_fds() if probe else []),
            boot_timeout=opts.boot_timeout,
            timeout=opts.timeout,
            workdir=workdir,
            on_start=trace_origin(opts),
        )
    except BaseException:
        if ring is not None:
            ring.close()
        if probe is not None:
            probe.started_not()
        if line is not None:
            line.stop()
        raise
    if ring is not None:
        ring.started()
    if probe is not None:
        probe.started()
    proc, status = guest.proc, guest.status
    try:
        if probe is not None:
            probe.wait()  # the decoder needs the kernel's numbering from the first record
    finally:
        if probe is not None:
            probe.close()

    pipeline = pipeline_for(opts, sinks, cfg.smp)
    live.append(pipeline)
    raw = None if ring is None or opts.save_raw is None else raw_writer(opts, cfg.smp)
    stream_error: Exception | None = None
    try:
        if ring is not None:
            with ring:
                try:
                    pipeline.consume(ring if raw is None else raw.tee(ring))
                except StreamError as err:
                    if pipeline.reader is not None:  # nothing more can be read: the run ends
                        stop.request("stream-error")
                        stream_error = err
                    elif proc.wait() == 0:
                        stream_error = err
                    # else: QEMU failed before the plugin started; reported below
        pipeline.drain()  # the calls in flight, without a return (`= ?`)
    except BaseException:  # a bug: QEMU must not outlive it
        stop.request("internal-error")
        raise
    finally:
        proc.wait()
        stop.finished()
        guest.wait()
        if line is not None:
            line.stop()
        if probe is not None and probe.refused(pipeline.reader):
            said = [b for b in guest.qemu_output().splitlines() if b.startswith(b"vmstrace plugin")]
            stop.fail(
                "kernel-unknown",
                VmstraceError(
                    "the plugin did not take the capture spec learnt from guest memory (a "
                    "vmstrace bug), so nothing was attributed"
                    + "".join(f"\n{escape(b.decode('utf-8', 'replace'))}" for b in said)
                ),
            )
        reason = stop.reason
        # (the console and the control line are the guest's to write: they decide nothing
        # once the trace saw the command end)
        ended = pipeline.outcome.status is not None
        if reason is None:
            if status.panic is not None and not ended:
                reason = "kernel-panic"
            elif stream_error is not None:
                reason = "stream-error"
            elif not ended and status.exit_status is None and status.not_found is None:
                reason = "qemu-exited"
        counts = pipeline.counts(reason, None if ring is None else ring.stalled_s)
        close_outputs(sinks, counts, raw)
    error = stop.error()
    if error is not None:
        raise error
    outcome = pipeline.outcome
    settled = settle_status(
        status,
        outcome.status,
        outcome.started if outcome.root is not None else None,
        traced_run=ring is not None,
    )
    for text in settled.warnings:
        opts.warn(text)
    _raise_for_guest(proc, status, settled, stream_error, guest.qemu_output(), opts, log)
    assert settled.exit_status is not None
    return RunResult(exit_status=settled.exit_status, counts=counts, boot_s=guest.boot_s)


def _raise_for_guest(
    proc: subprocess.Popen[bytes],
    status: GuestStatus,
    settled: Settled,
    stream_error: Exception | None,
    qemu_out: bytes,
    opts: RunOptions,
    log: Path,
) -> None:
    tail = console_excerpt(status)
    if settled.not_found is not None:
        raise VmstraceError(
            f"command not found in the guest: {escape(settled.not_found)}\n"
            f"copy it in with --add HOST_PATH:GUEST_PATH (a static binary, or with its "
            f"libraries), or use a path that exists in the guest",
            exit_code=127,
        )
    if status.killed_for == "boot":
        raise VmstraceError(
            f"the guest did not boot within {opts.boot_timeout:.0f} s (no READY from its init); "
            f"check the kernel and initramfs, or raise --boot-timeout. Console "
            f"({log}):\n{tail}"
        )
    if status.killed_for == "timeout":
        if settled.exit_status is None:
            raise VmstraceError(
                f"the command did not finish within --timeout {opts.timeout} "
                "s; the guest was stopped and the trace so far written"
            )
        opts.warn(
            f"--timeout {opts.timeout} s stopped the guest after the command ended "
            f"(status {settled.exit_status}); what ran after it may be missing"
        )
    if status.panic is not None and settled.exit_status is None:
        raise VmstraceError(
            f"the guest kernel panicked: {escape(status.panic)}\nconsole ({log}):\n{tail}"
        )
    if stream_error is not None:
        raise VmstraceError(f"{stream_error}")
    if settled.exit_status is None:
        detail = qemu_out.decode("utf-8", "replace").strip()  # the host's QEMU's words
        ended = (
            f"was killed by {signal.Signals(-proc.returncode).name}"
            if proc.returncode < 0
            else f"exited with status {proc.returncode}"
        )
        raise VmstraceError(
            f"QEMU {ended} before the command finished; the trace so far was written"
            + (f":\n    {detail}" if detail else "")
            + (f"\nconsole ({log}):\n{tail}" if tail else "")
        )
