"""The calls and string literals of a cell, with callees resolved through the notebook's imports.

A read-only libcst visitor over the cell's analysed tree (magics already rewritten): what the
randomness, paths, parameters and logging checks look at.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..analysis.cell import CellAnalysis

NOT_LITERAL = object()  # a keyword argument whose value is not a literal
_LITERAL_NODES = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString,
                  cst.UnaryOperation, cst.Name)


@dataclass(frozen=True)
class Call:
    line: int                 # line in the cell (1-based)
    statement: int            # index of the top-level statement
    dotted: str               # the callee as written: "np.random.seed", "model.fit"
    qualname: str | None      # resolved through imports: "numpy.random.seed"; None if not imported
    keywords: tuple[tuple[str, object], ...]  # (name, literal value or NOT_LITERAL)
    strings: tuple[str, ...]  # string literals among the positional and keyword arguments
    nargs: int                # positional arguments

    @property
    def method(self) -> str:
        return self.dotted.rsplit(".", 1)[-1]

    def keyword(self, name: str, default=None):
        for key, value in self.keywords:
            if key == name:
                return value
        return default

    def has_keyword(self, name: str) -> bool:
        return any(key == name for key, _ in self.keywords)


@dataclass(frozen=True)
class StringLiteral:
    line: int
    statement: int
    value: str


def literal(node: cst.BaseExpression):
    """The Python value of a literal node, else NOT_LITERAL."""
    if not isinstance(node, _LITERAL_NODES):
        return NOT_LITERAL
    if isinstance(node, cst.Name) and node.value not in ("True", "False", "None"):
        return NOT_LITERAL
    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_LITERAL


def dotted_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted_name(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    if isinstance(node, cst.Call):  # make_pipeline(...).fit → "make_pipeline().fit"
        inner = dotted_name(node.func)
        return f"{inner}()" if inner else None
    if isinstance(node, cst.Subscript):
        inner = dotted_name(node.value)
        return f"{inner}[]" if inner else None
    return None


def resolve(dotted: str, aliases: dict[str, str]) -> str | None:
    root, _, rest = dotted.partition(".")
    if root not in aliases or "(" in root or "[" in root:
        return None
    return aliases[root] + ("." + rest if rest else "")


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, aliases: dict[str, str], offset: int):
        self.aliases, self.offset = aliases, offset
        self.calls: list[Call] = []
        self.strings: list[StringLiteral] = []
        self.statement = -1
        self.depth = 0

    def _line(self, node) -> int:
        return self.get_metadata(PositionProvider, node).start.line + self.offset

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.depth == 0 and isinstance(node, cst.BaseStatement):
            self.statement += 1
        if isinstance(node, cst.BaseStatement):
            self.depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.BaseStatement):
            self.depth -= 1
        super().on_leave(original_node)

    def visit_Call(self, node: cst.Call) -> None:
        dotted = dotted_name(node.func)
        if dotted is None:
            return
        keywords, strings, nargs = [], [], 0
        for arg in node.args:
            value = literal(arg.value)
            if arg.keyword is not None:
                keywords.append((arg.keyword.value, value))
            elif arg.star == "":
                nargs += 1
            if isinstance(value, str):
                strings.append(value)
        self.calls.append(Call(self._line(node), self.statement, dotted,
                               resolve(dotted, self.aliases), tuple(keywords), tuple(strings),
                               nargs))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = literal(node)
        if isinstance(value, str):
            self.strings.append(StringLiteral(self._line(node), self.statement, value))


@dataclass(frozen=True)
class CellCalls:
    calls: tuple[Call, ...]
    strings: tuple[StringLiteral, ...]


def cell_calls(analysis: CellAnalysis, aliases: dict[str, str]) -> CellCalls:
    module = analysis.module
    if module is None:
        return CellCalls((), ())
    collector = _Collector(aliases, analysis.line_offset)
    try:
        MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    except RecursionError:
        return CellCalls((), ())
    return CellCalls(tuple(collector.calls), tuple(collector.strings))


def import_aliases(analyses) -> dict[str, str]:
    """Bound name → qualified name over every cell's imports (``np`` → ``numpy``,
    ``RandomForestClassifier`` → ``sklearn.ensemble.RandomForestClassifier``)."""
    aliases: dict[str, str] = {}
    for analysis in analyses:
        for _index, specs, _stars in analysis.imports:
            for spec in specs:
                if spec.level:
                    continue
                if spec.name is None:
                    aliases[spec.bound] = spec.module if spec.asname else spec.module.split(".")[0]
                else:
                    aliases[spec.bound] = f"{spec.module}.{spec.name}"
    return aliases
