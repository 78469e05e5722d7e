"""io_uring_setup, io_uring_enter and io_uring_register: each expected line is what strace
6.1 printed in the guest for the same call (its own test programs, `vmstrace conformance
strace-io_uring_setup strace-io_uring_enter strace-io_uring_register`)."""

from __future__ import annotations

import struct

import pytest
from lines import line

from vmstrace.core.events import Mem


def params(*head: int, sq=(0,) * 9, cq=(0,) * 9) -> bytes:
    head = head + (0,) * (10 - len(head))
    return struct.pack("<10I", *head) + struct.pack("<8IQ", *sq) + struct.pack("<8IQ", *cq)


P = 0x7FE45E624F88
FILLED = params(
    2, 4, 0, 0, 0, 0x1FFF, 0, 0, 0, 0,
    sq=(0, 64, 256, 264, 276, 272, 320, 0, 0),
    cq=(128, 192, 260, 268, 284, 320, 280, 0, 0),
)  # fmt: skip


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("io_uring_setup", [0xDEFACEDFFFFFFFF, 0], -14),
            "io_uring_setup(4294967295, NULL) = -1 EFAULT (Bad address)",
        ),
        (
            ("io_uring_setup", [0xDEFACED00000000, P + 1], -14, {1: Mem(P + 1, b"", fault=True)}),
            "io_uring_setup(0, 0x7fe45e624f89) = -1 EFAULT (Bad address)",
        ),
        (
            (
                "io_uring_setup",
                [0xDEFACED00000002, P],
                -22,
                {1: Mem(P, params(0, 0, 0x20, 0, 0, 0, 3))},
            ),
            "io_uring_setup(2, {flags=IORING_SETUP_ATTACH_WQ, sq_thread_cpu=0, sq_thread_idle=0, "
            "wq_fd=3}) = -1 EINVAL (Invalid argument)",
        ),
        (
            (
                "io_uring_setup",
                [0xDEFACED00000001, P],
                -22,
                {
                    1: Mem(
                        P,
                        params(
                            0,
                            0,
                            0xFFFFFFFF,
                            0x8F8E8D8C,
                            0x93929190,
                            0,
                            0x9B9A9998,
                            0x9F9E9D9C,
                            0xA3A2A1A0,
                            0xA7A6A5A4,
                        ),
                    )
                },
            ),
            "io_uring_setup(1, {flags=IORING_SETUP_IOPOLL|IORING_SETUP_SQPOLL|IORING_SETUP_SQ_AFF|"
            "IORING_SETUP_CQSIZE|IORING_SETUP_CLAMP|IORING_SETUP_ATTACH_WQ|IORING_SETUP_R_DISABLED|"
            "IORING_SETUP_SUBMIT_ALL|IORING_SETUP_COOP_TASKRUN|IORING_SETUP_TASKRUN_FLAG|"
            "IORING_SETUP_SQE128|IORING_SETUP_CQE32|0xfffff000, sq_thread_cpu=0x8f8e8d8c, "
            "sq_thread_idle=2475856272, wq_fd=-1684366952, resv=[0x9f9e9d9c, 0xa3a2a1a0, "
            "0xa7a6a5a4]}) = -1 EINVAL (Invalid argument)",
        ),
        (
            (
                "io_uring_setup",
                [0xDEFACED00000002, P],
                3,
                {1: Mem(P, params())},
                {1: Mem(P, FILLED)},
            ),
            "io_uring_setup(2, {flags=0, sq_thread_cpu=0, sq_thread_idle=0, sq_entries=2, "
            "cq_entries=4, features=IORING_FEAT_SINGLE_MMAP|IORING_FEAT_NODROP|"
            "IORING_FEAT_SUBMIT_STABLE|IORING_FEAT_RW_CUR_POS|IORING_FEAT_CUR_PERSONALITY|"
            "IORING_FEAT_FAST_POLL|IORING_FEAT_POLL_32BITS|IORING_FEAT_SQPOLL_NONFIXED|"
            "IORING_FEAT_EXT_ARG|IORING_FEAT_NATIVE_WORKERS|IORING_FEAT_RSRC_TAGS|"
            "IORING_FEAT_CQE_SKIP|IORING_FEAT_LINKED_FILE, sq_off={head=0, tail=64, "
            "ring_mask=256, ring_entries=264, flags=276, dropped=272, array=320}, "
            "cq_off={head=128, tail=192, ring_mask=260, ring_entries=268, overflow=284, "
            "cqes=320, flags=280}}) = 3",
        ),
        (
            (
                "io_uring_register",
                [0xDEFACED00000000, 0xDEFACED00000018, 0x47E540, 0xDEFACEDDEADBEEF],
                -95,
            ),
            "io_uring_register(0, 0x18 /* IORING_REGISTER_??? */, 0x47e540, 3735928559) = -1 "
            "EOPNOTSUPP (Operation not supported)",
        ),
        (
            (
                "io_uring_register",
                [0, 2, 0x1000, 5],
                -95,
                {2: Mem(0x1000, struct.pack("<5i", 3, 0, -1, -2, -3), fault=True)},
            ),
            "io_uring_register(0, IORING_REGISTER_FILES, [3, 0, -1, -2, -3], 5) = -1 EOPNOTSUPP "
            "(Operation not supported)",
        ),
        (
            (
                "io_uring_register",
                [0, 0, 0x1000, 2],
                -95,
                {
                    2: Mem(
                        0x1000,
                        struct.pack("<4Q", 0xFACEFEEDCAFEF00D, 0xDEADFACEDEADBEEE, 0x47E540, 10),
                    )
                },
            ),
            "io_uring_register(0, IORING_REGISTER_BUFFERS, [{iov_base=0xfacefeedcafef00d, "
            "iov_len=16045756813797080814}, {iov_base=0x47e540, iov_len=10}], 2) = -1 "
            "EOPNOTSUPP (Operation not supported)",
        ),
        (
            ("io_uring_register", [0, 12, 0x47E540, 0xDEADBEEF], -95),
            "io_uring_register(0, IORING_REGISTER_ENABLE_RINGS, 0x47e540, 3735928559) = -1 "
            "EOPNOTSUPP (Operation not supported)",
        ),
        (
            (
                "io_uring_register",
                [0, 2, 0x1000, 3],
                -95,
                {2: Mem(0x1000, struct.pack("<i", 7), fault=True)},
            ),
            "io_uring_register(0, IORING_REGISTER_FILES, [7, ... /* 0x1004 */], 3) = -1 EOPNOTSUPP "
            "(Operation not supported)",
        ),
    ],
)
def test_io_uring_calls_print_as_strace(call, expected):
    assert line(*call) == expected


def test_io_uring_enter_names_its_flags_and_reads_its_mask():
    mask = (1 << 0) | (1 << 8) | (1 << 18)  # HUP KILL STOP, blocked
    assert line(
        "io_uring_enter",
        [3, 0xDEADBEEF, 0xCAFEF00D, 0xFFFFFFFF, 0x1000, 8],
        -22,
        {4: Mem(0x1000, struct.pack("<Q", ~mask & (2**64 - 1)))},
    ) == (
        "io_uring_enter(3, 3735928559, 3405705229, IORING_ENTER_GETEVENTS|"
        "IORING_ENTER_SQ_WAKEUP|IORING_ENTER_SQ_WAIT|IORING_ENTER_EXT_ARG|"
        "IORING_ENTER_REGISTERED_RING|0xffffffe0, ~[HUP KILL STOP], 8) = -1 EINVAL "
        "(Invalid argument)"
    )
    assert line("io_uring_enter", [3, 1, 1, 1, 0, 8], 1, raw=True) == (
        "io_uring_enter(3, 1, 1, 0x1, NULL, 8) = 1"
    )
