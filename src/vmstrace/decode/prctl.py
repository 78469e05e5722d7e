"""prctl: the option picks how many arguments print and how (strace 6.1's src/prctl.c).

One Arg renders the whole argument list, as the option decides it; a second asks for the
memory arg2 may point at: the name PR_SET_NAME passes (entry), and what the kernel stores
for the PR_GET_* options that write through arg2 (exit).  Options strace prints in its
generic way (PR_GET_NO_NEW_PRIVS, PR_GET_THP_DISABLE, unknown ones) show arg2..arg5 in
hex.  Not yet decoded as strace does: the arm64 options (PR_SVE_*, PR_SME_*,
PR_*_TAGGED_ADDR_CTRL, PR_PAC_*), PR_SCHED_CORE, and PR_SET_SECCOMP's filter program
(shown as its address).
"""

from __future__ import annotations

from collections.abc import Callable

from ..capture.spec import fixed
from .args import SKIP, STR
from .consts import proc
from .fmt import Ctx, cstring, flags, hexnum, ptr, quote, s32, s64, u32, xlat
from .registry import Arg, syscall
from .structs import signame

TASK_COMM_LEN = 16  # include/linux/sched.h

# option numbers (linux/prctl.h)
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE = 1, 2, 3, 4
PR_GET_UNALIGN, PR_SET_UNALIGN = 5, 6
PR_SET_NAME, PR_GET_NAME = 15, 16
PR_SET_SECCOMP = 22
PR_GET_TSC, PR_SET_TSC = 25, 26
PR_GET_SECUREBITS, PR_SET_SECUREBITS = 27, 28
PR_SET_TIMERSLACK = 29
PR_MCE_KILL, PR_MCE_KILL_GET, PR_SET_MM = 33, 34, 35
PR_GET_CHILD_SUBREAPER = 37
PR_GET_TID_ADDRESS = 40
PR_SET_FP_MODE, PR_GET_FP_MODE, PR_CAP_AMBIENT = 45, 46, 47
PR_GET_SPECULATION_CTRL, PR_SET_SPECULATION_CTRL = 52, 53
PR_SET_SYSCALL_USER_DISPATCH = 59
PR_SET_VMA = 0x53564D41
PR_SET_PTRACER = 0x59616D61

# no argument after the option
_BARE = frozenset({7, 21, 30, 13, 31, 32, PR_GET_DUMPABLE, PR_GET_SECUREBITS, PR_GET_FP_MODE})
# PR_SET_*: arg2 as an unsigned decimal, nothing after it
_SET_U = frozenset({36, 20, 10, 12, 8, 14})
# arg2 as an unsigned decimal, then arg3..arg5 in hex (NO_NEW_PRIVS, THP_DISABLE, IO_FLUSHER)
_SET_U_REST = frozenset({38, 41, 57})
# the kernel stores an int through arg2 (printnum_int, %u): GET_CHILD_SUBREAPER,
# GET_ENDIAN, GET_FPEMU, GET_FPEXC
_GET_UINT = frozenset({PR_GET_CHILD_SUBREAPER, 19, 9, 11})
SECCOMP_MODE_STRICT, SECCOMP_MODE_FILTER = 1, 2
PR_CAP_AMBIENT_WITH_CAP = frozenset({1, 2, 3})  # IS_SET, RAISE, LOWER
PR_SPEC_WITH_FLAGS = frozenset({0, 1, 2})  # STORE_BYPASS, INDIRECT_BRANCH, L1D_FLUSH
PR_MCE_KILL_SET = 1


def _rest(c: Ctx, first: int) -> list[str]:
    """strace's print_prctl_args: arguments ``first``..4 in hex."""
    return [hexnum(c.a(k)) for k in range(first, 5)]


def _comm(data: bytes, size: int, strsize: int, hexstr: int = 0) -> str:
    """strace's printstr_ex(size, QUOTE_0_TERMINATED): at most -s bytes, one more looked
    at when there is one; ``...`` unless a NUL ends the string within them or right after."""
    shown = min(size, strsize)
    nul = data.find(b"\0", 0, shown)
    if nul >= 0:
        return quote(data[:nul], hexstr=hexstr)
    ahead = data[shown : shown + 1] if size > strsize else b""
    return quote(data[:shown], hexstr=hexstr) + ("" if ahead == b"\0" else "...")


def _stored_int(c: Ctx, text: Callable[[int], str]) -> str:
    """What the kernel wrote through arg2, ``[...]``; the address when it did not."""
    d = c.out_data(1, 4)
    return ptr(c.a(1)) if d is None else f"[{text(int.from_bytes(d, 'little'))}]"


def _set_name(c: Ctx) -> str:
    m = c.entry_mem(1)
    size = TASK_COMM_LEN - 1
    if c.a(1) and m is not None and (b"\0" in m.data[:size] or len(m.data) >= size):
        return _comm(m.data, size, c.opts.strsize, c.opts.hexstr)
    return ptr(c.a(1))


def _get_name(c: Ctx) -> str:
    d = c.out_data(1, TASK_COMM_LEN)
    return ptr(c.a(1)) if d is None else _comm(d, TASK_COMM_LEN, c.opts.strsize, c.opts.hexstr)


def _args(c: Ctx, opt: int) -> list[str]:  # noqa: C901, PLR0911, PLR0912  (strace's switch)
    """The arguments after the option, as strace's SYS_FUNC(prctl) prints them."""
    o = c.opts
    arg2, arg3 = c.a(1), c.a(2)
    if opt in _BARE:
        return []
    if opt in _SET_U:
        return [str(arg2)]
    if opt in _SET_U_REST:
        return [str(arg2), *_rest(c, 2)]
    if opt in _GET_UINT:
        return [_stored_int(c, str)]
    if opt == PR_SET_DUMPABLE:
        return [xlat(arg2, proc.PR_DUMPABLE, o, "SUID_DUMP_")]
    if opt == PR_SET_PDEATHSIG:
        return [str(arg2) if arg2 > 128 else signame(arg2, o.raw)]
    if opt == PR_GET_PDEATHSIG:
        return [_stored_int(c, lambda v: signame(v, o.raw))]
    if opt == PR_SET_NAME:
        return [_set_name(c)]
    if opt == PR_GET_NAME:
        return [_get_name(c)]
    if opt in (23, 24):  # PR_CAPBSET_READ, PR_CAPBSET_DROP
        return [xlat(arg2, proc.CAPS, o, "CAP_")]
    if opt == PR_CAP_AMBIENT:
        head = [xlat(arg2, proc.PR_CAP_AMBIENT, o, "PR_CAP_AMBIENT_")]
        if arg2 in PR_CAP_AMBIENT_WITH_CAP:
            return [*head, xlat(arg3, proc.CAPS, o, "CAP_"), *_rest(c, 3)]
        return [*head, *_rest(c, 2)]
    if opt == PR_SET_SECCOMP:
        head = [xlat(arg2, proc.SECCOMP_MODES, o, "SECCOMP_MODE_")]
        if arg2 == SECCOMP_MODE_STRICT:
            return head
        if arg2 == SECCOMP_MODE_FILTER:
            return [*head, ptr(arg3)]  # (strace decodes the sock_fprog: not yet here)
        return [*head, *_rest(c, 2)]
    if opt == PR_SET_MM:
        return [xlat(u32(arg2), proc.PR_SET_MM, o, "PR_SET_MM_"), *_rest(c, 2)]
    if opt == PR_SET_SECUREBITS:
        return [flags(arg2, proc.SECBITS, o, "0", "SECBIT_???")]
    if opt == PR_SET_TIMERSLACK:
        return [str(s64(arg2))]
    if opt == PR_SET_TSC:
        return [xlat(u32(arg2), proc.PR_TSC, o, "PR_TSC_")]
    if opt == PR_GET_TSC:
        return [_stored_int(c, lambda v: xlat(v, proc.PR_TSC, o, "PR_TSC_"))]
    if opt == PR_SET_UNALIGN:
        return [flags(u32(arg2), proc.PR_UNALIGN_FLAGS, o, "0", "PR_UNALIGN_???")]
    if opt == PR_GET_UNALIGN:
        return [_stored_int(c, lambda v: flags(v, proc.PR_UNALIGN_FLAGS, o, "0", "PR_UNALIGN_???"))]
    if opt == PR_SET_FP_MODE:
        return [flags(u32(arg2), proc.PR_FP_MODE, o, "0", "PR_FP_MODE_???")]
    if opt == PR_GET_TID_ADDRESS:
        d = c.out_data(1, 8)
        return [ptr(arg2) if d is None else f"[{ptr(int.from_bytes(d, 'little'))}]"]
    if opt == PR_SET_PTRACER:
        if s32(arg2) == -1:
            return ["-1" if o.raw else "PR_SET_PTRACER_ANY"]
        return [str(s32(arg2))]
    if opt == PR_MCE_KILL:
        policy = (
            xlat(arg3, proc.PR_MCE_KILL_POLICY, o, "PR_MCE_KILL_")
            if arg2 == PR_MCE_KILL_SET
            else hexnum(arg3)
        )
        return [xlat(arg2, proc.PR_MCE_KILL, o, "PR_MCE_KILL_"), policy, *_rest(c, 3)]
    if opt == PR_GET_SPECULATION_CTRL:
        return [xlat(arg2, proc.PR_SPEC_CMDS, o, "PR_SPEC_")]
    if opt == PR_SET_SPECULATION_CTRL:
        value = (
            xlat(arg3, proc.PR_SPEC_SET_FLAGS, o, "PR_SPEC_")
            if arg2 in PR_SPEC_WITH_FLAGS
            else hexnum(arg3)
        )
        return [xlat(arg2, proc.PR_SPEC_CMDS, o, "PR_SPEC_"), value]
    if opt == PR_SET_SYSCALL_USER_DISPATCH:
        return [
            xlat(arg2, proc.PR_SUD_CMDS, o, "PR_SYS_DISPATCH_"),
            hexnum(arg3),
            hexnum(c.a(3)),
            ptr(c.a(4)),
        ]
    if opt == PR_SET_VMA:
        head = [xlat(arg2, proc.PR_SET_VMA, o, "PR_SET_VMA_")]
        if arg2 == 0:  # PR_SET_VMA_ANON_NAME: addr, size, name
            return [*head, ptr(arg3), str(c.a(3)), cstring(c.a(4), c.mem(4), o.strsize, o.hexstr)]
        return [*head, *_rest(c, 2)]
    return _rest(c, 1)


def _prctl(c: Ctx, i: int) -> str:
    opt = u32(c.a(0))
    # -X raw changes only the names: strace decodes the arguments the same way
    return ", ".join([xlat(opt, proc.PRCTL_OPTIONS, c.opts, "PR_"), *_args(c, opt)])


def _prctl_ret(c: Ctx) -> str:
    """PR_GET_DUMPABLE ``1 (SUID_DUMP_USER)``, PR_MCE_KILL_GET ``2 (PR_MCE_KILL_DEFAULT)``
    (names even under -X raw: strace's xlookup), PR_GET_SECUREBITS / PR_GET_FP_MODE /
    PR_GET_SPECULATION_CTRL in hex with their flags."""
    assert c.ret is not None
    ret, opt, o = c.ret, u32(c.a(0)), c.opts
    named = {PR_GET_DUMPABLE: proc.PR_DUMPABLE, PR_MCE_KILL_GET: proc.PR_MCE_KILL_POLICY}
    table = named.get(opt)
    if table is not None:
        name = table.get(ret)
        return f"{ret} ({name})" if name else str(ret)
    bits = {PR_GET_SECUREBITS: proc.SECBITS, PR_GET_FP_MODE: proc.PR_FP_MODE}.get(opt)
    if opt == PR_GET_SPECULATION_CTRL and c.a(1) in PR_SPEC_WITH_FLAGS:
        bits = proc.PR_SPEC_GET_FLAGS
    if bits is None or (ret == 0 and opt != PR_GET_SPECULATION_CTRL):
        return str(ret)
    if o.raw:
        return hexnum(ret)
    zero = "PR_SPEC_NOT_AFFECTED" if bits is proc.PR_SPEC_GET_FLAGS else "0"
    return f"{hexnum(ret)} ({flags(ret, bits, o, zero)})"


# arg2's memory: PR_SET_NAME's name (entry); what PR_GET_NAME, PR_GET_PDEATHSIG,
# PR_GET_TID_ADDRESS... store (exit); arg5: PR_SET_VMA_ANON_NAME's name
syscall(
    "prctl",
    Arg(_prctl),
    Arg(SKIP.render, lambda o: (fixed(TASK_COMM_LEN, "entry"), fixed(TASK_COMM_LEN, "exit"))),
    SKIP,
    SKIP,
    Arg(SKIP.render, STR.captures),
    ret=_prctl_ret,
)
