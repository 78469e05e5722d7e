"""A hostile guest program hiding calls and planting kernel pointers, traced by the real
vmstrace: each call is seen and decoded as the kernel executed it, and nothing the kernel
refused to read is printed as the call's argument (guest/programs/hostile-*.c)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

NOTE = "[ rax {rax}: upper 32 bits ignored by the kernel, the call is {name} ]"


def _pid_lines(text: list[str], pid: int) -> list[str]:
    prefix = f"[pid {pid}] "
    return [line[len(prefix) :] for line in text if line.startswith(prefix)]


def _after(lines: list[str], first: str) -> list[str]:
    assert first in lines, f"{first!r} not traced"
    return lines[lines.index(first) :]


def test_junk_in_the_number_register_hides_nothing(vmstrace):
    t = vmstrace(["/vmstrace/bin/hostile-nr"])
    assert t.returncode == 7, t.stderr
    assert t.stdout == b"junk write\nchild\nexec ok\n"
    assert t.stats is not None and t.stats["complete"] is True, t.stats
    pid = next(e["pid"] for e in t.events if e["name"] == "execve")
    lines = _after(_pid_lines(t.text, pid), 'open("/vmstrace/bin/hostile-nr", O_RDONLY) = 3')
    clone = lines[13]
    m = re.fullmatch(r"clone\(child_stack=NULL, flags=CLONE_PARENT\|SIGCHLD\) = (\d+)", clone)
    assert m, clone
    child = int(m.group(1))
    assert lines[:16] == [
        'open("/vmstrace/bin/hostile-nr", O_RDONLY) = 3',
        NOTE.format(rax="0xdead00000002", name="open"),
        'write(1, "junk write\\n", 11) = 11',
        NOTE.format(rax="0xffffffff00000001", name="write"),
        f"getpid() = {pid}",
        NOTE.format(rax="0x7fffffff00000027", name="getpid"),
        f"getpid() = {pid}",  # int 0x80: eax only, i386's getpid
        NOTE.format(rax="0x1234500000014", name="getpid"),
        # the x32 bit, on a kernel built without x32: an unknown number, as the kernel says
        "syscall_0x40000027(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)",
        NOTE.format(rax="0xbeef40000027", name="syscall_0x40000027"),
        "syscall_0xffffffff(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)",
        NOTE.format(rax="0xaaaaffffffff", name="syscall_0xffffffff"),
        "pipe([4, 5]) = 0",
        clone,
        NOTE.format(rax="0x100000038", name="clone"),
        'read(4, "child", 8) = 5',
    ]
    parent = [line for line in lines[15:] if not line.startswith("[ rax")]
    tail = parent[parent.index('write(1, "child\\n", 6) = 6') :]
    assert re.fullmatch(
        r'execve\("/vmstrace/bin/hostile-nr", \["hostile-nr", "exec"\], '
        r"0x[0-9a-f]+ /\* 1 var \*/\) = 0",
        tail[1],
    ), tail[1]
    assert tail[-3:] == [
        'write(1, "exec ok\\n", 8) = 8',
        "exit_group(7) = ?",
        "+++ exited with 7 +++",
    ]
    assert NOTE.format(rax="0x5000000e7", name="exit_group") in lines
    assert NOTE.format(rax="0xabc000000003b", name="execve") in lines
    # the child of the disguised clone(CLONE_PARENT) is traced, not hidden
    assert _pid_lines(t.text, child) == [
        'write(5, "child", 5) = 5',
        "exit_group(0) = ?",
        NOTE.format(rax="0xffff0000000000e7", name="exit_group"),
        "+++ exited with 0 +++",
    ]
    # JSON: the number the kernel ran, and the register as the caller set it in a note
    by_name = {(e["pid"], e["name"]): e for e in t.events}
    assert by_name[(pid, "open")]["nr"] == 2 and by_name[(pid, "open")]["ret"] == 3
    assert by_name[(child, "exit_group")]["nr"] == 231
    assert by_name[(pid, "execve")]["nr"] == 59


def test_arguments_the_kernel_cannot_read_print_as_addresses(vmstrace):
    t = vmstrace(["/vmstrace/bin/hostile-mem"])
    assert t.returncode == 0, t.stderr
    out = dict(line.split(" ", 1) for line in t.stdout.decode().splitlines())
    assert out["many"] == "1025"
    banner, edge = out["banner"], out["edge"]
    assert t.stats is not None and t.stats["complete"] is True, t.stats
    pid = next(e["pid"] for e in t.events if e["name"] == "execve")
    lines = _pid_lines(t.text, pid)
    efault = "= -1 EFAULT (Bad address)"
    assert f"open(0x{banner}, O_RDONLY) {efault}" in lines
    assert f"write(1, 0x{banner}, 16) {efault}" in lines
    assert f"open(0x800000000000, O_RDONLY) {efault}" in lines
    # a name that runs into an unmapped page: the kernel faulted, nothing to show
    assert f"open(0x{edge}, O_RDONLY) {efault}" in lines
    assert not any("Linux version" in line for line in t.text)
    # read after the kernel faulted the file page in (it was not mapped at entry)
    assert (
        'connect(3, {sa_family=AF_UNIX, sun_path="/nonexistent-hostile"}, 23) '
        "= -1 ENOENT (No such file or directory)"
    ) in lines
    # 1,025 arguments: cut at strace's 32 with "...", not hidden
    shown = ", ".join(['"hostile-mem"', '"many"'] + ['"x"'] * 30)
    execs = [line for line in lines if line.startswith('execve("/vmstrace/bin/hostile-mem", [')]
    assert len(execs) == 2
    assert re.fullmatch(
        re.escape(f'execve("/vmstrace/bin/hostile-mem", [{shown}, ...], ')
        + r"0x[0-9a-f]+ /\* 1 var \*/\) = 0",
        execs[1],
    ), execs[1]


def test_a_disguised_thread_is_traced(vmstrace):
    t = vmstrace(["/vmstrace/bin/hostile-thread"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"thread\nmain\n"
    assert t.stats is not None and t.stats["complete"] is True, t.stats
    pid = next(e["pid"] for e in t.events if e["name"] == "execve")
    clone = next(e for e in t.events if e["name"] == "clone")
    tid = clone["ret"]
    assert clone["pid"] == pid and tid != pid
    assert (
        "flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
        "CLONE_CHILD_CLEARTID,"
    ) in clone["args"][0]
    assert _pid_lines(t.text, tid) == [
        'write(1, "thread\\n", 7) = 7',
        NOTE.format(rax="0x3300000001", name="write"),
        "exit(0) = ?",
        NOTE.format(rax="0x990000003c", name="exit"),
    ]
    # the thread is the process's: same pid, its own tid
    assert {(e["pid"], e["tid"]) for e in t.events if e["tid"] == tid} == {(pid, tid)}
    assert _pid_lines(t.text, pid)[-3:] == [
        'write(1, "main\\n", 5) = 5',
        "exit_group(0) = ?",
        "+++ exited with 0 +++",
    ]
