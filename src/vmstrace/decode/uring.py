"""io_uring_setup, io_uring_enter and io_uring_register, as strace 6.1's io_uring.c prints
them; the flag and opcode tables are its xlat/uring_*.in (include/uapi/linux/io_uring.h).

io_uring moves I/O out of system calls: what a ring does after these three is not seen
here (nor by strace).  io_uring_register's argument is decoded for the opcodes that pass
descriptors or buffers; the others' structs print as their address.
"""

from __future__ import annotations

import struct

from ..capture.spec import fixed
from .args import FD, UINT, ULONG, register_only
from .consts import bit_names as _bits
from .fmt import Ctx, flags, hexnum, local_array, ptr, s32, u32, xlat
from .io import SIGSET_ENTRY, iovec_array
from .registry import Arg, syscall

SETUP_FLAGS = _bits(
    "IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP", "ATTACH_WQ", "R_DISABLED", "SUBMIT_ALL",
    "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32",
    prefix="IORING_SETUP_",
)  # fmt: skip
FEATURES = _bits(
    "SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL",
    "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP",
    "LINKED_FILE",
    prefix="IORING_FEAT_",
)  # fmt: skip
ENTER_FLAGS = _bits(
    "GETEVENTS", "SQ_WAKEUP", "SQ_WAIT", "EXT_ARG", "REGISTERED_RING", prefix="IORING_ENTER_"
)
REGISTER_OPCODES = dict(
    enumerate(
        (
            "IORING_REGISTER_BUFFERS", "IORING_UNREGISTER_BUFFERS", "IORING_REGISTER_FILES",
            "IORING_UNREGISTER_FILES", "IORING_REGISTER_EVENTFD", "IORING_UNREGISTER_EVENTFD",
            "IORING_REGISTER_FILES_UPDATE", "IORING_REGISTER_EVENTFD_ASYNC",
            "IORING_REGISTER_PROBE", "IORING_REGISTER_PERSONALITY",
            "IORING_UNREGISTER_PERSONALITY", "IORING_REGISTER_RESTRICTIONS",
            "IORING_REGISTER_ENABLE_RINGS", "IORING_REGISTER_FILES2",
            "IORING_REGISTER_FILES_UPDATE2", "IORING_REGISTER_BUFFERS2",
            "IORING_REGISTER_BUFFERS_UPDATE", "IORING_REGISTER_IOWQ_AFF",
            "IORING_UNREGISTER_IOWQ_AFF", "IORING_REGISTER_IOWQ_MAX_WORKERS",
            "IORING_REGISTER_RING_FDS", "IORING_UNREGISTER_RING_FDS",
            "IORING_REGISTER_PBUF_RING", "IORING_UNREGISTER_PBUF_RING",
        )
    )
)  # fmt: skip
IORING_SETUP_ATTACH_WQ = 1 << 5
REGISTER_BUFFERS, REGISTER_FILES, REGISTER_EVENTFD, REGISTER_EVENTFD_ASYNC = 0, 2, 4, 7

# struct io_uring_params: sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle,
# features, wq_fd, resv[3], then struct io_sqring_offsets and io_cqring_offsets (40 each)
PARAMS_SIZE = 120
SQ_OFF = ("head", "tail", "ring_mask", "ring_entries", "flags", "dropped", "array")
CQ_OFF = ("head", "tail", "ring_mask", "ring_entries", "overflow", "cqes", "flags")


def _offsets(d: bytes, at: int, names: tuple[str, ...]) -> str:
    """An io_sqring_offsets or io_cqring_offsets: seven u32, then resv1 (u32) and resv2
    (u64), shown only when not zero."""
    fields = [f"{n}={v}" for n, v in zip(names, struct.unpack_from("<7I", d, at), strict=True)]
    resv1, resv2 = struct.unpack_from("<IQ", d, at + 28)
    fields += [f"resv{k}={hexnum(v)}" for k, v in ((1, resv1), (2, resv2)) if v]
    return "{" + ", ".join(fields) + "}"


def _params(c: Ctx, i: int) -> str:
    """What the caller asked (read at entry), then, after a call that did not fail, what
    the kernel filled in (read at exit)."""
    if not c.a(i):
        return "NULL"
    # (a page first touched by the call reads only at exit: the kernel copies the input
    # fields back unchanged, and a failed call leaves them as they were)
    m = c.entry_mem(i)
    if m is None or len(m.data) < PARAMS_SIZE:
        m = c.exit_mem(i)
    if m is None or len(m.data) < PARAMS_SIZE:
        return ptr(c.a(i))
    d = m.data
    fl, cpu, idle, _features, wq_fd = struct.unpack_from("<IIIII", d, 8)
    out = [
        f"flags={flags(fl, SETUP_FLAGS, c.opts, dflt='IORING_SETUP_???')}",
        f"sq_thread_cpu={hexnum(cpu)}",
        f"sq_thread_idle={idle}",
    ]
    if fl & IORING_SETUP_ATTACH_WQ:
        out.append(f"wq_fd={s32(wq_fd)}")
    resv = struct.unpack_from("<3I", d, 28)
    if any(resv):
        out.append(f"resv={local_array([hexnum(v) for v in resv], c.opts)}")
    x = None if c.failed else c.exit_mem(i)
    if x is not None and len(x.data) >= PARAMS_SIZE:
        sq, cq = struct.unpack_from("<II", x.data, 0)
        (features,) = struct.unpack_from("<I", x.data, 20)
        out += [
            f"sq_entries={sq}",
            f"cq_entries={cq}",
            f"features={flags(features, FEATURES, c.opts, dflt='IORING_FEAT_???')}",
            f"sq_off={_offsets(x.data, 40, SQ_OFF)}",
            f"cq_off={_offsets(x.data, 80, CQ_OFF)}",
        ]
    return "{" + ", ".join(out) + "}"


# (read at entry and again at exit: a "both" read is repeated only after a fault)
PARAMS = Arg(_params, lambda o: (fixed(PARAMS_SIZE, "entry"), fixed(PARAMS_SIZE, "exit")))
syscall("io_uring_setup", UINT, PARAMS)
syscall(
    "io_uring_enter",
    FD,
    UINT,
    UINT,
    register_only(
        Arg(lambda c, i: flags(u32(c.a(i)), ENTER_FLAGS, c.opts, dflt="IORING_ENTER_???"))
    ),
    SIGSET_ENTRY,
    ULONG,
)

# The array a FILES, EVENTFD or BUFFERS registration passes, read as one page's worth at
# entry (again at exit after a fault): 1024 descriptors or 256 iovecs, past the most
# strace prints at -s 32 or more
ARRAY_READ = 4096


def _register_arg(c: Ctx, i: int) -> str:
    op, arg, count = u32(c.a(1)), c.a(i), u32(c.a(3))
    if op == REGISTER_BUFFERS:  # strace's tprint_iov with iov_decode_addr
        return iovec_array(c, arg, c.mem(i), count, None, addrs=True)
    if op not in (REGISTER_FILES, REGISTER_EVENTFD, REGISTER_EVENTFD_ASYNC):
        return ptr(arg)
    if not arg:
        return "NULL"
    if count == 0:
        return "[]"
    m = c.mem(i)
    n = min(count, ARRAY_READ // 4, c.opts.strsize)
    data = b"" if m is None else m.data[: 4 * n]
    if len(data) < 4:
        return ptr(arg)
    fds = [str(v) for v in struct.unpack_from(f"<{len(data) // 4}i", data)]
    if len(fds) < min(count, c.opts.strsize):  # print_array: where the read stopped
        fds.append(f"... /* {ptr(arg + 4 * len(fds))} */")
    elif count > len(fds):
        fds.append("...")
    return "[" + ", ".join(fds) + "]"


syscall(
    "io_uring_register",
    FD,
    register_only(
        Arg(lambda c, i: xlat(u32(c.a(i)), REGISTER_OPCODES, c.opts, "IORING_REGISTER_"))
    ),
    Arg(_register_arg, lambda o: (fixed(ARRAY_READ, "both"),)),
    UINT,
)
