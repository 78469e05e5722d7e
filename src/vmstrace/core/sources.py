"""The sources vmstrace compiles on the user's machine, and the digest that keys their builds.

Two trees are built on first use into the cache (core/files.py), not when the package is
installed: ``native`` (the QEMU capture plugin, capture/plugin.py) and ``guest`` (the
guest's init and static programs, guest/image.py).  They need a compiler, glib's headers
and busybox-static that a wheel cannot carry, and a build keyed by the sources' digest is
redone exactly when a source changes, in a checkout as in an installed package.

A wheel carries them as package data, ``vmstrace/_data/{native,guest}`` (copied there by
the repository's setup.py); a source checkout (an editable install) has the one copy at
its top, next to ``src/``, where ``make -C native`` and the C extensions' include-dirs find
it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from vmstrace.core.errors import VmstraceError

# A file each tree must hold: how a directory is recognised as that tree.
_MARKERS = {"native": "vmstrace_plugin.c", "guest": "init.sh"}


def source_dir(name: str, package: Path | None = None) -> Path:
    """The directory of the ``native`` or ``guest`` sources: the installed package's data,
    else the source checkout's; one error naming both places when neither holds them.
    ``package`` is vmstrace's own directory (default: where it is imported from)."""
    marker = _MARKERS[name]
    if package is None:
        # A directory: vmstrace's compiled extensions cannot be imported from a zip.
        package = Path(str(resources.files("vmstrace")))
    candidates = [package / "_data" / name, package.parents[1] / name]
    for path in candidates:
        if (path / marker).is_file():
            return path
    raise VmstraceError(
        f"the {name} sources are missing: expected {candidates[0]}/{marker} (an installed "
        f"package) or {candidates[1]}/{marker} (a source checkout). Reinstall vmstrace "
        "(pip install . in a checkout, or the wheel)."
    )


def digest(parts: Iterable[bytes]) -> str:
    """A short hash of ``parts`` (each length-prefixed, so no two lists collide): the name
    of a build in the cache, which changes when any input does."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:16]


def file_parts(files: Iterable[Path], root: Path) -> list[bytes]:
    """Each file's path under ``root`` and its bytes, for :func:`digest`."""
    return [
        part for f in files for part in (f.relative_to(root).as_posix().encode(), f.read_bytes())
    ]
