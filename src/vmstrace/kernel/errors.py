"""Typed errors for reading a guest kernel image and its type information.

All derive from :class:`vmstrace.core.errors.VmstraceError`: ``str(error)`` is the complete
message for the user.  Kernel images are untrusted input, so every way a file can be
wrong ends in one of these, never in a bare ``struct.error`` or ``IndexError``.
"""

from __future__ import annotations

from pathlib import Path

from vmstrace.core.errors import VmstraceError


class KernelError(VmstraceError):
    """Base of every kernel-image and kernel-type error."""


class NotABzImage(KernelError):
    """The file is not an x86 bzImage (or uses a boot protocol older than 2.08)."""

    def __init__(self, path: Path | str, why: str = "no HdrS header") -> None:
        super().__init__(
            f"{path} is not an x86 bzImage ({why}); "
            "pass a Linux x86-64 bzImage such as /boot/vmlinuz-*"
        )
        self.path = Path(path)


class UnsupportedCompression(KernelError):
    """The bzImage payload uses a compressor vmstrace cannot decode."""

    def __init__(self, path: Path | str, what: str) -> None:
        super().__init__(
            f"{path}: the kernel payload is {what}, which vmstrace cannot decompress; "
            "supported: gzip, bzip2, lzma, xz, lz4 (legacy frame), zstd"
        )
        self.path = Path(path)


class CorruptKernelImage(KernelError):
    """The bzImage looked right but its payload or the vmlinux inside is damaged."""

    def __init__(self, path: Path | str, why: str) -> None:
        super().__init__(f"{path}: corrupt kernel image: {why}")
        self.path = Path(path)


class NoBTF(KernelError):
    """The kernel carries no BTF type information."""

    def __init__(self, path: Path | str, release: str) -> None:
        super().__init__(
            f"kernel {release} ({path}) has no .BTF section (needs CONFIG_DEBUG_INFO_BTF=y); "
            "use a kernel built with BTF, such as Debian's linux-image-*-cloud-amd64"
        )
        self.path = Path(path)


class BtfError(KernelError):
    """The BTF blob is malformed (truncated, out-of-range offsets, cycles, ...)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"corrupt BTF: {why}")


class TypeLookupError(KernelError):
    """A struct, member or variable asked for is not in the kernel's type information."""


class BtfLookupError(TypeLookupError):
    """A type, member or variable the caller asked for is not in the BTF."""


class LayoutError(KernelError):
    """The kernel's types do not have the shape vmstrace needs (unsupported kernel)."""
