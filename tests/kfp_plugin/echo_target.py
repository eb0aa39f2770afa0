"""A third-party export target for the registry test: it writes the package's step names."""

from __future__ import annotations

from pathlib import Path

from jupyter_lifecycle.targets import ExportRequest, ExportResult, Target


class EchoTarget(Target):
    name = "echo"
    description = "writes the step names, one a line"

    def export(self, request: ExportRequest) -> ExportResult:
        from jupyter_lifecycle.targets.kfp.structure import read_layout

        layout = read_layout(request.source)
        steps = tuple(s.name for s in layout.steps)
        out = request.output or Path("steps.txt")
        out.write_text("\n".join(steps) + "\n", encoding="utf-8")
        return ExportResult(self.name, out, layout.package, steps, {}, 0.0)


class NeedsMissingModule(EchoTarget):
    name = "needy"
    requires = ("a_module_nobody_installed_here",)
    extra = "needy"
