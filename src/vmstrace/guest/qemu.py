"""Starting QEMU: the command line for a guest with the capture plugin and four serial lines.

ttyS0 is the guest console (boot log), ttyS1 and ttyS2 carry the traced command's stdout
and stderr, ttyS3 is the control line on which the guest's init reports READY and the
command's exit status (guest/init.sh).  Each line is a pipe whose write end QEMU opens
as /dev/fd/N, so nothing touches the disk and a dead QEMU closes every line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from vmstrace.core.errors import VmstraceError
from vmstrace.guest.network import Forward, netdev_args

QEMU = "qemu-system-x86_64"
MIN_VERSION = (10, 0)
SERIAL_LINES = ("console", "stdout", "stderr", "control")
# no_timer_check: under TCG on a busy host the kernel's check that the IO-APIC timer ticks
# can miss its ticks and panic ("IO-APIC + timer doesn't work!", seen with 6 guests on 2
# cores); the emulated timer works, only the host is slow.
KERNEL_APPEND = "console=ttyS0 panic=-1 quiet loglevel=3 no_timer_check"
MACHINE = "pc"  # i440fx; ram_below_4g() follows its memory map

# hw/i386/pc_piix.c: RAM below 4 GiB ends at max-ram-below-4g (default 3.5 GiB); when RAM
# reaches that, machine types with gigabyte_align (all current ones) split it at 3 GiB and
# map the rest from 4 GiB up.
_SPLIT_AT = 0xE000_0000
_GIGABYTE_SPLIT = 0xC000_0000


@dataclass(frozen=True)
class GuestConfig:
    kernel: Path
    initrd: Path
    memory_mb: int = 512
    smp: int = 1
    cpu: str = "max"
    append: str = KERNEL_APPEND
    ram_file: Path | None = None  # back guest RAM with this file, shared (the plugin maps it)
    net: str = "off"  # the network device (guest/network.py): restricted, open or off
    forwards: tuple[Forward, ...] = ()  # host ports forwarded to the guest

    @property
    def ram_bytes(self) -> int:
        return self.memory_mb << 20


def ram_below_4g(ram_bytes: int) -> int:
    """How much of the PC machine's RAM sits at guest-physical 0 (the rest is at 4 GiB)."""
    return ram_bytes if ram_bytes < _SPLIT_AT else _GIGABYTE_SPLIT


def find_qemu() -> str:
    """The QEMU binary, checked for the plugin API vmstrace needs (QEMU ≥ 10.0)."""
    path = shutil.which(QEMU)
    if path is None:
        raise VmstraceError(f"{QEMU} not found; {_FIX}")
    return check_qemu(path)


_FIX = (
    "install QEMU 10 from bookworm-backports: `make setup` (or apt-get install "
    "-t bookworm-backports qemu-system-x86)"
)


def check_qemu(path: str) -> str:
    """``path``, once checked to be a QEMU with the plugin API vmstrace needs."""
    fix = _FIX
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise VmstraceError(f"{path} --version failed ({err}); {fix}") from err
    m = re.search(r"version (\d+)\.(\d+)", out.stdout)
    if m is None:
        raise VmstraceError(f"cannot read the version of {path}; {fix}")
    version = (int(m.group(1)), int(m.group(2)))
    if version < MIN_VERSION:
        raise VmstraceError(
            f"{path} is QEMU {version[0]}.{version[1]}; vmstrace needs QEMU "
            f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or newer for its plugin API; {fix}"
        )
    return path


def qemu_opt(value: object) -> str:
    """``value`` as one value of a QEMU option list (``-plugin``, ``-object``): QemuOpts
    and keyval split at commas and read ``,,`` as a literal comma (util/qemu-option.c,
    get_opt_value), so a path such as TMPDIR=/tmp/a,b stays one value."""
    return str(value).replace(",", ",,")


def qemu_command(
    qemu: str,
    cfg: GuestConfig,
    serial_fds: dict[str, int],
    plugin: Path | None = None,
    plugin_args: dict[str, str] | None = None,
) -> list[str]:
    cmd = [
        qemu,
        "-accel", "tcg,thread=multi" if cfg.smp > 1 else "tcg",
        "-cpu", cfg.cpu,
        "-m", str(cfg.memory_mb),
        "-smp", str(cfg.smp),
        "-display", "none",
        "-monitor", "none",
        "-nodefaults",
        "-no-reboot",
        "-kernel", str(cfg.kernel),
        "-initrd", str(cfg.initrd),
        "-append", cfg.append,
    ]  # fmt: skip
    if cfg.ram_file is not None:
        cmd += [
            "-object", f"memory-backend-file,id=ram0,size={cfg.memory_mb}M,"
                       f"mem-path={qemu_opt(cfg.ram_file)},share=on",
            "-machine", f"{MACHINE},memory-backend=ram0",
        ]  # fmt: skip
    cmd += netdev_args(cfg.net, list(cfg.forwards))
    for i, line in enumerate(SERIAL_LINES):
        cmd += ["-chardev", f"file,id={line},path=/dev/fd/{serial_fds[line]}"]
        cmd += ["-device", f"isa-serial,chardev={line},index={i}"]
    if plugin is not None:
        args = "".join(f",{k}={qemu_opt(v)}" for k, v in (plugin_args or {}).items())
        cmd += ["-plugin", qemu_opt(plugin) + args]
    return cmd
