"""--add's dependency resolution (guest/elfdeps.py): the ld.so cache read from crafted
bytes, and real ELF files built here with gcc (run paths with $ORIGIN, a library only the
cache knows, one missing, one of the wrong class), checked against what glibc's loader
does with the same files on this host."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from vmstrace.core.errors import VmstraceError
from vmstrace.guest.elfdeps import (
    SYSTEM_DIRS,
    elf_info,
    library_closure,
    read_ld_cache,
    with_dependencies,
)

HEADER = struct.Struct("<20sIIB3xI12x")
ENTRY = struct.Struct("<iIIIQ")


def _cache(pairs: list[tuple[str, str]], old_prefix: int | None = None) -> bytes:
    """An ld.so.cache in glibc's new format (after an old-format table of ``old_prefix``
    entries when given)."""
    strings = b""
    offsets = []
    base = HEADER.size + len(pairs) * ENTRY.size
    for name, path in pairs:
        k = base + len(strings)
        strings += name.encode() + b"\0"
        v = base + len(strings)
        strings += path.encode() + b"\0"
        offsets.append((k, v))
    new = HEADER.pack(b"glibc-ld.so.cache1.1", len(pairs), len(strings), 2, 0)
    new += b"".join(ENTRY.pack(0x303, k, v, 0, 0) for k, v in offsets) + strings
    if old_prefix is None:
        return new
    old = b"ld.so-1.7.0" + struct.pack("<I", old_prefix) + b"\0" * (12 * old_prefix)
    return old + b"\0" * (-len(old) % 8) + new


def test_the_cache_is_read_in_its_order():
    data = _cache([("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"), ("libc.so.6", "/lib32/c")])
    assert read_ld_cache(data) == {"libc.so.6": ["/lib/x86_64-linux-gnu/libc.so.6", "/lib32/c"]}
    assert read_ld_cache(_cache([("libz.so.1", "/usr/lib/libz.so.1")], old_prefix=3)) == {
        "libz.so.1": ["/usr/lib/libz.so.1"]
    }


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a cache at all",
        _cache([("libc.so.6", "/lib/libc.so.6")])[:30],  # a cut header
        _cache([("libc.so.6", "/lib/libc.so.6")]).replace(b"/lib/libc", b"lib/libcx"),
    ],
)
def test_a_bad_cache_gives_nothing_usable(data):
    got = read_ld_cache(data)
    assert all(p.startswith("/") for paths in got.values() for p in paths)
    assert "libc.so.6" not in got or got["libc.so.6"] == ["/lib/libc.so.6"]


def test_entries_past_the_end_or_pointing_outside_are_dropped():
    data = bytearray(_cache([("a.so", "/x/a.so"), ("b.so", "/x/b.so")]))
    struct.pack_into("<I", data, HEADER.size + 4, 1 << 30)  # a's name far outside
    struct.pack_into("<I", data, 20, 1000)  # nlibs says 1000
    assert read_ld_cache(bytes(data)) == {"b.so": ["/x/b.so"]}


def test_the_hosts_own_cache_names_libc():
    found = read_ld_cache(Path("/etc/ld.so.cache").read_bytes())
    assert any(Path(p).is_file() for p in found["libc.so.6"])


def _ldd(binary: str) -> set[str]:
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    return {
        part
        for line in out.splitlines()
        for part in line.split()
        if part.startswith("/") and "vdso" not in part
    }


@pytest.mark.parametrize("binary", ["/usr/bin/ls", "/usr/bin/sort", "/usr/bin/python3"])
def test_a_debian_program_needs_what_ldd_lists(binary):
    """The system's own loader (through ldd, on a trusted program) is the oracle."""
    got = with_dependencies([(Path(binary), binary)])
    assert got[0] == (Path(binary), binary)
    guests = {g for _, g in got[1:]}
    assert _ldd(binary) <= guests
    # nothing more than the loader's own file again (libc asks for its loader by name)
    assert len(guests - _ldd(binary)) <= 1
    assert all(Path(h).is_file() for h, _ in got)


def _cc(tmp: Path, name: str, source: str, *args: str) -> Path:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is missing: scripts/setup.sh installs it (apt-get install gcc)")
    src = tmp / f"{name}.c"
    src.write_text(source)
    out = tmp / name
    subprocess.run(["gcc", "-o", str(out), str(src), *args], check=True, capture_output=True)
    return out


def _program(tmp: Path) -> Path:
    """prog (RUNPATH $ORIGIN/lib) → libouter.so (RUNPATH $ORIGIN) → libinner.so."""
    lib = tmp / "lib"
    lib.mkdir()
    _cc(lib, "libinner.so", "int inner(void) { return 1; }", "-shared", "-fPIC")
    _cc(
        lib,
        "libouter.so",
        "int inner(void); int outer(void) { return inner(); }",
        "-shared",
        "-fPIC",
        f"-L{lib}",
        "-linner",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN",
    )
    return _cc(
        tmp,
        "prog",
        "int outer(void); int main(void) { return outer() - 1; }",
        f"-L{lib}",
        "-louter",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib",
    )


def test_origin_run_paths_follow_the_program_to_its_guest_path(tmp_path):
    prog = _program(tmp_path)
    assert subprocess.run([str(prog)]).returncode == 0  # the host's loader agrees
    info = elf_info(prog)
    assert info is not None and info.runpath == ("$ORIGIN/lib",)
    got = dict((g, h) for h, g in with_dependencies([(prog, "/opt/app/prog")]))
    assert got["/opt/app/lib/libouter.so"] == tmp_path / "lib" / "libouter.so"
    assert got["/opt/app/lib/libinner.so"] == tmp_path / "lib" / "libinner.so"
    assert "/lib/x86_64-linux-gnu/libc.so.6" in got
    assert info.interp in got


def test_a_library_only_the_cache_knows_gets_a_copy_where_the_guest_looks(tmp_path):
    lib = tmp_path / "opt"
    lib.mkdir()
    _cc(lib, "libcached.so", "int f(void) { return 0; }", "-shared", "-fPIC")
    prog = _cc(
        tmp_path, "prog", "int f(void); int main(void) { return f(); }", f"-L{lib}", "-lcached"
    )
    cache = tmp_path / "ld.so.cache"
    real = read_ld_cache(Path("/etc/ld.so.cache").read_bytes())
    pairs = [(n, p) for n, ps in real.items() for p in ps]
    cache.write_bytes(_cache([("libcached.so", str(lib / "libcached.so")), *pairs]))
    got = dict((g, h) for h, g in with_dependencies([(prog, "/bin/prog")], cache))
    assert got[str(lib / "libcached.so")] == lib / "libcached.so"  # at its host path
    assert got[f"{SYSTEM_DIRS['EM_X86_64'][0]}/libcached.so"] == lib / "libcached.so"


def test_a_missing_library_is_named_with_who_needs_it(tmp_path):
    prog = _program(tmp_path)
    (tmp_path / "lib" / "libinner.so").unlink()
    with pytest.raises(VmstraceError, match=r"libouter\.so needs libinner\.so.*--no-deps"):
        with_dependencies([(prog, "/bin/prog")])


def test_a_library_the_loader_cannot_use_is_passed_over(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    _cc(lib, "libinner.so", "int inner(void) { return 1; }", "-shared", "-fPIC")
    prog = _cc(
        tmp_path,
        "prog",
        "int inner(void); int main(void) { return inner() - 1; }",
        f"-L{lib}",
        "-linner",
        "-Wl,-rpath,$ORIGIN/lib:$ORIGIN/lib64",
    )
    (tmp_path / "lib64").mkdir()
    shutil.copy(lib / "libinner.so", tmp_path / "lib64" / "libinner.so")
    # the first directory's copy is cut to a 32-bit ELF header: the loader passes it over
    data = bytearray((lib / "libinner.so").read_bytes())
    data[4] = 1  # EI_CLASS = ELFCLASS32
    (lib / "libinner.so").write_bytes(bytes(data[:64]))
    got = dict((g, h) for h, g in with_dependencies([(prog, str(prog))]))
    assert got[str(tmp_path / "lib64" / "libinner.so")] == tmp_path / "lib64" / "libinner.so"


def test_an_added_directory_brings_what_its_programs_need(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    prog = _program(app)  # app/prog, app/lib/libouter.so, app/lib/libinner.so
    (app / "README").write_text("not a program")
    got = dict((g, h) for h, g in with_dependencies([(app, "/opt/app")]))
    assert got["/opt/app"] == app
    assert "/lib/x86_64-linux-gnu/libc.so.6" in got
    assert prog.is_file() and "/opt/app/lib/libinner.so" not in got  # copied with the dir


def test_scripts_and_the_users_own_paths_are_left_alone(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("hi")
    adds = [(script, "/run.sh"), (data, "/data")]
    assert with_dependencies(adds) == adds
    mine = tmp_path / "my-libc"
    mine.write_bytes(b"mine")
    got = with_dependencies(
        [(Path("/usr/bin/ls"), "/usr/bin/ls"), (mine, "/lib/x86_64-linux-gnu/libc.so.6")]
    )
    assert dict((g, h) for h, g in got)["/lib/x86_64-linux-gnu/libc.so.6"] == mine


def test_a_file_that_claims_to_be_elf_but_is_not_is_an_error(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x7fELF" + b"\xff" * 12)
    with pytest.raises(VmstraceError, match="not a readable ELF file"):
        with_dependencies([(bad, "/bad")])


def test_library_closure_leaves_the_binaries_to_the_caller():
    got = library_closure([Path("/usr/bin/sort")])
    assert all(g != "/usr/bin/sort" for _, g in got)
    assert "/lib/x86_64-linux-gnu/libc.so.6" in {g for _, g in got}
