"""The newc writer: exact bytes, alignment, and round trips through our reader and GNU cpio."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from vmstrace.guest.cpio import CpioEntry, CpioWriter, read_newc

needs_cpio = pytest.mark.skipif(shutil.which("cpio") is None, reason="GNU cpio not installed")


def _archive() -> bytes:
    buf = io.BytesIO()
    w = CpioWriter(buf)
    w.add_dir("/etc", 0o755)
    w.add_file("/etc/hostname", b"vmstrace-guest\n", 0o640)
    w.add_dir("bin")
    w.add_symlink("/bin/sh", "/bin/busybox")
    w.add_dir("dev")
    w.add_chardev("/dev/console", 5, 1, 0o600)
    w.add_file("empty", b"", 0o600)
    w.finish()
    return buf.getvalue()


def test_single_file_exact_bytes() -> None:
    buf = io.BytesIO()
    w = CpioWriter(buf)
    w.add_file("a", b"xy", 0o644)
    w.finish()
    # 110-byte header + "a\0" = 112: no name padding; data "xy" pads to 4. The trailer:
    # 110 + "TRAILER!!!\0" = 121, padded to 124.
    header = b"070701" + b"".join(
        b"%08X" % v for v in (1, 0o100644, 0, 0, 1, 0, 2, 0, 0, 0, 0, 2, 0)
    )
    trailer = b"070701" + b"".join(b"%08X" % v for v in (0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 11, 0))
    expected = header + b"a\0" + b"xy\0\0" + trailer + b"TRAILER!!!\0" + b"\0" * 3
    assert buf.getvalue() == expected


def test_round_trip_through_reader() -> None:
    assert read_newc(_archive()) == [
        CpioEntry("etc", stat.S_IFDIR | 0o755, b"", ino=1, nlink=2),
        CpioEntry("etc/hostname", stat.S_IFREG | 0o640, b"vmstrace-guest\n", ino=2),
        CpioEntry("bin", stat.S_IFDIR | 0o755, b"", ino=3, nlink=2),
        CpioEntry("bin/sh", stat.S_IFLNK | 0o777, b"/bin/busybox", ino=4),
        CpioEntry("dev", stat.S_IFDIR | 0o755, b"", ino=5, nlink=2),
        CpioEntry("dev/console", stat.S_IFCHR | 0o600, b"", ino=6, rdevmajor=5, rdevminor=1),
        CpioEntry("empty", stat.S_IFREG | 0o600, b"", ino=7),
    ]


@pytest.mark.parametrize("name_len", range(1, 9))
@pytest.mark.parametrize("data_len", range(0, 6))
def test_every_header_is_4_byte_aligned(name_len: int, data_len: int) -> None:
    buf = io.BytesIO()
    w = CpioWriter(buf)
    w.add_file("n" * name_len, b"d" * data_len)
    w.add_file("second", b"z")
    w.finish()
    data = buf.getvalue()
    assert len(data) % 4 == 0
    offsets = [i for i in range(len(data)) if data.startswith(b"070701", i)]
    assert len(offsets) == 3
    assert all(off % 4 == 0 for off in offsets)
    entries = read_newc(data)
    assert [(e.name, e.data) for e in entries] == [
        ("n" * name_len, b"d" * data_len),
        ("second", b"z"),
    ]


@pytest.mark.parametrize("bad", ["", "/", "a\0b"])
def test_rejects_unusable_names(bad: str) -> None:
    with pytest.raises(ValueError):
        CpioWriter(io.BytesIO()).add_file(bad, b"")


def test_no_entries_after_finish() -> None:
    w = CpioWriter(io.BytesIO())
    w.finish()
    with pytest.raises(ValueError):
        w.add_dir("x")


@pytest.mark.parametrize(
    "data", [b"", b"070702" + b"0" * 200, _archive()[:-40], b"070701" + b"G" * 104]
)
def test_reader_rejects_malformed(data: bytes) -> None:
    with pytest.raises(ValueError):
        read_newc(data)


@needs_cpio
def test_gnu_cpio_lists_the_entries() -> None:
    listing = subprocess.run(
        ["cpio", "-t", "--quiet"], input=_archive(), capture_output=True, check=True
    ).stdout
    assert listing.decode().splitlines() == [
        "etc",
        "etc/hostname",
        "bin",
        "bin/sh",
        "dev",
        "dev/console",
        "empty",
    ]


@needs_cpio
def test_gnu_cpio_extracts_the_entries(tmp_path: Path) -> None:
    subprocess.run(
        ["cpio", "-i", "-d", "--quiet", "--no-absolute-filenames"],
        input=_archive(),
        cwd=tmp_path,
        capture_output=True,
        check=os.geteuid() == 0,  # as non-root, mknod of dev/console fails; the rest is checked
    )
    hostname = tmp_path / "etc/hostname"
    assert hostname.read_bytes() == b"vmstrace-guest\n"
    assert stat.S_IMODE(hostname.stat().st_mode) == 0o640
    assert os.readlink(tmp_path / "bin/sh") == "/bin/busybox"
    assert (tmp_path / "empty").read_bytes() == b""
    if os.geteuid() == 0:
        st = (tmp_path / "dev/console").lstat()
        assert stat.S_ISCHR(st.st_mode)
        assert (os.major(st.st_rdev), os.minor(st.st_rdev)) == (5, 1)
