"""Syscall names from the guest kernel: the switch walker, entry-point naming, the cache,
the fallback for unreadable kernels, the decode integration, and both real Debian kernels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_kernel_real import _kernel  # the real kernels, or a clear failure

from vmstrace import decode
from vmstrace.decode import TABLES, NameChange, Plans, lookup, syscall_name
from vmstrace.kernel.bzimage import extract_vmlinux
from vmstrace.kernel.syscall_names import (
    DISPATCHERS,
    Image,
    KernelSyscallNames,
    cache_path,
    entries_from_switch,
    entries_from_table,
    kernel_syscall_names,
    names_from_entries,
    syscall_names_from_vmlinux,
)
from vmstrace.kernel.x86switch import SwitchError, switch_cases

BASE = 0xFFFFFFFF81005600
SYS = {n: 0xFFFFFFFF81300000 + 0x100 * n for n in range(6)}
NI = 0xFFFFFFFF81004000
FENTRY = 0xFFFFFFFF8106B730
SIZES = {
    "cmp": 6,
    "je": 6,
    "ja": 6,
    "jne": 6,
    "jbe": 6,
    "jmp": 5,
    "call": 5,
    "test": 2,
    "endbr": 4,
    "jmp8": 2,
}
OPS = {
    "je": b"\x0f\x84",
    "ja": b"\x0f\x87",
    "jne": b"\x0f\x85",
    "jbe": b"\x0f\x86",
    "jmp": b"\xe9",
    "call": b"\xe8",
    "jmp8": b"\xeb",
}


def assemble(prog: list[tuple[str, object]]) -> bytes:
    """Just enough of an assembler for a compare-tree switch over %esi."""
    labels, pc = {}, 0
    for op, arg in prog:
        if op == "label":
            labels[arg] = pc
        else:
            pc += SIZES[op]
    out = bytearray()
    for op, arg in prog:
        if op == "label":
            continue
        size = SIZES[op]
        if op == "cmp":
            out += b"\x81\xfe" + int(arg).to_bytes(4, "little")  # type: ignore[call-overload]
        elif op == "test":
            out += b"\x85\xf6"
        elif op == "endbr":
            out += b"\xf3\x0f\x1e\xfa"
        else:
            target = labels[arg] if isinstance(arg, str) else int(arg) - BASE  # type: ignore[call-overload]
            rel = target - (len(out) + size)
            out += OPS[op] + rel.to_bytes(size - len(OPS[op]), "little", signed=True)
    return bytes(out)


SWITCH = [
    ("endbr", None),
    ("call", FENTRY),
    ("cmp", 3),
    ("je", "L3"),
    ("ja", "HI"),
    ("test", None),
    ("je", "L0"),
    ("cmp", 1),
    ("je", SYS[1]),
    ("jmp", SYS[2]),
    ("label", "HI"),
    ("cmp", 5),
    ("ja", NI),
    ("jne", "L4"),
    ("call", SYS[5]),
    ("label", "L4"),
    ("jmp8", "L4b"),
    ("label", "L4b"),
    ("jmp", SYS[4]),
    ("label", "L3"),
    ("jmp", SYS[3]),
    ("label", "L0"),
    ("jmp", SYS[0]),
]


def test_switch_cases_follow_every_path() -> None:
    cases = switch_cases(assemble(SWITCH), BASE, limit=16)
    assert cases == {**{n: SYS[n] for n in range(6)}, **{n: NI for n in range(6, 16)}}


@pytest.mark.parametrize(
    ("code", "why"),
    [
        (b"\xc3", "unsupported instruction"),  # ret: not a compare tree
        (b"\x0f\x84\x00\x00\x00\x00", "before any cmp"),
        (b"\x81\xfe\x01\x00\x00\x00\x81\xff\x02\x00\x00\x00", "second register"),
        (b"\x81\xfe\x01\x00\x00\x00", "ran off the function"),
    ],
)
def test_switch_refuses_what_it_does_not_understand(code: bytes, why: str) -> None:
    with pytest.raises(SwitchError, match=why):
        switch_cases(code, BASE)


def test_switch_loops_end() -> None:
    assert switch_cases(b"\xeb\xfe", BASE) == {}  # jmp . : each state is walked once


def test_entry_names_become_abi_names() -> None:
    names, ni = names_from_entries(
        "i386",
        {
            0: "restart_syscall",
            5: "open",
            17: "ni_syscall",
            24: "getuid16",
            55: "fcntl64",
            199: "getuid",
            221: "fcntl64",
            500: "ni_syscall",
        },
    )
    assert names == {
        0: "restart_syscall",
        5: "open",
        24: "getuid",
        55: "fcntl",
        199: "getuid32",
        221: "fcntl64",
    }
    assert ni == {17}  # numbers past the last implemented one are not listed
    names, _ = names_from_entries("x86_64", {4: "newstat", 166: "umount", 335: "uretprobe"})
    assert names == {4: "stat", 166: "umount2", 335: "uretprobe"}


def test_unreadable_vmlinux_gives_an_empty_result_with_a_reason() -> None:
    result = syscall_names_from_vmlinux(b"\x7fELF" + b"\0" * 60)
    assert (result.names, result.sources) == ({}, {})
    assert result.reason


def test_not_a_kernel_falls_back_and_is_cached(tmp_path: Path) -> None:
    bogus = tmp_path / "vmlinuz"
    bogus.write_bytes(b"not a kernel" * 100)
    result = kernel_syscall_names(bogus, tmp_path / "cache")
    assert result.names == {} and "not an x86 bzImage" in result.reason
    missing = kernel_syscall_names(tmp_path / "nope", tmp_path / "cache")
    assert missing.names == {} and "nope" in missing.reason


def test_cache_round_trip(tmp_path: Path) -> None:
    doc = KernelSyscallNames(
        {"x86_64": {0: "read", 335: "uretprobe"}},
        {"x86_64": frozenset({134})},
        {"x86_64": "x64_sys_call"},
        "i386: gone",
        "ab" * 32,
    )
    assert KernelSyscallNames.from_json(json.loads(json.dumps(doc.to_json()))) == doc
    bad = dict(doc.to_json(), schema=0)
    with pytest.raises(ValueError, match="schema"):
        KernelSyscallNames.from_json(bad)


# --- decode integration --------------------------------------------------------------


def test_kernel_names_make_new_tables_and_leave_the_project_s() -> None:
    x64_open = lookup("x86_64", 2)
    tables = TABLES.renumbered(
        {
            "x86_64": {0: "read", 2: "openat", 335: "uretprobe", 600: "brand_new"},
            "i386": {451: "cachestat", 5: "open"},
        }
    )
    assert tables.changes_from(TABLES) == [
        NameChange("x86_64", 2, "open", "openat"),
        NameChange("x86_64", 335, None, "uretprobe"),
        NameChange("x86_64", 600, None, "brand_new"),
        NameChange("i386", 451, None, "cachestat"),
    ]
    openat = lookup("x86_64", 257, tables)
    renamed = lookup("x86_64", 2, tables)
    assert renamed is not None and openat is not None
    assert (renamed.nargs, renamed.classes, renamed.flags) == (
        openat.nargs,
        openat.classes,
        openat.flags,
    )
    assert syscall_name("x86_64", 600, Plans(tables)) == "brand_new"
    assert lookup("x86_64", 600, tables) == decode.SyscallInfo(600, "brand_new", 6, frozenset())
    assert lookup("x86_64", 1, tables) is not None  # numbers the kernel did not name stay
    cachestat = lookup("i386", 451, tables)
    assert cachestat is not None and cachestat.nargs == 4
    # the renamed number is captured and decoded by the template of its new name
    entries = decode.capture_entries(decode.DecodeOptions(), tables)
    assert ("64", 2) in {(abi, nr) for abi, nr, _, _ in entries}
    # the project's tables are as they were
    assert lookup("x86_64", 2) == x64_open
    assert lookup("x86_64", 600) is None and lookup("i386", 451) is None


# --- the real Debian kernels ---------------------------------------------------------

LINES = ["6.1", "6.12"]


@pytest.fixture(scope="module", params=LINES)
def real(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, KernelSyscallNames, Path]:
    path = _kernel(request.param)
    cache = tmp_path_factory.mktemp(f"names-{request.param}")
    return request.param, path, kernel_syscall_names(path, cache), cache


def test_real_kernel_names(real: tuple[str, Path, KernelSyscallNames, Path]) -> None:
    line, path, result, cache = real
    assert result.reason == ""
    # both lines dispatch through a switch (6.1.0-56 carries the BHI backport)
    assert result.sources == {"x86_64": "x64_sys_call", "i386": "ia32_sys_call"}
    x64, i386 = result.names["x86_64"], result.names["i386"]
    assert [x64[n] for n in (0, 2, 59, 231, 435)] == [
        "read",
        "open",
        "execve",
        "exit_group",
        "clone3",
    ]
    assert [i386[n] for n in (5, 11)] == ["open", "execve"]
    assert {4: "stat", 166: "umount2"}.items() <= x64.items()
    assert {192: "mmap2", 199: "getuid32", 55: "fcntl", 221: "fcntl64"}.items() <= i386.items()
    assert {134, 156, 180}.issubset(result.not_implemented["x86_64"])  # uselib _sysctl ...
    assert {17, 31, 32}.issubset(result.not_implemented["i386"])  # break stty gtty
    top = {"6.1": 450, "6.12": 462}[line]
    assert max(x64) == max(i386) == top
    if line == "6.12":  # newer than the project's tables
        assert x64[335] == "uretprobe" and i386[462] == "mseal"
    assert cache_path(cache, result.sha256).is_file()
    assert kernel_syscall_names(path, cache) == result


def test_real_kernel_agrees_with_project_tables(
    real: tuple[str, Path, KernelSyscallNames, Path],
) -> None:
    """Every number both know has the same name: the differences are only new numbers."""
    line, _, result, _ = real
    for abi, names in result.names.items():
        project = {nr: i.name for nr, i in decode.TABLES[abi].items()}
        differ = {nr: (project.get(nr), n) for nr, n in names.items() if project.get(nr) != n}
        new = {"6.1": {}, "6.12": {"x86_64": {335}, "i386": set(range(451, 463))}}[line]
        assert all(p is None for p, _ in differ.values()), differ
        assert set(differ) == set(new.get(abi, set())), differ


def test_switch_and_table_agree(real: tuple[str, Path, KernelSyscallNames, Path]) -> None:
    _, path, _, _ = real
    image = Image.from_vmlinux(extract_vmlinux(path)[1])
    d = DISPATCHERS["x86_64"]
    from_table = entries_from_table(image, d)
    from_switch = entries_from_switch(image, d)
    assert from_table == {nr: e for nr, e in from_switch.items() if nr < len(from_table)}
    assert image.syms.address("ia32_sys_call_table") is None  # why i386 needs the switch


class _Syms:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def at(self, addr: int) -> list[str]:
        return self.names


@pytest.mark.parametrize(
    ("names", "entry"),
    [
        (["__x64_sys_openat"], "openat"),
        (["__x64_sys_\x1b]0;x\x07"], None),  # printed as it is (trace lines, -c): not taken
        (["__x64_sys_a b", "__x64_sys_caf\u00e9"], None),
        (["__x64_sys_\x1b", "__x64_sys_read"], "read"),
    ],
)
def test_only_identifiers_name_entry_points(names: list[str], entry: str | None) -> None:
    image = object.__new__(Image)
    image.syms = _Syms(names)  # type: ignore[assignment]
    assert image.entry(0, ("__x64_sys_",)) == entry
