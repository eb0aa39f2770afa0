"""The dataflow hints: cells whose values nothing exported reads, and the parameters cell.

A cell "exports" when its stage is exported (pipeline or gate) or a test; a value reaches the
pipeline when a later exporting cell reads it (or a function such a cell defines reads it).
"""

from __future__ import annotations

from collections.abc import Sequence

from .facts import CellFacts


def produced(facts: CellFacts) -> frozenset[str]:
    """Names whose value the cell sets: bound or changed in place."""
    return facts.values | facts.mutates


def unread(facts: Sequence[CellFacts], exporting: Sequence[bool]) -> list[frozenset[str]]:
    """Per cell, the names it produces that no later exporting cell reads before rebinding."""
    result: list[frozenset[str]] = []
    for i, cell in enumerate(facts):
        pending = set(produced(cell))
        for later, reads_it in zip(facts[i + 1:], exporting[i + 1:]):
            if not pending:
                break
            if reads_it:
                pending -= later.reads | later.assert_reads | later.mutates
            pending -= later.values - later.reads  # rebound without being read: the value is gone
        result.append(frozenset(pending))
    return result


def read_later(facts: Sequence[CellFacts], index: int, exporting: Sequence[bool]) -> frozenset[str]:
    """The names cell ``index`` produces that a later exporting cell reads."""
    return produced(facts[index]) - unread(facts, exporting)[index]


def parameters_candidate(facts: Sequence[CellFacts]) -> int | None:
    """Position of the first cell of literal assignments that later cells read, or None."""
    for i, cell in enumerate(facts):
        if not cell.only_constants:
            continue
        later_reads = set().union(*(f.reads | f.assert_reads for f in facts[i + 1:]))
        if cell.values & later_reads:
            return i
    return None
