"""bpf(2): each expected line is what strace 6.1 printed in the guest for the same call
(its own test program, `vmstrace conformance strace-bpf`), except where a test says the
line follows bpf.c's format for a case that program does not produce."""

from __future__ import annotations

import struct

import lines
import pytest

from vmstrace.core.events import Mem

EINVAL = "-1 EINVAL (Invalid argument)"
EBADF = "-1 EBADF (Bad file descriptor)"
E2BIG = "-1 E2BIG (Argument list too long)"
EFAULT = "-1 EFAULT (Bad address)"
ENOENT = "-1 ENOENT (No such file or directory)"
EBADFD = "-1 EBADFD (File descriptor in bad state)"
ERRNO = {EINVAL: -22, EBADF: -9, E2BIG: -7, EFAULT: -14, ENOENT: -2, EBADFD: -77}
A = 0x7FC4EFA96F00  # where the test program put its attrs (the end of a page)


def line(args, ret, entry=None, exit=None, **opts):
    return lines.line("bpf", args, ret, entry, exit, **opts)


def bpf(cmd, attr, size, ret, after=None, addr=A, **opts):
    """bpf(cmd, attr, size): ``attr`` (zero-padded to ``size``) read at entry, and at exit
    as ``after`` (the kernel wrote nothing back: the same bytes)."""
    pad = bytes(max(0, size - len(attr)))
    entry = {1: Mem(addr, attr + pad)}
    exit = {1: Mem(addr, (attr if after is None else after) + pad)}
    return line([cmd, addr, size], ERRNO.get(ret, ret), entry, exit, **opts)


def extra(attr, size, at):
    """The attr with the test program's non-zero filler from byte ``at`` to ``size``."""
    return attr[:at] + bytes((0x30 + k % 10) for k in range(size - at))


MAP_36 = struct.pack("<7I", 31, 4, 8, 256, 63, 0xFFFFFFFF, 3141592653) + b"01234567"
MAP_48 = (
    struct.pack(
        "<7I", 0xDEADF00D, 0xFACE1E55, 0xBADC0DED, 0xBEEFCAFE, 0xC0DEFEAD, 2718281828, 2**32 - 1
    )
    + b"0123456789abcde\0"
    + struct.pack("<I", 1)
)
MAP_48_TEXT = (
    "map_type=0xdeadf00d /* BPF_MAP_TYPE_??? */, key_size=4207812181, value_size=3134983661, "
    "max_entries=3203386110, map_flags=BPF_F_NO_PREALLOC|BPF_F_NUMA_NODE|BPF_F_RDONLY|"
    "BPF_F_STACK_BUILD_ID|BPF_F_RDONLY_PROG|BPF_F_CLONE|BPF_F_MMAPABLE|BPF_F_PRESERVE_ELEMS|"
    "BPF_F_INNER_MAP|0xc0dee000, inner_map_fd=-1576685468, numa_node=4294967295 "
    '/* NUMA_NO_NODE */, map_name="0123456789abcde", map_ifindex=if_nametoindex("lo")'
)
MAP_72 = struct.pack("<I60xQ", 30, 4)
MAP_72_TEXT = (
    "map_type=BPF_MAP_TYPE_BLOOM_FILTER, key_size=0, value_size=0, max_entries=0, map_flags=0, "
    'inner_map_fd=0, map_name="", map_ifindex=0, btf_fd=0, btf_key_type_id=0, '
    "btf_value_type_id=0, btf_vmlinux_value_type_id=0, map_extra=4"
)
PROG_128 = struct.pack(
    "<IIQQIIQII16sIIIIQIIQIIIIQ",
    *(0, 0, 0, 0, 0, 0, 0, 0, 2, b"", 0, 17, 0xBADC0DED, 0xDAD1BEF2, 0xFAC1FED2FAC3FED4),
    *(0xDAD3BEF4, 0xDAD5BEF6, 0xFAC5FED5FAC7FED8, 0xDAD7BEF8, 0xDAD7BEFA, 0xBADC0DEF, 0),
    0xFACEB00C,
)
PROG_128_TEXT = (
    "prog_type=BPF_PROG_TYPE_UNSPEC, insn_cnt=0, insns=NULL, license=NULL, log_level=0, "
    "log_size=0, log_buf=NULL, kern_version=KERNEL_VERSION(0, 0, 0), "
    'prog_flags=BPF_F_ANY_ALIGNMENT, prog_name="", prog_ifindex=0, '
    "expected_attach_type=BPF_FLOW_DISSECTOR, prog_btf_fd=-1159983635, "
    "func_info_rec_size=3671178994, func_info=0xfac1fed2fac3fed4, func_info_cnt=3671310068, "
    "line_info_rec_size=3671441142, line_info=0xfac5fed5fac7fed8, line_info_cnt=3671572216, "
    "attach_btf_id=3671572218, attach_prog_fd=-1159983633, fd_array=0xfaceb00c"
)
TEST_RUN = struct.pack(
    "<i3IQQ2I", -1, 0xFAC1FED2, 0xFAC3FED4, 0xFAC5FED6, 0xFACEF11DBADC2DED, 0xFACEF33DBADC4DED,
    0xFAC7FED8, 0xFAC9FEDA,
) + struct.pack("<2I2Q3I", 0, 0, 0, 0, 0xFFFFFFFC, 3141592653, 2718281828)  # fmt: skip
TEST_RUN_TEXT = (
    "test={prog_fd=-1, retval=4207017682, data_size_in=4207148756, data_size_out=4207279830, "
    "data_in=0xfacef11dbadc2ded, data_out=0xfacef33dbadc4ded, repeat=4207410904, "
    "duration=4207541978, ctx_size_in=0, ctx_size_out=0, ctx_in=NULL, ctx_out=NULL, "
    "flags=0xfffffffc /* BPF_F_??? */, cpu=3141592653, batch_size=2718281828}"
)
QUERY = struct.pack("<4IQI", 3141592653, 0xFEEDFACE, 0xDEADF00D, 0xBEEFCAFE, 2**64 - 1, 0)
QUERY_HEAD = (
    "query={target_fd=-1153374643, attach_type=0xfeedface /* BPF_??? */, "
    "query_flags=BPF_F_QUERY_EFFECTIVE|0xdeadf00c, "
    "attach_flags=BPF_F_ALLOW_MULTI|BPF_F_REPLACE|0xbeefcaf8"
)
TASK_FD = struct.pack(
    "<4IQ2I2Q", 1405705229, 0xDEADBEEF, 0xFACEFEED, 0xDEFACED, 2**64 - 2, 0xBADC0DED, 5,
    0xFAC1FED2FAC3FED4, 0xFAC5FED5FAC7FED8,
)  # fmt: skip
BATCH = struct.pack("<4QIiQQ", 0xFACEFEED, 0xBADC0DED, 0xDEADF00D, 0xFFFFFFFE, 3, -1, 4, 4)
LINK_TAIL = bytes(3) + b" " + bytes(3) + b"O" + bytes(3) + b"H" + bytes(3) + b" "
LINK_TAIL += bytes(3) + b"H" + bytes(3) + b"A" + bytes(3) + b"I" + bytes(3) + b"!"
LINK = "link_create={prog_fd=0, target_fd=0, attach_type="


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # no attr, no size, a size past a page, an attr that cannot be read
        ((0, b"", 256, EFAULT, None, 0), f"bpf(BPF_MAP_CREATE, NULL, 256) = {EFAULT}"),
        ((0, b"", 0, EINVAL), f"bpf(BPF_MAP_CREATE, 0x7fc4efa96f00, 0) = {EINVAL}"),
        ((0, MAP_72, 4097, EINVAL), f"bpf(BPF_MAP_CREATE, 0x7fc4efa96f00, 4097) = {EINVAL}"),
        # a short size: only the fields it covers
        (
            (0, struct.pack("<I", 2), 4, EINVAL),
            "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_ARRAY, key_size=0, value_size=0, "
            f"max_entries=0}}, 4) = {EINVAL}",
        ),
        (
            (0, MAP_36, 36, EINVAL),
            "bpf(BPF_MAP_CREATE, {map_type=BPF_MAP_TYPE_USER_RINGBUF, key_size=4, value_size=8, "
            "max_entries=256, map_flags=BPF_F_NO_PREALLOC|BPF_F_NO_COMMON_LRU|BPF_F_NUMA_NODE|"
            "BPF_F_RDONLY|BPF_F_WRONLY|BPF_F_STACK_BUILD_ID, inner_map_fd=-1, "
            f'numa_node=3141592653, map_name="0123456"...}}, 36) = {EINVAL}',
        ),
        ((0, MAP_48, 48, EINVAL), f"bpf(BPF_MAP_CREATE, {{{MAP_48_TEXT}}}, 48) = {EINVAL}"),
        ((0, MAP_72, 72, EINVAL), f"bpf(BPF_MAP_CREATE, {{{MAP_72_TEXT}}}, 72) = {EINVAL}"),
        # bytes past the struct: only that one is not zero, without -v
        (
            (0, extra(MAP_72, 256, 72), 256, E2BIG),
            f"bpf(BPF_MAP_CREATE, {{{MAP_72_TEXT}, ...}}, 256) = {E2BIG}",
        ),
        (
            (1, struct.pack("<i4xQQQ", -1, 0xDEADBEEF, 0xBADC0DED, 4), 32, EBADF),
            "bpf(BPF_MAP_LOOKUP_ELEM, {map_fd=-1, key=0xdeadbeef, value=0xbadc0ded, "
            f"flags=BPF_F_LOCK}}, 32) = {EBADF}",
        ),
        (
            (2, struct.pack("<i", -1), 4, EBADF),
            "bpf(BPF_MAP_UPDATE_ELEM, {map_fd=-1, key=NULL, value=NULL, flags=BPF_ANY}, 4) = "
            + EBADF,
        ),
        (
            (
                2,
                extra(struct.pack("<i4xQQQ", -1, 0xDEADBEEF, 0xBADC0DED, 2), 4096, 32),
                4096,
                E2BIG,
            ),
            "bpf(BPF_MAP_UPDATE_ELEM, {map_fd=-1, key=0xdeadbeef, value=0xbadc0ded, "
            f"flags=BPF_EXIST, ...}}, 4096) = {E2BIG}",
        ),
        (
            (3, struct.pack("<i4xQ", -1, 0xDEADBEEF), 16, EBADF),
            f"bpf(BPF_MAP_DELETE_ELEM, {{map_fd=-1, key=0xdeadbeef}}, 16) = {EBADF}",
        ),
        (
            (4, struct.pack("<i4xQQ", -1, 0xDEADBEEF, 0xBADC0DED), 24, EBADF),
            "bpf(BPF_MAP_GET_NEXT_KEY, {map_fd=-1, key=0xdeadbeef, next_key=0xbadc0ded}, 24) = "
            + EBADF,
        ),
        (
            (5, struct.pack("<I", 1), 4, EFAULT),
            "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_SOCKET_FILTER, insn_cnt=0, insns=NULL, "
            f"license=NULL}}, 4) = {EFAULT}",
        ),
        (
            (
                5,
                struct.pack("<IIQQIIQII", 32, 0xBADC0DED, 0, 0, 42, 3141592653, 0, 0xCAFEF00D, 0),
                48,
                EFAULT,
            ),
            "bpf(BPF_PROG_LOAD, {prog_type=0x20 /* BPF_PROG_TYPE_??? */, insn_cnt=3134983661, "
            "insns=NULL, license=NULL, log_level=42, log_size=3141592653, log_buf=NULL, "
            f"kern_version=KERNEL_VERSION(51966, 240, 13), prog_flags=0}}, 48) = {EFAULT}",
        ),
        (
            (
                5,
                struct.pack(
                    "<IIQQIIQII16s",
                    20,
                    0xBADC0DED,
                    0xFFFFFFFF00000000,
                    0xFFFFFFFF00000000,
                    2718281828,
                    4096,
                    0xFFFFFFFF00000000,
                    0xCAFEF00D,
                    1,
                    b"fedcba987654321",
                ),
                64,
                EFAULT,
            ),  # fmt: skip
            "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_LIRC_MODE2, insn_cnt=3134983661, "
            "insns=0xffffffff00000000, license=0xffffffff00000000, log_level=2718281828, "
            "log_size=4096, log_buf=0xffffffff00000000, kern_version=KERNEL_VERSION(51966, 240, "
            f'13), prog_flags=BPF_F_STRICT_ALIGNMENT, prog_name="fedcba987654321"}}, 64) = {EFAULT}',
        ),
        ((5, PROG_128, 128, EFAULT), f"bpf(BPF_PROG_LOAD, {{{PROG_128_TEXT}}}, 128) = {EFAULT}"),
        (
            (6, struct.pack("<Q", 2**64 - 1), 8, EINVAL),
            f"bpf(BPF_OBJ_PIN, {{pathname=0xffffffffffffffff, bpf_fd=0}}, 8) = {EINVAL}",
        ),
        (
            (7, struct.pack("<Q", 0), 8, EINVAL),
            f"bpf(BPF_OBJ_GET, {{pathname=NULL, bpf_fd=0}}, 8) = {EINVAL}",
        ),
        (
            (8, struct.pack("<iiIIi", -1, -2, 2, 0xF8, -3), 20, EINVAL),
            "bpf(BPF_PROG_ATTACH, {target_fd=-1, attach_bpf_fd=-2, "
            "attach_type=BPF_CGROUP_INET_SOCK_CREATE, attach_flags=0xf8 /* BPF_F_??? */, "
            f"replace_bpf_fd=-3}}, 20) = {EINVAL}",
        ),
        (
            (8, struct.pack("<iiII", -1, -2, 2, 7), 16, EBADF),
            "bpf(BPF_PROG_ATTACH, {target_fd=-1, attach_bpf_fd=-2, "
            "attach_type=BPF_CGROUP_INET_SOCK_CREATE, attach_flags=BPF_F_ALLOW_OVERRIDE|"
            f"BPF_F_ALLOW_MULTI|BPF_F_REPLACE}}, 16) = {EBADF}",
        ),
        (
            (9, struct.pack("<i4xI", -1, 2), 12, EBADF),
            "bpf(BPF_PROG_DETACH, {target_fd=-1, attach_type=BPF_CGROUP_INET_SOCK_CREATE}, 12) = "
            + EBADF,
        ),
        (
            (10, struct.pack("<i", -1), 4, EBADF),
            "bpf(BPF_PROG_TEST_RUN, {test={prog_fd=-1, retval=0, data_size_in=0, "
            "data_size_out=0, data_in=NULL, data_out=NULL, repeat=0, duration=0}}, 4) = " + EBADF,
        ),
        (
            (10, extra(TEST_RUN, 256, 76), 256, E2BIG),
            f"bpf(BPF_PROG_TEST_RUN, {{{TEST_RUN_TEXT}, ...}}, 256) = {E2BIG}",
        ),
        # the GET_NEXT_ID commands print what is left after the call, from the exit read
        (
            (11, struct.pack("<I", 0xDEADBEEF), 1, ENOENT),
            f"bpf(BPF_PROG_GET_NEXT_ID, {{start_id=239, next_id=0}}, 1) = {ENOENT}",
        ),
        (
            (12, struct.pack("<3I", 0xBADC0DED, 0xCAFEF00D, 0xFFFFFF27), 12, EINVAL),
            "bpf(BPF_MAP_GET_NEXT_ID, {start_id=3134983661, next_id=3405705229, "
            f"open_flags=0xffffff27 /* BPF_F_??? */}}, 12) = {EINVAL}",
        ),
        (
            (
                31,
                extra(struct.pack("<3I", 0xBADC0DED, 0xCAFEF00D, 0xFFFFFF27), 4096, 12),
                4096,
                E2BIG,
            ),
            "bpf(BPF_LINK_GET_NEXT_ID, {start_id=3134983661, next_id=3405705229, "
            f"open_flags=0xffffff27 /* BPF_F_??? */, ...}}, 4096) = {E2BIG}",
        ),
        (
            (13, struct.pack("<3I", 0xBADC0DED, 0xCAFEF00D, 0xFFFFFF27), 12, EINVAL),
            "bpf(BPF_PROG_GET_FD_BY_ID, {prog_id=3134983661, next_id=3405705229, "
            f"open_flags=0xffffff27 /* BPF_F_??? */}}, 12) = {EINVAL}",
        ),
        (
            (14, struct.pack("<I", 0xDEADBEEF), 4, ENOENT),
            f"bpf(BPF_MAP_GET_FD_BY_ID, {{map_id=3735928559, next_id=0}}, 4) = {ENOENT}",
        ),
        (
            (
                15,
                extra(struct.pack("<iIQ", -1, 0xDEADBEEF, 0xFACEFEEDBADC0DED), 256, 16),
                256,
                E2BIG,
            ),
            "bpf(BPF_OBJ_GET_INFO_BY_FD, {info={bpf_fd=-1, info_len=3735928559, "
            f"info=0xfacefeedbadc0ded}}, ...}}, 256) = {E2BIG}",
        ),
        (
            (15, struct.pack("<i", -1), 4, EBADFD),
            "bpf(BPF_OBJ_GET_INFO_BY_FD, {info={bpf_fd=-1, info_len=0, info=NULL}}, 4) = " + EBADFD,
        ),
        (
            (16, QUERY, 28, EINVAL),
            f"bpf(BPF_PROG_QUERY, {{{QUERY_HEAD}, prog_ids=[], prog_cnt=0}}}}, 28) = {EINVAL}",
        ),
        (
            (16, QUERY[:16] + struct.pack("<QI", 0x7FC4EFA8AFF0, 5), 28, EINVAL),
            f"bpf(BPF_PROG_QUERY, {{{QUERY_HEAD}, prog_ids=0x7fc4efa8aff0, prog_cnt=5}}}}, 28) = "
            + EINVAL,
        ),
        (
            (17, struct.pack("<QI", 0xFFFFFFFF00000000, 0xDEADBEEF), 12, EBADF),
            "bpf(BPF_RAW_TRACEPOINT_OPEN, {raw_tracepoint={name=0xffffffff00000000, "
            f"prog_fd=-559038737}}}}, 12) = {EBADF}",
        ),
        (
            (18, b"", 8, EINVAL),
            "bpf(BPF_BTF_LOAD, {btf=NULL, btf_log_buf=NULL, btf_size=0, btf_log_size=0, "
            f"btf_log_level=0}}, 8) = {EINVAL}",
        ),
        (
            (19, extra(struct.pack("<I", 0xDEADBEEF), 4096, 4), 4096, E2BIG),
            f"bpf(BPF_BTF_GET_FD_BY_ID, {{btf_id=3735928559, ...}}, 4096) = {E2BIG}",
        ),
        (
            (20, struct.pack("<I", 1735928559), 4, ENOENT),
            "bpf(BPF_TASK_FD_QUERY, {task_fd_query={pid=1735928559, fd=0, flags=0, buf_len=0, "
            "buf=NULL, prog_id=0, fd_type=BPF_FD_TYPE_RAW_TRACEPOINT, probe_offset=0, "
            f"probe_addr=0}}}}, 4) = {ENOENT}",
        ),
        (
            (20, TASK_FD, 48, EINVAL),
            "bpf(BPF_TASK_FD_QUERY, {task_fd_query={pid=1405705229, fd=-559038737, "
            "flags=4207869677, buf_len=233811181, buf=0xfffffffffffffffe, prog_id=3134983661, "
            "fd_type=BPF_FD_TYPE_URETPROBE, probe_offset=0xfac1fed2fac3fed4, "
            f"probe_addr=0xfac5fed5fac7fed8}}}}, 48) = {EINVAL}",
        ),
        (
            (21, struct.pack("<i", -1), 4, EBADF),
            "bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, {map_fd=-1, key=NULL, value=NULL}, 4) = " + EBADF,
        ),
        ((22, struct.pack("<i", -1), 4, EBADF), f"bpf(BPF_MAP_FREEZE, {{map_fd=-1}}, 4) = {EBADF}"),
        (
            (24, BATCH, 56, EBADF),
            "bpf(BPF_MAP_LOOKUP_BATCH, {batch={in_batch=0xfacefeed, out_batch=0xbadc0ded, "
            "keys=0xdeadf00d, values=0xfffffffe, count=3, map_fd=-1, elem_flags=BPF_F_LOCK, "
            f"flags=0x4}}}}, 56) = {EBADF}",
        ),
        (
            (26, struct.pack("<32xIi", 0, -1), 40, EBADF),
            "bpf(BPF_MAP_UPDATE_BATCH, {batch={keys=NULL, values=NULL, count=0, map_fd=-1, "
            f"elem_flags=BPF_ANY, flags=0}}}}, 40) = {EBADF}",
        ),
        (
            (27, BATCH, 56, EBADF),
            "bpf(BPF_MAP_DELETE_BATCH, {batch={keys=0xdeadf00d, count=3, map_fd=-1, "
            f"elem_flags=BPF_F_LOCK, flags=0x4}}}}, 56) = {EBADF}",
        ),
        (
            (28, struct.pack("<iiII", -1, 0xDEADBEEF - 2**32, 28, 4), 16, EBADF),
            "bpf(BPF_LINK_CREATE, {link_create={prog_fd=-1, target_fd=-559038737, "
            f"attach_type=BPF_TRACE_ITER, flags=0x4}}}}, 16) = {EBADF}",
        ),
        (
            (
                28,
                struct.pack("<iiII", -1, 0xDEADBEEF - 2**32, 1, 0xBADC0DED) + LINK_TAIL,
                48,
                EBADF,
            ),
            "bpf(BPF_LINK_CREATE, {link_create={prog_fd=-1, target_fd=-559038737, "
            f"attach_type=BPF_CGROUP_INET_EGRESS, flags=0xbadc0ded}}, ...}}, 48) = {EBADF}",
        ),
        (
            (28, struct.pack("<8xI4xI", 0, 0xFACEFEED), 20, EINVAL),
            f"bpf(BPF_LINK_CREATE, {{{LINK}BPF_CGROUP_INET_INGRESS, flags=0, "
            f"target_btf_id=4207869677}}}}, 20) = {EINVAL}",
        ),
        (
            (28, struct.pack("<8xI4xQI", 28, 0xFFFFFFFF00000000, 0xDEADFACE), 28, EINVAL),
            f"bpf(BPF_LINK_CREATE, {{{LINK}BPF_TRACE_ITER, flags=0, iter_info=0xffffffff00000000, "
            f"iter_info_len=3735943886}}}}, 28) = {EINVAL}",
        ),
        (
            (28, struct.pack("<8xI4xQ", 41, 0xDEADC0DEFACECAFE), 24, EINVAL),
            f"bpf(BPF_LINK_CREATE, {{{LINK}BPF_PERF_EVENT, flags=0, "
            f"perf_event={{bpf_cookie=0xdeadc0defacecafe}}}}}}, 24) = {EINVAL}",
        ),
        (
            (
                28,
                struct.pack("<8xI4xII3Q", 42, 0xDEADC0DE, 0xBADFACED, *(0xFFFFFFFF00000000,) * 3),
                48,
                EINVAL,
            ),
            f"bpf(BPF_LINK_CREATE, {{{LINK}BPF_TRACE_KPROBE_MULTI, flags=0, "
            "kprobe_multi={flags=0xdeadc0de /* BPF_F_??? */, cnt=3135220973, "
            "syms=0xffffffff00000000, addrs=0xffffffff00000000, cookies=0xffffffff00000000}}}, "
            f"48) = {EINVAL}",
        ),
        (
            (29, struct.pack("<iiIi", -1, 0xDEADBEEF - 2**32, 4, 0xDEADF00D - 2**32), 16, EBADF),
            "bpf(BPF_LINK_UPDATE, {link_update={link_fd=-1, new_prog_fd=-559038737, "
            f"flags=BPF_F_REPLACE, old_prog_fd=-559026163}}}}, 16) = {EBADF}",
        ),
        (
            (30, struct.pack("<I", 0xDEADBEEF), 4, ENOENT),
            f"bpf(BPF_LINK_GET_FD_BY_ID, {{link_id=3735928559}}, 4) = {ENOENT}",
        ),
    ],
)
def test_bpf_prints_as_strace(call, expected):
    assert bpf(*call) == expected


def test_an_unknown_command_prints_its_attr_as_an_address():
    assert line([0xFACEFEED, 0, 0xFACEFEEDBADC0DED], -7) == (
        f"bpf(0xfacefeed /* BPF_??? */, NULL, 3134983661) = {E2BIG}"
    )
    end = 0x7FC4EFA97000
    assert line([0xFACEFEED, end, 40], -14, {1: Mem(end, b"", fault=True)}) == (
        f"bpf(0xfacefeed /* BPF_??? */, 0x7fc4efa97000, 40) = {EFAULT}"
    )
    # a command strace 6.1 names but has no decoder for (BPF_PROG_BIND_MAP; bpf.c's format)
    assert line([35, A, 8], -9, {1: Mem(A, bytes(8))}) == (
        f"bpf(BPF_PROG_BIND_MAP, 0x7fc4efa96f00, 8) = {EBADF}"
    )


def test_an_attr_not_read_whole_prints_as_its_address():
    short = {1: Mem(A + 1, bytes(35), fault=True)}
    assert line([0, A + 1, 36], -14, short) == f"bpf(BPF_MAP_CREATE, 0x7fc4efa96f01, 36) = {EFAULT}"
    assert line([0, A, 36], -14) == f"bpf(BPF_MAP_CREATE, 0x7fc4efa96f00, 36) = {EFAULT}"
    # the size register's upper half is not part of the size (the read went on to a fault)
    wide = {1: Mem(A, MAP_72 + bytes(100), fault=True)}
    assert line([0, A, 0xFACEFEED00000048], -22, wide, wide) == (
        f"bpf(BPF_MAP_CREATE, {{{MAP_72_TEXT}}}, 72) = {EINVAL}"
    )


def test_pointed_to_memory_prints_as_its_address():
    # strace printed license="GPL", log_buf="log "..., pathname="/sys/fs/bpf/foo/bar":
    # vmstrace does not read memory the attr points to
    attr = struct.pack("<IIQQIIQ", 0, 1, 0x483788, 0x483784, 2718281828, 4, 0x7F1ADD5ED000)
    assert bpf(5, attr, 40, EINVAL).startswith(
        "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_UNSPEC, insn_cnt=1, insns=0x483788, "
        "license=0x483784, log_level=2718281828, log_size=4, log_buf=0x7f1add5ed000}, 40)"
    )
    # ... but a zero length reads nothing: strace's "" (bpf.c's printstr_ex)
    attr = struct.pack("<QQIII", 0x7F1ADD5E1FF7, 0, 0, 0, 0)
    assert bpf(18, attr, 28, EINVAL).startswith('bpf(BPF_BTF_LOAD, {btf="", btf_log_buf=NULL')


def test_values_the_kernel_writes_back_print_after_the_arrow():
    # bpf.c's format for a call that returned data (the test program's calls all fail)
    assert bpf(11, struct.pack("<II", 0, 0), 12, 0, struct.pack("<II", 0, 7)) == (
        "bpf(BPF_PROG_GET_NEXT_ID, {start_id=0, next_id=0 => 7, open_flags=0}, 12) = 0"
    )
    info = struct.pack("<iIQ", 3, 80, 0x7FFE0000)
    assert bpf(15, info, 16, 0, struct.pack("<iIQ", 3, 72, 0x7FFE0000)) == (
        "bpf(BPF_OBJ_GET_INFO_BY_FD, {info={bpf_fd=3, info_len=80 => 72, info=0x7ffe0000}}, 16) = 0"
    )
    query = struct.pack("<4IQI", 5, 0, 0, 0, 0x7FFE0000, 8)
    assert bpf(16, query, 28, 0, query[:24] + struct.pack("<I", 1)) == (
        "bpf(BPF_PROG_QUERY, {query={target_fd=5, attach_type=BPF_CGROUP_INET_INGRESS, "
        "query_flags=0, attach_flags=0, prog_ids=0x7ffe0000, prog_cnt=8 => 1}}, 28) = 0"
    )
    batch = BATCH[:32] + struct.pack("<I", 2) + BATCH[36:]
    assert bpf(26, BATCH, 56, -2, batch) == (
        "bpf(BPF_MAP_UPDATE_BATCH, {batch={keys=0xdeadf00d, values=0xfffffffe, count=3, "
        f"map_fd=-1, elem_flags=BPF_F_LOCK, flags=0x4}}}} => {{batch={{count=2}}}}, 56) = {ENOENT}"
    )
    # without the exit read those are unknown: the address
    e = {1: Mem(A, struct.pack("<III", 0, 0, 0))}
    assert line([11, A, 12], 0, e) == "bpf(BPF_PROG_GET_NEXT_ID, 0x7fc4efa96f00, 12) = 0"


def test_raw_prints_numbers():
    # -X raw (bpf.c's formats: the conformance run does not pass it)
    assert bpf(0, MAP_48, 48, EINVAL, raw=True) == (
        "bpf(0, {map_type=0xdeadf00d, key_size=4207812181, value_size=3134983661, "
        "max_entries=3203386110, map_flags=0xc0defead, inner_map_fd=-1576685468, "
        'numa_node=4294967295, map_name="0123456789abcde", map_ifindex=1}, 48) = ' + EINVAL
    )
    attr = struct.pack("<IIQQIIQII", 1, 0, 0, 0, 0, 0, 0, 0xCAFEF00D, 0)
    assert bpf(5, attr, 48, EINVAL, raw=True) == (
        "bpf(0x5, {prog_type=0x1, insn_cnt=0, insns=NULL, license=NULL, log_level=0, "
        f"log_size=0, log_buf=NULL, kern_version=0xcafef00d, prog_flags=0}}, 48) = {EINVAL}"
    )
