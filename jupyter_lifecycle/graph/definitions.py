"""What the package defines once, away from the data: imports, functions, classes, constants.

``collect_definitions`` reads every exported cell (and explore cells: a function there may be
used by exported code) and sorts each bound name into a definition or data. A function or class
that the notebook defines more than once keeps every version: the last under its own name, each
earlier one under a versioned name (``scale_v1``), so code can call the one live where it runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ..analysis.cell import CellAnalysis
from ..analysis.imports import ImportSpec, star_exports
from ..errors import Severity
from ..notebook import Cell, TaggedNotebook
from .computed_constants import PURE_BUILTINS, PURE_MODULES, builds_a_value
from .model import Definition

Report = Callable[..., None]  # (severity, code, message, cell, line)


@dataclass(frozen=True)
class Version:
    """One of several definitions of a function or class name, in notebook order."""

    name: str  # the name the package gives it: the notebook's for the last, else ``<name>_v<k>``
    original: str
    definition: Definition

    @property
    def position(self) -> tuple[int, int]:
        return (self.definition.cell.index, self.definition.index or 0)


@dataclass
class Collected:
    definitions: dict[str, Definition] = field(default_factory=dict)
    data_cells: dict[str, list[Cell]] = field(default_factory=lambda: defaultdict(list))
    versions: dict[str, tuple[Version, ...]] = field(default_factory=dict)  # names defined twice+


def collect_definitions(nb: TaggedNotebook, analyses: Mapping[str, CellAnalysis],
                        params: set[str], report: Report, builtins: frozenset[str]) -> Collected:
    """Imports, functions, classes from every non-skip, non-test cell; literal constants from
    setup cells, UPPER_CASE ones or ones a function reads from anywhere; computed constants."""
    table = nb.table
    out = Collected()
    all_versions: dict[str, list[Definition]] = defaultdict(list)
    constants: list[tuple[str, Definition]] = []
    mutated: set[str] = set()
    function_globals = {read for cell in nb.code_cells if cell.id in analyses
                        for n in analyses[cell.id].statements if n.kind in ("def", "class")
                        for read in (*n.global_reads, *n.reads, *n.earlier_reads)}

    def define(definition: Definition) -> None:
        previous = out.definitions.get(definition.name)
        if previous is not None and previous.kind in ("def", "class") \
                and previous.cell.id != definition.cell.id:
            report(Severity.WARNING, "redefined",
                   f"{definition.kind} {definition.name!r} is defined again (first in cell "
                   f"{previous.cell.index}); each call uses the one defined above it, as the "
                   f"notebook does (earlier ones become {definition.name}_v1, ... in the package)",
                   definition.cell, definition.line)
        if definition.kind in ("def", "class"):
            all_versions[definition.name].append(definition)
        out.definitions[definition.name] = definition

    for cell in nb.code_cells:
        kind = table[cell.stage].kind
        if kind in ("skip", "test") or cell.is_parameters or cell.is_injected_parameters:
            continue
        analysis = analyses[cell.id]
        for names in analysis.kept_names():
            line = names.line + analysis.line_offset
            mutated.update(names.mutates)
            if names.kind == "import":
                _add_imports(out, define, report, cell, kind, *analysis.import_specs(names.index), line)
            elif names.kind in ("def", "class"):
                for name in names.defines:
                    define(Definition(name, names.kind, cell, line, analysis, names.index,
                                      global_reads=names.global_reads,
                                      reads=(*names.reads, *names.earlier_reads)))
            elif names.kind == "constant" and (cell.stage == table.default_stage
                                               or all(n.isupper() for n in names.defines)
                                               or any(n in function_globals for n in names.defines)):
                for name in names.defines:
                    constants.append((name, Definition(name, "constant", cell, line, analysis,
                                                       names.index)))
            else:
                for name in names.defines:
                    out.data_cells[name].append(cell)
    _sort_constants(out, constants, mutated, params)
    _promote_computed_constants(out, nb, analyses, function_globals, mutated, params, builtins)
    _version(out, all_versions, params, builtins)
    return out


def _sort_constants(out: Collected, constants: list[tuple[str, Definition]], mutated: set[str],
                    params: set[str]) -> None:
    """A literal constant is a definition only if nothing else binds or mutates the name."""
    counts: dict[str, int] = defaultdict(int)
    for name, _ in constants:
        counts[name] += 1

    def qualifies(name: str) -> bool:
        return (counts[name] == 1 and name not in out.data_cells and name not in mutated
                and name not in params and name not in out.definitions)

    # ``a, b = 1, 2`` is a definition of both or of neither (one statement moves or stays)
    by_statement: dict[tuple[str, int], list[str]] = defaultdict(list)
    for name, definition in constants:
        by_statement[(definition.cell.id, definition.index)].append(name)
    fine = {key for key, group in by_statement.items() if all(qualifies(n) for n in group)}
    for name, definition in constants:
        if (definition.cell.id, definition.index) in fine:
            out.definitions[name] = definition
        else:
            out.data_cells[name].append(definition.cell)
    rebound = {w for d in out.definitions.values() if d.kind == "def" for w in d.global_writes}
    for name in rebound:  # `global x` in a function: x is not a constant
        if name in out.definitions and out.definitions[name].kind == "constant":
            out.data_cells[name].append(out.definitions.pop(name).cell)
    mutated.update(rebound)


def _promote_computed_constants(out: Collected, nb: TaggedNotebook,
                                analyses: Mapping[str, CellAnalysis], wanted: set[str],
                                mutated: set[str], params: set[str], builtins: frozenset[str]) -> None:
    """Globals of exported cells computed from definitions with value-building calls only,
    that a function reads (or that are UPPER_CASE), become constants (``computed_constants``)."""
    definitions = out.definitions
    candidates = []
    for cell in nb.code_cells:
        if nb.table[cell.stage].kind not in ("pipeline", "gate") or cell.is_parameters \
                or cell.is_injected_parameters or cell.id not in analyses:
            continue
        analysis = analyses[cell.id]
        for names in analysis.kept_names():
            if names.kind != "code" or len(names.defines) != 1 or names.compound:
                continue
            name = names.defines[0]
            if (name in wanted or name.isupper()) and len(out.data_cells.get(name, ())) == 1 \
                    and name not in mutated and name not in params:
                candidates.append((name, cell, names, analysis))
    pure_modules = {n for n, d in definitions.items() if d.kind == "import" and d.spec
                    and d.spec.top_module in PURE_MODULES
                    and (d.spec.top_module != "os" or d.spec.name is None
                         or d.spec.module.startswith("os.path") or d.spec.name == "path")}
    pure_names = frozenset(pure_modules | PURE_BUILTINS)
    os_names = frozenset(n for n in pure_modules if definitions[n].spec.top_module == "os"
                         and definitions[n].spec.name is None)
    changed = True
    while changed:
        changed = False
        for name, cell, names, analysis in candidates:
            if name in definitions:
                continue
            reads = [r for r in (*names.reads, *names.earlier_reads) if r not in builtins]
            if not all(r in definitions and definitions[r].kind in ("import", "constant")
                       for r in reads):
                continue
            if not builds_a_value(analysis.module.body[names.index], pure_names, os_names):
                continue
            line = names.line + analysis.line_offset
            definitions[name] = Definition(name, "constant", cell, line, analysis, names.index,
                                           reads=tuple(reads))
            out.data_cells.pop(name, None)
            changed = True


def _add_imports(out: Collected, define, report: Report, cell: Cell, kind: str, specs, stars,
                 line: int) -> None:
    for spec in specs:
        define(Definition(spec.bound, "import", cell, line, spec=spec))
    for module in stars:
        exported = star_exports(module) if module else None
        if exported is None:
            report(Severity.ERROR if kind != "notebook" else Severity.WARNING, "star-import",
                   f"`from {module} import *` cannot be resolved: {module!r} is not "
                   "importable here; import the names you use explicitly", cell, line)
            continue
        for name in exported:
            if name not in out.definitions:
                out.definitions[name] = Definition(name, "import", cell, line,
                                                   spec=ImportSpec(module, name, None))


def _version(out: Collected, all_versions: dict[str, list[Definition]], params: set[str],
             builtins: frozenset[str]) -> None:
    """Each earlier definition of a twice-defined function or class gets a name of its own."""
    taken = set(out.definitions) | set(out.data_cells) | params | builtins
    for name, defs in all_versions.items():
        if len(defs) < 2 or out.definitions.get(name) is not defs[-1]:
            continue  # defined once, or rebound later by something else (an import)
        versions = []
        for k, definition in enumerate(defs[:-1], start=1):
            versioned = f"{name}_v{k}"
            while versioned in taken:
                versioned += "_"
            taken.add(versioned)
            out.definitions[versioned] = replace(definition, name=versioned)
            versions.append(Version(versioned, name, out.definitions[versioned]))
        versions.append(Version(name, name, defs[-1]))
        out.versions[name] = tuple(versions)


def live_version(versions: tuple[Version, ...], position: tuple[int, int]) -> Version:
    """The version a statement at ``position`` (cell index, statement index) sees: the last one
    defined before it (the first, for code above every definition: the notebook fails there)."""
    live = versions[0]
    for version in versions:
        if version.position < position:
            live = version
    return live
