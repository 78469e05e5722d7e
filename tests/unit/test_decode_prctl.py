"""prctl's options, each line as strace 6.1 printed it on the host for the same call
(syscall(SYS_prctl, ...) with arg2..arg5 as below; /tmp C programs, ``strace -o``)."""

from __future__ import annotations

import struct

import pytest

from vmstrace.decode import DecodeOptions, render_line

STK = 0x7FFFC04FB794
B = 0xDEADBEEFBADC0DED
EINVAL = (1 << 64) - 22
EFAULT = (1 << 64) - 14
EPERM = (1 << 64) - 1
E_INVAL = "-1 EINVAL (Invalid argument)"
E_FAULT = "-1 EFAULT (Bad address)"


def i32(v: int) -> bytes:
    return struct.pack("<i", v)


CASES = [
    # PR_SET_DUMPABLE / PR_GET_DUMPABLE (strace-prctl-dumpable in the conformance listing)
    (
        [4, 3, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_DUMPABLE, 0x3 /* SUID_DUMP_??? */) = {E_INVAL}",
    ),
    (
        [4, 0xDEADC0DE00000001, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_DUMPABLE, 0xdeadc0de00000001 /* SUID_DUMP_??? */) = {E_INVAL}",
    ),
    ([4, 0, B, 5, 6], 0, None, None, "prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) = 0"),
    ([4, 1, B, 5, 6], 0, None, None, "prctl(PR_SET_DUMPABLE, SUID_DUMP_USER) = 0"),
    ([3, B, B, B, B], 0, None, None, "prctl(PR_GET_DUMPABLE) = 0 (SUID_DUMP_DISABLE)"),
    ([3, B, B, B, B], 1, None, None, "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)"),
    ([3, B, B, B, B], 7, None, None, "prctl(PR_GET_DUMPABLE) = 7"),
    # PR_SET_PDEATHSIG: a signal up to 128, else unsigned decimal
    ([1, 9, B, 5, 6], 0, None, None, "prctl(PR_SET_PDEATHSIG, SIGKILL) = 0"),
    ([1, 0, B, 5, 6], 0, None, None, "prctl(PR_SET_PDEATHSIG, 0) = 0"),
    ([1, 34, B, 5, 6], 0, None, None, "prctl(PR_SET_PDEATHSIG, SIGRT_2) = 0"),
    ([1, 100, B, 5, 6], EINVAL, None, None, f"prctl(PR_SET_PDEATHSIG, 100) = {E_INVAL}"),
    ([1, 200, B, 5, 6], EINVAL, None, None, f"prctl(PR_SET_PDEATHSIG, 200) = {E_INVAL}"),
    (
        [1, 0xFFFFFFFF00000009, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_PDEATHSIG, 18446744069414584329) = {E_INVAL}",
    ),
    ([2, STK, B, 5, 6], 0, None, {1: i32(34)}, "prctl(PR_GET_PDEATHSIG, [SIGRT_2]) = 0"),
    ([2, 0x10, B, 5, 6], EFAULT, None, None, f"prctl(PR_GET_PDEATHSIG, 0x10) = {E_FAULT}"),
    # PR_SET_NAME / PR_GET_NAME
    ([15, 0x1000, B, 5, 6], 0, {1: b"abc\0"}, None, 'prctl(PR_SET_NAME, "abc") = 0'),
    ([15, 0x10, 0, 0, 0], EFAULT, None, None, f"prctl(PR_SET_NAME, 0x10) = {E_FAULT}"),
    ([16, STK, B, 5, 6], 0, None, {1: b"abc\0".ljust(16, b"\0")}, 'prctl(PR_GET_NAME, "abc") = 0'),
    ([16, 0x10, 0, 0, 0], EFAULT, None, None, f"prctl(PR_GET_NAME, 0x10) = {E_FAULT}"),
    # PR_SET_NO_NEW_PRIVS and the other "unsigned, then the rest in hex" ones
    (
        [38, 0xFF, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_NO_NEW_PRIVS, 255, 0xdeadbeefbadc0ded, 0x5, 0x6) = {E_INVAL}",
    ),
    ([39, 0, 0, 0, 0], 0, None, None, "prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) = 0"),
    (
        [41, 1, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_THP_DISABLE, 1, 0xdeadbeefbadc0ded, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [42, B, B, B, B],
        EINVAL,
        None,
        None,
        "prctl(PR_GET_THP_DISABLE, 0xdeadbeefbadc0ded, 0xdeadbeefbadc0ded, 0xdeadbeefbadc0ded, "
        f"0xdeadbeefbadc0ded) = {E_INVAL}",
    ),
    (
        [57, 0, 4, 5, 6],
        EPERM,
        None,
        None,
        "prctl(PR_SET_IO_FLUSHER, 0, 0x4, 0x5, 0x6) = -1 EPERM (Operation not permitted)",
    ),
    # capabilities
    ([23, 21, B, 5, 6], 1, None, None, "prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) = 1"),
    (
        [23, 0xDEAD00000015, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_CAPBSET_READ, 0xdead00000015 /* CAP_??? */) = {E_INVAL}",
    ),
    (
        [24, 99, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_CAPBSET_DROP, 0x63 /* CAP_??? */) = {E_INVAL}",
    ),
    (
        [47, 2, 21, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [47, 4, 21, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0x15, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [47, 9, 21, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_CAP_AMBIENT, 0x9 /* PR_CAP_AMBIENT_??? */, 0x15, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [47, 1, 77, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0x4d /* CAP_??? */, 0x5, 0x6) = {E_INVAL}",
    ),
    # seccomp
    (
        [22, 7, B, 5, 6],
        EINVAL,
        None,
        None,
        "prctl(PR_SET_SECCOMP, 0x7 /* SECCOMP_MODE_??? */, 0xdeadbeefbadc0ded, 0x5, 0x6) "
        f"= {E_INVAL}",
    ),
    (
        [22, 2, 0, 5, 6],
        EFAULT,
        None,
        None,
        f"prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) = {E_FAULT}",
    ),
    (
        [22, 2, 16, 5, 6],
        EFAULT,
        None,
        None,
        f"prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, 0x10) = {E_FAULT}",
    ),
    ([21, B, B, B, B], 0, None, None, "prctl(PR_GET_SECCOMP) = 0"),
    # PR_SET_MM
    (
        [35, 1, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0xdeadbeefbadc0ded, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [35, 99, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_MM, 0x63 /* PR_SET_MM_??? */, 0xdeadbeefbadc0ded, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [35, 0xFF0000000D, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, 0xdeadbeefbadc0ded, 0x5, 0x6) = {E_INVAL}",
    ),
    # plain numbers
    (
        [8, 0xFFFFFFFFFF, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_KEEPCAPS, 1099511627775) = {E_INVAL}",
    ),
    ([7, B, B, B, B], 0, None, None, "prctl(PR_GET_KEEPCAPS) = 0"),
    ([36, 1, B, 5, 6], 0, None, None, "prctl(PR_SET_CHILD_SUBREAPER, 1) = 0"),
    ([37, STK, B, 5, 6], 0, None, {1: i32(1)}, "prctl(PR_GET_CHILD_SUBREAPER, [1]) = 0"),
    ([37, 16, B, 5, 6], EFAULT, None, None, f"prctl(PR_GET_CHILD_SUBREAPER, 0x10) = {E_FAULT}"),
    ([29, (1 << 64) - 1, B, 5, 6], 0, None, None, "prctl(PR_SET_TIMERSLACK, -1) = 0"),
    ([19, 16, 0, 0, 0], EINVAL, None, None, f"prctl(PR_GET_ENDIAN, 0x10) = {E_INVAL}"),
    ([20, 1, 0, 0, 0], EINVAL, None, None, f"prctl(PR_SET_ENDIAN, 1) = {E_INVAL}"),
    ([14, 1, B, 5, 6], EINVAL, None, None, f"prctl(PR_SET_TIMING, 1) = {E_INVAL}"),
    ([31, B, B, B, B], 0, None, None, "prctl(PR_TASK_PERF_EVENTS_DISABLE) = 0"),
    # PR_SET_PTRACER: (int) -1 is PR_SET_PTRACER_ANY
    (
        [0x59616D61, (1 << 64) - 1, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY) = {E_INVAL}",
    ),
    (
        [0x59616D61, 0xFFFFFFFF, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY) = {E_INVAL}",
    ),
    ([0x59616D61, 1, B, 5, 6], EINVAL, None, None, f"prctl(PR_SET_PTRACER, 1) = {E_INVAL}"),
    # securebits
    (
        [28, 0x43F, B, 5, 6],
        0,
        None,
        None,
        "prctl(PR_SET_SECUREBITS, SECBIT_NOROOT|SECBIT_NOROOT_LOCKED|SECBIT_NO_SETUID_FIXUP|"
        "SECBIT_NO_SETUID_FIXUP_LOCKED|SECBIT_KEEP_CAPS|SECBIT_KEEP_CAPS_LOCKED|0x400) = 0",
    ),
    (
        [28, 0, B, 5, 6],
        EPERM,
        None,
        None,
        "prctl(PR_SET_SECUREBITS, 0) = -1 EPERM (Operation not permitted)",
    ),
    (
        [27, B, B, B, B],
        0x43F,
        None,
        None,
        "prctl(PR_GET_SECUREBITS) = 0x43f (SECBIT_NOROOT|SECBIT_NOROOT_LOCKED|"
        "SECBIT_NO_SETUID_FIXUP|SECBIT_NO_SETUID_FIXUP_LOCKED|SECBIT_KEEP_CAPS|"
        "SECBIT_KEEP_CAPS_LOCKED|0x400)",
    ),
    # PR_GET_TID_ADDRESS, TSC, UNALIGN, FP_MODE
    (
        [40, STK, B, B, B],
        0,
        None,
        {1: struct.pack("<Q", 0x7F33F0E03A10)},
        "prctl(PR_GET_TID_ADDRESS, [0x7f33f0e03a10]) = 0",
    ),
    ([26, 1, B, 5, 6], 0, None, None, "prctl(PR_SET_TSC, PR_TSC_ENABLE) = 0"),
    ([25, STK, B, 5, 6], 0, None, {1: i32(1)}, "prctl(PR_GET_TSC, [PR_TSC_ENABLE]) = 0"),
    ([25, 16, B, 5, 6], EFAULT, None, None, f"prctl(PR_GET_TSC, 0x10) = {E_FAULT}"),
    (
        [6, 3, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_UNALIGN, PR_UNALIGN_NOPRINT|PR_UNALIGN_SIGBUS) = {E_INVAL}",
    ),
    ([5, STK, B, 5, 6], EINVAL, None, None, f"prctl(PR_GET_UNALIGN, 0x7fffc04fb794) = {E_INVAL}"),
    (
        [45, 3, B, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_FP_MODE, PR_FP_MODE_FR|PR_FP_MODE_FRE) = {E_INVAL}",
    ),
    ([46, B, B, B, B], EINVAL, None, None, f"prctl(PR_GET_FP_MODE) = {E_INVAL}"),
    # PR_SET_VMA
    (
        [0x53564D41, 0, 0x1000, 4096, 0],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x1000, 4096, NULL) = {E_INVAL}",
    ),
    (
        [0x53564D41, 7, 0x1000, 4096, 0],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_VMA, 0x7 /* PR_SET_VMA_??? */, 0x1000, 0x1000, 0) = {E_INVAL}",
    ),
    # PR_MCE_KILL
    (
        [33, 1, 1, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [33, 0, 7, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0x7, 0x5, 0x6) = {E_INVAL}",
    ),
    (
        [34, 0, 0, 0, 0],
        2,
        None,
        None,
        "prctl(PR_MCE_KILL_GET, 0, 0, 0, 0) = 2 (PR_MCE_KILL_DEFAULT)",
    ),
    # speculation control
    (
        [53, 0, 4, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE) = {E_INVAL}",
    ),
    (
        [53, 7, 4, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_SET_SPECULATION_CTRL, 0x7 /* PR_SPEC_??? */, 0x4) = {E_INVAL}",
    ),
    (
        [52, 0, 4, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS) = {E_INVAL}",
    ),
    (
        [52, 7, 4, 5, 6],
        EINVAL,
        None,
        None,
        f"prctl(PR_GET_SPECULATION_CTRL, 0x7 /* PR_SPEC_??? */) = {E_INVAL}",
    ),
    (
        [52, 0, 0, 0, 0],
        2,
        None,
        None,
        "prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS) = 0x2 (PR_SPEC_ENABLE)",
    ),
    (
        [52, 2, 0, 0, 0],
        8,
        None,
        None,
        "prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_L1D_FLUSH) = 0x8 (PR_SPEC_FORCE_DISABLE)",
    ),
    (
        [0x53564D41, 0, 0x1000, 4096, 0x2000],
        EINVAL,
        {4: b"nm\0"},
        None,
        f'prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x1000, 4096, "nm") = {E_INVAL}',
    ),
    # syscall user dispatch
    (
        [59, 0, 0, 0, 0],
        0,
        None,
        None,
        "prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, NULL) = 0",
    ),
    # unknown option: four arguments in hex
    (
        [0x99, 1, 2, 3, 4],
        EINVAL,
        None,
        None,
        f"prctl(0x99 /* PR_??? */, 0x1, 0x2, 0x3, 0x4) = {E_INVAL}",
    ),
]


@pytest.mark.parametrize(
    ("args", "ret", "entry", "exit", "expected"), CASES, ids=[c[4][6:40] for c in CASES]
)
def test_prctl_line(decode_call, args, ret, entry, exit, expected):
    assert render_line(decode_call("prctl", args, ret, entry, exit)) == expected


# strace -X raw: the option and constants as numbers; PR_GET_DUMPABLE and
# PR_MCE_KILL_GET still name their return value (xlookup), PR_GET_SECUREBITS does not
RAW = [
    ([3, 0, 0, 0, 0], 1, None, None, "prctl(0x3) = 1 (SUID_DUMP_USER)"),
    ([4, 1, 0, 0, 0], 0, None, None, "prctl(0x4, 0x1) = 0"),
    ([28, 0x3F, 0, 0, 0], 0, None, None, "prctl(0x1c, 0x3f) = 0"),
    ([27, 0, 0, 0, 0], 0x3F, None, None, "prctl(0x1b) = 0x3f"),
    ([1, 9, 0, 0, 0], 0, None, None, "prctl(0x1, 9) = 0"),
    ([2, STK, 0, 0, 0], 0, None, {1: i32(9)}, "prctl(0x2, [9]) = 0"),
    ([23, 21, 0, 0, 0], 1, None, None, "prctl(0x17, 0x15) = 1"),
    (
        [0x59616D61, (1 << 64) - 1, 0, 0, 0],
        EINVAL,
        None,
        None,
        f"prctl(0x59616d61, -1) = {E_INVAL}",
    ),
    ([34, 0, 0, 0, 0], 2, None, None, "prctl(0x22, 0, 0, 0, 0) = 2 (PR_MCE_KILL_DEFAULT)"),
]


@pytest.mark.parametrize(("args", "ret", "entry", "exit", "expected"), RAW)
def test_prctl_line_raw(decode_call, args, ret, entry, exit, expected):
    call = decode_call("prctl", args, ret, entry, exit)
    assert render_line(call, DecodeOptions(raw=True)) == expected


# strace's printstr_ex(QUOTE_0_TERMINATED) on the comm name: -s bytes and the one after them
@pytest.mark.parametrize(
    ("strsize", "shown"),
    [(0, '""...'), (1, '"a"...'), (2, '"ab"...'), (3, '"abc"'), (4, '"abc"'), (32, '"abc"')],
)
def test_comm_name_cut_at_s(decode_call, strsize, shown):
    opts = DecodeOptions(strsize=strsize)
    get = decode_call("prctl", [16, STK, B, 5, 6], 0, None, {1: b"abc\0".ljust(16, b"\0")})
    assert render_line(get, opts) == f"prctl(PR_GET_NAME, {shown}) = 0"
    set_ = decode_call("prctl", [15, 0x1000, B, 5, 6], 0, {1: b"abc\0"}, None)
    assert render_line(set_, opts) == f"prctl(PR_SET_NAME, {shown}) = 0"


def test_comm_name_without_nul_is_cut():
    from vmstrace.decode.prctl import _comm  # the renderer alone: no NUL in 16 bytes

    full = b"0123456789abcdef"
    assert _comm(full, 16, 32) == '"0123456789abcdef"...'
    assert _comm(full, 16, 16) == '"0123456789abcdef"...'
    assert _comm(full, 16, 15) == '"0123456789abcde"...'
