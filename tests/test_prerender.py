"""How a big cold conversion shares the cells between its two processes."""

from __future__ import annotations

from jupyter_lifecycle.notebook import read_notebook
from jupyter_lifecycle.prerender import CELL_COST, _split

from conftest import write_notebook


def test_the_worker_never_takes_a_cell_whose_tree_codegen_reads(tmp_path):
    cells = [("def helper(x):\n    return x + 1", ["lifecycle:setup"]),
             ("class Box:\n    pass", [])]
    cells += [(f"v{i} = helper({i})" + " * 2" * (i % 9), ["lifecycle:prepare"]) for i in range(60)]
    cells += [("assert v1 == 2", ["lifecycle:test"])]
    nb = read_notebook(write_notebook(tmp_path / "nb.ipynb", cells))
    code = [c for c in nb.code_cells]
    theirs, mine = _split(code, nb.table, 0.55)
    assert sorted(c.id for c in theirs + mine) == sorted(c.id for c in code)
    kept = {c.id for c in mine}
    assert {"c0", "c1", f"c{len(cells) - 1}"} <= kept  # the definitions and the test cell
    cost = lambda group: sum(CELL_COST + len(c.source) for c in group)  # noqa: E731
    share = cost(theirs) / cost(code)
    assert 0.5 < share < 0.6, share
