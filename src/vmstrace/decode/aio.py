"""The Linux AIO calls (libaio's io_setup, io_destroy, io_submit, io_getevents,
io_pgetevents, io_cancel), as strace 6.1's aio.c prints them.

io_submit's array holds pointers to the iocbs: the plugin follows no pointer read from
memory, so it prints as its address where strace prints each iocb.  io_pgetevents' signal
argument is a struct holding a pointer to the mask: the mask's address likewise.
"""

from __future__ import annotations

import struct

from ..capture.spec import Capture, fixed
from ..core.abi import MAX_BYTES
from .args import IN, LONG, OUT, PTR, UINT
from .fmt import Ctx, DecodeOptions, array, flags, hexnum, ptr
from .io import RWF_FLAGS
from .registry import Arg, syscall
from .system import ioprio_text
from .time import TS_IN

AIO_CMDS = {0: "IOCB_CMD_PREAD", 1: "IOCB_CMD_PWRITE", 2: "IOCB_CMD_FSYNC",
            3: "IOCB_CMD_FDSYNC", 4: "IOCB_CMD_PREADX", 5: "IOCB_CMD_POLL",
            6: "IOCB_CMD_NOOP", 7: "IOCB_CMD_PREADV", 8: "IOCB_CMD_PWRITEV"}  # fmt: skip
IOCB_FLAG_IOPRIO = 2
IOCB_SIZE = 64  # struct iocb (linux/aio_abi.h)
IO_EVENT_SIZE = 32  # struct io_event: data, obj, res, res2


def iocb_header(c: Ctx, d: bytes) -> str:
    """``{aio_data=.., aio_lio_opcode=IOCB_CMD_PREAD, aio_reqprio=.., aio_fildes=3}``:
    strace's print_iocb_header (what io_cancel shows of the iocb)."""
    data, key, rw_flags, opcode, reqprio, fildes = struct.unpack_from("<QIIHhi", d)
    (aio_flags,) = struct.unpack_from("<I", d, 56)
    fields = [f"aio_data={hexnum(data)}"]
    if key:
        fields.append(f"aio_key={key}")
    if rw_flags:
        fields.append(f"aio_rw_flags={flags(rw_flags, RWF_FLAGS, c.opts, dflt='RWF_???')}")
    name = None if c.opts.raw else AIO_CMDS.get(opcode)
    fields.append(
        f"aio_lio_opcode={name or (f'{opcode} /* IOCB_CMD_??? */' if not c.opts.raw else opcode)}"
    )
    if aio_flags & IOCB_FLAG_IOPRIO:
        shown = str(reqprio & 0xFFFF) if c.opts.raw else ioprio_text(c, reqprio & 0xFFFF)
        fields.append(f"aio_reqprio={shown}")
    elif reqprio:
        fields.append(f"aio_reqprio={reqprio}")
    fields.append(f"aio_fildes={fildes}")
    return "{" + ", ".join(fields) + "}"


def _io_event(d: bytes) -> str:
    data, obj, res, res2 = struct.unpack_from("<QQqq", d)
    return f"{{data={hexnum(data)}, obj={hexnum(obj)}, res={res}, res2={res2}}}"


def _events(c: Ctx, i: int) -> str:
    """The events the call returned: as many as its return value, at most -s of them."""
    if c.failed or c.ret is None:
        return ptr(c.a(i))
    return array(c.a(i), c.exit_mem(i), c.ret, IO_EVENT_SIZE, c.opts.strsize, _io_event)


def _events_caps(o: DecodeOptions) -> tuple[Capture, ...]:
    # -s events and the one after, read at exit (a page end past the last one written
    # only shortens the read)
    return (fixed(min(IO_EVENT_SIZE * (o.strsize + 1), MAX_BYTES), "exit"),)


EVENTS = Arg(_events, _events_caps)

# the context the kernel stored, ``[0x7f...]`` (strace's printnum_ptr at exit)
CTX_OUT = OUT(8, lambda c, d: f"[{ptr(int.from_bytes(d, 'little'))}]")
syscall("io_setup", UINT, CTX_OUT)
syscall("io_destroy", PTR)
# (the iocbs are behind the array's pointers: the array's address, see the docstring)
syscall("io_submit", PTR, LONG, PTR)
syscall(
    "io_cancel",
    PTR,
    IN(IOCB_SIZE, iocb_header),
    OUT(IO_EVENT_SIZE, lambda c, d: _io_event(d)),
)
syscall("io_getevents", PTR, LONG, LONG, EVENTS, TS_IN)
USIG_SIZE = 16  # struct __aio_sigset: the mask's address, its size


def _usig(c: Ctx, d: bytes) -> str:
    """``{sigmask=0x7f.., sigsetsize=8}``: the mask itself sits behind the struct's pointer,
    which the plugin does not follow (strace shows it where the size is 8)."""
    mask, size = struct.unpack_from("<QQ", d)
    return f"{{sigmask={ptr(mask)}, sigsetsize={size}}}"


syscall(
    "io_pgetevents",
    PTR,
    LONG,
    LONG,
    EVENTS,
    TS_IN,
    IN(USIG_SIZE, _usig),
)
