"""``nb2pipe verify``: run notebook and pipeline with the same parameters, compare stage by stage."""

from __future__ import annotations

import json
import sys

import click

from .output import EXIT_DIAGNOSTICS, EXIT_OK, console, fail, print_diagnostics, short_id
from .progress import run_progress


@click.command(epilog="Exit codes: 0 every stage matches, 1 a mismatch or a failed run, 2 usage or input error.")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-p", "--parameter", "parameters", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Parameter for both runs (repeatable), parsed like papermill's -p.")
@click.option("-f", "--parameters-file", "files", multiple=True, type=click.Path(dir_okay=False),
              help="YAML or JSON file of parameters (repeatable; -p wins).")
@click.option("--package", "package_dir", type=click.Path(file_okay=False, exists=True),
              help="Verify this generated package instead of converting afresh.")
@click.option("--kernel", default="python3", show_default=True, help="Kernel for the notebook run.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
def verify(notebook, parameters, files, package_dir, kernel, as_json):
    """Prove that the generated pipeline reproduces NOTEBOOK, stage by stage.

    Runs the notebook through papermill and the generated pipeline with the same parameters, then
    compares fingerprints of every value that crosses a stage boundary, and the metrics.
    """
    from rich.markup import escape
    from rich.table import Table

    from ..errors import DiagnosticsFailed, LifecycleError, Location, NotebookError
    from ..run.params import ParameterError, resolve
    from ..verify import verify as do_verify

    try:
        raw = json.loads(open(notebook, encoding="utf-8").read())
        values = resolve(raw, list(parameters), list(files), notebook)
    except (OSError, ValueError) as exc:  # ParameterError is a ValueError; so is bad JSON
        reason = exc if isinstance(exc, ParameterError) else f"cannot read the notebook: {exc}"
        fail(NotebookError(str(reason), Location(notebook)))
    try:
        with run_progress(enabled=not as_json) as progress:
            result = do_verify(notebook, values, package_dir=package_dir, kernel=kernel,
                               on_run=progress.run)
    except DiagnosticsFailed as exc:
        print_diagnostics(exc.diagnostics)
        console(stderr=True).print("[bold red]the notebook has errors[/]; fix them before verifying")
        sys.exit(EXIT_DIAGNOSTICS)
    except LifecycleError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=repr))
        sys.exit(EXIT_OK if result.ok else EXIT_DIAGNOSTICS)
    out = console()
    comparison = result.comparison
    colours = {"match": "green", "mismatch": "red", "missing": "red", "unhashable": "yellow",
               "nondeterministic": "yellow", "failed": "red", "—": "dim"}
    failed = bool(result.notebook_error or result.pipeline_error)
    table = Table(title=f"verify {escape(notebook)}", title_justify="left")
    for column in ("step", "result", "values", "details"):
        table.add_column(column, overflow="fold")
    for stage, names in result.boundaries.items():
        checks = [v for v in comparison.values if v.stage == stage]
        status = "failed" if failed else comparison.stage_status(stage) if checks else "—"
        matched = sum(v.status == "match" for v in checks)
        details = ", ".join(f"{v.name}: {v.status}" for v in checks if v.status != "match")
        table.add_row(stage, f"[{colours[status]}]{status}[/]", f"{matched}/{len(checks)}",
                      escape(details) or "—")
    out.print(table)
    if comparison.metrics:
        metrics = Table(title="metrics", title_justify="left")
        for column in ("metric", "notebook", "pipeline", "result"):
            metrics.add_column(column)
        for name, a, b, status in comparison.metrics:
            metrics.add_row(escape(name), escape(repr(a)), escape(repr(b)), f"[{colours[status]}]{status}[/]")
        out.print(metrics)
    for label, error in (("notebook run", result.notebook_error), ("pipeline run", result.pipeline_error)):
        if error:
            out.print(f"[red]{label} failed:[/] {escape(error)}")
    unhashable = [v for v in comparison.values if v.status == "unhashable"]
    if unhashable:
        out.print(f"[yellow]{len(unhashable)} value(s) could not be fingerprinted[/] and are not "
                      "proven: " + escape(", ".join(f"{v.stage}.{v.name}" for v in unhashable)))
    if result.ok:
        out.print("[bold green]verified[/]: the pipeline reproduces the notebook"
                      + (f" (run {short_id(result.run_id)})" if result.run_id else ""))
        sys.exit(EXIT_OK)
    out.print(f"[bold red]not verified[/]: {escape(result.reason or 'values differ')}")
    sys.exit(EXIT_DIAGNOSTICS)
