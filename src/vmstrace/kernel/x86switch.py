"""Read the case table back out of a compiled ``switch (nr)`` on x86-64.

Since the branch-history-injection fix (mainline 6.9, and the 6.1/6.6 stable kernels that
took its backport, e.g. Debian's 6.1.0-56) x86 dispatches system calls through
``x64_sys_call()``/``ia32_sys_call()`` in arch/x86/entry/syscall_{64,32}.c::

    switch (nr) {
    case 0: return __x64_sys_read(regs);
    ...
    default: return __x64_sys_ni_syscall(regs);
    }

and ``ia32_sys_call_table`` no longer exists, so the i386 numbering lives only in that
code.  The kernel is built with ``-fno-jump-tables`` (retpolines), so GCC lowers the switch
to a binary tree of ``cmp $imm, %reg`` and unsigned conditional jumps whose leaves are tail
calls (``jmp __ia32_sys_open``).  :func:`switch_cases` walks that tree keeping the set of
``nr`` values each path admits (an interval minus a few excluded values) and reports, for
every value up to ``limit``, the address its leaf jumps to.

Only the handful of instruction forms such a tree uses are decoded; anything else raises
:class:`SwitchError` (so a differently compiled kernel falls back to the other sources
rather than yielding wrong numbers).  Every walk is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmstrace.kernel.errors import KernelError

MAX_STEPS = 200_000  # instructions decoded over all paths (~4k in a 460-case switch)
U32 = 0xFFFFFFFF


class SwitchError(KernelError):
    """The code is not a compare-tree switch this walker understands."""

    def __init__(self, why: str) -> None:
        super().__init__(f"switch decoding: {why}")


@dataclass(frozen=True)
class _Path:
    pc: int  # offset into the code
    lo: int
    hi: int
    excluded: frozenset[int]  # values in [lo, hi] this path has already ruled out
    imm: int | None = None  # the immediate of the last ``cmp`` (the flags' meaning)

    def values(self, limit: int) -> list[int]:
        return [v for v in range(self.lo, min(self.hi, limit - 1) + 1) if v not in self.excluded]

    def narrow(self, lo: int, hi: int) -> _Path | None:
        lo, hi = max(lo, self.lo), min(hi, self.hi)
        if lo > hi:
            return None
        excl = frozenset(v for v in self.excluded if lo <= v <= hi)
        return _Path(self.pc, lo, hi, excl, self.imm)

    def without(self, value: int) -> _Path | None:
        if value == self.lo == self.hi:
            return None
        if value == self.lo:
            return self.narrow(value + 1, self.hi)
        if value == self.hi:
            return self.narrow(self.lo, value - 1)
        if self.lo < value < self.hi:
            return _Path(self.pc, self.lo, self.hi, self.excluded | {value}, self.imm)
        return self

    def at(self, pc: int, imm: int | None = None) -> _Path:
        return _Path(pc, self.lo, self.hi, self.excluded, self.imm if imm is None else imm)


# Jcc condition nibble (0x7X / 0x0F 0x8X) -> (taken range, not-taken range) for
# ``cmp $imm, %reg`` on unsigned values: functions of imm giving (lo, hi) or None.
def _split(cond: int, imm: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None] | None:
    below = (0, imm - 1) if imm > 0 else None
    above = (imm + 1, U32) if imm < U32 else None
    at_or_below, at_or_above = (0, imm), (imm, U32)
    return {
        0x2: (below, at_or_above),  # jb
        0x3: (at_or_above, below),  # jae
        0x6: (at_or_below, above),  # jbe
        0x7: (above, at_or_below),  # ja
    }.get(cond)


def _leaf(out: dict[int, int], path: _Path, target: int, limit: int) -> None:
    for v in path.values(limit):
        if out.setdefault(v, target) != target:
            raise SwitchError(f"case {v} reaches both {out[v]:#x} and {target:#x}")


def _nop_length(code: bytes, pc: int) -> int:
    """The length of the ``[66|2e]* 0f 1f /0`` (or ``66 90``) nop at ``pc``, 0 if none."""
    i = pc
    while i < len(code) and i - pc < 8 and code[i] in (0x66, 0x2E):
        i += 1
    if i > pc and code[i : i + 1] == b"\x90":
        return i + 1 - pc
    if code[i : i + 2] != b"\x0f\x1f" or i + 2 >= len(code):
        return 0
    modrm = code[i + 2]
    mod, reg, rm = modrm >> 6, (modrm >> 3) & 7, modrm & 7
    if reg != 0:
        return 0
    n = i + 3 - pc
    if mod != 3 and rm == 4:  # a SIB byte
        if i + 3 >= len(code):
            return 0
        if mod == 0 and code[i + 3] & 7 == 5:
            n += 4
        n += 1
    if mod == 0 and rm == 5:
        n += 4  # rip-relative disp32
    n += {1: 1, 2: 4}.get(mod, 0)
    return n if pc + n <= len(code) else 0


def switch_cases(code: bytes, base: int, limit: int = 1024) -> dict[int, int]:
    """``{nr: address}`` for every ``nr < limit`` the switch in ``code`` dispatches.

    ``code`` is the whole function, linked at ``base``; a jump that leaves it is a tail
    call and ends the path.  Values no case names go to the default target and are
    included too (the caller recognises ``sys_ni_syscall``).
    """
    out: dict[int, int] = {}
    todo = [_Path(0, 0, U32, frozenset())]
    seen: set[_Path] = set()
    steps = 0
    switch_reg: int | None = None  # the register holding nr: every cmp must test it
    while todo:
        path = todo.pop()
        while True:
            steps += 1
            if steps > MAX_STEPS:
                raise SwitchError(f"more than {MAX_STEPS} instructions")
            if path in seen:
                break
            seen.add(path)
            pc = path.pc
            if not 0 <= pc < len(code):
                raise SwitchError(f"ran off the function at {base + pc:#x}")
            op = code[pc : pc + 8]
            if op[:4] == b"\xf3\x0f\x1e\xfa":  # endbr64
                path = path.at(pc + 4)
            elif op[0] == 0x90:  # nop (padding)
                path = path.at(pc + 1)
            elif (n := _nop_length(code, pc)) > 0:
                # a multi-byte nop: padding, or in a running kernel the ftrace call that
                # boot-time patching replaced (arch/x86/kernel/ftrace.c)
                path = path.at(pc + n)
            elif op[0] == 0xE8 and pc <= 8 and path.imm is None:  # call __fentry__ (ftrace)
                path = path.at(pc + 5)
            elif op[0] in (0x81, 0x83) or (op[0] == 0x41 and op[1] in (0x81, 0x83)):
                rex = 8 if op[0] == 0x41 else 0
                o = 1 if rex else 0
                modrm = op[o + 1]
                if modrm & 0xF8 != 0xF8:  # mod=11, reg field /7 = cmp
                    raise SwitchError(f"unsupported {op[: o + 2].hex()} at {base + pc:#x}")
                reg = rex | (modrm & 7)
                if switch_reg is None:
                    switch_reg = reg
                elif reg != switch_reg:
                    raise SwitchError(f"compares a second register at {base + pc:#x}")
                if op[o] == 0x81:
                    imm = int.from_bytes(op[o + 2 : o + 6], "little")
                    path = path.at(pc + o + 6, imm)
                else:
                    imm = int.from_bytes(op[o + 2 : o + 3], "little", signed=True) & U32
                    path = path.at(pc + o + 3, imm)
            elif op[0] == 0x85 or (op[0] == 0x45 and op[1] == 0x85):
                # test %reg,%reg sets ZF/CF as cmp $0,%reg does for the unsigned jumps
                rex = 8 if op[0] == 0x45 else 0
                o = 1 if rex else 0
                modrm = op[o + 1]
                reg = rex | (modrm & 7)
                if modrm & 0xC0 != 0xC0 or (modrm >> 3) & 7 != modrm & 7:
                    raise SwitchError(f"unsupported {op[: o + 2].hex()} at {base + pc:#x}")
                if switch_reg is None:
                    switch_reg = reg
                elif reg != switch_reg:
                    raise SwitchError(f"tests a second register at {base + pc:#x}")
                path = path.at(pc + o + 2, 0)
            elif 0x70 <= op[0] <= 0x7F or (op[0] == 0x0F and 0x80 <= op[1] <= 0x8F):
                long = op[0] == 0x0F
                cond = (op[1] if long else op[0]) & 0xF
                size = 6 if long else 2
                rel = int.from_bytes(op[2:6] if long else op[1:2], "little", signed=True)
                nxt, target = pc + size, pc + size + rel
                if path.imm is None:
                    raise SwitchError(f"conditional jump before any cmp at {base + pc:#x}")
                imm = path.imm
                if cond in (0x4, 0x5):  # je / jne
                    hit, miss = path.narrow(imm, imm), path.without(imm)
                    taken, fall = (hit, miss) if cond == 0x4 else (miss, hit)
                else:
                    split = _split(cond, imm)
                    if split is None:
                        raise SwitchError(f"signed or flag jump {op[:2].hex()} at {base + pc:#x}")
                    t, f = split
                    taken = path.narrow(*t) if t else None
                    fall = path.narrow(*f) if f else None
                if taken is not None and 0 <= target < len(code):
                    todo.append(taken.at(target))
                elif taken is not None:  # a conditional tail call
                    _leaf(out, taken, base + target, limit)
                if fall is None:
                    break
                path = fall.at(nxt)
            elif op[0] in (0xE9, 0xEB, 0xE8):
                # jmp: a tail call when it leaves the function; call (past the prologue's
                # __fentry__): a call to a __noreturn entry such as __x64_sys_exit (6.12)
                size = 2 if op[0] == 0xEB else 5
                rel = int.from_bytes(op[1:5] if size == 5 else op[1:2], "little", signed=True)
                target = pc + size + rel
                if 0 <= target < len(code):
                    if op[0] == 0xE8:
                        raise SwitchError(f"call into the function at {base + pc:#x}")
                    path = path.at(target)
                    continue
                _leaf(out, path, base + target, limit)  # a tail call ends this path
                break
            else:
                raise SwitchError(f"unsupported instruction {op[:4].hex()} at {base + pc:#x}")
    return out
