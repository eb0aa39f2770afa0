"""Foreign tag dialects: ``nb2pipe tag --from kale|nbdev|papermill`` maps them onto stages, and
reading a notebook that carries one honours its skip and says once how to migrate the rest."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

from click.testing import CliRunner
from conftest import make_notebook

from jupyter_lifecycle.api import convert, load_graph
from jupyter_lifecycle.autotag.agreement import untagged_text
from jupyter_lifecycle.autotag.dialects import from_dialect
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.notebook import parse_notebook, read_notebook

MESSY = Path(__file__).parent / "notebooks" / "messy"

KALE = [
    ("!pip3 install scikit-learn", ["skip"]),
    ("import numpy as np\nfrom sklearn.linear_model import LogisticRegression", ["imports"]),
    ("def accuracy(model, X, y):\n    return float((model.predict(X) == y).mean())", ["functions"]),
    ("C = 1.0\nn = 40", ["pipeline-parameters"]),
    ("rng = np.random.default_rng(0)\nX = rng.normal(size=(n, 2))", ["block:load_data"]),
    ("y = (X[:, 0] > 0).astype(int)", []),  # joins load_data
    ("X = X * 2.0", ["block:"]),  # an empty block: joins the step above too
    ("model = LogisticRegression(C=C).fit(X, y)", ["block:logreg", "prev:load_data"]),
    ("acc = accuracy(model, X, y)", ["block:score", "prev:load_data"]),
    ("print(acc)", ["pipeline-metrics"]),
    ("serve(model)", ["skip"]),
]


def nb_of(cells, path: str = "nb.ipynb"):
    return parse_notebook(json.dumps(make_notebook(cells)), path)


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)], env={"COLUMNS": "200"})


def check(result, code: int) -> None:
    tb = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{tb}"
    assert "Traceback" not in result.output


def write(path: Path, cells) -> Path:
    path.write_text(json.dumps(make_notebook(cells), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


# --- Kale -------------------------------------------------------------------------------------

def test_kale_tags_map_onto_stages():
    result = from_dialect(nb_of(KALE), "kale")
    shown = [s.shown_stage for s in result.suggestions]
    assert shown == ["skip", "setup", "setup", "parameters", "ingest", "ingest", "ingest",
                     "train", "evaluate", "evaluate", "skip"]
    assert result.suggestions[4].reason == "Kale step 'load_data' (its name)"
    assert result.suggestions[7].reason == "Kale step 'logreg' (what its cells do)"


def test_prev_edges_are_checked_against_the_dataflow():
    notes = from_dialect(nb_of(KALE), "kale").notes
    assert "Kale step 'score' reads model from step 'logreg', which its prev: tags do not name" in notes
    assert not any("'logreg' names prev:load_data but reads nothing" in n for n in notes)
    cells = KALE[:5] + [("z = 1", ["block:other", "prev:load_data", "prev:nowhere"])]
    notes = from_dialect(nb_of(cells), "kale").notes
    assert "Kale step 'other' names prev:load_data but reads nothing it computes" in notes
    assert "Kale step 'other' names prev:nowhere, which is no step above it" in notes


def test_pipeline_metrics_prints_are_named_as_the_runs_metrics():
    notes = from_dialect(nb_of(KALE), "kale").notes
    assert "cell 9: Kale pipeline-metrics prints acc: tagged evaluate, they become the run's " \
           "metrics (`metrics = {'acc': acc}` runs after the cell's code)" in notes


def test_a_cell_naming_two_kale_steps_is_bad_input(tmp_path):
    nb = write(tmp_path / "nb.ipynb", KALE[:4] + [("x = 1", ["block:a", "step:b"])])
    before = nb.read_bytes()
    result = run("tag", "--from", "kale", "--write", nb)
    check(result, 2)
    assert "cell 4, id c4, line 1" in result.stderr and "several Kale steps" in result.stderr
    assert nb.read_bytes() == before


def test_tag_from_kale_writes_our_tags_and_keeps_kales(tmp_path):
    nb = write(tmp_path / "nb.ipynb", KALE)
    check(run("tag", "--from", "kale", "--write", nb), 0)
    tagged = read_notebook(nb)
    assert tagged.cells[0].tags == ("skip", "lifecycle:skip")
    assert tagged.cells[3].tags == ("pipeline-parameters", "parameters")
    assert tagged.cells[7].tags == ("block:logreg", "prev:load_data", "lifecycle:train")


def test_a_migrated_kale_notebook_gets_no_migration_hint(tmp_path):
    nb = write(tmp_path / "nb.ipynb", KALE)
    assert [d.code for d in read_notebook(nb).diagnostics].count("foreign-tags") == 1
    check(run("tag", "--from", "kale", "--write", nb), 0)
    assert "foreign-tags" not in [d.code for d in read_notebook(nb).diagnostics]


def test_the_kale_style_messy_notebook_migrates_to_its_hand_tags(tmp_path):
    source = MESSY / "kale_style_pipeline.ipynb"
    nb = tmp_path / source.name
    nb.write_text(untagged_text(source.read_text(encoding="utf-8"), "lifecycle:", False),
                  encoding="utf-8")
    check(run("tag", "--from", "kale", "--write", nb), 0)
    hand = read_notebook(source)
    migrated = read_notebook(nb)
    differ = [c.index for c, m in zip(hand.code_cells, migrated.code_cells) if c.stage != m.stage]
    assert differ == [10]  # its hand tag says validate; its Kale tag says skip, and Kale wins here


# --- without --from: skip honoured, one hint ---------------------------------------------------

def test_reading_a_kale_notebook_honours_skip_and_says_once_how_to_migrate():
    nb = nb_of(KALE, "kale.ipynb")
    assert nb.cells[0].stage == "skip" and nb.cells[10].stage == "skip"
    hints = [d for d in nb.diagnostics if d.code == "foreign-tags"]
    assert len(hints) == 1
    assert "nb2pipe tag --from kale kale.ipynb --write" in hints[0].message
    assert "2 cell(s) skipped" in hints[0].message


def test_convert_leaves_out_kale_skip_cells(tmp_path):
    nb = write(tmp_path / "kale.ipynb", KALE)
    result = convert(nb, tmp_path / "out", dry_run=True)
    assert result.errors == [], [str(d) for d in result.errors]
    code = "\n".join(f.text for f in result.files if f.path.endswith(".py"))
    assert "serve(" not in code and "pip3" not in code


def test_our_stage_tag_wins_over_a_kale_skip():
    nb = nb_of([("import os", []), ("x = 1", ["skip", "lifecycle:ingest"])])
    assert nb.cells[1].stage == "ingest"


def test_stages_prints_the_migration_hint_once(tmp_path):
    nb = write(tmp_path / "kale.ipynb", KALE)
    result = run("stages", nb)
    assert result.stderr.count("nb2pipe tag --from kale") == 1


def test_tag_auto_on_a_kale_notebook_names_the_migration_and_keeps_its_skip(tmp_path):
    nb = write(tmp_path / "kale.ipynb", KALE)
    result = run("tag", "--auto", nb)
    check(result, 0)
    assert result.stdout.count("nb2pipe tag --from kale") == 1
    assert "+cell 10 (c10): skip, lifecycle:skip" in result.stdout


def test_a_notebook_without_foreign_tags_gets_no_hint():
    nb = nb_of([("import os", ["lifecycle:setup"]), ("x = 1", ["keep-me"])])
    assert not [d for d in nb.diagnostics if d.code == "foreign-tags"]


# --- nbdev ------------------------------------------------------------------------------------

NBDEV = [
    ("#| default_exp core", []),
    ("#| hide\nfrom nbdev.showdoc import show_doc", []),
    ("#| export\nimport numpy as np\ndef double(x):\n    return 2 * x", []),
    ("#| export\nfrom sklearn.linear_model import LinearRegression\nX = np.arange(10).reshape(-1, 1)\n"
     "model = LinearRegression().fit(X, double(X).ravel())", []),
    ("# hide\nmodel.coef_", []),
]


def test_nbdev_directives_map_onto_stages():
    shown = [s.shown_stage for s in from_dialect(nb_of(NBDEV), "nbdev").suggestions]
    assert shown == ["setup", "skip", "setup", "train", "skip"]


def test_reading_an_nbdev_notebook_honours_hide():
    nb = nb_of(NBDEV)
    assert [c.stage for c in nb.code_cells][1] == "skip"
    assert nb.code_cells[4].stage == "skip"
    hints = [d for d in nb.diagnostics if d.code == "foreign-tags"]
    assert len(hints) == 1 and "--from nbdev" in hints[0].message


# --- papermill --------------------------------------------------------------------------------

def test_papermill_keeps_parameters_and_skips_injected_parameters(tmp_path):
    cells = [("import numpy as np", []), ("alpha = 0.5", ["parameters"]),
             ("alpha = 0.9", ["injected-parameters"]), ("x = np.ones(3) * alpha", []),
             ("assert x.sum() > 0", [])]
    nb = write(tmp_path / "run.ipynb", cells)
    result = run("tag", "--from", "papermill", nb)
    check(result, 0)
    assert "+cell 2 (c2): injected-parameters, lifecycle:skip" in result.stdout
    assert "+cell 4 (c4): lifecycle:test" in result.stdout
    assert "cell 1 (c1)" not in result.stdout.split("+++")[1]  # the parameters cell is unchanged


def test_the_papermill_style_messy_notebook_keeps_its_parameters_cell():
    source = MESSY / "papermill_report_template.ipynb"
    nb = parse_notebook(untagged_text(source.read_text(encoding="utf-8"), "lifecycle:", False),
                        str(source))
    suggestions = from_dialect(nb, "papermill").suggestions
    hand = read_notebook(source)
    assert [s.cell_index for s in suggestions if s.is_parameters] == [hand.parameters_cell.index]


def test_graph_of_a_migrated_notebook_has_the_kale_steps(tmp_path):
    nb = write(tmp_path / "kale.ipynb", KALE)
    check(run("tag", "--from", "kale", "--write", nb), 0)
    graph = load_graph(nb, use_cache=False)
    assert [s.name for s in graph.stages] == ["ingest", "train", "evaluate"]
    assert graph.notebook.parameters_cell.index == 3
