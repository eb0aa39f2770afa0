"""Golden trees: each sample's generated package, file by file, against tests/golden/<sample>/.

Refresh after an intended change with ``pytest tests/test_golden.py --update-golden`` and review
the diff. Version pins and the Python floor depend on the environment, so they are normalised.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from jupyter_lifecycle.codegen import generate_package, package_name_for
from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import read_notebook

from conftest import SAMPLE_NAMES, SAMPLES

GOLDEN = Path(__file__).parent / "golden"
PIN = re.compile(r'"([A-Za-z0-9_.\-\[\]]+)==[^"]+"')
PYTHON_FLOOR = re.compile(r'requires-python = ">=[0-9.]+"')


def normalise(path: str, text: str) -> str:
    if path.endswith("pyproject.toml"):
        text = PIN.sub(r'"\1==<pinned>"', text)
        text = PYTHON_FLOOR.sub('requires-python = ">=<this python>"', text)
    return text


def generated(name: str) -> dict[str, str]:
    nb = read_notebook(SAMPLES / "executed" / f"{name}.ipynb")
    graph = build_graph(nb)
    assert not graph.errors, [str(d) for d in graph.errors]
    files, _ = generate_package(graph, package_name_for(nb.path))
    return {f.path: normalise(f.path, f.text) for f in files}


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_generated_tree_matches_golden(name, request):
    files = generated(name)
    folder = GOLDEN / name
    if request.config.getoption("--update-golden"):
        shutil.rmtree(folder, ignore_errors=True)
        for path, text in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text, encoding="utf-8")
    assert folder.is_dir(), f"no golden tree for {name}: run pytest --update-golden"
    expected = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
                for p in folder.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected)
    for path in files:
        assert files[path] == expected[path], f"{name}/{path} differs from the golden copy"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_generation_is_deterministic(name):
    assert generated(name) == generated(name)
