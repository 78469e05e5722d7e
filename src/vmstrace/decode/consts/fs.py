"""File and descriptor constants.

Sources: ``asm-generic/fcntl.h``, ``linux/fcntl.h``, ``linux/stat.h``, ``linux/fs.h``
(Linux UAPI, x86-64 values).  Flag order follows strace's ``open_mode_flags.in``.
"""

from __future__ import annotations

AT_FDCWD = -100

# O_ACCMODE field (asm-generic/fcntl.h)
O_ACCMODE = 0o3
ACCMODE = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR", 3: "O_ACCMODE"}

O_CREAT = 0o100
O_TMPFILE = 0o20200000
__O_TMPFILE = 0o20000000
# asm-generic/fcntl.h; combined names (O_SYNC, O_TMPFILE) come before their parts.
OPEN_FLAGS = (
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o4010000, "O_SYNC"),
    (0o4000000, "__O_SYNC"),
    (0o10000, "O_DSYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"),
    (0o20200000, "O_TMPFILE"),
    (0o20000000, "__O_TMPFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o20000, "O_ASYNC"),
)

# linux/fcntl.h: *at() flags
AT_FLAGS = (
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
)
# faccessat2's flags (strace's faccessat_flags.in: these three, in this order)
AT_EACCESS = ((0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_EACCESS"), (0x1000, "AT_EMPTY_PATH"))

# linux/fcntl.h statx sync type bits (AT_STATX_SYNC_TYPE = 0x6000): strace prints them as
# flags (both bits: AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC), none as AT_STATX_SYNC_AS_STAT
AT_STATX_SYNC_TYPE = 0x6000
STATX_SYNC = ((0x2000, "AT_STATX_FORCE_SYNC"), (0x4000, "AT_STATX_DONT_SYNC"))

# unistd.h access modes
ACCESS_MODES = ((4, "R_OK"), (2, "W_OK"), (1, "X_OK"))

SEEK = {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}

# asm-generic/fcntl.h, linux/fcntl.h: the commands strace 6.1 names (xlat/fcntlcmds.in;
# F_GETLK64.. are asm-generic's 12-14, which strace names on x86-64 too; it does not name
# the read/write hint commands 1035-1038, so they print as F_???)
FCNTL_CMDS = {
    0: "F_DUPFD",
    1: "F_GETFD",
    2: "F_SETFD",
    3: "F_GETFL",
    4: "F_SETFL",
    5: "F_GETLK",
    6: "F_SETLK",
    7: "F_SETLKW",
    8: "F_SETOWN",
    9: "F_GETOWN",
    10: "F_SETSIG",
    11: "F_GETSIG",
    12: "F_GETLK64",
    13: "F_SETLK64",
    14: "F_SETLKW64",
    15: "F_SETOWN_EX",
    16: "F_GETOWN_EX",
    17: "F_GETOWNER_UIDS",
    36: "F_OFD_GETLK",
    37: "F_OFD_SETLK",
    38: "F_OFD_SETLKW",
    1024: "F_SETLEASE",
    1025: "F_GETLEASE",
    1026: "F_NOTIFY",
    1029: "F_CANCELLK",
    1030: "F_DUPFD_CLOEXEC",
    1031: "F_SETPIPE_SZ",
    1032: "F_GETPIPE_SZ",
    1033: "F_ADD_SEALS",
    1034: "F_GET_SEALS",
}
FD_FLAGS = ((1, "FD_CLOEXEC"),)
SEALS = (
    (1, "F_SEAL_SEAL"),
    (2, "F_SEAL_SHRINK"),
    (4, "F_SEAL_GROW"),
    (8, "F_SEAL_WRITE"),
    (16, "F_SEAL_FUTURE_WRITE"),
    (32, "F_SEAL_EXEC"),
)
# struct flock l_type and the lease types (xlat/lockfcmds.in; F_EXLCK, F_SHLCK: BSD flock)
LEASES = {0: "F_RDLCK", 1: "F_WRLCK", 2: "F_UNLCK", 4: "F_EXLCK", 8: "F_SHLCK"}
# linux/fcntl.h struct f_owner_ex type
F_OWNER_TYPES = {0: "F_OWNER_TID", 1: "F_OWNER_PID", 2: "F_OWNER_PGRP"}
# linux/fcntl.h F_NOTIFY events (xlat/notifyflags.in)
DN_FLAGS = (
    (0x1, "DN_ACCESS"),
    (0x2, "DN_MODIFY"),
    (0x4, "DN_CREATE"),
    (0x8, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x80000000, "DN_MULTISHOT"),
)

# linux/stat.h file types (S_IFMT field) and permission extras
S_IFMT = 0o170000
FILE_TYPES = {
    0o140000: "S_IFSOCK",
    0o120000: "S_IFLNK",
    0o100000: "S_IFREG",
    0o60000: "S_IFBLK",
    0o40000: "S_IFDIR",
    0o20000: "S_IFCHR",
    0o10000: "S_IFIFO",
}
MODE_EXTRA = ((0o4000, "S_ISUID"), (0o2000, "S_ISGID"), (0o1000, "S_ISVTX"))

# linux/stat.h STATX_* request/result mask, as strace 6.1 knows it (statx_masks.in):
# STATX_MNT_ID_UNIQUE (0x4000, Linux 6.8), STATX_SUBVOL and STATX_WRITE_ATOMIC came later
# and print in hex (0xffffc000 /* STATX_??? */)
STATX_MASK = (
    (0x0FFF, "STATX_ALL"),
    (0x07FF, "STATX_BASIC_STATS"),
    (0x0001, "STATX_TYPE"),
    (0x0002, "STATX_MODE"),
    (0x0004, "STATX_NLINK"),
    (0x0008, "STATX_UID"),
    (0x0010, "STATX_GID"),
    (0x0020, "STATX_ATIME"),
    (0x0040, "STATX_MTIME"),
    (0x0080, "STATX_CTIME"),
    (0x0100, "STATX_INO"),
    (0x0200, "STATX_SIZE"),
    (0x0400, "STATX_BLOCKS"),
    (0x0800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
)
STATX_ATTRS = (
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x100000, "STATX_ATTR_VERITY"),
    (0x200000, "STATX_ATTR_DAX"),
)

# linux/fs.h renameat2 flags
RENAME_FLAGS = ((1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT"))

# linux/falloc.h
FALLOC_FLAGS = (
    (1, "FALLOC_FL_KEEP_SIZE"),
    (2, "FALLOC_FL_PUNCH_HOLE"),
    (4, "FALLOC_FL_NO_HIDE_STALE"),
    (8, "FALLOC_FL_COLLAPSE_RANGE"),
    (0x10, "FALLOC_FL_ZERO_RANGE"),
    (0x20, "FALLOC_FL_INSERT_RANGE"),
    (0x40, "FALLOC_FL_UNSHARE_RANGE"),
)

# asm-generic/fcntl.h flock operations
FLOCK_OPS = ((1, "LOCK_SH"), (2, "LOCK_EX"), (4, "LOCK_NB"), (8, "LOCK_UN"))

# linux/dirent (DT_*), used by getdents when verbose; kept for completeness
DIRENT_TYPES = {
    0: "DT_UNKNOWN",
    1: "DT_FIFO",
    2: "DT_CHR",
    4: "DT_DIR",
    6: "DT_BLK",
    8: "DT_REG",
    10: "DT_LNK",
    12: "DT_SOCK",
    14: "DT_WHT",
}

# linux/close_range.h
CLOSE_RANGE_FLAGS = ((2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC"))

# linux/fadvise.h (x86-64 values; strace's xlat/advise.in)
FADVISE = {
    0: "POSIX_FADV_NORMAL",
    1: "POSIX_FADV_RANDOM",
    2: "POSIX_FADV_SEQUENTIAL",
    3: "POSIX_FADV_WILLNEED",
    4: "POSIX_FADV_DONTNEED",
    5: "POSIX_FADV_NOREUSE",
}

# linux/xattr.h
XATTR_FLAGS = ((1, "XATTR_CREATE"), (2, "XATTR_REPLACE"))
XATTR_SIZE_MAX = 65536
