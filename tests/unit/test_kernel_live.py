"""The guest kernel learnt from guest memory (kernel/live.py), on crafted RAM: hand-made
page tables (4- and 5-level, 2 MiB and 4 KiB pages, KPTI's PGD pair, RAM above 4 GiB),
hostile ones (loops, entries outside RAM, a huge span), the BTF and banner searches, and
the cache; and the multi-byte nops the switch walker steps over (kernel/x86switch.py)."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_kernel_btf import BtfBuilder, tiny_kernel

from vmstrace.kernel import live
from vmstrace.kernel.btf import Kind
from vmstrace.kernel.live import (
    BTF_HEADER,
    KERNEL_MAP,
    GuestRam,
    LiveKernelError,
    Run,
    cache_path,
    discover,
    find_banner,
    find_btf,
    kernel_image,
    mapped_runs,
)
from vmstrace.kernel.x86switch import _nop_length

P = 0x1  # present
RW = 0x2
PS = 0x80  # a huge page
K4, M2 = 1 << 12, 1 << 21
SLIDE = 0x3A00000  # _text 58 MiB into the kernel map (2 MiB aligned, as KASLR puts it)
TEXT = KERNEL_MAP + SLIDE
GIB4 = 1 << 32


class Machine:
    """Guest RAM under construction: ``low`` bytes at physical 0 and the rest at 4 GiB
    (guest/qemu.py's PC memory map), page tables allocated from ``tables_at`` on."""

    def __init__(self, size: int, low: int | None = None, levels: int = 4) -> None:
        self.mem = bytearray(size)
        self.low = size if low is None else low
        self.levels = levels
        self.next_table = 0x1000
        self.root = self.table()

    def off(self, pa: int) -> int:
        return pa if pa < self.low else self.low + pa - GIB4

    def table(self) -> int:
        pa, self.next_table = self.next_table, self.next_table + K4
        return pa

    def entry(self, table: int, index: int, value: int) -> None:
        struct.pack_into("<Q", self.mem, self.off(table) + 8 * index, value)

    def get(self, table: int, index: int) -> int:
        return int(struct.unpack_from("<Q", self.mem, self.off(table) + 8 * index)[0])

    def map(self, va: int, pa: int, size: int, root: int | None = None) -> None:
        """Maps [va, va+size) to [pa, pa+size) with pages of ``size`` (4 KiB or 2 MiB)
        one at a time, making the tables on the way."""
        leaf = 1 if size == K4 else 2
        table = self.root if root is None else root
        for level in range(self.levels, leaf, -1):
            i = (va >> (12 + 9 * (level - 1))) & 511
            e = self.get(table, i)
            if not e & P:
                e = self.table() | P | RW
                self.entry(table, i, e)
            table = e & live.PTE_ADDR
        i = (va >> (12 + 9 * (leaf - 1))) & 511
        self.entry(table, i, pa | P | RW | (PS if leaf == 2 else 0))

    def write(self, pa: int, data: bytes) -> None:
        self.mem[self.off(pa) : self.off(pa) + len(data)] = data

    def ram(self) -> GuestRam:
        return GuestRam(bytes(self.mem), self.low)


def standard(m: Machine, image_pa: int = 0x400000) -> bytes:
    """A 5 MiB kernel image at TEXT: two 2 MiB pages, then 1 MiB of 4 KiB pages (the
    last 4 KiB page's frame out of order, as after set_memory_*): returns its bytes."""
    image = bytes(i * 7 % 251 for i in range(5 << 20))
    m.map(TEXT, image_pa, M2)
    m.map(TEXT + M2, image_pa + M2, M2)
    for k in range(255):
        m.map(TEXT + 2 * M2 + k * K4, image_pa + 2 * M2 + k * K4, K4)
    m.map(TEXT + (5 << 20) - K4, image_pa + (6 << 20), K4)  # elsewhere in RAM
    m.write(image_pa, image[: (5 << 20) - K4])
    m.write(image_pa + (6 << 20), image[(5 << 20) - K4 :])
    return image


def test_runs_are_merged_canonical_and_contiguous() -> None:
    m = Machine(16 << 20)
    standard(m)
    runs = mapped_runs(m.ram(), m.root, 4, KERNEL_MAP, KERNEL_MAP + (1 << 30))
    assert runs == [
        Run(TEXT, 0x400000, (5 << 20) - K4),
        Run(TEXT + (5 << 20) - K4, 0x400000 + (6 << 20), K4),
    ]


def test_kernel_image_is_the_mapped_bytes_at_their_addresses() -> None:
    m = Machine(16 << 20)
    image = standard(m)
    got = kernel_image(m.ram(), m.root | 0x5, 0)  # (PCID bits are not the table's)
    assert got.base == TEXT
    assert got.data == image
    assert [(s.addr, s.offset, s.size) for s in got.sections()] == [
        (TEXT, 0, (5 << 20) - K4),
        (TEXT + (5 << 20) - K4, (5 << 20) - K4, K4),
    ]


def test_only_the_kernel_map_is_walked() -> None:
    m = Machine(16 << 20)
    image = standard(m)
    m.map(KERNEL_MAP - M2, 0x800000, M2)  # the direct map's top, below the kernel map
    m.map(KERNEL_MAP + (1 << 30), 0xA00000, M2)  # the modules, above it
    m.map(0x400000, 0x400000, M2)  # user space
    got = kernel_image(m.ram(), m.root, 0)
    assert (got.base, got.data) == (TEXT, image)


def test_a_hole_in_the_image_reads_as_zeros() -> None:
    m = Machine(16 << 20)
    m.map(TEXT, 0x400000, M2)
    m.map(TEXT + 2 * M2, 0x600000, K4)
    m.write(0x400000, b"\x11" * M2)
    m.write(0x600000, b"\x22" * K4)
    got = kernel_image(m.ram(), m.root, 0)
    assert got.data == b"\x11" * M2 + bytes(M2) + b"\x22" * K4
    assert got.runs == (Run(TEXT, 0x400000, M2), Run(TEXT + 2 * M2, 0x600000, K4))


@pytest.mark.parametrize("user_cr3_bits", [0x1000, 0x1000 | 0x801, 0x1000 | 1 << 63])
def test_kpti_the_kernel_half_of_the_pair_wins(user_cr3_bits: int) -> None:
    # PTI allocates the PGD as an 8 KiB pair: kernel at even 4 KiB, user at +4 KiB; the
    # user one maps only the entry trampoline of the kernel map (and user space)
    m = Machine(16 << 20)
    m.next_table = 0x2000
    kernel_pgd = m.root = m.table()
    user_pgd = m.table()
    assert user_pgd == kernel_pgd | 0x1000
    image = standard(m)
    m.map(TEXT + M2, 0xC00000, K4, root=user_pgd)  # the trampoline page
    m.write(0xC00000, b"\xcc" * K4)
    got = kernel_image(m.ram(), kernel_pgd | user_cr3_bits, 0)
    assert (got.base, got.data) == (TEXT, image)
    # from the user half alone, were it the only PGD, just the trampoline
    runs = mapped_runs(m.ram(), user_pgd, 4, KERNEL_MAP, KERNEL_MAP + (1 << 30))
    assert runs == [Run(TEXT + M2, 0xC00000, K4)]


def test_five_level_paging() -> None:
    m = Machine(16 << 20, levels=5)
    image = standard(m)
    got = kernel_image(m.ram(), m.root, live.CR4_LA57)
    assert (got.base, got.data) == (TEXT, image)
    # the same tables read as 4-level are a different (nonsense) mapping
    with pytest.raises(LiveKernelError):
        kernel_image(m.ram(), m.root, 0)


def test_ram_above_4_gib() -> None:
    # 16 MiB of RAM, 8 MiB below 4 GiB: the image (and one page table) above
    m = Machine(16 << 20, low=8 << 20)
    m.next_table = 0x1000
    image = bytes(range(256)) * (M2 // 256)
    m.map(TEXT, GIB4 + M2, M2)
    m.map(TEXT + M2, GIB4, K4)  # its PT is below 4 GiB, its frame above
    m.write(GIB4 + M2, image)
    m.write(GIB4, b"\x5a" * K4)
    ram = m.ram()
    assert ram.read(GIB4 + M2, 4) == image[:4]
    assert ram.read(8 << 20, 1) is None  # the PCI hole
    got = kernel_image(ram, m.root, 0)
    assert got.data == image + b"\x5a" * K4
    assert got.runs == (Run(TEXT, GIB4 + M2, M2), Run(TEXT + M2, GIB4, K4))


def test_a_self_referencing_table_ends() -> None:
    # every entry of the root points at the root: 512 levels of it would be 2^36 pages;
    # the walk is bounded by the depth, and here by MAX_PTES
    m = Machine(1 << 20)
    for i in range(512):
        m.entry(m.root, i, m.root | P | RW)
    with pytest.raises(LiveKernelError, match="too many entries"):
        kernel_image(m.ram(), m.root, 0)


def test_a_loop_back_to_the_root_ends_at_the_depth() -> None:
    # a PD whose entries all point back to the PML4 (used then as a page table)
    m = Machine(1 << 20)
    m.map(TEXT, 0x40000, K4)
    pdpt = m.get(m.root, 511) & live.PTE_ADDR
    pd = m.get(pdpt, 510) & live.PTE_ADDR
    for i in range(512):
        m.entry(pd, i, m.root | P)
    runs = mapped_runs(m.ram(), m.root, 4, KERNEL_MAP, KERNEL_MAP + (1 << 30))
    # each of the 512 "page tables" maps its entry 511 to the PDPT's frame
    assert len(runs) == 512
    assert all(r.size == K4 and r.pa == pdpt for r in runs)


def test_entries_outside_ram_are_ignored() -> None:
    m = Machine(15 << 20)
    image = standard(m)
    pdpt = m.get(m.root, 511) & live.PTE_ADDR
    pd = m.get(pdpt, 510) & live.PTE_ADDR
    first = (TEXT >> 21) & 511
    m.entry(pd, first - 2, (1 << 40) | P)  # a page table beyond RAM
    m.entry(pd, first - 1, (1 << 40) | P | PS)  # a 2 MiB page beyond RAM
    m.entry(pd, first + 8, (14 << 20) | P | PS)  # a 2 MiB page half in RAM
    m.entry(pd, first + 9, GIB4 | P | PS)  # above 4 GiB: no RAM there
    got = kernel_image(m.ram(), m.root, 0)
    assert (got.base, got.data) == (TEXT, image)


def test_a_huge_span_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "MAX_IMAGE", 7 << 20)
    m = Machine(16 << 20)
    m.map(TEXT, 0x400000, M2)
    m.map(TEXT + 6 * M2 // 2, 0x600000, M2)  # 6..8 MiB: crosses the cap at 7
    m.map(TEXT + (900 << 20), 0x800000, M2)  # far beyond it
    m.write(0x600000, b"\x77" * M2)
    got = kernel_image(m.ram(), m.root, 0)
    assert len(got.data) == 7 << 20
    assert got.data[6 << 20 :] == b"\x77" * (1 << 20)
    assert [(s.addr, s.offset, s.size) for s in got.sections()] == [
        (TEXT, 0, M2),
        (TEXT + (6 << 20), 6 << 20, 1 << 20),
    ]


def test_a_far_stray_page_does_not_cost_the_whole_cap() -> None:
    # a page past the cap is dropped, and the image ends with what is left
    m = Machine(16 << 20)
    m.map(TEXT, 0x400000, M2)
    m.map(TEXT + (900 << 20), 0x800000, M2)
    got = kernel_image(m.ram(), m.root, 0)
    assert len(got.data) == M2
    assert got.runs == (Run(TEXT, 0x400000, M2),)


def test_nothing_mapped_is_an_error() -> None:
    m = Machine(1 << 20)
    with pytest.raises(LiveKernelError, match="nothing is mapped at the kernel image"):
        kernel_image(m.ram(), m.root, 0)
    with pytest.raises(LiveKernelError, match="nothing is mapped"):
        kernel_image(m.ram(), 1 << 40, 0)  # CR3 outside RAM


# --- the BTF blob and the banner ------------------------------------------------------


def tiny_btf(extra: str = "") -> bytes:
    b = BtfBuilder()
    tiny_kernel(b)
    if extra:
        b.int_(extra, 4)
    return b.build()


def no_task_btf() -> bytes:
    b = BtfBuilder()
    b.compound(Kind.STRUCT, "mm_struct", 8, [("x", b.int_("long", 8), 0, 0)])
    return b.build()


def at(size: int, *placed: tuple[int, bytes]) -> bytes:
    data = bytearray(size)
    for pos, blob in placed:
        data[pos : pos + len(blob)] = blob
    return bytes(data)


def test_btf_is_found_by_its_header() -> None:
    blob = tiny_btf()
    assert find_btf(at(0x10000, (0x1234, blob))) == blob


def test_the_same_blob_twice_is_one() -> None:
    blob = tiny_btf()
    assert find_btf(at(0x10000, (0x100, blob), (0x8000, blob))) == blob


def test_two_different_blobs_are_an_error_naming_both() -> None:
    data = at(0x10000, (0x100, tiny_btf()), (0x8000, tiny_btf("other")))
    with pytest.raises(LiveKernelError) as err:
        find_btf(data)
    assert "2 different BTF blobs (at image offsets 0x100, 0x8000)" in str(err.value)


def test_a_blob_without_task_struct_is_not_the_kernels() -> None:
    blob = tiny_btf()
    assert find_btf(at(0x10000, (0x100, no_task_btf()), (0x4000, blob))) == blob
    with pytest.raises(LiveKernelError, match="holds no BTF"):
        find_btf(at(0x10000, (0x100, no_task_btf())))


@pytest.mark.parametrize(
    "tail",
    [
        BTF_HEADER,  # the header's first 8 bytes end the image
        BTF_HEADER + b"\0\0\0\0\x10",  # a length cut short
        BTF_HEADER + struct.pack("<4I", 0, 0x100, 0x100, 0x10),  # its types past the end
        BTF_HEADER + struct.pack("<4I", 0, 0xFFFFFFFF, 0, 0xFFFFFFFF),
    ],
    ids=["header-only", "cut", "past-end", "huge"],
)
def test_a_truncated_header_is_no_btf(tail: bytes) -> None:
    data = bytes(0x100) + tail
    with pytest.raises(LiveKernelError, match="holds no BTF"):
        find_btf(data)
    # and does not hide a real blob before it
    blob = tiny_btf()
    assert find_btf(blob + data) == blob


def test_garbage_behind_a_header_is_no_btf() -> None:
    garbage = BTF_HEADER + struct.pack("<4I", 0, 64, 64, 16) + bytes(range(80))
    with pytest.raises(LiveKernelError, match="holds no BTF"):
        find_btf(bytes(16) + garbage + bytes(16))


def test_no_btf_names_symbols() -> None:
    with pytest.raises(LiveKernelError) as err:
        find_btf(bytes(4096))
    assert str(err.value) == (
        "cannot learn the guest kernel from its memory: the kernel image in memory holds "
        "no BTF (a kernel built without CONFIG_DEBUG_INFO_BTF); give its type information "
        "with --symbols FILE (a volatility3 ISF made from the kernel's debug info)"
    )


REAL = b"Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian\n\0"


@pytest.mark.parametrize(
    ("data", "banner"),
    [
        (b"xx" + REAL, "6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian"),
        # the printk buffer's copy (no newline) comes first and is skipped
        (
            b"<5>Linux version 6.1.0-28-amd64 (printk)\0\0" + REAL,
            "6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian",
        ),
        (b"Linux version 6.1.0 (printk)\0", ""),
        (b"Linux version 6.1.0 unterminated\n", ""),  # no NUL
        (b"Linux version " + b"x" * 1100 + b"\n\0", ""),  # the NUL too far
        (b"no banner here", ""),
    ],
    ids=["real", "printk-first", "printk-only", "no-nul", "nul-too-far", "none"],
)
def test_find_banner(data: bytes, banner: str) -> None:
    assert find_banner(data) == banner


# --- discover and its cache -----------------------------------------------------------

BANNER_TEXT = "6.1.0-99-test (nobody@example.org) #1 SMP"


def kernel_machine() -> Machine:
    """An image with a BTF and a banner (no kallsyms: its syscall names are not read)."""
    m = Machine(16 << 20)
    m.map(TEXT, 0x400000, M2)
    m.write(0x400000 + 0x1000, tiny_btf())
    m.write(0x400000 + 0x100000, b"Linux version " + BANNER_TEXT.encode() + b"\n\0")
    return m


def test_discover_then_from_the_cache(tmp_path: Path) -> None:
    ram = kernel_machine().ram()
    first = discover(ram, 0x1000, 0, tmp_path)
    assert not first.cached
    assert first.banner == BANNER_TEXT
    assert first.layout.release == "6.1.0-99-test"
    assert first.layout.task_struct_size == 80
    assert first.names.reason == "no kallsyms in the kernel image in memory"
    assert first.text is None and first.slide is None
    assert cache_path(tmp_path, first.key).is_file()
    second = discover(ram, 0x1000, 0, tmp_path)
    assert second.cached
    assert (second.layout, second.names, second.banner, second.key) == (
        first.layout,
        first.names,
        first.banner,
        first.key,
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda doc: doc.update(sha256="0" * 64),
        lambda doc: doc.update(schema=live.SCHEMA + 1),
        lambda doc: doc.pop("layout"),
        lambda doc: doc["layout"].update(task_struct_size="eighty"),
    ],
    ids=["sha256", "schema", "no-layout", "bad-layout"],
)
def test_a_wrong_cache_entry_is_ignored(
    tmp_path: Path, damage: Callable[[dict[str, Any]], object]
) -> None:
    ram = kernel_machine().ram()
    first = discover(ram, 0x1000, 0, tmp_path)
    path = cache_path(tmp_path, first.key)
    doc = json.loads(path.read_text())
    damage(doc)
    path.write_text(json.dumps(doc))
    again = discover(ram, 0x1000, 0, tmp_path)
    assert not again.cached
    assert again.layout == first.layout
    assert discover(ram, 0x1000, 0, tmp_path).cached  # written anew


def test_another_banner_is_another_entry(tmp_path: Path) -> None:
    m = kernel_machine()
    first = discover(m.ram(), 0x1000, 0, tmp_path)
    m.write(0x400000 + 0x100000, b"Linux version 6.1.0-99-test #2 SMP\n\0")
    other = discover(m.ram(), 0x1000, 0, tmp_path)
    assert not other.cached and other.key != first.key


# --- the multi-byte nops the switch walker steps over ---------------------------------

D32 = b"\x00\x00\x00\x00"
NOPS = [
    b"\x66\x90",
    b"\x0f\x1f\x00",
    b"\x0f\x1f\x40\x00",
    b"\x0f\x1f\x44\x00\x00",
    b"\x66\x0f\x1f\x44\x00\x00",
    b"\x0f\x1f\x80" + D32,
    b"\x0f\x1f\x84\x00" + D32,
    b"\x66\x0f\x1f\x84\x00" + D32,
    b"\x66\x2e\x0f\x1f\x84\x00" + D32,
    b"\x66\x66\x2e\x0f\x1f\x84\x00" + D32,  # GCC's longer padding
    b"\x0f\x1f\x05" + D32,  # rip-relative
    b"\x0f\x1f\x04\x25" + D32,  # SIB, no base: disp32
    b"\x0f\x1f\xc0",  # register operand
    b"\x0f\x1f\x40\xd6",  # an ENDBR64 sealed at boot (arch/x86/kernel/alternative.c)
]


@pytest.mark.parametrize("nop", NOPS, ids=[n.hex() for n in NOPS])
def test_nop_length(nop: bytes) -> None:
    code = b"\xcc" + nop + b"\xe9\x00\x00\x00\x00"  # (a jmp after it)
    assert _nop_length(code, 1) == len(nop)
    assert _nop_length(nop, 0) == len(nop)  # at the very end of the code


@pytest.mark.parametrize(
    "code",
    [
        b"\x0f\x1f\x48\x00",  # 0f 1f /1: not a nop
        b"\x0f\x1f\xc8",  # /1, register
        b"\x0f\x18\x00",  # prefetch
        b"\x66\x0f\x1f\x84\x00\x00\x00",  # disp32 cut short
        b"\x0f\x1f\x44\x00",  # disp8 missing
        b"\x0f\x1f\x44",  # SIB missing
        b"\x0f\x1f",  # ModRM missing
        b"\x66\x66",  # prefixes only
        b"\x66",
        b"",
        b"\x90",  # (the one-byte nop is the walker's own case)
        b"\xe9\x00\x00\x00\x00",
        b"\x66" * 9 + b"\x90",  # more prefixes than an instruction can carry
    ],
    ids=lambda c: c.hex() or "empty",
)
def test_not_a_nop(code: bytes) -> None:
    assert _nop_length(code, 0) == 0
