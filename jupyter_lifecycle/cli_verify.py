"""``nb2pipe verify``: run notebook and pipeline with the same parameters, compare stage by stage."""

from __future__ import annotations

import json
import sys

import click

from .cli import EXIT_DIAGNOSTICS, EXIT_INPUT, EXIT_OK, _console, _fail, _print_diagnostics


def parse_parameter(text: str):
    """A ``-p`` value as papermill's CLI reads it: int, float, bool, None, JSON, else string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.strip()[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


@click.command(epilog="Exit codes: 0 every stage matches, 1 a mismatch or a failed run, 2 usage or input error.")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-p", "--parameter", "parameters", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Parameter for both runs (repeatable), parsed like papermill's -p.")
@click.option("--package", "package_dir", type=click.Path(file_okay=False, exists=True),
              help="Verify this generated package instead of converting afresh.")
@click.option("--kernel", default="python3", show_default=True, help="Kernel for the notebook run.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
def verify(notebook, parameters, package_dir, kernel, as_json):
    """Prove that the generated pipeline reproduces NOTEBOOK, stage by stage.

    Runs the notebook through papermill and the generated pipeline with the same parameters, then
    compares fingerprints of every value that crosses a stage boundary, and the metrics.
    """
    from rich.markup import escape
    from rich.table import Table

    from .errors import DiagnosticsFailed, LifecycleError
    from .verify import verify as do_verify

    values = {name: parse_parameter(value) for name, value in parameters}
    try:
        result = do_verify(notebook, values, package_dir=package_dir, kernel=kernel)
    except DiagnosticsFailed as exc:
        _print_diagnostics(exc.diagnostics)
        _console(stderr=True).print(f"[bold red]the notebook has errors[/]; fix them before verifying")
        sys.exit(EXIT_DIAGNOSTICS)
    except LifecycleError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=repr))
        sys.exit(EXIT_OK if result.ok else EXIT_DIAGNOSTICS)
    console = _console()
    comparison = result.comparison
    colours = {"match": "green", "mismatch": "red", "missing": "red", "unhashable": "yellow"}
    table = Table(title=f"verify {escape(notebook)}", title_justify="left")
    for column in ("stage", "result", "values", "details"):
        table.add_column(column, overflow="fold")
    for stage, names in result.boundaries.items():
        status = comparison.stage_status(stage)
        checks = [v for v in comparison.values if v.stage == stage]
        matched = sum(v.status == "match" for v in checks)
        details = ", ".join(f"{v.name}: {v.status}" for v in checks if v.status != "match")
        table.add_row(stage, f"[{colours[status]}]{status}[/]", f"{matched}/{len(checks)}",
                      escape(details) or "—")
    console.print(table)
    if comparison.metrics:
        metrics = Table(title="metrics", title_justify="left")
        for column in ("metric", "notebook", "pipeline", "result"):
            metrics.add_column(column)
        for name, a, b, status in comparison.metrics:
            metrics.add_row(escape(name), escape(repr(a)), escape(repr(b)), f"[{colours[status]}]{status}[/]")
        console.print(metrics)
    for label, error in (("notebook run", result.notebook_error), ("pipeline run", result.pipeline_error)):
        if error:
            console.print(f"[red]{label} failed:[/] {escape(error)}")
    unhashable = [v for v in comparison.values if v.status == "unhashable"]
    if unhashable:
        console.print(f"[yellow]{len(unhashable)} value(s) could not be fingerprinted[/] and are not "
                      "proven: " + escape(", ".join(f"{v.stage}.{v.name}" for v in unhashable)))
    if result.ok:
        console.print("[bold green]verified[/]: the pipeline reproduces the notebook"
                      + (f" (run {result.run_id[:12]})" if result.run_id else ""))
        sys.exit(EXIT_OK)
    where = comparison.first_mismatch
    console.print("[bold red]not verified[/]" + (f": first difference in stage [bold]{where}[/]" if where else ""))
    sys.exit(EXIT_DIAGNOSTICS)
