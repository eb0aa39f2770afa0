"""Stage graph rules: inputs, outputs, providers, definitions, diagnostics."""

import json

import pytest

from jupyter_lifecycle.graph import build_graph
from jupyter_lifecycle.notebook import parse_notebook

from conftest import make_notebook, write_notebook


def graph_of(cells):
    return build_graph(parse_notebook(json.dumps(make_notebook(cells)), "nb.ipynb"))


def codes(graph, severity="error"):
    return [d.code for d in graph.diagnostics if d.severity.value == severity]


BASIC = [
    ("import math", ["lifecycle:setup"]),
    ("alpha = 0.5\nname = 'x'", ["parameters"]),
    ("data = [1.0, 2.0, 3.0]", ["lifecycle:ingest"]),
    ("scaled = [v * alpha for v in data]\ndata.append(4.0)", ["lifecycle:prepare"]),
    ("total = math.fsum(scaled)", ["lifecycle:train"]),
    ("metrics = {'total': total}\nmetrics", ["lifecycle:evaluate"]),
    ("assert metrics['total'] > 0, 'empty'", ["lifecycle:validate"]),
    ("assert len(data) == 4", ["lifecycle:test"]),
]


def test_inputs_outputs_and_params_follow_the_dataflow():
    g = graph_of(BASIC)
    assert not g.errors, [str(d) for d in g.errors]
    assert [s.name for s in g.stages] == ["ingest", "prepare", "train", "evaluate", "validate"]
    prepare = g.stage("prepare")
    assert prepare.inputs == ("data",) and prepare.params == ("alpha",)
    assert set(prepare.outputs) == {"scaled", "data"}  # data is mutated here and a test reads it
    assert g.stage("ingest").outputs == ("data",)
    assert g.stage("train").uses == ("math",)
    assert g.stage("evaluate").outputs == ("metrics",)  # the result name is always returned
    assert g.stage("validate").inputs == ("metrics",)
    (test,) = g.tests
    assert test.reads == ("data",) and test.until == "prepare"


def test_mutated_value_is_provided_by_the_latest_stage_that_touched_it():
    g = graph_of(BASIC + [("n = len(data)", ["lifecycle:deploy"])])
    assert g.stage("deploy").providers == {"data": "prepare"}


def test_steps_follow_notebook_order_and_a_stage_that_cannot_merge_is_a_second_step():
    g = graph_of([("x = 1", ["lifecycle:ingest"]), ("y = x + 1", ["lifecycle:train"]),
                  ("z = x * 2", ["lifecycle:prepare"]), ("w = y + z", ["lifecycle:train"])])
    assert [(s.name, s.stage) for s in g.stages] == [
        ("ingest", "ingest"), ("train", "train"), ("prepare", "prepare"), ("train_2", "train")]
    assert g.stage("train_2").providers == {"y": "train", "z": "prepare"}
    assert "stage-order" in codes(g, "info")


def test_a_later_run_of_a_stage_merges_when_it_changes_no_read():
    g = graph_of([("x = 1", ["lifecycle:ingest"]), ("y = x + 1", ["lifecycle:train"]),
                  ("z = x * 2", ["lifecycle:prepare"]), ("w = y * 3", ["lifecycle:train"]),
                  ("metrics = {'s': w + z}", ["lifecycle:evaluate"])])
    assert [(s.name, [c.index for c in s.cells]) for s in g.stages] == [
        ("ingest", [0]), ("train", [1, 3]), ("prepare", [2]), ("evaluate", [4])]


@pytest.mark.parametrize("later", ["m = x + 100", "metrics = {}", "m += [1]", "m.append(1)"])
def test_a_run_that_rebinds_or_reads_what_lies_between_stays_a_separate_step(later):
    g = graph_of([("x = 1\nm = [x]", ["lifecycle:ingest"]), ("m = [x + 1]", ["lifecycle:train"]),
                  ("metrics = {'m': m[0]}", ["lifecycle:evaluate"]), (later, ["lifecycle:train"])])
    assert [s.name for s in g.stages] == ["ingest", "train", "evaluate", "train_2"]
    assert g.stage("evaluate").providers == {"m": "train"}


def test_a_value_an_earlier_stage_computes_later_in_the_notebook_flows_forward():
    # a train cell before a prepare cell: notebook order, no cycle
    g = graph_of([("m = 1", ["lifecycle:train"]), ("x = m + 1", ["lifecycle:prepare"])])
    assert g.errors == ()
    assert [s.name for s in g.stages] == ["train", "prepare"]
    assert g.stage("prepare").providers == {"m": "train"}


def test_reading_a_value_before_the_cell_that_computes_it_is_an_error():
    g = graph_of([("x = m + 1", ["lifecycle:prepare"]), ("m = 1", ["lifecycle:train"])])
    assert codes(g) == ["read-before-definition"]
    (d,) = g.errors
    assert d.location.cell_index == 0 and d.location.line == 1 and "'m'" in d.message


def test_value_only_explore_computes_is_an_error_but_definitions_move():
    g = graph_of([("stats = 3\ndef helper(v):\n    return v + 1", ["lifecycle:explore"]),
                  ("y = stats + 1", ["lifecycle:prepare"]),
                  ("z = helper(2)", ["lifecycle:train"])])
    assert codes(g) == ["notebook-only-value"]
    assert "explore-definition" in codes(g, "warning")
    assert g.helpers == ("helper",)


def test_skip_cells_are_invisible_and_their_values_are_errors():
    g = graph_of([("secret = 1", ["lifecycle:skip"]), ("y = secret", ["lifecycle:prepare"])])
    assert codes(g) == ["notebook-only-value"]


def test_undefined_name_and_builtins():
    g = graph_of([("y = len(nowhere)", ["lifecycle:prepare"])])
    (d,) = g.errors
    assert d.code == "undefined-name" and "'nowhere'" in d.message


def test_function_reading_a_data_global_takes_it_as_a_keyword_argument_where_called():
    g = graph_of([("import json\ndf = json.loads('[1]')", ["lifecycle:ingest"]),
                  ("def count():\n    return len(df)\ndef twice():\n    return 2 * count()",
                   ["lifecycle:setup"]),
                  ("n = twice()", ["lifecycle:train"])])
    assert g.errors == ()
    assert g.injected == {"count": ("df",), "twice": ("df",)}
    assert g.stage("train").providers == {"df": "ingest"}


def test_a_global_computed_from_constants_with_path_calls_becomes_a_constant():
    g = graph_of([("import os\nROOT = '.'\nIMAGES = os.path.join(ROOT, 'images')\n"
                   "def save(name):\n    return os.path.join(IMAGES, name)", ["lifecycle:setup"]),
                  ("p = save('a.png')", ["lifecycle:train"])])
    assert g.errors == () and g.injected == {}
    assert g.definitions["IMAGES"].kind == "constant"
    assert g.helpers == ("ROOT", "IMAGES", "save")


@pytest.mark.parametrize("value", ["pd.read_csv(ROOT)", "os.listdir(ROOT)",
                                   "ROOT + str(pd.Timestamp.now())", "ROOT + str(len(df))"])
def test_a_global_computed_by_other_calls_or_from_data_stays_data(value):
    g = graph_of([("import os\nimport pandas as pd\nROOT = '.'\ndf = pd.read_csv(ROOT)\nIMAGES = " + value
                   + "\ndef save(name):\n    return [IMAGES, name]", ["lifecycle:setup"]),
                  ("p = save('a.png')", ["lifecycle:train"])])
    assert "IMAGES" not in g.definitions and g.injected == {"save": ("IMAGES",)}


def test_function_may_read_other_definitions_and_constants():
    g = graph_of([("import math\nSCALE = 2.0\ndef f(v):\n    return math.sqrt(v) * SCALE\n"
                   "def g(v):\n    return f(v) + 1", ["lifecycle:setup"]),
                  ("y = g(4.0)", ["lifecycle:train"])])
    assert not g.errors
    assert set(g.helpers) == {"SCALE", "f", "g"}
    assert g.imported_modules == ("math",)  # pinning leaves the standard library out


def test_constant_that_is_reassigned_is_data_not_a_definition():
    g = graph_of([("LIMIT = 3", ["lifecycle:setup"]), ("LIMIT = LIMIT + 1", ["lifecycle:prepare"]),
                  ("y = LIMIT", ["lifecycle:train"])])
    assert "LIMIT" not in g.helpers
    assert g.stage("train").providers == {"LIMIT": "prepare"}


def test_star_import_resolves_to_the_names_the_module_exports():
    g = graph_of([("from math import *", ["lifecycle:setup"]), ("y = sqrt(4.0)", ["lifecycle:train"])])
    assert not g.errors
    assert g.definitions["sqrt"].spec.module == "math"


def test_unresolvable_star_import_is_an_error_with_its_line():
    g = graph_of([("import os\nfrom no_such_module_xyz import *", ["lifecycle:setup"])])
    (d,) = g.errors
    assert d.code == "star-import" and d.location.line == 2


def test_parameters_cell_must_hold_literals():
    g = graph_of([("alpha = 0.5\nbeta = alpha * 2", ["parameters"])])
    (d,) = g.errors
    assert d.code == "parameter" and d.location.line == 2
    assert [p.name for p in g.params] == ["alpha"]


def test_a_parameter_named_like_a_method_of_params_is_refused_with_its_line(tmp_path):
    # a field named to_dict would replace Params.to_dict(): the package would fail its own tests
    cells = [("items = 2\nto_dict = 3\nfrom_dict = 'x'", ["parameters"]),
             ("total = to_dict * items", ["lifecycle:train"])]
    g = graph_of(cells)
    refused = [d for d in g.errors if d.code == "reserved-parameter"]
    assert [(d.location.cell_index, d.location.line) for d in refused] == [(0, 2), (0, 3)]
    assert "'to_dict'" in refused[0].message and [p.name for p in g.params] == ["items"]
    from jupyter_lifecycle.api import convert

    result = convert(write_notebook(tmp_path / "nb.ipynb", cells), tmp_path / "out")
    assert result.errors and not (tmp_path / "out").exists()


def test_parameter_types_are_inferred():
    g = graph_of([("a = 1\nb = 0.5\nc = 'x'\nd = True\ne = [1, 2]\nf = None\ng = {'k': 1}", ["parameters"])])
    assert {p.name: p.type_name for p in g.params} == {
        "a": "int", "b": "float", "c": "str", "d": "bool", "e": "list", "f": "any", "g": "dict"}


def test_out_of_order_execution_is_a_warning():
    raw = make_notebook([("x = 1", ["lifecycle:ingest"]), "y = x"])
    raw.cells[0].execution_count = 5
    raw.cells[1].execution_count = 2
    g = build_graph(parse_notebook(json.dumps(raw), "nb.ipynb"))
    assert "out-of-order" in codes(g, "warning")


def test_disallowed_magic_is_an_error_only_in_exported_cells():
    exported = graph_of([("%env X=1\nx = 1", ["lifecycle:prepare"])])
    explored = graph_of([("%env X=1\nx = 1", ["lifecycle:explore"])])
    assert codes(exported) == ["magic"]
    assert not explored.errors


def test_stage_of_only_definitions_is_not_a_pipeline_step():
    g = graph_of([("import math\ndef f():\n    return 1", ["lifecycle:setup"]),
                  ("y = f()", ["lifecycle:train"])])
    assert [s.name for s in g.stages] == ["train"]


def test_read_before_definition_inside_a_stage():
    g = graph_of([("y = x + 1", ["lifecycle:prepare"]), ("x = 1", ["lifecycle:prepare"])])
    assert codes(g) == ["read-before-definition"]


def test_pytest_style_functions_in_a_test_cell_get_their_values_and_are_called(tmp_path):
    from jupyter_lifecycle.codegen import generate_package

    g = graph_of(BASIC[:-1] + [("def helper(v):\n    return v * 2\n\ndef test_scaled():\n"
                                "    assert helper(scaled[0]) == 2 * scaled[0]\n"
                                "    assert len(data) == 4", ["lifecycle:test"])])
    (test,) = g.tests
    assert set(test.reads) == {"scaled", "data"} and test.until == "prepare"
    files, _ = generate_package(g, "nb_pipeline")
    text = {f.path: f.text for f in files}["tests/test_notebook_cells.py"]
    assert text.rstrip().endswith("test_scaled()")  # called, so its asserts run
    assert "scaled = values['scaled']" in text  # from the stage's snapshot


def test_loop_carried_accumulator_is_local_with_a_warning_unless_an_earlier_stage_provides_it():
    loop = ("for i, part in enumerate(parts):\n    if i == 0:\n        acc = part\n"
            "    else:\n        acc = acc + part")
    alone = graph_of([("parts = [1, 2, 3]", ["lifecycle:ingest"]), (loop, ["lifecycle:prepare"])])
    assert not alone.errors and "loop-carried" in codes(alone, "warning")
    assert alone.stage("prepare").inputs == ("parts",)
    provided = graph_of([("parts = [1, 2, 3]\nacc = 10", ["lifecycle:ingest"]), (loop, ["lifecycle:prepare"])])
    assert provided.stage("prepare").inputs == ("parts", "acc")  # conservative: an input
    simple = graph_of([("x = x + 1", ["lifecycle:prepare"])])  # not a block: a real error
    assert codes(simple) == ["read-before-definition"]


def test_code_calls_the_version_of_a_redefined_function_live_where_it_stands():
    g = graph_of([("def scale(a):\n    return a * 2", ["lifecycle:setup"]),
                  ("x = scale(3)", ["lifecycle:prepare"]),
                  ("def scale(a):\n    return a * 10\ny = scale(3)", ["lifecycle:train"])])
    assert g.errors == () and "redefined" in codes(g, "warning")
    assert g.stage("prepare").uses == ("scale_v1",) and g.stage("train").uses == ("scale",)
    assert g.helpers == ("scale_v1", "scale")
    assert g.renames == {"c0": {0: {"scale": "scale_v1"}}, "c1": {0: {"scale": "scale_v1"}}}


def test_a_function_calling_a_redefined_function_before_its_last_definition_is_refused():
    g = graph_of([("def base(v):\n    return v + 1\ndef twice(v):\n    return base(v) * 2",
                   ["lifecycle:setup"]),
                  ("r1 = twice(1)", ["lifecycle:prepare"]),
                  ("def base(v):\n    return v + 100\nr2 = twice(1)", ["lifecycle:train"])])
    (d,) = g.errors
    assert d.code == "redefined-in-use" and d.location.cell_index == 0
    assert "'twice'" in d.message and "'base'" in d.message and "cell 2" in d.message
    later = graph_of([("def base(v):\n    return v + 1\nr1 = base(1)", ["lifecycle:setup"]),
                      ("def base(v):\n    return v + 100", ["lifecycle:prepare"]),
                      ("def twice(v):\n    return base(v) * 2\nr2 = twice(1)", ["lifecycle:train"])])
    assert later.errors == () and later.stage("train").uses == ("twice",)


def test_a_redefinition_before_any_use_keeps_the_last_definition():
    g = graph_of([("def scale(a):\n    return a * 2", ["lifecycle:setup"]),
                  ("def scale(a):\n    return a * 10", ["lifecycle:setup"]),
                  ("y = scale(3)", ["lifecycle:train"])])
    assert g.errors == () and "redefined" in codes(g, "warning")


def test_a_class_whose_methods_read_a_notebook_value_is_refused_with_the_fix():
    g = graph_of([("k = 3", ["parameters"]),
                  ("class Scaler:\n    def apply(self, v):\n        return v * k\nout = Scaler().apply(2)",
                   ["lifecycle:prepare"])])
    (d,) = g.errors
    assert d.code == "global-read" and d.location.cell_index == 1
    assert d.message == ("class 'Scaler' reads the parameter 'k'; pass it as an argument "
                         "instead (to __init__, kept on self)")
