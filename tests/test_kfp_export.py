"""nb2pipe export --target kfp: a real kfp compile and real kfp.local runs, metrics compared
with the plain pipeline run for the same parameters; the targets registry."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from jupyter_lifecycle import api
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.targets import GROUP, ExportRequest, TargetRegistry, TargetUnavailable
from jupyter_lifecycle.targets.kfp.plan import ExportError

pytest.importorskip("kfp")  # the kfp extra (make test installs it)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {
    "iris_classification": ROOT / "sample_notebooks" / "iris_classification.ipynb",
    "wine_clustering": ROOT / "sample_notebooks" / "wine_clustering.ipynb",
    "gallery_pca_knn": ROOT / "tests" / "notebooks" / "messy" / "gallery_pca_knn.ipynb",
    "textbook_ensembles_chapter":
        ROOT / "tests" / "notebooks" / "messy" / "textbook_ensembles_chapter.ipynb",
}


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """Each notebook converted once for the module."""
    out = {}
    for name, notebook in NOTEBOOKS.items():
        # own package names: a demo package installed in this environment must not shadow them
        result = api.convert(notebook, tmp_path_factory.mktemp(name) / "pkg", package=f"kfp_{name}")
        assert result.written, result.errors
        out[name] = result.out_dir
    return out


def kfp_target():
    return TargetRegistry().load("kfp")


def plain_run(package: Path, params: dict, workdir: Path, store: Path) -> dict:
    """The record of the package's own pipeline run (a fresh interpreter), in ``store``."""
    import os

    from jupyter_lifecycle.capture.store import RunStore

    name = next(p.parent.name for p in (package / "src").glob("*/pipeline.py"))
    code = (f"import json, sys; from {name} import pipeline, params; "
            "pipeline.run(params.Params.from_dict(json.loads(sys.argv[1])))")
    subprocess.run([sys.executable, "-c", code, json.dumps(params)], cwd=workdir, check=True,
                   env={**os.environ, "PYTHONPATH": str(package / "src"),
                        "JUPYTER_LIFECYCLE_STORE": str(store)})
    (record,) = [r for r in RunStore(store).list() if r["kind"] == "pipeline"]
    return RunStore(store).get(record["run_id"])


def test_compiled_yaml_has_one_component_per_step_typed_parameters_and_artifacts(packages, tmp_path):
    import pyflakes.api

    from jupyter_lifecycle.targets.kfp.components import components_module
    from jupyter_lifecycle.targets.kfp.export import make_plan

    out = tmp_path / "pipeline.yaml"
    result = kfp_target().export(ExportRequest(packages["iris_classification"], out,
                                               workdir=tmp_path))
    spec = yaml.safe_load(out.read_text())
    steps = ("ingest", "prepare", "train", "evaluate", "validate", "deploy")
    assert result.steps == steps
    assert sorted(spec["components"]) == sorted(f"comp-{s}" for s in steps)
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["test_size"] == {"defaultValue": 0.3, "isOptional": True,
                                   "parameterType": "NUMBER_DOUBLE"}
    assert params["n_estimators"]["parameterType"] == "NUMBER_INTEGER"
    assert params["model_path"]["parameterType"] == "STRING"

    def artifact(component, name, side="outputDefinitions"):
        return spec["components"][component][side]["artifacts"][name]["artifactType"]["schemaTitle"]

    assert artifact("comp-ingest", "df") == "system.Dataset"  # a DataFrame
    assert artifact("comp-ingest", "feature_names") == "system.Artifact"  # a JSON list
    assert artifact("comp-train", "model") == "system.Model"  # a scikit-learn estimator
    assert artifact("comp-evaluate", "kfp_metrics") == "system.Metrics"
    assert artifact("comp-train", "X_train", "inputDefinitions") == "system.Dataset"
    text = out.read_text()
    assert str(packages["iris_classification"]) not in text and str(tmp_path) not in text
    assert str(Path.home()) not in text
    executor = spec["deploymentSpec"]["executors"]["exec-train"]["container"]
    assert executor["image"].startswith("python:3.")
    command = " ".join(executor["command"])
    assert "kfp-iris-classification==0.1.0" in command  # the package itself
    assert "scikit-learn==" in command  # a pin from requirements.lock
    source = components_module(make_plan(packages["iris_classification"], {}, tmp_path)[0])

    class Collect:
        def __init__(self):
            self.messages = []

        def unexpectedError(self, filename, message):
            self.messages.append(message)

        def syntaxError(self, filename, message, *args):
            self.messages.append(message)

        def flake(self, message):
            self.messages.append(str(message))

    found = Collect()
    pyflakes.api.check(source, "components.py", found)
    assert found.messages == []


@pytest.mark.parametrize("name,params", [
    ("iris_classification", {"n_estimators": 20}),
    ("wine_clustering", {}),
    ("gallery_pca_knn", {}),
    ("textbook_ensembles_chapter", {}),
])
def test_kfp_local_run_has_the_metrics_of_the_plain_pipeline(packages, tmp_path, name, params):
    """Both runs recorded in one store; ``runs compare`` sets them side by side."""
    from jupyter_lifecycle.capture.store import RunStore

    store = tmp_path / "runs.sqlite"
    notebook = Path(shutil.copy(NOTEBOOKS[name], tmp_path))  # run in the notebook's folder
    local = plain_run(packages[name], params, tmp_path, store)
    assert local["status"] == "completed" and local["metrics"]
    outcome = kfp_target().run_local(ExportRequest(packages[name], params=params, workdir=tmp_path,
                                                   options={"store": str(store)}))
    assert outcome.status == "completed", outcome.message
    assert outcome.metrics == local["metrics"]
    record = RunStore(store).get(outcome.run_id)
    assert record["kind"] == "kfp" and record["status"] == "completed"
    assert record["metrics"] == local["metrics"] and record["params"] == local["params"]
    # both runs name the notebook they reproduce (`runs list` shows it, not "?")
    assert record["notebook"]["relpath"] == local["notebook"]["relpath"] == notebook.name
    assert record["notebook"]["sha256"] == local["notebook"]["sha256"] is not None
    assert set(record["stages"]) == set(local["stages"]) == set(outcome.stages)
    shown = CliRunner().invoke(main, ["runs", "compare", local["run_id"], outcome.run_id,
                                      "--json", "--store", str(store)])
    assert shown.exit_code == 0, shown.output
    sections = json.loads(shown.output)["sections"]
    kinds = [row for row in sections["run"] if row["key"] == "kind"]
    assert (kinds[0]["a"], kinds[0]["b"]) == ("pipeline", "kfp")
    stages = {row["key"]: (row["a"], row["b"]) for row in sections["stages"]}
    assert set(stages) == set(outcome.stages)
    assert all(a is not None and b is not None for a, b in stages.values())  # both sides timed
    assert all(row["same"] for row in sections["metrics"]) and sections["metrics"]


def test_failing_validate_gate_fails_the_kfp_local_run_with_its_message(packages, tmp_path):
    outcome = kfp_target().run_local(ExportRequest(
        packages["iris_classification"], params={"n_estimators": 1, "max_depth": 1},
        workdir=tmp_path, options={"store": str(tmp_path / "runs.sqlite")}))
    assert outcome.status == "failed"
    assert outcome.message.startswith("validate: ValidationFailed: ")
    assert "deploy" not in outcome.stages and "train" in outcome.stages


def _notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": [f"lifecycle:{stage}"]})
                for stage, source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


HOLDER = """class Scorer:
    def __init__(self):
        self.score = lambda x: x * 2

rows = Scorer()"""


@pytest.mark.parametrize("made,type_name", [
    ("rows = (i * i for i in range(5))", "generator"),
    (HOLDER, "Scorer"),  # a custom class holding a lambda: joblib cannot store it
])
def test_a_value_no_serializer_carries_is_refused_at_export_time(tmp_path, made, type_name):
    notebook = _notebook(tmp_path / "gen.ipynb", [
        ("ingest", made),
        ("train", "total = sum(rows) if not hasattr(rows, 'score') else rows.score(3)"),
        ("evaluate", "metrics = {'total': total}"),
    ])
    out = tmp_path / "pipeline.yaml"
    with pytest.raises(ExportError) as caught:
        kfp_target().export(ExportRequest(notebook, out, workdir=tmp_path))
    message = str(caught.value)
    assert "variable 'rows' (" in message and type_name in message
    assert "cannot pass from step 'ingest' to step 'train'" in message
    assert not out.exists()
    shown = CliRunner().invoke(main, ["export", "--target", "kfp", str(notebook), "-o", str(out)])
    assert shown.exit_code == 2 and "variable 'rows' (" in shown.output


SEEDED = [
    ("setup", "import random\nimport numpy as np\nnp.random.seed(7)\nrandom.seed(7)"),
    ("prepare", "noise = np.random.rand(4)\npick = random.random()"),
    ("train", "draw = float(np.random.rand())\nlater = random.random()"),
    ("evaluate", ("metrics = {'draw': draw, 'later': later, 'noise0': float(noise[0]), "
                  "'pick': pick}")),
]


def _pipeline_metrics(package: Path, workdir: Path) -> dict:
    import os

    name = next(p.parent.name for p in (package / "src").glob("*/pipeline.py"))
    code = (f"import json; from {name} import pipeline, params; "
            "print(json.dumps(pipeline.run(params.Params(), record=False)['metrics']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=workdir, check=True, text=True,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(package / "src")})
    return json.loads(done.stdout)


def test_a_seed_in_setup_reaches_later_components_as_in_the_plain_run(tmp_path):
    """Each component is a fresh process: without the random state handed on, the draws after
    ``np.random.seed(7)`` came from new entropy and the metrics differed from the plain run."""
    import pyflakes.api

    from jupyter_lifecycle.targets.kfp.components import components_module
    from jupyter_lifecycle.targets.kfp.export import make_plan

    notebook = _notebook(tmp_path / "seeded.ipynb", SEEDED)
    package = api.convert(notebook, tmp_path / "pkg", package="kfp_seeded").out_dir
    plan = make_plan(package, {}, tmp_path)[0]
    links = {c.step.name: (c.rng_in is not None, c.rng_out is not None) for c in plan.components}
    assert links == {"setup": (False, True), "prepare": (True, True), "train": (True, False),
                     "evaluate": (False, False)}  # evaluate draws nothing: not in the chain
    source = components_module(plan)
    flakes: list[str] = []
    reporter = type("R", (), {"flake": lambda self, m: flakes.append(str(m)),
                              "syntaxError": lambda self, *a: flakes.append(str(a)),
                              "unexpectedError": lambda self, *a: flakes.append(str(a))})()
    pyflakes.api.check(source, "components.py", reporter)
    assert flakes == []
    plain = _pipeline_metrics(package, tmp_path)
    outcome = kfp_target().run_local(ExportRequest(package, workdir=tmp_path,
                                                   options={"store": str(tmp_path / "r.sqlite")}))
    assert outcome.status == "completed", outcome.message
    assert outcome.metrics == plain


def test_one_step_drawing_random_numbers_hands_no_state_on(tmp_path):
    from jupyter_lifecycle.targets.kfp.export import make_plan

    notebook = _notebook(tmp_path / "once.ipynb", [
        ("setup", "import numpy as np"),
        ("train", "np.random.seed(3)\ndraw = float(np.random.rand())"),
        ("evaluate", "metrics = {'draw': draw}"),
    ])
    package = api.convert(notebook, tmp_path / "pkg", package="kfp_once").out_dir
    plan = make_plan(package, {}, tmp_path)[0]
    assert all(c.rng_in is None and c.rng_out is None for c in plan.components)


def test_parameters_get_kfp_types_from_params():
    from jupyter_lifecycle.targets.kfp.plan import _parameters

    found = _parameters([
        {"name": "n", "type": "int", "value": 3, "default": 2},
        {"name": "grid", "type": "list", "value": [0.1, 1.0], "default": [0.1, 1.0]},
        {"name": "opts", "type": "dict", "value": {"a": 1}, "default": {"a": 1}},
        {"name": "flag", "type": "bool", "value": True, "default": False},
        {"name": "loose", "type": "Any", "value": 0.5, "default": 0.5},
    ])
    assert [(p.name, p.kfp_type, p.default, p.value) for p in found] == [
        ("n", "int", 2, 3), ("grid", "list", [0.1, 1.0], [0.1, 1.0]),
        ("opts", "dict", {"a": 1}, {"a": 1}), ("flag", "bool", False, True),
        ("loose", "float", 0.5, 0.5)]
    with pytest.raises(ExportError, match="parameter 'nothing' \\(Any, value None\\) has no KFP type"):
        _parameters([{"name": "nothing", "type": "Any", "value": None, "default": None}])


def test_export_cli_writes_the_yaml_and_lists_targets(packages, tmp_path):
    out = tmp_path / "iris.yaml"
    shown = CliRunner().invoke(main, ["export", "--target", "kfp", str(packages["wine_clustering"]),
                                      "-o", str(out), "--workdir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "7 step(s)" in shown.output and yaml.safe_load(out.read_text())["components"]
    listed = CliRunner().invoke(main, ["export", "--list"])
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if line.startswith("kfp"))
    assert "available" in row and "jupyter-lifecycle" in row


def test_registry_loads_a_third_party_target_from_an_entry_point(packages, tmp_path):
    entry_points = [
        importlib.metadata.EntryPoint("echo", "tests.kfp_plugin.echo_target:EchoTarget", GROUP),
        importlib.metadata.EntryPoint("needy", "tests.kfp_plugin.echo_target:NeedsMissingModule",
                                      GROUP),
        importlib.metadata.EntryPoint("broken", "tests.kfp_plugin.no_such_module:Target", GROUP),
    ]
    registry = TargetRegistry(entry_points)
    entries = {e.name: e for e in registry.entries()}
    assert entries["echo"].available and entries["echo"].origin == "built-in"
    assert not entries["needy"].available
    assert "pip install 'jupyter-lifecycle[needy]'" in entries["needy"].problem
    assert not entries["broken"].available and "cannot be imported" in entries["broken"].problem
    out = tmp_path / "steps.txt"
    result = registry.load("echo").export(ExportRequest(packages["gallery_pca_knn"], out))
    assert out.read_text().split() == list(result.steps) and "train" in result.steps
    with pytest.raises(TargetUnavailable, match="a_module_nobody_installed_here"):
        registry.load("needy").ensure_available()


def _without_kfp(*args: str) -> subprocess.CompletedProcess:
    """nb2pipe in an interpreter where ``import kfp`` fails, as without the extra."""
    code = ("import sys; sys.modules['kfp'] = None; from jupyter_lifecycle.cli import main; "
            f"main({list(args)!r}, prog_name='nb2pipe')")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_without_kfp_the_target_is_listed_unavailable_and_export_exits_2(packages):
    listed = _without_kfp("export", "--list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("kfp"))
    assert "unavailable" in row and "pip install 'jupyter-lifecycle[kfp]'" in listed.stdout
    shown = _without_kfp("export", "--target", "kfp", str(packages["iris_classification"]))
    assert shown.returncode == 2
    assert "pip install 'jupyter-lifecycle[kfp]'" in shown.stderr
