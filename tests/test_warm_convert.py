"""A warm conversion (caches filled, one cell edited) writes exactly what a cold one writes.

Every cache on the convert path (cell analyses, rendered cell statements, stage, helper, test,
pipeline, static, project and CI files, self-check results, the installed-distributions map) is
keyed on what its output depends on; these tests edit one cell in ways that reach each of them
and compare every written file, byte for byte, with a fresh conversion of the edited notebook
that uses no cache at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_lifecycle.api import convert

from conftest import write_notebook

CELLS = [
    ("import math\nimport json\nSCALE = 2", ["lifecycle:setup"]),
    ("n = 3\nlabel = 'base'", ["parameters"]),
    ("# load\nraw = [math.sqrt(i + n) for i in range(10)]", ["lifecycle:ingest"]),
    ("# scale\nscaled = [v * SCALE * 1.25 for v in raw]", ["lifecycle:prepare"]),
    ("total = sum(scaled)\nprint(label, total)", []),
    ("model = {'w': total / len(scaled)}", ["lifecycle:train"]),
    ("metrics = {'w': model['w'], 'n': n}\nmetrics", ["lifecycle:evaluate"]),
    ("assert metrics['w'] > 0, 'weight must be positive'", ["lifecycle:validate"]),
    ("assert len(scaled) == 10", ["lifecycle:test"]),
]

# (what the edit reaches, cell index, new source)
EDITS = [
    ("a constant (one cell fragment, its stage)", 3,
     "# scale\nscaled = [v * SCALE * 1.75 for v in raw]"),
    ("a new value read by a later stage (signatures, pipeline)", 3,
     "# scale\nscaled = [v * SCALE * 1.25 for v in raw]\noffset = min(scaled)"),
    ("an import of an installed distribution (pyproject, lock file)", 5,
     "import nbformat\nmodel = {'w': total / len(scaled), 'format': nbformat.v4.nbformat}"),
    ("a new parameter (params module, run notebook, tests)", 1,
     "n = 3\nlabel = 'base'\nrepeats = 2"),
    ("a gate's assert (validate stage)", 7,
     "assert metrics['w'] > 0.5, 'weight must be positive'"),
    ("a test cell (test cells file)", 8, "assert len(scaled) == 10\nassert total > 0"),
    ("a parameter's default (params module, run notebook, pipeline tests)", 1,
     "n = 4\nlabel = 'base'"),
    ("a parameter's comment (params module)", 1, "n = 3  # how many\nlabel = 'base'"),
    ("a test cell reading another value (conftest snapshots)", 8,
     "assert len(scaled) == 10\nassert model['w'] > 0"),
]


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def cells_with(index: int, source: str) -> list:
    cells = list(CELLS)
    cells[index] = (source, cells[index][1])
    if index == 3 and "offset" in source:  # make a later stage read the new value
        cells[5] = ("model = {'w': total / len(scaled) - offset}", cells[5][1])
    return cells


@pytest.mark.parametrize("what, index, source", EDITS, ids=[e[0].split(" (")[0] for e in EDITS])
def test_warm_conversion_after_one_edit_equals_a_cold_one(tmp_path, monkeypatch, what, index,
                                                          source):
    monkeypatch.setenv("NB2PIPE_CACHE_DIR", str(tmp_path / "cache"))
    nb = write_notebook(tmp_path / "toy.ipynb", CELLS)
    first = convert(nb, tmp_path / "warm")
    assert first.written and not first.errors
    write_notebook(nb, cells_with(index, source))
    warm = convert(nb, tmp_path / "warm", force=True)
    cold = convert(nb, tmp_path / "cold", use_cache=False)
    assert warm.written and cold.written and not cold.errors
    before = {f.path: f.text for f in first.files}
    assert any(before.get(f.path) != f.text for f in cold.files), "the edit changed nothing"
    assert files_under(tmp_path / "warm") == files_under(tmp_path / "cold")


def test_warm_conversion_of_a_big_notebook_after_one_edit_equals_a_cold_one(tmp_path,
                                                                            monkeypatch):
    """Past the size where a cold conversion forks a second process (whose results fill the
    caches the warm conversion then reads)."""
    from jupyter_lifecycle.prerender import MIN_CELLS

    stages = ["ingest", "prepare", "train", "evaluate"]
    cells = [("import math\nSCALE = 2", ["lifecycle:setup"]), ("n = 3", ["parameters"])]
    count = MIN_CELLS + 20
    for i in range(count):
        stage = stages[i * len(stages) // count]
        body = f"# step {i}\nv{i} = math.sqrt({i} + n) * SCALE" + (f" + v{i - 1}" if i else "")
        cells.append((body, [f"lifecycle:{stage}"] if i % 7 == 0 else []))
    cells.append((f"metrics = {{'last': v{count - 1}}}\nmetrics", ["lifecycle:evaluate"]))
    cells.append(("assert metrics['last'] > 0", ["lifecycle:validate"]))
    monkeypatch.setenv("NB2PIPE_CACHE_DIR", str(tmp_path / "cache"))
    nb = write_notebook(tmp_path / "big.ipynb", cells)
    assert convert(nb, tmp_path / "warm", parallel=True).written
    edited = list(cells)
    edited[40] = (cells[40][0].replace("* SCALE", "* SCALE * 1.5"), cells[40][1])
    write_notebook(nb, edited)
    warm = convert(nb, tmp_path / "warm", force=True, parallel=True)
    cold = convert(nb, tmp_path / "cold", use_cache=False)
    assert warm.written and cold.written
    assert files_under(tmp_path / "warm") == files_under(tmp_path / "cold")


def test_the_distribution_map_survives_writes_next_to_the_notebook(tmp_path, monkeypatch):
    """The installed-distributions map is keyed on the folders that hold distribution metadata:
    files appearing in a folder without any (the current one, under ``python -m``) keep it."""
    import sys

    from jupyter_lifecycle.codegen.project_files import distributions_key

    plain = tmp_path / "work"
    plain.mkdir()
    monkeypatch.setattr(sys, "path", [str(plain), *sys.path])
    before = distributions_key()
    (plain / "toy_pipeline").mkdir()
    (plain / "notes.txt").write_text("x")
    assert distributions_key() == before
    (plain / "extra-1.0.dist-info").mkdir()  # a distribution appears there: a new map
    assert distributions_key() != before
