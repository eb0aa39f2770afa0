"""``-p NAME VALUE`` parsed by the type the parameters cell declares (annotation, else default),
for ``nb2pipe run`` and ``nb2pipe verify``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_lifecycle.run.params import ParameterError, declarations, resolve

from conftest import make_notebook, write_notebook

NB2PIPE = str(Path(sys.executable).parent / "nb2pipe")
PARAMS = ("features = ['a']\n"
          "flag = False\n"
          "threshold: float = 1\n"
          "limit: int | None = None\n"
          "options: dict[str, int] = {}\n"
          "names: 'list[str]' = None\n"
          "label = 'x'\n"
          "anything = len('ab')")
NB = make_notebook([(PARAMS, ["parameters"])])


def fit(*pairs):
    return resolve(NB, list(pairs), [], "nb.ipynb")


def test_declared_types_come_from_annotations_then_defaults():
    found = declarations(NB)
    assert {n: d.kind for n, d in found.items()} == {
        "features": list, "flag": bool, "threshold": float, "limit": int, "options": dict,
        "names": list, "label": str, "anything": None}


def test_lists_and_dicts_parse_from_json_or_python_literals():
    assert fit(("features", '["a", "b"]')) == {"features": ["a", "b"]}
    assert fit(("features", "('a', 'b')")) == {"features": ["a", "b"]}
    assert fit(("names", '["x"]')) == {"names": ["x"]}  # default None, annotated list
    assert fit(("options", '{"depth": 3, "on": true}')) == {"options": {"depth": 3, "on": True}}
    assert fit(("options", "{'depth': 3}")) == {"options": {"depth": 3}}


@pytest.mark.parametrize("text, value", [("true", True), ("False", False), ("1", True),
                                         ("0", False), ("yes", True), ("NO", False)])
def test_bool_accepts_the_usual_words(text, value):
    assert fit(("flag", text)) == {"flag": value}


def test_float_accepts_an_int_and_optional_int_takes_an_int():
    got = fit(("threshold", "2"), ("limit", "5"))
    assert got == {"threshold": 2.0, "limit": 5} and isinstance(got["threshold"], float)
    assert fit(("limit", "None")) == {"limit": None}


def test_a_value_that_does_not_fit_names_parameter_type_and_value():
    with pytest.raises(ParameterError) as info:
        fit(("features", "a,b"), ("flag", "maybe"), ("threshold", "high"), ("options", "[1]"))
    message = str(info.value)
    assert "parameter 'features' expects list (JSON or Python) (default ['a']), got a,b" in message
    assert "parameter 'flag' expects bool (true/false, yes/no or 1/0) (default False), got maybe" \
        in message
    assert "parameter 'threshold' expects float (declared float, default 1), got high" in message
    assert "parameter 'options' expects dict (JSON or Python) (declared dict[str, int], " \
        "default {}), got [1]" in message


def test_untyped_and_string_parameters_keep_their_old_behaviour():
    assert fit(("anything", "[1, 2]"), ("label", "123")) == {"anything": "[1, 2]", "label": "123"}


def test_unknown_parameters_are_still_an_input_error_listing_the_known_ones():
    with pytest.raises(ParameterError) as info:
        fit(("featurs", '["a"]'))
    assert str(info.value) == ("'featurs' is not a parameter of nb.ipynb (parameters: features, "
                               "flag, threshold, limit, options, names, label, anything)")


SMALL = [
    ("import json", ["lifecycle:setup"]),
    ("features = ['a']\nscale: float = 1\nverbose = False", ["parameters"]),
    ("picked = [f.upper() for f in features]", ["lifecycle:prepare"]),
    ("metrics = {'n': len(picked) * scale, 'verbose': verbose}", ["lifecycle:evaluate"]),
]


def test_run_passes_a_list_a_float_and_a_bool(tmp_path, env):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    done = subprocess.run([NB2PIPE, "run", "small.ipynb", "-p", "features", '["a", "b"]',
                           "-p", "scale", "2", "-p", "verbose", "yes", "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["params"] == {"features": ["a", "b"], "scale": 2.0, "verbose": True}
    assert record["metrics"] == {"n": 4.0, "verbose": True}


@pytest.mark.parametrize("command", ["run", "verify"])
def test_a_bad_value_exits_2_before_anything_runs(tmp_path, env, command):
    write_notebook(tmp_path / "small.ipynb", SMALL)
    done = subprocess.run([NB2PIPE, command, "small.ipynb", "-p", "features", "a b"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "parameter 'features' expects list" in done.stderr and "got a b" in done.stderr
    assert not list(tmp_path.glob("*_pipeline"))  # verify converted nothing
