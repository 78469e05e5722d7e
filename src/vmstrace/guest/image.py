"""Build the default guest's initramfs, and the per-run overlay that carries the command.

The base image (cached, rebuilt only when an input changes) holds busybox-static with a
symlink per applet, ``/init`` (``guest/init.sh``), a minimal ``/etc``, and the project's
static programs from ``guest/programs/*.c`` at ``/vmstrace/bin/NAME``: the launcher
``vmstrace-exec`` and the ``probe-*`` test programs.

Each run adds an uncompressed overlay archive with ``/vmstrace/cmd`` (the argv) and the
``--add`` files. The kernel unpacks concatenated archives in order, later entries
replacing earlier ones; QEMU takes one ``-initrd`` file, so :func:`concat_initrd` joins
base and overlay.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import shutil
import stat
import subprocess
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import (
    atomic_writer,
    building_dir,
    cache_lock,
    mark_used,
    private_dir,
    prune,
    publish_dir,
    trusted,
)
from vmstrace.core.sources import digest, file_parts
from vmstrace.core.sources import source_dir as installed_source_dir
from vmstrace.guest.cpio import CpioWriter

HOSTNAME = "vmstrace-guest"
DEFAULT_BUSYBOX = Path("/bin/busybox")
LAUNCHER = "/vmstrace/bin/vmstrace-exec"
# the command's run, shared by every guest's init (guest/vmstrace-command.sh)
COMMAND_SCRIPT = "vmstrace-command.sh"
COMMAND = "/vmstrace/bin/vmstrace-command"
CMD_PATH = "/vmstrace/cmd"
# The launcher's bounds on CMD (its bytes, its arguments): the overlay is checked against
# them, and guest/programs/vmstrace-exec.c is compiled with them (LAUNCHER_DEFINES).
CMD_MAX_BYTES = 128 * 1024
CMD_MAX_ARGS = 4096
LAUNCHER_DEFINES = (f"-DCMD_MAX_BYTES={CMD_MAX_BYTES}", f"-DCMD_MAX_ARGS={CMD_MAX_ARGS}")
# The workload `make run` traces: busybox only, a few file and process syscalls.
DEMO_ARGV = ["sh", "-c", "cat /etc/hostname; ls /vmstrace/bin; echo hi > /tmp/x; cat /tmp/x"]

# Bump when the layout written by build_default_initramfs changes, to invalidate caches.
_LAYOUT_VERSION = "1"
_CFLAGS = ("-O2", "-static", "-pthread", "-s", "-Wall", "-Wextra", *LAUNCHER_DEFINES)
# Per-file rules beyond _CFLAGS, part of every cache key: programs named *32*.c are i386.
_BUILD_RULES = b"-m32 for *32*"

# Directories of the base image and their modes; the overlay reuses these modes for
# parents it must create, so adding /tmp/x does not turn /tmp into 0755.
BASE_DIRS = {
    "bin": 0o755,
    "dev": 0o755,
    "etc": 0o755,
    "proc": 0o555,
    "root": 0o700,
    "sbin": 0o755,
    "sys": 0o555,
    "tmp": 0o1777,
    "usr": 0o755,
    "usr/bin": 0o755,
    "usr/sbin": 0o755,
    "vmstrace": 0o755,
    "vmstrace/bin": 0o755,
}
_ETC_FILES = {
    "etc/hostname": HOSTNAME + "\n",
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "etc/group": "root:x:0:\n",
}


def guest_source_dir() -> Path:
    """The guest's sources (init.sh, programs/*.c, real/): the installed package's, or the
    source checkout's ``guest/`` (core/sources.py)."""
    return installed_source_dir("guest")


def _sources(source_dir: Path) -> list[Path]:
    sources = sorted((source_dir / "programs").glob("*.c"))
    if not any(s.stem == "vmstrace-exec" for s in sources):
        raise VmstraceError(f"{source_dir}/programs/vmstrace-exec.c is missing: restore it.")
    return sources


def _source_parts(sources: list[Path]) -> list[bytes]:
    return file_parts(sources, sources[0].parent)


def build_programs(cache_dir: Path, source_dir: Path | None = None) -> dict[str, Path]:
    """Compiles guest/programs/*.c (gcc -static) once per source version; name → binary.

    Built in a private directory and renamed into place whole, under the area's lock, so
    concurrent runs compile once and never see a half-built set (vmstrace/files.py).
    """
    source_dir = source_dir or guest_source_dir()
    sources = _sources(source_dir)
    key = digest([" ".join(_CFLAGS).encode(), _BUILD_RULES, *_source_parts(sources)])
    area = private_dir(cache_dir / "guest-build")
    out_dir = area / key
    binaries = {s.stem: out_dir / s.stem for s in sources}
    if _all_built(binaries, cache_dir):
        mark_used(out_dir)
        return binaries
    with cache_lock(area):
        if _all_built(binaries, cache_dir):
            return binaries
        with building_dir(out_dir) as tmp:
            _compile(sources, tmp)
            if out_dir.exists():  # an incomplete set (the lock is ours)
                shutil.rmtree(out_dir)
            publish_dir(tmp, out_dir)
        prune_old_builds(area, keep=key)
    return binaries


def _all_built(binaries: dict[str, Path], cache_dir: Path) -> bool:
    return all(trusted(b, cache_dir) and b.is_file() for b in binaries.values())


def _compile(sources: list[Path], out_dir: Path) -> None:
    jobs = []
    for src in sources:
        try:
            # Programs named *32*.c are 32-bit (i386) test programs: gcc -m32 (gcc-multilib).
            bits = ["-m32"] if "32" in src.stem else []
            proc = subprocess.Popen(
                ["gcc", *_CFLAGS, *bits, "-o", str(out_dir / src.stem), str(src)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                umask=0o022,  # a cache entry no one else may write (vmstrace/files.py)
            )
        except FileNotFoundError as err:
            raise VmstraceError(
                "gcc not found: the guest programs are built with `gcc -static`. "
                "Install it: apt-get install gcc libc6-dev"
            ) from err
        jobs.append((src, proc))
    failures = []
    for src, proc in jobs:
        _, stderr = proc.communicate()
        if proc.returncode != 0:
            failures.append(f"{src}:\n{stderr.strip()}")
    if failures:
        raise VmstraceError(
            "compiling the guest programs failed (static glibc comes from libc6-dev, the "
            "32-bit one from gcc-multilib: `make setup`):\n" + "\n".join(failures)
        )


def _check_static(busybox: Path) -> bytes:
    try:
        data = busybox.read_bytes()
    except OSError as err:
        raise VmstraceError(
            f"cannot read {busybox}: {err.strerror}. Install busybox-static "
            "(apt-get install busybox-static)."
        ) from err
    try:
        with busybox.open("rb") as f:
            interp = any(seg["p_type"] == "PT_INTERP" for seg in ELFFile(f).iter_segments())
    except ELFError as err:
        raise VmstraceError(f"{busybox} is not an ELF executable: {err}") from err
    if interp:
        raise VmstraceError(
            f"{busybox} is dynamically linked; the guest has no shared libraries. "
            "Install busybox-static (apt-get install busybox-static)."
        )
    return data


def _applets(busybox: Path) -> list[str]:
    """Applet paths (``usr/bin/awk``) as the binary itself lists them."""
    try:
        listing = subprocess.run(
            [str(busybox), "--list-full"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise VmstraceError(f"`{busybox} --list-full` failed: {err}") from err
    return sorted({line.strip("/") for line in listing.split() if line.strip("/") != "bin/busybox"})


def build_default_initramfs(
    cache_dir: Path, *, busybox: Path = DEFAULT_BUSYBOX, source_dir: Path | None = None
) -> Path:
    """Returns the gzip-compressed newc initramfs of the default guest, building it if needed.

    The file name carries a hash of every input (init.sh, the C sources, the busybox
    binary), so an unchanged checkout reuses the cached archive.
    """
    source_dir = source_dir or guest_source_dir()
    init = (source_dir / "init.sh").read_bytes()
    command = (source_dir / COMMAND_SCRIPT).read_bytes()
    busybox_data = _check_static(busybox)
    sources = _sources(source_dir)
    key = digest(
        [_LAYOUT_VERSION.encode(), " ".join(_CFLAGS).encode(), _BUILD_RULES, init, command]
        + [busybox_data]
        + _source_parts(sources)
    )
    out_dir = private_dir(cache_dir / "initramfs")
    dest = out_dir / f"default-{key}.cpio.gz"
    if trusted(dest, cache_dir) and dest.is_file():
        mark_used(dest)
        return dest
    binaries = build_programs(cache_dir, source_dir)
    applets = _applets(busybox)
    with cache_lock(out_dir):
        if trusted(dest, cache_dir) and dest.is_file():
            return dest
        _write_initramfs(dest, init, command, busybox_data, applets, binaries)
        prune_old_builds(out_dir, keep=dest.name)
    return dest


def _write_initramfs(
    dest: Path,
    init: bytes,
    command: bytes,
    busybox_data: bytes,
    applets: list[str],
    binaries: dict[str, Path],
) -> None:
    with atomic_writer(dest) as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
        cpio = CpioWriter(gz)
        for name, mode in BASE_DIRS.items():
            cpio.add_dir(name, mode)
        cpio.add_chardev("dev/console", 5, 1, 0o600)
        cpio.add_chardev("dev/null", 1, 3, 0o666)
        for name, text in _ETC_FILES.items():
            cpio.add_file(name, text.encode(), 0o644)
        cpio.add_file("init", init, 0o755)
        cpio.add_file(COMMAND.lstrip("/"), command, 0o755)
        cpio.add_file("bin/busybox", busybox_data, 0o755)
        for applet in applets:
            cpio.add_symlink(applet, "/bin/busybox")
        for name, path in sorted(binaries.items()):
            cpio.add_file(f"vmstrace/bin/{name}", path.read_bytes(), 0o755)
        cpio.finish()


def encode_cmd(argv: list[str]) -> bytes:
    """The /vmstrace/cmd bytes: each argument followed by one NUL."""
    if not argv:
        raise VmstraceError("no command given: name the program to run in the guest.")
    if any("\0" in arg for arg in argv):
        raise VmstraceError("a command argument contains a NUL byte, which argv cannot carry.")
    data = b"".join(arg.encode() + b"\0" for arg in argv)
    if len(data) > CMD_MAX_BYTES or len(argv) > CMD_MAX_ARGS:
        raise VmstraceError(
            f"the command line is too long ({len(argv)} arguments, {len(data)} bytes; the guest "
            f"launcher takes at most {CMD_MAX_ARGS} and {CMD_MAX_BYTES}): put the arguments in "
            "a file and --add it."
        )
    return data


def _guest_path(host: Path, guest: str, links: dict[str, str]) -> str:
    """Validates an --add guest path; returns it relative to / (``usr/lib/x``), through
    the base image's top-level symlinks ``links`` (``lib`` → ``usr/lib``)."""
    if not guest.startswith("/"):
        raise VmstraceError(
            f"--add: the guest path {guest!r} for {host} must be absolute, e.g. /root/{host.name}"
        )
    norm = posixpath.normpath(guest).lstrip("/")  # normpath also resolves "..": /a/../b is b
    if not norm:
        raise VmstraceError(f"--add: {guest!r} is not a usable guest path for {host}")
    if norm == CMD_PATH.lstrip("/"):
        raise VmstraceError(f"--add: {CMD_PATH} is reserved for the command line")
    # the kernel's unpacker replaces an entry of another type (init/initramfs.c,
    # clean_path): a directory "lib" in the overlay would delete the image's lib symlink
    top, sep, rest = norm.partition("/")
    return links[top] + sep + rest if top in links else norm


class _Overlay:
    """Adds host files at guest paths, creating each missing parent directory once."""

    def __init__(self, cpio: CpioWriter) -> None:
        self.cpio = cpio
        self.dirs: set[str] = set()

    def parents(self, name: str) -> None:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            if parent not in self.dirs:
                self.cpio.add_dir(parent, BASE_DIRS.get(parent, 0o755))
                self.dirs.add(parent)

    def add(self, host: Path, name: str, *, follow: bool) -> None:
        try:
            st = host.stat() if follow else host.lstat()
            if stat.S_ISLNK(st.st_mode):
                self.cpio.add_symlink(name, os.readlink(host))
            elif stat.S_ISREG(st.st_mode):
                self.cpio.add_file(name, host.read_bytes(), st.st_mode)
            elif stat.S_ISDIR(st.st_mode):
                self.cpio.add_dir(name, st.st_mode)
                self.dirs.add(name)
                for child in sorted(os.listdir(host)):
                    self.add(host / child, f"{name}/{child}", follow=False)
            else:
                raise VmstraceError(
                    f"--add: {host} is not a file, directory or symlink; only those can be added"
                )
        except OSError as err:
            raise VmstraceError(f"--add: cannot read {host}: {err.strerror}") from err


def make_overlay(
    argv: list[str],
    adds: list[tuple[Path, str]],
    dest: Path,
    links: dict[str, str] | None = None,
) -> Path:
    """Writes the per-run uncompressed newc overlay: /vmstrace/cmd plus the --add files.

    Each ``(host, guest)`` pair copies the host path to the absolute guest path; a
    directory is copied recursively (symlinks inside it stay symlinks; the named path itself
    is followed), and missing parent directories are created. ``links`` are the base
    image's top-level directory symlinks (a merged /usr: ``bin`` → ``usr/bin``); guest
    paths under them are written through them.
    """
    cmd = encode_cmd(argv)
    checked = []
    for host, guest in adds:
        if not host.exists():
            raise VmstraceError(f"--add: {host} does not exist")
        checked.append((host, _guest_path(host, guest, links or {})))
    with atomic_writer(dest) as f:
        overlay = _Overlay(CpioWriter(f))
        overlay.parents(CMD_PATH.lstrip("/"))
        overlay.cpio.add_file(CMD_PATH, cmd, 0o644)
        for host, name in checked:
            overlay.parents(name)
            overlay.add(host, name, follow=True)
        overlay.cpio.finish()
    return dest


def concat_initrd(base: Path, overlay: Path, dest: Path) -> Path:
    """Writes base + overlay as one -initrd file.

    The kernel only recognises an uncompressed archive that starts at a 4-byte aligned
    offset after a compressed one (init/initramfs.c, unpack_to_rootfs), and skips NUL
    padding between archives, so the base is padded with NULs to a multiple of 4.
    """
    with atomic_writer(dest) as out:
        with base.open("rb") as f:
            shutil.copyfileobj(f, out)
        out.write(b"\0" * (-base.stat().st_size % 4))
        with overlay.open("rb") as f:
            shutil.copyfileobj(f, out)
    return dest


def prune_old_builds(directory: Path, keep: str) -> None:
    """Removes older builds next to the one just made (same prefix, other hash), once
    unused for a day (files.prune): another checkout may be about to read one."""
    prune(directory, keep, keep.split("-")[0] + "-" if "-" in keep else None)
