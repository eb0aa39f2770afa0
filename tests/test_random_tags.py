"""Property: whatever stage tags a notebook carries, the converter never ends in a traceback,
and every file it generates parses."""

from __future__ import annotations

import ast
import json

import nbformat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_lifecycle.codegen import generate_package
from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import parse_notebook
from jupyter_lifecycle.stages import StageTable

from conftest import SAMPLE_NAMES, SAMPLES

STAGES = [None, *StageTable().names, "parameters"]
SOURCES = {name: json.loads((SAMPLES / f"{name}.ipynb").read_text()) for name in SAMPLE_NAMES}


@st.composite
def tagged_notebooks(draw):
    name = draw(st.sampled_from(SAMPLE_NAMES))
    raw = json.loads(json.dumps(SOURCES[name]))
    for cell in raw["cells"]:
        if cell["cell_type"] != "code":
            continue
        stage = draw(st.sampled_from(STAGES))
        tags = [] if stage is None else ["parameters"] if stage == "parameters" else [f"lifecycle:{stage}"]
        cell["metadata"]["tags"] = tags
    return name, raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tagged_notebooks())
def test_any_tag_layout_converts_or_reports_diagnostics(case):
    name, raw = case
    nb = parse_notebook(json.dumps(raw), f"{name}.ipynb")
    graph = build_graph(nb)
    if graph.errors:
        for d in graph.errors:  # every error points at a cell
            assert d.location.notebook == f"{name}.ipynb"
            assert d.location.cell_index is not None or d.code in ("star-import",)
        return
    files, _ = generate_package(graph, "random_pipeline")
    for f in files:
        if f.path.endswith(".py"):
            ast.parse(f.text, f.path)
        elif f.path.endswith(".ipynb"):
            run_nb = nbformat.reads(f.text, as_version=4)
            nbformat.validate(run_nb)
            for cell in run_nb.cells:
                if cell.cell_type == "code":
                    ast.parse(cell.source)


