"""Steps in notebook order, and what functions read as globals: pure functions over values.

``split_steps``: consecutive cells of one stage form a step; a later run of the same stage joins
the previous step of its stage only when it commutes with every step in between (neither reads
nor rebinds what the other writes), so the merge changes no read's reaching definition.

``step_boundaries``: where the kernel fingerprints each step's outputs (verify, ``nb2pipe run``).

``injected_globals``: for each function, the notebook values (parameters, computed data) it
reads as globals, directly or through the functions it calls — a fixed point over the call graph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..notebook import Cell
from .model import Definition, StageGraph, StageNode


@dataclass(frozen=True)
class Effects:
    """The data names some cells read and write."""

    reads: frozenset[str]
    writes: frozenset[str]


EffectsOf = Callable[[list[Cell]], Effects]


@dataclass(frozen=True)
class StepCells:
    """The cells of one step, in notebook order."""

    stage: str
    cells: tuple[Cell, ...]


def split_steps(cells: list[Cell], effects: EffectsOf) -> list[StepCells]:
    """The steps, in notebook order."""
    runs: list[StepCells] = []
    for cell in cells:
        if runs and runs[-1].stage == cell.stage:
            runs[-1] = StepCells(cell.stage, (*runs[-1].cells, cell))
        else:
            runs.append(StepCells(cell.stage, (cell,)))
    steps: list[StepCells] = []
    for run in runs:
        target = next((i for i in range(len(steps) - 1, -1, -1)
                       if steps[i].stage == run.stage), None)
        if target is not None and all(commute(list(run.cells), list(between.cells), effects)
                                      for between in steps[target + 1:]):
            steps[target] = StepCells(run.stage, (*steps[target].cells, *run.cells))
        else:
            steps.append(run)
    return steps


def commute(moved: list[Cell], between: list[Cell], effects: EffectsOf) -> bool:
    first, other = effects(moved), effects(between)
    return not (first.writes & (other.reads | other.writes)) and not (other.writes & first.reads)


def injected_globals(definitions: Mapping[str, Definition], data: set[str]) -> dict[str, tuple[str, ...]]:
    """{function: the data names it reads as globals, its callees' included}."""
    result: dict[str, list[str]] = {}
    calls: dict[str, list[str]] = {}
    for name, d in definitions.items():
        if d.kind != "def":
            continue
        result[name] = [r for r in d.global_reads if r in data and r not in definitions]
        calls[name] = [r for r in d.global_reads if r in definitions
                       and definitions[r].kind == "def" and r != name]
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            for callee in callees:
                for value in result.get(callee, ()):
                    if value not in result[name]:
                        result[name].append(value)
                        changed = True
    return {name: tuple(values) for name, values in result.items() if values}


def step_boundaries(graph: StageGraph) -> dict[str, dict]:
    """{step: {"after": {name: cell id}, "names": its outputs}}: each output is fingerprinted in
    the kernel after the step's last cell that writes it. (A merged step's later cells commute
    with the steps between, which may still rebind a name its earlier cells wrote.)"""
    return {node.name: {"after": output_cells(node), "names": list(node.outputs)} for node in graph.stages}


def output_cells(node: StageNode) -> dict[str, str]:
    last: dict[str, str] = {}
    for block in node.blocks:
        for names in block.names:
            for name in (*names.defines, *names.mutates):
                last[name] = block.cell.id
    return {name: last.get(name, node.cells[-1].id) for name in node.outputs}
