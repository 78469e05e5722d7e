"""Flag names, masked modes, unsigned ids and times, and strings that run on: exact
lines taken from strace 6.1 on C programs making each call (syscall(2) for exact
arguments)."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.events import Mem
from vmstrace.decode import DecodeOptions, render_line

M64 = (1 << 64) - 1
AT_FDCWD = M64 - 99
STK = 0x7FFC78D4AA8C
ENOENT = M64 - 1
EINVAL = M64 - 21
EFAULT = M64 - 13
ENOSYS = M64 - 37
EBADF = M64 - 8
ECHILD = M64 - 9
EPERM = M64
NOENT = "-1 ENOENT (No such file or directory)"
PATH = {0: b"/nonexist/a\0"}
PATH1 = {1: b"/nonexist/a\0"}


def ksa(flags: int, restorer: int = 0x1000) -> bytes:
    return struct.pack("<QQQQ", 0, flags, restorer, 0)


FLAG_NAMES = [
    # SA_INTERRUPT (glibc's name for 0x20000000), between SA_RESTART and SA_NODEFER
    (
        "rt_sigaction",
        [10, 0x1000, 0, 8],
        0,
        {1: ksa(0x24000000)},
        None,
        "rt_sigaction(SIGUSR1, {sa_handler=SIG_DFL, sa_mask=[], "
        "sa_flags=SA_RESTORER|SA_INTERRUPT, sa_restorer=0x1000}, NULL, 8) = 0",
    ),
    (
        "rt_sigaction",
        [10, 0x1000, 0, 8],
        0,
        {1: ksa(0x20000000)},
        None,
        "rt_sigaction(SIGUSR1, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_INTERRUPT}, "
        "NULL, 8) = 0",
    ),
    (
        "rt_sigaction",
        [10, 0x1000, 0, 8],
        0,
        {1: ksa(0xFC00010F)},
        None,
        "rt_sigaction(SIGUSR1, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER|"
        "SA_ONSTACK|SA_RESTART|SA_INTERRUPT|SA_NODEFER|SA_RESETHAND|SA_SIGINFO|SA_NOCLDSTOP|"
        "SA_NOCLDWAIT|0x108, sa_restorer=0x1000}, NULL, 8) = 0",
    ),
    # statx's sync type bits are flags, none set is AT_STATX_SYNC_AS_STAT
    (
        "statx",
        [AT_FDCWD, 0x1000, 0x6000, 0, STK],
        EINVAL,
        {1: b"/\0"},
        None,
        'statx(AT_FDCWD, "/", AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC, 0, 0x7ffc78d4aa8c) = '
        "-1 EINVAL (Invalid argument)",
    ),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0x6100, 0, STK],
        EINVAL,
        {1: b"/\0"},
        None,
        'statx(AT_FDCWD, "/", AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC|AT_SYMLINK_NOFOLLOW, 0, '
        "0x7ffc78d4aa8c) = -1 EINVAL (Invalid argument)",
    ),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0x4100, 0, STK],
        EINVAL,
        {1: b"/\0"},
        None,
        'statx(AT_FDCWD, "/", AT_STATX_DONT_SYNC|AT_SYMLINK_NOFOLLOW, 0, 0x7ffc78d4aa8c) = '
        "-1 EINVAL (Invalid argument)",
    ),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0, 0, STK],
        EINVAL,
        {1: b"/\0"},
        None,
        'statx(AT_FDCWD, "/", AT_STATX_SYNC_AS_STAT, 0, 0x7ffc78d4aa8c) = '
        "-1 EINVAL (Invalid argument)",
    ),
    # futex: the whole op is one name (futexops.in), else hex
    (
        "futex",
        [0, 2 | 128, 1],
        ENOSYS,
        None,
        None,
        "futex(NULL, FUTEX_FD|FUTEX_PRIVATE_FLAG, 1) = -1 ENOSYS (Function not implemented)",
    ),
    (
        "futex",
        [0, 2, 1],
        ENOSYS,
        None,
        None,
        "futex(NULL, FUTEX_FD, 1) = -1 ENOSYS (Function not implemented)",
    ),
    (
        "futex",
        [0, 13 | 128, 1],
        EFAULT,
        None,
        None,
        "futex(NULL, FUTEX_LOCK_PI2_PRIVATE, NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "futex",
        [0, 14, 1],
        ENOSYS,
        None,
        None,
        "futex(NULL, 0xe /* FUTEX_??? */, 1, NULL, NULL, 0) = -1 ENOSYS (Function not implemented)",
    ),
    (
        "futex",
        [0, 14 | 128 | 256, 1],
        ENOSYS,
        None,
        None,
        "futex(NULL, 0x18e /* FUTEX_??? */, 1, NULL, NULL, 0) = "
        "-1 ENOSYS (Function not implemented)",
    ),
    (
        "futex",
        [0, 1 | 256, 1],
        ENOSYS,
        None,
        None,
        "futex(NULL, 0x101 /* FUTEX_??? */, 1) = -1 ENOSYS (Function not implemented)",
    ),
    (
        "futex",
        [0, 9 | 128 | 256, 1, 0, 0, 0xFFFFFFFF],
        EINVAL,
        None,
        None,
        "futex(NULL, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, NULL, "
        "FUTEX_BITSET_MATCH_ANY) = -1 EINVAL (Invalid argument)",
    ),
    # FUTEX_WAKE_OP's val3, as strace 6.1 spells it
    (
        "futex",
        [STK, 5 | 128, 1, 1, STK, 0],
        0,
        None,
        None,
        "futex(0x7ffc78d4aa8c, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x7ffc78d4aa8c, "
        "FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0) = 0",
    ),
    (
        "futex",
        [STK, 5, 1, 1, STK, (1 << 28) | (2 << 24) | (3 << 12) | 4],
        0,
        None,
        None,
        "futex(0x7ffc78d4aa8c, FUTEX_WAKE_OP, 1, 1, 0x7ffc78d4aa8c, "
        "FUTEX_OP_ADD<<28|0x3<<12|FUTEX_OP_CMP_LT<<24|0x4) = 0",
    ),
    (
        "futex",
        [STK, 5, 1, 1, STK, 0x95FFFFFF],
        0,
        None,
        None,
        "futex(0x7ffc78d4aa8c, FUTEX_WAKE_OP, 1, 1, 0x7ffc78d4aa8c, FUTEX_OP_OPARG_SHIFT<<28|"
        "FUTEX_OP_ADD<<28|0xfff<<12|FUTEX_OP_CMP_GE<<24|0xfff) = 0",
    ),
    (
        "futex",
        [STK, 5, 1, 1, STK, 0x79000000],
        ENOSYS,
        None,
        None,
        "futex(0x7ffc78d4aa8c, FUTEX_WAKE_OP, 1, 1, 0x7ffc78d4aa8c, 0x7<<28 /* FUTEX_OP_??? */|"
        "0<<12|0x9<<24 /* FUTEX_OP_CMP_??? */|0) = -1 ENOSYS (Function not implemented)",
    ),
    # mmap: MAP_FILE is type 0; an unknown type gets a comment; huge page sizes
    (
        "mmap",
        [0, 4096, 1, 0x20, M64, 0],
        EINVAL,
        None,
        None,
        "mmap(NULL, 4096, PROT_READ, MAP_FILE|MAP_ANONYMOUS, -1, 0) = -1 EINVAL (Invalid argument)",
    ),
    (
        "mmap",
        [0, 4096, 1, 0, M64, 0],
        EBADF,
        None,
        None,
        "mmap(NULL, 4096, PROT_READ, MAP_FILE, -1, 0) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "mmap",
        [0, 4096, 1, 0xF, M64, 0],
        EBADF,
        None,
        None,
        "mmap(NULL, 4096, PROT_READ, 0xf /* MAP_??? */, -1, 0) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "mmap",
        [0, 4096, 1, 0x22 | 0x4000000, M64, 0],
        0x7FD9F19E7000,
        None,
        None,
        "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|1<<MAP_HUGE_SHIFT, -1, 0) = "
        "0x7fd9f19e7000",
    ),
    (
        "mmap",
        [0, 4096, 1, 0x22 | (21 << 26), M64, 0],
        0x7FD9F19E6000,
        None,
        None,
        "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|21<<MAP_HUGE_SHIFT, -1, 0) = "
        "0x7fd9f19e6000",
    ),
    # wait options: 2 is WSTOPPED, after WEXITED; __WCLONE, __WALL, __WNOTHREAD
    (
        "wait4",
        [M64, 0, 2, 0],
        ECHILD,
        None,
        None,
        "wait4(-1, NULL, WSTOPPED, NULL) = -1 ECHILD (No child processes)",
    ),
    (
        "wait4",
        [M64, 0, 0x40000003, 0],
        ECHILD,
        None,
        None,
        "wait4(-1, NULL, WNOHANG|WSTOPPED|__WALL, NULL) = -1 ECHILD (No child processes)",
    ),
    (
        "wait4",
        [M64, 0, 0xA100000C, 0],
        EINVAL,
        None,
        None,
        "wait4(-1, NULL, WEXITED|WCONTINUED|WNOWAIT|__WCLONE|__WNOTHREAD, NULL) = "
        "-1 EINVAL (Invalid argument)",
    ),
    (
        "waitid",
        [0, 0, STK, 0x100000F, 0],
        ECHILD,
        None,
        None,
        "waitid(P_ALL, 0, 0x7ffc78d4aa8c, WNOHANG|WEXITED|WSTOPPED|WCONTINUED|WNOWAIT, NULL) = "
        "-1 ECHILD (No child processes)",
    ),
    # eventfd2: EFD_SEMAPHORE first
    (
        "eventfd2",
        [0, 0x80801],
        3,
        None,
        None,
        "eventfd2(0, EFD_SEMAPHORE|EFD_CLOEXEC|EFD_NONBLOCK) = 3",
    ),
    (
        "eventfd2",
        [0, 0x80811],
        EINVAL,
        None,
        None,
        "eventfd2(0, EFD_SEMAPHORE|EFD_CLOEXEC|EFD_NONBLOCK|0x10) = -1 EINVAL (Invalid argument)",
    ),
]

MODES = [
    (
        "open",
        [0x1000, 0o100, 0o37777600000],
        ENOENT,
        PATH,
        None,
        f'open("/nonexist/a", O_RDONLY|O_CREAT, 000) = {NOENT}',
    ),
    (
        "open",
        [0x1000, 0o100, 0xFFFFFFFF80000644],
        ENOENT,
        PATH,
        None,
        f'open("/nonexist/a", O_RDONLY|O_CREAT, 03104) = {NOENT}',
    ),
    (
        "openat",
        [AT_FDCWD, 0x1000, 0o100, 0o37777777777],
        ENOENT,
        PATH1,
        None,
        f'openat(AT_FDCWD, "/nonexist/a", O_RDONLY|O_CREAT, 0177777) = {NOENT}',
    ),
    ("mkdir", [0x1000, 0o37777600000], ENOENT, PATH, None, f'mkdir("/nonexist/a", 000) = {NOENT}'),
    (
        "mkdir",
        [0x1000, 0xFFFFFFFF00000755],
        ENOENT,
        PATH,
        None,
        f'mkdir("/nonexist/a", 03525) = {NOENT}',
    ),
    (
        "mkdirat",
        [AT_FDCWD, 0x1000, 0o170777],
        ENOENT,
        PATH1,
        None,
        f'mkdirat(AT_FDCWD, "/nonexist/a", 0170777) = {NOENT}',
    ),
    ("chmod", [0x1000, 0o37777600000], ENOENT, PATH, None, f'chmod("/nonexist/a", 000) = {NOENT}'),
    ("chmod", [0x1000, 0o107777], ENOENT, PATH, None, f'chmod("/nonexist/a", 0107777) = {NOENT}'),
    (
        "fchmod",
        [M64, 0o177777],
        EBADF,
        None,
        None,
        "fchmod(-1, 0177777) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "fchmodat",
        [AT_FDCWD, 0x1000, 0o37777600000],
        ENOENT,
        PATH1,
        None,
        f'fchmodat(AT_FDCWD, "/nonexist/a", 000) = {NOENT}',
    ),
    ("creat", [0x1000, 0o37777600000], ENOENT, PATH, None, f'creat("/nonexist/a", 000) = {NOENT}'),
    (
        "mknod",
        [0x1000, 0o37777600000, 0],
        ENOENT,
        PATH,
        None,
        f'mknod("/nonexist/a", 000) = {NOENT}',
    ),
    (
        "mknod",
        [0x1000, 0xFFFF0000 | 0o20600, 0x103],
        ENOENT,
        PATH,
        None,
        f'mknod("/nonexist/a", S_IFCHR|0600, makedev(0x1, 0x3)) = {NOENT}',
    ),
    (
        "mknod",
        [0x1000, 0o14755, 0],
        ENOENT,
        PATH,
        None,
        f'mknod("/nonexist/a", S_IFIFO|S_ISUID|0755) = {NOENT}',
    ),
    (
        "mknod",
        [0x1000, 0o170600, 0],
        EINVAL,
        PATH,
        None,
        'mknod("/nonexist/a", 0170600) = -1 EINVAL (Invalid argument)',
    ),
    ("mknod", [0x1000, 0o600, 0], ENOENT, PATH, None, f'mknod("/nonexist/a", 0600) = {NOENT}'),
    (
        "mknodat",
        [AT_FDCWD, 0x1000, 0o60600, 0x801],
        ENOENT,
        PATH1,
        None,
        f'mknodat(AT_FDCWD, "/nonexist/a", S_IFBLK|0600, makedev(0x8, 0x1)) = {NOENT}',
    ),
    # the device number's high 32 bits are dropped before major()/minor() (strace's
    # decode_mknod: unsigned int dev), as strace 6.1 printed on the host
    (
        "mknod",
        [0x1000, 0o20024, 0xDEADBEEF00000107],
        ENOENT,
        PATH,
        None,
        f'mknod("/nonexist/a", S_IFCHR|024, makedev(0x1, 0x7)) = {NOENT}',
    ),
    (
        "mknod",
        [0x1000, 0o20600, 0x0000123400005678],
        ENOENT,
        PATH,
        None,
        f'mknod("/nonexist/a", S_IFCHR|0600, makedev(0x56, 0x78)) = {NOENT}',
    ),
    (
        "mknod",
        [0x1000, 0o67777, 0xDEADBEEFBADC0DED],
        ENOENT,
        PATH,
        None,
        f'mknod("/nonexist/a", S_IFBLK|S_ISUID|S_ISGID|S_ISVTX|0777, makedev(0xc0d, 0xbaded)) '
        f"= {NOENT}",
    ),
    (
        "mknodat",
        [M64, 0x1000, 0o20024, 0xDEADBEEF00000107],
        EBADF,
        PATH1,
        None,
        'mknodat(-1, "/nonexist/a", S_IFCHR|024, makedev(0x1, 0x7)) '
        "= -1 EBADF (Bad file descriptor)",
    ),
    ("umask", [0o37777600022], 0o22, None, None, "umask(022) = 022"),
    ("umask", [0o777777], 0o22, None, None, "umask(0177777) = 022"),
    ("umask", [0o22], 0o777, None, None, "umask(022) = 0777"),
    # O_TMPFILE's mode prints, and so does __O_TMPFILE's alone (strace tests either bit)
    (
        "openat",
        [AT_FDCWD, 0x1000, 0o20200002, 0o600],
        ENOENT,
        PATH1,
        None,
        f'openat(AT_FDCWD, "/nonexist/a", O_RDWR|O_TMPFILE, 0600) = {NOENT}',
    ),
    (
        "open",
        [0x1000, 0o20200002, 0o600],
        ENOENT,
        PATH,
        None,
        f'open("/nonexist/a", O_RDWR|O_TMPFILE, 0600) = {NOENT}',
    ),
    (
        "open",
        [0x1000, 0o20000002, 0o600],
        EINVAL,
        PATH,
        None,
        'open("/nonexist/a", O_RDWR|__O_TMPFILE, 0600) = -1 EINVAL (Invalid argument)',
    ),
]

IDS_AND_TIMES = [
    ("setuid", [M64], EINVAL, None, None, "setuid(-1) = -1 EINVAL (Invalid argument)"),
    ("setuid", [0xFFFFFFFE], 0, None, None, "setuid(4294967294) = 0"),
    ("setuid", [0x1FFFFFFFF], EINVAL, None, None, "setuid(-1) = -1 EINVAL (Invalid argument)"),
    ("setgid", [65534], EPERM, None, None, "setgid(65534) = -1 EPERM (Operation not permitted)"),
    (
        "setreuid",
        [0x80000000, 1000],
        EPERM,
        None,
        None,
        "setreuid(2147483648, 1000) = -1 EPERM (Operation not permitted)",
    ),
    ("setreuid", [M64, M64], 0, None, None, "setreuid(-1, -1) = 0"),
    ("setresuid", [M64, M64, 0xFFFFFFFE], 0, None, None, "setresuid(-1, -1, 4294967294) = 0"),
    (
        "setresgid",
        [M64, 1, 2],
        EPERM,
        None,
        None,
        "setresgid(-1, 1, 2) = -1 EPERM (Operation not permitted)",
    ),
    ("setfsuid", [M64], 4294967294, None, None, "setfsuid(-1) = 4294967294"),
    ("setfsgid", [0xFFFFFFFF], 0, None, None, "setfsgid(-1) = 0"),
    ("chown", [0x1000, M64, M64], ENOENT, PATH, None, f'chown("/nonexist/a", -1, -1) = {NOENT}'),
    (
        "chown",
        [0x1000, 0xFFFFFFFE, 0x80000000],
        ENOENT,
        PATH,
        None,
        f'chown("/nonexist/a", 4294967294, 2147483648) = {NOENT}',
    ),
    (
        "fchown",
        [M64, 1000, M64],
        EBADF,
        None,
        None,
        "fchown(-1, 1000, -1) = -1 EBADF (Bad file descriptor)",
    ),
    ("lchown", [0x1000, M64, 5], ENOENT, PATH, None, f'lchown("/nonexist/a", -1, 5) = {NOENT}'),
    (
        "fchownat",
        [AT_FDCWD, 0x1000, M64, M64, 0],
        ENOENT,
        PATH1,
        None,
        f'fchownat(AT_FDCWD, "/nonexist/a", -1, -1, 0) = {NOENT}',
    ),
    (
        "getresuid",
        [STK, STK + 4, STK + 8],
        0,
        None,
        {
            0: struct.pack("<I", 0xFFFFFFFF),
            1: struct.pack("<I", 0xFFFFFFFE),
            2: struct.pack("<I", 0),
        },
        "getresuid([-1], [4294967294], [0]) = 0",
    ),
    # tv_nsec prints unsigned
    (
        "nanosleep",
        [STK, 0],
        EINVAL,
        {0: struct.pack("<qq", 0, -1)},
        None,
        "nanosleep({tv_sec=0, tv_nsec=18446744073709551615}, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "nanosleep",
        [STK, 0],
        EINVAL,
        {0: struct.pack("<qq", -1, (1 << 63) - 1)},
        None,
        "nanosleep({tv_sec=-1, tv_nsec=9223372036854775807}, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "clock_settime",
        [0, STK],
        EINVAL,
        {1: struct.pack("<qq", 5, -1000000000)},
        None,
        "clock_settime(CLOCK_REALTIME, {tv_sec=5, tv_nsec=18446744072709551616}) = "
        "-1 EINVAL (Invalid argument)",
    ),
    # poll: a negative fd shows alone (the kernel ignores the entry)
    (
        "poll",
        [STK, 3, 0],
        1,
        None,
        {
            0: struct.pack("<ihh", -1, 1, 0)
            + struct.pack("<ihh", 0, 4, 4)
            + struct.pack("<ihh", -5, 0, 0)
        },
        "poll([{fd=-1}, {fd=0, events=POLLOUT}, {fd=-5}], 3, 0) = 1 ([{fd=0, revents=POLLOUT}])",
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "ret", "entry", "exit", "expected"), FLAG_NAMES + MODES + IDS_AND_TIMES
)
def test_line(decode_call, name, args, ret, entry, exit, expected):
    call = decode_call(name, args, ret, entry, exit)
    assert render_line(call, DecodeOptions()) == expected


# Strings that do not end within what strace reads (printpath: PATH_MAX bytes, printstr:
# -s + 1): strace 6.1 on a page of 'a's followed by an unmapped page.
END = 0x7FC1A24BB000
UNTERMINATED = [
    # a path of PATH_MAX bytes with no NUL: 4095 of them, then "..."
    (
        "open",
        [END - 4096, 0],
        (1 << 64) - 36,
        {0: Mem(END - 4096, b"a" * 4096, fault=True)},
        None,
        'open("' + "a" * 4095 + '"..., O_RDONLY) = -1 ENAMETOOLONG (File name too long)',
    ),
    (
        "open",
        [END - 8192, 0],
        (1 << 64) - 36,
        {0: Mem(END - 8192, b"a" * 4096, truncated=True)},
        None,
        'open("' + "a" * 4095 + '"..., O_RDONLY) = -1 ENAMETOOLONG (File name too long)',
    ),
    # a fault before the NUL and before PATH_MAX bytes: the address
    (
        "open",
        [END - 10, 0],
        EFAULT,
        {0: Mem(END - 10, b"a" * 10, fault=True)},
        None,
        "open(0x7fc1a24baff6, O_RDONLY) = -1 EFAULT (Bad address)",
    ),
    (
        "open",
        [END - 4095, 0],
        EFAULT,
        {0: Mem(END - 4095, b"a" * 4095, fault=True)},
        None,
        "open(0x7fc1a24ba001, O_RDONLY) = -1 EFAULT (Bad address)",
    ),
    # a string cut at -s: strace reads 33 bytes; a fault before them shows the address
    (
        "removexattr",
        [0x1000, END - 10],
        EFAULT,
        {0: b"/nonexist\0", 1: Mem(END - 10, b"a" * 10, fault=True)},
        None,
        'removexattr("/nonexist", 0x7fc1a24baff6) = -1 EFAULT (Bad address)',
    ),
    (
        "removexattr",
        [0x1000, END - 32],
        EFAULT,
        {0: b"/nonexist\0", 1: Mem(END - 32, b"a" * 32, fault=True)},
        None,
        'removexattr("/nonexist", 0x7fc1a24bafe0) = -1 EFAULT (Bad address)',
    ),
    (
        "removexattr",
        [0x1000, END - 33],
        EFAULT,
        {0: b"/nonexist\0", 1: Mem(END - 33, b"a" * 33, fault=True)},
        None,
        'removexattr("/nonexist", "' + "a" * 32 + '"...) = -1 EFAULT (Bad address)',
    ),
    (
        "removexattr",
        [0x1000, END - 40],
        EFAULT,
        {0: b"/nonexist\0", 1: Mem(END - 40, b"a" * 33, truncated=True)},
        None,
        'removexattr("/nonexist", "' + "a" * 32 + '"...) = -1 EFAULT (Bad address)',
    ),
    # a NUL before the fault: the string
    (
        "open",
        [END - 10, 0],
        (1 << 64) - 2,
        {0: Mem(END - 10, b"aaaa\0aaaaa", fault=True)},
        None,
        'open("aaaa", O_RDONLY) = -1 ENOENT (No such file or directory)',
    ),
]


@pytest.mark.parametrize(("name", "args", "ret", "entry", "exit", "expected"), UNTERMINATED)
def test_unterminated_string(decode_call, name, args, ret, entry, exit, expected):
    call = decode_call(name, args, ret, entry, exit)
    assert render_line(call, DecodeOptions()) == expected
