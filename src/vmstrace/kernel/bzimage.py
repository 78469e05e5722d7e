"""Open an x86 bzImage and recover the vmlinux ELF inside it.

Layout (Documentation/arch/x86/boot.rst, "THE REAL-MODE KERNEL HEADER"): the setup
header sits in the first sector; ``setup_sects`` (0x1f1, 0 means 4) counts the real-mode
sectors after the boot sector, so the protected-mode code starts at
``(setup_sects + 1) * 512``.  From boot protocol 2.08 on, ``payload_offset`` (0x248) and
``payload_length`` (0x24c) locate the compressed vmlinux relative to that start.  The
kernel build appends the decompressed size as a little-endian u32 to the compressed
stream (arch/x86/boot/compressed/Makefile, ``*_with_size``), which we use as a check.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lz4.block
import zstandard

from vmstrace.kernel.errors import CorruptKernelImage, NotABzImage, UnsupportedCompression

# Offsets in the setup header (boot.rst).
_SETUP_SECTS = 0x1F1
_BOOT_FLAG = 0x1FE
_HEADER = 0x202
_VERSION = 0x206
_KERNEL_VERSION = 0x20E
_PAYLOAD_OFFSET = 0x248
_PAYLOAD_LENGTH = 0x24C
_MIN_PROTOCOL = 0x0208  # first version with payload_offset/payload_length

# A vmlinux is tens of MiB; refuse to inflate a hostile payload without bound.
MAX_VMLINUX = 1 << 30
_LZ4_LEGACY_MAGIC = 0x184C2102
_LZ4_LEGACY_BLOCK = 8 << 20  # lib/decompress_unlz4.c: LZ4_DEFAULT_UNCOMPRESSED_CHUNK_SIZE


@dataclass(frozen=True)
class BzImage:
    """What the setup header says, plus the compressed payload."""

    path: Path
    protocol: int  # e.g. 0x020F for 2.15
    version: str  # the kernel_version banner, e.g. "6.1.0-56-cloud-amd64 (debian…) #1 SMP …"
    compression: str  # one of COMPRESSORS' names
    payload: bytes

    @property
    def release(self) -> str:
        """The ``uname -r`` string: the banner's first word."""
        return self.version.split(" ", 1)[0]


def read_bzimage(path: Path | str) -> BzImage:
    """Validate the setup header of ``path`` and cut out the compressed payload."""
    path = Path(path)
    data = path.read_bytes()
    return parse_bzimage(data, path)


def parse_bzimage(data: bytes, path: Path | str = "<bytes>") -> BzImage:
    """Like :func:`read_bzimage` on bytes already in memory (``path`` names them in errors)."""
    path = Path(path)
    if len(data) < 0x250:
        raise NotABzImage(path, "file too short for a setup header")
    if data[_HEADER : _HEADER + 4] != b"HdrS":
        raise NotABzImage(path)
    if data[_BOOT_FLAG : _BOOT_FLAG + 2] != b"\x55\xaa":
        raise NotABzImage(path, "no 0x55AA boot signature")
    (protocol,) = struct.unpack_from("<H", data, _VERSION)
    if protocol < _MIN_PROTOCOL:
        raise NotABzImage(
            path, f"boot protocol {protocol >> 8}.{protocol & 0xFF:02d} is older than 2.08"
        )
    setup_sects = data[_SETUP_SECTS] or 4
    pm_start = (setup_sects + 1) * 512
    offset, length = struct.unpack_from("<II", data, _PAYLOAD_OFFSET)
    start = pm_start + offset
    if length < 4 or start + length > len(data):
        raise CorruptKernelImage(
            path, f"payload [{start:#x}, +{length:#x}) lies outside the {len(data)}-byte file"
        )
    payload = data[start : start + length]
    return BzImage(
        path, protocol, _kernel_version(data), detect_compression(payload, path), payload
    )


def _kernel_version(data: bytes) -> str:
    (ptr,) = struct.unpack_from("<H", data, _KERNEL_VERSION)
    if ptr == 0:
        return ""
    start = ptr + 0x200
    end = data.find(b"\0", start, start + 512)
    if start >= len(data) or end < 0:
        return ""
    return data[start:end].decode("ascii", "replace")


def _gunzip(payload: bytes) -> bytes:
    d = zlib.decompressobj(wbits=31)
    out = d.decompress(payload, MAX_VMLINUX)
    if not d.eof:
        raise ValueError("gzip stream truncated or larger than the size cap")
    return out


def _bunzip2(payload: bytes) -> bytes:
    d = bz2.BZ2Decompressor()
    out = d.decompress(payload, MAX_VMLINUX)
    if not d.eof:
        raise ValueError("bzip2 stream truncated or larger than the size cap")
    return out


def _unxz(fmt: int) -> Callable[[bytes], bytes]:
    def run(payload: bytes) -> bytes:
        d = lzma.LZMADecompressor(format=fmt)
        out = d.decompress(payload, MAX_VMLINUX)
        if not d.eof and fmt == lzma.FORMAT_XZ:
            raise ValueError("xz stream truncated or larger than the size cap")
        return out

    return run


def _unlz4_legacy(payload: bytes) -> bytes:
    # Legacy frame (lib/decompress_unlz4.c): magic, then blocks of
    # (u32 compressed size, data), each inflating to at most 8 MiB.  A repeated magic
    # starts a concatenated stream; the appended size (4 bytes) ends the walk.
    pos, out = 4, bytearray()
    while pos + 4 <= len(payload):
        (n,) = struct.unpack_from("<I", payload, pos)
        if n == _LZ4_LEGACY_MAGIC:
            pos += 4
            continue
        if pos + 4 + n > len(payload):
            break  # the trailing size word, not a block header
        out += lz4.block.decompress(
            payload[pos + 4 : pos + 4 + n], uncompressed_size=_LZ4_LEGACY_BLOCK
        )
        if len(out) > MAX_VMLINUX:
            raise ValueError("lz4 stream larger than the size cap")
        pos += 4 + n
    return bytes(out)


def _unzstd(payload: bytes) -> bytes:
    # The appended size bytes make the `zstd` CLI reject the file; a decompressobj stops
    # at the end of the first frame and leaves them in unused_data.
    d = zstandard.ZstdDecompressor(max_window_size=1 << 31).decompressobj()
    out = bytearray()
    for pos in range(0, len(payload), 1 << 20):
        out += d.decompress(payload[pos : pos + (1 << 20)])
        if d.eof:
            break
        if len(out) > MAX_VMLINUX:
            raise ValueError("zstd stream larger than the size cap")
    if not d.eof:
        raise ValueError("zstd stream truncated")
    return bytes(out)


def _unsupported(payload: bytes) -> bytes:  # pragma: no cover - never called
    raise AssertionError("unsupported compressors are rejected at detection")


# (name, magic, decompressor or None when unsupported).  Magics: scripts/Makefile.lib
# and the kernel's lib/decompress.c table.
COMPRESSORS: tuple[tuple[str, bytes, Callable[[bytes], bytes] | None], ...] = (
    ("gzip", b"\x1f\x8b", _gunzip),
    ("bzip2", b"BZh", _bunzip2),
    ("lzma", b"\x5d\x00\x00", _unxz(lzma.FORMAT_ALONE)),
    ("xz", b"\xfd7zXZ\x00", _unxz(lzma.FORMAT_XZ)),
    ("lzo", b"\x89LZO\x00\r\n\x1a\n", None),
    ("lz4", struct.pack("<I", _LZ4_LEGACY_MAGIC), _unlz4_legacy),
    ("zstd", b"\x28\xb5\x2f\xfd", _unzstd),
)


def detect_compression(payload: bytes, path: Path | str = "<bytes>") -> str:
    """The compressor's name, by the payload's magic number."""
    for name, magic, decoder in COMPRESSORS:
        if payload.startswith(magic):
            if decoder is None:
                raise UnsupportedCompression(path, name)
            return name
    raise UnsupportedCompression(path, f"of unknown format (magic {payload[:6].hex()})")


def decompress(image: BzImage) -> bytes:
    """The vmlinux ELF bytes inside ``image``."""
    decoder = next(dec for name, _, dec in COMPRESSORS if name == image.compression)
    if decoder is None:  # pragma: no cover - detect_compression already refused it
        raise UnsupportedCompression(image.path, image.compression)
    try:
        vmlinux = decoder(image.payload)
    except (
        ValueError,
        OSError,
        EOFError,
        lzma.LZMAError,
        zstandard.ZstdError,
        lz4.block.LZ4BlockError,
    ) as e:
        raise CorruptKernelImage(image.path, f"{image.compression} payload: {e}") from e
    (expected,) = struct.unpack("<I", image.payload[-4:])
    if len(vmlinux) != expected:
        raise CorruptKernelImage(
            image.path,
            f"{image.compression} payload inflated to {len(vmlinux)} bytes, "
            f"the image says {expected}",
        )
    if not vmlinux.startswith(b"\x7fELF"):
        raise CorruptKernelImage(image.path, "the decompressed payload is not an ELF file")
    return vmlinux


def extract_vmlinux(path: Path | str) -> tuple[BzImage, bytes]:
    """Read ``path`` and return its header facts and the vmlinux ELF bytes."""
    image = read_bzimage(path)
    return image, decompress(image)
