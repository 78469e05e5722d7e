"""Boot the real default guest and trace the project's static probe programs.

The probes (guest/programs/*.c) make a known sequence of syscalls, listed in each
program's header comment; these tests check vmstrace's decoded events against it.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def after(events: list[dict], name: str, arg0: str) -> list[dict]:
    """The events from the first `name` call whose first argument renders as `arg0`."""
    for i, ev in enumerate(events):
        if ev["name"] == name and ev["args"] and ev["args"][1 if name == "openat" else 0] == arg0:
            return events[i:]
    raise AssertionError(f"no {name}({arg0}) in {[e['name'] for e in events]}")


@pytest.fixture(scope="module")
def basic(vmstrace):
    return vmstrace(["/vmstrace/bin/probe-basic"])


def test_basic_exit_status_stdout_and_complete_counts(basic):
    assert basic.returncode == 0, basic.stderr
    assert basic.stdout == b"hostname=vmstrace-guest\n"
    assert basic.stats is not None and basic.stats["complete"] is True
    assert basic.stats["dropped"] == 0
    assert basic.stats["produced"] == basic.stats["delivered"]
    s = basic.stats
    assert (s["orphan_exits"], s["gaps"], s["stale"]) == (0, 0, 0)
    # every exit met its entry: the entries without one never return or were cut off
    # (the counts cover the whole guest: init, the launcher, boot-time processes)
    assert s["entries"] - s["exits"] == s["no_return"] + s["unfinished"]
    assert "dropped 0" in basic.stderr


def test_basic_first_event_is_the_commands_execve(basic):
    first = basic.events[0]
    assert first["name"] == "execve"
    assert first["args"][0] == '"/vmstrace/bin/probe-basic"'
    assert first["args"][1] == '["/vmstrace/bin/probe-basic"]'
    assert first["ret"] == 0


def test_basic_exact_sequence(basic):
    seq = after(basic.events, "openat", '"/etc/hostname"')
    got = [(e["name"], e["args"], e["ret"], e["error"]) for e in seq]
    pid = basic.events[0]["pid"]
    expected = [
        ("openat", ["AT_FDCWD", '"/etc/hostname"', "O_RDONLY|O_CLOEXEC"], 3, None),
        ("read", ["3", '"vmstrace-guest\\n"', "255"], 15, None),
        ("write", ["1", '"hostname=vmstrace-guest\\n"', "24"], 24, None),
        ("close", ["3"], 0, None),
        ("openat", ["AT_FDCWD", '"/nonexistent/vmstrace"', "O_RDONLY"], -2, "ENOENT"),
        ("getpid", [], pid, None),
        ("getppid", [], 1, None),
        ("gettid", [], pid, None),
    ]
    assert got[: len(expected)] == expected
    names = [e["name"] for e in seq]
    assert names == [
        "openat",
        "read",
        "write",
        "close",
        "openat",
        "getpid",
        "getppid",
        "gettid",
        "uname",
        "mkdir",
        "rmdir",
        "pipe2",
        "write",
        "read",
        "dup",
        "dup2",
        "close",
        "close",
        "close",
        "close",
        "openat",
        "lseek",
        "fstat",
        "newfstatat",
        "close",
        "access",
        "getcwd",
        "chdir",
        "getrandom",
        "nanosleep",
        "exit_group",
    ]
    by_name = {}
    for e in seq:
        by_name.setdefault(e["name"], e)
    assert by_name["mkdir"]["args"] == ['"/tmp/vmstrace-dir"', "0755"]
    assert by_name["pipe2"]["args"] == ["[3, 4]", "O_CLOEXEC"]
    assert by_name["uname"]["args"][0].startswith('{sysname="Linux", nodename="vmstrace-guest"')
    assert by_name["lseek"]["args"] == ["3", "0", "SEEK_END"] and by_name["lseek"]["ret"] == 15
    assert by_name["fstat"]["args"][1].startswith("{st_mode=S_IFREG|0644, st_size=15")
    assert by_name["access"]["args"] == ['"/etc/passwd"', "R_OK"]
    assert by_name["chdir"]["args"] == ['"/tmp"']
    assert by_name["exit_group"]["args"] == ["0"] and by_name["exit_group"]["ret"] is None


def test_basic_text_lines(basic):
    pid = basic.events[0]["tid"]
    assert f'[pid {pid}] openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3' in basic.text
    assert (
        f'[pid {pid}] openat(AT_FDCWD, "/nonexistent/vmstrace", O_RDONLY) = -1 ENOENT '
        "(No such file or directory)" in basic.text
    )
    assert basic.text[-1] == f"[pid {pid}] +++ exited with 0 +++"


def test_basic_attribution_is_one_process(basic):
    # The execve entry still belongs to the launcher; everything after it to the probe.
    assert basic.events[0]["comm"] == "vmstrace-exec"
    pids = {(e["pid"], e["tid"], e["comm"]) for e in basic.events[1:]}
    ((pid, tid, comm),) = pids
    assert pid == tid and pid > 1
    assert comm == "probe-basic"
    assert {e["ppid"] for e in basic.events} == {1}
    assert {e["abi"] for e in basic.events} == {"x86_64"}


@pytest.mark.parametrize("smp", [1, 2])
def test_threads(vmstrace, smp):
    t = vmstrace(["/vmstrace/bin/probe-threads"], "--smp", str(smp))
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"threads done\n"
    assert t.stats["complete"] and t.stats["dropped"] == 0
    pid = t.events[0]["pid"]
    assert {e["pid"] for e in t.events} == {pid}
    assert {e["comm"] for e in t.events[1:]} == {"probe-threads"}
    tids = {e["tid"] for e in t.events}
    assert len(tids) == 4 and pid in tids
    for i in (1, 2, 3):
        opens = [
            e for e in t.events if e["name"] == "openat" and e["args"][1] == f'"/tmp/thread-{i}"'
        ]
        assert len(opens) == 1, i
        op = opens[0]
        tid = op["tid"]
        assert tid != pid
        assert op["args"][2] == "O_WRONLY|O_CREAT|O_TRUNC" and op["args"][3] == "0644"
        own = [e for e in t.events if e["tid"] == tid]
        k = own.index(op)
        fd = op["ret"]
        assert [(e["name"], e["args"], e["ret"]) for e in own[k + 1 : k + 4]] == [
            ("write", [str(fd), f'"thread {i}\\n"', "9"], 9),
            ("close", [str(fd)], 0),
            ("gettid", [], tid),
        ]
    clones = [e for e in t.events if e["name"] == "clone3"]
    assert sorted(c["ret"] for c in clones) == sorted(tids - {pid})


def test_fork_exec_wait(vmstrace):
    t = vmstrace(["/vmstrace/bin/probe-fork"], "--tree")
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"child arg-one\nchild exited 7\n"
    parent = t.events[0]["pid"]
    clone = next(e for e in t.events if e["name"] == "clone" and e["pid"] == parent)
    child = clone["ret"]
    assert child > parent
    assert clone["args"][0].startswith(
        "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
    )
    child_events = [e for e in t.events if e["pid"] == child]
    execve = next(e for e in child_events if e["name"] == "execve")
    assert execve["args"][:2] == ['"/vmstrace/bin/probe-child"', '["probe-child", "arg-one"]']
    assert execve["ret"] == 0
    assert {e["ppid"] for e in child_events} == {parent}
    after_exec = child_events[child_events.index(execve) + 1 :]
    assert {e["comm"] for e in after_exec} == {"probe-child"}
    write = next(e for e in after_exec if e["name"] == "write")
    assert write["args"] == ["1", '"child arg-one\\n"', "14"]
    assert after_exec[-1]["name"] == "exit_group" and after_exec[-1]["args"] == ["7"]
    wait = next(e for e in t.events if e["name"] == "wait4")
    assert wait["pid"] == parent and wait["ret"] == child
    assert wait["args"][1] == "[{WIFEXITED(s) && WEXITSTATUS(s) == 7}]"
    n_parent = sum(e["pid"] == parent for e in t.events)
    assert t.text[-3:] == [
        "process tree",
        f"└── pid {parent}  ppid 1  probe-fork  exec /vmstrace/bin/probe-fork  exit 0  "
        f"{n_parent} syscalls",
        f"    └── pid {child}  ppid {parent}  probe-child  exec /vmstrace/bin/probe-child  "
        f"exit 7  {len(child_events)} syscalls",
    ]


def test_exit_status_is_the_commands(vmstrace):
    t = vmstrace(["/vmstrace/bin/probe-child", "x"])
    assert t.returncode == 7
    assert t.stdout == b"child x\n"


def test_all_traces_the_boot_too(vmstrace):
    t = vmstrace(["/bin/true"], "--all")
    assert t.returncode == 0, t.stderr
    assert any(e["pid"] == 1 for e in t.events)  # the guest's init
    assert any(line.startswith("[pid 1 ") for line in t.text)


def test_command_not_found(vmstrace):
    t = vmstrace(["/no/such/program"])
    assert t.returncode == 127
    assert "command not found in the guest: /no/such/program" in t.stderr
    assert t.stats is not None  # the JSON stream is still closed with its counts


def test_signals_at_syscall_return(vmstrace):
    t = vmstrace(["/vmstrace/bin/probe-signal"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"signals done\n"
    pid = t.events[0]["tid"]
    text = "\n".join(t.text)
    assert (
        f"[pid {pid}] kill({pid}, SIGUSR1) = 0\n"
        f"[pid {pid}] --- SIGUSR1 {{si_signo=SIGUSR1, si_code=SI_USER, si_pid={pid}, "
        f"si_uid=0}} ---\n"
        f"[pid {pid}] rt_sigreturn("
    ) in text
    read = next(e for e in t.events if e["name"] == "read" and e["args"][0] == "3")
    assert (read["ret"], read["error"]) == (-4, "EINTR")
    assert f"[pid {pid}] --- SIGALRM {{si_signo=SIGALRM}} ---" in t.text


def test_i386_process(vmstrace):
    """A static 32-bit program: i386 numbers and registers, sysenter/syscall and int 0x80."""
    t = vmstrace(["/vmstrace/bin/probe32-basic"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"hostname=vmstrace-guest\n"
    assert t.events[0]["abi"] == "x86_64"  # the execve was made by the 64-bit launcher
    rest = t.events[1:]
    assert {e["abi"] for e in rest} == {"i386"}
    seq = after(rest, "open", '"/etc/hostname"')
    pid = t.events[0]["pid"]
    assert [(e["nr"], e["name"], e["args"], e["ret"], e["error"]) for e in seq] == [
        (5, "open", ['"/etc/hostname"', "O_RDONLY"], 3, None),
        (3, "read", ["3", '"vmstrace-guest\\n"', "64"], 15, None),
        (4, "write", ["1", '"hostname=vmstrace-guest\\n"', "24"], 24, None),
        (6, "close", ["3"], 0, None),
        (5, "open", ['"/nonexistent32"', "O_RDONLY"], -2, "ENOENT"),
        (20, "getpid", [], pid, None),
        (39, "mkdir", ['"/tmp/dir32"', "0755"], 0, None),
        (40, "rmdir", ['"/tmp/dir32"'], 0, None),
        (252, "exit_group", ["0"], None, None),
    ]


def test_y_resolves_fds_from_the_guest_kernel(vmstrace):
    t = vmstrace(["/vmstrace/bin/probe-basic"], "-y")
    assert t.returncode == 0, t.stderr
    pid = t.events[0]["tid"]
    for line in [
        f'[pid {pid}] openat(AT_FDCWD</>, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3</etc/hostname>',
        f'[pid {pid}] read(3</etc/hostname>, "vmstrace-guest\\n", 255) = 15',
        f'[pid {pid}] write(1</dev/ttyS1>, "hostname=vmstrace-guest\\n", 24) = 24',
    ]:
        assert line in t.text
    pipes = [e for e in t.events if e["name"] == "write" and e["args"][0].startswith("4<pipe:[")]
    assert len(pipes) == 1
    ino = pipes[0]["args"][0][len("4<pipe:[") : -2]
    assert f"[pid {pid}] dup(3<pipe:[{ino}]>) = 5<pipe:[{ino}]>" in t.text


def test_y_names_sockets_by_inode_as_strace_does(vmstrace):
    t = vmstrace(["/vmstrace/bin/conf-sockets"], "-y")
    assert t.returncode == 0, t.stderr
    listen = next(line for line in t.text if "listen(3<" in line)
    assert re.fullmatch(r"\[pid \d+\] listen\(3<socket:\[\d+\]>, 4\) = 0", listen), listen
    assert "UNIX-STREAM" not in "\n".join(t.text)


def test_a_program_run_from_a_memfd_is_named_so(vmstrace):
    """Fileless execution: the memfd, its exec and the new image's exe as the kernel names
    them (/proc/PID/fd, /proc/PID/exe), never a path that does not exist."""
    t = vmstrace(["/vmstrace/bin/probe-memfd-exec"], "-y")
    assert t.returncode == 7, t.stderr
    text = "\n".join(t.text)
    assert 'memfd_create("payload", 0) = 4</memfd:payload>(deleted)' in text
    assert 'execveat(4</memfd:payload>(deleted), "", ["payload", "copy"], ' in text
    after = t.events[next(k for k, e in enumerate(t.events) if e["name"] == "execveat") :]
    assert {e["exe"] for e in after} == {"/memfd:payload (deleted)"}
    assert {e["exe"] for e in t.events[1 : len(t.events) - len(after)]} == {
        "/vmstrace/bin/probe-memfd-exec"
    }


def test_yy_describes_sockets_and_json_carries_the_executable(vmstrace):
    t = vmstrace(["/vmstrace/bin/conf-sockets"], "-yy")
    assert t.returncode == 0, t.stderr
    text = "\n".join(t.text)
    assert "<UNIX-STREAM:[" in text and ',"/tmp/conf.sock"]>' in text
    assert "listen(3<TCP:[127.0.0.1:4321]>, 4) = 0" in text
    accept = next(e for e in t.events if e["name"] == "accept4")
    assert any(
        line.endswith(f"= 5<TCP:[127.0.0.1:4321->127.0.0.1:{port}]>")
        for line in t.text
        for port in [accept["args"][1].split("htons(")[1].split(")")[0]]
    )
    assert {e["exe"] for e in t.events[1:]} == {"/vmstrace/bin/conf-sockets"}
