"""Write (and read back) cpio archives in the "newc" format the Linux initramfs uses.

Hand-written because neither the standard library nor a maintained PyPI package writes
newc archives with device nodes and symlinks; the format is small enough to own.

newc (Linux ``Documentation/driver-api/early-userspace/buffer-format.rst``): each entry
is a 110-byte ASCII header -- the magic ``070701`` and thirteen 8-digit hex fields --
then the NUL-terminated name, padded to a multiple of 4 bytes counted from the start of
the header, then the data (a file's bytes, a symlink's target), padded to 4 bytes. The
archive ends with an entry named ``TRAILER!!!``.

Archives are reproducible: every entry gets mtime 0, uid/gid 0 unless the caller gives
the owner (a root filesystem converted from a tar keeps its owners), and inode numbers
count up from 1 in the order entries are added.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from typing import Protocol

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
_HEADER_LEN = 110
# Header fields after the magic, in order (each 8 hex digits).
_FIELDS = (
    "ino",
    "mode",
    "uid",
    "gid",
    "nlink",
    "mtime",
    "filesize",
    "devmajor",
    "devminor",
    "rdevmajor",
    "rdevminor",
    "namesize",
    "check",
)


class Writable(Protocol):
    """Where a :class:`CpioWriter` writes: a binary file, a GzipFile, a BytesIO."""

    def write(self, data: bytes, /) -> int: ...


def _pad4(n: int) -> bytes:
    return b"\0" * (-n % 4)


def _archive_name(path: str) -> str:
    """``/usr/bin`` → ``usr/bin``: entries are relative to the unpacking root."""
    name = path.strip("/")
    if not name or "\0" in name:
        raise ValueError(f"invalid cpio entry path {path!r}")
    return name


class CpioWriter:
    """Appends newc entries to a binary stream; call :meth:`finish` to write the trailer.

    Parents are not created implicitly: add each directory before what it holds (the
    kernel's unpacker does not create missing parents).
    """

    def __init__(self, out: Writable) -> None:
        self._out = out
        self._ino = 0
        self._finished = False

    def add_dir(self, path: str, mode: int = 0o755, *, uid: int = 0, gid: int = 0) -> None:
        self._entry(
            _archive_name(path), stat.S_IFDIR | (mode & 0o7777), b"", nlink=2, owner=(uid, gid)
        )

    def add_file(
        self, path: str, data: bytes, mode: int = 0o644, *, uid: int = 0, gid: int = 0
    ) -> None:
        self._entry(_archive_name(path), stat.S_IFREG | (mode & 0o7777), data, owner=(uid, gid))

    def add_symlink(self, path: str, target: str, *, uid: int = 0, gid: int = 0) -> None:
        self._entry(_archive_name(path), stat.S_IFLNK | 0o777, target.encode(), owner=(uid, gid))

    def add_chardev(self, path: str, major: int, minor: int, mode: int = 0o600) -> None:
        self._entry(_archive_name(path), stat.S_IFCHR | (mode & 0o7777), b"", rdev=(major, minor))

    def add_node(
        self, path: str, mode: int, rdev: tuple[int, int] = (0, 0), *, uid: int = 0, gid: int = 0
    ) -> None:
        """A character or block device or a FIFO; ``mode`` carries its type (``S_IFBLK``)."""
        if stat.S_IFMT(mode) not in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO):
            raise ValueError(f"add_node: {path!r} is not a device or FIFO (mode {mode:#o})")
        self._entry(_archive_name(path), mode, b"", rdev=rdev, owner=(uid, gid))

    def finish(self) -> None:
        """Writes the trailer entry; the archive is complete afterwards."""
        self._entry(TRAILER, 0, b"", nlink=1, ino=0)
        self._finished = True

    def _entry(
        self,
        name: str,
        mode: int,
        data: bytes,
        *,
        nlink: int = 1,
        rdev: tuple[int, int] = (0, 0),
        ino: int | None = None,
        owner: tuple[int, int] = (0, 0),
    ) -> None:
        if self._finished:
            raise ValueError("cpio archive already finished")
        if ino is None:
            self._ino += 1
            ino = self._ino
        encoded = name.encode() + b"\0"
        values = (ino, mode, *owner, nlink, 0, len(data), 0, 0, *rdev, len(encoded), 0)
        header = MAGIC + b"".join(b"%08X" % v for v in values)
        chunk = header + encoded + _pad4(_HEADER_LEN + len(encoded)) + data + _pad4(len(data))
        self._out.write(chunk)


@dataclass(frozen=True)
class CpioEntry:
    """One entry read back from a newc archive (the trailer is not returned)."""

    name: str
    mode: int
    data: bytes
    ino: int = 0
    uid: int = 0
    gid: int = 0
    nlink: int = 1
    mtime: int = 0
    rdevmajor: int = 0
    rdevminor: int = 0

    @property
    def kind(self) -> str:
        """``dir``, ``file``, ``symlink``, ``chardev`` or ``other``."""
        kinds = {
            stat.S_IFDIR: "dir",
            stat.S_IFREG: "file",
            stat.S_IFLNK: "symlink",
            stat.S_IFCHR: "chardev",
        }
        return kinds.get(stat.S_IFMT(self.mode), "other")


def read_newc(data: bytes) -> list[CpioEntry]:
    """Parses one uncompressed newc archive up to its trailer; raises ValueError if malformed."""
    entries: list[CpioEntry] = []
    pos = 0
    while True:
        header = data[pos : pos + _HEADER_LEN]
        if len(header) < _HEADER_LEN or header[:6] != MAGIC:
            raise ValueError(f"no newc header at offset {pos}")
        try:
            fields = {key: int(header[6 + 8 * i : 14 + 8 * i], 16) for i, key in enumerate(_FIELDS)}
        except ValueError as err:
            raise ValueError(f"bad hex field in the header at offset {pos}") from err
        name_end = pos + _HEADER_LEN + fields["namesize"]
        raw_name = data[pos + _HEADER_LEN : name_end]
        if len(raw_name) != fields["namesize"] or not raw_name.endswith(b"\0"):
            raise ValueError(f"bad name in the entry at offset {pos}")
        name = raw_name[:-1].decode()
        data_start = name_end + (-(name_end - pos) % 4)
        data_end = data_start + fields["filesize"]
        if data_end > len(data):
            raise ValueError(f"entry {name!r} runs past the end of the archive")
        if name == TRAILER:
            return entries
        entries.append(
            CpioEntry(
                name=name,
                mode=fields["mode"],
                data=data[data_start:data_end],
                ino=fields["ino"],
                uid=fields["uid"],
                gid=fields["gid"],
                nlink=fields["nlink"],
                mtime=fields["mtime"],
                rdevmajor=fields["rdevmajor"],
                rdevminor=fields["rdevminor"],
            )
        )
        pos = data_end + (-data_end % 4)
