"""``nb2pipe verify``: every sample reproduces; a broken conversion is caught at the right stage."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jupyter_lifecycle.api import convert, load_graph
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.verify import verify
from jupyter_lifecycle.verify.compare import compare

from conftest import SAMPLE_NAMES, copied_sample


def test_compare_statuses_per_value_and_metric():
    boundaries = {"prepare": ["X", "y"], "train": ["model", "log"]}
    notebook = {"prepare": {"X": "a", "y": "b"}, "train": {"model": "m1", "log": None}}
    pipeline = {"prepare": {"X": "a", "y": "b"}, "train": {"model": "m2", "log": "l"}}
    result = compare(boundaries, notebook, pipeline, {"acc": 0.5, "n": 3}, {"acc": 0.5 + 1e-15, "n": 4})
    assert [(v.stage, v.name, v.status) for v in result.values] == [
        ("prepare", "X", "match"), ("prepare", "y", "match"),
        ("train", "model", "mismatch"), ("train", "log", "unhashable")]
    assert result.stage_status("prepare") == "match" and result.stage_status("train") == "mismatch"
    assert result.first_mismatch == "train"
    assert [m[3] for m in result.metrics] == ["match", "mismatch"]
    assert not result.ok


def test_missing_stage_on_one_side_is_not_a_match():
    result = compare({"ingest": ["df"]}, {}, {"ingest": {"df": "h"}}, None, None)
    assert result.values[0].status == "missing" and not result.ok


@pytest.mark.e2e
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_notebook_is_reproduced_by_its_pipeline(name, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    result = verify(copied_sample(tmp_path, name))
    assert result.notebook_error is None and result.pipeline_error is None
    assert result.comparison.values, "no stage boundary was compared"
    bad = [v for v in result.comparison.values if v.status != "match"]
    assert not [v for v in bad if v.status != "unhashable"], bad
    assert [m[3] for m in result.comparison.metrics] and all(m[3] == "match" for m in result.comparison.metrics)
    assert result.ok


@pytest.mark.e2e
def test_a_broken_conversion_is_caught_at_the_stage_that_differs(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = copied_sample(tmp_path, "iris_classification")
    package = convert(nb, tmp_path / "pkg").out_dir
    train = package / "src" / "iris_classification_pipeline" / "stages" / "train.py"
    text = train.read_text()
    assert "max_depth=max_depth" in text
    train.write_text(text.replace("max_depth=max_depth", "max_depth=max_depth + 1"))
    monkeypatch.chdir(tmp_path)  # a relative --package path works too
    result = CliRunner().invoke(main, ["verify", str(nb), "--package", "pkg", "--json",
                                       "-p", "n_estimators", "10"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["first_mismatch"] == "train"
    statuses = {(v["stage"], v["name"]): v["status"] for v in report["values"]}
    assert statuses[("prepare", "X_train")] == "match"  # stages before the break still agree
    assert statuses[("train", "model")] == "mismatch"
    assert report["parameters"] == {"n_estimators": 10}


@pytest.mark.e2e
def test_interleaved_stages_are_verified_step_by_step(tmp_path, monkeypatch):
    """Each step is fingerprinted after its own last cell, so the first train step's m (2) is
    compared with the notebook's m right after that cell, not after the later train cell."""
    from conftest import write_notebook

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = write_notebook(tmp_path / "inter.ipynb", [
        ("x = 1", ["lifecycle:ingest"]), ("m = x + 1", ["lifecycle:train"]),
        ("metrics = {'m': m}", ["lifecycle:evaluate"]), ("m = x + 100\nfinal = m", ["lifecycle:train"]),
    ])
    result = verify(nb)
    assert result.notebook_error is None and result.pipeline_error is None
    compared = {(v.stage, v.name): v.status for v in result.comparison.values}
    assert compared[("train", "m")] == "match" and compared[("train_2", "final")] == "match"
    assert result.ok
    # a pipeline whose first train step computes the later value is caught at that step
    package = convert(nb, tmp_path / "pkg").out_dir
    train = package / "src" / "inter_pipeline" / "stages" / "train.py"
    train.write_text(train.read_text().replace("m = x + 1", "m = x + 100"))
    wrong = verify(nb, package_dir=package)
    assert not wrong.ok and wrong.comparison.first_mismatch == "train"


def test_zero_compared_values_prove_nothing():
    result = compare({"ingest": ["df"]}, {"ingest": {"df": None}}, {"ingest": {"df": None}}, None, None)
    assert result.values[0].status == "unhashable" and result.compared == 0 and not result.ok


@pytest.mark.e2e
def test_a_failed_pipeline_run_is_a_failure_in_the_json_and_the_table(tmp_path, monkeypatch):
    from conftest import write_notebook

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = write_notebook(tmp_path / "f.ipynb", [("x = 1", ["lifecycle:ingest"]),
                                               ("metrics = {'x': x}", ["lifecycle:evaluate"])])
    package = convert(nb, tmp_path / "pkg").out_dir
    stage = package / "src" / "f_pipeline" / "stages" / "evaluate.py"
    stage.write_text(stage.read_text().replace("metrics = {'x': x}", "metrics = {'x': 1 / 0}"))
    runner = CliRunner()
    as_json = runner.invoke(main, ["verify", str(nb), "--package", str(package), "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and "ZeroDivisionError" in report["pipeline_error"]
    assert report["reason"] == "a run failed"
    table = runner.invoke(main, ["verify", str(nb), "--package", str(package)])
    assert table.exit_code == 1 and "failed" in table.stdout and "\nverified:" not in table.stdout
    assert "not verified: a run failed" in table.stdout
    assert "match" not in table.stdout.split("metrics")[0]


@pytest.mark.e2e
def test_unseeded_randomness_is_reported_as_the_notebooks_not_the_conversions(tmp_path, monkeypatch):
    from conftest import write_notebook

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = write_notebook(tmp_path / "r.ipynb", [
        ("import numpy as np", []), ("base = [1.0, 2.0]", ["lifecycle:ingest"]),
        ("noise = np.random.rand(3)\nfit = float(noise.sum()) + base[0]", ["lifecycle:train"]),
        ("metrics = {'fit': fit}", ["lifecycle:evaluate"]),
    ])
    result = verify(nb)
    assert not result.ok
    statuses = {(v.stage, v.name): v.status for v in result.comparison.values}
    assert statuses[("ingest", "base")] == "match"
    assert statuses[("train", "fit")] == "nondeterministic"
    assert "nondeterministic" in result.reason and "cell 2 line 1: np.random.rand" in result.reason
    assert result.comparison.first_mismatch is None  # no stage is blamed


@pytest.mark.e2e
def test_a_merged_step_is_fingerprinted_where_each_value_was_written(tmp_path, monkeypatch):
    from conftest import write_notebook

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = write_notebook(tmp_path / "m.ipynb", [
        ("b = 1", ["lifecycle:prepare"]), ("b = 1 + b", ["lifecycle:ingest"]),
        ("a = 1", ["lifecycle:prepare"]), ("metrics = {'s': a + b}", ["lifecycle:evaluate"]),
    ])
    result = verify(nb)
    assert [s.name for s in load_graph(nb).stages] == ["prepare", "ingest", "evaluate"]
    statuses = {(v.stage, v.name): v.status for v in result.comparison.values}
    assert statuses[("prepare", "b")] == "match"  # b = 1 after cell 0, not 2 after cell 2
    assert result.ok, result.reason


def test_mismatches_downstream_of_nondeterminism_blame_no_step():
    from jupyter_lifecycle.verify.compare import mark_nondeterministic

    boundaries = {"prepare": ["X"], "train": ["model"], "evaluate": ["score"]}
    nb1 = {"prepare": {"X": "x"}, "train": {"model": "m1"}, "evaluate": {"score": "s1"}}
    nb2 = {"prepare": {"X": "x"}, "train": {"model": "m2"}, "evaluate": {"score": "s1"}}  # s: by chance
    pipe = {"prepare": {"X": "x"}, "train": {"model": "m3"}, "evaluate": {"score": "s3"}}
    marked = mark_nondeterministic(compare(boundaries, nb1, pipe, {"acc": 0.5}, {"acc": 0.7}),
                                   nb1, nb2, {"acc": 0.5}, {"acc": 0.5})
    assert [v.status for v in marked.values] == ["match", "nondeterministic", "nondeterministic"]
    assert marked.metrics[0][3] == "nondeterministic" and marked.first_mismatch is None
    # a difference before the first random step is still the conversion's
    pipe["prepare"]["X"] = "other"
    marked = mark_nondeterministic(compare(boundaries, nb1, pipe, None, None), nb1, nb2, None, None)
    assert marked.first_mismatch == "prepare"


@pytest.mark.e2e
def test_a_failed_run_names_the_exception_the_cell_and_the_line(tmp_path, monkeypatch):
    from conftest import write_notebook

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = write_notebook(tmp_path / "f.ipynb", [
        ("x = 1", ["lifecycle:ingest"]),
        ("y = x + 1\nmetrics = {'x': 1 / x}\nz = y * 2", ["lifecycle:evaluate"])])
    package = convert(nb, tmp_path / "pkg").out_dir
    stage = package / "src" / "f_pipeline" / "stages" / "ingest.py"
    stage.write_text(stage.read_text().replace("x = 1", "x = 0"))  # fails in the next stage
    result = verify(nb, package_dir=package)
    assert result.pipeline_error == ("cell 1 (id c1), line 2: ZeroDivisionError: division by zero"
                                     " — `metrics = {'x': 1 / x}`"), result.pipeline_error
    assert result.notebook_error is None and result.run_id is not None

    broken = write_notebook(tmp_path / "g.ipynb", [
        ("x = 1", ["lifecycle:ingest"]),
        ("y = x + 1\nz = {}['missing']\nmetrics = {'x': x}", ["lifecycle:evaluate"])])
    failed = verify(broken)
    assert failed.notebook_error == ("cell 1 (id c1), line 2: KeyError: 'missing'"
                                     " — `z = {}['missing']`"), failed.notebook_error
    assert not failed.ok and failed.reason == "a run failed"


@pytest.mark.e2e
def test_verify_names_a_run_id_only_when_the_store_holds_that_run(tmp_path, monkeypatch):
    from conftest import write_notebook
    from jupyter_lifecycle.capture.store import RunStore

    nb = write_notebook(tmp_path / "s.ipynb", [("x = 1", ["lifecycle:ingest"]),
                                               ("metrics = {'x': x}", ["lifecycle:evaluate"])])
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    kept = verify(nb)
    assert kept.ok and RunStore(tmp_path / "runs.sqlite").get(kept.run_id)["run_id"] == kept.run_id
    (tmp_path / "not-a-folder").write_text("")  # the store cannot be created below a file
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "not-a-folder" / "runs.sqlite"))
    result = CliRunner().invoke(main, ["verify", str(nb)])
    assert result.exit_code == 0 and "verified" in result.stdout, result.stdout
    assert "(run " not in result.stdout


@pytest.mark.e2e
def test_a_kernel_that_dies_is_named_with_the_cell_it_died_in(tmp_path, monkeypatch):
    from conftest import write_notebook

    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = write_notebook(tmp_path / "k.ipynb", [
        ("x = 1", ["lifecycle:ingest"]),
        ("import os\nimport sys\nif 'ipykernel' in sys.modules:\n    os._exit(1)", ["lifecycle:explore"]),
        ("metrics = {'x': x}", ["lifecycle:evaluate"])])
    result = verify(nb)
    assert result.pipeline_error is None
    assert result.notebook_error is not None and result.notebook_error.startswith(
        "cell 1 (id c1): DeadKernelError: Kernel died"), result.notebook_error
    assert not result.ok and result.reason == "a run failed"
