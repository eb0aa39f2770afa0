"""Reuse generated files whose inputs did not change (a notebook edit touches one stage).

A file's key hashes everything its text depends on — the cells (index, id, stage, source), the
stage's signature, the definitions it imports — plus the source of this codegen package, so a
change to the generator invalidates every entry by itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ..graph import Definition, StageGraph
from ..notebook import Cell
from .common import GeneratedFile


class TextStore(Protocol):
    def get_text(self, key: str) -> str | None: ...

    def put_text(self, key: str, text: str) -> None: ...


@lru_cache(maxsize=1)
def _codegen_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cell_part(cell: Cell) -> tuple:
    return (cell.index, cell.id, cell.stage, cell.source)


def definition_part(d: Definition | None) -> tuple | None:
    if d is None:
        return None
    return (d.name, d.kind, d.spec, d.line, d.index, d.global_reads, cell_part(d.cell))


def fingerprint(graph: StageGraph, kind: str, *parts) -> str:
    return _key(graph.notebook.path.rsplit("/", 1)[-1], kind,
                (parts, sorted(graph.injected.items()), _renames_part(graph.renames)))


def _renames_part(renames) -> list:
    return sorted((cell, sorted((i, sorted(names.items())) for i, names in by_index.items()))
                  for cell, by_index in renames.items())


def _key(notebook: str, kind: str, parts) -> str:
    payload = repr((_codegen_hash(), kind, notebook, parts))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def texts_key(notebook: str, cell: Cell, gate: bool, injected=None, renames=None) -> str:
    """Key of a cell's rendered statements (see fragments.CellTexts); ``renames``: the cell's
    statement index → {name: versioned name}."""
    if injected or renames:
        return _key(notebook, "cell-texts", (cell_part(cell), gate, sorted((injected or {}).items()),
                                             sorted((i, sorted(n.items())) for i, n in (renames or {}).items())))
    return _key(notebook, "cell-texts", (cell_part(cell), gate))


def cached_files(store: TextStore | None, key: str,
                 make: Callable[[], tuple[list[GeneratedFile], list[str]]]) -> tuple[list[GeneratedFile], list[str]]:
    """Like ``cached``, for a function that makes several files and a list of notes."""
    if store is not None:
        hit = store.get_text(key)
        if hit is not None:
            try:
                data = json.loads(hit)
                return ([GeneratedFile(path, text, provenance) for path, text, provenance in data["files"]],
                        [str(note) for note in data["notes"]])
            except (ValueError, KeyError, TypeError):
                pass
    files, notes = make()
    if store is not None:
        store.put_text(key, json.dumps({"files": [[f.path, f.text, f.provenance] for f in files],
                                        "notes": list(notes)}))
    return files, notes


def cached(store: TextStore | None, key: str, make: Callable[[], GeneratedFile]) -> GeneratedFile:
    if store is not None:
        hit = store.get_text(key)
        if hit is not None:
            try:
                data = json.loads(hit)
                return GeneratedFile(data["path"], data["text"], data["provenance"])
            except (ValueError, KeyError, TypeError):
                pass
    made = make()
    if store is not None:
        store.put_text(key, json.dumps({"path": made.path, "text": made.text, "provenance": made.provenance}))
    return made
