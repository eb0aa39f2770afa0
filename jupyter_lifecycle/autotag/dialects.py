"""Map other tools' tags onto lifecycle stages: Kale, nbdev and papermill.

* Kale: ``imports``/``functions`` → setup, ``pipeline-parameters`` → ``parameters``,
  ``pipeline-metrics`` → evaluate (what it prints becomes the run's ``metrics``, see
  ``capture.printed_metrics``), ``skip`` → skip, ``step:NAME``/``block:NAME`` → one stage for
  the step's cells (untagged cells join the step above, an empty ``block:`` too), from the step
  name's words or else the auto-tagger's stages of its cells; ``prev:`` edges are checked against
  the dataflow and disagreements reported.
* nbdev: ``#| export``/``#| exports``/``#| exporti`` → setup for definitions, else the cell's
  auto-tagged stage; ``#| hide`` → skip.
* papermill: ``parameters`` kept, ``injected-parameters`` → skip (a run's values, not the
  notebook's); the other cells auto-tagged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from ..analysis.cache import AnalysisCache
from ..capture.printed_metrics import SourceCell, plan_printed_metrics
from ..errors import Location, NotebookError
from ..notebook.dialects import nbdev_directives
from ..notebook.model import Cell, TaggedNotebook
from ..stages import INJECTED_PARAMETERS_TAG, PARAMETERS_TAG
from .dataflow import produced
from .facts import CellFacts
from .headings import words_stage
from .model import Suggestion
from .tagger import notebook_facts, suggest

DIALECTS = ("kale", "nbdev", "papermill")
KALE_FIXED = {"imports": "setup", "functions": "setup", "pipeline-metrics": "evaluate",
              "skip": "skip"}


@dataclass(frozen=True)
class DialectResult:
    suggestions: tuple[Suggestion, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _KaleGroup:
    kind: str  # "step", or a fixed Kale tag (imports, functions, pipeline-parameters, ...)
    name: str  # the step name ("" for fixed tags)
    prev: tuple[str, ...]
    positions: tuple[int, ...]  # positions among the code cells


def _kale_groups(cells: tuple[Cell, ...], path: str) -> list[_KaleGroup]:
    groups: list[_KaleGroup] = []
    for position, cell in enumerate(cells):
        tags = cell.tags
        steps = [t.split(":", 1)[1] for t in tags if t.startswith(("step:", "block:"))]
        fixed = [t for t in tags if t in KALE_FIXED or t == "pipeline-parameters"]
        prev = tuple(t.split(":", 1)[1] for t in tags if t.startswith("prev:") and t[5:])
        named = [s for s in steps if s]
        if len(set(named)) > 1:
            raise NotebookError(f"the cell names several Kale steps ({', '.join(named)}); keep one",
                                Location(path, cell.index, cell.id, 1))
        if fixed:
            groups.append(_KaleGroup(fixed[0], "", prev, (position,)))
        elif named:
            groups.append(_KaleGroup("step", named[0], prev, (position,)))
        elif groups:  # untagged, or an empty ``block:``: the cell joins the step above
            last = groups[-1]
            groups[-1] = replace(last, prev=last.prev + prev, positions=last.positions + (position,))
        else:
            groups.append(_KaleGroup("untagged", "", prev, (position,)))
    return groups


def _step_stage(group: _KaleGroup, auto: tuple[Suggestion, ...], exported: frozenset[str]) -> tuple[str, str]:
    by_name = words_stage(group.name.replace("_", " ").replace("-", " "), exported)
    if by_name is not None:
        return by_name, f"Kale step '{group.name}' (its name)"
    votes: Counter[str] = Counter()
    for position in group.positions:
        s = auto[position]
        if s.stage in exported:
            votes[s.stage] += s.confidence
    if not votes:
        return auto[group.positions[0]].stage, f"Kale step '{group.name}' (its cells)"
    return votes.most_common(1)[0][0], f"Kale step '{group.name}' (what its cells do)"


def _metrics_notes(nb: TaggedNotebook, result: list[Suggestion]) -> list[str]:
    """What the ``pipeline-metrics`` cells will record once tagged as proposed (the reader binds
    their printed values to ``metrics``: ``capture.printed_metrics``), or why they will not."""
    originals = {a.metrics.cell_id: a.original for a in nb.printed_metrics}
    plan = plan_printed_metrics(
        SourceCell(c.index, c.id, originals.get(c.id, c.source), c.tags,
                   "skip" if s.is_parameters else s.stage)
        for c, s in zip(nb.code_cells, result) if not c.is_injected_parameters)
    notes = [f"cell {p.index}: {p.message}" for p in plan.problems]
    for found in plan.cells:
        notes.append(f"cell {found.index}: Kale pipeline-metrics prints "
                     f"{', '.join(m.expression for m in found.metrics)}: tagged evaluate, they become "
                     f"the run's metrics (`{found.code.split('  #')[0]}` runs after the cell's code)")
    return notes


def _check_prev(groups: list[_KaleGroup], facts: list[CellFacts]) -> list[str]:
    """``prev:`` edges against the dataflow: a declared edge nothing flows along, and a flow no
    edge declares."""
    notes: list[str] = []
    made: dict[str, frozenset[str]] = {}
    for group in groups:
        if group.kind != "step":
            continue
        reads = frozenset().union(*(facts[p].reads | facts[p].assert_reads for p in group.positions))
        for prev in group.prev:
            if prev not in made:
                notes.append(f"Kale step '{group.name}' names prev:{prev}, which is no step above it")
            elif not reads & made[prev]:
                notes.append(f"Kale step '{group.name}' names prev:{prev} but reads nothing it computes")
        for name, values in made.items():
            used = sorted(reads & values)
            if used and name not in group.prev:
                notes.append(f"Kale step '{group.name}' reads {', '.join(used[:3])} from step "
                             f"'{name}', which its prev: tags do not name")
        own = frozenset().union(*(produced(facts[p]) for p in group.positions))
        made = {n: v - own for n, v in made.items()}
        made[group.name] = made.get(group.name, frozenset()) | own
    return notes


def _kale(nb: TaggedNotebook, auto: tuple[Suggestion, ...], facts: list[CellFacts]) -> DialectResult:
    cells = nb.code_cells
    exported = frozenset(s.name for s in nb.table.stages if s.exported)
    groups = _kale_groups(cells, nb.path)
    result = list(auto)
    notes = _check_prev(groups, facts)
    has_parameters = any(g.kind == "pipeline-parameters" for g in groups)
    for group in groups:
        if group.kind == "untagged":
            continue
        if group.kind == "pipeline-parameters":
            stage, reason, is_parameters = nb.table.default_stage, "Kale pipeline-parameters", True
        elif group.kind == "step":
            (stage, reason), is_parameters = _step_stage(group, auto, exported), False
        else:
            stage, reason, is_parameters = KALE_FIXED[group.kind], f"Kale {group.kind}", False
        for position in group.positions:
            cell = cells[position]
            keep_parameters = is_parameters or (cell.is_parameters and not has_parameters)
            result[position] = Suggestion(cell.index, cell.id, stage, 0.8, reason, keep_parameters)
    notes += _metrics_notes(nb, result)
    if has_parameters:  # Kale's parameters cell replaces any other proposal
        result = [s if s.is_parameters and s.reason == "Kale pipeline-parameters"
                  else replace(s, is_parameters=False) for s in result]
    return DialectResult(tuple(result), tuple(notes))


def _nbdev(nb: TaggedNotebook, auto: tuple[Suggestion, ...], facts: list[CellFacts]) -> DialectResult:
    result = list(auto)
    for position, cell in enumerate(nb.code_cells):
        directives = {name for name, _ in nbdev_directives(cell.source)}
        if "hide" in directives:
            result[position] = Suggestion(cell.index, cell.id, "skip", 0.8, "nbdev #| hide")
        elif directives & {"export", "exports", "exporti", "default_exp"}:
            definitions = facts[position].only_definitions or "default_exp" in directives
            stage = "setup" if definitions else auto[position].stage
            why = "definitions" if definitions else "what the cell does"
            result[position] = replace(auto[position], stage=stage, confidence=0.75,
                                       reason=f"nbdev #| export ({why})")
    return DialectResult(tuple(result), ())


def _papermill(nb: TaggedNotebook, auto: tuple[Suggestion, ...], facts: list[CellFacts]) -> DialectResult:
    result = list(auto)
    for position, cell in enumerate(nb.code_cells):
        if INJECTED_PARAMETERS_TAG in cell.tags:
            result[position] = Suggestion(cell.index, cell.id, "skip", 0.9,
                                          "papermill injected-parameters (values of one run)")
        elif PARAMETERS_TAG in cell.tags:
            result[position] = replace(auto[position], is_parameters=True, confidence=0.9,
                                       reason="papermill parameters")
    return DialectResult(tuple(result), ())


def from_dialect(nb: TaggedNotebook, dialect: str, cache: AnalysisCache | None = None) -> DialectResult:
    """Suggestions for ``nb`` read from ``dialect``'s tags, the auto-tagger filling the rest."""
    if dialect not in DIALECTS:
        raise NotebookError(f"unknown tag dialect {dialect!r}; known: {', '.join(DIALECTS)}",
                            Location(nb.path))
    facts = notebook_facts(nb, cache)
    auto = suggest(nb, nb_facts=facts)
    return {"kale": _kale, "nbdev": _nbdev, "papermill": _papermill}[dialect](nb, auto, facts)
