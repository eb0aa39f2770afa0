"""Build the StageGraph from a TaggedNotebook and its per-cell analyses.

Steps run in notebook order: consecutive cells of one stage form a step, and a later run of the
same stage joins it only when that changes no read's reaching definition (``steps.py``). A step's
inputs are the names it reads before binding them that an earlier stage binds or
mutates (the latest such stage provides them); its outputs are what later stages, gates, tests or
the run's results need. Definitions (imports, functions, classes, literal constants) are not data:
they move into the package wherever they stand, except in ``skip`` cells.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from dataclasses import dataclass, replace

from ..analysis.cache import AnalysisCache, analyze_sources
from ..analysis.cell import CellAnalysis
from ..errors import Severity
from ..notebook import Cell, TaggedNotebook
from .checks import Reporter, cell_diagnostics
from .dead_values import DeadValue, Statement, dead_values
from .resolve import NameFacts, loop_carried, resolve
from .definitions import collect_definitions, live_version
from .steps import injected_globals, split_steps
from .model import Block, Definition, StageGraph, StageNode, TestNode
from .params import read_parameters

BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython"}
RESULT_NAMES = ("metrics",)


def analyze_notebook(nb: TaggedNotebook, cache: AnalysisCache | None = None) -> dict[str, CellAnalysis]:
    """Per-cell analysis of every code cell, by cell id."""
    cells = [c for c in nb.code_cells if not c.is_injected_parameters]
    results = analyze_sources([c.source for c in cells], cache)
    return {c.id: a for c, a in zip(cells, results)}


def build_graph(nb: TaggedNotebook, analyses: dict[str, CellAnalysis] | None = None,
                cache: AnalysisCache | None = None,
                result_names: tuple[str, ...] = RESULT_NAMES, prune: bool = False) -> StageGraph:
    """``prune``: leave out statements that only compute values nothing reads (``dead_values``)."""
    if analyses is None:
        analyses = analyze_notebook(nb, cache)
    left_out: dict[Statement, DeadValue] = {}
    while True:
        graph = _Builder(nb, analyses, result_names, frozenset(left_out)).build()
        dead = dead_values(graph)
        more = [d for d in dead if d.prunable] if prune else []
        if not more:
            break
        left_out.update(((d.cell_id, d.index), d) for d in more)
    return replace(graph, diagnostics=with_dead_value_notes(graph, dead, list(left_out.values())))


def with_dead_value_notes(graph: StageGraph, dead: list[DeadValue], pruned: list[DeadValue]):
    report = Reporter(graph.notebook)
    report.diagnostics = list(graph.diagnostics)
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


@dataclass(frozen=True)
class _Dataflow:
    nodes: tuple[StageNode, ...]  # outputs not assigned yet
    produced: dict[str, set[str]]  # step → what it binds or mutates, steps in notebook order

    @property
    def order(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.produced)}


@dataclass(frozen=True)
class _Closure:
    helpers: tuple[str, ...]  # def/class/constant definitions, in notebook order
    needed: frozenset[str]  # every definition the package uses, imports included


class _Builder:
    """The notebook's facts (parameters, definitions, what functions read as globals), read
    once; the steps that turn them into a graph take and return values. Diagnostics and the
    versioned names that statements call are collected as they are found."""

    def __init__(self, nb: TaggedNotebook, analyses: dict[str, CellAnalysis], result_names,
                 left_out: frozenset[Statement] = frozenset()):
        self.nb = nb
        self.analyses = analyses
        self.left_out = left_out  # statements pruned as dead values
        self.table = nb.table
        self.result_names = tuple(result_names)
        self.report = Reporter(nb)
        self.renames: dict[str, dict[int, dict[str, str]]] = {}  # cell id → statement → {old: new}
        param_cell = nb.parameters_cell
        params, param_diags = read_parameters(
            nb, param_cell, analyses.get(param_cell.id) if param_cell else None)
        self.report.extend(param_diags)
        self.param_list = tuple(params)
        self.params = {p.name: p for p in params}
        # an exported cell that did not parse may define what others read (it is reported)
        self.unparsed = [c for c in nb.code_cells if c.id in analyses and not analyses[c.id].parsed
                         and self.kind(c) not in ("skip", "notebook")]
        cell_diagnostics(nb, analyses, self.report)
        collected = collect_definitions(nb, analyses, set(self.params), self.report, BUILTINS)
        self.definitions = collected.definitions
        self.data_cells = collected.data_cells  # name → cells binding it as data
        self.versions = collected.versions  # def/class name defined twice+ → its versions
        for versions in self.versions.values():
            for version in versions[:-1]:
                d = version.definition
                self.renames.setdefault(d.cell.id, {}).setdefault(d.index, {})[version.original] = version.name
        self.injected = injected_globals(self.definitions, set(self.params) | set(self.data_cells))
        self.facts = NameFacts(nb, analyses, frozenset(self.params), self.definitions,
                               self.data_cells, BUILTINS, bool(self.unparsed))

    def kind(self, cell: Cell) -> str:
        return self.table[cell.stage].kind

    def diag(self, severity: Severity, code: str, message: str, cell: Cell | None = None,
             line: int | None = None) -> None:
        self.report(severity, code, message, cell, line)

    def exported_cells(self) -> list[Cell]:
        return [c for c in self.nb.code_cells
                if not c.is_parameters and not c.is_injected_parameters
                and self.table[c.stage].exported]

    def build(self) -> StageGraph:
        flow = self._dataflow()
        tests = self._tests(flow)
        stages = self._assign_outputs(flow, tests)
        closure = self._helper_closure(stages, tests)
        return StageGraph(
            notebook=self.nb, params=self.param_list, stages=tuple(stages), tests=tuple(tests),
            definitions=self.definitions, helpers=closure.helpers, result_names=self.result_names,
            imported_modules=tuple(sorted({
                d.spec.top_module for n, d in self.definitions.items()
                if n in closure.needed and d.spec is not None and d.spec.top_module})),
            diagnostics=self.report.sorted(),
            injected={f: names for f, names in self.injected.items() if f in closure.needed},
            renames=self.renames,
        )

    def _live(self, read: str, cell: Cell, index: int) -> str:
        """The package's name for the definition of ``read`` that a statement sees."""
        versions = self.versions.get(read)
        if versions is None:
            return read
        live = live_version(versions, (cell.index, index)).name
        if live != read:
            self.renames.setdefault(cell.id, {}).setdefault(index, {})[read] = live
        return live

    # -- dataflow ------------------------------------------------------------------------
    def _effects(self, cells: list[Cell]) -> tuple[set[str], set[str]]:
        """(reads, writes) of data names over cells' exported statements; definitions excluded."""
        reads: set[str] = set()
        writes: set[str] = set()
        for cell in cells:
            for names in self._kept(cell):
                if self._is_definition(names, cell):
                    continue
                reads.update(read for read, _ in self._reads(
                    cell, names.index, (*names.reads, *names.earlier_reads, *names.mutates)))
                writes.update(names.defines)
                writes.update(names.mutates)
        return reads - set(self.definitions), writes - set(self.definitions)

    def _blocks(self, cells: list[Cell], keep_definitions: bool = False) -> list[Block]:
        blocks = []
        for cell in cells:
            analysis = self.analyses[cell.id]
            kept = [n for n in self._kept(cell)
                    if keep_definitions or not self._is_definition(n, cell)]
            if kept:
                blocks.append(Block(cell, tuple(kept), analysis))
        return blocks

    def _kept(self, cell: Cell):
        return [n for n in self.analyses[cell.id].kept_names() if (cell.id, n.index) not in self.left_out]

    def _is_definition(self, names, cell: Cell) -> bool:
        if names.kind in ("import", "def", "class"):
            return True
        if names.kind == "constant":
            return names.defines[0] in self.definitions
        # a computed constant promoted to helpers.py is computed there, not again in its step
        definition = self.definitions.get(names.defines[0]) if len(names.defines) == 1 else None
        return (definition is not None and definition.kind == "constant"
                and definition.cell.id == cell.id and definition.index == names.index)

    def _dataflow(self) -> _Dataflow:
        produced_by: dict[str, set[str]] = {}
        nodes: list[StageNode] = []
        seen: dict[str, int] = defaultdict(int)
        for stage, cells in split_steps(self.exported_cells(), self._effects):
            blocks = self._blocks(cells)
            if not blocks:
                continue
            seen[stage] += 1
            name = stage if seen[stage] == 1 else f"{stage}_{seen[stage]}"
            while name in self.table.names and name != stage:  # a custom stage named like a step
                seen[stage] += 1
                name = f"{stage}_{seen[stage]}"
            inputs, params, uses, providers = [], [], set(), {}
            for read, source in self._sources(blocks, list(produced_by.items()), name):
                if source.kind == "definition":
                    uses.add(read)
                elif source.kind == "param":
                    params.append(read)
                elif source.kind == "step":
                    providers[read] = source.step
                    inputs.append(read)
            produced = set()
            for block in blocks:
                for names in block.names:
                    produced.update(names.defines)
                    produced.update(m for m in names.mutates if m not in self.definitions)
            produced_by[name] = produced
            nodes.append(StageNode(name=name, kind=self.table[stage].kind, blocks=tuple(blocks),
                                   inputs=tuple(inputs), params=tuple(params), outputs=(),
                                   uses=tuple(sorted(uses)), providers=providers, stage=stage))
        self._warn_out_of_lifecycle_order(nodes)
        return _Dataflow(tuple(nodes), produced_by)

    def _warn_out_of_lifecycle_order(self, nodes: list[StageNode]) -> None:
        rank = {name: i for i, name in enumerate(self.table.names)}
        highest: StageNode | None = None
        for node in nodes:
            if highest is not None and rank[node.stage] < rank[highest.stage]:
                self.diag(Severity.INFO, "stage-order",
                          f"step {node.name!r} ({node.stage}) comes after {highest.name!r} "
                          f"({highest.stage}) in the notebook; the pipeline keeps notebook order",
                          node.cells[0], 1)
            elif highest is None or rank[node.stage] > rank[highest.stage]:
                highest = node

    def _sources(self, blocks: list[Block], earlier, stage: str | None, calls_defs: bool = False):
        """Each name the blocks read before binding it, once, with where it comes from; a
        twice-defined function or class as the package names the version live there.

        ``calls_defs``: the functions the blocks define run after them (a test cell's
        ``def test_*``), so what their bodies read counts too, unless the cell binds it."""
        bound: set[str] = set()
        deferred: list[tuple[str, str, Block, int]] = []
        for block in blocks:
            for names in block.names:
                line = names.line + block.line_offset
                for read, live in self._reads(block.cell, names.index,
                                              (*names.reads, *names.earlier_reads, *names.mutates)):
                    if live in bound:
                        continue
                    bound.add(live)
                    if names.compound and read in names.defines and not self.facts.has_source(read, earlier):
                        loop_carried(self.report, read, block.cell, line, stage)
                        continue
                    yield live, resolve(self.facts, read, earlier, self.report, block.cell, line, stage)
                bound.update(names.defines)
                bound.update(m for m in names.mutates if m not in self.definitions)
                if calls_defs and names.kind in ("def", "class"):
                    deferred.extend((read, live, block, line) for read, live in
                                    self._reads(block.cell, names.index, names.global_reads))
        for read, live, block, line in deferred:
            if live not in bound:
                bound.add(live)
                yield live, resolve(self.facts, read, earlier, self.report, block.cell, line, stage)

    def _reads(self, cell: Cell, index: int, reads):
        """(name read, the package's name for it): each function followed by the notebook values
        it reads as globals (they are read where it is called, so they are read here)."""
        for read in reads:
            live = self._live(read, cell, index)
            yield read, live
            for value in self.injected.get(live, ()):
                yield value, value

    def _live_in_definition(self, definition: Definition, read: str) -> str:
        """A twice-defined name a function or class reads: what it reads when it runs (its
        body runs when it is called, which the analysis cannot place)."""
        versions = self.versions.get(read)
        if versions is None:
            return read
        position = (definition.cell.index, definition.index or 0)
        if any(v.name == definition.name for v in versions):
            return definition.name  # recursion: the statement's rename covers its body
        if read not in definition.global_reads:  # decorators, defaults, bases: run at the def
            return self._live(read, definition.cell, definition.index or 0)
        if position > versions[-1].position:
            return read
        first = versions[0].definition
        self.diag(Severity.ERROR, "redefined-in-use",
                  f"{definition.kind} {definition.name!r} uses {first.kind} {read!r}, which cell "
                  f"{versions[-1].definition.cell.index} defines again after it; which one it "
                  f"calls depends on when it runs: rename one of them (e.g. {read}_v2) or define "
                  f"{definition.name!r} after the last {read!r}", definition.cell, definition.line)
        return read

    def _tests(self, flow: _Dataflow) -> list[TestNode]:
        tests = []
        earlier = list(flow.produced.items())
        order = flow.order
        test_cells = [c for c in self.nb.code_cells if self.kind(c) == "test"
                      and not c.is_parameters and not c.is_injected_parameters]
        for block in self._blocks(test_cells, keep_definitions=True):
            reads, params, uses, until = [], [], set(), None
            for read, source in self._sources([block], earlier, None, calls_defs=True):
                if source.kind == "definition":
                    uses.add(read)
                elif source.kind == "param":
                    params.append(read)
                elif source.kind == "step":
                    reads.append(read)
                    if until is None or order[source.step] > order[until]:
                        until = source.step
            tests.append(TestNode(block, tuple(reads), tuple(params), tuple(sorted(uses)), until))
        return tests

    def _assign_outputs(self, flow: _Dataflow, tests: list[TestNode]) -> list[StageNode]:
        stages = flow.nodes
        produced, order = flow.produced, flow.order
        outputs: dict[str, list[str]] = {s.name: [] for s in stages}

        def need(stage_name: str, value: str) -> None:
            if value not in outputs[stage_name]:
                outputs[stage_name].append(value)

        for node in stages:
            for value, provider in node.providers.items():
                need(provider, value)
        for test in tests:
            for value in test.reads:
                upto = [s for s in produced if order[s] <= order[test.until]] if test.until else []
                for stage_name in reversed(upto):
                    if value in produced[stage_name]:
                        need(stage_name, value)
                        break
        if stages:  # what a user looks for after the notebook: all that its last step binds
            last = stages[-1]
            for block in last.blocks:
                for names in block.names:
                    for value in names.defines:
                        if value not in self.definitions and not value.startswith("_"):
                            need(last.name, value)
        for result in self.result_names:
            for node in reversed(stages):
                if result in produced[node.name]:
                    need(node.name, result)
                    break
        return [replace(n, outputs=tuple(outputs[n.name])) for n in stages]

    def _helper_closure(self, stages: list[StageNode], tests: list[TestNode]) -> _Closure:
        """Definitions the package needs, following what functions read as globals."""
        needed: set[str] = set()
        todo = [u for s in stages for u in s.uses] + [u for t in tests for u in t.uses]
        while todo:
            name = todo.pop()
            if name in needed or name not in self.definitions:
                continue
            needed.add(name)
            definition = self.definitions[name]
            if self.kind(definition.cell) == "notebook":
                self.diag(Severity.WARNING, "explore-definition",
                          f"{definition.kind} {name!r} comes from an explore cell and is moved "
                          "into the package", definition.cell, definition.line)
            for value in definition.global_writes:
                if value in self.params or value in self.data_cells:
                    self.diag(Severity.ERROR, "global-write",
                              f"function {name!r} rebinds the notebook value {value!r} with "
                              "`global`; return the new value instead and assign it where the "
                              "function is called", definition.cell, definition.line)
            for read in (*definition.global_reads, *definition.reads):
                at_def = definition.kind == "def" and read not in definition.global_reads
                read = self._live_in_definition(definition, read)
                if read in self.definitions:
                    todo.append(read)
                elif name in self.injected and read in self.injected[name]:
                    pass  # passed as a keyword-only argument where the function is called
                elif at_def and (read in self.params or read in self.data_cells):
                    what = "parameter" if read in self.params else "notebook global"
                    self.diag(Severity.ERROR, "global-read",
                              f"function {name!r} reads the {what} {read!r} in a default argument "
                              "or decorator, evaluated once when the def runs; give the argument "
                              f"no default and pass {read} where {name!r} is called",
                              definition.cell, definition.line)
                elif read in self.params or read in self.data_cells:
                    what = "parameter" if read in self.params else "notebook global"
                    self.diag(Severity.ERROR, "global-read",
                              f"{'class' if definition.kind == 'class' else 'function'} "
                              f"{name!r} reads the {what} {read!r}; pass it as an argument "
                              f"instead{' (to __init__, kept on self)' if definition.kind == 'class' else ''}",
                              definition.cell, definition.line)
                elif read not in BUILTINS:
                    self.diag(Severity.ERROR, "undefined-name",
                              f"{definition.kind} {name!r} reads {read!r}, which no cell defines",
                              definition.cell, definition.line)
        ordered = [d for d in self.definitions.values() if d.name in needed and d.kind != "import"]
        ordered.sort(key=lambda d: (d.cell.index, d.line))
        return _Closure(tuple(d.name for d in ordered), frozenset(needed))
