"""The syscall table, the capture spec the templates ask for, and return-value text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vmstrace.capture.spec import Capture, fixed
from vmstrace.decode import (
    TABLES,
    DecodeOptions,
    SyscallInfo,
    capture_entries,
    error_name,
    format_return,
    lookup,
    syscall_name,
    templated,
)
from vmstrace.decode.fmt import quote
from vmstrace.decode.registry import TEMPLATES
from vmstrace.syscalls import Flag

UNISTD_64 = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
REQUIRED = """read write pread64 pwrite64 readv writev open openat close stat lstat fstat
newfstatat lseek mmap mprotect munmap brk ioctl access pipe pipe2 dup dup2 dup3 socket
connect bind accept accept4 sendto recvfrom clone clone3 fork vfork execve exit exit_group
wait4 kill tgkill getpid getppid gettid getuid geteuid getgid getegid uname mkdir mkdirat
rmdir unlink unlinkat rename renameat chdir getcwd readlink readlinkat getdents64
rt_sigaction rt_sigprocmask rt_sigreturn arch_prctl set_tid_address set_robust_list futex
nanosleep clock_nanosleep clock_gettime getrandom prlimit64 rseq fcntl faccessat statx
sched_yield poll select""".split()


@pytest.mark.skipif(not UNISTD_64.exists(), reason="needs the kernel UAPI headers")
def test_names_match_the_uapi_header():
    defs = re.findall(r"#define __NR_(\w+)\s+(\d+)", UNISTD_64.read_text())
    assert defs
    for name, nr in defs:
        assert syscall_name("x86_64", int(nr)) == name


@pytest.mark.parametrize(
    ("nr", "name", "nargs", "cls", "flags"),
    [
        (0, "read", 3, {"desc"}, Flag.NONE),
        (2, "open", 3, {"desc", "file"}, Flag.RETURNS_FD),
        (9, "mmap", 6, {"desc", "memory"}, Flag.NONE),
        (56, "clone", 5, {"process"}, Flag.FORK),
        (59, "execve", 3, {"file", "process"}, Flag.EXEC | Flag.TASK_REFRESH),
        (39, "getpid", 0, {"pure"}, Flag.NONE),
        (262, "newfstatat", 4, {"desc", "file", "fstat", "%stat"}, Flag.NONE),
        (435, "clone3", 2, {"process"}, Flag.FORK),
        (462, "mseal", 3, {"memory"}, Flag.NONE),
    ],
)
def test_rows(nr, name, nargs, cls, flags):
    assert lookup("x86_64", nr) == SyscallInfo(nr, name, nargs, frozenset(cls), flags)


@pytest.mark.parametrize(
    ("abi", "nr", "name"),
    [
        ("x86_64", 0x1F4, "syscall_0x1f4"),
        ("x86_64", 400, "syscall_0x190"),  # 335..423 are reserved on x86-64
        ("i386", 11, "execve"),
        ("i386", 5, "open"),
    ],
)
def test_names(abi, nr, name):
    assert syscall_name(abi, nr) == name


def test_required_templates_exist():
    assert set(REQUIRED) <= set(templated())


def test_templates_fit_the_table():
    names = {i.name: i for i in TABLES["x86_64"].values()}
    for name, tpl in TEMPLATES.items():
        assert name in names, name
        # rt_sigreturn takes no argument but strace shows the mask it restores
        assert len(tpl.args) <= max(names[name].nargs, name == "rt_sigreturn"), name


@pytest.mark.parametrize(
    ("name", "arg", "capture"),
    [
        ("openat", 1, Capture("str", "both", "-", 4096)),
        ("write", 1, Capture("buf", "both", "a2", 33)),
        ("read", 1, Capture("buf", "exit", "ret", 33)),
        ("writev", 1, Capture("iov", "both", "a2", 32, 33)),
        ("readv", 1, Capture("iov", "exit", "a2", 32, 33)),
        ("execve", 1, Capture("strarr", "both", "-", 33, 33)),
        ("execve", 2, Capture("strarr", "both", "-", 1024, 0)),
        ("fstat", 1, fixed(144)),
        ("clock_gettime", 1, fixed(16)),
        ("rt_sigaction", 1, fixed(32, "both")),
        ("uname", 0, fixed(390)),
    ],
)
def test_capture_entries(name, arg, capture):
    nr = {i.name: n for n, i in TABLES["x86_64"].items()}[name]
    entries = capture_entries(DecodeOptions())
    assert {e[0] for e in entries} == {"64", "32"}
    got = [c for abi, n, a, c in entries if abi == "64" and n == nr and a == arg]
    assert capture in got


def test_capture_entries_follow_strsize():
    nr_write = 1
    got = [
        c
        for abi, n, a, c in capture_entries(DecodeOptions(strsize=200))
        if abi == "64" and n == nr_write
    ]
    assert got == [Capture("buf", "both", "a2", 201)]


@pytest.mark.parametrize(
    ("ret", "text", "err"),
    [
        (3, "3", None),
        (-2, "-1 ENOENT (No such file or directory)", "ENOENT"),
        (-11, "-1 EAGAIN (Resource temporarily unavailable)", "EAGAIN"),
        (-95, "-1 EOPNOTSUPP (Operation not supported)", "EOPNOTSUPP"),
        (-512, "? ERESTARTSYS (To be restarted if SA_RESTART is set)", "ERESTARTSYS"),
        (-513, "? ERESTARTNOINTR (To be restarted)", "ERESTARTNOINTR"),
        (-514, "? ERESTARTNOHAND (To be restarted if no handler)", "ERESTARTNOHAND"),
        (-515, "-1 ENOIOCTLCMD (Unknown error 515)", "ENOIOCTLCMD"),
        (-516, "? ERESTART_RESTARTBLOCK (Interrupted by signal)", "ERESTART_RESTARTBLOCK"),
        (-4096, "-4096", None),
        (None, "?", None),
    ],
)
def test_format_return(decode_call, ret, text, err):
    call = decode_call("close", [3], ret)
    assert format_return(call, DecodeOptions()) == text
    assert error_name(call) == err


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", '""'),
        (b'a"b\\c', '"a\\"b\\\\c"'),
        (b"\x00", '"\\0"'),
        (b"\x001", '"\\0001"'),
        (b"\x008", '"\\08"'),
        (b"\t\n\v\f\r", '"\\t\\n\\v\\f\\r"'),
        (b"\x7f\x80\xff", '"\\177\\200\\377"'),
        (b"/etc/hostname", '"/etc/hostname"'),
        (b'say "hi"\\n', '"say \\"hi\\"\\\\n"'),
        (b"line\n", '"line\\n"'),
        (b"caf\xc3\xa9", '"caf\\303\\251"'),
    ],
)
def test_quote(data, text):
    assert quote(data) == text


def test_quote_hex():
    assert quote(b"\x0aA", force_hex=True) == '"\\x0a\\x41"'


@pytest.mark.parametrize(
    ("data", "x", "xx"),
    [
        # strace -x: the whole string in hex once a byte is neither printable ASCII nor
        # \t\n\v\f\r; -xx: every string
        (b"hi\n", '"hi\\n"', '"\\x68\\x69\\x0a"'),
        (b"tab\tvt\v", '"tab\\tvt\\v"', None),
        (b"\x7fELF", '"\\x7f\\x45\\x4c\\x46"', '"\\x7f\\x45\\x4c\\x46"'),
        (b"caf\xc3\xa9", '"\\x63\\x61\\x66\\xc3\\xa9"', None),
        (b"a\x00b", '"\\x61\\x00\\x62"', None),
        (b"", '""', '""'),
    ],
)
def test_quote_x(data, x, xx):
    assert quote(data, hexstr=1) == x
    if xx is not None:
        assert quote(data, hexstr=2) == xx
    assert quote(data, hexstr=2) == quote(data, force_hex=True)
