"""The files vmstrace writes and trusts on the host: the cache, its entries, logs, outputs.

The threat is another local user.  vmstrace trusts what it cached (a kernel, its layout,
the guest image and programs) as it trusts its own code, so it keeps the cache where only
the user can write and checks that before reading anything from it:

* the cache directory, and every directory above it, is owned by the user (or root) and
  not writable by group or others, unless sticky (``/tmp``: others cannot rename what is
  ours there); each entry read, and every directory between it and the cache, is owned by
  the user, not writable by group or others, and not a symlink.  Otherwise one clear
  error (:class:`UntrustedCache`) names the path and the fix: vmstrace sets its own modes
  (0700/0755/0644, whatever the umask), so other permissions mean someone else changed
  the cache, and a silent rebuild elsewhere would hide that (and fetch a kernel each run);
* every file in the cache is written whole or not at all, without following a symlink:
  a temporary file created next to it (``O_CREAT|O_EXCL|O_NOFOLLOW``, by ``tempfile``)
  is renamed over it (:func:`write_atomic`, :func:`atomic_writer`); a directory entry is
  built in a private temporary directory and renamed into place (:func:`publish_dir`),
  where the loser of a race uses the winner's;
* building an entry is serialised by :func:`cache_lock` (``flock`` on a lock file of the
  entry's area), so concurrent runs build it once; correctness does not depend on the
  lock, only the work saved does.

Output files (``-o``, ``--json``) are the user's own paths and are opened as the shell's
``>`` would, except where the kernel's ``fs.protected_symlinks``/``protected_regular``
would refuse: a symlink or another user's file in a sticky world-writable directory
(:func:`open_output`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO, TypeVar

from vmstrace.core.errors import VmstraceError

CACHE_MODE = 0o700  # a new cache directory: the user's alone
ENTRY_MODE = 0o644  # a cached file; directories inside are 0755
PRUNE_AGE_S = 24 * 3600  # an old build is removed once unused this long (another checkout's)


class UntrustedCache(VmstraceError):
    """A cache path others could have changed: vmstrace will not read it."""


def cache_dir() -> Path:
    """vmstrace's cache: $VMSTRACE_CACHE, else $XDG_CACHE_HOME/vmstrace, else
    ~/.cache/vmstrace; created private, and checked as the module docstring says."""
    env = os.environ.get("VMSTRACE_CACHE")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if env:
        path = Path(env)
    elif os.path.isabs(xdg):  # the XDG spec: a relative value is ignored
        path = Path(xdg) / "vmstrace"
    else:
        path = Path.home() / ".cache" / "vmstrace"
    missing = []
    at = path
    while not at.exists() and at != at.parent:
        missing.append(at)
        at = at.parent
    for new in reversed(missing):  # ~/.cache too, if missing: 0700, whatever the umask
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=CACHE_MODE)
    check_cache_dir(path)
    return path


def _fix(path: Path) -> str:
    return (
        f"run `chmod go-w {path}` if that is fine, or point VMSTRACE_CACHE at a "
        "directory only you can write"
    )


def check_cache_dir(path: Path) -> None:
    """Raises UntrustedCache unless ``path`` and the directories above it are safe."""
    uid = os.geteuid()
    real = Path(os.path.realpath(path))
    st = os.stat(real)
    if not stat.S_ISDIR(st.st_mode):
        raise UntrustedCache(
            f"the cache {path} is not a directory; point VMSTRACE_CACHE "
            "at a directory only you can write"
        )
    _check_owned(real, st, uid, "the cache")
    for parent in real.parents:
        pst = os.stat(parent)
        if pst.st_uid not in (0, uid):
            raise UntrustedCache(
                f"the cache {path} is inside {parent}, owned by uid {pst.st_uid}, who could "
                f"replace it; point VMSTRACE_CACHE at a directory only you can write"
            )
        if pst.st_mode & 0o022 and not pst.st_mode & stat.S_ISVTX:
            raise UntrustedCache(
                f"the cache {path} is inside {parent}, which others can write "
                f"(mode {stat.S_IMODE(pst.st_mode):04o}) and so replace the cache; "
                "point VMSTRACE_CACHE at a directory only you can write"
            )


def _check_owned(path: Path, st: os.stat_result, uid: int, what: str) -> None:
    if st.st_uid != uid:
        raise UntrustedCache(
            f"{what} {path} is owned by uid {st.st_uid}, not by you (uid {uid}): vmstrace "
            "will not trust what another user could have changed; remove it (it is "
            "rebuilt), or point VMSTRACE_CACHE at a directory only you can write"
        )
    if st.st_mode & 0o022:
        raise UntrustedCache(
            f"{what} {path} is writable by others (mode {stat.S_IMODE(st.st_mode):04o}): "
            f"vmstrace will not trust what another user could have changed; {_fix(path)}"
        )


def trusted(path: Path, cache: Path) -> bool:
    """Whether the cache entry ``path`` exists; raises UntrustedCache when it, or a
    directory between it and ``cache``, is a symlink, another user's, or writable by
    others.  The cache itself was checked by :func:`cache_dir`."""
    uid = os.geteuid()
    rel = path.relative_to(cache)
    at = cache
    for part in rel.parts:
        at = at / part
        try:
            st = os.lstat(at)
        except FileNotFoundError:
            return False
        if stat.S_ISLNK(st.st_mode):
            raise UntrustedCache(
                f"the cache entry {at} is a symlink, which vmstrace never makes: remove it "
                "(it is rebuilt)"
            )
        _check_owned(at, st, uid, "the cache entry")
    return True


def read_entry(path: Path, cache: Path) -> bytes | None:
    """The bytes of the cache entry ``path``, None if it is missing (or unreadable);
    UntrustedCache as :func:`trusted` says."""
    if not trusted(path, cache):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


class _Derived(Protocol):
    @property
    def sha256(self) -> str:  # of the input the entry was derived from
        ...


D = TypeVar("D", bound=_Derived)


def read_derived(path: Path, cache: Path, digest: str, from_json: Callable[[Any], D]) -> D | None:
    """The cache entry ``path``, a JSON document derived from the input whose sha256 is
    ``digest``, made back into its object; None if it is missing, damaged or stale (derive it
    again); UntrustedCache as :func:`trusted` says."""
    try:
        raw = read_entry(path, cache)
        if raw is not None:
            derived = from_json(json.loads(raw))
            if derived.sha256 == digest:
                return derived
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    return None


def write_entry(path: Path, data: str | bytes) -> None:
    """Stores a cache entry (its area is created if needed); a cache that cannot be
    written only costs the next run the work again."""
    try:
        private_dir(path.parent)
        write_atomic(path, data)
    except OSError:
        pass


def private_dir(path: Path, mode: int = 0o755) -> Path:
    """``path`` (an area of the cache), created with ``mode`` whatever the umask."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=mode)
            os.chmod(path, mode)
    return path


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = ENTRY_MODE) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` when the block ends without an error.

    The temporary file is created next to ``path`` with O_EXCL|O_NOFOLLOW (tempfile), so
    nothing planted there is followed or reused; os.replace swaps it in, replacing a
    symlink at ``path`` rather than writing through it.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            os.fchmod(f.fileno(), mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: str | bytes, mode: int = ENTRY_MODE) -> None:
    """Replaces ``path`` with ``data`` all at once (see :func:`atomic_writer`)."""
    with atomic_writer(path, mode) as f:
        f.write(data.encode() if isinstance(data, str) else data)


@contextlib.contextmanager
def building_dir(dest: Path) -> Iterator[Path]:
    """A private temporary directory next to ``dest`` to build an entry in; removed if
    still there at the end (after :func:`publish_dir`, or on error)."""
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}."))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish_dir(tmp: Path, dest: Path, mode: int = 0o755) -> None:
    """Renames the built directory ``tmp`` to ``dest``; if another run published ``dest``
    first, ``tmp`` stays (and :func:`building_dir` removes it): the winner's is used."""
    os.chmod(tmp, mode)
    try:
        os.rename(tmp, dest)
    except OSError:
        if not dest.is_dir():
            raise


@contextlib.contextmanager
def cache_lock(area: Path) -> Iterator[None]:
    """Holds the build lock of a cache area (``AREA/.lock``) for the block."""
    fd = os.open(area / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def mark_used(path: Path) -> None:
    """Notes that a cached build was just used, so :func:`prune` keeps it."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune(directory: Path, keep: str, prefix: str | None) -> None:
    """Removes old builds next to the one just made: the same prefix (``default-``), or
    any name when ``prefix`` is None, unused for PRUNE_AGE_S; a build another checkout
    is about to read is recent, so it stays."""
    old = time.time() - PRUNE_AGE_S
    for entry in directory.iterdir():
        if entry.name == keep or entry.name.startswith("."):
            continue
        if prefix is not None and not entry.name.startswith(prefix):
            continue
        try:
            if entry.lstat().st_mtime > old:
                continue
        except FileNotFoundError:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def check_input_file(option: str, path: Path, expected: str) -> None:
    """Raises VmstraceError unless the user's input ``path`` is a file (``expected``
    says what kind)."""
    if path.is_dir():
        raise VmstraceError(f"{option}: {path} is a directory; expected {expected} file")
    if not path.is_file():
        raise VmstraceError(f"{option}: {path} does not exist")


def open_output(path: str | Path, option: str, append: bool = False) -> TextIO:
    """Opens the user's output file for writing (text), as the shell's ``>`` (``>>``)
    would; errors name the option and the file.

    Where the kernel's fs.protected_symlinks / protected_regular would refuse (they may
    be off), so does this: following a symlink, or writing a file, that belongs to
    someone else in a sticky world-writable directory such as /tmp.
    """
    p = _writable(path, option)
    try:
        return open(p, "a" if append else "w", encoding="utf-8")
    except OSError as err:
        raise VmstraceError(f"{option} {p}: cannot write: {err.strerror}") from err


def open_binary_output(path: str | Path, option: str) -> BinaryIO:
    """:func:`open_output` for a binary file (``--save-raw``)."""
    p = _writable(path, option)
    try:
        return open(p, "wb")
    except OSError as err:
        raise VmstraceError(f"{option} {p}: cannot write: {err.strerror}") from err


def _writable(path: str | Path, option: str) -> Path:
    p = Path(path)
    try:
        st = os.lstat(p)
        check_output(p, option, st, os.stat(p.parent), os.geteuid())
    except FileNotFoundError:
        pass
    except OSError as err:
        raise VmstraceError(f"{option} {p}: cannot write: {err.strerror}") from err
    return p


def check_output(
    path: Path, option: str, st: os.stat_result, parent: os.stat_result, uid: int
) -> None:
    """Raises VmstraceError if the existing output ``path`` (``st``, lstat) in its
    directory (``parent``) is one the user must not write through (see open_output)."""
    shared = parent.st_mode & stat.S_ISVTX and parent.st_mode & 0o002
    if shared and st.st_uid not in (uid, parent.st_uid):
        what = "a symlink" if stat.S_ISLNK(st.st_mode) else "a file"
        raise VmstraceError(
            f"{option} {path}: {what} of uid {st.st_uid} in the shared directory "
            f"{path.parent}; another user could read or redirect the trace: remove it "
            "or choose another path"
        )
    if stat.S_ISDIR(st.st_mode):
        raise VmstraceError(f"{option} {path}: is a directory; give a file name")
