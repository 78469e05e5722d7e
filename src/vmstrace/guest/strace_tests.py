"""strace 6.1's own test programs, built statically, for the conformance harness.

Debian 12's strace source (``apt-get source strace``; scripts/setup.sh enables the
bookworm deb-src entry) has one small C program per syscall family in ``tests/`` (the
"pure executables": they make their calls and print what strace should show).  They are
built here with ``LDFLAGS=-static`` against strace's own ``tests/libtests.a``, so they run
in the default guest without libraries, and run under strace in the guest while vmstrace
traces them (conformance_suites.py).

The source tree and the built programs are cached under ``CACHE/strace-tests/`` and
rebuilt only when missing: configure takes ~30 s, each program ~0.5 s.  Every one of the
792 pure executables builds here; :data:`SELECTED` (288) is the set the tests run (see its
comment for why these).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import cache_lock, private_dir, trusted
from vmstrace.guest.strace_image import extend_initramfs, host_files, strace_overlay_entries

VERSION = "6.1"
GUEST_DIR = "/vmstrace/strace-tests"
_CONFIGURE = (
    "--enable-mpers=no",
    "--disable-gcc-Werror",
    "--without-libunwind",
    "--without-libdw",
    "--without-libiberty",
    "--without-libselinux",
    "LDFLAGS=-static",
)

# The programs the conformance suite runs: one or more per family the project decodes
# (files, descriptors, I/O, memory, process, signals, time, polling, sockets), each exits
# 0 in the default guest as root and finishes in a few seconds under TCG with strace.
# Left out: tests that need a helper script or arguments from their .test file (the
# *-y, *-P, *-e variants, execve tests, attach tests), tests of subsystems the guest lacks
# (btrfs, netlink families, kvm), bpf's (the attr's pointers are not followed: its
# strings print as addresses), and long loops (the -f stress tests,
# read-write: 145,000 calls, past the per-test timeout, and the guest's later tests lost).
# sendfile64, socketcall and sigaction exit 77 (skipped: x86_64 has no such call).
SELECTED = (
    # files and directories
    "access",
    "faccessat",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "fchown",
    "fchownat",
    "chdir",
    "fchdir",
    "getcwd",
    "creat",
    "open",
    "openat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "readlink",
    "readlinkat",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "rmdir",
    "unlink",
    "unlinkat",
    "truncate",
    "ftruncate",
    "stat",
    "lstat",
    "fstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "utimensat",
    "umask",
    "getdents64",
    "sync",
    "fsync",
    "fdatasync",
    # descriptors and I/O
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "pipe2",
    "readv",
    "pread64-pwrite64",
    "preadv",
    "pwritev",
    "preadv2-pwritev2",
    "lseek",
    "splice",
    "tee",
    "copy_file_range",
    "fallocate",
    "fadvise64",
    "eventfd",
    # memory
    "brk",
    "mmap",
    "madvise",
    "mincore",
    "mlock",
    "mlockall",
    "membarrier",
    # process, identity, limits
    "getpid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "setgroups",
    "getpgrp",
    "getsid",
    "getrlimit",
    "setrlimit",
    "prlimit64",
    "getrusage",
    "times",
    "uname",
    "sysinfo",
    "sched_yield",
    "xetpriority",
    "xetpgid",
    "xet_robust_list",
    "xettimeofday",
    "xetitimer",
    "sched_xetaffinity",
    "sched_xetattr",
    "mq",
    "mq_sendrecv",
    "ipc_msgbuf",
    "ipc_msg",
    "ipc_sem",
    "ipc_shm",
    "prctl-dumpable",
    "prctl-name",
    "getcpu",
    "getrandom",
    "wait4",
    "waitid",
    "kill",
    "tgkill",
    "tkill",
    # signals
    "rt_sigprocmask",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "sigaltstack",
    "signalfd4",
    "pause",
    # time and sleeping
    "nanosleep",
    "clock_nanosleep",
    "clock_xettime",
    "time",
    "timerfd_xettime",
    "timer_create",
    "timer_xettime",
    "alarm",
    # polling
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "futex",
    # sockets
    "accept",
    "accept4",
    "getsockname",
    "getpeername",
    "recvmsg",
    "mmsg",
    "mmsg_name",
    "recvmmsg-timeout",
    "recvfrom",
    "shutdown",
    "sockopt-sol_socket",
    "so_linger",
    "net-sockaddr",
    "ioctl_sock",
    "recvfrom-MSG_TRUNC",
    "msg_name",
    "so_peercred",
    "sendfile",
    "vmsplice",
    # the system and the process: mounts, personalities, priorities, filters, watches
    "mount",
    "umount2",
    "personality",
    "ioprio",
    "seccomp-filter",
    "userfaultfd",
    "inotify",
    "inotify_init1",
    "pidfd_open",
    "pidfd_send_signal",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "setns",
    "caps",
    "openat2",
    "kcmp",
    "sethostname",
    "setdomainname",
    "unshare",
    "pkey_free",
    "ioctl_tiocm",
    "chroot",
    "acct",
    "clone-flags",
    "setfsuid",
    "setregid",
    "setresgid",
    "lchown",
    "sockopt-timestamp",
    "ip_mreq",
    "vhangup",
    "faccessat2",
    "utime",
    "utimes",
    "futimesat",
    "readahead",
    "sync_file_range",
    # more of the same families, and the strace internals every decoder shares (strings
    # and arrays cut by unreadable pages)
    "process_vm_readv",
    "process_vm_writev",
    "flock",
    "close_range",
    "epoll_pwait2",
    "mlock2",
    "sched_get_priority_mxx",
    "sched_rr_get_interval",
    "sched_xetparam",
    "sched_xetscheduler",
    "semop",
    "semtimedop",
    "shmxt",
    "xattr",
    "xattr-strings",
    "rt_sigreturn",
    "getdents",
    "execveat",
    "at_fdcwd-pathmax",
    "erestartsys",
    "fork-f",
    "vfork-f",
    "gettid",
    "inotify_init",
    "kernel_version",
    "mmsg-silent",
    "net-tpacket_req",
    "net-tpacket_stats",
    "orphaned_process_group",
    "poke-sendfile",
    "preadv-pwritev",
    "printstr",
    "umovestr3",
    "segv_accerr",
    "segv_pkuerr",
    "setuid",
    "setgid",
    "setreuid",
    "setresuid",
    "setfsgid",
    "times-fail",
    "waitid-Y",
    "pidfd_getfd",
    "process_mrelease",
    "adjtimex",
    "clock_adjtime",
    # the kernel itself, sandboxes, keys, newer interfaces: what malware and its
    # monitors reach for (modules, kexec, eBPF's neighbours, io_uring, fanotify, landlock)
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "syslog",
    "swap",
    "iopl",
    "ioperm",
    "lookup_dcookie",
    "memfd_secret",
    "pkey_alloc",
    "remap_file_pages",
    "add_key",
    "request_key",
    "keyctl",
    "io_uring_setup",
    "io_uring_enter",
    "fanotify_init",
    "fanotify_mark",
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
    "fsopen",
    "fsmount",
    "fspick",
    "fsconfig",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "set_mempolicy",
    "get_mempolicy",
    "mbind",
    "migrate_pages",
    "move_pages",
    "set_mempolicy_home_node",
    "process_madvise",
    "futex_waitv",
    "seccomp_get_action_avail",
    "seccomp_get_notif_sizes",
    "net-icmp_filter",
    "net-packet_mreq",
    "group_req",
    "modify_ldt",
    "ustat",
    "file_handle",
    "aio",
    "aio_pgetevents",
)


def source_tree(cache_dir: Path) -> Path:
    """strace's unpacked and configured source (``apt-get source strace``), cached."""
    root = private_dir(cache_dir / "strace-tests")
    tree = root / f"strace-{VERSION}"
    if trusted(tree / "tests" / "libtests.a", cache_dir):
        return tree
    for tool in ("apt-get", "dpkg-source", "make", "gcc"):
        if shutil.which(tool) is None:
            raise VmstraceError(
                f"{tool} not found: strace's tests are built with it "
                "(`make setup` installs dpkg-dev, make and gcc)"
            )
    with cache_lock(root):  # one build at a time; a second run finds it built
        if not trusted(tree / "tests" / "libtests.a", cache_dir):
            _build_tree(root, tree)
    return tree


def _build_tree(root: Path, tree: Path) -> None:
    if not list(root.glob(f"strace_{VERSION}*.dsc")):
        _run(
            ["apt-get", "source", "--download-only", "-q", "strace"],
            root,
            "fetching strace's source failed; `make setup` enables the bookworm deb-src "
            "entry (then apt-get update)",
        )
    shutil.rmtree(tree, ignore_errors=True)
    dsc = sorted(root.glob(f"strace_{VERSION}*.dsc"))[-1]
    _run(["dpkg-source", "--no-check", "-x", dsc.name, tree.name], root, "unpacking failed")
    _run(["./configure", *_CONFIGURE], tree, "configuring strace failed")
    _run(["make", "-C", "src", "scno.h"], tree, "generating scno.h failed")
    _run(["make", "-C", "tests", "ksysent.h", "libtests.a"], tree, "building libtests failed")


def _run(argv: list[str], cwd: Path, what: str) -> str:
    # umask 022: nothing in the cache writable by others (vmstrace/files.py)
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, umask=0o022)
    if proc.returncode != 0:
        raise VmstraceError(
            f"{what}: `{' '.join(argv)}` in {cwd} exited "
            f"{proc.returncode}:\n{(proc.stdout + proc.stderr)[-3000:]}"
        )
    return proc.stdout


def build_tests(cache_dir: Path, names: list[str]) -> dict[str, Path]:
    """Builds the named test programs (``make -k``); name → static binary, built ones only."""
    tree = source_tree(cache_dir)
    tests = tree / "tests"
    todo = [n for n in names if not trusted(tests / n, cache_dir)]
    if todo:
        with cache_lock(tree.parent):
            subprocess.run(
                ["make", "-k", f"-j{os.cpu_count() or 2}", *todo],
                cwd=tests,
                capture_output=True,
                umask=0o022,
            )
    return {n: tests / n for n in names if trusted(tests / n, cache_dir)}


def all_pure_executables(cache_dir: Path) -> list[str]:
    """Every program of ``tests/pure_executables.list``."""
    listing = source_tree(cache_dir) / "tests" / "pure_executables.list"
    lines = (line.strip() for line in listing.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def build_strace_tests_initramfs(cache_dir: Path, names: list[str]) -> Path:
    """The default image plus strace and the named test programs at ``GUEST_DIR/NAME``."""
    built = build_tests(cache_dir, names)
    failed = [n for n in names if n not in built]
    if failed:
        raise VmstraceError(
            f"strace's tests {', '.join(failed)} did not build: see `make -C "
            f"{source_tree(cache_dir) / 'tests'} {failed[0]}`"
        )
    entries = strace_overlay_entries() + [(p, f"{GUEST_DIR}/{n}") for n, p in built.items()]
    return extend_initramfs(cache_dir, "stracetests", host_files(entries))
