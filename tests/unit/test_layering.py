"""The package's layers: each stage imports only the ones below it, the nouns at the
bottom import no stage, there is no import cycle between packages, and no module uses
another module's private name.  Read from the source (every import, also the ones inside
functions), so a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "vmstrace"

# Lower numbers are lower layers: a module may import its own package and lower layers.
# Packages on the same layer may not import each other.
LAYERS = {
    "syscalls": 0,  # the syscall tables, as data
    "core": 1,  # events, errors, cache files: the nouns
    "kernel": 2,  # what the guest kernel is: its types, layout, syscall numbering
    "capture": 3,  # the plugin's side: spec, records, ring, plugin build
    "trace": 4,  # pairing, attribution, filters, the command's outcome
    "decode": 5,  # strace's rendering of each call
    "sinks": 6,  # text, JSON, tree, summary
    "guest": 6,  # the guest: kernel, initramfs, QEMU command line, serial lines
    "host": 7,  # the host side of a run: workdir, signals, outputs
    "_decoder": 7,  # the consumer's compiled glue (pipeline.py's)
    "pipeline": 8,  # records to events to sinks
    "launcher": 8,  # one QEMU process and its lines
    "rawfile": 8,  # the record stream kept: run --save-raw, replay
    "run": 9,  # one traced run
    "replay": 10,  # vmstrace replay
    "userqemu": 10,  # vmstrace qemu: the user's own VM
    "conformance": 10,
    "conformance_suites": 11,
    "bench": 11,
    "report": 7,  # the report: facts from a trace, one HTML page
    "convert": 10,  # vmstrace convert: a JSON lines trace through the sinks
    "fuzz": 11,
    "cli": 12,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [a.name for a in node.names]
            found.append((base, names, node.lineno))
            # `from vmstrace import x`: x is a module too
            found += [(f"{base}.{n}", [], node.lineno) for n in names]
    return [f for f in found if f[0] == "vmstrace" or f[0].startswith("vmstrace.")]


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_module_has_a_layer():
    for path in _sources():
        module = _module_name(path)
        if module == "vmstrace":
            continue
        assert _layer_of(module) is not None, f"{module}: add it to LAYERS"


def test_no_stage_imports_a_later_stage():
    wrong = []
    for path in _sources():
        me = _layer_of(_module_name(path))
        if me is None:
            continue
        for target, _, line in _imports(path):
            other = _layer_of(target)
            if other is None or other == me:
                continue
            if LAYERS[other] >= LAYERS[me]:
                wrong.append(f"{path.relative_to(SRC)}:{line} ({me}) imports {target}")
    assert wrong == []


def test_no_package_import_cycle():
    edges: dict[str, set[str]] = {}
    for path in _sources():
        me = _layer_of(_module_name(path))
        for target, _, _ in _imports(path):
            other = _layer_of(target)
            if me and other and other != me:
                edges.setdefault(me, set()).add(other)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [p for p in edges if reaches(p, p, set())] == []


def test_no_private_name_crosses_a_module():
    wrong = []
    for path in _sources():
        me = _module_name(path)
        for target, names, line in _imports(path):
            if target.rpartition(".")[2].startswith("_") and not _compiled_of(target, me):
                wrong.append(f"{me}:{line} imports {target}")
            for n in names:
                if n.startswith("_") and not _compiled_of(f"{target}.{n}", me):
                    wrong.append(f"{me}:{line} takes {n} from {target}")
        # attribute access of a private name on another module: mod._name
        text = path.read_text()
        tree = ast.parse(text)
        imported = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vmstrace")
            for a in node.names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and not node.value.id.startswith("_")
            ):
                wrong.append(f"{me}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert wrong == []


def _compiled_of(target: str, me: str) -> bool:
    """A compiled extension module (``_records``, ``_decoder``) is its Python module's
    private part: only that module may import it."""
    compiled = {
        "vmstrace._decoder": "vmstrace.pipeline",
        "vmstrace.capture._records": "vmstrace.capture.records",
        "vmstrace.trace._pairing": "vmstrace.trace.pairing",
        "vmstrace.sinks._jsonl": "vmstrace.sinks.jsonl",
        "vmstrace.sinks._text": "vmstrace.sinks.text",
        "vmstrace.sinks._columns": "vmstrace.sinks.parquet",
        "vmstrace.core._abi": "vmstrace.core.abi",
    }
    return compiled.get(target) == me
