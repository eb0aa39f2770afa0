"""Test cells: the pipeline values each reads, and the step the pipeline must run up to."""

from __future__ import annotations

from dataclasses import dataclass

from .checks import Reporter
from .dataflow import Dataflow
from .facts import NotebookFacts
from .live_names import Rename
from .model import TestNode
from .reads import block_reads


@dataclass(frozen=True)
class CellTests:
    tests: tuple[TestNode, ...]
    renames: tuple[Rename, ...]


def cell_tests(facts: NotebookFacts, flow: Dataflow, report: Reporter) -> CellTests:
    order = flow.order
    cells = [c for c in facts.nb.code_cells if facts.kind(c) == "test"
             and not c.is_parameters and not c.is_injected_parameters]
    tests: list[TestNode] = []
    renames: list[Rename] = []
    for block in facts.blocks(cells, keep_definitions=True):
        found = block_reads(facts, [block], flow.produced, report, None, calls_defs=True)
        renames.extend(found.renames)
        reads = [r for r in found.reads if r.source.kind == "step"]
        until = None
        for read in reads:
            if until is None or order[read.source.step] > order[until]:
                until = read.source.step
        tests.append(TestNode(
            block, tuple(r.name for r in reads),
            tuple(r.name for r in found.reads if r.source.kind == "param"),
            tuple(sorted({r.name for r in found.reads if r.source.kind == "definition"})), until))
    return CellTests(tuple(tests), tuple(renames))
