"""The constants and layouts Python shares with the capture plugin come from its headers.

vmstrace.core.abi reads them from the compiled ``_abi`` (built from native/vmstrace_records.h
and native/vmstrace_spec.h); these tests hold the rest of the package to it: the reader's
struct formats put every field where the plugin's compiler does, the Python tables that go
with the header's lists cover them in order, the stub mypy reads names what the module
exports, no module keeps its own copy of a shared constant, and the numbers the record
format's documentation states are the header's.
"""

from __future__ import annotations

import ast
import struct
from pathlib import Path
from typing import get_args

import pytest

from vmstrace.capture import records, ring
from vmstrace.capture.spec import Capture, Kind
from vmstrace.core import abi
from vmstrace.decode import fdpath
from vmstrace.kernel.fdwalk import FIELDS, render_fdwalk

SRC = Path(abi.__file__).resolve().parents[1]
HELPERS = {"field_names", "offset", "record_struct"}
CONSTANTS = sorted(set(abi.__all__) - HELPERS)

# The structs as the reader (and the fuzzer's writer) uses them, with the codes for the
# fields that are not one unsigned integer.
STRUCTS = {
    "stream_hdr": (records.STREAM_HDR, {"magic": "8s"}),
    "rec_hdr": (records.REC_HDR, {}),
    "entry": (records.ENTRY, {"args": "6Q"}),
    "exit": (records.EXIT, {}),
    "stats": (records.STATS, {}),
    "blob_hdr": (records.BLOB_HDR, {}),
    "ring_hdr": (ring.HEADER, {"magic": "8s"}),
    "fd_hdr": (fdpath.HEADER, {}),
    "fd_socket": (fdpath.SOCKET, {}),
}


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_every_field_packs_at_the_headers_offset(name: str) -> None:
    st, codes = STRUCTS[name]
    fields, size = abi.LAYOUTS[name]
    assert set(STRUCTS) == set(abi.LAYOUTS)
    assert st.size == size
    # each field gets a value whose bytes say which field it is: field k's bytes are k + 1
    values: list[object] = []
    for k, (field, _off, width) in enumerate(fields):
        code = codes.get(field)
        if code == "8s":
            values.append(bytes([k + 1]) * width)
        elif code == "6Q":
            values.extend([int.from_bytes(bytes([k + 1]) * 8, "little")] * 6)
        else:
            assert code is None, f"{name}.{field}: no check for {code!r}"
            values.append(int.from_bytes(bytes([k + 1]) * width, "little"))
    packed = st.pack(*values)
    covered = 0
    for k, (field, off, width) in enumerate(fields):
        assert packed[off : off + width] == bytes([k + 1]) * width, f"vmst_{name}.{field}"
        covered += width
    # what no field covers is padding, and packs as zeros
    assert packed.count(0) == size - covered


def test_record_struct_refuses_a_code_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="vmst_entry.args"):
        abi.record_struct("entry", args="5Q")


def test_ring_counters_are_at_the_headers_offsets() -> None:
    assert (ring.HEAD, ring.TAIL, ring.WAITING, ring.CLOSED, ring.STALLED_NS) == tuple(
        abi.offset("ring_hdr", f) for f in ("head", "tail", "waiting", "closed", "stalled_ns")
    )
    with pytest.raises(KeyError):
        abi.offset("ring_hdr", "no_such_field")


def test_fdwalk_table_covers_the_plugins_keys_in_order() -> None:
    # the plugin's enum and name table are one X-macro list (VMST_FDWALK_KEYS); the Python
    # table says which struct member each key is
    assert tuple(FIELDS) == abi.FDWALK_KEYS
    line = render_fdwalk({k: i for i, k in enumerate(abi.FDWALK_KEYS)})
    assert line.split()[0] == "fdwalk"
    assert [t.split("=")[0] for t in line.split()[1:]] == list(abi.FDWALK_KEYS)


def test_capture_kinds_are_the_plugins() -> None:
    # the plugin's enum kind and its word table are one X-macro list (VMST_SPEC_KINDS); the
    # type checker's Literal spells the same words out
    assert get_args(Kind) == abi.SPEC_KINDS
    with pytest.raises(ValueError, match="capture kind 'bytes'"):
        Capture("bytes", "entry")  # type: ignore[arg-type]


def test_record_abi_codes_name_the_abis() -> None:
    assert records.ABIS[abi.ABI_X86_64] == "x86_64"
    assert records.ABIS[abi.ABI_I386] == "i386"


def test_the_stub_names_what_the_module_exports() -> None:
    stub = ast.parse((SRC / "core" / "_abi.pyi").read_text())
    declared = {
        n.target.id
        for n in stub.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    assert declared == set(CONSTANTS)
    for name in CONSTANTS:
        assert getattr(abi, name) is not None


def _arithmetic(node: ast.expr) -> object:
    """The value of a literal expression (``1 << 16``, ``48 + 13 * 8``), else None."""
    allowed = (ast.Expression, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop)
    tree = ast.Expression(node)
    if not all(isinstance(n, allowed) for n in ast.walk(tree)):
        return None
    return eval(compile(tree, "<literal>", "eval"), {"__builtins__": {}})


def _module_level_values(path: Path) -> dict[str, object]:
    out = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and node.value is not None:
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(node.target, node.value)]
        else:
            continue
        for target, value in pairs:
            if isinstance(target, ast.Name):
                out[target.id] = _arithmetic(value)
            elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
                for t, v in zip(target.elts, value.elts, strict=False):
                    if isinstance(t, ast.Name):
                        out[t.id] = _arithmetic(v)
    return out


# the names the shared constants had before they were read from the header
FORMER_COPIES = {
    "SIGFRAME_ARG",
    "RAX_ARG",
    "RET_FD_ARG",
    "EXE_ARG",
    "MSG_NAME",
    "MSG_IOV",
    "MAX_COMPONENTS",
}


def test_no_module_keeps_its_own_copy() -> None:
    # a module-level name of the header's, or a former one, bound to a literal of the
    # header's value: a copy that the next change to the header leaves behind
    copies = []
    for path in SRC.rglob("*.py"):
        if path.name == "abi.py":
            continue
        for name, value in _module_level_values(path).items():
            if name in FORMER_COPIES or (
                name in CONSTANTS and value is not None and value == getattr(abi, name)
            ):
                copies.append(f"{path.relative_to(SRC)}: {name} = {value!r}")
    assert not copies, "import these from vmstrace.core.abi instead"


def test_the_copy_check_sees_a_copy(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("MAX_BYTES = 1 << 16\nA, FRAME_RAX = 1, 48 + 13 * 8\nMAGIC = b'070701'\n")
    values = _module_level_values(module)
    assert values == {
        "MAX_BYTES": abi.MAX_BYTES,
        "A": 1,
        "FRAME_RAX": abi.FRAME_RAX,
        "MAGIC": b"070701",
    }


# What docs/event-format.md states, section by section.
DOCUMENTED = {
    "VERSION": 3,
    "ABI_X86_64": 0,
    "ABI_I386": 1,
    "SPEC_HEADER": "vmstrace-spec 1",
    "MAGIC": b"VMSTRACE",
    "RING_MAGIC": b"VMSTRING",
    "RING_VERSION": 1,
    "RING_DATA_OFF": 4096,
    "REC_ENTRY": 1,
    "REC_EXIT": 2,
    "REC_STATS": 3,
    "ENTRY_PC_UNSURE": 1,
    "EXIT_ELSEWHERE": 1,
    "EXIT_RESTART": 2,
    "ARG_SIGFRAME": 6,
    "SIGFRAME_BYTES": 440,
    "ARG_RETFD": 7,
    "ARG_EXE": 8,
    "ARG_RAX": 9,
    "BLOB_FAULT": 1,
    "BLOB_TRUNC": 2,
    "BLOB_EXIT": 4,
    "BLOB_ARRAY": 8,
    "INDEX_TOP": 0xFFFF,
    "INDEX_MSG_NAME": 0x8000,
    "INDEX_MSG_CONTROL": 0x8001,
    "INDEX_MSG_IOV": 0x8002,
    "INDEX_MSG_FDS": 0x8100,
    "MAX_MMSG": 64,
    "MAX_MMSG_IOV": 256,
    "MAX_BYTES": 64 << 10,
    "MAX_ELEMS": 1024,
    "MAX_RECORD_BLOBS": 1 << 20,
    "MAX_FDARR": 2,
    "MAX_FDLIST": 64,
    "MAX_FDBITS": 1024,
    "FD_CUT": 1,
    "FD_DELETED": 2,
    "FD_PSEUDO": 4,
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_the_documented_values_are_the_headers(name: str) -> None:
    assert getattr(abi, name) == DOCUMENTED[name]


def test_the_documented_sizes_are_the_headers() -> None:
    sizes = {name: abi.LAYOUTS[name][1] for name in abi.LAYOUTS}
    assert (sizes["stream_hdr"], sizes["rec_hdr"], sizes["entry"], sizes["exit"]) == (
        16,
        16,
        104,
        80,
    )
    assert abi.field_names("stats") == (
        "entries",
        "exits",
        "records",
        "bytes",
        "dropped",
        "orphan_exits",
        "pending",
        "evicted_pending",
        "evicted_threads",
    )
    assert struct.calcsize("<" + "Q" * 9) == sizes["stats"]
