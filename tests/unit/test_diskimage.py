"""The boot disk builder of the `vmstrace qemu` tests (tests/e2e/diskimage.py), without
booting it: the MBR, the partition, the FAT filesystem's files and the SYSLINUX config."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
import diskimage  # noqa: E402
from diskimage import (  # noqa: E402
    PART_START,
    SECTOR,
    DiskToolMissing,
    build_boot_disk,
    partition_offset,
)

APPEND = "console=ttyS0 panic=-1 quiet"


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    d = tmp_path_factory.mktemp("disk")
    (d / "bzImage").write_bytes(b"kernel" * 100_000)
    (d / "initrd").write_bytes(b"initrd" * 50_000)
    return build_boot_disk(d / "out", d / "bzImage", d / "initrd", APPEND)


def _mtools(tool: str, disk: Path, *args: str) -> str:
    image = f"{disk}@@{partition_offset()}"
    return subprocess.run(
        [tool, "-i", image, *args], capture_output=True, text=True, check=True
    ).stdout


def test_mbr_has_one_bootable_partition_to_the_end(disk):
    data = disk.read_bytes()
    mbr = data[:SECTOR]
    assert mbr[510:] == b"\x55\xaa"
    assert mbr[:440].rstrip(b"\0") == Path("/usr/lib/SYSLINUX/mbr.bin").read_bytes().rstrip(b"\0")
    status, ptype, start, sectors = struct.unpack_from("<B3xB3xII", mbr, 446)
    assert (status, ptype, start) == (0x80, 0x0E, PART_START)
    assert (start + sectors) * SECTOR == len(data)
    assert mbr[462:510] == bytes(48)  # the other three entries are empty


def test_partition_is_fat16_with_its_offset_as_hidden_sectors(disk):
    boot = disk.read_bytes()[partition_offset() : partition_offset() + SECTOR]
    assert boot[510:] == b"\x55\xaa"
    assert boot[54:62] == b"FAT16   "
    assert struct.unpack_from("<I", boot, 28)[0] == PART_START  # BPB hidden sectors


def test_filesystem_holds_kernel_initrd_config_and_syslinux(disk, tmp_path):
    listing = _mtools("mdir", disk, "-a", "-b", "::")
    assert sorted(listing.split()) == [
        "::/initrd.img",
        "::/ldlinux.c32",
        "::/ldlinux.sys",
        "::/syslinux.cfg",
        "::/vmlinuz",
    ]
    assert _mtools("mtype", disk, "::/syslinux.cfg") == (
        "DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n"
        f"  KERNEL /vmlinuz\n  INITRD /initrd.img\n  APPEND {APPEND}\n"
    )
    subprocess.run(
        ["mcopy", "-i", f"{disk}@@{partition_offset()}", "::/vmlinuz", str(tmp_path / "k")],
        check=True,
    )
    assert (tmp_path / "k").read_bytes() == b"kernel" * 100_000


def test_files_are_dated_2024_01_01(disk):
    listing = _mtools("mdir", disk, "-a", "::").splitlines()
    files = [line for line in listing if line[:1].isalpha() and " 20" in line]
    assert len(files) == 5
    assert all(" 2024-01-01 " in line for line in files), listing


def test_same_inputs_give_the_same_disk(disk, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for name in ("bzImage", "initrd"):  # the same bytes, another modification time
        (d / name).write_bytes((disk.parents[1] / name).read_bytes())
        os.utime(d / name, (1_000_000_000, 1_000_000_000))
    again = build_boot_disk(tmp_path / "out", d / "bzImage", d / "initrd", APPEND)
    assert again.read_bytes() == disk.read_bytes()


@pytest.mark.parametrize(("tool", "package"), sorted(diskimage.TOOLS.items()))
def test_a_missing_tool_names_its_package(monkeypatch, tmp_path, tool, package):
    real = diskimage.shutil.which
    monkeypatch.setattr(
        diskimage.shutil, "which", lambda name, path=None: None if name == tool else real(name)
    )
    with pytest.raises(DiskToolMissing, match=f"{tool} not found: install {package} "):
        build_boot_disk(tmp_path, tmp_path / "k", tmp_path / "i", APPEND)


def test_command_line_must_be_one_line(tmp_path):
    with pytest.raises(ValueError, match="one line"):
        diskimage.syslinux_config("quiet\nDEFAULT evil")
