"""What a graph build reads once about the notebook: parameters, definitions and their versions,
what functions read as globals; and the exported statements each step is made of.

``read_facts`` reports what it finds on the way (the parameters cell, each cell's own issues,
redefinitions); everything after it only reads the ``NotebookFacts`` it returns.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass

from ..analysis.cell import CellAnalysis
from ..analysis.names import StatementNames
from ..notebook import Cell, TaggedNotebook
from .checks import Reporter, cell_diagnostics
from .dead_values import StatementRef
from .definitions import collect_definitions
from .live_names import Versions, names_read
from .model import Block, Definition
from .params import Param, read_parameters
from .resolve import NameFacts
from .steps import Effects, injected_globals

BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython"}


@dataclass(frozen=True)
class NotebookFacts:
    nb: TaggedNotebook
    analyses: Mapping[str, CellAnalysis]
    left_out: frozenset[StatementRef]  # statements pruned as dead values
    params: tuple[Param, ...]
    definitions: dict[str, Definition]
    data_cells: Mapping[str, list[Cell]]  # name → cells binding it as data
    versions: Versions  # def/class name defined twice+ → its versions
    injected: Mapping[str, tuple[str, ...]]  # function → notebook values it reads as globals
    names: NameFacts

    @property
    def param_names(self) -> frozenset[str]:
        return self.names.params

    def kind(self, cell: Cell) -> str:
        return self.nb.table[cell.stage].kind

    def exported_cells(self) -> list[Cell]:
        return [c for c in self.nb.code_cells
                if not c.is_parameters and not c.is_injected_parameters
                and self.nb.table[c.stage].exported]

    def kept(self, cell: Cell) -> list[StatementNames]:
        kept = self.analyses[cell.id].kept_names()
        if not self.left_out:
            return kept
        return [n for n in kept if StatementRef(cell.id, n.index) not in self.left_out]

    def is_definition(self, names: StatementNames, cell: Cell) -> bool:
        if names.kind in ("import", "def", "class"):
            return True
        if names.kind == "constant":
            return names.defines[0] in self.definitions
        # a computed constant promoted to helpers.py is computed there, not again in its step
        definition = self.definitions.get(names.defines[0]) if len(names.defines) == 1 else None
        return (definition is not None and definition.kind == "constant"
                and definition.cell.id == cell.id and definition.index == names.index)

    def blocks(self, cells: list[Cell], keep_definitions: bool = False) -> list[Block]:
        blocks = []
        for cell in cells:
            kept = [n for n in self.kept(cell)
                    if keep_definitions or not self.is_definition(n, cell)]
            if kept:
                blocks.append(Block(cell, tuple(kept), self.analyses[cell.id]))
        return blocks

    def effects(self, cells: list[Cell]) -> Effects:
        """Data names the cells' exported statements read and write; definitions excluded."""
        reads: set[str] = set()
        writes: set[str] = set()
        for cell in cells:
            for names in self.kept(cell):
                if self.is_definition(names, cell):
                    continue
                reads.update(names_read(self.versions, self.injected, cell, names.index,
                                        (*names.reads, *names.earlier_reads, *names.mutates)))
                writes.update(names.defines)
                writes.update(names.mutates)
        return Effects(frozenset(reads - set(self.definitions)),
                       frozenset(writes - set(self.definitions)))


def read_facts(nb: TaggedNotebook, analyses: Mapping[str, CellAnalysis], report: Reporter,
               left_out: frozenset[StatementRef] = frozenset()) -> NotebookFacts:
    param_cell = nb.parameters_cell
    params, param_diags = read_parameters(
        nb, param_cell, analyses.get(param_cell.id) if param_cell else None)
    report.extend(param_diags)
    param_names = {p.name for p in params}
    # an exported cell that did not parse may define what others read (it is reported)
    unparsed = any(c.id in analyses and not analyses[c.id].parsed
                   and nb.table[c.stage].kind not in ("skip", "notebook") for c in nb.code_cells)
    cell_diagnostics(nb, analyses, report)
    collected = collect_definitions(nb, analyses, set(param_names), report, BUILTINS)
    names = NameFacts(nb, analyses, frozenset(param_names), collected.definitions,
                      collected.data_cells, BUILTINS, unparsed)
    return NotebookFacts(
        nb=nb, analyses=analyses, left_out=left_out, params=tuple(params),
        definitions=collected.definitions, data_cells=collected.data_cells,
        versions=collected.versions,
        injected=injected_globals(collected.definitions, param_names | set(collected.data_cells)),
        names=names)
