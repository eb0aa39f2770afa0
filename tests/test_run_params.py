"""``nb2pipe run`` parameters: papermill's -p parsing, files, checks against the notebook."""

from __future__ import annotations

import pytest
from papermill.cli import _resolve_type

from jupyter_lifecycle.run.params import ParameterError, declared, parse_value, read_file, resolve

from conftest import make_notebook

NB = make_notebook([("a = 1\nb = 0.5\nc = 'x'\nd = [1]\nflag = False\ne = None\nf = len('ab')",
                     ["parameters"])])


@pytest.mark.parametrize("text", ["10", "-3", "0.5", "1e3", "nan", "True", "False", "None",
                                  "true", "abc", "", "[1, 2]", "0x10", " 7 ", "1_000"])
def test_parse_value_agrees_with_papermill(text):
    got, expected = parse_value(text), _resolve_type(text)
    assert type(got) is type(expected)
    assert got == expected or (got != got and expected != expected)  # nan


def test_declared_defaults():
    values = declared(NB)
    assert values["a"] == 1 and values["d"] == [1] and values["e"] is None
    assert values["f"] is not None and "f" in values  # not a literal: any value fits
    assert declared(make_notebook(["x = 1"])) is None


def test_resolve_fits_types_and_reports_every_problem(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("a: 2\nc: 2026-01-02\nd: [3, 4]\n")
    got = resolve(NB, [("b", "2"), ("c", "123"), ("f", "anything"), ("flag", "True")],
                  [str(params)], "nb.ipynb")
    assert got == {"a": 2, "c": "123", "d": [3, 4], "b": 2.0, "f": "anything", "flag": True}
    assert isinstance(got["b"], float)
    assert resolve(NB, [("d", "[5, 6]")], [], "nb.ipynb") == {"d": [5, 6]}
    assert resolve(NB, [("c", "2026-01-02")], [], "nb.ipynb") == {"c": "2026-01-02"}
    with pytest.raises(ParameterError) as info:
        resolve(NB, [("a", "x"), ("zz", "1"), ("flag", "maybe")], [], "nb.ipynb")
    message = str(info.value)
    assert "'a' expects int" in message and "'zz' is not a parameter" in message
    assert "'flag' expects bool" in message
    assert read_file(params)["c"] == "2026-01-02"  # dates stay strings, as in papermill
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(ParameterError, match="mapping"):
        read_file(tmp_path / "list.json")
