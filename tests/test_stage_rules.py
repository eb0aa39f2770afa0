"""A ``skip`` or ``explore`` tag marks its own cell, or the section of the markdown heading it
tags; untagged cells after it take the stage of the nearest other tagged cell above."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_lifecycle.capture.layout import build_layout
from jupyter_lifecycle.cli import main
from jupyter_lifecycle.notebook import parse_notebook

from conftest import make_notebook, write_notebook


def stages(cells):
    nb = parse_notebook(json.dumps(make_notebook(cells)), "nb.ipynb")
    return [c.stage for c in nb.cells]


def test_a_skipped_code_cell_does_not_skip_the_cells_after_it():
    assert stages([("df = load()", ["lifecycle:ingest"]), ("print(df)", ["lifecycle:skip"]),
                   "df = df.dropna()", "rows = len(df)"]) == ["ingest", "skip", "ingest", "ingest"]


def test_an_explore_cell_is_local_too():
    assert stages([("x = 1", ["lifecycle:prepare"]), ("x.plot()", ["lifecycle:explore"]),
                   "y = x + 1"]) == ["prepare", "explore", "prepare"]


def test_after_a_skip_before_any_tag_cells_take_the_default_stage():
    assert stages([("!pip install x", ["lifecycle:skip"]), "import os"]) == ["skip", "setup"]


def test_a_skip_tagged_heading_covers_its_section_down_to_the_next_heading_of_its_level():
    assert stages([
        ("x = 1", ["lifecycle:prepare"]),
        ("## Scratch", ["lifecycle:skip"], "markdown"),
        "x.describe()",
        ("### Deeper", [], "markdown"),  # a subsection stays inside
        "x.plot()",
        ("## Train", [], "markdown"),  # same level: the section ends
        "model = fit(x)",
    ]) == ["prepare", "skip", "skip", "skip", "skip", "prepare", "prepare"]


def test_a_heading_section_ends_at_the_next_tagged_cell():
    assert stages([
        ("# Look around", ["lifecycle:explore"], "markdown"),
        "df.head()",
        ("model = fit()", ["lifecycle:train"]),
        "score = 1",
    ]) == ["explore", "explore", "train", "train"]


def test_the_same_tag_again_inside_a_heading_section_keeps_the_section():
    assert stages([
        ("x = 1", ["lifecycle:ingest"]),
        ("## Explore", ["lifecycle:explore"], "markdown"),
        ("x.describe()", ["lifecycle:explore"]),
        "x.plot()",
        ("scratch()", ["lifecycle:skip"]),  # another stage ends it
        "y = x",
    ]) == ["ingest", "explore", "explore", "explore", "skip", "ingest"]


def test_an_untagged_heading_shows_the_stage_its_section_starts_with():
    assert stages([
        ("x = 1", ["lifecycle:prepare"]),
        ("## Train", [], "markdown"),
        ("We fit a forest.", [], "markdown"),
        ("### Fit", [], "markdown"),
        ("model = fit(x)", ["lifecycle:train"]),
        "score = 1",
    ]) == ["prepare", "train", "train", "train", "train", "train"]


def test_a_heading_above_an_untagged_cell_keeps_the_stage_above():
    assert stages([("x = 1", ["lifecycle:prepare"]), ("## More", [], "markdown"), "y = x",
                   ("text", [], "markdown"), ("model = fit(y)", ["lifecycle:train"])]) \
        == ["prepare", "prepare", "prepare", "prepare", "train"]


def test_a_heading_inside_a_skip_section_stays_skipped():
    assert stages([("## Scratch", ["lifecycle:skip"], "markdown"), ("### Try", [], "markdown"),
                   ("model = fit()", ["lifecycle:train"])]) == ["skip", "skip", "train"]


def test_stages_lists_headings_with_the_stage_they_start(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["lifecycle:prepare"]),
                                                 ("## Train", [], "markdown"),
                                                 ("model = x", ["lifecycle:train"])])
    result, text = _run("stages", str(nb))
    assert result.exit_code == 0, text
    (row,) = [line for line in text.splitlines() if "## Train" in line]
    assert "train ↓" in row


def test_a_setext_heading_counts_as_a_heading():
    assert stages([("Scratch\n-------", ["lifecycle:skip"], "markdown"), "x = 1",
                   ("Next\n====", [], "markdown"), "y = 2"]) == ["skip", "skip", "setup", "setup"]


def test_a_tagged_markdown_paragraph_is_local_like_a_code_cell():
    assert stages([("not a heading", ["lifecycle:skip"], "markdown"), "x = 1"]) == ["skip", "setup"]


_TAGS = st.sampled_from([[], ["lifecycle:skip"], ["lifecycle:explore"], ["lifecycle:ingest"],
                         ["lifecycle:train"], ["lifecycle:eda"], ["parameters"]])
_KINDS = st.sampled_from([("x = 1", "code"), ("## Part", "markdown"), ("# Top", "markdown"),
                          ("text", "markdown"), ("### Deep", "markdown")])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_KINDS, _TAGS), max_size=12))
def test_capture_sees_the_stages_the_reader_sees(spec):
    raw = make_notebook([(source, tags, kind) for (source, kind), tags in spec])
    nb = parse_notebook(json.dumps(raw), "nb.ipynb")
    layout = build_layout(json.loads(json.dumps(raw))["cells"])
    for cell in nb.code_cells:
        expected = "parameters" if cell.is_parameters else cell.stage
        assert layout.cells[cell.id].stage == expected, (cell.index, spec)


def _run(*args):
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "120"})
    return result, result.output + (result.stderr if result.stderr_bytes else "")


def test_stages_says_what_a_skip_tag_covers(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["lifecycle:prepare"]),
                                                 ("print(x)", ["lifecycle:skip"]), "y = x"])
    result, text = _run("stages", str(nb))
    assert result.exit_code == 0, text
    assert "skip and explore mark their own cell" in text


def test_convert_warns_when_nothing_is_tagged(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", ["x = 1", "y = x + 1"])
    result, text = _run("convert", str(nb), "--dry-run")
    assert result.exit_code == 0, text
    assert "[nothing-tagged]" in text and "nb.ipynb" in text


def test_convert_warns_when_the_notebook_exports_nothing(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["lifecycle:skip"]),
                                                 ("x.plot()", ["lifecycle:explore"])])
    result, text = _run("convert", str(nb), "--dry-run")
    assert "[nothing-exported]" in text, text
    assert "[nothing-tagged]" not in text


def test_a_tagged_notebook_that_exports_cells_gets_neither_warning(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", [("x = 1", ["lifecycle:prepare"]),
                                                 ("print(x)", ["lifecycle:skip"]), "y = x"])
    result, text = _run("convert", str(nb), "--dry-run")
    assert result.exit_code == 0, text
    assert "[nothing-" not in text
