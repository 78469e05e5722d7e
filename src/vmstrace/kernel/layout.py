"""Where the guest kernel keeps the current task and the task_struct fields we copy.

Everything here is derived from the guest kernel's own type information, never from a
table of known kernels: its BTF, or a volatility3 ISF file made from its debug info
(``--symbols``), both behind the interface of kernel/types.py, from which
:func:`layout_from` derives the one layout.  Kernel-version differences are
feature-detected in one place, :func:`find_percpu_task`:

* up to 6.1 (and again from 6.15), ``current_task`` is a per-CPU variable of its own
  (arch/x86/include/asm/current.h: ``DECLARE_PER_CPU(struct task_struct *, current_task)``);
* 6.2 – 6.14 moved it into ``struct pcpu_hot`` (``DECLARE_PER_CPU_ALIGNED(struct pcpu_hot,
  pcpu_hot)``), so the offset is the variable's plus the member's.

In BTF a DATASEC entry's offset is relative to the ELF section; the x86-64 per-CPU section is
linked at address 0 (zero-based per-CPU, through 6.14), so that offset is also what the
kernel adds to the GS base.  We add the section's link address anyway, so a non-zero
base shows up in the result rather than being silently dropped.

:func:`load_layout` is the run's entry point; it caches a BTF-derived layout as JSON per
kernel build (sha256 of the bzImage): decompressing a kernel and parsing its BTF takes
about a second; reading the cache does not.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from vmstrace.core.abi import FDWALK_KEYS
from vmstrace.core.files import check_input_file, read_derived, write_entry
from vmstrace.kernel.btf import PERCPU_SECTION, Btf, BtfTypes
from vmstrace.kernel.bzimage import decompress, read_bzimage
from vmstrace.kernel.errors import CorruptKernelImage, LayoutError, NoBTF, TypeLookupError
from vmstrace.kernel.fdwalk import fdwalk_from
from vmstrace.kernel.isf import IsfError, IsfTypes, read_isf
from vmstrace.kernel.kallsyms import Kallsyms, KallsymsError, find_kallsyms
from vmstrace.kernel.types import KernelTypes

SCHEMA = 5  # bump when KernelLayout's fields or their meaning change
TASK_COMM_LEN = 16  # include/linux/sched.h


@dataclass(frozen=True)
class FieldLoc:
    """A task_struct member: byte offset and size."""

    offset: int
    size: int


@dataclass(frozen=True)
class KernelLayout:
    """What vmstrace needs to know about one guest kernel build."""

    version: str  # the bzImage's kernel_version banner
    release: str  # ``uname -r``
    sha256: str  # of the bzImage file: the cache key
    percpu_task: int  # per-CPU offset of the current task pointer (GS base + this)
    percpu_task_via: str  # "current_task" or "pcpu_hot.current_task"
    percpu_section_addr: int  # link address of .data..percpu (0 on x86-64 through 6.14)
    task_struct_size: int
    pid: FieldLoc
    tgid: FieldLoc
    comm: FieldLoc
    real_parent: FieldLoc
    mm: FieldLoc
    flags: FieldLoc
    start_time: FieldLoc
    cred: FieldLoc
    files: FieldLoc
    cred_uid: FieldLoc  # struct cred (include/linux/cred.h): kuid_t uid, the real uid
    cred_euid: FieldLoc  # kuid_t euid
    # offsets for resolving fds (-y), kernel/fdwalk.py; empty if the BTF lacks one
    fdwalk: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> KernelLayout:
        """Inverse of :meth:`to_json`; raises ValueError/TypeError/KeyError if malformed."""
        if doc.get("schema") != SCHEMA:
            raise ValueError(f"layout schema {doc.get('schema')!r}, expected {SCHEMA}")
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            value = doc[f.name]
            if f.type == "FieldLoc":
                value = FieldLoc(int(value["offset"]), int(value["size"]))
            elif f.name == "fdwalk":
                value = {str(k): int(v) for k, v in value.items()}
                if value and set(value) != set(FDWALK_KEYS):  # cached by an older vmstrace
                    raise ValueError("layout fdwalk offsets differ from the plugin's (FDWALK_KEYS)")
            elif f.type == "int":
                if not isinstance(value, int):
                    raise TypeError(f"{f.name} is not an integer")
            elif not isinstance(value, str):
                raise TypeError(f"{f.name} is not a string")
            kwargs[f.name] = value
        return cls(**kwargs)


# task_struct members recorded, with the size each must have (None: any).
TASK_FIELDS: dict[str, int | None] = {
    "pid": 4,  # pid_t
    "tgid": 4,
    "comm": TASK_COMM_LEN,
    "real_parent": 8,  # struct task_struct __rcu *
    "mm": 8,
    "flags": None,
    "start_time": 8,  # u64, ns since boot
    "cred": 8,
    "files": 8,
}


# struct cred members recorded (kuid_t: struct { uid_t val; }, include/linux/uidgid_types.h).
CRED_FIELDS = {"cred_uid": "uid", "cred_euid": "euid"}

TASK_POINTER = "struct task_struct *"  # as kernel/types.py spells it


def _cred_fields(types: KernelTypes) -> dict[str, FieldLoc]:
    try:
        size = types.struct_size("cred")
        members = {key: types.member("cred", name) for key, name in CRED_FIELDS.items()}
    except TypeLookupError as e:
        raise LayoutError(f"cannot locate the uids in struct cred: {e}") from e
    for key, m in members.items():
        if m.size != 4 or m.offset + m.size > size:
            raise LayoutError(f"struct cred.{CRED_FIELDS[key]} is not a 4-byte kuid_t")
    return {key: FieldLoc(m.offset, m.size) for key, m in members.items()}


def find_percpu_task(types: KernelTypes) -> tuple[int, str]:
    """(per-CPU offset of the current task pointer, how it was found).

    The one place that knows how kernel versions differ here; see the module docstring.
    A source that does not record a variable's type (a hand-made ISF) is taken at its word.
    """
    var = types.percpu_var("current_task")
    if var is not None:
        if var.type not in (None, TASK_POINTER):
            raise LayoutError("per-CPU current_task is not a struct task_struct pointer")
        return types.percpu_base + var.offset, "current_task"
    var = types.percpu_var("pcpu_hot")
    if var is not None:
        if var.type not in (None, "struct pcpu_hot"):
            raise LayoutError("per-CPU pcpu_hot is not a struct pcpu_hot")
        try:
            member = types.member("pcpu_hot", "current_task")
        except TypeLookupError as e:
            raise LayoutError(f"per-CPU pcpu_hot has no current_task member: {e}") from e
        if member.type != TASK_POINTER:
            raise LayoutError("pcpu_hot.current_task is not a struct task_struct pointer")
        return types.percpu_base + var.offset + member.offset, "pcpu_hot.current_task"
    raise LayoutError(f"neither current_task nor pcpu_hot is a per-CPU variable in {types.source}")


def layout_from(types: KernelTypes, *, version: str = "", sha256: str = "") -> KernelLayout:
    """The layout from a kernel's type information, whichever backend gives it."""
    percpu_task, via = find_percpu_task(types)
    try:
        task_size = types.struct_size("task_struct")
    except TypeLookupError as e:
        raise LayoutError(f"{types.source} has no struct task_struct") from e
    locs: dict[str, FieldLoc] = {}
    for name, want in TASK_FIELDS.items():
        try:
            m = types.member("task_struct", name)
        except TypeLookupError as e:
            raise LayoutError(f"cannot locate task_struct.{name}: {e}") from e
        if want is not None and m.size != want:
            raise LayoutError(f"task_struct.{name} is {m.size} bytes, expected {want}")
        if m.offset + m.size > task_size:
            raise LayoutError(f"task_struct.{name} lies outside the {task_size}-byte struct")
        locs[name] = FieldLoc(m.offset, m.size)
    locs.update(_cred_fields(types))
    try:
        fdwalk = fdwalk_from(types)
    except LayoutError:
        fdwalk = {}  # -y then prints bare numbers, and says why
    return KernelLayout(
        version=version,
        release=version.split(" ", 1)[0],
        sha256=sha256,
        percpu_task=percpu_task,
        percpu_task_via=via,
        percpu_section_addr=types.percpu_base,
        task_struct_size=task_size,
        fdwalk=fdwalk,
        **locs,
    )


def layout_from_isf(path: Path | str, version: str = "") -> KernelLayout:
    """The layout from a volatility3 ISF file (``--symbols``); IsfError names the file and
    what is missing or of the wrong type."""
    try:
        return layout_from(IsfTypes(read_isf(path)), version=version)
    except IsfError as err:
        if str(err).startswith("--symbols "):
            raise
        raise IsfError(f"--symbols {path}: {err}") from err
    except LayoutError as err:
        raise IsfError(f"--symbols {path}: {err}") from err


def layout_from_vmlinux(
    elf_bytes: bytes, *, version: str = "", sha256: str = "", path: Path | str = "<vmlinux>"
) -> KernelLayout:
    """Derive the layout from a vmlinux ELF image."""
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        btf_section = elf.get_section_by_name(".BTF")
        percpu = elf.get_section_by_name(PERCPU_SECTION)
        btf_blob = btf_section.data() if btf_section is not None else None
        rodata, text = elf.get_section_by_name(".rodata"), elf.get_section_by_name(".text")
    except (ELFError, ValueError) as e:
        raise CorruptKernelImage(path, f"unreadable vmlinux ELF: {e}") from e
    if btf_blob is None:
        raise NoBTF(path, version.split(" ", 1)[0] or "?")
    section_addr = int(percpu["sh_addr"]) if percpu is not None else 0

    def kernel_symbols() -> Kallsyms:
        if rodata is None or text is None:
            raise KallsymsError("the vmlinux has no .rodata or .text section")
        start = int(rodata["sh_offset"])
        return find_kallsyms(elf_bytes, start, start + int(rodata["sh_size"]), text["sh_addr"])

    types = BtfTypes(Btf(btf_blob), section_addr, kernel_symbols)
    return layout_from(types, version=version, sha256=sha256)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def cache_path(cache_dir: Path | str, sha256: str) -> Path:
    return Path(cache_dir) / "layout" / f"{sha256}.json"


def load_layout(
    bzimage_path: Path | str, cache_dir: Path | str, symbols: Path | None = None
) -> KernelLayout:
    """The layout of the run's kernel: from ``symbols`` (an ISF file, ``--symbols``) when
    given, else from the BTF of the kernel in ``bzimage_path``, cached per kernel build.
    NoBTF when the kernel has no BTF."""
    if symbols is not None:
        check_input_file("--symbols", symbols, "a volatility3 ISF (.json or .json.xz)")
        return layout_from_isf(symbols)
    path = Path(bzimage_path)
    digest = _sha256(path)
    cached = cache_path(cache_dir, digest)
    known = read_derived(cached, Path(cache_dir), digest, KernelLayout.from_json)
    if known is not None:
        return known
    image = read_bzimage(path)
    layout = layout_from_vmlinux(decompress(image), version=image.version, sha256=digest, path=path)
    write_entry(cached, json.dumps(layout.to_json(), indent=1) + "\n")
    return layout
