"""The conformance comparer: strace output parsing, alignment, agreement counts."""

from __future__ import annotations

import pytest

from vmstrace.conformance import (
    Disagreement,
    StraceCall,
    compare,
    guest_command,
    lcs_pairs,
    parse_strace,
    strace_output,
)
from vmstrace.errors import VmstraceError
from vmstrace.sinks.base import TraceEvent

STRACE = """\
89    execve("/vmstrace/bin/x", ["/vmstrace/bin/x"], 0x7ffe7665dcc8 /* 5 vars */) = 0
89    read(3, "a) = 1, (\\"b", 16)        = 9
89    wait4(-1,  <unfinished ...>
90    write(1, "x", 1)                  = 1
90    exit_group(0)                     = ?
90    +++ exited with 0 +++
89    <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 90
89    --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=90} ---
89    openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
[pid    91] futex(0x1, FUTEX_WAKE, 1 <unfinished ...>
"""


def ev(tid: int, name: str, args: tuple[str, ...], ret_text: str) -> TraceEvent:
    return TraceEvent(ts=0, ts_exit=0, vcpu=0, pid=tid, tid=tid, ppid=1, comm="x", cr3=0,
                      nr=0, name=name, abi="x86_64", args=args, ret=0, ret_text=ret_text,
                      error=None)


def test_parse_merges_resumed_calls_and_skips_notes():
    assert parse_strace(STRACE) == [
        StraceCall(89, "execve",
                   '"/vmstrace/bin/x", ["/vmstrace/bin/x"], 0x7ffe7665dcc8 /* 5 vars */', "0"),
        StraceCall(89, "read", '3, "a) = 1, (\\"b", 16', "9"),
        StraceCall(89, "wait4", "-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL", "90"),
        StraceCall(90, "write", '1, "x", 1', "1"),
        StraceCall(90, "exit_group", "0", "?"),
        StraceCall(89, "openat", 'AT_FDCWD, "/nope", O_RDONLY',
                   "-1 ENOENT (No such file or directory)"),
        StraceCall(91, "futex", "0x1, FUTEX_WAKE, 1", "?"),
    ]


@pytest.mark.parametrize(("a", "b", "pairs"), [
    ("abc", "abc", [(0, 0), (1, 1), (2, 2)]),
    ("abc", "xaybzc", [(0, 1), (1, 3), (2, 5)]),
    ("abc", "acb", [(0, 0), (2, 1)]),
    ("", "abc", []),
])
def test_lcs_pairs(a, b, pairs):
    assert lcs_pairs(list(a), list(b)) == pairs


def test_compare_counts_and_lists_each_difference():
    calls = parse_strace(STRACE)
    events = [
        ev(89, "kill", ("89", "SIGSTOP"), "0"),  # strace's own child code: before the match
        ev(89, "execve", ('"/vmstrace/bin/x"', '["/vmstrace/bin/x"]',
                          "0x7ffe7665dcc8 /* 5 vars */"), "0"),
        ev(89, "read", ("3", '"a) = 1, (\\"b"', "16"), "9"),
        ev(89, "getpid", (), "89"),  # not in strace's trace: extra
        ev(89, "wait4", ("-1", "0x7ffc0", "0", "NULL"), "90"),
        ev(89, "openat", ("AT_FDCWD", '"/nope"', "O_RDONLY"), "-1 ENOENT (No such file)"),
        ev(90, "write", ("1", '"x"', "1"), "1"),
        ev(90, "exit_group", ("0",), "?"),
        ev(7, "write", ("1", '"y"', "1"), "1"),  # a thread strace did not trace
    ]
    r = compare("w", calls, events)
    assert (r.strace_calls, r.matched, r.ret_equal, r.args_equal, r.extra, r.threads) == (
        7, 6, 5, 5, 1, 3)
    assert r.disagreements == [
        Disagreement("w", 89, "extra", "", "getpid() = 89"),
        Disagreement("w", 89, "args",
                     "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 90",
                     "wait4(-1, 0x7ffc0, 0, NULL) = 90"),
        Disagreement("w", 89, "ret",
                     'openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)',
                     'openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file)'),
        Disagreement("w", 91, "missing", "futex(0x1, FUTEX_WAKE, 1) = ?", ""),
    ]
    assert not r.meets_targets


def test_guest_command_separates_strace_output():
    argv = guest_command("conf-files", 64)
    assert argv[:2] == ["sh", "-c"]
    assert "strace -f -s 64 -o /tmp/strace.out /vmstrace/bin/conf-files;" in argv[2]
    marker = "==== vmstrace conformance: strace output ====\n"
    assert strace_output(b"noise\n" + marker.encode() + b"89 getpid() = 89\n") == (
        "89 getpid() = 89\n")
    with pytest.raises(VmstraceError):
        strace_output(b"strace: exec: No such file or directory\n")
