"""The decoder registry: one Template per templated syscall, looked up by name.

A Template is a row of argument renderers (``Arg``), optionally a return renderer.
Each Arg says what guest memory it needs (Captures) and how it prints, so one
declaration both drives the capture spec and the decoder.  Family modules
(``files``, ``io``, ``net``...) register their templates with :func:`syscall`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..capture.spec import Capture
from .fmt import Ctx, DecodeOptions

Render = Callable[[Ctx, int], "str | None"]  # None: the argument is not printed
Captures = Callable[[DecodeOptions], tuple[Capture, ...]]


def _none(opts: DecodeOptions) -> tuple[Capture, ...]:
    return ()


@dataclass(frozen=True)
class Arg:
    """How one argument prints, and the guest memory it needs for that."""

    render: Render
    captures: Captures = _none


RetRender = Callable[[Ctx], str]


@dataclass(frozen=True)
class Template:
    name: str
    args: tuple[Arg, ...]
    ret: RetRender | None = None  # renders a successful return value (not errors)


TEMPLATES: dict[str, Template] = {}


def syscall(name: str, *args: Arg, ret: RetRender | None = None) -> Template:
    """Register the template for ``name`` (one line per syscall in a family module)."""
    if name in TEMPLATES:
        raise ValueError(f"duplicate template for {name}")
    t = Template(name, tuple(args), ret)
    TEMPLATES[name] = t
    return t


def alias(name: str, of: str) -> Template:
    """A syscall that prints exactly like another one (lchown like chown)."""
    src = TEMPLATES[of]
    t = Template(name, src.args, src.ret)
    TEMPLATES[name] = t
    return t
