"""ioctl request codes for the common requests.

Sources: ``asm-generic/ioctls.h`` (TC*, TIOC*, FIO*), ``linux/sockios.h`` (SIOC*),
``linux/fs.h`` (BLK*, FS_IOC_*, FI*), Linux UAPI, x86-64 values.  A code two requests
share is named as strace names it (``BTRFS_IOC_CLONE or FICLONE``).
"""

from __future__ import annotations

IOCTLS = {
    0x5401: "TCGETS",
    0x5402: "TCSETS",
    0x5403: "TCSETSW",
    0x5404: "TCSETSF",
    0x5405: "TCGETA",
    0x5406: "TCSETA",
    0x5407: "TCSETAW",
    0x5408: "TCSETAF",
    0x5409: "TCSBRK",
    0x540A: "TCXONC",
    0x540B: "TCFLSH",
    0x540C: "TIOCEXCL",
    0x540D: "TIOCNXCL",
    0x540E: "TIOCSCTTY",
    0x540F: "TIOCGPGRP",
    0x5410: "TIOCSPGRP",
    0x5411: "TIOCOUTQ",
    0x5412: "TIOCSTI",
    0x5413: "TIOCGWINSZ",
    0x5414: "TIOCSWINSZ",
    0x5415: "TIOCMGET",
    0x5416: "TIOCMBIS",
    0x5417: "TIOCMBIC",
    0x5418: "TIOCMSET",
    0x541B: "FIONREAD",
    0x541C: "TIOCLINUX",
    0x541D: "TIOCCONS",
    0x5420: "TIOCPKT",
    0x5421: "FIONBIO",
    0x5422: "TIOCNOTTY",
    0x5423: "TIOCSETD",
    0x5424: "TIOCGETD",
    0x5425: "TCSBRKP",
    0x5427: "TIOCSBRK",
    0x5428: "TIOCCBRK",
    0x5429: "TIOCGSID",
    0x80045430: "TIOCGPTN",
    0x40045431: "TIOCSPTLCK",
    0x80045432: "TIOCGDEV",
    0x5441: "TIOCGPTPEER",
    0x5450: "FIONCLEX",
    0x5451: "FIOCLEX",
    0x5452: "FIOASYNC",
    0x5460: "FIOQSIZE",
    0x2: "FIGETBSZ",
    0x8901: "FIOSETOWN",
    0x8903: "FIOGETOWN",
    0x8905: "SIOCATMARK",
    0x8912: "SIOCGIFCONF",
    0x8913: "SIOCGIFFLAGS",
    0x8914: "SIOCSIFFLAGS",
    0x8915: "SIOCGIFADDR",
    0x8921: "SIOCGIFMTU",
    0x8927: "SIOCGIFHWADDR",
    0x8933: "SIOCGIFINDEX",
    0x1268: "BLKSSZGET",
    0x80081272: "BLKGETSIZE64",
    0x1260: "BLKGETSIZE",
    0x80086601: "FS_IOC_GETFLAGS",
    0x40086602: "FS_IOC_SETFLAGS",
    0x40049409: "BTRFS_IOC_CLONE or FICLONE",
    0xC0185879: "FITRIM",
}

# requests whose third argument is a pointer to an int the kernel fills
INT_OUT = frozenset({0x541B, 0x5411, 0x540F, 0x5429, 0x80045430, 0x5415, 0x5424, 0x8903})
# requests whose third argument is a pointer to an int the caller passes
INT_IN = frozenset({0x5421, 0x5452, 0x5410, 0x40045431, 0x5418, 0x5416, 0x5417, 0x5423, 0x8901})
# requests whose third argument is an int passed by value (FICLONE's source fd; strace
# 6.1 file_ioctl.c prints it with %d, not as an fd)
INT_VALUE = frozenset({0x40049409})
TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414

IOC_DIRS = {0: "_IOC_NONE", 1: "_IOC_WRITE", 2: "_IOC_READ", 3: "_IOC_READ|_IOC_WRITE"}
SIOCGIFFLAGS = 0x8913  # linux/sockios.h: struct ifreq, ifr_flags
SIOCSIFFLAGS = 0x8914
