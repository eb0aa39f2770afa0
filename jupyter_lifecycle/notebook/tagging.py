"""Write stage tags into a notebook file, changing nothing else when the file's format allows."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import Location, NotebookError
from ..fsutil import atomic_write
from ..stages import StageTable
from .reader import parse_notebook


def _dump(nb: dict, indent: int | None, sort_keys: bool, trailing_newline: bool,
          ascii_only: bool = False) -> str:
    text = json.dumps(nb, indent=indent, sort_keys=sort_keys, ensure_ascii=ascii_only,
                      separators=(",", ": ") if indent is not None else (",", ":"))
    return text + ("\n" if trailing_newline else "")


def _detect_format(text: str, raw: dict) -> tuple[int | None, bool, bool, bool] | None:
    """The json.dumps settings that reproduce ``text`` exactly, if there are any."""
    lines = text.splitlines()
    indent = None
    if len(lines) > 1:
        second = lines[1]
        indent = len(second) - len(second.lstrip(" "))
    trailing = text.endswith("\n")
    for ascii_only in (False, True):
        for sort_keys in (True, False):
            if _dump(raw, indent, sort_keys, trailing, ascii_only) == text:
                return indent, sort_keys, trailing, ascii_only
    return None


def set_stage(path: str | Path, cells: list[str], stage: str | None, table: StageTable) -> tuple[list[int], bool]:
    """Tag ``cells`` (ids or indices) with ``stage`` (None: remove stage tags).

    Returns the indices changed and whether the file's exact formatting was kept.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NotebookError(f"cannot read the notebook: {exc}", Location(str(path))) from None
    nb = parse_notebook(text, str(path), table)  # validates: JSON, v4, Python
    raw = json.loads(text)
    fmt = _detect_format(text, raw)
    if stage is not None and table.get(stage) is None:
        raise NotebookError(f"unknown stage {stage!r}; known stages: {', '.join(table.names)}",
                            Location(str(path)))
    indices = []
    for ref in cells:
        try:
            indices.append(nb.cell(ref).index)
        except KeyError:
            raise NotebookError(f"no cell with id or index {ref!r}", Location(str(path))) from None
    changed = []
    for index in indices:
        cell = raw["cells"][index]
        metadata = cell.setdefault("metadata", {})
        tags = [t for t in metadata.get("tags", []) if not t.startswith(table.tag_prefix)]
        if stage is not None:
            tags.append(table.tag_for(stage))
        if tags != metadata.get("tags", []):
            if tags:
                metadata["tags"] = tags
            else:
                metadata.pop("tags", None)
            changed.append(index)
    if changed:
        indent, sort_keys, trailing, ascii_only = fmt if fmt else (1, True, True, False)
        atomic_write(path, _dump(raw, indent, sort_keys, trailing, ascii_only))
    return changed, fmt is not None
