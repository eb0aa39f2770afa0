"""The papermill ``parameters`` cell as typed parameters (types inferred from the literals)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst

from ..analysis.cell import CellAnalysis
from ..errors import Diagnostic, Severity
from ..notebook import Cell, TaggedNotebook

TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str", list: "list",
              tuple: "list", dict: "dict", type(None): "any"}


@dataclass(frozen=True)
class Param:
    name: str
    value: object  # the default, a Python literal
    type_name: str  # bool | int | float | str | list | dict | any
    line: int
    value_code: str  # the literal as written in the notebook
    comment: str | None = None  # a trailing ``# comment`` on the line, kept as documentation


# The generated ``Params`` dataclass's own attributes: a field of that name would replace them.
PARAMS_OWN = frozenset({"from_dict", "to_dict"})


def read_parameters(nb: TaggedNotebook, cell: Cell | None,
                    analysis: CellAnalysis | None) -> tuple[tuple[Param, ...], list[Diagnostic]]:
    if cell is None or analysis is None:
        return (), []
    diagnostics: list[Diagnostic] = []
    if analysis.module is None:
        for issue in analysis.issues:
            diagnostics.append(Diagnostic(Severity.ERROR, issue.code, issue.message,
                                          nb.location(cell, issue.line)))
        return (), diagnostics
    params: dict[str, Param] = {}
    for names, statement in zip(analysis.statements, analysis.module.body):
        if names.index in analysis.dropped_indices:
            continue
        line = names.line + analysis.line_offset
        param = _param(statement, line)
        if param is None:
            diagnostics.append(Diagnostic(
                Severity.ERROR, "parameter",
                "the parameters cell may only assign literals (numbers, strings, booleans, None, "
                "lists, dicts) to plain names, one per line",
                nb.location(cell, line)))
            continue
        if param.name in PARAMS_OWN or param.name.startswith("__"):
            diagnostics.append(Diagnostic(
                Severity.ERROR, "reserved-parameter",
                f"parameter {param.name!r} has the name of a method of the generated Params class "
                "(from_dict, to_dict) or a dunder name; rename it in the parameters cell and "
                "where it is read",
                nb.location(cell, line)))
            continue
        params[param.name] = param  # a later assignment wins, as when the cell runs
    return tuple(params.values()), diagnostics


def _param(statement: cst.BaseStatement, line: int) -> Param | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return None
    if not isinstance(target, cst.Name):
        return None
    code = cst.Module([]).code_for_node(value)
    try:
        literal = ast.literal_eval(code.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    type_name = TYPE_NAMES.get(type(literal))
    if type_name is None:
        return None
    if isinstance(literal, tuple):
        literal = list(literal)
    comment = statement.trailing_whitespace.comment
    text = comment.value.lstrip("#").strip() if comment else None
    return Param(target.value, literal, type_name, line, code.strip(), text or None)
