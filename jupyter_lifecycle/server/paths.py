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
    shown = text if len(text) <= 200 else text[:200] + "..."
    try:
        real = Path(os.path.realpath(candidate))
        if real != real_root and real_root not in real.parents:
            raise PathRefused("the path leaves the server root")
        if must_exist:
            if not real.exists():
                raise PathMissing(f"no such {kind}: {shown}")
            if kind == "file" and not real.is_file():
                raise PathMissing(f"not a file: {shown}")
    except OSError as exc:  # a name too long, a loop of links...
        raise PathRefused(f"invalid path: {exc.strerror or type(exc).__name__}") from None
    return real


def to_api_path(root: str | os.PathLike, path: str | os.PathLike) -> str:
    """``path`` relative to the root, with forward slashes (or the name alone if outside)."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    try:
        return real.relative_to(real_root).as_posix()
    except ValueError:
        return real.name


# The markers capture uses to find a project's root (``jupyter_lifecycle.capture._config``).
STORE_MARKERS = (".lifecycle", ".git", "pyproject.toml")
STORE_DIR, STORE_NAME = ".lifecycle", "runs.sqlite"


def inside(root: str | os.PathLike, path: str | os.PathLike) -> bool:
    """``path`` (absolute; symlinks followed) is the root or lies below it."""
    if not os.path.isabs(path):
        return False
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    return real == real_root or real_root in real.parents


def run_store_path(root: str | os.PathLike, start: Path, explicit: str | None = None) -> Path:
    """The run store the server reads for ``start`` (a real path inside the root).

    Found as capture finds it (the nearest folder at or above ``start`` holding a marker, else
    the folder of ``start``), but never above the root. ``explicit`` (the configured store) is
    used only when it lies inside the root. A ``.lifecycle`` folder or a store file that is a
    link is refused (PathRefused), so a link cannot lead the server out of its root.
    """
    real_root = Path(os.path.realpath(root))
    folder = start if start.is_dir() else start.parent
    if explicit and inside(real_root, explicit):
        store = Path(os.path.abspath(explicit))
    else:
        chain = [folder, *[p for p in folder.parents if p == real_root or real_root in p.parents]]
        home = next((f for f in chain if any(os.path.lexists(f / m) for m in STORE_MARKERS)),
                    folder)
        store = home / STORE_DIR / STORE_NAME
    links = [p for p in (store.parent, store, *(store.with_name(store.name + s)
                                                for s in ("-wal", "-shm", "-journal")))
             if p.is_symlink()]
    if links:
        raise PathRefused(f"the run store path {_shown(real_root, links[0])} is a link; the "
                          "server reads only a store that is inside its root")
    if not inside(real_root, store):
        raise PathRefused("the run store is outside the server root")
    return store


def _shown(real_root: Path, path: Path) -> str:
    """``path`` relative to the root without following a link at its end."""
    try:
        return (Path(os.path.realpath(path.parent)).relative_to(real_root) / path.name).as_posix()
    except ValueError:
        return path.name
