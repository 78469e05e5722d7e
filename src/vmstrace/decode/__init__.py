"""The decode stage: a paired ``Syscall`` in, strace-style text out.

The syscall table is data (:mod:`vmstrace.syscalls`); a syscall with a template in one of
the family modules (files, io, net, process, sched, memory, signal, time) prints decoded
arguments, any other prints its raw arguments as strace's printargs does.  The same
templates say what guest memory they need (:func:`capture_entries`), so the capture
plugin reads exactly that.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ..capture.spec import SpecEntry
from ..core.abi import ARG_RETFD
from ..core.events import Syscall
from ..syscalls import TABLES, Flag, NameChange, SyscallInfo, SyscallTables
from . import (  # noqa: F401
    aio,
    bpf,
    compat32,
    compat_i386,
    fdpath,
    files,
    fsapi,
    io,
    kernel,
    memory,
    net,
    numa,
    prctl,
    process,
    ptrace,
    sched,
    signal,
    sockopt,
    system,
    time,
    uring,
)
from .args import PLAIN_KINDS, ret_hex
from .fmt import MASK64, Ctx, DecodeOptions, hexnum
from .registry import TEMPLATES, Render, Template

__all__ = [
    "TABLES",
    "CallPlan",
    "DecodeOptions",
    "NameChange",
    "Plans",
    "SyscallInfo",
    "call_name",
    "capture_entries",
    "decode_args",
    "decode_call",
    "error_name",
    "format_return",
    "lookup",
    "plan_for",
    "render_line",
    "syscall_name",
    "templated",
]


_SPEC_ABI = {"x86_64": "64", "i386": "32"}


def lookup(abi: str, nr: int, tables: SyscallTables = TABLES) -> SyscallInfo | None:
    table = tables.get(abi)
    return None if table is None else table.get(nr)


def syscall_name(abi: str, nr: int, plans: Plans | None = None) -> str:
    """The syscall's name, or strace's ``syscall_0x1c8`` for an unknown number."""
    return plan_for(abi, nr, plans).name


def call_name(call: Syscall, plan: CallPlan | None = None) -> str:
    """The name strace prints for this call: :func:`syscall_name`, except an i386
    socketcall shows the call it multiplexes (``socket``) once its arguments were read."""
    if plan is None:
        plan = plan_for(call.entry.abi, call.entry.nr)
    if plan.socketcall:
        return compat32.socketcall_name(call) or plan.name
    return plan.name


# --- per-number plans ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # slots: _decoder.lane() reads them
class CallPlan:
    """What decoding needs of one (abi, nr): the table row, name and template, found once.

    Every call used to look these up two to four times (name, template for the arguments,
    template for the return, the ``exit_group`` check); :class:`Plans` keeps one plan per
    number of its tables instead.
    """

    info: SyscallInfo | None
    name: str  # syscall_name(): the table's name or ``syscall_0x...``
    template: Template | None
    renders: tuple[Render, ...]  # the template's argument renderers, in argument order
    render_all: Callable[[Ctx], tuple[str | None, ...]]  # every renderer's text, in order
    nargs: int  # raw arguments printed without a template (or after a decoder error)
    mask: int  # the ABI's register width: raw i386 arguments are 32-bit
    returns_fd: bool  # -y shows what the returned fd refers to (Flag.RETURNS_FD)
    plain_ret: bool  # a success prints as the number (unless -y annotates a returned fd)
    socketcall: bool  # i386 socketcall: named after the call it multiplexes
    # For the emitter's compiled lane (_decoder.c), derived from the two above: each
    # renderer's code in args.PLAIN_KINDS (0: it runs as Python), and whether a success
    # prints as an address (args.ret_hex).  Worked out here, once per plan, not per call.
    plain: tuple[int, ...] = field(init=False)
    ret_hex: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", tuple([PLAIN_KINDS.get(r, 0) for r in self.renders]))
        tpl = self.template
        object.__setattr__(self, "ret_hex", tpl is not None and tpl.ret is ret_hex)


def _make_plan(tables: SyscallTables, abi: str, nr: int) -> CallPlan:
    info = lookup(abi, nr, tables)
    tpl: Template | None = None
    if info is not None:
        tpl = compat_i386.template(info.name) if abi == "i386" else TEMPLATES.get(info.name)
    renders = () if tpl is None else tuple(arg.render for arg in tpl.args)
    return CallPlan(
        info=info,
        name=info.name if info is not None else f"syscall_{nr & MASK64:#x}",
        template=tpl,
        renders=renders,
        render_all=_render_all(renders),
        nargs=info.nargs if info is not None else 6,
        mask=0xFFFFFFFF if abi == "i386" else MASK64,
        returns_fd=info is not None and bool(info.flags & Flag.RETURNS_FD),
        plain_ret=info is not None and (tpl is None or tpl.ret is None),
        socketcall=abi == "i386" and info is not None and info.name == "socketcall",
    )


def _render_all(renders: tuple[Render, ...]) -> Callable[[Ctx], tuple[str | None, ...]]:
    """One function that calls a template's renderers in order: spelled out per argument
    count, it costs a third of a loop over them (a comprehension, enumerate, tuple()),
    and it runs for every call.  (A template has at most six arguments: a test checks.)"""
    n = len(renders)
    if n == 0:
        return lambda c: ()
    if n == 1:
        (r0,) = renders
        return lambda c: (r0(c, 0),)
    if n == 2:
        r0, r1 = renders
        return lambda c: (r0(c, 0), r1(c, 1))
    if n == 3:
        r0, r1, r2 = renders
        return lambda c: (r0(c, 0), r1(c, 1), r2(c, 2))
    if n == 4:
        r0, r1, r2, r3 = renders
        return lambda c: (r0(c, 0), r1(c, 1), r2(c, 2), r3(c, 3))
    if n == 5:
        r0, r1, r2, r3, r4 = renders
        return lambda c: (r0(c, 0), r1(c, 1), r2(c, 2), r3(c, 3), r4(c, 4))
    if n == 6:
        r0, r1, r2, r3, r4, r5 = renders
        return lambda c: (r0(c, 0), r1(c, 1), r2(c, 2), r3(c, 3), r4(c, 4), r5(c, 5))
    return lambda c: tuple([render(c, i) for i, render in enumerate(renders)])


class Plans:
    """The plans of one set of syscall tables, made on first use: a run that renumbers the
    tables from the guest kernel makes its own Plans of them.

    ``cache`` maps (abi, nr) to the plan; the emitter's compiled lane (_decoder.c) reads it
    directly and calls :meth:`get` for a number it lacks.  The number comes from the guest,
    so the cache is bounded."""

    MAX = 4096

    def __init__(self, tables: SyscallTables = TABLES) -> None:
        self.tables = tables
        self.cache: dict[tuple[str, int], CallPlan] = {}

    def get(self, abi: str, nr: int) -> CallPlan:
        plan = self.cache.get((abi, nr))
        if plan is None:
            if len(self.cache) >= self.MAX:
                self.cache.clear()
            plan = self.cache[(abi, nr)] = _make_plan(self.tables, abi, nr)
        return plan


PLANS = Plans()  # the project's tables' plans


def plan_for(abi: str, nr: int, plans: Plans | None = None) -> CallPlan:
    """The plan of syscall ``nr`` of ``abi`` in ``plans`` (by default the project's)."""
    return (PLANS if plans is None else plans).get(abi, nr)


def registers_used(abi: str, nr: int, plans: Plans | None = None) -> int:
    """How many argument registers decoding this call reads: its argument count, or more
    where its template spans more (i386 passes a 64-bit offset in two registers)."""
    plan = plan_for(abi, nr, plans)
    return max(plan.nargs, len(plan.renders))


def templated(abi: str = "x86_64", tables: SyscallTables = TABLES) -> list[str]:
    """Names of the syscalls of ``abi`` that have a decoding template."""
    table = tables.get(abi)
    if table is None:
        return []
    if abi == "i386":
        return sorted(i.name for i in table.values() if compat_i386.template(i.name))
    return sorted(i.name for i in table.values() if i.name in TEMPLATES)


def _raw_args(call: Syscall, plan: CallPlan) -> list[str]:
    mask = plan.mask
    return [hexnum(a & mask) for a in call.entry.args[: plan.nargs]]


def _render_args(ctx: Ctx, renders: tuple[Render, ...]) -> list[str]:
    out = [render(ctx, i) for i, render in enumerate(renders)]
    # None: an argument another one prints (SKIP), or one not shown
    return [text for text in out if text is not None]


def decode_args_strict(call: Syscall, opts: DecodeOptions, plans: Plans | None = None) -> list[str]:
    """:func:`decode_args` without the safety net (tests use it to find decoder bugs)."""
    plan = plan_for(call.entry.abi, call.entry.nr, plans)
    if plan.template is None:
        return _raw_args(call, plan)
    return _render_args(Ctx(call, opts), plan.renders)


def decode_args(call: Syscall, opts: DecodeOptions, plans: Plans | None = None) -> list[str]:
    """One string per printed argument, as strace renders them.

    A decoder bug must not lose the event: the call then prints its raw arguments.
    """
    try:
        return decode_args_strict(call, opts, plans)
    except Exception:  # noqa: BLE001  (hostile guest memory must never stop the trace)
        return _raw_args(call, plan_for(call.entry.abi, call.entry.nr, plans))


# --- return values -------------------------------------------------------------------

# linux/errno.h: kernel-internal codes that strace prints with "?" (the call restarts)
_RESTART = {
    512: ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
    513: ("ERESTARTNOINTR", "To be restarted"),
    514: ("ERESTARTNOHAND", "To be restarted if no handler"),
    516: ("ERESTART_RESTARTBLOCK", "Interrupted by signal"),
}
# more kernel-internal codes (linux/errno.h), printed like ordinary errors
_KERNEL_ERRNOS = {
    515: "ENOIOCTLCMD",
    517: "EPROBE_DEFER",
    518: "EOPENSTALE",
    519: "ENOPARAM",
    521: "EBADHANDLE",
    522: "ENOTSYNC",
    523: "EBADCOOKIE",
    524: "ENOTSUPP",
    525: "ETOOSMALL",
    526: "ESERVERFAULT",
    527: "EBADTYPE",
    528: "EJUKEBOX",
    529: "EIOCBQUEUED",
    530: "ERECALLCONFLICT",
    531: "ENOGRACE",
}
# Where Python's errno module picks an alias, strace prints the other name.
_PREFERRED = {35: "EDEADLK", 95: "EOPNOTSUPP", 11: "EAGAIN"}


def errno_name(n: int) -> str:
    if n in _PREFERRED:
        return _PREFERRED[n]
    if n in _RESTART:
        return _RESTART[n][0]
    return errno.errorcode.get(n) or _KERNEL_ERRNOS.get(n) or f"ERRNO_{n}"


@cache  # n is 1..4095: at most 4095 short strings
def failure_text(n: int) -> str:
    if n in _RESTART:
        name, text = _RESTART[n]
        return f"? {name} ({text})"
    return f"-1 {errno_name(n)} ({os.strerror(n)})"


def _error(call: Syscall) -> int | None:
    r = call.ret
    return -r if r is not None and -4095 <= r <= -1 else None


def error_name(call: Syscall) -> str | None:
    """The errno name of a failed call (``ENOENT``), None when it did not fail."""
    n = _error(call)
    return None if n is None else errno_name(n)


def success_text(
    call: Syscall, ret: int, plan: CallPlan, opts: DecodeOptions, ctx: Ctx | None
) -> str:
    """The return text of a call that did not fail; ``ctx`` is reused when given."""
    if plan.info is None:
        return hexnum(ret & MASK64)
    if plan.returns_fd and opts.decode_fds and call.exit is not None:
        return fdpath.with_path(
            str(ret), call.exit.mem.get(ARG_RETFD), opts.fd_details, opts.hexstr
        )
    tpl = plan.template
    if tpl is not None and tpl.ret is not None:
        try:
            return tpl.ret(ctx if ctx is not None else Ctx(call, opts))
        except Exception:  # noqa: BLE001
            return str(ret)
    return str(ret)


# A call that returned but resumed where neither its own return nor a signal frame that
# saved it could be found (core.abi.EXIT_ELSEWHERE): its result is not known, and the
# line says so rather than print the register as if it were.
UNKNOWN_RETURN = "? /* vmstrace: return value unknown, the thread resumed elsewhere */"


def format_return(call: Syscall, opts: DecodeOptions, plans: Plans | None = None) -> str:
    """The text after `` = ``: ``3``, ``-1 ENOENT (No such file or directory)``, ``?``."""
    ret = call.ret
    if ret is None:
        return "?" if call.exit is None else UNKNOWN_RETURN
    if -4095 <= ret <= -1:
        return failure_text(-ret)
    return success_text(call, ret, plan_for(call.entry.abi, call.entry.nr, plans), opts, None)


def decode_call(
    call: Syscall, opts: DecodeOptions, plan: CallPlan, with_args: bool = True
) -> tuple[tuple[str, ...], str, str | None]:
    """``(args, return text, errno name)``: :func:`decode_args`, :func:`format_return` and
    :func:`error_name` in one pass, with one plan and one Ctx (the decoder's hot path);
    ``with_args=False``: no argument texts (``()``), for a call whose arguments no sink
    reads."""
    ret = call.ret
    ctx = None
    args: tuple[str, ...]
    if not with_args:
        args = ()
    elif plan.template is None:
        args = tuple(_raw_args(call, plan))
    elif not plan.renders:  # getpid(): no Ctx unless the return renderer needs one
        args = ()
    else:
        try:
            ctx = Ctx(call, opts)
            texts = plan.render_all(ctx)  # _render_args(), spelled out
            if None in texts:
                args = tuple([text for text in texts if text is not None])
            else:
                args = texts  # type: ignore[assignment]  # (typing.cast costs a call)
        except Exception:  # noqa: BLE001  (as decode_args: hostile memory, decoder bugs)
            args = tuple(_raw_args(call, plan))
    if ret is None:
        return args, "?" if call.exit is None else UNKNOWN_RETURN, None
    if -4095 <= ret <= -1:
        return args, failure_text(-ret), errno_name(-ret)
    if plan.plain_ret and not (plan.returns_fd and opts.decode_fds):
        return args, str(ret), None  # what success_text() gives such a call
    return args, success_text(call, ret, plan, opts, ctx), None


def render_line(
    call: Syscall, opts: DecodeOptions | None = None, plans: Plans | None = None
) -> str:
    """``openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3`` (no pid prefix)."""
    opts = opts or DecodeOptions()
    name = call_name(call, plan_for(call.entry.abi, call.entry.nr, plans))
    args = ", ".join(decode_args(call, opts, plans))
    return f"{name}({args}) = {format_return(call, opts, plans)}"


def capture_entries(opts: DecodeOptions, tables: SyscallTables = TABLES) -> list[SpecEntry]:
    """The guest memory every template needs, one SpecEntry per capture (both ABIs)."""
    out: list[SpecEntry] = []
    for abi in ("x86_64", "i386"):
        for nr, info in tables[abi].items():
            tpl = TEMPLATES.get(info.name) if abi == "x86_64" else compat_i386.template(info.name)
            for i, arg in enumerate(tpl.args if tpl is not None else ()):
                for cap in arg.captures(opts):
                    out.append((_SPEC_ABI[abi], nr, i, cap))
            # (a call without a template prints its returned fd annotated all the same)
            if opts.decode_fds and info.flags & (Flag.RETURNS_FD | Flag.MAY_RETURN_FD):
                out.append((_SPEC_ABI[abi], nr, 0, fdpath.ret_fd_capture()))
            if opts.exe_paths and info.flags & Flag.EXEC:
                out.append((_SPEC_ABI[abi], nr, 0, fdpath.exe_capture()))
    return out
