"""The ISF (volatility3 symbol table) backend: the same layout as BTF gives, real kernels."""

from __future__ import annotations

import io
import json
import lzma

import pytest
from elftools.elf.elffile import ELFFile
from isf_util import isf_from_btf
from test_kernel_real import _kernel  # the real kernels, or a clear failure

from vmstrace.capture.spec import task_read
from vmstrace.kernel.btf import Btf
from vmstrace.kernel.bzimage import extract_vmlinux
from vmstrace.kernel.fdwalk import FIELDS
from vmstrace.kernel.isf import IsfError, layout_from_isf
from vmstrace.kernel.layout import layout_from_btf

STRUCTS = {s for s, _ in FIELDS.values()} | {"task_struct", "cred", "pcpu_hot", "sock_common"}


def _btf(path):
    _, vmlinux = extract_vmlinux(path)
    return Btf(ELFFile(io.BytesIO(vmlinux)).get_section_by_name(".BTF").data())


@pytest.mark.parametrize("line", ["6.1", "6.12"])
def test_isf_layout_equals_the_btf_layout(line, tmp_path):
    btf = _btf(_kernel(line))
    structs = {s for s in STRUCTS if s != "pcpu_hot" or line == "6.12"}
    doc = isf_from_btf(btf, structs)
    path = tmp_path / "kernel.json.xz"
    path.write_bytes(lzma.compress(json.dumps(doc).encode()))
    from_isf = layout_from_isf(path)
    from_btf = layout_from_btf(btf)
    assert from_isf.percpu_task == from_btf.percpu_task
    assert task_read(from_isf) == task_read(from_btf)
    assert from_isf.fdwalk == from_btf.fdwalk


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
