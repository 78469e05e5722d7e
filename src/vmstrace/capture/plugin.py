"""The QEMU capture plugin: built from its sources (native/) into the cache on first use.

The build runs the sources' own Makefile (``make -C native OUT=DIR``, the one compile rule,
which ``make plugin`` and the tests also use) into a private directory of the cache named
by the digest of every source file and the flags, so a changed source, or the plugin API
header the project declares itself (native/qemu_plugin_api.h: Debian ships no
qemu-plugin.h), gives a new build, and QEMU's version is checked where QEMU is found
(guest/qemu.py).  It is published by rename under the area's lock, as the guest programs
are (core/files.py), so concurrent runs compile once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import (
    building_dir,
    cache_dir,
    cache_lock,
    mark_used,
    private_dir,
    prune,
    publish_dir,
    trusted,
)
from vmstrace.core.sources import digest, file_parts, source_dir

PLUGIN = "vmstrace_plugin.so"
# The Makefile's flags without its -Werror: a warning a newer compiler adds must not stop
# a user's trace (`make -C native`, for development, keeps -Werror).
CFLAGS = "-O2 -g -Wall -Wextra"
# What the build runs, and the Debian package each comes from.
_TOOLS = {"make": "make", "gcc": "gcc", "pkg-config": "pkg-config"}
_GLIB = "libglib2.0-dev"


def plugin_path(cache: Path | None = None) -> Path:
    """The plugin .so: $VMSTRACE_PLUGIN, else the cache's build of the sources (made now
    if there is none)."""
    env = os.environ.get("VMSTRACE_PLUGIN")
    if env:
        path = Path(env)
        if not path.is_file():
            raise VmstraceError(
                f"VMSTRACE_PLUGIN={env} does not exist; unset it to use the plugin vmstrace "
                "builds from its sources"
            )
        return path
    return build_plugin(cache if cache is not None else cache_dir())


def plugin_sources(source: Path) -> list[Path]:
    """The files the plugin is built from: the C sources and headers, and the Makefile."""
    return sorted(
        p
        for p in source.iterdir()
        if p.is_file() and (p.suffix in (".c", ".h") or p.name == "Makefile")
    )


def build_plugin(cache: Path, source: Path | None = None) -> Path:
    """The plugin built from ``source`` (default: the installed sources) in ``cache``."""
    source = source or source_dir("native")
    key = digest([CFLAGS.encode(), *file_parts(plugin_sources(source), source)])
    area = private_dir(cache / "plugin")
    out_dir = area / key
    built = out_dir / PLUGIN
    if trusted(built, cache) and built.is_file():
        mark_used(out_dir)
        return built
    check_build_tools()
    with cache_lock(area):
        if trusted(built, cache) and built.is_file():
            return built
        with building_dir(out_dir) as tmp:
            _make(source, tmp)
            if out_dir.exists():  # a directory without the plugin (the lock is ours)
                shutil.rmtree(out_dir)
            publish_dir(tmp, out_dir)
        prune(area, key, None)
    return built


def check_build_tools() -> None:
    """One error naming every package the build needs and the host lacks."""
    missing = [pkg for tool, pkg in _TOOLS.items() if shutil.which(tool) is None]
    if shutil.which("pkg-config") is not None:
        found = subprocess.run(["pkg-config", "--exists", "glib-2.0"], check=False)
        if found.returncode != 0:
            missing.append(_GLIB)
    else:
        missing.append(_GLIB)  # pkg-config is how the build finds glib: cannot tell
    if missing:
        raise VmstraceError(
            "building the capture plugin (once, into the cache) needs "
            f"{', '.join(missing)}: install {'it' if len(missing) == 1 else 'them'} "
            f"(apt-get install {' '.join(missing)}), or run `make setup` in a checkout"
        )


def _make(source: Path, out_dir: Path) -> None:
    try:
        subprocess.run(
            ["make", "-s", "-C", str(source), f"OUT={out_dir}", "CC=gcc", f"CFLAGS={CFLAGS}"],
            check=True,
            capture_output=True,
            text=True,
            umask=0o022,  # a cache entry no one else may write (core/files.py)
        )
    except subprocess.CalledProcessError as err:
        raise VmstraceError(
            f"building the capture plugin from {source} failed:\n{err.stderr.strip()}"
        ) from err
