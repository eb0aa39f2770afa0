"""The Kubeflow Pipelines v2 target (extra ``jupyter-lifecycle[kfp]``): one component per
pipeline step, typed pipeline parameters, values passed as artifacts by type, metrics logged as
KFP metrics; compiles offline, runs locally with ``kfp.local``. kfp is imported only when used."""

from __future__ import annotations

from pathlib import Path

from ..base import ExportRequest, ExportResult, RunResult, Target


class KfpTarget(Target):
    name = "kfp"
    description = "Kubeflow Pipelines v2 YAML; runs locally with kfp.local"
    requires = ("kfp",)
    extra = "kfp"

    def export(self, request: ExportRequest) -> ExportResult:
        self.ensure_available()
        from .export import export_yaml

        return export_yaml(Path(request.source), request.output, dict(request.params),
                           dict(request.options), request.workdir)

    def run_local(self, request: ExportRequest, *, record: bool = True) -> RunResult:
        self.ensure_available()
        from .local_run import run_local

        store = request.options.get("store")
        return run_local(Path(request.source), dict(request.params), request.workdir,
                         record=record, store=Path(store) if store else None)
