"""``stages/<stage>.py``: one function per stage, inputs as parameters, outputs returned."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

import libcst as cst

from ..analysis.names import StatementNames
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


@dataclass(frozen=True)
class Argument:
    """One parameter of a stage function: where its value comes from, and its type when the
    parameters cell or the literal that bound it tells it."""

    name: str
    source: str  # "parameter" or the stage that hands the value on
    annotation: str | None
    default: str | None = None  # a parameter's default as the notebook writes it (when short)


_LITERAL_TYPES = {bool: "bool", int: "int", float: "float", str: "str", bytes: "bytes",
                  list: "list", tuple: "tuple", dict: "dict", set: "set"}
_PARAM_TYPES = {"bool", "int", "float", "str", "list", "dict"}


Bindings = dict[str, dict[str, tuple[Block, StatementNames]]]  # provider → its last bindings


def stage_arguments(graph: StageGraph, node: StageNode,
                    bindings: Bindings | None = None) -> tuple[Argument, ...]:
    """The stage's parameters in signature order: inputs, then the parameters it reads.

    ``bindings`` holds each provider's last bindings once made (share it across the stages of
    one graph)."""
    params = {p.name: p for p in graph.params}
    stages = {n.name: n for n in graph.stages}
    bindings = {} if bindings is None else bindings
    arguments = []
    for name in node.inputs:
        source = node.providers.get(name, "")
        provider = stages.get(source)
        if provider is not None and source not in bindings:
            bindings[source] = _last_bindings(provider)
        last = bindings[source].get(name) if provider is not None else None
        arguments.append(Argument(name, source, _literal_type(last, name) if last else None))
    for name in node.params:
        param = params.get(name)
        type_name = param.type_name if param is not None else None
        arguments.append(Argument(name, "parameter", type_name if type_name in _PARAM_TYPES else None,
                                  _short(param.value_code) if param is not None else None))
    return tuple(arguments)


def _short(code: str) -> str | None:
    """A literal short and plain enough to quote in a docstring."""
    return code if len(code) <= 40 and "\n" not in code and "\\" not in code and '"""' not in code else None


def _last_bindings(provider: StageNode) -> dict[str, tuple[Block, StatementNames]]:
    """Each name the provider binds → its last statement that binds it (and that statement's block)."""
    last: dict[str, tuple[Block, StatementNames]] = {}
    for block in provider.blocks:
        for names in block.names:
            for defined in names.defines:
                last[defined] = (block, names)
    return last


def _literal_type(last: tuple[Block, StatementNames], name: str) -> str | None:
    """The type of ``name`` when the provider's last statement that binds it is ``name = literal``
    (a later statement could only mutate it: a container keeps its type, a scalar cannot change)."""
    if last[1].kind != "constant" or last[0].analysis.module is None:
        return None
    statement = last[0].analysis.module.body[last[1].index]
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return None  # ``a, b = 1, 2``
    if not isinstance(target, cst.Name) or target.value != name:
        return None
    try:
        literal = ast.literal_eval(cst.Module([]).code_for_node(value).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return _LITERAL_TYPES.get(type(literal))


def _docstring(graph: StageGraph, node: StageNode, arguments: tuple[Argument, ...]) -> str:
    """PEP 257: a one-line summary, then the arguments, the return value and what it raises."""
    cells = ", ".join(str(c.index) for c in node.cells)
    lines = [f"Run stage `{node.name}` of {notebook_name(graph)} ({plural('cell', node.cells)} {cells})."]
    if arguments:
        lines += ["", "Args:"]
        lines += [f"    {a.name}: from stage `{a.source}`." if a.source != "parameter"
                  else f"    {a.name}: parameter, default {a.default}." if a.default is not None
                  else f"    {a.name}: parameter." for a in arguments]
    if node.outputs:
        returned = (f"{node.outputs[0]}." if len(node.outputs) == 1
                    else ", ".join(node.outputs) + ", as a tuple in this order.")
        lines += ["", "Returns:", *textwrap.wrap(returned, 88, initial_indent="    ",
                                                 subsequent_indent="    ", break_on_hyphens=False)]
    if node.kind == "gate":
        lines += ["", "Raises:", "    ValidationFailed: a gate's condition does not hold."]
    lines = [line.replace("\\", "\\\\").replace('"""', '\\"""') for line in lines]
    if len(lines) == 1:
        return '"""' + lines[0] + '"""'
    body = "\n".join(f"    {line}" if line else "" for line in lines[1:])
    return '"""' + lines[0] + "\n" + body + '\n    """'


def _signature(arguments: tuple[Argument, ...], name: str) -> cst.Parameters:
    params = [cst.Param(cst.Name(a.name), annotation=cst.Annotation(cst.Name(a.annotation))
                        if a.annotation else None) for a in arguments]
    one_line = f"def {name}(" + ", ".join(
        a.name + (f": {a.annotation}" if a.annotation else "") for a in arguments) + "):"
    if len(one_line) <= 99 or not params:
        return cst.Parameters(params=params)
    # One parameter per line, with a trailing comma, as a formatter would wrap it.
    newline = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True,
                                          last_line=cst.SimpleWhitespace("    "))
    closing = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True,
                                          last_line=cst.SimpleWhitespace(""))
    params = [p.with_changes(comma=cst.Comma(whitespace_after=newline)) for p in params]
    params[-1] = params[-1].with_changes(comma=cst.Comma(whitespace_after=closing))
    return cst.Parameters(params=params)


def _first_line_break() -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True,
                                       last_line=cst.SimpleWhitespace("    "))


def stage_function(graph: StageGraph, node: StageNode) -> cst.FunctionDef:
    """The stage's function with a marker line where its cells' statements go."""
    body: list[cst.BaseStatement] = [cst.SimpleStatementLine([cst.Expr(cst.Name(_CELLS))])]
    if node.outputs:
        value = (cst.Name(node.outputs[0]) if len(node.outputs) == 1
                 else cst.Tuple([cst.Element(cst.Name(n)) for n in node.outputs], lpar=[], rpar=[]))
        body.append(cst.SimpleStatementLine([cst.Return(value)],
                                            leading_lines=[cst.EmptyLine(indent=False)]))
    arguments = stage_arguments(graph, node)
    doc = cst.SimpleStatementLine([cst.Expr(cst.SimpleString(_docstring(graph, node, arguments)))])
    params = _signature(arguments, node.name)
    wrapped = bool(params.params) and isinstance(params.params[-1].comma, cst.Comma)
    return cst.FunctionDef(
        name=cst.Name(node.name),
        params=params,
        body=cst.IndentedBlock([doc, *body]),
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
        whitespace_before_params=_first_line_break() if wrapped else cst.SimpleWhitespace(""),
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
