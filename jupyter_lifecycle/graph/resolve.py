"""Where a name a step (or test) reads comes from: an earlier step, a parameter, a definition,
a builtin — or nowhere, which is reported with the reason and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..analysis.cell import CellAnalysis
from ..errors import Severity
from ..notebook import Cell, TaggedNotebook
from .checks import Reporter
from .model import Definition, Source

Earlier = Mapping[str, frozenset[str]]  # step → what it binds or mutates, in notebook order


@dataclass(frozen=True)
class NameFacts:
    """What the whole notebook binds, read once per graph build."""

    nb: TaggedNotebook
    analyses: Mapping[str, CellAnalysis]
    params: frozenset[str]
    definitions: Mapping[str, Definition]
    data_cells: Mapping[str, list[Cell]]  # name → cells binding it as data
    builtins: frozenset[str]
    unparsed: bool  # an exported cell did not parse (it may bind what others read)

    def has_source(self, read: str, earlier: Earlier) -> bool:
        return (any(read in produced for produced in earlier.values()) or read in self.params
                or read in self.definitions or read in self.builtins)


def resolve(facts: NameFacts, read: str, earlier: Earlier, report: Reporter, cell: Cell,
            line: int, stage: str | None) -> Source:
    """Where ``read`` comes from when ``cell`` reads it at ``line``; a missing one is reported."""
    for step_name, produced in reversed(earlier.items()):
        if read in produced:
            return Source.of_step(step_name)
    if read in facts.params:
        return Source("param")
    if read in facts.definitions:
        return Source("definition")
    if read in facts.builtins:
        return Source("builtin")
    where = f"step {stage!r}" if stage else "this test"
    binders = facts.data_cells.get(read, [])
    later = [c for c in binders if facts.nb.table[c.stage].exported]
    if later:
        report(Severity.ERROR, "read-before-definition",
               f"{where} reads {read!r} before cell {later[0].index} computes it: run top "
               "to bottom, the notebook fails here too", cell, line)
    elif binders:
        report(Severity.ERROR, "notebook-only-value",
               f"{where} reads {read!r}, which only the {binders[0].stage!r} cell "
               f"{binders[0].index} computes; explore cells are not exported — move that code to "
               "an exported stage", cell, line)
    elif _bound_in_skip_or_test(facts, read):
        report(Severity.ERROR, "notebook-only-value",
               f"{where} reads {read!r}, which only a skip or test cell defines", cell, line)
    elif not facts.unparsed:  # a cell that did not parse may define it: report that cell only
        report(Severity.ERROR, "undefined-name", f"{where} reads {read!r}, which no cell defines",
               cell, line)
    return Source("missing")


def loop_carried(report: Reporter, read: str, cell: Cell, line: int, stage: str | None) -> None:
    """``for ...: if first: acc = x else: acc = acc + x`` reads ``acc`` only after a pass has
    bound it. Nothing earlier provides it, so it stays local; say so, it is an assumption."""
    where = f"stage {stage!r}" if stage else "this test"
    report(Severity.WARNING, "loop-carried",
           f"{where} reads {read!r} in the block that assigns it and nothing earlier "
           "provides it: treated as assigned before its first read (as the notebook ran)",
           cell, line)


def _bound_in_skip_or_test(facts: NameFacts, name: str) -> bool:
    for cell in facts.nb.code_cells:
        if facts.nb.table[cell.stage].kind in ("skip", "test"):
            analysis = facts.analyses.get(cell.id)
            if analysis and any(name in n.defines for n in analysis.statements):
                return True
    return False
