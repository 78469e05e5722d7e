"""The conformance comparer: strace output parsing, alignment, agreement counts."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmstrace.conformance import (
    Disagreement,
    SignalLine,
    StraceCall,
    compare,
    lcs_pairs,
    parse_strace,
    parse_strace_signals,
)
from vmstrace.conformance_suites import Options, Workload, guest_script, split_output
from vmstrace.core.errors import VmstraceError
from vmstrace.core.events import TraceEvent

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
    return TraceEvent(
        ts=0,
        ts_exit=0,
        vcpu=0,
        pid=tid,
        tid=tid,
        ppid=1,
        comm="x",
        cr3=0,
        nr=0,
        name=name,
        abi="x86_64",
        args=args,
        ret=0,
        ret_text=ret_text,
        error=None,
    )


def test_parse_merges_resumed_calls_and_skips_notes():
    assert parse_strace(STRACE) == [
        StraceCall(
            89, "execve", '"/vmstrace/bin/x", ["/vmstrace/bin/x"], 0x7ffe7665dcc8 /* 5 vars */', "0"
        ),
        StraceCall(89, "read", '3, "a) = 1, (\\"b", 16', "9"),
        StraceCall(89, "wait4", "-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL", "90"),
        StraceCall(90, "write", '1, "x", 1', "1"),
        StraceCall(90, "exit_group", "0", "?"),
        StraceCall(
            89, "openat", 'AT_FDCWD, "/nope", O_RDONLY', "-1 ENOENT (No such file or directory)"
        ),
        StraceCall(91, "futex", "0x1, FUTEX_WAKE, 1", "?"),
    ]


@pytest.mark.parametrize(
    ("a", "b", "pairs"),
    [
        ("abc", "abc", [(0, 0), (1, 1), (2, 2)]),
        ("abc", "xaybzc", [(0, 1), (1, 3), (2, 5)]),
        ("abc", "acb", [(0, 0), (2, 1)]),
        ("", "abc", []),
    ],
)
def test_lcs_pairs(a, b, pairs):
    assert lcs_pairs(list(a), list(b)) == pairs


def test_compare_counts_and_lists_each_difference():
    calls = parse_strace(STRACE)
    events = [
        ev(89, "kill", ("89", "SIGSTOP"), "0"),  # strace's own child code: before the match
        ev(
            89,
            "execve",
            ('"/vmstrace/bin/x"', '["/vmstrace/bin/x"]', "0x7ffe7665dcc8 /* 5 vars */"),
            "0",
        ),
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
        7,
        6,
        5,
        5,
        1,
        3,
    )
    assert r.disagreements == [
        Disagreement("w", 89, "extra", "", "kill(89, SIGSTOP) = 0", "strace-startup"),
        Disagreement("w", 89, "extra", "", "getpid() = 89"),
        Disagreement(
            "w",
            89,
            "args",
            "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 90",
            "wait4(-1, 0x7ffc0, 0, NULL) = 90",
        ),
        Disagreement(
            "w",
            89,
            "ret",
            'openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)',
            'openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file)',
        ),
        Disagreement("w", 91, "missing", "futex(0x1, FUTEX_WAKE, 1) = ?", ""),
    ]
    assert not r.meets_targets


def test_compare_finds_calls_out_of_order_and_fake_signals():
    calls = [
        StraceCall(5, "execve", "x", "0"),
        StraceCall(5, "read", "3", "1"),
        StraceCall(5, "write", "1", "1"),
        StraceCall(5, "close", "3", "0"),
    ]
    events = [
        ev(5, "execve", ("x",), "0"),
        ev(5, "write", ("1",), "1"),
        ev(5, "read", ("3",), "1"),
        ev(5, "close", ("3",), "0"),
    ]
    signals = parse_strace_signals(STRACE)
    assert signals == [
        SignalLine(
            89, "SIGCHLD", "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=90} ---"
        )
    ]
    mine = [SignalLine(5, "SIG_0", "--- SIG_0 {si_signo=0} ---")]
    r = compare("w", calls, events, [SignalLine(5, "SIGCHLD", "--- SIGCHLD ---")], mine)
    assert (r.matched, r.out_of_order, r.extra, r.fake_signals) == (3, 1, 0, 1)
    assert [(d.kind, d.allowed) for d in r.disagreements] == [
        ("order", None),
        ("signal-missing", "signal-without-handler"),
        ("fake-signal", None),
    ]
    assert not r.meets_targets


def test_guest_script_and_split_output():
    ws = [Workload("real-tar", "real", ("/usr/bin/dash", "/vmstrace/real/tar.sh"), 30)]
    script = guest_script(ws, Options(strsize=24, decode_fds=True, raw=True))
    assert 'strace -f -s 24 -y -X raw -o "$d.strace"' in script
    assert "run real-tar 30 /usr/bin/dash /vmstrace/real/tar.sh" in script
    err = (
        b"noise\n==== vmstrace conformance: strace real-tar 0 ====\n89 getpid() = 89\n"
        b"\n==== vmstrace conformance: stdout real-tar ====\nhi\n"
        b"\n==== vmstrace conformance: stderr real-tar ====\n"
        b"\n==== vmstrace conformance: end ====\n"
    )
    assert split_output(err) == {
        "real-tar": {
            "strace": b"89 getpid() = 89\n",
            "status": b"0",
            "stdout": b"hi\n",
            "stderr": b"",
        }
    }
    with pytest.raises(VmstraceError):
        split_output(b"strace: exec: No such file or directory\n")


def _lcs_length(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
            )
    return table[0][0]


@given(st.lists(st.sampled_from("abc"), max_size=14), st.lists(st.sampled_from("abc"), max_size=14))
def test_lcs_pairs_is_a_longest_common_subsequence(a, b):
    pairs = lcs_pairs(a, b)
    assert all(a[i] == b[j] for i, j in pairs)
    assert all(p[0] < q[0] and p[1] < q[1] for p, q in zip(pairs, pairs[1:], strict=False))
    assert len(pairs) == _lcs_length(a, b)


@pytest.mark.parametrize(
    "kind,strace,mine,rule",
    [
        (
            "ret",
            "pause() = ? ERESTARTNOHAND (To be restarted if no handler)",
            "pause() = -1 EINTR (Interrupted system call)",
            "restart-seen-as-eintr",
        ),
        (
            "ret",
            "nanosleep({tv_sec=1, tv_nsec=0}, 0x1) = ? ERESTART_RESTARTBLOCK (Interrupted by "
            "signal)",
            "nanosleep({tv_sec=1, tv_nsec=0}, 0x1) = -1 EINTR (Interrupted system call)",
            "restart-seen-as-eintr",
        ),
        # the arguments differ as well: a real difference, not the conversion
        (
            "ret",
            "pause(1) = ? ERESTARTNOHAND (To be restarted if no handler)",
            "pause() = -1 EINTR (Interrupted system call)",
            None,
        ),
        (
            "ret",
            "read(3) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
            "read(3) = 0",
            None,
        ),
        (
            "signal",
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=93, si_uid=0}",
            "SIGCHLD {si_signo=SIGCHLD}",
            "siginfo-not-in-frame",
        ),
        (
            "signal",
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED}",
            "SIGUSR1 {si_signo=SIGUSR1}",
            None,
        ),
        (
            "signal",
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=93} ---",
            "--- SIGCHLD {si_signo=SIGCHLD} ---",
            "siginfo-not-in-frame",
        ),
        (
            "signal",
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=93}",
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=94}",
            None,
        ),
        # -yy: strace's inet socket by inode (no inet_diag yet), vmstrace's by address
        (
            "args+ret",
            "accept4(3<TCP:[10280]>, NULL, NULL, SOCK_CLOEXEC) = 5<TCP:[10310]>",
            "accept4(3<TCP:[127.0.0.1:44709]>, NULL, NULL, SOCK_CLOEXEC) = "
            "5<TCP:[127.0.0.1:44709->127.0.0.1:35264]>",
            "yy-inet-diag-unavailable",
        ),
        (  # an IPv6 address, in its brackets
            "ret",
            "socket(AF_INET6, SOCK_RAW|SOCK_CLOEXEC, IPPROTO_ICMPV6) = 3<RAWv6:[10289]>",
            "socket(AF_INET6, SOCK_RAW|SOCK_CLOEXEC, IPPROTO_ICMPV6) = 3<RAWv6:[[::]:58]>",
            "yy-inet-diag-unavailable",
        ),
        # -yy: strace's unix socket by inode (no unix_diag), vmstrace's with its path
        (
            "args",
            'getsockname(3<UNIX:[10352]>, {sa_family=AF_UNIX, sun_path=@"s"}, [110 => 5]) = 0',
            'getsockname(3<UNIX:[10352,"@s"]>, {sa_family=AF_UNIX, sun_path=@"s"}, [110 => 5]) = 0',
            "yy-unix-diag-unavailable",
        ),
        ("args", "close(3<UNIX:[10352]>) = 0", 'close(3<UNIX:[10353,"@s"]>) = 0', None),
        ("args", "close(3<UNIX:[10352]>) = 0", 'close(3<UNIX-STREAM:[10352,"@s"]>) = 0', None),
        ("args", 'close(3<UNIX:[10352,"@t"]>) = 0', 'close(3<UNIX:[10352,"@s"]>) = 0', None),
        # ... but not another protocol, another call, or vmstrace's own inode
        (
            "args",
            "listen(3<TCP:[10280]>, 1) = 0",
            "listen(3<UDP:[127.0.0.1:44709]>, 1) = 0",
            None,
        ),
        (
            "args",
            "listen(3<TCP:[10280]>, 1) = 0",
            "listen(3<TCP:[127.0.0.1:44709]>, 2) = 0",
            None,
        ),
        ("args", "listen(3<TCP:[10280]>, 1) = 0", "listen(3<TCP:[10281]>, 1) = 0", None),
        (
            "args",
            'execveat(3, "", ["[kthreadd]"], 0x7f6a62a68980 /* 0 vars */, AT_EMPTY_PATH) = 0',
            'execveat(3, 0x7f6a62b1c2b0, ["[kthreadd]"], 0x7f6a62a68980 /* 0 vars */, '
            "AT_EMPTY_PATH) = 0",
            "exec-path-unmapped",
        ),
        (  # another argument differs too
            "args",
            'execveat(3, "", ["[kthreadd]"], 0x7f6a62a68980 /* 0 vars */, AT_EMPTY_PATH) = 0',
            'execveat(4, 0x7f6a62b1c2b0, ["[kthreadd]"], 0x7f6a62a68980 /* 0 vars */, '
            "AT_EMPTY_PATH) = 0",
            None,
        ),
        (  # a path shown as another string
            "args",
            'execveat(3, "", ["x"], 0x7f6a62a68980 /* 0 vars */, AT_EMPTY_PATH) = 0',
            'execveat(3, "/dev/fd/3", ["x"], 0x7f6a62a68980 /* 0 vars */, AT_EMPTY_PATH) = 0',
            None,
        ),
        (  # execve has the kernel's copy of its pathname: no such excuse
            "args",
            'execve("/bin/true", ["x"], 0x7f6a62a68980 /* 0 vars */) = 0',
            'execve(0x7f6a62b1c2b0, ["x"], 0x7f6a62a68980 /* 0 vars */) = 0',
            None,
        ),
    ],
)
def test_allow_list_rules_accept_only_their_difference(kind, strace, mine, rule):
    from vmstrace.conformance import apply_allow_list

    d = apply_allow_list(Disagreement("w", 1, kind, strace, mine))
    assert d.allowed == rule


def test_a_call_the_thread_never_returned_from_is_allowed_only_as_its_last():
    from dataclasses import replace

    kill = StraceCall(5, "tgkill", "5, 5, SIGUSR1", "0")
    pid = StraceCall(5, "getpid", "", "5")
    killed = replace(ev(5, "tgkill", ("5", "5", "SIGUSR1"), "?"), ts_exit=None)
    r = compare("w", [pid, kill], [ev(5, "getpid", (), "5"), killed], [], [])
    assert [(d.kind, d.allowed) for d in r.disagreements] == [("ret", "killed-at-return")]
    r = compare("w", [kill, pid], [killed, ev(5, "getpid", (), "5")], [], [])
    assert [(d.kind, d.allowed) for d in r.disagreements] == [("ret", None)]


def test_a_call_killed_before_it_returned_may_leave_its_results_unread_and_nothing_else():
    from dataclasses import replace

    stat = StraceCall(7, "newfstatat", '3, "", {st_mode=S_IFREG|0755, ...}, AT_EMPTY_PATH', "0")

    def killed(*args: str) -> list[TraceEvent]:
        return [replace(ev(7, "newfstatat", args, "?"), ts_exit=None)]

    def allowed(mine: list[TraceEvent]) -> list[tuple[str, str | None]]:
        return [(d.kind, d.allowed) for d in compare("w", [stat], mine, [], []).disagreements]

    unread = killed("3", '""', "0x7ffc50f2d3b0", "AT_EMPTY_PATH")
    assert allowed(unread) == [("args+ret", "killed-at-return")]
    # an input that differs, or a struct read otherwise, is a disagreement all the same
    assert allowed(killed("4", '""', "0x7ffc50f2d3b0", "AT_EMPTY_PATH")) == [("args+ret", None)]
    assert allowed(killed("3", '""', "{st_mode=S_IFDIR, ...}", "AT_EMPTY_PATH")) == [
        ("args+ret", None)
    ]
    assert allowed(killed("3", '""', "0x7ffc50f2d3b0")) == [("args+ret", None)]
    # strace's own address, shown otherwise by vmstrace, is a value that differs
    addr = StraceCall(7, "read", "3, 0x1000, 8", "8")
    mine = [replace(ev(7, "read", ("3", "0x2000", "8"), "?"), ts_exit=None)]
    assert [d.allowed for d in compare("w", [addr], mine, [], []).disagreements] == [None]


def test_a_call_killed_inside_the_kernel_is_compared_on_what_strace_printed_at_entry():
    """strace's `<unfinished ...>` that never resumed shows the arguments it prints at
    entry; vmstrace's further ones may be only addresses or numbers, and only for the
    thread's last call."""
    from dataclasses import replace

    sleep = StraceCall(9, "clock_nanosleep", "CLOCK_REALTIME, 0, {tv_sec=30, tv_nsec=0}, ", "?")
    read = StraceCall(9, "read", "3, ", "?")

    def mine(name: str, *args: str) -> TraceEvent:
        return replace(ev(9, name, args, "?"), ts_exit=None)

    def allowed(theirs: StraceCall, *evs: TraceEvent) -> list[str | None]:
        return [d.allowed for d in compare("w", [theirs], list(evs), [], []).disagreements]

    slept = ("CLOCK_REALTIME", "0", "{tv_sec=30, tv_nsec=0}", "0x7ffcc16ae2c0")
    assert allowed(sleep, mine("clock_nanosleep", *slept)) == ["killed-in-call"]
    assert allowed(read, mine("read", "3", "0x55d0c0de1000", "4096")) == ["killed-in-call"]
    # (strace's line when the thread died in the call: `read(3,  <unfinished ...>) = ?`)
    died = StraceCall(9, "read", "3,  <unfinished ...>", "?")
    assert allowed(died, mine("read", "3", "0x55d0c0de1000", "4096")) == ["killed-in-call"]
    # what strace printed must be what vmstrace printed; the rest no struct, no string
    assert allowed(read, mine("read", "4", "0x55d0c0de1000", "4096")) == [None]
    assert allowed(read, mine("read", "3", '"abc"', "4096")) == [None]
    assert allowed(sleep, mine("clock_nanosleep", *slept[:3], "{tv_sec=1, tv_nsec=0}")) == [None]
    # a call that returned, or one that is not the thread's last, is no such case
    returned = replace(ev(9, "clock_nanosleep", slept, "0"), ts_exit=None)
    assert allowed(sleep, returned) == [None]
    later = ev(9, "getpid", (), "9")
    r = compare("w", [sleep], [mine("clock_nanosleep", *slept), later], [], [])
    assert [d.allowed for d in r.disagreements if d.kind != "extra"] == [None]


@pytest.mark.parametrize(
    "text, args",
    [
        ("", [""]),
        ('3, "a, b", {x=1, y=[2, 3]}, 0x10', ["3", '"a, b"', "{x=1, y=[2, 3]}", "0x10"]),
        (r'"\\", 1 /* a, b */, f(2, 3)', [r'"\\"', "1 /* a, b */", "f(2, 3)"]),
        (r'"\"", 2', [r'"\""', "2"]),
    ],
)
def test_arguments_split_at_their_top_level_commas(text, args):
    from vmstrace.conformance import split_args

    assert split_args(text) == args


def test_guest_script_runs_every_workload_and_returns_its_outputs(tmp_path, monkeypatch):
    """The script itself, run by a POSIX shell with stand-ins for timeout and strace (one
    writes its -o file and runs the program): hundreds of workloads fit the guest
    launcher's command line, and split_output finds each one's outputs and status."""
    from vmstrace import conformance_suites
    from vmstrace.guest.image import CMD_MAX_BYTES

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "timeout").write_text('#!/bin/sh\nshift\nexec "$@"\n')
    (bin_dir / "strace").write_text(
        '#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\n'
        'echo "1 getpid() = 1" >"$2"; shift 2; exec "$@"\n'
    )
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    monkeypatch.setattr(conformance_suites, "WORK_DIR", str(tmp_path / "w"))
    many = [Workload(f"strace-t{k}", "strace-tests", ("/bin/true",)) for k in range(2000)]
    assert len(guest_script(many, Options())) < CMD_MAX_BYTES
    ws = [
        Workload("a", "x", ("/bin/sh", "-c", "echo out; echo err >&2; exit 3")),
        Workload("b'w", "x", ("/bin/echo", "it's")),
    ]
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    proc = subprocess.run(
        ["/bin/sh", "-c", guest_script(ws, Options())], env=env, capture_output=True
    )
    assert split_output(proc.stderr) == {
        "a": {
            "strace": b"1 getpid() = 1\n",
            "status": b"3",
            "stdout": b"out\n",
            "stderr": b"err\n",
        },
        "b'w": {"strace": b"1 getpid() = 1\n", "status": b"0", "stdout": b"it's\n", "stderr": b""},
    }
