"""What a dynamically linked program needs to run in the guest: its ELF interpreter and
every library it loads, found as the host's dynamic loader would find them.

``--add /usr/bin/ls`` alone gives a guest that cannot run it (``No such file or
directory``: the loader and libc are missing).  :func:`with_dependencies` adds, for each
ELF file added, its ``PT_INTERP`` and its ``DT_NEEDED`` libraries, recursively, each
searched in glibc's order (elf/dl-load.c ``_dl_map_object``): a name with a slash as it
is; else the ``DT_RPATH`` of the requesting object and of the executable (when the
requester has no ``DT_RUNPATH``), its ``DT_RUNPATH``, the host's ``/etc/ld.so.cache``,
then the system directories; ``$ORIGIN``, ``$LIB`` and ``$PLATFORM`` expanded.  A
candidate of another ELF class or machine is skipped, as the loader skips it.
``LD_LIBRARY_PATH`` is not used: the guest's environment does not have the host's.

The files are read, never run: ``ldd`` runs the program's own loader on it, which is not
something to do with a sample one is about to study.  pyelftools reads the ELF; the
ld.so cache has no library reader, so :func:`read_ld_cache` parses glibc's format
(elf/cache.c, sysdeps/generic/dl-cache.h) itself, bounded.

Each library lands in the guest at its host path.  One found where the guest's loader
would not look (the host's cache pointed into a directory that is neither a system
directory nor in the requester's run path) also gets a copy in the system directory, by
the name the requester asked for: the guest has no ld.so cache.
"""

from __future__ import annotations

import os
import posixpath
import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import InterpSegment

from vmstrace.core.errors import VmstraceError

LD_CACHE = Path("/etc/ld.so.cache")
# glibc's system search directories on Debian (multiarch first), per ELF machine
SYSTEM_DIRS = {
    "EM_X86_64": ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"),
    "EM_386": ("/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib", "/usr/lib"),
}
_LIB = {"EM_X86_64": "lib/x86_64-linux-gnu", "EM_386": "lib/i386-linux-gnu"}
_PLATFORM = {"EM_X86_64": "x86_64", "EM_386": "i686"}
DF_1_NODEFLIB = 0x800

# Bounds: a program needs tens of libraries; a crafted one could name thousands.
MAX_LIBRARIES = 1024
MAX_SCANNED = 65536  # files of an added directory looked through for ELF programs
MAX_CACHE_BYTES = 64 << 20
MAX_PATH = 4096

_CACHE_MAGIC = b"glibc-ld.so.cache1.1"
_CACHE_OLD_MAGIC = b"ld.so-1.7.0"
_CACHE_HEADER = struct.Struct("<20sIIB3xI12x")  # magic+version, nlibs, len_strings, flags, ext
_CACHE_ENTRY = struct.Struct("<iIIIQ")  # flags, key, value, osversion, hwcap
_CACHE_OLD_ENTRY = 12


def read_ld_cache(data: bytes) -> dict[str, list[str]]:
    """``{library name: [paths, in the cache's order]}`` from an ld.so.cache's bytes (the
    new format, alone or after the old one); ``{}`` for anything else."""
    base = 0
    if data.startswith(_CACHE_OLD_MAGIC) and len(data) >= 16:
        (old_n,) = struct.unpack_from("<I", data, len(_CACHE_OLD_MAGIC))
        base = len(_CACHE_OLD_MAGIC) + 4 + old_n * _CACHE_OLD_ENTRY
        base += -base % 8  # the new header is aligned for its 64-bit fields
    if len(data) < base + _CACHE_HEADER.size or not data.startswith(_CACHE_MAGIC, base):
        return {}
    _magic, nlibs, _strings, _flags, _ext = _CACHE_HEADER.unpack_from(data, base)
    found: dict[str, list[str]] = {}
    for i in range(nlibs):
        at = base + _CACHE_HEADER.size + i * _CACHE_ENTRY.size
        if at + _CACHE_ENTRY.size > len(data):
            break
        _f, key, value, _os, _hw = _CACHE_ENTRY.unpack_from(data, at)
        name, path = _cstr(data, base + key), _cstr(data, base + value)
        if name and path and path.startswith("/"):
            found.setdefault(name, []).append(path)
    return found


def _cstr(data: bytes, at: int) -> str | None:
    if not 0 <= at < len(data):
        return None
    end = data.find(b"\0", at, at + MAX_PATH)
    if end < 0:
        return None
    return data[at:end].decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class ElfInfo:
    """What the loader reads of one ELF file."""

    machine: str  # "EM_X86_64", "EM_386", ...
    elfclass: int  # 32 or 64
    interp: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    nodeflib: bool


def elf_info(path: Path) -> ElfInfo | None:
    """The ELF facts of ``path``, or None when it is not an ELF file (a script, data)."""
    try:
        with path.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                return None
            f.seek(0)
            elf = ELFFile(f)
            interp = None
            needed: list[str] = []
            rpath: list[str] = []
            runpath: list[str] = []
            flags_1 = 0
            for seg in elf.iter_segments():
                if isinstance(seg, InterpSegment):
                    interp = seg.get_interp_name()
            for sec in elf.iter_sections():
                if not isinstance(sec, DynamicSection):
                    continue
                # (pyelftools sets a string tag's value as an attribute named after it)
                for tag in sec.iter_tags():
                    kind = tag.entry.d_tag
                    if kind == "DT_NEEDED":
                        needed.append(tag.needed)  # type: ignore[attr-defined]
                    elif kind == "DT_RPATH":
                        rpath += tag.rpath.split(":")  # type: ignore[attr-defined]
                    elif kind == "DT_RUNPATH":
                        runpath += tag.runpath.split(":")  # type: ignore[attr-defined]
                    elif kind == "DT_FLAGS_1":
                        flags_1 = tag.entry.d_val
            return ElfInfo(
                machine=elf["e_machine"],
                elfclass=elf.elfclass,
                interp=interp,
                needed=tuple(needed[:MAX_LIBRARIES]),
                rpath=tuple(p for p in rpath if p),
                runpath=tuple(p for p in runpath if p),
                nodeflib=bool(flags_1 & DF_1_NODEFLIB),
            )
    except (ELFError, ValueError, KeyError, UnicodeDecodeError, struct.error) as err:
        raise VmstraceError(f"--add: {path} is not a readable ELF file: {err}") from err
    except OSError as err:
        raise VmstraceError(f"--add: cannot read {path}: {err.strerror}") from err


def _expand(entry: str, origin: str, machine: str) -> str:
    """A run-path entry with the loader's substitutions ($ORIGIN, $LIB, $PLATFORM)."""
    for name, value in (
        ("ORIGIN", origin),
        ("LIB", _LIB.get(machine, "lib")),
        ("PLATFORM", _PLATFORM.get(machine, "")),
    ):
        entry = entry.replace("${" + name + "}", value).replace("$" + name, value)
    return posixpath.normpath(entry)


@dataclass
class _Loaded:
    host: Path  # where the file is on the host
    guest: str  # where it goes in the guest
    info: ElfInfo


class _Resolver:
    def __init__(self, cache: dict[str, list[str]]) -> None:
        self.cache = cache
        self.pairs: dict[str, Path] = {}  # guest path -> host path
        self.done: set[tuple[str, str]] = set()  # (name, machine) already resolved
        self.interps: set[str] = set()  # the loaders' names: libc asks for its loader

    def place(self, host: Path, guest: str) -> None:
        if guest not in self.pairs:
            if len(self.pairs) >= MAX_LIBRARIES:
                raise VmstraceError(
                    f"--add: more than {MAX_LIBRARIES} libraries needed; add them by hand "
                    "with --no-deps"
                )
            self.pairs[guest] = host

    def resolve(self, obj: _Loaded, exe: _Loaded) -> None:
        """``obj``'s interpreter and needed libraries, and theirs, placed."""
        todo = [obj]
        while todo:
            cur = todo.pop()
            info = cur.info
            if info.interp is not None:
                interp = Path(info.interp)
                if not interp.is_file():
                    raise VmstraceError(
                        f"--add: {cur.host} needs the ELF interpreter {info.interp}, which "
                        "the host does not have"
                    )
                self.place(interp, info.interp)
                self.interps.add(posixpath.basename(info.interp))
            for name in info.needed:
                if (name, info.machine) in self.done or name in self.interps:
                    continue  # loaded already (the loader itself answers to its soname)
                self.done.add((name, info.machine))
                found = self.find(name, cur, exe)
                if found is None:
                    raise VmstraceError(
                        f"--add: {cur.host} needs {name}, which is nowhere the dynamic "
                        "loader looks on this host (run path, ld.so cache, "
                        f"{', '.join(SYSTEM_DIRS.get(info.machine, ()))}); --add it by "
                        "hand, or --no-deps"
                    )
                self.place(found.host, found.guest)
                todo.append(found)

    def find(self, name: str, req: _Loaded, exe: _Loaded) -> _Loaded | None:
        machine = req.info.machine
        if "/" in name:  # used as it is
            return self._candidate(Path(name), name, req)
        host_origin = str(req.host.parent)
        guest_origin = posixpath.dirname(req.guest)
        dirs: list[tuple[str, str]] = []  # (host dir, guest dir)
        if not req.info.runpath:
            for holder in (req, exe) if exe is not req else (req,):
                for entry in holder.info.rpath:
                    dirs.append(
                        (
                            _expand(entry, str(holder.host.parent), machine),
                            _expand(entry, posixpath.dirname(holder.guest), machine),
                        )
                    )
        dirs += [
            (_expand(e, host_origin, machine), _expand(e, guest_origin, machine))
            for e in req.info.runpath
        ]
        for host_dir, guest_dir in dirs:
            found = self._candidate(Path(host_dir) / name, f"{guest_dir}/{name}", req)
            if found is not None:
                return found
        if req.info.nodeflib:
            return None
        system = SYSTEM_DIRS.get(machine, ())
        for path in self.cache.get(name, []):
            found = self._candidate(Path(path), path, req)
            if found is not None:
                if posixpath.dirname(path) not in system and system:
                    # the guest has no ld.so cache: a copy where its loader looks
                    self.place(found.host, f"{system[0]}/{name}")
                return found
        for d in system:
            found = self._candidate(Path(d) / name, f"{d}/{name}", req)
            if found is not None:
                return found
        return None

    def _candidate(self, host: Path, guest: str, req: _Loaded) -> _Loaded | None:
        if not host.is_file():
            return None
        try:
            info = elf_info(host)
        except VmstraceError:
            return None  # not loadable: the loader skips it and looks further
        if info is None or info.machine != req.info.machine:
            return None  # not a library for this program: the loader goes on looking
        if info.elfclass != req.info.elfclass:
            return None
        return _Loaded(host, posixpath.normpath(guest), info)


def _added_files(adds: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """The regular files ``adds`` copies, a directory's included (its own files, as the
    overlay copies them: symlinks inside it are not followed), up to MAX_SCANNED each."""
    files = []
    for host, guest in adds:
        if host.is_file():
            files.append((host, guest))
        elif host.is_dir():
            scanned = 0
            for root, dirs, names in os.walk(host):
                dirs.sort()
                for name in sorted(names):
                    path = Path(root) / name
                    if path.is_symlink() or not path.is_file():
                        continue
                    scanned += 1
                    if scanned > MAX_SCANNED:
                        raise VmstraceError(
                            f"--add: {host} holds more than {MAX_SCANNED} files to look "
                            "through for ELF programs; add it with --no-deps"
                        )
                    if _is_elf(path):
                        rel = path.relative_to(host).as_posix()
                        files.append((path, posixpath.join(guest, rel)))
    return files


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def with_dependencies(
    adds: list[tuple[Path, str]], cache: Path = LD_CACHE
) -> list[tuple[Path, str]]:
    """``adds`` and, after them, the interpreter and libraries each added ELF file needs,
    an added directory's included (``(host, guest)`` pairs, each guest path once; a path
    the user added keeps their file)."""
    try:
        data = cache.read_bytes()[:MAX_CACHE_BYTES] if cache.is_file() else b""
    except OSError:
        data = b""
    resolver = _Resolver(read_ld_cache(data))
    files = _added_files(adds)
    for host, guest in files:
        info = elf_info(host)
        if info is None:
            continue  # a script or data: its interpreter is the user's to add
        loaded = _Loaded(host, posixpath.normpath(guest), info)
        resolver.resolve(loaded, loaded)
    taken = {posixpath.normpath(guest) for _, guest in adds}
    taken |= {posixpath.normpath(guest) for _, guest in files}  # inside added directories
    extra = [(h, g) for g, h in resolver.pairs.items() if g not in taken]
    return list(adds) + extra


def library_closure(binaries: list[Path]) -> list[tuple[Path, str]]:
    """``(host, guest)`` pairs for the interpreter and every library ``binaries`` need, at
    their host paths (the binaries themselves are the caller's to place)."""
    adds = [(b, str(b)) for b in binaries]
    return with_dependencies(adds)[len(adds) :]
