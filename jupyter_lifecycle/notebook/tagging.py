"""Write stage tags into a notebook file, changing nothing else when the file's format allows.

The file is written the way its user keeps it: the same line endings (LF or CRLF), the same
permissions, and through a symbolic link to the file it names. A read-only file or folder is
refused rather than replaced; the write itself is atomic (a temporary sibling, then a rename).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import Location, NotebookError
from ..fsutil import atomic_write
from ..stages import StageTable
from .reader import parse_notebook


@dataclass(frozen=True)
class Layout:
    """The json.dumps settings (and line ending) that reproduce the file's text."""

    indent: int | None = 1
    sort_keys: bool = True
    trailing_newline: bool = True
    ascii_only: bool = False
    newline: str = "\n"


def _dump(nb: dict, layout: Layout) -> str:
    text = json.dumps(nb, indent=layout.indent, sort_keys=layout.sort_keys,
                      ensure_ascii=layout.ascii_only,
                      separators=(",", ": ") if layout.indent is not None else (",", ":"))
    text += "\n" if layout.trailing_newline else ""
    # JSON strings escape their newlines, so every raw newline in the text is layout
    return text.replace("\n", layout.newline) if layout.newline != "\n" else text


def _newline_of(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def _detect_layout(text: str, raw: dict) -> Layout | None:
    """The layout that reproduces ``text`` exactly, if there is one."""
    newline = _newline_of(text)
    lines = text.split(newline)
    indent = None
    if len(lines) > 1:
        second = lines[1]
        indent = len(second) - len(second.lstrip(" "))
    trailing = text.endswith(newline)
    for ascii_only in (False, True):
        for sort_keys in (True, False):
            layout = Layout(indent, sort_keys, trailing, ascii_only, newline)
            if _dump(raw, layout) == text:
                return layout
    return None


def _writable_target(path: Path) -> Path:
    """The real file to write (a link's target), refused when it or its folder is read-only."""
    target = Path(os.path.realpath(path))
    where = Location(str(path))
    try:
        mode = target.stat().st_mode
        folder_mode = target.parent.stat().st_mode
    except OSError as exc:
        raise NotebookError(f"cannot write the notebook: {exc.strerror or exc}", where) from None
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise NotebookError("the notebook is read-only; make it writable to tag it", where)
    if not folder_mode & 0o222 or not os.access(target.parent, os.W_OK):
        raise NotebookError(f"the notebook's folder {target.parent.name or target.parent}/ is "
                            "read-only (tagging writes a temporary file beside the notebook, then "
                            "renames it); make the folder writable", where)
    return target


def _tags_of(cell: dict, index: int, path: Path) -> list[str]:
    where = Location(str(path), index, cell.get("id") if isinstance(cell.get("id"), str) else None)
    metadata = cell.get("metadata", {})
    if not isinstance(metadata, dict):
        raise NotebookError("the cell's metadata is not an object", where)
    tags = metadata.get("tags", [])
    if not isinstance(tags, list):
        raise NotebookError(f"metadata.tags must be a list of strings, not {tags!r}", where)
    for tag in tags:
        if not isinstance(tag, str):
            raise NotebookError(f"metadata.tags holds {tag!r}, which is not a string; every tag "
                                "must be a string", where)
    return tags


def set_stage(path: str | Path, cells: list[str], stage: str | None, table: StageTable) -> tuple[list[int], bool]:
    """Tag ``cells`` (ids or indices) with ``stage`` (None: remove stage tags).

    Returns the indices changed and whether the file's exact formatting was kept.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"cannot read the notebook: {exc}", Location(str(path))) from None
    nb = parse_notebook(text, str(path), table)  # validates: JSON, v4, Python
    raw = json.loads(text)
    layout = _detect_layout(text, raw)
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
        old = _tags_of(cell, index, path)
        tags = [t for t in old if not t.startswith(table.tag_prefix)]
        if stage is not None:
            tags.append(table.tag_for(stage))
        if tags != old:
            metadata = cell.setdefault("metadata", {})
            if tags:
                metadata["tags"] = tags
            else:
                metadata.pop("tags", None)
            changed.append(index)
    if changed:
        target = _writable_target(path)
        data = _dump(raw, layout or Layout(newline=_newline_of(text)))
        try:
            atomic_write(target, data)
        except OSError as exc:
            raise NotebookError(f"cannot write the notebook: {exc.strerror or exc}",
                                Location(str(path))) from None
    return changed, layout is not None


def write_tags(path: str | Path, tags: dict[int, tuple[str, ...]], table: StageTable,
               ids: dict[int, str] | None = None) -> tuple[list[int], bool]:
    """Set the whole tag list of several cells (by index) in one atomic write.

    ``ids`` (index → cell id) guards against a file changed since it was read: a cell whose id
    differs is refused and nothing is written. Returns the indices changed and whether the file's
    exact formatting was kept.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"cannot read the notebook: {exc}", Location(str(path))) from None
    nb = parse_notebook(text, str(path), table)
    raw = json.loads(text)
    layout = _detect_layout(text, raw)
    changed = []
    for index, new in sorted(tags.items()):
        if not 0 <= index < len(nb.cells) or (ids and nb.cells[index].id != ids.get(index)):
            raise NotebookError("the notebook changed since it was read; run the command again",
                                Location(str(path), index, ids.get(index) if ids else None))
        cell = raw["cells"][index]
        if list(new) == _tags_of(cell, index, path):
            continue
        metadata = cell.setdefault("metadata", {})
        if new:
            metadata["tags"] = list(new)
        else:
            metadata.pop("tags", None)
        changed.append(index)
    if changed:
        target = _writable_target(path)
        try:
            atomic_write(target, _dump(raw, layout or Layout(newline=_newline_of(text))))
        except OSError as exc:
            raise NotebookError(f"cannot write the notebook: {exc.strerror or exc}",
                                Location(str(path))) from None
    return changed, layout is not None
