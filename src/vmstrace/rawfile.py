"""Record once, decode many times: the plugin's record stream kept with what decoding it
needs (``run --save-raw FILE``), and read back (``vmstrace replay FILE``).

The file:

    b"VMSTRACE-RAW\\n"
    u32 n, n bytes of JSON: the header (what the decoder must be given to decode the
        stream as the live run did: the syscall numbering, what was captured, vCPUs, the
        trace's time origin, and which vmstrace wrote it)
    u32 n > 0, n bytes: the record stream, in the very chunks the live decoder read
        (pairing and batching then see the same reads; replay is byte-identical)
    ...
    u32 0, u32 n, n bytes of JSON: the trailer (why the run ended, how long the guest
        waited for the decoder): what the live run's stats record said

A file cut anywhere (vmstrace killed) is read up to the last whole chunk, and replay
says where it stopped.  The header names the vmstrace that wrote the file by a digest
of its own code: another version's file is refused, never decoded with tables or
templates it was not recorded with.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from vmstrace.core.abi import VERSION as RECORD_VERSION
from vmstrace.core.errors import VmstraceError
from vmstrace.core.sources import digest, file_parts

MAGIC = b"VMSTRACE-RAW\n"
SCHEMA = 1
U32 = struct.Struct("<I")
MAX_JSON = 64 << 20  # a header holds two syscall tables and the options: kilobytes


class RawFileError(VmstraceError):
    """A raw file that cannot be replayed (not one, another version's, cut)."""


def code_digest() -> str:
    """The digest of vmstrace's own code (every .py, .c, .h and .pyi of the package, as
    core/sources.py keys the plugin's builds): the decoding a raw file may be replayed
    with."""
    root = Path(__file__).resolve().parent
    files = sorted(
        p for p in root.rglob("*") if p.suffix in (".py", ".c", ".h", ".pyi") and p.is_file()
    )
    return digest(file_parts(files, root))


@dataclass
class RawHeader:
    """What decoding the stream needs, as the live run had it."""

    kernel_names: dict[str, dict[int, str]]  # the guest kernel's numbering ({} : built-in)
    strsize: int  # -s the memory was captured for: replay can show no more
    decode_fds: bool  # -y's captures were made
    fd_details: bool
    vcpus: int
    origin_ns: int | None  # host wall-clock time of trace time 0 (-t)
    kernel: str = ""  # the guest kernel's release, for the reader
    argv: list[str] = field(default_factory=list)  # the traced command ([] for qemu)
    code: str = ""  # code_digest() of the vmstrace that wrote it
    schema: int = SCHEMA
    record_version: int = RECORD_VERSION

    def to_json(self) -> dict[str, Any]:
        doc = dict(self.__dict__)
        doc["kernel_names"] = {
            abi: {str(nr): name for nr, name in t.items()} for abi, t in self.kernel_names.items()
        }
        return doc

    @classmethod
    def from_json(cls, doc: Any) -> RawHeader:
        try:
            names = {
                str(abi): {int(nr): str(name) for nr, name in t.items()}
                for abi, t in doc["kernel_names"].items()
            }
            return cls(
                kernel_names=names,
                strsize=int(doc["strsize"]),
                decode_fds=bool(doc["decode_fds"]),
                fd_details=bool(doc["fd_details"]),
                vcpus=int(doc["vcpus"]),
                origin_ns=None if doc["origin_ns"] is None else int(doc["origin_ns"]),
                kernel=str(doc.get("kernel", "")),
                argv=[str(a) for a in doc.get("argv", [])],
                code=str(doc["code"]),
                schema=int(doc["schema"]),
                record_version=int(doc["record_version"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise RawFileError(f"the raw file's header is malformed ({err!r})") from err


class RawWriter:
    """Tees the stream the live decoder reads into the raw file ``out``."""

    def __init__(self, out: BinaryIO, header: RawHeader) -> None:
        self.out = out
        header.code = header.code or code_digest()
        doc = json.dumps(header.to_json()).encode()
        out.write(MAGIC + U32.pack(len(doc)) + doc)
        self._read: Any = None

    # readinto1 only when the stream has one (the ring, a BufferedReader): the record
    # reader reads in place through it, else through read1
    readinto1: Callable[[memoryview], int]

    def tee(self, stream: Any) -> RawWriter:
        """Reads from ``stream`` (read1/read), writing each chunk as it is read."""
        self._stream = stream
        if hasattr(stream, "readinto1"):
            self.readinto1 = self._readinto1
        return self

    def read1(self, n: int = -1) -> bytes:
        chunk: bytes = (
            self._stream.read1(n) if hasattr(self._stream, "read1") else self._stream.read(n)
        ) or b""
        if chunk:
            self.out.write(U32.pack(len(chunk)))
            self.out.write(chunk)
        return chunk

    read = read1

    def _readinto1(self, buf: memoryview) -> int:
        """As :meth:`read1`, into ``buf`` (without a new bytes)."""
        got: int = self._stream.readinto1(buf)
        if got:
            self.out.write(U32.pack(got))
            self.out.write(buf[:got])
        return got

    def finish(self, reason: str | None, stalled_s: float | None) -> None:
        """The end of the stream and the trailer; the caller closes ``out``."""
        doc = json.dumps({"reason": reason, "stalled_s": stalled_s}).encode()
        self.out.write(U32.pack(0) + U32.pack(len(doc)) + doc)
        self.out.flush()


@dataclass
class RawTrailer:
    reason: str | None
    stalled_s: float | None


class RawReader:
    """A raw file read back: its header, then its chunks as the live decoder read them
    (``read1``), then :attr:`trailer` (None when the file was cut: :attr:`cut` says
    where)."""

    def __init__(self, f: BinaryIO, name: str) -> None:
        self.f = f
        self.name = name
        if f.read(len(MAGIC)) != MAGIC:
            raise RawFileError(f"{name} is not a vmstrace raw file (written by run --save-raw)")
        self.header = RawHeader.from_json(self._json("header"))
        self.trailer: RawTrailer | None = None
        self.cut: str | None = None
        self.offset = f.tell()
        self.on_read: Callable[[int], None] = lambda n: None  # told the bytes of each chunk

    def _json(self, what: str) -> Any:
        raw = self.f.read(4)
        if len(raw) < 4:
            raise RawFileError(f"{self.name}: cut in its {what}")
        (n,) = U32.unpack(raw)
        if n > MAX_JSON:
            raise RawFileError(f"{self.name}: a {n}-byte {what}: not a vmstrace raw file")
        data = self.f.read(n)
        if len(data) < n:
            raise RawFileError(f"{self.name}: cut in its {what}")
        try:
            return json.loads(data)
        except ValueError as err:
            raise RawFileError(f"{self.name}: its {what} is not JSON ({err})") from err

    def check(self, code: str | None = None) -> None:
        """Refuses a file this vmstrace would not decode as its writer did."""
        h = self.header
        if h.schema != SCHEMA or h.record_version != RECORD_VERSION:
            raise RawFileError(
                f"{self.name} is raw file schema {h.schema}, record format {h.record_version}; "
                f"this vmstrace reads schema {SCHEMA}, record format {RECORD_VERSION}"
            )
        mine = code if code is not None else code_digest()
        if h.code != mine:
            raise RawFileError(
                f"{self.name} was written by another vmstrace (code {h.code[:12]}, this one "
                f"{mine[:12]}): replay it with the vmstrace that recorded it"
            )

    def read1(self, n: int = -1) -> bytes:
        """The next chunk (``n`` is ignored: the chunks are the live run's reads)."""
        if self.trailer is not None or self.cut is not None:
            return b""
        raw = self.f.read(4)
        if len(raw) < 4:
            self.cut = f"the file ends after {self.offset} bytes, without its trailer"
            return b""
        (size,) = U32.unpack(raw)
        if size == 0:  # (a bad trailer ends the stream as a cut does: decoded, then said)
            try:
                doc = self._json("trailer")
                self.trailer = RawTrailer(
                    None if doc["reason"] is None else str(doc["reason"]),
                    None if doc["stalled_s"] is None else float(doc["stalled_s"]),
                )
            except RawFileError as err:
                self.cut = str(err).removeprefix(f"{self.name}: ")
            except (KeyError, TypeError, ValueError) as err:
                self.cut = f"its trailer is malformed ({err!r})"
            return b""
        chunk = self.f.read(size)
        if len(chunk) < size:  # what there is: the records in it are whole or refused
            self.cut = f"the file is cut at byte {self.offset + 4 + len(chunk)}, inside a chunk"
        self.offset += 4 + len(chunk)
        self.on_read(4 + len(chunk))
        return chunk

    read = read1
