"""Compile a plan to KFP v2 YAML, offline: the components module is imported from a temporary
folder and each step becomes a lightweight Python component.

Two environments, one component code:
- ``cluster``: ``base_image`` plus ``packages_to_install`` = the package's ``requirements.lock``
  pins and the package itself (a requirement the cluster can install: by default
  ``<distribution>==<version>`` from the team's index; ``--package-spec`` for a wheel URL or a
  git URL), and kfp's own runtime;
- ``local``: nothing installed (kfp.local's SubprocessRunner with ``use_venv=False`` runs in the
  current environment, which has the package's dependencies); the package is found through
  ``PYTHONPATH`` set for the run, never through a path written into the YAML.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from .components import components_module
from .plan import Plan

DEFAULT_IMAGE = f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"


@dataclass(frozen=True)
class Environment:
    base_image: str
    packages: tuple[str, ...]  # empty: the component runs where it is started (local)
    install_kfp: bool


def locked_requirements(root: Path) -> tuple[str, ...]:
    """The ``name==version`` lines of ``requirements.lock`` (comments and options left out)."""
    path = root / "requirements.lock"
    if not path.is_file():
        return ()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("-"))


def cluster_environment(plan: Plan, base_image: str | None, package_spec: str | None,
                        parquet: bool) -> Environment:
    layout = plan.layout
    packages = list(locked_requirements(layout.root))
    if parquet and not any(p.lower().startswith("pyarrow") for p in packages):
        import importlib.metadata

        packages.append(f"pyarrow=={importlib.metadata.version('pyarrow')}")
    packages.append(package_spec or f"{layout.distribution}=={layout.version}")
    return Environment(base_image or DEFAULT_IMAGE, tuple(packages), True)


def local_environment(base_image: str | None) -> Environment:
    return Environment(base_image or DEFAULT_IMAGE, (), False)


@dataclass(frozen=True)
class Compiled:
    source: str  # the components module
    pipeline: object  # the kfp pipeline (a GraphComponent), callable under kfp.local
    yaml: str


def compile_plan(plan: Plan, environment: Environment) -> Compiled:
    from kfp import compiler, dsl

    source = components_module(plan)
    with tempfile.TemporaryDirectory() as folder:
        name = f"nb2pipe_kfp_{uuid.uuid4().hex}"
        path = Path(folder) / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # inspect.getsource finds the functions through it
        try:
            spec.loader.exec_module(module)

            def component(function):
                return dsl.component(function, base_image=environment.base_image,
                                     packages_to_install=list(environment.packages) or None,
                                     install_kfp_package=environment.install_kfp)

            pipeline = module.build_pipeline(component)
        finally:
            del sys.modules[name]
        out = Path(folder) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline, str(out))
        return Compiled(source, pipeline, out.read_text(encoding="utf-8"))
