"""``nb2pipe export --target kfp``: notebook or package → observed run → plan → KFP YAML."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ...errors import LifecycleError
from .plan import ExportError, Plan, build_plan, needed
from .structure import PackageLayout, read_layout


@contextlib.contextmanager
def package_folder(source: Path):
    """The generated package of ``source``: the folder itself, or the notebook converted into a
    temporary folder (removed afterwards)."""
    if source.is_dir():
        yield source
        return
    if source.suffix != ".ipynb":
        raise LifecycleError(f"{source}: expected a notebook (.ipynb) or a package folder")
    from ... import api

    with tempfile.TemporaryDirectory(prefix="nb2pipe-export-") as folder:
        result = api.convert(source, Path(folder) / "package", use_cache=True)
        if not result.written:
            problems = "\n".join(str(d) for d in result.errors) or "nothing was generated"
            raise ExportError(f"{source} does not convert:\n{problems}")
        yield result.out_dir


def observe(layout: PackageLayout, params: dict, workdir: Path | None) -> dict:
    """Run the package once in a fresh interpreter and describe every crossing value."""
    with tempfile.TemporaryDirectory(prefix="nb2pipe-observe-") as folder:
        out = Path(folder) / "observed.json"
        command = [sys.executable, "-m", "jupyter_lifecycle.targets.kfp.observe",
                   "--src", str(layout.src), "--package", layout.package,
                   "--params", json.dumps(params), "--needed", json.dumps(needed(layout)),
                   "--out", str(out)]
        done = subprocess.run(command, check=False, cwd=workdir or os.getcwd(),
                              capture_output=True, text=True)
        if not out.is_file():
            raise ExportError(f"{layout.package}: the observing run did not finish:\n"
                              f"{done.stderr.strip()[-2000:]}")
        report = json.loads(out.read_text(encoding="utf-8"))
    if report["error"] and not report["params"]:
        raise ExportError(f"{layout.package}: the export could not run the pipeline once to "
                          f"learn the types of its values: {report['error']}")
    return report  # a failing step (a gate) is fine when every value crossing was seen


def make_plan(root: Path, params: dict, workdir: Path | None) -> tuple[Plan, bool]:
    """The plan of the package in ``root`` and whether pandas values travel as parquet."""
    layout = read_layout(root)
    observed = observe(layout, params, workdir)
    notebook = _notebook_name(root) or layout.package
    return build_plan(layout, observed, notebook), bool(observed.get("parquet"))


def source_notebook(source: Path, root: Path, workdir: Path) -> Path | None:
    """The notebook a run of ``source`` reproduces, when it is on disk: the notebook itself, or
    the one the package's manifest names, in the run's working folder (where a pipeline run of
    the package finds it too)."""
    if source.suffix == ".ipynb":
        return source.resolve()
    name = _notebook_name(root)
    candidate = workdir / name if name else None
    return candidate if candidate is not None and candidate.is_file() else None


def _notebook_name(root: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        manifest = json.loads((root / ".nb2pipe-manifest.json").read_text(encoding="utf-8"))
        return str(manifest["notebook"]["name"])
    return None


def export_yaml(source: Path, output: Path | None, params: dict, options: dict,
                workdir: Path | None):
    """Compile ``source`` for a cluster and write the YAML atomically; the ExportResult."""
    from ...fsutil import atomic_write
    from ..base import ExportResult
    from .compile import cluster_environment, compile_plan

    started = time.perf_counter()
    with package_folder(source) as root:
        plan, parquet = make_plan(root, params, workdir)
        environment = cluster_environment(plan, options.get("base_image"),
                                          options.get("package_spec"), parquet)
        compiled = compile_plan(plan, environment)
    target = output or Path(f"{plan.layout.distribution}-kfp.yaml")
    atomic_write(target, compiled.yaml)
    formats = ("values between steps: " + ("parquet" if parquet else "CSV") + " for pandas, "
               ".npy for numpy, joblib for estimators, JSON for plain values")
    installs = (f"components install {environment.packages[-1]} and "
                f"{len(environment.packages) - 1} locked pin(s) on {environment.base_image}")
    failed = ((f"the observing run failed ({plan.failure}); every value crossing steps was "
               "seen before it"),) if plan.failure else ()
    unpublished = ((f"{source.name} was converted in a temporary folder: convert it with nb2pipe "
                    "convert and publish that package where the cluster installs it from, or "
                    "pass --package-spec"),)
    unpublished = () if source.is_dir() or options.get("package_spec") else unpublished
    notes = (*failed, formats, installs, *unpublished)
    return ExportResult("kfp", target, plan.layout.package,
                        tuple(c.step.name for c in plan.components),
                        {p.name: p.default for p in plan.parameters},
                        time.perf_counter() - started, notes)
