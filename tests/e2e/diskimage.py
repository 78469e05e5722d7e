"""A raw disk image that boots Linux through the PC firmware, as a user's VM disk does.

The `vmstrace qemu` tests run a user's own QEMU command line, whose guest boots from its
disk (QEMU's default SeaBIOS, then a bootloader on the disk), not from ``-kernel``.
:func:`build_boot_disk` makes such a disk from a bzImage, an initrd and a kernel command
line, without loop devices, mounts or root (CI may run in a container):

- one FAT16 filesystem image (``mkfs.fat -C``, dosfstools) whose boot sector records the
  partition's start as its hidden sectors, the kernel, initrd and ``syslinux.cfg`` copied
  in with ``mcopy`` (mtools), and SYSLINUX installed into it with ``syslinux --install``
  (which writes the image file through mtools, no mount);
- before it, at sector 0, SYSLINUX's ``mbr.bin`` and an MBR partition table with that one
  partition, bootable, from 1 MiB on: the layout partitioning tools make.

The firmware runs the MBR, the MBR the partition's boot sector, that ``ldlinux.sys``,
which reads ``syslinux.cfg``: no prompt, no timeout, the one entry.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

SECTOR = 512
PART_START = 2048  # sectors: 1 MiB, where fdisk and sfdisk put the first partition
FAT16_LBA = 0x0E  # the partition type of a FAT16 filesystem addressed by LBA
MBR_CODE_BYTES = 440  # boot code; then the disk signature, the table and 0x55AA
SYSLINUX_MBR = (Path("/usr/lib/SYSLINUX/mbr.bin"), Path("/usr/lib/syslinux/mbr/mbr.bin"))
KERNEL_NAME = "vmlinuz"
INITRD_NAME = "initrd.img"
CONFIG_NAME = "syslinux.cfg"
_MIN_FS_MB = 32  # FAT16 wants at least 4085 clusters; mkfs.fat -F 16 is content above this
_MAX_FS_MB = 2047  # FAT16 with 32 KiB clusters; beyond it would need FAT32
_FILE_DATE = 1_704_067_200  # 2024-01-01 UTC, in the FAT directory entries
# the tools, each with the Debian package that installs it (scripts/setup.sh lists them)
TOOLS = {"mkfs.fat": "dosfstools", "mcopy": "mtools", "syslinux": "syslinux"}


class DiskToolMissing(RuntimeError):
    """A tool the disk is made with is not installed; the message names its package."""


def _tool(name: str) -> str:
    # mkfs.fat is in /usr/sbin, which a non-root PATH may lack
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        raise DiskToolMissing(
            f"{name} not found: install {TOOLS[name]} (apt-get install {TOOLS[name]}, "
            "or `make setup`)"
        )
    return path


def _mbr_code() -> bytes:
    for path in SYSLINUX_MBR:
        if path.is_file():
            code = path.read_bytes()
            if len(code) > MBR_CODE_BYTES:
                raise ValueError(f"{path} is {len(code)} bytes, more than an MBR's boot code")
            return code
    raise DiskToolMissing(
        f"SYSLINUX's mbr.bin not found ({', '.join(map(str, SYSLINUX_MBR))}): "
        "install syslinux (apt-get install syslinux, or `make setup`)"
    )


def syslinux_config(append: str) -> str:
    """``syslinux.cfg``: boot the one entry at once (no prompt, no timeout)."""
    if "\n" in append or "\r" in append:
        raise ValueError("the kernel command line must be one line")
    return (
        "DEFAULT linux\n"
        "PROMPT 0\n"
        "TIMEOUT 0\n"
        "LABEL linux\n"
        f"  KERNEL /{KERNEL_NAME}\n"
        f"  INITRD /{INITRD_NAME}\n"
        f"  APPEND {append}\n"
    )


def _chs(lba: int) -> bytes:
    """An MBR's cylinder/head/sector triple for ``lba`` (255 heads, 63 sectors per track);
    past cylinder 1023 the conventional maximum, the loader then uses the LBA fields."""
    cylinder, rest = divmod(lba, 255 * 63)
    if cylinder > 1023:
        return b"\xfe\xff\xff"
    head, sector = divmod(rest, 63)
    return bytes([head, ((cylinder >> 2) & 0xC0) | (sector + 1), cylinder & 0xFF])


def mbr_sector(code: bytes, start: int, sectors: int, ptype: int = FAT16_LBA) -> bytes:
    """Sector 0: ``code``, then one bootable partition of ``sectors`` from ``start``."""
    entry = struct.pack(
        "<B3sB3sII", 0x80, _chs(start), ptype, _chs(start + sectors - 1), start, sectors
    )
    return code.ljust(MBR_CODE_BYTES, b"\0") + bytes(6) + entry + bytes(48) + b"\x55\xaa"


def _fs_megabytes(files: list[Path]) -> int:
    need = sum(f.stat().st_size for f in files)
    mb = max(_MIN_FS_MB, -(-(need * 9 // 8) // (1 << 20)) + 4)  # +1/8 and 4 MiB for FAT
    if mb > _MAX_FS_MB:
        raise ValueError(f"{need} bytes of kernel and initrd do not fit a FAT16 boot partition")
    return mb


def _run(argv: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({proc.returncode}): {proc.stderr.strip()}")


def build_boot_disk(out_dir: Path, kernel: Path, initrd: Path, append: str) -> Path:
    """Writes ``out_dir/disk.img``, a raw MBR disk that SeaBIOS boots into ``kernel`` with
    ``initrd`` and the command line ``append``; returns its path.

    The kernel and initrd are copied in as ``/vmlinuz`` and ``/initrd.img`` of the FAT
    partition (1 MiB on, to the end of the disk). Raises :class:`DiskToolMissing` naming the
    package of a missing tool.
    """
    tools = {name: _tool(name) for name in TOOLS}
    code = _mbr_code()
    config = syslinux_config(append)
    size_mb = _fs_megabytes([kernel, initrd])
    # mtools (also under syslinux): no ~/.mtoolsrc, no check of the image's geometry
    # against a drive's, and every file dated SOURCE_DATE_EPOCH: the same disk each time
    env = {
        **os.environ,
        "MTOOLS_SKIP_CHECK": "1",
        "MTOOLSRC": os.devnull,
        "SOURCE_DATE_EPOCH": str(_FILE_DATE),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    disk = out_dir / "disk.img"
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        part, config_file = Path(tmp) / "part.img", Path(tmp) / CONFIG_NAME
        config_file.write_text(config)
        # -h: the hidden sectors before the filesystem, which the boot sector adds to its
        # own sector numbers; --invariant: a fixed serial number and date
        _run(
            [tools["mkfs.fat"], "-C", "-F", "16", "-n", "VMSTRACE", "-h", str(PART_START),
             "--invariant", str(part), str(size_mb * 1024)],
            env,
        )  # fmt: skip
        for src, name in (
            (kernel, KERNEL_NAME),
            (initrd, INITRD_NAME),
            (config_file, CONFIG_NAME),
        ):
            _run([tools["mcopy"], "-i", str(part), str(src), f"::{name}"], env)
        _run([tools["syslinux"], "--install", str(part)], env)
        sectors = part.stat().st_size // SECTOR
        with open(disk, "wb") as out:
            out.write(mbr_sector(code, PART_START, sectors))
            out.seek(PART_START * SECTOR)
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    return disk


def partition_offset() -> int:
    """Byte offset of the FAT partition in a disk from :func:`build_boot_disk` (mtools
    reads it as ``-i disk.img@@OFFSET``)."""
    return PART_START * SECTOR
