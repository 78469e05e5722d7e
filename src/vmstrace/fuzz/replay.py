"""``python -m vmstrace.fuzz.replay TARGET PATH ...``: run saved inputs (files, or every
file of a directory) through a fuzz target once each, without a fuzzer: a crash found by
``make fuzz`` reproduced, or a corpus replayed under sanitizers (scripts/fuzz-asan.sh)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from vmstrace.fuzz.targets import TARGETS


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in TARGETS:
        print(
            f"usage: python -m vmstrace.fuzz.replay {{{','.join(TARGETS)}}} PATH ...",
            file=sys.stderr,
        )
        return 2
    target = TARGETS[argv[1]]
    files = [f for p in map(Path, argv[2:]) for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    failed = 0
    for f in files:
        try:
            target(f.read_bytes())
        except Exception:  # noqa: BLE001  (every failure is reported, then the next input)
            failed += 1
            print(f"{f}: FAILED\n{traceback.format_exc()}", file=sys.stderr)
    print(f"{argv[1]}: {len(files)} inputs, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
