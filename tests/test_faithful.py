"""Faithful conversion: small notebooks that run become packages that run and compute the same.

Each case is the smallest notebook that showed a failure on real notebooks. For each: the
conversion succeeds, pyflakes finds no undefined name in the package, the package's generated
tests pass, and ``run()`` computes what running the cells top to bottom computes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pyflakes import api as flakes_api
from pyflakes import messages as flakes_messages
from pyflakes.reporter import Reporter

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.codegen.common import GeneratedFile
from jupyter_lifecycle.notebook import read_notebook

from conftest import write_notebook

ING, PREP, TRAIN, EVAL, MON = ("lifecycle:ingest", "lifecycle:prepare", "lifecycle:train",
                               "lifecycle:evaluate", "lifecycle:monitor")

CASES = {
    "import-used-in-its-own-cell": [
        ("from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)", [ING]),
        ("metrics = {'n': len(X)}", [EVAL]),
    ],
    "from-import-of-a-constant": [
        ("import numpy as np", []),
        ("from numpy import nan\nX = np.array([[1.0, nan]])", [ING]),
        ("metrics = {'n': float(X.shape[1])}", [EVAL]),
    ],
    "def-used-in-its-own-monitor-cell": [
        ("p_old = [0.1, 0.2]\np_new = [0.2, 0.1]", [ING]),
        ("def drift_score(a, b):\n    return sum(abs(x - y) for x, y in zip(a, b))\n"
         "report = {'drift': drift_score(p_old, p_new)}\nmetrics = {'drift': report['drift']}", [MON]),
    ],
    "class-after-a-statement-in-setup": [
        ("import numpy as np\nseed = 1\nnp.random.seed(seed)\nclass RunLog:\n"
         "    def __init__(self, n):\n        self.n = n\nlog = RunLog('x')", []),
        ("metrics = {'n': len(log.n)}", [ING]),
    ],
    "value-printed-in-its-own-cell": [
        ("data = {'a': 1}\nprint(data)\nmetrics = {'a': data['a']}", [ING]),
    ],
    "constants-computed-from-constants": [
        ("import os\nDATA_DIR = 'data'\nTRAIN_PATH = os.path.join(DATA_DIR, 'train.csv')", []),
        ("metrics = {'depth': len(TRAIN_PATH.split(os.sep))}", [ING]),
    ],
    "helper-defined-and-called-in-prepare": [
        ("def scale(a):\n    return a * 2\nscaled = scale(3)", [PREP]),
        ("metrics = {'s': scaled}", [EVAL]),
    ],
    "interleaved-stages-keep-notebook-order": [
        ("x = 1", [ING]), ("m = x + 1", [TRAIN]), ("print(m)\nmetrics = {'m': m}", [EVAL]),
        ("m = x + 100", [TRAIN]),
    ],
    "evaluate-value-read-by-a-later-train-cell": [
        ("xs = [1.0, 2.0, 3.0]", [ING]), ("k = 2", [TRAIN]),
        ("knn = k * 10\nscore = knn / 2", [EVAL]), ("model = knn + 1", [TRAIN]),
        ("metrics = {'score': score, 'model': model}", [EVAL]),
    ],
    "function-redefined-by-a-later-stage": [
        ("def scale(a):\n    return a * 2", []),
        ("x = scale(3)", [PREP]),
        ("def scale(a):\n    return a * 10\ny = scale(3)", [TRAIN]),
        ("metrics = {'x': x, 'y': y}", [EVAL]),
    ],
    "class-and-recursive-function-redefined-in-one-cell": [
        ("def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
         "class Model:\n    k = 1\na = Model().k + depth(2)\n"
         "def depth(n):\n    return 0 if n == 0 else 10 + depth(n - 1)\n"
         "class Model:\n    k = 2\nb = Model().k + depth(2)", [TRAIN]),
        ("def depth(n):\n    return -n\nc = depth(4)\nmetrics = {'a': a, 'b': b, 'c': c}", [EVAL]),
    ],
}
EXPECTED = {
    "function-redefined-by-a-later-stage": {"x": 6, "y": 30},
    "class-and-recursive-function-redefined-in-one-cell": {"a": 3, "b": 22, "c": -4},
    "interleaved-stages-keep-notebook-order": {"m": 2},
    "evaluate-value-read-by-a-later-train-cell": {"score": 10.0, "model": 21},
    "import-used-in-its-own-cell": {"n": 150},
    "from-import-of-a-constant": {"n": 2.0},
    "def-used-in-its-own-monitor-cell": {"drift": pytest.approx(0.2)},
    "class-after-a-statement-in-setup": {"n": 1},
    "value-printed-in-its-own-cell": {"a": 1},
    "constants-computed-from-constants": {"depth": 2},
    "helper-defined-and-called-in-prepare": {"s": 6},
}


def undefined_names(root: Path) -> list[str]:
    return pyflakes_findings(root, (flakes_messages.UndefinedName, flakes_messages.UndefinedLocal))


def unused_imports(root: Path) -> list[str]:
    return pyflakes_findings(root, (flakes_messages.UnusedImport,))


def pyflakes_findings(root: Path, kinds: tuple[type, ...]) -> list[str]:
    found: list[str] = []

    class Collect(Reporter):
        def __init__(self):
            super().__init__(sys.stdout, sys.stderr)

        def flake(self, message):
            if isinstance(message, kinds):
                found.append(str(message))

        def syntaxError(self, filename, msg, lineno, offset, text):
            found.append(f"{filename}:{lineno}: {msg}")

    flakes_api.checkRecursive([str(root)], Collect())
    return found


def run_package(out: Path, package: str) -> dict:
    code = (f"import json, sys; sys.path.insert(0, 'src'); from {package}.pipeline import run; "
            f"from {package}.params import Params; "
            "print(json.dumps(run(Params(), record=False)['metrics']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_package_runs_and_computes_what_the_notebook_computes(tmp_path, case):
    nb = write_notebook(tmp_path / "nb.ipynb", CASES[case])
    result = convert(nb, tmp_path / "out", package="pkg")
    assert result.errors == [] and result.written, [str(d) for d in result.errors]
    assert undefined_names(tmp_path / "out") == [] and unused_imports(tmp_path / "out") == []
    assert run_package(tmp_path / "out", "pkg") == EXPECTED[case]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=tmp_path / "out", capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout[-3000:]


# -- the self-check: an undefined name in generated code is our bug, and nothing is written ---

def test_a_generated_module_with_an_undefined_name_fails_the_conversion(tmp_path, monkeypatch):
    from jupyter_lifecycle import api

    nb = write_notebook(tmp_path / "nb.ipynb", CASES["helper-defined-and-called-in-prepare"])
    real = api.generate_package

    def broken(graph, package, **kwargs):
        files, notes = real(graph, package, **kwargs)
        files = [GeneratedFile(f.path, f.text.replace("scaled = scale(3)", "scaled = scale(3) + lost"),
                               f.provenance) for f in files]
        return files, notes

    monkeypatch.setattr(api, "generate_package", broken)
    result = convert(nb, tmp_path / "out", package="pkg")
    assert not result.written and not (tmp_path / "out").exists()
    [error] = result.errors
    assert error.code == "generated-undefined-name"
    assert "'lost'" in error.message and "stages/prepare.py" in error.message
    assert (error.location.cell_index, error.location.cell_id) == (0, "c0")


def test_self_check_knows_pythons_scoping(tmp_path):
    from jupyter_lifecycle.codegen.selfcheck import check_generated

    nb = read_notebook(write_notebook(tmp_path / "nb.ipynb", ["x = 1"]))
    clean = ("import os\nfrom .helpers import a\nX = 1\n\ndef f(p, *, q=X):\n    global G\n"
             "    G = 2\n    return [p, q, os.sep, a, len, [i for i in range(3)], G]\n\n"
             "class C:\n    k = 1\n    m = k + X\n")
    assert check_generated([GeneratedFile("m.py", clean, "t")], nb) == []
    broken = clean + "\ndef g():\n    return C.k + missing\n"
    [problem] = check_generated([GeneratedFile("m.py", broken, "t")], nb)
    assert "'missing'" in problem.message
    [syntax] = check_generated([GeneratedFile("m.py", "def f(:\n", "t")], nb)
    assert syntax.code == "generated-syntax"


def test_cli_exits_non_zero_and_names_the_module(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from jupyter_lifecycle import api
    from jupyter_lifecycle.cli import main

    nb = write_notebook(tmp_path / "nb.ipynb", CASES["helper-defined-and-called-in-prepare"])
    real = api.generate_package
    monkeypatch.setattr(api, "generate_package", lambda graph, package, **kw: (
        [GeneratedFile(f.path, f.text + ("\nprint(ghost)\n" if f.path.endswith("pipeline.py") else ""),
                       f.provenance) for f in real(graph, package, **kw)[0]], []))
    result = CliRunner().invoke(main, ["convert", str(nb), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "ghost" in result.output and "pipeline.py" in result.output
    assert not (tmp_path / "out").exists()
