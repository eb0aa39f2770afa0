"""The definitions the package needs: those the steps and tests use, and what those read as
globals, transitively. A definition that cannot move into the package is reported here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import Severity
from .checks import Reporter
from .facts import BUILTINS, NotebookFacts
from .live_names import Rename, live_name
from .model import Definition, StageNode, TestNode


@dataclass(frozen=True)
class Closure:
    helpers: tuple[str, ...]  # def/class/constant definitions, in notebook order
    needed: frozenset[str]  # every definition the package uses, imports included
    renames: tuple[Rename, ...]  # decorators, defaults, bases that call an earlier version


@dataclass(frozen=True)
class DefinitionRead:
    """A name a function or class reads, as the package names it."""

    live: str
    rename: Rename | None  # read where the def runs, from an earlier version
    redefined_after: bool  # read when it is called, and defined again after it


def helper_closure(facts: NotebookFacts, stages: Iterable[StageNode], tests: Iterable[TestNode],
                   report: Reporter) -> Closure:
    needed: set[str] = set()
    renames: list[Rename] = []
    todo = [u for s in stages for u in s.uses] + [u for t in tests for u in t.uses]
    while todo:
        name = todo.pop()
        if name in needed or name not in facts.definitions:
            continue
        needed.add(name)
        definition = facts.definitions[name]
        if facts.kind(definition.cell) == "notebook":
            report(Severity.WARNING, "explore-definition",
                   f"{definition.kind} {name!r} comes from an explore cell and is moved "
                   "into the package", definition.cell, definition.line)
        for value in definition.global_writes:
            if value in facts.param_names or value in facts.data_cells:
                report(Severity.ERROR, "global-write",
                       f"function {name!r} rebinds the notebook value {value!r} with "
                       "`global`; return the new value instead and assign it where the "
                       "function is called", definition.cell, definition.line)
        for read in (*definition.global_reads, *definition.reads):
            at_def = definition.kind == "def" and read not in definition.global_reads
            found = definition_read(facts, definition, read)
            if found.rename is not None:
                renames.append(found.rename)
            if found.redefined_after:
                _report_redefined_in_use(facts, definition, read, report)
            if found.live in facts.definitions:
                todo.append(found.live)
            else:
                _report_unmovable_read(facts, definition, found.live, at_def, report)
    ordered = [d for d in facts.definitions.values() if d.name in needed and d.kind != "import"]
    ordered.sort(key=lambda d: (d.cell.index, d.line))
    return Closure(tuple(d.name for d in ordered), frozenset(needed), tuple(renames))


def definition_read(facts: NotebookFacts, definition: Definition, read: str) -> DefinitionRead:
    """A twice-defined name a function or class reads: what it reads when it runs (its body
    runs when it is called, which the analysis cannot place)."""
    versions = facts.versions.get(read)
    if versions is None:
        return DefinitionRead(read, None, False)
    if any(v.name == definition.name for v in versions):
        # recursion: the statement's rename covers its body
        return DefinitionRead(definition.name, None, False)
    if read not in definition.global_reads:  # decorators, defaults, bases: run at the def
        index = definition.index or 0
        live = live_name(facts.versions, read, definition.cell, index)
        rename = Rename(definition.cell.id, index, read, live) if live != read else None
        return DefinitionRead(live, rename, False)
    position = (definition.cell.index, definition.index or 0)
    return DefinitionRead(read, None, position <= versions[-1].position)


def _report_redefined_in_use(facts: NotebookFacts, definition: Definition, read: str,
                             report: Reporter) -> None:
    versions = facts.versions[read]
    first = versions[0].definition
    report(Severity.ERROR, "redefined-in-use",
           f"{definition.kind} {definition.name!r} uses {first.kind} {read!r}, which cell "
           f"{versions[-1].definition.cell.index} defines again after it; which one it "
           f"calls depends on when it runs: rename one of them (e.g. {read}_v2) or define "
           f"{definition.name!r} after the last {read!r}", definition.cell, definition.line)


def _report_unmovable_read(facts: NotebookFacts, definition: Definition, read: str, at_def: bool,
                           report: Reporter) -> None:
    """A name the definition reads that is not a definition: passed in, or an error."""
    name = definition.name
    if name in facts.injected and read in facts.injected[name]:
        return  # passed as a keyword-only argument where the function is called
    if read in facts.param_names or read in facts.data_cells:
        what = "parameter" if read in facts.param_names else "notebook global"
        if at_def:
            report(Severity.ERROR, "global-read",
                   f"function {name!r} reads the {what} {read!r} in a default argument "
                   "or decorator, evaluated once when the def runs; give the argument "
                   f"no default and pass {read} where {name!r} is called",
                   definition.cell, definition.line)
        else:
            report(Severity.ERROR, "global-read",
                   f"{'class' if definition.kind == 'class' else 'function'} "
                   f"{name!r} reads the {what} {read!r}; pass it as an argument "
                   f"instead{' (to __init__, kept on self)' if definition.kind == 'class' else ''}",
                   definition.cell, definition.line)
    elif read not in BUILTINS:
        report(Severity.ERROR, "undefined-name",
               f"{definition.kind} {name!r} reads {read!r}, which no cell defines",
               definition.cell, definition.line)
