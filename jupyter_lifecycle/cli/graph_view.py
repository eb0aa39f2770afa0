"""``nb2pipe stages`` and ``nb2pipe graph``: what the converter sees in a notebook."""

from __future__ import annotations

import json
import sys

import click

from .output import (
    EPILOG,
    EXIT_DIAGNOSTICS,
    EXIT_OK,
    console,
    load_graph,
    print_diagnostics,
)


@click.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("-v", "--verbose", is_flag=True, help="Also show informational notes.")
def stages(notebook, as_json, verbose):
    """Show the effective stage of every cell and each stage's inputs and outputs."""
    graph = load_graph(notebook)
    if as_json:
        from ..graph.render import graph_to_dict

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
    out = console()
    out.print(table)
    out.print("[dim]↑ untagged: the stage of the nearest tagged cell above; skip and explore "
              "mark their own cell only (a tagged heading: its section)[/]")
    flow = Table(title="steps (pipeline order = notebook order)", title_justify="left")
    for column in ("step", "cells", "inputs", "parameters", "outputs"):
        flow.add_column(column, overflow="fold")
    for node in graph.stages:
        flow.add_row(node.name, ", ".join(str(c.index) for c in node.cells),
                     ", ".join(node.inputs) or "—", ", ".join(node.params) or "—",
                     ", ".join(node.outputs) or "—")
    out.print(flow)
    if graph.tests:
        out.print("tests: " + ", ".join(
            f"cell {t.cell.index} (after {t.until or 'parameters'})" for t in graph.tests))
    print_diagnostics(graph.diagnostics, verbose)
    sys.exit(EXIT_DIAGNOSTICS if graph.errors else EXIT_OK)


@click.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text",
              show_default=True)
def graph(notebook, fmt):
    """Print the stage graph: which values flow from which stage to which."""
    from ..graph.render import render_dot, render_mermaid, render_text

    g = load_graph(notebook)
    renderer = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot}[fmt]
    click.echo(renderer(g))
    if g.errors:
        print_diagnostics(g.errors)
        sys.exit(EXIT_DIAGNOSTICS)
