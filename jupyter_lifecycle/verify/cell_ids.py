"""The notebook as verify executes it: every cell carries the id the reader gave it.

Notebooks written before nbformat 4.5 have no cell ids; the reader names such a cell
``cell-<index>`` and the step boundaries refer to those names, while the executed copy would get
random ids (or none), so capture could place no cell and no value would be compared. Verify runs
a copy with the reader's ids written in; the user's file is not touched."""

from __future__ import annotations

import json
from pathlib import Path

from ..notebook import TaggedNotebook


def with_reader_ids(notebook: Path, nb: TaggedNotebook | None, workdir: Path) -> Path:
    """``notebook`` itself when its cells already carry the reader's ids, else a copy in
    ``workdir`` (nbformat 4.5, ids filled in) to execute instead."""
    if nb is None:
        return notebook
    raw = json.loads(notebook.read_text(encoding="utf-8"))
    cells = raw.get("cells") or []
    ids = [cell.id for cell in nb.cells]
    if len(ids) != len(cells) or all(c.get("id") == i for c, i in zip(cells, ids)):
        return notebook
    for cell, cell_id in zip(cells, ids):
        cell["id"] = cell_id
    if raw.get("nbformat") == 4 and int(raw.get("nbformat_minor") or 0) < 5:
        raw["nbformat_minor"] = 5
    copy = workdir / notebook.name
    copy.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return copy
