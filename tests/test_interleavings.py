"""Property: whatever the interleaving of stages, the pipeline computes, per name and step, what
running the cells top to bottom computes: the value right after the step's last cell that
writes the name (a merged step's later cells may come after a step that rebinds it again)."""

from __future__ import annotations

import copy
import importlib
import itertools
import json
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_lifecycle.api import convert

from conftest import write_notebook

STAGES = ["ingest", "prepare", "train", "evaluate", "deploy", "monitor"]
NAMES = ["a", "b", "c", "d"]
_counter = itertools.count()


@st.composite
def programs(draw):
    """Cells that run top to bottom: each binds, rebinds or mutates a name from bound ones, or
    (re)defines a function ``f`` that later cells call."""
    cells: list[tuple[str, list[str]]] = []
    bound: list[str] = []
    lists: list[str] = []
    has_f = False
    for _ in range(draw(st.integers(3, 9))):
        stage = draw(st.sampled_from(STAGES))
        choice = draw(st.integers(0, 5)) if bound else 0
        target = draw(st.sampled_from(NAMES))
        scalars = [n for n in bound if n not in lists]
        if choice == 5:  # a new version of f, in any stage
            source = f"def f(v):\n    return v * {draw(st.integers(2, 9))}"
            has_f = True
        elif choice == 4 and lists and scalars:  # (a list appended to itself would not compare)
            source = f"{draw(st.sampled_from(lists))}.append({draw(st.sampled_from(scalars))})"
        elif choice == 3 and target not in bound:
            source = f"{target} = []"
            lists.append(target)
        else:
            terms = [str(draw(st.integers(1, 9)))]
            terms += [f"len({n})" if n in lists else n
                      for n in draw(st.lists(st.sampled_from(bound), max_size=2))] if bound else []
            if has_f and draw(st.booleans()):
                terms[0] = f"f({terms[0]})"
            source = f"{target} = " + " + ".join(terms)
            if target in lists:
                lists.remove(target)
        if "=" in source and not source.startswith(tuple(f"{n}." for n in NAMES)):
            name = source.split(" = ")[0]
            if name not in bound:
                bound.append(name)
        cells.append((source, [f"lifecycle:{stage}"]))
    return cells


def snapshots(cells) -> list[dict]:
    ns: dict = {}
    after = []
    for source, _ in cells:
        exec(source, ns)
        after.append({k: copy.deepcopy(v) for k, v in ns.items() if k in NAMES})
    return after


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(programs())
def test_the_pipeline_computes_what_the_cells_compute_in_notebook_order(tmp_path_factory, cells):
    root = tmp_path_factory.mktemp("inter")
    package = f"inter_{next(_counter)}"
    nb = write_notebook(root / "nb.ipynb", cells)
    result = convert(nb, root / "out", package=package, use_cache=False)
    assert result.errors == [] and result.written, [str(d) for d in result.errors] + [json.dumps(cells)]
    expected = snapshots(cells)
    steps = {node.name: node for node in result.graph.stages}

    def written_at(step: str, name: str) -> int:
        writers = [c.index for c in steps[step].cells if c.source.startswith((f"{name} =", f"{name}."))]
        return writers[-1] if writers else steps[step].cells[-1].index

    seen: list[tuple[str, dict]] = []
    sys.path.insert(0, str(root / "out" / "src"))
    try:
        pipeline = importlib.import_module(f"{package}.pipeline")
        pipeline.run(record=False, on_stage=lambda step, values: seen.append((step, copy.deepcopy(values))))
    finally:
        sys.path.remove(str(root / "out" / "src"))
    assert [s for s, _ in seen] == [n.name for n in result.graph.stages]
    for step, values in seen:
        for name, value in values.items():
            assert value == expected[written_at(step, name)][name], (step, name, cells)
