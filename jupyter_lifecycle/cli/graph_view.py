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
    print_trimmed,
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

    from ..notebook.effective import heading_level

    table = Table(title=f"{escape(notebook)}: cells", title_justify="left")
    cells = graph.notebook.cells
    code = [c for c in cells if c.is_code or heading_level(c.cell_type, c.source)]
    widths = (max((len(str(c.index)) for c in code), default=1),
              min(max((len(c.id) for c in code), default=2), 24),
              max((len("parameters" if c.is_parameters else c.stage) + 2 for c in code),
                  default=5))
    for column, width in zip(("#", "id", "stage"), widths):
        table.add_column(column, no_wrap=True, width=width)
    out = console()
    # a preview of the code: cut at the table's edge with an ellipsis, never wrapped
    table.add_column("first line", no_wrap=True, overflow="ellipsis",
                     max_width=max(out.width - sum(widths) - 13, 10))
    for cell in code:
        stage = "parameters" if cell.is_parameters else cell.stage
        colour = graph.notebook.table[cell.stage].color
        shown = f"[{colour}]{stage}[/]" if not cell.inherited or cell.is_parameters \
            else f"[dim]{stage} {'↓' if _starts_section(cells, cell) else '↑'}[/]"
        table.add_row(str(cell.index), escape(cell.id), shown, escape(cell.first_line[:70]))
    print_trimmed(out, table, "[dim]↑ untagged: the stage of the tagged cell above; skip and "
                  "explore mark their own cell only (or a tagged heading's section). ↓ a "
                  "heading: the stage its section starts with[/]")
    flow = Table(title="steps (pipeline order = notebook order)", title_justify="left")
    for column in ("step", "cells", "inputs", "parameters", "outputs"):
        flow.add_column(column, overflow="fold")
    for node in graph.stages:
        flow.add_row(node.name, ", ".join(str(c.index) for c in node.cells),
                     ", ".join(node.inputs) or "—", ", ".join(node.params) or "—",
                     ", ".join(node.outputs) or "—")
    print_trimmed(out, flow)
    if graph.tests:
        out.print("tests: " + ", ".join(
            f"cell {t.cell.index} (after {t.until or 'parameters'})" for t in graph.tests))
    print_diagnostics(graph.diagnostics, verbose)
    sys.exit(EXIT_DIAGNOSTICS if graph.errors else EXIT_OK)


def _starts_section(cells, cell) -> bool:
    """An untagged heading showing the stage of the tagged cell its section starts with."""
    if cell.is_code:
        return False
    for after in cells[cell.index + 1:]:
        if after.explicit_stage is not None or after.is_code:
            return after.explicit_stage == cell.stage
    return False


@click.command(epilog=EPILOG)
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text",
              show_default=True)
def graph(notebook, fmt):
    """Print the stage graph: which values flow from which stage to which."""
    from ..graph.render import render_dot, render_mermaid, render_text

    g = load_graph(notebook)
    renderer = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot}[fmt]
    text = renderer(g)
    if fmt == "text":  # long lines wrap between names, indented, to the terminal's width
        import textwrap

        width = console().width
        text = "\n".join(textwrap.fill(line, width, subsequent_indent=" " * 4,
                                        break_long_words=False, break_on_hyphens=False)
                          if len(line) > width else line.rstrip() for line in text.splitlines())
    click.echo(text)
    if g.errors:
        print_diagnostics(g.errors)
        sys.exit(EXIT_DIAGNOSTICS)
