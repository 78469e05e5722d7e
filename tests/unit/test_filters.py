"""strace's selection options (-e trace=, -e status=, -z, -Z, -p, --comm): parsing and use."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import TaskInfo
from vmstrace.decode import TABLES
from vmstrace.trace.filters import (
    STATUSES,
    build_filter,
    call_status,
    parse_status,
    parse_trace,
)

NR = {info.name: nr for nr, info in TABLES["x86_64"].items()}


def names(spec: str) -> set[str]:
    """The x86-64 names a -e trace= spec selects."""
    s = parse_trace(spec)
    return {info.name for nr, info in TABLES["x86_64"].items() if ("x86_64", nr) in s}


def test_class_selects_exactly_the_tables_class():
    file_calls = names("%file")
    assert {"openat", "open", "stat", "newfstatat", "access", "execve", "mkdir"} <= file_calls
    assert file_calls.isdisjoint({"read", "write", "close", "getpid", "mmap"})
    assert file_calls == {i.name for i in TABLES["x86_64"].values() if "file" in i.classes}


@pytest.mark.parametrize(
    "spec, inside, outside",
    [
        ("%desc", {"read", "close", "openat"}, {"getpid", "stat"}),
        ("%network", {"socket", "connect", "sendto"}, {"read"}),
        ("%net", {"socket"}, {"read"}),
        ("%process", {"execve", "clone", "exit_group", "wait4"}, {"read"}),
        ("%signal", {"rt_sigaction", "kill"}, {"read"}),
        ("%memory", {"mmap", "brk", "munmap"}, {"read"}),
        ("%ipc", {"shmget", "msgsnd", "semop"}, {"read"}),
        ("%creds", {"setuid", "getgid"}, {"getpid"}),
        ("%clock", {"clock_gettime"}, {"nanosleep"}),
        ("%pure", {"getpid", "gettid", "getppid"}, {"getuid32", "read"}),
        ("%stat", {"stat"}, {"lstat", "fstat", "newfstatat"}),
        ("%lstat", {"lstat"}, {"stat"}),
        ("%fstat", {"fstat", "newfstatat", "statx"}, {"stat"}),
        ("%%stat", {"stat", "lstat", "fstat", "newfstatat", "statx"}, {"statfs"}),
        ("%statfs", {"statfs"}, {"fstatfs"}),
        ("%fstatfs", {"fstatfs"}, {"statfs"}),
        ("%%statfs", {"statfs", "fstatfs"}, {"stat"}),
        ("file", {"openat"}, {"read"}),  # strace's legacy spelling
    ],
)
def test_classes(spec, inside, outside):
    got = names(spec)
    assert inside <= got
    assert not (outside & got)


def test_names_numbers_regex_and_lists():
    assert names("openat,close") == {"openat", "close"}
    assert names("0,257") == {"read", "openat"}
    assert names("/^getp") == {
        "getpid",
        "getppid",
        "getpgid",
        "getpgrp",
        "getpriority",
        "getpeername",
        "getpmsg",
    }
    assert names("%file,read") == names("%file") | {"read"}
    assert names("?nosuchcall,read") == {"read"}


def test_names_match_both_abis():
    s = parse_trace("open")
    assert ("x86_64", 2) in s and ("i386", 5) in s
    assert ("x86_64", 257) not in s


@pytest.mark.parametrize(
    "spec, read_in, unknown_nr_in",
    [
        ("all", True, True),
        ("none", False, False),
        ("!all", False, False),
        ("!none", True, True),
        ("!read", False, True),
        ("!!read", True, False),
    ],
)
def test_all_none_and_inversion(spec, read_in, unknown_nr_in):
    s = parse_trace(spec)
    assert (("x86_64", 0) in s) is read_in
    assert (("x86_64", 400) in s) is unknown_nr_in  # a number with no table row


def test_inverted_class():
    got = names("!%file")
    assert "read" in got and "openat" not in got
    assert got | names("%file") == {i.name for i in TABLES["x86_64"].values()}


def test_unknown_names_are_one_error_naming_each():
    with pytest.raises(VmstraceError) as err:
        parse_trace("openat,opne,%fiel,xyzzy")
    assert str(err.value) == (
        "-e trace: unknown system calls 'opne' (did you mean 'open'?), '%fiel' (classes: "
        "%%stat, %%statfs, %clock, %creds, %desc, %file, %fstat, %fstatfs, %ipc, %lstat, "
        "%memory, %net, %network, %process, %pure, %signal, %stat, %statfs), 'xyzzy'"
    )


@pytest.mark.parametrize(
    "spec, message",
    [
        ("read,,write", "-e trace=read,,write: empty element in the list"),
        ("", "-e trace=: empty element in the list"),
        (
            "/(",
            "-e trace=: bad regular expression '(': missing ), unterminated subpattern "
            "at position 0",
        ),
    ],
)
def test_malformed_trace_sets(spec, message):
    with pytest.raises(VmstraceError) as err:
        parse_trace(spec)
    assert str(err.value) == message


@pytest.mark.parametrize(
    "spec, want",
    [
        ("failed", {"failed"}),
        ("successful,unfinished", {"successful", "unfinished"}),
        ("!failed", set(STATUSES) - {"failed"}),
        ("all", set(STATUSES)),
        ("none", set()),
    ],
)
def test_parse_status(spec, want):
    assert parse_status(spec) == want


def test_unknown_status():
    with pytest.raises(VmstraceError) as err:
        parse_status("failed,oops")
    assert str(err.value) == (
        "-e status: unknown status 'oops' (choose from successful, "
        "failed, unfinished, unavailable, detached)"
    )


def test_call_status(decode_call):
    build_call = decode_call
    assert call_status(build_call("openat", ret=3)) == "successful"
    assert call_status(build_call("openat", ret=-2)) == "failed"
    assert call_status(build_call("exit_group", [0], ret=None)) == "unfinished"
    assert call_status(build_call("lseek", ret=-4096)) == "successful"  # not an errno


def test_build_filter_default_keeps_everything(decode_call):
    build_call = decode_call
    f = build_filter()
    assert not f.guest_wide
    for call in (
        build_call("read", ret=1),
        build_call("openat", ret=-2),
        build_call("exit_group", [0], ret=None),
    ):
        assert f.wants_call(call) and f.wants_process(call)


@pytest.mark.parametrize(
    "args, kept",
    [
        ({"qualifiers": ["trace=%file"]}, {"openat-ok", "openat-fail"}),
        ({"qualifiers": ["openat"]}, {"openat-ok", "openat-fail"}),  # bare -e SET
        ({"qualifiers": ["trace=read", "trace=openat"]}, {"openat-ok", "openat-fail"}),  # last wins
        ({"qualifiers": ["status=failed"]}, {"openat-fail"}),
        ({"failed": True}, {"openat-fail"}),
        ({"successful": True}, {"openat-ok", "read"}),
        ({"qualifiers": ["status=unfinished"]}, {"exit"}),
        ({"qualifiers": ["trace=!%file", "status=!unfinished"]}, {"read"}),
    ],
)
def test_build_filter_selects(args, kept, decode_call):
    build_call = decode_call
    calls = {
        "openat-ok": build_call("openat", ret=3),
        "openat-fail": build_call("openat", ret=-2),
        "read": build_call("read", ret=5),
        "exit": build_call("exit_group", [0], ret=None),
    }
    f = build_filter(**args)
    assert {k for k, c in calls.items() if f.wants_call(c)} == kept


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"qualifiers": ["signal=none"]},
            "-e signal=none: vmstrace supports -e trace=SET and -e status=SET",
        ),
        (
            {"successful": True, "failed": True},
            "-z, -Z and -e status= each choose the statuses: give one of them",
        ),
        (
            {"failed": True, "qualifiers": ["status=failed"]},
            "-z, -Z and -e status= each choose the statuses: give one of them",
        ),
        ({"pids": [0]}, "-p 0: a guest process id is a positive number"),
        ({"comms": [""]}, "--comm: the process name must not be empty"),
    ],
)
def test_build_filter_errors(args, message):
    with pytest.raises(VmstraceError) as err:
        build_filter(**args)
    assert str(err.value) == message


def _by(call, pid: int, comm: str, exit_comm: str | None = None):
    who = TaskInfo(task=1, cr3=1, pid=pid, tid=pid + 1, ppid=1, comm=comm)
    entry = replace(call.entry, who=who)
    exit_ = replace(call.exit, who=replace(who, comm=exit_comm or comm))
    return replace(call, entry=entry, exit=exit_)


def test_pid_and_comm_select_processes(decode_call):
    call = decode_call("getpid", ret=7)
    f = build_filter(pids=[7], comms=["sh"])
    assert f.guest_wide
    assert f.wants_process(_by(call, 7, "probe"))  # by pid (tgid), any of its threads
    assert f.wants_process(_by(call, 9, "sh"))  # by comm
    assert not f.wants_process(_by(call, 9, "init"))


def test_comm_is_truncated_like_the_kernels_and_an_execve_matches_by_its_new_name(decode_call):
    f = build_filter(comms=["a-very-long-program-name"])
    assert f.comms == {"a-very-long-pro"}
    execve = _by(decode_call("execve", ret=0), 5, "vmstrace-exec", "a-very-long-pro")
    assert f.wants_process(execve)


def test_a_filter_follows_the_run_s_numbering():
    """The CLI parses -e trace= before the guest kernel's numbering is known: the run
    resolves its names again in the tables it uses."""
    tables = TABLES.renumbered({"x86_64": {500: "exit_group", NR["exit_group"]: "getpid"}})
    filt = build_filter(["trace=exit_group,%pure"], successful=True)
    moved = filt.for_tables(tables)
    assert ("x86_64", NR["exit_group"]) in filt.syscalls and ("x86_64", 500) not in filt.syscalls
    assert ("x86_64", 500) in moved.syscalls and ("x86_64", NR["exit_group"]) in moved.syscalls
    assert ("x86_64", NR["read"]) not in moved.syscalls
    assert (moved.statuses, moved.every_call) == (frozenset({"successful"}), False)
    assert build_filter(successful=True).for_tables(tables) == build_filter(successful=True)
    with pytest.raises(VmstraceError, match="exit_group"):
        build_filter(["trace=exit_group"]).for_tables(
            TABLES.renumbered({"x86_64": {60: "x", 231: "y"}, "i386": {1: "x", 252: "y"}})
        )
