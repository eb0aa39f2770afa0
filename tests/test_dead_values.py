"""Dead values: what a step computes and nothing later reads gets a note; --prune leaves it out,
and the signatures and imports narrow with it, without changing what the pipeline computes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import parse_notebook

from conftest import make_notebook, write_notebook
from test_faithful import run_package, undefined_names

SETUP, PARAMS = ["lifecycle:setup"], ["parameters"]
ING, TRAIN, EVAL = ["lifecycle:ingest"], ["lifecycle:train"], ["lifecycle:evaluate"]

CELLS = [
    ("import json\nimport statistics", SETUP),
    ("scale = 2", PARAMS),
    ("xs = [1.0, 2.0, 4.0]\nnames = ['a', 'b', 'c']", ING),
    ("model = [v * scale for v in xs]\n"
     "table = json.dumps(dict(zip(names, model)))\n"  # only `ranked` reads it: dead too
     "ranked = sorted(table)\n"  # read by nothing
     "for i in range(2):\n    model.append(float(i))\n"  # a loop variable is not a dead value
     "spread = statistics.pstdev(model)", TRAIN),
    ("metrics = {'n': len(model), 'spread': round(spread, 3)}", EVAL),
]


def graph_of(cells, prune=False):
    return build_graph(parse_notebook(json.dumps(make_notebook(cells)), "nb.ipynb"), prune=prune)


def notes(graph, code):
    return [d for d in graph.diagnostics if d.code == code]


def test_a_value_nothing_reads_gets_a_note_naming_its_cell_and_line():
    g = graph_of(CELLS)
    (dead,) = notes(g, "dead-value")
    assert (dead.location.cell_index, dead.location.line) == (3, 3)
    assert dead.message.startswith("`ranked` computed in step 'train' is read by nothing later")
    assert "--prune" in dead.message
    assert g.stage("train").inputs == ("xs", "names") and "json" in g.stage("train").uses


def test_prune_leaves_out_dead_values_until_none_is_left_and_narrows_the_step():
    g = graph_of(CELLS, prune=True)
    pruned = sorted((d.location.cell_index, d.location.line) for d in notes(g, "pruned"))
    assert pruned == [(2, 2), (3, 2), (3, 3)]  # ranked, then table, then names (read by table)
    assert notes(g, "dead-value") == [] and g.errors == ()
    train = g.stage("train")
    assert train.inputs == ("xs",) and "json" not in train.uses  # names and json went with them
    assert g.stage("ingest").outputs == ("xs",)


@pytest.mark.parametrize("statement", [
    "path = save(model)",  # a function call may write a file
    "fitted = model.fit([2.0])",  # fit changes model
    "first = model.pop()",  # pop changes model
])
def test_statements_with_effects_are_never_pruned(statement):
    cells = [("def save(m):\n    return str(m)", SETUP),
             ("class M(list):\n    def fit(self, v):\n        return self\nmodel = M([1.0])", ING),
             (statement, TRAIN), ("metrics = {'n': len(model)}", EVAL)]
    g = graph_of(cells, prune=True)
    assert notes(g, "pruned") == [] and len(notes(g, "dead-value")) == 1


@pytest.mark.e2e
def test_a_pruned_package_is_lint_clean_and_computes_what_the_notebook_computes(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", CELLS)
    full = convert(nb, tmp_path / "full", package="full_pkg")
    pruned = convert(nb, tmp_path / "pruned", package="pruned_pkg", prune=True)
    assert full.errors == [] == pruned.errors
    train = (tmp_path / "pruned" / "src" / "pruned_pkg" / "stages" / "train.py").read_text()
    assert "import json" not in train and "ranked" not in train and "table" not in train
    assert re.search(r"def train\(xs\b[^,]*, scale\b[^,]*\)", train), train
    assert run_package(tmp_path / "pruned", "pruned_pkg") == run_package(tmp_path / "full", "full_pkg") \
        == {"n": 5, "spread": 2.828}  # pstdev([2, 4, 8, 0, 1])
    assert undefined_names(tmp_path / "pruned") == []
    assert ruff_findings(tmp_path / "pruned") == []
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=tmp_path / "pruned", capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout[-3000:]


CLASSIC_RUFF_RULES = "E4,E7,E9,F"  # ruff's default rule set before 0.17 widened it


def ruff_findings(root: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                           CLASSIC_RUFF_RULES, "--output-format", "concise", "--no-cache", str(root)],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith(str(root))]


def test_a_computed_constant_moved_to_helpers_is_not_computed_again_in_its_step(tmp_path):
    # the textbook habit: IMAGES_PATH built in setup from constants, read only by save_fig: it
    # lives in helpers.py, and the setup step must not keep an unused copy (ruff F841)
    cells = [
        ("import os\nimport random\nrandom.seed(0)\nROOT = 'out'\nCHAPTER = 'ch2'\n"
         "IMAGES_PATH = os.path.join(ROOT, 'images', CHAPTER)\n"
         "def figure_path(name):\n    return os.path.join(IMAGES_PATH, name + '.png')", SETUP),
        ("paths = [figure_path(n) for n in ('a', 'b')]", ING),
        ("metrics = {'paths': paths, 'draw': random.random()}", EVAL),
    ]
    nb = write_notebook(tmp_path / "nb.ipynb", cells)
    result = convert(nb, tmp_path / "out", package="pkg")
    assert result.errors == []
    pkg = tmp_path / "out" / "src" / "pkg"
    assert "IMAGES_PATH = os.path.join(ROOT, 'images', CHAPTER)" in (pkg / "helpers.py").read_text()
    setup = (pkg / "stages" / "setup.py").read_text()
    assert "random.seed(0)" in setup and "IMAGES_PATH" not in setup
    assert ruff_findings(tmp_path / "out") == [] and undefined_names(tmp_path / "out") == []
    import random

    random.seed(0)
    expected = {"paths": [os.path.join("out", "images", "ch2", n + ".png") for n in ("a", "b")],
                "draw": random.random()}
    assert run_package(tmp_path / "out", "pkg") == expected
