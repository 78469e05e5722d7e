"""KernelLayout on the real Debian cloud kernels in the cache (6.1 and backports 6.12).

These do not skip: a missing kernel is a failure that says how to fetch it.  Besides
sanity checks on the offsets, the per-CPU offset of the current task is cross-checked
against the kernel's own machine code: it must be the per-CPU address the kernel loads
most often through %gs (``current`` is everywhere), after the stack canary at %gs:0x28.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from vmstrace.capture.spec import task_read
from vmstrace.kernel import layout as layout_mod
from vmstrace.kernel.btf import Btf, BtfTypes
from vmstrace.kernel.bzimage import extract_vmlinux
from vmstrace.kernel.kallsyms import find_kallsyms
from vmstrace.kernel.layout import KernelLayout, layout_from, load_layout
from vmstrace.trace.attribution import TASK_BYTES

CACHE = Path(os.environ.get("VMSTRACE_CACHE", Path.home() / ".cache" / "vmstrace"))

# line -> how that kernel line keeps the current task (see vmstrace.kernel.layout)
LINES = {"6.1": "current_task", "6.12": "pcpu_hot.current_task"}


def _kernel(line: str) -> Path:
    found = sorted((CACHE / "kernels").glob(f"{line}.*-cloud-amd64/root/boot/vmlinuz-*"))
    if not found:
        pytest.fail(
            f"no Debian {line} cloud kernel under {CACHE / 'kernels'}: run `make guest`, "
            "which downloads the guest kernels (the 6.12 line comes from bookworm-backports: "
            "vmstrace.guest.kernel.fetch_default_kernel(cache, line='6.12'))",
            pytrace=False,
        )
    return found[-1]


@pytest.fixture(scope="module", params=sorted(LINES))
def kernel(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, KernelLayout, Path]:
    line = request.param
    path = _kernel(line)
    cache = tmp_path_factory.mktemp(f"layout-{line}")
    return line, path, load_layout(path, cache), cache


def test_offsets_are_plausible(kernel: tuple[str, Path, KernelLayout, Path]) -> None:
    line, path, layout, _ = kernel
    assert layout.release == path.name.removeprefix("vmlinuz-")
    assert layout.release.startswith(line + ".")
    assert layout.percpu_task_via == LINES[line]
    assert layout.percpu_section_addr == 0  # zero-based per-CPU on x86-64 up to 6.14
    assert layout.percpu_task > 0
    for name in ("pid", "tgid", "comm", "real_parent", "mm", "start_time", "cred", "files"):
        loc = getattr(layout, name)
        assert 0 < loc.offset and loc.offset + loc.size <= layout.task_struct_size, name
    assert layout.flags.offset > 0
    assert (layout.pid.size, layout.tgid.size, layout.comm.size, layout.real_parent.size) == (
        4,
        4,
        16,
        8,
    )
    assert layout.tgid.offset == layout.pid.offset + 4
    read = task_read(layout)
    assert read.nbytes == TASK_BYTES.size
    assert read.derefs == (
        (layout.real_parent.offset, layout.tgid.offset, 4),
        (layout.cred.offset, layout.cred_uid.offset, 4),
        (layout.cred.offset, layout.cred_euid.offset, 4),
    )
    assert layout.cred_euid.offset == layout.cred_uid.offset + 16  # uid gid suid sgid euid


def test_cached_load_skips_decompression(
    kernel: tuple[str, Path, KernelLayout, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path, layout, cache = kernel

    def no_decompress(*_: object) -> bytes:
        raise AssertionError("the cached load decompressed the kernel")

    monkeypatch.setattr(layout_mod, "decompress", no_decompress)
    assert load_layout(path, cache) == layout


_GS_ABS = re.compile(rb"\x65\x48\x8b[\x04\x0c\x14\x1c\x24\x2c\x34\x3c]\x25(.{4})", re.S)
_GS_RIP = re.compile(rb"\x65\x48\x8b[\x05\x0d\x15\x1d\x25\x2d\x35\x3d](.{4})", re.S)


def _gs_load_targets(vmlinux: bytes) -> Counter[int]:
    """Per-CPU addresses of ``mov %gs:X, %r64`` in .text, absolute or RIP-relative."""
    text = ELFFile(io.BytesIO(vmlinux)).get_section_by_name(".text")
    assert text is not None
    base, data = text["sh_addr"], text.data()
    targets: Counter[int] = Counter()
    for m in _GS_ABS.finditer(data):  # 6.1: %gs:disp32
        targets[int.from_bytes(m.group(1), "little")] += 1
    for m in _GS_RIP.finditer(data):  # 6.12: %gs:sym(%rip), the section linked at 0
        disp = int.from_bytes(m.group(1), "little", signed=True)
        targets[(base + m.end() + disp) % (1 << 64)] += 1
    return targets


def test_percpu_task_matches_the_kernels_own_code(
    kernel: tuple[str, Path, KernelLayout, Path],
) -> None:
    _, path, layout, _ = kernel
    targets = _gs_load_targets(extract_vmlinux(path)[1])
    targets.pop(0x28, None)  # the stack protector canary
    assert targets.most_common(1)[0][0] == layout.percpu_task


def test_kernel_symbols_stand_in_for_a_missing_percpu_section(
    kernel: tuple[str, Path, KernelLayout, Path],
) -> None:
    """BTF from a pahole that wrote no .data..percpu DATASEC: kallsyms gives the same
    per-CPU addresses, and so the same layout."""
    _, path, layout, _ = kernel
    vmlinux = extract_vmlinux(path)[1]
    elf = ELFFile(io.BytesIO(vmlinux))
    blob = elf.get_section_by_name(".BTF").data()
    assert blob.count(b".data..percpu\0") == 1
    btf = Btf(blob.replace(b".data..percpu\0", b".data..zzzzzz\0"))
    rodata, text = elf.get_section_by_name(".rodata"), elf.get_section_by_name(".text")
    start, end = rodata["sh_offset"], rodata["sh_offset"] + rodata["sh_size"]
    types = BtfTypes(btf, 0, lambda: find_kallsyms(vmlinux, start, end, text["sh_addr"]))
    assert layout_from(types, version=layout.version, sha256=layout.sha256) == layout
