"""MLflow export: live logging from ``nb2pipe run`` and ``nb2pipe runs export`` into a local
``sqlite:///`` tracking store (MLflow is the ``mlflow`` extra, installed by ``make test``)."""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

from jupyter_lifecycle.capture.store import RunStore

from conftest import write_notebook
from test_run_cli import SMALL, nb2pipe

pytestmark = pytest.mark.e2e


def test_runs_are_logged_live_and_exported_once(tmp_path, env):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    nb = write_notebook(tmp_path / "small.ipynb", SMALL)
    live = nb2pipe("run", nb, "-p", "alpha", "2.0", cwd=tmp_path,
                   env={**env, "JUPYTER_LIFECYCLE_MLFLOW_URI": uri})
    assert live.returncode == 0, live.stderr
    quiet = nb2pipe("run", nb, "-p", "alpha", "3.0", cwd=tmp_path, env=env)  # not configured
    assert quiet.returncode == 0, quiet.stderr

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("nb2pipe/small")
    (logged,) = client.search_runs([experiment.experiment_id])
    assert logged.data.params["alpha"] == "2.0"
    assert logged.data.metrics["total"] == 20.0
    assert "stage_seconds.train" in logged.data.metrics
    assert logged.info.status == "FINISHED"
    assert logged.data.tags["jupyter_lifecycle.kind"] == "papermill"
    artifact = client.download_artifacts(logged.info.run_id, "lifecycle_run.json", str(tmp_path))
    record = json.loads(open(artifact).read())
    assert record["params"]["alpha"] == 2.0
    assert not (tmp_path / "mlruns").exists()  # artifacts sit beside the database

    exported = nb2pipe("runs", "export", "--mlflow", uri, cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 new run(s) of 2" in exported.stdout
    assert "already exported" in exported.stdout
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.data.params["alpha"] for r in runs) == ["2.0", "3.0"]
    ids = {r.data.tags["jupyter_lifecycle.run_id"] for r in runs}
    assert ids == {r["run_id"] for r in RunStore(env["JUPYTER_LIFECYCLE_STORE"]).list()}
