"""Shared helpers: build small notebooks in memory or on disk."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_notebooks"
SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.ipynb"))


def make_notebook(cells, *, language="python", minor=5) -> dict:
    """cells: list of (source, tags) or (source, tags, cell_type) tuples, or plain sources."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": language}
    for i, spec in enumerate(cells):
        if isinstance(spec, str):
            spec = (spec, [])
        source, tags, *rest = spec
        kind = rest[0] if rest else "code"
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        cell = maker(source, id=f"c{i}")
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nb.nbformat_minor = minor
    return nb


def copied_sample(tmp_path: Path, name: str) -> Path:
    """A sample notebook copied into ``tmp_path``: runs of it (verify, the generated tests) run
    in the notebook's folder, and must not write model files into the source tree."""
    import shutil

    target = tmp_path / "samples" / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / f"{name}.ipynb", target)
    return target


def write_notebook(path: Path, cells, **kwargs) -> Path:
    path.write_text(json.dumps(make_notebook(cells, **kwargs), indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own analysis cache, so no test depends on another's."""
    monkeypatch.setenv("NB2PIPE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def venv_env():
    """Environment for subprocesses that must use this interpreter's tools."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@pytest.fixture
def env(venv_env, tmp_path):
    """Subprocess environment with an isolated run store (and wide rich tables)."""
    return {**venv_env, "JUPYTER_LIFECYCLE_STORE": str(tmp_path / "store" / "runs.sqlite"),
            "COLUMNS": "200"}


def snapshot(root: Path) -> dict:
    """Every file's bytes and mtime, and every directory, under ``root`` (to prove nothing moved)."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_dir():
            state[rel + "/"] = None
        else:
            state[rel] = (path.read_bytes(), path.stat().st_mtime_ns)
    return state


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current converter output")
