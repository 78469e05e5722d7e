"""bzImage parsing and payload decompression on crafted images.

The builders here (``tiny_elf``, ``make_bzimage``, ``compress_payload``) are also used by
test_kernel_layout.py and test_kernel_btf.py.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from collections.abc import Callable
from pathlib import Path

import lz4.block
import pytest
import zstandard

from vmstrace.kernel.bzimage import decompress, detect_compression, extract_vmlinux, read_bzimage
from vmstrace.kernel.errors import CorruptKernelImage, NotABzImage, UnsupportedCompression

BANNER = "6.1.0-99-test-amd64 (builder@example) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-99"


def tiny_elf(sections: dict[str, tuple[int, bytes]]) -> bytes:
    """A minimal ELF64 x86-64 file with ``{name: (address, data)}`` PROGBITS sections."""
    names = [""] + list(sections) + [".shstrtab"]
    shstrtab = b"\0".join(n.encode() for n in names) + b"\0"
    name_off = {n: shstrtab.find(n.encode() + b"\0") for n in names if n}
    body, offsets = bytearray(), []
    for _, data in sections.values():
        offsets.append(64 + len(body))
        body += data + b"\0" * (-len(data) % 8)
    shstr_at = 64 + len(body)
    body += shstrtab + b"\0" * (-len(shstrtab) % 8)
    shoff = 64 + len(body)
    shnum = len(names)
    ehdr = (
        b"\x7fELF\x02\x01\x01"
        + b"\0" * 9
        + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, shnum, shnum - 1)
    )
    shdrs = [b"\0" * 64]
    for (name, (addr, data)), off in zip(sections.items(), offsets, strict=True):
        shdrs.append(
            struct.pack("<IIQQQQIIQQ", name_off[name], 1, 3, addr, off, len(data), 0, 0, 8, 0)
        )
    shdrs.append(
        struct.pack(
            "<IIQQQQIIQQ", name_off[".shstrtab"], 3, 0, 0, shstr_at, len(shstrtab), 0, 0, 1, 0
        )
    )
    return ehdr + bytes(body) + b"".join(shdrs)


def _lz4_legacy(data: bytes) -> bytes:
    out = bytearray(struct.pack("<I", 0x184C2102))
    for pos in range(0, max(len(data), 1), 8 << 20):
        block = lz4.block.compress(data[pos : pos + (8 << 20)], store_size=False)
        out += struct.pack("<I", len(block)) + block
    return bytes(out)


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
    "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32),
    "lz4": _lz4_legacy,
    "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
}


def compress_payload(kind: str, data: bytes) -> bytes:
    """Compressed as the kernel build does it: stream, then the size as a LE u32."""
    return COMPRESSORS[kind](data) + struct.pack("<I", len(data))


def make_bzimage(
    payload: bytes,
    *,
    setup_sects: int = 1,
    protocol: int = 0x020F,
    banner: str = BANNER,
    magic: bytes = b"HdrS",
    payload_length: int | None = None,
) -> bytes:
    """A bzImage: boot sector + setup header, ``setup_sects`` sectors, then the payload."""
    setup = bytearray(((setup_sects or 4) + 1) * 512)
    setup[0x1F1] = setup_sects
    setup[0x1FE:0x200] = b"\x55\xaa"
    setup[0x202:0x206] = magic
    struct.pack_into("<H", setup, 0x206, protocol)
    struct.pack_into("<H", setup, 0x20E, 0x300 - 0x200)
    setup[0x300 : 0x300 + len(banner) + 1] = banner.encode() + b"\0"
    pm = b"\xcc" * 0x40  # stands in for the decompressor stub
    length = len(payload) if payload_length is None else payload_length
    struct.pack_into("<II", setup, 0x248, len(pm), length)
    return bytes(setup) + pm + payload + b"\0" * 32


VMLINUX = tiny_elf({".text": (0xFFFFFFFF81000000, b"\x90" * 100)})


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
@pytest.mark.parametrize("setup_sects", [0, 1, 3])
def test_extracts_each_compressor(tmp_path: Path, kind: str, setup_sects: int) -> None:
    path = tmp_path / "vmlinuz"
    path.write_bytes(make_bzimage(compress_payload(kind, VMLINUX), setup_sects=setup_sects))
    image, vmlinux = extract_vmlinux(path)
    assert (image.compression, image.version, image.release, image.protocol) == (
        kind,
        BANNER,
        "6.1.0-99-test-amd64",
        0x020F,
    )
    assert vmlinux == VMLINUX


def test_lz4_legacy_with_several_blocks_and_repeated_magic(tmp_path: Path) -> None:
    data = tiny_elf({".data": (0, bytes(range(256)) * 40000)})  # > 8 MiB: two blocks
    stream = _lz4_legacy(data[: 8 << 20]) + _lz4_legacy(data[8 << 20 :])  # two streams
    path = tmp_path / "vmlinuz"
    path.write_bytes(make_bzimage(stream + struct.pack("<I", len(data))))
    assert extract_vmlinux(path)[1] == data


def test_wrong_magic_is_not_a_bzimage(tmp_path: Path) -> None:
    path = tmp_path / "initrd.img"
    path.write_bytes(make_bzimage(compress_payload("gzip", VMLINUX), magic=b"XXXX"))
    with pytest.raises(NotABzImage) as e:
        read_bzimage(path)
    assert str(e.value) == (
        f"{path} is not an x86 bzImage (no HdrS header); "
        "pass a Linux x86-64 bzImage such as /boot/vmlinuz-*"
    )


@pytest.mark.parametrize(
    ("image", "why"),
    [
        (b"\x7fELF" + b"\0" * 100, "file too short for a setup header"),
        (make_bzimage(b"", protocol=0x0207), "boot protocol 2.07 is older than 2.08"),
    ],
)
def test_other_non_bzimages(tmp_path: Path, image: bytes, why: str) -> None:
    path = tmp_path / "x"
    path.write_bytes(image)
    with pytest.raises(NotABzImage, match=why):
        read_bzimage(path)


def test_missing_boot_signature(tmp_path: Path) -> None:
    image = bytearray(make_bzimage(compress_payload("gzip", VMLINUX)))
    image[0x1FE:0x200] = b"\0\0"
    path = tmp_path / "x"
    path.write_bytes(image)
    with pytest.raises(NotABzImage, match="no 0x55AA boot signature"):
        read_bzimage(path)


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (b"\x89LZO\x00\r\n\x1a\n" + b"\0" * 16, "lzo"),
        (b"\x00\x01\x02\x03\x04\x05\x06\x07", "of unknown format (magic 000102030405)"),
    ],
)
def test_unsupported_compression(tmp_path: Path, payload: bytes, what: str) -> None:
    path = tmp_path / "vmlinuz"
    path.write_bytes(make_bzimage(payload))
    with pytest.raises(UnsupportedCompression) as e:
        read_bzimage(path)
    assert str(e.value).startswith(f"{path}: the kernel payload is {what}, which vmstrace")


def test_payload_outside_file(tmp_path: Path) -> None:
    path = tmp_path / "vmlinuz"
    path.write_bytes(make_bzimage(compress_payload("gzip", VMLINUX), payload_length=1 << 24))
    with pytest.raises(CorruptKernelImage, match="lies outside"):
        read_bzimage(path)


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_truncated_payload_is_corrupt(tmp_path: Path, kind: str) -> None:
    good = compress_payload(kind, VMLINUX)
    path = tmp_path / "vmlinuz"
    path.write_bytes(make_bzimage(good[: len(good) // 2] + good[-4:]))
    with pytest.raises(CorruptKernelImage, match=f"{kind} payload"):
        decompress(read_bzimage(path))


def test_size_trailer_mismatch_and_non_elf(tmp_path: Path) -> None:
    path = tmp_path / "vmlinuz"
    path.write_bytes(make_bzimage(gzip.compress(VMLINUX) + struct.pack("<I", 7)))
    with pytest.raises(CorruptKernelImage, match="inflated to .* bytes, the image says 7"):
        extract_vmlinux(path)
    path.write_bytes(make_bzimage(compress_payload("zstd", b"not an elf")))
    with pytest.raises(CorruptKernelImage, match="not an ELF file"):
        extract_vmlinux(path)


def test_detect_compression_by_magic() -> None:
    assert [detect_compression(compress_payload(k, b"x")) for k in sorted(COMPRESSORS)] == sorted(
        COMPRESSORS
    )
