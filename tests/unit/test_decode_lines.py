"""Exact rendered lines for crafted calls; expectations are strace 6.1 output."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.events import Mem
from vmstrace.decode import DecodeOptions, render_line

AT_FDCWD = (1 << 64) - 100
STK = 0x7FFE29C925C0
PAGE_END = 0x10001000  # the page after it is not mapped
GONE = 0x7FA329285000  # a page the program unmapped
A5 = b"aaaaa"


def stat_buf(mode: int, size: int = 0, rdev: int = 0) -> bytes:
    b = bytearray(144)
    struct.pack_into("<I", b, 24, mode)
    struct.pack_into("<Q", b, 40, rdev)
    struct.pack_into("<q", b, 48, size)
    return bytes(b)


def flock(ltype: int, whence: int = 0, start: int = 0, length: int = 0, pid: int = 0) -> bytes:
    return struct.pack("<hh4xqqi4x", ltype, whence, start, length, pid)


def statfs_buf(f_type: int, *fields: int | tuple[int, int]) -> bytes:
    """struct statfs (x86-64): f_type, f_bsize..f_ffree, f_fsid, f_namelen, f_frsize,
    f_flags, f_spare[4]."""
    sizes, fsid, rest = fields[:6], fields[6], fields[7:]
    assert isinstance(fsid, tuple)
    return struct.pack("<7Q2I3Q32x", f_type, *sizes, *fsid, *rest)


def sigevent(value: int, signo: int, notify: int, a: int = 0, b: int = 0) -> bytes:
    return struct.pack("<QiiQQ32x", value, signo, notify, a, b)


def neg(n: int) -> int:
    return n & ((1 << 64) - 1)


def iovec(*items: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<QQ", base, ln) for base, ln in items)


def sigaction_buf(handler: int, flags: int, restorer: int, mask: int) -> bytes:
    return struct.pack("<QQQQ", handler, flags, restorer, mask)


def sockaddr_in(port: int, ip: bytes) -> bytes:
    return struct.pack("<H", 2) + struct.pack(">H", port) + ip + bytes(8)


def sockaddr_un(path: bytes) -> bytes:
    return struct.pack("<H", 1) + path + b"\0" * (108 - len(path))


def utsname(*fields: bytes) -> bytes:
    return b"".join(f.ljust(65, b"\0") for f in fields)


CASES = [
    # --- files ---
    (
        "openat",
        [AT_FDCWD, 0x1000, 0o2000000],
        3,
        {1: b"/etc/hostname\0"},
        None,
        'openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3',
    ),
    (
        "openat",
        [AT_FDCWD, 0x1000, 0o1 | 0o100 | 0o1000 | 0o2000000, 0o644],
        3,
        {1: b"/tmp/orc/x.txt\0"},
        None,
        'openat(AT_FDCWD, "/tmp/orc/x.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3',
    ),
    (
        "openat",
        [AT_FDCWD, 0x1000, 2 | 0x40000000],
        4,
        {1: b"/tmp/orc/x.txt\0"},
        None,
        'openat(AT_FDCWD, "/tmp/orc/x.txt", O_RDWR|0x40000000) = 4',
    ),
    (
        "openat",
        [AT_FDCWD, 0, 0o20200001, 0o600],
        neg(-14),
        None,
        None,
        "openat(AT_FDCWD, NULL, O_WRONLY|O_TMPFILE, 0600) = -1 EFAULT (Bad address)",
    ),
    (
        "openat",
        [AT_FDCWD, 8, 0],
        neg(-14),
        {1: Mem(8, b"", fault=True)},
        None,
        "openat(AT_FDCWD, 0x8, O_RDONLY) = -1 EFAULT (Bad address)",
    ),
    (
        "openat",
        [3, 0x1000, 0o100, 0],
        neg(-20),
        {1: b"x\0"},
        None,
        'openat(3, "x", O_RDONLY|O_CREAT, 000) = -1 ENOTDIR (Not a directory)',
    ),
    (
        "open",
        [0x1000, 2 | 0o100 | 0o200 | 0o2000 | 0o4000, 0o600],
        5,
        {0: b"/tmp/orc/y\0"},
        None,
        'open("/tmp/orc/y", O_RDWR|O_CREAT|O_EXCL|O_APPEND|O_NONBLOCK, 0600) = 5',
    ),
    (
        "open",
        [0x1000, 0x80000 | 0o100000],
        6,
        {0: b"/etc/hostname\0"},
        None,
        'open("/etc/hostname", O_RDONLY|O_LARGEFILE|O_CLOEXEC) = 6',
    ),
    ("close", [3], 0, None, None, "close(3) = 0"),
    ("close", [neg(-1)], neg(-9), None, None, "close(-1) = -1 EBADF (Bad file descriptor)"),
    (
        "close",
        [0x7FFFFFFF],
        neg(-9),
        None,
        None,
        "close(2147483647) = -1 EBADF (Bad file descriptor)",
    ),
    ("dup", [0xFFFFFFFF00000001], 7, None, None, "dup(1) = 7"),
    (
        "stat",
        [0x1000, STK],
        0,
        {0: b"/etc/hostname\0"},
        {1: stat_buf(0o100755, 3)},
        'stat("/etc/hostname", {st_mode=S_IFREG|0755, st_size=3, ...}) = 0',
    ),
    (
        "lstat",
        [0x1000, 0x7FFF7190F720],
        neg(-2),
        {0: b"/nonexist\0"},
        None,
        'lstat("/nonexist", 0x7fff7190f720) = -1 ENOENT (No such file or directory)',
    ),
    (
        "fstat",
        [1, STK],
        0,
        None,
        {1: stat_buf(0o20666, rdev=0x103)},
        "fstat(1, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0",
    ),
    (  # a pseudo-terminal: C's %#x prints a zero minor as 0, not 0x0
        "fstat",
        [0, STK],
        0,
        None,
        {1: stat_buf(0o20600, rdev=0x8800)},
        "fstat(0, {st_mode=S_IFCHR|0600, st_rdev=makedev(0x88, 0), ...}) = 0",
    ),
    (
        "newfstatat",
        [3, 0x1000, STK, 0x1000],
        0,
        {1: b"\0"},
        {2: stat_buf(0o100644, 48071)},
        'newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=48071, ...}, AT_EMPTY_PATH) = 0',
    ),
    (
        "newfstatat",
        [AT_FDCWD, 0x1000, STK, 0],
        0,
        {1: b"/tmp\0"},
        {2: stat_buf(0o41777, 4096)},
        'newfstatat(AT_FDCWD, "/tmp", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}, 0) = 0',
    ),
    ("access", [0x1000, 6], 0, {0: b"/etc/passwd\0"}, None, 'access("/etc/passwd", R_OK|W_OK) = 0'),
    (
        "access",
        [0x1000, 0],
        neg(-2),
        {0: b"/etc/ld.so.preload\0"},
        None,
        'access("/etc/ld.so.preload", F_OK) = -1 ENOENT (No such file or directory)',
    ),
    (
        "faccessat",
        [AT_FDCWD, 0x1000, 2],
        0,
        {1: b"/etc\0"},
        None,
        'faccessat(AT_FDCWD, "/etc", W_OK) = 0',
    ),
    ("lseek", [3, neg(-3), 2], 0, None, None, "lseek(3, -3, SEEK_END) = 0"),
    (
        "lseek",
        [1, 5, 7],
        neg(-22),
        None,
        None,
        "lseek(1, 5, 0x7 /* SEEK_??? */) = -1 EINVAL (Invalid argument)",
    ),
    ("mkdir", [0x1000, 0o755], 0, {0: b"/tmp/orc/d\0"}, None, 'mkdir("/tmp/orc/d", 0755) = 0'),
    (
        "mkdirat",
        [AT_FDCWD, 0x1000, 0o1777],
        0,
        {1: b"d2\0"},
        None,
        'mkdirat(AT_FDCWD, "d2", 01777) = 0',
    ),
    (
        "unlinkat",
        [AT_FDCWD, 0x1000, 0x200],
        0,
        {1: b"d2\0"},
        None,
        'unlinkat(AT_FDCWD, "d2", AT_REMOVEDIR) = 0',
    ),
    (
        "renameat",
        [AT_FDCWD, 0x1000, 5, 0x2000],
        neg(-20),
        {1: b"a\0", 3: b"b\0"},
        None,
        'renameat(AT_FDCWD, "a", 5, "b") = -1 ENOTDIR (Not a directory)',
    ),
    (
        "rename",
        [0x1000, 0x2000],
        0,
        {0: b"/tmp/orc/x.txt\0", 1: b"/tmp/orc/x2.txt\0"},
        None,
        'rename("/tmp/orc/x.txt", "/tmp/orc/x2.txt") = 0',
    ),
    ("getcwd", [STK, 256], 5, None, {0: b"/tmp\0"}, 'getcwd("/tmp", 256) = 5'),
    (
        "getcwd",
        [STK, 1],
        neg(-34),
        None,
        None,
        "getcwd(0x7ffe29c925c0, 1) = -1 ERANGE (Numerical result out of range)",
    ),
    (
        "readlink",
        [0x1000, STK, 256],
        10,
        {0: b"/proc/self/exe\0"},
        {1: b"/tmp/orc/t"},
        'readlink("/proc/self/exe", "/tmp/orc/t", 256) = 10',
    ),
    (
        "readlinkat",
        [AT_FDCWD, 0x1000, STK, 10],
        neg(-2),
        {1: b"/nonexist\0"},
        None,
        'readlinkat(AT_FDCWD, "/nonexist", 0x7ffe29c925c0, 10) = -1 ENOENT '
        "(No such file or directory)",
    ),
    (
        "pipe2",
        [STK, 0o4000 | 0o2000000],
        0,
        None,
        {0: struct.pack("<ii", 8, 9)},
        "pipe2([8, 9], O_NONBLOCK|O_CLOEXEC) = 0",
    ),
    ("pipe", [STK], 0, None, {0: struct.pack("<ii", 3, 4)}, "pipe([3, 4]) = 0"),
    ("dup3", [1, 11, 0o2000000], 11, None, None, "dup3(1, 11, O_CLOEXEC) = 11"),
    (
        "fcntl",
        [1, 3],
        0x8001,
        None,
        None,
        "fcntl(1, F_GETFL) = 0x8001 (flags O_WRONLY|O_LARGEFILE)",
    ),
    ("fcntl", [1, 2, 1], 0, None, None, "fcntl(1, F_SETFD, FD_CLOEXEC) = 0"),
    ("fcntl", [1, 1030, 20], 20, None, None, "fcntl(1, F_DUPFD_CLOEXEC, 20) = 20"),
    ("fcntl", [1, 1], 1, None, None, "fcntl(1, F_GETFD) = 0x1 (flags FD_CLOEXEC)"),
    ("fcntl", [3, 1], 0, None, None, "fcntl(3, F_GETFD) = 0"),
    ("fcntl", [8, 4, 0o4000], 0, None, None, "fcntl(8, F_SETFL, O_RDONLY|O_NONBLOCK) = 0"),
    (
        "fcntl",
        [1, 99, 5],
        neg(-22),
        None,
        None,
        "fcntl(1, 0x63 /* F_??? */, 0x5) = -1 EINVAL (Invalid argument)",
    ),
    (
        "fcntl",
        [3, 5, STK],
        0,
        {2: flock(1)},
        {2: flock(2)},
        "fcntl(3, F_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0, l_pid=0}) = 0",
    ),
    (
        "fcntl",
        [3, 6, STK],
        0,
        {2: flock(1, 1, 10, -5)},
        None,
        "fcntl(3, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_CUR, l_start=10, l_len=-5}) = 0",
    ),
    (
        "fcntl",
        [3, 7, STK],
        0,
        {2: flock(2, 2, 0, 100)},
        None,
        "fcntl(3, F_SETLKW, {l_type=F_UNLCK, l_whence=SEEK_END, l_start=0, l_len=100}) = 0",
    ),
    (
        "fcntl",
        [3, 6, STK],
        neg(-22),
        {2: flock(7, 9, 0, 100)},
        None,
        "fcntl(3, F_SETLK, {l_type=0x7 /* F_??? */, l_whence=0x9 /* SEEK_??? */, l_start=0, "
        "l_len=100}) = -1 EINVAL (Invalid argument)",
    ),
    ("fcntl", [3, 5, 0], neg(-14), None, None, "fcntl(3, F_GETLK, NULL) = -1 EFAULT (Bad address)"),
    (
        "fcntl",
        [3, 6, 8],
        neg(-14),
        {2: Mem(8, b"", fault=True)},
        None,
        "fcntl(3, F_SETLK, 0x8) = -1 EFAULT (Bad address)",
    ),
    (
        "fcntl",
        [neg(-1), 5, 0x7FFC8DF50D80],
        neg(-9),
        {2: flock(0)},
        {2: flock(0)},
        "fcntl(-1, F_GETLK, 0x7ffc8df50d80) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "fcntl",
        [3, 36, STK],
        0,
        {2: flock(0)},
        {2: flock(2)},
        "fcntl(3, F_OFD_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0, "
        "l_pid=0}) = 0",
    ),
    (
        "fcntl",
        [3, 38, STK],
        0,
        {2: flock(1)},
        None,
        "fcntl(3, F_OFD_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0",
    ),
    (
        "fcntl",
        [3, 15, STK],
        0,
        {2: struct.pack("<ii", 1, 7466)},
        None,
        "fcntl(3, F_SETOWN_EX, {type=F_OWNER_PID, pid=7466}) = 0",
    ),
    (
        "fcntl",
        [3, 16, STK],
        0,
        None,
        {2: struct.pack("<ii", 1, 7466)},
        "fcntl(3, F_GETOWN_EX, {type=F_OWNER_PID, pid=7466}) = 0",
    ),
    (
        "fcntl",
        [3, 15, STK],
        neg(-22),
        {2: struct.pack("<ii", 9, 0)},
        None,
        "fcntl(3, F_SETOWN_EX, {type=0x9 /* F_OWNER_??? */, pid=0}) = -1 EINVAL (Invalid argument)",
    ),
    (
        "fcntl",
        [3, 16, 0],
        neg(-14),
        None,
        None,
        "fcntl(3, F_GETOWN_EX, NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "fcntl",
        [3, 17, 0x7FFC8DF50D70],
        0,
        None,
        None,
        "fcntl(3, F_GETOWNER_UIDS, 0x7ffc8df50d70) = 0",
    ),
    (
        "fcntl",
        [3, 1036, 0x7FFC8DF50D68],
        0,
        None,
        None,
        "fcntl(3, 0x40c /* F_??? */, 0x7ffc8df50d68) = 0",
    ),
    (
        "fcntl",
        [3, 1029, 0xFFFFFFFFFFFFFF80],
        neg(-22),
        None,
        None,
        "fcntl(3, F_CANCELLK, 0xffffffffffffff80) = -1 EINVAL (Invalid argument)",
    ),
    (
        "fcntl",
        [3, 1026, 0x80000003],
        neg(-20),
        None,
        None,
        "fcntl(3, F_NOTIFY, DN_ACCESS|DN_MODIFY|DN_MULTISHOT) = -1 ENOTDIR (Not a directory)",
    ),
    ("fcntl", [3, 1025], 2, None, None, "fcntl(3, F_GETLEASE) = 0x2 (F_UNLCK)"),
    (
        "fcntl",
        [3, 1024, 0],
        neg(-11),
        None,
        None,
        "fcntl(3, F_SETLEASE, F_RDLCK) = -1 EAGAIN (Resource temporarily unavailable)",
    ),
    ("fcntl", [3, 10, 0], 0, None, None, "fcntl(3, F_SETSIG, 0) = 0"),
    ("fadvise64", [3, 10, 100, 1], 0, None, None, "fadvise64(3, 10, 100, POSIX_FADV_RANDOM) = 0"),
    (
        "fadvise64",
        [neg(-1), 0, 0, 4],
        neg(-9),
        None,
        None,
        "fadvise64(-1, 0, 0, POSIX_FADV_DONTNEED) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "fadvise64",
        [3, 0xFFFFFFFF, 0xFFFFFFFF, 9],
        neg(-22),
        None,
        None,
        "fadvise64(3, 4294967295, 4294967295, 0x9 /* POSIX_FADV_??? */) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        "statfs",
        [0x1000, STK],
        0,
        {0: b"/tmp\0"},
        {
            1: statfs_buf(
                0xEF53,
                4096,
                66053021,
                59964919,
                20509626,
                16777216,
                16340721,
                (0x111E18C6, 0x89853832),
                255,
                4096,
                0x1020,
            )
        },
        'statfs("/tmp", {f_type=EXT2_SUPER_MAGIC, f_bsize=4096, f_blocks=66053021, '
        "f_bfree=59964919, f_bavail=20509626, f_files=16777216, f_ffree=16340721, "
        "f_fsid={val=[0x111e18c6, 0x89853832]}, f_namelen=255, f_frsize=4096, "
        "f_flags=ST_VALID|ST_RELATIME}) = 0",
    ),
    (
        "fstatfs",
        [3, STK],
        0,
        None,
        {1: statfs_buf(0x9FA0, 4096, 0, 0, 0, 0, 0, (0x15, 0), 255, 4096, 0x1)},
        "fstatfs(3, {f_type=PROC_SUPER_MAGIC, f_bsize=4096, f_blocks=0, f_bfree=0, f_bavail=0, "
        "f_files=0, f_ffree=0, f_fsid={val=[0x15, 0]}, f_namelen=255, f_frsize=4096}) = 0",
    ),
    (
        "fstatfs",
        [3, STK],
        0,
        None,
        {1: statfs_buf(0x1234, 1, 2, 3, 4, 5, 6, (0, 0), 7, 8, 0x21)},
        "fstatfs(3, {f_type=0x1234, f_bsize=1, f_blocks=2, f_bfree=3, f_bavail=4, f_files=5, "
        "f_ffree=6, f_fsid={val=[0, 0]}, f_namelen=7, f_frsize=8, "
        "f_flags=ST_VALID|ST_RDONLY}) = 0",
    ),
    (
        "statfs",
        [0x1000, 0x7FFE611C4AA0],
        neg(-2),
        {0: b"/nonexist\0"},
        None,
        'statfs("/nonexist", 0x7ffe611c4aa0) = -1 ENOENT (No such file or directory)',
    ),
    (
        "statfs",
        [0x1000, 0],
        neg(-14),
        {0: b"/tmp\0"},
        None,
        'statfs("/tmp", NULL) = -1 EFAULT (Bad address)',
    ),
    ("fstatfs", [3, 8], neg(-14), None, None, "fstatfs(3, 0x8) = -1 EFAULT (Bad address)"),
    (
        "setxattr",
        [0x1000, 0x2000, 0x3000, 7, 1],
        0,
        {0: b"/tmp/ha/a.txt\0", 1: b"user.foo\0", 2: b"bar\0baz"},
        None,
        'setxattr("/tmp/ha/a.txt", "user.foo", "bar\\0baz", 7, XATTR_CREATE) = 0',
    ),
    (
        "lsetxattr",
        [0x1000, 0x2000, 0x3000, 40, 2],
        neg(-61),
        {0: b"/tmp/ha/a.txt\0", 1: b"user.x\0", 2: b"0123456789" * 4},
        None,
        'lsetxattr("/tmp/ha/a.txt", "user.x", "01234567890123456789012345678901"..., 40, '
        "XATTR_REPLACE) = -1 ENODATA (No data available)",
    ),
    (
        "fsetxattr",
        [3, 0x2000, 0, 0, 0],
        0,
        {1: b"user.z\0"},
        None,
        'fsetxattr(3, "user.z", NULL, 0, 0) = 0',
    ),
    (
        "fsetxattr",
        [3, 0x2000, 0x3000, 2, 4],
        neg(-22),
        {1: b"user.w\0", 2: b"v\0"},
        None,
        'fsetxattr(3, "user.w", "v", 2, 0x4 /* XATTR_??? */) = -1 EINVAL (Invalid argument)',
    ),
    (
        "setxattr",
        [0x1000, 0x2000, 8, 3, 0],
        neg(-14),
        {0: b"/tmp/ha/a.txt\0", 1: b"user.q\0", 2: Mem(8, b"", fault=True)},
        None,
        'setxattr("/tmp/ha/a.txt", "user.q", 0x8, 3, 0) = -1 EFAULT (Bad address)',
    ),
    (
        "getxattr",
        [0x1000, 0x2000, STK, 256],
        7,
        {0: b"/tmp/ha/a.txt\0", 1: b"user.foo\0"},
        {2: b"bar\0baz"},
        'getxattr("/tmp/ha/a.txt", "user.foo", "bar\\0baz", 256) = 7',
    ),
    (
        "getxattr",
        [0x1000, 0x2000, 0, 0],
        7,
        {0: b"/tmp/ha/a.txt\0", 1: b"user.foo\0"},
        None,
        'getxattr("/tmp/ha/a.txt", "user.foo", NULL, 0) = 7',
    ),
    (
        "lgetxattr",
        [0x1000, 0x2000, 0x7FFCC3FEB220, 2],
        neg(-34),
        {0: b"/tmp/ha/a.txt\0", 1: b"user.foo\0"},
        None,
        'lgetxattr("/tmp/ha/a.txt", "user.foo", 0x7ffcc3feb220, 2) = -1 ERANGE '
        "(Numerical result out of range)",
    ),
    (
        "fgetxattr",
        [3, 0x2000, STK, 256],
        1,
        {1: b"user.y\0"},
        {2: b"v"},
        'fgetxattr(3, "user.y", "v", 256) = 1',
    ),
    (
        "listxattr",
        [0x1000, STK, 256],
        23,
        {0: b"/tmp/ha/a.txt\0"},
        {1: b"user.foo\0user.y\0user.z\0"},
        'listxattr("/tmp/ha/a.txt", "user.foo\\0user.y\\0user.z\\0", 256) = 23',
    ),
    (
        "llistxattr",
        [0x1000, 0, 0],
        23,
        {0: b"/tmp/ha/a.txt\0"},
        None,
        'llistxattr("/tmp/ha/a.txt", NULL, 0) = 23',
    ),
    (
        "flistxattr",
        [neg(-1), 0x7FFCC3FEB220, 256],
        neg(-9),
        None,
        None,
        "flistxattr(-1, 0x7ffcc3feb220, 256) = -1 EBADF (Bad file descriptor)",
    ),
    ("fremovexattr", [3, 0x2000], 0, {1: b"user.y\0"}, None, 'fremovexattr(3, "user.y") = 0'),
    (
        "lremovexattr",
        [0x1000, 0],
        neg(-14),
        {0: b"/tmp/ha/a.txt\0"},
        None,
        'lremovexattr("/tmp/ha/a.txt", NULL) = -1 EFAULT (Bad address)',
    ),
    (
        "getdents64",
        [12, STK, 256],
        48,
        None,
        {
            1: struct.pack("<QqHB", 1, 1, 24, 4)
            + b".\0\0\0\0"
            + struct.pack("<QqHB", 2, 2, 24, 4)
            + b"..\0\0\0"
        },
        "getdents64(12, 0x7ffe29c925c0 /* 2 entries */, 256) = 48",
    ),
    ("umask", [0o22], 0o22, None, None, "umask(022) = 022"),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0, 0x7FF, STK],
        0,
        {1: b"/etc/hostname\0"},
        {
            4: struct.pack("<IIQIIIH", 0x17FF, 4096, 0, 1, 0, 0, 0o100755).ljust(40, b"\0")
            + struct.pack("<Q", 3)
            + bytes(208)
        },
        'statx(AT_FDCWD, "/etc/hostname", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, '
        "{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0755, "
        "stx_size=3, ...}) = 0",
    ),
    # --- io ---
    ("read", [3, STK, 100], 3, None, {1: b"vm\n"}, 'read(3, "vm\\n", 100) = 3'),
    (
        "read",
        [neg(-1), STK, 10],
        neg(-9),
        None,
        None,
        "read(-1, 0x7ffe29c925c0, 10) = -1 EBADF (Bad file descriptor)",
    ),
    ("read", [0, 0, 5], 0, None, None, "read(0, NULL, 5) = 0"),
    ("read", [0, STK, 0], 0, None, {1: b""}, 'read(0, "", 0) = 0'),
    (
        "write",
        [1, 0x1000, 20],
        20,
        {1: b'hello\n\t"\\\x01\x00xyz\xff77\x80\xff\x00'},
        None,
        'write(1, "hello\\n\\t\\"\\\\\\1\\0xyz\\37777\\200\\377\\0", 20) = 20',
    ),
    (
        "write",
        [1, 0x1000, 20],
        20,
        {1: b"\x018\x019\x017a\x7f\xff\xfe\xc3\xa9\r\v\f\b\a\x1b \x00"},
        None,
        'write(1, "\\18\\19\\0017a\\177\\377\\376\\303\\251\\r\\v\\f\\10\\7\\33 \\0", 20) = 20',
    ),
    (
        "write",
        [1, 0x1000, 40],
        40,
        {1: b"01234567890123456789012345678901"},
        None,
        'write(1, "01234567890123456789012345678901"..., 40) = 40',
    ),
    ("write", [1, 8, 5], 5, {1: Mem(8, b"", fault=True)}, None, "write(1, 0x8, 5) = 5"),
    ("write", [1, 8, 0], 0, None, None, 'write(1, "", 0) = 0'),
    ("pread64", [3, STK, 3, 1], 2, None, {1: b"m\n"}, 'pread64(3, "m\\n", 3, 1) = 2'),
    (
        "writev",
        [9, 0x1000, 2],
        11,
        {
            1: Mem(
                0x1000, iovec((0xA, 5), (0xB, 6)), elems=(Mem(0xA, b"hello"), Mem(0xB, b"world!"))
            )
        },
        None,
        'writev(9, [{iov_base="hello", iov_len=5}, {iov_base="world!", iov_len=6}], 2) = 11',
    ),
    (
        "readv",
        [8, 0x1000, 2],
        11,
        None,
        {
            1: Mem(
                0x1000,
                iovec((0xA, 3), (0xB, 20)),
                elems=(Mem(0xA, b"hel"), Mem(0xB, b"loworld!" + bytes(12))),
            ),
        },
        'readv(8, [{iov_base="hel", iov_len=3}, {iov_base="loworld!", iov_len=20}], 2) = 11',
    ),
    (
        "ioctl",
        [1, 0x5413, STK],
        neg(-25),
        None,
        None,
        "ioctl(1, TIOCGWINSZ, 0x7ffe29c925c0) = -1 ENOTTY (Inappropriate ioctl for device)",
    ),
    (
        "ioctl",
        [1, 0x5413, STK],
        0,
        None,
        {2: struct.pack("<HHHH", 24, 80, 0, 0)},
        "ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0",
    ),
    ("ioctl", [8, 0x541B, STK], 0, None, {2: b"\0\0\0\0"}, "ioctl(8, FIONREAD, [0]) = 0"),
    (  # a pseudo-terminal's settings (script(1), from strace in the guest)
        "ioctl",
        [4, 0x5401, STK],
        0,
        None,
        {2: struct.pack("<IIII", 0x500, 0x5, 0xBF, 0x8A3B) + bytes(20)},
        "ioctl(4, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR,"
        " c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE,"
        " ...}) = 0",
    ),
    (  # set at entry, under the name the code shares with a sound timer request
        "ioctl",
        [4, 0x5402, STK],
        0,
        {
            2: struct.pack(
                "<IIII",
                0x10000 | 0x4000,
                0x1800 | 0x8000 | 0x100,
                0x100F0000 | 0x1002 | 0x10 | 0x80000000,
                0,
            )
            + bytes(20)
        },
        None,
        "ioctl(4, SNDCTL_TMR_START or TCSETS, {c_iflag=IUTF8|0x10000,"
        " c_oflag=NL1|CR0|XTABS|BS0|VT0|FF1|0, c_cflag=B115200|B4000000<<IBSHIFT|CS6|CRTSCTS,"
        " c_lflag=0, ...}) = 0",
    ),
    (  # TCGETS failed: the address
        "ioctl",
        [0, 0x5401, STK],
        neg(-25),
        None,
        {2: struct.pack("<IIII", 0x500, 0x5, 0xBF, 0x8A3B) + bytes(20)},
        f"ioctl(0, TCGETS, {STK:#x}) = -1 ENOTTY (Inappropriate ioctl for device)",
    ),
    (  # struct termio: 16-bit flag words
        "ioctl",
        [0, 0x5405, STK],
        0,
        None,
        {2: struct.pack("<HHHH", 0x100, 0x5, 0xBD, 0x3B) + bytes(10)},
        "ioctl(0, TCGETA, {c_iflag=ICRNL, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR,"
        " c_cflag=B9600|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK, ...}) = 0",
    ),
    (  # struct termios2 (44 bytes)
        "ioctl",
        [0, 0x402C542B, STK],
        0,
        {2: struct.pack("<IIII", 0, 0, 0x1000 | 0x30, 0) + bytes(28)},
        None,
        "ioctl(0, TCSETS2, {c_iflag=0, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|0, c_cflag=BOTHER|CS8|0,"
        " c_lflag=0, ...}) = 0",
    ),
    (  # the entry's read faulted: the exit's
        "ioctl",
        [0, 0x5403, STK],
        0,
        {2: Mem(STK, b"", fault=True)},
        {2: struct.pack("<IIII", 0, 0, 0x30, 0) + bytes(28)},
        "ioctl(0, SNDCTL_TMR_STOP or TCSETSW, {c_iflag=0, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|0,"
        " c_cflag=B0|CS8|0, c_lflag=0, ...}) = 0",
    ),
    (  # too short to be the struct: the address
        "ioctl",
        [0, 0x5402, STK],
        0,
        {2: bytes(35)},
        None,
        f"ioctl(0, SNDCTL_TMR_START or TCSETS, {STK:#x}) = 0",
    ),
    ("ioctl", [4, 0x540E, 1], 0, None, None, "ioctl(4, TIOCSCTTY, 1) = 0"),
    ("ioctl", [4, 0x5409, 0], 0, None, None, "ioctl(4, TCSBRK, 0) = 0"),
    ("ioctl", [4, 0x540B, 2], 0, None, None, "ioctl(4, TCFLSH, TCIOFLUSH) = 0"),
    ("ioctl", [4, 0x540A, 7], 0, None, None, "ioctl(4, TCXONC, 0x7 /* TC??? */) = 0"),
    ("ioctl", [4, 0x5412, STK], 0, {2: b"ls"}, None, 'ioctl(4, TIOCSTI, "l") = 0'),
    ("ioctl", [4, 0x5419, STK], 0, None, {2: b"\1\0\0\0"}, "ioctl(4, TIOCGSOFTCAR, [1]) = 0"),
    (
        "ioctl",
        [4, 0x40049409, 3],
        neg(-95),
        None,
        None,
        "ioctl(4, BTRFS_IOC_CLONE or FICLONE, 3) = -1 EOPNOTSUPP (Operation not supported)",
    ),
    (
        "ioctl",
        [8, 0x1234ABCD, 0],
        neg(-25),
        None,
        None,
        "ioctl(8, _IOC(_IOC_NONE, 0xab, 0xcd, 0x1234), 0) = -1 ENOTTY "
        "(Inappropriate ioctl for device)",
    ),
    (
        "poll",
        [STK, 2, 0],
        1,
        None,
        {0: struct.pack("<ihhihh", 8, 1, 0, 1, 4, 4)},
        "poll([{fd=8, events=POLLIN}, {fd=1, events=POLLOUT}], 2, 0) = 1 "
        "([{fd=1, revents=POLLOUT}])",
    ),
    ("poll", [0, 0, 1], 0, None, None, "poll(NULL, 0, 1) = 0 (Timeout)"),
    (
        "select",
        [4, 0x1000, 0, 0, 0x2000],
        0,
        {1: b"\x08" + bytes(127), 4: struct.pack("<qq", 0, 100)},
        None,
        "select(4, [3], NULL, NULL, {tv_sec=0, tv_usec=100}) = 0 (Timeout)",
    ),
    (
        "pselect6",
        [9, 0x1000, 0, 0, 0x2000, 0],
        1,
        {1: b"\x02\x01" + bytes(126), 4: struct.pack("<qq", 0, 100000)},
        {1: b"\x02" + bytes(127), 4: struct.pack("<qq", 0, 97530)},
        "pselect6(9, [1 8], NULL, NULL, {tv_sec=0, tv_nsec=100000}, NULL) = 1 "
        "(in [1], left {tv_sec=0, tv_nsec=97530})",
    ),
    # --- memory ---
    (
        "mmap",
        [0, 8192, 3, 0x22, neg(-1), 0],
        0x7F3556410000,
        None,
        None,
        "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3556410000",
    ),
    (
        "mmap",
        [0x10000, 4096, 0x104, 0x1 | 0x10 | 0x20 | 0x8000 | 0x20000, neg(-1), 0],
        0x10000,
        None,
        None,
        "mmap(0x10000, 4096, PROT_EXEC|0x100, MAP_SHARED|MAP_FIXED|MAP_ANONYMOUS|MAP_POPULATE|"
        "MAP_STACK, -1, 0) = 0x10000",
    ),
    (
        "mmap",
        [0, 4096, 1, 2, 99, 0x3000],
        neg(-9),
        None,
        None,
        "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0x3000) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "mmap",
        [0x7F10D8C13000, 1400832, 5, 0x812, 3, 0x26000],
        0x7F10D8C13000,
        None,
        None,
        "mmap(0x7f10d8c13000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, "
        "3, 0x26000) = 0x7f10d8c13000",
    ),
    (
        "mprotect",
        [0x7F3556410000, 4096, 0],
        0,
        None,
        None,
        "mprotect(0x7f3556410000, 4096, PROT_NONE) = 0",
    ),
    ("munmap", [0x7F3556410000, 8192], 0, None, None, "munmap(0x7f3556410000, 8192) = 0"),
    ("brk", [0], 0x55DE979A3000, None, None, "brk(NULL) = 0x55de979a3000"),
    (
        "mremap",
        [0x7F43C4B74000, 8192, 16384, 1],
        0x7F43C4B70000,
        None,
        None,
        "mremap(0x7f43c4b74000, 8192, 16384, MREMAP_MAYMOVE) = 0x7f43c4b70000",
    ),
    # --- process ---
    (
        "clone",
        [0x01200011, 0, 0, 0x7F3556221A10, 0],
        5835,
        None,
        None,
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
        "child_tidptr=0x7f3556221a10) = 5835",
    ),
    (
        "clone",
        [0x4111, 0x56527D4ED060, 0, 0, 0],
        5884,
        None,
        None,
        "clone(child_stack=0x56527d4ed060, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = 5884",
    ),
    ("clone", [17, 0, 0, 0, 0], 5885, None, None, "clone(child_stack=NULL, flags=SIGCHLD) = 5885"),
    (
        "clone3",
        [0x1000, 88],
        5883,
        {0: struct.pack("<11Q", 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0)},
        None,
        "clone3({flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = 5883",
    ),
    # strace 6.1's own clone3 test program (vmstrace conformance strace-clone3):
    # nothing stored at a NULL parent_tid; a cgroup without CLONE_INTO_CGROUP; set_tid
    # with no size; a larger struct's non-zero and unreadable bytes
    (
        "clone3",
        [0x1000, 88],
        143,
        {0: struct.pack("<11Q", 0x100000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
        None,
        "clone3({flags=CLONE_PARENT_SETTID, parent_tid=NULL, exit_signal=0, stack=NULL, "
        "stack_size=0} => {parent_tid=NULL}, 88) = 143",
    ),
    (
        "clone3",
        [0x1000, 88],
        140,
        {0: struct.pack("<11Q", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFACEFEEDBADC0DED)},
        None,
        "clone3({flags=0, exit_signal=0, stack=NULL, stack_size=0, "
        "cgroup=18072662651680067053}, 88) = 140",
    ),
    (
        "clone3",
        [0x1000, 88],
        neg(-22),
        {0: struct.pack("<11Q", 0, 0, 0, 0, 0, 0, 0, 0, 0xFACEFEEDCAFEBABE, 0, 0)},
        None,
        "clone3({flags=0, exit_signal=0, stack=NULL, stack_size=0, set_tid=0xfacefeedcafebabe, "
        "set_tid_size=0}, 88) = -1 EINVAL (Invalid argument)",
    ),
    (
        "clone3",
        [0x1000, 96],
        neg(-7),
        {
            0: struct.pack("<11Q", 0, 0, 0, 0, 0xDEADFACE00000011, 0, 0, 0, 0, 0, 0)
            + bytes.fromhex("dec0addeedfecefa")
        },
        None,
        "clone3({flags=0, exit_signal=16045756810061152273, stack=NULL, stack_size=0, "
        '/* bytes 88..95 */ "\\xde\\xc0\\xad\\xde\\xed\\xfe\\xce\\xfa"}, 96) = '
        "-1 E2BIG (Argument list too long)",
    ),
    (
        "clone3",
        [0x1000, 104],
        neg(-14),
        {0: Mem(0x1000, bytes(88), fault=True)},
        None,
        "clone3({flags=0, exit_signal=0, stack=NULL, stack_size=0, ???}, 104) = "
        "-1 EFAULT (Bad address)",
    ),
    (
        "clone3",
        [0x7FFF7BFAD280, 1],
        neg(-22),
        None,
        None,
        "clone3(0x7fff7bfad280, 1) = -1 EINVAL (Invalid argument)",
    ),
    # strace's execveat test: pointer arrays cut by an unreadable page, no NULL read
    (
        "execve",
        [0x1000, 0x7F3BEB99E000, 0x7F3BEB99CFD8],
        neg(-14),
        {
            0: b"p\0",
            1: Mem(
                0x7F3BEB99E000,
                struct.pack("<3Q", 0xA, 0xB, 0xC),
                fault=True,
                elems=(Mem(0xA, b"x\0"), Mem(0xB, b"first\0"), Mem(0xC, b"second\0")),
            ),
            2: Mem(0x7F3BEB99CFD8, struct.pack("<5Q", 1, 2, 3, 4, 5), fault=True),
        },
        None,
        'execve("p", ["x", "first", "second", ... /* 0x7f3beb99e018 */], 0x7f3beb99cfd8 '
        "/* 5 vars, unterminated */) = -1 EFAULT (Bad address)",
    ),
    ("fork", [], 101, None, None, "fork() = 101"),
    ("vfork", [], 5836, None, None, "vfork() = 5836"),
    (
        "execve",
        [0x1000, 0x2000, 0x7FFE29C91E90],
        neg(-2),
        {
            0: b"/nonexist/x\0",
            1: Mem(
                0x2000,
                b"",
                elems=(
                    Mem(0xA, b"/nonexist/x\0"),
                    Mem(0xB, b"a b\0"),
                    Mem(0xC, b"0123456789012345678901234567890123"),
                ),
            ),
            2: Mem(0x7FFE29C91E90, struct.pack("<QQQ", 0xD, 0xE, 0)),
        },
        None,
        'execve("/nonexist/x", ["/nonexist/x", "a b", "01234567890123456789012345678901"...], '
        "0x7ffe29c91e90 /* 2 vars */) = -1 ENOENT (No such file or directory)",
    ),
    ("exit_group", [3], None, None, None, "exit_group(3) = ?"),
    ("exit", [0], None, None, None, "exit(0) = ?"),
    (
        "wait4",
        [5835, STK, 0, 0],
        5835,
        None,
        {1: struct.pack("<i", 7 << 8)},
        "wait4(5835, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 5835",
    ),
    (
        "wait4",
        [neg(-1), STK, 0x40000001, 0],
        5837,
        None,
        {1: struct.pack("<i", 9)},
        "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], WNOHANG|__WALL, NULL) = 5837",
    ),
    (
        "wait4",
        [neg(-1), 0x7FFE29C91ED4, 0, 0],
        neg(-10),
        None,
        None,
        "wait4(-1, 0x7ffe29c91ed4, 0, NULL) = -1 ECHILD (No child processes)",
    ),
    ("kill", [5834, 0], 0, None, None, "kill(5834, 0) = 0"),
    ("kill", [99999, 15], neg(-3), None, None, "kill(99999, SIGTERM) = -1 ESRCH (No such process)"),
    ("kill", [neg(-5), 64], neg(-3), None, None, "kill(-5, SIGRT_32) = -1 ESRCH (No such process)"),
    ("kill", [99999, 33], neg(-3), None, None, "kill(99999, SIGRT_1) = -1 ESRCH (No such process)"),
    ("kill", [99999, 100], neg(-3), None, None, "kill(99999, 100) = -1 ESRCH (No such process)"),
    (
        "pidfd_send_signal",
        [3, 10, 0, 0],
        0,
        None,
        None,
        "pidfd_send_signal(3, SIGUSR1, NULL, 0) = 0",
    ),
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
    ("pidfd_send_signal", [3, 0, 0, 0], 0, None, None, "pidfd_send_signal(3, 0, NULL, 0) = 0"),
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
    # the siginfo_t the caller passes (strace 6.1 on the host)
    (
        "rt_sigqueueinfo",
        [30100, 10, STK],
        0,
        {2: struct.pack("<iii4xiIQ", 10, 0, -1, 30100, 0, 0x7FFD00000007).ljust(128, b"\0")},
        None,
        "rt_sigqueueinfo(30100, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, "
        "si_uid=0, si_int=7, si_ptr=0x7ffd00000007}) = 0",
    ),
    (
        "rt_tgsigqueueinfo",
        [30100, 30100, 10, STK],
        0,
        {3: struct.pack("<iii4xiIQ", 10, 0, -1, 30100, 0, 0).ljust(128, b"\0")},
        None,
        "rt_tgsigqueueinfo(30100, 30100, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, "
        "si_pid=30100, si_uid=0}) = 0",
    ),
    (
        "rt_sigqueueinfo",
        [30100, 10, 0x10],
        neg(-14),
        {2: Mem(0x10, b"", fault=True)},
        None,
        "rt_sigqueueinfo(30100, SIGUSR1, 0x10) = -1 EFAULT (Bad address)",
    ),
    (
        "pidfd_send_signal",
        [3, 10, STK, 0],
        0,
        {2: struct.pack("<iii4xiIQ", 10, 0, -1, 30100, 0, 0xFFFFFFFB).ljust(128, b"\0")},
        None,
        "pidfd_send_signal(3, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, "
        "si_uid=0, si_int=-5, si_ptr=0xfffffffb}, 0) = 0",
    ),
    (
        "pidfd_send_signal",
        [3, 10, STK, 0],
        0,
        {2: struct.pack("<iii4xiIQ", 10, 0, 0, 30100, 0, 0x1234).ljust(128, b"\0")},
        None,
        "pidfd_send_signal(3, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_USER, si_pid=30100, "
        "si_uid=0}, 0) = 0",
    ),
    ("tgkill", [5882, 5882, 10], 0, None, None, "tgkill(5882, 5882, SIGUSR1) = 0"),
    ("getpid", [], 5834, None, None, "getpid() = 5834"),
    ("gettid", [], 5834, None, None, "gettid() = 5834"),
    ("geteuid", [], 0, None, None, "geteuid() = 0"),
    (
        "uname",
        [STK],
        0,
        None,
        {0: utsname(b"Linux", b"vm", b"6.1", b"#1", b"x86_64", b"")},
        'uname({sysname="Linux", nodename="vm", ...}) = 0',
    ),
    (
        "arch_prctl",
        [0x1002, 0x7F10D8BEA740],
        0,
        None,
        None,
        "arch_prctl(ARCH_SET_FS, 0x7f10d8bea740) = 0",
    ),
    (
        "arch_prctl",
        [0x1003, STK],
        0,
        None,
        {1: struct.pack("<Q", 0x7F3556221740)},
        "arch_prctl(ARCH_GET_FS, [0x7f3556221740]) = 0",
    ),
    (
        "set_tid_address",
        [0x7F10D8BEAA10],
        5515,
        None,
        None,
        "set_tid_address(0x7f10d8beaa10) = 5515",
    ),
    (
        "set_robust_list",
        [0x7F10D8BEAA20, 24],
        0,
        None,
        None,
        "set_robust_list(0x7f10d8beaa20, 24) = 0",
    ),
    (
        "rseq",
        [0x7F10D8BEB060, 0x20, 0, 0x53053053],
        0,
        None,
        None,
        "rseq(0x7f10d8beb060, 0x20, 0, 0x53053053) = 0",
    ),
    (
        "prlimit64",
        [0, 3, 0, STK],
        0,
        None,
        {3: struct.pack("<QQ", 8192 * 1024, (1 << 64) - 1)},
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
    ),
    (
        "prlimit64",
        [0, 4, 0x1000, 0],
        0,
        {2: struct.pack("<QQ", 20000, 20000)},
        None,
        "prlimit64(0, RLIMIT_CORE, {rlim_cur=20000, rlim_max=20000}, NULL) = 0",
    ),
    (
        "getrandom",
        [STK, 4, 1],
        4,
        None,
        {0: b"\xae\xde\x6b\x5f"},
        'getrandom("\\xae\\xde\\x6b\\x5f", 4, GRND_NONBLOCK) = 4',
    ),
    (
        "futex",
        [0x7FFE29C91ED8, 129, 1],
        0,
        None,
        None,
        "futex(0x7ffe29c91ed8, FUTEX_WAKE_PRIVATE, 1) = 0",
    ),
    (
        "futex",
        [0x7FFE29C91ED8, 128, 2, 0],
        neg(-11),
        None,
        None,
        "futex(0x7ffe29c91ed8, FUTEX_WAIT_PRIVATE, 2, NULL) = -1 EAGAIN "
        "(Resource temporarily unavailable)",
    ),
    (
        "futex",
        [0x7FFE29C91ED8, 256, 1, 0x1000],
        neg(-38),
        {3: struct.pack("<qq", 1955, 315111915)},
        None,
        "futex(0x7ffe29c91ed8, FUTEX_WAIT|FUTEX_CLOCK_REALTIME, 1, "
        "{tv_sec=1955, tv_nsec=315111915}) = -1 ENOSYS (Function not implemented)",
    ),
    ("sched_yield", [], 0, None, None, "sched_yield() = 0"),
    # --- signals ---
    (
        "rt_sigaction",
        [12, 0x1000, 0, 8],
        0,
        {1: sigaction_buf(0x55DE6E395599, 0x14000000, 0x7F3556260050, 1 << 9)},
        None,
        "rt_sigaction(SIGUSR2, {sa_handler=0x55de6e395599, sa_mask=[USR1], "
        "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f3556260050}, NULL, 8) = 0",
    ),
    (
        "rt_sigaction",
        [2, 0, STK, 8],
        0,
        None,
        {2: sigaction_buf(0, 0, 0, 0)},
        "rt_sigaction(SIGINT, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
    ),
    (
        "rt_sigprocmask",
        [0, 0x1000, STK, 8],
        0,
        {1: struct.pack("<Q", (1 << 8) | (1 << 16) | (1 << 35))},
        {2: bytes(8)},
        "rt_sigprocmask(SIG_BLOCK, [KILL CHLD RT_4], [], 8) = 0",
    ),
    (
        "rt_sigprocmask",
        [0, 0x1000, STK, 8],
        0,
        {1: struct.pack("<Q", ((1 << 64) - 1) & ~(3 << 31))},
        {2: bytes(8)},
        "rt_sigprocmask(SIG_BLOCK, ~[RTMIN RT_1], [], 8) = 0",
    ),
    (
        "rt_sigprocmask",
        [2, 0x1000, 0, 8],
        0,
        {1: bytes(8)},
        None,
        "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0",
    ),
    ("rt_sigreturn", [], 42, None, None, "rt_sigreturn() = 42"),
    # --- time ---
    (
        "clock_nanosleep",
        [0, 0, 0x1000, 0],
        0,
        {2: struct.pack("<qq", 0, 1000)},
        None,
        "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1000}, NULL) = 0",
    ),
    (
        "clock_nanosleep",
        [0, 1, 0x1000, 0],
        0,
        {2: struct.pack("<qq", 1, 0)},
        None,
        "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0",
    ),
    (
        "nanosleep",
        [0x1000, 0x7FFF7190F6F0],
        0,
        {0: struct.pack("<qq", 0, 1000)},
        None,
        "nanosleep({tv_sec=0, tv_nsec=1000}, 0x7fff7190f6f0) = 0",
    ),
    (
        "clock_gettime",
        [1, STK],
        0,
        None,
        {1: struct.pack("<qq", 1955, 314964165)},
        "clock_gettime(CLOCK_MONOTONIC, {tv_sec=1955, tv_nsec=314964165}) = 0",
    ),
    # --- network ---
    (
        "socket",
        [2, 1 | 0o2000000, 6],
        13,
        None,
        None,
        "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 13",
    ),
    ("socket", [1, 2, 0], 14, None, None, "socket(AF_UNIX, SOCK_DGRAM, 0) = 14"),
    ("socket", [10, 1, 0], 15, None, None, "socket(AF_INET6, SOCK_STREAM, IPPROTO_IP) = 15"),
    ("socket", [16, 3, 0], 16, None, None, "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 16"),
    (
        "connect",
        [13, 0x1000, 16],
        neg(-111),
        {1: sockaddr_in(80, bytes([127, 0, 0, 1]))},
        None,
        'connect(13, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, '
        "16) = -1 ECONNREFUSED (Connection refused)",
    ),
    (
        "bind",
        [14, 0x1000, 110],
        0,
        {1: sockaddr_un(b"/tmp/orc/sock")},
        None,
        'bind(14, {sa_family=AF_UNIX, sun_path="/tmp/orc/sock"}, 110) = 0',
    ),
    (
        "sendto",
        [14, 0x1000, 4, 0x40, 0x2000, 110],
        4,
        {1: b"ping", 4: sockaddr_un(b"/tmp/orc/sock")},
        None,
        'sendto(14, "ping", 4, MSG_DONTWAIT, {sa_family=AF_UNIX, sun_path="/tmp/orc/sock"}, '
        "110) = 4",
    ),
    (
        "recvfrom",
        [14, STK, 100, 0, 0x2000, 0x3000],
        4,
        {5: struct.pack("<I", 110)},
        {1: b"ping", 4: sockaddr_un(b"/tmp/orc/sock")[:16], 5: struct.pack("<I", 16)},
        'recvfrom(14, "ping", 100, 0, {sa_family=AF_UNIX, sun_path="/tmp/orc/sock"}, '
        "[110 => 16]) = 4",
    ),
    (
        "recvfrom",
        [14, STK, 100, 0x40, 0, 0],
        neg(-11),
        None,
        None,
        "recvfrom(14, 0x7ffe29c925c0, 100, MSG_DONTWAIT, NULL, NULL) = -1 EAGAIN "
        "(Resource temporarily unavailable)",
    ),
    (
        "accept",
        [15, 0, 0],
        neg(-22),
        None,
        None,
        "accept(15, NULL, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "accept4",
        [15, 0x7FFE29C91EE0, 0x3000, 0o4000],
        neg(-22),
        {2: struct.pack("<I", 110)},
        None,
        "accept4(15, 0x7ffe29c91ee0, [110], SOCK_NONBLOCK) = -1 EINVAL (Invalid argument)",
    ),
    (
        "copy_file_range",
        [3, 0x1000, 4, 0x2000, 5, 0],
        5,
        {1: struct.pack("<q", 2), 3: struct.pack("<q", 0)},
        None,
        "copy_file_range(3, [2], 4, [0], 5, 0) = 5",
    ),
    (
        "copy_file_range",
        [3, 0, 4, 0, 5, 0],
        0,
        None,
        None,
        "copy_file_range(3, NULL, 4, NULL, 5, 0) = 0",
    ),
    (
        "copy_file_range",
        [3, 0x1000, 4, 0, 5, 1],
        neg(-22),
        {1: struct.pack("<q", 7)},
        None,
        "copy_file_range(3, [7], 4, NULL, 5, 1) = -1 EINVAL (Invalid argument)",
    ),
    (
        "copy_file_range",
        [3, 8, 4, 0x2000, 5, 0],
        neg(-14),
        {1: Mem(8, b"", fault=True), 3: struct.pack("<q", 5)},
        None,
        "copy_file_range(3, 0x8, 4, [5], 5, 0) = -1 EFAULT (Bad address)",
    ),
    (
        "process_vm_readv",
        [19130, 0x1000, 2, 0x2000, 2, 0],
        13,
        {3: Mem(0x2000, iovec((0x7FFCC3FEB160, 10), (0x7FFCC3FEB138, 3)))},
        {
            1: Mem(
                0x1000, iovec((0xA, 8), (0xB, 8)), elems=(Mem(0xA, b"remote d"), Mem(0xB, b"atxyz"))
            )
        },
        'process_vm_readv(19130, [{iov_base="remote d", iov_len=8}, {iov_base="atxyz", '
        "iov_len=8}], 2, [{iov_base=0x7ffcc3feb160, iov_len=10}, {iov_base=0x7ffcc3feb138, "
        "iov_len=3}], 2, 0) = 13",
    ),
    (
        "process_vm_readv",
        [999999, 0x1000, 1, 0x2000, 1, 0],
        neg(-3),
        {3: Mem(0x2000, iovec((0x7FFCC3FEB160, 10)))},
        {1: Mem(0x1000, iovec((0x7FFCC3FEB140, 8)), elems=(Mem(0x7FFCC3FEB140, b"x" * 8),))},
        "process_vm_readv(999999, [{iov_base=0x7ffcc3feb140, iov_len=8}], 1, "
        "[{iov_base=0x7ffcc3feb160, iov_len=10}], 1, 0) = -1 ESRCH (No such process)",
    ),
    (
        "process_vm_readv",
        [19130, 0, 0, 0, 0, 0],
        0,
        None,
        None,
        "process_vm_readv(19130, NULL, 0, NULL, 0, 0) = 0",
    ),
    (
        "process_vm_readv",
        [19130, 8, 1, 0x2000, 1, 0],
        neg(-14),
        {3: Mem(0x2000, iovec((0x7FFCC3FEB160, 10)))},
        {1: Mem(8, b"", fault=True)},
        "process_vm_readv(19130, 0x8, 1, [{iov_base=0x7ffcc3feb160, iov_len=10}], 1, 0) = -1 "
        "EFAULT (Bad address)",
    ),
    (
        "process_vm_writev",
        [19130, 0x1000, 1, 0x2000, 1, 0],
        5,
        {
            1: Mem(0x1000, iovec((0xA, 5)), elems=(Mem(0xA, b"remot"),)),
            3: Mem(0x2000, iovec((0x7FFCC3FEB140, 5))),
        },
        None,
        'process_vm_writev(19130, [{iov_base="remot", iov_len=5}], 1, '
        "[{iov_base=0x7ffcc3feb140, iov_len=5}], 1, 0) = 5",
    ),
    (
        "process_vm_writev",
        [19130, 0x1000, 1, 8, 1, 0],
        neg(-14),
        {1: Mem(0x1000, iovec((0xA, 5)), elems=(Mem(0xA, b"remot"),)), 3: Mem(8, b"", fault=True)},
        None,
        'process_vm_writev(19130, [{iov_base="remot", iov_len=5}], 1, 0x8, 1, 0) = -1 EFAULT '
        "(Bad address)",
    ),
    (
        "wait4",
        [23777, 0x7FFD78EA6D48, 1, 0x7FFD78EA6CB0],
        0,
        None,
        {1: struct.pack("<i", 0x1234), 3: bytes(32)},
        "wait4(23777, 0x7ffd78ea6d48, WNOHANG, 0x7ffd78ea6cb0) = 0",
    ),
    (
        "wait4",
        [23777, 0x1000, 0, 0x2000],
        23777,
        None,
        {1: struct.pack("<i", 0x300), 3: struct.pack("<4q", 0, 247, 0, 0)},
        "wait4(23777, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, {ru_utime={tv_sec=0, "
        "tv_usec=247}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 23777",
    ),
    (
        "clock_nanosleep",
        [1, 1, 0x1000, 0x7FFD78EA6C90],
        0,
        {2: struct.pack("<qq", 261, 275268099)},
        {3: struct.pack("<qq", 7, 7)},
        "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=261, tv_nsec=275268099}, "
        "0x7ffd78ea6c90) = 0",
    ),
    (
        "clock_nanosleep",
        [1, 1, 0x1000, 0x7FFD78EA6C90],
        neg(-514),
        {2: struct.pack("<qq", 266, 275268099)},
        {3: struct.pack("<qq", 7, 7)},
        "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=266, tv_nsec=275268099}, "
        "0x7ffd78ea6c90) = ? ERESTARTNOHAND (To be restarted if no handler)",
    ),
    (
        "clock_nanosleep",
        [1, 0, 0x1000, 0x2000],
        neg(-516),
        {2: struct.pack("<qq", 5, 1000)},
        {3: struct.pack("<qq", 4, 49480)},
        "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=5, tv_nsec=1000}, {tv_sec=4, "
        "tv_nsec=49480}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)",
    ),
    (
        "clock_nanosleep",
        [1, 0, 0x1000, 0x7FFD78EA6C90],
        neg(-22),
        {2: struct.pack("<qq", -1, 1000)},
        {3: struct.pack("<qq", 7, 7)},
        "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=-1, tv_nsec=1000}, 0x7ffd78ea6c90) = -1 "
        "EINVAL (Invalid argument)",
    ),
    (
        "select",
        [neg(-1), 0x7FFD78EA6C00, 0x7FFD78EA6C00, 0, 0x2000],
        neg(-22),
        {1: b"\x03" + bytes(127), 2: b"\x03" + bytes(127), 4: bytes(16)},
        None,
        "select(-1, 0x7ffd78ea6c00, 0x7ffd78ea6c00, NULL, {tv_sec=0, tv_usec=0}) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        "select",
        [2, 0x1000, 0, 0, 0x2000],
        2,
        {1: b"\x03" + bytes(127), 4: bytes(16)},
        {1: b"\x03" + bytes(127), 4: bytes(16)},
        "select(2, [0 1], NULL, NULL, {tv_sec=0, tv_usec=0}) = 2 (in [0 1], "
        "left {tv_sec=0, tv_usec=0})",
    ),
    (
        "pselect6",
        [neg(-1), 0x7FFD78EA6C00, 0, 0, 0x2000, 0],
        neg(-22),
        {1: b"\x03" + bytes(127), 4: bytes(16)},
        None,
        "pselect6(-1, 0x7ffd78ea6c00, NULL, NULL, {tv_sec=0, tv_nsec=0}, NULL) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        "epoll_ctl",
        [3, 2, 0, 0x7FFD78EA6BD4],
        neg(-1),
        {3: struct.pack("<IQ", 1, 5)},
        None,
        "epoll_ctl(3, EPOLL_CTL_DEL, 0, 0x7ffd78ea6bd4) = -1 EPERM (Operation not permitted)",
    ),
    (
        "epoll_ctl",
        [3, 2, 0, 0],
        neg(-1),
        None,
        None,
        "epoll_ctl(3, EPOLL_CTL_DEL, 0, NULL) = -1 EPERM (Operation not permitted)",
    ),
    (
        "epoll_ctl",
        [3, 3, 0, 8],
        neg(-14),
        {3: Mem(8, b"", fault=True)},
        None,
        "epoll_ctl(3, EPOLL_CTL_MOD, 0, 0x8) = -1 EFAULT (Bad address)",
    ),
    (
        "epoll_ctl",
        [3, 9, 0, 0x1000],
        neg(-1),
        {3: struct.pack("<IQ", 1, 5)},
        None,
        "epoll_ctl(3, 0x9 /* EPOLL_CTL_??? */, 0, {events=EPOLLIN, data={u32=5, u64=5}}) = -1 "
        "EPERM (Operation not permitted)",
    ),
    # --- POSIX timers ---
    (
        "timer_create",
        [1, 0x1000, STK],
        0,
        {1: sigevent(0x1234, 10, 0)},
        {2: struct.pack("<i", 0)},
        "timer_create(CLOCK_MONOTONIC, {sigev_value={sival_int=4660, sival_ptr=0x1234}, "
        "sigev_signo=SIGUSR1, sigev_notify=SIGEV_SIGNAL}, [0]) = 0",
    ),
    (
        "timer_create",
        [0, 0, STK],
        0,
        None,
        {2: struct.pack("<i", 1)},
        "timer_create(CLOCK_REALTIME, NULL, [1]) = 0",
    ),
    (
        "timer_create",
        [7, 0x1000, STK],
        0,
        {1: sigevent(0x1234, 10, 1)},
        {2: struct.pack("<i", 2)},
        "timer_create(CLOCK_BOOTTIME, {sigev_value={sival_int=4660, sival_ptr=0x1234}, "
        "sigev_signo=10, sigev_notify=SIGEV_NONE}, [2]) = 0",
    ),
    (
        "timer_create",
        [0, 0x1000, STK],
        0,
        {1: sigevent(0, 36, 4, 19130)},
        {2: struct.pack("<i", 3)},
        "timer_create(CLOCK_REALTIME, {sigev_signo=SIGRT_4, sigev_notify=SIGEV_THREAD_ID, "
        "sigev_notify_thread_id=19130}, [3]) = 0",
    ),
    (
        "timer_create",
        [0, 0x1000, STK],
        0,
        {1: sigevent(0x1234, 36, 2, 0x4000, 0x5000)},
        {2: struct.pack("<i", 4)},
        "timer_create(CLOCK_REALTIME, {sigev_value={sival_int=4660, sival_ptr=0x1234}, "
        "sigev_signo=SIGRT_4, sigev_notify=SIGEV_THREAD, sigev_notify_function=0x4000, "
        "sigev_notify_attributes=0x5000}, [4]) = 0",
    ),
    (
        "timer_create",
        [0, 0x1000, 0x7FFCC3FEB1DC],
        neg(-22),
        {1: sigevent(0x1234, 36, 9)},
        None,
        "timer_create(CLOCK_REALTIME, {sigev_value={sival_int=4660, sival_ptr=0x1234}, "
        "sigev_signo=36, sigev_notify=0x9 /* SIGEV_??? */}, 0x7ffcc3feb1dc) = -1 EINVAL "
        "(Invalid argument)",
    ),
    (
        "timer_create",
        [99, 0, 0x7FFCC3FEB1DC],
        neg(-22),
        None,
        None,
        "timer_create(0x63 /* CLOCK_??? */, NULL, 0x7ffcc3feb1dc) = -1 EINVAL (Invalid argument)",
    ),
    (
        "timer_create",
        [0, 8, 0x7FFCC3FEB1DC],
        neg(-14),
        {1: Mem(8, b"", fault=True)},
        None,
        "timer_create(CLOCK_REALTIME, 0x8, 0x7ffcc3feb1dc) = -1 EFAULT (Bad address)",
    ),
    (
        "timer_settime",
        [0, 0, 0x1000, 0x2000],
        0,
        {2: struct.pack("<4q", 1, 500, 2, 0)},
        {3: bytes(32)},
        "timer_settime(0, 0, {it_interval={tv_sec=1, tv_nsec=500}, it_value={tv_sec=2, "
        "tv_nsec=0}}, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=0}}) = 0",
    ),
    (
        "timer_settime",
        [0, 1, 0x1000, 0],
        0,
        {2: struct.pack("<4q", 1, 500, 347, 740705966)},
        None,
        "timer_settime(0, TIMER_ABSTIME, {it_interval={tv_sec=1, tv_nsec=500}, "
        "it_value={tv_sec=347, tv_nsec=740705966}}, NULL) = 0",
    ),
    (
        "timer_settime",
        [99, 0, 0, 0x7FFCC3FEB190],
        neg(-22),
        None,
        None,
        "timer_settime(99, 0, NULL, 0x7ffcc3feb190) = -1 EINVAL (Invalid argument)",
    ),
    (
        "timer_gettime",
        [0, 0x1000],
        0,
        None,
        {1: struct.pack("<4q", 1, 500, 99, 999923015)},
        "timer_gettime(0, {it_interval={tv_sec=1, tv_nsec=500}, it_value={tv_sec=99, "
        "tv_nsec=999923015}}) = 0",
    ),
    (
        "timer_gettime",
        [99, 0x7FFCC3FEB190],
        neg(-22),
        None,
        None,
        "timer_gettime(99, 0x7ffcc3feb190) = -1 EINVAL (Invalid argument)",
    ),
    (
        "timer_gettime",
        [0, 0],
        neg(-14),
        None,
        None,
        "timer_gettime(0, NULL) = -1 EFAULT (Bad address)",
    ),
    ("timer_getoverrun", [0], 0, None, None, "timer_getoverrun(0) = 0"),
    ("timer_delete", [99], neg(-22), None, None, "timer_delete(99) = -1 EINVAL (Invalid argument)"),
    # --- system information, CPU sets, groups ---
    (
        "sysinfo",
        [STK],
        0,
        None,
        {
            0: struct.pack(
                "<10QH6xQQI4x",
                221,
                41792,
                21216,
                8544,
                25276194816,
                23613251584,
                10465280,
                26320896,
                0,
                0,
                115,
                0,
                0,
                1,
            )
        },
        "sysinfo({uptime=221, loads=[41792, 21216, 8544], totalram=25276194816, "
        "freeram=23613251584, sharedram=10465280, bufferram=26320896, totalswap=0, freeswap=0, "
        "procs=115, totalhigh=0, freehigh=0, mem_unit=1}) = 0",
    ),
    ("sysinfo", [0], neg(-14), None, None, "sysinfo(NULL) = -1 EFAULT (Bad address)"),
    ("sysinfo", [8], neg(-14), None, None, "sysinfo(0x8) = -1 EFAULT (Bad address)"),
    (
        "sched_getaffinity",
        [0, 128, STK],
        32,
        None,
        {2: b"\x03" + bytes(31)},
        "sched_getaffinity(0, 128, [0 1]) = 32",
    ),
    (
        "sched_getaffinity",
        [0, 4, 0x7FFE611C4A20],
        neg(-22),
        None,
        None,
        "sched_getaffinity(0, 4, 0x7ffe611c4a20) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_getaffinity",
        [0, 8, 0],
        neg(-14),
        None,
        None,
        "sched_getaffinity(0, 8, NULL) = -1 EFAULT (Bad address)",
    ),
    (  # chrt -p: the kernel's 56 bytes (util-linux asks for them all)
        "sched_getattr",
        [94, STK, 56, 0],
        0,
        None,
        {1: struct.pack("<IIQiIQQQII", 56, 0, 0, 0, 0, 0, 0, 0, 0, 1024)},
        "sched_getattr(94, {size=56, sched_policy=SCHED_OTHER, sched_flags=0, sched_nice=0,"
        " sched_priority=0, sched_runtime=0, sched_deadline=0, sched_period=0,"
        " sched_util_min=0, sched_util_max=1024}, 56, 0) = 0",
    ),
    (  # a 48-byte buffer: the kernel says so in size, and writes no utilization clamps
        "sched_getattr",
        [0, STK, 48, 0],
        0,
        None,
        {1: struct.pack("<IIQiIQQQ", 48, 6, 0x41, -3, 0, 10, 20, 30)},
        "sched_getattr(0, {size=48, sched_policy=SCHED_DEADLINE,"
        " sched_flags=SCHED_FLAG_RESET_ON_FORK|SCHED_FLAG_UTIL_CLAMP_MAX, sched_nice=-3,"
        " sched_priority=0, sched_runtime=10, sched_deadline=20, sched_period=30}, 48, 0) = 0",
    ),
    (  # failed: the buffer is not shown
        "sched_getattr",
        [0, STK, 56, 0],
        neg(-22),
        None,
        {1: bytes(56)},
        f"sched_getattr(0, {STK:#x}, 56, 0) = -1 EINVAL (Invalid argument)",
    ),
    (  # KEEP_PARAMS: the kernel ignores the policy and the parameters, strace omits them
        "sched_setattr",
        [0, STK, 0],
        0,
        {1: struct.pack("<IIQiIQQQII", 56, 0, 0x10 | 0x80, 0, 0, 0, 0, 0, 0, 0)},
        {1: struct.pack("<I", 56)},
        "sched_setattr(0, {size=56, sched_flags=SCHED_FLAG_KEEP_PARAMS|0x80,"
        " sched_util_min=0, sched_util_max=0}, 0) = 0",
    ),
    (  # size 0 means the first version's 48 bytes; a larger struct than strace reads: ...
        "sched_setattr",
        [0, STK, 0],
        neg(-7),
        {1: struct.pack("<IIQiIQQQII", 4096, 3, 0, 0, 0, 0, 0, 0, 0, 0)},
        {1: struct.pack("<I", 56)},
        "sched_setattr(0, {size=4096, sched_policy=SCHED_BATCH, sched_flags=0, sched_nice=0,"
        " sched_priority=0, sched_runtime=0, sched_deadline=0, sched_period=0,"
        " sched_util_min=0, sched_util_max=0, ...} => {size=56}, 0)"
        " = -1 E2BIG (Argument list too long)",
    ),
    (
        "sched_setattr",
        [0, STK, 0],
        0,
        {1: struct.pack("<IIQiIQQQ", 0, 1, 0, 0, 7, 0, 0, 0)},
        None,
        "sched_setattr(0, {size=0, sched_policy=SCHED_FIFO, sched_flags=0, sched_nice=0,"
        " sched_priority=7, sched_runtime=0, sched_deadline=0, sched_period=0}, 0) = 0",
    ),
    (  # a size below the first version's: only the size
        "sched_setattr",
        [0, STK, 0],
        neg(-7),
        {1: struct.pack("<I", 20) + bytes(52)},
        {1: struct.pack("<I", 56)},
        "sched_setattr(0, {size=20} => {size=56}, 0) = -1 E2BIG (Argument list too long)",
    ),
    (  # unreadable: the address
        "sched_setattr",
        [0, STK, 0],
        neg(-14),
        {1: b""},
        None,
        f"sched_setattr(0, {STK:#x}, 0) = -1 EFAULT (Bad address)",
    ),
    (
        "sched_setaffinity",
        [0, 16, STK],
        0,
        {2: struct.pack("<QQ", 3, 0x8000000000000001)},
        None,
        "sched_setaffinity(0, 16, [0 1 64 127]) = 0",
    ),
    (
        "sched_setaffinity",
        [0, 16, STK],
        neg(-22),
        {2: bytes(16)},
        None,
        "sched_setaffinity(0, 16, []) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_setaffinity",
        [0, 5, STK],
        neg(-22),
        {2: bytes(5)},
        None,
        "sched_setaffinity(0, 5, []) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_setaffinity",
        [0, 256, STK],
        0,
        {2: b"\x03" + bytes(127)},
        None,
        "sched_setaffinity(0, 256, [0 1 ...]) = 0",
    ),
    (
        "sched_setaffinity",
        [0, 8, 0],
        neg(-14),
        None,
        None,
        "sched_setaffinity(0, 8, NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "sched_setaffinity",
        [0, 8, 8],
        neg(-14),
        {2: Mem(8, b"", fault=True)},
        None,
        "sched_setaffinity(0, 8, 0x8) = -1 EFAULT (Bad address)",
    ),
    # strace -f of guest/programs/conf-sched.c (GONE: a page it unmapped)
    ("sched_getscheduler", [0], 0, None, None, "sched_getscheduler(0) = 0 (SCHED_OTHER)"),
    ("sched_getscheduler", [0], 3, None, None, "sched_getscheduler(0) = 3 (SCHED_BATCH)"),
    # SCHED_OTHER|SCHED_RESET_ON_FORK: no strace 6.1 table names it
    ("sched_getscheduler", [0], 0x40000000, None, None, "sched_getscheduler(0) = 1073741824"),
    (
        "sched_getscheduler",
        [neg(-1)],
        neg(-22),
        None,
        None,
        "sched_getscheduler(-1) = -1 EINVAL (Invalid argument)",
    ),
    ("sched_getparam", [0, STK], 0, None, {1: struct.pack("<i", 0)}, "sched_getparam(0, [0]) = 0"),
    (
        "sched_getparam",
        [0, 0],
        neg(-22),
        None,
        None,
        "sched_getparam(0, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_getparam",
        [0, GONE],
        neg(-14),
        None,
        {1: Mem(GONE, b"", fault=True)},
        "sched_getparam(0, 0x7fa329285000) = -1 EFAULT (Bad address)",
    ),
    ("sched_setparam", [0, STK], 0, {1: struct.pack("<i", 0)}, None, "sched_setparam(0, [0]) = 0"),
    (
        "sched_setparam",
        [0, STK],
        neg(-22),
        {1: struct.pack("<i", -1)},
        None,
        "sched_setparam(0, [-1]) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_setparam",
        [0, GONE],
        neg(-14),
        {1: Mem(GONE, b"", fault=True)},
        None,
        "sched_setparam(0, 0x7fa329285000) = -1 EFAULT (Bad address)",
    ),
    (
        "sched_setscheduler",
        [0, 3, STK],
        0,
        {2: struct.pack("<i", 0)},
        None,
        "sched_setscheduler(0, SCHED_BATCH, [0]) = 0",
    ),
    (
        "sched_setscheduler",
        [0, 0x40000000, STK],
        0,
        {2: struct.pack("<i", 0)},
        None,
        "sched_setscheduler(0, 0x40000000 /* SCHED_??? */, [0]) = 0",
    ),
    (
        "sched_setscheduler",
        [0, 0xFACEDA7A, STK],
        neg(-22),
        {2: struct.pack("<i", 0)},
        None,
        "sched_setscheduler(0, 0xfaceda7a /* SCHED_??? */, [0]) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_setscheduler",
        [0, 1, 0],
        neg(-22),
        None,
        None,
        "sched_setscheduler(0, SCHED_FIFO, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_setscheduler",
        [0, 1, GONE],
        neg(-14),
        {2: Mem(GONE, b"", fault=True)},
        None,
        "sched_setscheduler(0, SCHED_FIFO, 0x7fa329285000) = -1 EFAULT (Bad address)",
    ),
    ("sched_get_priority_max", [1], 99, None, None, "sched_get_priority_max(SCHED_FIFO) = 99"),
    ("sched_get_priority_min", [2], 1, None, None, "sched_get_priority_min(SCHED_RR) = 1"),
    (
        "sched_get_priority_max",
        [4],
        neg(-22),
        None,
        None,
        "sched_get_priority_max(SCHED_ISO) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_get_priority_min",
        [neg(-1)],
        neg(-22),
        None,
        None,
        "sched_get_priority_min(0xffffffff /* SCHED_??? */) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_rr_get_interval",
        [0, STK],
        0,
        None,
        {1: struct.pack("<qq", 0, 100000000)},
        "sched_rr_get_interval(0, {tv_sec=0, tv_nsec=100000000}) = 0",
    ),
    (
        "sched_rr_get_interval",
        [0, 0],
        neg(-14),
        None,
        None,
        "sched_rr_get_interval(0, NULL) = -1 EFAULT (Bad address)",
    ),
    (
        "sched_rr_get_interval",
        [neg(-1), 0x7FFD747F50F0],
        neg(-22),
        None,
        None,
        "sched_rr_get_interval(-1, 0x7ffd747f50f0) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sched_rr_get_interval",
        [0, GONE],
        neg(-14),
        None,
        {1: Mem(GONE, b"", fault=True)},
        "sched_rr_get_interval(0, 0x7fa329285000) = -1 EFAULT (Bad address)",
    ),
    ("getgroups", [0, 0], 3, None, None, "getgroups(0, NULL) = 3"),
    (
        "getgroups",
        [64, STK],
        3,
        None,
        {1: struct.pack("<4I", 0, 4, 27, 0)},
        "getgroups(64, [0, 4, 27]) = 3",
    ),
    ("getgroups", [64, STK], 0, None, {1: bytes(16)}, "getgroups(64, []) = 0"),
    (
        "getgroups",
        [neg(-1), 0x7FFE611C4920],
        neg(-22),
        None,
        None,
        "getgroups(-1, 0x7ffe611c4920) = -1 EINVAL (Invalid argument)",
    ),
    (  # fexecve in a fresh child: the empty pathname's page not mapped at entry; the new stack's /dev/fd/3 could also be that absolute path: the address
        "execveat",
        [3, 0x1000, 0x2000, 0x3000, 0x1000],
        0,
        {
            1: Mem(0x1000, b"", fault=True),
            2: Mem(0x2000, b"", elems=(Mem(0xA, b"[kthreadd]\0"),)),
            3: Mem(0x3000, bytes(8)),
        },
        {1: Mem(0x1000, b"/dev/fd/3\0", at_exit=True)},
        'execveat(3, 0x1000, ["[kthreadd]"], 0x3000 /* 0 vars */, AT_EMPTY_PATH) = 0',
    ),
    (  # and a relative one, made /dev/fd/3/x by the kernel
        "execveat",
        [3, 0x1000, 0x2000, 0x3000, 0],
        0,
        {
            1: Mem(0x1000, b"", fault=True),
            2: Mem(0x2000, b"", elems=(Mem(0xA, b"[kthreadd]\0"),)),
            3: Mem(0x3000, bytes(8)),
        },
        {1: Mem(0x1000, b"/dev/fd/3/x\0", at_exit=True)},
        'execveat(3, 0x1000, ["[kthreadd]"], 0x3000 /* 0 vars */, 0) = 0',
    ),
    (  # read at entry: as passed
        "execveat",
        [3, 0x1000, 0x2000, 0x3000, 0x1000],
        0,
        {
            1: b"\0",
            2: Mem(0x2000, b"", elems=(Mem(0xA, b"[kthreadd]\0"),)),
            3: Mem(0x3000, bytes(8)),
        },
        {1: Mem(0x1000, b"/dev/fd/3\0", at_exit=True)},
        'execveat(3, "", ["[kthreadd]"], 0x3000 /* 0 vars */, AT_EMPTY_PATH) = 0',
    ),
    (  # an absolute pathname is the kernel's filename
        "execveat",
        [3, 0x1000, 0x2000, 0x3000, 0],
        0,
        {
            1: Mem(0x1000, b"", fault=True),
            2: Mem(0x2000, b"", elems=(Mem(0xA, b"[kthreadd]\0"),)),
            3: Mem(0x3000, bytes(8)),
        },
        {1: Mem(0x1000, b"/usr/bin/true\0", at_exit=True)},
        'execveat(3, "/usr/bin/true", ["[kthreadd]"], 0x3000 /* 0 vars */, 0) = 0',
    ),
    (  # so is any pathname with AT_FDCWD
        "execveat",
        [-100 & 0xFFFFFFFFFFFFFFFF, 0x1000, 0x2000, 0x3000, 0],
        0,
        {
            1: Mem(0x1000, b"", fault=True),
            2: Mem(0x2000, b"", elems=(Mem(0xA, b"[kthreadd]\0"),)),
            3: Mem(0x3000, bytes(8)),
        },
        {1: Mem(0x1000, b"/dev/fd/3\0", at_exit=True)},
        'execveat(AT_FDCWD, "/dev/fd/3", ["[kthreadd]"], 0x3000 /* 0 vars */, 0) = 0',
    ),
    (
        "mq_open",
        [0x1000, 0o102, 0o600, 0],
        3,
        {0: b"sysapi\0"},
        None,
        'mq_open("sysapi", O_RDWR|O_CREAT, 0600, NULL) = 3',
    ),
    (  # without O_CREAT strace prints neither mode nor attr
        "mq_open",
        [0x1000, 0o4001, 0o600, STK],
        3,
        {0: b"q\0"},
        None,
        'mq_open("q", O_WRONLY|O_NONBLOCK) = 3',
    ),
    (
        "mq_open",
        [0x1000, 0o300, 0o644, STK],
        neg(-17),
        {0: b"q\0", 3: struct.pack("<qqqq", 0, 10, 8192, 0) + bytes(32)},
        None,
        'mq_open("q", O_RDONLY|O_CREAT|O_EXCL, 0644, {mq_flags=0, mq_maxmsg=10, '
        "mq_msgsize=8192, mq_curmsgs=0}) = -1 EEXIST (File exists)",
    ),
    (
        "mq_timedsend",
        [3, STK, 4, 1, 0],
        0,
        {1: b"ping"},
        None,
        'mq_timedsend(3, "ping", 4, 1, NULL) = 0',
    ),
    (
        "mq_timedreceive",
        [3, STK, 8192, STK + 0x100, 0],
        4,
        None,
        {1: b"ping", 3: struct.pack("<I", 1)},
        'mq_timedreceive(3, "ping", 8192, [1], NULL) = 4',
    ),
    (
        "mq_getsetattr",
        [3, STK, STK + 0x100],
        0,
        {1: struct.pack("<qqqq", 0o4000, 0, 0, 0) + bytes(32)},
        {2: struct.pack("<qqqq", 0, 10, 8192, 1) + bytes(32)},
        "mq_getsetattr(3, {mq_flags=O_NONBLOCK, mq_maxmsg=0, mq_msgsize=0, mq_curmsgs=0}, "
        "{mq_flags=0, mq_maxmsg=10, mq_msgsize=8192, mq_curmsgs=1}) = 0",
    ),
    (  # strace reads the whole struct mq_attr (64 bytes) or shows its address
        "mq_open",
        [0x1000, 0o102, 0o600, STK],
        neg(-14),
        {0: b"q\0", 3: Mem(STK, struct.pack("<qqqq", 0, 10, 8192, 0) + bytes(24), fault=True)},
        None,
        f'mq_open("q", O_RDWR|O_CREAT, 0600, {STK:#x}) = -1 EFAULT (Bad address)',
    ),
    ("mq_unlink", [0x1000], 0, {0: b"sysapi\0"}, None, 'mq_unlink("sysapi") = 0'),
    ("mq_notify", [3, 0], 0, None, None, "mq_notify(3, NULL) = 0"),
    (  # from strace in the guest (strace's ipc_msg program)
        "msgctl",
        [1, 2, STK],
        0,
        None,
        {
            2: struct.pack("<iIIIII", 0, 0, 0, 0, 0, 0o600)
            + bytes(24)
            + struct.pack("<qqqQQQii", 0, 0, 1796617928, 0, 0, 16384, 0, 0)
            + bytes(16)
        },
        "msgctl(1, IPC_STAT, {msg_perm={uid=0, gid=0, mode=0600, key=0, cuid=0, cgid=0}, "
        "msg_stime=0, msg_rtime=0, msg_ctime=1796617928, msg_qnum=0, msg_qbytes=16384, "
        "msg_lspid=0, msg_lrpid=0}) = 0",
    ),
    (  # IPC_SET: what the caller passes, read at entry
        "msgctl",
        [1, 1, STK],
        0,
        {
            2: struct.pack("<iIIIII", 0, 0, 0, 0, 0, 0o600)
            + bytes(24)
            + struct.pack("<qqqQQQii", 0, 0, 0, 0, 0, 16384, 0, 0)
            + bytes(16)
        },
        None,
        "msgctl(1, IPC_SET, {msg_perm={uid=0, gid=0, mode=0600}, msg_qbytes=16384}) = 0",
    ),
    (
        "shmctl",
        [1, 3, STK],
        1,
        None,
        {2: struct.pack("<5Q", 2**64 - 16777217, 1, 4096, 4096, 2**64 - 16777217) + bytes(32)},
        "shmctl(1, IPC_INFO, {shmmax=18446744073692774399, shmmin=1, shmmni=4096, "
        "shmseg=4096, shmall=18446744073692774399}) = 1",
    ),
    (
        "shmctl",
        [1, 14, STK],
        1,
        None,
        {2: struct.pack("<i4x5Q", 2, 3918719254129679, 0, 0, 0, 0)},
        "shmctl(1, SHM_INFO, {used_ids=2, shm_tot=3918719254129679, shm_rss=0, shm_swp=0, "
        "swap_attempts=0, swap_successes=0}) = 1",
    ),
    (
        "shmctl",
        [1, 2, STK],
        0,
        None,
        {
            2: struct.pack("<iIIIII", 0, 0, 0, 0, 0, 0o600)
            + bytes(24)
            + struct.pack("<QqqqiiQ", 1, 0, 0, 1796617928, 129, 0, 0)
            + bytes(16)
        },
        "shmctl(1, IPC_STAT, {shm_perm={uid=0, gid=0, mode=0600, key=0, cuid=0, cgid=0}, "
        "shm_segsz=1, shm_cpid=129, shm_lpid=0, shm_nattch=0, shm_atime=0, shm_dtime=0, "
        "shm_ctime=1796617928}) = 1"[:-4]
        + " = 0",
    ),
    (
        "semctl",
        [0, 0, 19, STK],
        0,
        None,
        {
            3: struct.pack(
                "<10i", 1024000000, 32000, 1024000000, 1024000000, 32000, 500, 500, 1, 32767, 1
            )
        },
        "semctl(0, 0, SEM_INFO, {semmap=1024000000, semmni=32000, semmns=1024000000, "
        "semmnu=1024000000, semmsl=32000, semopm=500, semume=500, semusz=1, semvmx=32767, "
        "semaem=1}) = 0",
    ),
    (  # semctl's STAT is read at any return (strace's tfetch_mem), msgctl's not
        "semctl",
        [0, 0, 2, STK],
        neg(-22),
        None,
        {
            3: struct.pack("<iIIIII", 5, 1, 2, 3, 4, 0o640)
            + bytes(24)
            + struct.pack("<qQqQQ", 0, 0, 7, 0, 1)
            + bytes(16)
        },
        "semctl(0, 0, IPC_STAT, {sem_perm={uid=1, gid=2, mode=0640, key=5, cuid=3, cgid=4}, "
        "sem_otime=0, sem_ctime=7, sem_nsems=1}) = -1 EINVAL (Invalid argument)",
    ),
    (
        "msgctl",
        [1, 2, STK],
        neg(-22),
        None,
        {2: bytes(120)},
        f"msgctl(1, IPC_STAT, {STK:#x}) = -1 EINVAL (Invalid argument)",
    ),
    (  # not wholly readable: the address
        "msgctl",
        [1, 2, STK],
        0,
        None,
        {2: Mem(STK, bytes(100), fault=True)},
        f"msgctl(1, IPC_STAT, {STK:#x}) = 0",
    ),
    ("shmctl", [0, 0, 0], 0, None, None, "shmctl(0, IPC_RMID, NULL) = 0"),
    ("semctl", [0, 0, 0, 0], 0, None, None, "semctl(0, 0, IPC_RMID, NULL) = 0"),
    ("semctl", [3, 1, 16, 5], 0, None, None, "semctl(3, 1, SETVAL, 0x5) = 0"),
    ("msgctl", [0, 0x102, STK], 0, None, None, f"msgctl(0, IPC_64|IPC_STAT, {STK:#x}) = 0"),
    (
        "msgctl",
        [0, 99, 0],
        neg(-22),
        None,
        None,
        "msgctl(0, 0x63 /* MSG_??? */, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "semtimedop",
        [0, STK, 2, 0],
        0,
        {1: struct.pack("<HhHHhH", 0, 1, 0, 3, -1, 0x1000 | 0o4000)},
        None,
        "semtimedop(0, [{sem_num=0, sem_op=1, sem_flg=0}, "
        "{sem_num=3, sem_op=-1, sem_flg=SEM_UNDO|IPC_NOWAIT}], 2, NULL) = 0",
    ),
    (
        "semop",
        [0, STK, 1],
        neg(-14),
        {1: b"\0"},
        None,
        f"semop(0, {STK:#x}, 1) = -1 EFAULT (Bad address)",
    ),
    (
        "msgsnd",
        [0, STK, 5, 0o4000],
        0,
        {1: struct.pack("<q", 1) + b"hello" + bytes(27)},
        None,
        'msgsnd(0, {mtype=1, mtext="hello"}, 5, IPC_NOWAIT) = 0',
    ),
    (  # msgrcv shows msgsz bytes of text (at most -s), not the length received
        "msgrcv",
        [0, STK, 56, 0, 0],
        5,
        None,
        {1: struct.pack("<q", 1) + b"hello" + bytes(27)},
        'msgrcv(0, {mtype=1, mtext="hello\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0'
        '\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"...}, 56, 0, 0) = 5',
    ),
    (
        "msgrcv",
        [0, STK, 56, -3 & 0xFFFFFFFFFFFFFFFF, 0o10000],
        neg(-42),
        None,
        None,
        f"msgrcv(0, {STK:#x}, 56, -3, MSG_NOERROR) = -1 ENOMSG (No message of desired type)",
    ),
    (  # only the type readable: the text's address
        "msgsnd",
        [0, STK, 20, 0],
        0,
        {1: Mem(STK, struct.pack("<q", 2) + b"ab" + bytes(6), fault=True)},
        None,
        f"msgsnd(0, {{mtype=2, mtext={STK + 8:#x}}}, 20, 0) = 0",
    ),
    (
        "setgroups",
        [4, STK],
        neg(-22),
        {1: struct.pack("<4i", 0, 1, 65534, -1)},
        None,
        "setgroups(4, [0, 1, 65534, -1]) = -1 EINVAL (Invalid argument)",
    ),
    ("setgroups", [0, 0], 0, None, None, "setgroups(0, NULL) = 0"),
    ("setgroups", [1, 0], neg(-14), None, None, "setgroups(1, NULL) = -1 EFAULT (Bad address)"),
    (
        "setgroups",
        [neg(-1), 0x7FFE611C4920],
        neg(-22),
        None,
        None,
        "setgroups(-1, 0x7ffe611c4920) = -1 EINVAL (Invalid argument)",
    ),
    (
        "setgroups",
        [2, 8],
        neg(-14),
        {1: Mem(8, b"", fault=True)},
        None,
        "setgroups(2, 0x8) = -1 EFAULT (Bad address)",
    ),
    (
        "setgroups",
        [3, 0x1000],
        neg(-14),
        {1: Mem(0x1000, struct.pack("<I", 5), fault=True)},
        None,
        "setgroups(3, [5, ... /* 0x1004 */]) = -1 EFAULT (Bad address)",
    ),
    # --- raw fallback and unknown numbers ---
    (
        0x1F4,
        [1, 2, 3, 4, 5, 6],
        neg(-38),
        None,
        None,
        "syscall_0x1f4(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)",
    ),
    (
        "read",
        [0, STK, 10],
        neg(-512),
        None,
        None,
        "read(0, 0x7ffe29c925c0, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
    ),
    (
        "clone",
        [0x01200011, 0, 0, 0x7F754EF0DAF0, 0],
        neg(-513),
        None,
        None,
        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
        "child_tidptr=0x7f754ef0daf0) = ? ERESTARTNOINTR (To be restarted)",
    ),
    # --- a buffer strace cannot read in full (min(len, -s + 1) bytes): its address ---
    (
        "write",
        [neg(-1), PAGE_END - 5, 10],
        neg(-9),
        {1: Mem(PAGE_END - 5, A5, fault=True)},
        None,
        "write(-1, 0x10000ffb, 10) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "write",
        [neg(-1), PAGE_END - 32, 100],
        neg(-9),
        {1: Mem(PAGE_END - 32, b"a" * 32, fault=True)},
        None,
        "write(-1, 0x10000fe0, 100) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "write",
        [neg(-1), PAGE_END - 33, 100],
        neg(-9),
        {1: Mem(PAGE_END - 33, b"a" * 33, truncated=True)},
        None,
        f'write(-1, "{"a" * 32}"..., 100) = -1 EBADF (Bad file descriptor)',
    ),
    (
        "sendto",
        [neg(-1), PAGE_END - 5, 10, 0, 0, 0],
        neg(-9),
        {1: Mem(PAGE_END - 5, A5, fault=True)},
        None,
        "sendto(-1, 0x10000ffb, 10, 0, NULL, 0) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "pwrite64",
        [neg(-1), PAGE_END - 5, 10, 0],
        neg(-9),
        {1: Mem(PAGE_END - 5, A5, fault=True)},
        None,
        "pwrite64(-1, 0x10000ffb, 10, 0) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "writev",
        [neg(-1), 0x5000, 2],
        neg(-9),
        {
            1: Mem(
                0x5000,
                iovec((PAGE_END - 5, 10), (PAGE_END - 3, 3)),
                elems=(Mem(PAGE_END - 5, A5, fault=True), Mem(PAGE_END - 3, b"aaa")),
            )
        },
        None,
        'writev(-1, [{iov_base=0x10000ffb, iov_len=10}, {iov_base="aaa", iov_len=3}], 2) '
        "= -1 EBADF (Bad file descriptor)",
    ),
    (
        "setxattr",
        [0x1000, 0x2000, PAGE_END - 5, 10, 0],
        neg(-14),
        {0: b"/nonexistent\0", 1: b"user.x\0", 2: Mem(PAGE_END - 5, A5, fault=True)},
        None,
        'setxattr("/nonexistent", "user.x", 0x10000ffb, 10, 0) = -1 EFAULT (Bad address)',
    ),
    # --- unknown flag bits: alone, printflags() adds its dflt comment; after a name, none ---
    (
        "mprotect",
        [0, 4096, 0x10],
        neg(-22),
        None,
        None,
        "mprotect(NULL, 4096, 0x10 /* PROT_??? */) = -1 EINVAL (Invalid argument)",
    ),
    (
        "mprotect",
        [0, 4096, 0x11],
        neg(-22),
        None,
        None,
        "mprotect(NULL, 4096, PROT_READ|0x10) = -1 EINVAL (Invalid argument)",
    ),
    (
        "socket",
        [2, 0x101, 0],
        neg(-22),
        None,
        None,
        "socket(AF_INET, SOCK_STREAM|0x100 /* SOCK_??? */, IPPROTO_IP) "
        "= -1 EINVAL (Invalid argument)",
    ),
    (
        "socket",
        [2, 0x80101, 0],
        neg(-22),
        None,
        None,
        "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|0x100, IPPROTO_IP) = -1 EINVAL (Invalid argument)",
    ),
    (
        "sendto",
        [neg(-1), 0, 0, 0x10000000, 0, 0],
        neg(-9),
        None,
        None,
        "sendto(-1, NULL, 0, 0x10000000 /* MSG_??? */, NULL, 0) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "accept4",
        [neg(-1), 0, 0, 0x100],
        neg(-9),
        None,
        None,
        "accept4(-1, NULL, NULL, 0x100 /* SOCK_??? */) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "access",
        [0x1000, 0x10],
        neg(-22),
        {0: b"/x\0"},
        None,
        'access("/x", 0x10 /* ?_OK */) = -1 EINVAL (Invalid argument)',
    ),
    (
        "access",
        [0x1000, 0x11],
        neg(-22),
        {0: b"/x\0"},
        None,
        'access("/x", X_OK|0x10) = -1 EINVAL (Invalid argument)',
    ),
    (
        "pipe2",
        [0, 4],
        neg(-22),
        None,
        None,
        "pipe2(NULL, 0x4 /* O_??? */) = -1 EINVAL (Invalid argument)",
    ),
    ("fcntl", [0, 2, 4], 0, None, None, "fcntl(0, F_SETFD, 0x4 /* FD_??? */) = 0"),
    (
        "wait4",
        [neg(-1), 0, 0x800, 0],
        neg(-22),
        None,
        None,
        "wait4(-1, NULL, 0x800 /* W??? */, NULL) = -1 EINVAL (Invalid argument)",
    ),
    (
        "unshare",
        [0x80020000],
        neg(-22),
        None,
        None,
        "unshare(CLONE_NEWNS|0x80000000) = -1 EINVAL (Invalid argument)",
    ),
    (
        "unshare",
        [0x1000],
        neg(-22),
        None,
        None,
        "unshare(0x1000 /* CLONE_??? */) = -1 EINVAL (Invalid argument)",
    ),
    (
        "setns",
        [neg(-1), 0x100],
        neg(-9),
        None,
        None,
        "setns(-1, 0x100 /* CLONE_NEW??? */) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "setns",
        [neg(-1), 0x40000000],
        neg(-9),
        None,
        None,
        "setns(-1, CLONE_NEWNET) = -1 EBADF (Bad file descriptor)",
    ),
    (
        "mmap",
        [0, 4096, 0x10, 0x8000002, neg(-1), 0],
        neg(-9),
        None,
        None,
        "mmap(NULL, 4096, 0x10 /* PROT_??? */, MAP_PRIVATE|2<<MAP_HUGE_SHIFT, -1, 0) "
        "= -1 EBADF (Bad file descriptor)",
    ),
    # membarrier: cpu_id only with MEMBARRIER_CMD_FLAG_CPU; QUERY's answer in hex + names
    (
        "membarrier",
        [0, 0, 0],
        0x3FF,
        None,
        None,
        "membarrier(MEMBARRIER_CMD_QUERY, 0) = 0x3ff (MEMBARRIER_CMD_GLOBAL|"
        "MEMBARRIER_CMD_GLOBAL_EXPEDITED|MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED|"
        "MEMBARRIER_CMD_PRIVATE_EXPEDITED|MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED|"
        "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE|"
        "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE|"
        "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ|MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ|"
        "0x200)",
    ),
    (
        "membarrier",
        [3, 255, neg(-1)],
        neg(-22),
        None,
        None,
        "membarrier(0x3 /* MEMBARRIER_CMD_??? */, MEMBARRIER_CMD_FLAG_CPU|0xfe, -1) "
        "= -1 EINVAL (Invalid argument)",
    ),
    (
        "membarrier",
        [128, 1, neg(-1)],
        neg(-1),
        None,
        None,
        "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, -1) "
        "= -1 EPERM (Operation not permitted)",
    ),
    (
        "membarrier",
        [0x10, 0, 5],
        0,
        None,
        None,
        "membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) = 0",
    ),
    (
        "membarrier",
        [0x80000000, 2, 5],
        neg(-22),
        None,
        None,
        "membarrier(0x80000000 /* MEMBARRIER_CMD_??? */, 0x2 /* MEMBARRIER_CMD_FLAG_??? */) "
        "= -1 EINVAL (Invalid argument)",
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "ret", "entry", "exit", "expected"),
    CASES,
    ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)],
)
def test_line(decode_call, name, args, ret, entry, exit, expected):
    call = decode_call(name, args, ret, entry, exit)
    assert render_line(call, DecodeOptions()) == expected


STRSIZE5 = [
    (
        "readlink",
        [0x1000, STK, 256],
        11,
        {0: b"/proc/self/exe\0"},
        {1: b"/tmp/orc/t4"},
        'readlink("/proc/self/exe", "/tmp/"..., 256) = 11',
    ),
    ("getcwd", [STK, 256], 9, None, {0: b"/tmp/orc\0"}, 'getcwd("/tmp/orc", 256) = 9'),
    ("write", [1, 0x1000, 10], 10, {1: b"abcde"}, None, 'write(1, "abcde"..., 10) = 10'),
    (
        "open",
        [0x1000, 0],
        neg(-2),
        {0: b"/etc/hostname0123456789\0"},
        None,
        'open("/etc/hostname0123456789", O_RDONLY) = -1 ENOENT (No such file or directory)',
    ),
    (
        "writev",
        [1, 0x1000, 3],
        12,
        {
            1: Mem(
                0x1000,
                iovec((0xA, 5), (0xB, 6), (0xC, 1)),
                elems=(Mem(0xA, b"hello"), Mem(0xB, b"world"), Mem(0xC, b"x")),
            )
        },
        None,
        'writev(1, [{iov_base="hello", iov_len=5}, {iov_base="world"..., iov_len=6}, '
        '{iov_base="x", iov_len=1}], 3) = 12',
    ),
    (
        "execve",
        [0x1000, 0x2000, 0x7FFDA7B08AF0],
        neg(-2),
        {
            0: b"/nonexist/x\0",
            1: Mem(
                0x2000, b"", elems=(Mem(0xA, b"/nonex"), Mem(0xB, b"a b\0"), Mem(0xC, b"012345"))
            ),
            2: Mem(0x3000, struct.pack("<QQQQ", 0xA, 0xB, 0xC, 0)),
        },
        None,
        'execve("/nonexist/x", ["/none"..., "a b", "01234"...], 0x7ffda7b08af0 /* 3 vars */) '
        "= -1 ENOENT (No such file or directory)",
    ),
    (
        "setgroups",
        [40, STK],
        0,
        {1: struct.pack("<6I", *range(6))},
        None,
        "setgroups(40, [0, 1, 2, 3, 4, ...]) = 0",
    ),
]


@pytest.mark.parametrize(("name", "args", "ret", "entry", "exit", "expected"), STRSIZE5)
def test_line_strsize5(decode_call, name, args, ret, entry, exit, expected):
    call = decode_call(name, args, ret, entry, exit)
    assert render_line(call, DecodeOptions(strsize=5)) == expected


def test_raw_option_prints_numbers(decode_call):
    call = decode_call("openat", [AT_FDCWD, 0x1000, 0o2000000], 3, {1: b"/x\0"})
    assert render_line(call, DecodeOptions(raw=True)) == 'openat(-100, "/x", 0x80000) = 3'


# strace 6.1 -X raw: numbers for constants, with its exceptions (checked on the host)
RAW = [
    (
        "rt_sigprocmask",
        [2, STK, 0, 8],
        0,
        {1: struct.pack("<Q", ~(3 << 31) & (1 << 64) - 1)},
        None,
        "rt_sigprocmask(0x2, ~[32 33], NULL, 8) = 0",
    ),
    (
        "rt_sigprocmask",
        [1, STK, 0, 8],
        0,
        {1: struct.pack("<Q", 1 | 1 << 33 | 1 << 63)},
        None,
        "rt_sigprocmask(0x1, [1 34 64], NULL, 8) = 0",
    ),
    (
        "rt_sigaction",
        [2, 0, STK, 8],
        0,
        None,
        {2: sigaction_buf(0, 0, 0, 0)},
        "rt_sigaction(2, NULL, {sa_handler=0, sa_mask=[], sa_flags=0}, 8) = 0",
    ),
    (
        "rt_sigaction",
        [13, STK, 0, 8],
        0,
        {1: sigaction_buf(1, 0x14000000, 0x7FFA766F4050, 1 << 12)},
        None,
        "rt_sigaction(13, {sa_handler=0x1, sa_mask=[13], sa_flags=0x14000000, "
        "sa_restorer=0x7ffa766f4050}, NULL, 8) = 0",
    ),
    (
        "prlimit64",
        [0, 3, 0, STK],
        0,
        None,
        {3: struct.pack("<QQ", 8192 * 1024, (1 << 64) - 1)},
        "prlimit64(0, 0x3, NULL, {rlim_cur=8388608, rlim_max=18446744073709551615}) = 0",
    ),
    ("socket", [1, 0x80801, 0], 3, None, None, "socket(0x1, 0x1|0x80800, 0) = 3"),
    (
        "socket",
        [2, 0x80000, 0],
        neg(-94),
        None,
        None,
        "socket(0x2, 0x80000, 0) = -1 ESOCKTNOSUPPORT (Socket type not supported)",
    ),
    ("socket", [10, 0x80002, 17], 4, None, None, "socket(0xa, 0x2|0x80000, 0x11) = 4"),
    (
        "socketpair",
        [1, 1, 0, STK],
        0,
        None,
        {3: struct.pack("<ii", 13, 14)},
        "socketpair(0x1, 0x1, 0, [13, 14]) = 0",
    ),
    (
        "connect",
        [3, 0x1000, 110],
        neg(-2),
        {1: sockaddr_un(b"/nonexist")},
        None,
        'connect(3, {sa_family=0x1, sun_path="/nonexist"}, 110) = -1 ENOENT '
        "(No such file or directory)",
    ),
    (
        "connect",
        [3, 0x1000, 16],
        neg(-111),
        {1: sockaddr_in(9, bytes(4))},
        None,
        'connect(3, {sa_family=0x2, sin_port="\\x00\\x09", sin_addr="\\x00\\x00\\x00\\x00"}, 16) '
        "= -1 ECONNREFUSED (Connection refused)",
    ),
    (
        "futex",
        [0x7FFD8E7B8018, 0x189, 0, 0, 0, 0xFFFFFFFF],
        0,
        None,
        None,
        "futex(0x7ffd8e7b8018, 0x189, 0, NULL, 0xffffffff) = 0",
    ),
    (
        "clone",
        [0x1200011, 0, 0, 0x7F28C9B2EA10, 0],
        131,
        None,
        None,
        "clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f28c9b2ea10) = 131",
    ),
    ("clone", [17, 0, 0, 0, 0], 15300, None, None, "clone(child_stack=NULL, flags=17) = 15300"),
    (
        "clone",
        [0x200, 0, 0, 0, 0],
        15302,
        None,
        None,
        "clone(child_stack=NULL, flags=0x200) = 15302",
    ),
    ("prctl", [0xF, 0x1000], 0, {1: b"abc\0".ljust(16, b"\0")}, None, 'prctl(0xf, "abc") = 0'),
    ("prctl", [0x10, 0x1000], 0, None, {1: b"sh\0".ljust(16, b"\0")}, 'prctl(0x10, "sh") = 0'),
    (
        "wait4",
        [neg(-1), STK, 0, 0],
        93,
        None,
        {1: struct.pack("<i", 0)},
        "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 93",
    ),
    (
        "wait4",
        [15702, STK, 0x40000000, 0],
        15702,
        None,
        {1: struct.pack("<i", 9)},
        "wait4(15702, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0x40000000, NULL) = 15702",
    ),
    (
        "fcntl",
        [3, 3],
        0x38800,
        None,
        None,
        "fcntl(3, 0x3) = 0x38800 (flags O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_NOFOLLOW|O_DIRECTORY)",
    ),
    ("fcntl", [3, 1], 1, None, None, "fcntl(3, 0x1) = 0x1 (flags 0x1)"),
    ("fcntl", [4, 0x40A], 2, None, None, "fcntl(4, 0x40a) = 0x2 (seals 0x2)"),
    ("fcntl", [3, 0xB], 10, None, None, "fcntl(3, 0xb) = 10 (SIGUSR1)"),
    ("fcntl", [3, 0x401], 2, None, None, "fcntl(3, 0x401) = 0x2 (F_UNLCK)"),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0x900, 0x25E, 0],
        neg(-2),
        {1: b"d/sub\0"},
        None,
        'statx(-100, "d/sub", |0x900, 0x25e, NULL) = -1 ENOENT (No such file or directory)',
    ),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0, 2, 0],
        neg(-2),
        {1: b".\0"},
        None,
        'statx(-100, ".", , 0x2, NULL) = -1 ENOENT (No such file or directory)',
    ),
    (
        "statx",
        [AT_FDCWD, 0x1000, 0x3000, 2, 0],
        neg(-2),
        {1: b".\0"},
        None,
        'statx(-100, ".", 0x2000|0x1000, 0x2, NULL) = -1 ENOENT (No such file or directory)',
    ),
    (
        "ioctl",
        [4, 0x40049409, 3],
        neg(-95),
        None,
        None,
        "ioctl(4, 0x40049409, 3) = -1 EOPNOTSUPP (Operation not supported)",
    ),
    # strace names a policy it returns with xlookup(), which -X raw does not change
    ("sched_getscheduler", [0], 3, None, None, "sched_getscheduler(0) = 3 (SCHED_BATCH)"),
    (
        "sched_setscheduler",
        [0, 3, STK],
        0,
        {2: struct.pack("<i", 0)},
        None,
        "sched_setscheduler(0, 0x3, [0]) = 0",
    ),
    ("membarrier", [0, 0, 0], 0x3FF, None, None, "membarrier(0, 0) = 0x3ff (0x3ff)"),
    (
        "mknod",
        [0x1000, 0o20024, 0xDEADBEEF00000107],
        neg(-2),
        {0: b"/nonexist/mk\0"},
        None,
        'mknod("/nonexist/mk", 020024, 0x107) = -1 ENOENT (No such file or directory)',
    ),
    (
        "membarrier",
        [3, 255, neg(-1)],
        neg(-22),
        None,
        None,
        "membarrier(0x3, 0xff, -1) = -1 EINVAL (Invalid argument)",
    ),
    # PRINTCTL: IPC_64 and the command each a number
    ("shmctl", [1, 0x100, 0], 0, None, None, "shmctl(1, 0x100|0, NULL) = 0"),
    (
        "msgctl",
        [1, 0x102, 0],
        neg(-14),
        None,
        None,
        "msgctl(1, 0x100|0x2, NULL) = -1 EFAULT (Bad address)",
    ),
    ("semctl", [1, 0, 0x10, 5], 0, None, None, "semctl(1, 0, 0x10, 0x5) = 0"),
]


@pytest.mark.parametrize(("name", "args", "ret", "entry", "exit", "expected"), RAW)
def test_line_raw(decode_call, name, args, ret, entry, exit, expected):
    call = decode_call(name, args, ret, entry, exit)
    assert render_line(call, DecodeOptions(raw=True)) == expected
