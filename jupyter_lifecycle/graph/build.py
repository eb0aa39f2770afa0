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
from dataclasses import replace

from ..analysis.cache import AnalysisCache, analyze_sources
from ..analysis.cell import CellAnalysis
from ..analysis.imports import ImportSpec, star_exports
from ..errors import Diagnostic, Location, Severity
from ..notebook import Cell, TaggedNotebook
from .computed_constants import PURE_BUILTINS, PURE_MODULES, builds_a_value
from .steps import injected_globals, split_steps
from .model import Block, Definition, Source, StageGraph, StageNode, TestNode
from .params import read_parameters

BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython"}
RESULT_NAMES = ("metrics",)
MAGIC_SEVERITY = {"shell": Severity.WARNING, "install-removed": Severity.WARNING,
                  "removed": Severity.INFO, "inlined": Severity.INFO}


def analyze_notebook(nb: TaggedNotebook, cache: AnalysisCache | None = None) -> dict[str, CellAnalysis]:
    """Per-cell analysis of every code cell, by cell id."""
    cells = [c for c in nb.code_cells if not c.is_injected_parameters]
    results = analyze_sources([c.source for c in cells], cache)
    return {c.id: a for c, a in zip(cells, results)}


def build_graph(nb: TaggedNotebook, analyses: dict[str, CellAnalysis] | None = None,
                cache: AnalysisCache | None = None,
                result_names: tuple[str, ...] = RESULT_NAMES) -> StageGraph:
    if analyses is None:
        analyses = analyze_notebook(nb, cache)
    return _Builder(nb, analyses, result_names).build()


class _Builder:
    def __init__(self, nb: TaggedNotebook, analyses: dict[str, CellAnalysis], result_names):
        self.nb = nb
        self.analyses = analyses
        self.table = nb.table
        self.result_names = tuple(result_names)
        self.diagnostics: list[Diagnostic] = list(nb.diagnostics)
        self.definitions: dict[str, Definition] = {}
        self.data_cells: dict[str, list[Cell]] = defaultdict(list)  # name → cells binding it
        self.superseded: dict[str, Definition] = {}  # def/class name → its first definition
        self._reported: set[tuple] = set()

    # -- helpers -------------------------------------------------------------------------
    def kind(self, cell: Cell) -> str:
        return self.table[cell.stage].kind

    def diag(self, severity: Severity, code: str, message: str, cell: Cell | None = None,
             line: int | None = None) -> None:
        key = (code, message, cell.id if cell else None)
        if key in self._reported:
            return
        self._reported.add(key)
        loc = self.nb.location(cell, line) if cell else Location(self.nb.path)
        self.diagnostics.append(Diagnostic(severity, code, message, loc))

    def exported_cells(self) -> list[Cell]:
        return [c for c in self.nb.code_cells
                if not c.is_parameters and not c.is_injected_parameters
                and self.table[c.stage].exported]

    # -- steps ---------------------------------------------------------------------------
    def build(self) -> StageGraph:
        param_cell = self.nb.parameters_cell
        params, param_diags = read_parameters(
            self.nb, param_cell, self.analyses.get(param_cell.id) if param_cell else None)
        self.diagnostics.extend(param_diags)
        self.params = {p.name: p for p in params}
        self.unparsed = [c for c in self.nb.code_cells if c.id in self.analyses
                         and not self.analyses[c.id].parsed and self.kind(c) not in ("skip",)]
        self._check_cells()
        self._check_execution_order()
        self._collect_definitions()
        self.injected = injected_globals(self.definitions, set(self.params) | set(self.data_cells))
        stages = self._dataflow()
        tests = self._tests(stages)
        stages = self._assign_outputs(stages, tests)
        helpers = self._helper_closure(stages, tests)
        return StageGraph(
            notebook=self.nb, params=params, stages=tuple(stages), tests=tuple(tests),
            definitions=self.definitions, helpers=helpers, result_names=self.result_names,
            imported_modules=tuple(sorted({
                d.spec.top_module for n, d in self.definitions.items()
                if n in self.needed and d.spec is not None and d.spec.top_module})),
            diagnostics=tuple(sorted(self.diagnostics, key=_diag_order)),
            injected={f: names for f, names in self.injected.items() if f in self.needed},
        )

    def _check_cells(self) -> None:
        for cell in self.nb.code_cells:
            if cell.is_injected_parameters:
                self.diag(Severity.INFO, "injected-parameters",
                          "papermill's injected-parameters cell is ignored; the parameters cell "
                          "gives the defaults", cell, 1)
                continue
            analysis = self.analyses[cell.id]
            kind = self.kind(cell)
            if kind in ("skip", "notebook") and not cell.is_parameters:
                continue  # not exported: may contain anything
            if cell.is_parameters:
                continue  # read_parameters reports its own problems
            for issue in analysis.issues:
                self.diag(issue.severity, issue.code, issue.message, cell, issue.line)
            for use in analysis.magics:
                if not use.is_error:
                    self.diag(MAGIC_SEVERITY.get(use.action, Severity.INFO), "magic", use.message,
                              cell, use.line)
            for index, why in analysis.dropped:
                if why != "magic" and kind != "test":
                    line = analysis.statements[index].line + analysis.line_offset
                    self.diag(Severity.INFO, "display",
                              "display-only statement left out of the exported code", cell, line)

    def _check_execution_order(self) -> None:
        last: Cell | None = None
        for cell in self.nb.code_cells:
            if cell.execution_count is None:
                continue
            if last is not None and cell.execution_count < last.execution_count:
                self.diag(Severity.WARNING, "out-of-order",
                          f"ran before cell {last.index} above it (execution count "
                          f"{cell.execution_count} < {last.execution_count}); outputs may depend "
                          "on hidden state — the pipeline runs cells in notebook order", cell, 1)
            last = cell

    def _collect_definitions(self) -> None:
        """Imports, functions, classes from every non-skip, non-test cell; literal constants from
        setup cells, or UPPER_CASE ones from anywhere."""
        constants: list[tuple[str, Definition]] = []
        mutated: set[str] = set()
        function_globals = {read for cell in self.nb.code_cells if cell.id in self.analyses
                            for n in self.analyses[cell.id].statements if n.kind in ("def", "class")
                            for read in (*n.global_reads, *n.reads, *n.earlier_reads)}
        for cell in self.nb.code_cells:
            kind = self.kind(cell)
            if kind in ("skip", "test") or cell.is_parameters or cell.is_injected_parameters:
                continue
            analysis = self.analyses[cell.id]
            for names in analysis.kept_names():
                line = names.line + analysis.line_offset
                mutated.update(names.mutates)
                if names.kind == "import":
                    self._add_imports(cell, kind, *analysis.import_specs(names.index), line)
                elif names.kind in ("def", "class"):
                    for name in names.defines:
                        self._define(Definition(name, names.kind, cell, line, analysis, names.index,
                                                global_reads=names.global_reads,
                                                reads=(*names.reads, *names.earlier_reads)))
                elif names.kind == "constant" and (cell.stage == self.table.default_stage
                                                   or all(n.isupper() for n in names.defines)
                                                   or any(n in function_globals for n in names.defines)):
                    for name in names.defines:
                        constants.append((name, Definition(name, "constant", cell, line,
                                                           analysis, names.index)))
                else:
                    for name in names.defines:
                        self.data_cells[name].append(cell)
        # A literal constant is a definition only if nothing else binds or mutates the name.
        counts: dict[str, int] = defaultdict(int)
        for name, _ in constants:
            counts[name] += 1

        def qualifies(name: str) -> bool:
            return (counts[name] == 1 and name not in self.data_cells and name not in mutated
                    and name not in self.params and name not in self.definitions)

        # ``a, b = 1, 2`` is a definition of both or of neither (one statement moves or stays)
        by_statement: dict[tuple[str, int], list[str]] = defaultdict(list)
        for name, definition in constants:
            by_statement[(definition.cell.id, definition.index)].append(name)
        fine = {key for key, group in by_statement.items() if all(qualifies(n) for n in group)}
        for name, definition in constants:
            if (definition.cell.id, definition.index) in fine:
                self.definitions[name] = definition
            else:
                self.data_cells[name].append(definition.cell)
        rebound = {w for d in self.definitions.values() if d.kind == "def" for w in d.global_writes}
        for name in rebound:  # `global x` in a function: x is not a constant
            if name in self.definitions and self.definitions[name].kind == "constant":
                self.data_cells[name].append(self.definitions.pop(name).cell)
        self._promote_computed_constants(function_globals, mutated | rebound)

    def _promote_computed_constants(self, wanted: set[str], mutated: set[str]) -> None:
        """Globals of exported cells computed from definitions with value-building calls only,
        that a function reads (or that are UPPER_CASE), become constants (``computed_constants``)."""
        candidates = []
        for cell in self.nb.code_cells:
            if self.kind(cell) not in ("pipeline", "gate") or cell.is_parameters \
                    or cell.is_injected_parameters or cell.id not in self.analyses:
                continue
            analysis = self.analyses[cell.id]
            for names in analysis.kept_names():
                if names.kind != "code" or len(names.defines) != 1 or names.compound:
                    continue
                name = names.defines[0]
                if (name in wanted or name.isupper()) and len(self.data_cells.get(name, ())) == 1 \
                        and name not in mutated and name not in self.params:
                    candidates.append((name, cell, names, analysis))
        pure_modules = {n for n, d in self.definitions.items() if d.kind == "import" and d.spec
                        and d.spec.top_module in PURE_MODULES
                        and (d.spec.top_module != "os" or d.spec.name is None
                             or d.spec.module.startswith("os.path") or d.spec.name == "path")}
        pure_names = frozenset(pure_modules | PURE_BUILTINS)
        os_names = frozenset(n for n in pure_modules if self.definitions[n].spec.top_module == "os"
                             and self.definitions[n].spec.name is None)
        changed = True
        while changed:
            changed = False
            for name, cell, names, analysis in candidates:
                if name in self.definitions:
                    continue
                reads = [r for r in (*names.reads, *names.earlier_reads) if r not in BUILTINS]
                if not all(r in self.definitions and self.definitions[r].kind in ("import", "constant")
                           for r in reads):
                    continue
                if not builds_a_value(analysis.module.body[names.index], pure_names, os_names):
                    continue
                line = names.line + analysis.line_offset
                self.definitions[name] = Definition(name, "constant", cell, line, analysis,
                                                    names.index, reads=tuple(reads))
                self.data_cells.pop(name, None)
                changed = True

    def _add_imports(self, cell: Cell, kind: str, specs, stars, line: int) -> None:
        for spec in specs:
            self._define(Definition(spec.bound, "import", cell, line, spec=spec))
        for module in stars:
            exported = star_exports(module) if module else None
            if exported is None:
                self.diag(Severity.ERROR if kind != "notebook" else Severity.WARNING, "star-import",
                          f"`from {module} import *` cannot be resolved: {module!r} is not "
                          "importable here; import the names you use explicitly", cell, line)
                continue
            for name in exported:
                if name not in self.definitions:
                    self.definitions[name] = Definition(name, "import", cell, line,
                                                        spec=ImportSpec(module, name, None))

    def _define(self, definition: Definition) -> None:
        previous = self.definitions.get(definition.name)
        if previous is not None and previous.kind in ("def", "class") \
                and previous.cell.id != definition.cell.id:
            self.diag(Severity.WARNING, "redefined",
                      f"{definition.kind} {definition.name!r} is defined again (first in cell "
                      f"{previous.cell.index}); the package keeps this last definition",
                      definition.cell, definition.line)
        if previous is not None and previous.kind in ("def", "class"):
            self.superseded[definition.name] = previous
        self.definitions[definition.name] = definition

    def _check_live_definition(self, read: str, cell: Cell, index: int, line: int) -> None:
        """Code that runs while an earlier definition of ``read`` is live would call the last one
        in the package: refuse rather than compute something else."""
        final = self.definitions[read]
        if (cell.index, index) < (final.cell.index, final.index or 0):
            first = self.superseded[read]
            self.diag(Severity.ERROR, "redefined-in-use",
                      f"this code uses {first.kind} {read!r} of cell {first.cell.index}, but cell "
                      f"{final.cell.index} defines it again and the package can keep one "
                      f"definition; rename one of them (e.g. {read}_v2)", cell, line)

    # -- dataflow ------------------------------------------------------------------------
    def _effects(self, cells: list[Cell]) -> tuple[set[str], set[str]]:
        """(reads, writes) of data names over cells' exported statements; definitions excluded."""
        reads: set[str] = set()
        writes: set[str] = set()
        for cell in cells:
            for names in self.analyses[cell.id].kept_names():
                if self._is_definition(names):
                    continue
                reads.update(self._with_injected((*names.reads, *names.earlier_reads, *names.mutates)))
                writes.update(names.defines)
                writes.update(names.mutates)
        return reads - set(self.definitions), writes - set(self.definitions)

    def _blocks(self, cells: list[Cell], keep_definitions: bool = False) -> list[Block]:
        blocks = []
        for cell in cells:
            analysis = self.analyses[cell.id]
            kept = [n for n in analysis.kept_names() if keep_definitions or not self._is_definition(n)]
            if kept:
                blocks.append(Block(cell, tuple(kept), analysis))
        return blocks

    def _is_definition(self, names) -> bool:
        if names.kind in ("import", "def", "class"):
            return True
        return names.kind == "constant" and names.defines[0] in self.definitions

    def _dataflow(self) -> list[StageNode]:
        self.candidates: dict[str, set[str]] = {}
        self.stage_order = {}
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
            self.stage_order[name] = len(self.stage_order)
            inputs, params, uses, providers = [], [], set(), {}
            for read, source in self._sources(blocks, list(self.candidates.items()), name):
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
            self.candidates[name] = produced
            nodes.append(StageNode(name, self.table[stage].kind, tuple(blocks), tuple(inputs),
                                   tuple(params), (), tuple(sorted(uses)), providers, stage=stage))
        self._warn_out_of_lifecycle_order(nodes)
        return nodes

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
        """Each name the blocks read before binding it, once, with where it comes from.

        ``calls_defs``: the functions the blocks define run after them (a test cell's
        ``def test_*``), so what their bodies read counts too, unless the cell binds it."""
        bound: set[str] = set()
        deferred: list[tuple[str, Block, int]] = []
        for block in blocks:
            for names in block.names:
                line = names.line + block.line_offset
                for read in self._with_injected((*names.reads, *names.earlier_reads, *names.mutates)):
                    if read in bound:
                        continue
                    bound.add(read)
                    if names.compound and read in names.defines and not self._has_source(read, earlier):
                        self._loop_carried(read, block.cell, line, stage)
                        continue
                    source = self._resolve(read, earlier, block.cell, line, stage)
                    if source.kind == "definition" and read in self.superseded:
                        self._check_live_definition(read, block.cell, names.index, line)
                    yield read, source
                bound.update(names.defines)
                bound.update(m for m in names.mutates if m not in self.definitions)
                if calls_defs and names.kind in ("def", "class"):
                    deferred.extend((read, block, line) for read in names.global_reads)
        deferred = [(read, block, line) for read0, block, line in deferred
                    for read in self._with_injected((read0,))]
        for read, block, line in deferred:
            if read not in bound:
                bound.add(read)
                yield read, self._resolve(read, earlier, block.cell, line, stage)

    def _with_injected(self, reads):
        """Reads, each function followed by the notebook values it reads as globals (they are
        read where it is called, so they are read here)."""
        for read in reads:
            yield read
            yield from self.injected.get(read, ())

    def _has_source(self, read: str, earlier) -> bool:
        return (any(read in produced for _, produced in earlier) or read in self.params
                or read in self.definitions or read in BUILTINS)

    def _loop_carried(self, read: str, cell: Cell, line: int, stage: str | None) -> None:
        """``for ...: if first: acc = x else: acc = acc + x`` reads ``acc`` only after a pass has
        bound it. Nothing earlier provides it, so it stays local; say so, it is an assumption."""
        where = f"stage {stage!r}" if stage else "this test"
        self.diag(Severity.WARNING, "loop-carried",
                  f"{where} reads {read!r} in the block that assigns it and nothing earlier "
                  "provides it: treated as assigned before its first read (as the notebook ran)",
                  cell, line)

    def _resolve(self, read: str, earlier, cell: Cell, line: int, stage: str | None) -> Source:
        """Where a read name comes from; a missing one is reported."""
        for step_name, produced in reversed(earlier):
            if read in produced:
                return Source.of_step(step_name)
        if read in self.params:
            return Source("param")
        if read in self.definitions:
            return Source("definition")
        if read in BUILTINS:
            return Source("builtin")
        where = f"step {stage!r}" if stage else "this test"
        later_binders = [c for c in self.data_cells.get(read, ()) if self.table[c.stage].exported]
        if later_binders:
            binder = later_binders[0]
            self.diag(Severity.ERROR, "read-before-definition",
                      f"{where} reads {read!r} before cell {binder.index} computes it: run top "
                      "to bottom, the notebook fails here too", cell, line)
            return Source("missing")
        binders = self.data_cells.get(read, [])
        if binders:
            binder = binders[0]
            self.diag(Severity.ERROR, "notebook-only-value",
                      f"{where} reads {read!r}, which only the {binder.stage!r} cell {binder.index} "
                      "computes; explore cells are not exported — move that code to an exported "
                      "stage", cell, line)
            return Source("missing")
        if self._bound_in_skip_or_test(read):
            self.diag(Severity.ERROR, "notebook-only-value",
                      f"{where} reads {read!r}, which only a skip or test cell defines", cell, line)
            return Source("missing")
        if not self.unparsed:  # a cell that did not parse may define it: report that cell only
            self.diag(Severity.ERROR, "undefined-name",
                      f"{where} reads {read!r}, which no cell defines", cell, line)
        return Source("missing")

    def _bound_in_skip_or_test(self, name: str) -> bool:
        for cell in self.nb.code_cells:
            if self.kind(cell) in ("skip", "test"):
                analysis = self.analyses.get(cell.id)
                if analysis and any(name in n.defines for n in analysis.statements):
                    return True
        return False

    def _tests(self, stages: list[StageNode]) -> list[TestNode]:
        tests = []
        earlier = list(self.candidates.items())
        test_cells = [c for c in self.nb.code_cells if self.kind(c) == "test" and not c.is_parameters]
        for block in self._blocks(test_cells, keep_definitions=True):
            reads, params, uses, until = [], [], set(), None
            for read, source in self._sources([block], earlier, None, calls_defs=True):
                if source.kind == "definition":
                    uses.add(read)
                elif source.kind == "param":
                    params.append(read)
                elif source.kind == "step":
                    reads.append(read)
                    if until is None or self.stage_order[source.step] > self.stage_order[until]:
                        until = source.step
            tests.append(TestNode(block, tuple(reads), tuple(params), tuple(sorted(uses)), until))
        return tests

    def _assign_outputs(self, stages: list[StageNode], tests: list[TestNode]) -> list[StageNode]:
        outputs: dict[str, list[str]] = {s.name: [] for s in stages}

        def need(stage_name: str, value: str) -> None:
            if value not in outputs[stage_name]:
                outputs[stage_name].append(value)

        for node in stages:
            for value, provider in node.providers.items():
                need(provider, value)
        for test in tests:
            earlier = list(self.candidates.items())
            for value in test.reads:
                upto = [s for s, _ in earlier
                        if self.stage_order[s] <= self.stage_order[test.until]] if test.until else []
                for stage_name in reversed(upto):
                    if value in self.candidates[stage_name]:
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
                if result in self.candidates[node.name]:
                    need(node.name, result)
                    break
        return [replace(n, outputs=tuple(outputs[n.name])) for n in stages]

    def _helper_closure(self, stages: list[StageNode], tests: list[TestNode]) -> tuple[str, ...]:
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
                if read in self.definitions:
                    todo.append(read)
                elif name in self.injected and read in self.injected[name]:
                    pass  # passed as a keyword-only argument where the function is called
                elif read in self.params or read in self.data_cells:
                    what = "parameter" if read in self.params else "notebook global"
                    self.diag(Severity.ERROR, "global-read",
                              f"function {name!r} reads the {what} {read!r}; pass it as an "
                              "argument instead", definition.cell, definition.line)
                elif read not in BUILTINS:
                    self.diag(Severity.ERROR, "undefined-name",
                              f"{definition.kind} {name!r} reads {read!r}, which no cell defines",
                              definition.cell, definition.line)
        self.needed = needed
        ordered = [d for d in self.definitions.values() if d.name in needed and d.kind != "import"]
        ordered.sort(key=lambda d: (d.cell.index, d.line))
        return tuple(d.name for d in ordered)


def _diag_order(d: Diagnostic):
    loc = d.location
    return (loc.cell_index if loc.cell_index is not None else -1, loc.line or 0, d.code)
