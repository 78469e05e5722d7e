"""A reader for BTF, the kernel's compact type information (CONFIG_DEBUG_INFO_BTF).

Format: the kernel's Documentation/bpf/btf.rst and include/uapi/linux/btf.h.  A blob is
a header (magic 0xEB9F, version 1, ``hdr_len``, then type and string section offsets
relative to the end of the header), a type section (records ``btf_type`` = name_off,
info, size|type, each followed by kind-specific data) and a NUL-separated string section.
Type ids count records from 1; id 0 is ``void``.

The blob is untrusted input: every offset is bounds-checked, every reference chain is
depth-limited, and anything malformed raises :class:`BtfError`.  Names that are simply
absent raise :class:`BtfLookupError`.  The API follows drgn / volatility3:
:meth:`Btf.find_struct`, :meth:`Btf.member_offset` (``"a.b"`` paths that see through
anonymous structs and unions), :meth:`Btf.sizeof`, :meth:`Btf.datasec_var`.

:class:`BtfTypes` puts a parsed blob behind the kernel-types interface (kernel/types.py).

Records are indexed in one pass at load; a record's members are decoded when first asked
for, so opening a kernel's 4 MiB of BTF costs about one pass over 130,000 headers.
"""

from __future__ import annotations

import io
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from vmstrace.kernel.errors import BtfError, BtfLookupError, LayoutError
from vmstrace.kernel.kallsyms import Kallsyms, KallsymsError
from vmstrace.kernel.types import PerCpuVar, StructMember, spell

BTF_MAGIC = 0xEB9F
BTF_MAX_TYPE = 0x000FFFFF  # include/uapi/linux/btf.h
MAX_DEPTH = 64  # typedef/const/array chains we follow before calling the BTF cyclic
MAX_MEMBER_SCAN = 200_000  # members examined (through anonymous ones) per path component
POINTER_SIZE = 8  # BTF has no pointer size of its own; vmstrace guests are x86-64
PERCPU_SECTION = ".data..percpu"  # the DATASEC of the per-CPU variables


class Kind(IntEnum):
    """BTF_KIND_* (include/uapi/linux/btf.h)."""

    UNKN = 0
    INT = 1
    PTR = 2
    ARRAY = 3
    STRUCT = 4
    UNION = 5
    ENUM = 6
    FWD = 7
    TYPEDEF = 8
    VOLATILE = 9
    CONST = 10
    RESTRICT = 11
    FUNC = 12
    FUNC_PROTO = 13
    VAR = 14
    DATASEC = 15
    FLOAT = 16
    DECL_TAG = 17
    TYPE_TAG = 18
    ENUM64 = 19


# Bytes of kind-specific data after the 12-byte btf_type: (fixed, per vlen element).
_TRAILER: dict[int, tuple[int, int]] = {
    Kind.INT: (4, 0),  # u32 encoding | offset | bits
    Kind.PTR: (0, 0),
    Kind.ARRAY: (12, 0),  # btf_array {type, index_type, nelems}
    Kind.STRUCT: (0, 12),  # btf_member {name_off, type, offset}
    Kind.UNION: (0, 12),
    Kind.ENUM: (0, 8),  # btf_enum {name_off, s32 val}
    Kind.FWD: (0, 0),
    Kind.TYPEDEF: (0, 0),
    Kind.VOLATILE: (0, 0),
    Kind.CONST: (0, 0),
    Kind.RESTRICT: (0, 0),
    Kind.FUNC: (0, 0),  # vlen is the linkage
    Kind.FUNC_PROTO: (0, 8),  # btf_param {name_off, type}
    Kind.VAR: (4, 0),  # btf_var {linkage}
    Kind.DATASEC: (0, 12),  # btf_var_secinfo {type, offset, size}
    Kind.FLOAT: (0, 0),
    Kind.DECL_TAG: (4, 0),  # btf_decl_tag {s32 component_idx}
    Kind.TYPE_TAG: (0, 0),
    Kind.ENUM64: (0, 12),  # btf_enum64 {name_off, val_lo32, val_hi32}
}
_SIZED = {Kind.INT, Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.DATASEC, Kind.FLOAT, Kind.ENUM64}
_QUALIFIERS = {Kind.TYPEDEF, Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.TYPE_TAG}
_MODIFIERS = _QUALIFIERS - {Kind.TYPEDEF}


@dataclass(frozen=True, slots=True)
class Member:
    """A struct/union member, or a function parameter (``bit_offset`` 0)."""

    name: str
    type_id: int
    bit_offset: int
    bitfield_size: int = 0  # 0: not a bitfield


@dataclass(frozen=True, slots=True)
class Enumerator:
    name: str
    value: int


@dataclass(frozen=True, slots=True)
class VarSecinfo:
    """One variable of a DATASEC: ``offset`` is relative to the section's start."""

    type_id: int  # the VAR record
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class Type:
    """One decoded BTF record.  Fields not used by ``kind`` keep their defaults."""

    id: int
    kind: Kind
    name: str
    kind_flag: bool = False
    vlen: int = 0
    size: int = 0  # INT, ENUM, STRUCT, UNION, DATASEC, FLOAT, ENUM64
    type_id: int = 0  # PTR, TYPEDEF, modifiers, FUNC, FUNC_PROTO (return), VAR, DECL_TAG
    int_encoding: int = 0  # INT: BTF_INT_SIGNED 1, CHAR 2, BOOL 4
    int_offset: int = 0
    int_bits: int = 0
    array_type: int = 0  # ARRAY element type
    array_index_type: int = 0
    array_nelems: int = 0
    members: tuple[Member, ...] = ()  # STRUCT, UNION, FUNC_PROTO (params)
    enumerators: tuple[Enumerator, ...] = ()  # ENUM, ENUM64
    secinfos: tuple[VarSecinfo, ...] = ()  # DATASEC
    linkage: int = 0  # VAR, FUNC
    component_idx: int = -1  # DECL_TAG


@dataclass(frozen=True, slots=True)
class MemberLoc:
    """Where a (possibly nested) member sits, relative to the outermost struct."""

    bit_offset: int
    bitfield_size: int  # 0: not a bitfield
    type_id: int


TypeRef = int | str | Type


class Btf:
    """Parsed BTF: ``Btf(blob)`` for a raw blob, :meth:`from_elf` for a vmlinux."""

    def __init__(self, blob: bytes) -> None:
        self._blob = bytes(blob)
        self._parse_header()
        self._index_types()
        self._cache: dict[int, Type] = {}
        self._by_name: dict[str, list[int]] | None = None

    @classmethod
    def from_elf(cls, elf_bytes: bytes) -> Btf | None:
        """The ``.BTF`` section of an ELF file, or None when there is none."""
        try:
            section = ELFFile(io.BytesIO(elf_bytes)).get_section_by_name(".BTF")
            if section is None:
                return None
            data = section.data()
        except (ELFError, ValueError, struct.error) as e:
            raise BtfError(f"cannot read the ELF .BTF section: {e}") from e
        return cls(data)

    # -- parsing ------------------------------------------------------------------------

    def _parse_header(self) -> None:
        b = self._blob
        if len(b) < 24:
            raise BtfError(f"{len(b)} bytes is too short for a BTF header")
        if b[0:2] == b"\x9f\xeb":
            self._e = "<"
        elif b[0:2] == b"\xeb\x9f":
            self._e = ">"
        else:
            raise BtfError(f"bad magic {b[0:2].hex()} (expected 0xeb9f)")
        version, _flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
            self._e + "BBIIIII", b, 2
        )
        if version != 1:
            raise BtfError(f"unsupported BTF version {version}")
        if not 24 <= hdr_len <= len(b):
            raise BtfError(f"header length {hdr_len} outside [24, {len(b)}]")
        body = len(b) - hdr_len
        for what, off, n in (("type", type_off, type_len), ("string", str_off, str_len)):
            if off + n > body:
                raise BtfError(f"{what} section [{off}, +{n}) beyond the {body}-byte body")
        if type_off % 4:
            raise BtfError(f"type section offset {type_off} is not 4-byte aligned")
        self._types = hdr_len + type_off
        self._types_end = self._types + type_len
        self._strs = hdr_len + str_off
        self._strs_len = str_len
        self._u32 = struct.Struct(self._e + "I")
        self._u32x2 = struct.Struct(self._e + "II")
        self._u32x3 = struct.Struct(self._e + "III")
        self._i32 = struct.Struct(self._e + "i")

    def _index_types(self) -> None:
        """Record each type's offset; check every record and its trailer fit."""
        offs = array("I", [0])  # id 0 = void
        pos, end, blob, hdr = self._types, self._types_end, self._blob, self._u32x3
        trailer = _TRAILER
        while pos < end:
            if pos + 12 > end:
                raise BtfError(f"truncated type record at byte {pos}")
            _name, info, _size = hdr.unpack_from(blob, pos)
            kind = (info >> 24) & 0x1F
            t = trailer.get(kind)
            if t is None:
                raise BtfError(f"type {len(offs)} has unknown kind {kind}")
            nxt = pos + 12 + t[0] + t[1] * (info & 0xFFFF)
            if nxt > end:
                raise BtfError(f"type {len(offs)} ({Kind(kind).name}) runs past the section")
            if len(offs) > BTF_MAX_TYPE:
                raise BtfError(f"more than {BTF_MAX_TYPE} types")
            offs.append(pos)
            pos = nxt
        self._offs = offs

    def _str(self, off: int) -> str:
        if off == 0:
            return ""
        if off >= self._strs_len:
            raise BtfError(f"name offset {off} beyond the {self._strs_len}-byte string section")
        start = self._strs + off
        end = self._blob.find(b"\0", start, self._strs + self._strs_len)
        if end < 0:
            raise BtfError(f"string at offset {off} is not NUL-terminated")
        return self._blob[start:end].decode("utf-8", "replace")

    # -- types --------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of type ids, counting ``void`` (id 0)."""
        return len(self._offs)

    def type(self, type_id: int) -> Type:
        """The record with id ``type_id`` (0 is void)."""
        t = self._cache.get(type_id)
        if t is None:
            t = self._cache[type_id] = self._decode(type_id)
        return t

    def _decode(self, tid: int) -> Type:
        if tid == 0:
            return Type(0, Kind.UNKN, "void")
        if not 0 < tid < len(self._offs):
            raise BtfError(f"type id {tid} out of range (have {len(self._offs) - 1})")
        b, u32, x3 = self._blob, self._u32, self._u32x3
        pos = self._offs[tid]
        name_off, info, st = x3.unpack_from(b, pos)
        kind, vlen, kflag = Kind((info >> 24) & 0x1F), info & 0xFFFF, bool(info >> 31)
        t = Type(tid, kind, self._str(name_off), kflag, vlen)
        p = pos + 12
        if kind is Kind.INT:
            (enc,) = u32.unpack_from(b, p)
            return replace(
                t,
                size=st,
                int_encoding=(enc >> 24) & 0xF,
                int_offset=(enc >> 16) & 0xFF,
                int_bits=enc & 0xFF,
            )
        if kind is Kind.ARRAY:
            elem, index, n = x3.unpack_from(b, p)
            return replace(t, array_type=elem, array_index_type=index, array_nelems=n)
        if kind in (Kind.STRUCT, Kind.UNION):
            members = []
            for i in range(vlen):
                m_name, m_type, m_off = x3.unpack_from(b, p + 12 * i)
                # kind_flag set: offset holds bitfield_size << 24 | bit_offset (btf.rst 2.2.4)
                bits = m_off >> 24 if kflag else 0
                m_off = m_off & 0xFFFFFF if kflag else m_off
                members.append(Member(self._str(m_name), m_type, m_off, bits))
            return replace(t, size=st, members=tuple(members))
        if kind in (Kind.ENUM, Kind.ENUM64):
            return replace(t, size=st, enumerators=self._enumerators(kind, p, vlen, kflag))
        if kind is Kind.FUNC_PROTO:
            params = []
            for i in range(vlen):
                p_name, p_type = self._u32x2.unpack_from(b, p + 8 * i)
                params.append(Member(self._str(p_name), p_type, 0))
            return replace(t, type_id=st, members=tuple(params))
        if kind is Kind.VAR:
            return replace(t, type_id=st, linkage=u32.unpack_from(b, p)[0])
        if kind is Kind.DATASEC:
            infos = tuple(VarSecinfo(*x3.unpack_from(b, p + 12 * i)) for i in range(vlen))
            return replace(t, size=st, secinfos=infos)
        if kind is Kind.DECL_TAG:
            return replace(t, type_id=st, component_idx=self._i32.unpack_from(b, p)[0])
        if kind is Kind.FUNC:
            return replace(t, type_id=st, linkage=vlen)
        if kind is Kind.FLOAT:
            return replace(t, size=st)
        # PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG
        return replace(t, type_id=st)

    def _enumerators(self, kind: Kind, p: int, vlen: int, signed: bool) -> tuple[Enumerator, ...]:
        # kind_flag: 1 signed, 0 unsigned values (btf.rst, BTF_KIND_ENUM / ENUM64).
        out = []
        width = 32 if kind is Kind.ENUM else 64
        for i in range(vlen):
            if kind is Kind.ENUM:
                e_name, value = self._u32x2.unpack_from(self._blob, p + 8 * i)
            else:
                e_name, lo, hi = self._u32x3.unpack_from(self._blob, p + 12 * i)
                value = hi << 32 | lo
            if signed and value >> (width - 1):
                value -= 1 << width
            out.append(Enumerator(self._str(e_name), value))
        return tuple(out)

    def _name_index(self) -> dict[str, list[int]]:
        if self._by_name is None:
            index: dict[str, list[int]] = {}
            b, x3 = self._blob, self._u32x3
            for tid in range(1, len(self._offs)):
                name_off = x3.unpack_from(b, self._offs[tid])[0]
                if name_off:
                    index.setdefault(self._str(name_off), []).append(tid)
            self._by_name = index
        return self._by_name

    def find(self, name: str, *kinds: Kind) -> Type:
        """The first type called ``name`` (of one of ``kinds``, if given)."""
        for tid in self._name_index().get(name, ()):
            t = self.type(tid)
            if not kinds or t.kind in kinds:
                return t
        what = "/".join(k.name.lower() for k in kinds) or "type"
        raise BtfLookupError(f"no {what} named {name!r} in the kernel's BTF")

    def find_struct(self, name: str) -> Type:
        return self.find(name, Kind.STRUCT)

    def _ref(self, ref: TypeRef) -> Type:
        if isinstance(ref, Type):
            return ref
        if isinstance(ref, int):
            return self.type(ref)
        return self.find(
            ref, Kind.STRUCT, Kind.UNION, Kind.TYPEDEF, Kind.INT, Kind.ENUM, Kind.ENUM64, Kind.FLOAT
        )

    def resolve(self, ref: TypeRef) -> Type:
        """Follow typedef, const, volatile, restrict and type tags to the real type."""
        t = self._ref(ref)
        for _ in range(MAX_DEPTH):
            if t.kind not in _QUALIFIERS:
                return t
            t = self.type(t.type_id)
        raise BtfError(f"type chain from id {self._ref(ref).id} is cyclic or too deep")

    def sizeof(self, ref: TypeRef) -> int:
        """Size in bytes of a type (through typedefs/modifiers; arrays multiply out)."""
        return self._sizeof(self._ref(ref), 0)

    def _sizeof(self, t: Type, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise BtfError(f"type id {t.id} nests too deeply or cyclically")
        t = self.resolve(t)
        if t.kind in _SIZED:
            return t.size
        if t.kind is Kind.PTR:
            return POINTER_SIZE
        if t.kind is Kind.ARRAY:
            return t.array_nelems * self._sizeof(self.type(t.array_type), depth + 1)
        if t.kind is Kind.VAR:
            return self._sizeof(self.type(t.type_id), depth + 1)
        raise BtfLookupError(f"{t.kind.name.lower()} {t.name or t.id!r} has no size")

    # -- members ------------------------------------------------------------------------

    def _container(self, ref: TypeRef) -> Type:
        t = self.resolve(ref)
        if t.kind not in (Kind.STRUCT, Kind.UNION):
            raise BtfLookupError(f"{t.kind.name.lower()} {t.name or t.id!r} is not a struct/union")
        return t

    def _bit_adjust(self, m: Member, base: int) -> MemberLoc:
        """Account for the pre-kind_flag encoding of bitfields in the INT record."""
        if m.bitfield_size:
            return MemberLoc(base + m.bit_offset, m.bitfield_size, m.type_id)
        target = self.resolve(m.type_id)
        if target.kind is Kind.INT and (target.int_offset or target.int_bits != 8 * target.size):
            return MemberLoc(base + m.bit_offset + target.int_offset, target.int_bits, m.type_id)
        return MemberLoc(base + m.bit_offset, 0, m.type_id)

    def _lookup(
        self, t: Type, name: str, base: int, budget: list[int], depth: int = 0
    ) -> MemberLoc | None:
        # budget[0] counts the members we may still examine: anonymous members can form a
        # cycle or a wide DAG in corrupt BTF, and a depth limit alone would not bound that.
        budget[0] -= 1 + len(t.members)
        if budget[0] < 0 or depth > MAX_DEPTH:
            raise BtfError(f"anonymous members of {t.name or t.id!r} nest too deeply")
        for m in t.members:
            if m.name == name:
                return self._bit_adjust(m, base)
        for m in t.members:  # C11 anonymous struct/union: their members belong to t
            if m.name == "":
                inner = self.resolve(m.type_id)
                if inner.kind in (Kind.STRUCT, Kind.UNION):
                    found = self._lookup(inner, name, base + m.bit_offset, budget, depth + 1)
                    if found is not None:
                        return found
        return None

    def member(self, container: TypeRef, path: str) -> MemberLoc:
        """Locate ``path`` (``"a.b.c"``) inside a struct/union, through anonymous members."""
        t = self._container(container)
        top = t.name or str(t.id)
        loc = MemberLoc(0, 0, t.id)
        for part in path.split("."):
            t = self._container(loc.type_id)
            found = self._lookup(t, part, loc.bit_offset, [MAX_MEMBER_SCAN])
            if found is None:
                raise BtfLookupError(f"struct {top} has no member {path!r} (at {part!r})")
            loc = found
        return loc

    def member_offset(self, container: TypeRef, path: str) -> int:
        """Byte offset of ``path``; a bitfield raises :class:`BtfLookupError`."""
        loc = self.member(container, path)
        if loc.bitfield_size or loc.bit_offset % 8:
            raise BtfLookupError(f"member {path!r} is a bitfield: it has no byte offset")
        return loc.bit_offset // 8

    def member_size(self, container: TypeRef, path: str) -> int:
        """Byte size of ``path``'s type; a bitfield raises :class:`BtfLookupError`."""
        loc = self.member(container, path)
        if loc.bitfield_size:
            raise BtfLookupError(f"member {path!r} is a bitfield: it has no byte size")
        return self.sizeof(loc.type_id)

    # -- variables ----------------------------------------------------------------------

    def datasecs(self) -> list[Type]:
        return [self.type(tid) for tid in self._ids_of_kind(Kind.DATASEC)]

    def _ids_of_kind(self, kind: Kind) -> list[int]:
        b, u32 = self._blob, self._u32
        return [
            tid
            for tid in range(1, len(self._offs))
            if (u32.unpack_from(b, self._offs[tid] + 4)[0] >> 24) & 0x1F == kind
        ]

    def datasec_var_info(self, section: str, name: str) -> VarSecinfo:
        """The DATASEC ``section`` entry of the VAR called ``name``."""
        sec = self.find(section, Kind.DATASEC)
        for info in sec.secinfos:
            var = self.type(info.type_id)
            if var.kind is Kind.VAR and var.name == name:
                return info
        raise BtfLookupError(f"no variable {name!r} in BTF section {section!r}")

    def datasec_var(self, section: str, name: str) -> int:
        """Offset of variable ``name`` from the start of ELF section ``section``."""
        return self.datasec_var_info(section, name).offset


class BtfTypes:
    """The kernel-types interface (kernel/types.py) answered from a kernel's BTF.

    Per-CPU variables are the VARs of the ``.data..percpu`` DATASEC (pahole encodes them
    since 1.18); an entry's offset is relative to that ELF section, whose link address is
    ``percpu_base``.  BTF without that DATASEC (an older pahole) still has the structs;
    the variables then come from the kernel image's own symbols, ``kernel_symbols``
    (kallsyms, found only when needed: that takes about half a second), which give an
    address but no type.
    """

    source = "the kernel's BTF"

    def __init__(
        self,
        btf: Btf,
        percpu_base: int = 0,
        kernel_symbols: Callable[[], Kallsyms] | None = None,
    ) -> None:
        self.btf = btf
        self.percpu_base = percpu_base
        self._kernel_symbols = kernel_symbols
        self._percpu: dict[str, PerCpuVar] | None = None

    def struct_size(self, name: str) -> int:
        return self.btf.find_struct(name).size

    def member(self, struct: str, path: str) -> StructMember:
        btf = self.btf
        container = btf.find_struct(struct)
        loc = btf.member(container, path)
        if loc.bitfield_size or loc.bit_offset % 8:
            raise BtfLookupError(f"member {path!r} of struct {struct} is a bitfield")
        return StructMember(loc.bit_offset // 8, btf.sizeof(loc.type_id), self._spell(loc.type_id))

    def percpu_var(self, name: str) -> PerCpuVar | None:
        if self._percpu is None:
            self._percpu = self._percpu_vars()
        return self._percpu.get(name)

    def _percpu_vars(self) -> dict[str, PerCpuVar]:
        try:
            sec = self.btf.find(PERCPU_SECTION, Kind.DATASEC)
        except BtfLookupError:
            return self._percpu_symbols()
        out: dict[str, PerCpuVar] = {}
        for info in sec.secinfos:
            var = self.btf.type(info.type_id)
            if var.kind is Kind.VAR:
                out.setdefault(var.name, PerCpuVar(info.offset, self._spell(var.type_id)))
        return out

    def _percpu_symbols(self) -> dict[str, PerCpuVar]:
        why = (
            f"the kernel's BTF has no {PERCPU_SECTION} section: per-CPU variables "
            "were not encoded (pahole too old?), so the current task cannot be located"
        )
        if self._kernel_symbols is None:
            raise LayoutError(why)
        try:
            syms = self._kernel_symbols()
        except KallsymsError as e:
            raise LayoutError(f"{why} ({e})") from e
        start, end = syms.address("__per_cpu_start"), syms.address("__per_cpu_end")
        if start is None or end is None:
            raise LayoutError(f"{why} (kallsyms: no __per_cpu_start/__per_cpu_end)")
        # only symbols inside the per-CPU area: a same-named global elsewhere is not one
        return {
            name: PerCpuVar(addr - self.percpu_base, None)
            for name, addr in zip(syms.names, syms.addresses, strict=True)
            if start <= addr < end and name not in ("__per_cpu_start", "__per_cpu_end")
        }

    def _spell(self, type_id: int) -> str:
        t = self.btf.resolve(type_id)
        pointer = t.kind is Kind.PTR
        if pointer:
            t = self.btf.resolve(t.type_id)
        if t.kind is Kind.FWD:  # a declared struct; kind_flag marks a union (btf.rst)
            return spell("union" if t.kind_flag else "struct", t.name, pointer)
        return spell(t.kind.name.lower(), t.name, pointer)
