"""Which definition a name means where it is read, and the renames that follow from it.

A function or class the notebook defines twice keeps every version (``definitions.py``): a
statement calls the version defined above it, under the name the package gives that version
(``scale_v1``). Each lookup that lands on an earlier version is a ``Rename`` of that statement;
``rename_table`` turns them into the graph's ``renames``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..notebook import Cell
from .definitions import Version, live_version

Versions = Mapping[str, tuple[Version, ...]]  # def/class name defined twice+ → its versions


class LiveRead(NamedTuple):
    """A name a statement reads, and the package's name for it (a named tuple: a graph build
    makes one per read of every statement)."""

    read: str  # as the notebook writes it
    live: str  # the version live at the statement (``read`` unless defined twice)


@dataclass(frozen=True)
class Rename:
    """Statement ``index`` of cell ``cell_id`` calls ``name`` by the package's name ``live``."""

    cell_id: str
    index: int
    name: str
    live: str


def live_name(versions: Versions, read: str, cell: Cell, index: int) -> str:
    """The package's name for the definition of ``read`` that statement ``index`` of ``cell``
    sees."""
    found = versions.get(read)
    if found is None:
        return read
    return live_version(found, (cell.index, index)).name


def live_reads(versions: Versions, injected: Mapping[str, tuple[str, ...]], cell: Cell,
               index: int, reads: Iterable[str]) -> tuple[LiveRead, ...]:
    """Each name read, followed (for a function) by the notebook values it reads as globals:
    they are read where it is called, so they are read here."""
    found: list[LiveRead] = []
    for read in reads:
        live = live_name(versions, read, cell, index) if versions else read
        found.append(LiveRead(read, live))
        values = injected.get(live)
        if values:
            found.extend(LiveRead(value, value) for value in values)
    return tuple(found)


def names_read(versions: Versions, injected: Mapping[str, tuple[str, ...]], cell: Cell,
               index: int, reads: Iterable[str]) -> Iterator[str]:
    """The notebook names of ``live_reads``, in its order (without making its records)."""
    for read in reads:
        yield read
        values = injected.get(live_name(versions, read, cell, index) if versions else read)
        if values:
            yield from values


def renames_of(cell: Cell, index: int, reads: Iterable[LiveRead]) -> tuple[Rename, ...]:
    return tuple(Rename(cell.id, index, r.read, r.live) for r in reads if r.live != r.read)


def version_renames(versions: Versions) -> tuple[Rename, ...]:
    """Each earlier version's own statement defines it under its versioned name."""
    return tuple(Rename(v.definition.cell.id, v.definition.index, v.original, v.name)
                 for found in versions.values() for v in found[:-1])


def rename_table(renames: Iterable[Rename]) -> dict[str, dict[int, dict[str, str]]]:
    """cell id → statement index → {notebook name: package name}; a later rename of the same
    name in the same statement wins."""
    table: dict[str, dict[int, dict[str, str]]] = {}
    for r in renames:
        table.setdefault(r.cell_id, {}).setdefault(r.index, {})[r.name] = r.live
    return table
