"""Stable fingerprints: equal values hash equal across copies and processes; changes are seen."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge

from jupyter_lifecycle.capture.fingerprint import fingerprint

X = np.arange(12, dtype=float).reshape(4, 3)
y = np.array([0.0, 1.0, 0.0, 1.0])


def test_numbers_strings_and_containers():
    assert fingerprint(1) != fingerprint(1.0) != fingerprint("1")
    assert fingerprint(True) != fingerprint(1)
    assert fingerprint(float("nan")) == fingerprint(float("nan"))
    assert fingerprint([1, 2]) != fingerprint((1, 2))
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({1, 2, 3}) == fingerprint({3, 2, 1})
    assert fingerprint(Path("data.csv")) == fingerprint(Path("data.csv"))


def test_numpy_arrays_by_dtype_shape_and_content():
    assert fingerprint(X) == fingerprint(X.copy())
    assert fingerprint(X[:, ::2]) == fingerprint(np.ascontiguousarray(X[:, ::2]))
    assert fingerprint(X) != fingerprint(X.T)
    assert fingerprint(X) != fingerprint(X.astype(np.float32))
    assert fingerprint(X) != fingerprint(X.reshape(3, 4))
    assert fingerprint(np.float64(0.5)) == fingerprint(0.5)


def test_pandas_objects_by_columns_index_dtypes_and_values():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    assert fingerprint(df) == fingerprint(df.copy())
    assert fingerprint(df) != fingerprint(df.rename(columns={"a": "c"}))
    assert fingerprint(df) != fingerprint(df.set_axis([5, 6]))
    assert fingerprint(df) != fingerprint(df.assign(a=[1.0, 2.5]))
    assert fingerprint(df["a"]) == fingerprint(df["a"].copy())
    assert fingerprint(df["a"]) != fingerprint(df["a"].rename("z"))


def test_estimators_by_parameters_and_fitted_state():
    a, b = Ridge(alpha=1.0).fit(X, y), Ridge(alpha=1.0).fit(X, y)
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(Ridge(alpha=2.0).fit(X, y))
    assert fingerprint(Ridge()) != fingerprint(a)  # unfitted vs fitted
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    assert fingerprint(forest) == fingerprint(RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y))
    assert fingerprint(forest) != fingerprint(RandomForestClassifier(n_estimators=3, random_state=1).fit(X, y))


def test_unhashable_values_say_so():
    with open(__file__) as fh:
        assert fingerprint(fh) is None
    assert fingerprint(x for x in range(3)) is None
    assert fingerprint([1, object()]) is None


class RunLog:
    def __init__(self, n, scores):
        self.n = n
        self.scores = np.asarray(scores, dtype=float)
        self.summary = {"mean": float(np.mean(scores))}
        self.report = lambda: "not state"  # callables are not state
        self._cache = object()  # private: not state


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y


def test_other_objects_by_class_and_public_numeric_state():
    assert fingerprint(RunLog(3, [0.5, 0.7])) == fingerprint(RunLog(3, [0.5, 0.7]))
    assert fingerprint(RunLog(3, [0.5, 0.7])) != fingerprint(RunLog(3, [0.5, 0.8]))
    assert fingerprint(RunLog(3, [0.5])) != fingerprint(RunLog(4, [0.5]))
    assert fingerprint(Point(1, 2)) == fingerprint(Point(1, 2)) != fingerprint(Point(2, 1))
    nested = [RunLog(1, [1.0]), {"p": Point(0, 0)}]
    assert fingerprint(nested) is not None and fingerprint(nested) == fingerprint(
        [RunLog(1, [1.0]), {"p": Point(0, 0)}])
    assert fingerprint(object()) is None and fingerprint(len) is None and fingerprint(np) is None
    assert fingerprint(lambda: 1) is None and fingerprint(RunLog) is None


def test_a_class_counts_by_its_name_not_its_module():
    """The notebook's class lives in __main__, the generated package's in <pkg>.helpers."""
    moved = type("RunLog", (RunLog,), {"__module__": "nb_pipeline.helpers"})
    moved.__qualname__ = "RunLog"
    assert fingerprint(moved(3, [0.5])) == fingerprint(RunLog(3, [0.5]))


def test_statsmodels_results_are_compared_by_their_estimates():
    import statsmodels.formula.api as smf

    frame = pd.DataFrame({"x": np.arange(12.0), "y": np.arange(12.0) * 2 + np.sin(np.arange(12.0))})
    fit = smf.ols("y ~ x", data=frame).fit()
    assert fingerprint(fit) is not None
    assert fingerprint(fit) == fingerprint(smf.ols("y ~ x", data=frame.copy()).fit())
    other = frame.assign(y=frame["y"] + np.linspace(0, 1, 12))
    assert fingerprint(fit) != fingerprint(smf.ols("y ~ x", data=other).fit())


def test_fingerprints_are_stable_across_processes():
    code = ("import numpy as np, pandas as pd; from jupyter_lifecycle.capture.fingerprint import fingerprint; "
            "print(fingerprint({'x': np.arange(5.0), 'df': pd.DataFrame({'a': [1, 2]}), 's': 'text'}))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and len(outs.pop().strip()) == 64


def test_a_search_counts_by_what_it_found_not_how_long_it_took():
    from sklearn.model_selection import GridSearchCV

    def search():
        return GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2).fit(X, y)

    first, second = search(), search()
    assert first.cv_results_["mean_fit_time"].tolist() != second.cv_results_["mean_fit_time"].tolist() \
        or first.refit_time_ != second.refit_time_  # timings differ between two runs ...
    assert fingerprint(first) == fingerprint(second)  # ... what was found does not
