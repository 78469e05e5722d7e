"""Kernel layouts from a volatility3 symbol table (ISF JSON), for `--symbols FILE`.

Memory-forensics users already have ISF files for their kernels (made by dwarf2json from
a vmlinux with debug info). An ISF lists every struct ("user_types": fields with byte
offsets and types), base type sizes ("base_types") and symbols with their addresses
("symbols"). Per-CPU symbols are offsets in the zero-based x86-64 per-CPU area, exactly
what the plugin adds to the kernel GS base. Anonymous struct/union members (dwarf2json
names their types `unnamed_...`) are searched through, as in BTF.

The ISF is another backend of the same KernelLayout the BTF reader produces
(kernel/layout.py); the rest of vmstrace does not know which one it came from.
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path
from typing import Any

from vmstrace.kernel.errors import LayoutError
from vmstrace.kernel.fdwalk import FIELDS as FDWALK_FIELDS
from vmstrace.kernel.layout import _CRED_FIELDS, _TASK_FIELDS, FieldLoc, KernelLayout

MAX_DEPTH = 8  # anonymous nesting searched, and type references followed
POINTER_SIZE = 8


class IsfError(LayoutError):
    pass


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


class Isf:
    """Struct layouts and symbols of one ISF document.  The document is untrusted: every
    value is checked for the JSON type it must have before it is used (IsfError)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.types = _obj(doc.get("user_types") or {}, "user_types ")
        self.base = _obj(doc.get("base_types") or {}, "base_types ")
        self.symbols = _obj(doc.get("symbols") or {}, "symbols ")

    def _struct(self, name: str) -> dict[str, Any]:
        t = self.types.get(name)
        if t is None:
            raise IsfError(f"the symbol table has no struct {name}")
        t = _obj(t, f"struct {name}: ")
        _obj(t.get("fields"), f"struct {name}: fields ")
        return t

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

    def member(self, struct: str, path: str) -> FieldLoc:
        """Offset and size of `struct.path` (`a.b` walks into embedded structs)."""
        offset, name, ref = 0, struct, {}
        for part in path.split("."):
            hit = self._find(name, part, 0)
            if hit is None:
                raise IsfError(f"the symbol table has no {name}.{part}")
            offset += hit[0]
            ref = hit[1]
            name = str(ref.get("name", ""))
        return FieldLoc(offset, self.sizeof(ref))

    def symbol(self, name: str) -> int | None:
        s = self.symbols.get(name)
        if s is None:
            return None
        return _int(_obj(s, f"symbol {name}: ").get("address"), f"symbol {name}: address")


def layout_from_isf(path: Path | str, version: str = "") -> KernelLayout:
    """A KernelLayout from an ISF file; IsfError names the file and what is missing or
    of the wrong type."""
    try:
        return _layout(Isf(read_isf(path)), path, version)
    except IsfError as err:
        if str(err).startswith("--symbols "):
            raise
        raise IsfError(f"--symbols {path}: {err}") from err


def _layout(isf: Isf, path: Path | str, version: str) -> KernelLayout:
    current = isf.symbol("current_task")
    via = "current_task"
    if current is None:  # 6.2 .. 6.14: the pointer lives in struct pcpu_hot
        hot = isf.symbol("pcpu_hot")
        if hot is None:
            raise IsfError(f"--symbols {path}: neither current_task nor pcpu_hot is a symbol")
        current = hot + isf.member("pcpu_hot", "current_task").offset
        via = "pcpu_hot.current_task"
    task = isf._struct("task_struct")
    locs = {name: isf.member("task_struct", name) for name in _TASK_FIELDS}
    for name, want in _TASK_FIELDS.items():
        if want is not None and locs[name].size != want:
            raise IsfError(f"task_struct.{name} is {locs[name].size} bytes, expected {want}")
    locs.update({key: isf.member("cred", member) for key, member in _CRED_FIELDS.items()})
    try:
        fdwalk = {key: isf.member(s, m).offset for key, (s, m) in FDWALK_FIELDS.items()}
    except IsfError:
        fdwalk = {}
    return KernelLayout(
        version=version,
        release=version.split(" ", 1)[0],
        sha256="",
        percpu_task=current,
        percpu_task_via=via,
        percpu_section_addr=0,
        task_struct_size=_int(task.get("size", 0), "struct task_struct: size"),
        fdwalk=fdwalk,
        **locs,
    )
