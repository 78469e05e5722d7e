"""set_mempolicy, get_mempolicy, mbind, migrate_pages, move_pages, set_mempolicy_home_node,
process_madvise and futex_waitv: each expected line is what strace 6.1 printed in the guest
for the same call (its own test programs, `vmstrace conformance strace-set_mempolicy ...
strace-futex_waitv`, with -s 32, and with -X raw -s 3)."""

from __future__ import annotations

import struct

import pytest
from lines import line

from vmstrace.core.events import Mem

EINVAL = "-1 EINVAL (Invalid argument)"
EFAULT = "-1 EFAULT (Bad address)"
ENODEV = "-1 ENODEV (No such device)"
Z = "0000000000000000"


def words(*v: int, fmt: str = "Q") -> bytes:
    return struct.pack(f"<{len(v)}{fmt}", *v)


def waiter(val: int, uaddr: int, flags: int, reserved: int = 0) -> bytes:
    return struct.pack("<QQII", val, uaddr, flags, reserved)


FILL = 0xDEFACED00000000
STATUS = {4: Mem(0x7F3F7FFFEFF0, words(0, 0, -14 & 0xFFFFFFFF, 0, fmt="I"))}
NODES = 0x7FEB9DDE7FF8
BAD_MASK, BAD_MAX = 0xFACEFEEDFFFFFFFE, 0xCAFEF00DDEADBEEF
SET_MEMPOLICY = [
    (("set_mempolicy", [FILL, 0, 0], 0), "set_mempolicy(MPOL_DEFAULT, NULL, 0) = 0"),
    # a node mask past the end of the address space: its address
    (
        ("set_mempolicy", [FILL | 1, BAD_MASK, BAD_MAX], -22),
        f"set_mempolicy(MPOL_PREFERRED, 0xfacefeedfffffffe, 14627392582107119343) = {EINVAL}",
    ),
    (
        ("set_mempolicy", [FILL | 0xE003, 0, 0], -22),
        "set_mempolicy(MPOL_INTERLEAVE|MPOL_F_STATIC_NODES|MPOL_F_RELATIVE_NODES"
        f"|MPOL_F_NUMA_BALANCING, NULL, 0) = {EINVAL}",
    ),
    (
        ("set_mempolicy", [FILL | 6, 0, 0], -22),
        f"set_mempolicy(0x6 /* MPOL_??? */, NULL, 0) = {EINVAL}",
    ),
    (
        ("set_mempolicy", [FILL | 0xFFFF1FFF, 0, 0], -22),
        f"set_mempolicy(0xffff1fff /* MPOL_??? */, NULL, 0) = {EINVAL}",
    ),
    (
        ("set_mempolicy", [FILL | 0xFFFFFFFF, 0, 0], -22),
        "set_mempolicy(MPOL_F_STATIC_NODES|MPOL_F_RELATIVE_NODES|MPOL_F_NUMA_BALANCING"
        f"|0xffff1fff, NULL, 0) = {EINVAL}",
    ),
    # maxnode 0: no longs; 1: a count that rounds to none, the address
    (
        ("set_mempolicy", [FILL, 0x7FEB9DE05FFF, 0], -22),
        f"set_mempolicy(MPOL_DEFAULT, [], 0) = {EINVAL}",
    ),
    (
        ("set_mempolicy", [FILL, 0x7FEB9DE77000, 1], 0),
        "set_mempolicy(MPOL_DEFAULT, 0x7feb9de77000, 1) = 0",
    ),
    (
        ("set_mempolicy", [FILL, 0x7FEB9DE77000, 66], 0, {1: Mem(0x7FEB9DE77000, bytes(24))}),
        f"set_mempolicy(MPOL_DEFAULT, [{Z}, {Z}], 66) = 0",
    ),
    # the second long unreadable; the first one too
    (
        ("set_mempolicy", [FILL, NODES, 66], -14, {1: Mem(NODES, bytes(8), fault=True)}),
        f"set_mempolicy(MPOL_DEFAULT, [{Z}, ... /* 0x7feb9dde8000 */], 66) = {EFAULT}",
    ),
    (
        (
            "set_mempolicy",
            [FILL, 0x7FEB9DDFFFFF, 2],
            -14,
            {1: Mem(0x7FEB9DDFFFFF, b"", fault=True)},
        ),
        f"set_mempolicy(MPOL_DEFAULT, 0x7feb9ddfffff, 2) = {EFAULT}",
    ),
    (
        ("set_mempolicy", [FILL, NODES, 130], 0, {1: Mem(NODES, words(1, 0xDEADBEEFCAFEF00D, 0))}),
        "set_mempolicy(MPOL_DEFAULT, [0x00000000000001, 0xdeadbeefcafef00d, 0000000000000000],"
        " 130) = 0",
    ),
]
RAW = [
    # -X raw -s 3 (set_mempolicy-Xraw, move_pages-Xraw): numbers, at most 3 elements
    (("set_mempolicy", [FILL | 0xE003, 0, 0], -22, None), f"set_mempolicy(0xe003, NULL, 0) = {EINVAL}"),
    (("set_mempolicy", [FILL | 0x2002, 0, 0], -22, None), f"set_mempolicy(0x2002, NULL, 0) = {EINVAL}"),
    (("set_mempolicy", [FILL, 0, 0], 0, None), "set_mempolicy(0, NULL, 0) = 0"),
    (
        ("set_mempolicy", [FILL, NODES, 258], 0, {1: Mem(NODES, bytes(32))}),
        f"set_mempolicy(0, [{Z}, {Z}, {Z}, ...], 258) = 0",
    ),
    (
        ("move_pages", [0xFACEFEED00000079, 4, 0x7F3F8000AFE0, 0, 0x7F3F7FFFEFF0, FILL | 2], 0, {
            2: Mem(0x7F3F8000AFE0, words(0x7F3F7FFFEFF0, 0x7F3F80004FF8, 0x7F3F80011000, 0x7F3F80010000)),
        }),
        "move_pages(121, 4, [0x7f3f7fffeff0, 0x7f3f80004ff8, 0x7f3f80011000, ...], NULL, "
        "[0, 0, -14, ...], 0x2) = 0",
    ),
]  # fmt: skip
GET_MEMPOLICY = [
    (("get_mempolicy", [0, 0, 0, 0, 0], 0), "get_mempolicy(NULL, NULL, 0, NULL, 0) = 0"),
    (
        ("get_mempolicy", [0xDEFACED1BADDEED2, 0xFACEDAD3BEBEFED4, 0xCAFEF00DBADC0DED, 0xFACEFEEDDEADBEEF, 0xFFFFFFFF], -22),
        "get_mempolicy(0xdefaced1baddeed2, 0xfacedad3bebefed4, 14627392581506174445, "
        f"0xfacefeeddeadbeef, MPOL_F_NODE|MPOL_F_ADDR|MPOL_F_MEMS_ALLOWED|0xfffffff8) = {EINVAL}",
    ),
    (
        ("get_mempolicy", [0x7F4BCD664FFC, 0, 0, 0x7F4BCD664FF8, 2], 0, None, {0: Mem(0x7F4BCD664FFC, bytes(4))}),
        "get_mempolicy([MPOL_DEFAULT], NULL, 0, 0x7f4bcd664ff8, MPOL_F_ADDR) = 0",
    ),
    (
        ("get_mempolicy", [0, 0x7F4BCD639FF0, 0x42, 0, 0], 0, None, {1: Mem(0x7F4BCD639FF0, bytes(16), fault=True)}),
        f"get_mempolicy(NULL, [{Z}, {Z}], 66, NULL, 0) = 0",
    ),
    # a failed call wrote nothing: the address
    (
        ("get_mempolicy", [0, 0x7F4BCD651FF8, 0x8002, 0, 0], -22, None, {1: Mem(0x7F4BCD651FF8, bytes(8))}),
        f"get_mempolicy(NULL, 0x7f4bcd651ff8, 32770, NULL, 0) = {EINVAL}",
    ),
]  # fmt: skip
MBIND = [
    (("mbind", [0x7F20F2228000, 0x1000, 0, 0, 0, FILL], 0), "mbind(0x7f20f2228000, 4096, MPOL_DEFAULT, NULL, 0, 0) = 0"),
    (
        ("mbind", [0xFFFFFFF1FFFFFFF2, 0xFFFFFFF4FFFFFFF4, 0xFFFFFFFF00000000, 0xFFFFFFF5FFFFFFF6, 0xFFFFFFF7FFFFFFF8, FILL | 0xFFFFFFFF], -22),
        "mbind(0xfffffff1fffffff2, 18446744026464911348, 0xffffffff00000000 /* MPOL_??? */, "
        "0xfffffff5fffffff6, 18446744039349813240, "
        f"MPOL_MF_STRICT|MPOL_MF_MOVE|MPOL_MF_MOVE_ALL|0xfffffff8) = {EINVAL}",
    ),
    (
        ("mbind", [0x7F20F2228000, 0x1000, 0xFFFFFFFFFFFF1FFF, 0, 0, 0], -22),
        f"mbind(0x7f20f2228000, 4096, 0xffffffffffff1fff /* MPOL_??? */, NULL, 0, 0) = {EINVAL}",
    ),
    (
        ("mbind", [0x7F20F2228000, 0x1000, 0xFFFFFFFFFFFFFFFF, 0, 0, 0], -22),
        "mbind(0x7f20f2228000, 4096, MPOL_F_STATIC_NODES|MPOL_F_RELATIVE_NODES"
        f"|MPOL_F_NUMA_BALANCING|0xffffffffffff1fff, NULL, 0, 0) = {EINVAL}",
    ),
    (
        ("mbind", [0x7F20F2228000, 0x1000, 0x4001, 0, 0, 0], -22),
        f"mbind(0x7f20f2228000, 4096, MPOL_PREFERRED|MPOL_F_RELATIVE_NODES, NULL, 0, 0) = {EINVAL}",
    ),
]  # fmt: skip
PID = 0xFACEFEED00000079
MOVE_PAGES = [
    (("migrate_pages", [0xFACEFEED00000072, 0, 0, 0], -22), f"migrate_pages(114, 0, NULL, NULL) = {EINVAL}"),
    (
        ("move_pages", [PID, 0, 0x7F3F8000AFF8, 0, 0x7F3F7FFFEFFC, FILL | 2], 0),
        "move_pages(121, 0, [], NULL, [], MPOL_MF_MOVE) = 0",
    ),
    (
        ("move_pages", [PID, 1, 0x7F3F8000B000, 0x7F3F80005000, 0x7F3F7FFFF000, FILL | 4], -14, {
            2: Mem(0x7F3F8000B000, b"", fault=True), 3: Mem(0x7F3F80005000, b"", fault=True),
        }),
        f"move_pages(121, 1, 0x7f3f8000b000, 0x7f3f80005000, 0x7f3f7ffff000, MPOL_MF_MOVE_ALL) = {EFAULT}",
    ),
    (
        ("move_pages", [PID, 2, 0x7F3F8000AFF8, 0x7F3F80004FFC, 0x7F3F7FFFEFFC, FILL | 4], -19, {
            2: Mem(0x7F3F8000AFF8, words(0x7F3F80010000), fault=True),
            3: Mem(0x7F3F80004FFC, words(0xDEADBEE1, fmt="I"), fault=True),
        }),
        "move_pages(121, 2, [0x7f3f80010000, ... /* 0x7f3f8000b000 */], "
        "[-559038751, ... /* 0x7f3f80005000 */], 0x7f3f7fffeffc, MPOL_MF_MOVE_ALL) = " + ENODEV,
    ),
    (
        ("move_pages", [PID, 4, 0x7F3F8000AFE0, 0, 0x7F3F7FFFEFF0, FILL | 2], 0, {
            2: Mem(0x7F3F8000AFE0, words(0x7F3F7FFFEFF0, 0x7F3F80004FF8, 0x7F3F80011000, 0x7F3F80010000)),
        }, STATUS),
        "move_pages(121, 4, [0x7f3f7fffeff0, 0x7f3f80004ff8, 0x7f3f80011000, 0x7f3f80010000], "
        "NULL, [0, 0, -EFAULT, 0], MPOL_MF_MOVE) = 0",
    ),
    # the status array of a failed call: its address
    (
        ("move_pages", [PID, 1, 0x7F3F8000AFF8, 0x7F3F80004FFC, 0x7F3F7FFFEFFC, FILL | 4], -19, {
            2: Mem(0x7F3F8000AFF8, words(0x7F3F80010000)), 3: Mem(0x7F3F80004FFC, words(0xDEADBEE1, fmt="I")),
        }, {4: Mem(0x7F3F7FFFEFFC, bytes(4))}),
        "move_pages(121, 1, [0x7f3f80010000], [-559038751], 0x7f3f7fffeffc, MPOL_MF_MOVE_ALL) = " + ENODEV,
    ),
    (
        ("set_mempolicy_home_node", [0x7FFCA89C2548, 1, 2, 3], -22),
        f"set_mempolicy_home_node(0x7ffca89c2548, 1, 2, 0x3) = {EINVAL}",
    ),
    (
        ("set_mempolicy_home_node", [2**64 - 1, 2**64 - 2, 2**64 - 3, 2**64 - 4], -22),
        "set_mempolicy_home_node(0xffffffffffffffff, 18446744073709551614, 18446744073709551613, "
        f"0xfffffffffffffffc) = {EINVAL}",
    ),
]  # fmt: skip
MADVISE = [
    (
        ("process_madvise", [FILL, 0x7F900442AFE0, 2, FILL, FILL | 0xFFFFFFFF], -22, {1: Mem(0x7F900442AFE0, bytes(range(0x80, 0xA0)))}),
        "process_madvise(0, [{iov_base=0x8786858483828180, iov_len=10344361028892658056}, "
        "{iov_base=0x9796959493929190, iov_len=11501803794301884824}], 2, MADV_NORMAL, "
        f"0xffffffff) = {EINVAL}",
    ),
    (
        ("process_madvise", [FILL | 0xFFFFFFFF, 0, 0xDEADBEEFDEADBEEF, FILL | 0x14, FILL], -22),
        f"process_madvise(-1, NULL, 16045690984833335023, MADV_COLD, 0) = {EINVAL}",
    ),
    (
        ("process_madvise", [FILL, 0x7F900442B000, 0, FILL | 0x15, FILL | 0xCAFEF00D], -22),
        f"process_madvise(0, [], 0, MADV_PAGEOUT, 0xcafef00d) = {EINVAL}",
    ),
    (
        ("process_madvise", [FILL | 0xFFFFFFFF, 0x7F900442AFF0, 2, 0xDEFACEDDEADC0DE, FILL], -14, {1: Mem(0x7F900442AFF0, bytes(range(0x90, 0xA0)), fault=True)}),
        "process_madvise(-1, [{iov_base=0x9796959493929190, iov_len=11501803794301884824}, "
        f"... /* 0x7f900442b000 */], 2, 0xdeadc0de /* MADV_??? */, 0) = {EFAULT}",
    ),
    # more iovecs than the address space holds: the address
    (
        ("process_madvise", [FILL, 0x7F900442AFE0, 1 << 60, FILL, FILL], -22),
        f"process_madvise(0, 0x7f900442afe0, 1152921504606846976, MADV_NORMAL, 0) = {EINVAL}",
    ),
]  # fmt: skip
W = 0x7FC2E20CFFE8
TS = 0x7FC2E20C9FF0
FUTEX_WAITV = [
    (
        ("futex_waitv", [0, FILL | 1, FILL | 0xFFFFFFFF, 0, FILL | 1], -22),
        f"futex_waitv(NULL, 1, 0xffffffff, NULL, CLOCK_MONOTONIC) = {EINVAL}",
    ),
    (
        ("futex_waitv", [0x7FC2E20D0000, FILL, FILL | 1, 0x7FC2E20CA000, FILL | 0xFFFFFFFF], -22, {3: Mem(0x7FC2E20CA000, b"", fault=True)}),
        f"futex_waitv([], 0, 0x1, 0x7fc2e20ca000, 0xffffffff /* CLOCK_??? */) = {EINVAL}",
    ),
    (
        ("futex_waitv", [W + 1, FILL | 1, FILL, TS, FILL], -14, {
            0: Mem(W + 1, bytes(23), fault=True), 3: Mem(TS, words(1, 2)),
        }),
        f"futex_waitv(0x7fc2e20cffe9, 1, 0, {{tv_sec=1, tv_nsec=2}}, CLOCK_REALTIME) = {EFAULT}",
    ),
    (
        ("futex_waitv", [W, FILL | 1, FILL, 0, FILL | 1], -22, {0: Mem(W, waiter(2**64 - 1, 0, 0xFFFFFFFF, 0xFFFFFFFF))}),
        "futex_waitv([{val=0xffffffffffffffff, uaddr=NULL, flags=FUTEX_32|FUTEX_PRIVATE_FLAG"
        f"|0xffffff7d, __reserved=0xffffffff}}], 1, 0, NULL, CLOCK_MONOTONIC) = {EINVAL}",
    ),
    (
        ("futex_waitv", [W, FILL | 1, FILL, 0, FILL | 2], -22, {0: Mem(W, waiter(0xDEADBEEFFACEFEED, 2**64 - 1, 0))}),
        "futex_waitv([{val=0xdeadbeeffacefeed, uaddr=0xffffffffffffffff, flags=0}], 1, 0, NULL, "
        f"CLOCK_PROCESS_CPUTIME_ID) = {EINVAL}",
    ),
    (
        ("futex_waitv", [W, FILL | 2, FILL, 0, FILL | 1], -14, {0: Mem(W, waiter(0, 0x7FC2E20D5FFC, 2), fault=True)}),
        "futex_waitv([{val=0, uaddr=0x7fc2e20d5ffc, flags=FUTEX_32}, ... /* 0x7fc2e20d0000 */], 2, "
        f"0, NULL, CLOCK_MONOTONIC) = {EFAULT}",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "expected"),
    SET_MEMPOLICY + GET_MEMPOLICY + MBIND + MOVE_PAGES + MADVISE + FUTEX_WAITV,
)
def test_strace_lines(call, expected):
    assert line(*call) == expected


@pytest.mark.parametrize(("call", "expected"), RAW)
def test_raw_and_short_strings(call, expected):
    name, args, ret, entry = call
    assert line(name, args, ret, entry, STATUS, raw=True, strsize=3) == expected


def test_more_waiters_than_strace_prints():
    """At most 128 waiters (FUTEX_WAITV_MAX), whatever -s says, then ``...``."""
    data = b"".join(waiter(k, 0x1000 + 4 * k, 0x82) for k in range(129))
    text = line("futex_waitv", [W, 129, 0, 0, 1], -22, {0: Mem(W, data)}, strsize=256)
    assert text.count("{val=") == 128
    assert text.startswith(
        "futex_waitv([{val=0, uaddr=0x1000, flags=FUTEX_32|FUTEX_PRIVATE_FLAG}, "
    )
    assert text.endswith(
        f"{{val=0x7f, uaddr=0x11fc, flags=FUTEX_32|FUTEX_PRIVATE_FLAG}}, ...], 129, 0, NULL, "
        f"CLOCK_MONOTONIC) = {EINVAL}"
    )


def test_status_names_only_strace_knows():
    """print_err: a node number or an errno without a name in strace's table is a number."""
    st = {4: Mem(0x2000, words(3, -41 & 0xFFFFFFFF, -133 & 0xFFFFFFFF, -12 & 0xFFFFFFFF, fmt="I"))}
    pages = {2: Mem(0x1000, words(0x5000, 0x6000, 0x7000, 0x8000))}
    text = line("move_pages", [1, 4, 0x1000, 0, 0x2000, 2], 0, pages, st)
    assert text == (
        "move_pages(1, 4, [0x5000, 0x6000, 0x7000, 0x8000], NULL, [3, -41, -EHWPOISON, -ENOMEM], "
        "MPOL_MF_MOVE) = 0"
    )
