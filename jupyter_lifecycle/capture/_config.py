"""Capture configuration, read once from environment variables when capture loads.

=============================== ===============================================================
``JUPYTER_LIFECYCLE_NOTEBOOK``  the notebook's path (else ipykernel's ``__session__`` /
                                ``JPY_SESSION_NAME``; else none: stages stay unknown)
``JUPYTER_LIFECYCLE_KIND``      ``interactive`` | ``papermill`` | ``pipeline``
``JUPYTER_LIFECYCLE_RUN_ID``    the first run's id (default: a new uuid4 hex)
``JUPYTER_LIFECYCLE_STORE``     the sqlite run store (default ``<project root>/.lifecycle/runs.sqlite``)
``JUPYTER_LIFECYCLE_BOUNDARIES`` JSON ``{stage: [names]}``: values fingerprinted when a stage ends
``JUPYTER_LIFECYCLE_OUTPUT``    the executed notebook's path (set by ``nb2pipe run``)
=============================== ===============================================================

The project root is found like git finds its root: the nearest folder at or above the notebook
holding ``.lifecycle``, ``.git`` or ``pyproject.toml``; else the notebook's folder (or the
working directory when there is no notebook).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ENV_NOTEBOOK = "JUPYTER_LIFECYCLE_NOTEBOOK"
ENV_KIND = "JUPYTER_LIFECYCLE_KIND"
ENV_RUN_ID = "JUPYTER_LIFECYCLE_RUN_ID"
ENV_STORE = "JUPYTER_LIFECYCLE_STORE"
ENV_BOUNDARIES = "JUPYTER_LIFECYCLE_BOUNDARIES"
ENV_OUTPUT = "JUPYTER_LIFECYCLE_OUTPUT"

KINDS = ("interactive", "papermill", "pipeline")
ROOT_MARKERS = (".lifecycle", ".git", "pyproject.toml")
STORE_DIR = ".lifecycle"
STORE_NAME = "runs.sqlite"


@dataclass
class Config:
    notebook: str | None  # absolute path, or None when unknown
    kind: str
    run_id: str | None
    store: str
    root: str
    boundaries: dict[str, list[str]] = field(default_factory=dict)  # step → names to fingerprint
    # step → {name: the cell after which it is fingerprinted} (else the stage's last cell)
    boundary_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    output: str | None = None
    notes: list[str] = field(default_factory=list)  # configuration problems, kept in the record


def find_root(start: str | os.PathLike) -> Path:
    """The nearest folder at or above ``start`` (a file or folder) holding a root marker."""
    start = Path(os.path.abspath(start))
    first = start if start.is_dir() else start.parent
    for folder in (first, *first.parents):
        for marker in ROOT_MARKERS:
            if os.path.exists(os.path.join(folder, marker)):
                return folder
    return first


def default_store(root: str | os.PathLike) -> Path:
    return Path(root) / STORE_DIR / STORE_NAME


def store_for(start: str | os.PathLike, environ=None) -> Path:
    """The store a command run from ``start`` uses: ``$JUPYTER_LIFECYCLE_STORE`` or the default."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(ENV_STORE)
    if explicit:
        return Path(os.path.abspath(explicit))
    return default_store(find_root(start))


def _resolve_notebook(value: str | None, cwd: str) -> str | None:
    if not value:
        return None
    path = value if os.path.isabs(value) else os.path.join(cwd, value)
    if not os.path.exists(path) and not os.path.isabs(value):
        # JPY_SESSION_NAME may be relative to the server's root, not to the kernel's folder.
        candidate = os.path.join(cwd, os.path.basename(value))
        if os.path.exists(candidate):
            path = candidate
    return os.path.abspath(path)


def boundary_spec(step: str, spec) -> tuple[list[str], dict[str, str]] | None:
    """``[names]``, ``{"after": cell, "names": [...]}`` or ``{"after": {name: cell}, "names":
    [...]}`` → (names, {name: cell}); None when malformed."""
    cells: dict[str, str] = {}
    if isinstance(spec, dict):
        after, spec = spec.get("after"), spec.get("names")
        if not isinstance(spec, list):
            return None
        if isinstance(after, str):
            cells = {name: after for name in spec if isinstance(name, str)}
        elif isinstance(after, dict) and all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in after.items()):
            cells = dict(after)
        else:
            return None
    if not (isinstance(step, str) and isinstance(spec, list) and all(isinstance(n, str) for n in spec)):
        return None
    return list(spec), cells


def _boundaries(text: str | None, notes: list[str]) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """{step: names} (fingerprinted after the stage's last cell), or with the cell after which
    each name is fingerprinted (``boundary_spec``): a stage may have several steps."""
    if not text:
        return {}, {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        notes.append(f"{ENV_BOUNDARIES} is not valid JSON ({exc}); no fingerprints are taken")
        return {}, {}
    names: dict[str, list[str]] = {}
    cells: dict[str, dict[str, str]] = {}
    parsed = [boundary_spec(k, v) for k, v in value.items()] if isinstance(value, dict) else [None]
    if any(p is None for p in parsed):
        notes.append(f"{ENV_BOUNDARIES} must be a JSON object {{step: [names]}} or "
                     "{step: {after: cell id or {name: cell id}, names: [names]}}; "
                     "no fingerprints are taken")
        return {}, {}
    for step, (step_names, step_cells) in zip(value, parsed):
        names[step] = step_names
        if step_cells:
            cells[step] = step_cells
    return names, cells


def from_env(environ=None, *, user_ns=None, cwd: str | None = None,
             default_kind: str = "interactive") -> Config:
    """Read the configuration (cheap: a few environment look-ups and stat calls)."""
    environ = os.environ if environ is None else environ
    cwd = cwd or os.getcwd()
    notes: list[str] = []
    session = (user_ns or {}).get("__session__") if user_ns is not None else None
    raw_notebook = (environ.get(ENV_NOTEBOOK) or (session if isinstance(session, str) else None)
                    or environ.get("JPY_SESSION_NAME"))
    notebook = _resolve_notebook(raw_notebook, cwd)
    kind = environ.get(ENV_KIND) or default_kind
    if kind not in KINDS:
        notes.append(f"{ENV_KIND}={kind!r} is not one of {', '.join(KINDS)}; using {default_kind!r}")
        kind = default_kind
    root = find_root(notebook) if notebook else find_root(cwd)
    store = environ.get(ENV_STORE)
    store = os.path.abspath(store) if store else str(default_store(root))
    output = environ.get(ENV_OUTPUT) or None
    boundary_names, boundary_cells = _boundaries(environ.get(ENV_BOUNDARIES), notes)
    return Config(notebook=notebook, kind=kind, run_id=environ.get(ENV_RUN_ID) or None,
                  store=store, root=str(root), boundaries=boundary_names, boundary_cells=boundary_cells,
                  output=os.path.abspath(output) if output else None, notes=notes)
