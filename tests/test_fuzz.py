"""The notebook fuzzer: generated notebooks through ``api.convert`` into a temporary folder.

Realistic cells (imports, helpers, a parameters cell, data, training, metrics, gates, tests,
magics) in random order with random stage tags, then mutations of the kind that broke the
converter: odd types for metadata, ids, execution counts and outputs, JSON nested far too deep,
oversized cells, and syntax that only IPython (or only libcst) accepts. Whatever comes in:

* the converter raises nothing but our documented ``LifecycleError`` types,
* every message (exception or diagnostic) names the notebook,
* a conversion with errors writes nothing, and every Python file of one without compiles.

``make test`` runs a few hundred examples with a fixed seed (the same ones each time);
``make fuzz`` runs thousands with fresh randomness: ``NB2PIPE_FUZZ_EXAMPLES=5000``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from jupyter_lifecycle import api
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.errors import LifecycleError

from conftest import make_notebook

FUZZ_EXAMPLES = int(os.environ.get("NB2PIPE_FUZZ_EXAMPLES", "0"))
settings.register_profile(
    "suite", max_examples=150, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "fuzz", max_examples=FUZZ_EXAMPLES or 5000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("fuzz" if FUZZ_EXAMPLES else "suite")

STAGES = ["setup", "ingest", "explore", "prepare", "train", "evaluate", "validate", "deploy",
          "monitor", "test", "skip"]
# Cells in the style of real notebooks, by the stage they usually carry.
REALISTIC = {
    "setup": ["import math", "import json\nimport os", "from collections import Counter",
              "def double(v):\n    return v * 2", "class Box:\n    def __init__(self, v):\n"
              "        self.v = v", "ROOT = 'data'\nPATH = os.path.join(ROOT, 'x.csv')",
              "%matplotlib inline", "!pip install numpy", "%load_ext autoreload\n%autoreload 2"],
    "parameters": ["alpha = 0.5\nn = 3", "seed = 42\nname = 'run'", "flags = [1, 2]"],
    "ingest": ["data = [1.0, 2.0, 3.0]", "rows = [{'a': i} for i in range(5)]",
               "text = 'a,b\\n1,2'\nlines = text.splitlines()"],
    "prepare": ["y = [v * 2 for v in data]", "data = sorted(data)", "data.append(4.0)",
                "clean = [r for r in rows if r['a']]", "counts = Counter(lines)"],
    "train": ["model = sum(data) / len(data)", "weights = {k: double(k) for k in range(3)}",
              "%time model = max(data)"],
    "evaluate": ["metrics = {'mean': model}\nmetrics", "score = model * alpha",
                 "metrics = {'n': len(data), 'score': float(model)}"],
    "validate": ["assert model > 0", "assert metrics['mean'] >= 0, 'bad mean'"],
    "deploy": ["with open('model.json', 'w') as f:\n    json.dump({'m': model}, f)"],
    "test": ["assert double(2) == 4", "assert len(data) > 0"],
    "explore": ["data[:2]", "print(len(data))", "counts.most_common(1)", "data?"],
}
# What IPython or libcst accepts and Python refuses (or the converter must refuse).
ODD_SYNTAX = ["return data", "x = 1\nyield x", "nonlocal data", "r = await f()",
              "async for a in b:\n    pass", "x = 1\x00", "s = 'a\x00'", "break",
              "%%time\nz = 2\nreturn z", "%%bash\necho hi", "files = !ls", "%time return 1",
              "global data\ndata = 1", "from __future__ import annotations",
              "x = " + "(" * 230 + "1" + ")" * 230, "x = " + "+".join(["a"] * 3000),
              "x = " + " or ".join(["a"] * 500), "def f(:\n    pass", "x = [1, 2",
              "f() = 1", "del f()", "import a.b as", "x = 1\n  y = 2", "%%writefile a.py\nx=1",
              "lambda: (yield)", "x = [i async for i in a]", "print 'hi'", "exec('x = 1')"]

json_scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats()
                | st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=8)
tags = st.lists(st.sampled_from([f"lifecycle:{s}" for s in STAGES]
                                + ["lifecycle:trian", "parameters", "injected-parameters",
                                   "lifecycle:fit", "other"]), max_size=2)


@st.composite
def cells(draw):
    kind = draw(st.sampled_from(["realistic"] * 6 + ["odd", "markdown", "garbage"]))
    if kind == "realistic":
        stage = draw(st.sampled_from(sorted(REALISTIC)))
        source = draw(st.sampled_from(REALISTIC[stage]))
        cell_tags = (["parameters"] if stage == "parameters" else
                     draw(st.sampled_from([[f"lifecycle:{stage}"], []])))
        return {"cell_type": "code", "source": source, "tags": cell_tags}
    if kind == "odd":
        return {"cell_type": "code", "source": draw(st.sampled_from(ODD_SYNTAX)), "tags": draw(tags)}
    if kind == "markdown":
        return {"cell_type": "markdown", "source": "## " + draw(st.sampled_from(STAGES)),
                "tags": draw(tags)}
    return {"cell_type": "code", "source": draw(st.text(max_size=40)), "tags": draw(tags)}


def nested(depth: int) -> str:
    """A placeholder that ``dumps`` turns into lists nested ``depth`` deep (too deep for json)."""
    return f"@nested:{depth}@"


def dumps(nb) -> str:
    text = json.dumps(nb)
    for depth in {int(part.split("@")[0]) for part in text.split('"@nested:')[1:]}:
        text = text.replace(f'"@nested:{depth}@"', "[" * depth + "]" * depth)
    return text


@st.composite
def mutation(draw, nb: dict):
    """Change one thing in ``nb`` in place, the way a hand edit or another tool might."""
    where = draw(st.sampled_from(["top", "metadata", "kernelspec", "cell", "output", "deep"]))
    metadata = nb.get("metadata")
    cells_ = nb.get("cells") if isinstance(nb.get("cells"), list) else []
    if where != "top" and not (isinstance(metadata, dict) and isinstance(
            metadata.get("kernelspec"), dict) and all(isinstance(c, dict) for c in cells_)):
        return  # an earlier mutation broke what this one edits
    if where == "top":
        nb[draw(st.sampled_from(["nbformat_minor", "metadata", "cells", "nbformat"]))] = draw(json_values)
    elif where == "metadata":
        field = draw(st.sampled_from(["kernelspec", "language_info"]))
        nb["metadata"][field] = draw(json_values | st.just(None) | st.just("python3"))
    elif where == "kernelspec":
        key = draw(st.sampled_from(["name", "language", "display_name"]))
        nb["metadata"]["kernelspec"][key] = draw(json_values | st.sampled_from(["R", "python"]))
    elif cells_ and where in ("cell", "output"):
        cell = nb["cells"][draw(st.integers(0, len(nb["cells"]) - 1))]
        if where == "cell":
            field = draw(st.sampled_from(["id", "execution_count", "outputs", "metadata",
                                          "cell_type", "source", "tags", "dup-id"]))
            if field == "tags":
                cell.setdefault("metadata", {})
                if isinstance(cell["metadata"], dict):
                    cell["metadata"]["tags"] = draw(json_values | st.lists(st.text(max_size=5)))
            elif field == "dup-id":
                cell["id"] = nb["cells"][0].get("id", "c0")
            elif field == "id":
                cell["id"] = draw(json_values | st.text(max_size=70) | st.sampled_from(["", "cell-0"]))
            else:
                cell[field] = draw(json_values)
        elif cell.get("cell_type") == "code":
            mime = draw(st.sampled_from(["application/json", "text/plain", "image/png",
                                         "application/vnd.jupyter-lifecycle.metrics+json"]))
            value = draw(json_values | st.text(max_size=20) | st.just('{"mean": 1.5}'))
            output = {"output_type": draw(st.sampled_from(["execute_result", "display_data", 5])),
                      "execution_count": 1, "metadata": {}, "data": {mime: value}}
            cell["outputs"] = draw(st.sampled_from([[output], [draw(json_values)], output]))
    elif where == "deep":
        depth = draw(st.sampled_from([10, 63, 65, 200, 990, 3000]))
        target = draw(st.sampled_from(["metadata", "cell", "output"]))
        if target == "metadata" or not cells_:
            nb["metadata"]["deep"] = nested(depth)
        elif target == "cell" and isinstance(nb["cells"][0].get("metadata"), dict):
            nb["cells"][0]["metadata"]["deep"] = nested(depth)
        elif nb["cells"][0].get("cell_type") == "code":
            nb["cells"][0]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                          "data": {"application/json": "[" * depth + "]" * depth}}]


# A notebook that converts: the backbone most generated notebooks are variations of.
STORY = [
    ("setup", "import json\nimport math\nfrom collections import Counter"),
    ("setup", "def double(v):\n    return v * 2"),
    ("parameters", "alpha = 0.5\nn = 3"),
    ("ingest", "data = [1.0, 2.0, 3.0]\nrows = [{'a': i} for i in range(n)]"),
    ("explore", "print(len(data))\ndata[:2]"),
    ("prepare", "y = [double(v) for v in data]\ndata.append(4.0)"),
    ("train", "%time model = sum(y) / len(y) * alpha"),
    ("evaluate", "metrics = {'mean': model, 'n': len(rows)}\nmetrics"),
    ("validate", "assert metrics['mean'] > 0, 'mean too low'"),
    ("deploy", "blob = json.dumps({'m': model})"),
    ("test", "assert double(2) == 4"),
]


@st.composite
def story_cells(draw) -> list[dict]:
    specs = []
    for stage, source in STORY:
        if not draw(st.integers(0, 9)):
            continue  # drop a cell now and then (later cells may read what it defined)
        own = ["parameters"] if stage == "parameters" else [f"lifecycle:{stage}"]
        cell_tags = draw(tags) if draw(st.integers(0, 11)) == 0 else draw(st.sampled_from([own, own, []]))
        specs.append({"cell_type": "code", "source": source, "tags": cell_tags})
        if draw(st.integers(0, 7)) == 0:
            specs.append(draw(cells()))
    return specs


@st.composite
def notebooks(draw) -> str:
    specs = draw(story_cells() if draw(st.integers(0, 9)) < 7 else st.lists(cells(), max_size=10))
    nb = json.loads(json.dumps(make_notebook([])))
    for i, spec in enumerate(specs):
        cell = {"cell_type": spec["cell_type"], "id": f"c{i}", "metadata": {}, "source": spec["source"]}
        if spec["tags"]:
            cell["metadata"]["tags"] = spec["tags"]
        if spec["cell_type"] == "code":
            cell["execution_count"] = i + 1 if draw(st.booleans()) else None
            cell["outputs"] = []
            if spec["source"].endswith("\nmetrics") and draw(st.booleans()):
                cell["outputs"] = [{"output_type": "execute_result", "execution_count": i + 1,
                                    "metadata": {}, "data": {
                                        "text/plain": "{'mean': 1.5, 'n': 3}",
                                        "application/json": {"mean": 1.5, "n": 3}}}]
        nb["cells"].append(cell)
    for _ in range(draw(st.sampled_from([0] * 6 + [1, 1, 2, 3]))):
        draw(mutation(nb))
    text = dumps(nb)
    text_change = draw(st.sampled_from(["none"] * 24 + ["truncate", "surrogate", "bigint", "list"]))
    if text_change == "truncate":
        text = text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    elif text_change == "surrogate":
        text = text.replace('"c0"', '"c0\\ud800"', 1)
    elif text_change == "bigint":
        text = text.replace('"nbformat_minor": 5', '"nbformat_minor": ' + "9" * 5000, 1)
    elif text_change == "list":
        text = "[" + text + "]"
    return text


def check_conversion(text: str) -> api.ConvertResult | LifecycleError:
    """Convert ``text`` as a notebook file; assert the promises; return what happened."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzzed.ipynb"
        path.write_text(text, encoding="utf-8")
        out = Path(tmp) / "out"
        try:
            result = api.convert(path, out)
        except LifecycleError as exc:
            assert "fuzzed.ipynb" in str(exc), f"the message does not name the notebook: {exc}"
            assert not out.exists()
            return exc
        for d in result.diagnostics:
            assert str(d).startswith(str(path)), f"a diagnostic without the notebook: {d}"
        if result.errors:
            assert not result.written and not out.exists()
            return result
        assert result.written
        for py in out.rglob("*.py"):
            compile(py.read_text(encoding="utf-8"), str(py), "exec", dont_inherit=True)
        return result


@PROFILE
@given(notebooks())
def test_fuzzed_notebooks_convert_or_fail_cleanly(text):
    outcome = check_conversion(text)
    if isinstance(outcome, LifecycleError):
        event(f"refused: {type(outcome).__name__}")
    else:
        event("converted" if outcome.written else "diagnostics: "
              + ", ".join(sorted({d.code for d in outcome.errors})))


# --- regression cases: the notebooks fuzzing found crashing (a traceback, exit 1) -------------------
def base_notebook() -> dict:
    return json.loads(json.dumps(make_notebook([
        ("x = [1.0, 2.0]", ["lifecycle:ingest"]),
        ("metrics = {'n': len(x)}\nmetrics", ["lifecycle:evaluate"]),
        ("assert metrics['n'] > 0", ["lifecycle:validate"]),
    ])))


def edited(change) -> str:
    nb = base_notebook()
    change(nb)
    return dumps(nb)


def json_output(value):
    return [{"output_type": "execute_result", "execution_count": 2, "metadata": {},
             "data": {"application/json": value}}]


CRASHED = {
    "nbformat_minor null": edited(lambda nb: nb.update(nbformat_minor=None)),
    "kernelspec null": edited(lambda nb: nb["metadata"].update(kernelspec=None)),
    "kernelspec a string": edited(lambda nb: nb["metadata"].update(kernelspec="python3")),
    "language_info a list": edited(lambda nb: (nb["metadata"].pop("kernelspec"),
                                               nb["metadata"].update(language_info=["python"]))),
    "cell id a list": edited(lambda nb: nb["cells"][1].update(id=["a"])),
    "cell id an object": edited(lambda nb: nb["cells"][1].update(id={"a": 1})),
    "cell id an integer": edited(lambda nb: nb["cells"][1].update(id=3)),
    "execution_count a string": edited(lambda nb: (nb["cells"][0].update(execution_count=1),
                                                   nb["cells"][1].update(execution_count="2"))),
    "outputs [5]": edited(lambda nb: nb["cells"][1].update(outputs=[5])),
    "application/json not JSON": edited(lambda nb: nb["cells"][1].update(
        outputs=json_output("{'n': 2}"))),
    "lists nested 1,000 deep": edited(lambda nb: nb["metadata"].update(deep=nested(1000))),
    "lists nested 900 deep in a cell": edited(lambda nb: nb["cells"][0]["metadata"].update(
        deep=nested(900))),
}


@pytest.mark.parametrize("name", CRASHED)
def test_notebooks_that_crashed_get_one_message_and_exit_2(name, tmp_path):
    error = check_conversion(CRASHED[name])
    assert isinstance(error, LifecycleError), error
    path = tmp_path / "bad.ipynb"
    path.write_text(CRASHED[name])
    run = CliRunner().invoke(main, ["convert", str(path), "-o", str(tmp_path / "out")])
    assert run.exit_code == 2, run.output
    assert run.exception is None or isinstance(run.exception, SystemExit)
    assert "Traceback" not in run.output and "bad.ipynb" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


EXPORTED_ODD_SYNTAX = {  # exported, each compiled (or ran) wrongly; now an error naming cell and line
    "validate ending in yield": ("assert metrics['n'] > 0\nyield metrics", 2, "syntax"),
    "top-level return": ("if not x:\n    return\ny = 1", 2, "syntax"),
    "nonlocal": ("nonlocal x\nx = 1", 1, "syntax"),
    "NUL byte": ("y = 1\nz = 'a\x00'", 2, "syntax"),
    "top-level await": ("import asyncio\nawait asyncio.sleep(0)", 2, "top-level-await"),
}


@pytest.mark.parametrize("name", EXPORTED_ODD_SYNTAX)
def test_python_syntax_errors_in_exported_cells_refuse_the_conversion(name, tmp_path):
    source, line, code = EXPORTED_ODD_SYNTAX[name]
    text = edited(lambda nb: nb["cells"][2].update(source=source))
    result = check_conversion(text)
    assert isinstance(result, api.ConvertResult) and not result.written
    (error,) = [d for d in result.errors if d.code == code]
    assert (error.location.cell_index, error.location.cell_id, error.location.line) == (2, "c2", line)
    path = tmp_path / "odd.ipynb"
    path.write_text(text)
    run = CliRunner().invoke(main, ["convert", str(path), "-o", str(tmp_path / "out")])
    assert run.exit_code == 1 and f"odd.ipynb, cell 2, id c2, line {line}" in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_same_cells_in_an_explore_cell_are_left_alone():
    text = edited(lambda nb: nb["cells"].append(
        {"cell_type": "code", "id": "peek", "metadata": {"tags": ["lifecycle:explore"]},
         "execution_count": None, "outputs": [], "source": "await asyncio.sleep(0)\nreturn x"}))
    result = check_conversion(text)
    assert isinstance(result, api.ConvertResult) and result.written, getattr(result, "errors", result)


def test_injected_parameters_cell_in_a_test_stage_is_ignored():
    """Found by the fuzzer: the graph built a test from papermill's injected-parameters cell."""
    text = edited(lambda nb: nb["cells"].append(
        {"cell_type": "code", "id": "inj", "metadata": {"tags": ["lifecycle:test", "injected-parameters"]},
         "execution_count": None, "outputs": [], "source": "n = 1"}))
    assert isinstance(check_conversion(text), api.ConvertResult)


def test_an_unparsable_explore_cell_does_not_hide_an_undefined_name():
    """Found by the fuzzer: it surfaced only as the self-check's 'nb2pipe bug'."""
    text = edited(lambda nb: (
        nb["cells"][0].update(source="x = [float(v) for v in range(n)]"),
        nb["cells"].append({"cell_type": "code", "id": "peek", "execution_count": None,
                            "metadata": {"tags": ["lifecycle:explore"]}, "outputs": [],
                            "source": "\x0b"})))
    result = check_conversion(text)
    assert [d.code for d in result.errors] == ["undefined-name"], [str(d) for d in result.errors]


def test_a_future_import_in_a_test_cell_does_not_break_the_generated_tests():
    """Found by the fuzzer: it was written inside a generated test function, which does not
    compile; the self-check now compiles every module too."""
    text = edited(lambda nb: nb["cells"].append(
        {"cell_type": "code", "id": "fut", "metadata": {"tags": ["lifecycle:test"]},
         "execution_count": None, "outputs": [], "source": "from __future__ import annotations"}))
    check_conversion(text)
