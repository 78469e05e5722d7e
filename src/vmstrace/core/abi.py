"""The numbers the capture plugin and the Python side share, from the plugin's own headers.

The record stream's constants and struct layouts (native/vmstrace_records.h) and the
capture spec's header line, ceilings, capture kinds and ``fdwalk`` keys
(native/vmstrace_spec.h) are compiled into
``_abi`` from those headers, so no Python module keeps a copy that could drift: a blob's
argument number, a record flag, a signal-frame offset or a ceiling is read from here.
The names are the headers' without their ``VMST_`` prefix; docs/event-format.md says what
they mean.
"""

from __future__ import annotations

import struct

from vmstrace.core._abi import (
    ABI_I386,
    ABI_X86_64,
    ARG_EXE,
    ARG_RAX,
    ARG_RETFD,
    ARG_SIGFRAME,
    BLOB_ARRAY,
    BLOB_EXIT,
    BLOB_FAULT,
    BLOB_TRUNC,
    ENTRY_PC_UNSURE,
    EXIT_ELSEWHERE,
    EXIT_RESTART,
    FD_CUT,
    FD_DELETED,
    FD_MAX_COMPONENTS,
    FD_PSEUDO,
    FDWALK_KEYS,
    FRAME32_AX,
    FRAME32_IP,
    FRAME32_SP,
    FRAME_RAX,
    FRAME_RIP,
    FRAME_RSP,
    FRAME_SIGINFO,
    FRAME_SIGMASK,
    INDEX_MSG_CONTROL,
    INDEX_MSG_FDS,
    INDEX_MSG_IOV,
    INDEX_MSG_NAME,
    INDEX_TOP,
    INSN_INT80,
    INSN_IRETQ,
    INSN_SYSCALL,
    INSN_SYSENTER,
    INSN_SYSEXIT,
    INSN_SYSRETL,
    INSN_SYSRETQ,
    LAYOUTS,
    MAGIC,
    MAX_BYTES,
    MAX_ELEMS,
    MAX_FDARR,
    MAX_FDBITS,
    MAX_FDLIST,
    MAX_MMSG,
    MAX_MMSG_IOV,
    MAX_NR,
    MAX_RECORD_BLOBS,
    MSG_CONTROL_CAP,
    MSG_FDS_LIMIT,
    REC_ENTRY,
    REC_EXIT,
    REC_STATS,
    RING_DATA_OFF,
    RING_MAGIC,
    RING_VERSION,
    RT_FRAME32_AX,
    RT_FRAME32_IP,
    RT_FRAME32_SIGINFO,
    RT_FRAME32_SP,
    RT_FRAME32_UC,
    RT_SIGFRAME32_BYTES,
    SIGFRAME32_BYTES,
    SIGFRAME_BYTES,
    SIGINFO_BYTES,
    SPEC_HEADER,
    SPEC_KINDS,
    VERSION,
)

__all__ = [
    "ABI_I386",
    "ABI_X86_64",
    "ARG_EXE",
    "ARG_RAX",
    "ARG_RETFD",
    "ARG_SIGFRAME",
    "BLOB_ARRAY",
    "BLOB_EXIT",
    "BLOB_FAULT",
    "BLOB_TRUNC",
    "ENTRY_PC_UNSURE",
    "EXIT_ELSEWHERE",
    "EXIT_RESTART",
    "FDWALK_KEYS",
    "FD_CUT",
    "FD_DELETED",
    "FD_MAX_COMPONENTS",
    "FD_PSEUDO",
    "FRAME32_AX",
    "FRAME32_IP",
    "FRAME32_SP",
    "FRAME_RAX",
    "FRAME_RIP",
    "FRAME_RSP",
    "FRAME_SIGINFO",
    "FRAME_SIGMASK",
    "INDEX_MSG_CONTROL",
    "INDEX_MSG_FDS",
    "INDEX_MSG_IOV",
    "INDEX_MSG_NAME",
    "INDEX_TOP",
    "INSN_INT80",
    "INSN_IRETQ",
    "INSN_SYSCALL",
    "INSN_SYSENTER",
    "INSN_SYSEXIT",
    "INSN_SYSRETL",
    "INSN_SYSRETQ",
    "LAYOUTS",
    "MAGIC",
    "MAX_BYTES",
    "MAX_ELEMS",
    "MAX_FDARR",
    "MAX_FDBITS",
    "MAX_FDLIST",
    "MAX_MMSG",
    "MAX_MMSG_IOV",
    "MAX_NR",
    "MAX_RECORD_BLOBS",
    "MSG_CONTROL_CAP",
    "MSG_FDS_LIMIT",
    "REC_ENTRY",
    "REC_EXIT",
    "REC_STATS",
    "RING_DATA_OFF",
    "RING_MAGIC",
    "RING_VERSION",
    "RT_FRAME32_AX",
    "RT_FRAME32_IP",
    "RT_FRAME32_SIGINFO",
    "RT_FRAME32_SP",
    "RT_FRAME32_UC",
    "RT_SIGFRAME32_BYTES",
    "SIGFRAME32_BYTES",
    "SIGFRAME_BYTES",
    "SIGINFO_BYTES",
    "SPEC_HEADER",
    "SPEC_KINDS",
    "VERSION",
    "field_names",
    "offset",
    "record_struct",
]

# struct codes of the integer fields, by size (every field is unsigned, little-endian)
_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}


def offset(name: str, field: str) -> int:
    """Where ``field`` sits in the header's ``struct vmst_<name>``."""
    for f, off, _size in LAYOUTS[name][0]:
        if f == field:
            return off
    raise KeyError(f"struct vmst_{name} has no field {field!r}")


def field_names(name: str) -> tuple[str, ...]:
    """The fields of ``struct vmst_<name>``, in order."""
    return tuple(f for f, _off, _size in LAYOUTS[name][0])


def record_struct(name: str, **codes: str) -> struct.Struct:
    """A ``struct.Struct`` with the layout of the header's ``struct vmst_<name>``: one value
    per field, in order, at the field's offset, padding where the compiler put it, and
    ``sizeof`` bytes in all.  A field is an unsigned integer of its size unless ``codes``
    names another struct code for it (``args="6Q"``, ``magic="8s"``)."""
    fields, size = LAYOUTS[name]
    fmt, at = ["<"], 0
    for field, off, width in fields:
        code = codes.get(field) or _CODES[width]
        if off > at:
            fmt.append(f"{off - at}x")
        fmt.append(code)
        at = off + struct.calcsize("<" + code)
        if at != off + width:
            raise ValueError(f"vmst_{name}.{field}: {code!r} is not {width} bytes")
    if size > at:
        fmt.append(f"{size - at}x")
    return struct.Struct("".join(fmt))
