"""`vmstrace run --kernel-from-memory` traces as a run that read the kernel file does.

On the default kernel and on the 6.12 series, a Debian dynamically linked program (ls,
with its libraries) is traced three times: from the kernel file, then from guest memory
with no live-kernel cache entry, then again with the one that run wrote.  The three JSON
traces must agree call for call in everything a boot does not change: per thread, the
calls' names, the comm, the decoded arguments and the returns; the pids as the order
in which they appear (a boot's own kernel threads can shift the numbers).  Addresses
(KASLR, ASLR) and getrandom's bytes are left out.  Six boots, ~5 s each under TCG.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from vmstrace.core.files import cache_dir

pytestmark = pytest.mark.e2e

VMSTRACE = Path(sys.executable).parent / "vmstrace"

LS = ["--add", "/usr/bin/ls:/usr/bin/ls", "--", "/usr/bin/ls", "/"]
NOTE = re.compile(
    r"vmstrace: guest kernel (\S+) learnt from its memory in \d+\.\d\d s( \(cached\))?"
)
ADDRESS = re.compile(r"0x[0-9a-f]+")
# the calls whose return is a pid (of the caller, a child, a reaped child)
RETURNS_PID = {"set_tid_address", "getpid", "gettid", "getppid", "clone", "clone3", "fork",
               "vfork", "wait4", "waitid"}  # fmt: skip


@dataclass
class Traced:
    returncode: int
    stderr: list[str]
    records: list[dict]


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache of the other tests (kernels, initramfs, plugin: hard links, nothing
    rebuilt) without its live-kernel entries."""
    shared = cache_dir()
    path = tmp_path_factory.mktemp("live") / "cache"
    try:
        shutil.copytree(
            shared, path, copy_function=os.link, ignore=shutil.ignore_patterns("live-kernel")
        )
    except OSError:  # (another file system)
        shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(shared, path, ignore=shutil.ignore_patterns("live-kernel"))
    (path / "last-console.log").unlink(missing_ok=True)  # (written in place by each run)
    return path


def _run(cache: Path, out: Path, *opts: str) -> Traced:
    js = out / "trace.jsonl"
    proc = subprocess.run(
        [str(VMSTRACE), "run", "-y", "-o", str(out / "trace.txt"), "--json", str(js), *opts],
        capture_output=True,
        timeout=300,
        env=os.environ | {"VMSTRACE_CACHE": str(cache)},
    )
    records = [json.loads(line) for line in js.read_text().splitlines()] if js.exists() else []
    return Traced(proc.returncode, proc.stderr.decode("utf-8", "replace").splitlines(), records)


def shape(records: list[dict]) -> dict[str, list[tuple]]:
    """Each thread's calls (threads and pids named in order of appearance), without what a
    boot changes: addresses, random bytes, timestamps, vCPUs, CR3s."""
    ids: dict[int, str] = {}

    def pid(n: int) -> str | int:
        return ids.setdefault(n, f"P{len(ids)}") if n > 1 else n

    threads: dict[str, list[tuple]] = defaultdict(list)
    for e in records:
        if e["type"] != "syscall":
            continue
        tid, owner = pid(e["tid"]), pid(e["pid"])
        args = [ADDRESS.sub("0x…", a) for a in e["args"]]
        if e["name"] == "getrandom":
            args[0] = "…"
        ret = e["ret"]
        if e["error"] is None and e["name"] in RETURNS_PID:
            ret = pid(ret)
        elif isinstance(ret, int) and abs(ret) >= 1 << 32:
            ret = "addr"
        threads[str(tid)].append(
            (
                owner,
                pid(e["ppid"]),
                e["comm"],
                e["exe"],
                e["abi"],
                e["name"],
                tuple(args),
                ret,
                e["error"],
            )
        )
    return dict(threads)


@pytest.mark.parametrize("line", ["default", "6.12"])
def test_from_memory_traces_as_the_kernel_file_does(
    line: str, fresh_cache: Path, tmp_path: Path
) -> None:
    kernel = [] if line == "default" else ["--kernel-line", line]
    runs = {}
    for name, opts in [
        ("file", kernel),
        ("cold", [*kernel, "--kernel-from-memory"]),
        ("warm", [*kernel, "--kernel-from-memory"]),
    ]:
        (tmp_path / name).mkdir()
        runs[name] = _run(fresh_cache, tmp_path / name, *opts, *LS)
        assert runs[name].returncode == 0, runs[name].stderr
    notes = {
        name: [m for m in map(NOTE.fullmatch, runs[name].stderr) if m] for name in ("cold", "warm")
    }
    (cold,), (warm,) = notes["cold"], notes["warm"]
    assert cold[1] == warm[1] and cold[1].startswith("6.1." if line == "default" else "6.12.")
    assert (cold[2], warm[2]) == (None, " (cached)")
    assert not any(NOTE.fullmatch(text) for text in runs["file"].stderr)
    assert not [t for t in runs["cold"].stderr + runs["warm"].stderr if "warning" in t]
    # the numbering was the kernel's own, read from its compiled dispatch in memory
    (entry,) = [
        doc
        for doc in map(json.loads, map(Path.read_text, (fresh_cache / "live-kernel").iterdir()))
        if doc["layout"]["release"] == cold[1]
    ]
    assert entry["names"]["reason"] == ""
    assert entry["names"]["sources"] == {"x86_64": "x64_sys_call", "i386": "ia32_sys_call"}
    file_shape = shape(runs["file"].records)
    assert len(file_shape["P0"]) > 50  # ls, its loader and its libraries
    for name in ("cold", "warm"):
        stats = runs[name].records[-1]
        assert stats["type"] == "stats" and stats["complete"] is True, stats
        assert stats["events"] == runs["file"].records[-1]["events"]
        assert shape(runs[name].records) == file_shape, name
