"""The `vmstrace` command line.  Parses options and calls the library; no logic here."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

import click

from vmstrace.errors import VmstraceError
from vmstrace.sinks.base import Sink, TraceCounts
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.text import TextSink
from vmstrace.sinks.tree import ProcessTreeSink


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
    return (
        f"vmstrace: {counts.shown} syscalls shown; records produced {produced}, "
        f"delivered {counts.delivered}, dropped {dropped}"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vmstrace")
def main() -> None:
    """strace for virtual machines: trace a Linux guest's system calls from outside it."""


@main.command(context_settings={"ignore_unknown_options": False})
@click.option("--add", "adds", multiple=True, metavar="HOST[:GUEST]",
              help="Copy a host file or directory into the guest (repeatable).")
@click.option("-o", "output", type=click.Path(dir_okay=False, writable=True),
              help="Write the strace-style trace to FILE instead of stderr.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write one JSON object per syscall to FILE.")
@click.option("--all", "trace_all", is_flag=True,
              help="Trace every process in the guest, boot included.")
@click.option("-m", "memory", type=int, default=512, show_default=True, help="Guest memory, MB.")
@click.option("--smp", type=int, default=1, show_default=True, help="Number of vCPUs.")
@click.option("--cpu", default="max", show_default=True, help="QEMU CPU model.")
@click.option("--kernel", type=click.Path(path_type=Path),
              help="Boot this bzImage instead of the default Debian kernel.")
@click.option("--initrd", type=click.Path(path_type=Path),
              help="Use this initramfs instead of the default one (needs vmstrace's init).")
@click.option("-s", "strsize", type=click.IntRange(0, 65536), default=32, show_default=True,
              help="Maximum string size to print (as strace -s).")
@click.option("--boot-timeout", type=float, default=120.0, show_default=True,
              help="Seconds the guest may take to boot.")
@click.option("--timeout", type=float, default=None, help="Stop the guest after this many seconds.")
@click.option("--no-trace", is_flag=True, help="Boot the same guest without the capture plugin.")
@click.option("--tree", "show_tree", is_flag=True,
              help="Print the process tree at the end (pid, ppid, name, exec, exit, calls).")
@click.argument("cmd", nargs=-1, required=True)
def run(adds: tuple[str, ...], output: str | None, json_path: str | None, trace_all: bool,
        memory: int, smp: int, cpu: str, kernel: Path | None, initrd: Path | None,
        strsize: int, boot_timeout: float, timeout: float | None, no_trace: bool,
        show_tree: bool, cmd: tuple[str, ...]) -> None:
    """Boot the guest, run CMD in it and print its system calls.

    Usage: vmstrace run [OPTIONS] -- CMD [ARG...]
    """
    from vmstrace.session import RunOptions
    from vmstrace.session import run as run_session

    with ExitStack() as stack:
        try:
            opts = RunOptions(
                argv=list(cmd), adds=_parse_add(adds), kernel=kernel, initrd=initrd,
                memory_mb=memory, smp=smp, cpu=cpu, trace_all=trace_all, trace=not no_trace,
                strsize=strsize, boot_timeout=boot_timeout, timeout=timeout,
            )
            text_out: TextIO = sys.stderr
            if output:
                text_out = stack.enter_context(open(output, "w", encoding="utf-8"))
            sinks: list[Sink] = [TextSink(text_out, show_comm=trace_all)]
            if json_path:
                sinks.append(JsonSink(stack.enter_context(open(json_path, "w",
                                                               encoding="utf-8"))))
            if show_tree:
                sinks.append(ProcessTreeSink(text_out))
            result = run_session(opts, sinks)
        except VmstraceError as err:
            click.echo(f"vmstrace: {err}", err=True)
            sys.exit(err.exit_code)
        except OSError as err:
            click.echo(f"vmstrace: {err}", err=True)
            sys.exit(2)
    if not no_trace:
        click.echo(_counts_line(result.counts), err=True)
    sys.exit(result.exit_status)


@main.command()
@click.option("--kernel", type=click.Path(path_type=Path), help="Check this bzImage instead.")
@click.option("--line", default=None, help="Fetch this kernel series (e.g. 6.12) instead.")
def prepare(kernel: Path | None, line: str | None) -> None:
    """Fetch and build what a run needs: kernel, initramfs, kernel layout, plugin."""
    from vmstrace.capture.plugin import plugin_path
    from vmstrace.guest.image import build_default_initramfs
    from vmstrace.guest.kernel import fetch_default_kernel
    from vmstrace.guest.qemu import find_qemu
    from vmstrace.kernel.layout import load_layout
    from vmstrace.session import cache_dir

    try:
        cache = cache_dir()
        qemu = find_qemu()
        image = kernel or fetch_default_kernel(cache, line)
        layout = load_layout(image, cache)
        initrd = build_default_initramfs(cache)
        plugin = plugin_path()
    except VmstraceError as err:
        click.echo(f"vmstrace: {err}", err=True)
        sys.exit(err.exit_code)
    click.echo(f"qemu     {qemu}")
    click.echo(f"kernel   {image}")
    click.echo(f"layout   {layout.release}: current task at per-CPU {layout.percpu_task:#x}")
    click.echo(f"initrd   {initrd}")
    click.echo(f"plugin   {plugin}")
