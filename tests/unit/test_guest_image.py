"""The per-run overlay (/vmstrace/cmd, --add files), initrd concatenation, the cached build."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from vmstrace.core.errors import VmstraceError
from vmstrace.guest import image
from vmstrace.guest.cpio import CpioEntry, read_newc
from vmstrace.guest.image import concat_initrd, encode_cmd, make_overlay


def _entries(path: Path) -> dict[str, CpioEntry]:
    return {e.name: e for e in read_newc(path.read_bytes())}


def _summary(path: Path) -> list[tuple[str, str, int, bytes]]:
    return [(e.name, e.kind, stat.S_IMODE(e.mode), e.data) for e in read_newc(path.read_bytes())]


def test_overlay_holds_only_the_command(tmp_path: Path) -> None:
    dest = make_overlay(["ls", "-l", "/tmp dir"], [], tmp_path / "o.cpio")
    assert _summary(dest) == [
        ("vmstrace", "dir", 0o755, b""),
        ("vmstrace/cmd", "file", 0o644, b"ls\0-l\0/tmp dir\0"),
    ]


def test_overlay_adds_a_file_with_its_parents(tmp_path: Path) -> None:
    host = tmp_path / "tool"
    host.write_bytes(b"\x7fELF...")
    host.chmod(0o750)
    dest = make_overlay(["/tmp/sub/tool"], [(host, "/tmp/sub/tool")], tmp_path / "o.cpio")
    assert _summary(dest)[2:] == [
        ("tmp", "dir", 0o1777, b""),  # the base image's mode, not 0755
        ("tmp/sub", "dir", 0o755, b""),
        ("tmp/sub/tool", "file", 0o750, b"\x7fELF..."),
    ]


def test_overlay_adds_a_directory_recursively(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "lib").mkdir(parents=True)
    (tree / "lib" / "libx.so.1").write_bytes(b"lib")
    (tree / "lib" / "libx.so").symlink_to("libx.so.1")
    (tree / "run.sh").write_text("echo hi\n")
    (tree / "run.sh").chmod(0o755)
    tree.chmod(0o700)
    dest = make_overlay(["sh", "/opt/t/run.sh"], [(tree, "/opt/t/")], tmp_path / "o.cpio")
    assert _summary(dest)[2:] == [
        ("opt", "dir", 0o755, b""),
        ("opt/t", "dir", 0o700, b""),
        ("opt/t/lib", "dir", 0o755, b""),
        ("opt/t/lib/libx.so", "symlink", 0o777, b"libx.so.1"),
        ("opt/t/lib/libx.so.1", "file", 0o644, b"lib"),
        ("opt/t/run.sh", "file", 0o755, b"echo hi\n"),
    ]


def test_overlay_follows_a_symlink_named_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "real").write_bytes(b"data")
    (tmp_path / "alias").symlink_to("real")
    dest = make_overlay(["true"], [(tmp_path / "alias", "/root/f")], tmp_path / "o.cpio")
    entry = _entries(dest)["root/f"]
    assert (entry.kind, entry.data) == ("file", b"data")


def test_overlay_normalises_guest_paths(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    dest = make_overlay(["true"], [(tmp_path / "f", "/a/../b//c/./f")], tmp_path / "o.cpio")
    assert [e.name for e in read_newc(dest.read_bytes())][2:] == ["b", "b/c", "b/c/f"]


def test_overlay_creates_each_parent_once(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).write_text(name)
    adds = [(tmp_path / "a", "/usr/lib/x/a"), (tmp_path / "b", "/usr/lib/x/b")]
    names = [e.name for e in read_newc(make_overlay(["true"], adds, tmp_path / "o").read_bytes())]
    assert names == [
        "vmstrace",
        "vmstrace/cmd",
        "usr",
        "usr/lib",
        "usr/lib/x",
        "usr/lib/x/a",
        "usr/lib/x/b",
    ]


@pytest.mark.parametrize(
    ("guest", "message"),
    [
        (
            "relative/path",
            "--add: the guest path 'relative/path' for {host} must be absolute, e.g. /root/f",
        ),
        ("/", "--add: '/' is not a usable guest path for {host}"),
        ("/a/..", "--add: '/a/..' is not a usable guest path for {host}"),
        ("/vmstrace/cmd", "--add: /vmstrace/cmd is reserved for the command line"),
    ],
)
def test_overlay_rejects_bad_guest_paths(tmp_path: Path, guest: str, message: str) -> None:
    host = tmp_path / "f"
    host.write_text("x")
    with pytest.raises(VmstraceError) as err:
        make_overlay(["true"], [(host, guest)], tmp_path / "o.cpio")
    assert str(err.value) == message.format(host=host)
    assert not (tmp_path / "o.cpio").exists()


def test_overlay_rejects_a_missing_host_path(tmp_path: Path) -> None:
    with pytest.raises(VmstraceError) as err:
        make_overlay(["true"], [(Path("/x/y"), "/y")], tmp_path / "o.cpio")
    assert str(err.value) == "--add: /x/y does not exist"


def test_overlay_rejects_special_files(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "fifo")
    with pytest.raises(VmstraceError) as err:
        make_overlay(["true"], [(tree, "/t")], tmp_path / "o.cpio")
    assert str(err.value) == (
        f"--add: {tree / 'fifo'} is not a file, directory or symlink; only those can be added"
    )
    assert list(tmp_path.iterdir()) == [tree]  # no partial overlay, no temporary file left


@pytest.mark.parametrize(
    "argv",
    [[], ["a\0b"], ["x"] * (image.CMD_MAX_ARGS + 1), ["x" * image.CMD_MAX_BYTES]],
    ids=["empty", "nul", "too-many-args", "too-long"],
)
def test_encode_cmd_rejects(argv: list[str]) -> None:
    with pytest.raises(VmstraceError):
        encode_cmd(argv)


def test_encode_cmd_at_the_limit() -> None:
    assert len(encode_cmd(["x" * (image.CMD_MAX_BYTES - 1)])) == image.CMD_MAX_BYTES
    assert encode_cmd(["é", ""]) == "é".encode() + b"\0\0"


LAUNCHER_C = Path(__file__).parents[2] / "guest/programs/vmstrace-exec.c"


def _syntax_check(*defines: str) -> subprocess.CompletedProcess[str]:
    cmd = ["gcc", "-fsyntax-only", "-Wall", "-Werror", *defines, str(LAUNCHER_C)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_the_launcher_takes_its_limits_from_the_build() -> None:
    # the launcher keeps no copy of the bounds encode_cmd checks: it is compiled with them
    assert image.LAUNCHER_DEFINES == (
        f"-DCMD_MAX_BYTES={image.CMD_MAX_BYTES}",
        f"-DCMD_MAX_ARGS={image.CMD_MAX_ARGS}",
    )
    assert _syntax_check(*image.LAUNCHER_DEFINES).returncode == 0
    without = _syntax_check()
    assert without.returncode != 0
    assert "CMD_MAX_BYTES and CMD_MAX_ARGS are defined by the build" in without.stderr


@pytest.mark.parametrize("base_len", [4, 5, 6, 7, 8])
def test_concat_pads_the_base_to_4_bytes(tmp_path: Path, base_len: int) -> None:
    base = tmp_path / "base"
    base.write_bytes(b"B" * base_len)
    overlay = make_overlay(["true"], [], tmp_path / "o.cpio")
    out = concat_initrd(base, overlay, tmp_path / "initrd").read_bytes()
    start = -(-base_len // 4) * 4
    assert out[:base_len] == b"B" * base_len
    assert out[base_len:start] == b"\0" * (start - base_len)
    assert out[start:] == overlay.read_bytes()


needs_toolchain = pytest.mark.skipif(
    shutil.which("gcc") is None or not image.DEFAULT_BUSYBOX.is_file(),
    reason="needs gcc and busybox-static",
)


@pytest.fixture
def fake_guest(tmp_path: Path) -> Path:
    """A guest source tree with one tiny launcher, so the build takes a second."""
    src = tmp_path / "guest"
    (src / "programs").mkdir(parents=True)
    (src / "init.sh").write_text("#!/bin/sh\necho init\n")
    (src / "vmstrace-command.sh").write_text("#!/bin/sh\necho run\n")
    (src / "programs" / "vmstrace-exec.c").write_text("int main(void) { return 0; }\n")
    return src


@needs_toolchain
def test_build_default_initramfs_layout_and_cache(tmp_path: Path, fake_guest: Path) -> None:
    import gzip

    cache = tmp_path / "cache"
    first = image.build_default_initramfs(cache, source_dir=fake_guest)
    assert re.fullmatch(r"default-[0-9a-f]{16}\.cpio\.gz", first.name)
    entries = {e.name: e for e in read_newc(gzip.decompress(first.read_bytes()))}
    assert entries["init"].data == b"#!/bin/sh\necho init\n"
    assert stat.S_IMODE(entries["init"].mode) == 0o755
    assert entries["etc/hostname"].data == b"vmstrace-guest\n"
    assert (entries["dev/console"].kind, entries["dev/console"].rdevmajor) == ("chardev", 5)
    assert (entries["dev/null"].rdevmajor, entries["dev/null"].rdevminor) == (1, 3)
    assert entries["bin/sh"].data == b"/bin/busybox"
    assert entries["vmstrace/bin/vmstrace-exec"].data.startswith(b"\x7fELF")
    assert entries["vmstrace/bin/vmstrace-command"].data == b"#!/bin/sh\necho run\n"
    assert stat.S_IMODE(entries["tmp"].mode) == 0o1777

    inode = first.stat().st_ino
    assert image.build_default_initramfs(cache, source_dir=fake_guest) == first
    assert first.stat().st_ino == inode  # reused, not rebuilt (only marked used)

    (fake_guest / "init.sh").write_text("#!/bin/sh\necho changed\n")
    second = image.build_default_initramfs(cache, source_dir=fake_guest)
    assert second != first
    assert first.exists()  # recent: another checkout may be about to read it
    os.utime(first, (0, 0))  # unused for long
    (fake_guest / "init.sh").write_text("#!/bin/sh\necho again\n")
    third = image.build_default_initramfs(cache, source_dir=fake_guest)
    assert not first.exists()  # the stale build is pruned
    assert second.exists() and third.exists()


@needs_toolchain
def test_build_reports_compile_errors(tmp_path: Path, fake_guest: Path) -> None:
    (fake_guest / "programs" / "broken.c").write_text("int main(void) { return }\n")
    with pytest.raises(VmstraceError, match=r"compiling the guest programs failed"):
        image.build_default_initramfs(tmp_path / "cache", source_dir=fake_guest)


def test_build_rejects_a_dynamic_busybox(tmp_path: Path, fake_guest: Path) -> None:
    if not Path("/bin/true").is_file():
        pytest.skip("no /bin/true")
    with pytest.raises(VmstraceError, match=r"dynamically linked.*busybox-static"):
        image.build_default_initramfs(
            tmp_path / "cache", busybox=Path("/bin/true"), source_dir=fake_guest
        )
