"""vmstrace qemu's reading and rewriting of a user's QEMU command line (no QEMU runs)."""

from __future__ import annotations

import pytest

from vmstrace.userqemu import (
    DEFAULT_RAM,
    UntraceableVm,
    parse_size,
    plan,
    split_options,
    traced_command,
)

Q = "qemu-system-x86_64"


def test_options_and_values_are_split_as_qemu_does():
    args = ["-m", "512", "-nographic", "disk.img", "--smp", "2", "-S", "-drive", "file=a,if=ide"]
    assert split_options(args) == [
        ("m", "512"),
        ("nographic", None),
        ("hda", "disk.img"),
        ("smp", "2"),
        ("S", None),
        ("drive", "file=a,if=ide"),
    ]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512", 512 << 20),
        ("512M", 512 << 20),
        ("2G", 2 << 30),
        ("1.5g", 3 << 29),
        ("4096k", 4 << 20),
    ],
)
def test_memory_sizes(text, size):
    assert parse_size(text) == size


def test_kvm_becomes_tcg_and_each_change_is_said():
    vm = plan([Q, "-enable-kvm", "-cpu", "host,+avx2", "-m", "1G", "-smp", "4"])
    assert "-enable-kvm" not in vm.argv
    assert vm.argv[vm.argv.index("-cpu") + 1] == "max,+avx2"
    assert vm.argv[-2:] == ["-accel", "tcg"]
    assert vm.ram_bytes == 1 << 30 and vm.ram_low == 1 << 30 and vm.smp == 4
    assert len(vm.notices) == 2


def test_accelerators_in_machine_and_accel_options():
    vm = plan([Q, "-machine", "q35,accel=kvm:tcg", "-accel", "kvm", "-accel", "tcg,thread=multi"])
    assert vm.argv[1:5] == ["-machine", "q35,accel=tcg", "-accel", "tcg,thread=multi"]
    assert vm.argv.count("-accel") == 1
    assert plan([Q, "-M", "pc,accel=kvm"]).argv[2] == "pc,accel=tcg"


def test_ram_below_4g_follows_the_machine():
    assert plan([Q, "-m", "4G"]).ram_low == 0xC000_0000  # pc: split at 3 GiB
    assert plan([Q, "-M", "q35", "-m", "4G"]).ram_low == 0x8000_0000  # q35: at 2 GiB
    assert plan([Q, "-M", "q35", "-m", "2G"]).ram_low == 2 << 30
    assert plan([Q]).ram_bytes == DEFAULT_RAM
    with pytest.raises(UntraceableVm, match="memory map"):
        plan([Q, "-M", "microvm", "-m", "3G"])


def test_smp_forms():
    assert plan([Q, "-smp", "cpus=3,maxcpus=8"]).smp == 3
    assert plan([Q, "-smp", "sockets=2,cores=2,threads=2"]).smp == 8
    with pytest.raises(UntraceableVm, match="vCPUs"):
        plan([Q, "-smp", "many"])


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["qemu-system-aarch64"], "aarch64 target"),
        (["/usr/bin/kvm"], "x86-64 guests"),
        ([Q, "-mem-path", "/dev/hugepages"], "-mem-path"),
        ([Q, "-numa", "node"], "NUMA"),
        ([Q, "-machine", "pc,memory-backend=m0"], "RAM backing"),
        ([Q, "-m", "1G,slots=4,maxmem=8G"], "hotplug"),
        ([Q, "-plugin", "x.so"], "plugin"),
        ([Q, "-daemonize"], "detaches"),
        ([Q, "-readconfig", "vm.cfg"], "cannot see"),
        ([Q, "-m"], "needs a value"),
        ([Q, "-m", "lots"], "not a size"),
        ([], "after --"),
    ],
)
def test_what_cannot_be_traced_is_refused_with_the_reason(argv, said):
    with pytest.raises(UntraceableVm, match=said):
        plan(argv)


def test_the_traced_command_adds_ram_and_plugin_only():
    vm = plan([Q, "-m", "256", "-drive", "file=a,b.img"])
    cmd = traced_command(vm, "/dev/fd/5", "/p/plugin.so", {"ring": "/dev/fd/6"})  # type: ignore[arg-type]
    assert cmd[: len(vm.argv)] == vm.argv
    assert cmd[len(vm.argv) :] == [
        "-object",
        f"memory-backend-file,id=vmstrace-ram,size={256 << 20},mem-path=/dev/fd/5,share=on",
        "-machine",
        "memory-backend=vmstrace-ram",
        "-plugin",
        "/p/plugin.so,ring=/dev/fd/6",
    ]
    assert "file=a,b.img" in cmd  # the user's own options untouched
