"""--symbols: attribution from a volatility3 ISF file instead of the kernel's BTF, and the
degraded CR3-only mode for a kernel with neither."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from vmstrace.core.files import cache_dir
from vmstrace.guest.kernel import fetch_default_kernel
from vmstrace.kernel.btf import Btf
from vmstrace.kernel.bzimage import extract_vmlinux
from vmstrace.kernel.errors import NoBTF
from vmstrace.kernel.fdwalk import FIELDS
from vmstrace.run import RunOptions, prepare_guest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from isf_util import isf_from_btf  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def isf_file(tmp_path_factory):
    _, vmlinux = extract_vmlinux(fetch_default_kernel(cache_dir()))
    btf = Btf(ELFFile(io.BytesIO(vmlinux)).get_section_by_name(".BTF").data())
    structs = {s for s, _ in FIELDS.values()} | {
        "task_struct",
        "cred",
        "sock_common",
        "hlist_bl_node",
    }
    doc = isf_from_btf(btf, structs)
    path = tmp_path_factory.mktemp("isf") / "debian-6.1.json"
    path.write_text(json.dumps(doc))
    return path


def test_symbols_file_gives_the_same_attribution(vmstrace, isf_file):
    t = vmstrace(["/vmstrace/bin/probe-basic"], "--symbols", str(isf_file), "-y")
    assert t.returncode == 0, t.stderr
    pid = t.events[0]["pid"]
    assert {(e["pid"], e["tid"], e["comm"]) for e in t.events[1:]} == {(pid, pid, "probe-basic")}
    assert f'[pid {pid}] read(3</etc/hostname>, "vmstrace-guest\\n", 255) = 15' in t.text


def test_missing_symbols_file_is_an_error(vmstrace):
    t = vmstrace(["/bin/true"], "--symbols", "/no/such.json")
    assert t.returncode == 2
    assert "--symbols: /no/such.json does not exist" in t.stderr


def test_kernel_without_btf_degrades_to_cr3_with_a_warning(monkeypatch, tmp_path):
    import vmstrace.run as session

    def no_btf(path, cache, symbols):
        assert symbols is None
        raise NoBTF(path, "6.1-test")

    warnings: list[str] = []
    monkeypatch.setattr(session, "load_layout", no_btf)
    opts = RunOptions(argv=["/bin/true"], warn=warnings.append)
    _, spec = prepare_guest(opts, tmp_path)
    assert opts.trace_all is True
    assert spec is not None and "task_ptr" not in spec and "\nsys 64 257 " in spec
    (warning,) = warnings
    assert "has no .BTF section" in warning and "CR3" in warning and "--symbols" in warning
