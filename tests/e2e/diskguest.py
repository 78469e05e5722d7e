"""The guest the `vmstrace qemu` tests boot from a disk: a workload under in-guest strace.

:func:`build_workload_disk` puts on one boot disk (tests/e2e/diskimage.py) the Debian
cloud kernel vmstrace fetches and the conformance image (the default busybox initramfs
with Debian's strace and its libraries: guest/strace_image.py) with the workload as the
command its ``/init`` runs (guest/init.sh). That command is the conformance harness's
own script (conformance_suites.guest_script): the workload runs under
``strace -f -s 32 -o FILE``, and then its strace output, stdout, stderr and exit status are
printed on the guest's stderr between marker lines, the very form conformance.compare
takes as the oracle.

:func:`qemu_argv` is a plain user's QEMU command line for that disk: firmware boot from
``-drive``, and four ``-serial file:`` lines, the ports init.sh writes to:

    ttyS0  serial/console.log  kernel log (quiet) and init's messages
    ttyS1  serial/stdout.log   the command's stdout (the script prints nothing there)
    ttyS2  serial/stderr.log   the markers: the workload's strace output, stdout, stderr
    ttyS3  serial/control.log  ``VMSTRACE - READY`` and ``VMSTRACE - EXIT <status>``

and the guest powers off when the command ends (QEMU then exits by itself, -no-reboot).
:func:`read_outputs` reads those files back and parses the oracle.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from diskimage import build_boot_disk

from vmstrace.conformance import StraceCall, parse_strace
from vmstrace.conformance_suites import Options, Workload, guest_script, split_output
from vmstrace.guest.image import concat_initrd, make_overlay
from vmstrace.guest.kernel import fetch_default_kernel
from vmstrace.guest.qemu import KERNEL_APPEND, qemu_opt
from vmstrace.guest.strace_image import build_strace_initramfs

# what the default guest boots with (guest/qemu.py): console on ttyS0, power-off on
# panic, quiet; init.sh reads an optional vmstrace.nonce= (none here: lines say "-")
DISK_APPEND = KERNEL_APPEND
WORKLOAD = "disk"
_CONTROL = re.compile(r"^VMSTRACE (\S+) (READY|EXIT)(?: (\d+))?$", re.M)


@dataclass(frozen=True)
class SerialFiles:
    """Where each of the guest's four serial lines is written (the order is ttyS0..3)."""

    console: Path
    stdout: Path
    stderr: Path
    control: Path

    @classmethod
    def under(cls, directory: Path) -> SerialFiles:
        return cls(*(directory / f"{n}.log" for n in ("console", "stdout", "stderr", "control")))

    def all(self) -> tuple[Path, Path, Path, Path]:
        return (self.console, self.stdout, self.stderr, self.control)


@dataclass(frozen=True)
class Outputs:
    """What the guest printed, read back from the serial files."""

    ready: bool  # init printed READY on ttyS3
    exit_status: int | None  # the command's (the sh script's) status, from EXIT on ttyS3
    workload_status: int | None  # strace's exit status: the workload's
    strace_text: str  # the in-guest strace's output (strace -f -o FILE)
    calls: list[StraceCall]  # the same, parsed (conformance.parse_strace)
    stdout: bytes  # the workload's stdout
    stderr: bytes  # the workload's stderr
    console: str


def workload_initrd(cache: Path, argv: list[str], dest: Path, timeout: int = 120) -> Path:
    """The conformance initramfs with ``argv`` under strace as the command; one -initrd."""
    script = guest_script([Workload(WORKLOAD, "disk", tuple(argv), timeout)], Options())
    overlay = make_overlay(["sh", "-c", script], [], dest.with_suffix(".overlay"))
    return concat_initrd(build_strace_initramfs(cache), overlay, dest)


def build_workload_disk(
    cache: Path,
    out_dir: Path,
    argv: list[str],
    *,
    kernel: Path | None = None,
    line: str | None = None,
) -> Path:
    """A boot disk in ``out_dir`` whose guest runs ``argv`` under strace and powers off.

    The kernel is ``kernel`` (a bzImage with the 8250 serial driver, devtmpfs and gzip
    initramfs built in, as Debian's are), else vmstrace's default Debian cloud kernel
    (``line`` "6.12" for the backports one), fetched into ``cache`` as `vmstrace prepare`
    does.
    """
    kernel = kernel or fetch_default_kernel(cache, line)
    out_dir.mkdir(parents=True, exist_ok=True)
    initrd = workload_initrd(cache, argv, out_dir / "initrd.img")
    return build_boot_disk(out_dir, kernel, initrd, DISK_APPEND)


def qemu_argv(
    disk: Path,
    serial: SerialFiles,
    *,
    interface: str = "virtio",
    qemu: str = "qemu-system-x86_64",
    memory_mb: int = 512,
) -> list[str]:
    """The user's QEMU command line that boots ``disk`` through SeaBIOS under TCG.

    ``interface`` is the drive's ``if=``: ``virtio`` (virtio-blk) or ``ide`` (QEMU's
    default). SeaBIOS boots from either; SYSLINUX reads the kernel and initrd through the
    BIOS, which over emulated IDE took ~4 s longer (the whole run 8 s instead of 3.7 s).
    """
    argv = [
        qemu,
        "-accel", "tcg",
        "-cpu", "max",
        "-m", str(memory_mb),
        "-nodefaults",
        "-no-reboot",
        "-display", "none",
        "-drive", f"file={qemu_opt(disk)},format=raw,if={interface}",
    ]  # fmt: skip
    for path in serial.all():
        argv += ["-serial", f"file:{path}"]  # the whole rest is the path (no option list)
    return argv


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace") if path.exists() else ""


def read_outputs(serial: SerialFiles) -> Outputs:
    """The serial files of a finished run, parsed; raises VmstraceError when the
    workload's markers are missing (the guest did not get that far)."""
    control = _text(serial.control).replace("\r", "")
    events = {m[2]: m[3] for m in _CONTROL.finditer(control)}
    status = events.get("EXIT")
    parts = split_output(serial.stderr.read_bytes()).get(WORKLOAD, {})
    text = parts.get("strace", b"").decode("utf-8", "replace")
    workload_status = parts.get("status", b"")
    return Outputs(
        ready="READY" in events,
        exit_status=int(status) if status else None,
        workload_status=int(workload_status) if workload_status.isdigit() else None,
        strace_text=text,
        calls=parse_strace(text),
        stdout=parts.get("stdout", b""),
        stderr=parts.get("stderr", b""),
        console=_text(serial.console),
    )


@dataclass(frozen=True)
class PlainRun:
    returncode: int
    seconds: float  # QEMU start to its exit
    ready_seconds: float | None  # QEMU start to READY on ttyS3: firmware + boot + init


def run_plain(argv: list[str], serial: SerialFiles, timeout: float = 300) -> PlainRun:
    """Runs QEMU (no vmstrace), timing the boot by polling the control file for READY;
    kills it after ``timeout`` seconds (then ``returncode`` is negative)."""
    for path in serial.all():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    ready = None
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if now - start > timeout:
                proc.kill()
                break
            if ready is None and "READY" in _text(serial.control):
                ready = now - start
            time.sleep(0.05)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return PlainRun(proc.returncode, time.monotonic() - start, ready)
