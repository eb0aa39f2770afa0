"""``nb2pipe tag --auto`` and ``convert --auto-tag``: a stage per code cell from what the cell does,
the headings above and the dataflow; the tag diff; ``--write`` changes only tags; and the measured
agreement with the hand-tagged notebooks."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_notebook

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.autotag import suggest
from jupyter_lifecycle.autotag.agreement import measure, untagged_text
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.notebook import parse_notebook, read_notebook

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_notebooks"
MESSY = Path(__file__).parent / "notebooks" / "messy"
LABELLED = sorted(SAMPLES.glob("*.ipynb")) + sorted(MESSY.glob("*.ipynb"))
# Measured with benchmarks/autotag_agreement.py: 378 of 387 code cells (97.7 %) in 32 notebooks —
# 342 of 350 (97.7 %) in the 27 the first rules were written against, 36 of 37 (97.3 %) in the
# five messy notebooks added after them (75.7 % before the rules learnt from their misses).
AGREEMENT_FLOOR = 0.976
NOTEBOOK_FLOOR = 0.80  # the worst notebook: json_config_main_style, 4/5 (``model, metrics =
# main()`` is labelled train and proposed evaluate, for the metrics it binds)

PIPELINE = [
    ("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
     "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import train_test_split", []),
    ("test_size = 0.25\nseed = 0", []),
    ('df = pd.read_csv("data.csv")', []),
    ("df.describe()", []),
    ('X_train, X_test, y_train, y_test = train_test_split(df[["a"]], df["y"], '
     "test_size=test_size, random_state=seed)", []),
    ("model = LogisticRegression()\nmodel.fit(X_train, y_train)", []),
    ('metrics = {"accuracy": accuracy_score(y_test, model.predict(X_test))}\nmetrics', []),
    ('assert metrics["accuracy"] > 0.5', []),
    ('import joblib\njoblib.dump(model, "model.joblib")', []),
]
EXPECTED = ["setup", "parameters", "ingest", "explore", "prepare", "train", "evaluate", "validate",
            "deploy"]


def stages_of(cells, **kwargs) -> list[str]:
    nb = parse_notebook(json.dumps(make_notebook(cells, **kwargs)), "nb.ipynb")
    return [s.shown_stage for s in suggest(nb)]


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], env={"COLUMNS": "200"})


def check(result, code: int) -> None:
    tb = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{tb}"
    assert "Traceback" not in result.output


def write(path: Path, cells, newline: str = "\n") -> Path:
    text = json.dumps(make_notebook(cells), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_bytes(text.replace("\n", newline).encode())
    return path


# --- the rules --------------------------------------------------------------------------------

def test_every_stage_of_a_plain_pipeline_from_what_its_cells_do():
    assert stages_of(PIPELINE) == EXPECTED


def test_every_suggestion_has_a_confidence_and_a_one_line_reason():
    nb = parse_notebook(json.dumps(make_notebook(PIPELINE)), "nb.ipynb")
    for s in suggest(nb):
        assert 0.0 < s.confidence <= 1.0
        assert s.reason and "\n" not in s.reason
    reasons = {s.shown_stage: s.reason for s in suggest(nb)}
    assert "read_csv" in reasons["ingest"] and "metrics" in reasons["evaluate"]


def test_asserts_on_metrics_validate_asserts_on_other_values_test():
    cells = PIPELINE[:7] + [('assert metrics["accuracy"] > 0.5', []),
                            ("assert len(X_train) > len(X_test)", [])]
    assert stages_of(cells)[-2:] == ["validate", "test"]


def test_a_heading_above_names_the_stage_of_a_cell_without_signals():
    cells = [("import pandas as pd", []), ("## Daten laden", [], "markdown"),
             ('path = "data.csv"\nframe = pd.DataFrame({"a": [1, 2]}).assign(b=lambda f: f.a)', []),
             ("## Train", [], "markdown"), ("total = frame.a.sum() + frame.b.sum()", []),
             ('assert total > 0', [])]
    assert stages_of(cells)[:3] == ["setup", "ingest", "train"]


def test_a_title_heading_says_nothing_about_the_first_cells():
    cells = [("# Training a churn model", [], "markdown"), ("import numpy as np", [])]
    assert stages_of(cells) == ["setup"]


def test_a_cell_whose_values_nothing_exported_reads_is_explore():
    cells = PIPELINE[:6] + [("coefs = pd.Series(model.coef_[0])\ncoefs.abs().max()", [])] + PIPELINE[6:]
    nb = parse_notebook(json.dumps(make_notebook(cells)), "nb.ipynb")
    found = suggest(nb)[6]
    assert found.stage == "explore" and "nothing exported reads" in found.reason


def test_a_cell_defining_a_function_is_never_explore_for_its_values():
    cells = [("import pandas as pd", []),
             ('PATH = "data"\ndef load(path=PATH):\n    return pd.read_csv(path + "/x.csv")', []),
             ("df = load()", []), ("df = df.dropna()\nassert len(df) > 0", [])]
    assert stages_of(cells)[1] != "explore"


def test_an_explore_looking_cell_whose_values_a_stage_reads_is_not_explore():
    cells = PIPELINE[:3] + [('n_rows = df.shape[0]\ndf.head()', [])] + PIPELINE[4:7] + \
        [('assert metrics["accuracy"] > 0.5 and n_rows > 10', [])]
    assert stages_of(cells)[3] != "explore"


def test_only_a_cell_that_asserts_becomes_a_test_under_a_tests_heading():
    cells = PIPELINE[:6] + [("## Tests", [], "markdown"), ("X_small = X_test[:5]", []),
                            ("assert len(X_small) == 5", []),
                            ('metrics = {"n": float(len(model.predict(X_small)))}', [])]
    found = stages_of(cells)
    assert found[7] == "test" and found[6] not in ("test", "explore")


def test_the_first_literal_cell_that_later_cells_read_is_proposed_as_parameters():
    cells = [("import numpy as np", []), ('unused = 3', []), ("alpha = 0.5\nn = 10", []),
             ("x = np.ones(n) * alpha", [])]
    assert stages_of(cells)[:3] == ["setup", "setup", "parameters"]


def test_an_existing_parameters_cell_is_kept_and_no_other_proposed():
    cells = [("import numpy as np", []), ("alpha = 0.5", []), ("n = 10", ["parameters"]),
             ("x = np.ones(n) * alpha", [])]
    assert stages_of(cells).count("parameters") == 1 and stages_of(cells)[2] == "parameters"


def test_scratch_cells_are_skip_and_a_cell_that_does_not_parse_still_gets_a_stage():
    cells = PIPELINE[:6] + [("# scratch: try a bigger model\nmodel.fit(X_test, y_test)", []),
                            ("model.fit(X_train,, y_train)", [])]
    assert stages_of(cells)[-2:] == ["skip", "train"]


def test_names_imported_beside_the_metric_functions_are_not_metrics():
    cells = [("from pathlib import Path\nfrom sklearn.linear_model import LogisticRegression\n"
              "from sklearn.metrics import roc_auc_score", []),
             ('DATA = Path("data") / "churn.csv"\nprint(DATA)', []),
             ("## Features", [], "markdown"),
             ("model = LogisticRegression()\nmodel.fit(X, y)", []),
             ('metrics = {"auc": roc_auc_score(y, model.predict_proba(X)[:, 1])}', [])]
    assert stages_of(cells) == ["setup", "setup", "train", "evaluate"]


def test_a_frame_drawn_from_random_numbers_is_ingested_a_perturbed_copy_is_not():
    cells = [("import joblib\nimport numpy as np\nimport pandas as pd\n"
              "from sklearn.linear_model import LinearRegression", []),
             ('rng = np.random.default_rng(0)\nframe = pd.DataFrame({"a": rng.normal(size=50), '
              '"g": rng.choice(["x", "y"], 50)})\nframe["c"] = frame.a * 2', []),
             ("frame = frame[frame.a > -2]", []),
             ('noisy = pd.DataFrame({"a": frame["a"] + rng.normal(size=len(frame))})\nnoisy["d"] = 1', []),
             ('model = LinearRegression().fit(noisy[["a", "d"]], frame.c)', []),
             ('joblib.dump(model, "model.joblib")', [])]
    assert stages_of(cells)[1:4] == ["ingest", "prepare", "prepare"]


def test_asserts_comparing_a_parameter_are_gates_other_asserts_tests():
    cells = [("import pandas as pd", []), ("min_rows = 30", []),
             ('df = pd.read_csv("data.csv")', []),
             ("assert len(df) >= min_rows", []),
             ('assert list(df.columns) == ["a", "y"]', [])]
    assert stages_of(cells)[1:] == ["parameters", "ingest", "validate", "test"]


def test_code_after_a_gate_continues_the_step_above_the_gate_not_the_gate():
    cells = PIPELINE[:8] + [("spread = float(X_test.a.std())\nprint(spread)", [])]
    nb = parse_notebook(json.dumps(make_notebook(cells)), "nb.ipynb")
    found = suggest(nb)[8]
    assert (found.stage, found.reason) == ("explore", "nothing exported reads its values (spread)")


def test_a_display_belongs_to_the_step_above_it_in_its_section():
    cells = [("import numpy as np\nfrom sklearn.linear_model import Ridge\n"
              "from sklearn.metrics import mean_squared_error", []),
             ("## Fitting", [], "markdown"), ("model = Ridge().fit(X, y)", []),
             ('err = mean_squared_error(y, model.predict(X))\nmetrics = {"mse": err}', []),
             ('print("error:", err)', [])]
    assert stages_of(cells)[1:] == ["train", "evaluate", "evaluate"]


def test_functions_that_compute_metrics_make_their_cell_and_their_callers_evaluate():
    cells = [("import numpy as np\nfrom sklearn.linear_model import Ridge\n"
              "from sklearn.model_selection import cross_val_score", []),
             ("## Modelling", [], "markdown"), ("model = Ridge().fit(X, y)", []),
             ("def cv_rmse(model):\n    return -cross_val_score(model, X, y, "
              'scoring="neg_root_mean_squared_error").mean()', []),
             ("score = cv_rmse(model)\nprint(score)", []),
             ('metrics = {"rmse": score}', [])]
    assert stages_of(cells)[1:] == ["train", "evaluate", "evaluate", "evaluate"]


def test_fit_statistics_are_evaluate_and_a_searchs_best_model_is_train():
    cells = [("import joblib\nimport pandas as pd\nimport statsmodels.formula.api as smf", []),
             ("## A first model", [], "markdown"),
             ('fit = smf.ols("y ~ x", data=df).fit()', []),
             ('coefs = pd.DataFrame({"coef": fit.params, "p": fit.pvalues})\ncoefs.round(4)', []),
             ("## The test set", [], "markdown"),
             ("best_model = search.best_estimator_", []),
             ('joblib.dump(best_model, "model.joblib")', []),
             ('assert set(coefs.index) == {"Intercept", "x"}', [])]
    assert stages_of(cells)[1:4] == ["train", "evaluate", "train"]


def test_scores_compared_in_a_loop_are_evaluate():
    cells = [("from sklearn.metrics import accuracy_score", []),
             ("scores = {}\nfor name, clf in models.items():\n    clf.fit(X_train, y_train)\n"
              "    scores[name] = accuracy_score(y_test, clf.predict(X_test))", []),
             ('metrics = {"best": max(scores.values())}', [])]
    assert stages_of(cells)[1] == "evaluate"


# --- measured quality -------------------------------------------------------------------------

def test_agreement_with_the_hand_tagged_notebooks_stays_above_the_measured_floor():
    results = [measure(path) for path in LABELLED]
    cells = sum(len(r.cells) for r in results)
    agreed = sum(r.agreed for r in results)
    assert len(results) >= 32 and cells >= 387  # the set only grows
    assert agreed / cells >= AGREEMENT_FLOOR, [
        (Path(r.notebook).stem, c.cell_index, c.label, c.proposed)
        for r in results for c in r.cells if not c.agrees]
    worst = min(results, key=lambda r: r.share)
    assert worst.share >= NOTEBOOK_FLOOR, (worst.notebook, worst.share)


def test_the_measure_hides_the_labels_from_the_tagger(tmp_path):
    path = SAMPLES / "iris_classification.ipynb"
    text = untagged_text(path.read_text(encoding="utf-8"), "lifecycle:", drop_parameters=True)
    bare = parse_notebook(text, str(path))
    assert all(c.explicit_stage is None and not c.is_parameters for c in bare.cells)


# --- the command ------------------------------------------------------------------------------

def test_tag_auto_shows_stages_and_a_tag_diff_and_writes_nothing(tmp_path):
    nb = write(tmp_path / "nb.ipynb", PIPELINE)
    before = nb.read_bytes()
    result = run("tag", "--auto", nb)
    check(result, 0)
    assert nb.read_bytes() == before
    assert "+cell 2 (c2): lifecycle:ingest" in result.stdout
    assert "+cell 1 (c1): parameters" in result.stdout
    assert "add --write" in result.stdout and "read_csv" in result.stdout


def test_tag_auto_write_changes_only_tags_and_keeps_crlf(tmp_path):
    nb = write(tmp_path / "nb.ipynb", PIPELINE, newline="\r\n")
    check(run("tag", "--auto", "--write", nb), 0)
    text = nb.read_bytes().decode()
    assert text.count("\r\n") == text.count("\n")
    tagged = read_notebook(nb)
    assert ["parameters" if c.is_parameters else c.stage for c in tagged.code_cells] == EXPECTED
    # every other byte: the file is the original with only the tags set
    expected = make_notebook(PIPELINE)
    for cell, new in zip(expected.cells, json.loads(text)["cells"]):
        cell.metadata["tags"] = new["metadata"]["tags"]
    assert text == (json.dumps(expected, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
                    ).replace("\n", "\r\n")


def test_cells_with_a_stage_tag_are_untouched_unless_overwrite(tmp_path):
    cells = list(PIPELINE)
    cells[2] = (cells[2][0], ["lifecycle:explore", "mine"])
    nb = write(tmp_path / "nb.ipynb", cells)
    check(run("tag", "--auto", "--write", nb), 0)
    assert read_notebook(nb).cells[2].tags == ("lifecycle:explore", "mine")
    check(run("tag", "--auto", "--write", "--overwrite", nb), 0)
    assert read_notebook(nb).cells[2].tags == ("mine", "lifecycle:ingest")


def test_a_symlinked_notebook_is_written_at_its_target_with_its_permissions(tmp_path):
    target = write(tmp_path / "real.ipynb", PIPELINE)
    target.chmod(0o640)
    link = tmp_path / "link.ipynb"
    link.symlink_to(target)
    check(run("tag", "--auto", "--write", link), 0)
    assert link.is_symlink() and read_notebook(target).cells[2].stage == "ingest"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_second_write_changes_nothing(tmp_path):
    nb = write(tmp_path / "nb.ipynb", PIPELINE)
    check(run("tag", "--auto", "--write", nb), 0)
    before = nb.read_bytes()
    result = run("tag", "--auto", "--write", nb)
    check(result, 0)
    assert "nothing to change" in result.stdout and nb.read_bytes() == before


def test_bad_input_one_message_naming_the_cell_exit_2_nothing_written(tmp_path):
    cells = list(PIPELINE)
    cells[3] = (cells[3][0], ["lifecycle:explor"])
    nb = write(tmp_path / "nb.ipynb", cells)
    before = nb.read_bytes()
    result = run("tag", "--auto", "--write", nb)
    check(result, 2)
    assert "cell 3, id c3, line 1" in result.stderr and "lifecycle:explor" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and nb.read_bytes() == before
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    result = run("tag", "--auto", broken)
    check(result, 2)
    assert "broken.ipynb" in result.stderr and "not valid JSON" in result.stderr


def test_a_read_only_notebook_is_refused_and_left_alone(tmp_path):
    nb = write(tmp_path / "nb.ipynb", PIPELINE)
    before = nb.read_bytes()
    nb.chmod(stat.S_IRUSR)
    try:
        result = run("tag", "--auto", "--write", nb)
        check(result, 2)
        assert "read-only" in result.stderr and nb.read_bytes() == before
    finally:
        nb.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]


def test_auto_and_cell_options_do_not_mix(tmp_path):
    nb = write(tmp_path / "nb.ipynb", PIPELINE)
    check(run("tag", "--auto", "--cell", "0", "--stage", "setup", nb), 2)
    check(run("tag", "--write", "--cell", "0", "--stage", "setup", nb), 2)


# --- convert --auto-tag -----------------------------------------------------------------------

def test_convert_auto_tag_builds_a_staged_pipeline_without_touching_the_notebook(tmp_path):
    nb = write(tmp_path / "nb.ipynb", PIPELINE)
    before = nb.read_bytes()
    plain = convert(nb, tmp_path / "plain", dry_run=True)
    auto = convert(nb, tmp_path / "auto", dry_run=True, auto_tag=True)
    assert [s.name for s in plain.graph.stages] == ["setup"]
    assert [s.name for s in auto.graph.stages] == ["ingest", "prepare", "train", "evaluate",
                                                   "validate", "deploy"]
    assert auto.graph.notebook.parameters_cell.index == 1
    assert nb.read_bytes() == before


def _untagged_copy(source: Path, tmp_path: Path) -> Path:
    folder = tmp_path / source.parent.name
    shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns(
        "artifacts", "executed", "*_pipeline", "*_pkg", "*.joblib"))
    target = folder / source.name
    target.write_text(untagged_text(source.read_text(encoding="utf-8"), "lifecycle:", True),
                      encoding="utf-8")
    return target


@pytest.mark.e2e
@pytest.mark.parametrize("source", [SAMPLES / "iris_classification.ipynb",
                                    MESSY / "kaggle_customer_churn.ipynb",
                                    MESSY / "timeseries_sales_forecast.ipynb"],
                         ids=lambda p: p.stem)
def test_an_untagged_notebook_converts_passes_its_tests_and_verifies(source, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "runs.sqlite"))
    nb = _untagged_copy(source, tmp_path)
    monkeypatch.chdir(nb.parent)
    package = tmp_path / "package"
    check(run("convert", "--auto-tag", nb, "-o", package), 0)
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
                           cwd=package, capture_output=True, text=True,
                           env=dict(os.environ, JUPYTER_LIFECYCLE_STORE=str(tmp_path / "runs.sqlite")))
    assert tests.returncode == 0, tests.stdout[-3000:]
    check(run("tag", "--auto", "--write", nb), 0)  # the same tags, now in the file
    result = run("verify", nb, "--package", package)
    check(result, 0)
