"""IPython syntax → exportable Python, per cell (analysis facts; severity is the graph's job)."""

import libcst as cst
import pytest

from jupyter_lifecycle.analysis.cell import analyze_source
from jupyter_lifecycle.errors import Severity


def code_of(analysis) -> str:
    """The code the exported stage keeps (dropped statements left out)."""
    return "".join(cst.Module([]).code_for_node(s) for _, s in analysis.kept())


def test_plain_python_needs_no_ipython_and_keeps_comments():
    a = analyze_source("# load\nx = 1  # one\ny = x + 1\n")
    assert a.parsed and not a.magics and not a.issues
    assert "x = 1  # one" in code_of(a)
    assert a.module.header[0].comment.value == "# load"


def test_display_magics_are_removed_and_lines_keep_their_numbers():
    a = analyze_source("%matplotlib inline\n%load_ext autoreload\nx = 1\n")
    assert [m.action for m in a.magics] == ["removed", "removed"]
    assert code_of(a).strip() == "x = 1"
    x_stmt = [n for n in a.statements if "x" in n.defines][0]
    assert x_stmt.line == 3  # the original line, not shifted by the removal


def test_time_line_magic_keeps_its_code_and_its_definitions():
    a = analyze_source("%time y = f(1)\n")
    assert a.statements[0].defines == ("y",)
    assert "f" in a.statements[0].reads
    assert code_of(a).strip() == "y = f(1)"


def test_cell_magic_time_keeps_the_body_with_original_line_numbers():
    a = analyze_source("%%time\nmodel = fit(X)\nscore = model.score(X)\n")
    assert a.line_offset == 1
    assert [m.name for m in a.magics] == ["time"]
    assert "model = fit(X)" in code_of(a) and "%%" not in code_of(a)
    assert a.statements[1].line + a.line_offset == 3


def test_other_cell_magics_cannot_be_exported():
    a = analyze_source("%%bash\necho hi\n")
    assert not a.parsed
    (issue,) = a.issues
    assert issue.code == "magic" and issue.line == 1 and "%%bash" in issue.message


def test_shell_escape_becomes_subprocess_run_and_imports_subprocess():
    a = analyze_source("!pip list\nx = 1\n")
    code = code_of(a)
    assert "subprocess.run(['pip', 'list'], check=True)" in code
    assert "import subprocess" in code
    assert a.magics[0].action == "shell"


def test_shell_escape_with_shell_syntax_uses_a_shell():
    a = analyze_source("!ls | wc -l\n")
    assert "subprocess.run('ls | wc -l', shell=True, check=True)" in code_of(a)


def test_captured_shell_output_becomes_stdout_lines():
    a = analyze_source("files = !ls\n")
    assert "subprocess.run('ls', shell=True, check=True, capture_output=True, text=True).stdout.splitlines()" in code_of(a)
    assert a.statements[0].defines == ("files",)


def test_pip_install_is_removed_with_a_note():
    a = analyze_source("%pip install numpy\nimport numpy\n")
    assert a.magics[0].action == "install-removed"
    assert code_of(a).strip() == "import numpy"


import pytest  # noqa: E402


@pytest.mark.parametrize("line", [
    "!pip install -q scikit-learn==1.5 pandas", "!pip3 install --upgrade xgboost",
    "! python -m pip install lightgbm", "!conda install -y -c conda-forge shap",
    "!sudo pip install seaborn", "!pip install a && pip install b", "!uv pip install polars",
    "!{sys.executable} -m pip install joblib",
])
def test_shell_installs_are_removed_like_pip_magics(line):
    a = analyze_source(f"{line}\nimport numpy\n")
    assert [m.action for m in a.magics] == ["install-removed"]
    code = code_of(a)
    assert code.strip() == "import numpy" and "subprocess" not in code


@pytest.mark.parametrize("line", ["!pip list", "!pip install x && python train.py", "!pip-compile"])
def test_other_shell_commands_stay_shell_commands(line):
    a = analyze_source(f"{line}\n")
    assert [m.action for m in a.magics] == ["shell"]


def test_help_syntax_is_removed():
    a = analyze_source("df?\nx = 1\n")
    assert code_of(a).strip() == "x = 1"


def test_disallowed_line_magic_is_reported_with_its_line():
    a = analyze_source("x = 1\n%env FOO=1\n")
    (issue,) = a.issues
    assert issue.line == 2 and "%env" in issue.message


def test_magic_used_as_a_value_is_reported():
    a = analyze_source("home = %env HOME\n")
    assert any("used as a value" in i.message for i in a.issues)


def test_nested_magic_removal_leaves_a_valid_block():
    a = analyze_source("if True:\n    %matplotlib inline\n")
    assert "pass" in code_of(a)
    compile(code_of(a), "<cell>", "exec")


def test_syntax_error_is_reported_with_its_line():
    a = analyze_source("x = 1\ny = (\n")
    assert not a.parsed
    (issue,) = a.issues
    assert issue.code == "syntax" and issue.line >= 2


def test_display_statements_are_dropped_but_calls_with_effects_are_kept():
    a = analyze_source("df = load()\ndisplay(df)\nmodel.fit(X, y)\nplt.show()\ndf.head()\n")
    kept = code_of(a)
    assert "display(" not in kept and "plt.show" not in kept and "df.head" not in kept
    assert "model.fit(X, y)" in kept
    assert dict(a.dropped) == {1: "display", 3: "display", 4: "bare-expression"}


def test_a_bare_expression_that_only_looks_is_dropped_an_unknown_call_is_not():
    a = analyze_source("metrics = {'a': 1.0}\nmetrics\n")
    assert dict(a.dropped) == {1: "bare-expression"}
    b = analyze_source("df.head()\nx = 1\n")  # head only reads: nothing to keep, last or not
    assert dict(b.dropped) == {0: "bare-expression"}
    c = analyze_source("df.refresh()\nx = 1\n")  # unknown: it might be anything, kept
    assert not c.dropped


# Cells libcst parses but Python refuses to compile: exported, they would not compile (or would
# silently change meaning: `yield` turns a stage into a generator that never runs).
NOT_PYTHON = {
    "top-level return": ("x = 1\nreturn x\n", 2, "syntax", "'return' outside function"),
    "top-level yield": ("assert x > 0\nyield x\n", 2, "syntax", "'yield' outside function"),
    "yield from": ("yield from xs\n", 1, "syntax", "'yield' outside function"),
    "module-level nonlocal": ("y = 2\nnonlocal y\n", 2, "syntax", "nonlocal"),
    "break outside a loop": ("x = 1\n\nbreak\n", 3, "syntax", "'break' outside loop"),
    "NUL in code": ("x = 1\ny = 2\x00\n", 2, "syntax", "NUL"),
    "NUL inside a string": ("x = 1\ns = 'a\x00b'\n", 2, "syntax", "NUL"),
    "top-level await": ("import asyncio\nr = await asyncio.sleep(0)\n", 2, "top-level-await",
                        "asyncio.run"),
    "top-level async for": ("async for a in agen():\n    print(a)\n", 1, "top-level-await",
                            "async def"),
    "parentheses nested 250 deep": ("x = " + "(" * 250 + "1" + ")" * 250 + "\n", 1, "syntax",
                                    "parenthes"),
}


@pytest.mark.parametrize("name", NOT_PYTHON)
def test_syntax_only_ipython_or_libcst_accepts_is_an_error_with_its_line(name):
    source, line, code, words = NOT_PYTHON[name]
    a = analyze_source(source)
    errors = [i for i in a.issues if i.severity is Severity.ERROR]
    assert [(i.line, i.code) for i in errors] == [(line, code)], a.issues
    assert words in errors[0].message


def test_the_python_check_keeps_line_numbers_of_magic_cells():
    a = analyze_source("%%time\nx = 1\nreturn x\n")
    assert [(i.line, i.code) for i in a.issues] == [(3, "syntax")]
    b = analyze_source("%matplotlib inline\nx = 1\nyield x\n")
    assert [(i.line, i.code) for i in b.issues] == [(3, "syntax")]
    c = analyze_source("%time return 5\n")
    assert [(i.line, i.code) for i in c.issues] == [(1, "syntax")]


def test_async_code_inside_functions_and_plain_python_stay_clean():
    for source in ("async def main():\n    await f()\n", "def g():\n    yield 1\n",
                   "def outer():\n    y = 1\n    def inner():\n        nonlocal y\n",
                   "for i in range(3):\n    break\n", "s = '\\x00'\n"):
        assert not analyze_source(source).issues, source


@pytest.mark.parametrize("source", [
    "x = " + "+".join(["a"] * 5000) + "\n",  # libcst took 38 s and its codegen recursed
    "x = " + " and ".join(["a"] * 3000) + "\n",
    "x = " + "-" * 3000 + "1\n",
    "x = a" + ".b" * 3000 + "\n",
    "x = " + "lambda: " * 400 + "1\n",
])
def test_deeply_nested_code_is_refused_before_libcst(source):
    a = analyze_source(source)
    assert [(i.line, i.code) for i in a.issues] == [(1, "too-deep")]
    assert not a.parsed
