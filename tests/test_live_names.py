"""``names_read`` yields exactly the notebook names of ``live_reads``, in order, for every
statement of the sample and messy notebooks and of a notebook that defines a function twice."""

from __future__ import annotations

from jupyter_lifecycle.graph.build import analyze_notebook
from jupyter_lifecycle.graph.checks import Reporter
from jupyter_lifecycle.graph.facts import read_facts
from jupyter_lifecycle.graph.live_names import live_reads, names_read
from jupyter_lifecycle.notebook import read_notebook

from conftest import ROOT, SAMPLES, write_notebook

TWICE = [
    ("import math", ["lifecycle:setup"]),
    ("raw = [1.0, 2.0]\nrate = sum(raw)", ["lifecycle:ingest"]),
    ("def scale(x):\n    return x * rate", ["lifecycle:prepare"]),
    ("a = scale(3)", []),
    ("def scale(x):\n    return math.sqrt(x) + a", []),
    ("b = scale(a) + scale(4)", []),
    ("metrics = {'b': b}", ["lifecycle:evaluate"]),
]


def _agree(path) -> int:
    nb = read_notebook(path)
    analyses = analyze_notebook(nb)
    facts = read_facts(nb, analyses, Reporter(nb))
    checked = 0
    for cell in nb.code_cells:
        if cell.id not in analyses:
            continue
        for names in analyses[cell.id].statements:
            reads = (*names.reads, *names.earlier_reads, *names.mutates)
            assert list(names_read(facts.versions, facts.injected, cell, names.index, reads)) == \
                [r.read for r in live_reads(facts.versions, facts.injected, cell, names.index, reads)]
            checked += 1
    return checked


def test_names_read_agrees_with_live_reads_on_every_notebook():
    paths = sorted([*SAMPLES.glob("*.ipynb"), *(ROOT / "tests/notebooks/messy").glob("*.ipynb")])
    assert len(paths) > 20
    assert sum(_agree(p) for p in paths) > 1000


def test_names_read_agrees_where_a_function_is_defined_twice(tmp_path):
    path = write_notebook(tmp_path / "twice.ipynb", TWICE)
    nb = read_notebook(path)
    facts = read_facts(nb, analyze_notebook(nb), Reporter(nb))
    assert facts.versions and facts.injected  # both paths of live_reads are exercised
    assert _agree(path) > 0
