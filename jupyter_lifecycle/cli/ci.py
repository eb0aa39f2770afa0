"""``nb2pipe ci``: run a generated package's GitHub workflow here, with a progress display and a
summary table (one row per matrix entry: status, metrics, duration).

Exit codes: 0 every entry passed · 1 an entry failed (named, with its failing step or gate) ·
2 bad input (no package, no workflow, a workflow the local runner cannot read).
"""

from __future__ import annotations

import sys

import click

from .output import EXIT_FAILED, console, esc, fail

CI_EPILOG = ("Exit codes: 0 every matrix entry passed, 1 an entry failed (named with its "
             "failing step or gate), 2 no package, no workflow or a bad workflow.")


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{int(value // 60)} min {value % 60:.0f} s"


def _metrics(values: dict, limit: int = 4) -> str:
    shown = [f"{name} {value:.4g}" if isinstance(value, float) else f"{name} {value}"
             for name, value in list(values.items())[:limit]]
    more = len(values) - limit
    return ", ".join(shown) + (f" (+{more})" if more > 0 else "") if shown else "—"


class _Display:
    """A rich progress bar per matrix entry and one line per finished step."""

    def __init__(self, out):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                                 BarColumn(bar_width=16), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=out, transient=True)
        self.tasks: dict[str, int] = {}

    def entry_started(self, entry: str, steps: int) -> None:
        self.progress.console.print(f"[bold]{esc(entry)}[/]")
        self.tasks[entry] = self.progress.add_task(entry, total=steps)

    def step_started(self, entry: str, step) -> None:
        self.progress.update(self.tasks[entry], description=f"{entry}: {step.name}"[:44])

    def step_finished(self, entry: str, result) -> None:
        task = self.tasks[entry]
        self.progress.advance(task)
        mark = {"success": "[green]ok[/]  ", "failure": "[red]FAIL[/]", "skipped": "[dim]skip[/]"}
        line = f"  {mark[result.outcome]} {esc(result.step.name)}"
        if result.outcome != "skipped":
            line += f" [dim]({_seconds(result.duration)})[/]"
        self.progress.console.print(line)
        if result.note and (result.outcome == "failure" or result.step.uses):
            self.progress.console.print(f"       [dim]{esc(result.note)}[/]")
        if self.progress.tasks[task].finished:
            self.progress.update(task, visible=False)


@click.command(epilog=CI_EPILOG)
@click.argument("package", required=False, default=".", type=click.Path(file_okay=False))
def ci(package):
    """Run the CI workflow of PACKAGE (a folder `nb2pipe convert` wrote; default: this folder)
    locally: the steps of .github/workflows/<package>.yml in order, for every matrix entry."""
    from ..ci.local import prepare, run_all
    from ..errors import LifecycleError

    out = console(soft_wrap=False)
    try:
        run = prepare(package)
    except LifecycleError as exc:
        fail(exc)
    entries = ", ".join(str(e["name"]) for e in run.workflow.entries)
    out.print(f"[bold]nb2pipe ci[/] {esc(run.workflow.path.relative_to(run.package_dir))}: "
              f"{len(run.workflow.steps)} steps × {len(run.workflow.entries)} entries ({esc(entries)})")
    display = _Display(out)
    try:
        with display.progress:
            run_all(run, display)
    except LifecycleError as exc:  # an expression the runner cannot evaluate
        fail(exc)
    _summary(out, run)
    if not run.passed:
        sys.exit(EXIT_FAILED)


def _summary(out, run) -> None:
    from rich.table import Table

    table = Table(title="CI summary", title_justify="left")
    table.add_column("entry", overflow="fold")
    table.add_column("status")
    table.add_column("metrics", overflow="fold")
    table.add_column("time", justify="right", no_wrap=True)
    for entry in run.entries:
        status = "[green]passed[/]" if entry.passed else "[red]failed[/]"
        table.add_row(esc(entry.name), status, esc(_metrics(entry.metrics)), _seconds(entry.duration))
    out.print(table)
    for entry in run.entries:
        failed = entry.failed_step
        if failed is not None:
            out.print(f"[red]{esc(entry.name)}[/]: failed at step “{esc(failed.step.name)}”: "
                      f"{esc(entry.reason)}")
            if failed.log is not None:
                out.print(f"  log: {esc(failed.log)}")
    if run.python is not None:
        out.print(f"python: {esc(run.python.reason)}")
    out.print(f"artifacts: {esc(run.artifacts_dir)}")
