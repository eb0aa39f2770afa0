"""Analyse one cell's source: IPython syntax → libcst tree → ordered names → dropped statements.

The result depends on the source text alone, so it is cached by source hash (``cache.py``).
Whether an issue is an error depends on the cell's stage, which the graph knows: issues here are
facts ("this cell uses %%bash"), the graph decides their severity.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import libcst as cst

from ..errors import Severity
from .imports import ImportSpec, import_specs
from .ipython_syntax import CODE_MAGICS, MagicRewriter, MagicUse, split_cell_magic, transform_ipython
from .names import StatementNames, analyze_names
from .effects import is_read_only
from .python_syntax import PythonProblem, python_problem

ANALYZER_VERSION = 14

# A line that starts like IPython syntax (%magic, !shell, x = !cmd, x = %magic, obj?): such cells
# go to IPython's transformer without a failed libcst parse first.
_IPYTHON_SYNTAX = re.compile(r"^\s*([%!]|[\w.\[\], ]+=\s*[%!](?!=)|.*\?\s*$)", re.MULTILINE)
DISPLAY_FUNCTIONS = frozenset({"display", "display_html", "display_markdown"})


@dataclass(frozen=True)
class CellIssue:
    line: int
    severity: Severity
    code: str
    message: str


@dataclass(frozen=True)
class CellAnalysis:
    """Everything the graph and codegen need to know about one cell's source.

    The libcst tree is the expensive part: a cached analysis carries a loader instead, and the
    tree is only read back when codegen needs this cell's statements.
    """

    parsed: bool  # False: the cell cannot be exported as it is (see issues)
    statements: tuple[StatementNames, ...]
    dropped: tuple[tuple[int, str], ...]  # (statement index, why) left out of exported code
    magics: tuple[MagicUse, ...]
    issues: tuple[CellIssue, ...]  # syntax errors and disallowed syntax (errors if exported)
    line_offset: int = 0  # original line = line in ``module`` + line_offset
    imports: tuple[tuple[int, tuple[ImportSpec, ...], tuple[str, ...]], ...] = ()  # (index, specs, stars)
    _module: cst.Module | None = field(default=None, compare=False, repr=False)
    _loader: Callable[[], cst.Module | None] | None = field(default=None, compare=False, repr=False)

    @property
    def module(self) -> cst.Module | None:
        """Plain Python after rewriting magics; None if the cell cannot parse."""
        if self._module is None and self._loader is not None and self.parsed:
            object.__setattr__(self, "_module", self._loader())
        return self._module

    @property
    def holds_tree(self) -> bool:
        """Whether the tree is in memory (not dropped, nor yet loaded back)."""
        return self._module is not None

    def without_tree(self) -> "CellAnalysis":
        return replace(self, _module=None, _loader=None)

    def with_loader(self, loader: Callable[[], cst.Module | None]) -> "CellAnalysis":
        return replace(self, _module=None, _loader=loader)

    def adopt_loader(self, loader: Callable[[], cst.Module | None]) -> "CellAnalysis":
        """``with_loader`` in place, for an analysis nobody else holds yet (just unpickled): a
        copy per cell was a tenth of a warm graph build."""
        object.__setattr__(self, "_loader", loader)
        return self

    @cached_property  # asked for every statement of every cell while the graph is built
    def dropped_indices(self) -> frozenset[int]:
        return frozenset(i for i, _ in self.dropped)

    def kept_names(self) -> list[StatementNames]:
        """Names of the statements exported code keeps (no tree needed)."""
        if not self.dropped:
            return list(self.statements)
        dropped = self.dropped_indices
        return [n for n in self.statements if n.index not in dropped]

    def kept(self) -> list[tuple[StatementNames, cst.BaseStatement]]:
        """The statements exported code keeps, with their names (loads the tree)."""
        module = self.module
        if module is None:
            return []
        return [(names, module.body[names.index]) for names in self.kept_names()]

    def import_specs(self, index: int) -> tuple[tuple[ImportSpec, ...], tuple[str, ...]]:
        for i, specs, stars in self.imports:
            if i == index:
                return specs, stars
        return (), ()


def _failed(issue: CellIssue, magics, offset: int) -> CellAnalysis:
    return CellAnalysis(False, (), (), tuple(magics), (issue,), offset)


def _issue(problem: PythonProblem, offset: int) -> CellIssue:
    return CellIssue(problem.line + offset, Severity.ERROR, problem.code, problem.message)


def analyze_source(source: str) -> CellAnalysis:
    """Never raises for any text: problems come back as issues."""
    try:
        return _analyze_source(source)
    except RecursionError:  # python_problem bounds nesting; this is the last line of defence
        return _failed(CellIssue(1, Severity.ERROR, "too-deep", "code nested too deeply to "
                                 "analyse; split it into smaller statements"), (), 0)


def _analyze_source(source: str) -> CellAnalysis:
    name, line, body = split_cell_magic(source)
    magics: list[MagicUse] = []
    offset = 0
    code = source
    if name is not None:
        stripped = source.lstrip("\n")
        offset = source[: len(source) - len(stripped)].count("\n") + 1  # the %% line and any above
        if name not in CODE_MAGICS:
            issue = CellIssue(offset, Severity.ERROR, "magic",
                              f"cell magic `%%{name}` cannot be exported; move the cell to an "
                              "explore or skip stage, or rewrite it in Python")
            return _failed(issue, (MagicUse(offset, name, "disallowed", issue.message),), offset)
        stored = [w for w in line.split() if not w.startswith("-")] if name == "capture" else []
        if stored:  # `%%capture out`: `out` is IPython's CapturedIO, which no package can build
            issue = CellIssue(offset, Severity.ERROR, "magic",
                              f"`%%capture {stored[0]}` stores the cell's output in {stored[0]!r}, "
                              "which the package cannot build; drop the name (the code is kept, "
                              "its output hidden) or move the cell to an explore or skip stage")
            return _failed(issue, (MagicUse(offset, name, "disallowed", issue.message),), offset)
        magics.append(MagicUse(offset, name, "inlined", f"`%%{name}` removed, its code kept"))
        code = body
    try:
        if _IPYTHON_SYNTAX.search(code):
            raise cst.ParserSyntaxError("IPython syntax", lines=[""], raw_line=1, raw_column=0)
        problem = python_problem(code)  # what libcst accepts but Python refuses, before libcst
        if problem is not None and problem.final:
            return _failed(_issue(problem, offset), magics, offset)
        if problem is not None and not problem.parses:  # IPython syntax the pattern missed?
            raise cst.ParserSyntaxError("not Python", lines=[""], raw_line=1, raw_column=0)
        module = cst.parse_module(code)
        rewritten = False
    except cst.ParserSyntaxError:
        transformed = transform_ipython(code)
        problem = python_problem(transformed)
        if problem is not None and not problem.parses:
            return _failed(_issue(problem, offset), magics, offset)
        try:
            module = cst.parse_module(transformed)
        except cst.ParserSyntaxError as exc:
            return _syntax_error(transformed, exc, offset, tuple(magics))
        except Exception as exc:  # libcst can reject odd input with other errors
            return _failed(CellIssue(1 + offset, Severity.ERROR, "syntax", str(exc)), magics, offset)
        rewritten = True
    except Exception as exc:
        return _failed(CellIssue(1 + offset, Severity.ERROR, "syntax", str(exc)), magics, offset)
    issues: list[CellIssue] = []
    if rewritten:
        module, uses, placeholders = _rewrite_magics(module, transformed, offset)
        magics.extend(uses)
        if problem is None and any(u.action == "inlined" for u in uses):  # `%time <code>`
            problem = python_problem(module.code)
        issues.extend(CellIssue(u.line, Severity.ERROR, "magic", u.message) for u in uses if u.is_error)
    else:
        placeholders = frozenset()
    if problem is not None:
        issues.append(_issue(problem, offset))
    statements = analyze_names(module)
    dropped = [(i, "magic") for i in sorted(placeholders)]
    dropped.extend(_display_statements(module, placeholders))
    dropped.sort()
    imports = []
    for names in statements:
        if names.kind == "import":
            specs, stars = import_specs(module.body[names.index])
            imports.append((names.index, tuple(specs), tuple(stars)))
    return CellAnalysis(True, statements, tuple(dropped), tuple(magics), tuple(issues), offset,
                        tuple(imports), _module=module)


def _syntax_error(code: str, exc: cst.ParserSyntaxError, offset: int,
                  magics: tuple[MagicUse, ...]) -> CellAnalysis:
    """Python's own compiler names the line and the problem best (libcst's raw_line can be off)."""
    try:
        compile(code, "<cell>", "exec", dont_inherit=True)
        line, message = exc.raw_line, str(exc).splitlines()[0] if str(exc) else "invalid syntax"
    except SyntaxError as err:
        line, message = err.lineno or 1, err.msg
    except (ValueError, OverflowError) as err:  # e.g. null bytes in the source
        line, message = 1, str(err)
    return _failed(CellIssue(line + offset, Severity.ERROR, "syntax", f"syntax error: {message}"),
                   magics, offset)


def _rewrite_magics(module: cst.Module, code: str, offset: int):
    """Rewrite IPython calls; removed top-level statements stay as placeholders (keeps lines)."""
    rewriter = MagicRewriter(code, line_offset=offset)
    module = module.visit(rewriter)
    placeholders = frozenset(i for i, s in enumerate(module.body) if id(s) in rewriter.placeholder_ids)
    if rewriter.needs_subprocess:  # appended last so no line moves; codegen hoists imports
        body = [*module.body, cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("subprocess"))])])]
        module = module.with_changes(body=body)
    return module, rewriter.uses, placeholders


def _is_display_call(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Name) and func.value in DISPLAY_FUNCTIONS:
        return True
    if isinstance(func, cst.Attribute) and func.attr.value == "show":
        root = func.value
        return isinstance(root, cst.Name) and root.value in ("plt", "pyplot", "fig")
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) \
            and func.attr.value == "display":  # IPython.display.display(...)
        return True
    return False


def _display_statements(module: cst.Module, placeholders) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    body = module.body
    for i, statement in enumerate(body):
        if i in placeholders or not isinstance(statement, cst.SimpleStatementLine):
            continue
        if len(statement.body) != 1 or not isinstance(statement.body[0], cst.Expr):
            continue
        value = statement.body[0].value
        if _is_display_call(value):
            found.append((i, "display"))
        elif isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.BaseNumber,
                                cst.BaseString, cst.Tuple, cst.Comparison, cst.BinaryOperation)):
            if not (isinstance(value, cst.BaseString) and i == 0):  # a docstring-like first string
                found.append((i, "bare-expression"))
        elif is_read_only(value):  # ``df.isna().sum()``, ``pd.crosstab(a, b)``: looks only
            found.append((i, "bare-expression"))
    return found
