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
    except (SyntaxError, ValueError, RecursionError, MemoryError):
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


def _name_value(value) -> str | None:
    """``value`` as a path string when it is a str or os.PathLike (its methods may raise)."""
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        try:
            text = os.fspath(value)
        except TypeError:
            return None
        return text if isinstance(text, str) else None
    return None


def path_candidates(source: str, namespace, on_error=None) -> list[str]:
    """String literals of ``source``, and str / os.PathLike values of the names it uses.

    A value whose own methods raise (anything, ``SystemExit`` included) is left out and
    reported to ``on_error(name, exception)``."""
    tree = _parse(source)
    if tree is None:
        return []
    found: list[str] = []
    seen: set[str] = set()
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.Name) and node.id in namespace:
            try:
                text = _name_value(namespace[node.id])
            except BaseException as exc:  # a user object's __fspath__ / __getattribute__
                if on_error is not None:
                    on_error(node.id, exc)
                continue
        if text is not None and text not in seen and _looks_like_path(text):
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
    """A JSON-able copy of ``value``: scalars, lists and string-keyed dicts of them; else repr.

    Whatever the value's own methods raise (``__len__``, ``__repr__``, ``__getattribute__``...)
    propagates: callers skip the value and say so in the record."""
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
    text = repr(value)
    if not isinstance(text, str):
        raise TypeError(f"__repr__ returned {type(text).__name__}, not str")
    return text if len(text) <= 500 else text[:497] + "..."


def plain_value(value):
    """``value`` as a bool, int, float or str (numpy scalars converted; other numbers such as
    Decimal, Fraction or a framework's one-element tensor through ``float()``), else None.
    Whatever the value's own methods raise propagates."""
    if isinstance(value, bool):
        return bool(value)
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if (type(value).__module__ or "").startswith("numpy"):
        item = jsonable(value) if getattr(value, "ndim", 0) == 0 else None
        return item if isinstance(item, (bool, int, float, str)) else None
    if not isinstance(value, (bytes, bytearray)) and callable(getattr(type(value), "__float__",
                                                                      None)):
        return float(value)
    return None


def shown(value) -> str:
    """A short, safe description of a user's value for notes: a str's repr, else its type."""
    if type(value) is str:
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    if value is None or type(value) in (int, float, bool):
        return repr(value)
    return f"<{type(value).__name__}>"


def plain_metrics(values: dict, on_error=None) -> tuple[dict, list[str]]:
    """The float / int / str values of a metrics dict (numpy scalars converted), and the keys
    that were left out as not plain. A value (or key) whose own methods raise is left out and
    reported to ``on_error(shown key, exception)``."""
    kept: dict = {}
    skipped: list[str] = []
    for key, value in list(values.items()):
        try:
            item = plain_value(value) if type(key) is str else None
            if item is None:
                skipped.append(key if type(key) is str else shown(key))
            else:
                kept[key] = item
        except BaseException as exc:  # a user value's __float__ / __getattribute__ ...
            if on_error is None:
                raise
            on_error(shown(key), exc)
    return kept, skipped
