"""``stages/<stage>.py``: one function per stage, inputs as parameters, outputs returned."""

from __future__ import annotations

import libcst as cst

from ..graph import Block, StageGraph, StageNode
from .common import (GeneratedFile, from_import, imports_for, module, notebook_name, provenance_line,
                     plural, render)
from .fragments import CellTexts, render_cell
from .pass_globals import functools_import, relevant, rewrite, with_keyword_only
from .render_cache import TextStore, texts_key
from .rename import renamed


_CELLS = "__nb2pipe_cells__"  # where the cells' rendered statements go in the rendered function


def cell_texts(graph: StageGraph, block: Block, gate: bool, store: TextStore | None = None) -> CellTexts:
    """The rendered statements of a block's cell: from ``store`` when the cell is unchanged
    (also where worker processes leave them), else rendered now and kept."""
    injected = relevant(graph.injected, block.cell.source)
    renames = graph.renames.get(block.cell.id)
    key = texts_key(notebook_name(graph), block.cell, gate, injected, renames)
    hit = store.get_text(key) if store is not None else None
    if hit is not None:
        return CellTexts.from_json(hit)
    texts = render_cell(block.cell, block.analysis, notebook_name(graph), gate, injected, renames)
    if store is not None:
        store.put_text(key, texts.to_json())
    return texts


def stage_function(graph: StageGraph, node: StageNode) -> cst.FunctionDef:
    """The stage's function with a marker line where its cells' statements go."""
    body: list[cst.BaseStatement] = [cst.SimpleStatementLine([cst.Expr(cst.Name(_CELLS))])]
    if node.outputs:
        value = (cst.Name(node.outputs[0]) if len(node.outputs) == 1
                 else cst.Tuple([cst.Element(cst.Name(n)) for n in node.outputs], lpar=[], rpar=[]))
        body.append(cst.SimpleStatementLine([cst.Return(value)],
                                            leading_lines=[cst.EmptyLine(indent=False)]))
    cells = ", ".join(str(c.index) for c in node.cells)
    doc_lines = [f"Stage `{node.name}` of {notebook_name(graph)} ({plural('cell', node.cells)} {cells})."]
    if node.inputs or node.params:
        doc_lines += ["", "Inputs: " + ", ".join([*node.inputs, *node.params]) + "."]
    if node.outputs:
        doc_lines += ["Returns: " + ", ".join(node.outputs) + "."]
    doc_text = "\n".join(f"    {line}" if line and i else line for i, line in enumerate(doc_lines))
    doc = cst.SimpleStatementLine([cst.Expr(cst.SimpleString(
        '"""' + doc_text + ('\n    """' if len(doc_lines) > 1 else '"""')))])
    params = [cst.Param(cst.Name(n)) for n in (*node.inputs, *node.params)]
    return cst.FunctionDef(
        name=cst.Name(node.name),
        params=cst.Parameters(params=params),
        body=cst.IndentedBlock([doc, *body]),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )


def stage_module(graph: StageGraph, node: StageNode, store: TextStore | None = None) -> GeneratedFile:
    gate = node.kind == "gate"
    cells_text = "".join(cell_texts(graph, b, gate, store).fragment(n.index for n in b.names)
                         for b in node.blocks)
    imports = [*functools_import(cells_text), *imports_for(graph, node.uses, "..helpers")]
    if gate:
        imports.append(from_import("..errors", ["ValidationFailed"]))
    mod = module(graph, f"Stage `{node.name}`: {graph.notebook.table[node.stage].description}.",
                 [*imports, stage_function(graph, node)])
    marker = f"    {_CELLS}\n"
    text = render(mod)
    assert text.count(marker) == 1, "the cells' marker must appear exactly once"
    text = text.replace(marker, cells_text)
    ids = ", ".join(c.id for c in node.cells)
    return GeneratedFile(f"stages/{node.name}.py", text, f"cells {ids}")


def helpers_module(graph: StageGraph) -> GeneratedFile:
    """Functions, classes and constants the stages use, moved out of whatever cell held them."""
    body: list[cst.BaseStatement] = []
    uses: set[str] = set()
    for name in graph.helpers:
        definition = graph.definitions[name]
        uses.update(definition.global_reads)
        uses.update(_definition_reads(graph, definition))
    imports = imports_for(graph, [u for u in uses if u in graph.definitions
                                  and graph.definitions[u].kind == "import"], None)
    emitted: set[tuple[str, int | None]] = set()
    for name in graph.helpers:
        definition = graph.definitions[name]
        cell = definition.cell
        if (cell.id, definition.index) in emitted:
            continue  # one statement binding several names (``a, b = 1, 2``)
        emitted.add((cell.id, definition.index))
        comment = provenance_line(notebook_name(graph), cell)
        statement = renamed(definition.statement,
                            graph.renames.get(cell.id, {}).get(definition.index))
        if isinstance(statement, cst.FunctionDef) and name in graph.injected:
            statement = with_keyword_only(statement, graph.injected[name])
        statement = rewrite(statement, graph.injected)
        leading = [cst.EmptyLine(), cst.EmptyLine()] if definition.kind != "constant" else [cst.EmptyLine()]
        leading.append(cst.EmptyLine(comment=cst.Comment(comment)))
        leading.extend(line for line in statement.leading_lines if line.comment is not None)
        body.append(statement.with_changes(leading_lines=leading))
    imports = [*functools_import(body), *imports]
    mod = module(graph, f"Functions, classes and constants defined in {notebook_name(graph)}.",
                 [*imports, *body])
    return GeneratedFile("helpers.py", render(mod), "definitions: " + ", ".join(graph.helpers))


def _definition_reads(graph: StageGraph, definition) -> set[str]:
    """Names a def/class/constant statement reads when it runs (decorators, defaults, bases)."""
    analysis_reads: set[str] = set()
    statement = definition.statement
    if statement is None:
        return analysis_reads

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            analysis_reads.add(node.value)

    statement.visit(_Names())
    return {n for n in analysis_reads if n in graph.definitions}
