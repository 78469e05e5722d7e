"""Where the plugin's and the guest's sources are found (a wheel's package data, else the
checkout), and the capture plugin's build into the cache."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from vmstrace.capture import plugin
from vmstrace.core.errors import VmstraceError
from vmstrace.core.sources import source_dir

ROOT = Path(__file__).resolve().parents[2]

# A plugin tree built the way the real one is: its Makefile takes OUT, CC and CFLAGS.
FAKE_MAKEFILE = """\
OUT ?= ../build
$(OUT)/vmstrace_plugin.so: plugin.c
\t$(CC) $(CFLAGS) -fPIC -shared -o $@ plugin.c
"""


@pytest.fixture
def fake_native(tmp_path: Path) -> Path:
    missing = [t for t in ("make", "gcc", "pkg-config") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make setup`")
    src = tmp_path / "native"
    src.mkdir()
    (src / "Makefile").write_text(FAKE_MAKEFILE)
    (src / "plugin.c").write_text("int vmstrace_fake(void) { return 1; }\n")
    return src


@pytest.mark.parametrize("name", ["native", "guest"])
def test_a_checkout_uses_its_own_trees(name: str) -> None:
    assert source_dir(name) == ROOT / name


@pytest.mark.parametrize(
    ("name", "marker"), [("native", "vmstrace_plugin.c"), ("guest", "init.sh")]
)
def test_an_installed_package_uses_its_data_first(tmp_path: Path, name: str, marker: str) -> None:
    package = tmp_path / "lib" / "site-packages" / "vmstrace"
    for tree in (package / "_data" / name, tmp_path / "lib" / name):
        tree.mkdir(parents=True)
        (tree / marker).write_text("")
    assert source_dir(name, package) == package / "_data" / name


def test_missing_sources_name_both_places(tmp_path: Path) -> None:
    package = tmp_path / "lib" / "site-packages" / "vmstrace"
    package.mkdir(parents=True)
    with pytest.raises(VmstraceError) as err:
        source_dir("guest", package)
    assert str(err.value) == (
        f"the guest sources are missing: expected {package}/_data/guest/init.sh (an installed "
        f"package) or {tmp_path}/lib/guest/init.sh (a source checkout). Reinstall vmstrace "
        "(pip install . in a checkout, or the wheel)."
    )


def test_the_plugin_is_built_once_per_version_of_its_sources(
    tmp_path: Path, fake_native: Path
) -> None:
    cache = tmp_path / "cache"
    first = plugin.build_plugin(cache, fake_native)
    assert first.name == "vmstrace_plugin.so" and first.parent.parent == cache / "plugin"
    assert first.read_bytes().startswith(b"\x7fELF")
    assert stat.S_IMODE(first.stat().st_mode) & 0o022 == 0  # no one else may change it
    inode = first.stat().st_ino
    assert plugin.build_plugin(cache, fake_native) == first
    assert first.stat().st_ino == inode  # reused, not rebuilt

    (fake_native / "plugin.c").write_text("int vmstrace_fake(void) { return 2; }\n")
    second = plugin.build_plugin(cache, fake_native)
    assert second != first and second.is_file()
    (fake_native / "Makefile").write_text(FAKE_MAKEFILE + "\n")  # the build rule is a source
    assert plugin.build_plugin(cache, fake_native) not in (first, second)


def test_a_failed_build_shows_the_compilers_error(tmp_path: Path, fake_native: Path) -> None:
    (fake_native / "plugin.c").write_text("int vmstrace_fake(void) { return }\n")
    with pytest.raises(VmstraceError) as err:
        plugin.build_plugin(tmp_path / "cache", fake_native)
    message = str(err.value)
    assert message.startswith(f"building the capture plugin from {fake_native} failed:\n")
    assert "plugin.c:1:" in message and "error:" in message


def test_missing_build_tools_are_named_with_their_packages(
    tmp_path: Path, fake_native: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(VmstraceError) as err:
        plugin.build_plugin(tmp_path / "cache", fake_native)
    assert str(err.value) == (
        "building the capture plugin (once, into the cache) needs make, gcc, pkg-config, "
        "libglib2.0-dev: install them (apt-get install make gcc pkg-config libglib2.0-dev), "
        "or run `make setup` in a checkout"
    )


def test_missing_glib_headers_are_named(
    tmp_path: Path, fake_native: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PKG_CONFIG_LIBDIR", str(tmp_path))  # where pkg-config finds no glib
    monkeypatch.delenv("PKG_CONFIG_PATH", raising=False)
    with pytest.raises(VmstraceError) as err:
        plugin.build_plugin(tmp_path / "cache", fake_native)
    assert str(err.value) == (
        "building the capture plugin (once, into the cache) needs libglib2.0-dev: install it "
        "(apt-get install libglib2.0-dev), or run `make setup` in a checkout"
    )


def test_vmstrace_plugin_names_a_plugin_to_use_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "own.so"
    own.write_bytes(b"\x7fELF")
    monkeypatch.setenv("VMSTRACE_PLUGIN", str(own))
    assert plugin.plugin_path(tmp_path / "cache") == own
    assert not (tmp_path / "cache").exists()  # nothing built
    monkeypatch.setenv("VMSTRACE_PLUGIN", str(tmp_path / "gone.so"))
    with pytest.raises(VmstraceError, match=r"VMSTRACE_PLUGIN=.*gone\.so does not exist"):
        plugin.plugin_path(tmp_path / "cache")
