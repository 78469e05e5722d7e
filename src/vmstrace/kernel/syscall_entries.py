"""Entry points whose name is not the system call's: ``{entry: ABI name}`` per ABI.

Generated data, not code.  The kernel dispatches number N to ``__x64_sys_<entry>`` (or
``__ia32_sys_<entry>``, ``__ia32_compat_sys_<entry>``); for most calls ``<entry>`` is the
call's name, for these it is not (the entry-point column of the kernel's
``arch/x86/entry/syscalls/syscall_64.tbl`` and ``syscall_32.tbl``: old ABIs keep their
number and name while the implementation moved, e.g. i386 ``getuid`` is ``sys_getuid16``
and ``getuid32`` is ``sys_getuid``).  Derived by reading the dispatch code of Debian's
6.1.0-56 and 6.12.95 kernels (vmstrace.kernel.syscall_names) against the UAPI names in
vmstrace.decode.  An entry that serves two numbers is named per number in SHARED.
"""

from __future__ import annotations

ENTRY_NAMES: dict[str, dict[str, str]] = {
    "x86_64": {
        "newstat": "stat", "newfstat": "fstat", "newlstat": "lstat", "sendfile64": "sendfile",
        "newuname": "uname", "umount": "umount2",
    },
    "i386": {
        "time32": "time", "lchown16": "lchown", "stat": "oldstat", "oldumount": "umount",
        "setuid16": "setuid", "getuid16": "getuid", "stime32": "stime", "fstat": "oldfstat",
        "utime32": "utime", "setgid16": "setgid", "getgid16": "getgid", "geteuid16": "geteuid",
        "getegid16": "getegid", "umount": "umount2", "olduname": "oldolduname",
        "setreuid16": "setreuid", "setregid16": "setregid", "old_getrlimit": "getrlimit",
        "getgroups16": "getgroups", "setgroups16": "setgroups", "old_select": "select",
        "lstat": "oldlstat", "old_readdir": "readdir", "ia32_mmap": "mmap", "fchown16": "fchown",
        "newstat": "stat", "newlstat": "lstat", "newfstat": "fstat", "uname": "olduname",
        "ia32_clone": "clone", "newuname": "uname", "adjtimex_time32": "adjtimex",
        "setfsuid16": "setfsuid", "setfsgid16": "setfsgid", "llseek": "_llseek",
        "select": "_newselect", "sched_rr_get_interval_time32": "sched_rr_get_interval",
        "nanosleep_time32": "nanosleep", "setresuid16": "setresuid", "getresuid16": "getresuid",
        "setresgid16": "setresgid", "getresgid16": "getresgid",
        "rt_sigtimedwait_time32": "rt_sigtimedwait", "ia32_pread64": "pread64",
        "ia32_pwrite64": "pwrite64", "chown16": "chown", "getrlimit": "ugetrlimit",
        "mmap_pgoff": "mmap2", "ia32_truncate64": "truncate64", "ia32_ftruncate64": "ftruncate64",
        "ia32_stat64": "stat64", "ia32_lstat64": "lstat64", "ia32_fstat64": "fstat64",
        "lchown": "lchown32", "getuid": "getuid32", "getgid": "getgid32", "geteuid": "geteuid32",
        "getegid": "getegid32", "setreuid": "setreuid32", "setregid": "setregid32",
        "getgroups": "getgroups32", "setgroups": "setgroups32", "fchown": "fchown32",
        "setresuid": "setresuid32", "getresuid": "getresuid32", "setresgid": "setresgid32",
        "getresgid": "getresgid32", "chown": "chown32", "setuid": "setuid32", "setgid": "setgid32",
        "setfsuid": "setfsuid32", "setfsgid": "setfsgid32", "ia32_readahead": "readahead",
        "futex_time32": "futex", "io_getevents_time32": "io_getevents",
        "ia32_fadvise64": "fadvise64", "timer_settime32": "timer_settime",
        "timer_gettime32": "timer_gettime", "clock_settime32": "clock_settime",
        "clock_gettime32": "clock_gettime", "clock_getres_time32": "clock_getres",
        "clock_nanosleep_time32": "clock_nanosleep", "utimes_time32": "utimes",
        "ia32_fadvise64_64": "fadvise64_64", "mq_timedsend_time32": "mq_timedsend",
        "mq_timedreceive_time32": "mq_timedreceive", "futimesat_time32": "futimesat",
        "ia32_fstatat64": "fstatat64", "pselect6_time32": "pselect6", "ppoll_time32": "ppoll",
        "ia32_sync_file_range": "sync_file_range", "utimensat_time32": "utimensat",
        "ia32_fallocate": "fallocate", "timerfd_settime32": "timerfd_settime",
        "timerfd_gettime32": "timerfd_gettime", "recvmmsg_time32": "recvmmsg",
        "clock_adjtime32": "clock_adjtime", "clock_gettime": "clock_gettime64",
        "clock_settime": "clock_settime64", "clock_adjtime": "clock_adjtime64",
        "clock_getres": "clock_getres_time64", "clock_nanosleep": "clock_nanosleep_time64",
        "timer_gettime": "timer_gettime64", "timer_settime": "timer_settime64",
        "timerfd_gettime": "timerfd_gettime64", "timerfd_settime": "timerfd_settime64",
        "utimensat": "utimensat_time64", "mq_timedsend": "mq_timedsend_time64",
        "mq_timedreceive": "mq_timedreceive_time64", "semtimedop": "semtimedop_time64",
        "futex": "futex_time64", "sched_rr_get_interval": "sched_rr_get_interval_time64",
    },
}

# (entry, number) -> name, for entries that serve more than one number: i386 ``fcntl``
# (55) and ``fcntl64`` (221) both run ``compat_sys_fcntl64``.
SHARED: dict[str, dict[tuple[str, int], str]] = {
    "x86_64": {},
    "i386": {("fcntl64", 55): "fcntl"},
}
