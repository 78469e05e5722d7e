"""Fetch the default guest kernel: Debian's cloud kernel, unpacked into the cache.

``linux-image-cloud-amd64`` is a metapackage that depends on the current versioned
kernel package (``linux-image-6.1.0-56-cloud-amd64``). apt resolves it, ``apt-get
download`` fetches the .deb and ``dpkg-deb -x`` unpacks it under
``CACHE/kernels/<release>/root``; the vmlinuz is at ``root/boot/vmlinuz-<release>``. The
cloud flavour has what the guest needs built in (8250 serial, devtmpfs, gzip initramfs,
ACPI power-off), so no modules are loaded.

The resolved release is remembered in ``CACHE/kernels/<line>.release``, so later calls
are offline and instant. ``line="6.12"`` picks the newest 6.12 metapackage version, which
bookworm-backports provides.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import (
    ENTRY_MODE,
    building_dir,
    cache_lock,
    private_dir,
    publish_dir,
    read_entry,
    trusted,
    write_atomic,
)
from vmstrace.core.progress import step

META_PACKAGE = "linux-image-cloud-amd64"
BACKPORTS = "bookworm-backports"


def fetch_default_kernel(
    cache_dir: Path, line: str | None = None, meta: str = META_PACKAGE
) -> Path:
    """Returns the path of the default guest's vmlinuz, downloading it on first use.

    ``line`` (e.g. ``"6.12"``) selects a kernel series other than the distribution's
    default candidate; ``meta`` another flavour's meta package (``linux-image-amd64``, the
    generic kernel: the tests boot it as a kernel vmstrace is never given).  Concurrent
    calls fetch and unpack it once (the kernels area's lock); each entry appears whole,
    by a rename (vmstrace/files.py).
    """
    if line is not None and not re.fullmatch(r"[0-9]+(\.[0-9]+)*", line):
        raise VmstraceError(f"kernel series {line!r}: expected one such as 6.1 or 6.12")
    kernels = private_dir(cache_dir / "kernels")
    if not re.fullmatch(r"linux-image-[a-z0-9.-]+", meta):
        raise VmstraceError(f"{meta!r} is not a Debian kernel meta package")
    stamp = kernels / f"{meta}-{line or 'default'}.release"
    known = _known(kernels, stamp, cache_dir)
    if known is not None:
        return known
    with cache_lock(kernels):
        known = _known(kernels, stamp, cache_dir)
        if known is not None:
            return known
        package, version = _resolve(line, meta)
        release = package.removeprefix("linux-image-")
        if not _RELEASE.fullmatch(release):
            raise VmstraceError(
                f"apt names an unexpected kernel package {package!r}: pass a kernel with --kernel."
            )
        vmlinuz = _vmlinuz(kernels, release)
        if not trusted(vmlinuz, cache_dir):
            with step(f"fetching the guest kernel {package} {version} (once, into the cache)"):
                deb = _download(private_dir(cache_dir / "debs"), package, version, cache_dir)
                _unpack(deb, private_dir(kernels / release))
            if not trusted(vmlinuz, cache_dir) or not vmlinuz.is_file():
                raise VmstraceError(
                    f"{deb.name} holds no boot/vmlinuz-{release}: pass a kernel with --kernel."
                )
        write_atomic(stamp, release + "\n")
    return vmlinuz


# a kernel release as Debian names it, and so a safe path component (6.1.0-57-cloud-amd64)
_RELEASE = re.compile(r"[0-9][0-9A-Za-z.+~-]*")


def _vmlinuz(kernels: Path, release: str) -> Path:
    return kernels / release / "root" / "boot" / f"vmlinuz-{release}"


def _known(kernels: Path, stamp: Path, cache_dir: Path) -> Path | None:
    """The vmlinuz the stamp names, if it is unpacked (and trusted)."""
    raw = read_entry(stamp, cache_dir)
    release = raw.decode("utf-8", "replace").strip() if raw is not None else ""
    if not _RELEASE.fullmatch(release):
        return None
    vmlinuz = _vmlinuz(kernels, release)
    if trusted(vmlinuz, cache_dir) and vmlinuz.is_file():
        return vmlinuz
    return None


def _run(argv: list[str], cwd: Path | None = None) -> str:
    try:
        # umask 022: what they write into the cache is not writable by others, as
        # vmstrace/files.py checks
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, umask=0o022)
    except FileNotFoundError as err:
        raise VmstraceError(
            f"{argv[0]} not found: fetching the default kernel needs Debian's apt tools. "
            "On another system, pass a kernel with --kernel."
        ) from err
    if proc.returncode != 0:
        raise VmstraceError(
            f"`{' '.join(argv)}` failed (exit {proc.returncode}): {proc.stderr.strip()}\n"
            "Check the network and run `apt-get update`, or pass a kernel with --kernel."
        )
    return proc.stdout


def candidate_versions(policy: str) -> tuple[str | None, list[str]]:
    """Parses ``apt-cache policy PKG``: (the candidate, all versions newest first)."""
    candidate = None
    versions = []
    in_table = False
    for text in policy.splitlines():
        if m := re.match(r"\s*Candidate:\s*(\S+)", text):
            candidate = None if m[1] == "(none)" else m[1]
        elif re.match(r"\s*Version table:", text):
            in_table = True
        elif in_table and (m := re.match(r"\s*(?:\*\*\*\s+)?(\S+)\s+-?\d+\s*$", text)):
            versions.append(m[1])
    return candidate, versions


def kernel_dependency(show: str, meta: str = META_PACKAGE) -> tuple[str, str]:
    """Parses ``apt-cache show META=VERSION``: the versioned kernel package and its version."""
    for text in show.splitlines():
        if text.startswith("Depends:"):
            for dep in text.removeprefix("Depends:").split(","):
                m = re.match(r"\s*(linux-image-\S+)(?:\s+\(=\s*([^)\s]+)\))?", dep)
                if m and m[1] != meta:
                    return m[1], m[2] or ""
    raise VmstraceError(
        f"cannot tell which kernel package {meta} depends on: pass a kernel with --kernel."
    )


def _resolve(line: str | None, meta: str = META_PACKAGE) -> tuple[str, str]:
    candidate, versions = candidate_versions(_run(["apt-cache", "policy", meta]))
    if line is None:
        version = candidate
        if version is None:
            raise VmstraceError(
                f"apt knows no {meta}: run `apt-get update` (Debian), "
                "or pass a kernel with --kernel."
            )
    else:
        matching = [v for v in versions if v == line or v.startswith(line + ".")]
        if not matching:
            raise VmstraceError(
                f"apt has no {meta} {line}.x (versions: {', '.join(versions) or 'none'}). "
                f"Enable {BACKPORTS} (a deb822 file in /etc/apt/sources.list.d with "
                f"Suites: {BACKPORTS}) and run `apt-get update`."
            )
        version = matching[0]  # apt lists the version table newest first
    show = _run(["apt-cache", "show", f"{meta}={version}"])
    return kernel_dependency(show, meta)


def _download(debs: Path, package: str, version: str, cache_dir: Path) -> Path:
    # apt-get names the file PACKAGE_VERSION_ARCH.deb with ':' (epochs) written as %3a.
    pattern = f"{package}_{version.replace(':', '%3a')}_*.deb" if version else f"{package}_*.deb"
    found = sorted(debs.glob(pattern))
    if not found:
        # into a private directory, then renamed in: a .deb in debs/ is always whole.
        # apt warns that it cannot drop privileges to _apt for a root-owned directory:
        # harmless, the download still happens as root.
        with building_dir(debs / package) as tmp:
            _run(["apt-get", "download", f"{package}={version}" if version else package], cwd=tmp)
            for deb in tmp.glob(pattern):
                os.chmod(deb, ENTRY_MODE)
                os.replace(deb, debs / deb.name)
        found = sorted(debs.glob(pattern))
    if not found:
        raise VmstraceError(f"apt-get download left no {pattern} in {debs}")
    if not trusted(found[-1], cache_dir):
        raise VmstraceError(f"{found[-1]} vanished while vmstrace was using it")
    return found[-1]


def _unpack(deb: Path, dest: Path) -> None:
    """Unpacks the .deb as DEST/root: in a private directory, renamed into place."""
    with building_dir(dest / "root") as tmp:
        _run(["dpkg-deb", "-x", str(deb), str(tmp / "root")])
        old = dest / "root"
        if old.is_dir():  # unpacked but incomplete or untrusted (the lock is ours)
            shutil.rmtree(old)
        publish_dir(tmp / "root", old)
