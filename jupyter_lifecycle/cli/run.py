"""``nb2pipe run``: execute a notebook through papermill and record the run.

Exit codes: 0 completed · 1 the notebook failed (its run is recorded as ``failed``) or no record
could be collected · 2 usage or input errors (missing notebook, bad parameters).
papermill, nbclient and rich are imported inside the command, so ``nb2pipe --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .formatting import duration as _duration
from .formatting import pairs as _pairs
from .formatting import stages_table as _stages_table
from .formatting import status as _status
from .output import EXIT_FAILED, fail, print_trimmed, short_id
from .output import esc as _esc
from .output import table_console as _console
from .progress import run_progress

RUN_EPILOG = ("Exit codes: 0 completed, 1 the notebook failed (recorded as a failed run), "
              "2 usage or input error.")
STORE_HELP = ("Run store [default: $JUPYTER_LIFECYCLE_STORE, else .lifecycle/runs.sqlite in "
              "the project root: the nearest folder upward with .lifecycle, .git or "
              "pyproject.toml].")



@click.command(epilog=RUN_EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-p", "--parameter", "parameters", type=(str, str), multiple=True,
              metavar="NAME VALUE", help="A parameter, parsed like papermill's -p (repeatable).")
@click.option("-f", "--parameters-file", "parameter_files", multiple=True,
              type=click.Path(dir_okay=False), help="YAML or JSON file of parameters "
              "(applied before -p; repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Executed notebook [default: .lifecycle/outputs/<run id>.ipynb in the "
              "project root].")
@click.option("-k", "--kernel", help="Kernel name [default: the notebook's kernelspec].")
@click.option("--store", type=click.Path(dir_okay=False), help=STORE_HELP)
@click.option("--fingerprint", is_flag=True,
              help="Fingerprint every stage's outputs (from the stage graph) so the run can be "
              "verified later.")
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON.")
def run(notebook, parameters, parameter_files, output, kernel, store, fingerprint, as_json):
    """Execute NOTEBOOK through papermill and record the run (params, metrics, per-stage
    timings, environment, git, data and artifacts) in the run store."""
    from ..run.runner import RunInputError, run_notebook

    boundaries = None
    if fingerprint:
        boundaries = _boundaries(notebook)
    try:
        with run_progress(enabled=not as_json) as progress:
            outcome = run_notebook(notebook, parameters, parameter_files, output=output,
                                   kernel=kernel, store=store, boundaries=boundaries,
                                   on_cell=progress.run(f"running {Path(notebook).name}"))
    except RunInputError as exc:
        fail(str(exc))
    record = outcome.record
    if as_json:
        click.echo(json.dumps(record if record is not None else {
            "run_id": outcome.run_id, "status": outcome.status, "problem": outcome.problem},
            indent=2, default=str))
    elif record is not None:
        _print_summary(record, outcome)
    err = _console(stderr=True)
    if record is not None and record.get("store_error"):
        err.print(f"[yellow]warning:[/] the record could not be written to the run store "
                  f"({_esc(record['store_error'])}); it is kept in "
                  f"{_esc(outcome.output)} (metadata.lifecycle.run)")
    if record is not None:
        _log_live(notebook, record, err)
    if outcome.problem:
        err.print(f"[bold red]error:[/] {_esc(outcome.problem)}")
        if outcome.kernel_log:
            err.print(f"[dim]the kernel's last output:[/]\n{_esc(outcome.kernel_log)}")
    if outcome.status != "completed":
        failure = (record or {}).get("failure") or {}
        where = (f"cell {failure.get('index')} (id {failure.get('cell_id')}, stage "
                 f"{failure.get('stage')})" if failure.get("cell_id") else
                 f"cell {outcome.error['index']}" if outcome.error else "the run")
        error = failure.get("error") or ({"name": outcome.error["ename"],
                                          "message": outcome.error["evalue"]}
                                         if outcome.error else None)
        what = f": {error['name']}: {error['message']}" if error else ""
        recorded = (f"recorded as run {short_id(outcome.run_id)}" if _in_store(record)
                    else "not in the run store")
        err.print(f"[bold red]failed:[/] {_esc(where)}{_esc(what)} — {recorded}; output "
                  f"{_esc(outcome.output)}")
        sys.exit(EXIT_FAILED)
    if record is None:
        sys.exit(EXIT_FAILED)


def _in_store(record: dict | None) -> bool:
    """Whether the run store holds the record (only such a run's id is printed: it is what
    ``nb2pipe runs show`` looks up)."""
    return record is not None and not record.get("store_error")


def _log_live(notebook: str, record: dict, err) -> None:
    """Export the run to MLflow when configured (env var or ``[tool.nb2pipe]``); never fatal."""
    from ..store.mlflow_export import configured_tracking_uri, export_record

    uri = configured_tracking_uri(Path(notebook).resolve().parent)
    if not uri:
        return
    try:
        export_record(record, uri)
    except Exception as exc:  # MLflow missing, unreachable, or refusing: the run still counts
        err.print(f"[yellow]warning:[/] could not log the run to MLflow at {_esc(uri)}: {_esc(exc)}")


def _boundaries(notebook: str) -> dict | None:
    try:
        from ..run.runner import stage_boundaries

        return stage_boundaries(Path(notebook)) or None
    except Exception as exc:  # a notebook the converter cannot analyse still runs
        _console(stderr=True).print(f"[yellow]warning:[/] no fingerprints: the stage graph "
                                    f"could not be built ({_esc(exc)})")
        return None


def _print_summary(record: dict, outcome) -> None:
    from rich.table import Table

    console = _console()
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    nb = record.get("notebook") or {}
    table.add_row("run", short_id(record["run_id"]) if _in_store(record)
                  else "— (not in the run store)")
    table.add_row("notebook", _esc(nb.get("relpath") or nb.get("path")))
    table.add_row("status", _status(record.get("status")))
    table.add_row("duration", _duration(record.get("duration_s")))
    table.add_row("params", _esc(_pairs(record.get("params"))))
    table.add_row("metrics", _esc(_pairs(record.get("metrics"))))
    table.add_row("output", _esc(outcome.output))
    table.add_row("store", _esc(outcome.store))
    print_trimmed(console, table)
    if record.get("stages"):
        print_trimmed(console, _stages_table(record))
