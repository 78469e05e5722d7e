"""Signal syscalls: rt_sigaction, rt_sigprocmask, kill/tgkill, sigaltstack...

Signal sets print as ``[USR1 CHLD]`` (``~[...]`` when most bits are set), handlers as
``SIG_DFL``/``SIG_IGN`` or an address, as strace does.
"""

from __future__ import annotations

import struct

from ..capture.spec import Capture
from .args import FD, IN, INT, OUT, UINT, ULONG, XLAT, register_only
from .consts import signals
from .fmt import Ctx, flags, hexnum, ptr, s32, u32
from .registry import Arg, syscall
from .siginfo import SIGINFO_SIZE, printsiginfo
from .structs import (
    SIGACTION_SIZE,
    SIGSET_SIZE,
    TIMESPEC_SIZE,
    sigaction,
    signame,
    sigset,
    sigset_bits,
    timespec,
)


def _sig(c: Ctx, i: int) -> str:
    v = s32(c.a(i))
    return "0" if v == 0 else signame(v, c.opts.raw)


SIG = register_only(Arg(_sig))


def _sized(size_arg: int, arg: Arg) -> Arg:
    """A sigset argument: strace prints it only when sigsetsize is the kernel's 8."""

    def render(c: Ctx, i: int) -> str | None:
        if c.a(i) and c.a(size_arg) != SIGSET_SIZE:
            return ptr(c.a(i))
        return arg.render(c, i)

    return Arg(render, arg.captures)


SET_IN = IN(SIGSET_SIZE, sigset)
SET_OUT = OUT(SIGSET_SIZE, sigset)

syscall("rt_sigaction", SIG, IN(SIGACTION_SIZE, sigaction), OUT(SIGACTION_SIZE, sigaction), ULONG)
syscall(
    "rt_sigprocmask",
    XLAT(signals.SIGPROCMASK_HOW, "SIG_"),
    _sized(3, SET_IN),
    _sized(3, SET_OUT),
    ULONG,
)


def _pending(c: Ctx, i: int) -> str:
    """rt_sigpending's set: the kernel writes sigsetsize bytes (1 to 8), strace prints as
    many (print_sigset_addr_len_limit with a minimum of 1)."""
    size = c.a(1)
    if c.failed or not c.a(i) or not 1 <= size <= SIGSET_SIZE:
        return ptr(c.a(i))
    m = c.exit_mem(i)
    if m is None or len(m.data) < size:
        return ptr(c.a(i))
    return sigset_bits(
        int.from_bytes(m.data[:size], "little"), (size + 3) // 4 * 32, raw=c.opts.raw
    )


syscall(
    "rt_sigpending", Arg(_pending, lambda o: (Capture("buf", "exit", "a1", SIGSET_SIZE),)), ULONG
)
syscall("rt_sigsuspend", _sized(1, SET_IN), ULONG)


def ret_signal(c: Ctx) -> str:
    """A returned signal number: ``14 (SIGALRM)`` (strace's auxstr of signame(); none
    for 0 or a number with no name)."""
    r = c.ret or 0
    name = signals.SIGNALS.get(r)
    return f"{r} ({name})" if name else str(r)


syscall(
    "rt_sigtimedwait",
    _sized(3, SET_IN),
    OUT(SIGINFO_SIZE, lambda c, d: printsiginfo(d, c.opts.raw)),
    IN(TIMESPEC_SIZE, timespec),
    ULONG,
    ret=ret_signal,
)
# the siginfo_t the caller passes, as strace's printsiginfo_at prints it
SIGINFO_IN = IN(SIGINFO_SIZE, lambda c, d: printsiginfo(d, c.opts.raw))
syscall("rt_sigqueueinfo", INT, SIG, SIGINFO_IN)
syscall("rt_tgsigqueueinfo", INT, INT, SIG, SIGINFO_IN)
syscall("kill", INT, SIG)
syscall("tkill", INT, SIG)
syscall("tgkill", INT, INT, SIG)
# flags: strace 6.1 knows no names for them and prints the unsigned int in hex
syscall(
    "pidfd_send_signal", FD, SIG, SIGINFO_IN, register_only(Arg(lambda c, i: hexnum(u32(c.a(i)))))
)
syscall("alarm", UINT)
syscall(
    "signalfd4",
    FD,
    _sized(2, SET_IN),
    ULONG,
    Arg(
        lambda c, i: flags(
            u32(c.a(i)),
            ((0o2000000, "SFD_CLOEXEC"), (0o4000, "SFD_NONBLOCK")),
            c.opts,
            dflt="SFD_???",
        )
    ),
)
syscall("signalfd", FD, _sized(2, SET_IN), ULONG)


def _mask(c: Ctx, data: bytes) -> str:
    return f"{{mask={sigset_bits(int.from_bytes(data[:8], 'little'), raw=c.opts.raw)}}}"


def _rt_sigreturn(c: Ctx, i: int) -> str | None:
    """The mask rt_sigreturn restores, from the frame it unwinds on the user stack, where
    strace reads it too: the plugin reads it at entry as blob 0 (the spec's `sigreturn`;
    x86_64's and i386's).  Unreadable: its address, as strace's print_sigset_addr."""
    m = c.entry_mem(0)
    if m is None:
        return None
    return _mask(c, m.data) if len(m.data) >= SIGSET_SIZE else f"{{mask={ptr(m.addr)}}}"


def sigreturn32(c: Ctx, i: int) -> str | None:
    """i386's sigreturn: the mask's two words, sigcontext's oldmask and the extramask
    after the fpstate, which the plugin joins as blob 1.  Unreadable: the stack pointer,
    where strace's arch_sigreturn reads the frame."""
    m = c.entry_mem(1)
    if m is None or len(m.data) < SIGSET_SIZE:
        return ptr(c.call.entry.sp & 0xFFFFFFFF)
    return _mask(c, m.data)


syscall("rt_sigreturn", Arg(_rt_sigreturn))


# asm-generic/signal.h stack_t: ss_sp, ss_flags (int, padded), ss_size = 24 bytes
def _stack(c: Ctx, d: bytes) -> str:
    sp, fl, size = struct.unpack_from("<QixxxxQ", d)
    ss_flags = flags(u32(fl), signals.SS_FLAGS, c.opts, dflt="SS_???")
    return f"{{ss_sp={ptr(sp)}, ss_flags={ss_flags}, ss_size={size}}}"


syscall("sigaltstack", IN(24, _stack), OUT(24, _stack))
