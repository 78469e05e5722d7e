"""The new mount API, fanotify and Landlock: each expected line is what strace 6.1 printed
in the guest for the same call (its own test programs, `vmstrace conformance strace-NAME`),
except fsconfig's, whose test needs -y: those follow strace's fsconfig.c and
tests/fsconfig.c."""

from __future__ import annotations

import struct

import pytest
from lines import line, s

from vmstrace.core.events import Mem

EINVAL, EFAULT, EBADF = -22, -14, -9
FAULT = Mem(0x7F0000000000, b"", fault=True)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("fsopen", [0, 0xDEFACED00000002], EINVAL),
            "fsopen(NULL, 0x2 /* FSOPEN_??? */) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("fsmount", [0xDEFACEDFFFFFF9C, 0xDEFACED00000000, 0xDEFACED00000000], EBADF),
            "fsmount(-100, 0, 0) = -1 EBADF (Bad file descriptor)",
        ),
        (
            ("fsmount", [0xDEFACED00000003, 0xDEFACEDFFFFFFFF, 0xDEFACEDFFFFFFFF], EINVAL),
            "fsmount(3, FSMOUNT_CLOEXEC|0xfffffffe, MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|"
            "MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC|MOUNT_ATTR_NOATIME|MOUNT_ATTR_STRICTATIME|"
            "MOUNT_ATTR_NODIRATIME|0xffffff40) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("fsmount", [0xDEFACED00000003, 0xDEFACEDFFFFFFFE, 0xDEFACED00000040], EINVAL),
            "fsmount(3, 0xfffffffe /* FSMOUNT_??? */, 0x40 /* MOUNT_ATTR_??? */) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            ("fspick", [0xDEFACEDFFFFFFFF, 0, 0xDEFACED00000001], EFAULT),
            "fspick(-1, NULL, FSPICK_CLOEXEC) = -1 EFAULT (Bad address)",
        ),
        (
            (
                "move_mount",
                [0xDEFACEDFFFFFFFF, 0, 0xDEFACEDFFFFFF9C, 0x7FD19B32E000, 0xDEFACED00000000],
                EFAULT,
            ),
            "move_mount(-1, NULL, AT_FDCWD, 0x7fd19b32e000, 0) = -1 EFAULT (Bad address)",
        ),
        (
            (
                "mount_setattr",
                [0xDEFACEDFFFFFFFF, 0, 0xDEFACED00000100, 0x7FA056CEA000, 0xFFFFFFFF],
                -7,
            ),
            "mount_setattr(-1, NULL, AT_SYMLINK_NOFOLLOW, 0x7fa056cea000, 4294967295) = -1 E2BIG "
            "(Argument list too long)",
        ),
        (
            ("fanotify_init", [0xFFFFFFFF00000000, 0xFFFFFFFF00000000], 3),
            "fanotify_init(FAN_CLASS_NOTIF, O_RDONLY) = 3",
        ),
        (
            ("fanotify_init", [0xFFFFFFFF0000000C, 0xDEADBEEF80000001], EINVAL),
            "fanotify_init(0xc /* FAN_CLASS_??? */, O_WRONLY|0x80000000) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            ("fanotify_init", [0xDEC0DEDDEFACE004, 0xFFFFFFFF00000000], EINVAL),
            "fanotify_init(FAN_CLASS_CONTENT|0xeface000 /* FAN_??? */, O_RDONLY) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            ("fanotify_init", [0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF00000000], EINVAL),
            "fanotify_init(0xc /* FAN_CLASS_??? */|FAN_CLOEXEC|FAN_NONBLOCK|FAN_UNLIMITED_QUEUE|"
            "FAN_UNLIMITED_MARKS|FAN_ENABLE_AUDIT|FAN_REPORT_PIDFD|FAN_REPORT_TID|"
            "FAN_REPORT_FID|FAN_REPORT_DIR_FID|FAN_REPORT_NAME|FAN_REPORT_TARGET_FID|"
            "0xffffe000, O_RDONLY) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("fanotify_mark", [0x12345678, 0xDEADBEEFEFACE800, 0xFFFFFFFFA7F02000, 0], EINVAL),
            "fanotify_mark(305419896, 0xeface800 /* FAN_MARK_??? */, 0xffffffffa7f02000 "
            "/* FAN_??? */, 0, NULL) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("fanotify_mark", [0, 0x40, 0, 0xDEC0DED0FFFFFFFF], EINVAL),
            "fanotify_mark(0, FAN_MARK_IGNORED_SURV_MODIFY, 0, FAN_NOFD, NULL) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            ("fanotify_mark", [0, 0, 0, 0xBADFACEDFFFFFF9C, 0xFACEFEEDBEEFBEAD], EINVAL),
            "fanotify_mark(0, 0, 0, AT_FDCWD, 0xfacefeedbeefbead) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("fanotify_mark", [0, 0, 0, 0xFACEFEEDBEEFF00D], EINVAL),
            "fanotify_mark(0, 0, 0, -1091571699, NULL) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("landlock_create_ruleset", [0, 0, 0xD1EFACED00000001], 2),
            "landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) = 2",
        ),
        (
            (
                "landlock_create_ruleset",
                [0xFFFFFFFF00000000, 0xDEFEEDEDDEADFACE, 0xBADC0DEDBADFACED],
                EINVAL,
            ),
            "landlock_create_ruleset(0xffffffff00000000, 16068542126403484366, "
            "LANDLOCK_CREATE_RULESET_VERSION|0xbadfacec) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("landlock_create_ruleset", [0x7F4ACA378000, 0xBADFACEDDECAFFEE, 0xBADCAFFE], EINVAL),
            "landlock_create_ruleset(0x7f4aca378000, 13465671548506144750, 0xbadcaffe "
            "/* LANDLOCK_CREATE_RULESET_??? */) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("landlock_add_rule", [0xD1EFACED00000000, 0xD1EFACED00000000, 0, 0], -77),
            "landlock_add_rule(0, 0 /* LANDLOCK_RULE_??? */, NULL, 0) = -1 EBADFD "
            "(File descriptor in bad state)",
        ),
        (
            (
                "landlock_add_rule",
                [0xD1EFACEDDEADC0DE, 0xD1EFACEDFACEBEEF, 0x7F74B398F000, 0xD1EFACED00000001],
                EINVAL,
            ),
            "landlock_add_rule(-559038242, 0xfacebeef /* LANDLOCK_RULE_??? */, 0x7f74b398f000, "
            "0x1) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("landlock_restrict_self", [0xD1EFACED000024C1, 0xD1EFACEDFFFFFFFF], EINVAL),
            "landlock_restrict_self(9409, 0xffffffff) = -1 EINVAL (Invalid argument)",
        ),
    ],
)
def test_register_arguments_print_as_strace_prints_them(call, expected):
    assert line(*call) == expected


def test_strings_and_paths_cut_or_unreadable():
    addr = 0x7F9048B76FDE
    long = {0: Mem(addr, b"0123456789" * 4 + b"\0")}
    assert line("fsopen", [addr, 0xDEFACED00000001], -19, long) == (
        'fsopen("01234567890123456789012345678901"..., FSOPEN_CLOEXEC) = -1 ENODEV (No such device)'
    )
    assert line("fsopen", [0x7F9048B77000, 0xDEFACEDFFFFFFFE], EINVAL, {0: FAULT}) == (
        "fsopen(0x7f9048b77000, 0xfffffffe /* FSOPEN_??? */) = -1 EINVAL (Invalid argument)"
    )
    assert line("fsopen", [0x1000, 0xDEFACEDFFFFFFFF], EINVAL, {0: s("")}) == (
        'fsopen("", FSOPEN_CLOEXEC|0xfffffffe) = -1 EINVAL (Invalid argument)'
    )
    assert line("fspick", [0xDEFACED00000004, 0x1000, 0xDEFACED00000008], EINVAL, {1: s("")}) == (
        'fspick(4, "", FSPICK_EMPTY_PATH) = -1 EINVAL (Invalid argument)'
    )
    mm = [0xDEFACEDFFFFFFFF, 0x1000, 0xDEFACEDFFFFFF9C, 0x2000, 0xDEFACED00000177]
    paths = {1: s("/dev/full"), 3: Mem(0x2000, b"\0")}
    assert line("move_mount", mm, EINVAL, paths) == (
        'move_mount(-1, "/dev/full", AT_FDCWD, "", MOVE_MOUNT_F_SYMLINKS|'
        "MOVE_MOUNT_F_AUTOMOUNTS|MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_SYMLINKS|"
        "MOVE_MOUNT_T_AUTOMOUNTS|MOVE_MOUNT_T_EMPTY_PATH|MOVE_MOUNT_SET_GROUP) = -1 EINVAL "
        "(Invalid argument)"
    )
    tree = [0xDEFACEDFFFFFFFF, 0x1000, 0xDEFACEDFFFFFFFF]
    assert line("open_tree", tree, EINVAL, {1: s("")}) == (
        'open_tree(-1, "", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_SYMLINK_NOFOLLOW|AT_REMOVEDIR|'
        "AT_SYMLINK_FOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|AT_RECURSIVE|0xfff760fe) = -1 EINVAL "
        "(Invalid argument)"
    )
    tree = [0xDEFACEDFFFFFFFF, 0x7F67BCE0F000, 0xDEFACED00080001]
    assert line("open_tree", tree, EFAULT, {1: FAULT}) == (
        "open_tree(-1, 0x7f67bce0f000, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) = -1 EFAULT (Bad address)"
    )
    at = [0xDEFACEDFFFFFFFF, 0x1000, 0xDEFACEDFFFF66FF, 0, 32]
    assert line("mount_setattr", at, EINVAL, {1: s("")}) == (
        'mount_setattr(-1, "", 0xffff66ff /* AT_??? */, NULL, 32) = -1 EINVAL (Invalid argument)'
    )


MOUNT_ATTR = struct.pack("<4Q", 0xFFFFFFFF00000000, 0, 1 << 17, 9)
MOUNT_ATTR_FD = struct.pack("<4Q", 2, 4, 1 << 19, 0xDEFACED00000009)
HEAD = 'mount_setattr(-1, "/dev/full", 0, {attr_set=0xffffffff00000000 /* MOUNT_ATTR_??? */, '


def _setattr(attr: Mem, size: int, ret: int, **opts) -> str:
    regs = [0xDEFACEDFFFFFFFF, 0x1000, 0xDEFACED00000000, 0x3000, size]
    return line("mount_setattr", regs, ret, {1: s("/dev/full"), 3: attr}, **opts)


def test_mount_setattr_struct_and_its_tail():
    assert _setattr(Mem(0x3000, MOUNT_ATTR), 32, EINVAL) == (
        HEAD + "attr_clr=0, propagation=MS_UNBINDABLE, userns_fd=9}, 32) = -1 EINVAL "
        "(Invalid argument)"
    )
    # 40 bytes asked, the last 8 in an unmapped page
    assert _setattr(Mem(0x3000, MOUNT_ATTR, fault=True), 40, EFAULT) == (
        HEAD + "attr_clr=0, propagation=MS_UNBINDABLE, userns_fd=9, ???}, 40) = -1 EFAULT "
        "(Bad address)"
    )
    tail = bytes(range(0x80, 0x88))
    assert _setattr(Mem(0x3000, MOUNT_ATTR + tail), 40, -7) == (
        HEAD + "attr_clr=0, propagation=MS_UNBINDABLE, userns_fd=9, /* bytes 32..39 */ "
        '"\\x80\\x81\\x82\\x83\\x84\\x85\\x86\\x87"}, 40) = -1 E2BIG (Argument list too long)'
    )
    assert _setattr(Mem(0x3000, MOUNT_ATTR + bytes(8)), 40, EINVAL) == (
        HEAD + "attr_clr=0, propagation=MS_UNBINDABLE, userns_fd=9}, 40) = -1 EINVAL "
        "(Invalid argument)"
    )
    every = struct.pack(
        "<4Q", 0xFFFFFFFFFFFFFFFF ^ 0xFFFFFFFFFFCFFF40, 0xFFFFFFFFFFCFFF40, 0x140000, 9
    )
    assert _setattr(Mem(0x3000, every + tail), 40, -7).startswith(
        'mount_setattr(-1, "/dev/full", 0, {attr_set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|'
        "MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC|MOUNT_ATTR_NOATIME|MOUNT_ATTR_STRICTATIME|"
        "MOUNT_ATTR_NODIRATIME|MOUNT_ATTR_IDMAP|MOUNT_ATTR_NOSYMFOLLOW, "
        "attr_clr=0xffffffffffcfff40 /* MOUNT_ATTR_??? */, propagation=0x140000 /* MS_??? */, "
        'userns_fd=9, /* bytes 32..39 */ "\\x80'
    )
    regs = [0xDEFACED00000009, 0x1000, 0xDEFACED00001000, 0x3000, 32]
    assert line("mount_setattr", regs, EBADF, {1: s(""), 3: Mem(0x3000, MOUNT_ATTR_FD)}) == (
        'mount_setattr(9, "", AT_EMPTY_PATH, {attr_set=MOUNT_ATTR_NOSUID, '
        "attr_clr=MOUNT_ATTR_NODEV, propagation=MS_SLAVE, userns_fd=1004211375834136585}, 32) "
        "= -1 EBADF (Bad file descriptor)"
    )
    # short of the struct, or unreadable: the address
    assert ", 0x3000, 31) = " in _setattr(Mem(0x3000, MOUNT_ATTR), 31, EINVAL)
    assert ", 0x3000, 32) = " in _setattr(FAULT, 32, EFAULT)
    # -s 4: four of the tail's bytes, then "..."
    assert '/* bytes 32..39 */ "\\x80\\x81\\x82\\x83"...}' in _setattr(
        Mem(0x3000, MOUNT_ATTR + tail), 40, -7, strsize=4
    )


def test_landlock_ruleset_attr():
    attr = {0: Mem(0x1000, struct.pack("<Q", 1))}
    assert line("landlock_create_ruleset", [0x1000, 8, 0xD1EFACED00000000], 3, attr) == (
        "landlock_create_ruleset({handled_access_fs=LANDLOCK_ACCESS_FS_EXECUTE}, 8, 0) = 3"
    )
    assert line("landlock_create_ruleset", [0x1000, 12, 0], EFAULT, attr) == (
        "landlock_create_ruleset({handled_access_fs=LANDLOCK_ACCESS_FS_EXECUTE, ...}, 12, 0) "
        "= -1 EFAULT (Bad address)"
    )
    odd = {0: Mem(0x1000, struct.pack("<Q", 0xDEBEEFEDDECAC000))}
    assert line("landlock_create_ruleset", [0x1000, 8, 0], EINVAL, odd) == (
        "landlock_create_ruleset({handled_access_fs=0xdebeefeddecac000 "
        "/* LANDLOCK_ACCESS_FS_??? */}, 8, 0) = -1 EINVAL (Invalid argument)"
    )
    some = {0: Mem(0x1000, struct.pack("<Q", 0xDEBEEFEDDECAFEED))}
    assert line("landlock_create_ruleset", [0x1000, 8, 0], EINVAL, some) == (
        "landlock_create_ruleset({handled_access_fs=LANDLOCK_ACCESS_FS_EXECUTE|"
        "LANDLOCK_ACCESS_FS_READ_FILE|LANDLOCK_ACCESS_FS_READ_DIR|LANDLOCK_ACCESS_FS_REMOVE_FILE|"
        "LANDLOCK_ACCESS_FS_MAKE_CHAR|LANDLOCK_ACCESS_FS_MAKE_DIR|LANDLOCK_ACCESS_FS_MAKE_SOCK|"
        "LANDLOCK_ACCESS_FS_MAKE_FIFO|LANDLOCK_ACCESS_FS_MAKE_BLOCK|LANDLOCK_ACCESS_FS_MAKE_SYM|"
        "LANDLOCK_ACCESS_FS_REFER|0xdebeefeddecac000}, 8, 0) = -1 EINVAL (Invalid argument)"
    )
    # a size short of the field: the address, the memory unread
    assert line("landlock_create_ruleset", [0x7F4ACA377FF8, 7, 0], EINVAL, attr) == (
        "landlock_create_ruleset(0x7f4aca377ff8, 7, 0) = -1 EINVAL (Invalid argument)"
    )
    assert line("landlock_create_ruleset", [0x7F4ACA377FF8, 8, 0], EFAULT, {0: FAULT}) == (
        "landlock_create_ruleset(0x7f4aca377ff8, 8, 0) = -1 EFAULT (Bad address)"
    )


def test_landlock_ruleset_version_is_not_an_fd():
    assert line("landlock_create_ruleset", [0, 0, 1], 2) == (
        "landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) = 2"
    )


def test_landlock_path_beneath_attr():
    regs = [0xD1EFACEDFFFFFFFF, 0xD1EFACED00000001, 0x7F74B398EFF4, 0xD1EFACED00000000]
    rule = {2: Mem(0x7F74B398EFF4, struct.pack("<Qi", 1, 11630))}
    assert line("landlock_add_rule", regs, EBADF, rule) == (
        "landlock_add_rule(-1, LANDLOCK_RULE_PATH_BENEATH, {allowed_access="
        "LANDLOCK_ACCESS_FS_EXECUTE, parent_fd=11630}, 0) = -1 EBADF (Bad file descriptor)"
    )
    odd = {2: Mem(0x7F74B398EFF4, struct.pack("<Qi", 0xDEBEEFEDDECAC000, -1))}
    assert line("landlock_add_rule", regs, EBADF, odd) == (
        "landlock_add_rule(-1, LANDLOCK_RULE_PATH_BENEATH, {allowed_access=0xdebeefeddecac000 "
        "/* LANDLOCK_ACCESS_FS_??? */, parent_fd=-1}, 0) = -1 EBADF (Bad file descriptor)"
    )
    # the struct's last 4 bytes in an unmapped page
    regs[2] = 0x7F74B398EFF8
    cut = {2: Mem(0x7F74B398EFF8, struct.pack("<Q", 1), fault=True)}
    assert line("landlock_add_rule", regs, EBADF, cut) == (
        "landlock_add_rule(-1, LANDLOCK_RULE_PATH_BENEATH, 0x7f74b398eff8, 0) = -1 EBADF "
        "(Bad file descriptor)"
    )
    # another rule type: the attribute is not read
    regs[1] = 2
    assert line("landlock_add_rule", regs, EINVAL, rule).startswith(
        "landlock_add_rule(-1, 0x2 /* LANDLOCK_RULE_??? */, 0x7f74b398eff8, 0)"
    )


def test_raw_flags_and_fds():
    assert line("fanotify_mark", [0, 1, 0x40000002, 0xDEC0DED0FFFFFFFF], EINVAL, raw=True) == (
        "fanotify_mark(0, 0x1, 0x40000002, -1, NULL) = -1 EINVAL (Invalid argument)"
    )
    assert line("fanotify_mark", [0, 1, 0x40000002, 0xBADFACEDFFFFFF9C], EINVAL, raw=True) == (
        "fanotify_mark(0, 0x1, 0x40000002, -100, NULL) = -1 EINVAL (Invalid argument)"
    )
    assert line("fanotify_mark", [0, 1, 0x40000002, 0xBADFACEDFFFFFF9C], EINVAL) == (
        "fanotify_mark(0, FAN_MARK_ADD, FAN_MODIFY|FAN_ONDIR, AT_FDCWD, NULL) = -1 EINVAL "
        "(Invalid argument)"
    )
    assert line("fanotify_init", [0x5, 0x80001], EINVAL, raw=True) == (
        "fanotify_init(0x4|0x1, 0x80001) = -1 EINVAL (Invalid argument)"
    )
    assert line("fsmount", [3, 1, 0xBF], EINVAL, raw=True) == (
        "fsmount(3, 0x1, 0xbf) = -1 EINVAL (Invalid argument)"
    )
    assert line("landlock_add_rule", [3, 1, 0, 0], EFAULT, raw=True) == (
        "landlock_add_rule(3, 0x1, NULL, 0) = -1 EFAULT (Bad address)"
    )


FSCONFIG_FD = 0xDEADBEEF00000003


@pytest.mark.parametrize(
    ("regs", "mem", "expected"),
    [
        # the key and a string value as strings, the aux as a number
        (
            [FSCONFIG_FD, 1, 0x1000, 0x2000, 0xFFFFFFFF],
            {2: s("source"), 3: Mem(0x2000, b"/dev/sda1\0junk")},
            'fsconfig(3, FSCONFIG_SET_STRING, "source", "/dev/sda1", -1)',
        ),
        # a flag: the value is not read
        (
            [FSCONFIG_FD, 0, 0x1000, 0x2000, 0],
            {2: s("ro"), 3: Mem(0x2000, b"x\0")},
            'fsconfig(3, FSCONFIG_SET_FLAG, "ro", 0x2000, 0)',
        ),
        # a binary value: aux bytes in hex
        (
            [FSCONFIG_FD, 2, 0x1000, 0x2000, 3],
            {2: s("blob"), 3: Mem(0x2000, b"\0\1\2\3")},
            'fsconfig(3, FSCONFIG_SET_BINARY, "blob", "\\x00\\x01\\x02", 3)',
        ),
        (
            [FSCONFIG_FD, 2, 0x1000, 0x2000, 0xFFFFFF9C],
            {2: s("blob"), 3: Mem(0x2000, b"\0\1\2\3")},
            'fsconfig(3, FSCONFIG_SET_BINARY, "blob", 0x2000, -100)',
        ),
        # a path, relative to a directory fd
        (
            [FSCONFIG_FD, 3, 0x1000, 0x2000, 0xFFFFFF9C],
            {2: s("source"), 3: Mem(0x2000, b"/dev/full\0")},
            'fsconfig(3, FSCONFIG_SET_PATH, "source", "/dev/full", AT_FDCWD)',
        ),
        (
            [FSCONFIG_FD, 5, 0x1000, 0x2000, 0xFFFFFF9C],
            {2: s("fd"), 3: Mem(0x2000, b"x\0")},
            'fsconfig(3, FSCONFIG_SET_FD, "fd", 0x2000, -100)',
        ),
        (
            [FSCONFIG_FD, 6, 0, 0, 0],
            {},
            "fsconfig(3, FSCONFIG_CMD_CREATE, NULL, NULL, 0)",
        ),
        (
            [0xFFFFFF9C, 0xFFFFFFFF, 0x1000, 0x2000, 3],
            {2: s("k")},
            "fsconfig(-100, 0xffffffff /* FSCONFIG_??? */, 0x1000, 0x2000, 3)",
        ),
        # unreadable: the addresses
        (
            [FSCONFIG_FD, 1, 0x1000, 0x2000, 0],
            {2: FAULT, 3: Mem(0x2000, b"abc", fault=True)},
            "fsconfig(3, FSCONFIG_SET_STRING, 0x1000, 0x2000, 0)",
        ),
    ],
)
def test_fsconfig(regs, mem, expected):
    assert line("fsconfig", regs, EINVAL, mem) == expected + " = -1 EINVAL (Invalid argument)"


def test_fsconfig_strings_stop_at_256_bytes_whatever_the_s():
    key = Mem(0x1000, b"k" * 256, truncated=True)
    value = Mem(0x2000, b"v" * 300 + b"\0")
    got = line("fsconfig", [3, 1, 0x1000, 0x2000, 0], EINVAL, {2: key, 3: value}, strsize=300)
    assert got == f'fsconfig(3, FSCONFIG_SET_STRING, "{"k" * 256}"..., "{"v" * 256}"..., 0)' + (
        " = -1 EINVAL (Invalid argument)"
    )
    value = Mem(0x2000, b"v" * 40 + b"\0")
    got = line("fsconfig", [3, 1, 0x1000, 0x2000, 0], EINVAL, {2: s("k"), 3: value})
    assert f'"k", "{"v" * 32}"..., 0)' in got


HANDLE = struct.pack("<Ii", 12, 1) + bytes.fromhex("e141adc2c10100000000000000")[:12]
F_HANDLE = '"\\xe1\\x41\\xad\\xc2\\xc1\\x01\\x00\\x00\\x00\\x00\\x00\\x00"'


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            (
                "name_to_handle_at",
                [0x87654321FFFFFF9C, 0x1000, 0x2000, 0x7FFEC3E84FFC, 0x401],
                -22,
                {1: Mem(0x1000, b".\0"), 2: Mem(0x2000, bytes(8), fault=True)},
            ),
            'name_to_handle_at(AT_FDCWD, ".", {handle_bytes=0}, 0x7ffec3e84ffc, '
            "AT_SYMLINK_FOLLOW|0x1) = -1 EINVAL (Invalid argument)",
        ),
        (
            (
                "name_to_handle_at",
                [0xFFFFFF9C, 0x1000, 0x2000, 0x7FFEC3E84FFC, 0x400],
                -75,
                {1: Mem(0x1000, b".\0"), 2: Mem(0x2000, bytes(8), fault=True)},
                {2: Mem(0x2000, struct.pack("<Ii", 12, 0), fault=True)},
            ),
            'name_to_handle_at(AT_FDCWD, ".", {handle_bytes=0 => 12}, 0x7ffec3e84ffc, '
            "AT_SYMLINK_FOLLOW) = -1 EOVERFLOW (Value too large for defined data type)",
        ),
        (
            (
                "name_to_handle_at",
                [0xFFFFFF9C, 0x1000, 0x2000, 0x3000, 0x400],
                0,
                {1: Mem(0x1000, b".\0"), 2: Mem(0x2000, struct.pack("<Ii", 12, 0) + bytes(12))},
                {2: Mem(0x2000, HANDLE), 3: Mem(0x3000, struct.pack("<i", 1))},
            ),
            'name_to_handle_at(AT_FDCWD, ".", {handle_bytes=12, handle_type=1, f_handle='
            + F_HANDLE
            + "}, [1], AT_SYMLINK_FOLLOW) = 0",
        ),
        (
            (
                "name_to_handle_at",
                [0xDEADCA57BADDA7A1, 0, 0x7F67C10D4038, 0, 0xDEADC0DEDA7A1457],
                -22,
                {2: Mem(0x7F67C10D4038, b"", fault=True)},
            ),
            "name_to_handle_at(-1159878751, NULL, 0x7f67c10d4038, NULL, "
            "AT_SYMLINK_FOLLOW|AT_EMPTY_PATH|0xda7a0057) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("open_by_handle_at", [0xFFFFFFFF, 0x2000, 0x10000], -9, {1: Mem(0x2000, HANDLE)}),
            "open_by_handle_at(-1, {handle_bytes=12, handle_type=1, f_handle="
            + F_HANDLE
            + "}, O_RDONLY|O_DIRECTORY) = -1 EBADF (Bad file descriptor)",
        ),
        # a handle larger than strace shows, and one whose bytes could not be read
        (
            (
                "open_by_handle_at",
                [3, 0x2000, 0],
                -22,
                {1: Mem(0x2000, struct.pack("<Ii", 200, 2) + b"\x01" * 128)},
            ),
            "open_by_handle_at(3, {handle_bytes=200, handle_type=2, f_handle="
            + '"'
            + "\\x01" * 128
            + '"...}, O_RDONLY) = -1 EINVAL (Invalid argument)',
        ),
        (
            (
                "open_by_handle_at",
                [3, 0x2000, 0],
                -22,
                {1: Mem(0x2000, struct.pack("<Ii", 12, 2), fault=True)},
            ),
            "open_by_handle_at(3, {handle_bytes=12, handle_type=2, f_handle=???}, O_RDONLY) = "
            "-1 EINVAL (Invalid argument)",
        ),
    ],
)
def test_file_handles(call, expected):
    assert line(*call) == expected
