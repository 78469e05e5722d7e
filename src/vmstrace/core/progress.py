"""Progress on the long steps (a kernel download, an image build, a replay), on stderr and
only when stderr is a terminal: a log or a pipe gets none of it.  rich draws it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn


def _console() -> Console | None:
    console = Console(stderr=True)
    return console if console.is_terminal else None


@contextmanager
def step(text: str) -> Iterator[None]:
    """A spinner saying ``text`` while the block runs."""
    console = _console()
    if console is None:
        yield
        return
    with console.status(text):
        yield


class Bar:
    """A bar over ``total`` bytes; :meth:`advance` as they are done."""

    def __init__(self, text: str, total: int) -> None:
        console = _console()
        self._progress = (
            None
            if console is None
            else Progress(
                TextColumn(text),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
        )
        self._task = None if self._progress is None else self._progress.add_task(text, total=total)

    def __enter__(self) -> Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)
