"""Export run records to an MLflow tracking server or store (``pip install jupyter-lifecycle[mlflow]``).

Each record becomes one MLflow run in experiment ``nb2pipe/<notebook stem>`` (or the one given):
parameters, metrics, per-stage timings (``stage_seconds.<stage>``), tags for git, kind, status and
notebook, and the whole record as the artifact ``lifecycle_run.json``. Exporting twice is a no-op:
runs are found again by the tag ``jupyter_lifecycle.run_id``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import PurePath

RUN_ID_TAG = "jupyter_lifecycle.run_id"
ENV_URI = "JUPYTER_LIFECYCLE_MLFLOW_URI"


class MlflowMissing(RuntimeError):
    pass


def _client(tracking_uri: str):
    try:
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise MlflowMissing("MLflow is not installed: pip install 'jupyter-lifecycle[mlflow]'") from None
    return MlflowClient(tracking_uri=tracking_uri)


def _millis(iso: str | None) -> int | None:
    if not iso:
        return None
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _artifact_root(tracking_uri: str) -> str | None:
    """For a local ``sqlite:///path/mlflow.db`` store, artifacts go next to the database
    (MLflow's default is ``./mlruns`` under whatever the current directory happens to be)."""
    if tracking_uri.startswith("sqlite:///"):
        from pathlib import Path

        return (Path(tracking_uri[len("sqlite:///"):]).resolve().parent / "mlartifacts").as_uri()
    return None


def _experiment_id(client, name: str, tracking_uri: str) -> str:
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    root = _artifact_root(tracking_uri)
    return client.create_experiment(name, artifact_location=f"{root}/{name}" if root else None)


def _tags(record: dict) -> dict[str, str]:
    git = record.get("git") or {}
    notebook = record.get("notebook") or {}
    tags = {
        RUN_ID_TAG: record["run_id"],
        "jupyter_lifecycle.kind": str(record.get("kind")),
        "jupyter_lifecycle.status": str(record.get("status")),
        "jupyter_lifecycle.notebook": str(notebook.get("path")),
        "jupyter_lifecycle.notebook_sha256": str(notebook.get("sha256")),
        "mlflow.source.name": str(notebook.get("path")),
    }
    if git.get("commit"):
        tags["mlflow.source.git.commit"] = git["commit"]
        tags["jupyter_lifecycle.git.branch"] = str(git.get("branch"))
        tags["jupyter_lifecycle.git.dirty"] = str(bool(git.get("dirty"))).lower()
    failure = record.get("failure")
    if failure:
        tags["jupyter_lifecycle.failed_cell"] = str(failure.get("cell_id"))
    return tags


def export_record(record: dict, tracking_uri: str, experiment: str | None = None) -> tuple[str, bool]:
    """Log one record; returns (MLflow run id, whether it was created now)."""
    client = _client(tracking_uri)
    notebook = (record.get("notebook") or {}).get("path") or "notebook"
    name = experiment or f"nb2pipe/{PurePath(notebook).stem}"
    experiment_id = _experiment_id(client, name, tracking_uri)
    found = client.search_runs([experiment_id], f"tags.`{RUN_ID_TAG}` = '{record['run_id']}'", max_results=1)
    if found:
        return found[0].info.run_id, False
    run = client.create_run(experiment_id, start_time=_millis(record.get("started")), tags=_tags(record),
                            run_name=f"{record.get('kind')}-{record['run_id'][:8]}")
    run_id = run.info.run_id
    for key, value in (record.get("params") or {}).items():
        client.log_param(run_id, key, json.dumps(value) if not isinstance(value, str) else value)
    timestamp = _millis(record.get("ended")) or _millis(record.get("started"))
    nonfinite = set(record.get("nonfinite") or ())  # NaN / infinities stored as strings
    for key, value in (record.get("metrics") or {}).items():
        if isinstance(value, str) and f"metrics.{key}" in nonfinite:
            value = float(value)  # "nan", "inf" or "-inf"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            client.log_metric(run_id, key, float(value), timestamp=timestamp)
    for stage, timing in (record.get("stages") or {}).items():
        if isinstance(timing, dict) and isinstance(timing.get("duration_s"), (int, float)):
            client.log_metric(run_id, f"stage_seconds.{stage}", float(timing["duration_s"]), timestamp=timestamp)
    client.log_text(run_id, json.dumps(record, indent=1, sort_keys=True, default=str), "lifecycle_run.json")
    status = {"completed": "FINISHED", "failed": "FAILED"}.get(record.get("status"), "RUNNING")
    if status != "RUNNING":
        client.set_terminated(run_id, status=status, end_time=_millis(record.get("ended")))
    return run_id, True


def configured_tracking_uri(near) -> str | None:
    """Where runs are logged live: ``$JUPYTER_LIFECYCLE_MLFLOW_URI``, else ``mlflow_tracking_uri``
    in ``[tool.nb2pipe]`` of the nearest pyproject.toml; None when neither is set."""
    import os
    import tomllib
    from pathlib import Path

    from ..stages import find_pyproject

    if os.environ.get(ENV_URI):
        return os.environ[ENV_URI]
    pyproject = find_pyproject(Path(near))
    if pyproject is None:
        return None
    try:
        config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    uri = config.get("tool", {}).get("nb2pipe", {}).get("mlflow_tracking_uri")
    return str(uri) if uri else None
