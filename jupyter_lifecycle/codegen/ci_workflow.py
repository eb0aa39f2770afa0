"""``.github/workflows/<pkg>.yml``: the generated package's CI, as a GitHub Actions workflow.

One job per matrix entry (``strategy.matrix.include``): install the locked dependencies and the
package, run its tests, rerun ``run.ipynb`` with papermill with the entry's parameters, check the
``validate`` gate and the metric bounds (``python ci_check.py``, standard library only),
upload the executed notebook and the run record. ``nb2pipe ci`` runs the same steps locally.

The YAML is text built from typed records; every scalar is written as a JSON string, which YAML
reads back unchanged.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from ..ci.config import CiConfig
from ..graph import StageGraph
from .common import GeneratedFile, header_lines, notebook_name

OUT_DIR = ".nb2pipe-ci/runs"  # where each entry's executed notebook, record and store go


@dataclass(frozen=True)
class Step:
    name: str
    run: str | None = None
    uses: str | None = None
    with_: tuple[tuple[str, str], ...] = ()
    if_: str | None = None
    id: str | None = None


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _step_lines(step: Step) -> list[str]:
    lines = [f"      - name: {_q(step.name)}"]
    if step.id:
        lines.append(f"        id: {step.id}")
    if step.if_:
        lines.append(f"        if: {_q(step.if_)}")
    if step.uses:
        lines.append(f"        uses: {step.uses}")
    if step.with_:
        lines.append("        with:")
        lines.extend(f"          {key}: {_q(value)}" for key, value in step.with_)
    if step.run is not None:
        lines.append("        run: |")
        lines.extend(f"          {line}" if line else "" for line in step.run.splitlines())
    return lines


def python_version() -> str:
    """The Python minor version the package is generated with (its lock file's)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def workflow_steps(package: str, notebook_dir: str | None) -> list[Step]:
    kernel = f"{package}-ci"
    # the pipeline runs where the generated tests run it: the notebook's folder when it is known,
    # else a fresh folder (the entry's output folder, so files it writes become artifacts)
    cwd = _q(notebook_dir) if notebook_dir is not None else '"$CI_OUT"'
    return [
        Step("Check out the repository", uses="actions/checkout@v4"),
        Step(f"Set up Python {python_version()}", uses="actions/setup-python@v5",
             with_=(("python-version", python_version()),)),
        Step("Install the locked dependencies and the package", run="\n".join([
            "python -m pip install --no-deps -r requirements.lock",
            'python -m pip install "hatchling>=1.5"',
            'python -m pip install --no-build-isolation ".[notebook]"',
            f'python -m ipykernel install --sys-prefix --name {kernel} --display-name "{package} (CI)"',
        ])),
        Step("Run the tests", run="python -m pytest -q"),
        Step("Rerun run.ipynb with papermill", id="rerun", run="\n".join([
            'mkdir -p "$CI_OUT"',
            'JUPYTER_LIFECYCLE_STORE="$PWD/$CI_OUT/runs.sqlite" python -m papermill --log-level WARNING \\',
            f'  -k {kernel} --cwd {cwd} -y "$CI_PARAMS" run.ipynb "$CI_OUT/run.ipynb"',
        ])),
        Step("Check the validate gate and the metrics, record the run",
             if_="success() || steps.rerun.outcome == 'failure'",
             run='python ci_check.py "$CI_OUT/run.ipynb" --entry "$CI_ENTRY" --params "$CI_PARAMS"'),
        Step("Upload the executed notebook and the run record", uses="actions/upload-artifact@v4",
             if_="always()",
             with_=(("name", f"{package}-${{{{ matrix.name }}}}"),
                    ("path", f"${{{{ env.PACKAGE_DIR }}}}/{OUT_DIR}/${{{{ matrix.name }}}}/"),
                    ("include-hidden-files", "true"), ("if-no-files-found", "warn"))),
    ]


def ci_workflow(graph: StageGraph, package: str, config: CiConfig,
                notebook_dir: str | None = None) -> GeneratedFile:
    matrix = []
    for entry in config.matrix:
        matrix += [f"          - name: {_q(entry.name)}", f"            params: {_q(entry.params_json)}"]
    lines = [
        *header_lines(graph),
        f"# CI of {package}: its tests, then run.ipynb rerun with papermill for each matrix entry",
        "# ([tool.nb2pipe.ci] of pyproject.toml), the validate gate and the metric bounds checked,",
        "# the executed notebook and the run record uploaded. `nb2pipe ci` runs these steps locally.",
        "# GitHub reads workflows from the repository root's .github/workflows only: when this",
        "# folder is not the root, move this file there and set PACKAGE_DIR to this folder's path.",
        f"name: {_q(package)}",
        "on:",
        "  push:",
        "  pull_request:",
        "  workflow_dispatch:",
        "permissions:",
        "  contents: read",
        "jobs:",
        "  pipeline:",
        '    name: "run.ipynb (${{ matrix.name }})"',
        "    runs-on: ubuntu-latest",
        "    timeout-minutes: 60",
        "    strategy:",
        "      fail-fast: false",
        "      matrix:",
        "        include:",
        *matrix,
        "    env:",
        '      PACKAGE_DIR: "."  # this folder, relative to the repository root',
        '      CI_ENTRY: "${{ matrix.name }}"',
        '      CI_PARAMS: "${{ matrix.params }}"',
        f'      CI_OUT: "{OUT_DIR}/${{{{ matrix.name }}}}"',
        "    defaults:",
        "      run:",
        "        shell: bash",
        '        working-directory: "${{ env.PACKAGE_DIR }}"',
        "    steps:",
    ]
    for step in workflow_steps(package, notebook_dir):
        lines.extend(_step_lines(step))
    return GeneratedFile(f".github/workflows/{package}.yml", "\n".join(lines) + "\n",
                         f"CI matrix of {notebook_name(graph)}")
