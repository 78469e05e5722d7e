"""Puts the sources vmstrace builds on the user's machine into the wheel.

The capture plugin (native/) and the guest's init and programs (guest/) are compiled into
the user's cache on first use (src/vmstrace/core/sources.py says why), so a built package
carries them as data, at vmstrace/_data/native and vmstrace/_data/guest.  The repository
keeps one copy, at its top, where `make -C native`, the C extensions' include-dirs and an
editable install use it: this hook copies it into the build, and the sdist takes it in
through MANIFEST.in.  Everything else is declared in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# What each tree ships: what plugin.py and image.py (and realsw.py, debian.py) read.
SHIPPED = {
    "native": ("Makefile", "*.c", "*.h"),
    "guest": (
        "init.sh",
        "vmstrace-command.sh",
        "programs/*.c",
        "real/*.sh",
        "real/*.py",
        "debian/*",
    ),
}


def _shipped() -> list[tuple[Path, Path]]:
    """(source, path under the package) for every shipped file."""
    root = Path(__file__).resolve().parent
    files = []
    for tree, patterns in SHIPPED.items():
        for pattern in patterns:
            found = sorted((root / tree).glob(pattern))
            if not found:  # a rename here would otherwise ship a wheel that cannot run
                raise SystemExit(f"setup.py: nothing matches {tree}/{pattern}")
            files += [(f, Path("_data", tree, f.relative_to(root / tree))) for f in found]
    return files


class BuildPy(build_py):
    """build_py that also copies the shipped trees into the built package."""

    def run(self) -> None:
        super().run()
        # An editable install reads the checkout's own trees (core/sources.py).
        if self.editable_mode:
            return
        for src, rel in _shipped():
            dest = Path(self.build_lib, "vmstrace", rel)
            self.mkpath(str(dest.parent))
            self.copy_file(str(src), str(dest))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        extra = (
            []
            if self.editable_mode
            else [str(Path(self.build_lib, "vmstrace", rel)) for _, rel in _shipped()]
        )
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": BuildPy})
