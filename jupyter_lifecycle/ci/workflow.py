"""A generated package's GitHub workflow, read into typed records for the local runner.

Only what ``nb2pipe ci`` executes is modelled: one job, its ``strategy.matrix.include`` entries,
job ``env``, ``defaults.run`` and the steps (``run:`` or ``uses:``, ``with:``, ``env:``, ``if:``,
``id:``). A missing package, a missing workflow or YAML that is not such a workflow is a
WorkflowError naming the file and the field (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LifecycleError

WORKFLOWS = Path(".github") / "workflows"


class WorkflowError(LifecycleError):
    """No package, no workflow, or a workflow the local runner cannot read (exit code 2)."""


@dataclass(frozen=True)
class WorkflowStep:
    index: int
    name: str
    run: str | None = None
    uses: str | None = None
    with_: tuple[tuple[str, Any], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    if_: str | None = None
    id: str | None = None

    @property
    def action(self) -> str | None:
        """``actions/checkout`` for ``actions/checkout@v4``."""
        return self.uses.split("@", 1)[0] if self.uses else None


@dataclass(frozen=True)
class Workflow:
    path: Path
    job: str
    entries: tuple[dict[str, Any], ...]  # matrix rows; each has a name
    env: tuple[tuple[str, str], ...]
    working_directory: str
    shell: str
    steps: tuple[WorkflowStep, ...]


def find_workflow(package_dir: Path) -> Path:
    """The package's workflow: ``.github/workflows/<pkg>.yml`` (the only .yml there, else the one
    named after a ``src/<pkg>`` folder)."""
    if not package_dir.is_dir():
        raise WorkflowError(f"{package_dir}: no such folder (give the folder `nb2pipe convert` wrote)")
    if not (package_dir / "pyproject.toml").is_file():
        raise WorkflowError(f"{package_dir}: no pyproject.toml: not a package folder "
                            "(give the folder `nb2pipe convert` wrote)")
    folder = package_dir / WORKFLOWS
    found = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    src = package_dir / "src"
    names = {p.name for p in src.iterdir() if p.is_dir()} if src.is_dir() else set()
    named = [p for p in found if p.stem in names]
    if len(found) == 1 or len(named) == 1:
        return found[0] if len(found) == 1 else named[0]
    if not found:
        raise WorkflowError(f"{package_dir}: no workflow in {WORKFLOWS.as_posix()}/ (convert "
                            "without --no-ci writes one)")
    raise WorkflowError(f"{package_dir}: {len(found)} workflows in {WORKFLOWS.as_posix()}/ and "
                        "none named after the package")


def _mapping(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WorkflowError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _strings(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    items = _mapping(value, where)
    return tuple((str(k), "" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                 for k, v in items.items())


def load_workflow(path: Path) -> Workflow:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkflowError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise WorkflowError(f"{path}: not valid YAML: {exc}") from None
    jobs = _mapping(_mapping(data, str(path)).get("jobs"), f"{path}: jobs")
    if len(jobs) != 1:
        raise WorkflowError(f"{path}: jobs: the local runner runs a workflow of one job, "
                            f"found {len(jobs)}")
    (job_name, job), = jobs.items()
    where = f"{path}: jobs.{job_name}"
    job = _mapping(job, where)
    matrix = _mapping(_mapping(job.get("strategy"), f"{where}.strategy").get("matrix"),
                      f"{where}.strategy.matrix")
    include = matrix.get("include", [{"name": "default"}])
    if not isinstance(include, list) or not include:
        raise WorkflowError(f"{where}.strategy.matrix.include: expected a list of entries")
    entries = []
    for i, entry in enumerate(include):
        entry = _mapping(entry, f"{where}.strategy.matrix.include[{i}]")
        if not isinstance(entry.get("name"), str):
            raise WorkflowError(f"{where}.strategy.matrix.include[{i}].name: every entry needs a name")
        entries.append(dict(entry))
    run_defaults = _mapping(_mapping(job.get("defaults"), f"{where}.defaults").get("run"),
                            f"{where}.defaults.run")
    raw_steps = job.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise WorkflowError(f"{where}.steps: expected a list of steps")
    steps = []
    for i, raw in enumerate(raw_steps):
        step_where = f"{where}.steps[{i}]"
        raw = _mapping(raw, step_where)
        run, uses = raw.get("run"), raw.get("uses")
        if (run is None) == (uses is None):
            raise WorkflowError(f"{step_where}: a step has either `run` or `uses`")
        name = str(raw.get("name") or (f"Run {str(run).splitlines()[0]}" if run else uses))
        steps.append(WorkflowStep(i, name, run=None if run is None else str(run),
                                  uses=None if uses is None else str(uses),
                                  with_=tuple(_mapping(raw.get("with"), f"{step_where}.with").items()),
                                  env=_strings(raw.get("env"), f"{step_where}.env"),
                                  if_=None if raw.get("if") is None else str(raw.get("if")),
                                  id=None if raw.get("id") is None else str(raw.get("id"))))
    return Workflow(path, str(job_name), tuple(entries), _strings(job.get("env"), f"{where}.env"),
                    str(run_defaults.get("working-directory", ".")), str(run_defaults.get("shell", "bash")),
                    tuple(steps))
