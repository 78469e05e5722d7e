"""Where the guest kernel keeps the current task and the task_struct fields we copy.

Everything here is derived from the guest kernel image itself (its BTF), never from a
table of known kernels.  Kernel-version differences are feature-detected in one place,
:func:`find_percpu_task`:

* up to 6.1 (and again from 6.15), ``current_task`` is a per-CPU variable of its own
  (arch/x86/include/asm/current.h: ``DECLARE_PER_CPU(struct task_struct *, current_task)``);
* 6.2 – 6.14 moved it into ``struct pcpu_hot`` (``DECLARE_PER_CPU_ALIGNED(struct pcpu_hot,
  pcpu_hot)``), so the offset is the variable's plus the member's.

A DATASEC entry's offset is relative to the ELF section; the x86-64 per-CPU section is
linked at address 0 (zero-based per-CPU, through 6.14), so that offset is also what the
kernel adds to the GS base.  We add the section's link address anyway, so a non-zero
base shows up in the result rather than being silently dropped.

:func:`load_layout` caches the result as JSON per kernel build (sha256 of the bzImage):
decompressing a kernel and parsing its BTF takes about a second; reading the cache does not.
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
from vmstrace.core.files import read_derived, write_entry
from vmstrace.kernel.btf import Btf, Kind
from vmstrace.kernel.bzimage import decompress, read_bzimage
from vmstrace.kernel.errors import BtfLookupError, CorruptKernelImage, LayoutError, NoBTF
from vmstrace.kernel.fdwalk import fdwalk_from_btf

SCHEMA = 5  # bump when KernelLayout's fields or their meaning change
TASK_COMM_LEN = 16  # include/linux/sched.h
PERCPU_SECTION = ".data..percpu"


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
_TASK_FIELDS: dict[str, int | None] = {
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
_CRED_FIELDS = {"cred_uid": "uid", "cred_euid": "euid"}


def _cred_fields(btf: Btf) -> dict[str, FieldLoc]:
    try:
        cred = btf.find_struct("cred")
        locs = {
            key: FieldLoc(btf.member_offset(cred, name), btf.member_size(cred, name))
            for key, name in _CRED_FIELDS.items()
        }
    except BtfLookupError as e:
        raise LayoutError(f"cannot locate the uids in struct cred: {e}") from e
    for key, loc in locs.items():
        if loc.size != 4 or loc.offset + loc.size > cred.size:
            raise LayoutError(f"struct cred.{_CRED_FIELDS[key]} is not a 4-byte kuid_t")
    return locs


def _is_task_pointer(btf: Btf, type_id: int) -> bool:
    t = btf.resolve(type_id)
    return t.kind is Kind.PTR and btf.resolve(t.type_id).name == "task_struct"


def find_percpu_task(btf: Btf, section_addr: int = 0) -> tuple[int, str]:
    """(per-CPU offset of the current task pointer, how it was found).

    The one place that knows how kernel versions differ here; see the module docstring.
    """
    secs = [s for s in btf.datasecs() if s.name == PERCPU_SECTION]
    if not secs:
        raise LayoutError(
            f"the kernel's BTF has no {PERCPU_SECTION} section: per-CPU variables "
            "were not encoded (pahole too old?), so the current task cannot be located"
        )
    candidates = {}
    for info in secs[0].secinfos:
        var = btf.type(info.type_id)
        if var.kind is Kind.VAR and var.name in ("current_task", "pcpu_hot"):
            candidates[var.name] = (info, var)
    if "current_task" in candidates:
        info, var = candidates["current_task"]
        if not _is_task_pointer(btf, var.type_id):
            raise LayoutError("per-CPU current_task is not a struct task_struct pointer")
        return section_addr + info.offset, "current_task"
    if "pcpu_hot" in candidates:
        info, var = candidates["pcpu_hot"]
        try:
            loc = btf.member(var.type_id, "current_task")
        except BtfLookupError as e:
            raise LayoutError(f"per-CPU pcpu_hot has no current_task member: {e}") from e
        if loc.bitfield_size or loc.bit_offset % 8 or not _is_task_pointer(btf, loc.type_id):
            raise LayoutError("pcpu_hot.current_task is not a struct task_struct pointer")
        return section_addr + info.offset + loc.bit_offset // 8, "pcpu_hot.current_task"
    raise LayoutError(
        f"neither current_task nor pcpu_hot is in the kernel's {PERCPU_SECTION} BTF section"
    )


def layout_from_btf(
    btf: Btf, *, version: str = "", sha256: str = "", section_addr: int = 0
) -> KernelLayout:
    """Derive the layout from parsed BTF (``section_addr``: link address of .data..percpu)."""
    try:
        task = btf.find_struct("task_struct")
    except BtfLookupError as e:
        raise LayoutError(f"the kernel's BTF has no struct task_struct: {e}") from e
    locs: dict[str, FieldLoc] = {}
    for name, want in _TASK_FIELDS.items():
        try:
            loc = FieldLoc(btf.member_offset(task, name), btf.member_size(task, name))
        except BtfLookupError as e:
            raise LayoutError(f"cannot locate task_struct.{name}: {e}") from e
        if want is not None and loc.size != want:
            raise LayoutError(f"task_struct.{name} is {loc.size} bytes, expected {want}")
        if loc.offset + loc.size > task.size:
            raise LayoutError(f"task_struct.{name} lies outside the {task.size}-byte struct")
        locs[name] = loc
    locs.update(_cred_fields(btf))
    percpu_task, via = find_percpu_task(btf, section_addr)
    try:
        fdwalk = fdwalk_from_btf(btf)
    except LayoutError:
        fdwalk = {}  # -y then prints bare numbers, and says why
    return KernelLayout(
        version=version,
        release=version.split(" ", 1)[0],
        sha256=sha256,
        percpu_task=percpu_task,
        percpu_task_via=via,
        percpu_section_addr=section_addr,
        task_struct_size=task.size,
        fdwalk=fdwalk,
        **locs,
    )


def layout_from_vmlinux(
    elf_bytes: bytes, *, version: str = "", sha256: str = "", path: Path | str = "<vmlinux>"
) -> KernelLayout:
    """Derive the layout from a vmlinux ELF image."""
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        btf_section = elf.get_section_by_name(".BTF")
        percpu = elf.get_section_by_name(PERCPU_SECTION)
        btf_blob = btf_section.data() if btf_section is not None else None
    except (ELFError, ValueError) as e:
        raise CorruptKernelImage(path, f"unreadable vmlinux ELF: {e}") from e
    if btf_blob is None:
        raise NoBTF(path, version.split(" ", 1)[0] or "?")
    section_addr = int(percpu["sh_addr"]) if percpu is not None else 0
    return layout_from_btf(Btf(btf_blob), version=version, sha256=sha256, section_addr=section_addr)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def cache_path(cache_dir: Path | str, sha256: str) -> Path:
    return Path(cache_dir) / "layout" / f"{sha256}.json"


def load_layout(bzimage_path: Path | str, cache_dir: Path | str) -> KernelLayout:
    """The layout of the kernel in ``bzimage_path``, from the cache when it has it."""
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
