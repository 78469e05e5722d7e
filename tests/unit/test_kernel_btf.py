"""The BTF reader on hand-built blobs: every kind, anonymous members, bitfields,
DATASECs, and corrupt input (which must end in BtfError, never hang)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmstrace.kernel.btf import Btf, Kind
from vmstrace.kernel.errors import BtfError, BtfLookupError


class BtfBuilder:
    """Writes BTF the way pahole does (include/uapi/linux/btf.h), one record per call.

    Each method returns the new type id.  Also imported by test_kernel_layout.py.
    """

    def __init__(self) -> None:
        self.strings = bytearray(b"\0")
        self.records: list[bytes] = []

    def s(self, name: str) -> int:
        if not name:
            return 0
        key = name.encode() + b"\0"
        at = self.strings.find(key)
        if at > 0 and self.strings[at - 1] == 0:
            return at
        self.strings += key
        return len(self.strings) - len(key)

    def add(
        self,
        kind: Kind,
        name: str = "",
        vlen: int = 0,
        st: int = 0,
        kflag: bool = False,
        trailer: bytes = b"",
    ) -> int:
        info = (int(kflag) << 31) | (int(kind) << 24) | vlen
        self.records.append(struct.pack("<III", self.s(name), info, st) + trailer)
        return len(self.records)

    def int_(
        self, name: str, size: int, bits: int | None = None, enc: int = 0, offset: int = 0
    ) -> int:
        bits = size * 8 if bits is None else bits
        return self.add(
            Kind.INT, name, 0, size, trailer=struct.pack("<I", enc << 24 | offset << 16 | bits)
        )

    def ref(self, kind: Kind, target: int, name: str = "") -> int:
        return self.add(kind, name, 0, target)

    def array(self, elem: int, index: int, n: int) -> int:
        return self.add(Kind.ARRAY, trailer=struct.pack("<III", elem, index, n))

    def compound(
        self,
        kind: Kind,
        name: str,
        size: int,
        members: list[tuple[str, int, int, int]],
        kflag: bool = False,
    ) -> int:
        """members: (name, type id, bit offset, bitfield size)."""
        body = b"".join(
            struct.pack("<III", self.s(n), t, (bits << 24 | off) if kflag else off)
            for n, t, off, bits in members
        )
        return self.add(kind, name, len(members), size, kflag, body)

    def enum(self, name: str, values: list[tuple[str, int]], signed: bool = False) -> int:
        body = b"".join(struct.pack("<II", self.s(n), v & 0xFFFFFFFF) for n, v in values)
        return self.add(Kind.ENUM, name, len(values), 4, signed, body)

    def enum64(self, name: str, values: list[tuple[str, int]], signed: bool = False) -> int:
        body = b"".join(
            struct.pack("<III", self.s(n), v & 0xFFFFFFFF, (v >> 32) & 0xFFFFFFFF)
            for n, v in values
        )
        return self.add(Kind.ENUM64, name, len(values), 8, signed, body)

    def func_proto(self, ret: int, params: list[tuple[str, int]]) -> int:
        body = b"".join(struct.pack("<II", self.s(n), t) for n, t in params)
        return self.add(Kind.FUNC_PROTO, "", len(params), ret, trailer=body)

    def var(self, name: str, type_id: int, linkage: int = 1) -> int:
        return self.add(Kind.VAR, name, 0, type_id, trailer=struct.pack("<I", linkage))

    def datasec(self, name: str, size: int, vars_: list[tuple[int, int, int]]) -> int:
        body = b"".join(struct.pack("<III", *v) for v in vars_)
        return self.add(Kind.DATASEC, name, len(vars_), size, trailer=body)

    def decl_tag(self, name: str, target: int, component: int) -> int:
        return self.add(Kind.DECL_TAG, name, 0, target, trailer=struct.pack("<i", component))

    def build(self, endian: str = "<") -> bytes:
        types = b"".join(self.records)
        if endian == ">":  # every field of every record is a u32: swap them all
            n = len(types) // 4
            types = struct.pack(f">{n}I", *struct.unpack(f"<{n}I", types))
        hdr = struct.pack(
            endian + "HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(self.strings)
        )
        return hdr + types + bytes(self.strings)


def tiny_kernel(b: BtfBuilder, pcpu_hot: bool = False, current_off: int = 0) -> dict[str, int]:
    """A miniature task_struct and per-CPU section, shaped like the kernel's.

    struct task_struct {                       // 80 bytes
        volatile unsigned int __state;         // 0
        unsigned int flags;                    // 4
        union {                                // 8, anonymous
            long long both;
            struct { pid_t pid; pid_t tgid; }; // anonymous
        };
        struct task_struct *real_parent;       // 16
        struct mm_struct *mm;                  // 24 (forward declared)
        u64 start_time;                        // 32
        const struct cred *cred;               // 40
        struct files_struct *files;            // 48
        char comm[16];                         // 56
        unsigned int in_execve:1, in_iowait:1; // bits 576, 577
    };
    """
    ids: dict[str, int] = {}
    uint = b.int_("unsigned int", 4)
    int_ = b.int_("int", 4, enc=1)
    llong = b.int_("long long int", 8, enc=1)
    ullong = b.int_("long long unsigned int", 8)
    char = b.int_("char", 1, enc=2)
    pid_t = b.ref(Kind.TYPEDEF, int_, "pid_t")
    u64 = b.ref(Kind.TYPEDEF, ullong, "u64")
    vol_uint = b.ref(Kind.VOLATILE, uint)
    task_fwd_ptr = b.ref(Kind.PTR, 0)  # patched below once task_struct has an id
    mm_ptr = b.ref(Kind.PTR, b.add(Kind.FWD, "mm_struct"))
    cred_ptr = b.ref(Kind.PTR, b.ref(Kind.CONST, b.add(Kind.FWD, "cred")))
    files_ptr = b.ref(Kind.PTR, b.add(Kind.FWD, "files_struct"))
    comm = b.array(char, uint, 16)
    ids_struct = b.compound(Kind.STRUCT, "", 8, [("pid", pid_t, 0, 0), ("tgid", pid_t, 32, 0)])
    anon_union = b.compound(Kind.UNION, "", 8, [("both", llong, 0, 0), ("", ids_struct, 0, 0)])
    task = b.compound(
        Kind.STRUCT,
        "task_struct",
        80,
        [
            ("__state", vol_uint, 0, 0),
            ("flags", uint, 32, 0),
            ("", anon_union, 64, 0),
            ("real_parent", task_fwd_ptr, 128, 0),
            ("mm", mm_ptr, 192, 0),
            ("start_time", u64, 256, 0),
            ("cred", cred_ptr, 320, 0),
            ("files", files_ptr, 384, 0),
            ("comm", comm, 448, 0),
            ("in_execve", uint, 576, 1),
            ("in_iowait", uint, 577, 1),
        ],
        kflag=True,
    )
    # Point the pointer at task_struct (records are immutable bytes: rebuild that one).
    b.records[task_fwd_ptr - 1] = struct.pack("<III", 0, int(Kind.PTR) << 24, task)
    percpu_vars = [(b.var("runqueues_ish", int_), 0x100, 4)]
    if pcpu_hot:
        hot = b.compound(
            Kind.STRUCT,
            "pcpu_hot",
            64,
            [("preempt_count", int_, 0, 0), ("current_task", task_fwd_ptr, current_off * 8, 0)],
        )
        percpu_vars.append((b.var("pcpu_hot", hot), 0x35000, 64))
    else:
        percpu_vars.append((b.var("current_task", task_fwd_ptr), 0x1FB80, 8))
    b.datasec(".data..percpu", 0x40000, percpu_vars)
    b.datasec(".data", 0x1000, [(b.var("jiffies_ish", ullong), 0x20, 8)])
    # struct cred { atomic_t usage; kuid_t uid; kgid_t gid; kuid_t suid; kgid_t sgid;
    #               kuid_t euid; }  (the pointer above stays a forward declaration)
    kuid = b.ref(Kind.TYPEDEF, b.compound(Kind.STRUCT, "", 4, [("val", uint, 0, 0)]), "kuid_t")
    b.compound(Kind.STRUCT, "cred", 24, [
        ("usage", int_, 0, 0), ("uid", kuid, 32, 0), ("gid", kuid, 64, 0),
        ("suid", kuid, 96, 0), ("sgid", kuid, 128, 0), ("euid", kuid, 160, 0),
    ])  # fmt: skip
    ids.update(task=task, task_ptr=task_fwd_ptr, uint=uint, comm=comm)
    return ids


@pytest.fixture
def tiny() -> Btf:
    b = BtfBuilder()
    tiny_kernel(b)
    return Btf(b.build())


@pytest.mark.parametrize(
    ("path", "offset", "size"),
    [
        ("__state", 0, 4),
        ("flags", 4, 4),
        ("both", 8, 8),
        ("pid", 8, 4),  # through the anonymous union and the anonymous struct inside it
        ("tgid", 12, 4),
        ("real_parent", 16, 8),
        ("mm", 24, 8),
        ("start_time", 32, 8),
        ("cred", 40, 8),
        ("files", 48, 8),
        ("comm", 56, 16),
    ],
)
def test_member_offsets(tiny: Btf, path: str, offset: int, size: int) -> None:
    assert (tiny.member_offset("task_struct", path), tiny.member_size("task_struct", path)) == (
        offset,
        size,
    )


def test_dotted_path_through_pointer_is_refused_but_nested_struct_path_works() -> None:
    b = BtfBuilder()
    ids = tiny_kernel(b)
    outer = b.compound(
        Kind.STRUCT, "outer", 96, [("x", ids["uint"], 0, 0), ("t", ids["task"], 128, 0)]
    )
    btf = Btf(b.build())
    assert btf.member_offset(outer, "t.tgid") == 16 + 12
    assert btf.member_offset("outer", "t.comm") == 16 + 56
    with pytest.raises(BtfLookupError, match="is not a struct/union"):
        btf.member_offset("task_struct", "real_parent.pid")


def test_bitfields_with_kind_flag(tiny: Btf) -> None:
    loc = tiny.member("task_struct", "in_iowait")
    assert (loc.bit_offset, loc.bitfield_size) == (577, 1)
    with pytest.raises(BtfLookupError, match="bitfield"):
        tiny.member_offset("task_struct", "in_iowait")
    with pytest.raises(BtfLookupError, match="bitfield"):
        tiny.member_size("task_struct", "in_execve")


def test_bitfield_in_int_encoding_without_kind_flag() -> None:
    # Before kind_flag (pre-5.0 pahole) the INT record carried the bit offset and width.
    b = BtfBuilder()
    u3 = b.int_("unsigned int", 4, bits=3, offset=2)
    uint = b.int_("unsigned int", 4)
    b.compound(Kind.STRUCT, "s", 8, [("a", uint, 0, 0), ("f", u3, 32, 0)])
    btf = Btf(b.build())
    loc = btf.member("s", "f")
    assert (loc.bit_offset, loc.bitfield_size) == (34, 3)
    assert btf.member_offset("s", "a") == 0


def test_missing_names_raise_lookup_error(tiny: Btf) -> None:
    with pytest.raises(BtfLookupError, match="no struct named 'mm_struct'"):
        tiny.find_struct("mm_struct")  # only a FWD exists
    with pytest.raises(BtfLookupError, match="no member 'pidd'"):
        tiny.member_offset("task_struct", "pidd")
    with pytest.raises(BtfLookupError, match="no variable 'nope'"):
        tiny.datasec_var(".data..percpu", "nope")
    with pytest.raises(BtfLookupError, match="no datasec named '.bss'"):
        tiny.datasec_var(".bss", "x")


def test_sizeof_follows_typedefs_modifiers_arrays(tiny: Btf) -> None:
    assert tiny.sizeof("task_struct") == 80
    assert tiny.sizeof("pid_t") == 4
    assert tiny.sizeof("u64") == 8
    task = tiny.find_struct("task_struct")
    assert tiny.sizeof(task.members[0].type_id) == 4  # volatile unsigned int
    assert tiny.sizeof(task.members[6].type_id) == 8  # pointer to const struct cred
    assert tiny.sizeof(task.members[8].type_id) == 16  # char[16]
    with pytest.raises(BtfLookupError, match="has no size"):
        tiny.sizeof(tiny.find("cred", Kind.FWD))
    assert tiny.resolve("pid_t").name == "int"


def test_datasec_vars(tiny: Btf) -> None:
    assert tiny.datasec_var(".data..percpu", "current_task") == 0x1FB80
    assert tiny.datasec_var(".data", "jiffies_ish") == 0x20
    info = tiny.datasec_var_info(".data..percpu", "current_task")
    assert info.size == 8
    assert tiny.sizeof(info.type_id) == 8  # the VAR's size is its type's
    assert [d.name for d in tiny.datasecs()] == [".data..percpu", ".data"]


def test_every_kind_decodes() -> None:
    b = BtfBuilder()
    i = b.int_("int", 4, enc=1)
    proto = b.func_proto(i, [("a", i), ("", 0)])
    var = b.var("v", i)
    ids = {
        Kind.INT: i,
        Kind.PTR: b.ref(Kind.PTR, i),
        Kind.ARRAY: b.array(i, i, 3),
        Kind.STRUCT: b.compound(Kind.STRUCT, "s", 4, [("m", i, 0, 0)]),
        Kind.UNION: b.compound(Kind.UNION, "u", 4, [("m", i, 0, 0)]),
        Kind.ENUM: b.enum("e", [("NEG", -1), ("ONE", 1)], signed=True),
        Kind.FWD: b.add(Kind.FWD, "f", kflag=True),
        Kind.TYPEDEF: b.ref(Kind.TYPEDEF, i, "t"),
        Kind.VOLATILE: b.ref(Kind.VOLATILE, i),
        Kind.CONST: b.ref(Kind.CONST, i),
        Kind.RESTRICT: b.ref(Kind.RESTRICT, b.ref(Kind.PTR, i)),
        Kind.FUNC_PROTO: proto,
        Kind.FUNC: b.add(Kind.FUNC, "fn", 1, proto),
        Kind.VAR: var,
        Kind.DATASEC: b.datasec(".bss", 8, [(var, 4, 4)]),
        Kind.FLOAT: b.add(Kind.FLOAT, "double", 0, 8),
        Kind.DECL_TAG: b.decl_tag("tag", var, -1),
        Kind.TYPE_TAG: b.ref(Kind.TYPE_TAG, i, "rcu"),
        Kind.ENUM64: b.enum64("e64", [("BIG", 1 << 40), ("NEG", -2)], signed=True),
    }
    btf = Btf(b.build())
    assert len(btf) == len(b.records) + 1 == 21
    for kind, tid in ids.items():
        assert btf.type(tid).kind is kind
    assert btf.type(ids[Kind.ARRAY]).array_nelems == 3
    assert btf.sizeof(ids[Kind.ARRAY]) == 12
    assert [(e.name, e.value) for e in btf.type(ids[Kind.ENUM]).enumerators] == [
        ("NEG", -1),
        ("ONE", 1),
    ]
    assert [e.value for e in btf.type(ids[Kind.ENUM64]).enumerators] == [1 << 40, -2]
    assert [m.name for m in btf.type(ids[Kind.FUNC_PROTO]).members] == ["a", ""]
    assert btf.type(ids[Kind.FUNC]).linkage == 1
    assert btf.type(ids[Kind.DECL_TAG]).component_idx == -1
    assert btf.datasec_var(".bss", "v") == 4
    assert btf.sizeof(ids[Kind.TYPE_TAG]) == 4
    assert btf.sizeof(ids[Kind.FLOAT]) == 8
    assert btf.type(0).name == "void"


def test_unsigned_enum_values() -> None:
    b = BtfBuilder()
    e = b.enum("flags", [("TOP", 0x80000000)], signed=False)
    assert Btf(b.build()).type(e).enumerators[0].value == 0x80000000


def test_big_endian_blob() -> None:
    b = BtfBuilder()
    i = b.int_("int", 4)
    b.compound(Kind.STRUCT, "s", 8, [("a", i, 0, 0), ("b", i, 32, 0)])
    assert Btf(b.build(">")).member_offset("s", "b") == 4


def test_from_elf_without_btf_returns_none() -> None:
    from test_kernel_bzimage import tiny_elf

    assert Btf.from_elf(tiny_elf({".data..percpu": (0, b"")})) is None


# -- corrupt input --------------------------------------------------------------------


def _hdr(**kw: int) -> bytes:
    f = dict(
        magic=0xEB9F, version=1, flags=0, hdr_len=24, type_off=0, type_len=0, str_off=0, str_len=1
    )
    f.update(kw)
    return struct.pack("<HBBIIIII", *f.values())


def _blob(types: bytes, strings: bytes = b"\0", **kw: int) -> bytes:
    f = dict(type_len=len(types), str_off=len(types), str_len=len(strings))
    f.update(kw)
    return _hdr(**f) + types + strings


_INT = struct.pack("<IIII", 0, 1 << 24, 4, 32)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"\x9f\xeb\x01", "too short"),
        (_blob(b"", magic=0x1234), "bad magic"),
        (_blob(b"", version=2), "unsupported BTF version 2"),
        (_blob(b"", hdr_len=8), "header length 8"),
        (_blob(b"", hdr_len=1000), "header length 1000"),
        (_hdr(type_len=100) + b"\0", "type section"),
        (_hdr(str_off=0, str_len=50) + b"\0", "string section"),
        (_hdr(type_off=2, str_len=1) + b"\0\0\0", "not 4-byte aligned"),
        (_blob(_INT[:8]), "truncated type record"),
        (_blob(struct.pack("<III", 0, 25 << 24, 0)), "unknown kind 25"),
        (_blob(struct.pack("<III", 0, 4 << 24 | 3, 8) + b"\0" * 12), "runs past the section"),
        (_blob(struct.pack("<III", 0, 1 << 24, 4)), "runs past the section"),  # INT, no trailer
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_corrupt_headers_and_records(blob: bytes, message: str) -> None:
    with pytest.raises(BtfError, match=message):
        Btf(blob)


def test_corrupt_names() -> None:
    bad_name = _blob(struct.pack("<III", 999, 4 << 24, 0))
    with pytest.raises(BtfError, match="name offset 999"):
        Btf(bad_name).find_struct("x")
    unterminated = _blob(struct.pack("<III", 1, 4 << 24, 0), b"\0abc")
    with pytest.raises(BtfError, match="not NUL-terminated"):
        Btf(unterminated).type(1)


def test_cycles_and_dangling_ids_are_errors() -> None:
    b = BtfBuilder()
    b.add(Kind.TYPEDEF, "loop_a", 0, 2)  # 1 -> 2 -> 1
    b.add(Kind.TYPEDEF, "loop_b", 0, 1)
    b.array(3, 0, 2)  # 3: array of itself
    b.compound(Kind.STRUCT, "self_anon", 4, [("", 4, 0, 0), ("", 4, 0, 0)])  # 4
    b.compound(Kind.STRUCT, "dangling", 4, [("m", 999, 0, 0)])  # 5
    btf = Btf(b.build())
    with pytest.raises(BtfError, match="cyclic"):
        btf.resolve(1)
    with pytest.raises(BtfError, match="cyclic"):
        btf.sizeof(3)
    with pytest.raises(BtfError, match="nest too deeply"):
        btf.member_offset("self_anon", "x")
    with pytest.raises(BtfError, match="type id 999 out of range"):
        btf.member_size("dangling", "m")


# -- fuzzing: only typed errors, and quickly ------------------------------------------


def _exercise(blob: bytes) -> None:
    try:
        btf = Btf(blob)
        for tid in range(min(len(btf), 64)):
            try:
                t = btf.type(tid)
                btf.resolve(tid)
                btf.sizeof(tid)
                if t.kind in (Kind.STRUCT, Kind.UNION):
                    for m in t.members[:8]:
                        btf.member(tid, m.name or "x")
            except BtfLookupError:
                pass
        for name in ("task_struct", "pid"):
            try:
                btf.find_struct(name)
            except BtfLookupError:
                pass
        for sec in btf.datasecs():
            for info in sec.secinfos[:8]:
                btf.type(info.type_id)
    except BtfError:
        pass


_FUZZ = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_only_raise_btf_error(blob: bytes) -> None:
    _exercise(blob)


@_FUZZ
@given(st.binary(max_size=400))
def test_random_body_behind_valid_header(body: bytes) -> None:
    split = len(body) // 2
    _exercise(_hdr(type_len=split, str_off=split, str_len=len(body) - split) + body)


def _valid_blob() -> bytes:
    b = BtfBuilder()
    tiny_kernel(b, pcpu_hot=True)
    return b.build()


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12))
def test_mutated_valid_blob(flips: list[tuple[int, int]]) -> None:
    blob = bytearray(_valid_blob())
    for pos, value in flips:
        blob[pos % len(blob)] = value
    _exercise(bytes(blob))
