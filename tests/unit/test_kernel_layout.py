"""KernelLayout from crafted kernels: both ways of finding the current task, the TaskRead
handed to the plugin, the JSON cache, and the errors for kernels we cannot use."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from isf_util import isf_from_btf
from test_kernel_btf import BtfBuilder, tiny_kernel
from test_kernel_bzimage import BANNER, compress_payload, make_bzimage, tiny_elf

from vmstrace.capture.spec import TaskRead, task_read
from vmstrace.kernel import layout as layout_mod
from vmstrace.kernel.btf import Btf, BtfTypes, Kind
from vmstrace.kernel.errors import LayoutError, NoBTF, TypeLookupError
from vmstrace.kernel.isf import IsfTypes
from vmstrace.kernel.kallsyms import Kallsyms, KallsymsError
from vmstrace.kernel.layout import (
    FieldLoc,
    KernelLayout,
    cache_path,
    find_percpu_task,
    layout_from,
    load_layout,
)
from vmstrace.kernel.types import KernelTypes, PerCpuVar, StructMember


def layout_from_btf(btf: Btf, **kwargs: str) -> KernelLayout:
    return layout_from(BtfTypes(btf), **kwargs)


def _btf(pcpu_hot: bool = False, current_off: int = 0) -> Btf:
    b = BtfBuilder()
    tiny_kernel(b, pcpu_hot=pcpu_hot, current_off=current_off)
    return Btf(b.build())


EXPECTED_TASK = dict(
    task_struct_size=80,
    pid=FieldLoc(8, 4),
    tgid=FieldLoc(12, 4),
    comm=FieldLoc(56, 16),
    real_parent=FieldLoc(16, 8),
    mm=FieldLoc(24, 8),
    flags=FieldLoc(4, 4),
    start_time=FieldLoc(32, 8),
    cred=FieldLoc(40, 8),
    files=FieldLoc(48, 8),
    cred_uid=FieldLoc(4, 4),
    cred_euid=FieldLoc(20, 4),
)


def test_layout_current_task_variable() -> None:  # 6.1 and earlier, 6.15 and later
    layout = layout_from_btf(_btf(), version=BANNER, sha256="ab" * 32)
    assert layout == KernelLayout(
        version=BANNER,
        release="6.1.0-99-test-amd64",
        sha256="ab" * 32,
        percpu_task=0x1FB80,
        percpu_task_via="current_task",
        percpu_section_addr=0,
        **EXPECTED_TASK,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("member_off", "section_addr"), [(0, 0), (8, 0), (0, 0x1000)])
def test_layout_pcpu_hot_member(member_off: int, section_addr: int) -> None:  # 6.2 – 6.14
    btf = _btf(pcpu_hot=True, current_off=member_off)
    assert find_percpu_task(BtfTypes(btf, section_addr)) == (
        section_addr + 0x35000 + member_off,
        "pcpu_hot.current_task",
    )


# -- the current task through the kernel-types interface ------------------------------


class CraftedTypes:
    """A KernelTypes answering from tables, to reach every branch of the detection."""

    source = "the crafted types"

    def __init__(
        self,
        percpu: dict[str, PerCpuVar],
        members: dict[tuple[str, str], StructMember] | None = None,
        percpu_base: int = 0,
    ) -> None:
        self.percpu, self.members, self.percpu_base = percpu, members or {}, percpu_base

    def struct_size(self, name: str) -> int:
        raise TypeLookupError(f"no struct {name}")

    def member(self, struct: str, path: str) -> StructMember:
        if (struct, path) not in self.members:
            raise TypeLookupError(f"no {struct}.{path}")
        return self.members[(struct, path)]

    def percpu_var(self, name: str) -> PerCpuVar | None:
        return self.percpu.get(name)


TASK_PTR = "struct task_struct *"
HOT = PerCpuVar(0x35000, "struct pcpu_hot")
HOT_MEMBER = {("pcpu_hot", "current_task"): StructMember(8, 8, TASK_PTR)}


@pytest.mark.parametrize(
    ("types", "found"),
    [
        (CraftedTypes({"current_task": PerCpuVar(0x1FB80, TASK_PTR)}), (0x1FB80, "current_task")),
        # a hand-made ISF may not give a symbol's type: taken at its word
        (CraftedTypes({"current_task": PerCpuVar(0x1FB80, None)}), (0x1FB80, "current_task")),
        (CraftedTypes({"pcpu_hot": HOT}, HOT_MEMBER), (0x35008, "pcpu_hot.current_task")),
        (
            CraftedTypes({"pcpu_hot": PerCpuVar(0x35000, None)}, HOT_MEMBER, percpu_base=0x1000),
            (0x36008, "pcpu_hot.current_task"),
        ),
        # both: current_task, the variable of its own, is taken
        (
            CraftedTypes({"current_task": PerCpuVar(0x40, TASK_PTR), "pcpu_hot": HOT}, HOT_MEMBER),
            (0x40, "current_task"),
        ),
    ],
)
def test_current_task_detection(types: KernelTypes, found: tuple[int, str]) -> None:
    assert find_percpu_task(types) == found


@pytest.mark.parametrize(
    ("types", "message"),
    [
        (CraftedTypes({}), "^neither current_task nor pcpu_hot is a per-CPU variable in the "),
        (
            CraftedTypes({"current_task": PerCpuVar(0x40, "")}),
            "^per-CPU current_task is not a struct task_struct pointer$",
        ),
        (
            CraftedTypes({"pcpu_hot": PerCpuVar(0x40, "struct other")}, HOT_MEMBER),
            "^per-CPU pcpu_hot is not a struct pcpu_hot$",
        ),
        (
            CraftedTypes({"pcpu_hot": HOT}),
            "^per-CPU pcpu_hot has no current_task member: no pcpu_hot.current_task$",
        ),
        (
            CraftedTypes({"pcpu_hot": HOT}, {("pcpu_hot", "current_task"): StructMember(8, 8, "")}),
            "^pcpu_hot.current_task is not a struct task_struct pointer$",
        ),
    ],
)
def test_current_task_detection_refuses(types: KernelTypes, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        find_percpu_task(types)


@pytest.mark.parametrize("pcpu_hot", [False, True])
def test_btf_and_isf_of_one_crafted_kernel_agree(pcpu_hot: bool) -> None:
    btf = _btf(pcpu_hot=pcpu_hot, current_off=16)
    structs = {"task_struct", "cred"} | ({"pcpu_hot"} if pcpu_hot else set())
    isf = IsfTypes(isf_from_btf(btf, structs))
    assert layout_from(isf) == layout_from(BtfTypes(btf))
    assert find_percpu_task(isf) == (
        (0x35010, "pcpu_hot.current_task") if pcpu_hot else (0x1FB80, "current_task")
    )


def test_task_read_order_matches_task_bytes() -> None:
    # pid, tgid, comm, start_time; real_parent->tgid, cred->uid, cred->euid
    assert task_read(layout_from_btf(_btf())) == TaskRead(
        percpu_task=0x1FB80,
        fields=((8, 4), (12, 4), (56, 16), (32, 8)),
        derefs=((16, 12, 4), (40, 4, 4), (40, 20, 4)),
    )


def test_json_round_trip() -> None:
    layout = layout_from_btf(_btf(pcpu_hot=True), version=BANNER, sha256="cd" * 32)
    doc = json.loads(json.dumps(layout.to_json()))
    assert doc["schema"] == layout_mod.SCHEMA
    assert KernelLayout.from_json(doc) == layout


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema=0), "schema"),
        (lambda d: d.pop("pid"), "pid"),
        (lambda d: d.update(percpu_task="0x10"), "not an integer"),
    ],
)
def test_json_rejects_malformed(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = layout_from_btf(_btf()).to_json()
    mutate(doc)
    with pytest.raises((ValueError, TypeError, KeyError), match=message):
        KernelLayout.from_json(doc)


def _no_percpu_datasec() -> Btf:
    b = BtfBuilder()
    tiny_kernel(b)
    # Rename the .data..percpu DATASEC's name to something else.
    b.strings = b.strings.replace(b".data..percpu\0", b".data..zzzzzz\0")
    return Btf(b.build())


def _symbols(*syms: tuple[str, int]) -> Callable[[], Kallsyms]:
    """The kernel_symbols of a BtfTypes: a zero-based per-CPU area of 0x40000 bytes."""
    named = (("__per_cpu_start", 0), *syms, ("__per_cpu_end", 0x40000))
    return lambda: Kallsyms(
        tuple(n for n, _ in named), "A" * len(named), tuple(a for _, a in named)
    )


def _no_datasec(pcpu_hot: bool = False) -> Btf:
    b = BtfBuilder()
    tiny_kernel(b, pcpu_hot=pcpu_hot, current_off=16)
    b.strings = b.strings.replace(b".data..percpu\0", b".data..zzzzzz\0")
    return Btf(b.build())


@pytest.mark.parametrize(
    ("pcpu_hot", "syms", "found"),
    [
        (False, [("current_task", 0x1FB80)], (0x1FB80, "current_task")),
        (True, [("pcpu_hot", 0x35000)], (0x35010, "pcpu_hot.current_task")),
    ],
)
def test_btf_without_percpu_section_takes_the_kernels_symbols(
    pcpu_hot: bool, syms: list[tuple[str, int]], found: tuple[int, str]
) -> None:
    types = BtfTypes(_no_datasec(pcpu_hot), 0, _symbols(*syms))
    assert find_percpu_task(types) == found
    assert types.percpu_var(syms[0][0]) == PerCpuVar(syms[0][1], None)  # no type in kallsyms


def _no_kallsyms() -> Kallsyms:
    raise KallsymsError("no kallsyms_token_table")


@pytest.mark.parametrize(
    ("symbols", "message"),
    [
        (_no_kallsyms, r"\(pahole too old\?\), so .* \(kallsyms: no kallsyms_token_table\)$"),
        (
            lambda: Kallsyms(("current_task",), "D", (0x1FB80,)),
            r"\(kallsyms: no __per_cpu_start/__per_cpu_end\)$",
        ),
    ],
)
def test_btf_without_percpu_section_nor_usable_symbols(
    symbols: Callable[[], Kallsyms], message: str
) -> None:
    with pytest.raises(LayoutError, match="^the kernel's BTF has no .data..percpu section: "):
        find_percpu_task(BtfTypes(_no_datasec(), 0, symbols))
    with pytest.raises(LayoutError, match=message):
        find_percpu_task(BtfTypes(_no_datasec(), 0, symbols))


def test_kernel_symbols_outside_the_percpu_area_are_not_percpu() -> None:
    types = BtfTypes(_no_datasec(), 0, _symbols(("current_task", 0x40000)))
    with pytest.raises(LayoutError, match="^neither current_task nor pcpu_hot is a per-CPU "):
        find_percpu_task(types)


def _no_task_var() -> Btf:
    b = BtfBuilder()
    tiny_kernel(b)
    b.strings = b.strings.replace(b"current_task\0", b"current_tosk\0")
    return Btf(b.build())


def _current_task_only(b: BtfBuilder, task: int) -> None:
    """The per-CPU current_task, pointing at type ``task``."""
    b.datasec(".data..percpu", 8, [(b.var("current_task", b.ref(Kind.PTR, task)), 0, 8)])


def _no_task_struct() -> Btf:
    b = BtfBuilder()
    _current_task_only(b, b.add(Kind.FWD, "task_struct"))
    return Btf(b.build())


def _small_comm() -> Btf:
    b = BtfBuilder()
    char = b.int_("char", 1)
    task = b.compound(
        Kind.STRUCT,
        "task_struct",
        8,
        [("pid", b.int_("int", 4), 0, 0), ("comm", b.array(char, char, 4), 32, 0)],
    )
    _current_task_only(b, task)
    return Btf(b.build())


@pytest.mark.parametrize(
    ("btf", "message"),
    [
        (lambda: Btf(BtfBuilder().build()), "has no .data..percpu section"),
        (_no_task_struct, "^the kernel's BTF has no struct task_struct$"),
        (_no_percpu_datasec, "has no .data..percpu section"),
        (_no_task_var, "neither current_task nor pcpu_hot"),
        (_small_comm, "cannot locate task_struct.tgid"),
    ],
)
def test_unusable_kernels(btf, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LayoutError, match=message):
        layout_from_btf(btf())


def test_comm_size_checked() -> None:
    b = BtfBuilder()
    tiny_kernel(b)
    # comm is char[16]: make the array char[8] (its nelems is the record's last u32).
    ids = [i for i, r in enumerate(b.records, 1) if struct.unpack_from("<I", r, 4)[0] >> 24 == 3]
    rec = b.records[ids[0] - 1]
    b.records[ids[0] - 1] = rec[:-4] + struct.pack("<I", 8)
    with pytest.raises(LayoutError, match="task_struct.comm is 8 bytes, expected 16"):
        layout_from_btf(Btf(b.build()))


# -- load_layout on a crafted bzImage --------------------------------------------------


def _write_kernel(path: Path, kind: str = "zstd", with_btf: bool = True) -> Path:
    b = BtfBuilder()
    tiny_kernel(b, pcpu_hot=kind == "zstd")
    sections = {".text": (0xFFFFFFFF81000000, b"\x90" * 16), ".data..percpu": (0, b"\0" * 64)}
    if with_btf:
        sections[".BTF"] = (0xFFFFFFFF82000000, b.build())
    path.write_bytes(make_bzimage(compress_payload(kind, tiny_elf(sections))))
    return path


@pytest.mark.parametrize(("kind", "percpu"), [("lz4", 0x1FB80), ("zstd", 0x35000)])
def test_load_layout_then_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, percpu: int
) -> None:
    kernel = _write_kernel(tmp_path / "vmlinuz", kind)
    first = load_layout(kernel, tmp_path / "cache")
    assert (first.percpu_task, first.release) == (percpu, "6.1.0-99-test-amd64")
    assert cache_path(tmp_path / "cache", first.sha256).is_file()

    def no_decompress(*_: object) -> bytes:
        raise AssertionError("the cached load decompressed the kernel")

    monkeypatch.setattr(layout_mod, "decompress", no_decompress)
    assert load_layout(kernel, tmp_path / "cache") == first


def test_corrupt_cache_entry_is_rebuilt(tmp_path: Path) -> None:
    kernel = _write_kernel(tmp_path / "vmlinuz")
    first = load_layout(kernel, tmp_path / "cache")
    entry = cache_path(tmp_path / "cache", first.sha256)
    entry.write_text("{not json")
    assert load_layout(kernel, tmp_path / "cache") == first
    assert KernelLayout.from_json(json.loads(entry.read_text())) == first


def test_kernel_without_btf(tmp_path: Path) -> None:
    kernel = _write_kernel(tmp_path / "vmlinuz", with_btf=False)
    with pytest.raises(NoBTF) as e:
        load_layout(kernel, tmp_path / "cache")
    assert str(e.value) == (
        f"kernel 6.1.0-99-test-amd64 ({kernel}) has no .BTF section "
        "(needs CONFIG_DEBUG_INFO_BTF=y); use a kernel built with BTF, "
        "such as Debian's linux-image-*-cloud-amd64"
    )
