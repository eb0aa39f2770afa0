"""API paths → files inside the server's root directory, refusing anything that leaves it."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class PathRefused(Exception):
    """The path leaves the root (``..``, absolute, or a symlink pointing outside): HTTP 403."""


class PathMissing(Exception):
    """Nothing at that path: HTTP 404."""


def resolve_api_path(root: str | os.PathLike, api_path: str | None, *, must_exist: bool = True,
                     kind: str = "file") -> Path:
    """The real path of ``api_path`` (``dir/nb.ipynb``, as the contents API names files).

    Refused: empty, absolute (``/x``, ``C:\\x``, ``~``), any ``..`` part, a NUL byte, or a path
    whose real location (symlinks followed) is outside ``root``.
    """
    if api_path is None or not str(api_path).strip():
        raise PathRefused("no path given")
    text = str(api_path).replace("\\", "/")
    if "\x00" in text:
        raise PathRefused("invalid path")
    pure = PurePosixPath(text)
    if pure.is_absolute() or text.startswith("~") or (len(text) > 1 and text[1] == ":"):
        raise PathRefused("absolute paths are not allowed; use a path relative to the server root")
    if any(part == ".." for part in pure.parts):
        raise PathRefused("'..' is not allowed in paths")
    real_root = Path(os.path.realpath(root))
    candidate = real_root.joinpath(*[p for p in pure.parts if p not in ("", ".")])
    real = Path(os.path.realpath(candidate))
    if real != real_root and real_root not in real.parents:
        raise PathRefused("the path leaves the server root")
    if must_exist:
        if not real.exists():
            raise PathMissing(f"no such {kind}: {text}")
        if kind == "file" and not real.is_file():
            raise PathMissing(f"not a file: {text}")
    return real


def to_api_path(root: str | os.PathLike, path: str | os.PathLike) -> str:
    """``path`` relative to the root, with forward slashes (or the name alone if outside)."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    try:
        return real.relative_to(real_root).as_posix()
    except ValueError:
        return real.name
