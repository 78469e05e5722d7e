"""The Debian guest (``--guest debian``): a Debian 12 system from the Debian archive,
booting its own init (systemd), with the traced command started as a systemd unit.

The root filesystem is built by ``mmdebstrap`` (variant minbase, plus systemd and the
``--install`` packages) into a tar, which is rewritten as a zstd-compressed newc
initramfs with the project's files added:

- ``/init``, a symlink to systemd, so that the kernel starts systemd from the initramfs;
- ``/vmstrace/bin/vmstrace-exec`` (the launcher whose execve marks the traced command,
  trace/attribution.py) and ``/vmstrace/bin/vmstrace-run`` (guest/debian/vmstrace-run.sh,
  which speaks guest/init.sh's protocol on the serial lines);
- ``vmstrace.service`` (guest/debian/), wanted by multi-user.target, which runs it;
- ``/vmstrace/bin/vmstrace-net`` and ``vmstrace-net.service`` (guest/debian/), which bring
  up the network interface before the command when the run has one (guest/network.py).

The image is cached under a key of the package set and every project input, and the
per-run overlay (/vmstrace/cmd, --add files) is appended to it as for the default guest
(guest/image.py).
"""

from __future__ import annotations

import re
import stat
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import atomic_writer, cache_lock, mark_used, private_dir, trusted
from vmstrace.core.progress import step
from vmstrace.core.sources import digest
from vmstrace.guest.cpio import CpioWriter
from vmstrace.guest.image import (
    COMMAND,
    COMMAND_SCRIPT,
    HOSTNAME,
    LAUNCHER,
    build_programs,
    guest_source_dir,
    prune_old_builds,
)

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("systemd", "systemd-sysv")
# systemd, its journal and the command share the guest's RAM with the unpacked root
# filesystem (~150 MB): the default guest's 512 MB is too little.
MIN_MEMORY_MB = 1024
RUNNER = "/vmstrace/bin/vmstrace-run"
# Debian 12's merged /usr: these top-level names are symlinks into /usr.
USR_MERGED = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
UNIT = "etc/systemd/system/vmstrace.service"
UNIT_LINK = "etc/systemd/system/multi-user.target.wants/vmstrace.service"
# the network interface, when the run has one (guest/network.py); before the command
NET_PROGRAM = "/vmstrace/bin/vmstrace-net"
NET_UNIT = "etc/systemd/system/vmstrace-net.service"
NET_UNIT_LINK = "etc/systemd/system/network-online.target.wants/vmstrace-net.service"
# Units masked in the image. The guest has no udev (the kernel's devtmpfs makes the
# nodes), so no .device unit ever appears: a login prompt on the console would wait 90 s
# for dev-ttyS0.device (DefaultTimeoutStartSec) and hold up multi-user.target, and no one
# logs in anyway (getty-static.service, a fallback for systems without logind, would
# fail).
MASKED = ("serial-getty@.service", "getty@.service", "getty-static.service")
# Documentation and translations nobody reads in a trace guest: a third of the image,
# and every byte is unpacked at each boot.
_EXCLUDES = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*")
# Debian policy 5.6.1: lower case letters, digits, + - . ; at least two characters,
# starting with an alphanumeric.
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")
_HOSTNAME_FILE = "etc/hostname"
# The files the project writes in place of the root filesystem's own.
_OURS = frozenset({"init", _HOSTNAME_FILE})
# Bump when the layout written by write_initramfs changes, to invalidate caches.
_LAYOUT_VERSION = "3"
# zstd, not gzip: the kernel unpacks the image at every boot, and under TCG zstd's faster
# decompression saves about 1 s of a 10 s boot (measured: 9.4 s to READY with gzip -6,
# 8.3 s with zstd -6); it also compresses the ~190 MB in 1.5 s rather than 10 s.
_ZSTD = ("zstd", "-q", "-6", "-T0", "-c")


def check_packages(packages: list[str]) -> list[str]:
    """The ``--install`` names, checked, sorted and without duplicates (the cache key)."""
    for name in packages:
        if not _PACKAGE_NAME.fullmatch(name):
            raise VmstraceError(
                f"--install {name!r}: not a Debian package name (lower case letters, digits, "
                "'+', '-', '.'; e.g. --install strace)"
            )
    return sorted(set(packages))


def mmdebstrap_command(packages: list[str], dest: Path) -> list[str]:
    """The mmdebstrap command that builds the root filesystem's tar at ``dest``."""
    include = ",".join([*BASE_PACKAGES, *packages])
    return [
        "mmdebstrap",
        "--variant=minbase",
        f"--include={include}",
        *(f"--dpkgopt=path-exclude={pattern}" for pattern in _EXCLUDES),
        SUITE,
        str(dest),
        MIRROR,
    ]


def project_files(source_dir: Path, programs: dict[str, Path]) -> dict[str, tuple[bytes, int]]:
    """The files the project adds to the image, guest path → (bytes, mode): the units, the
    runner, the command's run (shared with the default guest) and the two programs."""
    debian = source_dir / "debian"
    sources = {
        UNIT: (debian / "vmstrace.service", 0o644),
        NET_UNIT: (debian / "vmstrace-net.service", 0o644),
        RUNNER: (debian / "vmstrace-run.sh", 0o755),
        COMMAND: (source_dir / COMMAND_SCRIPT, 0o755),
        LAUNCHER: (programs["vmstrace-exec"], 0o755),
        NET_PROGRAM: (programs["vmstrace-net"], 0o755),
    }
    try:
        return {path.lstrip("/"): (src.read_bytes(), mode) for path, (src, mode) in sources.items()}
    except OSError as err:
        raise VmstraceError(f"{err.filename}: {err.strerror}: restore the guest's files") from err


def image_key(packages: list[str], files: dict[str, tuple[bytes, int]]) -> str:
    """The cache key of an image: its package set and every file the project adds."""
    parts = [
        _LAYOUT_VERSION.encode(),
        SUITE.encode(),
        MIRROR.encode(),
        " ".join(BASE_PACKAGES).encode(),
        " ".join(packages).encode(),
        " ".join(_EXCLUDES).encode(),
        " ".join(MASKED).encode(),
    ]
    for path, (data, mode) in sorted(files.items()):
        parts += [f"{path} {mode:o}".encode(), data]
    return digest(parts)


def build_debian_initramfs(
    cache_dir: Path, packages: list[str], *, source_dir: Path | None = None
) -> Path:
    """Returns the Debian guest's zstd-compressed initramfs, building it if needed."""
    packages = check_packages(packages)
    source_dir = source_dir or guest_source_dir()
    files = project_files(source_dir, build_programs(cache_dir, source_dir))
    key = image_key(packages, files)
    out_dir = private_dir(cache_dir / "initramfs")
    dest = out_dir / f"debian-{key}.cpio.zst"
    if trusted(dest, cache_dir) and dest.is_file():
        mark_used(dest)
        return dest
    with cache_lock(out_dir):
        if trusted(dest, cache_dir) and dest.is_file():
            return dest
        rootfs = out_dir / f".debian-{key}.tar"
        try:
            with step("building the Debian guest image with mmdebstrap (once, into the cache)"):
                _mmdebstrap(packages, rootfs)
                write_initramfs(dest, rootfs, files)
            prune_old_builds(dest.parent, keep=dest.name)
        finally:
            rootfs.unlink(missing_ok=True)
    return dest


def _mmdebstrap(packages: list[str], dest: Path) -> None:
    cmd = mmdebstrap_command(packages, dest)
    try:
        # stdin: with no terminal there, mmdebstrap would read sources.list lines from it
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError as err:
        raise VmstraceError(
            "mmdebstrap not found: the Debian guest is built with it. Install it: "
            "apt-get install mmdebstrap (or `make setup`)"
        ) from err
    if proc.returncode != 0:
        raise VmstraceError(
            f"building the Debian guest failed (`{' '.join(cmd)}`):\n"
            + mmdebstrap_errors(proc.stderr)
        )


def mmdebstrap_errors(stderr: str) -> str:
    """What mmdebstrap said went wrong: apt's ``E:`` lines (an unknown package is named
    there) up to mmdebstrap's own summary of the failed step, else its output's end."""
    errors = []
    for line in stderr.splitlines():
        if line.startswith("E: setup failed"):
            break
        if line.startswith("E:"):
            errors.append(line)
    return "\n".join(errors or stderr.strip().splitlines()[-10:])


def write_initramfs(dest: Path, rootfs: Path, files: dict[str, tuple[bytes, int]]) -> None:
    """Rewrites the root filesystem's tar as a zstd-compressed newc initramfs, with the
    project's ``files`` (project_files), its units enabled, and the masked units."""
    with atomic_writer(dest) as f, _zstd(f) as stream, tarfile.open(rootfs) as tar:
        cpio = CpioWriter(stream)
        dirs = set()
        for member in tar:
            name = _add_member(cpio, tar, member)
            if member.isdir():
                dirs.add(name)

        def parents(path: str) -> None:  # the unpacker does not create missing parents
            parts = path.strip("/").split("/")[:-1]
            for i in range(1, len(parts) + 1):
                parent = "/".join(parts[:i])
                if parent not in dirs:
                    cpio.add_dir(parent, 0o755)
                    dirs.add(parent)

        cpio.add_symlink("init", "/lib/systemd/systemd")
        cpio.add_file(_HOSTNAME_FILE, HOSTNAME.encode() + b"\n", 0o644)
        for path, (data, mode) in files.items():
            parents(path)
            cpio.add_file(path, data, mode)
        links = {UNIT_LINK: "/" + UNIT, NET_UNIT_LINK: "/" + NET_UNIT}
        links |= {f"etc/systemd/system/{name}": "/dev/null" for name in MASKED}
        for path, target in links.items():
            parents(path)
            cpio.add_symlink(path, target)
        cpio.finish()


@contextmanager
def _zstd(out: BinaryIO) -> Iterator[IO[bytes]]:
    """A stream whose bytes reach ``out`` zstd-compressed, by the zstd program (the
    standard library has no zstd before Python 3.14)."""
    try:
        proc = subprocess.Popen(_ZSTD, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.PIPE)
    except FileNotFoundError as err:
        raise VmstraceError(
            "zstd not found: the Debian guest's image is compressed with it. Install it: "
            "apt-get install zstd (or `make setup`)"
        ) from err
    assert proc.stdin is not None and proc.stderr is not None
    try:
        yield proc.stdin
        proc.stdin.close()
    except BaseException:
        proc.kill()
        raise
    finally:
        proc.wait()
        error = proc.stderr.read().decode("utf-8", "replace").strip()
        proc.stderr.close()
    if proc.returncode != 0:
        raise VmstraceError(f"`{' '.join(_ZSTD)}` failed (status {proc.returncode}): {error}")


def _add_member(cpio: CpioWriter, tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    """One tar entry as the kernel's unpacker wants it; a hard link becomes a copy (newc
    links share an inode number, which the writer numbers itself). Returns its name."""
    name = member.name.removeprefix("./").strip("/")
    owner = {"uid": member.uid, "gid": member.gid}
    if name in ("", ".") or name in _OURS:
        return name
    if member.isdir():
        cpio.add_dir(name, member.mode, **owner)
    elif member.isreg() or member.islnk():
        data = tar.extractfile(member)
        assert data is not None  # a regular file, or a link to one
        cpio.add_file(name, data.read(), member.mode, **owner)
    elif member.issym():
        cpio.add_symlink(name, member.linkname, **owner)
    elif member.ischr() or member.isblk() or member.isfifo():
        kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK if member.isblk() else stat.S_IFIFO
        rdev = (member.devmajor, member.devminor)
        cpio.add_node(name, kind | (member.mode & 0o7777), rdev, **owner)
    else:
        raise VmstraceError(
            f"the Debian root filesystem holds {name!r}, of a kind cpio cannot hold"
        )
    return name
