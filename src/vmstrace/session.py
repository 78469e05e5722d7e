"""One traced run: boot the guest under QEMU with the capture plugin, run the command,
stream its system calls through pairing → decoding → attribution → sinks.

    QEMU + plugin ──records (pipe)──▶ RecordReader ─▶ Pairer ─▶ ProcessTree filter
        │                                               ─▶ decode ─▶ sinks (text, JSON)
        └─ ttyS0 console log, ttyS1/2 command stdout/stderr, ttyS3 control (READY, EXIT n)

Whatever happens (timeout, panic, a signal, a failed output, a bad record), the events
traced so far are flushed to the sinks and the counts, with the reason the run ended
early, close the JSON stream before the error is raised (host.py: how a run ends).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from vmstrace import _decoder, decode
from vmstrace.capture.plugin import plugin_path
from vmstrace.capture.records import RecordReader, StreamError
from vmstrace.capture.ring import Ring
from vmstrace.capture.spec import nargs_lines, render_spec, task_read
from vmstrace.core.abi import ARG_EXE, ARG_RAX, ARG_SIGFRAME
from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import (
    EndEvent,
    RawEntry,
    RawExit,
    Stats,
    Syscall,
    TaskInfo,
    ThreadEnd,
    TraceCounts,
    TraceEvent,
)
from vmstrace.core.files import cache_dir, check_input_file
from vmstrace.decode import fdpath
from vmstrace.decode.consts.signals import SIGNALS
from vmstrace.decode.fmt import escape
from vmstrace.decode.siginfo import format_siginfo, parse_frame
from vmstrace.guest.channels import (
    GuestStatus,
    Settled,
    console_excerpt,
    new_nonce,
    read_console,
    read_control,
    settle_status,
)
from vmstrace.guest.qemu import (
    SERIAL_LINES,
    GuestConfig,
    find_qemu,
    qemu_command,
    ram_below_4g,
)
from vmstrace.host import Interrupted, Outputs, Stop, Workdir, ram_memfd, start_qemu
from vmstrace.kernel.errors import NoBTF
from vmstrace.kernel.fdwalk import render_fdwalk
from vmstrace.kernel.isf import layout_from_isf
from vmstrace.kernel.layout import KernelLayout, load_layout
from vmstrace.kernel.syscall_names import kernel_syscall_names
from vmstrace.sinks.base import Sink
from vmstrace.trace.attribution import (
    FORKS,
    ProcessTree,
    call_class_lines,
    decode_task,
    normalize_cr3,
    task_id,
)
from vmstrace.trace.filters import EVERY_CALL, CallFilter
from vmstrace.trace.outcome import OBSERVED, CommandOutcome
from vmstrace.trace.pairing import Pairer


@dataclass
class RunOptions:
    argv: list[str]
    adds: list[tuple[Path, str]] = field(default_factory=list)
    kernel: Path | None = None
    kernel_line: str | None = None  # a Debian kernel series ("6.12") instead of the default
    symbols: Path | None = None  # a volatility3 ISF file instead of the kernel's BTF
    warn: Callable[[str], None] = field(
        default=lambda text: print(f"vmstrace: warning: {text}", file=sys.stderr)
    )
    initrd: Path | None = None
    memory_mb: int = 512
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
    buffer_mb: int = 64  # how far the guest may run ahead of the decoder (capture/ring.py)
    # told the host wall-clock time (ns) just before QEMU starts: trace time 0, to within
    # QEMU's start-up (the plugin's clock starts when QEMU loads it)
    on_start: Callable[[int], None] | None = None


@dataclass
class RunResult:
    exit_status: int
    counts: TraceCounts
    boot_s: float | None = None  # QEMU start to the guest's READY (host monotonic clock)


def _relay(fd: int, write: Callable[[bytes], None]) -> None:
    with os.fdopen(fd, "rb", buffering=0) as f:
        while chunk := f.read(65536):
            write(chunk)


_decoder.configure(TraceEvent, Syscall, RawEntry, RawExit)


def _configure_lane() -> None:
    """What the emitter's compiled lane (_decoder.c) needs of the Python side, once."""
    _decoder.configure_lane(
        decode.CallPlan,
        decode.fmt.Ctx,
        TaskInfo,
        decode._PLANS,
        FORKS,
        decode._failure_text,
        decode._errno_name,
        decode._success_text,
        ARG_SIGFRAME,
        ARG_EXE,
        OBSERVED,
    )


_configure_lane()
_event = _decoder.event


class Decoder:
    """Turns a paired Syscall into the TraceEvent every sink receives."""

    def __init__(
        self, strsize: int, raw: bool = False, decode_fds: bool = False, fd_details: bool = False
    ) -> None:
        self.opts = decode.DecodeOptions(
            strsize=strsize, raw=raw, decode_fds=decode_fds, fd_details=fd_details
        )
        # each process's executable: read after its execve, else inherited from its parent
        self._exe: dict[int, str] = {}
        # the event fields that depend on the thread alone (pid ... task id), per TaskInfo:
        # the reader hands a thread's records one shared TaskInfo (decode_task's cache),
        # so they are worked out once per thread.  Keyed by id(); the entry holds its
        # TaskInfo, so the id cannot be reused by another object while it is cached.
        self._threads: dict[int, tuple[TaskInfo, _decoder.ThreadFields]] = {}

    def _exe_of(self, who: TaskInfo, x: RawExit | None) -> str | None:
        pid = who.pid
        if pid is None:
            return None
        if x is not None and ARG_EXE in x.mem:
            shown = fdpath.describe(x.mem[ARG_EXE])
            if shown is not None:
                if len(self._exe) > 65536:  # a bound on guest-driven state
                    self._exe.clear()
                self._exe[pid] = shown
                return shown
        exe = self._exe.get(pid)
        ppid = who.ppid
        if exe is None and ppid is not None and ppid in self._exe:
            exe = self._exe[pid] = self._exe[ppid]
        return exe

    def forget(self, pid: int | None) -> None:
        """Process ``pid`` was reaped: the pid is free for another process."""
        self._exe.pop(pid, None)  # type: ignore[arg-type]

    def _thread(self, who: TaskInfo) -> tuple[TaskInfo, _decoder.ThreadFields]:
        if len(self._threads) >= 4096:  # a bound on guest-driven state
            self._threads.clear()
        fields = (
            who.pid,
            who.tid,
            who.ppid,
            who.comm,
            normalize_cr3(who.cr3),
            who.uid,
            who.euid,
            task_id(who),
        )
        known = self._threads[id(who)] = (who, fields)
        return known

    def __call__(self, call: Syscall, plan: decode.CallPlan | None = None) -> TraceEvent:
        """The event of ``call``; ``plan`` is its decode.plan_for() when the caller has it."""
        e, x = call.entry, call.exit
        who = e.who
        if plan is None:
            plan = decode.plan_for(e.abi, e.nr)
        try:
            args, ret_text, error = decode.decode_call(call, self.opts, plan)
        except Exception as err:  # a decoder bug must not lose the event
            args = tuple(hex(a) for a in e.args)
            ret_text = f"{call.ret} /* decoder error: {type(err).__name__} */"
            error = None
        known = self._threads.get(id(who))
        if known is None or known[0] is not who:
            known = self._thread(who)
        exes, pid = self._exe, who.pid
        if x is not None and ARG_EXE in x.mem:
            exe = self._exe_of(who, x)  # a new program: its executable
        elif exes and pid is not None:
            exe = exes.get(pid) or self._exe_of(who, None)  # the process's, or its parent's
        else:
            exe = None  # no executable known (yet, or ever: the exe capture is optional)
        name = decode.call_name(call, plan) if plan.socketcall else plan.name
        # the thread's prepared fields plus the call's own, into the event's slots, in C
        # (_decoder.c)
        return _event(known[1], call, name, args, ret_text, error, exe)


def _kernel_layout(opts: RunOptions, kernel: Path, cache: Path) -> KernelLayout | None:
    """The kernel's layout from --symbols, else its BTF; None (with a warning) when the
    kernel has no BTF and no symbols were given: attribution by CR3 only."""
    if opts.symbols is not None:
        check_input_file("--symbols", opts.symbols, "a volatility3 ISF (.json or .json.xz)")
        return layout_from_isf(opts.symbols)
    try:
        return load_layout(kernel, cache)
    except NoBTF as err:
        opts.warn(
            f"{err}; without BTF or --symbols FILE (a volatility3 ISF) calls are "
            "attributed by address space (CR3) only, and every process is traced"
        )
        return None


def _use_kernel_names(
    opts: RunOptions, kernel: Path, cache: Path, layout: KernelLayout | None
) -> None:
    """Number the syscalls as the guest kernel does when its own image was read (BTF);
    otherwise, or where the kernel cannot say, the project's tables name them."""
    if layout is None or opts.symbols is not None:
        decode.use_kernel_names(None)
        return
    found = kernel_syscall_names(kernel, cache)
    if found.reason:
        opts.warn(f"syscall names: {found.reason}; the project's tables name those calls")
    decode.use_kernel_names(found.names)


def _capture_spec(opts: RunOptions, layout: KernelLayout | None) -> str:
    dopts = decode.DecodeOptions(
        strsize=opts.strsize,
        decode_fds=opts.decode_fds,
        exe_paths=layout is not None and bool(layout.fdwalk),
    )
    nargs = nargs_lines(
        {
            tag: {nr: decode.registers_used(abi, nr) for nr in decode.TABLES[abi]}
            for abi, tag in (("x86_64", "64"), ("i386", "32"))
        }
    )
    if layout is None:  # no attribution: no task reads, and no process tree to follow
        if opts.decode_fds:
            raise VmstraceError("-y needs the kernel's BTF or --symbols FILE")
        opts.trace_all = True
        return render_spec(None, decode.capture_entries(dopts), call_class_lines() + nargs)
    extra = call_class_lines() + nargs
    if opts.decode_fds and not layout.fdwalk:
        raise VmstraceError(
            "-y: the kernel's type information lacks a struct vmstrace needs to resolve "
            "file descriptors; run without -y"
        )
    if layout.fdwalk:  # the executable after an exec (the JSON's exe) is read through it
        extra.append(render_fdwalk(layout.fdwalk))
    return render_spec(task_read(layout), decode.capture_entries(dopts), extra)


def prepare_guest(opts: RunOptions, workdir: Path) -> tuple[GuestConfig, str | None]:
    """Kernel, initramfs and capture spec for a run; every input checked first."""
    from vmstrace.guest.image import build_default_initramfs, concat_initrd, make_overlay
    from vmstrace.guest.kernel import fetch_default_kernel

    cache = cache_dir()
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
    spec = None
    if opts.trace:
        layout = _kernel_layout(opts, kernel, cache)
        _use_kernel_names(opts, kernel, cache, layout)
        spec = _capture_spec(opts, layout)
    base = opts.initrd or build_default_initramfs(cache)
    overlay = make_overlay(opts.argv, opts.adds, workdir / "overlay.cpio")
    initrd = concat_initrd(base, overlay, workdir / "initrd.img")
    cfg = GuestConfig(
        kernel=kernel, initrd=initrd, memory_mb=opts.memory_mb, smp=opts.smp, cpu=opts.cpu
    )
    return cfg, spec


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
    if opts.memory_mb < 128:
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
            # ended before _run_guest closed the outputs (QEMU did not start, or a signal
            # came first): nothing traced, and the outputs still get a stats record saying so
            reason = "interrupted" if isinstance(err, Interrupted) else "start-failed"
            for sink in guarded:
                if not getattr(sink, "closed", False):
                    sink.close(_counts(Pairer(), None, None, 0, reason))
            raise
        finally:
            if ram >= 0:
                os.close(ram)
            outputs.close()
            workdir.remove()
    return result


def _counts(
    pairer: Pairer, reader: RecordReader | None, ring: Ring | None, shown: int, reason: str | None
) -> TraceCounts:
    stats = pairer.stats
    return TraceCounts(
        produced=None if stats is None else stats.records,
        delivered=0 if reader is None else reader.delivered,
        dropped=None if stats is None else stats.dropped,
        entries=pairer.counts.entries,
        exits=pairer.counts.exits,
        paired=pairer.counts.paired,
        unfinished=pairer.counts.unfinished,
        no_return=pairer.counts.no_return,
        orphan_exits=pairer.counts.orphan_exits,
        held=pairer.counts.held,
        gaps=pairer.counts.gaps,
        stale=pairer.counts.stale,
        evicted=pairer.counts.evicted + (0 if stats is None else stats.evicted),
        shown=shown,
        guest_stalled_s=None if ring is None else ring.stalled_s,
        reason=reason,
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
    # a per-run token on the launcher's control lines: it tells them from accidental junk
    # (not from forgeries: the guest reads it on /proc/cmdline; guest/channels.py)
    status = GuestStatus(nonce=new_nonce())
    cfg = replace(cfg, append=f"{cfg.append} vmstrace.nonce={status.nonce}")
    pipes = {line: os.pipe() for line in SERIAL_LINES}

    def flush_sinks() -> None:  # the decoder caught up: show the trace so far
        for sink in sinks:
            sink.flush()

    ring = Ring(opts.buffer_mb << 20, idle=flush_sinks) if plugin is not None else None
    plugin_args = None
    if ring is not None and spec is not None:
        (workdir.path / "spec.txt").write_text(spec)
        plugin_args = ring.plugin_args() | {"spec": str(workdir.path / "spec.txt")}
        plugin_args |= ram_plugin_args(cfg)
    cmd = qemu_command(qemu, cfg, {k: w for k, (_, w) in pipes.items()}, plugin, plugin_args)
    keep = [w for _, w in pipes.values()]
    started = time.monotonic()
    if opts.on_start is not None:
        opts.on_start(time.time_ns())
    if ring is not None:
        stop.progress = ring.written
    try:
        with stop.starting():
            proc = start_qemu(cmd, keep + [ram] + (ring.child_fds() if ring else []))
            stop.started(proc)
    except BaseException:
        if ring is not None:
            ring.close()
        for r, _ in pipes.values():
            os.close(r)
        raise
    finally:
        for fd in keep:
            os.close(fd)
    if ring is not None:
        ring.started()
    log = cache_dir() / "last-console.log"
    threads = [
        threading.Thread(target=read_console, args=(pipes["console"][0], status, log), daemon=True),
        threading.Thread(
            target=_relay, args=(pipes["stdout"][0], outputs.writer(stdout)), daemon=True
        ),
        threading.Thread(
            target=_relay, args=(pipes["stderr"][0], outputs.writer(stderr)), daemon=True
        ),
        threading.Thread(target=read_control, args=(pipes["control"][0], status), daemon=True),
    ]
    qemu_out: list[bytes] = []
    threads.append(
        threading.Thread(
            target=lambda: qemu_out.append(proc.stdout.read() if proc.stdout else b""), daemon=True
        )
    )
    for t in threads:
        t.start()
    watchdog = threading.Thread(
        target=_watchdog, args=(proc, status, opts, stop, workdir), daemon=True
    )
    watchdog.start()

    pairer = Pairer(vcpus=cfg.smp)
    out = Emitter(
        ProcessTree(trace_all=opts.trace_all or opts.filter.guest_wide),
        Decoder(opts.strsize, opts.raw, opts.decode_fds, opts.fd_details),
        sinks,
        opts.filter,
    )
    reader: RecordReader | None = None
    stream_error: Exception | None = None
    try:
        if ring is not None:
            with ring:
                try:
                    reader = RecordReader(ring, decode_task)
                    out.consume(reader.batches(), pairer)
                except StreamError as err:
                    if reader is not None:  # nothing more can be read: the run ends
                        stop.request("stream-error")
                        stream_error = err
                    elif proc.wait() == 0:
                        stream_error = err
                    # else: QEMU failed before the plugin started; reported below
        out.drain(pairer)  # the calls in flight, without a return (`= ?`)
    except BaseException:  # a bug: QEMU must not outlive it
        stop.request("internal-error")
        raise
    finally:
        proc.wait()
        stop.finished()
        for t in threads:
            t.join(timeout=5)
        reason = stop.reason
        # (the console and the control line are the guest's to write: they decide nothing
        # once the trace saw the command end)
        ended = out.outcome.status is not None
        if reason is None:
            if status.panic is not None and not ended:
                reason = "kernel-panic"
            elif stream_error is not None:
                reason = "stream-error"
            elif not ended and status.exit_status is None and status.not_found is None:
                reason = "qemu-exited"
        counts = _counts(pairer, reader, ring, out.shown, reason)
        for sink in sinks:
            sink.close(counts)
    error = stop.error()
    if error is not None:
        raise error
    outcome = out.outcome
    settled = settle_status(
        status,
        outcome.status,
        outcome.started if outcome.root is not None else None,
        traced_run=ring is not None,
    )
    for text in settled.warnings:
        opts.warn(text)
    _raise_for_guest(proc, status, settled, stream_error, b"".join(qemu_out), opts, log)
    assert settled.exit_status is not None
    boot_s = None if status.ready_at is None else status.ready_at - started
    return RunResult(exit_status=settled.exit_status, counts=counts, boot_s=boot_s)


class Emitter:
    """The consumer's end: each call the pairing completes goes through the process tree
    and the filter, is decoded, and goes to the sinks.  ``shown`` counts the calls
    written, also when a stream error ends :meth:`consume`."""

    def __init__(
        self,
        tree: ProcessTree,
        decoder: Decoder,
        sinks: list[Sink],
        filt: CallFilter = EVERY_CALL,
        compiled: bool = True,
    ) -> None:
        self.tree, self.decoder, self.sinks, self.filt = tree, decoder, sinks, filt
        self.shown = 0
        # how the command ended, from the calls of any process: the lane leaves those
        # calls (OBSERVED) to the loop below
        self.outcome = CommandOutcome()
        # the compiled lane (_decoder.c) for the ordinary calls, when nothing but the
        # process tree filters them; compiled=False runs the Python reference for all
        self.compiled = (
            compiled
            and filt.every_process
            and filt.every_call
            and type(tree) is ProcessTree
            and type(decoder) is Decoder
        )

    def consume(self, batches: Iterable[list[RawEntry | RawExit | Stats]], pairer: Pairer) -> None:
        """Every event of the reader's batches, through the pairing, to the sinks."""
        for batch in batches:
            calls = pairer.feed_batch(batch)
            if calls:
                self.emit(calls)

    def drain(self, pairer: Pairer) -> None:
        """At the end: the calls still in progress."""
        self.emit(list(pairer.drain()))

    def emit(self, calls: list[Syscall | ThreadEnd]) -> None:
        """The calls the filters keep, decoded, to the sinks: a batch's events go to each
        sink at once (Sink.events), up to a line that is not a call (a signal, an exit),
        which must follow the call it belongs to.

        The compiled lane does what the loop below does for every ordinary call, and
        hands back the index of the first one it leaves to this loop."""
        wants, decoder, filt = self.tree.wants, self.decoder.__call__, self.filt
        every_process, every_call = filt.every_process, filt.every_call
        plan_for = decode.plan_for
        lane = _decoder.lane if self.compiled else None
        tree, dec = self.tree, self.decoder
        evs: list[TraceEvent] = []
        i, n = 0, len(calls)
        while i < n:
            if lane is not None:
                i = lane(calls, i, evs, tree, dec)
                if i >= n:
                    break
            call = calls[i]
            i += 1
            if type(call) is ThreadEnd:
                self._send(evs)
                evs = []
                self._end(call)
                continue
            assert type(call) is Syscall
            e, x = call.entry, call.exit
            plan = plan_for(e.abi, e.nr)
            if plan.name in OBSERVED:
                self.outcome.see(call, plan.name)
            if not wants(call) or not (every_process or filt.wants_process(call)):
                continue
            # -e trace/status drop the call, not its signal or exit line
            shown = every_call or filt.wants_call(call)
            if shown:
                evs.append(decoder(call, plan))
            if (
                (x is not None and ARG_SIGFRAME in x.mem)
                or plan.name == "exit_group"
                or (shown and ARG_RAX in e.mem)
            ):
                self._send(evs)
                evs = []
                self._notes(call, plan, shown)
        self._send(evs)

    def _send(self, evs: list[TraceEvent]) -> None:
        if evs:
            for sink in self.sinks:
                sink.events(evs)
            self.shown += len(evs)

    def _end(self, end: ThreadEnd) -> None:
        """A thread's end the pairing learned, shown for a process of the trace; a process's
        end lets its pid go."""
        who, filt = end.who, self.filt
        shown = self.tree.ended(end) and (
            filt.every_process or who.pid in filt.pids or who.comm in filt.comms
        )
        if end.process:
            self.decoder.forget(who.pid)
        if shown and not end.quiet:
            killed = None if end.signal is None else SIGNALS.get(end.signal, str(end.signal))
            ev = EndEvent(end.ts, who.pid, who.tid, who.comm, killed, end.status, end.why, end.core)
            for sink in self.sinks:
                sink.end(ev)

    def _notes(self, call: Syscall, plan: decode.CallPlan, shown: bool = True) -> None:
        """The lines after a call: what its number register held (when the call itself is
        shown), the signal it returned into, the exit it made."""
        e, x = call.entry, call.exit
        if shown and ARG_RAX in e.mem:
            rax = int.from_bytes(e.mem[ARG_RAX].data[:8].ljust(8, b"\0"), "little")
            for sink in self.sinks:
                sink.note(
                    e.who.tid,
                    f"[ rax {rax:#x}: upper 32 bits ignored by the kernel, "
                    f"the call is {plan.name} ]",
                    e.who.comm,
                )
        if x is not None and ARG_SIGFRAME in x.mem:
            parsed = parse_frame(x.mem[ARG_SIGFRAME].data)
            if parsed is not None:
                text = format_siginfo(parsed.siginfo, x.rdi)
                for sink in self.sinks:
                    sink.note(e.who.tid, f"--- {text} ---", e.who.comm)
        if plan.name == "exit_group":
            code = e.args[0] & 0xFF
            for sink in self.sinks:
                sink.note(e.who.tid, f"+++ exited with {code} +++", e.who.comm)


def _watchdog(
    proc: subprocess.Popen[bytes],
    status: GuestStatus,
    opts: RunOptions,
    stop: Stop,
    workdir: Workdir | None = None,
) -> None:
    if not status.ready.wait(opts.boot_timeout):
        if proc.poll() is None:
            status.killed_for = "boot"
            stop.request("boot-timeout")
        return
    if workdir is not None:
        # QEMU has read the initrd and the plugin its spec: nothing left to leave behind
        workdir.clear()
    if opts.timeout is not None:
        try:
            proc.wait(opts.timeout)
        except subprocess.TimeoutExpired:
            status.killed_for = "timeout"
            stop.request("timeout")


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
