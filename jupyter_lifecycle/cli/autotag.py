"""``nb2pipe tag --auto`` and ``nb2pipe tag --from``: show the proposed stages and the tag diff,
or write them (``--write``)."""

from __future__ import annotations

import click

from .output import console, fail


def auto_tag(notebook: str, dialect: str | None, write: bool, overwrite: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    from ..autotag.plan import tags_diff
    from ..autotag.propose import propose, write_plan
    from ..errors import LifecycleError
    from ..notebook import read_notebook

    try:
        nb = read_notebook(notebook)
        plan = propose(nb, dialect=dialect, overwrite=overwrite)
        if write:
            changed, kept_format = write_plan(plan, nb)
    except LifecycleError as exc:
        fail(exc)
    out = console()
    kept = {c.cell_index for c in plan.changes if c.old == c.new}
    table = Table(title=f"{escape(notebook)}: proposed stages", title_justify="left")
    for column in ("#", "id", "stage", "conf.", "why", "first line"):
        table.add_column(column, overflow="fold")
    cells = {c.index: c for c in nb.cells}
    for s in plan.suggestions:
        colour = nb.table[s.stage].color
        stage = f"[{colour}]{s.shown_stage}[/]"
        if s.cell_index in kept and cells[s.cell_index].explicit_stage and not overwrite:
            stage += f" [dim](keeps {cells[s.cell_index].explicit_stage})[/]"
        table.add_row(str(s.cell_index), escape(s.cell_id), stage, f"{s.confidence:.2f}",
                      escape(s.reason), escape(cells[s.cell_index].first_line[:50]))
    out.print(table)
    hints = [d.message for d in nb.diagnostics if d.code == "foreign-tags" and dialect is None]
    for note in (*plan.notes, *hints):
        out.print(f"[yellow]note:[/] {escape(note)}")
    if not write:
        diff = tags_diff(plan)
        click.echo(diff, nl=False) if diff else out.print("no tags would change")
        if diff:
            out.print(f"{len(plan.changed)} cell(s) would change; add --write to tag them")
        return
    if not changed:
        out.print("nothing to change")
        return
    out.print(f"tagged {len(changed)} cell(s): {', '.join(map(str, changed))}")
    if not kept_format:
        out.print("[yellow]note:[/] the file's JSON layout was normalised (nbformat style)")
