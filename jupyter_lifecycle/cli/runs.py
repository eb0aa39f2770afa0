"""``nb2pipe runs list|show|compare|export``: the recorded runs, rich tables.

Exit codes: 0 ok · 2 usage or input errors (no such run, ambiguous prefix).
rich is imported inside the commands, so ``nb2pipe --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .formatting import duration as _duration
from .formatting import ratio as _ratio
from .formatting import run_duration
from .formatting import short as _short
from .formatting import stages_table as _stages_table
from .formatting import status as _status
from .formatting import value as _value
from .formatting import when as _when
from .formatting import wrapped as _wrapped
from .output import esc as _esc
from .output import fail, print_trimmed, short_id
from .output import table_console as _console
from .run import STORE_HELP as _STORE_HELP

RUNS_EPILOG = "Exit codes: 0 ok, 2 usage or input error (no such run, ambiguous prefix)."



def _store(store: str | None) -> Path:
    from ..capture import _config

    return Path(store).resolve() if store else _config.store_for(Path.cwd())


@click.group(epilog=RUNS_EPILOG)
def runs():
    """List, show and compare recorded runs (refer to a run by a unique prefix of its id)."""


def _open(store: str | None):
    from ..capture.store import RunStore

    return RunStore(_store(store))


def _get(store, ref: str) -> dict:
    from ..capture.store import StoreError

    try:
        return store.get(ref)
    except StoreError as exc:
        fail(str(exc))


@runs.command("list", epilog=RUNS_EPILOG)
@click.argument("notebook", required=False, type=click.Path(dir_okay=False))
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_runs(notebook, limit, store, as_json):
    """List runs, newest first (only NOTEBOOK's when given)."""
    from ..capture.store import StoreError

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
        fail(str(exc))
    if as_json:
        keys = ("run_id", "notebook", "kind", "status", "started", "ended", "duration_s",
                "params", "metrics", "nonfinite", "output", "unreadable")
        click.echo(json.dumps([{k: r.get(k) for k in keys if k in r} for r in records],
                              indent=2, default=str))
        return
    console = _console()
    if not records:
        console.print("no runs" + (f" of {_esc(notebook)}" if notebook else ""))
        return
    console.print(f"runs in {_esc(run_store.path)}", soft_wrap=True)
    header = ("run", "started", "duration", "status", "kind", "notebook")
    rows = [(short_id(r["run_id"]), _when(r.get("started"))[5:16], run_duration(r),
             r.get("status") or "?", r.get("kind") or "—",
             (r.get("notebook") or {}).get("relpath")
             or Path((r.get("notebook") or {}).get("path") or "?").name) for r in records]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]

    def line(row):
        return "  ".join([str(c).ljust(w) for c, w in zip(row[:-1], widths)] + [str(row[-1])])

    console.print(f"[bold]{_esc(line(header))}[/]", soft_wrap=True)
    at = sum(widths[:3]) + 6  # where the status starts: coloured, the rest plain
    for r, row in zip(records, rows):
        plain = line(row)
        console.print(_esc(plain[:at]) + _status(row[3]) + _esc(plain[at + len(row[3]):]),
                      soft_wrap=True)
        metrics = [f"{k}={_value(round(v, 4) if isinstance(v, float) else v)}"
                   for k, v in (r.get("metrics") or {}).items()]
        if r.get("unreadable"):
            metrics = [str(r["unreadable"])]
        for text in _wrapped(metrics, console.width, widths[0] + 2):
            console.print(f"[dim]{_esc(text)}[/]", soft_wrap=True)


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
        ("run", short_id(record["run_id"])), ("notebook", nb.get("relpath") or nb.get("path")),
        ("notebook sha256", _short(nb.get("sha256"))),
        ("code sha256", _short(nb.get("code_sha256"))), ("kind", record.get("kind")),
        ("started", _when(record.get("started"))), ("ended", _when(record.get("ended"))),
        ("duration", run_duration(record)), ("output", record.get("output")),
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
    from ..run.compare import compare

    run_store = _open(store)
    a, b = _get(run_store, run_a), _get(run_store, run_b)
    result = compare(a, b)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]A[/] {short_id(a['run_id'])}  [bold]B[/] {short_id(b['run_id'])}")
    timestamps = {"started", "ended"}
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
        table.add_column("", overflow="fold")
        table.add_column("A " + short_id(a["run_id"]), overflow="fold", min_width=10)
        table.add_column("B " + short_id(b["run_id"]), overflow="fold", min_width=10)
        if name == "stages":
            table.add_column("B/A", justify="right")
        for r in shown:
            style = "bold yellow" if not r["same"] else "dim"
            fmt = _duration if name == "stages" or r["key"] == "duration_s" else \
                _when if r["key"] in timestamps else _short
            cells = [_esc(r["key"]), _esc(fmt(r["a"])), _esc(fmt(r["b"]))]
            if name == "run" and r["key"] == "duration_s":  # a running run: time so far
                cells[1:] = [_esc(run_duration(a)), _esc(run_duration(b))]
            if name == "stages":
                cells.append(_ratio(r["a"], r["b"]))
            table.add_row(*cells, style=style)
        if len(shown) < len(rows):
            table.caption = f"{len(rows) - len(shown)} identical row(s) hidden (--all shows them)"
        print_trimmed(console, table)


@runs.command("export", epilog=RUNS_EPILOG)
@click.argument("run_refs", metavar="[RUN]...", nargs=-1)
@click.option("--mlflow", "tracking_uri", required=True, metavar="URI",
              help="MLflow tracking URI, e.g. sqlite:///mlflow.db or http://127.0.0.1:5000.")
@click.option("--experiment", help="MLflow experiment [default: nb2pipe/<notebook name>].")
@click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
def export_runs(run_refs, tracking_uri, experiment, store):
    """Export runs (all when none is named) to MLflow: params, metrics, stage timings, git tags
    and the whole record as an artifact. Runs exported before are skipped."""
    from ..store.mlflow_export import MlflowMissing, export_record

    run_store = _open(store)
    if not run_store.exists:
        fail(f"no run store at {run_store.path}")
    records = [_get(run_store, ref) for ref in run_refs] if run_refs else \
        [r for r in run_store.list(limit=1_000_000) if "unreadable" not in r]
    console = _console()
    created = 0
    for record in records:
        try:
            mlflow_id, new = export_record(record, tracking_uri, experiment)
        except MlflowMissing as exc:
            fail(str(exc))
        created += new
        console.print(f"{short_id(record['run_id'])} → MLflow run {mlflow_id[:12]}"
                      + ("" if new else " (already exported)"))
    console.print(f"exported {created} new run(s) of {len(records)} to {_esc(tracking_uri)}")
