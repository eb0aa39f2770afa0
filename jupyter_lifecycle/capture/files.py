"""Files a run read and wrote, found from cell source with stdlib ``ast``; values made JSON-able.

Only cells of the stages that need it (parameters, ingest, deploy) are parsed, once, right
after they ran; the files themselves are checked and hashed later, when the record is built.
"""

from __future__ import annotations

import ast
import hashlib
import os
from datetime import datetime, timezone

MAX_CANDIDATES = 64
_MAX_PATH = 1024
_CHUNK = 1 << 20


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def assigned_names(source: str) -> list[str]:
    """Names bound by top-level assignments (``a = ...``, ``a: int = ...``, ``a, b = ...``)."""
    tree = _parse(source)
    if tree is None:
        return []
    names: list[str] = []

    def targets(node):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                yield from targets(elt)

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            found = [n for t in stmt.targets for n in targets(t)]
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            found = list(targets(stmt.target))
        else:
            continue
        names.extend(n for n in found if n not in names)
    return names


def _looks_like_path(text: str) -> bool:
    return 0 < len(text) < _MAX_PATH and "\n" not in text and "\x00" not in text


def path_candidates(source: str, namespace) -> list[str]:
    """String literals of ``source``, and str / os.PathLike values of the names it uses."""
    tree = _parse(source)
    if tree is None:
        return []
    found: list[str] = []
    seen: set[str] = set()
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.Name):
            value = namespace.get(node.id)
            if isinstance(value, str):
                text = value
            elif isinstance(value, os.PathLike):
                try:
                    text = os.fspath(value)
                except TypeError:
                    text = None
        if isinstance(text, str) and text not in seen and _looks_like_path(text):
            seen.add(text)
            found.append(text)
            if len(found) >= MAX_CANDIDATES:
                break
    return found


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds")


class FileHasher:
    """sha256 of files, cached by (path, size, mtime) for the life of the process."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], str] = {}

    def entry(self, path: str, *, shown: str, source: str, cell_id: str | None) -> dict | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (path, st.st_size, st.st_mtime_ns)
        digest = self._cache.get(key)
        if digest is None:
            h = hashlib.sha256()
            try:
                with open(path, "rb") as handle:
                    for chunk in iter(lambda: handle.read(_CHUNK), b""):
                        h.update(chunk)
            except OSError:
                return None
            digest = self._cache[key] = h.hexdigest()
        return {"path": shown, "sha256": digest, "size": st.st_size,
                "mtime": iso(st.st_mtime_ns / 1e9), "source": source, "cell_id": cell_id}


def shown_path(path: str, root: str) -> str:
    """``path`` relative to the project root when it is inside it (posix style), else absolute."""
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path
    return rel.replace(os.sep, "/")


_SCALARS = (type(None), bool, int, float, str)


def jsonable(value, depth: int = 0):
    """A JSON-able copy of ``value``: scalars, lists and string-keyed dicts of them; else repr."""
    if isinstance(value, _SCALARS):
        return value
    module = type(value).__module__ or ""
    if module.startswith("numpy") and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        try:
            item = value.item()
        except Exception:
            item = None
        if isinstance(item, _SCALARS):
            return item
    if isinstance(value, os.PathLike):
        try:
            return os.fspath(value)
        except TypeError:
            pass
    if depth < 8 and isinstance(value, (list, tuple)) and len(value) <= 1000:
        return [jsonable(v, depth + 1) for v in value]
    if (depth < 8 and isinstance(value, dict) and len(value) <= 1000
            and all(isinstance(k, str) for k in value)):
        return {k: jsonable(v, depth + 1) for k, v in value.items()}
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 500 else text[:497] + "..."


def _plain(value):
    if isinstance(value, bool):
        return bool(value)
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if (type(value).__module__ or "").startswith("numpy") and getattr(value, "ndim", 0) == 0:
        item = jsonable(value)
        if isinstance(item, (bool, int, float, str)):
            return item
    return None


def plain_metrics(values: dict) -> tuple[dict, list[str]]:
    """The float / int / str values of a metrics dict (numpy scalars converted), and the keys
    that were left out."""
    kept: dict = {}
    skipped: list[str] = []
    for key, value in values.items():
        item = _plain(value) if isinstance(key, str) else None
        if item is None:
            skipped.append(str(key))
        else:
            kept[key] = item
    return kept, skipped
