"""A 32-bit (i386) process whose calls pass structures: their i386 layouts, decoded.

The expected lines are what `strace -f` prints for guest/programs/probe32-structs on an
x86_64 host (strace 6.1); addresses, times and pids vary, so those are matched by pattern.
"""

from __future__ import annotations

import re

HEX = r"0x[0-9a-f]+"
NUM = r"\d+"
ANY = object()  # a successful call whose value varies (an address, a pid)


def test_i386_struct_arguments(vmstrace):
    t = vmstrace(["/vmstrace/bin/probe32-structs"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"structs32 ok\n"
    calls = [e for e in t.events if e["abi"] == "i386"]
    tls = next(e for e in calls if e["name"] == "set_thread_area")
    assert re.fullmatch(
        rf"\{{entry_number=-1, base_addr={HEX}, limit=0x0fffff, seg_32bit=1, contents=0, "
        r"read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1\}",
        tls["args"][0],
    ), tls["args"]
    assert tls["ret"] == 0
    tls_line = next(line for line in t.text if "set_thread_area(" in line)
    assert re.search(r"\) = 0 \(entry_number=\d+\)$", tls_line), tls_line

    start = next(
        k for k, e in enumerate(calls) if e["name"] == "mkdir" and e["args"][0] == '"/tmp/s32d"'
    )
    main = [e for e in calls[start:] if e["tid"] == calls[start]["tid"]]
    expected = [
        ("mkdir", ['"/tmp/s32d"', "0755"], 0),
        ("open", ['"/tmp/s32d/f"', "O_WRONLY|O_CREAT|O_TRUNC", "0644"], 3),
        (
            "writev",
            ["3", '[{iov_base="hello ", iov_len=6}, {iov_base="world\\n", iov_len=6}]', "2"],
            12,
        ),
        ("fchmod", ["3", "0644"], 0),
        ("fstat64", ["3", "{st_mode=S_IFREG|0644, st_size=12, ...}"], 0),
        ("fcntl64", ["3", "F_GETFL"], 1),
        ("fcntl64", ["3", "F_SETFD", "FD_CLOEXEC"], 0),
        ("close", ["3"], 0),
        ("stat64", ['"/tmp/s32d/f"', "{st_mode=S_IFREG|0644, st_size=12, ...}"], 0),
        ("lstat64", ['"/nonexistent32"', HEX], "ENOENT"),
        (
            "fstatat64",
            [
                "AT_FDCWD",
                '"/dev/null"',
                "{st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}",
                "0",
            ],
            0,
        ),
        ("open", ['"/tmp/s32d/f"', "O_RDONLY"], 3),
        ("_llseek", ["3", "6", "[6]", "SEEK_SET"], 0),
        ("readv", ["3", '[{iov_base="wor", iov_len=3}, {iov_base="ld\\n", iov_len=10}]', "2"], 6),
        ("mmap2", ["NULL", "4096", "PROT_READ", "MAP_PRIVATE", "3", "0"], ANY),
        ("mmap2", ["NULL", "4096", "PROT_READ", "MAP_PRIVATE", "3", "0x1000"], ANY),
        ("munmap", [HEX, "4096"], 0),
        ("munmap", [HEX, "4096"], 0),
        ("close", ["3"], 0),
        ("open", ['"/tmp/s32d"', "O_RDONLY|O_DIRECTORY"], 3),
        ("getdents64", ["3", rf"{HEX} /\* 3 entries \*/", "1024"], 72),
        ("close", ["3"], 0),
        ("pipe", ["[3, 4]"], 0),
        ("write", ["4", '"abcde"', "5"], 5),
        ("ioctl", ["3", "FIONREAD", "[5]"], 0),
        ("clock_gettime", ["CLOCK_MONOTONIC", rf"\{{tv_sec={NUM}, tv_nsec={NUM}\}}"], 0),
        ("clock_gettime64", ["CLOCK_REALTIME", rf"\{{tv_sec={NUM}, tv_nsec={NUM}\}}"], 0),
        ("nanosleep", ["{tv_sec=0, tv_nsec=1000000}", "NULL"], 0),
        ("gettimeofday", [rf"\{{tv_sec={NUM}, tv_usec={NUM}\}}", "NULL"], 0),
        ("uname", ['{sysname="Linux", nodename="vmstrace-guest", ...}'], 0),
        (
            "rt_sigaction",
            [
                "SIGUSR1",
                "{sa_handler=SIG_IGN, sa_mask=[USR2], sa_flags=SA_RESTART}",
                "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}",
                "8",
            ],
            0,
        ),
        ("rt_sigprocmask", ["SIG_BLOCK", "[USR1]", "[]", "8"], 0),
        # socketcall prints its inner call's arguments as one field (as clone does)
        ("socket", ["AF_UNIX, SOCK_STREAM, 0"], 5),
        ("listen", ["99, 1"], "EBADF"),
        ("setrlimit", ["RLIMIT_CORE", "{rlim_cur=0, rlim_max=0}"], 0),
        ("ugetrlimit", ["RLIMIT_CORE", "{rlim_cur=0, rlim_max=0}"], 0),
        ("prlimit64", ["0", "RLIMIT_CORE", "NULL", "{rlim_cur=0, rlim_max=0}"], 0),
        ("fork", [], ANY),
        ("waitpid", ["-1", "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]", "0"], ANY),
        ("fork", [], ANY),
        (
            "wait4",
            [
                "-1",
                "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]",
                "0",
                rf"\{{ru_utime=\{{tv_sec={NUM}, tv_usec={NUM}\}}, "
                rf"ru_stime=\{{tv_sec={NUM}, tv_usec={NUM}\}}, \.\.\.\}}",
            ],
            ANY,
        ),
        ("fork", [], ANY),
        (
            "waitid",
            [
                "P_PID",
                NUM,
                rf"\{{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid={NUM}, si_uid=0, si_status=5, "
                r"si_utime=0, si_stime=0\}",
                "WEXITED",
                "NULL",
            ],
            0,
        ),
        ("write", ["1", '"structs32 ok\\n"', "13"], 13),
        ("exit_group", ["0"], None),
    ]
    got = [(e["name"], e["args"], e["ret"], e["error"]) for e in main]
    assert len(got) == len(expected), "\n".join(map(str, got))
    for (name, args, ret, error), (want_name, want_args, want) in zip(got, expected, strict=True):
        call = f"{name}({', '.join(args)}) = {ret} {error or ''}"
        assert name == want_name, call
        assert len(args) == len(want_args), call
        for a, w in zip(args, want_args, strict=True):
            assert a == w or re.fullmatch(w, a), (call, w)
        if want is ANY:
            assert error is None and ret is not None, call
        elif isinstance(want, str):
            assert error == want, call
        else:
            assert ret == want and error is None, call
    # compat_siginfo's union read at its offset: the child waitid names is the one reported
    waitid = next(e["args"] for e in main if e["name"] == "waitid")
    assert f"si_pid={waitid[1]}," in waitid[2]
    # the socket was made through socketcall(2): i386 number 102, printed as `socket`
    assert next(e["nr"] for e in main if e["name"] == "socket") == 102


def test_i386_calls_that_return_into_signal_handlers(vmstrace):
    """The result of an i386 call a handler interrupted comes from the frame the kernel
    pushed (rt_sigframe_ia32 or sigframe_ia32), not from eax, which holds the signal
    number; a signal delivered at a sigreturn's return too (the mask it restored let a
    pending one through); a restarted call is ERESTARTSYS and runs again by `int $0x80`."""
    t = vmstrace(["/vmstrace/bin/probe32-signal"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"signals32 done\n"
    pid = next(e["pid"] for e in t.events if e["abi"] == "i386")
    p = re.escape(f"[pid {pid}] ")
    start = next(k for k, line in enumerate(t.text) if "rt_sigprocmask(SIG_BLOCK, " in line)
    mask = r"\{mask=\[HUP RT_3\]\}"  # a bit in each word of the mask each restores
    handler = rf"sa_handler={HEX}"
    expected = [
        r"rt_sigprocmask\(SIG_BLOCK, \[HUP RT_3\], NULL, 8\) = 0",
        rf"rt_sigaction\(SIGUSR2, \{{{handler}, sa_mask=\[\], sa_flags=0\}}, NULL, 8\) = 0",
        rf"rt_sigaction\(SIGUSR1, \{{{handler}, sa_mask=\[USR2\], sa_flags=SA_SIGINFO\}}, "
        r"NULL, 8\) = 0",
        rf"getpid\(\) = {pid}",
        rf"kill\({pid}, SIGUSR1\) = 0",
        rf"--- SIGUSR1 \{{si_signo=SIGUSR1, si_code=SI_USER, si_pid={pid}, si_uid=0\}} ---",
        rf"kill\({pid}, SIGUSR2\) = 0",  # blocked in the handler
        rf"rt_sigreturn\({mask}\) = 0",  # unblocks it: delivered at this return
        r"--- SIGUSR2 \{si_signo=SIGUSR2\} ---",
        rf"sigreturn\({mask}\) = 0",
        rf"kill\({pid}, SIGUSR2\) = 0",  # by int $0x80
        r"--- SIGUSR2 \{si_signo=SIGUSR2\} ---",
        rf"sigreturn\({mask}\) = 0",
        rf"rt_sigaction\(SIGALRM, \{{{handler}, sa_mask=\[\], sa_flags=0\}}, NULL, 8\) = 0",
        r"pipe\(\[3, 4\]\) = 0",
        r"alarm\(1\) = 0",
        rf"read\(3, {HEX}, 1\) = -1 EINTR \(Interrupted system call\)",
        r"--- SIGALRM \{si_signo=SIGALRM\} ---",
        rf"sigreturn\({mask}\) = -1 EINTR \(Interrupted system call\)",
        rf"rt_sigaction\(SIGALRM, \{{{handler}, sa_mask=\[\], sa_flags=SA_RESTART\}}, "
        r"NULL, 8\) = 0",
        r"alarm\(1\) = 0",
        rf"read\(3, {HEX}, 1\) = \? ERESTARTSYS \(To be restarted if SA_RESTART is set\)",
        r"--- SIGALRM \{si_signo=SIGALRM\} ---",
        r'write\(4, "r", 1\) = 1',
        rf"sigreturn\({mask}\) = 3",  # the restored eax: read's number, for the restart
        r'read\(3, "r", 1\) = 1',
        r'write\(1, "signals32 done\\n", 15\) = 15',
        r"exit_group\(0\) = \?",
    ]
    got = t.text[start : start + len(expected)]
    for line, want in zip(got, expected, strict=True):
        assert re.fullmatch(p + want, line), (line, want, "\n".join(got))
    # the restarted read ran again through the vDSO's `int $0x80`
    reads = [e for e in t.events if e["name"] == "read" and e["args"][0] == "3"]
    assert [(e["ret"], e["error"]) for e in reads] == [
        (-4, "EINTR"),
        (-512, "ERESTARTSYS"),
        (1, None),
    ]
