"""Every doctor check fires on a notebook made to trip it and stays quiet on its fixed twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_lifecycle.doctor import diagnose

from conftest import write_notebook

SETUP = ("import numpy as np\nimport pandas as pd", ["lifecycle:setup"])
PARAMS = ("seed = 0\nn_estimators = 10", ["parameters"])


@pytest.fixture(autouse=True)
def _own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_LIFECYCLE_STORE", str(tmp_path / "store" / "runs.sqlite"))


def doctor(tmp_path: Path, cells, name="nb.ipynb") -> dict[str, list]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n", encoding="utf-8")
    path = write_notebook(project / name, cells)
    out: dict[str, list] = {}
    for finding in diagnose(path).findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def fires(tmp_path, cells, check) -> list:
    found = doctor(tmp_path, cells)
    assert check in found, f"{check} did not fire: {sorted(found)}"
    for finding in found[check]:
        assert finding.fix and finding.message
    return found[check]


def quiet(tmp_path, cells, check) -> None:
    found = doctor(tmp_path, cells)
    assert check not in found, [f.message for f in found[check]]


# -- randomness ------------------------------------------------------------------------------
FOREST = ("from sklearn.ensemble import RandomForestClassifier", ["lifecycle:setup"])


def test_an_estimator_without_random_state_fires(tmp_path):
    [f] = fires(tmp_path, [FOREST, PARAMS, ("model = RandomForestClassifier(n_estimators=n_estimators)",
                                            ["lifecycle:train"])], "randomness.random-state-missing")
    assert f.cells[0].index == 2 and f.cells[0].stage == "train" and "RandomForestClassifier" in f.message


def test_an_estimator_with_random_state_is_quiet(tmp_path):
    quiet(tmp_path, [FOREST, PARAMS, ("model = RandomForestClassifier(n_estimators=n_estimators, "
                                      "random_state=seed)", ["lifecycle:train"])],
          "randomness.random-state-missing")


def test_a_split_without_random_state_fires_and_a_deterministic_solver_does_not(tmp_path):
    setup = ("from sklearn.model_selection import train_test_split, KFold\n"
             "from sklearn.linear_model import LogisticRegression", ["lifecycle:setup"])
    found = fires(tmp_path, [setup, ("a, b = train_test_split([1, 2, 3, 4])\n"
                                     "folds = KFold(3, shuffle=True)\nm = LogisticRegression()",
                                     ["lifecycle:prepare"])], "randomness.random-state-missing")
    assert sorted(f.cells[0].line for f in found) == [1, 2]
    quiet(tmp_path, [setup, ("a, b = train_test_split([1, 2, 3, 4], random_state=0)\n"
                             "folds = KFold(3)\nm = LogisticRegression()", ["lifecycle:prepare"])],
          "randomness.random-state-missing")


def test_a_dummy_estimator_draws_only_with_a_random_strategy(tmp_path):
    setup = ("from sklearn.dummy import DummyClassifier", ["lifecycle:setup"])
    fires(tmp_path, [setup, ("m = DummyClassifier(strategy='stratified')", ["lifecycle:train"])],
          "randomness.random-state-missing")
    quiet(tmp_path, [setup, ("m = DummyClassifier()", ["lifecycle:train"])],
          "randomness.random-state-missing")


def test_global_draws_before_a_seed_fire(tmp_path):
    fires(tmp_path, [SETUP, ("noise = np.random.rand(3)", ["lifecycle:prepare"])],
          "randomness.unseeded-global")


def test_global_draws_after_a_seed_are_quiet(tmp_path):
    quiet(tmp_path, [SETUP, ("np.random.seed(0)", []), ("noise = np.random.rand(3)", ["lifecycle:prepare"])],
          "randomness.unseeded-global")


def test_a_generator_without_a_seed_fires_and_with_one_is_quiet(tmp_path):
    fires(tmp_path, [SETUP, ("rng = np.random.default_rng()", [])], "randomness.unseeded-generator")
    quiet(tmp_path, [SETUP, ("rng = np.random.default_rng(7)", [])], "randomness.unseeded-generator")


# -- paths -----------------------------------------------------------------------------------
def test_a_home_folder_path_fires(tmp_path):
    [f] = fires(tmp_path, [SETUP, ("df = pd.read_csv('/home/alice/data/iris.csv')", ["lifecycle:ingest"])],
                "paths.user-specific")
    assert f.cells[0].line == 1 and "/home/alice" in f.message


def test_an_absolute_path_fires_and_a_relative_one_is_quiet(tmp_path):
    fires(tmp_path, [SETUP, ("df = pd.read_csv('/srv/shared/iris.csv')", ["lifecycle:ingest"])],
          "paths.absolute")
    found = doctor(tmp_path, [SETUP, ("df = pd.read_csv('data/iris.csv')", ["lifecycle:ingest"])])
    assert not {"paths.absolute", "paths.user-specific", "paths.outside-project"} & set(found)


def test_a_read_from_outside_the_project_fires(tmp_path):
    fires(tmp_path, [SETUP, ("df = pd.read_csv('../../elsewhere/iris.csv')", ["lifecycle:ingest"])],
          "paths.outside-project")


def test_a_read_from_a_subfolder_of_the_project_is_quiet(tmp_path):
    quiet(tmp_path, [SETUP, ("df = pd.read_csv('sub/../data/iris.csv')", ["lifecycle:ingest"])],
          "paths.outside-project")


def test_network_reads_fire(tmp_path):
    found = fires(tmp_path, [SETUP, ("from sklearn.datasets import fetch_openml", []),
                             ("df = pd.read_csv('https://example.org/iris.csv')\n"
                              "X = fetch_openml('iris')", ["lifecycle:ingest"])], "paths.network-read")
    assert sorted(f.cells[0].line for f in found) == [1, 2]


def test_a_bundled_dataset_is_not_a_network_read(tmp_path):
    quiet(tmp_path, [("from sklearn.datasets import load_iris", []), ("X = load_iris()", ["lifecycle:ingest"])],
          "paths.network-read")


# -- parameters ------------------------------------------------------------------------------
def test_no_parameters_cell_fires(tmp_path):
    [f] = fires(tmp_path, [SETUP, ("x = 1", ["lifecycle:train"])], "parameters.no-parameters-cell")
    assert f.concerned_stages == ("setup",)


def test_a_parameters_cell_is_quiet(tmp_path):
    quiet(tmp_path, [SETUP, PARAMS], "parameters.no-parameters-cell")


def test_estimator_literals_outside_the_parameters_cell_fire(tmp_path):
    [f] = fires(tmp_path, [FOREST, PARAMS, ("m = RandomForestClassifier(n_estimators=300, random_state=seed)",
                                            ["lifecycle:train"])], "parameters.literal-outside")
    assert "n_estimators=300" in f.message and f.severity.value == "low"


def test_estimator_arguments_from_parameters_are_quiet(tmp_path):
    quiet(tmp_path, [FOREST, PARAMS, ("m = RandomForestClassifier(n_estimators=n_estimators, "
                                      "random_state=seed, n_jobs=2)", ["lifecycle:train"])],
          "parameters.literal-outside")


# -- logging ---------------------------------------------------------------------------------
METRIC = ("from sklearn.metrics import accuracy_score", ["lifecycle:setup"])


def test_a_metric_that_reaches_neither_metrics_nor_a_log_fires(tmp_path):
    [f] = fires(tmp_path, [METRIC, ("acc = accuracy_score([1, 0], [1, 1])\nprint(acc)", ["lifecycle:evaluate"])],
                "logging.metric-not-recorded")
    assert f.cells[0].stage == "evaluate"


def test_a_metric_kept_in_metrics_or_logged_is_quiet(tmp_path):
    quiet(tmp_path, [METRIC, ("acc = accuracy_score([1, 0], [1, 1])", ["lifecycle:evaluate"]),
                     ("scores = {'accuracy': acc}\nmetrics = dict(scores)", [])],
          "logging.metric-not-recorded")
    quiet(tmp_path, [METRIC, ("import jupyter_lifecycle as jl\n"
                              "jl.log_metric('acc', accuracy_score([1, 0], [1, 1]))", ["lifecycle:evaluate"])],
          "logging.metric-not-recorded")


def test_no_recorded_run_fires_and_a_recorded_run_quiets_it(tmp_path):
    from jupyter_lifecycle.capture.store import RunStore

    cells = [SETUP, ("x = 1", [])]
    fires(tmp_path, cells, "logging.no-recorded-run")
    path = tmp_path / "project" / "nb.ipynb"
    RunStore(tmp_path / "store" / "runs.sqlite").save(
        {"run_id": "a" * 32, "notebook": {"path": str(path.resolve())}, "kind": "papermill",
         "status": "completed", "started": "2026-01-01T00:00:00Z", "params": {}, "metrics": {}})
    quiet(tmp_path, cells, "logging.no-recorded-run")


# -- validation and tests --------------------------------------------------------------------
def test_no_validate_gate_and_no_test_cells_fire(tmp_path):
    found = doctor(tmp_path, [SETUP, ("metrics = {'a': 1.0}", ["lifecycle:evaluate"])])
    assert found["validation.no-validate-gate"][0].concerned_stages == ("validate",)
    assert found["validation.no-test-cells"][0].concerned_stages == ("test",)


def test_a_gate_and_a_test_cell_are_quiet(tmp_path):
    found = doctor(tmp_path, [SETUP, ("def double(x):\n    return 2 * x", []),
                              ("metrics = {'a': 1.0}", ["lifecycle:evaluate"]),
                              ("assert metrics['a'] >= 0.5", ["lifecycle:validate"]),
                              ("assert double(2) == 4", ["lifecycle:test"])])
    assert "validation.no-validate-gate" not in found and "validation.no-test-cells" not in found


# -- environment -----------------------------------------------------------------------------
def test_an_import_that_is_not_installed_fires(tmp_path):
    [f] = fires(tmp_path, [("import numpy\nimport surely_not_installed_zz", [])], "environment.not-installed")
    assert "surely_not_installed_zz" in f.message and f.cells[0].line == 2


def test_installed_imports_are_quiet(tmp_path):
    quiet(tmp_path, [("import numpy\nimport json", [])], "environment.not-installed")


def test_unpinned_imports_fire_and_pins_quiet_them(tmp_path):
    cells = [("import numpy\nimport pandas as pd\nimport json", [])]
    [f] = fires(tmp_path, cells, "environment.unpinned")
    assert "numpy" in f.message and "pandas" in f.message and "json" not in f.message
    (tmp_path / "project" / "requirements.txt").write_text("numpy==1.26.4\npandas>=2\n")
    [f] = fires(tmp_path, cells, "environment.unpinned")
    assert "numpy" not in f.message and "pandas" in f.message
    (tmp_path / "project" / "requirements.txt").write_text("numpy==1.26.4\npandas==2.2.2\n")
    quiet(tmp_path, cells, "environment.unpinned")


def test_a_module_of_the_project_is_not_a_distribution(tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "helpers_here.py").write_text("X = 1\n")
    found = doctor(tmp_path, [("import helpers_here", [])])
    assert "environment.unpinned" not in found and "environment.not-installed" not in found


# -- data ------------------------------------------------------------------------------------
def test_a_file_read_and_never_fingerprinted_fires(tmp_path):
    (tmp_path / "project" / "data").mkdir(parents=True)
    (tmp_path / "project" / "data" / "iris.csv").write_text("a,b\n1,2\n")
    [f] = fires(tmp_path, [SETUP, ("df = pd.read_csv('data/iris.csv')", ["lifecycle:ingest"])],
                "data.not-fingerprinted")
    assert "data/iris.csv" in f.message


def test_a_fingerprinted_file_is_quiet(tmp_path):
    from jupyter_lifecycle.capture.store import RunStore

    (tmp_path / "project" / "data").mkdir(parents=True)
    (tmp_path / "project" / "data" / "iris.csv").write_text("a,b\n1,2\n")
    path = tmp_path / "project" / "nb.ipynb"
    RunStore(tmp_path / "store" / "runs.sqlite").save(
        {"run_id": "b" * 32, "notebook": {"path": str(path.resolve())}, "kind": "papermill",
         "status": "completed", "started": "2026-01-01T00:00:00Z", "params": {}, "metrics": {},
         "data": [{"path": "data/iris.csv", "sha256": "0" * 64, "size": 8}]})
    quiet(tmp_path, [SETUP, ("df = pd.read_csv('data/iris.csv')", ["lifecycle:ingest"])],
          "data.not-fingerprinted")


# -- evidence and maturity -------------------------------------------------------------------
def test_nothing_proven_fires_evidence_unproven(tmp_path):
    [f] = fires(tmp_path, [SETUP], "evidence.unproven")
    assert f.severity.value == "medium" and not f.cells


def test_a_passed_verify_for_the_current_bytes_quiets_it(tmp_path):
    from jupyter_lifecycle.verify.outcomes import record_outcome

    doctor(tmp_path, [SETUP])  # writes the notebook
    path = tmp_path / "project" / "nb.ipynb"
    assert record_outcome(path, True, None) is not None
    quiet(tmp_path, [SETUP], "evidence.unproven")
    record_outcome(path, False, "first difference in step train")
    [f] = fires(tmp_path, [SETUP], "evidence.unproven")
    assert "first difference in step train" in f.message
    record_outcome(path, True, None)
    quiet(tmp_path, [SETUP], "evidence.unproven")
    fires(tmp_path, [SETUP, ("x = 1", [])], "evidence.unproven")  # other bytes: not verified
