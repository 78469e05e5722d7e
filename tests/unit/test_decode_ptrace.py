"""ptrace lines, each taken from strace 6.1 on a C program making the call."""

from __future__ import annotations

import struct

import pytest

from vmstrace.core.events import Mem
from vmstrace.decode import DecodeOptions, render_line

STK = 0x7FFCCC7ADAF0
PID = 10844
NOPID = 999999
ESRCH = (1 << 64) - 3
EIO = (1 << 64) - 5
EINVAL = (1 << 64) - 22
EFAULT = (1 << 64) - 14
EPERM = (1 << 64) - 1

REGS = (
    0x7FA3BEC9E020,
    0x55A1F2592DD8,
    0x7FFCCC7ADC38,
    0x13,
    0x7FFCCC7ADB10,
    0x2A5C,
    0x246,
    0x7FA3BEA87410,
    0,
    0x7FA3BEA6F740,
    0,
    0x7FA3BEAFCEEC,
    0x13,
    0x2A5C,
    0x2A5C,
    0xEA,
    0x7FA3BEAFCEEC,
    0x33,
    0x246,
    0x7FFCCC7AC590,
    0x2B,
    0x7FA3BEA6F740,
    0,
    0,
    0,
    0,
    0,
)
REGS_BYTES = struct.pack("<27Q", *REGS)
REGS_TEXT = (
    "{r15=0x7fa3bec9e020, r14=0x55a1f2592dd8, r13=0x7ffccc7adc38, r12=0x13, "
    "rbp=0x7ffccc7adb10, rbx=0x2a5c, r11=0x246, r10=0x7fa3bea87410, r9=0, "
    "r8=0x7fa3bea6f740, rax=0, rcx=0x7fa3beafceec, rdx=0x13, rsi=0x2a5c, rdi=0x2a5c, "
    "orig_rax=0xea, rip=0x7fa3beafceec, cs=0x33, eflags=0x246, rsp=0x7ffccc7ac590, ss=0x2b, "
    "fs_base=0x7fa3bea6f740, gs_base=0, ds=0, es=0, fs=0, gs=0}"
)
XMM = (
    0xBEC9F0C8,
    0x7FA3,
    0xBEC9F0C8,
    0x7FA3,
    0xBEC9F0D8,
    0x7FA3,
    0xBEC9F0D8,
    0x7FA3,
    0x41564952,
    0x5F004554,
    0x62696C5F,
    0x61655F63,
    0x41564952,
    0,
    0,
    0,
    0x5F004554,
    0x62696C5F,
    0x61655F63,
    0x5F796C72,
    0x60,
    0,
    0,
    0,
    0x18,
) + (0,) * 39
FPREGS_BYTES = (
    struct.pack("<4H2Q2I", 0x37F, 0, 0, 0, 0, 0, 0x1F80, 0x2FFFF)
    + bytes(128)
    + struct.pack("<64I", *XMM)
    + bytes(96)
)
FPREGS_TEXT = (
    "{cwd=0x37f, swd=0, ftw=0, fop=0, rip=0, rdp=0, mxcsr=0x1f80, mxcr_mask=0x2ffff, "
    "st_space=[" + ", ".join(["0"] * 32) + "], xmm_space=[0xbec9f0c8, 0x7fa3, 0xbec9f0c8, "
    "0x7fa3, 0xbec9f0d8, 0x7fa3, 0xbec9f0d8, 0x7fa3, 0x41564952, 0x5f004554, 0x62696c5f, "
    "0x61655f63, 0x41564952, 0, 0, 0, 0x5f004554, 0x62696c5f, 0x61655f63, 0x5f796c72, 0x60, "
    "0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, ...], padding=[" + ", ".join(["0"] * 24) + "]}"
)
# SIGSTOP sent by tgkill from pid 10844, uid 0
SIGINFO_STOP = struct.pack("<iii4xiI", 19, 0, -6, PID, 0).ljust(128, b"\0")
SIGINFO_TEXT = "{si_signo=SIGSTOP, si_code=SI_TKILL, si_pid=10844, si_uid=0}"
XSTATE = 0x7FFCCC7AC800


def m(data: bytes) -> Mem:
    return Mem(STK, data)


CASES = [
    (
        (2, PID, STK, STK),
        0,
        None,
        {3: m(bytes(8))},
        "ptrace(PTRACE_PEEKDATA, 10844, 0x7ffccc7adaf0, [NULL]) = 0",
    ),
    (
        (1, PID, 0, STK),
        EIO,
        None,
        None,
        "ptrace(PTRACE_PEEKTEXT, 10844, NULL, 0x7ffccc7adaf0) = -1 EIO (Input/output error)",
    ),
    (
        (3, PID, 8 * 16, STK),
        0,
        None,
        {3: m(struct.pack("<Q", 0x7FA3BEAFCEEC))},
        "ptrace(PTRACE_PEEKUSER, 10844, 8*RIP, [0x7fa3beafceec]) = 0",
    ),
    (
        (3, PID, 8 * 16 + 3, STK),
        EIO,
        None,
        None,
        "ptrace(PTRACE_PEEKUSER, 10844, 8*RIP+3, 0x7ffccc7adaf0) = -1 EIO (Input/output error)",
    ),
    (
        (3, PID, 856, STK),
        0,
        None,
        {3: m(bytes(8))},
        "ptrace(PTRACE_PEEKUSER, 10844, offsetof(struct user, u_debugreg)+8, [NULL]) = 0",
    ),
    (
        (3, PID, 100000, STK),
        EIO,
        None,
        None,
        "ptrace(PTRACE_PEEKUSER, 10844, 0x186a0, 0x7ffccc7adaf0) = -1 EIO (Input/output error)",
    ),
    (
        (3, NOPID, 168, STK),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_PEEKUSER, 999999, 8*SS+8, 0x7ffccc7adaf0) = -1 ESRCH (No such process)",
    ),
    (
        (3, NOPID, 216, STK),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_PEEKUSER, 999999, offsetof(struct user, u_fpvalid), 0x7ffccc7adaf0) = "
        "-1 ESRCH (No such process)",
    ),
    (
        (3, NOPID, 912, STK),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_PEEKUSER, 999999, sizeof(struct user), 0x7ffccc7adaf0) = "
        "-1 ESRCH (No such process)",
    ),
    (
        (3, NOPID, 913, STK),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_PEEKUSER, 999999, 0x391, 0x7ffccc7adaf0) = -1 ESRCH (No such process)",
    ),
    (
        (5, PID, STK, 0x1234),
        0,
        None,
        None,
        "ptrace(PTRACE_POKEDATA, 10844, 0x7ffccc7adaf0, 0x1234) = 0",
    ),
    (
        (6, PID, 904, 0),
        0,
        None,
        None,
        "ptrace(PTRACE_POKEUSER, 10844, offsetof(struct user, u_debugreg)+56, NULL) = 0",
    ),
    (
        (6, NOPID, 1, 0x10),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_POKEUSER, 999999, 8*R15+1, 0x10) = -1 ESRCH (No such process)",
    ),
    (
        (12, PID, 0, STK),
        0,
        None,
        {3: m(REGS_BYTES)},
        f"ptrace(PTRACE_GETREGS, 10844, {REGS_TEXT}) = 0",
    ),
    (
        (13, PID, 0, STK),
        0,
        {3: m(REGS_BYTES)},
        None,
        f"ptrace(PTRACE_SETREGS, 10844, {REGS_TEXT}) = 0",
    ),
    (
        (12, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_GETREGS, 999999, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (13, NOPID, 0, 8),
        ESRCH,
        {3: Mem(8, b"", fault=True)},
        None,
        "ptrace(PTRACE_SETREGS, 999999, 0x8) = -1 ESRCH (No such process)",
    ),
    (
        (14, PID, 0, STK),
        0,
        None,
        {3: m(FPREGS_BYTES)},
        f"ptrace(PTRACE_GETFPREGS, 10844, {FPREGS_TEXT}) = 0",
    ),
    (
        (15, PID, 0, STK),
        0,
        {3: m(FPREGS_BYTES)},
        None,
        f"ptrace(PTRACE_SETFPREGS, 10844, {FPREGS_TEXT}) = 0",
    ),
    (
        (0x4204, PID, 0x202, STK),
        0,
        {3: m(struct.pack("<QQ", XSTATE, 4096))},
        {3: m(struct.pack("<QQ", XSTATE, 2432))},
        "ptrace(PTRACE_GETREGSET, 10844, NT_X86_XSTATE, "
        "{iov_base=0x7ffccc7ac800, iov_len=4096 => 2432}) = 0",
    ),
    (
        (0x4204, PID, 0x999, STK),
        EINVAL,
        {3: m(struct.pack("<QQ", XSTATE, 2432))},
        None,
        "ptrace(PTRACE_GETREGSET, 10844, 0x999 /* NT_??? */, "
        "{iov_base=0x7ffccc7ac800, iov_len=2432}) = -1 EINVAL (Invalid argument)",
    ),
    (
        (0x4205, NOPID, 1, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SETREGSET, 999999, NT_PRSTATUS, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (0x4204, NOPID, 1, 8),
        ESRCH,
        {3: Mem(8, b"", fault=True)},
        None,
        "ptrace(PTRACE_GETREGSET, 999999, NT_PRSTATUS, 0x8) = -1 ESRCH (No such process)",
    ),
    (
        (0x4200, PID, 0, 0x1 | 0x10 | 0x100000 | 0x10000000),
        EINVAL,
        None,
        None,
        "ptrace(PTRACE_SETOPTIONS, 10844, NULL, PTRACE_O_TRACESYSGOOD|PTRACE_O_TRACEEXEC|"
        "PTRACE_O_EXITKILL|0x10000000) = -1 EINVAL (Invalid argument)",
    ),
    (
        (0x4200, NOPID, 0, 0x100000001),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SETOPTIONS, 999999, NULL, PTRACE_O_TRACESYSGOOD|0x100000000) = "
        "-1 ESRCH (No such process)",
    ),
    (
        (0x4201, PID, 0, STK),
        0,
        None,
        {3: m(bytes(8))},
        "ptrace(PTRACE_GETEVENTMSG, 10844, NULL, [0]) = 0",
    ),
    (
        (0x4202, PID, 0, STK),
        0,
        None,
        {3: m(SIGINFO_STOP)},
        f"ptrace(PTRACE_GETSIGINFO, 10844, NULL, {SIGINFO_TEXT}) = 0",
    ),
    (
        (0x4203, PID, 0, STK),
        0,
        {3: m(SIGINFO_STOP)},
        None,
        f"ptrace(PTRACE_SETSIGINFO, 10844, NULL, {SIGINFO_TEXT}) = 0",
    ),
    (
        (0x4203, NOPID, 0, STK),
        ESRCH,
        {3: m(bytes(128))},
        None,
        "ptrace(PTRACE_SETSIGINFO, 999999, NULL, {}) = -1 ESRCH (No such process)",
    ),
    (
        (0x420A, PID, 8, STK),
        0,
        None,
        {3: m(bytes(8))},
        "ptrace(PTRACE_GETSIGMASK, 10844, 8, []) = 0",
    ),
    (
        (0x420B, PID, 8, STK),
        0,
        {3: m(bytes(8))},
        None,
        "ptrace(PTRACE_SETSIGMASK, 10844, 8, []) = 0",
    ),
    (
        (0x420B, NOPID, 4, STK),
        ESRCH,
        {3: m(bytes(8))},
        None,
        "ptrace(PTRACE_SETSIGMASK, 999999, 4, 0x7ffccc7adaf0) = -1 ESRCH (No such process)",
    ),
    (
        (0x4209, PID, STK, 0x7FFCCC7AD000),
        0,
        {2: m(struct.pack("<QII", 0, 1, 2))},
        None,
        "ptrace(PTRACE_PEEKSIGINFO, 10844, {off=0, flags=PTRACE_PEEKSIGINFO_SHARED, nr=2}, []) = 0",
    ),
    (
        (0x4209, PID, STK, 0x7FFCCC7AD000),
        1,
        {2: m(struct.pack("<QII", 0, 0, 2))},
        {3: m(SIGINFO_STOP)},
        f"ptrace(PTRACE_PEEKSIGINFO, 10844, {{off=0, flags=0, nr=2}}, [{SIGINFO_TEXT}]) = 1",
    ),
    (
        (0x4209, NOPID, 8, 8),
        ESRCH,
        {2: Mem(8, b"", fault=True)},
        None,
        "ptrace(PTRACE_PEEKSIGINFO, 999999, 0x8, 0x8) = -1 ESRCH (No such process)",
    ),
    (
        (0x420E, PID, 88, STK),
        24,
        None,
        {3: m(struct.pack("<BxxxIQQ", 0, 0xC000003E, 0x7FA3BEAFCEEC, 0x7FFCCC7AC590) + bytes(64))},
        "ptrace(PTRACE_GET_SYSCALL_INFO, 10844, 88, {op=PTRACE_SYSCALL_INFO_NONE, "
        "arch=AUDIT_ARCH_X86_64, instruction_pointer=0x7fa3beafceec, "
        "stack_pointer=0x7ffccc7ac590}) = 24",
    ),
    (
        (0x420E, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_GET_SYSCALL_INFO, 999999, 0, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (30, PID, 0, 0x1003),
        EFAULT,
        None,
        None,
        "ptrace(PTRACE_ARCH_PRCTL, 10844, NULL, 0x1003) = -1 EFAULT (Bad address)",
    ),
    (
        (0x4207, PID, 5, 6),
        EIO,
        None,
        None,
        "ptrace(PTRACE_INTERRUPT, 10844) = -1 EIO (Input/output error)",
    ),
    (
        (0x4208, PID, 5, 6),
        EIO,
        None,
        None,
        "ptrace(PTRACE_LISTEN, 10844) = -1 EIO (Input/output error)",
    ),
    ((7, PID, 0, 10), 0, None, None, "ptrace(PTRACE_CONT, 10844, NULL, SIGUSR1) = 0"),
    (
        (7, NOPID, 0, 0x100000009),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_CONT, 999999, NULL, SIGKILL) = -1 ESRCH (No such process)",
    ),
    (
        (24, PID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SYSCALL, 10844, NULL, 0) = -1 ESRCH (No such process)",
    ),
    (
        (9, PID, 0, 200),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SINGLESTEP, 10844, NULL, 200) = -1 ESRCH (No such process)",
    ),
    (
        (17, PID, 0, 18),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_DETACH, 10844, NULL, SIGCONT) = -1 ESRCH (No such process)",
    ),
    ((8, PID, 0, 0), 0, None, None, "ptrace(PTRACE_KILL, 10844) = 0"),
    (
        (16, NOPID, 7, 8),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_ATTACH, 999999) = -1 ESRCH (No such process)",
    ),
    (
        (0x4206, NOPID, 0, 0xE),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SEIZE, 999999, NULL, PTRACE_O_TRACEFORK|PTRACE_O_TRACEVFORK|"
        "PTRACE_O_TRACECLONE) = -1 ESRCH (No such process)",
    ),
    (
        (0x4206, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SEIZE, 999999, NULL, 0) = -1 ESRCH (No such process)",
    ),
    (
        (0, 1, 2, 3),
        EPERM,
        None,
        None,
        "ptrace(PTRACE_TRACEME) = -1 EPERM (Operation not permitted)",
    ),
    (
        (0xA, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(0xa /* PTRACE_??? */, 999999, NULL, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (18, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_GETFPXREGS, 999999, NULL, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (21, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_OLDSETOPTIONS, 999999, NULL, 0) = -1 ESRCH (No such process)",
    ),
    (
        (31, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SYSEMU, 999999, NULL, 0) = -1 ESRCH (No such process)",
    ),
    (
        (33, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SINGLEBLOCK, 999999, NULL, 0) = -1 ESRCH (No such process)",
    ),
    (
        (0x420C, NOPID, 5, 8),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SECCOMP_GET_FILTER, 999999, 5, 0x8) = -1 ESRCH (No such process)",
    ),
    (
        (0x420D, NOPID, 5, 8),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_SECCOMP_GET_METADATA, 999999, 5, 0x8) = -1 ESRCH (No such process)",
    ),
    (
        (0x420F, NOPID, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_GET_RSEQ_CONFIGURATION, 999999, NULL, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (0x100000007, 0x1FFFFFFFF, 0, 0),
        ESRCH,
        None,
        None,
        "ptrace(0x100000007 /* PTRACE_??? */, -1, NULL, NULL) = -1 ESRCH (No such process)",
    ),
    (
        (2, NOPID, 0x1000, 0x2000),
        ESRCH,
        None,
        None,
        "ptrace(PTRACE_PEEKDATA, 999999, 0x1000, 0x2000) = -1 ESRCH (No such process)",
    ),
]


@pytest.mark.parametrize(
    ("args", "ret", "entry", "exit", "expected"),
    CASES,
    ids=[f"ptrace-{k}" for k in range(len(CASES))],
)
def test_ptrace_line(decode_call, args, ret, entry, exit, expected):
    call = decode_call("ptrace", list(args), ret, entry, exit)
    assert render_line(call, DecodeOptions()) == expected


def test_ptrace_reads_are_bounded():
    from vmstrace.decode import capture_entries

    caps = [
        cap for abi, nr, _i, cap in capture_entries(DecodeOptions()) if abi == "64" and nr == 101
    ]
    assert caps and all(cap.cap <= 512 for cap in caps)
