"""The StageGraph: exported stages in pipeline order with explicit inputs and outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from ..analysis.cell import CellAnalysis
from ..analysis.imports import ImportSpec
from ..analysis.names import StatementNames
from ..errors import Diagnostic
from ..notebook import Cell, TaggedNotebook
from .params import Param

DEFINITION_KINDS = ("import", "def", "class", "constant")
_GLOBAL_STATEMENT = re.compile(r"^\s+global\s", re.MULTILINE)  # cheap test before the tree


@dataclass(frozen=True)
class Definition:
    """A name the package can define once, away from the data: import, function, class, constant."""

    name: str
    kind: str  # import | def | class | constant
    cell: Cell
    line: int
    analysis: CellAnalysis | None = field(default=None, compare=False, repr=False)
    index: int | None = None  # the statement's index in its cell (def/class/constant)
    spec: ImportSpec | None = None
    global_reads: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # what the statement itself reads when it runs (defaults,
                                 # decorators, bases; a computed constant's expression)

    @property
    def global_writes(self) -> tuple[str, ...]:
        """Names a function's body declares ``global`` (it may rebind them)."""
        if self.kind != "def" or not _GLOBAL_STATEMENT.search(self.cell.source) or self.statement is None:
            return ()
        found: list[str] = []

        class _Globals(cst.CSTVisitor):
            def visit_Global(self, node: cst.Global) -> None:
                found.extend(n.name.value for n in node.names)

        self.statement.visit(_Globals())
        return tuple(found)

    @property
    def statement(self) -> cst.BaseStatement | None:
        if self.analysis is None or self.index is None or self.analysis.module is None:
            return None
        return self.analysis.module.body[self.index]


@dataclass(frozen=True)
class Block:
    """The statements of one cell that a stage function (or test) runs, in order."""

    cell: Cell
    names: tuple[StatementNames, ...] = field(compare=False, repr=False)
    analysis: CellAnalysis = field(compare=False, repr=False)

    @property
    def line_offset(self) -> int:
        return self.analysis.line_offset

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        """The libcst statements (read from the analysis cache on first use)."""
        module = self.analysis.module
        return tuple(module.body[n.index] for n in self.names) if module is not None else ()

    @property
    def header(self) -> tuple[cst.EmptyLine, ...]:
        """Comments above the cell's first statement."""
        module = self.analysis.module
        return tuple(module.header) if module is not None else ()


@dataclass(frozen=True)
class Source:
    """Where a name a step reads comes from."""

    kind: str  # step | param | definition | builtin | missing (reported as a diagnostic)
    step: str | None = None  # for kind "step": the step that provides it

    @classmethod
    def of_step(cls, step: str) -> "Source":
        return cls("step", step)


@dataclass(frozen=True)
class StageNode:
    """One step of the pipeline: consecutive cells of one stage, in notebook order. The first
    step of a stage is named after it; a later one that could not merge is ``<stage>_2``..."""

    name: str
    kind: str  # pipeline | gate
    blocks: tuple[Block, ...]
    inputs: tuple[str, ...]  # values computed by earlier stages
    params: tuple[str, ...]  # parameters read
    outputs: tuple[str, ...]  # values later stages, gates, tests or results need
    uses: tuple[str, ...]  # definitions (imports, helpers, constants) referenced
    providers: dict[str, str] = field(default_factory=dict, compare=False)  # input → step
    stage: str = ""  # the lifecycle stage of its cells ("" for a hand-built node: its name)

    def __post_init__(self) -> None:
        if not self.stage:
            object.__setattr__(self, "stage", self.name)

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(b.cell for b in self.blocks)


@dataclass(frozen=True)
class TestNode:
    block: Block
    reads: tuple[str, ...]  # values taken from the pipeline's results
    params: tuple[str, ...]
    uses: tuple[str, ...]
    until: str | None  # the stage the pipeline must run up to

    @property
    def cell(self) -> Cell:
        return self.block.cell


@dataclass(frozen=True)
class StageGraph:
    notebook: TaggedNotebook
    params: tuple[Param, ...]
    stages: tuple[StageNode, ...]
    tests: tuple[TestNode, ...]
    definitions: dict[str, Definition] = field(compare=False)
    helpers: tuple[str, ...]  # def/class/constant definitions the package needs, in notebook order
    result_names: tuple[str, ...]
    imported_modules: tuple[str, ...]  # top-level modules the package imports (to pin)
    diagnostics: tuple[Diagnostic, ...]
    # function → the notebook values it reads as globals, passed to it as keyword-only
    # arguments at every call site (``functools.partial`` where it is passed as a value)
    injected: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    # cell id → statement index → {notebook name: package name}: a twice-defined function or
    # class is called by the name of the version live where the statement stands
    renames: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict, compare=False)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    def stage(self, name: str) -> StageNode:
        for node in self.stages:
            if node.name == name:
                return node
        raise KeyError(name)
