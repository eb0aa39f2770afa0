"""The self-check's shortcut: a module that differs from a clean one only in number literals.

``only_numbers_differ`` must never say True where checking the new text in full would find a
problem the old text did not have; over every generated module of the sample and messy
notebooks, each number literal is replaced by valid and invalid numbers and the shortcut is
compared with the full check.
"""

from __future__ import annotations

import io
import random
import tokenize
import pytest

from jupyter_lifecycle.api import convert
from jupyter_lifecycle.codegen.literal_edit import only_numbers_differ
from jupyter_lifecycle.codegen.selfcheck import _check_module, check_generated
from jupyter_lifecycle.codegen.common import GeneratedFile
from jupyter_lifecycle.notebook import read_notebook

from conftest import ROOT, SAMPLES, write_notebook

NOTEBOOKS = sorted([*SAMPLES.glob("*.ipynb"), *(ROOT / "tests/notebooks/messy").glob("*.ipynb")])
REPLACEMENTS = ("7", "0.5", "1e-3", "0x1f", "2j", "1_000", "01", "1__0", "0x", "1e", "9" * 5000,
                "1.5.2", "x", "1if")

SAME = [
    ("x = 1.25\n", "x = 1.75\n"),
    ("y = f(a, 10)\n", "y = f(a, 12)\n"),
    ("z = 1e-5\n", "z = 1e-7\n"),
    ("s = 'rate 0.25'  # was 3\n", "s = 'rate 0.5'  # was 3\n"),  # in a string
    ("s = 'rate 0.25'  # was 3\n", "s = 'rate 0.25'  # was 4\n"),  # in a comment
    ("w = 0x1f\n", "w = 0o17\n"),
    ("v = 3\n", "v = 3.0j\n"),
]
DIFFERENT = [
    ("x = 1.25\n", "x = 1.25\ny = 2\n"),  # a line more
    ("x1 = 1\n", "x2 = 1\n"),  # a name
    ("é1 = 1\n", "é2 = 1\n"),  # a name (not ASCII)
    ("x = a.b1\n", "x = a.b2\n"),  # an attribute
    ("x = 1\n", "x = 01\n"),  # not a Python number
    ("x = 1\n", "x = 1_\n"),
    ("x = 1e-5\n", "x = 1e-5.5\n"),  # would split the literal
    ("x = 1e-5\n", "x = 1e-0x5\n"),
    ("x = 1\n", "x = " + "9" * 5000 + "\n"),  # over the compiler's digit limit
    ("x = f(1, 2)\n", "x = f(3, 4)\n"),  # two literals apart: checked in full
    ("x = 1 + 2\n", "x = 1 - 2\n"),  # an operator
    ("x = 1if a else 2\n", "x = 2if a else 2\n"),  # a literal fused with a keyword
]


@pytest.mark.parametrize("old,new", SAME)
def test_numbers_swapped_for_numbers(old, new):
    assert only_numbers_differ(old, new)


@pytest.mark.parametrize("old,new", DIFFERENT)
def test_anything_else_differs(old, new):
    assert not only_numbers_differ(old, new)


def _number_spans(text: str) -> list[tuple[int, int, int]]:
    """(line index, start column, end column) of every number token."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [(t.start[0] - 1, t.start[1], t.end[1]) for t in tokens if t.type == tokenize.NUMBER]


def _replaced(text: str, span: tuple[int, int, int], number: str) -> str:
    lines = text.split("\n")
    row, start, end = span
    lines[row] = lines[row][:start] + number + lines[row][end:]
    return "\n".join(lines)


def test_the_shortcut_agrees_with_the_full_check(tmp_path):
    assert len(NOTEBOOKS) > 20
    rng = random.Random(0)
    shortcuts = 0
    for path in NOTEBOOKS:
        result = convert(path, tmp_path / path.stem, dry_run=True)
        nb = result.notebook
        for f in result.files:
            if not f.path.endswith(".py") or _check_module(f, nb):
                continue
            spans = _number_spans(f.text)
            for span in rng.sample(spans, min(len(spans), 3)):
                for number in REPLACEMENTS:
                    new = _replaced(f.text, span, number)
                    if new != f.text and only_numbers_differ(f.text, new):
                        shortcuts += 1
                        assert _check_module(GeneratedFile(f.path, new, f.provenance), nb) == [], \
                            (path.name, f.path, span, number)
    assert shortcuts > 100  # the shortcut was taken, not only refused


def test_a_warm_check_takes_the_shortcut_and_still_reports_a_broken_edit(tmp_path, monkeypatch):
    from jupyter_lifecycle.analysis.cache import AnalysisCache
    from jupyter_lifecycle.codegen import selfcheck

    nb = read_notebook(write_notebook(tmp_path / "nb.ipynb", ["x = 1"]))
    store = AnalysisCache(tmp_path / "cache")
    text = "import math\n\ndef f(p):\n    return math.sqrt(p) * 1.25\n"
    assert check_generated([GeneratedFile("m.py", text, "t")], nb, store) == []
    checked: list[str] = []
    real = selfcheck._check_module
    monkeypatch.setattr(selfcheck, "_check_module", lambda f, nb: checked.append(f.text) or real(f, nb))
    edited = text.replace("1.25", "1.75")
    assert check_generated([GeneratedFile("m.py", edited, "t")], nb, store) == []
    assert checked == []  # differs from the clean text by a number: not compiled again
    broken = edited.replace("math.sqrt", "mth.sqrt")
    [problem] = check_generated([GeneratedFile("m.py", broken, "t")], nb, store)
    assert "'mth'" in problem.message and checked == [broken]
    invalid = edited.replace("1.75", "0175")  # leading zeros: not a Python number
    [syntax] = check_generated([GeneratedFile("m.py", invalid, "t")], nb, store)
    assert syntax.code == "generated-syntax" and checked == [broken, invalid]
    store.close()
