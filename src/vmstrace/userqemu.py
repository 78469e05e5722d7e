"""``vmstrace qemu -- qemu-system-x86_64 ARGS...``: the user's own VM, traced.

The user's QEMU command line runs as given (their disks, firmware, devices, their kernel
booted by its own bootloader), with what tracing needs added:

* the capture plugin (``-plugin``), whose ask=/answer= make the first system call wait
  until the kernel has been learnt from guest memory (kernel/live.py, run.KernelProbe):
  vmstrace is given no kernel file;
* guest RAM backed by a memfd shared with vmstrace (``-object memory-backend-file`` and
  ``-machine memory-backend=``), which the plugin and the kernel probe read;
* TCG in place of KVM (or any other accelerator), and ``-cpu max`` in place of ``-cpu
  host``: the plugin is a TCG plugin.  Each change is said once.

What cannot be traced is refused with the reason, before QEMU starts: another target
than x86-64, options that give guest RAM another backing (``-mem-path``, ``-numa``,
``-machine memory-backend=``, memory hotplug), a plugin of the user's own,
``-daemonize``, ``-readconfig`` (options vmstrace cannot see).  Everything the guest does
is traced (``--comm``/``-p``/``-e`` narrow it); the run ends when QEMU does, with QEMU's
exit status.  QEMU keeps the terminal: its console and monitor work as without vmstrace.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vmstrace.capture.plugin import plugin_path
from vmstrace.capture.records import StreamError
from vmstrace.capture.ring import Ring
from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import TraceCounts
from vmstrace.core.files import cache_dir, check_input_file
from vmstrace.guest.qemu import check_qemu, qemu_opt, ram_below_4g
from vmstrace.host import Outputs, Stop, Workdir, ram_memfd, start_qemu
from vmstrace.kernel.layout import layout_from_isf
from vmstrace.kernel.live import GuestRam
from vmstrace.pipeline import Pipeline
from vmstrace.run import (
    KernelProbe,
    RunOptions,
    capture_spec,
    close_outputs,
    close_unstarted,
    pipeline_for,
    raw_writer,
    trace_origin,
)
from vmstrace.sinks.base import Sink

# QEMU options that take no argument (qemu-options.hx: DEF(name, 0, ...)); every other
# option takes exactly one.
FLAGS = frozenset(
    """h help version S s snapshot nographic full-screen win2k-hack no-fd-bootchk
    enable-kvm no-reboot no-shutdown daemonize nodefaults no-user-config semihosting
    only-migratable enable-sync-profile preconfig mem-prealloc usb xen-attach
    xen-domid-restrict old-param no-acpi no-hpet portrait alt-grab ctrl-grab no-quit
    no-frame sdl curses singlestep""".split()
)
DEFAULT_RAM = 128 << 20  # hw/i386/pc.c: the PC machines' default_ram_size
RAM_ID = "vmstrace-ram"
_Q35_SPLIT = 0xB000_0000  # hw/i386/pc_q35.c: from this much RAM, 2 GiB stay below 4 GiB
_Q35_LOW = 0x8000_0000
_SUFFIX = {"": 20, "b": 0, "k": 10, "m": 20, "g": 30, "t": 40}  # -m: MiB without one
REFUSED = {
    "mem-path": "backs guest RAM with a file of its own",
    "numa": "splits guest RAM into NUMA nodes",
    "daemonize": "detaches QEMU from vmstrace",
    "readconfig": "reads options vmstrace cannot see",
    "plugin": "loads a TCG plugin of its own (one plugin per run)",
}
NOT_TCG = ("kvm", "hvf", "whpx", "xen", "nvmm")


class UntraceableVm(VmstraceError):
    """The QEMU command line cannot be traced as it is."""

    def __init__(self, why: str) -> None:
        super().__init__(f"vmstrace qemu: {why}")


@dataclass
class UserVm:
    """The user's command line, rewritten for tracing (without the run's own additions,
    which name descriptors: :func:`traced_command`)."""

    argv: list[str]
    ram_bytes: int
    ram_low: int  # bytes of RAM at guest-physical 0 (the rest from 4 GiB)
    smp: int
    notices: list[str] = field(default_factory=list)


def split_options(args: list[str]) -> list[tuple[str, str | None]]:
    """QEMU's arguments as (option without dashes, value) pairs; a bare word is the disk
    image (``hda``)."""
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            out.append(("hda", arg))
            i += 1
            continue
        name = arg.lstrip("-")
        if name in FLAGS:
            out.append((name, None))
            i += 1
            continue
        if i + 1 >= len(args):
            raise UntraceableVm(f"{arg} needs a value")
        out.append((name, args[i + 1]))
        i += 2
    return out


def _props(value: str, first: str) -> tuple[dict[str, str], list[str]]:
    """A QemuOpts value ``[first=]x,key=value,...`` as (props, bare words); ``,,`` is a
    comma."""
    parts = re.split(r"(?<!,),(?!,)", value)
    props: dict[str, str] = {}
    bare: list[str] = []
    for i, part in enumerate(parts):
        part = part.replace(",,", ",")
        key, eq, val = part.partition("=")
        if eq:
            props[key] = val
        elif i == 0 and part:
            props[first] = part
        elif part:
            bare.append(part)
    return props, bare


def parse_size(text: str) -> int:
    """-m's size: a number of MiB, or with a suffix (B, K, M, G, T)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([bkmgtBKMGT]?)", text.strip())
    if m is None:
        raise UntraceableVm(f"-m {text}: not a size (e.g. 1024, 512M, 2G)")
    return int(float(m.group(1)) * (1 << _SUFFIX[m.group(2).lower()]))


def _ram_low(machine: str, ram: int) -> int:
    if (
        machine in ("pc", "")
        or machine.startswith("pc-i440fx")
        or re.fullmatch(r"pc-\d.*", machine)
    ):
        return ram_below_4g(ram)
    if machine == "q35" or machine.startswith("pc-q35"):
        return ram if ram < _Q35_SPLIT else _Q35_LOW
    if ram < _Q35_LOW:
        return ram  # every x86 machine keeps 2 GiB below its 32-bit holes
    raise UntraceableVm(
        f"machine {machine} with {ram >> 20} MiB: vmstrace knows the memory map of pc and "
        "q35 only; use one of them, or less than 2 GiB"
    )


def _smp(value: str) -> int:
    props, _ = _props(value, "cpus")
    if "cpus" in props:
        return _count("-smp cpus", props["cpus"])
    n = 1
    for key in ("drawers", "books", "sockets", "dies", "clusters", "modules", "cores", "threads"):
        if key in props:
            n *= _count(f"-smp {key}", props[key])
    return n


def _count(what: str, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1024:
        raise UntraceableVm(f"{what}={text}: not a number of vCPUs")
    return int(text)


def plan(argv: list[str]) -> UserVm:
    """The traced form of the command line ``argv`` (QEMU first)."""
    if not argv:
        raise UntraceableVm("give the QEMU command line after --")
    binary = Path(argv[0]).name
    if binary != "qemu-system-x86_64":
        target = binary.removeprefix("qemu-system-") if binary.startswith("qemu-system-") else ""
        raise UntraceableVm(
            f"{argv[0]}: vmstrace traces x86-64 guests under qemu-system-x86_64"
            + (f" (this is the {target} target)" if target else "")
        )
    out: list[str] = [argv[0]]
    notices: list[str] = []
    ram, machine, smp, accel_seen = DEFAULT_RAM, "", 1, False
    for name, value in split_options(argv[1:]):
        if name in REFUSED:
            raise UntraceableVm(f"-{name} {REFUSED[name]}: vmstrace cannot trace that")
        if name == "enable-kvm":
            notices.append("-enable-kvm dropped: the guest runs under TCG, QEMU's emulator")
            continue
        if value is None:
            out.append(f"-{name}")
            continue
        if name == "accel":
            props, _ = _props(value, "accel")
            if props.get("accel") in NOT_TCG:
                notices.append(f"-accel {props['accel']} dropped: the guest runs under TCG")
                continue
            accel_seen = True
        elif name in ("machine", "M"):
            props, _ = _props(value, "type")
            machine = props.get("type", machine)
            if "memory-backend" in props or "max-ram-below-4g" in props:
                raise UntraceableVm(
                    f"-machine {value}: vmstrace sets the guest's RAM backing itself"
                )
            accels = props.get("accel")
            if accels is not None:
                kept = [a for a in accels.split(":") if a not in NOT_TCG]
                if kept != accels.split(":"):
                    notices.append(f"accel={accels} replaced by accel=tcg")
                value = re.sub(r"(^|,)accel=[^,]*", rf"\1accel={':'.join(kept) or 'tcg'}", value)
        elif name == "m":
            props, bare = _props(value, "size")
            if {"slots", "maxmem"} & props.keys() or bare:
                raise UntraceableVm(f"-m {value}: memory hotplug is not traced")
            ram = parse_size(props.get("size", "128"))
        elif name == "cpu":
            model, sep, rest = value.partition(",")
            if model == "host":
                notices.append("-cpu host needs KVM: -cpu max used instead")
                value = "max" + sep + rest
        elif name == "smp":
            smp = _smp(value)
        out += [f"-{name}", value]
    if ram < 16 << 20 or ram % 4096:
        raise UntraceableVm(f"-m: {ram} bytes is not a guest memory size vmstrace can map")
    if not accel_seen:
        out += ["-accel", "tcg"]
    return UserVm(out, ram, _ram_low(machine, ram), smp, notices)


def traced_command(
    vm: UserVm, ram_path: str, plugin: Path, plugin_args: dict[str, str]
) -> list[str]:
    """``vm``'s command line with the RAM backing and the plugin."""
    args = "".join(f",{k}={qemu_opt(v)}" for k, v in plugin_args.items())
    return [
        *vm.argv,
        "-object", f"memory-backend-file,id={RAM_ID},size={vm.ram_bytes},"
                   f"mem-path={qemu_opt(ram_path)},share=on",
        "-machine", f"memory-backend={RAM_ID}",
        "-plugin", qemu_opt(plugin) + args,
    ]  # fmt: skip


@dataclass
class UserVmResult:
    exit_status: int  # QEMU's
    counts: TraceCounts


def run_user_vm(argv: list[str], opts: RunOptions, sinks: Callable[[], list[Sink]]) -> UserVmResult:
    """Runs the user's QEMU command line ``argv`` traced into the sinks ``sinks()`` makes
    (once every input was checked).  Every process is traced (``opts.filter`` narrows)."""
    vm = plan(argv)
    qemu = shutil.which(argv[0]) if "/" not in argv[0] else argv[0]
    if qemu is None:
        raise UntraceableVm(f"{argv[0]} not found")
    check_qemu(qemu)
    opts.trace_all = True
    spec = None
    if opts.symbols is not None:
        check_input_file("--symbols", opts.symbols, "a volatility3 ISF (.json or .json.xz)")
        spec = capture_spec(opts, layout_from_isf(opts.symbols))
    plugin = plugin_path()
    for text in vm.notices:
        opts.note(text)
    stop = Stop()
    outputs = Outputs(stop)
    guarded: list[Sink] = []
    with stop.signals():
        ram = -1
        try:
            guarded = outputs.guard(sinks())
            ram = ram_memfd(vm.ram_bytes)
            return _run(qemu, vm, opts, spec, plugin, guarded, stop, ram)
        except BaseException as err:
            close_unstarted(guarded, err)
            raise
        finally:
            if ram >= 0:
                os.close(ram)
            outputs.close()


def _run(
    qemu: str,
    vm: UserVm,
    opts: RunOptions,
    spec: str | None,
    plugin: Path,
    sinks: list[Sink],
    stop: Stop,
    ram: int,
) -> UserVmResult:
    def flush_sinks() -> None:  # the decoder caught up: show the trace so far
        for sink in sinks:
            sink.flush()

    workdir = None
    ring = Ring(opts.buffer_mb << 20, idle=flush_sinks)
    args = ring.plugin_args() | {
        "ram": f"/dev/fd/{ram}",
        "ram_size": str(vm.ram_bytes),
        "ram_low": str(vm.ram_low),
    }
    probe = None
    if spec is not None:
        workdir = Workdir()
        (workdir.path / "spec.txt").write_text(spec)
        args["spec"] = str(workdir.path / "spec.txt")
    else:
        guest_ram = GuestRam.open(ram, vm.ram_bytes, vm.ram_low)
        probe = KernelProbe(opts, guest_ram, stop, cache_dir(), opts.boot_timeout or None)
        args |= probe.plugin_args()
    stop.progress = ring.written
    cmd = traced_command(vm, f"/dev/fd/{ram}", plugin, args)
    fds = [ram, *ring.child_fds(), *(probe.child_fds() if probe else [])]
    try:
        return _traced(
            proc_args=(cmd, fds), ring=ring, probe=probe, opts=opts, vm=vm, sinks=sinks, stop=stop
        )
    finally:
        if workdir is not None:
            workdir.remove()


def _traced(
    *,
    proc_args: tuple[list[str], list[int]],
    ring: Ring,
    probe: KernelProbe | None,
    opts: RunOptions,
    vm: UserVm,
    sinks: list[Sink],
    stop: Stop,
) -> UserVmResult:
    trace_origin(opts)(time.time_ns())  # trace time 0, as launcher.launch() tells run
    try:
        with stop.starting():
            proc = start_qemu(*proc_args, inherit_stdio=True)
            stop.started(proc)
    except BaseException:
        ring.close()
        if probe is not None:
            probe.started_not()
        raise
    ring.started()
    raw = None
    pipeline: Pipeline | None = None
    stream_error: Exception | None = None
    try:
        if probe is not None:
            probe.started()
            try:
                probe.wait()
            finally:
                probe.close()
        pipeline = pipeline_for(opts, sinks, vm.smp)  # (opts.trace_all: set by run_user_vm)
        # (after the probe: the header holds the kernel's numbering)
        raw = None if opts.save_raw is None else raw_writer(opts, vm.smp)
        with ring:
            try:
                pipeline.consume(ring if raw is None else raw.tee(ring))
            except StreamError as err:
                if pipeline.reader is not None or proc.wait() == 0:
                    stop.request("stream-error")
                    stream_error = err
        pipeline.drain()
    except BaseException:
        stop.request("internal-error")
        raise
    finally:
        proc.wait()
        stop.finished()
        if probe is not None and pipeline is not None and probe.refused(pipeline.reader):
            stop.fail(
                "kernel-unknown",
                VmstraceError(
                    "the plugin did not take the capture spec learnt from guest memory (a "
                    "vmstrace bug; its message is in QEMU's output above), so nothing was "
                    "attributed"
                ),
            )
        reason = stop.reason or ("stream-error" if stream_error is not None else None)
        counts = (pipeline or Pipeline([])).counts(reason, ring.stalled_s)
        close_outputs(sinks, counts, raw)
    error = stop.error()
    if error is not None:
        raise error
    if stream_error is not None:
        raise VmstraceError(str(stream_error))
    if proc.returncode != 0 and probe is not None and not probe.asked:
        raise VmstraceError(
            f"QEMU exited with status {proc.returncode} before the guest made a system call "
            "(QEMU's own message is above); nothing was traced",
            exit_code=proc.returncode if 0 < proc.returncode < 126 else 1,
        )
    return UserVmResult(proc.returncode if proc.returncode >= 0 else 128 - proc.returncode, counts)
