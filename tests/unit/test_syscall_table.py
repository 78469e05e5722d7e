"""The syscall tables as data (vmstrace.syscalls) and their generator."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from vmstrace.core.events import (
    NR_RESTART_SYSCALL,
    Insn,
    RawEntry,
    RawExit,
    Syscall,
    TaskInfo,
    TraceEvent,
)
from vmstrace.decode import Plans
from vmstrace.pipeline import Decoder, Emitter
from vmstrace.syscalls import TABLES, Flag, NameChange, SyscallInfo, SyscallTable, i386, x86_64
from vmstrace.trace.attribution import (
    X32_SYSCALL_BIT,
    ProcessTree,
    call_class_lines,
    fork_numbers,
)
from vmstrace.trace.pairing import Pairer, no_return_numbers, reaping_calls

ROOT = Path(__file__).resolve().parents[2]
UAPI = Path("/usr/include/x86_64-linux-gnu/asm")
DATA = Path(__file__).parent / "data"


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "gen-syscall-table.py"
    spec = importlib.util.spec_from_file_location("gen_syscall_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look a module up by name
    spec.loader.exec_module(module)
    return module


gen = _generator()


# --- the generator's row making, on crafted headers -----------------------------------


UNISTD = """\
#ifndef _ASM_UNISTD_64_H
#define _ASM_UNISTD_64_H
#define __NR_read 0
#define __NR_exit 60
#define __NR_openat 257
#define __NR_clone3 435
#endif
"""
SYSCALLENT = """\
[  0] = { 3,\tTD,\t\tSEN(read),\t\t\t"read"\t\t\t},
[ 60] = { 1,\tTP|SE,\t\tSEN(exit),\t\t\t"exit"\t\t\t},
[257] = { 4,\tTD|TF,\t\tSEN(openat),\t\t\t"openat"\t\t},
/* [335 ... 423] - reserved */
#include "common.h"
"""
COMMON = """\
#ifndef BASE_NR
# define BASE_NR 0
#endif
[BASE_NR + 435] = { 2,\tTP,\t\tSEN(clone3),\t\t\t"clone3"\t\t},
[BASE_NR + 436] = { MA,\t0,\t\tSEN(printargs),\t\t"later"\t\t},
"""


def test_unistd_defines_give_the_names() -> None:
    assert gen.parse_unistd(UNISTD) == {0: "read", 60: "exit", 257: "openat", 435: "clone3"}


def test_syscallent_rows_follow_includes() -> None:
    asked: list[str] = []

    def read(path: str) -> str:
        asked.append(path)
        return COMMON

    rows = gen.parse_syscallent(SYSCALLENT, read)
    assert asked == ["common.h"]
    assert rows == {
        0: (3, "TD"),
        60: (1, "TP|SE"),
        257: (4, "TD|TF"),
        435: (2, "TP"),
        436: (6, "0"),
    }


def test_rows_take_strace_s_counts_classes_and_the_flags_by_name() -> None:
    rows = gen.make_rows(
        gen.parse_unistd(UNISTD),
        gen.parse_syscallent(SYSCALLENT, lambda _: COMMON),
        newer=[(451, "cachestat", 4, "TD")],
        overrides={"openat": (5, "TN")},
    )
    assert rows == [
        (0, "read", 3, "desc", "0"),
        (60, "exit", 1, "process", "F.NO_RETURN | F.TASK_REFRESH"),
        (257, "openat", 5, "network", "F.RETURNS_FD"),
        (435, "clone3", 2, "process", "F.FORK"),
        (451, "cachestat", 4, "desc", "0"),
    ]


def test_a_header_newer_than_strace_is_an_error() -> None:
    with pytest.raises(ValueError, match="strace has no row for 435"):
        gen.make_rows(gen.parse_unistd(UNISTD), gen.parse_syscallent(SYSCALLENT, lambda _: ""))
    with pytest.raises(ValueError, match="unknown strace flag 'TX'"):
        gen.classes_of("TD|TX")


def test_every_flag_name_is_a_flag() -> None:
    assert set(gen.FLAG_NAMES) <= {f.name for f in Flag}


@pytest.mark.parametrize("abi", ["x86_64", "i386"])
def test_the_committed_file_is_the_generator_s_rendering(abi: str) -> None:
    """The committed rows, rendered again, give the committed file byte for byte: the file
    is the generator's output, not edited by hand."""
    module = {"x86_64": x86_64, "i386": i386}[abi]
    names = {f.value: f.name for f in Flag if f}
    rows = [
        (nr, name, nargs, classes, " | ".join(f"F.{names[b]}" for b in names if flags & b) or "0")
        for nr, name, nargs, classes, flags in module.ROWS
    ]
    text = (ROOT / "src" / "vmstrace" / "syscalls" / f"{abi}.py").read_text()
    assert gen.render(abi, rows) == text


# --- the committed tables --------------------------------------------------------------


@pytest.mark.parametrize(("abi", "header"), [("x86_64", "unistd_64.h"), ("i386", "unistd_32.h")])
def test_every_uapi_number_has_its_name(abi: str, header: str) -> None:
    """linux-libc-dev's headers (scripts/setup.sh installs them) name every number as the
    table does; a host with newer headers only names numbers the table has too."""
    defs = gen.parse_unistd((UAPI / header).read_text())
    assert len(defs) > 300
    table = TABLES[abi]
    assert {nr: table[nr].name for nr in defs if nr in table} == defs


def test_numbers_and_names_are_those_of_the_tables_before() -> None:
    """The tables made from strace's syscallent name every (abi, nr) as the hand-kept ones
    did (tests/unit/data/syscall-names-before.json)."""
    before = json.loads((DATA / "syscall-names-before.json").read_text())
    for abi, names in before.items():
        assert {str(nr): info.name for nr, info in TABLES[abi].items()} == names


def test_the_flags_give_the_numbers_the_stages_used() -> None:
    assert no_return_numbers(TABLES) == {
        "x86_64": frozenset({60, 231}),
        "i386": frozenset({1, 252}),
    }
    assert reaping_calls(TABLES) == {"x86_64": {61: 1, 247: 2}, "i386": {7: 1, 114: 1, 284: 2}}
    forks = {56, 57, 58, 435}
    assert fork_numbers(TABLES) == {
        "x86_64": frozenset(forks | {X32_SYSCALL_BIT | nr for nr in forks}),
        "i386": frozenset({2, 120, 190, 435}),
    }
    assert TABLES["x86_64"].numbers(Flag.EXEC) == {59, 322}
    assert TABLES["i386"].numbers(Flag.EXEC) == {11, 358}
    assert TABLES["x86_64"].numbers(Flag.RESTART) == {NR_RESTART_SYSCALL}
    assert TABLES.names(Flag.MAY_RETURN_FD) == {
        "fcntl",
        "fcntl64",
        "landlock_create_ruleset",
        "bpf",
    }
    assert call_class_lines() == [
        "task_refresh 64 59 60 105 106 113 114 117 119 122 123 126 157 231 322",
        "resumes_elsewhere 64 15 59 322",
        "sigreturn 64 15",
        "noreturn 64 60 231",
        "task_refresh 32 1 11 23 46 70 71 138 139 164 170 172 185 203 204 208 210 213 214 "
        "215 216 252 358",
        "resumes_elsewhere 32 11 119 173 358",
        "sigreturn 32 119 173",
        "noreturn 32 1 252",
    ]


def test_i386_rows_have_their_own_counts() -> None:
    """i386 rows are strace's i386 ones: a 64-bit offset takes two registers."""
    by_name = {info.name: info for info in TABLES["i386"].values()}
    assert by_name["pread64"].nargs == 5 and TABLES["x86_64"][17].nargs == 4
    assert by_name["socketcall"].classes == {"network"}
    assert by_name["waitpid"] == SyscallInfo(7, "waitpid", 3, frozenset({"process"}), Flag.REAPS)


# --- renumbering ------------------------------------------------------------------------


def test_renumbered_rows_keep_their_facts_by_name() -> None:
    x64 = TABLES["x86_64"]
    new = x64.renumbered({500: "exit_group", 231: "getpid", 501: "brand_new"})
    assert new is not x64 and new.abi == "x86_64"
    assert new[500] == SyscallInfo(500, "exit_group", 1, frozenset({"process"}), x64[231].flags)
    assert new.numbers(Flag.NO_RETURN) == {60, 500}
    assert new[231].name == "getpid" and new[231].classes == {"pure"}
    assert new[501] == SyscallInfo(501, "brand_new", 6, frozenset())
    assert new.by_name("exit_group") == new[500]
    # the table it came from is unchanged
    assert x64.numbers(Flag.NO_RETURN) == {60, 231} and 500 not in x64
    assert x64.by_name("exit_group") == x64[231]


def test_an_i386_name_only_x86_64_knows_takes_its_row() -> None:
    tables = TABLES.renumbered({"i386": {451: "cachestat"}})
    assert tables["i386"][451] == SyscallInfo(451, "cachestat", 4, frozenset({"desc"}))
    assert tables["x86_64"] is TABLES["x86_64"]
    assert tables.changes_from(TABLES) == [NameChange("i386", 451, None, "cachestat")]
    assert TABLES.renumbered(None) is TABLES and TABLES.renumbered({}) is TABLES


def test_a_table_by_number_name_and_flag() -> None:
    table = SyscallTable.from_rows(
        "x86_64",
        ((3, "close", 1, "desc", 0), (0, "read", 3, "desc", 0), (60, "exit", 1, "", 1)),
    )
    assert list(table) == [0, 3, 60] and len(table) == 3 and 60 in table and 1 not in table
    assert table.get(1) is None and table.by_name("close") == table[3]
    assert table.numbers(Flag.NO_RETURN) == {60} and table.names(Flag.NO_RETURN) == {"exit"}
    assert table.numbers(Flag.NO_RETURN | Flag.FORK) == {60}
    assert table.numbers(Flag.FORK) == frozenset()
    assert [i.name for i in table.values()] == ["read", "close", "exit"]


def test_the_package_imports_only_the_core() -> None:
    for path in (ROOT / "src" / "vmstrace" / "syscalls").glob("*.py"):
        imports = re.findall(r"^\s*(?:from|import) (vmstrace\.\w+|\.\.\w*)", path.read_text(), re.M)
        assert all(i in ("vmstrace.core",) for i in imports), (path.name, imports)


# --- a run's renumbered tables reach the stages --------------------------------------------


def test_the_stages_follow_the_tables_they_are_given() -> None:
    """A kernel that numbers exit_group 500 and clone 501: the pairing ends a call of 500 at
    its entry, the process tree follows 501's child, the lane and the decoder name them;
    stages given the project's tables do neither."""
    tables = TABLES.renumbered({"x86_64": {500: "exit_group", 501: "clone"}})
    who = TaskInfo(task=0xFFFF8880_0000_1000, cr3=0x2000, pid=7, tid=7, ppid=1, comm="c")
    pc = 0x401000

    def entry(nr: int, seq: int) -> RawEntry:
        return RawEntry(seq, 0, "x86_64", Insn.SYSCALL, pc, 0x7FFC0000, nr, (0,) * 6, who)

    renumbered, project = Pairer(tables=tables), Pairer()
    ended = renumbered.feed_batch([entry(500, 1)])
    assert [c.entry.nr for c in ended if isinstance(c, Syscall)] == [500] and len(ended) == 1
    assert project.feed_batch([entry(500, 1)]) == []  # pending: it may return
    assert (renumbered.counts.no_return, project.counts.no_return) == (1, 0)

    clone = Syscall(
        entry(501, 1),
        RawExit(2, 0, "x86_64", Insn.SYSRETQ, pc + 2, 8, 501, who, user_pc=pc + 2),
    )
    tree = ProcessTree(tables=tables)
    tree.root, tree.started, tree.pids = 7, True, {7}
    assert tree.wants(clone) and tree.pids == {7, 8}
    assert 501 not in ProcessTree().forks["x86_64"]

    evs: list[TraceEvent] = []
    plans = Plans(tables)
    plans.get("x86_64", 501)  # the lane uses the plans the Python path made
    decoder = Decoder(32, plans=plans)
    lane_tree = ProcessTree(tables=tables)
    lane_tree.root, lane_tree.started, lane_tree.pids = 7, True, {7}
    lane = Emitter(lane_tree, decoder, []).lane
    assert lane is not None and lane.run([clone], 0, evs) == 1  # (in C)
    assert [e.name for e in evs] == ["clone"] and decoder(clone) == evs[0]
    assert lane_tree.pids == {7, 8}
    assert Decoder(32)(clone).name == "syscall_0x1f5"
