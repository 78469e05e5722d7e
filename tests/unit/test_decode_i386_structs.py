"""i386 calls whose arguments are structures: exact lines, as strace 6.1 prints them for
a 32-bit tracee (reference: `strace -f` of guest/programs/probe32-structs.c and of small
`gcc -m32 -static` programs on an x86_64 host)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmstrace import decode
from vmstrace.core.events import Insn, Mem, RawEntry, RawExit, Syscall, TaskInfo
from vmstrace.decode import TABLES, DecodeOptions, compat32, decode_args_strict, render_line

WHO = TaskInfo(task=1, cr3=0, pid=9, tid=9)
NR = {info.name: nr for nr, info in TABLES["i386"].items()}
AT_FDCWD = 0xFFFFFF9C
STK = 0xFFAA4AB0


def neg(n: int) -> int:
    return n & 0xFFFFFFFF


def call(name: str, args, ret, entry=None, exit_=None) -> Syscall:
    """An i386 call; memory given as bytes is read at address 0x1000 * (index + 1)."""

    def mems(spec, at_exit):
        return {
            i: m if isinstance(m, Mem) else Mem(0x1000 * (i + 1), m, at_exit=at_exit)
            for i, m in (spec or {}).items()
        }

    a = tuple(args) + (0,) * (6 - len(args))
    nr = NR[name]
    e = RawEntry(0, 0, "i386", Insn.SYSENTER, 0xF7F00000, 0, nr, a, WHO, mems(entry, False))
    x = (
        None
        if ret is None
        else RawExit(1, 0, "i386", Insn.SYSEXIT, 0, ret & 0xFFFFFFFF, nr, WHO, mems(exit_, True))
    )
    return Syscall(e, x)


def stat64_buf(mode: int, size: int = 0, rdev: int = 0) -> bytes:
    b = bytearray(96)
    struct.pack_into("<I", b, 16, mode)
    struct.pack_into("<Q", b, 32, rdev)
    struct.pack_into("<q", b, 44, size)
    return bytes(b)


def stat32_buf(mode: int, size: int = 0, rdev: int = 0) -> bytes:
    b = bytearray(64)
    struct.pack_into("<H", b, 8, mode)
    struct.pack_into("<II", b, 16, rdev, size)
    return bytes(b)


ST_VALID_RELATIME = 0x1020


def statfs32_buf(ftype: int, sizes: tuple[int, ...], fsid: tuple[int, int]) -> bytes:
    return struct.pack("<12I", ftype, *sizes, *fsid, 255, 4096, ST_VALID_RELATIME) + bytes(16)


def statfs64_buf(ftype: int, sizes: tuple[int, ...], fsid: tuple[int, int]) -> bytes:
    return struct.pack("<2I5Q5I", ftype, *sizes, *fsid, 255, 4096, ST_VALID_RELATIME) + bytes(16)


def sigev32(value: int, signo: int, notify: int, function: int = 0, attrs: int = 0) -> bytes:
    return struct.pack("<IiiII", value, signo, notify, function, attrs) + bytes(44)


def iov32(*items: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<II", base, ln) for base, ln in items)


def dirent64(name: bytes) -> bytes:
    reclen = (19 + len(name) + 1 + 7) & ~7
    return struct.pack("<QqHB", 1, 0, reclen, 4) + name.ljust(reclen - 19, b"\0")


def user_desc(entry: int, base: int, limit: int, bits: int) -> bytes:
    return struct.pack("<IIII", entry, base, limit, bits)


TLS_BITS = 0x51  # seg_32bit, limit_in_pages, useable
USR1, USR2 = 1 << 9, 1 << 11
DEVNULL = 0x103  # makedev(1, 3)

CASES = [
    # --- file status (struct stat64, struct stat) ---
    (
        "fstat64",
        [3, 0x1000],
        0,
        None,
        {1: stat64_buf(0o100644, 12)},
        "fstat64(3, {st_mode=S_IFREG|0644, st_size=12, ...}) = 0",
    ),
    (
        "stat64",
        [0x1000, 0x2000],
        0,
        {0: b"/tmp/s32d/f\0"},
        {1: stat64_buf(0o100644, 12)},
        'stat64("/tmp/s32d/f", {st_mode=S_IFREG|0644, st_size=12, ...}) = 0',
    ),
    (
        "lstat64",
        [0x1000, STK],
        neg(-2),
        {0: b"/nonexistent32\0"},
        None,
        'lstat64("/nonexistent32", 0xffaa4ab0) = -1 ENOENT (No such file or directory)',
    ),
    (
        "fstatat64",
        [AT_FDCWD, 0x2000, 0x3000, 0],
        0,
        {1: b"/dev/null\0"},
        {2: stat64_buf(0o20666, rdev=DEVNULL)},
        'fstatat64(AT_FDCWD, "/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), '
        "...}, 0) = 0",
    ),
    (
        "stat",
        [0x1000, 0x2000],
        0,
        {0: b"/dev/null\0"},
        {1: stat32_buf(0o20666, rdev=DEVNULL)},
        'stat("/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0',
    ),
    (
        "fstat",
        [1, 0x2000],
        0,
        None,
        {1: stat32_buf(0o100644, 0)},
        "fstat(1, {st_mode=S_IFREG|0644, st_size=0, ...}) = 0",
    ),
    (
        "fstat64",
        [3, 0x1000],
        0,
        None,
        {1: stat64_buf(0o100644)[:40]},
        "fstat64(3, 0x1000) = 0",
    ),  # short read: the address
    # --- statfs: struct statfs with 4-byte fields, struct statfs64 (84 bytes) ---
    (
        "statfs",
        [0x1000, 0x2000],
        0,
        {0: b"/\0"},
        {
            1: statfs32_buf(
                0xEF53,
                (4096, 66053021, 59443503, 19988210, 16777216, 16294204),
                (0x111E18C6, 0x89853832),
            )
        },
        'statfs("/", {f_type=EXT2_SUPER_MAGIC, f_bsize=4096, f_blocks=66053021, '
        "f_bfree=59443503, f_bavail=19988210, f_files=16777216, f_ffree=16294204, "
        "f_fsid={val=[0x111e18c6, 0x89853832]}, f_namelen=255, f_frsize=4096, "
        "f_flags=ST_VALID|ST_RELATIME}) = 0",
    ),
    (
        "fstatfs",
        [3, 0x2000],
        0,
        None,
        {1: statfs32_buf(0x9FA0, (4096, 0, 0, 0, 0, 0), (0x15, 0))},
        "fstatfs(3, {f_type=PROC_SUPER_MAGIC, f_bsize=4096, f_blocks=0, f_bfree=0, "
        "f_bavail=0, f_files=0, f_ffree=0, f_fsid={val=[0x15, 0]}, f_namelen=255, "
        "f_frsize=4096, f_flags=ST_VALID|ST_RELATIME}) = 0",
    ),
    (
        "statfs",
        [0x1000, 0xFF9C3718],
        neg(-2),
        {0: b"/nonexist\0"},
        None,
        'statfs("/nonexist", 0xff9c3718) = -1 ENOENT (No such file or directory)',
    ),
    (
        "statfs",
        [0x1000, 0],
        neg(-14),
        {0: b"/\0"},
        None,
        'statfs("/", NULL) = -1 EFAULT (Bad address)',
    ),
    (
        "statfs",
        [0, 0xFF9C3718],
        neg(-14),
        None,
        None,
        "statfs(NULL, 0xff9c3718) = -1 EFAULT (Bad address)",
    ),
    ("fstatfs", [3, 8], neg(-14), None, None, "fstatfs(3, 0x8) = -1 EFAULT (Bad address)"),
    (
        "statfs64",
        [0x1000, 84, 0x3000],
        0,
        {0: b"/\0"},
        {
            2: statfs64_buf(
                0xEF53,
                (4096, 66053021, 59443503, 19988210, 16777216, 16294204),
                (0x111E18C6, 0x89853832),
            )
        },
        'statfs64("/", 84, {f_type=EXT2_SUPER_MAGIC, f_bsize=4096, f_blocks=66053021, '
        "f_bfree=59443503, f_bavail=19988210, f_files=16777216, f_ffree=16294204, "
        "f_fsid={val=[0x111e18c6, 0x89853832]}, f_namelen=255, f_frsize=4096, "
        "f_flags=ST_VALID|ST_RELATIME}) = 0",
    ),
    (
        "fstatfs64",
        [4, 84, 0x3000],
        0,
        None,
        {
            2: statfs64_buf(
                0x01021994,
                (4096, 6170946, 6077126, 6077126, 3085473, 3085471),
                (0x13475119, 0xEE620BB0),
            )
        },
        "fstatfs64(4, 84, {f_type=TMPFS_MAGIC, f_bsize=4096, f_blocks=6170946, "
        "f_bfree=6077126, f_bavail=6077126, f_files=3085473, f_ffree=3085471, "
        "f_fsid={val=[0x13475119, 0xee620bb0]}, f_namelen=255, f_frsize=4096, "
        "f_flags=ST_VALID|ST_RELATIME}) = 0",
    ),
    (
        "statfs64",
        [0x1000, 80, 0xFF9C36C4],
        neg(-22),
        {0: b"/\0"},
        None,
        'statfs64("/", 80, 0xff9c36c4) = -1 EINVAL (Invalid argument)',
    ),
    (
        "statfs64",
        [0x1000, 84, 0],
        neg(-14),
        {0: b"/\0"},
        None,
        'statfs64("/", 84, NULL) = -1 EFAULT (Bad address)',
    ),
    (
        "fstatfs64",
        [99, 84, 0xFF9C36C4],
        neg(-9),
        None,
        None,
        "fstatfs64(99, 84, 0xff9c36c4) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "fstatfs64",
        [3, 84, 8],
        neg(-14),
        None,
        None,
        "fstatfs64(3, 84, 0x8) = -1 EFAULT (Bad address)",
    ),
    ("fstatfs64", [3, 88, 0x3000], 0, None, {2: bytes(88)}, "fstatfs64(3, 88, 0x3000) = 0"),
    ("fstatfs64", [3, 84, 0x3000], 0, None, {2: bytes(60)}, "fstatfs64(3, 84, 0x3000) = 0"),
    # --- _llseek: two offset halves, the result through a pointer ---
    (
        "_llseek",
        [3, 0, 6, 0x4000, 0],
        0,
        None,
        {3: struct.pack("<q", 6)},
        "_llseek(3, 6, [6], SEEK_SET) = 0",
    ),
    (
        "_llseek",
        [99, 1, 2, 0xFFB54F18, 2],
        neg(-9),
        None,
        None,
        "_llseek(99, 4294967298, 0xffb54f18, SEEK_END) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "_llseek",
        [4, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFB54F18, 1],
        neg(-22),
        None,
        None,
        "_llseek(4, -2, 0xffb54f18, SEEK_CUR) = -1 EINVAL (Invalid argument)",
    ),
    # --- mmap2: the last argument counts pages; 32-bit addresses returned ---
    (
        "mmap2",
        [0, 4096, 1, 2, 3, 0],
        0xF7F33000,
        None,
        None,
        "mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0xf7f33000",
    ),
    (
        "mmap2",
        [0, 4096, 1, 2, 3, 1],
        0xF7F32000,
        None,
        None,
        "mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0x1000) = 0xf7f32000",
    ),
    ("brk", [0], 0x989B000, None, None, "brk(NULL) = 0x989b000"),
    # --- struct iovec with 4-byte fields ---
    (
        "writev",
        [3, 0x1000, 2],
        12,
        {
            1: Mem(
                0x1000,
                iov32((0x5000, 6), (0x6000, 6)),
                elems=(Mem(0x5000, b"hello ", index=0), Mem(0x6000, b"world\n", index=1)),
            )
        },
        None,
        'writev(3, [{iov_base="hello ", iov_len=6}, {iov_base="world\\n", iov_len=6}], 2) = 12',
    ),
    (
        "readv",
        [3, 0x1000, 2],
        6,
        None,
        {
            1: Mem(
                0x1000,
                iov32((0x5000, 3), (0x6000, 10)),
                at_exit=True,
                elems=(Mem(0x5000, b"wor", index=0), Mem(0x6000, b"ld\n", index=1)),
            )
        },
        'readv(3, [{iov_base="wor", iov_len=3}, {iov_base="ld\\n", iov_len=10}], 2) = 6',
    ),
    # a NULL base has no buffer read: the next element keeps its own
    (
        "writev",
        [1, 0x1000, 2],
        3,
        {1: Mem(0x1000, iov32((0, 0), (0x5000, 3)), elems=(Mem(0x5000, b"abc", index=1),))},
        None,
        'writev(1, [{iov_base=NULL, iov_len=0}, {iov_base="abc", iov_len=3}], 2) = 3',
    ),
    (
        "writev",
        [1, 0x1000, 2],
        3,
        {1: Mem(0x1000, iov32((0x10, 3), (0, 0)), elems=(Mem(0x10, b"", fault=True, index=0),))},
        None,
        "writev(1, [{iov_base=0x10, iov_len=3}, {iov_base=NULL, iov_len=0}], 2) = 3",
    ),
    (
        "preadv",
        [3, 0x1000, 1, 6, 0],
        2,
        None,
        {1: Mem(0x1000, iov32((0x5000, 8)), elems=(Mem(0x5000, b"ab", index=0),))},
        'preadv(3, [{iov_base="ab", iov_len=8}], 1, 6) = 2',
    ),
    # --- process_vm_readv/writev: 4-byte iovecs, local data, remote addresses ---
    (
        "process_vm_readv",
        [5563, 0x1000, 2, 0x2000, 1, 0],
        11,
        {3: Mem(0x2000, iov32((0xFFDD09B0, 11)))},
        {
            1: Mem(
                0x1000,
                iov32((0xFFDD09AB, 5), (0xFFDD0997, 20)),
                at_exit=True,
                elems=(Mem(0xFFDD09AB, b"hello", index=0), Mem(0xFFDD0997, b" world", index=1)),
            )
        },
        'process_vm_readv(5563, [{iov_base="hello", iov_len=5}, {iov_base=" world", '
        "iov_len=20}], 2, [{iov_base=0xffdd09b0, iov_len=11}], 1, 0) = 11",
    ),
    (
        "process_vm_writev",
        [5563, 0x1000, 2, 0x2000, 2, 0],
        8,
        {
            1: Mem(
                0x1000,
                iov32((0x5000, 3), (0x6000, 5)),
                elems=(Mem(0x5000, b"abc", index=0), Mem(0x6000, b"defgh", index=1)),
            ),
            3: Mem(0x2000, iov32((0xFFDD0962, 4), (0xFFDD096A, 4))),
        },
        None,
        'process_vm_writev(5563, [{iov_base="abc", iov_len=3}, {iov_base="defgh", '
        "iov_len=5}], 2, [{iov_base=0xffdd0962, iov_len=4}, {iov_base=0xffdd096a, "
        "iov_len=4}], 2, 0) = 8",
    ),
    (
        "process_vm_readv",
        [5563, 0x1000, 2, 0x2000, 1, 1],
        neg(-22),
        {3: Mem(0x2000, iov32((0xFFDD09B0, 11)))},
        {1: Mem(0x1000, iov32((0xFFDD09AB, 5), (0xFFDD0997, 20)), at_exit=True)},
        "process_vm_readv(5563, [{iov_base=0xffdd09ab, iov_len=5}, {iov_base=0xffdd0997, "
        "iov_len=20}], 2, [{iov_base=0xffdd09b0, iov_len=11}], 1, 1) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        "process_vm_readv",
        [5563, 0x1000, 1, 8, 1, 0],
        neg(-14),
        {3: Mem(8, b"", fault=True)},
        {1: Mem(0x1000, iov32((0xFFDD09AB, 5)), at_exit=True)},
        "process_vm_readv(5563, [{iov_base=0xffdd09ab, iov_len=5}], 1, 0x8, 1, 0) = -1 "
        "EFAULT (Bad address)",
    ),
    (
        "process_vm_readv",
        [5563, 8, 1, 0x2000, 1, 0],
        neg(-14),
        {3: Mem(0x2000, iov32((0xFFDD09B0, 11)))},
        {1: Mem(8, b"", fault=True, at_exit=True)},
        "process_vm_readv(5563, 0x8, 1, [{iov_base=0xffdd09b0, iov_len=11}], 1, 0) = -1 "
        "EFAULT (Bad address)",
    ),
    (
        "process_vm_readv",
        [5563, 0, 0, 0, 0, 0],
        0,
        None,
        None,
        "process_vm_readv(5563, NULL, 0, NULL, 0, 0) = 0",
    ),
    (
        "process_vm_writev",
        [5563, 0x1000, 2, 0x2000, 1, 0],
        neg(-14),
        {
            1: Mem(
                0x1000,
                iov32((0x5000, 3), (0x6000, 5)),
                elems=(Mem(0x5000, b"abc", index=0), Mem(0x6000, b"defgh", index=1)),
            ),
            3: Mem(0x2000, iov32((8, 4))),
        },
        None,
        'process_vm_writev(5563, [{iov_base="abc", iov_len=3}, {iov_base="defgh", '
        "iov_len=5}], 2, [{iov_base=0x8, iov_len=4}], 1, 0) = -1 EFAULT (Bad address)",
    ),
    # a 32-bit count never overflows the walk: strace prints the elements it reads
    (
        "process_vm_writev",
        [5563, 0x1000, neg(-1), 0x2000, 1, 0],
        neg(-22),
        {
            1: Mem(
                0x1000,
                iov32((0x5000, 3), (0x6000, 5)),
                elems=(Mem(0x5000, b"abc", index=0), Mem(0x6000, b"defgh", index=1)),
            ),
            3: Mem(0x2000, iov32((0xFFDD0962, 4))),
        },
        None,
        'process_vm_writev(5563, [{iov_base="abc", iov_len=3}, {iov_base="defgh", '
        "iov_len=5}, ...], 4294967295, [{iov_base=0xffdd0962, iov_len=4}], 1, 0) = -1 "
        "EINVAL (Invalid argument)",
    ),
    # --- directory entries (linux_dirent64 is the same on i386; linux_dirent is not) ---
    (
        "getdents64",
        [3, 0x80ED480, 1024],
        72,
        None,
        {1: dirent64(b".") + dirent64(b"..") + dirent64(b"f")},
        "getdents64(3, 0x80ed480 /* 3 entries */, 1024) = 72",
    ),
    (
        "getdents",
        [3, 0x80ED480, 4096],
        48,
        None,
        {
            1: b"".join(
                struct.pack("<IIH", k, 0, 16) + n.ljust(6, b"\0")
                for k, n in ((1, b"."), (2, b".."), (3, b"f"))
            )
        },
        "getdents(3, 0x80ed480 /* 3 entries */, 4096) = 48",
    ),
    # --- fcntl64, fcntl: struct flock64 / flock ---
    ("fcntl64", [3, 3], 1, None, None, "fcntl64(3, F_GETFL) = 0x1 (flags O_WRONLY)"),
    ("fcntl64", [3, 2, 1], 0, None, None, "fcntl64(3, F_SETFD, FD_CLOEXEC) = 0"),
    ("fcntl64", [4, 1030, 10], 11, None, None, "fcntl64(4, F_DUPFD_CLOEXEC, 10) = 11"),
    (
        "fcntl64",
        [4, 12, 0x3000],
        0,
        None,
        {2: struct.pack("<hhqqi", 2, 0, 0, 0, 0)},
        "fcntl64(4, F_GETLK64, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0, "
        "l_pid=0}) = 0",
    ),
    (
        "fcntl64",
        [4, 13, 0x3000],
        0,
        {2: struct.pack("<hhqqi", 1, 0, 4294967296, 10, 0)},
        None,
        "fcntl64(4, F_SETLK64, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=4294967296, "
        "l_len=10}) = 0",
    ),
    (
        "fcntl",
        [4, 6, 0x3000],
        0,
        {2: struct.pack("<hhiii", 0, 1, -5, 0, 0)},
        None,
        "fcntl(4, F_SETLK, {l_type=F_RDLCK, l_whence=SEEK_CUR, l_start=-5, l_len=0}) = 0",
    ),
    ("fcntl", [4, 3], 0, None, None, "fcntl(4, F_GETFL) = 0 (flags O_RDONLY)"),
    (
        "fcntl64",
        [4, 12, 0x3000],
        neg(-9),
        None,
        None,
        "fcntl64(4, F_GETLK64, 0x3000) = -1 EBADF (Bad file descriptor)",
    ),
    # --- ioctl (int out-values have one layout) ---
    (
        "ioctl",
        [3, 0x541B, 0x3000],
        0,
        None,
        {2: struct.pack("<i", 5)},
        "ioctl(3, FIONREAD, [5]) = 0",
    ),
    # --- time: 32-bit timespec / timeval; *_time64 take the 64-bit one ---
    (
        "clock_gettime",
        [1, 0x1000],
        0,
        None,
        {1: struct.pack("<iI", 4683, 710863619)},
        "clock_gettime(CLOCK_MONOTONIC, {tv_sec=4683, tv_nsec=710863619}) = 0",
    ),
    (
        "clock_gettime64",
        [0, 0x1000],
        0,
        None,
        {1: struct.pack("<qq", 1795660128, 344692779)},
        "clock_gettime64(CLOCK_REALTIME, {tv_sec=1795660128, tv_nsec=344692779}) = 0",
    ),
    # strace -f of guest/programs/conf-sched32.c
    (
        "sched_rr_get_interval",
        [0, 0x1000],
        0,
        None,
        {1: struct.pack("<iI", 0, 100000000)},
        "sched_rr_get_interval(0, {tv_sec=0, tv_nsec=100000000}) = 0",
    ),
    (
        "sched_rr_get_interval",
        [neg(-1), 0xFFAAEC18],
        neg(-22),
        None,
        None,
        "sched_rr_get_interval(-1, 0xffaaec18) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_rr_get_interval_time64",
        [0, 0x1000],
        0,
        None,
        {1: struct.pack("<qq", 0, 100000000)},
        "sched_rr_get_interval_time64(0, {tv_sec=0, tv_nsec=100000000}) = 0",
    ),
    (
        "sched_setscheduler",
        [0, 0x40000000, 0x1000],
        0,
        {2: struct.pack("<i", 0)},
        None,
        "sched_setscheduler(0, 0x40000000 /* SCHED_??? */, [0]) = 0",
    ),
    (
        "sched_getparam",
        [0, 0xF7EFA000],
        neg(-14),
        None,
        {1: Mem(0xF7EFA000, b"", fault=True)},
        "sched_getparam(0, 0xf7efa000) = -1 EFAULT (Bad address)",
    ),
    (
        "clock_getres",
        [1, 0x1000],
        0,
        None,
        {1: struct.pack("<iI", 0, 1)},
        "clock_getres(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=1}) = 0",
    ),
    (
        "nanosleep",
        [0x1000, 0],
        0,
        {0: struct.pack("<iI", 0, 1000000)},
        None,
        "nanosleep({tv_sec=0, tv_nsec=1000000}, NULL) = 0",
    ),
    (
        "nanosleep",
        [0x1000, 0xFFB55028],
        neg(-22),
        {0: struct.pack("<iI", 0, 0xFFFFFFFF)},
        None,
        "nanosleep({tv_sec=0, tv_nsec=4294967295}, 0xffb55028) = -1 EINVAL (Invalid argument)",
    ),
    (
        "nanosleep",
        [0x1000, 0],
        neg(-22),
        {0: struct.pack("<iI", -1, 5)},
        None,
        "nanosleep({tv_sec=-1, tv_nsec=5}, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "nanosleep",
        [0x1000, 0x2000],
        neg(-4),
        {0: struct.pack("<iI", 5, 0)},
        {1: struct.pack("<iI", 4, 999)},
        "nanosleep({tv_sec=5, tv_nsec=0}, {tv_sec=4, tv_nsec=999}) = -1 EINTR "
        "(Interrupted system call)",
    ),
    (
        "clock_nanosleep",
        [1, 0, 0x1000, 0],
        0,
        {2: struct.pack("<iI", 0, 5000)},
        None,
        "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=5000}, NULL) = 0",
    ),
    (
        "gettimeofday",
        [0x1000, 0],
        0,
        None,
        {0: struct.pack("<iI", 1795660128, 345887)},
        "gettimeofday({tv_sec=1795660128, tv_usec=345887}, NULL) = 0",
    ),
    ("gettimeofday", [0, 0], 0, None, None, "gettimeofday(NULL, NULL) = 0"),
    (
        "settimeofday",
        [0x1000, 0],
        neg(-22),
        {0: struct.pack("<iI", 5, 0xFFFFFFFF)},
        None,
        "settimeofday({tv_sec=5, tv_usec=4294967295}, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "time",
        [0x1000],
        1795660141,
        None,
        {0: struct.pack("<i", 1795660141)},
        "time([1795660141 /* 2026-11-26T02:29:01+0000 */]) = 1795660141 (2026-11-26T02:29:01+0000)",
    ),
    # --- POSIX timers: i386 struct sigevent, old (32-bit) and 64-bit itimerspec ---
    (
        "timer_create",
        [1, 0x1000, 0x2000],
        0,
        {1: sigev32(42, 10, 0)},
        {2: struct.pack("<i", 0)},
        "timer_create(CLOCK_MONOTONIC, {sigev_value={sival_int=42, sival_ptr=0x2a}, "
        "sigev_signo=SIGUSR1, sigev_notify=SIGEV_SIGNAL}, [0]) = 0",
    ),
    (
        "timer_create",
        [0, 0, 0x2000],
        0,
        None,
        {2: struct.pack("<i", 1)},
        "timer_create(CLOCK_REALTIME, NULL, [1]) = 0",
    ),
    (
        "timer_create",
        [1, 0x1000, 0x2000],
        0,
        {1: sigev32(0, 0, 1)},
        {2: struct.pack("<i", 2)},
        "timer_create(CLOCK_MONOTONIC, {sigev_signo=0, sigev_notify=SIGEV_NONE}, [2]) = 0",
    ),
    (
        "timer_create",
        [1, 0x1000, 0x2000],
        0,
        {1: sigev32(0, 14, 4, 5538)},
        {2: struct.pack("<i", 3)},
        "timer_create(CLOCK_MONOTONIC, {sigev_signo=SIGALRM, sigev_notify=SIGEV_THREAD_ID, "
        "sigev_notify_thread_id=5538}, [3]) = 0",
    ),
    (
        "timer_create",
        [1, 0x1000, 0x2000],
        0,
        {1: sigev32(0, 34, 2, 0x8049000, 0x80ED000)},
        {2: struct.pack("<i", 4)},
        "timer_create(CLOCK_MONOTONIC, {sigev_signo=SIGRT_2, sigev_notify=SIGEV_THREAD, "
        "sigev_notify_function=0x8049000, sigev_notify_attributes=0x80ed000}, [4]) = 0",
    ),
    (
        "timer_create",
        [99, 0x1000, 0xFFF081A0],
        neg(-22),
        {1: sigev32(42, 10, 0)},
        None,
        "timer_create(0x63 /* CLOCK_??? */, {sigev_value={sival_int=42, sival_ptr=0x2a}, "
        "sigev_signo=SIGUSR1, sigev_notify=SIGEV_SIGNAL}, 0xfff081a0) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        "timer_create",
        [1, 8, 0xFFF081A0],
        neg(-14),
        None,
        None,
        "timer_create(CLOCK_MONOTONIC, 0x8, 0xfff081a0) = -1 EFAULT (Bad address)",
    ),
    (
        "timer_create",
        [1, 0x1000, 0x2000],
        0,
        {1: sigev32(neg(-1), 10, 0)},
        {2: struct.pack("<i", 5)},
        "timer_create(CLOCK_MONOTONIC, {sigev_value={sival_int=-1, sival_ptr=0xffffffff}, "
        "sigev_signo=SIGUSR1, sigev_notify=SIGEV_SIGNAL}, [5]) = 0",
    ),
    (
        "timer_settime",
        [0, 0, 0x1000, 0x2000],
        0,
        {2: struct.pack("<4i", 0, 0, 100, 500)},
        {3: bytes(16)},
        "timer_settime(0, 0, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=100, "
        "tv_nsec=500}}, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, "
        "tv_nsec=0}}) = 0",
    ),
    (
        "timer_settime",
        [0, 1, 0x1000, 8],
        neg(-14),
        {2: struct.pack("<4i", 0, 0, 100, 500)},
        None,
        "timer_settime(0, TIMER_ABSTIME, {it_interval={tv_sec=0, tv_nsec=0}, "
        "it_value={tv_sec=100, tv_nsec=500}}, 0x8) = -1 EFAULT (Bad address)",
    ),
    (
        "timer_settime",
        [0, 0, 0x1000, 0xFFF0813C],
        neg(-22),
        {2: struct.pack("<4i", 0, 0, 0, -1)},
        None,
        "timer_settime(0, 0, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, "
        "tv_nsec=4294967295}}, 0xfff0813c) = -1 EINVAL (Invalid argument)",
    ),
    (
        "timer_settime",
        [0, 0, 0, 0xFFF0813C],
        neg(-22),
        None,
        None,
        "timer_settime(0, 0, NULL, 0xfff0813c) = -1 EINVAL (Invalid argument)",
    ),
    (
        "timer_gettime",
        [0, 0x1000],
        0,
        None,
        {1: bytes(16)},
        "timer_gettime(0, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=0}}) = 0",
    ),
    (
        "timer_gettime",
        [0, 0],
        neg(-14),
        None,
        None,
        "timer_gettime(0, NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "timer_gettime",
        [12345, 0xFFF0813C],
        neg(-22),
        None,
        None,
        "timer_gettime(12345, 0xfff0813c) = -1 EINVAL (Invalid argument)",
    ),
    (
        "timer_settime64",
        [0, 0, 0x1000, 0x2000],
        0,
        {2: struct.pack("<4q", 1, 2, 200, 300)},
        {3: bytes(32)},
        "timer_settime64(0, 0, {it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=200, "
        "tv_nsec=300}}, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, "
        "tv_nsec=0}}) = 0",
    ),
    (
        "timer_settime64",
        [0, 0, 0x1000, 0],
        0,
        {2: struct.pack("<4q", 1, 2, 200, 300)},
        None,
        "timer_settime64(0, 0, {it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=200, "
        "tv_nsec=300}}, NULL) = 0",
    ),
    (
        "timer_gettime64",
        [0, 0x1000],
        0,
        None,
        {1: struct.pack("<4q", 1, 2, 199, 999979650)},
        "timer_gettime64(0, {it_interval={tv_sec=1, tv_nsec=2}, it_value={tv_sec=199, "
        "tv_nsec=999979650}}) = 0",
    ),
    (
        "timer_gettime64",
        [0, 8],
        neg(-14),
        None,
        None,
        "timer_gettime64(0, 0x8) = -1 EFAULT (Bad address)",
    ),
    ("timer_getoverrun", [0], 0, None, None, "timer_getoverrun(0) = 0"),
    (
        "timer_getoverrun",
        [12345],
        neg(-22),
        None,
        None,
        "timer_getoverrun(12345) = -1 EINVAL (Invalid argument)",
    ),
    ("timer_delete", [0], 0, None, None, "timer_delete(0) = 0"),
    (
        "timer_delete",
        [neg(-1)],
        neg(-22),
        None,
        None,
        "timer_delete(-1) = -1 EINVAL (Invalid argument)",
    ),
    # --- uname: new_utsname is the same; olduname is printed raw by strace ---
    (
        "uname",
        [0x1000],
        0,
        None,
        {0: b"Linux".ljust(65, b"\0") + b"vm".ljust(65 * 5, b"\0")},
        'uname({sysname="Linux", nodename="vm", ...}) = 0',
    ),
    ("olduname", [0x80ED2E0], 0, None, None, "olduname(0x80ed2e0) = 0"),
    # --- signals: struct sigaction with 4-byte handler/flags/restorer ---
    (
        "rt_sigaction",
        [10, 0x1000, 0x2000, 8],
        0,
        {1: struct.pack("<IIIQ", 1, 0x10000000, 0, USR2)},
        {2: struct.pack("<IIIQ", 0, 0, 0, 0)},
        "rt_sigaction(SIGUSR1, {sa_handler=SIG_IGN, sa_mask=[USR2], sa_flags=SA_RESTART}, "
        "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
    ),
    (
        "rt_sigaction",
        [10, 0x1000, 0x2000, 8],
        0,
        {1: struct.pack("<IIIQ", 0x8049000, 0x14000000, 0x8049010, (1 << 64) - 1)},
        {2: struct.pack("<IIIQ", 0, 0, 0, 0)},
        "rt_sigaction(SIGUSR1, {sa_handler=0x8049000, sa_mask=~[], "
        "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x8049010}, "
        "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
    ),
    (
        "rt_sigaction",
        [10, 0, 0x2000, 8],
        0,
        None,
        {
            2: struct.pack(
                "<IIIQ", 0x8049000, 0x14000000, 0x8049010, ((1 << 64) - 1) & ~(1 << 8) & ~(1 << 18)
            )
        },
        "rt_sigaction(SIGUSR1, NULL, {sa_handler=0x8049000, sa_mask=~[KILL STOP], "
        "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x8049010}, 8) = 0",
    ),
    (
        "rt_sigprocmask",
        [0, 0x1000, 0x2000, 8],
        0,
        {1: struct.pack("<Q", USR1)},
        {2: struct.pack("<Q", 0)},
        "rt_sigprocmask(SIG_BLOCK, [USR1], [], 8) = 0",
    ),
    (
        "rt_sigprocmask",
        [2, 0x1000, 0, 8],
        0,
        {1: struct.pack("<Q", (1 << 64) - 1)},
        None,
        "rt_sigprocmask(SIG_SETMASK, ~[], NULL, 8) = 0",
    ),
    (
        "sigaction",
        [12, 0x1000, 0x2000],
        0,
        {1: struct.pack("<IIII", 1, USR1, 0x10000000, 0)},
        {2: bytes(16)},
        "sigaction(SIGUSR2, {sa_handler=SIG_IGN, sa_mask=[USR1], sa_flags=SA_RESTART}, "
        "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}) = 0",
    ),
    (
        "sigprocmask",
        [0, 0x1000, 0x2000],
        0,
        {1: struct.pack("<I", USR1)},
        {2: struct.pack("<I", 0)},
        "sigprocmask(SIG_BLOCK, [USR1], []) = 0",
    ),
    # --- pidfd_send_signal: flags in hex (the siginfo_t is not decoded) ---
    (
        "pidfd_send_signal",
        [3, 10, 0, 1],
        0,
        None,
        None,
        "pidfd_send_signal(3, SIGUSR1, NULL, 0x1) = 0",
    ),
    (
        "pidfd_send_signal",
        [3, 10, 0, 0x80000000],
        neg(-22),
        None,
        None,
        "pidfd_send_signal(3, SIGUSR1, NULL, 0x80000000) = -1 EINVAL (Invalid argument)",
    ),
    (
        "pidfd_send_signal",
        [99, 10, 0, 0],
        neg(-9),
        None,
        None,
        "pidfd_send_signal(99, SIGUSR1, NULL, 0) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "pidfd_send_signal",
        [3, 10, 8, 0],
        neg(-14),
        None,
        None,
        "pidfd_send_signal(3, SIGUSR1, 0x8, 0) = -1 EFAULT (Bad address)",
    ),
    # --- socketcall: printed as the call it multiplexes ---
    (
        "socketcall",
        [1, 0x1000],
        5,
        {1: struct.pack("<III", 1, 1, 0)},
        None,
        "socket(AF_UNIX, SOCK_STREAM, 0) = 5",
    ),
    (
        "socketcall",
        [1, 0x1000],
        3,
        {1: struct.pack("<III", 2, 1, 6)},
        None,
        "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3",
    ),
    (
        "socketcall",
        [4, 0x1000],
        neg(-9),
        {1: struct.pack("<II", 99, 1)},
        None,
        "listen(99, 1) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "socketcall",
        [13, 0x1000],
        0,
        {1: struct.pack("<II", 5, 0)},
        None,
        "shutdown(5, SHUT_RD) = 0",
    ),
    (
        "socketcall",
        [99, 0xFFB54F48],
        neg(-22),
        None,
        None,
        "socketcall(99, 0xffb54f48) = -1 EINVAL (Invalid argument)",
    ),
    (
        "socketcall",
        [1, 0],
        neg(-14),
        None,
        None,
        "socketcall(SYS_SOCKET, NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "socketcall",
        [4, 0x1000],
        neg(-14),
        {1: Mem(0x1000, b"", fault=True)},
        None,
        "socketcall(SYS_LISTEN, 0x1000) = -1 EFAULT (Bad address)",
    ),
    # the inner call's own pointers are not read (strace shows the sockaddr, the data)
    (
        "socketcall",
        [2, 0x1000],
        0,
        {1: struct.pack("<III", 5, 0xFFB54F60, 110)},
        None,
        "bind(5, 0xffb54f60, 110) = 0",
    ),
    (
        "socketcall",
        [11, 0x1000],
        neg(-107),
        {1: struct.pack("<6I", 5, 0x80B0000, 2, 0, 0, 0)},
        None,
        "sendto(5, 0x80b0000, 2, 0, NULL, 0) = -1 ENOTCONN (Transport endpoint is not connected)",
    ),
    (
        "socketcall",
        [9, 0x1000],
        2,
        {1: struct.pack("<4I", 5, 0x80B0000, 2, 0x40)},
        None,
        "send(5, 0x80b0000, 2, MSG_DONTWAIT) = 2",
    ),
    # --- limits: struct rlimit with 4-byte fields; rlimit64 is shared ---
    (
        "ugetrlimit",
        [3, 0x1000],
        0,
        None,
        {1: struct.pack("<II", 8192 * 1024, 0xFFFFFFFF)},
        "ugetrlimit(RLIMIT_STACK, {rlim_cur=8192*1024, rlim_max=RLIM_INFINITY}) = 0",
    ),
    (
        "getrlimit",
        [9, 0x1000],
        0,
        None,
        {1: struct.pack("<II", 0x7FFFFFFF, 0x7FFFFFFF)},
        "getrlimit(RLIMIT_AS, {rlim_cur=2147483647, rlim_max=2147483647}) = 0",
    ),
    (
        "setrlimit",
        [4, 0x1000],
        0,
        {1: struct.pack("<II", 0, 0)},
        None,
        "setrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=0}) = 0",
    ),
    (
        "prlimit64",
        [0, 4, 0, 0x1000],
        0,
        None,
        {3: struct.pack("<QQ", 0, 0)},
        "prlimit64(0, RLIMIT_CORE, NULL, {rlim_cur=0, rlim_max=0}) = 0",
    ),
    # --- set_thread_area / get_thread_area: struct user_desc ---
    (
        "set_thread_area",
        [0x1000],
        0,
        {0: user_desc(0xFFFFFFFF, 0x989B380, 0xFFFFF, TLS_BITS)},
        {0: user_desc(12, 0x989B380, 0xFFFFF, TLS_BITS)},
        "set_thread_area({entry_number=-1, base_addr=0x989b380, limit=0x0fffff, seg_32bit=1, "
        "contents=0, read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1}) = 0 "
        "(entry_number=12)",
    ),
    (
        "set_thread_area",
        [0x1000],
        neg(-22),
        {0: user_desc(135184372, 0x809DE6E, 0x80E9000, 0)},
        None,
        "set_thread_area({entry_number=135184372, base_addr=0x809de6e, limit=0x80e9000, "
        "seg_32bit=0, contents=0, read_exec_only=0, limit_in_pages=0, seg_not_present=0, "
        "useable=0}) = -1 EINVAL (Invalid argument)",
    ),
    (
        "set_thread_area",
        [0],
        neg(-14),
        None,
        None,
        "set_thread_area(NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "get_thread_area",
        [0x1000],
        0,
        {0: user_desc(12, 0, 0, 0)},
        {0: user_desc(12, 0x91B9380, 0xFFFFF, TLS_BITS)},
        "get_thread_area({entry_number=12, base_addr=0x91b9380, limit=0x0fffff, seg_32bit=1, "
        "contents=0, read_exec_only=0, limit_in_pages=1, seg_not_present=0, useable=1}) = 0",
    ),
    (
        "get_thread_area",
        [0x1000],
        neg(-22),
        {0: user_desc(135184372, 0, 0, 0)},
        None,
        "get_thread_area({entry_number=135184372, ...}) = -1 EINVAL (Invalid argument)",
    ),
    # --- wait: int status; struct rusage with 32-bit timevals ---
    (
        "waitpid",
        [neg(-1), 0x1000, 0],
        30735,
        None,
        {1: struct.pack("<i", 3 << 8)},
        "waitpid(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0) = 30735",
    ),
    (
        "waitpid",
        [neg(-1), 0, 1],
        neg(-10),
        None,
        None,
        "waitpid(-1, NULL, WNOHANG) = -1 ECHILD (No child processes)",
    ),
    (
        "wait4",
        [neg(-1), 0x1000, 0, 0x2000],
        30736,
        None,
        {1: struct.pack("<i", 0), 3: struct.pack("<iIiI", 0, 42, 0, 0) + bytes(56)},
        "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, {ru_utime={tv_sec=0, "
        "tv_usec=42}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 30736",
    ),
    (
        "wait4",
        [neg(-1), 0, 1, 0xFFA04450],
        neg(-10),
        None,
        None,
        "wait4(-1, NULL, WNOHANG, 0xffa04450) = -1 ECHILD (No child processes)",
    ),
    # --- siginfo_t: compat_siginfo, the union at offset 12, 4-byte clocks and values ---
    (
        "waitid",
        [1, 92, 0x1000, 4, 0x2000],
        0,
        None,
        {
            2: struct.pack("<iiiiIiii", 17, 0, 1, 92, 1000, 5, 160, 4638319).ljust(128, b"\0"),
            4: struct.pack("<iIiI", 0, 42, 1, 7) + bytes(56),
        },
        "waitid(P_PID, 92, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=92, si_uid=1000, "
        "si_status=5, si_utime=160 /* 1.60 s */, si_stime=4638319 /* 46383.19 s */}, "
        "WEXITED, {ru_utime={tv_sec=0, tv_usec=42}, ru_stime={tv_sec=1, tv_usec=7}, ...}) = 0",
    ),
    (
        "waitid",
        [0, 0, 0x1000, 5, 0],
        0,
        None,
        {2: bytes(128)},
        "waitid(P_ALL, 0, {}, WNOHANG|WEXITED, NULL) = 0",
    ),
    (
        "rt_sigtimedwait",
        [0x1000, 0x2000, 0x3000, 8],
        14,
        {0: struct.pack("<Q", 0x6007), 2: struct.pack("<iI", 1, 42)},
        {1: struct.pack("<iiiiI", 14, 0, -6, 856, 0).ljust(128, b"\0")},
        "rt_sigtimedwait([HUP INT QUIT ALRM TERM], {si_signo=SIGALRM, si_code=SI_TKILL, "
        "si_pid=856, si_uid=0}, {tv_sec=1, tv_nsec=42}, 8) = 14 (SIGALRM)",
    ),
    (
        "rt_sigtimedwait_time64",
        [0x1000, 0x2000, 0x3000, 8],
        11,
        {0: struct.pack("<Q", 0x400), 2: struct.pack("<qq", 2, 5)},
        {1: struct.pack("<iiiI", 11, 0, 1, 0xDEAD).ljust(128, b"\0")},
        "rt_sigtimedwait_time64([SEGV], {si_signo=SIGSEGV, si_code=SEGV_MAPERR, "
        "si_addr=0xdead}, {tv_sec=2, tv_nsec=5}, 8) = 11 (SIGSEGV)",
    ),
    (
        "rt_sigqueueinfo",
        [77, 10, 0x1000],
        0,
        {2: struct.pack("<iiiiIi", 10, 0, -1, 77, 0, -5).ljust(128, b"\0")},
        None,
        "rt_sigqueueinfo(77, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=77, "
        "si_uid=0, si_int=-5, si_ptr=0xfffffffb}) = 0",
    ),
    (
        "rt_tgsigqueueinfo",
        [77, 78, 12, 0x1000],
        0,
        {3: struct.pack("<iiiiI", 12, 0, 0, 77, 0).ljust(128, b"\0")},
        None,
        "rt_tgsigqueueinfo(77, 78, SIGUSR2, {si_signo=SIGUSR2, si_code=SI_USER, si_pid=77, "
        "si_uid=0}) = 0",
    ),
    (
        "pidfd_send_signal",
        [3, 15, 0x1000, 0],
        0,
        {2: struct.pack("<iiiiI", 15, 0, 0, 5, 1000).ljust(128, b"\0")},
        None,
        "pidfd_send_signal(3, SIGTERM, {si_signo=SIGTERM, si_code=SI_USER, si_pid=5, "
        "si_uid=1000}, 0) = 0",
    ),
    # --- xattrs, copy_file_range, CPU masks: laid out alike (ABI_NEUTRAL) ---
    (
        "fsetxattr",
        [3, 0x2000, 0x3000, 3, 0],
        0,
        {1: b"user.k\0", 2: b"val"},
        None,
        'fsetxattr(3, "user.k", "val", 3, 0) = 0',
    ),
    (
        "setxattr",
        [0x1000, 0x2000, 0x3000, 3, 1],
        0,
        {0: b"/tmp/hd/xf\0", 1: b"user.k2\0", 2: b"v2\0"},
        None,
        'setxattr("/tmp/hd/xf", "user.k2", "v2", 3, XATTR_CREATE) = 0',
    ),
    (
        "lsetxattr",
        [0x1000, 0x2000, 0x3000, 2, 0x10],
        neg(-22),
        {0: b"/tmp/hd/xf\0", 1: b"user.k3\0", 2: b"v2"},
        None,
        'lsetxattr("/tmp/hd/xf", "user.k3", "v2", 2, 0x10 /* XATTR_??? */) '
        "= -1 EINVAL (Invalid argument)",
    ),
    (
        "getxattr",
        [0x1000, 0x2000, 0x3000, 64],
        3,
        {0: b"/tmp/hd/xf\0", 1: b"user.k\0"},
        {2: b"val"},
        'getxattr("/tmp/hd/xf", "user.k", "val", 64) = 3',
    ),
    (
        "fgetxattr",
        [3, 0x2000, 0xFFFA90F4, 64],
        neg(-61),
        {1: b"user.nokey\0"},
        None,
        'fgetxattr(3, "user.nokey", 0xfffa90f4, 64) = -1 ENODATA (No data available)',
    ),
    (
        "listxattr",
        [0x1000, 0x2000, 64],
        15,
        {0: b"/tmp/hd/xf\0"},
        {1: b"user.k\0user.k2\0"},
        'listxattr("/tmp/hd/xf", "user.k\\0user.k2\\0", 64) = 15',
    ),
    ("flistxattr", [3, 0, 0], 15, None, None, "flistxattr(3, NULL, 0) = 15"),
    ("fremovexattr", [3, 0x2000], 0, {1: b"user.k\0"}, None, 'fremovexattr(3, "user.k") = 0'),
    (
        "copy_file_range",
        [3, 0x2000, 4, 0x4000, 4, 0],
        4,
        {1: struct.pack("<q", 2), 3: struct.pack("<q", 0)},
        None,
        "copy_file_range(3, [2], 4, [0], 4, 0) = 4",
    ),
    (
        "copy_file_range",
        [3, 0, 4, 0, 4, 0],
        0,
        None,
        None,
        "copy_file_range(3, NULL, 4, NULL, 4, 0) = 0",
    ),
    (
        "sched_setaffinity",
        [0, 12, 0x3000],
        0,
        {2: struct.pack("<III", 3, 0, 0)},
        None,
        "sched_setaffinity(0, 12, [0 1]) = 0",
    ),
    (
        "sched_getaffinity",
        [0, 16, 0x3000],
        16,
        None,
        {2: struct.pack("<4I", 3, 0, 0, 0)},
        "sched_getaffinity(0, 16, [0 1]) = 16",
    ),
    (
        "sched_getaffinity",
        [0, 2, 0xFFFA90B8],
        neg(-22),
        None,
        None,
        "sched_getaffinity(0, 2, 0xfffa90b8) = -1 EINVAL (Invalid argument)",
    ),
    # --- groups: 16-bit old_gid_t, and gid_t for the *32 calls ---
    ("getgroups", [4, 0x2000], 2, None, {1: struct.pack("<HH", 0, 4)}, "getgroups(4, [0, 4]) = 2"),
    (
        "setgroups",
        [2, 0x2000],
        neg(-22),
        {1: struct.pack("<HH", 0, 0xFFFF)},
        None,
        "setgroups(2, [0, -1]) = -1 EINVAL (Invalid argument)",
    ),
    ("setgroups", [0, 0x2000], 0, {1: b""}, None, "setgroups(0, []) = 0"),
    ("getgroups32", [4, 0x2000], 0, None, {1: b""}, "getgroups32(4, []) = 0"),
    (
        "setgroups32",
        [2, 0x2000],
        neg(-22),
        {1: struct.pack("<II", 0, 0xFFFFFFFF)},
        None,
        "setgroups32(2, [0, -1]) = -1 EINVAL (Invalid argument)",
    ),
    ("getgroups32", [0, 0], 0, None, None, "getgroups32(0, NULL) = 0"),
    # --- sysinfo: struct sysinfo with 4-byte longs ---
    (
        "sysinfo",
        [0x1000],
        0,
        None,
        {
            0: struct.pack(
                "<10IH2xIII",
                2662,
                192288,
                218656,
                205088,
                6170946,
                5350197,
                112760,
                9971,
                0,
                0,
                134,
                0,
                0,
                4096,
            )
            + bytes(8)
        },
        "sysinfo({uptime=2662, loads=[192288, 218656, 205088], totalram=6170946, "
        "freeram=5350197, sharedram=112760, bufferram=9971, totalswap=0, freeswap=0, "
        "procs=134, totalhigh=0, freehigh=0, mem_unit=4096}) = 0",
    ),
    ("sysinfo", [0], neg(-14), None, None, "sysinfo(NULL) = -1 EFAULT (Bad address)"),
    ("sysinfo", [8], neg(-14), None, None, "sysinfo(0x8) = -1 EFAULT (Bad address)"),
    ("sysinfo", [0x1000], 0, None, {0: bytes(40)}, "sysinfo(0x1000) = 0"),  # short read
    # the mask a sigreturn restores, from the frame it unwinds: the plugin reads
    # rt_sigframe_ia32's uc_sigmask as blob 0, and sigframe_ia32's oldmask and extramask
    # joined as blob 1 (the other is where the other call's frame keeps it)
    (
        "rt_sigreturn",
        [],
        0,
        {0: ((1 << 11) | (1 << 32)).to_bytes(8, "little"), 1: bytes(8)},
        None,
        "rt_sigreturn({mask=[USR2 RT_1]}) = 0",
    ),
    (
        "sigreturn",
        [],
        neg(-4),
        {0: bytes(8), 1: struct.pack("<II", 1 << 12, 1 << 1)},
        None,
        "sigreturn({mask=[PIPE RT_2]}) = -1 EINTR (Interrupted system call)",
    ),
    # struct ifreq is 32 bytes for an i386 caller: its struct ifmap has 4-byte longs
    (
        "ioctl",
        [3, 0x8971, 0x3000],
        0,
        {
            2: b"eth0".ljust(16, b"\0")
            + struct.pack("<IIHBBB", 0x1000, 0x2000, 0x300, 5, 0, 1)
            + bytes(3)
        },
        None,
        'ioctl(3, SIOCSIFMAP, {ifr_name="eth0", ifr_map={mem_start=0x1000, mem_end=0x2000, '
        "base_addr=0x300, irq=0x5, dma=0, port=0x1}}) = 0",
    ),
]


@pytest.mark.parametrize(
    "name, args, ret, entry, exit_, line", CASES, ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)]
)
def test_line(name, args, ret, entry, exit_, line):
    assert render_line(call(name, args, ret, entry, exit_)) == line


def test_sigreturn_with_its_frame_unread_shows_the_stack_pointer():
    """strace's arch_sigreturn reads the frame at the stack pointer and prints that address
    when it cannot (the plugin then leaves blob 1 out)."""
    e = RawEntry(0, 0, "i386", Insn.INT80, 0xF7F00570, STK, NR["sigreturn"], (0,) * 6, WHO)
    x = RawExit(1, 0, "i386", Insn.IRETQ, 0, 0, NR["sigreturn"], WHO, user_pc=0x8049000)
    assert render_line(Syscall(e, x)) == f"sigreturn({STK:#x}) = 0"


def test_raw_rlimit_is_plain_numbers():
    # strace 6.1 -X raw, an i386 program on the host
    c = call("ugetrlimit", [3, 0x1000], 0, None, {1: struct.pack("<II", 8192 * 1024, 0xFFFFFFFF)})
    assert render_line(c, DecodeOptions(raw=True)) == (
        "ugetrlimit(0x3, {rlim_cur=8388608, rlim_max=4294967295}) = 0"
    )


def test_socketcall_json_name_is_the_inner_call():
    c = call("socketcall", [1, 0x1000], 5, {1: struct.pack("<III", 1, 1, 0)})
    assert decode.call_name(c) == "socket"
    assert decode.call_name(call("socketcall", [1, 0], -14)) == "socketcall"


@pytest.mark.parametrize(
    "name, arg, cap",
    [
        ("stat64", 1, ("buf", "exit", "c96")),
        ("fstatat64", 2, ("buf", "exit", "c96")),
        ("_llseek", 3, ("buf", "exit", "c8")),
        ("writev", 1, ("iov", "both", "a2")),
        ("readv", 1, ("iov", "exit", "a2")),
        ("clock_gettime", 1, ("buf", "exit", "c8")),
        ("clock_gettime64", 1, ("buf", "exit", "c16")),
        ("sched_rr_get_interval", 1, ("buf", "exit", "c8")),
        ("sched_rr_get_interval_time64", 1, ("buf", "exit", "c16")),
        ("rt_sigaction", 1, ("buf", "both", "c20")),
        ("rt_sigaction", 2, ("buf", "exit", "c20")),
        ("socketcall", 1, ("buf", "both", "c24")),
        ("set_thread_area", 0, ("buf", "exit", "c16")),
        ("ugetrlimit", 1, ("buf", "exit", "c8")),
        ("wait4", 3, ("buf", "exit", "c16")),
        ("sysinfo", 0, ("buf", "exit", "c64")),
        ("statfs", 1, ("buf", "exit", "c64")),
        ("timer_create", 1, ("buf", "both", "c20")),
        ("process_vm_readv", 1, ("iov", "exit", "a2")),
        ("process_vm_readv", 3, ("iov", "both", "a4")),
        ("process_vm_writev", 1, ("iov", "both", "a2")),
        ("timer_settime", 2, ("buf", "both", "c16")),
        ("timer_gettime", 1, ("buf", "exit", "c16")),
        ("timer_gettime64", 1, ("buf", "exit", "c32")),
        ("fstatfs64", 2, ("buf", "exit", "c84")),
    ],
)
def test_i386_captures(name, arg, cap):
    entries = decode.capture_entries(DecodeOptions())
    got = {
        (c.kind, c.when, c.size)
        for abi, nr, a, c in entries
        if abi == "32" and nr == NR[name] and a == arg
    }
    assert cap in got


def test_every_i386_template_names_an_i386_call():
    assert set(compat32.TEMPLATES32) <= set(NR)


U32 = 0xFFFFFFFF
leaf = st.builds(
    Mem,
    addr=st.integers(0, U32),
    data=st.binary(max_size=120),
    fault=st.booleans(),
    truncated=st.booleans(),
    at_exit=st.booleans(),
    index=st.sampled_from([0, 1, 2, 0xFFFF]),
)
mem = st.builds(
    Mem,
    addr=st.integers(0, U32),
    data=st.binary(max_size=200),
    fault=st.booleans(),
    truncated=st.booleans(),
    elems=st.lists(leaf, max_size=4).map(tuple),
)
mems = st.dictionaries(st.integers(0, 5), mem, max_size=6)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    name=st.sampled_from(sorted(compat32.TEMPLATES32)),
    args=st.lists(
        st.one_of(st.sampled_from([0, 1, 2, 12, 13, U32]), st.integers(0, U32)),
        min_size=6,
        max_size=6,
    ),
    ret=st.one_of(st.none(), st.integers(-4095, 4096), st.integers(0, U32)),
    entry=mems,
    exit_=mems,
    strsize=st.integers(0, 64),
    raw=st.booleans(),
)
def test_i386_templates_never_raise(name, args, ret, entry, exit_, strsize, raw):
    c = call(name, args, ret, entry, exit_)
    opts = DecodeOptions(strsize=strsize, raw=raw)
    out = decode_args_strict(c, opts)
    assert all(isinstance(a, str) for a in out)
    assert decode.format_return(c, opts)
    assert decode.call_name(c)
