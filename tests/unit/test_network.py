"""The guest's network without booting: --net and --forward, QEMU's network options,
and the kernel modules the virtio-net device needs (a module tree made here)."""

from __future__ import annotations

import lzma
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmstrace.cli import main
from vmstrace.core.errors import VmstraceError
from vmstrace.guest.network import (
    NET_FILE,
    NET_MODES,
    Forward,
    netdev_args,
    network_files,
    network_modules,
    parse_forward,
    parse_forwards,
)
from vmstrace.guest.qemu import GuestConfig, qemu_command
from vmstrace.run import RunOptions, check_guest_options, guest_net


@pytest.mark.parametrize(
    ("text", "forward"),
    [
        ("8080:80", Forward("tcp", 8080, 80)),
        ("tcp:1:65535", Forward("tcp", 1, 65535)),
        ("udp:5353:53", Forward("udp", 5353, 53)),
    ],
)
def test_a_forward(text: str, forward: Forward) -> None:
    assert parse_forward(text) == forward


@pytest.mark.parametrize(
    "text",
    ["", "80", "8080:", ":80", "0:80", "8080:0", "65536:80", "8080:80:1", "sctp:8080:80",
     "TCP:8080:80", "tcp:8080", "8080-80", " 8080:80", "+80:80", "0x50:80", "127.0.0.1:80:80",
     "123456:80"],
)  # fmt: skip
def test_a_bad_forward_is_refused_with_the_form(text: str) -> None:
    with pytest.raises(VmstraceError) as err:
        parse_forward(text)
    assert str(err.value) == (
        f"--forward {text}: expected [tcp:|udp:]HOSTPORT:GUESTPORT with ports 1-65535, "
        "e.g. --forward 8080:80"
    )


def test_a_host_port_is_forwarded_once_per_protocol() -> None:
    assert len(parse_forwards(["8080:80", "udp:8080:80"])) == 2
    with pytest.raises(VmstraceError, match="host port tcp:8080 is forwarded twice"):
        parse_forwards(["8080:80", "tcp:8080:81"])


def test_restricted_is_the_debian_guests_default_and_off_the_default_guests() -> None:
    assert guest_net(RunOptions(argv=["x"], guest="debian")) == "restricted"
    assert guest_net(RunOptions(argv=["x"])) == "off"
    assert guest_net(RunOptions(argv=["x"], guest="debian", net="open")) == "open"


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        (
            RunOptions(argv=["x"], guest="debian", net="off", forwards=[Forward("tcp", 1, 2)]),
            "--forward needs a network: leave out --net off",
        ),
        (
            RunOptions(argv=["x"], forwards=[Forward("tcp", 1, 2)]),
            "--forward needs a network: leave out --net off",
        ),
        (RunOptions(argv=["x"], net="closed"), "--net closed: choose one of restricted, open, off"),
    ],
)
def test_network_options_that_disagree(opts: RunOptions, message: str) -> None:
    with pytest.raises(VmstraceError, match=message):
        check_guest_options(opts)


_FORWARDS = [Forward("tcp", 8080, 80), Forward("udp", 5353, 53)]
_FDS = {"console": 3, "stdout": 4, "stderr": 5, "control": 6}


@pytest.mark.parametrize(
    ("mode", "netdev"),
    [
        (
            "restricted",
            "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80,"
            "hostfwd=udp:127.0.0.1:5353-:53",
        ),
        (
            "open",
            "user,id=net0,restrict=off,hostfwd=tcp:127.0.0.1:8080-:80,"
            "hostfwd=udp:127.0.0.1:5353-:53",
        ),
    ],
)
def test_the_qemu_command_has_the_network_device(mode: str, netdev: str) -> None:
    cfg = GuestConfig(Path("k"), Path("i"), net=mode, forwards=tuple(_FORWARDS))
    cmd = qemu_command("qemu", cfg, _FDS)
    assert cmd.count("-netdev") == 1 and cmd.count("-nodefaults") == 1
    assert cmd[cmd.index("-netdev") + 1] == netdev
    assert cmd[cmd.index("-netdev") + 2 : cmd.index("-netdev") + 4] == [
        "-device",
        "virtio-net-pci,netdev=net0",
    ]


def test_without_a_network_qemu_has_no_network_device() -> None:
    cmd = qemu_command("qemu", GuestConfig(Path("k"), Path("i")), _FDS)
    assert "-netdev" not in cmd and not any("virtio-net" in arg for arg in cmd)
    assert netdev_args("off", []) == []


def test_the_cli_refuses_a_bad_forward_before_anything_starts() -> None:
    result = CliRunner().invoke(main, ["run", "--forward", "70000:80", "--", "true"])
    assert result.exit_code == 2
    assert result.output == (
        "vmstrace: --forward 70000:80: expected [tcp:|udp:]HOSTPORT:GUESTPORT with ports "
        "1-65535, e.g. --forward 8080:80\n"
    )


def test_the_cli_offers_the_network_modes() -> None:
    result = CliRunner().invoke(main, ["run", "--net", "closed", "--", "true"])
    assert result.exit_code == 2
    assert "'closed' is not one of 'restricted', 'open', 'off'" in result.output
    assert NET_MODES == ("restricted", "open", "off")


def _module(path: Path, name: str, depends: str, *, xz: bool = False) -> None:
    """A relocatable object with a .modinfo section, as a kernel module has."""
    path.parent.mkdir(parents=True, exist_ok=True)
    src = path.with_suffix(".c")
    src.write_text(
        f'__attribute__((section(".modinfo"), used)) static const char m[] = '
        f'"name={name}\\0depends={depends}\\0vermagic=6.1.0 SMP";\n'
    )
    subprocess.run(["gcc", "-c", "-o", str(path), str(src)], check=True)
    src.unlink()
    if xz:
        path.with_name(path.name + ".xz").write_bytes(lzma.compress(path.read_bytes()))
        path.unlink()


def _kernel_tree(root: Path, *, builtin: tuple[str, ...] = (), xz: bool = False) -> Path:
    """ROOT/boot/vmlinuz-R and ROOT/lib/modules/R as a Debian kernel package unpacks."""
    release = "6.1.0-99-cloud-amd64"
    moddir = root / "lib" / "modules" / release
    modules = {
        "virtio_ring": ("kernel/drivers/virtio/virtio_ring.ko", ""),
        "virtio": ("kernel/drivers/virtio/virtio.ko", "virtio_ring"),
        "virtio_pci": ("kernel/drivers/virtio/virtio_pci.ko", "virtio_ring,virtio"),
        "failover": ("kernel/net/core/failover.ko", ""),
        "net_failover": ("kernel/drivers/net/net_failover.ko", "failover"),
        "virtio_net": ("kernel/drivers/net/virtio_net.ko", "virtio_ring,virtio,net_failover"),
    }
    order, built = [], []
    for name, (rel, depends) in modules.items():
        (built if name in builtin else order).append(rel)
        if name not in builtin:
            _module(moddir / rel, name, depends, xz=xz)
    moddir.mkdir(parents=True, exist_ok=True)
    (moddir / "modules.order").write_text("".join(f"{rel}\n" for rel in order))
    (moddir / "modules.builtin").write_text("".join(f"{rel}\n" for rel in built))
    kernel = root / "boot" / f"vmlinuz-{release}"
    kernel.parent.mkdir(parents=True)
    kernel.write_bytes(b"bzImage")
    return kernel


def test_the_modules_come_dependencies_first(tmp_path: Path) -> None:
    kernel = _kernel_tree(tmp_path)
    names = [p.name for p in network_modules(kernel)]
    assert names == [
        "virtio_ring.ko",
        "virtio.ko",
        "virtio_pci.ko",
        "failover.ko",
        "net_failover.ko",
        "virtio_net.ko",
    ]


def test_built_in_drivers_are_not_loaded(tmp_path: Path) -> None:
    # Debian's 6.12: virtio, virtio_ring and virtio_pci are built in
    kernel = _kernel_tree(tmp_path, builtin=("virtio_ring", "virtio", "virtio_pci"))
    assert [p.name for p in network_modules(kernel)] == [
        "failover.ko",
        "net_failover.ko",
        "virtio_net.ko",
    ]


def test_compressed_modules_are_decompressed_into_the_overlay(tmp_path: Path) -> None:
    kernel = _kernel_tree(
        tmp_path / "pkg", builtin=("virtio_ring", "virtio", "virtio_pci"), xz=True
    )
    work = tmp_path / "work"
    work.mkdir()
    files = network_files(kernel, work)
    release = "6.1.0-99-cloud-amd64"
    guests = [
        f"/lib/modules/{release}/kernel/net/core/failover.ko",
        f"/lib/modules/{release}/kernel/drivers/net/net_failover.ko",
        f"/lib/modules/{release}/kernel/drivers/net/virtio_net.ko",
    ]
    assert [guest for _, guest in files] == [*guests, NET_FILE]
    assert all(host.read_bytes().startswith(b"\x7fELF") for host, _ in files[:-1])
    assert files[-1][0].read_text() == "".join(f"{g}\n" for g in guests)


def test_a_missing_module_is_named(tmp_path: Path) -> None:
    kernel = _kernel_tree(tmp_path)
    moddir = tmp_path / "lib" / "modules" / "6.1.0-99-cloud-amd64"
    (moddir / "kernel/net/core/failover.ko").unlink()
    with pytest.raises(VmstraceError, match="no module failover \\(needed by virtio_net → "):
        network_modules(kernel)


def test_a_dependency_cycle_is_named(tmp_path: Path) -> None:
    kernel = _kernel_tree(tmp_path)
    moddir = tmp_path / "lib" / "modules" / "6.1.0-99-cloud-amd64"
    _module(moddir / "kernel/net/core/failover.ko", "failover", "virtio_net")
    with pytest.raises(VmstraceError, match="depend in a cycle: virtio_net → net_failover → "):
        network_modules(kernel)


def test_a_kernel_outside_a_package_needs_no_modules(tmp_path: Path) -> None:
    kernel = tmp_path / "bzImage"
    kernel.write_bytes(b"bzImage")
    assert network_modules(kernel) == []
    work = tmp_path / "work"
    work.mkdir()
    assert network_files(kernel, work) == [(work / "net", NET_FILE)]
    assert (work / "net").read_text() == ""
