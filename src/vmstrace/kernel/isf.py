"""Kernel layouts from a volatility3 symbol table (ISF JSON), for `--symbols FILE`.

Memory-forensics users already have ISF files for their kernels (made by dwarf2json from
a vmlinux with debug info). An ISF lists every struct ("user_types": fields with byte
offsets and types), base type sizes ("base_types") and symbols with their addresses
("symbols"). Per-CPU symbols are offsets in the zero-based x86-64 per-CPU area, exactly
what the plugin adds to the kernel GS base. Anonymous struct/union members (dwarf2json
names their types `unnamed_...`) are searched through, as in BTF.

:class:`IsfTypes` is the ISF backend of the kernel-types interface (kernel/types.py), the
BTF reader being the other: kernel/layout.py derives one KernelLayout from either, and the
rest of vmstrace does not know which one it came from.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path
from typing import Any

from vmstrace.kernel.errors import LayoutError, TypeLookupError
from vmstrace.kernel.types import PerCpuVar, StructMember, spell

MAX_DEPTH = 8  # anonymous nesting searched, and type references followed
POINTER_SIZE = 8


class IsfError(LayoutError):
    """The ISF file is unreadable or malformed (or, from layout_from_isf, unusable)."""


class IsfLookupError(TypeLookupError):
    """A struct, member or symbol the ISF file does not have."""


def read_isf(path: Path | str) -> dict[str, Any]:
    """The ISF document; `.json.xz` (how volatility3 ships them) is decompressed."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        if p.suffix == ".xz" or raw[:6] == b"\xfd7zXZ\x00":
            raw = lzma.decompress(raw)
        doc = json.loads(raw)
    except (OSError, lzma.LZMAError, ValueError) as e:
        raise IsfError(f"--symbols {path}: not a readable ISF JSON file ({e})") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("user_types"), dict):
        raise IsfError(f"--symbols {path}: no user_types: not a volatility3 symbol table")
    return doc


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IsfError(f"{what}is a {type(value).__name__}, expected an object")
    return value


def _int(value: Any, what: str) -> int:
    # bool is an int to Python, not to JSON
    if not isinstance(value, int) or isinstance(value, bool):
        raise IsfError(f"{what} is a {type(value).__name__}, expected an integer")
    return value


class IsfTypes:
    """The kernel-types interface answered from one ISF document.  The document is
    untrusted: every value is checked for the JSON type it must have before it is used
    (IsfError).  Per-CPU symbols are offsets in the zero-based per-CPU area."""

    source = "the symbol table"
    percpu_base = 0

    def __init__(self, doc: dict[str, Any]) -> None:
        self.types = _obj(doc.get("user_types") or {}, "user_types ")
        self.base = _obj(doc.get("base_types") or {}, "base_types ")
        self.symbols = _obj(doc.get("symbols") or {}, "symbols ")

    def _struct(self, name: str) -> dict[str, Any]:
        t = self.types.get(name)
        if t is None:
            raise IsfLookupError(f"the symbol table has no struct {name}")
        t = _obj(t, f"struct {name}: ")
        _obj(t.get("fields"), f"struct {name}: fields ")
        return t

    def struct_size(self, name: str) -> int:
        return _int(self._struct(name).get("size", 0), f"struct {name}: size")

    def sizeof(self, ref: dict[str, Any], depth: int = 0) -> int:
        kind = ref.get("kind")
        if depth > MAX_DEPTH:
            raise IsfError("type references nest too deeply")
        if kind == "pointer":
            return POINTER_SIZE
        if kind == "base":
            name = str(ref.get("name"))
            base = _obj(self.base.get(name, {}), f"base type {name}: ")
            return _int(base.get("size", 0), f"base type {name}: size")
        if kind == "array":
            count = _int(ref.get("count", 0), "array: count")
            return count * self.sizeof(_obj(ref.get("subtype", {}), "array: subtype "), depth + 1)
        if kind in ("struct", "union"):
            t = self.types.get(str(ref.get("name")))
            if not isinstance(t, dict):
                return 0  # unknown: no size
            return _int(t.get("size", 0), f"struct {ref.get('name')}: size")
        if kind == "enum":
            return 4
        return 0

    def _field(self, struct: str, fname: str, f: Any) -> tuple[int, dict[str, Any]]:
        where = f"{struct}.{fname}: "
        f = _obj(f, where)
        return (_int(f.get("offset"), f"{where}offset"), _obj(f.get("type"), f"{where}type "))

    def _find(self, struct: str, member: str, depth: int) -> tuple[int, dict[str, Any]] | None:
        fields = self._struct(struct)["fields"]
        if member in fields:
            return self._field(struct, member, fields[member])
        if depth >= MAX_DEPTH:
            return None
        for fname, f in fields.items():  # anonymous members: search inside
            if isinstance(f, dict) and (
                f.get("anonymous") or str(fname).startswith("unnamed_field")
            ):
                offset, t = self._field(struct, fname, f)
                if t.get("kind") in ("struct", "union"):
                    hit = self._find(str(t.get("name")), member, depth + 1)
                    if hit is not None:
                        return offset + hit[0], hit[1]
        return None

    def member(self, struct: str, path: str) -> StructMember:
        offset, name, ref = 0, struct, {}
        for part in path.split("."):
            hit = self._find(name, part, 0)
            if hit is None:
                raise IsfLookupError(f"the symbol table has no {name}.{part}")
            offset += hit[0]
            ref = hit[1]
            name = str(ref.get("name", ""))
        return StructMember(offset, self.sizeof(ref), self._spell(ref))

    def percpu_var(self, name: str) -> PerCpuVar | None:
        s = self.symbols.get(name)
        if s is None:
            return None
        s = _obj(s, f"symbol {name}: ")
        address = _int(s.get("address"), f"symbol {name}: address")
        ref = s.get("type")  # dwarf2json records a variable's type; hand-made files may not
        return PerCpuVar(
            address, None if ref is None else self._spell(_obj(ref, f"symbol {name}: type "))
        )

    def _spell(self, ref: dict[str, Any]) -> str:
        pointer = ref.get("kind") == "pointer"
        if pointer:
            sub = ref.get("subtype")
            ref = sub if isinstance(sub, dict) else {}
        name = str(ref.get("name", ""))
        if name.startswith("unnamed_"):  # dwarf2json's name for an anonymous type
            name = ""
        return spell(str(ref.get("kind")), name, pointer)
