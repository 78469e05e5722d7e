"""i386 (32-bit) processes: argument counts, trace classes and which templates apply.

The i386 table (asm/unistd_32.h) shares most names with x86_64; a call of the same name
takes the same arguments, so its count and strace classes come from the x86_64 row.
The calls below exist only on i386 (counts from the kernel's SYSCALL_DEFINEn /
COMPAT_SYSCALL_DEFINEn, classes as strace's syscallent.h for i386).

An i386 call prints with its i386 template (``compat32``: 32-bit struct layouts and the
i386-only calls) when it has one; else with the x86_64 template of its name when that one
prints the same for a 32-bit caller (integers, fds, flags, paths, byte buffers, string
arrays read with 4-byte pointers, and structs whose layout does not change); else its raw
arguments.
"""

from __future__ import annotations

from . import compat32
from .registry import TEMPLATES, Template

I386_ONLY: dict[str, tuple[int, str]] = {
    "waitpid": (3, "process"),
    "_llseek": (5, "desc"),
    "mmap2": (6, "desc memory"),
    "stat64": (2, "file stat"),
    "lstat64": (2, "file lstat"),
    "fstat64": (2, "desc fstat"),
    "fstatat64": (4, "desc file"),
    "fcntl64": (3, "desc"),
    "getuid32": (0, "creds pure"),
    "getgid32": (0, "creds pure"),
    "geteuid32": (0, "creds pure"),
    "getegid32": (0, "creds pure"),
    "setuid32": (1, "creds"),
    "setgid32": (1, "creds"),
    "getgroups32": (2, "creds"),
    "setgroups32": (2, "creds"),
    "socketcall": (2, "network"),
    "ipc": (6, "ipc"),
    "sigaction": (3, "signal"),
    "sigprocmask": (3, "signal"),
    "sigreturn": (0, "signal"),
    "sgetmask": (0, "signal"),
    "ssetmask": (1, "signal"),
    "signal": (2, "signal"),
    "time": (1, "clock"),
    "stime": (1, "clock"),
    "nice": (1, ""),
    "olduname": (1, ""),
    "oldolduname": (1, ""),
    "uname": (1, ""),
    "set_thread_area": (1, ""),
    "get_thread_area": (1, ""),
    "truncate64": (2, "file"),
    "ftruncate64": (2, "desc"),
    "clock_gettime64": (2, "clock"),
    "clock_nanosleep_time64": (4, "clock"),
    "timer_settime64": (4, ""),
    "timer_gettime64": (2, ""),
    "statfs64": (3, "file statfs"),
    "fstatfs64": (3, "desc fstatfs"),
    "sendfile64": (4, "desc network"),
    "ugetrlimit": (2, ""),
}

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
