"""A cell's statements sliced from its text (codegen.statement_text) equal libcst's rendering.

``render_cell`` takes the text of the statements no transform touches from the cell itself;
``render_cell_with_libcst`` renders every statement with libcst, as ``render_cell`` did before.
Both must give the same bytes (or raise the same error) for every cell: the sample and messy
notebooks, snippets that probe each rule, and generated cells that mix blocks, comments at odd
indentation, blank lines with whitespace, brackets, strings and continuations.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from jupyter_lifecycle.analysis.cell import analyze_source
from jupyter_lifecycle.codegen.fragments import render_cell, render_cell_with_libcst
from jupyter_lifecycle.codegen.statement_text import (
    Start,
    line_starts,
    parsed_text,
    statement_texts,
)
from jupyter_lifecycle.graph.build import build_graph
from jupyter_lifecycle.notebook import read_notebook
from jupyter_lifecycle.notebook.model import Cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("sample_notebooks/**/*.ipynb"), *ROOT.glob("tests/notebooks/**/*.ipynb")])

# Each probes a rule of statement_text (or where it must hand the cell to libcst).
SNIPPETS = [
    "x = 1\n", "x = 1", "", "\n\n", "# only a comment\n", "# one\n\n# two\n", "# one\n   \n# two",
    "\n\n# leading\nx = 1\n\n\n# trailing\n", "x = 1\n# trailing comment without newline",
    "x = 1\n   \ny = 2\n", "x = 1  \ny = 2   # c   \n", "x = 1\n\t\ny = 2\n", "x = 1\n\t# tab\ny = 2\n",
    # tidy drops a trailing semicolon
    "x = 1;\n", "plt.plot(x);\n", "plt.plot(x); \n", "plt.plot(x) ;\n", "plt.plot(x);  # hide\n",
    "a = 1; b = 2\n", "a = 1; b = 2;\n", "a = 1 ; b = 2 ;  # c\n", "x = '''one\n'''  ;\n",
    "print('a'); print('b');  # both\n", "x = [1,\n     2]; y = 3;\n",
    # one-liners and blocks
    "if x: y\n", "if x: y\nelse: z\n", "if x: y;\n", "for i in range(3): print(i); total += i\n",
    "if x: y\n    # indented after a one-liner\nz = 1\n",
    "def f():\n    return 1\n", "def f():\n  return 1\n", "def f():\n\treturn 1\n",
    "def f():\n        return 1\n", "if x:\n        a = 1\n        if y:\n            b = 2\n",
    "def f():\n    '''Doc.\n\n    More.\n    '''\n    return 1\n",
    "def f():\n    s = '''\n  keep\n'''\n    return s\n",
    "def f():\n    x = foo(\n1)\n    return x\n",
    "def f():\n    x = 1\n# at column 0\n    y = 2\n  # two spaces\n    return x\n",
    "def f():\n    if x:\n        y = 1\n        # deep comment\n    # mid comment\n# top comment\n\nz = 1\n",
    "def f():\n    if x:\n        y = 1\n\n    \n        \n    z = 2\n",
    "def f():\n    if x:\n        y = 1\n      # odd\n    z = 2\n",
    "def f():\n    return \\\n        1\n",
    "def outer():\n    def inner():\n        return 1\n\n    return inner\n\n\nprint(outer())\n",
    "class A:\n    '''Doc.'''\n\n    def m(self):\n        return 1\n\n    # end of class\n\n# after\nx = A()\n",
    "class A(\n    Base,\n):\n    x: int = 0\n",
    "if a:\n    x\n\nelse:\n    y\n", "if a:\n    x\n# before else\nelse:\n    y\n",
    "if a:\n    x\n    # body end\nelif b:\n    y\n   \nelse:\n    z\n",
    "try:\n    x = 1\nexcept ValueError as e:\n    print(e)\nelse:\n    pass\nfinally:\n    done()\n",
    ("for i in range(3):\n    for j in range(3):\n        if i == j:\n            continue\n"
     "        print(i, j)\n\nprint('done')\n"),
    "while True:\n    break\nelse:\n    pass\n", "async def f():\n    await g()\n",
    "with open(p) as f, \\\n        open(q) as g:\n    data = f.read()\n",
    "match command:\n    case 'go':\n        go()\n    case _:\n        pass\n", "match = 1\n",
    "if True:\n    pass\n\n\n", "if True:\n    pass\n    \n    # end\n\n# next\n\nx = 1\n",
    "if x:\n    y\n  # module footer, indented\n", "for x in y:  # why\n    pass  # ok\n",
    # decorators
    "@decorator\ndef f():\n    pass\n", "@decorator\n# between\n\n@other(1,\n  2)\n\ndef f():\n    pass\n",
    "@dataclass\nclass P:\n    x: int\n\n\n@dataclass(frozen=True)\nclass Q:\n    y: int\n",
    # strings, f-strings
    "s = '''\n  indented\n\tinside\n'''\nprint(s)\n", 's = """a\n    b""" + """\nc"""\n',
    "q = f'''\nselect {col}\n  from t\n'''\n", "q = f'''\nselect {\ncol}\n'''\n",
    "q = f'''{x!r:>{width}} and {{literal}}\n next'''\n", "q = f\"{d['k']}\"\n",
    "q = f'{a}' f'{b}'\nr = rb'\\x00' + br'''\n'''\n", "print(f'{x=}')\n", "t = f\"{'}'}\"\n",
    "t = f\"{'{'}\"\n", "t = f'''{\"\"\"a\"\"\"}\n'''\n", "s = 'it\\'s' + \"say \\\"hi\\\"\" + 'a\\\nb'\n",
    "s = 'x\u2028y'  # a\u2028b\n", "# c\x0bd\nx = 1\n", "y = 'assert'\n", "if\"x\"in y: pass\n",
    # Python 3.12 f-strings (PEP 701): a field may reuse the quote, hold a line break or a backslash
    'q = f"{x["a"]}"\n', 'q = f"{\'}\' + x["a"]}"\nw = [\n1]\n', 'q = f"{x\n}"\n',
    'q = f"{\'\\n\'.join(x)}"\n', 'q = f"{f"{y}"}"\nz = (1,\n2)\n', 'q = f"{x:{w}}"\n',
    'q = f"""{d["k"]}\n"""\n',
    # brackets and continuations
    "x = 1 + \\\n    2\n", "x = 1 + \\\n2 + \\\n        3\ny = 4\n", "x = [1, \\\n  2,\n  3]\n",
    "x = [\n    1,\n\n    2,  # two\n    # between\n]\n", "x = [\n1,\n  2,\n        3,\n]\n",
    "x = (\n    \n    1\n)\n", "def f(\n    a,\n    b=2,\n):\n    return (a +\n  b)\n",
    "x = {\n  'a': 1,  # comment with ' quote\n  \"b\": [2, 3],\n}\n", "x = [\n\\\n1]\n",
    "d = {k: v for k, v in zip(a,\n                           b)}\n", "x = 1 if y else \\\n    2\n",
    "x = 1 \\\n  ; y = 2\n", "if x:\n    pass\n\\\n\ny = 1\n", "lambda_ = lambda x: (\n    x + 1\n)\n",
    "# -*- coding: utf-8 -*-\n\"\"\"Docstring.\"\"\"\nimport os\n", "del x\nglobal g\n", "...\n",
    # asserts become gates
    "assert x > 0, 'x must be positive'\n", "assert x in xs\nassert y\ndef f():\n    assert z\n",
    # IPython syntax: the tree is not the cell's text
    "%matplotlib inline\nimport numpy as np\n", "%%time\nx = 1\ny = 2\n", "%%time\n%time z = 3\nx = 1\n",
    "!pip install numpy\nx = 1\n", "files = !ls\n", "x?\n", ">>> x = 1\n", "In [1]: x = 1\n",
    "   x = 1\n   y = 2\n", "/print 1\n", ",f a b\n",
    # line endings libcst rewrites
    "x = 1\r\ny = 2\r\n", "def f():\r\n    return 1\r\n", "x = 1\fy = 2\n",
]


def _outcome(render, *args):
    try:
        return render(*args)
    except Exception as exc:  # noqa: BLE001 -- whatever one path raises, the other must too
        return type(exc).__name__, str(exc)


def _assert_same(cell: Cell, analysis, gate: bool, injected=None, renames=None) -> None:
    args = (cell, analysis, "nb.ipynb", gate, injected, renames)
    assert _outcome(render_cell, *args) == _outcome(render_cell_with_libcst, *args), cell.source


def _variants(source: str, analysis):
    """No transform; one function given notebook values; one name renamed in every statement."""
    yield None, None
    names = sorted(set(re.findall(r"[A-Za-z_]\w*", source)))
    if names and analysis.module is not None:
        yield {names[0]: ("extra",)}, None
        yield None, {i: {names[-1]: f"{names[-1]}_v1"} for i in range(len(analysis.module.body))}


def _check_source(index: int, source: str) -> None:
    analysis = analyze_source(source)
    cell = Cell(index, f"c{index}", "code", source, (), "train", "train")
    for gate in (False, True):
        for injected, renames in _variants(source, analysis):
            _assert_same(cell, analysis, gate, injected, renames)


@pytest.mark.parametrize("source", SNIPPETS)
def test_snippet_renders_as_libcst_renders_it(source):
    _check_source(0, source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_code_cell_of_the_notebooks_renders_as_libcst_renders_it(path):
    nb = read_notebook(path)
    for cell in nb.code_cells:
        _check_source(cell.index, cell.source)
    graph = build_graph(nb)  # and with the transforms the notebook itself calls for
    for node in graph.stages:
        for block in node.blocks:
            injected = graph.injected
            renames = graph.renames.get(block.cell.id)
            for gate in (False, True):
                _assert_same(block.cell, block.analysis, gate, injected, renames)


@pytest.mark.parametrize("seed", range(4))
def test_generated_cells_render_as_libcst_renders_them(seed):
    for index, source in enumerate(_generated_cells(seed, 150)):
        _check_source(index, source)


def _fast(source: str) -> bool:
    analysis = analyze_source(source)
    code = parsed_text(source, analysis)
    texts = statement_texts(code, analysis.module) if code is not None and analysis.parsed else None
    return texts is not None and None not in texts


def test_plain_cells_are_sliced_and_the_rest_left_to_libcst():
    sliced = ["x = 1\n", "def f():\n    '''Doc.\n\n    More.\n    '''\n    return 1\n",
              "plt.plot(x);\n", "q = f\"{d['k']}\"\n", "@decorator\n# between\n\ndef f():\n    pass\n",
              "if a:\n    x\n\nelse:\n    y\n", "x = [\n1,\n  2,\n]\n", "%%time\nx = 1\n"]
    assert all(_fast(s) for s in sliced)
    left = ["%matplotlib inline\nx = 1\n", "def f():\n  return 1\n", "x = 1\r\n", ">>> x = 1\n",
            "q = f'''\nselect {\ncol}\n'''\n", "/print 1\n", "plt.plot(x) ;\n"]
    assert not any(_fast(s) for s in left)


def test_lines_start_in_code_brackets_or_verbatim():
    text = "x = [\n  1,\n]\ns = '''\nraw\n'''\ny = 1 + \\\n  2\n# c\n"
    assert line_starts(text) == [Start.CODE, Start.BRACKETED, Start.BRACKETED, Start.CODE,
                                 Start.VERBATIM, Start.VERBATIM, Start.CODE, Start.VERBATIM,
                                 Start.CODE, Start.CODE]
    assert line_starts("s = 'open\n") is None
    assert line_starts("f'''{\nx}'''\n") is None  # a line break inside a replacement field


def test_statement_texts_indent_what_libcst_indents():
    source = "# head\n\nx = [\n1,\n  2]\n   \ndef f():\n    s = '''\nkeep\n'''\n  # odd\n    return s;\n"
    module = analyze_source(source).module
    assert statement_texts(source, module) == (
        "    x = [\n    1,\n      2]\n",
        "\n    def f():\n        s = '''\nkeep\n'''\n  # odd\n        return s;\n",
    )


# Generated cells: nested blocks with comments and blank lines at any indentation.
_FILLER = ["", "# c", "#", "# x = 'q'  ", "\t", "\t# tab", "  ", "# a\u2028b"]
_SIMPLE = [
    "x = 1", "y = f(x)", "plt.plot(x);", "a = 1; b = 2", "print('s')  # t", "z = [\n{i}  1,\n{i}  2,\n{i}]",
    "q = (a +\n{i}     b)", "s = '''\nraw {i}line\n  more'''", "t = 1 + \\\n{i}    2", "u = f'{{x}} {{y!r}}'",
    "v = f\"{{d['k']}}\"", "w = {{\n\n{i}    'k': 1,  # c\n{i}  }}", "assert w, 'm'", "pass",
    "k = foo(\n1)", "m = [\n  # inside\n{i}      2]", "n = 'a' \\\n  'b'", "o = '''a\n\tb\n'''", "s = x;  # c",
    "s = x ;", "r = g(a,  # why\n\n{i}\t  b)", "t = f'''{{a}}\n  {{b:>{{w}}}}\n'''", "u = [\n{i}\\\n1]",
    "from e import (f,\n{i}    g)", "x: int = 1",
]
_HEADS = ["if x:", "for i in y:", "while t:", "with m as n:", "def g(a,\n{i}      b):", "class K:", "try:",
          "async def h():", "if x:  # why", "match q:"]


def _filler(rng: random.Random, indent: str) -> list[str]:
    return [" " * rng.choice([0, 1, 2, 4, 6, 8, 12, len(indent)]) + rng.choice(_FILLER)
            for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))]


def _block(rng: random.Random, indent: str, depth: int, out: list[str]) -> None:
    for _ in range(rng.randint(1, 3)):
        out.extend(_filler(rng, indent))
        roll = rng.random()
        if depth < 3 and roll < 0.35:
            head = rng.choice(_HEADS)
            sub = indent + rng.choice(["    ", "    ", "    ", "  ", "        "])
            if head == "match q:":
                out.append(indent + head)
                for pattern in ("case 1:", "case _:"):
                    out.extend(_filler(rng, sub))
                    out.append(sub + pattern)
                    _block(rng, sub + "    ", depth + 2, out)
                continue
            if head.startswith("def") and rng.random() < 0.4:
                out.append(indent + "@deco")
                out.extend(_filler(rng, indent))
            out.append(indent + head.format(i=indent))
            _block(rng, sub, depth + 1, out)
            if head == "try:" or (head.startswith(("if", "for", "while")) and rng.random() < 0.5):
                out.extend(_filler(rng, indent))
                out.append(indent + ("except E:" if head == "try:" else "else:"))
                _block(rng, sub, depth + 1, out)
        elif roll < 0.45:
            out.append(indent + rng.choice(["if x: y", "for i in r: f(i); g(i)", "while 0: pass"]))
        else:
            out.append(indent + rng.choice(_SIMPLE).format(i=indent))


def _generated_cells(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    cells = []
    for _ in range(count):
        out: list[str] = []
        _block(rng, "", 0, out)
        out.extend(_filler(rng, ""))
        cells.append("\n".join(out) + ("\n" if rng.random() < 0.8 else ""))
    return cells
