"""The ISF (volatility3 symbol table) backend: the same answers to the kernel-types
interface, and so the same layout, as the BTF of the same real kernel."""

from __future__ import annotations

import io
import json
import lzma

import pytest
from elftools.elf.elffile import ELFFile
from isf_util import isf_from_btf
from test_kernel_real import _kernel  # the real kernels, or a clear failure

from vmstrace.capture.spec import task_read
from vmstrace.kernel.btf import Btf, BtfTypes
from vmstrace.kernel.bzimage import extract_vmlinux
from vmstrace.kernel.errors import TypeLookupError
from vmstrace.kernel.fdwalk import FIELDS
from vmstrace.kernel.isf import IsfError, IsfTypes
from vmstrace.kernel.layout import CRED_FIELDS, TASK_FIELDS, layout_from, layout_from_isf

# what the layout asks about, and the types of those members (dwarf2json writes every type)
STRUCTS = {s for s, _ in FIELDS.values()} | {
    "task_struct",
    "cred",
    "pcpu_hot",
    "sock_common",
    "in6_addr",
    "hlist_bl_node",
}
LINES = ["6.1", "6.12"]


@pytest.fixture(scope="module", params=LINES)
def both(request):
    """(line, the kernel's BTF backend, an ISF backend made from that BTF)."""
    line = request.param
    _, vmlinux = extract_vmlinux(_kernel(line))
    btf = Btf(ELFFile(io.BytesIO(vmlinux)).get_section_by_name(".BTF").data())
    structs = {s for s in STRUCTS if s != "pcpu_hot" or line == "6.12"}
    return line, BtfTypes(btf), IsfTypes(isf_from_btf(btf, structs))


def test_isf_layout_equals_the_btf_layout(both, tmp_path):
    _, btf_types, isf_types = both
    path = tmp_path / "kernel.json.xz"
    doc = {"user_types": isf_types.types, "base_types": isf_types.base}
    path.write_bytes(lzma.compress(json.dumps({**doc, "symbols": isf_types.symbols}).encode()))
    from_isf = layout_from_isf(path)
    from_btf = layout_from(btf_types)
    assert from_isf.percpu_task == from_btf.percpu_task
    assert from_isf.percpu_task_via == from_btf.percpu_task_via
    assert task_read(from_isf) == task_read(from_btf)
    assert from_isf.fdwalk == from_btf.fdwalk
    assert len(from_btf.fdwalk) == len(FIELDS)


def _questions(line):
    """Every (struct, member path) the layout and the fd walk ask about."""
    asked = [("task_struct", name) for name in TASK_FIELDS]
    asked += [("cred", name) for name in CRED_FIELDS.values()]
    asked += list(FIELDS.values())
    if line == "6.12":
        asked.append(("pcpu_hot", "current_task"))
    return asked


def test_both_backends_answer_the_interface_alike(both):
    line, btf_types, isf_types = both
    for struct, path in _questions(line):
        assert isf_types.member(struct, path) == btf_types.member(struct, path), (struct, path)
        assert isf_types.struct_size(struct) == btf_types.struct_size(struct), struct
    assert btf_types.member("task_struct", "real_parent").type == "struct task_struct *"
    assert btf_types.member("task_struct", "comm").type == ""  # char[16]
    for var in ("current_task", "pcpu_hot", "no_such_percpu_var"):
        assert isf_types.percpu_var(var) == btf_types.percpu_var(var), var
    found = btf_types.percpu_var("pcpu_hot" if line == "6.12" else "current_task")
    assert found is not None and found.type in ("struct pcpu_hot", "struct task_struct *")
    assert btf_types.percpu_base == isf_types.percpu_base == 0


@pytest.mark.parametrize(
    "ask",
    [
        lambda t: t.struct_size("no_such_struct"),
        lambda t: t.member("task_struct", "no_such_member"),
        lambda t: t.member("task_struct", "comm.no_such_member"),
    ],
)
def test_both_backends_report_a_missing_name_alike(both, ask):
    _, btf_types, isf_types = both
    for types in (btf_types, isf_types):
        with pytest.raises(TypeLookupError):
            ask(types)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not json", "not a readable ISF JSON file"),
        (b"{}", "no user_types"),
        (json.dumps({"user_types": {}, "symbols": {}}).encode(), "neither current_task"),
        (
            json.dumps({"user_types": {}, "symbols": {"current_task": {"address": 1}}}).encode(),
            "has no struct task_struct",
        ),
    ],
)
def test_bad_isf_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(IsfError, match=message):
        layout_from_isf(path)
