"""Every call of a trace as one line of text, compressed as it comes: the report's call
list, which the page decompresses and renders on demand (docs/report.md).

A line is ``index, pid, tid, ts (ns), name, args, return`` joined by U+001F (the unit
separator), ending in a newline; a newline, carriage return or U+001F inside a field (the
guest's text) is written as ``\\n``, ``\\r``, ``\\x1f`` so it cannot start a line or a field,
and a lone surrogate (a byte that was not UTF-8) as ``\\udcXX``, so the text is UTF-8.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence

_FIELD_SAFE = str.maketrans({"\n": "\\n", "\r": "\\r", "\x1f": "\\x1f"})
_CHUNK = 4096  # lines joined before they go to the compressor


def _safe(text: str) -> str:
    text = text.translate(_FIELD_SAFE)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class CallLog:
    """The compressed lines; ``blob()`` is their base64 (zlib format, RFC 1950, which the
    browser's DecompressionStream("deflate") reads)."""

    def __init__(self, level: int = 6) -> None:
        self._z = zlib.compressobj(level)
        self._parts: list[bytes] = []
        self._pending: list[str] = []
        self.raw_bytes = 0

    def add(
        self,
        index: int,
        pid: int | None,
        tid: int | None,
        ts: int,
        name: str,
        args: Sequence[str],
        ret_text: str,
    ) -> None:
        self._pending.append(
            f"{index}\x1f{'' if pid is None else pid}\x1f{'' if tid is None else tid}\x1f{ts}"
            f"\x1f{_safe(name)}\x1f{_safe(', '.join(args))}\x1f{_safe(ret_text)}\n"
        )
        if len(self._pending) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self._pending).encode("utf-8")
        self._pending.clear()
        self.raw_bytes += len(data)
        self._parts.append(self._z.compress(data))

    def blob(self) -> str:
        self._flush()
        self._parts.append(self._z.flush())
        self._z = zlib.compressobj()  # (the log is finished: a second blob() is empty)
        data = b"".join(self._parts)
        self._parts = [data]
        return base64.b64encode(data).decode("ascii")
