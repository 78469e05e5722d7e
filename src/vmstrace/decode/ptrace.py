"""ptrace: every request decoded as strace 6.1 prints it on x86-64.

The request decides how many arguments print and what ``addr`` and ``data`` mean (strace's
src/ptrace.c): a PEEK shows the word the kernel stored at ``data`` (``[0x401000]``),
GETREGS/SETREGS the whole ``struct user_regs_struct``, SEIZE/SETOPTIONS the PTRACE_O_*
options, CONT/SYSCALL/DETACH the signal it delivers.  Quirks kept from strace 6.1:
GETREGS, SETREGS, GETFPREGS and SETFPREGS print no ``addr``; TRACEME prints only the
request; ATTACH, INTERRUPT, KILL and LISTEN only request and pid.

What the plugin reads: 512 bytes at ``data`` at entry (SETREGS, SETFPREGS, SETSIGINFO,
SETSIGMASK, the SETREGSET iovec) and at exit (the PEEKed word, GETREGS, GETFPREGS,
GETSIGINFO, GETEVENTMSG, GETSIGMASK, the GETREGSET iovec, PEEKSIGINFO's siginfos,
GET_SYSCALL_INFO), and 16 bytes at ``addr`` at entry (PEEKSIGINFO's arguments).  One read
per argument and side covers every request.  Not read: the registers an iovec points to
(GETREGSET/SETREGSET show ``iov_base`` as an address where strace shows NT_PRSTATUS and
NT_FPREGSET registers), and SECCOMP_GET_FILTER's BPF program (shown as an address).
"""

from __future__ import annotations

import errno
import struct

from ..capture.spec import fixed
from .consts import ptrace as pt
from .fmt import Ctx, flags, hexnum, ptr, s32, xlat
from .registry import Arg, syscall
from .siginfo import SIGINFO_SIZE, printsiginfo, syscall_name
from .structs import SIGSET_SIZE, signame, sigset_bits

DATA_READ = 512  # the largest fixed struct a request passes (user_fpregs_struct)
ADDR_READ = 16  # PTRACE_PEEKSIGINFO's struct ptrace_peeksiginfo_args

_BARE = frozenset({pt.PTRACE_ATTACH, pt.PTRACE_INTERRUPT, pt.PTRACE_KILL, pt.PTRACE_LISTEN})
_RESUME = frozenset(
    {
        pt.PTRACE_CONT,
        pt.PTRACE_DETACH,
        pt.PTRACE_SYSCALL,
        pt.PTRACE_SINGLESTEP,
        pt.PTRACE_SINGLEBLOCK,
        pt.PTRACE_SYSEMU,
        pt.PTRACE_SYSEMU_SINGLESTEP,
    }
)
_OPTIONS = frozenset({pt.PTRACE_SEIZE, pt.PTRACE_SETOPTIONS, pt.PTRACE_OLDSETOPTIONS})
_PEEK = frozenset({pt.PTRACE_PEEKTEXT, pt.PTRACE_PEEKDATA, pt.PTRACE_PEEKUSER})
_ADDR_DECIMAL = frozenset(
    {
        pt.PTRACE_GETSIGMASK,
        pt.PTRACE_SETSIGMASK,
        pt.PTRACE_SECCOMP_GET_FILTER,
        pt.PTRACE_SECCOMP_GET_METADATA,
        pt.PTRACE_GET_SYSCALL_INFO,
    }
)


# --- struct user_regs_struct and user_fpregs_struct (sys/user.h, x86-64) -------------

_REGS = (
    "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs "
    "eflags rsp ss fs_base gs_base ds es fs gs"
).split()
REGS_SIZE = 8 * len(_REGS)  # 216
FPREGS_SIZE = 512


def user_regs(d: bytes) -> str:
    """``{r15=0x..., ..., gs=0}``: every register in hex, as strace's prstatus regset."""
    n = min(len(d), REGS_SIZE) // 8
    words = struct.unpack_from(f"<{n}Q", d)
    pairs = zip(_REGS, words, strict=False)
    return "{" + ", ".join(f"{name}={hexnum(v)}" for name, v in pairs) + "}"


def _xint_array(d: bytes, limit: int) -> str:
    words = struct.unpack_from(f"<{len(d) // 4}I", d)
    shown = [hexnum(v) for v in words[:limit]]
    if len(words) > limit:
        shown.append("...")
    return "[" + ", ".join(shown) + "]"


def user_fpregs(d: bytes, strsize: int) -> str:
    """strace's fpregset: the x87/SSE control words, then the three u32 arrays (each cut
    at -s elements)."""
    if len(d) < FPREGS_SIZE:
        return ""
    cwd, swd, ftw, fop, rip, rdp, mxcsr, mxcr_mask = struct.unpack_from("<4H2Q2I", d)
    return (
        f"{{cwd={hexnum(cwd)}, swd={hexnum(swd)}, ftw={hexnum(ftw)}, fop={hexnum(fop)}, "
        f"rip={hexnum(rip)}, rdp={hexnum(rdp)}, mxcsr={hexnum(mxcsr)}, "
        f"mxcr_mask={hexnum(mxcr_mask)}, st_space={_xint_array(d[32:160], strsize)}, "
        f"xmm_space={_xint_array(d[160:416], strsize)}, "
        f"padding={_xint_array(d[416:512], strsize)}}}"
    )


# --- the arguments -------------------------------------------------------------------


def _user_offset(addr: int) -> str:
    """PEEKUSER/POKEUSER's offset into struct user: ``8*RIP``, ``8*SS+8``,
    ``offsetof(struct user, u_debugreg)+8``; past ``sizeof(struct user)`` an address."""
    base = None
    for off, name in pt.USER_OFFSETS:
        if off > addr:
            break
        base = (off, name)
    if base is None or (addr > base[0] and base[0] == pt.USER_OFFSETS[-1][0]):
        return ptr(addr)
    return base[1] if addr == base[0] else f"{base[1]}+{addr - base[0]}"


def _peeksiginfo_args(c: Ctx) -> str:
    d = c.in_data(2, ADDR_READ)
    if d is None:
        return ptr(c.a(2))
    off, fl, nr = struct.unpack_from("<QII", d)
    text = flags(fl, pt.PTRACE_PEEKSIGINFO_FLAGS, c.opts, dflt="PTRACE_PEEKSIGINFO_???")
    return f"{{off={off}, flags={text}, nr={nr}}}"


def _sigset_at(c: Ctx, data: bytes | None) -> str:
    if c.a(2) != SIGSET_SIZE or data is None or len(data) < SIGSET_SIZE:
        return ptr(c.a(3))
    return sigset_bits(int.from_bytes(data[:8], "little"), raw=c.opts.raw)


def _entry_data(c: Ctx, size: int) -> bytes | None:
    """``size`` bytes at ``data`` as the caller passed them (None: NULL or unreadable)."""
    if not c.a(3):
        return None
    m = c.entry_mem(3)
    return None if m is None or len(m.data) < size else m.data[:size]


def _exit_data(c: Ctx, size: int) -> bytes | None:
    """``size`` bytes at ``data`` the kernel wrote (None: failed call or unreadable)."""
    return c.out_data(3, size)


def _iovec(c: Ctx, request: int) -> str:
    """GETREGSET/SETREGSET's iovec; a length the kernel changed shows as ``1000 => 216``."""
    before = _entry_data(c, 16)
    after = _exit_data(c, 16) if request == pt.PTRACE_GETREGSET else None
    if after is None and request == pt.PTRACE_GETREGSET and not c.failed:
        return ptr(c.a(3))
    shown = after or before
    if shown is None:
        return ptr(c.a(3))
    base, length = struct.unpack_from("<QQ", shown)
    text = f"{{iov_base={ptr(base)}, iov_len={length}}}"
    if before is not None and after is not None:
        (old,) = struct.unpack_from("<Q", before, 8)
        if old != length:
            text = f"{{iov_base={ptr(base)}, iov_len={old} => {length}}}"
    return text


def _seccomp_metadata(c: Ctx) -> str:
    size = c.a(2)
    d = _entry_data(c, 8)
    if size < 8 or d is None:
        return ptr(c.a(3))
    text = f"{{filter_off={int.from_bytes(d, 'little')}"
    if not c.failed and size > 8:
        out = _exit_data(c, 16)
        if size < 16 or out is None:
            text += ", ???"
        else:
            fl = int.from_bytes(out[8:16], "little")
            shown = flags(fl, pt.SECCOMP_FILTER_FLAGS, c.opts, dflt="SECCOMP_FILTER_FLAG_???")
            text += f", flags={shown}"
            if size > 16:
                text += ", ..."
    return text + "}"


_PREFERRED_ERRNO = {11: "EAGAIN", 35: "EDEADLK", 95: "EOPNOTSUPP"}

# struct ptrace_syscall_info (linux/ptrace.h): op, arch, instruction_pointer,
# stack_pointer, then entry {nr, args[6]} / exit {rval, is_error} / seccomp {nr, args[6],
# ret_data}; strace reads at most the seccomp form's 84 bytes
_PSI_ENTRY_END = 80
_PSI_EXIT_END = 33
_PSI_SECCOMP_END = 84


def _syscall_info(c: Ctx) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(3))
    size = min(c.a(2), c.ret, _PSI_SECCOMP_END)
    d = _exit_data(c, size) if size else None
    if d is None:
        return ptr(c.a(3))
    op = d[0]
    out = [f"op={xlat(op, pt.PTRACE_SYSCALL_INFO_OPS, c.opts, 'PTRACE_SYSCALL_INFO_')}"]
    if size >= 8:
        (arch,) = struct.unpack_from("<I", d, 4)
        out.append(f"arch={xlat(arch, pt.AUDIT_ARCHES, c.opts, 'AUDIT_ARCH_')}")
    if size >= 16:
        out.append(f"instruction_pointer={hexnum(int.from_bytes(d[8:16], 'little'))}")
    if size >= 24:
        out.append(f"stack_pointer={hexnum(int.from_bytes(d[16:24], 'little'))}")
    if size >= 32 and op in (1, 3):
        (nr,) = struct.unpack_from("<Q", d, 24)
        inner = [f"nr={syscall_name(nr, arch)}"]
        nargs = min((size - 32) // 8, 6)
        if nargs:
            args = struct.unpack_from(f"<{nargs}Q", d, 32)
            inner.append("args=[" + ", ".join(hexnum(a) for a in args) + "]")
        if op == 3 and size >= _PSI_SECCOMP_END:
            inner.append(f"ret_data={int.from_bytes(d[80:84], 'little')}")
        out.append(("entry" if op == 1 else "seccomp") + "={" + ", ".join(inner) + "}")
    elif size >= 32 and op == 2:
        (rval,) = struct.unpack_from("<q", d, 24)
        if size >= _PSI_EXIT_END and d[32] and -4095 <= rval < 0:
            name = _PREFERRED_ERRNO.get(-rval) or errno.errorcode.get(-rval)
            shown = f"-{name}" if name else str(rval)
        else:
            shown = str(rval)
        inner = [f"rval={shown}"]
        if size >= _PSI_EXIT_END:
            inner.append(f"is_error={d[32]}")
        out.append("exit={" + ", ".join(inner) + "}")
    return "{" + ", ".join(out) + "}"


def _siginfo_array(c: Ctx) -> str:
    if c.failed or c.ret is None:
        return ptr(c.a(3))
    n = c.ret
    m = c.exit_mem(3)
    if n == 0:
        return "[]"
    if m is None or len(m.data) < SIGINFO_SIZE:
        return ptr(c.a(3))
    items = []
    for k in range(min(n, c.opts.strsize, len(m.data) // SIGINFO_SIZE)):
        items.append(printsiginfo(m.data[k * SIGINFO_SIZE : (k + 1) * SIGINFO_SIZE], c.opts.raw))
    if n > len(items):
        items.append("...")
    return "[" + ", ".join(items) + "]"


def _data(c: Ctx, request: int) -> str:
    """The fourth argument, as the request makes it."""
    data = c.a(3)
    if request in _RESUME:
        return signame(s32(data), c.opts.raw) if s32(data) else "0"
    if request in _OPTIONS:
        return flags(data, pt.PTRACE_O_FLAGS, c.opts, dflt="PTRACE_O_???")
    if request == pt.PTRACE_SETSIGINFO:
        d = _entry_data(c, SIGINFO_SIZE)
        return ptr(data) if d is None else printsiginfo(d, c.opts.raw)
    if request == pt.PTRACE_SETSIGMASK:
        return _sigset_at(c, _entry_data(c, SIGSET_SIZE))
    if request in (pt.PTRACE_GETREGSET, pt.PTRACE_SETREGSET):
        return _iovec(c, request)
    if request == pt.PTRACE_SECCOMP_GET_METADATA:
        return _seccomp_metadata(c)
    if request in _PEEK:
        d = _exit_data(c, 8)
        return ptr(data) if d is None else f"[{ptr(int.from_bytes(d, 'little'))}]"
    if request == pt.PTRACE_GETEVENTMSG:
        d = _exit_data(c, 8)
        return ptr(data) if d is None else f"[{int.from_bytes(d, 'little')}]"
    if request == pt.PTRACE_GETSIGINFO:
        d = _exit_data(c, SIGINFO_SIZE)
        return ptr(data) if d is None else printsiginfo(d, c.opts.raw)
    if request == pt.PTRACE_GETSIGMASK:
        return _sigset_at(c, _exit_data(c, SIGSET_SIZE))
    if request == pt.PTRACE_PEEKSIGINFO:
        return _siginfo_array(c)
    if request == pt.PTRACE_GET_SYSCALL_INFO:
        return _syscall_info(c)
    return ptr(data)


def _regs(c: Ctx, request: int) -> str:
    """GETREGS/GETFPREGS (the kernel's copy, at exit) and SETREGS/SETFPREGS (the caller's,
    at entry); printed in place of ``addr``, which strace 6.1 leaves out for these."""
    size = REGS_SIZE if request in (pt.PTRACE_GETREGS, pt.PTRACE_SETREGS) else FPREGS_SIZE
    if request in (pt.PTRACE_GETREGS, pt.PTRACE_GETFPREGS):
        d = _exit_data(c, size)
    else:
        d = _entry_data(c, size)
    if d is None:
        return ptr(c.a(3))
    return user_regs(d) if size == REGS_SIZE else user_fpregs(d, c.opts.strsize)


_REGS_REQUESTS = frozenset(
    {pt.PTRACE_GETREGS, pt.PTRACE_SETREGS, pt.PTRACE_GETFPREGS, pt.PTRACE_SETFPREGS}
)


def _ptrace(c: Ctx, i: int) -> str:
    request = c.a(0)
    out = [xlat(request, pt.PTRACE_CMDS, c.opts, "PTRACE_")]
    if request == pt.PTRACE_TRACEME:
        return out[0]
    out.append(str(s32(c.a(1))))
    if request in _BARE:
        return ", ".join(out)
    if request in _REGS_REQUESTS:
        out.append(_regs(c, request) if not c.opts.raw else ptr(c.a(3)))
        return ", ".join(out)
    addr = c.a(2)
    if c.opts.raw:
        addr_text = ptr(addr)
    elif request in (pt.PTRACE_PEEKUSER, pt.PTRACE_POKEUSER):
        addr_text = _user_offset(addr)
    elif request in (pt.PTRACE_GETREGSET, pt.PTRACE_SETREGSET):
        addr_text = xlat(addr, pt.NT_TYPES, c.opts, "NT_")
    elif request in _ADDR_DECIMAL:
        addr_text = str(addr)
    elif request == pt.PTRACE_PEEKSIGINFO:
        addr_text = _peeksiginfo_args(c)
    else:
        addr_text = ptr(addr)
    out.append(addr_text)
    out.append(_data(c, request) if not c.opts.raw else hexnum(c.a(3)))
    return ", ".join(out)


# The first Arg prints every argument (how many depends on the request); the others ask
# for the memory: 16 bytes at addr at entry, 512 at data at entry and at exit.
syscall(
    "ptrace",
    Arg(_ptrace),
    Arg(lambda c, i: None),
    Arg(lambda c, i: None, lambda o: (fixed(ADDR_READ, "both"),)),
    Arg(lambda c, i: None, lambda o: (fixed(DATA_READ, "entry"), fixed(DATA_READ, "exit"))),
)
