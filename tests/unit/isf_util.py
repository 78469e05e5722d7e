"""Writes a volatility3-style ISF document from BTF, the way dwarf2json lays one out
(anonymous struct/union types named ``unnamed_<id>``, pointers with the type they point
to, per-CPU symbols at their offsets with their types),
so the ISF backend is tested on a full-size, real kernel's types."""

from __future__ import annotations

from typing import Any

from vmstrace.kernel.btf import PERCPU_SECTION, Btf, Kind

QUALIFIERS = {Kind.TYPEDEF, Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.TYPE_TAG}


def _name(t) -> str:
    return t.name or f"unnamed_{t.id}"


def _ref(btf: Btf, tid: int, depth: int = 0) -> dict[str, Any]:
    t = btf.type(tid) if tid else None
    while t is not None and t.kind in QUALIFIERS and depth < 32:
        t = btf.type(t.type_id) if t.type_id else None
        depth += 1
    if t is None:
        return {"kind": "base", "name": "void"}
    if t.kind is Kind.PTR:
        return {"kind": "pointer", "subtype": _ref(btf, t.type_id, depth + 1)}
    if t.kind is Kind.FWD:
        return {"kind": "union" if t.kind_flag else "struct", "name": t.name}
    if t.kind is Kind.ARRAY:
        return {"kind": "array", "count": t.array_nelems, "subtype": _ref(btf, t.array_type)}
    if t.kind in (Kind.STRUCT, Kind.UNION):
        return {"kind": t.kind.name.lower(), "name": _name(t)}
    if t.kind in (Kind.ENUM, Kind.ENUM64):
        return {"kind": "enum", "name": _name(t)}
    return {"kind": "base", "name": t.name or "void"}


def isf_from_btf(btf: Btf, structs: set[str]) -> dict[str, Any]:
    user_types: dict[str, Any] = {}
    base: dict[str, Any] = {"void": {"size": 0, "signed": False, "kind": "void"}}
    todo = [btf.find_struct(s) for s in structs]
    while todo:
        t = todo.pop()
        if _name(t) in user_types:
            continue
        fields = {}
        for m in t.members:
            ref = _ref(btf, m.type_id)
            field: dict[str, Any] = {"offset": m.bit_offset // 8, "type": ref}
            if not m.name:
                field["anonymous"] = True
            fields[m.name or f"unnamed_field_{m.bit_offset}"] = field
            target = btf.resolve(m.type_id)
            if target.kind in (Kind.STRUCT, Kind.UNION) and (not m.name or not target.name):
                todo.append(target)
            inner = ref
            while inner.get("kind") == "array":
                inner = inner["subtype"]
            if inner.get("kind") == "base" and inner["name"] != "void":
                base[inner["name"]] = {
                    "size": btf.sizeof(btf.find(inner["name"], Kind.INT)),
                    "signed": True,
                    "kind": "int",
                }
        user_types[_name(t)] = {"kind": t.kind.name.lower(), "size": t.size, "fields": fields}
    symbols = {}
    for sec in btf.datasecs():
        if sec.name == PERCPU_SECTION:
            for info in sec.secinfos:
                var = btf.type(info.type_id)
                symbols[var.name] = {"address": info.offset, "type": _ref(btf, var.type_id)}
    return {
        "metadata": {"format": "6.2.0"},
        "base_types": base,
        "user_types": user_types,
        "enums": {},
        "symbols": symbols,
    }
