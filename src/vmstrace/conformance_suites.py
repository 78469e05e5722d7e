"""The conformance workloads, grouped in suites, and the guest run that compares them.

Three suites, each with its own guest image:

- ``static``: the project's own programs (``guest/programs/conf-*.c``);
- ``real``: Debian's dynamically linked software run by shell scripts (``guest/real/``,
  image in guest/realsw.py) — the corpus of issue 12;
- ``strace-tests``: strace 6.1's own test programs, built statically
  (guest/strace_tests.py).

One guest boot runs a suite's workloads one after another, each as

    cd /tmp/w/NAME && strace -f [-y] [-X raw] -s N -o /tmp/w/NAME.strace ARGV...

while vmstrace traces the whole boot from outside.  Workloads follow each other in the
same guest, so library code translated for one process runs again in later ones.  At the
end the guest prints each workload's exit status, strace output, stdout and stderr on its
stderr between marker lines.  strace's tids are distinct across the boot, so vmstrace's
events split by tid into workloads without ambiguity (conformance.compare).
"""

from __future__ import annotations

import dataclasses
import io
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vmstrace.conformance import (
    WORKLOADS as STATIC_NAMES,
)
from vmstrace.conformance import (
    Collect,
    WorkloadResult,
    compare,
    parse_strace,
    parse_strace_signals,
)
from vmstrace.core.errors import VmstraceError

GUEST_BIN = "/vmstrace/bin"
WORK_DIR = "/tmp/w"
# Seconds one workload may run in the guest before busybox `timeout` stops its strace
# (then its exit status is 143): a hung test program must not hold the whole boot.
WORKLOAD_TIMEOUT = 600
STRACE_TEST_TIMEOUT = 60
REAL_NAMES = (
    "coreutils",
    "tar",
    "findgrep",
    "sqlite",
    "python",
    "compress",
    "shell",
    "sysutils",
    "net",
    "stealth",
    "sysapi",
    "static",
)
# guest/real/coreutils.sh writes and reads a string of exactly this many bytes: with
# `-s EXACT_STRSIZE` both tools must print it whole, without `...`.
EXACT_STRSIZE = 24
_MARK = re.compile(rb"\n==== vmstrace conformance: (strace|stdout|stderr|end) ?(\S*) ?(\S*) ====\n")


@dataclass(frozen=True)
class Workload:
    name: str
    suite: str
    argv: tuple[str, ...]  # what strace runs in the guest
    timeout: int = WORKLOAD_TIMEOUT


@dataclass(frozen=True)
class Options:
    """Output options given to strace in the guest and to vmstrace alike."""

    strsize: int = 32
    decode_fds: bool = False  # -y
    fd_details: bool = False  # -yy (with decode_fds)
    raw: bool = False  # -X raw
    hexstr: int = 0  # -x, -xx

    def strace_args(self) -> list[str]:
        return [
            "-s",
            str(self.strsize),
            *((["-yy"] if self.fd_details else ["-y"]) if self.decode_fds else []),
            *(["-X", "raw"] if self.raw else []),
            *(["-" + "x" * self.hexstr] if self.hexstr else []),
        ]

    @property
    def label(self) -> str:
        return " ".join(self.strace_args())


def static_workloads() -> list[Workload]:
    return [Workload(n, "static", (f"{GUEST_BIN}/{n}",)) for n in STATIC_NAMES]


def real_workloads() -> list[Workload]:
    from vmstrace.guest.realsw import GUEST_DIR

    return [
        Workload(f"real-{n}", "real", ("/usr/bin/dash", f"{GUEST_DIR}/{n}.sh")) for n in REAL_NAMES
    ]


def strace_test_workloads(names: Sequence[str] | None = None) -> list[Workload]:
    from vmstrace.guest.strace_tests import GUEST_DIR, SELECTED

    return [
        Workload(f"strace-{n}", "strace-tests", (f"{GUEST_DIR}/{n}",), STRACE_TEST_TIMEOUT)
        for n in (names or SELECTED)
    ]


SUITES: dict[str, Callable[[], list[Workload]]] = {
    "static": static_workloads,
    "real": real_workloads,
    "strace-tests": strace_test_workloads,
}


def select(names: Sequence[str], suites: Sequence[str]) -> list[Workload]:
    """Workloads by name (``conf-files``, ``real-tar``, ``strace-chmod``) or by suite."""
    for s in suites:
        if s not in SUITES:
            raise VmstraceError(f"unknown suite {s}; choose from {', '.join(SUITES)}")
    chosen = [w for s in suites for w in SUITES[s]()]
    if names:
        every = {w.name: w for s in SUITES for w in SUITES[s]()}
        tests = [n for n in names if n.startswith("strace-") and n not in every]
        every.update({w.name: w for w in strace_test_workloads([n[7:] for n in tests])})
        unknown = [n for n in names if n not in every]
        if unknown:
            raise VmstraceError(
                f"unknown workload {', '.join(unknown)}; choose from "
                + ", ".join(every)
                + " (or strace-TEST for a strace test)"
            )
        chosen += [every[n] for n in names if every[n] not in chosen]
    return chosen


def initrd_for(suite: str, workloads: Sequence[Workload], cache_dir: Path) -> Path:
    """The cached guest image a suite runs in."""
    if suite == "static":
        from vmstrace.guest.strace_image import build_strace_initramfs

        return build_strace_initramfs(cache_dir)
    if suite == "real":
        from vmstrace.guest.realsw import build_realsw_initramfs

        return build_realsw_initramfs(cache_dir)
    from vmstrace.guest.strace_tests import build_strace_tests_initramfs

    return build_strace_tests_initramfs(cache_dir, [w.argv[0].rsplit("/", 1)[1] for w in workloads])


def guest_script(workloads: Sequence[Workload], opts: Options) -> str:
    """The guest's ``sh -c`` script: every workload under strace, then the outputs.

    Two shell functions carry what every workload repeats, so that the script stays
    within the guest launcher's command line (image.CMD_MAX_BYTES) for hundreds of
    workloads: ``run NAME TIMEOUT ARGV...`` and ``show NAME``."""
    strace = " ".join(shlex.quote(a) for a in opts.strace_args())
    mark = "printf '\\n==== vmstrace conformance: %s %s%s ====\\n'"
    lines = [
        f'run() {{ d="{WORK_DIR}/$1" t=$2; shift 2; mkdir -p "$d" && cd "$d" && '
        f'timeout $t strace -f {strace} -o "$d.strace" "$@" >"$d.out" 2>"$d.err" </dev/null; '
        'echo $? >"$d.status"; }',
        f'show() {{ d="{WORK_DIR}/$1"; '
        f'{mark} strace "$1" " $(cat "$d.status")" >&2; cat "$d.strace" >&2; '
        f'{mark} stdout "$1" "" >&2; cat "$d.out" >&2; '
        f'{mark} stderr "$1" "" >&2; cat "$d.err" >&2; }}',
    ]
    for w in workloads:
        argv = " ".join(shlex.quote(a) for a in w.argv)
        lines.append(f"run {shlex.quote(w.name)} {w.timeout} {argv}")
    lines.extend(f"show {shlex.quote(w.name)}" for w in workloads)
    lines.append("printf '\\n==== vmstrace conformance: end ====\\n' >&2")
    return "\n".join(lines)


def split_output(stderr: bytes) -> dict[str, dict[str, bytes]]:
    """The guest's stderr → workload → ``strace``/``stdout``/``stderr``/``status`` bytes."""
    data = b"\n" + stderr
    marks = list(_MARK.finditer(data))
    if not marks or marks[-1].group(1) != b"end":
        raise VmstraceError(
            "the workloads' output did not come back from the guest:\n"
            + stderr[-3000:].decode("utf-8", "replace")
        )
    out: dict[str, dict[str, bytes]] = {}
    for m, nxt in zip(marks, marks[1:], strict=False):
        name = m.group(2).decode()
        parts = out.setdefault(name, {})
        parts[m.group(1).decode()] = data[m.end() : nxt.start()]
        if m.group(1) == b"strace":
            parts["status"] = m.group(3)
    return out


def run_suite(
    workloads: Sequence[Workload],
    *,
    initrd: Path,
    smp: int = 1,
    opts: Options = Options(),
    timeout: float = 1800.0,
) -> list[WorkloadResult]:
    """One guest boot: every workload under strace in the guest, vmstrace outside."""
    from vmstrace.run import RunOptions, guest_memory_mb, run

    sink = Collect()
    out, err = io.BytesIO(), io.BytesIO()
    ropts = RunOptions(
        argv=["sh", "-c", guest_script(workloads, opts)],
        initrd=initrd,
        smp=smp,
        strsize=opts.strsize,
        decode_fds=opts.decode_fds,
        fd_details=opts.decode_fds and opts.fd_details,
        raw=opts.raw,
        hexstr=opts.hexstr,
        timeout=timeout,
    )
    # The kernel unpacks the whole initramfs into RAM while it still holds the image: the
    # strace-tests image (~0.8 MB a program) outgrows the default guest's memory.
    need = 256 + 3 * (initrd.stat().st_size >> 20)
    if need > guest_memory_mb(ropts):
        ropts = dataclasses.replace(ropts, memory_mb=(need + 63) // 64 * 64)
    run(ropts, [sink], out, err)
    parts = split_output(err.getvalue())
    results = []
    for w in workloads:
        p = parts.get(w.name, {})
        text = p.get("strace", b"").decode("utf-8", "replace")
        r = compare(w.name, parse_strace(text), sink.kept, parse_strace_signals(text), sink.signals)
        status = p.get("status", b"")
        r.exit_status = int(status) if status.isdigit() else None
        r.stdout, r.stderr, r.counts = p.get("stdout", b""), p.get("stderr", b""), sink.counts
        results.append(r)
    return results


def run_workload(
    workload: str, *, initrd: Path, strsize: int = 32, timeout: float = 600.0
) -> WorkloadResult:
    """One static workload in its own guest boot (the static e2e tests)."""
    w = next(w for w in static_workloads() if w.name == workload)
    return run_suite([w], initrd=initrd, opts=Options(strsize=strsize), timeout=timeout)[0]


def run_conformance(
    workloads: Sequence[Workload],
    *,
    smp: int = 1,
    opts: Options = Options(),
    progress: Callable[[str], None] | None = None,
) -> list[WorkloadResult]:
    """Runs the workloads, one guest boot per suite; the library side of the command."""
    from vmstrace.core.files import cache_dir

    results = []
    for suite in SUITES:
        ws = [w for w in workloads if w.suite == suite]
        if not ws:
            continue
        initrd = initrd_for(suite, ws, cache_dir())
        if progress is not None:
            progress(f"suite {suite}: {len(ws)} workloads, {smp} vCPU(s), strace {opts.label}")
        results += run_suite(ws, initrd=initrd, smp=smp, opts=opts)
    return results
