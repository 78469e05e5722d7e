"""The guest's network: QEMU user-mode networking (slirp) on a virtio-net device.

``--net restricted`` (the Debian guest's default) gives the guest an interface that
reaches nothing outside the guest: QEMU's ``restrict=on`` isolates it, so that it can
contact neither the host nor the outside; ``--net open`` lifts that; ``--net off`` (the
default guest's default) adds no device. ``--forward [tcp:|udp:]HOSTPORT:GUESTPORT``
forwards a port of the host's 127.0.0.1 to the guest (QEMU's ``hostfwd``, which
``restrict=on`` leaves working).

The guest's side is ``guest/programs/vmstrace-net.c``: it loads the modules this module
lists in ``/vmstrace/net`` (the per-run overlay), then gives the interface slirp's fixed
addresses (10.0.2.15/24, gateway 10.0.2.2).
"""

from __future__ import annotations

import io
import lzma
import re
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from vmstrace.core.errors import VmstraceError

NET_MODES = ("restricted", "open", "off")
GUEST_ADDR = "10.0.2.15"
# the list of modules vmstrace-net loads; its presence means "configure the network"
NET_FILE = "/vmstrace/net"
# What the virtio-net PCI device needs, as module names; their dependencies are read from
# each module's .modinfo. In Debian's 6.1 cloud kernel all are modules; in 6.12 virtio
# and virtio_pci are built in (modules.builtin).
ROOT_MODULES = ("virtio_pci", "virtio_net")
_FORWARD = re.compile(r"(?:(tcp|udp):)?([0-9]{1,5}):([0-9]{1,5})")
_FORWARD_FORM = "[tcp:|udp:]HOSTPORT:GUESTPORT with ports 1-65535, e.g. --forward 8080:80"


@dataclass(frozen=True)
class Forward:
    """A host port forwarded to a guest port (QEMU's ``hostfwd``)."""

    protocol: str  # "tcp" or "udp"
    host_port: int
    guest_port: int

    def hostfwd(self) -> str:
        # the host side listens on loopback only: a forward is for the host's own use
        return f"{self.protocol}:127.0.0.1:{self.host_port}-:{self.guest_port}"


def parse_forward(text: str) -> Forward:
    """One ``--forward`` value, strictly: ``[tcp:|udp:]HOSTPORT:GUESTPORT``."""
    m = _FORWARD.fullmatch(text)
    if m is None or not all(1 <= int(port) <= 65535 for port in m.group(2, 3)):
        raise VmstraceError(f"--forward {text}: expected {_FORWARD_FORM}")
    return Forward(m[1] or "tcp", int(m[2]), int(m[3]))


def parse_forwards(values: list[str] | tuple[str, ...]) -> list[Forward]:
    """Every ``--forward``; one host port may be forwarded once per protocol."""
    forwards = [parse_forward(text) for text in values]
    seen: set[tuple[str, int]] = set()
    for fwd in forwards:
        if (fwd.protocol, fwd.host_port) in seen:
            raise VmstraceError(
                f"--forward: host port {fwd.protocol}:{fwd.host_port} is forwarded twice"
            )
        seen.add((fwd.protocol, fwd.host_port))
    return forwards


def check_network(mode: str, forwards: list[Forward]) -> None:
    if mode not in NET_MODES:
        raise VmstraceError(f"--net {mode}: choose one of {', '.join(NET_MODES)}")
    if forwards and mode == "off":
        raise VmstraceError("--forward needs a network: leave out --net off")


def netdev_args(mode: str, forwards: list[Forward]) -> list[str]:
    """QEMU's options for the guest's network device (none for ``off``)."""
    check_network(mode, forwards)
    if mode == "off":
        return []
    netdev = "user,id=net0,restrict=" + ("on" if mode == "restricted" else "off")
    netdev += "".join(f",hostfwd={fwd.hostfwd()}" for fwd in forwards)
    return ["-netdev", netdev, "-device", "virtio-net-pci,netdev=net0"]


def network_modules(kernel: Path) -> list[Path]:
    """The module files the virtio-net device needs, dependencies first, when ``kernel``
    lies in an unpacked Debian kernel package (``ROOT/boot/vmlinuz-RELEASE`` beside
    ``ROOT/lib/modules/RELEASE``, as guest/kernel.py unpacks it); none for another kernel,
    which must have the drivers built in. A file may be xz-compressed (``.ko.xz``, as
    Debian's 6.12 kernels ship them)."""
    release = kernel.name.removeprefix("vmlinuz-")
    moddir = kernel.parent.parent / "lib" / "modules" / release
    if release == kernel.name or kernel.parent.name != "boot" or not moddir.is_dir():
        return []
    builtin = _names(moddir / "modules.builtin")
    paths = {_module_name(p): moddir / p for p in _lines(moddir / "modules.order")}
    order: list[Path] = []

    def add(name: str, chain: tuple[str, ...]) -> None:
        if name in builtin or name in (_module_name(p.name) for p in order):
            return
        if name in chain[:-1]:  # depmod refuses these too
            raise VmstraceError(
                f"the kernel {release}'s modules depend in a cycle: {' → '.join(chain)}"
            )
        path = paths.get(name)
        if path is not None and not path.exists():
            path = path.with_name(path.name + ".xz")
        if path is None or not path.exists():
            raise VmstraceError(
                f"the kernel {release} has no module {name} (needed by {' → '.join(chain)}) "
                f"in {moddir}: pass --net off"
            )
        for dep in _depends(path):
            add(dep, (*chain, dep))
        order.append(path)

    for root in ROOT_MODULES:
        add(root, (root,))
    return order


def network_files(kernel: Path, workdir: Path) -> list[tuple[Path, str]]:
    """The per-run overlay's network files, as (host file, guest path): each module the
    guest must load, at its own path under /lib/modules (decompressed into ``workdir``
    when compressed: not every kernel that compresses modules decompresses them), and
    NET_FILE, which lists them in load order for vmstrace-net."""
    files = []
    root = kernel.parent.parent
    for module in network_modules(kernel):
        guest = "/" + module.relative_to(root).as_posix()
        if module.suffix == ".xz":
            plain = workdir / "modules" / module.name.removesuffix(".xz")
            plain.parent.mkdir(parents=True, exist_ok=True)
            plain.write_bytes(module_bytes(module))
            module, guest = plain, guest.removesuffix(".xz")
        files.append((module, guest))
    listing = workdir / "net"
    listing.write_text("".join(guest + "\n" for _, guest in files))
    return [*files, (listing, NET_FILE)]


def _lines(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError as err:
        raise VmstraceError(f"cannot read {path}: {err.strerror}") from err


def _module_name(path: str) -> str:
    return Path(path).name.removesuffix(".xz").removesuffix(".ko").replace("-", "_")


def _names(path: Path) -> set[str]:
    return {_module_name(p) for p in _lines(path)} if path.exists() else set()


def module_bytes(module: Path) -> bytes:
    """A module file's ELF bytes, decompressed if it is ``.ko.xz``."""
    try:
        data = module.read_bytes()
        return lzma.decompress(data) if module.suffix == ".xz" else data
    except (OSError, lzma.LZMAError) as err:
        raise VmstraceError(f"cannot read the kernel module {module}: {err}") from err


def _depends(module: Path) -> list[str]:
    """The ``depends=`` of a module's .modinfo section (what depmod reads)."""
    try:
        section = ELFFile(io.BytesIO(module_bytes(module))).get_section_by_name(".modinfo")
    except ELFError as err:
        raise VmstraceError(f"{module} is not a kernel module: {err}") from err
    data = section.data() if section is not None else b""
    for field in data.split(b"\0"):
        if field.startswith(b"depends="):
            return [d for d in field.removeprefix(b"depends=").decode().split(",") if d]
    return []
