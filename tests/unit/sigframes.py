"""Signal frames as the plugin copies them from a handler's stack, for the unit tests:
x86_64's rt_sigframe and an i386 caller's rt_sigframe_ia32 and sigframe_ia32
(native/vmstrace_records.h has the offsets)."""

from __future__ import annotations

import struct

from vmstrace.core.abi import (
    FRAME32_AX,
    FRAME32_IP,
    FRAME32_SP,
    FRAME_RAX,
    FRAME_RIP,
    FRAME_SIGINFO,
    RT_FRAME32_AX,
    RT_FRAME32_IP,
    RT_FRAME32_SIGINFO,
    RT_FRAME32_SP,
    RT_FRAME32_UC,
    RT_SIGFRAME32_BYTES,
    SIGFRAME32_BYTES,
    SIGINFO_BYTES,
)
from vmstrace.core.events import Mem

ADDR = 0x7FF000  # where the handler's stack pointer, and so the frame, is


def frame64(rax: int, rip: int, info: bytes = b"") -> Mem:
    data = bytearray(FRAME_SIGINFO + SIGINFO_BYTES)
    struct.pack_into("<QQ", data, FRAME_RAX, rax, 0)
    struct.pack_into("<Q", data, FRAME_RIP, rip)
    data[FRAME_SIGINFO : FRAME_SIGINFO + len(info)] = info
    return Mem(ADDR, bytes(data))


def frame32(ax: int, ip: int, sig: int = 10, rt: bool = True, info: bytes = b"") -> Mem:
    """rt: an rt_sigframe_ia32 (a handler with SA_SIGINFO), else a sigframe_ia32."""
    size, at_ax, at_ip, at_sp = (
        (RT_SIGFRAME32_BYTES, RT_FRAME32_AX, RT_FRAME32_IP, RT_FRAME32_SP)
        if rt
        else (SIGFRAME32_BYTES, FRAME32_AX, FRAME32_IP, FRAME32_SP)
    )
    data = bytearray(size)
    struct.pack_into("<Ii", data, 0, 0xF7F00570, sig)  # pretcode (the vDSO's), sig
    if rt:  # pinfo and puc: where the siginfo and ucontext are, in the frame itself
        struct.pack_into("<II", data, 8, ADDR + RT_FRAME32_SIGINFO, ADDR + RT_FRAME32_UC)
        data[RT_FRAME32_SIGINFO : RT_FRAME32_SIGINFO + len(info)] = info
    struct.pack_into("<I", data, at_ax, ax & 0xFFFFFFFF)
    struct.pack_into("<I", data, at_ip, ip)
    struct.pack_into("<I", data, at_sp, 0xFFE2346C)
    return Mem(ADDR, bytes(data))
