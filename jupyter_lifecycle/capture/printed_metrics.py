"""Kale's ``pipeline-metrics`` cell: the values it prints become the run's ``metrics``.

A code cell that carries Kale's ``pipeline-metrics`` tag and whose stage is ``evaluate`` (what
``nb2pipe tag --from kale --write`` gives it) records the values its top-level ``print`` calls
show: plain names, attributes and constant subscripts of them (``print(accuracy)``,
``print(report.f1)``, ``print(scores["auc"])``, also inside an f-string). One assignment does
it, after the cell's own code::

    metrics = {"accuracy": accuracy, "report_f1": report.f1}  # or {**metrics, ...}

The converter appends that line to the cell it reads (so the pipeline's evaluate step returns
them), and capture runs the same line in the kernel after the cell (so the notebook's record,
``nb2pipe run`` and ``verify`` see the same ``metrics``). One rule, here, for both: standard
library only, as everything in ``capture``.

The names join a ``metrics`` dict the notebook builds above the cell (``{**metrics, ...}``). When
the notebook binds ``metrics`` in any other way — an import (``from sklearn import metrics``),
a value that is not a dict, or a dict bound again below the cell — nothing is added and the plan
says why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

PIPELINE_METRICS_TAG = "pipeline-metrics"
RESULT = "metrics"
EVALUATE = "evaluate"
COMMENT = "  # Kale pipeline-metrics: the values this cell prints"


@dataclass(frozen=True)
class SourceCell:
    index: int  # position among all cells of the notebook
    cell_id: str
    source: str
    tags: tuple[str, ...]
    stage: str  # the effective stage


@dataclass(frozen=True)
class PrintedMetric:
    key: str  # "accuracy", "report_f1", "scores_auc"
    expression: str  # "accuracy", "report.f1", "scores['auc']"
    line: int  # 1-based line of the print in the cell


@dataclass(frozen=True)
class MetricsCell:
    index: int
    cell_id: str
    metrics: tuple[PrintedMetric, ...]
    code: str  # the line that binds them: appended by the converter, run by capture
    one_per_line: bool  # every print shows exactly one metric: its output lines are the values
    merges: bool  # ``{**metrics, ...}``: joins a ``metrics`` dict bound above


@dataclass(frozen=True)
class MetricsProblem:
    index: int
    cell_id: str
    line: int | None
    message: str


@dataclass(frozen=True)
class MetricsPlan:
    cells: tuple[MetricsCell, ...] = ()
    problems: tuple[MetricsProblem, ...] = ()


@dataclass(frozen=True)
class _Binding:
    index: int
    cell_id: str
    line: int
    dict_value: bool  # ``metrics = {...}``, ``dict(...)``, a dict comprehension, ``metrics |= {...}``
    what: str


def parse_cell(source: str) -> ast.Module | None:
    """The cell's tree, IPython magics and shell lines read as ``pass``; None if it does not parse."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(line[:len(line) - len(stripped)] + "pass" if stripped.startswith(("%", "!"))
                     else line)
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _key(node: ast.expr) -> str | None:
    """``accuracy`` → accuracy, ``report.f1`` → report_f1, ``scores["auc"]`` → scores_auc."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _key(node.value)
        return f"{inner}_{node.attr}" if inner else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, (str, int)) and not isinstance(node.slice.value, bool):
        inner = _key(node.value)
        part = str(node.slice.value).strip().replace(" ", "_")
        return f"{inner}_{part}" if inner and part else None
    return None


def _printed(tree: ast.Module) -> tuple[list[tuple[str, ast.expr, int]], bool]:
    """(key, expression, line) of every metric the top-level prints show, and whether each print
    shows exactly one of them and nothing else."""
    found: list[tuple[str, ast.expr, int]] = []
    one_per_line = True
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"):
            continue
        shown = []
        for arg in call.args:
            if isinstance(arg, ast.JoinedStr):
                shown += [v.value for v in arg.values if isinstance(v, ast.FormattedValue)]
            else:
                shown.append(arg)
        keyed = [(_key(e), e) for e in shown]
        found += [(k, e, statement.lineno) for k, e in keyed if k]
        one_per_line = one_per_line and len(call.args) == 1 and not call.keywords \
            and not isinstance(call.args[0], ast.JoinedStr) and keyed[0][0] is not None
    return found, one_per_line


class _Bindings(ast.NodeVisitor):
    """Module-level bindings of ``metrics`` (function and class bodies are their own scopes)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, bool, str]] = []  # (line, dict value, what)

    def _target(self, target: ast.expr, line: int, dict_value: bool, what: str) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and node.id == RESULT:
                self.found.append((line, dict_value and isinstance(target, ast.Name), what))

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        is_dict = isinstance(value, (ast.Dict, ast.DictComp)) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict")
        for target in node.targets:
            self._target(target, node.lineno, is_dict, "an assignment")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node.lineno, isinstance(node.value, (ast.Dict, ast.DictComp)),
                         "an assignment")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target, node.lineno, isinstance(node.op, ast.BitOr), "an assignment")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._target(node.target, node.lineno, False, "an assignment expression")

    def visit_For(self, node: ast.For) -> None:
        self._target(node.target, node.lineno, False, "a for loop")
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._target(node.optional_vars, node.context_expr.lineno, False, "a with statement")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if (alias.asname or alias.name.split(".")[0]) == RESULT:
                self.found.append((node.lineno, False, "an import"))

    visit_ImportFrom = visit_Import

    def visit_FunctionDef(self, node) -> None:
        if node.name == RESULT:
            self.found.append((node.lineno, False, "a definition"))

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None

    def visit_Delete(self, node: ast.Delete) -> None:
        self._target(ast.Tuple(elts=node.targets, ctx=ast.Del()), node.lineno, False, "a del statement")


def _bindings(cells: list[SourceCell], trees: dict[int, ast.Module | None]) -> list[_Binding]:
    found = []
    for cell in cells:
        tree = trees[cell.index]
        if tree is None:
            continue
        visitor = _Bindings()
        visitor.visit(tree)
        found += [_Binding(cell.index, cell.cell_id, line, is_dict, what)
                  for line, is_dict, what in visitor.found]
    return found


def _code(metrics: list[tuple[str, ast.expr, int]], merge: bool) -> str:
    keys: list[ast.expr | None] = [None] if merge else []
    values: list[ast.expr] = [ast.Name(RESULT, ast.Load())] if merge else []
    keys += [ast.Constant(key) for key, _, _ in metrics]
    values += [expression for _, expression, _ in metrics]
    assign = ast.Assign(targets=[ast.Name(RESULT, ast.Store())], value=ast.Dict(keys, values), lineno=1)
    return ast.unparse(ast.fix_missing_locations(assign)) + COMMENT


def plan_printed_metrics(cells: Iterable[SourceCell]) -> MetricsPlan:
    """What the ``pipeline-metrics`` cells of a notebook record (``cells``: its code cells in
    order). A notebook without such a cell gets an empty plan."""
    cells = list(cells)
    targets = [c for c in cells if PIPELINE_METRICS_TAG in c.tags and c.stage == EVALUATE]
    if not targets:
        return MetricsPlan()
    trees = {c.index: parse_cell(c.source) for c in cells}
    bindings = _bindings(cells, trees)
    first = targets[0]
    refused = [b for b in bindings if not b.dict_value] or [b for b in bindings if b.index > first.index]
    if refused:
        b = refused[0]
        why = (f"binds `{RESULT}` by {b.what}" if not b.dict_value
               else f"binds `{RESULT}` again below the pipeline-metrics cell {first.index}")
        return MetricsPlan(problems=(MetricsProblem(
            first.index, first.cell_id, None,
            f"Kale pipeline-metrics: cell {b.index} (line {b.line}) {why}, so the printed values "
            f"are not added to it; rename that `{RESULT}`, or add them to your own `{RESULT}` "
            "dict"),))
    planned, problems = [], []
    merge = any(b.index <= first.index for b in bindings)
    for cell in targets:
        tree = trees[cell.index]
        metrics, one_per_line = _printed(tree) if tree is not None else ([], False)
        first_of: dict[str, tuple[str, ast.expr, int]] = {}
        for key, expression, line in metrics:
            first_of.setdefault(key, (key, expression, line))
        unique = list(first_of.values())
        if not unique:
            problems.append(MetricsProblem(cell.index, cell.cell_id, None, (
                "Kale pipeline-metrics: the cell does not parse" if tree is None else
                "Kale pipeline-metrics: the cell prints no name, attribute or constant subscript "
                "at its top level, so it records no metric")))
            continue
        planned.append(MetricsCell(
            cell.index, cell.cell_id,
            tuple(PrintedMetric(k, ast.unparse(e), line) for k, e, line in unique),
            _code(unique, merge), one_per_line and len(unique) == len(metrics), merge))
        merge = True
    return MetricsPlan(tuple(planned), tuple(problems))
