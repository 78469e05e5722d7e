"""mount, personality, ioprio, seccomp, userfaultfd, inotify, utime(s), readahead and
sync_file_range, sendfile's offset, arch_prctl's NULL, siginfo's si_errno and si_uid: each
expected line is what strace 6.1 printed in the guest for the same call (its own test
programs, `vmstrace conformance strace-NAME`)."""

from __future__ import annotations

import struct

import pytest
from lines import line, s

from vmstrace.core.events import Mem
from vmstrace.decode.siginfo import siginfo_struct


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (("personality", [0xFFFFFFFF], 0), "personality(0xffffffff) = 0 (PER_LINUX)"),
        (("personality", [0], 0), "personality(PER_LINUX) = 0 (PER_LINUX)"),
        (
            ("personality", [0x10000], 0x7000000),
            "personality(PER_LINUX|0x10000) = 0x7000000 "
            "(PER_LINUX|SHORT_INODE|WHOLE_SECONDS|STICKY_TIMEOUTS)",
        ),
        (
            ("personality", [6], 0x7010000),
            "personality(PER_BSD) = 0x7010000 "
            "(PER_LINUX|SHORT_INODE|WHOLE_SECONDS|STICKY_TIMEOUTS|0x10000)",
        ),
        (
            ("ioprio_get", [1, 547], 0),
            "ioprio_get(IOPRIO_WHO_PROCESS, 547) = 0 (IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0))",
        ),
        (
            ("ioprio_get", [0xDEADFACEFA57BEEF, 0xBADC0DEDDA7A1057], -22),
            "ioprio_get(0xfa57beef /* IOPRIO_WHO_??? */, -629534633) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            ("inotify_init1", [0xFACEFEEDDEADBEEF], -22),
            "inotify_init1(IN_NONBLOCK|IN_CLOEXEC|0xdea5b6ef) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("inotify_init1", [0x55555550FF96B77B], -22),
            "inotify_init1(0xff96b77b /* IN_??? */) = -1 EINVAL (Invalid argument)",
        ),
        (("userfaultfd", [0xDEFACED00000800], 4), "userfaultfd(O_NONBLOCK) = 4"),
        (
            ("pidfd_open", [0, 2048], -22),
            "pidfd_open(0, PIDFD_NONBLOCK) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("mount", [0, 0, 0, 0, 0], -14),
            "mount(NULL, NULL, NULL, 0, NULL) = -1 EFAULT (Bad address)",
        ),
        (
            ("readahead", [0x80000000, 1 << 63, 0xDEADCA75], -9),
            "readahead(-2147483648, -9223372036854775808, 3735931509) = -1 EBADF "
            "(Bad file descriptor)",
        ),
        (
            (
                "sync_file_range",
                [0xFFFFFFFF, 0xDEADBEEFBADC0DED, 0xFACEFEEDCAFEF00D, 0xFFFFFFFF],
                -9,
            ),
            "sync_file_range(-1, -2401053089477161491, -374081421758762995, "
            "SYNC_FILE_RANGE_WAIT_BEFORE|SYNC_FILE_RANGE_WRITE|SYNC_FILE_RANGE_WAIT_AFTER|"
            "0xfffffff8) = -1 EBADF (Bad file descriptor)",
        ),
        (
            ("seccomp", [1, 0xFFFFFFFFFFFFFFC0, 0x7F1557671FFF], -22),
            "seccomp(SECCOMP_SET_MODE_FILTER, 0xffffffc0 /* SECCOMP_FILTER_FLAG_??? */, "
            "0x7f1557671fff) = -1 EINVAL (Invalid argument)",
        ),
    ],
)
def test_register_arguments_print_as_strace_prints_them(call, expected):
    assert line(*call) == expected


def test_mount_and_umount2_paths_flags_and_data():
    names = {0: s("/a"), 1: Mem(0x2000, b"/b\0"), 2: Mem(0x3000, b"tmpfs\0")}
    names[4] = Mem(0x4000, b"size=1m\0")
    args = [0x1000, 0x2000, 0x3000, 0x1 | 0x400, 0x4000]
    assert line("mount", args, 0, names) == (
        'mount("/a", "/b", "tmpfs", MS_RDONLY|MS_NOATIME, "size=1m") = 0'
    )
    # a bind: the kernel reads neither the type nor the data; the old magic by name
    args = [0x1000, 0x2000, 0x3000, 0xC0ED0000 | 0x1000 | 0x4000, 0x4000]
    assert line("mount", args, 0, names) == (
        'mount("/a", "/b", 0x3000, MS_MGC_VAL|MS_BIND|MS_REC, 0x4000) = 0'
    )
    assert line("umount2", [0x1000, 0x1F], -22, {0: s("umount2.sample")}) == (
        'umount2("umount2.sample", MNT_FORCE|MNT_DETACH|MNT_EXPIRE|UMOUNT_NOFOLLOW|0x10) = -1 '
        "EINVAL (Invalid argument)"
    )


def test_utime_and_utimes_show_the_times_with_their_dates():
    times = Mem(0x2000, struct.pack("<qq", 1492350678, 1492350678))
    assert line("utime", [0x1000, 0x2000], -2, {0: s("utime\nfilename"), 1: times}) == (
        'utime("utime\\nfilename", {actime=1492350678 /* 2017-04-16T13:51:18+0000 */, '
        "modtime=1492350678 /* 2017-04-16T13:51:18+0000 */}) = -1 ENOENT "
        "(No such file or directory)"
    )
    assert line("utime", [0, 0], -14).startswith("utime(NULL, NULL) = -1 EFAULT")
    tv = Mem(0x2000, struct.pack("<qQqQ", 1, 2, 0, 0))
    assert line("utimes", [0x1000, 0x2000], 0, {0: s("f"), 1: tv}) == (
        'utimes("f", [{tv_sec=1, tv_usec=2} /* 1970-01-01T00:00:01.000002+0000 */, '
        "{tv_sec=0, tv_usec=0}]) = 0"
    )
    assert line("futimesat", [2**64 - 100, 0x1000, 0x2000], 0, {1: s("f"), 2: tv}) == (
        'futimesat(AT_FDCWD, "f", [{tv_sec=1, tv_usec=2} /* 1970-01-01T00:00:01.000002+0000 */, '
        "{tv_sec=0, tv_usec=0}]) = 0"
    )
    assert line("futimesat", [5, 0x1000, 0], 0, {1: s("f")}) == 'futimesat(5, "f", NULL) = 0'


def test_seccomp_filter_program():
    prog = Mem(0x3000, struct.pack("<H6xQ", 7, 0x7F0000001000))
    assert line("seccomp", [1, 1, 0x3000], 0, {2: prog}) == (
        "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, "
        "{len=7, filter=0x7f0000001000}) = 0"
    )
    assert line("seccomp", [0, 0, 0], 0) == "seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL) = 0"


def test_sendfile_offset_is_unsigned_and_changed_only_by_a_transfer():
    off = struct.pack("<Q", 14627392582579060461)
    assert line("sendfile", [4, 5, 0x1000, 1], -22, {2: Mem(0x1000, off)}).startswith(
        "sendfile(4, 5, [14627392582579060461], 1) = -1 EINVAL"
    )
    same = Mem(0x1000, struct.pack("<Q", 233811181))
    assert line("sendfile", [4, 5, 0x1000, 1], 0, {2: same}, {2: same}) == (
        "sendfile(4, 5, [233811181], 1) = 0"
    )
    moved = Mem(0x1000, struct.pack("<Q", 233811182))
    assert line("sendfile", [4, 5, 0x1000, 1], 1, {2: same}, {2: moved}) == (
        "sendfile(4, 5, [233811181] => [233811182], 1) = 1"
    )


def test_arch_prctl_get_prints_a_null_base_as_null():
    zero = Mem(0x1000, bytes(8))
    assert line("arch_prctl", [0x1004, 0x1000], 0, None, {1: zero}) == (
        "arch_prctl(ARCH_GET_GS, [NULL]) = 0"
    )


def test_siginfo_errno_and_no_uid():
    info = struct.pack("<iii4xiI", 10, 2, -1, 369, 0xFFFFFFFF).ljust(128, b"\0")
    assert siginfo_struct(info) == (
        "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_errno=ENOENT, si_pid=369, si_uid=-1}"
    )
    info = struct.pack("<iii4xiI", 10, -1, 0, 1, 0).ljust(128, b"\0")
    assert siginfo_struct(info) == (
        "{si_signo=SIGUSR1, si_code=SI_USER, si_errno=4294967295, si_pid=1, si_uid=0}"
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("shmget", [0xFDB97531, 0xDEC0DED1DEC0DED2, 0], -2),
            "shmget(0xfdb97531, 16051074064915160786, 000) = -1 ENOENT (No such file or directory)",
        ),
        (
            ("shmget", [0xFDB97531, 0xDEC0DED1DEC0DED2, 0x54000000], -2),
            "shmget(0xfdb97531, 16051074064915160786, 21<<SHM_HUGE_SHIFT|000) = -1 ENOENT "
            "(No such file or directory)",
        ),
        (("shmget", [0, 4096, 0o1600], 3), "shmget(IPC_PRIVATE, 4096, IPC_CREAT|0600) = 3"),
        (
            ("semget", [0xFDB97531, 0xDEC0DED1, 0xFACE1E55], -22),
            "semget(0xfdb97531, -557785391, IPC_CREAT|IPC_EXCL|IPC_NOWAIT|0xface1000|0125) = -1 "
            "EINVAL (Invalid argument)",
        ),
        (("semget", [0, 1, 0o600], 0), "semget(IPC_PRIVATE, 1, 0600) = 0"),
        (
            ("msgget", [0xFDB9F531, 0xFACE1C55], -2),
            "msgget(0xfdb9f531, IPC_EXCL|IPC_NOWAIT|0xface1000|0125) = -1 ENOENT "
            "(No such file or directory)",
        ),
        (("msgget", [0, 0o600], 0), "msgget(IPC_PRIVATE, 0600) = 0"),
    ],
)
def test_system_v_ipc_keys_and_flags(call, expected):
    assert line(*call) == expected


def test_capabilities_by_version_and_set():
    hdr = Mem(0x1000, struct.pack("<Ii", 0x20080522, 0))
    sets = struct.pack("<III", 0x3, 0x1, 0) + struct.pack("<III", 0x1, 0, 0)
    got = Mem(0x2000, sets, at_exit=True)
    assert line("capget", [0x1000, 0x2000], 0, {0: hdr}, {1: got}) == (
        "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, "
        "{effective=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE|1<<CAP_MAC_OVERRIDE, "
        "permitted=1<<CAP_CHOWN, inheritable=0}) = 0"
    )
    assert line("capget", [0x1000, 0x2000], -14, {0: hdr}).startswith(
        "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, 0x2000) = -1 EFAULT"
    )
    assert line("capget", [0, 0], -14).startswith("capget(NULL, NULL) = -1 EFAULT")
    v1 = Mem(0x1000, struct.pack("<Ii", 0x19980330, 7))
    assert line("capset", [0x1000, 0x2000], -1, {0: v1, 1: Mem(0x2000, sets)}).startswith(
        "capset({version=_LINUX_CAPABILITY_VERSION_1, pid=7}, "
        "{effective=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE, permitted=1<<CAP_CHOWN, inheritable=0})"
    )


def test_openat2_open_how_as_strace_prints_it():
    path = {1: Mem(0x2000, b"openat2.sample\0")}
    how = struct.pack("<QQQ", 0o101, 0o777, 1)
    assert line("openat2", [0, 0, 0, 0xDEADC0DEBADC0DED], -7) == (
        "openat2(0, NULL, NULL, 16045693110241201645) = -1 E2BIG (Argument list too long)"
    )
    assert line("openat2", [-1, 0x2000, 0x3000, 11], -22, path).startswith(
        'openat2(-1, "openat2.sample", 0x3000, 11) = -1 EINVAL'  # shorter than open_how
    )
    got = line("openat2", [-1, 0x2000, 0x3000, 32], -7, {**path, 2: Mem(0x3000, how + b"\x80" * 8)})
    assert got.startswith(
        'openat2(-1, "openat2.sample", {flags=O_WRONLY|O_CREAT, mode=0777, '
        'resolve=RESOLVE_NO_XDEV, /* bytes 24..31 */ "\\x80\\x80\\x80\\x80\\x80\\x80\\x80\\x80"}, 32)'
    )
    cut = Mem(0x3000, struct.pack("<QQQ", 0o200, 0, 0), fault=True)
    assert line("openat2", [-1, 0x2000, 0x3000, 32], -14, {**path, 2: cut}).startswith(
        'openat2(-1, "openat2.sample", {flags=O_RDONLY|O_EXCL, resolve=0, ???}, 32)'
    )


@pytest.mark.parametrize(
    ("args", "ret", "expected"),
    [
        (
            [-87158697, -553988398, 0xDA7ADEAD, 0xDEC0DED3DEC0DED4, 0xBA5E1E55DEADC0DE],
            -3,
            "kcmp(-87158697, -553988398, 0xda7adead /* KCMP_??? */, 0xdec0ded3dec0ded4, "
            "0xba5e1e55deadc0de) = -1 ESRCH (No such process)",
        ),
        ([533, 533, 0, 23, 42], 1, "kcmp(533, 533, KCMP_FILE, 23, 42) = 1"),
        ([-1, -1, 1, 5, 6], -3, "kcmp(-1, -1, KCMP_VM) = -1 ESRCH (No such process)"),
    ],
)
def test_kcmp_shows_what_each_type_compares(args, ret, expected):
    assert line("kcmp", args, ret) == expected
    slot = {4: Mem(0x1000, struct.pack("<iiI", 5, 6, 7))}
    assert line("kcmp", [1, 1, 7, 3, 0x1000], 0, slot) == (
        "kcmp(1, 1, KCMP_EPOLL_TFD, 3, {efd=5, tfd=6, toff=7}) = 0"
    )


def test_modem_line_ioctls():
    def tiocm(req, value, ret=0):
        word = {2: Mem(0x1000, struct.pack("<I", value))}
        return line("ioctl", [3, req, 0x1000], ret, word, word)

    assert tiocm(0x5416, 0xE1FF).startswith(
        "ioctl(3, TIOCMBIS, [TIOCM_LE|TIOCM_DTR|TIOCM_RTS|TIOCM_ST|TIOCM_SR|TIOCM_CTS|TIOCM_CAR|"
        "TIOCM_RNG|TIOCM_DSR|TIOCM_OUT1|TIOCM_OUT2|TIOCM_LOOP]) = 0"
    )
    assert tiocm(0x5416, 0xFFFF1E00, -9).startswith(
        "ioctl(3, TIOCMBIS, [0xffff1e00 /* TIOCM_??? */]) = -1 EBADF"
    )
    assert tiocm(0x5415, 0x6) == "ioctl(3, TIOCMGET, [TIOCM_DTR|TIOCM_RTS]) = 0"


def test_memfd_create_huge_page_size():
    name = {0: Mem(0x1000, b"01234\0")}
    assert line("memfd_create", [0x1000, 0x78000000], -22, name).startswith(
        'memfd_create("01234", 30<<MFD_HUGE_SHIFT) = -1 EINVAL'
    )
    assert line("memfd_create", [0x1000, 0x54000005], 3, name) == (
        'memfd_create("01234", MFD_CLOEXEC|MFD_HUGETLB|21<<MFD_HUGE_SHIFT) = 3'
    )


def test_hostnames_unshare_and_pkey_free():
    assert line("sethostname", [0, 0xFFFFFFFF00000040], -14).startswith("sethostname(NULL, 64)")
    assert line("setdomainname", [0x1000, 5], 0, {0: Mem(0x1000, b"guest")}) == (
        'setdomainname("guest", 5) = 0'
    )
    # past __NEW_UTS_LEN the kernel reads nothing: the address
    assert line("sethostname", [0x1000, 65], -22).startswith("sethostname(0x1000, 65) = -1")
    assert line("unshare", [0xBADC0DED0000000F], -22).startswith(
        "unshare(0xbadc0ded0000000f /* CLONE_??? */)"
    )
    assert line("pkey_free", [0xBADC0DED00000000], -22).startswith("pkey_free(0) = -1")


def test_mount_flags_raw_keep_the_magic_apart():
    args = [0, 0, 0, 0xC0ED000F, 0]
    assert line("mount", args, -2, raw=True).startswith(
        "mount(NULL, NULL, NULL, 0xc0ed0000|0xf, NULL)"
    )
    assert line("mount", [0, 0, 0, 0xC0ED0000, 0], -2, raw=True).startswith(
        "mount(NULL, NULL, NULL, 0xc0ed0000, NULL)"
    )


def _timex(modes: int = 0) -> bytes:
    d = bytearray(208)
    struct.pack_into("<I", d, 0, modes)
    struct.pack_into("<i", d, 40, 0x40)  # STA_UNSYNC
    for at, v in ((24, 16000000), (32, 16000000), (48, 2), (56, 1), (64, 32768000), (88, 10000)):
        struct.pack_into("<q", d, at, v)
    struct.pack_into("<qQ", d, 72, 1796627129, 602506)
    return bytes(d)


TIMEX_TEXT = (
    "offset=0, freq=0, maxerror=16000000, esterror=16000000, status=STA_UNSYNC, constant=2, "
    "precision=1, tolerance=32768000, time={tv_sec=1796627129, tv_usec=602506}, tick=10000, "
    "ppsfreq=0, jitter=0, shift=0, stabil=0, jitcnt=0, calcnt=0, errcnt=0, stbcnt=0, tai=0}"
)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("adjtimex", [0x1000], 5, None, {0: Mem(0x1000, _timex())}),
            "adjtimex({modes=0, " + TIMEX_TEXT + ") = 5 (TIME_ERROR)",
        ),
        (
            ("adjtimex", [0x1000], -1, None, {0: Mem(0x1000, _timex(0xA001 | 0x4000 | 0x800))}),
            "adjtimex({modes=ADJ_OFFSET_SS_READ|ADJ_TICK|0x800, "
            + TIMEX_TEXT
            + ") = -1 EPERM (Operation not permitted)",
        ),
        (("adjtimex", [0], -14), "adjtimex(NULL) = -1 EFAULT (Bad address)"),
        (
            ("clock_adjtime", [0xFFFFFFFF00000001, 0], -14),
            "clock_adjtime(CLOCK_MONOTONIC, NULL) = -1 EFAULT (Bad address)",
        ),
        # unreadable at exit: the address, and the state unnamed
        (
            (
                "clock_adjtime",
                [0, 0x7FCC84851FFF],
                5,
                None,
                {1: Mem(0x7FCC84851FFF, b"", fault=True)},
            ),
            "clock_adjtime(CLOCK_REALTIME, 0x7fcc84851fff) = 5",
        ),
    ],
)
def test_timex_is_read_at_exit_and_names_the_clock_state(call, expected):
    assert line(*call) == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("add_key", [0, 0, 0, 0, 0], -14),
            "add_key(NULL, NULL, NULL, 0, 0) = -1 EFAULT (Bad address)",
        ),
        (
            ("add_key", [0, 0, 0, 0, 0xB669FD2E], -14),
            "add_key(NULL, NULL, NULL, 0, -1234567890) = -1 EFAULT (Bad address)",
        ),
        (
            (
                "add_key",
                [0x1000, 0x2000, 0x3000, 4, 0xFFFFFFFD],
                -22,
                {0: s("user"), 1: s("desc"), 2: Mem(0x3000, b"\x01\x02ab")},
            ),
            'add_key("user", "desc", "\\1\\2ab", 4, KEY_SPEC_SESSION_KEYRING) = -1 EINVAL '
            "(Invalid argument)",
        ),
        (
            ("request_key", [0x1000, 0x2000, 0, 0xFFFFFFF8], -126, {0: s("user"), 1: s("k")}),
            'request_key("user", "k", NULL, KEY_SPEC_REQUESTOR_KEYRING) = -1 ENOKEY '
            "(Required key not available)",
        ),
        (
            ("request_key", [0, 0, 0, 0xFFFFFFFF], -14, None, None, {"raw": True}),
            "request_key(NULL, NULL, NULL, -1) = -1 EFAULT (Bad address)",
        ),
    ],
)
def test_keys_name_their_keyrings(call, expected):
    *head, opts = call if len(call) == 6 else (*call, {})
    assert line(*head, **opts) == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("shmat", [0xFDD9B5B1, 0xDEC0DED1DEC0DED2, 0xFFFFFACE], -22),
            "shmat(-36063823, 0xdec0ded1dec0ded2, SHM_RDONLY|SHM_RND|SHM_REMAP|SHM_EXEC|"
            "0xffff0ace) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("shmat", [0, 0, 0x4000], -22),
            "shmat(0, NULL, SHM_REMAP) = -1 EINVAL (Invalid argument)",
        ),
        (("iopl", [4], -22), "iopl(4) = -1 EINVAL (Invalid argument)"),
        (
            ("pidfd_getfd", [0, 0, 0xBADC0DED], -22),
            "pidfd_getfd(0, 0, 0xbadc0ded) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("process_mrelease", [0xBADC0DED00000000, 0xBADC0DEDFACEFEED], -22),
            "process_mrelease(0, 0xfacefeed) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("lookup_dcookie", [0xF157FEEDDEADFACE, 0x7F2CE8BDE000, 0xBADC0DEDDA7A1057], -38),
            "lookup_dcookie(17390648783711107790, 0x7f2ce8bde000, 13464652301154783319) = -1 "
            "ENOSYS (Function not implemented)",
        ),
    ],
)
def test_small_calls_print_their_registers_as_strace(call, expected):
    assert line(*call) == expected


PKEY = struct.pack("<iII7I", -2, 0, 0, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            (
                "keyctl",
                [
                    0xBADC0DEDFACEFEED,
                    0xDEADFEE1BADC0DE5,
                    0xDEADFEE2BADC0DE6,
                    0xDEADFEE3BADC0DE7,
                    0xDEADFEE4BADC0DE8,
                ],
                -95,
            ),
            "keyctl(0xfacefeed /* KEYCTL_??? */, 0xdeadfee1badc0de5, 0xdeadfee2badc0de6, "
            "0xdeadfee3badc0de7, 0xdeadfee4badc0de8) = -1 EOPNOTSUPP (Operation not supported)",
        ),
        (
            ("keyctl", [0, 0xFFFFFFFF, 0xBB40E64D], 123156337),
            "keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, -1153374643) = 123156337",
        ),
        (("keyctl", [18], 0), "keyctl(KEYCTL_SESSION_TO_PARENT) = 0"),
        (
            ("keyctl", [6, 0xFFFFFFFD, 0x1000, 32], 10, None, {2: Mem(0x1000, b"keyring;0\0")}),
            'keyctl(KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, "keyring;0", 32) = 10',
        ),
        (
            ("keyctl", [6, 0xFFFFFFFD, 0x1000, 32], -14),
            "keyctl(KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, 0x1000, 32) = -1 EFAULT "
            "(Bad address)",
        ),
        (
            (
                "keyctl",
                [10, 0xFFFFFFFA, 0x1000, 0x2000, 0xFFFFFFF9],
                -126,
                {2: s("user"), 3: s("desc")},
            ),
            'keyctl(KEYCTL_SEARCH, KEY_SPEC_GROUP_KEYRING, "user", "desc", '
            "KEY_SPEC_REQKEY_AUTH_KEY) = -1 ENOKEY (Required key not available)",
        ),
        (
            ("keyctl", [5, 1, 0x3F010000], -22),
            "keyctl(KEYCTL_SETPERM, 1, KEY_POS_VIEW|KEY_POS_READ|KEY_POS_WRITE|KEY_POS_SEARCH|"
            "KEY_POS_LINK|KEY_POS_SETATTR|KEY_USR_VIEW) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("keyctl", [19, 1, 5, 129, 0xFFFFFFFE], -22),
            "keyctl(KEYCTL_REJECT, 1, 5, EKEYREJECTED, KEY_SPEC_PROCESS_KEYRING) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            (
                "keyctl",
                [23, 0x1000, 0x2000, 9, 0],
                -126,
                {1: Mem(0x1000, struct.pack("<3i", -6, 1234567890, -1153374643), fault=True)},
            ),
            "keyctl(KEYCTL_DH_COMPUTE, {private=KEY_SPEC_GROUP_KEYRING, prime=1234567890, "
            "base=-1153374643}, 0x2000, 9, NULL) = -1 ENOKEY (Required key not available)",
        ),
        (
            (
                "keyctl",
                [25, 0x1000, 0x2000, 0x3000, 0x4000],
                -126,
                {1: Mem(0x1000, PKEY), 2: Mem(0x2000, bytes(33)), 3: Mem(0x3000, b"x")},
            ),
            'keyctl(KEYCTL_PKEY_ENCRYPT, {key_id=KEY_SPEC_PROCESS_KEYRING, in_len=0, out_len=0}, "", '
            '"", 0x4000) = -1 ENOKEY (Required key not available)',
        ),
        (
            ("keyctl", [31, 0x7FD09C261FFF, 2], -14),
            "keyctl(KEYCTL_CAPABILITIES, 0x7fd09c261fff, 2) = -1 EFAULT (Bad address)",
        ),
    ],
)
def test_keyctl_prints_each_commands_arguments(call, expected):
    assert line(*call) == expected


def test_shmget_huge_page_shift_is_a_number_under_raw():
    args = [0xFDB97531, 0xDEC0DED1DEC0DED2, 21 << 26]
    tail = " = -1 ENOENT (No such file or directory)"
    assert line("shmget", args, -2, raw=True) == (
        "shmget(0xfdb97531, 16051074064915160786, 21<<26|000)" + tail
    )
    assert line("shmget", args, -2) == (
        "shmget(0xfdb97531, 16051074064915160786, 21<<SHM_HUGE_SHIFT|000)" + tail
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("seccomp", [2, 0, 0x1FFC], 0, {2: Mem(0x1FFC, struct.pack("<I", 0), fault=True)}),
            "seccomp(SECCOMP_GET_ACTION_AVAIL, 0, [SECCOMP_RET_KILL_THREAD]) = 0",
        ),
        (
            ("seccomp", [2, 0, 0x1FFC], -95, {2: Mem(0x1FFC, b"\xff" * 4, fault=True)}),
            "seccomp(SECCOMP_GET_ACTION_AVAIL, 0, [0xffffffff /* SECCOMP_RET_??? */]) = -1 "
            "EOPNOTSUPP (Operation not supported)",
        ),
        (
            (
                "seccomp",
                [3, 0, 0x1FFA],
                0,
                {2: Mem(0x1FFA, bytes(6), fault=True)},
                {2: Mem(0x1FFA, struct.pack("<3H", 80, 24, 64), fault=True)},
            ),
            "seccomp(SECCOMP_GET_NOTIF_SIZES, 0, {seccomp_notif=80, seccomp_notif_resp=24, "
            "seccomp_data=64}) = 0",
        ),
        (
            ("seccomp", [3, 0, 0x1FFA], -14, None, {2: Mem(0x1FFA, bytes(6))}),
            "seccomp(SECCOMP_GET_NOTIF_SIZES, 0, 0x1ffa) = -1 EFAULT (Bad address)",
        ),
    ],
)
def test_seccomp_action_and_notification_sizes(call, expected):
    assert line(*call) == expected


LDT_BITS = 2 << 1 | 1 << 3 | 1 << 7  # contents=2, read_exec_only, lm


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (("modify_ldt", [0, 0, 0], 0), "modify_ldt(0, NULL, 0) = 0"),
        # the int the kernel returns, zero-extended: strace names the error
        (
            (
                "modify_ldt",
                [0xBADC0DEDDA7A1057, 0xFFFFFFFFFFFFFFFF, 0xDEADFACEFA57BEEF],
                4294967258,
            ),
            "modify_ldt(-629534633, 0xffffffffffffffff, 16045756814261206767) = 4294967258 "
            "ENOSYS (Function not implemented)",
        ),
        (
            (
                "modify_ldt",
                [0xBADC0DEDDA7A1057, 0x1000, 16],
                4294967258,
                {1: Mem(0x1000, struct.pack("<4I", 2206368128, 0x87868584, 0x8B8A8988, LDT_BITS))},
            ),
            "modify_ldt(-629534633, {entry_number=2206368128, base_addr=0x87868584, "
            "limit=0x8b8a8988, seg_32bit=0, contents=2, read_exec_only=1, limit_in_pages=0, "
            "seg_not_present=0, useable=0, lm=1}, 16) = 4294967258 ENOSYS (Function not "
            "implemented)",
        ),
        (
            (
                "modify_ldt",
                [0xBADC0DEDDA7A1057, 0x1000, 16],
                4294967258,
                {1: Mem(0x1000, struct.pack("<4I", 0xFFFFFFFF, 0, 0, 1 | 1 << 5 | 1 << 6))},
            ),
            "modify_ldt(-629534633, {entry_number=-1, base_addr=00000000, limit=00000000, "
            "seg_32bit=1, contents=0, read_exec_only=0, limit_in_pages=0, seg_not_present=1, "
            "useable=1, lm=0}, 16) = 4294967258 ENOSYS (Function not implemented)",
        ),
        (
            ("ustat", [0xFACEFEEDFFFFFFFF, 0x7FFE18307630], -22),
            "ustat(makedev(0xfff, 0xfffff), 0x7ffe18307630) = -1 EINVAL (Invalid argument)",
        ),
    ],
)
def test_modify_ldt_and_ustat(call, expected):
    assert line(*call) == expected


def test_ustat_device_under_raw_is_hex():
    assert line("ustat", [0xFACEFEEDFFFFFFFF, 0], -22, raw=True) == (
        "ustat(0xffffffff, NULL) = -1 EINVAL (Invalid argument)"
    )
