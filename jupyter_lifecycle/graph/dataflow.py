"""The steps in notebook order, each with the values it takes from earlier steps.

A step's inputs are the names it reads before binding them that an earlier step binds or
mutates (the latest such step provides them). Outputs are assigned later (``outputs.py``),
once the tests that read the steps are known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Severity
from ..stages import StageTable
from .checks import Reporter
from .facts import NotebookFacts
from .live_names import Rename
from .model import Block, StageNode
from .reads import block_reads
from .steps import split_steps


@dataclass(frozen=True)
class Dataflow:
    nodes: tuple[StageNode, ...]  # outputs not assigned yet
    produced: Mapping[str, frozenset[str]]  # step → what it binds or mutates, in notebook order
    renames: tuple[Rename, ...]

    @property
    def order(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.produced)}


def dataflow(facts: NotebookFacts, report: Reporter) -> Dataflow:
    steps = [(step.stage, blocks) for step in split_steps(facts.exported_cells(), facts.effects)
             if (blocks := facts.blocks(list(step.cells)))]
    table = facts.nb.table
    produced_by: dict[str, frozenset[str]] = {}
    nodes: list[StageNode] = []
    renames: list[Rename] = []
    for (stage, blocks), name in zip(steps, step_names([stage for stage, _ in steps], table)):
        found = block_reads(facts, blocks, dict(produced_by), report, name)
        renames.extend(found.renames)
        params = [r.name for r in found.reads if r.source.kind == "param"]
        uses = {r.name for r in found.reads if r.source.kind == "definition"}
        providers = {r.name: r.source.step for r in found.reads if r.source.kind == "step"}
        produced_by[name] = produced(facts, blocks)
        nodes.append(StageNode(name=name, kind=table[stage].kind, blocks=tuple(blocks),
                               inputs=tuple(providers), params=tuple(params), outputs=(),
                               uses=tuple(sorted(uses)), providers=providers, stage=stage))
    warn_out_of_lifecycle_order(nodes, table, report)
    return Dataflow(tuple(nodes), produced_by, tuple(renames))


def step_names(stages: list[str], table: StageTable) -> list[str]:
    """The first step of a stage is named after it, later ones ``<stage>_2``, ``<stage>_3``...
    (skipping the name of a custom stage)."""
    seen: dict[str, int] = {}
    names = []
    for stage in stages:
        seen[stage] = seen.get(stage, 0) + 1
        name = stage if seen[stage] == 1 else f"{stage}_{seen[stage]}"
        while name in table.names and name != stage:
            seen[stage] += 1
            name = f"{stage}_{seen[stage]}"
        names.append(name)
    return names


def produced(facts: NotebookFacts, blocks: list[Block]) -> frozenset[str]:
    """What the blocks bind or mutate (definitions excluded)."""
    found: set[str] = set()
    for block in blocks:
        for names in block.names:
            found.update(names.defines)
            if names.mutates:
                found.update(m for m in names.mutates if m not in facts.definitions)
    return frozenset(found)


def warn_out_of_lifecycle_order(nodes: list[StageNode], table: StageTable,
                                report: Reporter) -> None:
    rank = {name: i for i, name in enumerate(table.names)}
    highest: StageNode | None = None
    for node in nodes:
        if highest is not None and rank[node.stage] < rank[highest.stage]:
            report(Severity.INFO, "stage-order",
                   f"step {node.name!r} ({node.stage}) comes after {highest.name!r} "
                   f"({highest.stage}) in the notebook; the pipeline keeps notebook order",
                   node.cells[0], 1)
        elif highest is None or rank[node.stage] > rank[highest.stage]:
            highest = node
