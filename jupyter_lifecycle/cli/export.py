"""``nb2pipe export``: compile a notebook's pipeline for another runner (a target plug-in).

``export --list`` shows the installed targets; ``export --target kfp NB|PKG -o pipeline.yaml``
compiles Kubeflow Pipelines v2 YAML; ``--run-local`` also runs it with kfp.local and records
the run (kind ``kfp``) in the run store. Exit codes: 0 ok · 1 the run failed · 2 bad input,
a value that cannot cross a step boundary, or the target's extra is not installed.
"""

from __future__ import annotations

from pathlib import Path

import click

from .formatting import duration as _duration
from .formatting import pairs as _pairs
from .output import EXIT_FAILED, EXIT_INPUT, console, esc, fail, short_id

EXPORT_EPILOG = ("Exit codes: 0 ok, 1 the local run failed (recorded as a failed run), 2 usage "
                 "or input error, or the target's optional dependencies are missing.")


def _list_targets() -> None:
    from rich.table import Table

    from ..targets import TargetRegistry

    table = Table(box=None, pad_edge=False)
    for column in ("target", "from", "status", "description"):
        table.add_column(column)
    entries = TargetRegistry().entries()
    for entry in entries:
        status = "[green]available[/]" if entry.available else "[yellow]unavailable[/]"
        table.add_row(esc(entry.name), esc(entry.origin), status, esc(entry.description))
    out = console()
    out.print(table)
    for entry in entries:  # whole lines, never folded into a column: the hint is a command
        if not entry.available:
            out.print(f"{esc(entry.name)} is unavailable: {esc(entry.problem)}", soft_wrap=True)


def _params(parameters) -> dict:
    from ..run.params import parse_value

    return {name: parse_value(value) for name, value in parameters}


@click.command(epilog=EXPORT_EPILOG)
@click.argument("source", required=False, type=click.Path(exists=True))
@click.option("-t", "--target", "target_name", default="kfp", show_default=True,
              help="The target to compile for (nb2pipe export --list shows them).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The compiled pipeline [default: <distribution>-kfp.yaml here].")
@click.option("-p", "--parameter", "parameters", type=(str, str), multiple=True,
              metavar="NAME VALUE", help="A parameter for the export's observing run and the "
              "local run, parsed like papermill's -p (repeatable); the YAML keeps the Params "
              "defaults.")
@click.option("--base-image", help="Component image [default: python:<this Python>-slim].")
@click.option("--package-spec", help="How the cluster installs the generated package "
              "[default: <distribution>==<version> from your index]; a wheel URL or git URL.")
@click.option("--workdir", type=click.Path(file_okay=False, exists=True),
              help="Folder the steps run in (relative data paths) [default: here].")
@click.option("--run-local", is_flag=True, help="Also run it with kfp.local (SubprocessRunner, "
              "this environment) and record the run (kind kfp) in the run store.")
@click.option("--store", type=click.Path(dir_okay=False), help="Run store for --run-local.")
@click.option("--list", "list_targets", is_flag=True, help="List the installed targets.")
def export(source, target_name, output, parameters, base_image, package_spec, workdir,
           run_local, store, list_targets):
    """Compile the pipeline of SOURCE (a notebook, or a package nb2pipe convert wrote) for a
    target: with kfp, one component per step, typed parameters from Params, values passed as
    artifacts by type. The export runs the pipeline once here to learn those types."""
    from ..errors import LifecycleError
    from ..targets import ExportRequest, TargetRegistry, TargetUnavailable

    if list_targets:
        _list_targets()
        return
    if source is None:
        fail("missing SOURCE (a notebook or a package folder); nb2pipe export --list shows targets")
    options = {k: v for k, v in (("base_image", base_image), ("package_spec", package_spec),
                                 ("store", store)) if v}
    try:
        target = TargetRegistry().load(target_name)
        request = ExportRequest(Path(source), Path(output) if output else None, _params(parameters),
                                options, Path(workdir) if workdir else None)
        with console(stderr=True).status(f"exporting {source} for {target_name}…"):
            result = target.export(request)
    except TargetUnavailable as exc:
        fail(exc, EXIT_INPUT)
    except (LifecycleError, ValueError) as exc:
        fail(exc)
    out = console()
    out.print(f"wrote {esc(result.output)} — {len(result.steps)} step(s) "
              f"({esc(', '.join(result.steps))}), {len(result.parameters)} parameter(s), "
              f"{result.seconds:.1f} s")
    for note in result.notes:
        out.print(f"  [dim]{esc(note)}[/]")
    if run_local:
        _run_local(target, request)


def _run_local(target, request) -> None:
    import sys

    from ..errors import LifecycleError

    try:
        with console(stderr=True).status("running with kfp.local…"):
            outcome = target.run_local(request)
    except LifecycleError as exc:
        fail(exc)
    out = console()
    stages = ", ".join(f"{name} {_duration(seconds)}" for name, seconds in outcome.stages.items())
    recorded = short_id(outcome.run_id) if outcome.run_id else "(not recorded)"
    out.print(f"kfp.local run {recorded} {outcome.status} in "
              f"{_duration(outcome.seconds)}; metrics: {esc(_pairs(outcome.metrics))}")
    out.print(f"  [dim]steps: {esc(stages)}[/]")
    if outcome.status != "completed":
        console(stderr=True).print(f"[bold red]error:[/] {esc(outcome.message)}")
        sys.exit(EXIT_FAILED)
