"""Real, dynamically linked Debian software in the guest: the conformance corpus of issue 12.

The default guest holds static programs only, so it never runs the code paths that real
software takes: the dynamic loader mapping the same library pages into process after
process, ``clone3`` threads in glibc, Python's start-up.  This image adds Debian's own
binaries (coreutils, dash, bash, tar, gzip, find, grep, sed, xargs, sqlite3, xz, zstd, mawk,
diff, perl, python3), every library ``ldd`` resolves for them, the part of Python's standard
library a workload imports, strace (guest/strace_image.py), and the workload scripts of
``guest/real/``.

Binaries keep their Debian paths (``/usr/bin/ls``) and replace busybox's applet links
there; busybox's ``/bin/ls`` stays, so the scripts put ``/usr/bin`` first in ``PATH``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from vmstrace.core.errors import VmstraceError
from vmstrace.guest.elfdeps import library_closure
from vmstrace.guest.image import guest_source_dir
from vmstrace.guest.strace_image import (
    extend_initramfs,
    host_files,
    strace_overlay_entries,
)

# Debian binary → the package that installs it (scripts/setup.sh installs them all).
BINARIES = {
    "dash": "dash",
    "ls": "coreutils",
    "cat": "coreutils",
    "cp": "coreutils",
    "mkdir": "coreutils",
    "rm": "coreutils",
    "stat": "coreutils",
    "sort": "coreutils",
    "seq": "coreutils",
    "wc": "coreutils",
    "head": "coreutils",
    "touch": "coreutils",
    "ln": "coreutils",
    "mv": "coreutils",
    "md5sum": "coreutils",
    "chmod": "coreutils",
    "readlink": "coreutils",
    "du": "coreutils",
    "tar": "tar",
    "gzip": "gzip",
    "find": "findutils",
    "xargs": "findutils",
    "grep": "grep",
    "sed": "sed",
    "sqlite3": "sqlite3",
    "xz": "xz-utils",
    "zstd": "zstd",
    "bash": "bash",
    "mawk": "mawk",
    "diff": "diffutils",
    "cmp": "diffutils",
    "perl": "perl-base",
    "timeout": "coreutils",
    "sleep": "coreutils",
    "date": "coreutils",
    "nproc": "coreutils",
    "uname": "coreutils",
    "id": "coreutils",
    "nice": "coreutils",
    "dd": "coreutils",
    "truncate": "coreutils",
    "split": "coreutils",
    "tee": "coreutils",
    "sha256sum": "coreutils",
    "shuf": "coreutils",
    "install": "coreutils",
    "mktemp": "coreutils",
    "od": "coreutils",
    "df": "coreutils",
    "stty": "coreutils",
    "tty": "coreutils",
    "true": "coreutils",
    "taskset": "util-linux",
    "chrt": "util-linux",
    "prlimit": "util-linux",
    "ionice": "util-linux",
    "flock": "util-linux",
    "setsid": "util-linux",
    "unshare": "util-linux",
    "renice": "bsdutils",
    "script": "bsdutils",
    "hostname": "hostname",
    "ps": "procps",
    "curl": "curl",
    "wget": "wget",
    "openssl": "openssl",
    "ssh-keygen": "openssh-client",
    "git": "git",
    "jq": "jq",
    "xxd": "xxd",
    "lsof": "lsof",
    "uptime": "procps",
    "free": "procps",
    "vmstat": "procps",
    "pgrep": "procps",
    "make": "make",
}
# Debian's interpreter, not whatever `python3` is first in the host's PATH.
PYTHON = Path("/usr/bin/python3.11")
GUEST_PYTHON = "/usr/bin/python3"
GUEST_DIR = "/vmstrace/real"
# Run on the host by PYTHON with a workload script as argv[1]: the script runs as it will
# in the guest (in a scratch directory), then every module file it loaded is printed.
_MODULE_FILES = """
import sys
path = sys.argv[1]
sys.argv = sys.argv[1:]
exec(compile(open(path).read(), path, "exec"), {"__name__": "__main__"})
import os
print("\\0".join(f for m in list(sys.modules.values())
                 if isinstance(f := getattr(m, "__file__", None), str) and os.path.isfile(f)),
      file=sys.stderr)
"""


def _binary(name: str) -> Path:
    path = Path("/usr/bin") / name
    if not path.is_file():
        raise VmstraceError(
            f"{path} not found: install Debian's {BINARIES[name]} "
            f"(apt-get install {BINARIES[name]}, or `make setup`)"
        )
    return path


def python_files(scripts: list[Path]) -> list[Path]:
    """The standard-library files Debian's python3 loads to run ``scripts`` (on the host)."""
    if not PYTHON.is_file():
        raise VmstraceError(
            f"{PYTHON} not found: install Debian's python3 "
            "(apt-get install python3, or `make setup`)"
        )
    stdlib = Path("/usr/lib/python3.11")
    found = {stdlib / "os.py"}  # the landmark python3 finds its prefix by (frozen itself)
    for script in scripts:
        with tempfile.TemporaryDirectory() as scratch:
            proc = subprocess.run(
                [str(PYTHON), "-c", _MODULE_FILES, str(script)],
                cwd=scratch,
                capture_output=True,
                text=True,
            )
        if proc.returncode != 0:
            raise VmstraceError(f"{script} failed on the host under {PYTHON}:\n{proc.stderr}")
        found.update(Path(f) for f in proc.stderr.strip().split("\0") if f)
    return sorted(found)


def realsw_entries() -> list[tuple[Path, str]]:
    """``(host, guest)`` pairs: binaries, Python, their libraries, the workload scripts."""
    source = guest_source_dir() / "real"
    binaries = [_binary(name) for name in BINARIES]
    pyfiles = python_files(sorted(source.glob("*.py")))
    extensions = [p for p in pyfiles if p.suffix == ".so"]
    entries = [(b, str(b)) for b in binaries]
    entries.append((PYTHON, GUEST_PYTHON))
    entries += [(p, str(p)) for p in pyfiles]
    entries += library_closure([*binaries, PYTHON, *extensions])
    entries += [(p, f"{GUEST_DIR}/{p.name}") for p in sorted(source.iterdir()) if p.is_file()]
    return entries


def build_realsw_initramfs(cache_dir: Path) -> Path:
    """The default initramfs plus strace and the real software; built once, cached."""
    if shutil.which("ldd") is None:
        raise VmstraceError("ldd not found: it comes with libc-bin (apt-get install libc-bin)")
    entries = strace_overlay_entries() + realsw_entries()
    return extend_initramfs(cache_dir, "realsw", host_files(entries))
