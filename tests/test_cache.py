"""The per-cell analysis cache and the generated-file cache: reuse, invalidation, equivalence."""

from __future__ import annotations

import json
import sqlite3

from jupyter_lifecycle.analysis.cache import AnalysisCache, analyze_sources
from jupyter_lifecycle.api import convert

from conftest import SAMPLES


def rows(cache: AnalysisCache, table: str) -> int:
    with sqlite3.connect(cache.path) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_cached_analysis_equals_a_fresh_one_and_loads_its_tree_lazily(tmp_path):
    sources = ["import math\nx = math.pi  # pi", "%time y = x * 2\ny", "!echo hi"]
    cache = AnalysisCache(tmp_path)
    fresh = analyze_sources(sources, cache)
    cached = analyze_sources(sources, cache)
    for a, b in zip(fresh, cached):
        assert a == b  # names, dropped statements, magics, issues, imports
        assert b._module is None  # nothing parsed yet...
        assert b.module.code == a.module.code  # ...until codegen asks for the tree
    assert rows(cache, "cell") == 3


def test_an_edited_cell_is_the_only_one_analysed_again(tmp_path):
    cache = AnalysisCache(tmp_path)
    analyze_sources(["a = 1", "b = a + 1", "c = b * 2"], cache)
    analyze_sources(["a = 1", "b = a + 2", "c = b * 2"], cache)
    assert rows(cache, "cell") == 4


def test_an_unusable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = AnalysisCache(blocker)  # cannot create its folder
    (analysis,) = analyze_sources(["x = 1"], cache)
    assert analysis.statements[0].defines == ("x",)


def test_regenerating_after_one_edit_rebuilds_only_that_stage(tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("NB2PIPE_CACHE_DIR", str(cache_dir))
    nb = tmp_path / "iris.ipynb"
    raw = json.loads((SAMPLES / "iris_classification.ipynb").read_text())
    nb.write_text(json.dumps(raw))
    first = convert(nb, tmp_path / "a")
    cache = AnalysisCache(cache_dir)
    rendered = rows(cache, "render")
    # Edit a comment in the train cell: only the train stage's file is rendered again, and
    # within it only the edited cell (one new stage file, one new cell fragment), and only that
    # file is self-checked again (one new clean-module entry).
    train = next(c for c in raw["cells"] if c.get("id") == "train-fit")
    train["source"] = "# tuned\n" + "".join(train["source"])
    nb.write_text(json.dumps(raw))
    second = convert(nb, tmp_path / "b")
    assert rows(cache, "render") == rendered + 3
    before = {f.path: f.text for f in first.files}
    after = {f.path: f.text for f in second.files}
    assert before.keys() == after.keys()
    assert [p for p in after if after[p] != before[p]] == [
        "src/iris_pipeline/stages/train.py"]
    assert "# tuned" in after["src/iris_pipeline/stages/train.py"]


def test_cached_conversion_writes_the_same_files_as_an_uncached_one(tmp_path, monkeypatch):
    monkeypatch.setenv("NB2PIPE_CACHE_DIR", str(tmp_path / "cache"))
    nb = SAMPLES / "executed" / "digits_magics.ipynb"
    warm_up = convert(nb, tmp_path / "w", dry_run=True)
    cached = convert(nb, tmp_path / "c", dry_run=True)
    plain = convert(nb, tmp_path / "p", dry_run=True, use_cache=False)
    texts = lambda r: {f.path: f.text for f in r.files}  # noqa: E731
    assert texts(cached) == texts(plain) == texts(warm_up)


def test_big_cold_conversion_in_two_processes_writes_the_same_files(tmp_path, monkeypatch):
    from jupyter_lifecycle.notebook import read_notebook
    from jupyter_lifecycle.prerender import MIN_CELLS, precompute

    from conftest import write_notebook

    stages = ["ingest", "prepare", "train", "evaluate"]
    cells = [("import math\nSCALE = 2", ["lifecycle:setup"]), ("n = 3", ["parameters"])]
    for i in range(MIN_CELLS + 20):
        stage = stages[i * len(stages) // (MIN_CELLS + 20)]
        body = f"# step {i}\nv{i} = math.sqrt({i} + n) * SCALE" + (f" + v{i - 1}" if i else "")
        cells.append((body, [f"lifecycle:{stage}"] if i % 7 == 0 else []))
    cells.append(("metrics = {'last': v%d}\nmetrics" % (MIN_CELLS + 19), ["lifecycle:evaluate"]))
    cells.append(("assert metrics['last'] > 0", ["lifecycle:validate"]))
    nb = write_notebook(tmp_path / "big.ipynb", cells)
    monkeypatch.setenv("NB2PIPE_CACHE_DIR", str(tmp_path / "cache"))
    assert precompute(read_notebook(nb), AnalysisCache(tmp_path / "cache")) == len(cells)
    parallel = convert(nb, tmp_path / "a")  # everything now comes from the caches
    serial = convert(nb, tmp_path / "b", use_cache=False)
    assert not parallel.errors
    assert {f.path: f.text for f in parallel.files} == {f.path: f.text for f in serial.files}
