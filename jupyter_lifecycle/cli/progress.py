"""One rich progress bar per run (``nb2pipe run``, ``nb2pipe verify``): on stderr, transient,
and off when stderr is not an interactive terminal or the command prints JSON, so pipes, logs
and ``--json`` output carry no control codes. rich is imported when a display is shown."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

OnStep = Callable[[int, "int | None"], None]  # (done, total) after each cell or step


class RunProgress:
    """The display of one command; :meth:`run` adds the bar of one run."""

    def __init__(self, progress=None):
        self._progress = progress

    def run(self, description: str, unit: str = "cells") -> OnStep:
        """A new bar ``description`` counting ``unit``; returns its ``on_step(done, total)``."""
        if self._progress is None:
            return _ignore
        progress = self._progress
        task = progress.add_task(description, total=None, unit=unit)

        def on_step(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return on_step


def _ignore(done: int, total: int | None) -> None:
    """No display: nothing to update."""


@contextmanager
def run_progress(enabled: bool = True):
    """Yield a :class:`RunProgress`; it draws only when ``enabled`` and stderr is interactive."""
    from .output import console

    err = console(stderr=True)
    if not enabled or not err.is_interactive:
        yield RunProgress()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    # descriptions name the user's files: shown as text, never read as markup
    progress = Progress(TextColumn("{task.description}", markup=False, style="bold"),
                        BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[unit]}"),
                        TimeElapsedColumn(), console=err, transient=True)
    with progress:
        yield RunProgress(progress)
