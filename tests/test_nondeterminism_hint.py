"""When two runs of a notebook disagree, ``verify`` names the likely cause. Only a call that
draws random numbers no seed fixes may be named "unseeded": an estimator without randomness
(k-nearest neighbours, least squares) never is, and the doctor's randomness check agrees."""

from __future__ import annotations

import pytest

from jupyter_lifecycle.api import load_graph
from jupyter_lifecycle.doctor import diagnose
from jupyter_lifecycle.verify.compare import NONDETERMINISTIC, Comparison, ValueCheck
from jupyter_lifecycle.verify.nondeterminism import unseeded_suspect

from conftest import write_notebook

IMPORTS = ("import numpy as np\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n"
           "from sklearn.linear_model import LinearRegression\n"
           "from sklearn.model_selection import KFold, train_test_split\n"
           "from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor", [])
DATA = ("xs = [[1.0], [2.0], [3.0], [4.0]]\nys = [0, 1, 0, 1]\ndf = pd.DataFrame({'x': [1, 2, 3]})",
        ["lifecycle:ingest"])


@pytest.fixture(autouse=True)
def _own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "store" / "runs.sqlite"))


def _suspect(tmp_path, train: str, setup: str = "") -> str | None:
    cells = [IMPORTS, DATA, (train + "\nscore = 1", ["lifecycle:train"])]
    if setup:
        cells.insert(1, (setup, ["lifecycle:setup"]))
    graph = load_graph(write_notebook(tmp_path / "nb.ipynb", cells))
    assert not graph.errors, graph.errors
    comparison = Comparison(values=[ValueCheck("train", "score", "a", "b", NONDETERMINISTIC)])
    return unseeded_suspect(graph, comparison)


def test_an_estimator_without_randomness_is_not_named_but_the_random_call_after_it_is(tmp_path):
    suspect = _suspect(tmp_path, "knn = KNeighborsRegressor(n_neighbors=1).fit(xs, ys)\n"
                                 "lin = LinearRegression().fit(xs, ys)\n"
                                 "noise = np.random.rand(2)")
    assert suspect == "likely unseeded: cell 2 line 3: np.random.rand"


def test_a_step_without_a_random_call_has_no_unseeded_suspect(tmp_path):
    assert _suspect(tmp_path, "knn = KNeighborsClassifier(3).fit(xs, ys)\n"
                              "lin = LinearRegression().fit(xs, ys)\nfolds = KFold(2)") is None


def test_a_global_generator_seeded_above_is_not_a_suspect(tmp_path):
    suspect = _suspect(tmp_path, "noise = np.random.rand(2)\nforest = RandomForestClassifier()",
                       setup="np.random.seed(0)")
    assert suspect == "likely unseeded: cell 3 line 2: RandomForestClassifier"


# (train cell, whether it draws random numbers no seed fixes)
CALLS = [
    ("m = KNeighborsClassifier(3)", False),
    ("m = KNeighborsRegressor(n_neighbors=2)", False),
    ("m = LinearRegression()", False),
    ("m = RandomForestClassifier()", True),
    ("m = RandomForestClassifier(random_state=0)", False),
    ("parts = train_test_split(xs, ys)", True),
    ("parts = train_test_split(xs, ys, random_state=1)", False),
    ("folds = KFold(2)", False),
    ("folds = KFold(2, shuffle=True)", True),
    ("noise = np.random.rand(3)", True),
    ("rng = np.random.default_rng()", True),
    ("rng = np.random.default_rng(7)", False),
    ("rows = df.sample(2)", True),
    ("rows = df.sample(2, random_state=0)", False),
]


@pytest.mark.parametrize("train, random", CALLS, ids=[c for c, _ in CALLS])
def test_verify_and_the_doctor_name_the_same_calls_unseeded(tmp_path, train, random):
    named = _suspect(tmp_path, train)
    assert (named is not None) == random, named
    if random:
        assert named.startswith("likely unseeded: cell 2 line 1: ")
    found = [f for f in diagnose(tmp_path / "nb.ipynb").findings if f.check.startswith("randomness.")]
    assert bool(found) == random, found
