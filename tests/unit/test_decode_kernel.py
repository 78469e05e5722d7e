"""init_module, finit_module, delete_module, kexec_load, kexec_file_load, reboot, syslog,
swapon, swapoff, memfd_secret, pkey_alloc, remap_file_pages: each expected line is what
strace 6.1 printed in the guest for the same call (its own test programs, `vmstrace
conformance strace-NAME`, with -s 32 unless the case says otherwise), except where a case
says it follows strace's source."""

from __future__ import annotations

import struct

import pytest
from lines import line, s

from vmstrace.core.events import Mem

EFAULT = "-1 EFAULT (Bad address)"
EINVAL = "-1 EINVAL (Invalid argument)"
EBADF = "-1 EBADF (Bad file descriptor)"
PARAM1 = bytes(range(0x30, 0x51))  # 33 bytes, no NUL (tests/init_delete_module.h)
PARAM2 = bytes(range(0x80, 0x87)) + b"\0"


def fault(addr: int) -> Mem:
    return Mem(addr, b"", fault=True)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("init_module", [0, 0xFFFFFFFF00000000, 0], -12),
            "init_module(NULL, 18446744069414584320, NULL) = -1 ENOMEM (Cannot allocate memory)",
        ),
        (
            ("finit_module", [0xFFFFFFFF00000000, 0, 0xFFFFFFFF00000000], -22),
            f"finit_module(0, NULL, 0) = {EINVAL}",
        ),
        (
            (
                "finit_module",
                [0xDEB0D1EDBEEFF00D, 0x7F8CDDD18000, 0xBADC0DEDDEFACED0],
                -22,
                {1: fault(0x7F8CDDD18000)},
            ),
            "finit_module(-1091571699, 0x7f8cddd18000, 0xdefaced0 /* MODULE_INIT_??? */) = "
            + EINVAL,
        ),
        (
            (
                "finit_module",
                [0xDEB0D1EDBEEFF00D, 0x7F8CDDD17FF8, 0xFACEF157DEC0DED1],
                -22,
                {1: Mem(0x7F8CDDD17FF8, PARAM2[:7] + b"\x87", fault=True)},
            ),
            "finit_module(-1091571699, 0x7f8cddd17ff8, MODULE_INIT_IGNORE_MODVERSIONS|0xdec0ded0)"
            " = " + EINVAL,
        ),
        (
            ("delete_module", [0, 0xFFFFFFFF00000000], -14),
            f"delete_module(NULL, 0) = {EFAULT}",
        ),
        (
            (
                "delete_module",
                [0x1000, 0xFFFFFFFF00000800],
                -2,
                {0: Mem(0x1000, PARAM1[:32] + b"\0")},
            ),
            'delete_module("0123456789:;<=>?@ABCDEFGHIJKLMNO", O_NONBLOCK) = -1 ENOENT '
            "(No such file or directory)",
        ),
        (
            (
                "delete_module",
                [0x7F476E96D000, 0xBADC0DEDFACEF157 & ~0xA00],
                -14,
                {0: fault(0x7F476E96D000)},
            ),
            f"delete_module(0x7f476e96d000, 0xfacef157 /* O_??? */) = {EFAULT}",
        ),
        (
            ("delete_module", [0x1000, 2**64 - 1], -2, {0: Mem(0x1000, PARAM2)}),
            'delete_module("\\200\\201\\202\\203\\204\\205\\206", O_NONBLOCK|O_TRUNC|0xfffff5ff)'
            " = -1 ENOENT (No such file or directory)",
        ),
        (
            ("kexec_load", [0, 0, 0, 0xBADC0DEDDA7A1054], -22),
            "kexec_load(NULL, 0, NULL, 0xda7a0000 /* KEXEC_ARCH_??? */|0xbadc0ded00001054 "
            f"/* KEXEC_??? */) = {EINVAL}",
        ),
        (
            ("kexec_load", [0xDEADCA57BADDA7A1, 0xDEC0DED1DEFACED2, 0x7F72E094B1E0, 0], -22),
            "kexec_load(0xdeadca57badda7a1, 16051074064918957778, 0x7f72e094b1e0, "
            f"KEXEC_ARCH_DEFAULT) = {EINVAL}",
        ),
        (  # more than KEXEC_SEGMENT_MAX segments: the address alone
            ("kexec_load", [0xDEADCA57BADDA7A1, 17, 0x7F72E0946DE0, 0x2A0003], -22),
            "kexec_load(0xdeadca57badda7a1, 17, 0x7f72e0946de0, "
            f"KEXEC_ARCH_SH|KEXEC_ON_CRASH|KEXEC_PRESERVE_CONTEXT) = {EINVAL}",
        ),
        (
            ("kexec_file_load", [0xDEADCA57BADDA7A1, 0xDEC0DED1DEFACED2, 0, 0, 0], -9),
            f"kexec_file_load(-1159878751, -553988398, 0, NULL, 0) = {EBADF}",
        ),
        (
            (
                "kexec_file_load",
                [0xDEADCA57BADDA7A1, 0xDEC0DED1DEFACED2, 7, 0x1000, 0xDEADBEEF],
                -22,
                {3: Mem(0x1000, b"abcdef\0")},
            ),
            'kexec_file_load(-1159878751, -553988398, 7, "abcdef\\0", KEXEC_FILE_UNLOAD|'
            f"KEXEC_FILE_ON_CRASH|KEXEC_FILE_NO_INITRAMFS|0xdeadbee8) = {EINVAL}",
        ),
        (  # 8 bytes wanted, 7 readable: the address
            (
                "kexec_file_load",
                [0xDEADCA57BADDA7A1, 0xDEC0DED1DEFACED2, 8, 0x7F0D25EDAFF9, 0xBADC0DEDDA7A1058],
                -22,
                {3: Mem(0x7F0D25EDAFF9, b"abcdef\0", fault=True)},
            ),
            "kexec_file_load(-1159878751, -553988398, 8, 0x7f0d25edaff9, 0xbadc0dedda7a1058 "
            f"/* KEXEC_FILE_??? */) = {EINVAL}",
        ),
        (
            ("reboot", [0, 0, 0, 0], -22),
            "reboot(0 /* LINUX_REBOOT_MAGIC_??? */, 0 /* LINUX_REBOOT_MAGIC_??? */, "
            f"LINUX_REBOOT_CMD_CAD_OFF) = {EINVAL}",
        ),
        (
            ("reboot", [2**64 - 1, 0xDEADFACEFA57BEEF, 0xBADDA7A09CAFFEE1, 2**64 - 1], -22),
            "reboot(0xffffffff /* LINUX_REBOOT_MAGIC_??? */, 0xfa57beef /* LINUX_REBOOT_MAGIC_??? "
            f"*/, 0x9caffee1 /* LINUX_REBOOT_CMD_??? */) = {EINVAL}",
        ),
        (
            ("reboot", [0xFEE1DEAD, 319887762, 0xA1B2C3D4, 0x1000], -22, {3: s("reboot")}),
            "reboot(LINUX_REBOOT_MAGIC1, 0x13111992 /* LINUX_REBOOT_MAGIC_??? */, "
            f'LINUX_REBOOT_CMD_RESTART2, "reboot") = {EINVAL}',
        ),
        (
            ("reboot", [0xFEE1DEAD, 672274793, 0x01234568], -22),
            "reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x1234568 /* LINUX_REBOOT_CMD_??? */)"
            f" = {EINVAL}",
        ),
        (
            ("syslog", [0xBADC0DED00000001, 0xFACEFEEDDEADBEEF, 2**64 - 1], 0),
            "syslog(1 /* SYSLOG_ACTION_OPEN */) = 0",
        ),
        (
            ("syslog", [0xBADC0DED0000000A, 0xFACEFEEDDEADBEEF, 2**64 - 1], 131072),
            "syslog(10 /* SYSLOG_ACTION_SIZE_BUFFER */) = 131072",
        ),
        (
            ("syslog", [0xBADC0DEDFEEDBEEF, 0, 2**64 - 1], -22),
            f"syslog(-17973521 /* SYSLOG_ACTION_??? */, NULL, -1) = {EINVAL}",
        ),
        (
            ("syslog", [11, 0xFACEFEEDDEADBEEF, 0], -22),
            f"syslog(11 /* SYSLOG_ACTION_??? */, 0xfacefeeddeadbeef, 0) = {EINVAL}",
        ),
        (
            ("syslog", [0xBADC0DED00000008, 0xFACEFEEDDEADBEEF, 0xFEEDBEEF], -22),
            "syslog(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, 0xfacefeeddeadbeef, "
            f"-17973521 /* LOGLEVEL_??? */) = {EINVAL}",
        ),
        (
            ("syslog", [0xBADC0DED00000008, 0xFACEFEEDDEADBEEF, 8], 0),
            "syslog(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, 0xfacefeeddeadbeef, "
            "8 /* LOGLEVEL_DEBUG+1 */) = 0",
        ),
        (
            ("swapon", [0x1000, 0x8000 | 42], -2, {0: s("swap.sample")}),
            'swapon("swap.sample", SWAP_FLAG_PREFER|42) = -1 ENOENT (No such file or directory)',
        ),
        (
            ("swapon", [0x1000, 2**64 - 1], -22, {0: s("swap.sample")}),
            'swapon("swap.sample", SWAP_FLAG_PREFER|SWAP_FLAG_DISCARD|SWAP_FLAG_DISCARD_ONCE|'
            f"SWAP_FLAG_DISCARD_PAGES|0xfff80000|32767) = {EINVAL}",
        ),
        (
            ("swapon", [0x1000, 0], -2, {0: s("swap.sample")}),
            'swapon("swap.sample", 0) = -1 ENOENT (No such file or directory)',
        ),
        (
            ("swapoff", [0x1000], -2, {0: s("swap.sample")}),
            'swapoff("swap.sample") = -1 ENOENT (No such file or directory)',
        ),
        (
            ("memfd_secret", [0xBEEFCAFE00000000 | 0xDE97FACE], -38),
            "memfd_secret(0xde97face) = -1 ENOSYS (Function not implemented)",
        ),
        (
            ("memfd_secret", [0xBEEFCAFE00000000 | 0x80000 | 0xDE97FACE], -38),
            "memfd_secret(O_CLOEXEC|0xde97face) = -1 ENOSYS (Function not implemented)",
        ),
        (
            ("memfd_secret", [0xBEEFCAFE00000000], -38),
            "memfd_secret(0) = -1 ENOSYS (Function not implemented)",
        ),
        (("pkey_alloc", [0, 0], 1), "pkey_alloc(0, 0) = 1"),
        (
            ("pkey_alloc", [0xFFFF0000EEEE1111, 0xBADC0DED00000002], -22),
            f"pkey_alloc(0xffff0000eeee1111, PKEY_DISABLE_WRITE|0xbadc0ded00000000) = {EINVAL}",
        ),
        (
            ("pkey_alloc", [0x123456789ABCDEF0, 0xBADC0DE8], -22),
            f"pkey_alloc(0x123456789abcdef0, 0xbadc0de8 /* PKEY_??? */) = {EINVAL}",
        ),
        (
            (
                "remap_file_pages",
                [0xFACEFEEDDEADBEEF, 0xDEFACED1BAD2F00D, 7, 0xCAF3BABEBAD4DEED, 0x22],
                -22,
            ),
            "remap_file_pages(0xfacefeeddeadbeef, 16067382020775538701, "
            "PROT_READ|PROT_WRITE|PROT_EXEC, 14624237743343197933, MAP_PRIVATE|MAP_ANONYMOUS) = "
            + EINVAL,
        ),
        (
            (
                "remap_file_pages",
                [
                    0xFACEFEEDDEADF00D,
                    0xDEFACED1BAD2BEEF,
                    0xDEFACED00000000,
                    0xCAF3BABEBAD4DEED,
                    0x5404401F,
                ],
                -22,
            ),
            "remap_file_pages(0xfacefeeddeadf00d, 16067382020775526127, 0xdefaced00000000 "
            "/* PROT_??? */, 14624237743343197933, 0xf /* MAP_??? */|MAP_FIXED|MAP_NORESERVE|"
            f"MAP_HUGETLB|21<<MAP_HUGE_SHIFT) = {EINVAL}",
        ),
    ],
)
def test_kernel_calls_print_as_strace_prints_them(call, expected):
    assert line(*call) == expected


def test_module_parameters_are_cut_at_s_and_an_unreadable_one_is_its_address():
    param1 = {2: Mem(0x1000, PARAM1, truncated=True)}
    assert line("init_module", [0xFFFFFEEDFFFFFACE, 0, 0x1000], -8, param1) == (
        'init_module(0xfffffeedffffface, 0, "0123456789:;<=>?@ABCDEFGHIJKLMNO"...) = -1 ENOEXEC '
        "(Exec format error)"
    )
    cut = {2: Mem(0x7F753A1B6FF8, PARAM2[:7] + b"\x87", fault=True)}  # no NUL before the fault
    assert line("init_module", [0, 0xFFFFFCA7FFFFC0DE, 0x7F753A1B6FF8], -12, cut) == (
        "init_module(NULL, 18446740397217530078, 0x7f753a1b6ff8) = -1 ENOMEM "
        "(Cannot allocate memory)"
    )
    param2 = {2: Mem(0x1000, PARAM2)}
    assert line("init_module", [0, 0xFFFFFCA7FFFFC0DE, 0x1000], -12, param2) == (
        'init_module(NULL, 18446740397217530078, "\\200\\201\\202\\203\\204\\205\\206") = '
        "-1 ENOMEM (Cannot allocate memory)"
    )
    # (no capture at all, as when the plugin could not read: the address, never a guess)
    expected = f"delete_module(0x7f476e96cff8, 0) = {EFAULT}"
    assert line("delete_module", [0x7F476E96CFF8, 0], -14) == expected


SEGMS = 0x7F72E0946DE0  # tests/kexec_load.c's 17 segments, fill_memory()'s bytes
SEGMS_DATA = bytes(0x80 + i % 0x80 for i in range(17 * 32))


def _seg(k: int) -> str:
    """Segment k of the array (the bytes repeat every 4 segments)."""
    buf, bufsz, mem, memsz = struct.unpack_from("<4Q", SEGMS_DATA, 32 * (k % 4))
    return f"{{buf={buf:#x}, bufsz={bufsz}, mem={mem:#x}, memsz={memsz}}}"


def test_kexec_segments_print_up_to_s_then_the_address_where_a_read_stops():
    """strace -s 9, as tests/gen_tests.in runs kexec_load."""
    tail = SEGMS + 8 * 32  # the last 9 segments, 12 claimed: the 10th is past the mapping
    mem = Mem(tail, SEGMS_DATA[8 * 32 :], fault=True)
    expected = (
        "kexec_load(0xdeadca57badda7a1, 12, ["
        + ", ".join(_seg(k) for k in range(9))
        + ", ... /* 0x7f72e0947000 */], 0xda7a0000 /* KEXEC_ARCH_??? */|0xbadc0ded00001054 "
        f"/* KEXEC_??? */) = {EINVAL}"
    )
    args = [0xDEADCA57BADDA7A1, 12, tail, 0xBADC0DEDDA7A1054]
    assert line("kexec_load", args, -22, {2: mem}, strsize=9) == expected
    # 12 readable: 9, then "..."
    mem = Mem(SEGMS + 32, SEGMS_DATA[32:], fault=True)
    args = [0xDEADCA57BADDA7A1, 12, SEGMS + 32, 0x2A0003]
    assert line("kexec_load", args, -22, {2: mem}, strsize=9) == (
        "kexec_load(0xdeadca57badda7a1, 12, ["
        + ", ".join(_seg(k) for k in range(1, 10))
        + f", ...], KEXEC_ARCH_SH|KEXEC_ON_CRASH|KEXEC_PRESERVE_CONTEXT) = {EINVAL}"
    )
    # all 5 read: the whole array; the first unreadable: the address
    tail = SEGMS + 12 * 32
    mem = Mem(tail, SEGMS_DATA[12 * 32 :], fault=True)
    assert line("kexec_load", [0xDEADCA57BADDA7A1, 5, tail, 0], -99, {2: mem}, strsize=9) == (
        "kexec_load(0xdeadca57badda7a1, 5, ["
        + ", ".join(_seg(k) for k in range(5))
        + "], KEXEC_ARCH_DEFAULT) = -1 EADDRNOTAVAIL (Cannot assign requested address)"
    )
    assert line("kexec_load", [1, 2, 0x1000, 0], -22, {2: fault(0x1000)}).startswith(
        "kexec_load(0x1, 2, 0x1000, KEXEC_ARCH_DEFAULT)"
    )


STR256 = b"AbCdEfGhIjKlMnOpQrStUvWxYz012345" * 8


def test_reboot_restart2_command_is_read_up_to_255_bytes():
    """strace -s 256, as tests/gen_tests.in runs reboot: at most 255 bytes, ``...`` unless a
    NUL came within them (a 255-byte command with its NUL after still gets one)."""
    args = [319887762, 85072278, 0xA1B2C3D4, 0x1000]
    mem = Mem(0x1000, STR256, fault=True)
    assert line("reboot", args, -22, {3: mem}, strsize=256, hexstr=1) == (
        "reboot(0x13111992 /* LINUX_REBOOT_MAGIC_??? */, LINUX_REBOOT_MAGIC2A, "
        f'LINUX_REBOOT_CMD_RESTART2, "{STR256[:255].decode()}"...) = {EINVAL}'
    )
    # 254 bytes, then an unmapped page: the address
    args = [319887762, 537993216, 0xA1B2C3D4, 0x7FD4F8633F02]
    mem = Mem(0x7FD4F8633F02, STR256[2:], fault=True)
    assert line("reboot", args, -22, {3: mem}, strsize=256) == (
        "reboot(0x13111992 /* LINUX_REBOOT_MAGIC_??? */, LINUX_REBOOT_MAGIC2C, "
        f"LINUX_REBOOT_CMD_RESTART2, 0x7fd4f8633f02) = {EINVAL}"
    )
    args = [319887762, 0xFFFFFFFFFFFFFFFF, 0xA1B2C3D4, 0x1000]
    mem = Mem(0x1000, STR256[:255] + b"\0")
    assert line("reboot", args, -22, {3: mem}, strsize=256) == (
        "reboot(0x13111992 /* LINUX_REBOOT_MAGIC_??? */, 0xffffffff /* LINUX_REBOOT_MAGIC_??? */, "
        f'LINUX_REBOOT_CMD_RESTART2, "{STR256[:255].decode()}"...) = {EINVAL}'
    )
    mem = Mem(0x1001, STR256[1:255] + b"\0")
    args[3] = 0x1001
    assert line("reboot", args, -22, {3: mem}, strsize=256) == (
        "reboot(0x13111992 /* LINUX_REBOOT_MAGIC_??? */, 0xffffffff /* LINUX_REBOOT_MAGIC_??? */, "
        f'LINUX_REBOOT_CMD_RESTART2, "{STR256[1:255].decode()}") = {EINVAL}'
    )
    # -s 32: cut at 32
    assert line("reboot", args, -22, {3: mem}) == (
        "reboot(0x13111992 /* LINUX_REBOOT_MAGIC_??? */, 0xffffffff /* LINUX_REBOOT_MAGIC_??? */, "
        f'LINUX_REBOOT_CMD_RESTART2, "{STR256[1:33].decode()}"...) = {EINVAL}'
    )


def test_syslog_read_shows_what_the_kernel_filled():
    """(follows syslog.c: strace's test runs the reading actions only with injection)"""
    assert line("syslog", [3, 0x1000, 64], 6, exit={1: Mem(0x1000, b"<6>hi\n")}) == (
        'syslog(3 /* SYSLOG_ACTION_READ_ALL */, "<6>hi\\n", 64) = 6'
    )
    assert line("syslog", [2, 0x1000, 64], -1) == (
        "syslog(2 /* SYSLOG_ACTION_READ */, 0x1000, 64) = -1 EPERM (Operation not permitted)"
    )


def test_raw_prints_the_numbers():
    """-X raw: flags in hex; syslog's action and level stay verbose (strace asks for it)."""
    args = [0xFACEFEEDDEADF00D, 0xDEFACED1BAD2BEEF, 0xDEFACED00000000, 0xCAF3BABEBAD4DEED]
    assert line("remap_file_pages", [*args, 0x5404401F], -22, raw=True) == (
        "remap_file_pages(0xfacefeeddeadf00d, 16067382020775526127, 0xdefaced00000000, "
        f"14624237743343197933, 0x5404401f) = {EINVAL}"
    )
    assert line("kexec_load", [0, 0, 0, 0xBADC0DEDDA7A1054], -22, raw=True) == (
        f"kexec_load(NULL, 0, NULL, 0xda7a0000|0xbadc0ded00001054) = {EINVAL}"
    )
    assert line("kexec_load", [1, 17, 0x7F9DC7B36DE0, 0x2A0003], -22, raw=True) == (
        f"kexec_load(0x1, 17, 0x7f9dc7b36de0, 0x2a0000|0x3) = {EINVAL}"
    )
    assert line("reboot", [0xFEE1DEAD, 672274793, 0x01234568], -22, raw=True) == (
        f"reboot(0xfee1dead, 0x28121969, 0x1234568) = {EINVAL}"
    )
    assert line("swapon", [0x1000, 2**64 - 1], -22, {0: s("swap.sample")}, raw=True) == (
        f'swapon("swap.sample", 0xffff8000|32767) = {EINVAL}'
    )
    assert line("delete_module", [0x1000, 0xFFFFFFFF00000800], -2, {0: s("m")}, raw=True) == (
        'delete_module("m", 0x800) = -1 ENOENT (No such file or directory)'
    )
    assert line("memfd_secret", [0x80000], -38, raw=True) == (
        "memfd_secret(0x80000) = -1 ENOSYS (Function not implemented)"
    )
    assert line("pkey_alloc", [0, 0xBADC0DED00000002], -22, raw=True) == (
        f"pkey_alloc(0, 0xbadc0ded00000002) = {EINVAL}"
    )
    assert line("syslog", [0x7FFFFFFF, 0, 2**64 - 1], -22, raw=True) == (
        f"syslog(2147483647 /* SYSLOG_ACTION_??? */, NULL, -1) = {EINVAL}"
    )
