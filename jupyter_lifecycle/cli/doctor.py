"""``nb2pipe doctor``: the maturity report of notebooks, as a heatmap, JSON or an HTML page."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from .output import EXIT_DIAGNOSTICS, EXIT_OK, console, fail

EPILOG = ("Exit codes: 0 ok, 1 a notebook is below --fail-under, 2 usage or input error. "
          "Several notebooks (as pre-commit passes them) are reported one after the other.")


def _write(path: Path, text: str, force: bool) -> None:
    """Atomically, and never over an existing file without --force."""
    from ..errors import Location, OutputError

    if path.exists() and not force:
        raise OutputError("exists; add --force to overwrite it", Location(str(path)))
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write the report: {exc.strerror or exc}", Location(str(path))) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"cannot write the report: {exc.strerror or exc}", Location(str(path))) from None


@click.command(epilog=EPILOG)
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table",
              show_default=True, help="Terminal heatmap, JSON, or one self-contained HTML page.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the JSON or HTML report to this file instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
@click.option("--fail-under", type=click.Choice(["low", "medium", "high"]),
              help="Exit 1 when a notebook's overall maturity is below this level (for CI).")
@click.option("--no-cache", is_flag=True, help="Do not use the per-cell analysis cache.")
def doctor(notebooks, fmt, output, force, fail_under, no_cache):
    """How far each NOTEBOOK is from a reproducible experiment: hidden state, seeds, paths,
    parameters, logging, gates and tests, environment, data, and the evidence in the run
    store; a maturity level (low, medium, high) per lifecycle stage and overall."""
    from ..doctor import Level, diagnose
    from ..doctor.render_html import render_html
    from ..doctor.render_terminal import print_report
    from ..errors import LifecycleError

    if fmt == "html" and len(notebooks) > 1:
        raise click.UsageError("--format html reports one notebook at a time")
    if output and fmt == "table":
        raise click.UsageError("--output needs --format json or html")
    reports = []
    for notebook in notebooks:
        try:
            reports.append(diagnose(notebook, use_cache=not no_cache))
        except LifecycleError as exc:
            fail(exc)
    if fmt == "json":
        data = [r.to_dict() for r in reports]
        text = json.dumps(data[0] if len(data) == 1 else data, indent=2) + "\n"
    elif fmt == "html":
        text = render_html(reports[0])
    else:
        text = None
        out = console()
        for report in reports:
            print_report(report, out)
    if text is not None:
        if output:
            try:
                _write(Path(output), text, force)
            except LifecycleError as exc:
                fail(exc)
            console(stderr=True).print(f"wrote {output}")
        else:
            click.echo(text, nl=False)
    if fail_under:
        floor = Level(fail_under)
        below = [r for r in reports if r.overall.rank < floor.rank]
        if below:
            from rich.markup import escape

            for r in below:
                console(stderr=True).print(f"[bold red]{escape(r.notebook)}[/]: maturity "
                                            f"{r.overall.value}, below {floor.value}")
            sys.exit(EXIT_DIAGNOSTICS)
    sys.exit(EXIT_OK)
