"""The report as one self-contained HTML page: style, script and data inline, nothing
fetched, so it opens from a file with no network.

The data is JSON inside ``<script type="application/json">`` blocks.  Everything in it may
come from the guest (file names, argv, comm), so it is written by :func:`script_json`:
ASCII only (``json.dumps`` escapes U+2028/U+2029 and a lone surrogate, a byte that was not
UTF-8, as ``\\uXXXX``) and with ``<``, ``>`` and ``&`` escaped too, so no ``</script>`` or
``<!--`` can end or change the block.  The call list is zlib-compressed and base64'd
(``calls.py``); the page's script inflates it with the browser's DecompressionStream.
"""

from __future__ import annotations

import html
import json
from typing import Any, TextIO

from vmstrace.report.assets import CSS, JS
from vmstrace.report.reader import Collector
from vmstrace.syscalls import TABLES

_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(value: Any) -> str:
    """``value`` as JSON text that is safe inside a <script> element (module docstring)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).translate(_SCRIPT_SAFE)


def _classes(names: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    per_name: dict[str, list[str]] = {}
    every: set[str] = set()
    for name in names:
        found: set[str] = set()
        for abi in TABLES:
            info = TABLES[abi].by_name(name)
            if info is not None:
                found |= info.classes
        per_name[name] = sorted(found)
        every |= found
    return per_name, sorted(every)


def summary(collected: Collector) -> dict[str, Any]:
    """The facts as the page and ``--json`` have them."""
    out = collected.facts.summary()
    out["source"] = collected.source
    return out


def render(collected: Collector) -> str:
    """The page."""
    facts = summary(collected)
    name_classes, classes = _classes(list(facts["syscalls"]))
    meta = {"source": collected.source, "name_classes": name_classes, "classes": classes}
    blob = collected.calls.blob() if collected.calls is not None else ""
    title = "vmstrace report" + (f": {collected.source}" if collected.source else "")
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
            f'<h1>{html.escape(title)}</h1><div id="head"></div><div id="overview"></div>',
            '<h2>Process tree</h2><div class="muted">click a process for its facts and calls'
            '</div><div id="tree"></div>',
            '<p>Facts of <span id="scope"></span> <button id="allbtn">whole run</button></p>',
            '<div id="facts"></div>',
            '<h2>Calls</h2><div class="filters">process <select id="pidsel"></select>'
            ' names <input id="namef" placeholder="openat, read"> class '
            '<select id="clssel"></select> text <input id="textf" placeholder="/etc/">'
            '</div><div id="listinfo">loading the calls…</div>'
            '<div id="calls"><div id="spacer"></div></div>',
            f'<script type="application/json" id="vmstrace-summary">{script_json(facts)}</script>',
            f'<script type="application/json" id="vmstrace-meta">{script_json(meta)}</script>',
            f'<script type="application/json" id="vmstrace-calls">{script_json(blob)}</script>',
            f"<script>{JS}</script></body></html>\n",
        ]
    )


def write_report(collected: Collector, page: TextIO | None, facts: TextIO | None) -> None:
    """Write the page to ``page`` and/or the facts as JSON to ``facts`` (open files)."""
    if facts is not None:
        json.dump(summary(collected), facts, indent=1)
        facts.write("\n")
    if page is not None:
        page.write(render(collected))
