"""The constant tables (decode/consts/*.py) against the kernel's UAPI headers.

Every ``(value, name)`` of every table must carry the value the headers in /usr/include
(linux-libc-dev) give that name, macros defined through other macros and shifts included;
a name written ``A|B`` must be their OR.  Names the headers lack (strace's or glibc's own)
are on ALLOWED below, each with the reason.  Two swapped values fail: each name is checked
against its own definition.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from vmstrace.decode import consts

INCLUDE = Path("/usr/include")
# x86-64's own asm headers first: a name they define wins over asm-generic's
HEADER_DIRS = [INCLUDE / "x86_64-linux-gnu" / "asm", INCLUDE / "linux", INCLUDE / "asm-generic"]
# glibc's own headers, where the names ALLOWED_GLIBC come from (checked there instead)
GLIBC_HEADERS = [
    INCLUDE / "x86_64-linux-gnu" / "bits",
    INCLUDE / "unistd.h",
    INCLUDE / "dirent.h",
    INCLUDE / "netinet" / "in.h",
    INCLUDE / "x86_64-linux-gnu" / "sys" / "socket.h",
    INCLUDE / "x86_64-linux-gnu" / "sys" / "ptrace.h",
    INCLUDE / "elf.h",
    INCLUDE / "netinet" / "tcp.h",
    INCLUDE / "netinet" / "udp.h",
]
# every module of decode/consts, so a new family's constants are checked without a step
MODULES: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{consts.__name__}.{m.name}")
    for m in pkgutil.iter_modules(consts.__path__)
)

# Tables whose entries are not macro names.
SKIP_TABLES = {
    ("signals", "SHORT"),  # "HUP": the short names strace prints inside a signal set
    ("ptrace", "USER_OFFSETS"),  # "8*RIP", "offsetof(struct user, ...)": strace's texts
    ("ioctl", "IOC_DIRS"),  # "_IOC_READ|_IOC_WRITE": direction bits, not a request
    # strace's fsmagic.in: most of these magics are in the file systems' own sources,
    # not in linux/magic.h (Z3FOLD_MAGIC, XENIX_SUPER_MAGIC, ZFS_SUPER_MAGIC...)
    ("statfs", "FS_MAGIC"),
}

# Names glibc's headers define and the UAPI ones do not (kept for the kernel, or libc's
# own): checked against glibc's headers.  A name ending in "_" is a prefix.
ALLOWED_GLIBC: dict[str, str] = {
    "AF_": "bits/socket.h (linux/socket.h keeps them for the kernel)",
    "SOCK_": "bits/socket_type.h and bits/socket.h (linux/net.h: kernel only)",
    "MSG_": "bits/socket.h (linux/socket.h: kernel only)",
    "SOL_": "bits/socket.h",
    "SHUT_": "sys/socket.h",
    "DT_": "dirent.h",
    "R_OK": "unistd.h",
    "W_OK": "unistd.h",
    "X_OK": "unistd.h",
    "O_ASYNC": "bits/fcntl-linux.h (the kernel's header calls the bit FASYNC)",
    "SA_INTERRUPT": "bits/sigaction.h; strace's sigact_flags.in prints it",
    "EFD_": "bits/eventfd.h (the kernel's are O_CLOEXEC, O_NONBLOCK and 1)",
    "SCHED_OTHER": "bits/sched.h (the kernel's linux/sched.h calls 0 SCHED_NORMAL)",
    "SCHED_ISO": "bits/sched.h (linux/sched.h reserves 4 without a name)",
    "ST_": "bits/statvfs.h (linux/statfs.h: kernel only)",
    "PTRACE_PEEKUSER": "sys/ptrace.h (linux/ptrace.h says PTRACE_PEEKUSR)",
    "PTRACE_POKEUSER": "sys/ptrace.h (linux/ptrace.h says PTRACE_POKEUSR)",
    "NT_": "elf.h (linux/elf.h has only the kernel's regset notes)",
    "TCP_COOKIE_TRANSACTIONS": "netinet/tcp.h (gone from linux/tcp.h since 3.10)",
}
# Names in no header on this host: strace's own spellings, or newer than linux-libc-dev.
ALLOWED: dict[str, str] = {
    # strace's own
    "SIGRT_": "SIGRTMIN+n, as strace names real-time signals in a set or an argument",
    "MSG_PROBE": "kernel-internal (include/linux/socket.h), in strace's msg_flags.in",
    "MSG_SENDPAGE_NOPOLICY": "kernel-internal (include/linux/socket.h), in msg_flags.in",
    "SOL_SCTP": "kernel-internal (include/linux/socket.h), in strace's socketlayers.in",
    "SOL_UDPLITE": "kernel-internal (include/linux/socket.h), in socketlayers.in",
    "SOL_IPX": "kernel-internal (include/linux/socket.h), in socketlayers.in",
    "SOL_AX25": "kernel-internal (include/linux/socket.h), in socketlayers.in",
    "SOL_ATALK": "kernel-internal (include/linux/socket.h), in socketlayers.in",
    "SOL_NETROM": "kernel-internal (include/linux/socket.h), in socketlayers.in",
    "SOL_ROSE": "kernel-internal (include/linux/socket.h), in socketlayers.in",
    "SUID_DUMP_": "kernel-internal (include/linux/sched/coredump.h), in pr_dumpable.in",
    "ST_VALID": "kernel-internal (include/linux/statfs.h), in strace's statfs_flags.in",
    "ST_NOSYMFOLLOW": "kernel-internal (include/linux/statfs.h), newer than glibc 2.36's",
    # defined as issecure_mask(SECURE_*), a function-like macro this checker does not
    # expand: 1 << SECURE_NOROOT (0) .. SECURE_NO_CAP_AMBIENT_RAISE_LOCKED (7)
    "SECBIT_": "linux/securebits.h, through issecure_mask()",
    # _IOR(SOCK_IOC_TYPE, 0x06, long long[2]) in asm-generic/sockios.h: an array type this
    # checker does not size (16 bytes: 0x80108906, 0x80108907)
    "SIOCGSTAMP_NEW": "asm-generic/sockios.h, through _IOR() of an array type",
    "SIOCGSTAMPNS_NEW": "asm-generic/sockios.h, through _IOR() of an array type",
    # _IOR('T', 0x2A, struct termios2) and the like: a struct this checker does not size
    # (termios2: 44 bytes, serial_iso7816: 40)
    "TCGETS2": "asm-generic/ioctls.h, through _IOR() of struct termios2",
    "TCSETS2": "asm-generic/ioctls.h, through _IOW() of struct termios2",
    "TCSETSW2": "asm-generic/ioctls.h, through _IOW() of struct termios2",
    "TCSETSF2": "asm-generic/ioctls.h, through _IOW() of struct termios2",
    "TIOCGISO7816": "asm-generic/ioctls.h, through _IOR() of struct serial_iso7816",
    "TIOCSISO7816": "asm-generic/ioctls.h, through _IOWR() of struct serial_iso7816",
    # linux/soundcard.h's _SIO('T', 2..4): the OSS timer requests strace names alongside
    # TCSETS, TCSETSW and TCSETSF, whose codes they share
    "SNDCTL_TMR_START": "linux/soundcard.h, through _SIO()",
    "SNDCTL_TMR_STOP": "linux/soundcard.h, through _SIO()",
    "SNDCTL_TMR_CONTINUE": "linux/soundcard.h, through _SIO()",
    # newer than linux-libc-dev 6.1 (Debian 12): their values are the kernel's today
    "F_SEAL_EXEC": "linux/fcntl.h since 6.3",
    "MAP_DROPPABLE": "linux/mman.h since 6.11",
    "MAP_ABOVE4G": "asm/mman.h since 6.7",
    "MFD_NOEXEC_SEAL": "linux/memfd.h since 6.3",
    "MFD_EXEC": "linux/memfd.h since 6.3",
    "ARCH_GET_UNTAG_MASK": "asm/prctl.h since 6.4",
    "ARCH_ENABLE_TAGGED_ADDR": "6.4",
    "ARCH_GET_MAX_TAG_BITS": "6.4",
    "ARCH_FORCE_TAGGED_SVA": "6.4",
    "ARCH_SHSTK_ENABLE": "asm/prctl.h since 6.6",
    "ARCH_SHSTK_DISABLE": "6.6",
    "ARCH_SHSTK_LOCK": "6.6",
    "ARCH_SHSTK_UNLOCK": "6.6",
    "ARCH_SHSTK_STATUS": "6.6",
}

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(?!\()\s+(.+?)\s*$")
_CAST = re.compile(
    r"\(\s*(?:(?:unsigned|signed|const|long|int|short|char)\s+)*"
    r"(?:__force\s+)?[A-Za-z_]\w*\s*\**\s*\)(?=\s*[-(\w~])"
)
_NUMBER = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)\b")


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


_ENUM = re.compile(r"\benum\b[^{;]*\{([^}]*)\}", re.S)
# The ioctl request macros (asm-generic/ioctl.h), with the sizes of the argument types
# the tables' requests use (x86-64)
_IOC = re.compile(r"\b_IO(R|W|WR)?\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*(?:,\s*([^()]+?)\s*)?\)")
_SIZES = {
    "int": 4,
    "unsigned int": 4,
    "__u32": 4,
    "long": 8,
    "unsigned long": 8,
    "size_t": 8,
    "__u64": 8,
    "struct fstrim_range": 24,
}


def _ioc(m: re.Match[str]) -> str:
    direction = {None: 0, "W": 1, "R": 2, "WR": 3}[m.group(1)]
    size = _SIZES.get(m.group(4) or "", -1) if m.group(1) else 0
    if size < 0:
        return "@"  # an unknown argument type: the value stays unknown
    return f"(({direction} << 30) | ({size} << 16) | (({m.group(2)}) << 8) | ({m.group(3)}))"


def _read_defines(dirs: list[Path]) -> dict[str, list[str]]:
    """Every object-like ``#define`` and enum constant in the headers of ``dirs``:
    name -> bodies, in the directories' order (a name defined twice keeps both)."""
    defs: dict[str, list[str]] = {}
    for directory in dirs:
        headers = sorted(directory.rglob("*.h")) if directory.is_dir() else [directory]
        for header in headers:
            text = _strip_comments(header.read_text(errors="replace")).replace("\\\n", " ")
            for line in text.splitlines():
                m = _DEFINE.match(line)
                if m and m.group(2) != m.group(1):  # (#define IPPROTO_IP IPPROTO_IP)
                    defs.setdefault(m.group(1), []).append(_IOC.sub(_ioc, m.group(2)))
            for body in _ENUM.findall(text):
                last = "-1"
                body = re.sub(r"(?m)^\s*#.*$", " ", body)  # (#define X X, #if inside)
                for item in body.split(","):
                    item = item.strip()
                    e = re.fullmatch(r"([A-Za-z_]\w*)\s*(?:=\s*(.+))?", item, re.S)
                    if not e:
                        continue
                    last = e.group(2) if e.group(2) else f"({last}) + 1"
                    defs.setdefault(e.group(1), []).append(last)
    return defs


def _c_number(m: re.Match[str]) -> str:
    digits = m.group(1)
    if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xX":
        return "0o" + digits[1:]  # C octal
    return digits


class _Eval:
    """Values of macros: C integer expressions over numbers and other macros."""

    def __init__(self, defs: dict[str, list[str]]) -> None:
        self.defs = defs
        self.cache: dict[str, set[int]] = {}

    def values(self, name: str, depth: int = 0) -> set[int]:
        if name in self.cache:
            return self.cache[name]
        out: set[int] = set()
        if depth < 20:
            for body in self.defs.get(name, []):
                v = self.expr(body, depth + 1)
                if v is not None:
                    out.add(v)
        self.cache[name] = out
        return out

    def expr(self, body: str, depth: int) -> int | None:
        text = re.sub(r"'(\\?.)'", lambda m: str(ord(m.group(1)[-1])), body)  # 'T'
        text = _CAST.sub(" ", text)
        text = _NUMBER.sub(_c_number, text)
        names = set(re.findall(r"\b[A-Za-z_]\w*\b", text))
        env: dict[str, int] = {}
        for n in names:
            vals = self.values(n, depth)
            if len(vals) != 1:
                return None
            env[n] = next(iter(vals))
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError:
            return None
        allowed = (
            ast.Expression,
            ast.BinOp,
            ast.UnaryOp,
            ast.Constant,
            ast.Name,
            ast.BitOr,
            ast.BitAnd,
            ast.LShift,
            ast.RShift,
            ast.Invert,
            ast.USub,
            ast.UAdd,
            ast.Add,
            ast.Sub,
            ast.Mult,
            ast.BitXor,
            ast.Load,
        )
        if not all(isinstance(node, allowed) for node in ast.walk(tree)):
            return None
        if any(
            isinstance(node, ast.Constant) and not isinstance(node.value, int)
            for node in ast.walk(tree)
        ):
            return None
        return int(eval(compile(tree, "<macro>", "eval"), {"__builtins__": {}}, env))


def _tables() -> Iterator[tuple[str, str, int, str]]:
    """(module, table, value, name) for every entry of every table."""
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[1]
        for attr, table in vars(module).items():
            if attr.startswith("_") or (short, attr) in SKIP_TABLES:
                continue
            if isinstance(table, dict):
                pairs = list(table.items())
            elif (
                isinstance(table, tuple)
                and table
                and all(isinstance(e, tuple) and len(e) == 2 for e in table)
            ):
                pairs = list(table)
            else:
                continue
            for value, name in pairs:
                if isinstance(value, int) and isinstance(name, str):
                    # a code two macros share is named "A or B", as strace names it
                    for part in name.split(" or "):
                        yield short, attr, value, part


def _same(value: int, header: int) -> bool:
    """Equal, or the same bits in the argument's width (-1 as 0xffffffff)."""
    return value in (header, header & 0xFFFFFFFF, header & ((1 << 64) - 1))


def _allowed(name: str) -> bool:
    return name in ALLOWED or any(
        name.startswith(prefix) for prefix in ALLOWED if prefix.endswith("_")
    )


def _glibc_name(name: str) -> bool:
    return name in ALLOWED_GLIBC or any(
        name.startswith(prefix) for prefix in ALLOWED_GLIBC if prefix.endswith("_")
    )


@pytest.fixture(scope="module")
def headers() -> tuple[_Eval, _Eval]:
    """(the UAPI headers, the UAPI and glibc headers)."""
    if not (INCLUDE / "linux" / "fcntl.h").exists():
        pytest.fail("the kernel's UAPI headers are missing: apt-get install linux-libc-dev")
    return _Eval(_read_defines(HEADER_DIRS)), _Eval(_read_defines(GLIBC_HEADERS + HEADER_DIRS))


def _check(value: int, name: str, ev: _Eval) -> str | None:
    """None when ``name`` (``A|B``: their OR) has ``value`` in ``ev``'s headers; "missing"
    when a part is not defined there; otherwise what the headers say."""
    parts = name.split("|")
    if not all(re.fullmatch(r"[A-Za-z_]\w*", p) and ev.values(p) for p in parts):
        return "missing"
    candidates = {0}
    for p in parts:
        candidates = {c | v for c in candidates for v in ev.values(p)}
    if any(_same(value, h) for h in candidates):
        return None
    return ", ".join(f"{h:#x}" for h in sorted(candidates))


def test_tables_match_uapi_headers(headers: tuple[_Eval, _Eval]) -> None:
    uapi, glibc = headers
    wrong, missing = [], []
    for module, table, value, name in _tables():
        where = f"{module}.{table}: {name} = {value:#x}"
        if all(_allowed(p) for p in name.split("|")):
            continue
        glibc_only = all(_glibc_name(p) for p in name.split("|"))
        said = _check(value, name, glibc if glibc_only else uapi)
        if said == "missing":
            missing.append(where)
        elif said is not None:
            wrong.append(f"{where}, headers say {said}")
    assert not wrong, "values differ from the headers:\n" + "\n".join(wrong)
    assert not missing, "names the headers lack (add to ALLOWED with a reason):\n" + "\n".join(
        missing
    )


def test_allow_lists_are_needed(headers: tuple[_Eval, _Eval]) -> None:
    """A name allowed as strace's own must be in no header; one allowed as glibc's must
    be in glibc's headers and not in the UAPI ones."""
    uapi, glibc = headers
    assert not [n for n in ALLOWED if not n.endswith("_") and glibc.values(n)]
    assert not [n for n in ALLOWED_GLIBC if not n.endswith("_") and uapi.values(n)]
