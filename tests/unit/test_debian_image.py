"""The Debian guest without booting it: its unit, package names and cache key, the
mmdebstrap command and its errors, the tar rewritten as an initramfs, the run options."""

from __future__ import annotations

import configparser
import io
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from vmstrace.core.errors import VmstraceError
from vmstrace.guest import debian, image
from vmstrace.guest.cpio import CpioEntry, read_newc
from vmstrace.guest.image import LAUNCHER, guest_source_dir, make_overlay
from vmstrace.run import RunOptions, check_guest_options, guest_memory_mb


def _unit(name: str = "vmstrace.service") -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((guest_source_dir() / "debian" / name).read_text())
    return parser


def test_the_unit_runs_the_runner_once_the_system_is_up() -> None:
    unit = _unit()
    assert unit["Service"]["Type"] == "oneshot"
    assert unit["Service"]["ExecStart"] == debian.RUNNER
    assert unit["Service"]["StandardInput"] == "null"
    # with a network, the command starts once the interface is up (vmstrace-net.service)
    assert unit["Unit"]["After"] == "multi-user.target network-online.target"
    assert unit["Unit"]["Wants"] == "network-online.target"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    # the link that enables it is the one [Install] would make
    assert debian.UNIT_LINK == "etc/systemd/system/multi-user.target.wants/vmstrace.service"


def _in_order(text: str, steps: list[str]) -> bool:
    lines = [line.strip() for line in text.splitlines()]
    return all(step in lines for step in steps) and [lines.index(step) for step in steps] == sorted(
        lines.index(step) for step in steps
    )


def test_every_guest_runs_the_command_by_the_init_protocol() -> None:
    """The command's run is one script (READY, the launcher, EXIT), run by the default
    guest's init and by the Debian guest's runner, each powering off after it."""
    source = guest_source_dir()
    command = (source / image.COMMAND_SCRIPT).read_text()
    assert _in_order(
        command,
        [
            "printf '\\nVMSTRACE %s READY\\n' \"$nonce\" >/dev/ttyS3",
            f"VMSTRACE_NONCE=$nonce {LAUNCHER} </dev/null >/dev/ttyS1 2>/dev/ttyS2",
            'printf \'\\nVMSTRACE %s EXIT %s\\n\' "$nonce" "$status" >/dev/ttyS3',
        ],
    )
    runner = (source / "debian" / "vmstrace-run.sh").read_text()
    sourced = f". {image.COMMAND}  # sourced: the command stays a child of this shell"
    assert _in_order(runner, [sourced, "systemctl poweroff --force --force"])
    assert _in_order((source / "init.sh").read_text(), [sourced, "poweroff -f"])


def test_packages_are_sorted_once_each() -> None:
    assert debian.check_packages(["strace", "python3", "strace", "g++"]) == [
        "g++",
        "python3",
        "strace",
    ]


@pytest.mark.parametrize("name", ["Python3", "x", "-rf", "a b", "pkg;rm", ""])
def test_a_bad_package_name_is_named(name: str) -> None:
    with pytest.raises(VmstraceError, match=f"--install {name!r}: not a Debian package name"):
        debian.check_packages([name])


def test_the_net_unit_configures_the_interface_before_the_network_is_online() -> None:
    unit = _unit("vmstrace-net.service")
    assert unit["Unit"]["ConditionPathExists"] == "/vmstrace/net"  # only with a network
    assert unit["Unit"]["DefaultDependencies"] == "no"
    assert unit["Unit"]["Before"] == "network.target network-online.target"
    assert unit["Service"]["ExecStart"] == debian.NET_PROGRAM
    assert unit["Service"]["RemainAfterExit"] == "yes"
    assert unit["Install"]["WantedBy"] == "network-online.target"
    assert debian.NET_UNIT_LINK == (
        "etc/systemd/system/network-online.target.wants/vmstrace-net.service"
    )


_FILES = {"a/unit": (b"unit", 0o644), "b/run": (b"run", 0o755)}


def test_the_key_follows_the_package_set_and_the_project_files() -> None:
    base = debian.image_key([], _FILES)
    assert debian.image_key([], dict(reversed(_FILES.items()))) == base
    others = {
        debian.image_key(["strace"], _FILES),
        debian.image_key([], _FILES | {"a/unit": (b"unit2", 0o644)}),
        debian.image_key([], _FILES | {"a/unit": (b"unit", 0o755)}),
        debian.image_key([], _FILES | {"c/net": (b"ELF", 0o755)}),
    }
    assert base not in others and len(others) == 4


def test_the_project_files_are_every_unit_script_and_program(tmp_path: Path) -> None:
    programs = {"vmstrace-exec": tmp_path / "exec", "vmstrace-net": tmp_path / "net"}
    programs["vmstrace-exec"].write_bytes(b"EXEC")
    programs["vmstrace-net"].write_bytes(b"NET")
    files = debian.project_files(guest_source_dir(), programs)
    assert {path: mode for path, (_, mode) in files.items()} == {
        debian.UNIT: 0o644,
        debian.NET_UNIT: 0o644,
        debian.RUNNER.lstrip("/"): 0o755,
        image.COMMAND.lstrip("/"): 0o755,
        LAUNCHER.lstrip("/"): 0o755,
        debian.NET_PROGRAM.lstrip("/"): 0o755,
    }
    assert files[debian.NET_PROGRAM.lstrip("/")][0] == b"NET"


def test_the_mmdebstrap_command(tmp_path: Path) -> None:
    cmd = debian.mmdebstrap_command(["python3", "strace"], tmp_path / "root.tar")
    assert cmd[:3] == [
        "mmdebstrap",
        "--variant=minbase",
        "--include=systemd,systemd-sysv,python3,strace",
    ]
    assert cmd[-3:] == ["bookworm", str(tmp_path / "root.tar"), "http://deb.debian.org/debian"]
    assert "--dpkgopt=path-exclude=/usr/share/doc/*" in cmd


def test_mmdebstrap_errors_name_the_missing_package() -> None:
    stderr = (
        "I: running apt-get update...\n"
        "E: Unable to locate package no-such-pkg\n"
        "E: setup failed: E: apt-get ... install systemd no-such-pkg failed\n"
        "E: mmdebstrap failed to run\n"
    )
    assert debian.mmdebstrap_errors(stderr) == "E: Unable to locate package no-such-pkg"
    assert debian.mmdebstrap_errors("a\nb\nno space left\n") == "a\nb\nno space left"


def _tar(path: Path) -> Path:
    with tarfile.open(path, "w") as tar:

        def add(name: str, kind: bytes, mode: int, data: bytes = b"", **kw: object) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.size = kind, mode, len(data)
            for k, v in kw.items():
                setattr(info, k, v)
            tar.addfile(info, io.BytesIO(data) if data else None)

        add("./", tarfile.DIRTYPE, 0o755)
        add("./etc/", tarfile.DIRTYPE, 0o755)
        add("./etc/hostname", tarfile.REGTYPE, 0o644, b"builder\n")
        add("./usr/", tarfile.DIRTYPE, 0o755)
        add("./usr/bin/", tarfile.DIRTYPE, 0o755)
        add("./usr/bin/perl", tarfile.REGTYPE, 0o755, b"#perl")
        add("./usr/bin/perl5", tarfile.LNKTYPE, 0o755, linkname="./usr/bin/perl")
        add("./bin", tarfile.SYMTYPE, 0o777, linkname="usr/bin")
        add("./var/", tarfile.DIRTYPE, 0o755)
        add("./var/mail/", tarfile.DIRTYPE, 0o2775, uid=0, gid=8)
        add("./dev/", tarfile.DIRTYPE, 0o755)
        add("./dev/null", tarfile.CHRTYPE, 0o666, devmajor=1, devminor=3)
    return path


def test_the_tar_becomes_the_initramfs_with_the_project_files(tmp_path: Path) -> None:
    dest = tmp_path / "debian.cpio.zst"
    files = {
        debian.UNIT: (b"[Unit]", 0o644),
        debian.NET_UNIT: (b"[Unit]\n# net", 0o644),
        debian.RUNNER.lstrip("/"): (b"#!/bin/sh", 0o755),
        LAUNCHER.lstrip("/"): (b"ELF", 0o755),
    }
    debian.write_initramfs(dest, _tar(tmp_path / "root.tar"), files)
    archive = subprocess.run(["zstd", "-dc", str(dest)], capture_output=True, check=True).stdout
    entries: dict[str, CpioEntry] = {}
    for e in read_newc(archive):
        entries[e.name] = e  # as the kernel unpacks: a later entry replaces an earlier one
    assert "." not in entries and "./etc" not in entries
    assert entries["usr/bin/perl5"].data == b"#perl"  # a hard link, copied
    assert entries["bin"].kind == "symlink" and entries["bin"].data == b"usr/bin"
    mail = entries["var/mail"]
    assert (stat.S_IMODE(mail.mode), mail.uid, mail.gid) == (0o2775, 0, 8)
    null = entries["dev/null"]
    assert (null.kind, null.rdevmajor, null.rdevminor) == ("chardev", 1, 3)
    assert entries["etc/hostname"].data == b"vmstrace-guest\n"
    assert entries["init"].data == b"/lib/systemd/systemd"
    assert entries[LAUNCHER.lstrip("/")].data == b"ELF"
    assert entries[debian.RUNNER.lstrip("/")].data == b"#!/bin/sh"
    assert stat.S_IMODE(entries[debian.RUNNER.lstrip("/")].mode) == 0o755
    assert entries[debian.UNIT].data == b"[Unit]"
    assert entries[debian.UNIT_LINK].data == b"/" + debian.UNIT.encode()
    assert entries[debian.NET_UNIT].data == b"[Unit]\n# net"
    assert entries[debian.NET_UNIT_LINK].data == b"/" + debian.NET_UNIT.encode()
    for masked in debian.MASKED:
        assert entries[f"etc/systemd/system/{masked}"].data == b"/dev/null"
    names = [e.name for e in read_newc(archive)]
    assert len(names) == len(set(names))  # nothing written twice


def test_the_overlay_writes_through_the_merged_usr_links(tmp_path: Path) -> None:
    lib = tmp_path / "libx.so"
    lib.write_bytes(b"lib")
    dest = make_overlay(
        ["/bin/x"],
        [(lib, "/lib/x86_64-linux-gnu/libx.so"), (lib, "/opt/libx.so")],
        tmp_path / "o.cpio",
        links=debian.USR_MERGED,
    )
    names = [e.name for e in read_newc(dest.read_bytes())]
    assert "usr/lib/x86_64-linux-gnu/libx.so" in names and "opt/libx.so" in names
    assert "lib" not in names  # a directory there would delete the image's symlink


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        (RunOptions(argv=["x"], install=["strace"]), "--install adds Debian packages"),
        (RunOptions(argv=["x"], guest="alpine"), "--guest alpine: choose one of default, debian"),
        (
            RunOptions(argv=["x"], guest="debian", initrd=Path("/x")),
            "--initrd and --guest debian exclude each other",
        ),
        (
            RunOptions(argv=["x"], guest="debian", install=["Bad"]),
            "--install 'Bad': not a Debian package name",
        ),
    ],
)
def test_guest_options_that_disagree(opts: RunOptions, message: str) -> None:
    with pytest.raises(VmstraceError, match=message):
        check_guest_options(opts)


@pytest.mark.parametrize(
    ("guest", "memory", "expected"),
    [("default", None, 512), ("debian", None, 1024), ("debian", 2048, 2048)],
)
def test_guest_memory(guest: str, memory: int | None, expected: int) -> None:
    assert guest_memory_mb(RunOptions(argv=["x"], guest=guest, memory_mb=memory)) == expected
