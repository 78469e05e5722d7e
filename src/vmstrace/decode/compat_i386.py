"""i386 (32-bit) processes: which templates apply.

The i386 table's rows (argument counts, classes) are in :mod:`vmstrace.syscalls.i386`.
An i386 call prints with its i386 template (``compat32``: 32-bit struct layouts and the
i386-only calls) when it has one; else with the x86_64 template of its name when that one
prints the same for a 32-bit caller (integers, fds, flags, paths, byte buffers, string
arrays read with 4-byte pointers, and structs whose layout does not change); else its raw
arguments.
"""

from __future__ import annotations

from . import compat32
from .registry import TEMPLATES, Template

# Templates that print the same for an i386 caller (see the module docstring).
ABI_NEUTRAL = frozenset(
    {
        "read",
        "write",
        "open",
        "openat",
        "close",
        "creat",
        "access",
        "faccessat",
        "faccessat2",
        "mkdir",
        "mkdirat",
        "rmdir",
        "unlink",
        "unlinkat",
        "rename",
        "renameat",
        "renameat2",
        "chdir",
        "fchdir",
        "getcwd",
        "readlink",
        "readlinkat",
        "link",
        "linkat",
        "symlink",
        "symlinkat",
        "chmod",
        "fchmod",
        "fchmodat",
        "umask",
        "dup",
        "dup2",
        "dup3",
        "pipe",
        "pipe2",
        "kill",
        "tkill",
        "tgkill",
        "exit",
        "exit_group",
        "getpid",
        "getppid",
        "gettid",
        "getpgrp",
        "setsid",
        "brk",
        "munmap",
        "mprotect",
        "fsync",
        "fdatasync",
        "sync",
        "set_tid_address",
        "getrandom",
        "sched_yield",
        "sched_getscheduler",
        "sched_setscheduler",
        "sched_getparam",
        "sched_setparam",
        "sched_get_priority_max",
        "sched_get_priority_min",
        "alarm",
        "pause",
        "execve",
        "uname",
        "getuid",
        "getgid",
        "geteuid",
        "getegid",
        "setuid",
        "setgid",
        "chroot",
        "sethostname",
        # structs laid out alike on both ABIs: linux_dirent64, rlimit64, sigset_t (8 bytes),
        # sockaddr, int out-values, termios/winsize (ioctl), __kernel_timespec (*_time64)
        "getdents64",
        "prlimit64",
        "rt_sigprocmask",
        "rt_sigpending",
        "rt_sigsuspend",
        "rt_sigreturn",  # the mask from the frame, as the plugin reads it for both ABIs
        "ioctl",
        "fork",
        "vfork",
        "set_robust_list",
        "rseq",
        "madvise",
        "socket",
        "socketpair",
        "bind",
        "connect",
        "listen",
        "accept4",
        "getsockname",
        "getpeername",
        "sendto",
        "recvfrom",
        "shutdown",
        "setsockopt",
        "getsockopt",
        # byte buffers, strings and loff_t pointers; a CPU mask that strace prints bit by bit
        # from the bytes (its word size changes only where "..." goes past 128 bytes: nowhere)
        "setxattr",
        "lsetxattr",
        "fsetxattr",
        "getxattr",
        "lgetxattr",
        "fgetxattr",
        "listxattr",
        "llistxattr",
        "flistxattr",
        "removexattr",
        "lremovexattr",
        "fremovexattr",
        "copy_file_range",
        "sched_setaffinity",
        "sched_getaffinity",
        # timer ids
        "timer_getoverrun",
        "timer_delete",
        # registers, paths and strings alone (decode/system.py), and the capability structs
        # (u32 words on both ABIs)
        "mount",
        "umount2",
        "personality",
        "ioprio_get",
        "ioprio_set",
        "userfaultfd",
        "inotify_init1",
        "inotify_add_watch",
        "inotify_rm_watch",
        "pidfd_open",
        "shmget",
        "semget",
        "msgget",
        "capget",
        "capset",
        # registers, paths, strings and structs of fixed-size fields only (decode/kernel.py,
        # fsapi.py, uring.py, bpf.py; clone3's and bpf's structs are u64 words on both ABIs)
        "init_module",
        "finit_module",
        "delete_module",
        "syslog",
        "reboot",
        "swapon",
        "swapoff",
        "iopl",
        "ioperm",
        "memfd_secret",
        "pkey_alloc",
        "fsopen",
        "fspick",
        "fsconfig",
        "fsmount",
        "move_mount",
        "open_tree",
        "mount_setattr",
        "landlock_create_ruleset",
        "landlock_add_rule",
        "landlock_restrict_self",
        "pidfd_getfd",
        "process_mrelease",
        "add_key",
        "request_key",
        "keyctl",
        "io_uring_setup",
        "io_uring_enter",
        "clone3",
        "bpf",
    }
)

# i386 names that print like an x86_64 template of another name.
ALIASES = {
    "getuid32": "getuid",
    "getgid32": "getgid",
    "geteuid32": "geteuid",
    "getegid32": "getegid",
    "setuid32": "setuid",
    "setgid32": "setgid",
}


def template_name(name: str) -> str | None:
    """The x86_64 template an i386 call of this name uses, or None."""
    name = ALIASES.get(name, name)
    return name if name in ABI_NEUTRAL else None


def template(name: str) -> Template | None:
    """The template an i386 call of this name prints with, or None (raw arguments)."""
    own = compat32.TEMPLATES32.get(name)
    if own is not None:
        return own
    shared = template_name(name)
    return None if shared is None else TEMPLATES.get(shared)
