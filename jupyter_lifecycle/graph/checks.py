"""Diagnostics that need no dataflow: what each cell's analysis found, and execution order.

``Reporter`` collects every diagnostic of one graph build, once each, with its location.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..analysis.cell import CellAnalysis
from ..errors import Diagnostic, Location, Severity
from ..notebook import Cell, TaggedNotebook

MAGIC_SEVERITY = {"shell": Severity.WARNING, "install-removed": Severity.WARNING,
                  "removed": Severity.INFO, "inlined": Severity.INFO}


class Reporter:
    """``report(severity, code, message, cell, line)``; the same finding is kept once."""

    def __init__(self, nb: TaggedNotebook, diagnostics: Iterable[Diagnostic] | None = None):
        """``diagnostics``: what is reported already (default: the notebook's own)."""
        self.nb = nb
        self.diagnostics: list[Diagnostic] = list(
            nb.diagnostics if diagnostics is None else diagnostics)
        self._seen: set[tuple] = set()

    def __call__(self, severity: Severity, code: str, message: str, cell: Cell | None = None,
                 line: int | None = None) -> None:
        key = (code, message, cell.id if cell else None)
        if key in self._seen:
            return
        self._seen.add(key)
        location = self.nb.location(cell, line) if cell else Location(self.nb.path)
        self.diagnostics.append(Diagnostic(severity, code, message, location))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def sorted(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(self.diagnostics, key=_order))


def _order(d: Diagnostic):
    loc = d.location
    return (loc.cell_index if loc.cell_index is not None else -1, loc.line or 0, d.code)


def cell_diagnostics(nb: TaggedNotebook, analyses: Mapping[str, CellAnalysis], report: Reporter) -> None:
    """Issues, magics and display leftovers of exported cells; cells run out of order."""
    for cell in nb.code_cells:
        if cell.is_injected_parameters:
            report(Severity.INFO, "injected-parameters",
                   "papermill's injected-parameters cell is ignored; the parameters cell "
                   "gives the defaults", cell, 1)
            continue
        analysis = analyses[cell.id]
        kind = nb.table[cell.stage].kind
        if kind in ("skip", "notebook") or cell.is_parameters:
            continue  # not exported (may contain anything), or read_parameters reports it
        for issue in analysis.issues:
            report(issue.severity, issue.code, issue.message, cell, issue.line)
        for use in analysis.magics:
            if not use.is_error:
                report(MAGIC_SEVERITY.get(use.action, Severity.INFO), "magic", use.message,
                       cell, use.line)
        for index, why in analysis.dropped:
            if why != "magic" and kind != "test":
                line = analysis.statements[index].line + analysis.line_offset
                report(Severity.INFO, "display",
                       "display-only statement left out of the exported code", cell, line)
    _coverage(nb, report)
    last: Cell | None = None
    for cell in nb.code_cells:
        if cell.execution_count is None:
            continue
        if last is not None and cell.execution_count < last.execution_count:
            report(Severity.WARNING, "out-of-order",
                   f"ran before cell {last.index} above it (execution count "
                   f"{cell.execution_count} < {last.execution_count}); outputs may depend "
                   "on hidden state — the pipeline runs cells in notebook order", cell, 1)
        last = cell


def _coverage(nb: TaggedNotebook, report: Reporter) -> None:
    """A warning when no cell carries a stage tag, or when no code cell is exported at all."""
    code = [c for c in nb.code_cells if c.source.strip() and not c.is_parameters
            and not c.is_injected_parameters]
    if not code:
        return
    prefix = nb.table.tag_prefix
    # a cell tagged with an unknown stage has its own error: that notebook is tagged
    if not any(t.startswith(prefix) for c in nb.cells for t in c.tags):
        report(Severity.WARNING, "nothing-tagged",
               f"no cell carries a `{prefix}<stage>` tag: all {len(code)} code cell(s) are "
               f"exported as `{nb.table.default_stage}`; tag the cells where a stage starts "
               "(`nb2pipe tag --auto` proposes stages)")
    elif not any(nb.table[c.stage].exported for c in code):
        shown = ", ".join(f"`{s}`" for s in dict.fromkeys(c.stage for c in code))
        report(Severity.WARNING, "nothing-exported",
               f"all {len(code)} code cell(s) are {shown}: the package exports no stage; a "
               "skip or explore tag marks its own cell (or its heading's section), so tag the "
               "cells to export with their stage")
