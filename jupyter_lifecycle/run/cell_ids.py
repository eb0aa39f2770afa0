"""The notebook as ``nb2pipe run`` and ``nb2pipe verify`` execute it: every cell carries the id
the reader gave it.

Notebooks written before nbformat 4.5 have no cell ids; the reader names such a cell
``cell-<index>`` and the step boundaries refer to those names, while the executed notebook would
get random ids (new ones on every read), so capture could fingerprint no value and a run record
would name cells the user's file does not have. A copy with the reader's ids written in is
executed instead; the user's file is not touched."""

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


def read_for_ids(notebook: Path) -> TaggedNotebook | None:
    """The reader's view of ``notebook`` for :func:`with_reader_ids`; None when the reader
    refuses it (a notebook ``nb2pipe run`` can still execute, e.g. another language's)."""
    from ..errors import LifecycleError
    from ..notebook import read_notebook

    try:
        return read_notebook(notebook)
    except LifecycleError:
        return None
