"""strace inside the guest: the host's (Debian) strace with its shared libraries.

The default guest is busybox plus static programs and has no shared libraries; Debian's
strace is dynamically linked.  :func:`strace_overlay_entries` lists what must be copied
in (the binary, every library it needs and the dynamic loader at the path its PT_INTERP
names: guest/elfdeps.py) as ``(host, guest)`` pairs — the form ``--add`` and
:class:`vmstrace.run.RunOptions.adds` take.  :func:`build_strace_initramfs` appends
those files to the cached default initramfs once, so runs that always want strace (the
conformance harness, benchmarks) skip copying ~3 MB into every per-run overlay.

Libraries go to the directory the host's loader finds them in (``/lib/x86_64-linux-gnu``),
one of its built-in search directories on Debian, so the guest needs no
``/etc/ld.so.cache``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import atomic_writer, cache_lock, mark_used, trusted
from vmstrace.core.sources import digest
from vmstrace.guest.cpio import CpioWriter
from vmstrace.guest.elfdeps import with_dependencies
from vmstrace.guest.image import (
    BASE_DIRS,
    build_default_initramfs,
    prune_old_builds,
)

DEFAULT_STRACE = Path("/usr/bin/strace")
GUEST_STRACE = "/usr/bin/strace"


def strace_overlay_entries(strace: Path = DEFAULT_STRACE) -> list[tuple[Path, str]]:
    """``(host, guest)`` pairs that make ``strace`` run in the default guest.

    The binary lands at ``/usr/bin/strace``; each library at the host path the dynamic
    loader finds it at (guest/elfdeps.py), its host symlinks resolved (the overlay follows
    the named path), the dynamic loader among them.
    """
    if not strace.is_file():
        raise VmstraceError(f"{strace} not found: install strace (apt-get install strace)")
    entries = with_dependencies([(strace, GUEST_STRACE)])
    if not any(Path(guest).name.startswith("ld-linux") for _, guest in entries):
        raise VmstraceError(f"{strace} names no dynamic loader: is it a static binary?")
    return entries


def extend_initramfs(cache_dir: Path, tag: str, files: list[tuple[str, bytes, int]]) -> Path:
    """The default initramfs with ``files`` (``(guest path, data, mode)``) appended.

    Returns an -initrd file (gzip base archive, NUL padding to 4 bytes, then an
    uncompressed newc archive with the files) that ``RunOptions.initrd`` takes; the
    per-run overlay is concatenated after it as for the default image.  Cached by content
    as ``initramfs/TAG-<hash>.img``: the base and every file's path, data and mode.
    """
    base = build_default_initramfs(cache_dir)
    key = digest(
        [base.name.encode()] + [p for g, d, m in files for p in (g.encode(), d, str(m).encode())]
    )
    dest = cache_dir / "initramfs" / f"{tag}-{key}.img"
    if trusted(dest, cache_dir) and dest.is_file():
        mark_used(dest)
        return dest
    with cache_lock(dest.parent):
        if not (trusted(dest, cache_dir) and dest.is_file()):
            _write(dest, base, files)
            prune_old_builds(dest.parent, keep=dest.name)
    return dest


def _write(dest: Path, base: Path, files: list[tuple[str, bytes, int]]) -> None:
    with atomic_writer(dest) as out:
        with base.open("rb") as f:
            shutil.copyfileobj(f, out)
        out.write(b"\0" * (-base.stat().st_size % 4))
        cpio = CpioWriter(out)
        made: set[str] = set()
        for guest, data, mode in files:
            parts = guest.strip("/").split("/")
            for i in range(1, len(parts)):
                parent = "/".join(parts[:i])
                if parent not in made:
                    cpio.add_dir(parent, BASE_DIRS.get(parent, 0o755))
                    made.add(parent)
            cpio.add_file(guest, data, mode)
        cpio.finish()


def host_files(entries: list[tuple[Path, str]]) -> list[tuple[str, bytes, int]]:
    """``(host, guest)`` pairs read into ``(guest, data, mode)``, each guest path once."""
    files: dict[str, tuple[bytes, int]] = {}
    for host, guest in entries:
        if guest not in files:
            files[guest] = (host.read_bytes(), (host.stat().st_mode & 0o777) | 0o444)
    return [(g, d, m) for g, (d, m) in files.items()]


def build_strace_initramfs(cache_dir: Path, strace: Path = DEFAULT_STRACE) -> Path:
    """The default initramfs with strace and its libraries appended; cached by content."""
    return extend_initramfs(cache_dir, "strace", host_files(strace_overlay_entries(strace)))
