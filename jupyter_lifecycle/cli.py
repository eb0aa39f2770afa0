"""``nb2pipe``: thin click commands over ``jupyter_lifecycle.api``; rich for tables.

Exit codes: 0 ok · 1 the notebook has errors (diagnostics) · 2 bad usage or input.
Heavy imports (libcst, nbformat, rich) happen inside commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_INPUT = 0, 1, 2
EPILOG = "Exit codes: 0 ok, 1 the notebook has errors (diagnostics), 2 usage or input error."


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(error) -> None:
    """Print one clear message for a LifecycleError and exit 2."""
    from rich.markup import escape

    _console(stderr=True).print(f"[bold red]error:[/] {escape(str(error))}")
    sys.exit(EXIT_INPUT)


def _print_diagnostics(diagnostics, verbose: bool = False) -> None:
    from rich.markup import escape

    console = _console(stderr=True)
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    notes = [d for d in diagnostics if d.severity.value == "info"]
    if notes and not verbose:
        console.print(f"[blue]{len(notes)} note(s)[/] (display-only statements and magics left "
                      "out of the exported code); -v lists them")
    for d in diagnostics:
        if d.severity.value == "info" and not verbose:
            continue
        colour = colours[d.severity.value]
        console.print(f"{escape(str(d.location))}: [{colour}]{d.severity.value}[/] "
                      f"[dim]\\[{d.code}][/] {escape(d.message)}")


def _load(path: str, use_cache: bool = True):
    from .api import load_graph
    from .errors import LifecycleError

    try:
        return load_graph(path, use_cache=use_cache)
    except LifecycleError as exc:
        _fail(exc)


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyter-lifecycle", prog_name="nb2pipe")
def main() -> None:
    """Turn lifecycle-tagged notebooks into tested, reproducible pipeline packages.

    Tag cells with `lifecycle:<stage>` (setup, ingest, explore, prepare, train, evaluate,
    validate, deploy, monitor, test, skip); untagged cells take the stage of the cell above.
    """


@main.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False),
              help="Output directory [default: <package> next to the notebook].")
@click.option("--name", "package", help="Package name [default: <notebook>_pipeline].")
@click.option("--force", is_flag=True, help="Regenerate into an existing directory (never "
              "overwrites files edited by hand).")
@click.option("--dry-run", is_flag=True, help="Print the files and diffs; write nothing.")
@click.option("--prune", is_flag=True, help="Leave out values nothing later reads (the "
              "`dead-value` notes); signatures and imports narrow with them.")
@click.option("--auto-tag", is_flag=True, help="Give cells without a stage tag the stage "
              "`nb2pipe tag --auto` proposes (in memory; the notebook is not changed).")
@click.option("--no-cache", is_flag=True, help="Do not use the per-cell analysis cache.")
@click.option("-v", "--verbose", is_flag=True, help="Also show informational notes.")
def convert(notebook, out_dir, package, force, dry_run, prune, auto_tag, no_cache, verbose):
    """Convert NOTEBOOK into an installable package with tests and a papermill run notebook."""
    from .api import convert as do_convert
    from .errors import LifecycleError

    try:
        result = do_convert(notebook, out_dir, package=package, force=force, dry_run=dry_run,
                            use_cache=not no_cache, parallel=True, prune=prune, auto_tag=auto_tag)
    except LifecycleError as exc:
        _fail(exc)
    from rich.markup import escape

    _print_diagnostics(result.diagnostics, verbose)
    console = _console()
    if result.errors:
        _console(stderr=True).print(
            f"[bold red]{len(result.errors)} error(s)[/] in {escape(notebook)}; nothing was written.")
        sys.exit(EXIT_DIAGNOSTICS)
    plan = result.plan
    if dry_run:
        if plan.conflicts or (plan.exists and not force):
            why = (f"{len(plan.conflicts)} file(s) were edited by hand or are not ours"
                   if plan.conflicts else "the directory exists (add --force)")
            console.print(f"[bold]dry run[/]: [red]the real run would refuse[/] to write "
                          f"{escape(str(result.out_dir))}: {why}")
        else:
            console.print(f"[bold]dry run[/]: would write {escape(str(result.out_dir))}")
        for path in sorted(f.path for f in result.files):
            state = ("create" if path in plan.create else "update" if path in plan.update
                     else "conflict" if path in plan.conflicts else "unchanged")
            console.print(f"  {state:9} {path}")
        for path in plan.remove:
            console.print(f"  {'remove':9} {path}")
        diff = plan.diff(result.files)
        if diff:
            click.echo(diff, nl=False)
        return
    changed = len(plan.create) + len(plan.update)
    console.print(f"[green]wrote[/] {escape(str(result.out_dir))} — package [bold]{result.package}[/], "
                  f"{len(result.graph.stages)} stage(s), {len(result.graph.tests)} test cell(s), "
                  f"{changed} file(s) written, {len(plan.unchanged)} unchanged")
    console.print(f"next: cd {escape(str(result.out_dir))} && pytest && python -m {result.package}")


@main.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("-v", "--verbose", is_flag=True, help="Also show informational notes.")
def stages(notebook, as_json, verbose):
    """Show the effective stage of every cell and each stage's inputs and outputs."""
    graph = _load(notebook)
    if as_json:
        from .graph.render import graph_to_dict

        click.echo(json.dumps(graph_to_dict(graph), indent=2))
        sys.exit(EXIT_DIAGNOSTICS if graph.errors else EXIT_OK)
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(notebook)}: cells", title_justify="left")
    for column in ("#", "id", "stage", "first line"):
        table.add_column(column, overflow="fold")
    for cell in graph.notebook.cells:
        if not cell.is_code:
            continue
        stage = "parameters" if cell.is_parameters else cell.stage
        colour = graph.notebook.table[cell.stage].color
        shown = f"[{colour}]{stage}[/]" if not cell.inherited or cell.is_parameters \
            else f"[dim]{stage} ↑[/]"
        table.add_row(str(cell.index), escape(cell.id), shown, escape(cell.first_line[:70]))
    console = _console()
    console.print(table)
    flow = Table(title="steps (pipeline order = notebook order)", title_justify="left")
    for column in ("step", "cells", "inputs", "parameters", "outputs"):
        flow.add_column(column, overflow="fold")
    for node in graph.stages:
        flow.add_row(node.name, ", ".join(str(c.index) for c in node.cells),
                     ", ".join(node.inputs) or "—", ", ".join(node.params) or "—",
                     ", ".join(node.outputs) or "—")
    console.print(flow)
    if graph.tests:
        console.print("tests: " + ", ".join(
            f"cell {t.cell.index} (after {t.until or 'parameters'})" for t in graph.tests))
    _print_diagnostics(graph.diagnostics, verbose)
    sys.exit(EXIT_DIAGNOSTICS if graph.errors else EXIT_OK)


@main.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--cell", "cells", multiple=True, help="Cell id or 0-based index (repeatable).")
@click.option("--stage", help="Stage name or alias to tag with.")
@click.option("--untag", is_flag=True, help="Remove the cells' stage tags instead.")
@click.option("--auto", is_flag=True, help="Propose a stage for every code cell from what it does.")
@click.option("--from", "dialect", type=click.Choice(["kale", "nbdev", "papermill"]),
              help="Map another tool's tags onto stages (the rest as --auto).")
@click.option("--write", is_flag=True, help="With --auto/--from: write the proposed tags.")
@click.option("--overwrite", is_flag=True, help="With --auto/--from: retag cells that already "
              "carry a stage tag too.")
def tag(notebook, cells, stage, untag, auto, dialect, write, overwrite):
    """Tag cells of NOTEBOOK with a lifecycle stage (written as `lifecycle:<stage>`), or propose
    stages for every cell (--auto, --from) and write them with --write."""
    from .errors import LifecycleError
    from .notebook.tagging import set_stage
    from .stages import load_stage_table

    if auto or dialect:
        if cells or stage or untag:
            raise click.UsageError("--auto/--from tag every cell: drop --cell, --stage and --untag")
        from .cli_autotag import auto_tag

        return auto_tag(notebook, dialect, write, overwrite)
    if write or overwrite:
        raise click.UsageError("--write and --overwrite go with --auto or --from")
    if not cells:
        raise click.UsageError("give --cell (with --stage or --untag), or --auto, or --from")
    if bool(stage) == bool(untag):
        raise click.UsageError("give exactly one of --stage or --untag")
    try:
        table = load_stage_table(Path(notebook).parent)
        name = None if untag else (table.get(stage).name if table.get(stage) else stage)
        changed, kept_format = set_stage(notebook, list(cells), name, table)
    except LifecycleError as exc:
        _fail(exc)
    console = _console()
    if not changed:
        console.print("nothing to change")
        return
    what = f"tagged as {name}" if name else "untagged"
    console.print(f"{what}: cell(s) {', '.join(map(str, changed))}")
    if not kept_format:
        console.print("[yellow]note:[/] the file's JSON layout was normalised (nbformat style)")


@main.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text",
              show_default=True)
def graph(notebook, fmt):
    """Print the stage graph: which values flow from which stage to which."""
    from .graph.render import render_dot, render_mermaid, render_text

    g = _load(notebook)
    renderer = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot}[fmt]
    click.echo(renderer(g))
    if g.errors:
        _print_diagnostics(g.errors)
        sys.exit(EXIT_DIAGNOSTICS)


from .cli_verify import verify  # noqa: E402  (commands in their own modules, one group)

main.add_command(verify)

from .cli_runs import run, runs  # noqa: E402

main.add_command(run)
main.add_command(runs)

from .cli_doctor import doctor  # noqa: E402

main.add_command(doctor)

if __name__ == "__main__":  # pragma: no cover
    main()
