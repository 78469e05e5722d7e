"""Finding (and, in a source checkout, building) the QEMU capture plugin."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from vmstrace.core.errors import VmstraceError

REPO = Path(__file__).resolve().parents[3]
NATIVE = REPO / "native"
BUILT = REPO / "build" / "vmstrace_plugin.so"


def plugin_path() -> Path:
    """The plugin .so: $VMSTRACE_PLUGIN, or the checkout's build/, rebuilt when stale."""
    env = os.environ.get("VMSTRACE_PLUGIN")
    if env:
        path = Path(env)
        if not path.is_file():
            raise VmstraceError(f"VMSTRACE_PLUGIN={env} does not exist; unset it or run make")
        return path
    if NATIVE.is_dir():
        sources = [p.stat().st_mtime for p in NATIVE.iterdir() if p.suffix in (".c", ".h")]
        if not BUILT.exists() or BUILT.stat().st_mtime < max(sources, default=0):
            try:
                subprocess.run(
                    ["make", "-s", "-C", str(NATIVE)], check=True, capture_output=True, text=True
                )
            except (OSError, subprocess.CalledProcessError) as err:
                detail = getattr(err, "stderr", "") or str(err)
                raise VmstraceError(
                    f"building the capture plugin failed:\n{detail}\n"
                    "install the build tools with `make setup` (gcc, libglib2.0-dev)"
                ) from err
    if not BUILT.exists():
        raise VmstraceError(f"capture plugin {BUILT} not found; run `make plugin`")
    return BUILT
