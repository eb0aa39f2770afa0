"""``nb2pipe tag``: set or remove a cell's stage tag, or propose stages (--auto, --from)."""

from __future__ import annotations

from pathlib import Path

import click

from .output import EPILOG, console, fail


@click.command(epilog=EPILOG)
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
    from ..errors import LifecycleError
    from ..notebook.tagging import set_stage
    from ..stages import load_stage_table

    if auto or dialect:
        if cells or stage or untag:
            raise click.UsageError("--auto/--from tag every cell: drop --cell, --stage and --untag")
        from .autotag import auto_tag

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
        fail(exc)
    out = console()
    if not changed:
        out.print("nothing to change")
        return
    what = f"tagged as {name}" if name else "untagged"
    out.print(f"{what}: cell(s) {', '.join(map(str, changed))}")
    if not kept_format:
        out.print("[yellow]note:[/] the file's JSON layout was normalised (nbformat style)")
