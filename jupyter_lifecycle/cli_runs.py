"""``nb2pipe run`` and ``nb2pipe runs list|show|compare``: thin click commands, rich output.

Exit codes: 0 ok · 1 the notebook failed (its run is recorded as ``failed``) or no record could
be collected · 2 usage or input errors (missing notebook, bad parameters, unknown run).
papermill, nbclient and rich are imported inside the commands, so ``nb2pipe --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
RUN_EPILOG = ("Exit codes: 0 completed, 1 the notebook failed (recorded as a failed run), "
              "2 usage or input error.")
RUNS_EPILOG = "Exit codes: 0 ok, 2 usage or input error (no such run, ambiguous prefix)."
STATUS_STYLE = {"completed": "green", "failed": "red", "running": "yellow"}
_STORE_HELP = ("Run store [default: $JUPYTER_LIFECYCLE_STORE, else .lifecycle/runs.sqlite in "
               "the project root: the nearest folder upward with .lifecycle, .git or "
               "pyproject.toml].")


def _console(stderr: bool = False):
    import os

    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = 120  # logs and pipes: rich's default of 80 columns folds the tables
    return console


def _fail(message: str, code: int = EXIT_INPUT) -> None:
    from rich.markup import escape

    _console(stderr=True).print(f"[bold red]error:[/] {escape(message)}")
    sys.exit(code)


def _esc(value) -> str:
    from rich.markup import escape

    return escape(str(value))


def _when(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m {rest:02d}s"


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _short(value) -> str:
    """Hashes shortened to 12 characters for tables (``runs show --json`` has them whole)."""
    text = _value(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12] + "…"
    return text


def _status(status: str | None) -> str:
    return f"[{STATUS_STYLE.get(status or '', 'white')}]{_esc(status or '?')}[/]"


def _pairs(mapping: dict | None, limit: int | None = None) -> str:
    items = list((mapping or {}).items())
    shown = ", ".join(f"{k}={_value(v)}" for k, v in items[:limit] if True)
    if limit is not None and len(items) > limit:
        shown += f", … (+{len(items) - limit})"
    return shown or "—"


def _store(store: str | None) -> Path:
    from .capture import _config

    return Path(store).resolve() if store else _config.store_for(Path.cwd())


# -- nb2pipe run ----------------------------------------------------------------------------------
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
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
@click.option("--fingerprint", is_flag=True,
              help="Fingerprint every stage's outputs (from the stage graph) so the run can be "
              "verified later.")
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON.")
def run(notebook, parameters, parameter_files, output, kernel, store, fingerprint, as_json):
    """Execute NOTEBOOK through papermill and record the run (params, metrics, per-stage
    timings, environment, git, data and artifacts) in the run store."""
    from .run.runner import RunInputError, run_notebook

    boundaries = None
    if fingerprint:
        boundaries = _boundaries(notebook)
    try:
        if as_json:
            outcome = run_notebook(notebook, parameters, parameter_files, output=output,
                                   kernel=kernel, store=store, boundaries=boundaries)
        else:
            outcome = _run_with_progress(run_notebook, notebook, parameters, parameter_files,
                                         output=output, kernel=kernel, store=store,
                                         boundaries=boundaries)
    except RunInputError as exc:
        _fail(str(exc))
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
        err.print(f"[bold red]failed:[/] {_esc(where)}{_esc(what)} — recorded as run "
                  f"{outcome.run_id[:12]}; output {_esc(outcome.output)}")
        sys.exit(EXIT_FAILED)
    if record is None:
        sys.exit(EXIT_FAILED)


def _log_live(notebook: str, record: dict, err) -> None:
    """Export the run to MLflow when configured (env var or ``[tool.nb2pipe]``); never fatal."""
    from .store.mlflow_export import configured_tracking_uri, export_record

    uri = configured_tracking_uri(Path(notebook).resolve().parent)
    if not uri:
        return
    try:
        export_record(record, uri)
    except Exception as exc:  # MLflow missing, unreachable, or refusing: the run still counts
        err.print(f"[yellow]warning:[/] could not log the run to MLflow at {_esc(uri)}: {_esc(exc)}")


def _boundaries(notebook: str) -> dict | None:
    try:
        from .run.runner import stage_boundaries

        return stage_boundaries(Path(notebook)) or None
    except Exception as exc:  # a notebook the converter cannot analyse still runs
        _console(stderr=True).print(f"[yellow]warning:[/] no fingerprints: the stage graph "
                                    f"could not be built ({_esc(exc)})")
        return None


def _run_with_progress(run_notebook, *args, **kwargs):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TextColumn("cells"), TimeElapsedColumn(),
                        console=_console(stderr=True), transient=True)
    with progress:
        task = progress.add_task(f"running {Path(args[0]).name}", total=None)

        def on_cell(done, total):
            progress.update(task, completed=done, total=total)

        return run_notebook(*args, on_cell=on_cell, **kwargs)


def _print_summary(record: dict, outcome) -> None:
    from rich.table import Table

    console = _console()
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    nb = record.get("notebook") or {}
    table.add_row("run", record["run_id"])
    table.add_row("notebook", _esc(nb.get("relpath") or nb.get("path")))
    table.add_row("status", _status(record.get("status")))
    table.add_row("duration", _duration(record.get("duration_s")))
    table.add_row("params", _esc(_pairs(record.get("params"))))
    table.add_row("metrics", _esc(_pairs(record.get("metrics"))))
    table.add_row("output", _esc(outcome.output))
    table.add_row("store", _esc(outcome.store))
    console.print(table)
    if record.get("stages"):
        console.print(_stages_table(record))


def _stages_table(record: dict):
    from rich.table import Table

    table = Table(title="stages", title_justify="left")
    for column in ("stage", "cells", "duration"):
        table.add_column(column, justify="right" if column != "stage" else "left")
    for stage, info in record["stages"].items():
        table.add_row(_esc(stage), str(info.get("cells")), _duration(info.get("duration_s")))
    return table


# -- nb2pipe runs ---------------------------------------------------------------------------------
@click.group(epilog=RUNS_EPILOG)
def runs():
    """List, show and compare recorded runs (refer to a run by a unique prefix of its id)."""


def _open(store: str | None):
    from .capture.store import RunStore

    return RunStore(_store(store))


def _get(store, ref: str) -> dict:
    from .capture.store import StoreError

    try:
        return store.get(ref)
    except StoreError as exc:
        _fail(str(exc))


@runs.command("list", epilog=RUNS_EPILOG)
@click.argument("notebook", required=False, type=click.Path(dir_okay=False))
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_runs(notebook, limit, store, as_json):
    """List runs, newest first (only NOTEBOOK's when given)."""
    from .capture.store import StoreError

    run_store = _open(store)
    if not run_store.exists:
        if as_json:
            click.echo("[]")
        else:
            _console().print(f"no runs yet (no run store at {_esc(run_store.path)})")
        return
    try:
        records = run_store.list(notebook=notebook, limit=limit)
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        keys = ("run_id", "notebook", "kind", "status", "started", "ended", "duration_s",
                "params", "metrics", "nonfinite", "output", "unreadable")
        click.echo(json.dumps([{k: r.get(k) for k in keys if k in r} for r in records],
                              indent=2, default=str))
        return
    from rich import box
    from rich.table import Table

    table = Table(title=f"runs in {_esc(run_store.path)}", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for column in ("run", "notebook", "kind", "status", "started", "duration", "metrics"):
        table.add_column(column, overflow="fold",
                         no_wrap=column not in ("notebook", "metrics"),
                         min_width=12 if column == "notebook" else None)
    for r in records:
        nb = r.get("notebook") or {}
        metrics = r.get("unreadable") or "\n".join(
            f"{k}={_value(round(v, 4) if isinstance(v, float) else v)}"
            for k, v in list((r.get("metrics") or {}).items())[:3]) or "—"
        table.add_row(r["run_id"][:8], _esc(nb.get("relpath") or Path(nb.get("path") or "?").name),
                      _esc(r.get("kind")), _status(r.get("status")),
                      _when(r.get("started"))[5:16], _duration(r.get("duration_s")),
                      _esc(metrics))
    console = _console()
    console.print(table if records else "no runs" + (f" of {notebook}" if notebook else ""))


@runs.command("show", epilog=RUNS_EPILOG)
@click.argument("run_ref", metavar="RUN")
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
def show_run(run_ref, store, as_json):
    """Show one run's record."""
    record = _get(_open(store), run_ref)
    if as_json:
        click.echo(json.dumps(record, indent=2, default=str))
        return
    from rich.table import Table

    console = _console()
    nb = record.get("notebook") or {}
    env = record.get("environment") or {}
    git = record.get("git")
    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column(overflow="fold")
    rows = [
        ("run", record["run_id"]), ("notebook", nb.get("relpath") or nb.get("path")),
        ("notebook sha256", _short(nb.get("sha256"))), ("kind", record.get("kind")),
        ("started", _when(record.get("started"))), ("ended", _when(record.get("ended"))),
        ("duration", _duration(record.get("duration_s"))), ("output", record.get("output")),
        ("python", f"{env.get('python')} ({env.get('implementation')}, {env.get('platform')})"),
        ("git", "—" if not git else f"{(git.get('commit') or '?')[:12]} on "
                f"{git.get('branch') or 'detached HEAD'}"
                + (" [dirty]" if git.get("dirty") else "")),
    ]
    head.add_row("status", _status(record.get("status")))
    for key, value in rows:
        head.add_row(key, _esc(value if value is not None else "—"))
    console.print(head)
    for title, mapping in (("params", record.get("params")), ("metrics", record.get("metrics")),
                           ("packages", env.get("packages"))):
        if mapping:
            table = Table(title=title, title_justify="left")
            table.add_column("name")
            table.add_column("value", overflow="fold")
            for key, value in mapping.items():
                table.add_row(_esc(key), _esc(_value(value)))
            console.print(table)
    if record.get("stages"):
        console.print(_stages_table(record))
    cells = Table(title="cells (execution order)", title_justify="left")
    for column in ("#", "index", "id", "stage", "duration", "status"):
        cells.add_column(column, overflow="fold")
    for c in record.get("cells") or []:
        status = "ok" if c.get("status") == "ok" else \
            f"[red]{_esc(c['error']['name'])}: {_esc(c['error']['message'][:80])}[/]"
        cells.add_row(str(c.get("order")), _value(c.get("index")), _esc(_value(c.get("cell_id"))),
                      _esc(_value(c.get("stage"))), _duration(c.get("duration_s")), status)
    console.print(cells)
    for section in ("data", "artifacts"):
        if record.get(section):
            table = Table(title=section, title_justify="left")
            for column in ("path", "sha256", "size"):
                table.add_column(column, overflow="fold")
            for f in record[section]:
                table.add_row(_esc(f["path"]), (f.get("sha256") or "—")[:16], str(f.get("size")))
            console.print(table)
    for stage, values in (record.get("fingerprints") or {}).items():
        console.print(f"[bold]fingerprints[/] {_esc(stage)}: " + ", ".join(
            f"{_esc(k)}={(v or 'unhashable')[:12]}" for k, v in values.items()))
    late = record.get("out_of_order") or {}
    if late.get("detected"):
        console.print("[yellow]out of order:[/] " + ", ".join(
            f"cell {c['index']} ({_esc(c['cell_id'])}) ran after cell {c['after_index']}"
            for c in late["cells"]))
    failure = record.get("failure")
    if failure:
        console.print(f"[bold red]failure:[/] cell {failure.get('index')} (id "
                      f"{_esc(failure.get('cell_id'))}, stage {_esc(failure.get('stage'))}): "
                      f"{_esc(failure['error']['name'])}: {_esc(failure['error']['message'])}")
    for note in record.get("notes") or []:
        console.print(f"[dim]note:[/] {_esc(note)}")
    if record.get("store_error"):
        console.print(f"[yellow]store error:[/] {_esc(record['store_error'])}")


@runs.command("compare", epilog=RUNS_EPILOG)
@click.argument("run_a", metavar="A")
@click.argument("run_b", metavar="B")
@click.option("--all", "show_all", is_flag=True, help="Also list identical packages and data.")
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def compare_runs(run_a, run_b, show_all, store, as_json):
    """Show what differs between runs A and B: params, metrics, environment, git, data
    fingerprints and per-stage timings, side by side."""
    from .run.compare import compare

    run_store = _open(store)
    a, b = _get(run_store, run_a), _get(run_store, run_b)
    result = compare(a, b)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]A[/] {a['run_id']}  [bold]B[/] {b['run_id']}")
    for name, rows in result["sections"].items():
        if not rows:
            continue
        hide = not show_all and name in ("environment", "data") and len(rows) > 6
        shown = [r for r in rows if not (hide and r["same"])]
        differ = result["differences"][name]
        if not shown:
            console.print(f"[bold]{name}[/]: identical ({len(rows)} rows; --all shows them)")
            continue
        table = Table(title=f"{name} ({differ} differ{'s' if differ == 1 else ''})",
                      title_justify="left")
        table.add_column("", no_wrap=True)
        table.add_column("A " + a["run_id"][:8], overflow="fold")
        table.add_column("B " + b["run_id"][:8], overflow="fold")
        if name == "stages":
            table.add_column("B/A", justify="right")
        for r in shown:
            style = "bold yellow" if not r["same"] else "dim"
            fmt = _duration if name == "stages" else _short
            cells = [_esc(r["key"]), _esc(fmt(r["a"])), _esc(fmt(r["b"]))]
            if name == "stages":
                cells.append(f"{r['ratio']:.2f}×" if r.get("ratio") else "—")
            table.add_row(*cells, style=style)
        if len(shown) < len(rows):
            table.caption = f"{len(rows) - len(shown)} identical row(s) hidden (--all shows them)"
        console.print(table)


@runs.command("export", epilog=RUNS_EPILOG)
@click.argument("run_refs", metavar="[RUN]...", nargs=-1)
@click.option("--mlflow", "tracking_uri", required=True, metavar="URI",
              help="MLflow tracking URI, e.g. sqlite:///mlflow.db or http://127.0.0.1:5000.")
@click.option("--experiment", help="MLflow experiment [default: nb2pipe/<notebook name>].")
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
def export_runs(run_refs, tracking_uri, experiment, store):
    """Export runs (all when none is named) to MLflow: params, metrics, stage timings, git tags
    and the whole record as an artifact. Runs exported before are skipped."""
    from .store.mlflow_export import MlflowMissing, export_record

    run_store = _open(store)
    if not run_store.exists:
        _fail(f"no run store at {run_store.path}")
    records = [_get(run_store, ref) for ref in run_refs] if run_refs else \
        [r for r in run_store.list(limit=1_000_000) if "unreadable" not in r]
    console = _console()
    created = 0
    for record in records:
        try:
            mlflow_id, new = export_record(record, tracking_uri, experiment)
        except MlflowMissing as exc:
            _fail(str(exc))
        created += new
        console.print(f"{record['run_id'][:8]} → MLflow run {mlflow_id[:12]}"
                      + ("" if new else " (already exported)"))
    console.print(f"exported {created} new run(s) of {len(records)} to {_esc(tracking_uri)}")
