"""Golden trees: each sample's generated package, file by file, against tests/golden/<sample>/.

Refresh after an intended change with ``pytest tests/test_golden.py --update-golden`` and review
the diff. Versions, the Python floor and the platform depend on the environment, so they are
normalised (the set of locked distributions is not: it is this environment's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.codegen import generate_package, package_name_for
from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import read_notebook

from conftest import SAMPLE_NAMES, SAMPLES

GOLDEN = Path(__file__).parent / "golden"
PIN = re.compile(r'"([A-Za-z0-9_.\-\[\]]+)(==|~=|>=)[^"]+"')
LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==\S+$", re.MULTILINE)
PYTHON_FLOOR = re.compile(r'requires-python = ">=[0-9.]+"')
PYTHON_LOCKED = re.compile(r"\(Python [0-9.]+, \w+\)")
PYTHON_SETUP = re.compile(r"(Set up Python |python-version: )\"?[0-9.]+\"?")


def normalise(path: str, text: str) -> str:
    if path.endswith("pyproject.toml"):
        text = PIN.sub(r'"\1\2<version>"', text)
        text = PYTHON_FLOOR.sub('requires-python = ">=<this python>"', text)
    if path.endswith("requirements.lock"):
        text = LOCKED.sub(r"\1==<pinned>", text)
        text = PYTHON_LOCKED.sub("(<this python>)", text)
    if path.startswith(".github/workflows/"):
        text = PYTHON_SETUP.sub(r"\1<this python>", text)
    return text


def generated(name: str, result_names: tuple[str, ...] | None = None) -> dict[str, str]:
    nb = read_notebook(SAMPLES / "executed" / f"{name}.ipynb")
    graph = build_graph(nb) if result_names is None else build_graph(nb, result_names=result_names)
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


# Several result names make sets in the generated code (their order depends on the hash seed).
RESULT_NAMES = ("metrics", "model", "report", "scores", "summary")
_IN_SUBPROCESS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import test_golden
names = tuple(sys.argv[2].split(","))
print(json.dumps({n: test_golden.generated(n, names) for n in test_golden.SAMPLE_NAMES}))
"""


def generated_with_hash_seed(seed: int) -> dict[str, dict[str, str]]:
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    done = subprocess.run([sys.executable, "-c", _IN_SUBPROCESS, str(Path(__file__).parent),
                           ",".join(RESULT_NAMES)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_generation_does_not_depend_on_the_hash_seed():
    """Two processes with other hash seeds generate every file alike (and alike to this one)."""
    first, second = generated_with_hash_seed(1), generated_with_hash_seed(2)
    for name in SAMPLE_NAMES:
        assert first[name] == second[name], name
        assert first[name] == generated(name, RESULT_NAMES), name
