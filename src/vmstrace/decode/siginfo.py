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
from .args import uid_text
from .consts import signals
from .fmt import hexnum, s32
from .structs import clock_t

SIGINFO_SIZE = SIGINFO_BYTES  # sizeof(siginfo_t): SI_MAX_SIZE, include/uapi/asm-generic/siginfo.h

# include/uapi/asm-generic/siginfo.h
SI_CODES = {
    0: "SI_USER",
    0x80: "SI_KERNEL",
    -1: "SI_QUEUE",
    -2: "SI_TIMER",
    -3: "SI_MESGQ",
    -4: "SI_ASYNCIO",
    -5: "SI_SIGIO",
    -6: "SI_TKILL",
}
CLD_CODES = {
    1: "CLD_EXITED",
    2: "CLD_KILLED",
    3: "CLD_DUMPED",
    4: "CLD_TRAPPED",
    5: "CLD_STOPPED",
    6: "CLD_CONTINUED",
}
SEGV_CODES = {1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR"}
FAULT_SIGNALS = {4: "ILL", 5: "TRAP", 7: "BUS", 8: "FPE", 11: "SEGV"}


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


def _signame(sig: int) -> str:
    return signals.SIGNALS.get(sig, str(sig))


def format_siginfo(info: bytes, signo_hint: int = 0, compat: bool = False) -> str:
    """`SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=86, ...}` as strace prints.

    The kernel fills the frame's siginfo only for SA_SIGINFO handlers; otherwise all we
    know is the signal number (the handler's first argument, ``signo_hint``).  ``compat``:
    an i386 caller's siginfo.
    """
    info = info.ljust(48, b"\0")
    signo = struct.unpack_from("<i", info, 0)[0]
    if signo == 0 or (signo_hint and signo != signo_hint):
        # Unfilled (no SA_SIGINFO): zeros, or what an earlier frame left on the stack.
        name = _signame(signo_hint) if 0 < signo_hint <= signals.NSIG else "SIG_0"
        return f"{name} {{si_signo={name}}}"
    return f"{_signame(signo)} {siginfo_struct(info, compat=compat)}"


def _errname(err: int, raw: bool) -> str:
    from . import errno_name  # (the package imports this module)

    known = 0 < err < 4096 and not errno_name(err).startswith("ERRNO_")
    return errno_name(err) if known and not raw else str(err & 0xFFFFFFFF)


def printsiginfo(info: bytes, raw: bool = False, compat: bool = False) -> str:
    """A siginfo_t a call filled (waitid, rt_sigtimedwait): ``{}`` when si_signo is 0
    (WNOHANG with no child to report), else :func:`siginfo_struct`."""
    return siginfo_struct(info, raw, compat) if int.from_bytes(info[:4], "little") else "{}"


def siginfo_struct(info: bytes, raw: bool = False, compat: bool = False) -> str:
    """``{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}``: a filled siginfo_t (waitid's too);
    ``raw`` (-X raw): every constant a number (the code in hex), no clock comments.
    ``compat``: an i386 caller's (compat_siginfo: the union at offset 12, not 16, its
    clocks, addresses and values 4 bytes), which strace prints the same way."""
    info = info.ljust(48, b"\0")
    signo, err, code = struct.unpack_from("<iii", info, 0)
    at = 12 if compat else 16  # the union
    word = "<I" if compat else "<Q"  # an address, a sigval
    fields = [f"si_signo={signo if raw else _signame(signo)}"]

    def si_code(named: object) -> str:
        return f"si_code={hexnum(code & 0xFFFFFFFF) if raw else named}"

    if signo == signals.SIGCHLD and code in CLD_CODES:
        pid, uid, status = struct.unpack_from("<iIi", info, at)
        # (x86_64 aligns the 8-byte clocks: 4 bytes of padding before them)
        utime, stime = (
            struct.unpack_from("<ii", info, 24) if compat else struct.unpack_from("<qq", info, 32)
        )
        # strace's printsiginfo: the exit code for CLD_EXITED, else the signal
        shown = str(status) if code == 1 or raw else _signame(status)
        fields += [
            si_code(CLD_CODES[code]),
            f"si_pid={pid}",
            f"si_uid={uid_text(uid)}",
            f"si_status={shown}",
            f"si_utime={clock_t(utime, raw)}",
            f"si_stime={clock_t(stime, raw)}",
        ]
    elif signo in FAULT_SIGNALS and code > 0:
        (addr,) = struct.unpack_from(word, info, at)
        label = SEGV_CODES.get(code, str(code)) if signo == 11 else str(code)
        fields += [si_code(label), f"si_addr={'NULL' if addr == 0 else hex(addr)}"]
    elif code in (0, -6, -1) or code == 0x80:
        pid, uid = struct.unpack_from("<iI", info, at)
        fields.append(si_code(SI_CODES[code]))
        if code != 0x80:
            fields += [f"si_pid={pid}", f"si_uid={uid_text(uid)}"]
        (val,) = struct.unpack_from(word, info, at + 8)
        if code == -1 and val:  # strace's printsigval, when si_ptr is not NULL
            fields += [f"si_int={s32(val)}", f"si_ptr={val:#x}"]
    else:
        fields.append(si_code(SI_CODES.get(code, code)))
    if err:  # after si_code (strace's PRINT_FIELD_ERR_U: its name, else the number unsigned)
        fields.insert(2, f"si_errno={_errname(err, raw)}")
    return f"{{{', '.join(fields)}}}"
