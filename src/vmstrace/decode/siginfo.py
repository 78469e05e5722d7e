"""Signals seen at a syscall's return: the frame the kernel pushed, and strace's
`--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---` line.

When a call returns into a signal handler, the plugin copies the frame from the user stack
(arch/x86/include/asm/sigframe.h).  x86_64's `struct rt_sigframe`: pretcode (8), then
`struct ucontext` (uc_flags, uc_link, uc_stack 24 bytes, `struct sigcontext` 256 bytes,
uc_sigmask 8), then `siginfo_t` (128).  An i386 caller's: `rt_sigframe_ia32` (with the
compat siginfo before its ucontext) for a handler with SA_SIGINFO, else `sigframe_ia32`,
which has no siginfo.  The call's own result is the frame's saved accumulator
(core.events.frame_registers).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..core.abi import FRAME_SIGINFO, RT_FRAME32_SIGINFO, RT_SIGFRAME32_BYTES, SIGINFO_BYTES
from ..core.events import Mem, frame_registers
from ..syscalls import TABLES
from .args import uid_text
from .consts import ptrace as pt
from .consts import signals
from .fmt import hexnum, ptr, s64
from .structs import clock_t

SIGINFO_SIZE = SIGINFO_BYTES  # sizeof(siginfo_t): SI_MAX_SIZE, include/uapi/asm-generic/siginfo.h

# include/uapi/asm-generic/siginfo.h, in strace's xlat/*_codes.in order: the codes any
# signal may carry, then each signal's own (strace's print_si_code looks them up so)
SI_CODES = {
    0: "SI_USER",
    0x80: "SI_KERNEL",
    -1: "SI_QUEUE",
    -2: "SI_TIMER",
    -3: "SI_MESGQ",
    -4: "SI_ASYNCIO",
    -5: "SI_SIGIO",
    -6: "SI_TKILL",
    -7: "SI_DETHREAD",
    -60: "SI_ASYNCNL",
}
SI_USER, SI_QUEUE, SI_TIMER, SI_SIGIO, SI_TKILL = 0, -1, -2, -5, -6
SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGIO, SIGSYS = 4, 5, 7, 8, 11, 29, 31
CLD_EXITED = 1
BUS_MCEERR_AR, BUS_MCEERR_AO = 4, 5
SEGV_BNDERR, SEGV_PKUERR = 3, 4
SIGNAL_CODES: dict[int, dict[int, str]] = {
    SIGTRAP: {
        1: "TRAP_BRKPT",
        2: "TRAP_TRACE",
        3: "TRAP_BRANCH",
        4: "TRAP_HWBKPT",
        5: "TRAP_UNK",
        6: "TRAP_PERF",
    },
    signals.SIGCHLD: {
        1: "CLD_EXITED",
        2: "CLD_KILLED",
        3: "CLD_DUMPED",
        4: "CLD_TRAPPED",
        5: "CLD_STOPPED",
        6: "CLD_CONTINUED",
    },
    SIGIO: {
        1: "POLL_IN",
        2: "POLL_OUT",
        3: "POLL_MSG",
        4: "POLL_ERR",
        5: "POLL_PRI",
        6: "POLL_HUP",
    },
    SIGILL: {
        1: "ILL_ILLOPC",
        2: "ILL_ILLOPN",
        3: "ILL_ILLADR",
        4: "ILL_ILLTRP",
        5: "ILL_PRVOPC",
        6: "ILL_PRVREG",
        7: "ILL_COPROC",
        8: "ILL_BADSTK",
    },
    SIGFPE: {
        1: "FPE_INTDIV",
        2: "FPE_INTOVF",
        3: "FPE_FLTDIV",
        4: "FPE_FLTOVF",
        5: "FPE_FLTUND",
        6: "FPE_FLTRES",
        7: "FPE_FLTINV",
        8: "FPE_FLTSUB",
        14: "FPE_FLTUNK",
        15: "FPE_CONDTRAP",
    },
    SIGSEGV: {
        1: "SEGV_MAPERR",
        2: "SEGV_ACCERR",
        3: "SEGV_BNDERR",
        4: "SEGV_PKUERR",
        5: "SEGV_ACCADI",
        6: "SEGV_ADIDERR",
        7: "SEGV_ADIPERR",
        8: "SEGV_MTEAERR",
        9: "SEGV_MTESERR",
    },
    SIGBUS: {
        1: "BUS_ADRALN",
        2: "BUS_ADRERR",
        3: "BUS_OBJERR",
        4: "BUS_MCEERR_AR",
        5: "BUS_MCEERR_AO",
    },
    SIGSYS: {1: "SYS_SECCOMP", 2: "SYS_USER_DISPATCH"},
}
# the signals whose kernel-sent siginfo carries the faulting address first
ADDR_SIGNALS = frozenset({SIGILL, SIGFPE, SIGBUS, SIGSEGV, SIGTRAP})


@dataclass(frozen=True)
class SignalFrame:
    rax: int
    rip: int
    siginfo: bytes  # empty: the frame has none (i386 without SA_SIGINFO)
    compat: bool = False  # an i386 caller's siginfo (compat_siginfo)


def parse_frame(frame: Mem, abi: str = "x86_64") -> SignalFrame | None:
    """The frame a call of ``abi`` returned into; None when the blob is not a whole one."""
    saved = frame_registers(abi, frame)
    if saved is None:
        return None
    ax, ip = saved
    if abi != "i386":
        return SignalFrame(ax, ip, frame.data[FRAME_SIGINFO : FRAME_SIGINFO + SIGINFO_SIZE])
    at = RT_FRAME32_SIGINFO  # (a frame_registers() accepted this long is an rt_sigframe_ia32)
    info = frame.data[at : at + SIGINFO_SIZE] if len(frame.data) >= RT_SIGFRAME32_BYTES else b""
    return SignalFrame(ax, ip, info, compat=True)


def syscall_name(nr: int, arch: int) -> str:
    """``__NR_read``: a syscall number of an audit arch, as strace names it with its own
    tables (the number when the arch or the number is not one it knows)."""
    abi = {pt.AUDIT_ARCH_X86_64: "x86_64", pt.AUDIT_ARCH_I386: "i386"}.get(arch)
    info = None if abi is None else TABLES[abi].get(nr)
    return f"__NR_{info.name}" if info is not None else str(nr)


def _signame(sig: int) -> str:
    return signals.SIGNALS.get(sig, str(sig))


def format_siginfo(
    info: bytes, signo_hint: int = 0, compat: bool = False, raw: bool = False
) -> str:
    """`SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=86, ...}` as strace prints.

    The kernel fills the frame's siginfo only for SA_SIGINFO handlers; otherwise all we
    know is the signal number (the handler's first argument, ``signo_hint``).  ``compat``:
    an i386 caller's siginfo; ``raw`` (-X raw): the struct's constants as numbers (the
    signal before it keeps its name, as strace's does).
    """
    info = info.ljust(48, b"\0")
    signo = struct.unpack_from("<i", info, 0)[0]
    if signo == 0 or (signo_hint and signo != signo_hint):
        # Unfilled (no SA_SIGINFO): zeros, or what an earlier frame left on the stack.
        name = _signame(signo_hint) if 0 < signo_hint <= signals.NSIG else "SIG_0"
        return f"{name} {{si_signo={name}}}"
    return f"{_signame(signo)} {siginfo_struct(info, raw, compat)}"


def _errname(err: int, raw: bool) -> str:
    from . import errno_name  # (the package imports this module)

    known = 0 < err < 4096 and not errno_name(err).startswith("ERRNO_")
    return errno_name(err) if known and not raw else str(err & 0xFFFFFFFF)


def printsiginfo(info: bytes, raw: bool = False, compat: bool = False) -> str:
    """A siginfo_t a call filled (waitid, rt_sigtimedwait): ``{}`` when si_signo is 0
    (WNOHANG with no child to report), else :func:`siginfo_struct`."""
    return siginfo_struct(info, raw, compat) if int.from_bytes(info[:4], "little") else "{}"


def siginfo_struct(info: bytes, raw: bool = False, compat: bool = False) -> str:
    """``{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}``: a filled siginfo_t (waitid's too),
    the fields strace's printsiginfo prints for its signal and code; ``raw`` (-X raw):
    every constant a number (the code in hex), no clock comments.  ``compat``: an i386
    caller's (compat_siginfo: the union at offset 12, not 16, its clocks, addresses and
    values 4 bytes), which strace prints the same way."""
    info = info.ljust(48, b"\0")
    signo, err, code = struct.unpack_from("<iii", info, 0)
    at = 12 if compat else 16  # the union
    word, wsize = ("<I", 4) if compat else ("<Q", 8)  # an address, a long, a sigval

    def uword(off: int) -> int:
        return int(struct.unpack_from(word, info, at + off)[0])

    def i32(off: int) -> int:
        return int(struct.unpack_from("<i", info, at + off)[0])

    def addr(off: int) -> str:
        return ptr(uword(off))

    named = SI_CODES.get(code) or SIGNAL_CODES.get(signo, {}).get(code)
    shown = hexnum(code & 0xFFFFFFFF) if raw or named is None else named
    fields = [f"si_signo={signo if raw else _signame(signo)}", f"si_code={shown}"]
    if err:  # strace's PRINT_FIELD_ERR_U: its name, else the number unsigned
        fields.append(f"si_errno={_errname(err, raw)}")

    def source() -> None:
        fields.extend((f"si_pid={i32(0)}", f"si_uid={uid_text(i32(4) & 0xFFFFFFFF)}"))

    def sigval(off: int) -> None:
        fields.extend((f"si_int={i32(off)}", f"si_ptr={addr(off)}"))

    if code <= 0:  # sent by a process (SI_FROMUSER)
        if code == SI_TIMER:  # _timer: tid, overrun, sigval
            fields += [f"si_timerid={hexnum(i32(0) & 0xFFFFFFFF)}", f"si_overrun={i32(4)}"]
            sigval(8)
        elif code == SI_SIGIO:
            fields += [f"si_band={s64(uword(0)) if not compat else i32(0)}", f"si_fd={i32(wsize)}"]
        else:
            source()
            if code not in (SI_USER, SI_TKILL) and uword(8):
                sigval(8)
    elif signo == signals.SIGCHLD:
        source()
        status = i32(8)
        # (x86_64 aligns the 8-byte clocks: 4 bytes of padding before them)
        utime, stime = (
            struct.unpack_from("<ii", info, 24) if compat else struct.unpack_from("<qq", info, 32)
        )
        # strace's printsiginfo: the exit code for CLD_EXITED, else the signal
        fields += [
            f"si_status={status if code == CLD_EXITED or raw else _signame(status)}",
            f"si_utime={clock_t(utime, raw)}",
            f"si_stime={clock_t(stime, raw)}",
        ]
    elif signo in ADDR_SIGNALS:  # _sigfault: the address, then what the code adds
        fields.append(f"si_addr={addr(0)}")
        if signo == SIGBUS and code in (BUS_MCEERR_AR, BUS_MCEERR_AO):
            lsb = struct.unpack_from("<H", info, at + wsize)[0]
            fields.append(f"si_addr_lsb={hexnum(lsb)}")
        elif signo == SIGSEGV and code == SEGV_BNDERR:  # after a pointer-aligned pad
            fields += [f"si_lower={addr(2 * wsize)}", f"si_upper={addr(3 * wsize)}"]
        elif signo == SIGSEGV and code == SEGV_PKUERR:
            fields.append(f"si_pkey={i32(2 * wsize) & 0xFFFFFFFF}")
    elif signo == SIGIO:
        if code in SIGNAL_CODES[SIGIO]:
            fields += [f"si_band={s64(uword(0)) if not compat else i32(0)}", f"si_fd={i32(wsize)}"]
    elif signo == SIGSYS:  # _sigsys: call address, syscall number, audit arch
        nr, arch = struct.unpack_from("<iI", info, at + wsize)
        arch_name = pt.AUDIT_ARCHES.get(arch)
        fields += [
            f"si_call_addr={addr(0)}",
            f"si_syscall={nr & 0xFFFFFFFF if raw else syscall_name(nr & 0xFFFFFFFF, arch)}",
            "si_arch="
            + (hexnum(arch) if raw else arch_name or f"{hexnum(arch)} /* AUDIT_ARCH_??? */"),
        ]
    else:
        if i32(0) or i32(4):
            source()
        if uword(8):
            sigval(8)
    return f"{{{', '.join(fields)}}}"
