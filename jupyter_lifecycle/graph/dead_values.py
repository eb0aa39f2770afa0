"""Values a step computes that nothing later reads: no later statement of the step, no later
step, gate, test or result (``importances = pd.Series(...)`` left over from exploring).

Backward liveness over each step's statements, starting from what the step returns. A dead
value gets a ``dead-value`` note; with ``--prune`` its statement is left out of the package when
that changes nothing else: a simple assignment whose value only computes (``analysis.effects``)
and that mutates nothing. Leaving one out can make others dead, so pruning repeats to a fixed
point (``build_graph`` rebuilds the graph without them: signatures and imports narrow with it).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..analysis.effects import is_read_only
from ..errors import Diagnostic, Severity
from .checks import Reporter
from .model import StageGraph


@dataclass(frozen=True)
class StatementRef:
    """One top-level statement of a cell."""

    cell_id: str
    index: int  # the statement's index in its cell


@dataclass(frozen=True)
class DeadValue:
    step: str
    names: tuple[str, ...]
    cell_id: str
    index: int  # the statement's index in its cell
    line: int  # in the cell
    prunable: bool  # leaving the statement out changes nothing else

    @property
    def statement(self) -> StatementRef:
        return StatementRef(self.cell_id, self.index)


def dead_values(graph: StageGraph) -> list[DeadValue]:
    found: list[DeadValue] = []
    definitions, injected = graph.definitions, graph.injected
    for node in graph.stages:
        live = set(node.outputs)
        entries = [(block, names) for block in node.blocks for names in block.names]
        for block, names in reversed(entries):
            defines = [d for d in names.defines if d not in definitions] if names.defines else []
            if defines and names.kind in ("code", "constant") and not names.compound:
                dead = tuple(d for d in defines if d not in live and not d.startswith("_"))
                if dead and len(dead) == len(defines):
                    module = block.analysis.module
                    statement = module.body[names.index] if module else None
                    found.append(DeadValue(node.name, dead, block.cell.id, names.index,
                                           names.line + block.line_offset,
                                           not names.mutates and _computes_only(statement)))
            if defines and not names.compound:
                live.difference_update(defines)
            live.update(names.reads)
            live.update(names.earlier_reads)
            live.update(names.mutates)
            if injected:  # a function called here reads these globals
                for read in (*names.reads, *names.earlier_reads):
                    live.update(injected.get(read, ()))
    found.reverse()
    return found


def _computes_only(statement) -> bool:
    """``name = <expression that only computes>`` (or several targets, or an annotation)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assign):
        return all(isinstance(t.target, (cst.Name, cst.Tuple, cst.List)) for t in small.targets) \
            and is_read_only(small.value)
    if isinstance(small, cst.AnnAssign):
        return isinstance(small.target, cst.Name) and small.value is not None \
            and is_read_only(small.value)
    return False


def with_dead_value_notes(graph: StageGraph, dead: list[DeadValue],
                          pruned: list[DeadValue]) -> tuple[Diagnostic, ...]:
    """The graph's diagnostics and a note for each dead value, and for each one left out."""
    report = Reporter(graph.notebook, graph.diagnostics)
    cells = {c.id: c for c in graph.notebook.code_cells}
    for d in dead:
        shown = ", ".join(f"`{n}`" for n in d.names)
        report(Severity.INFO, "dead-value",
               f"{shown} computed in step {d.step!r} is read by nothing later (no step, gate, test "
               "or result): move it to an explore cell"
               + (", or convert with --prune to leave it out" if d.prunable else ""),
               cells[d.cell_id], d.line)
    for d in pruned:
        shown = ", ".join(f"`{n}`" for n in d.names)
        report(Severity.INFO, "pruned", f"{shown} is read by nothing later: left out (--prune)",
               cells[d.cell_id], d.line)
    return report.sorted()
