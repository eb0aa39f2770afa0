"""``nb2pipe convert``: a notebook into an installable package with tests and a run notebook."""

from __future__ import annotations

import sys

import click

from .output import EPILOG, EXIT_DIAGNOSTICS, console, fail, print_diagnostics


@click.command(epilog=EPILOG)
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
@click.option("--no-ci", is_flag=True, help="Do not write .github/workflows/<package>.yml.")
@click.option("--ci-matrix", type=click.Path(dir_okay=False), help="YAML, JSON or TOML file of "
              "the CI's parameter matrix and metric bounds (kept in [tool.nb2pipe.ci]).")
@click.option("--no-cache", is_flag=True, help="Do not use the per-cell analysis cache.")
@click.option("-v", "--verbose", is_flag=True, help="Also show informational notes.")
def convert(notebook, out_dir, package, force, dry_run, prune, auto_tag, no_ci, ci_matrix,
            no_cache, verbose):
    """Convert NOTEBOOK into an installable package with tests and a papermill run notebook."""
    from ..analysis.gc_pause import collector_paused

    with collector_paused(freeze=True):  # a one-shot process: see gc_pause.py
        from ..api import convert as do_convert
        from ..errors import LifecycleError

        try:
            result = do_convert(notebook, out_dir, package=package, force=force, dry_run=dry_run,
                                use_cache=not no_cache, parallel=True, prune=prune,
                                auto_tag=auto_tag, ci=not no_ci, ci_matrix=ci_matrix)
        except LifecycleError as exc:
            fail(exc)
    from rich.markup import escape

    print_diagnostics(result.diagnostics, verbose)
    out = console()
    if result.errors:
        console(stderr=True).print(
            f"[bold red]{len(result.errors)} error(s)[/] in {escape(notebook)}; nothing was written.")
        sys.exit(EXIT_DIAGNOSTICS)
    plan = result.plan
    if dry_run:
        if plan.conflicts or (plan.exists and not force):
            why = (f"{len(plan.conflicts)} file(s) were edited by hand or are not ours"
                   if plan.conflicts else "the directory exists (add --force)")
            out.print(f"[bold]dry run[/]: [red]the real run would refuse[/] to write "
                          f"{escape(str(result.out_dir))}: {why}")
        else:
            out.print(f"[bold]dry run[/]: would write {escape(str(result.out_dir))}")
        for path in sorted(f.path for f in result.files):
            state = ("create" if path in plan.create else "update" if path in plan.update
                     else "conflict" if path in plan.conflicts else "unchanged")
            out.print(f"  {state:9} {path}")
        for path in plan.remove:
            out.print(f"  {'remove':9} {path}")
        diff = plan.diff(result.files)
        if diff:
            click.echo(diff, nl=False)
        return
    changed = len(plan.create) + len(plan.update)
    out.print(f"[green]wrote[/] {escape(str(result.out_dir))} — package [bold]{result.package}[/], "
                  f"{len(result.graph.stages)} stage(s), {len(result.graph.tests)} test cell(s), "
                  f"{changed} file(s) written, {len(plan.unchanged)} unchanged")
    out.print(f"next: {escape(next_step(result.out_dir, result.package))}")


def next_step(out_dir, package: str) -> str:
    """A shell command that tests and runs the new package from the current folder (the
    package is a src layout, not installed yet): ``pytest`` finds ``src`` through the
    generated pyproject; ``python -m`` needs it on ``PYTHONPATH``, or ``pip install -e`` first."""
    import os
    import shlex

    where = str(out_dir)
    if os.name == "nt":  # cmd.exe has no VAR=value prefix
        return f'pip install -e "{where}" && pytest "{where}" && python -m {package}'
    return (f"python -m pytest {shlex.quote(where)} && "
            f"PYTHONPATH={shlex.quote(os.path.join(where, 'src'))} python -m {package}")
