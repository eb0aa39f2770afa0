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


def test_the_pre_pass_holds_only_the_trees_codegen_reads_later(tmp_path):
    from jupyter_lifecycle.analysis.cache import AnalysisCache, source_key
    from jupyter_lifecycle.prerender import MIN_CELLS, precompute

    helper = "def helper(x):\n    return x + 1"
    test = "assert helper(1) == 2"
    plain = [f"v{i} = helper({i})" for i in range(MIN_CELLS + 20)]
    cells = [(helper, ["lifecycle:setup"])] + [(s, ["lifecycle:prepare"]) for s in plain]
    cells += [(test, ["lifecycle:test"])]
    nb = read_notebook(write_notebook(tmp_path / "nb.ipynb", cells))
    cache = AnalysisCache(tmp_path / "cache")
    assert precompute(nb, cache) == len(cells)
    found = cache.get_many([source_key(s) for s, _ in cells], {source_key(s): s for s, _ in cells})
    for source in (helper, test):  # the tree parsed in the pre-pass is handed out
        analysis = found[source_key(source)]
        assert analysis._loader() is analysis._loader()
    for source in plain:  # parsed again when asked for, not kept alive meanwhile
        analysis = found[source_key(source)]
        assert analysis._module is None and analysis._loader() is not analysis._loader()
        assert analysis._loader().code == source
