"""Signal frames and siginfo rendering, on crafted bytes."""

from __future__ import annotations

import struct

import pytest
from sigframes import frame32, frame64

from vmstrace.core.abi import (
    ARG_SIGFRAME,
    EXIT_RESTART,
    FRAME32_AX,
    FRAME32_IP,
    FRAME32_SP,
    FRAME_RAX,
    FRAME_RIP,
    FRAME_RSP,
    FRAME_SIGINFO,
    RT_FRAME32_AX,
    RT_FRAME32_IP,
    RT_FRAME32_SIGINFO,
    RT_FRAME32_SP,
    RT_FRAME32_UC,
    RT_SIGFRAME32_BYTES,
    SIGFRAME32_BYTES,
    SIGFRAME_BYTES,
)
from vmstrace.core.events import (
    Insn,
    Mem,
    RawEntry,
    RawExit,
    Syscall,
    TaskInfo,
)
from vmstrace.decode.siginfo import format_siginfo, parse_frame


def siginfo(signo: int, code: int, *rest: int, fmt: str = "") -> bytes:
    head = struct.pack("<iii4x", signo, 0, code)
    return (head + struct.pack("<" + fmt, *rest)).ljust(128, b"\0")


@pytest.mark.parametrize(
    "info, hint, expected",
    [
        (
            siginfo(10, 0, 85, 0, fmt="iI"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=85, si_uid=0}",
        ),
        (
            siginfo(17, 1, 86, 0, 7, 0, 0, fmt="iIi4xqq"),
            0,
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=86, si_uid=0, si_status=7, "
            "si_utime=0, si_stime=0}",
        ),
        (
            siginfo(17, 2, 86, 0, 9, 1, 2, fmt="iIi4xqq"),
            0,
            "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=86, si_uid=0, si_status=SIGKILL, "
            "si_utime=1 /* 0.01 s */, si_stime=2 /* 0.02 s */}",
        ),
        (
            siginfo(11, 1, 0, fmt="Q"),
            0,
            "SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}",
        ),
        (
            siginfo(6, -6, 85, 0, fmt="iI"),
            0,
            "SIGABRT {si_signo=SIGABRT, si_code=SI_TKILL, si_pid=85, si_uid=0}",
        ),
        # SI_QUEUE: si_int and si_ptr when si_ptr is not NULL (strace 6.1 on the host)
        (
            siginfo(10, -1, 30100, 0, 0x7FFD00000007, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, si_uid=0, si_int=7, "
            "si_ptr=0x7ffd00000007}",
        ),
        (
            siginfo(10, -1, 30100, 0, 0xFFFFFFFB, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, si_uid=0, si_int=-5, "
            "si_ptr=0xfffffffb}",
        ),
        (
            siginfo(10, -1, 30100, 0, 0, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=30100, si_uid=0}",
        ),
        (
            siginfo(10, 0, 30100, 0, 0x1234, fmt="iIQ"),
            0,
            "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=30100, si_uid=0}",
        ),
        (bytes(128), 14, "SIGALRM {si_signo=SIGALRM}"),
        (bytes(128), 0, "SIG_0 {si_signo=SIG_0}"),
        (b"", 999, "SIG_0 {si_signo=SIG_0}"),
    ],
)
def test_format_siginfo(info, hint, expected):
    assert format_siginfo(info, hint) == expected


def call_with_frame(
    pc: int,
    frame_rax: int,
    frame_rip: int,
    user_pc: int,
    rax: int = 0,
    frame: Mem | None = None,
    flags: int = 0,
):
    who = TaskInfo(task=1, cr3=0, pid=85, tid=85)
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, pc, 0, 61, (0,) * 6, who)
    x = RawExit(
        1,
        0,
        "x86_64",
        Insn.IRETQ,
        0,
        rax,
        61,
        who,
        {ARG_SIGFRAME: frame or frame64(frame_rax, frame_rip)},
        user_pc=user_pc,
        flags=flags,
    )
    return Syscall(e, x)


def test_result_comes_from_the_signal_frame():
    assert call_with_frame(0x401000, 86, 0x401002, user_pc=0x402000).ret == 86
    assert call_with_frame(0x401000, 2**64 - 4, 0x401002, user_pc=0x402000).ret == -4


def test_restarted_call_is_erestartsys():
    """The plugin flags a frame that saved the restart point (EXIT_RESTART); the saved
    rax is then the number the call is made again with."""
    restart = dict(user_pc=0x402000, flags=EXIT_RESTART)
    assert call_with_frame(0x401000, 61, 0x401000, **restart).ret == -512
    assert call_with_frame(0x401000, 219, 0x401000, **restart).ret == -516
    # no flag: the frame's rax is the result, wherever the frame says it resumes
    assert call_with_frame(0x401000, 61, 0x401000, user_pc=0x402000).ret == 61


PC32 = 0xF7F33555  # the vDSO's sysenter or syscall; its `int $0x80` 2 bytes on, the landing pad 4
VDSO = (Insn.SYSENTER, Insn.SYSCALL)


def call32(
    insn: Insn, user_pc: int, reg: int = 10, frame: Mem | None = None, flags: int = 0
) -> Syscall:
    """An i386 kill() that resumed at user_pc with ``reg`` in eax (the handler's argument,
    the signal number, when a handler was entered); ``flags``: the plugin's for the exit."""
    who = TaskInfo(task=1, cr3=0, pid=85, tid=85)
    e = RawEntry(0, 0, "i386", insn, PC32, 0, 37, (85, 10, 0, 0, 0, 0), who)
    mem = {} if frame is None else {ARG_SIGFRAME: frame}
    x = RawExit(1, 0, "i386", Insn.IRETQ, 0, reg, 37, who, mem, user_pc=user_pc, flags=flags)
    return Syscall(e, x)


@pytest.mark.parametrize("rt", [True, False])
@pytest.mark.parametrize(
    ("insn", "resume"), [(i, PC32 + 4) for i in VDSO] + [(Insn.INT80, PC32 + 2)]
)
def test_an_i386_calls_result_comes_from_either_frame_not_eax(insn, resume, rt):
    handler = 0x8049890
    assert call32(insn, handler, frame=frame32(0, resume, rt=rt)).ret == 0
    assert call32(insn, handler, frame=frame32(-4, resume, rt=rt)).ret == -4
    assert call32(insn, handler, frame=frame32(2**31, resume, rt=rt)).ret == -(2**31)


@pytest.mark.parametrize("rt", [True, False])
@pytest.mark.parametrize(("insn", "restart"), [(i, PC32 + 2) for i in VDSO] + [(Insn.INT80, PC32)])
def test_an_i386_call_restarts_at_its_int80(insn, restart, rt):
    """eax holds the call's number again (restart_syscall's, 0, for a restart block)."""
    again = EXIT_RESTART
    assert call32(insn, 0x8049890, frame=frame32(37, restart, rt=rt), flags=again).ret == -512
    assert call32(insn, 0x8049890, frame=frame32(0, restart, rt=rt), flags=again).ret == -516
    assert call32(insn, restart, reg=37, flags=again).ret == -512  # no handler
    assert call32(insn, restart, reg=0, flags=again).ret == -516


@pytest.mark.parametrize(
    ("insn", "resume"), [(i, PC32 + 4) for i in VDSO] + [(Insn.INT80, PC32 + 2)]
)
def test_an_i386_call_that_returned_plainly_has_eax(insn, resume):
    assert call32(insn, resume, reg=0).ret == 0
    assert call32(insn, resume, reg=2**32 - 9).ret == -9
    assert call32(insn, resume, reg=37).ret == 37


def test_a_frame_that_is_not_whole_gives_no_result_rather_than_the_handlers_argument():
    rt = frame32(0, PC32 + 4)
    stray = bytearray(rt.data)
    stray[8:12] = b"\0\0\0\0"  # pinfo not into the frame: not an rt_sigframe_ia32
    for frame in (
        Mem(rt.addr, bytes(stray)),
        Mem(rt.addr, rt.data[:100]),
        Mem(rt.addr, b""),
        frame64(0, PC32 + 4),  # x86_64's layout for an i386 call
    ):
        assert call32(Insn.SYSENTER, 0x8049890, frame=frame).ret is None
    short64 = Mem(0x7FF000, b"x" * 8)
    assert call_with_frame(0x401000, 0, 0, user_pc=0x402000, rax=10, frame=short64).ret is None


def test_frame_offsets_are_the_kernels():
    """Pinned from the kernel's structs (arch/x86/include/asm/sigframe.h; struct sigcontext
    of 256 bytes for x86_64, sigcontext_32 of 88: sp at 28, ax at 44, ip at 56), not from
    the header the plugin and these tests share."""
    assert (FRAME_RAX, FRAME_RSP, FRAME_RIP, FRAME_SIGINFO, SIGFRAME_BYTES) == (
        152,
        168,
        176,
        312,
        440,
    )
    assert (FRAME32_SP, FRAME32_AX, FRAME32_IP, SIGFRAME32_BYTES) == (36, 52, 64, 96)
    rt = (RT_FRAME32_SIGINFO, RT_FRAME32_UC, RT_FRAME32_SP, RT_FRAME32_AX, RT_FRAME32_IP)
    assert (*rt, RT_SIGFRAME32_BYTES) == (16, 144, 192, 208, 220, 260)


def test_a_frame_cut_short_gives_no_result():
    """A frame the record's budget or an unmapped page cut short is not read as another
    layout (an rt_sigframe_ia32 cut to sigframe_ia32's 96 bytes) nor padded out."""
    rt = frame32(0, PC32 + 4)
    for frame in (
        Mem(rt.addr, rt.data[:96], truncated=True),
        Mem(rt.addr, rt.data[:96], fault=True),
        Mem(rt.addr, rt.data, fault=True),
    ):
        assert call32(Insn.SYSENTER, 0x8049890, frame=frame).ret is None
    whole = frame64(0, 0x401002)
    cut = Mem(whole.addr, whole.data[:200], truncated=True)
    assert call_with_frame(0x401000, 0, 0, user_pc=0x402000, rax=10, frame=cut).ret is None


def test_an_i386_frames_signal_line():
    info = struct.pack("<iiiiI", 10, 0, 0, 86, 0).ljust(128, b"\0")  # compat: union at 12
    rt = parse_frame(frame32(0, PC32 + 4, info=info), "i386")
    assert rt is not None and (rt.rax, rt.rip) == (0, PC32 + 4)
    text = format_siginfo(rt.siginfo, 10, rt.compat)
    assert text == "SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=86, si_uid=0}"
    plain = parse_frame(frame32(-4, PC32 + 4, sig=14, rt=False), "i386")
    assert plain is not None and plain.rax == 2**32 - 4
    assert format_siginfo(plain.siginfo, 14, plain.compat) == "SIGALRM {si_signo=SIGALRM}"
    assert parse_frame(frame64(0, 0), "i386") is None


def test_restart_without_handler_rewinds_rip():
    who = TaskInfo(task=1, cr3=0, pid=85, tid=85)
    e = RawEntry(0, 0, "x86_64", Insn.SYSCALL, 0x401000, 0, 61, (0,) * 6, who)
    x = RawExit(1, 0, "x86_64", Insn.IRETQ, 0, 61, 61, who, user_pc=0x401000, flags=EXIT_RESTART)
    assert Syscall(e, x).ret == -512


@pytest.mark.parametrize(
    ("info", "raw"),
    [
        # strace -X raw's printsiginfo: the signal in decimal, the code as %#x
        (
            siginfo(14, -6, 857, 0, fmt="iI"),
            "{si_signo=14, si_code=0xfffffffa, si_pid=857, si_uid=0}",
        ),
        (siginfo(10, 0, 86, 0, fmt="iI"), "{si_signo=10, si_code=0, si_pid=86, si_uid=0}"),
        (
            siginfo(17, 2, 90, 0, 9, 150, 0, fmt="iIi4xqq"),
            "{si_signo=17, si_code=0x2, si_pid=90, si_uid=0, si_status=9, si_utime=150, "
            "si_stime=0}",
        ),
    ],
)
def test_siginfo_raw(info, raw):
    from vmstrace.decode.siginfo import printsiginfo

    assert printsiginfo(info, raw=True) == raw
    assert "SIG" in printsiginfo(info)  # the abbreviated form names them


def info64(signo: int, err: int, code: int, fmt: str = "", *rest: int) -> bytes:
    return (struct.pack("<iii4x", signo, err, code) + struct.pack("<" + fmt, *rest)).ljust(
        128, b"\0"
    )


# Each expected text is what strace 6.1 printed for the same siginfo_t (its ptrace test
# program's PTRACE_SETSIGINFO calls, `vmstrace conformance strace-ptrace`).
ADDR = 0xFACEFEEDDEADBEEF


@pytest.mark.parametrize(
    "info, expected",
    [
        (
            info64(29, 2, 1, "qi", -2, 23),
            "{si_signo=SIGIO, si_code=POLL_IN, si_errno=ENOENT, si_band=-2, si_fd=23}",
        ),
        (
            info64(5, 2, 4, "Q", ADDR),
            "{si_signo=SIGTRAP, si_code=TRAP_HWBKPT, si_errno=ENOENT, si_addr=0xfacefeeddeadbeef}",
        ),
        (
            info64(5, 2, 7, "Q", ADDR),
            "{si_signo=SIGTRAP, si_code=0x7, si_errno=ENOENT, si_addr=0xfacefeeddeadbeef}",
        ),
        (
            info64(4, 2, 1, "Q", ADDR),
            "{si_signo=SIGILL, si_code=ILL_ILLOPC, si_errno=ENOENT, si_addr=0xfacefeeddeadbeef}",
        ),
        (
            info64(8, 2, 1, "Q", ADDR),
            "{si_signo=SIGFPE, si_code=FPE_INTDIV, si_errno=ENOENT, si_addr=0xfacefeeddeadbeef}",
        ),
        (
            info64(7, -2, 4, "QH", ADDR, 0xDEAD),
            "{si_signo=SIGBUS, si_code=BUS_MCEERR_AR, si_errno=4294967294, "
            "si_addr=0xfacefeeddeadbeef, si_addr_lsb=0xdead}",
        ),
        (
            info64(7, -2, 1234567890, "Q", ADDR),
            "{si_signo=SIGBUS, si_code=0x499602d2, si_errno=4294967294, "
            "si_addr=0xfacefeeddeadbeef}",
        ),
        (
            info64(27, -2, -1159983635, "iI", 0, 3),
            "{si_signo=SIGPROF, si_code=0xbadc0ded, si_errno=4294967294, si_pid=0, si_uid=3}",
        ),
        (
            info64(11, 0, 3, "QQQQ", ADDR, 0, 0xBEEFFACECAFEDEAD, 0xBADC0DEDDADFACED),
            "{si_signo=SIGSEGV, si_code=SEGV_BNDERR, si_addr=0xfacefeeddeadbeef, "
            "si_lower=0xbeeffacecafedead, si_upper=0xbadc0deddadfaced}",
        ),
        (
            info64(11, 0, 4, "QQI", ADDR, 0, 3141592653),
            "{si_signo=SIGSEGV, si_code=SEGV_PKUERR, si_addr=0xfacefeeddeadbeef, "
            "si_pkey=3141592653}",
        ),
        (
            info64(11, 0, 8, "Q", ADDR),
            "{si_signo=SIGSEGV, si_code=SEGV_MTEAERR, si_addr=0xfacefeeddeadbeef}",
        ),
        (
            info64(31, 2, 1, "QiI", ADDR, -1, 0xC000003E),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_errno=ENOENT, "
            "si_call_addr=0xfacefeeddeadbeef, si_syscall=4294967295, si_arch=AUDIT_ARCH_X86_64}",
        ),
        (
            info64(31, -1153374643, 1, "QiI", 0, 0, 0xC000003E),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_errno=3141592653, si_call_addr=NULL, "
            "si_syscall=__NR_read, si_arch=AUDIT_ARCH_X86_64}",
        ),
        (
            info64(31, -1153374643, 1, "QiI", 0, 0, 0xDA7A1057),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_errno=3141592653, si_call_addr=NULL, "
            "si_syscall=0, si_arch=0xda7a1057 /* AUDIT_ARCH_??? */}",
        ),
        (
            info64(1, 2, -2, "iiQ", -559038737, -1, ADDR),
            "{si_signo=SIGHUP, si_code=SI_TIMER, si_errno=ENOENT, si_timerid=0xdeadbeef, "
            "si_overrun=-1, si_int=-559038737, si_ptr=0xfacefeeddeadbeef}",
        ),
        (
            info64(11, 2, -5, "qi", -1234567890, 23),
            "{si_signo=SIGSEGV, si_code=SI_SIGIO, si_errno=ENOENT, si_band=-1234567890, si_fd=23}",
        ),
        # a general protection fault: the kernel's SI_KERNEL, with the address strace prints
        (info64(11, 0, 0x80), "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}"),
        (info64(9, 0, 0x80), "{si_signo=SIGKILL, si_code=SI_KERNEL}"),
    ],
)
def test_siginfo_fields_follow_the_signal_and_its_code(info: bytes, expected: str) -> None:
    from vmstrace.decode.siginfo import siginfo_struct

    assert siginfo_struct(info) == expected


def test_raw_siginfo_prints_codes_and_arches_as_numbers() -> None:
    from vmstrace.decode.siginfo import siginfo_struct

    info = info64(31, 0, 1, "QiI", 0, 0, 0xC000003E)
    assert siginfo_struct(info, raw=True) == (
        "{si_signo=31, si_code=0x1, si_call_addr=NULL, si_syscall=0, si_arch=0xc000003e}"
    )


def test_raw_signal_line_keeps_the_name_before_the_numbers() -> None:
    # strace -X raw, strace's rt_sigreturn program: the name first, numbers inside
    info = info64(10, 0, -6, "iI", 1559, 0)
    assert format_siginfo(info, 10, raw=True) == (
        "SIGUSR1 {si_signo=10, si_code=0xfffffffa, si_pid=1559, si_uid=0}"
    )
