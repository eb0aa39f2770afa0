"""A cell's statements rendered once, at function-body depth, reusable by any stage or test.

libcst renders a statement the same way whatever its neighbours are (it indents statement lines
and leaves string contents alone), so one render of the whole cell with marker lines between
its statements yields each statement's text. A stage function body is then its cells' texts,
concatenated: cells re-render only when they change, and worker processes can render them.

Most statements come out of the transforms unchanged; their text is the cell's own text with the
lines libcst would indent indented (``statement_text``), which costs a fraction of libcst's code
generation. libcst renders the rest, and every statement of a cell whose text it cannot vouch for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from ..analysis.cell import CellAnalysis
from ..notebook import Cell
from .common import blank_line, provenance_line, tidy
from .pass_globals import rewrite
from .rename import renamed
from .statement_text import header_text, parsed_text, statement_texts

_SPLIT = "__nb2pipe_split__"
_MARK = f"    {_SPLIT}\n"


class AssertToGate(cst.CSTTransformer):
    """``assert cond, msg`` → ``if not cond: raise ValidationFailed(msg)`` (survives ``python -O``)."""

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Assert):
            return updated
        check = updated.body[0]
        code = cst.Module([]).code_for_node(check.test)
        message = check.msg if check.msg is not None else cst.SimpleString(repr(f"check failed: {code}"))
        raise_stmt = cst.SimpleStatementLine([cst.Raise(cst.Call(cst.Name("ValidationFailed"), [cst.Arg(message)]))])
        return cst.If(
            test=_negated(check.test),
            body=cst.IndentedBlock([raise_stmt]),
            leading_lines=updated.leading_lines,
        )


_OPPOSITE = {cst.In: cst.NotIn, cst.NotIn: cst.In, cst.Is: cst.IsNot, cst.IsNot: cst.Is}


def _negated(test: cst.BaseExpression) -> cst.BaseExpression:
    """``a in b`` → ``a not in b`` (and ``is``/``is not``); anything else → ``not (test)``."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and not test.lpar:
        target = test.comparisons[0]
        opposite = _OPPOSITE.get(type(target.operator))
        if opposite is not None:
            return test.with_changes(comparisons=[target.with_changes(operator=opposite())])
    if not isinstance(test, (cst.Name, cst.Call, cst.Attribute, cst.Subscript)):
        test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(cst.Not(), test)


@dataclass(frozen=True)
class CellTexts:
    prefix: str  # provenance comment and the cell's leading comments
    statements: tuple[str, ...]  # each top-level statement, by index, at function-body depth

    def fragment(self, indices) -> str:
        return self.prefix + "".join(self.statements[i] for i in indices)

    def to_json(self) -> str:
        return json.dumps([self.prefix, list(self.statements)])

    @classmethod
    def from_json(cls, text: str) -> "CellTexts":
        prefix, statements = json.loads(text)
        return cls(prefix, tuple(statements))


def render_cell(cell: Cell, analysis: CellAnalysis, notebook: str, gate: bool,
                injected: Mapping[str, tuple[str, ...]] | None = None,
                renames: Mapping[int, Mapping[str, str]] | None = None) -> CellTexts | None:
    """``injected``: functions that take notebook values as keyword-only arguments
    (``pass_globals``); their calls in this cell pass them. ``renames``: statement index →
    the versions of twice-defined names it calls (``rename``).

    A statement no transform touches is sliced from the cell's text (``statement_text``); the
    others, and every statement of a cell whose text cannot be vouched for, libcst renders."""
    module = analysis.module
    if module is None:
        return None
    code = parsed_text(cell.source, analysis)
    sliced = statement_texts(code, module) if code is not None else None
    if sliced is None:
        return render_cell_with_libcst(cell, analysis, notebook, gate, injected, renames)
    renames = renames or {}
    injected = injected or {}
    gating = gate and "assert" in cell.source
    provenance = cst.Comment(provenance_line(notebook, cell)).value  # refuses what libcst refuses
    texts = list(sliced)
    touched = [i for i, text in enumerate(texts)
               if text is None or _touches(text, renames.get(i), injected, gating)]
    if touched:
        statements = _transformed(module, touched, gating, injected, renames)
        _, rendered = _libcst_texts([], statements)
        for i, text in zip(touched, rendered):
            texts[i] = text
    prefix = header_text(provenance, module)
    if any(_MARK in text for text in (prefix, *texts)):
        raise ValueError("a statement's text contains the split marker")
    return CellTexts(prefix, tuple(texts))


def _touches(text: str, renames: Mapping[str, str] | None, injected: Mapping[str, tuple[str, ...]],
             gating: bool) -> bool:
    """Whether a transform may change the statement: only where the names it rewrites occur."""
    return ((gating and "assert" in text) or any(name in text for name in renames or ())
            or any(name in text for name in injected))


def render_cell_with_libcst(cell: Cell, analysis: CellAnalysis, notebook: str, gate: bool,
                            injected: Mapping[str, tuple[str, ...]] | None = None,
                            renames: Mapping[int, Mapping[str, str]] | None = None
                            ) -> CellTexts | None:
    """``render_cell`` with every statement rendered by libcst."""
    module = analysis.module
    if module is None:
        return None
    statements = _transformed(module, range(len(module.body)), gate and "assert" in cell.source,
                              injected or {}, renames or {})
    head = [cst.EmptyLine(comment=cst.Comment(provenance_line(notebook, cell)))]
    head.extend(blank_line(line) for line in module.header)
    prefix, texts = _libcst_texts(head, statements)
    return CellTexts(prefix, texts)


def _transformed(module: cst.Module, indices, gating: bool, injected: Mapping[str, tuple[str, ...]],
                 renames: Mapping[int, Mapping[str, str]]) -> list[cst.BaseStatement]:
    """The statements at ``indices`` as generated code has them."""
    statements = [rewrite(renamed(tidy(module.body[i]), renames.get(i)), injected) for i in indices]
    if gating:
        statements = [s.visit(AssertToGate()) for s in statements]
    return statements


def _libcst_texts(head: list[cst.EmptyLine], statements: list[cst.BaseStatement]
                  ) -> tuple[str, tuple[str, ...]]:
    """(``head`` rendered, each statement rendered) in the body of one generated function."""
    body: list[cst.BaseStatement] = [_marker(head)]
    for statement in statements:
        body.extend([statement, _marker()])
    wrapper = cst.Module([cst.FunctionDef(cst.Name("_"), cst.Parameters(), cst.IndentedBlock(body))])
    parts = wrapper.code.split("\n", 1)[1].split(_MARK)
    if len(parts) != len(statements) + 2 or parts[-1]:
        raise ValueError("a statement's text contains the split marker")
    return parts[0], tuple(parts[1:-1])


def _marker(leading=()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Expr(cst.Name(_SPLIT))], leading_lines=list(leading))
