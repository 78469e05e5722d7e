"""ioctl request codes for the common requests.

Sources: ``asm-generic/ioctls.h`` (TC*, TIOC*, FIO*), ``linux/sockios.h`` (SIOC*),
``linux/fs.h`` (BLK*, FS_IOC_*, FI*), Linux UAPI, x86-64 values.  A code two requests
share is named as strace names it (``BTRFS_IOC_CLONE or FICLONE``).
"""

from __future__ import annotations

IOCTLS = {
    0x5401: "TCGETS",
    0x5402: "SNDCTL_TMR_START or TCSETS",
    0x5403: "SNDCTL_TMR_STOP or TCSETSW",
    0x5404: "SNDCTL_TMR_CONTINUE or TCSETSF",
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
    0x5419: "TIOCGSOFTCAR",
    0x541A: "TIOCSSOFTCAR",
    0x541E: "TIOCGSERIAL",
    0x541F: "TIOCSSERIAL",
    0x542E: "TIOCGRS485",
    0x542F: "TIOCSRS485",
    0x5432: "TCGETX",
    0x5433: "TCSETX",
    0x5434: "TCSETXF",
    0x5435: "TCSETXW",
    0x5437: "TIOCVHANGUP",
    0x5453: "TIOCSERCONFIG",
    0x5454: "TIOCSERGWILD",
    0x5455: "TIOCSERSWILD",
    0x5456: "TIOCGLCKTRMIOS",
    0x5457: "TIOCSLCKTRMIOS",
    0x5458: "TIOCSERGSTRUCT",
    0x5459: "TIOCSERGETLSR",
    0x545A: "TIOCSERGETMULTI",
    0x545B: "TIOCSERSETMULTI",
    0x545C: "TIOCMIWAIT",
    0x545D: "TIOCGICOUNT",
    0x40045436: "TIOCSIG",
    0x802C542A: "TCGETS2",
    0x402C542B: "TCSETS2",
    0x402C542C: "TCSETSW2",
    0x402C542D: "TCSETSF2",
    0x80045438: "TIOCGPKT",
    0x80045439: "TIOCGPTLCK",
    0x80045440: "TIOCGEXCL",
    0x80285442: "TIOCGISO7816",
    0xC0285443: "TIOCSISO7816",
    0x5450: "FIONCLEX",
    0x5451: "FIOCLEX",
    0x5452: "FIOASYNC",
    0x5460: "FIOQSIZE",
    0x2: "FIGETBSZ",
    0x8901: "FIOSETOWN",
    0x8902: "SIOCSPGRP",
    0x8903: "FIOGETOWN",
    0x8904: "SIOCGPGRP",
    0x8905: "SIOCATMARK",
    0x8906: "SIOCGSTAMP_OLD",
    0x8907: "SIOCGSTAMPNS_OLD",
    0x890B: "SIOCADDRT",
    0x890C: "SIOCDELRT",
    0x890D: "SIOCRTMSG",
    0x8910: "SIOCGIFNAME",
    0x8911: "SIOCSIFLINK",
    0x8912: "SIOCGIFCONF",
    0x8913: "SIOCGIFFLAGS",
    0x8914: "SIOCSIFFLAGS",
    0x8915: "SIOCGIFADDR",
    0x8916: "SIOCSIFADDR",
    0x8917: "SIOCGIFDSTADDR",
    0x8918: "SIOCSIFDSTADDR",
    0x8919: "SIOCGIFBRDADDR",
    0x891A: "SIOCSIFBRDADDR",
    0x891B: "SIOCGIFNETMASK",
    0x891C: "SIOCSIFNETMASK",
    0x891D: "SIOCGIFMETRIC",
    0x891E: "SIOCSIFMETRIC",
    0x891F: "SIOCGIFMEM",
    0x8920: "SIOCSIFMEM",
    0x8921: "SIOCGIFMTU",
    0x8922: "SIOCSIFMTU",
    0x8923: "SIOCSIFNAME",
    0x8924: "SIOCSIFHWADDR",
    0x8925: "SIOCGIFENCAP",
    0x8926: "SIOCSIFENCAP",
    0x8927: "SIOCGIFHWADDR",
    0x8929: "SIOCGIFSLAVE",
    0x8930: "SIOCSIFSLAVE",
    0x8931: "SIOCADDMULTI",
    0x8932: "SIOCDELMULTI",
    0x8933: "SIOCGIFINDEX",
    0x8934: "SIOCSIFPFLAGS",
    0x8935: "SIOCGIFPFLAGS",
    0x8936: "SIOCDIFADDR",
    0x8937: "SIOCSIFHWBROADCAST",
    0x8938: "SIOCGIFCOUNT",
    0x8940: "SIOCGIFBR",
    0x8941: "SIOCSIFBR",
    0x8942: "SIOCGIFTXQLEN",
    0x8943: "SIOCSIFTXQLEN",
    0x8946: "SIOCETHTOOL",
    0x8947: "SIOCGMIIPHY",
    0x8948: "SIOCGMIIREG",
    0x8949: "SIOCSMIIREG",
    0x894A: "SIOCWANDEV",
    0x894B: "SIOCOUTQNSD",
    0x894C: "SIOCGSKNS",
    0x8953: "SIOCDARP",
    0x8954: "SIOCGARP",
    0x8955: "SIOCSARP",
    0x8960: "SIOCDRARP",
    0x8961: "SIOCGRARP",
    0x8962: "SIOCSRARP",
    0x8970: "SIOCGIFMAP",
    0x8971: "SIOCSIFMAP",
    0x8980: "SIOCADDDLCI",
    0x8981: "SIOCDELDLCI",
    0x8982: "SIOCGIFVLAN",
    0x8983: "SIOCSIFVLAN",
    0x8990: "SIOCBONDENSLAVE",
    0x8991: "SIOCBONDRELEASE",
    0x8992: "SIOCBONDSETHWADDR",
    0x8993: "SIOCBONDSLAVEINFOQUERY",
    0x8994: "SIOCBONDINFOQUERY",
    0x8995: "SIOCBONDCHANGEACTIVE",
    0x89A0: "SIOCBRADDBR",
    0x89A1: "SIOCBRDELBR",
    0x89A2: "SIOCBRADDIF",
    0x89A3: "SIOCBRDELIF",
    0x89B0: "SIOCSHWTSTAMP",
    0x89B1: "SIOCGHWTSTAMP",
    0x89E0: "SIOCPROTOPRIVATE",
    0x89F0: "SIOCDEVPRIVATE",
    0x80108906: "SIOCGSTAMP_NEW",
    0x80108907: "SIOCGSTAMPNS_NEW",
    0x1268: "BLKSSZGET",
    0x80081272: "BLKGETSIZE64",
    0x1260: "BLKGETSIZE",
    0x80086601: "FS_IOC_GETFLAGS",
    0x40086602: "FS_IOC_SETFLAGS",
    0x40049409: "BTRFS_IOC_CLONE or FICLONE",
    0xC0185879: "FITRIM",
}

# requests whose third argument is a pointer to an int the kernel fills
# (and the socket ones: FIOGETOWN, SIOCGPGRP, SIOCATMARK, SIOCGIFENCAP, SIOCOUTQNSD)
INT_OUT = frozenset(
    {0x541B, 0x5411, 0x540F, 0x5429, 0x80045430, 0x5415, 0x5424, 0x5419, 0x80045440, 0x80045432}
    | {0x8903, 0x8904, 0x8905, 0x8925, 0x894B}
)
# requests whose third argument is a pointer to an int the caller passes
INT_IN = frozenset(
    {0x5421, 0x5452, 0x5410, 0x40045431, 0x5418, 0x5416, 0x5417, 0x5423, 0x8901, 0x8902, 0x8926}
    | {0x5420, 0x541A}  # TIOCPKT, TIOCSSOFTCAR
)
# requests whose third argument is an int passed by value (FICLONE's source fd; strace
# 6.1 file_ioctl.c prints it with %d, not as an fd)
INT_VALUE = frozenset({0x40049409})
TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414

# named requests whose argument strace prints as a number, not an address (sock_ioctl
# does not decode them: ioctl's PRINT_VAL_X)
ARG_AS_NUMBER = frozenset({0x89E0, 0x89F0})

IOC_DIRS = {0: "_IOC_NONE", 1: "_IOC_WRITE", 2: "_IOC_READ", 3: "_IOC_READ|_IOC_WRITE"}

# --- struct termios and struct termio fields (asm-generic/termbits.h, x86 values; strace's
# term_*.in tables, in their order, which is the order names print in) -----------------
TERM_IFLAGS = (
    (0x1, "IGNBRK"),
    (0x2, "BRKINT"),
    (0x4, "IGNPAR"),
    (0x8, "PARMRK"),
    (0x10, "INPCK"),
    (0x20, "ISTRIP"),
    (0x40, "INLCR"),
    (0x80, "IGNCR"),
    (0x100, "ICRNL"),
    (0x200, "IUCLC"),
    (0x400, "IXON"),
    (0x800, "IXANY"),
    (0x1000, "IXOFF"),
    (0x2000, "IMAXBEL"),
    (0x4000, "IUTF8"),
)
TERM_OFLAGS = (
    (0x1, "OPOST"),
    (0x2, "OLCUC"),
    (0x4, "ONLCR"),
    (0x8, "OCRNL"),
    (0x10, "ONOCR"),
    (0x20, "ONLRET"),
    (0x40, "OFILL"),
    (0x80, "OFDEL"),
)
# c_oflag's delay fields, each (mask, the names of its values)
TERM_ODELAYS = (
    (0x100, {0: "NL0", 0x100: "NL1"}),
    (0x600, {0: "CR0", 0x200: "CR1", 0x400: "CR2", 0x600: "CR3"}),
    # XTABS first in strace's table: the x86 value it shares with TAB3 prints as XTABS
    (0x1800, {0: "TAB0", 0x800: "TAB1", 0x1000: "TAB2", 0x1800: "XTABS"}),
    (0x2000, {0: "BS0", 0x2000: "BS1"}),
    (0x4000, {0: "VT0", 0x4000: "VT1"}),
    (0x8000, {0: "FF0", 0x8000: "FF1"}),
)
CBAUD, CIBAUD, IBSHIFT, CSIZE = 0x100F, 0x100F0000, 16, 0x30
# baud_options.in: B19200 and B38400 come before EXTA and EXTB, which share their values
BAUDS = {
    **{
        v: f"B{b}"
        for v, b in enumerate(
            (0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400)
        )
    },
    **{
        0x1001 + k: f"B{b}"
        for k, b in enumerate(
            (
                57600,
                115200,
                230400,
                460800,
                500000,
                576000,
                921600,
                1000000,
                1152000,
                1500000,
                2000000,
                2500000,
                3000000,
                3500000,
                4000000,
            )
        )
    },
    0x1000: "BOTHER",
}
CSIZES = {0: "CS5", 0x10: "CS6", 0x20: "CS7", 0x30: "CS8"}
TERM_CFLAGS = (
    (0x40, "CSTOPB"),
    (0x80, "CREAD"),
    (0x100, "PARENB"),
    (0x200, "PARODD"),
    (0x400, "HUPCL"),
    (0x800, "CLOCAL"),
    (0x40000000, "CMSPAR"),
    (0x80000000, "CRTSCTS"),
)
TERM_LFLAGS = (
    (0x1, "ISIG"),
    (0x2, "ICANON"),
    (0x4, "XCASE"),
    (0x8, "ECHO"),
    (0x10, "ECHOE"),
    (0x20, "ECHOK"),
    (0x40, "ECHONL"),
    (0x80, "NOFLSH"),
    (0x8000, "IEXTEN"),
    (0x200, "ECHOCTL"),
    (0x400, "ECHOPRT"),
    (0x800, "ECHOKE"),
    (0x1000, "FLUSHO"),
    (0x4000, "PENDIN"),
    (0x100, "TOSTOP"),
    (0x10000, "EXTPROC"),
)
TCXONC_OPTIONS = {0: "TCOOFF", 1: "TCOON", 2: "TCIOFF", 3: "TCION"}
TCFLSH_OPTIONS = {0: "TCIFLUSH", 1: "TCOFLUSH", 2: "TCIOFLUSH"}
