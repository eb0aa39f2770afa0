"""Ordered name analysis of a cell's top-level statements (jupyter_lifecycle.analysis.names)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from jupyter_lifecycle.analysis.names import StatementNames, analyze_names


def analyze(source: str) -> tuple[StatementNames, ...]:
    return analyze_names(cst.parse_module(textwrap.dedent(source)))


def one(source: str) -> StatementNames:
    statements = analyze(source)
    assert len(statements) == 1, statements
    return statements[0]


# ---- reads in evaluation order, relative to names bound earlier in the cell ---------------------

def test_one_result_per_top_level_statement_in_order():
    statements = analyze("""\
        import os
        x = 1

        def f():
            pass
        y = f()
    """)
    assert [s.index for s in statements] == [0, 1, 2, 3]
    assert [s.kind for s in statements] == ["import", "constant", "def", "code"]


def test_empty_module():
    assert analyze("") == ()
    assert analyze("# just a comment\n") == ()


def test_name_bound_earlier_in_cell_is_not_a_read():
    first, second = analyze("""\
        x = 1
        y = x
    """)
    assert first.defines == ("x",) and first.reads == ()
    assert second.defines == ("y",) and second.reads == ()


def test_self_referencing_assignment_reads_the_old_value():
    s = one("x = x + 1")
    assert s.reads == ("x",)
    assert s.defines == ("x",)


def test_value_is_evaluated_before_targets():
    s = one("a, b = b, a")
    assert s.reads == ("b", "a")
    assert s.defines == ("a", "b")


def test_for_loop_reads_but_not_its_target():
    s = one("""\
        for i in range(n):
            total = total + i
    """)
    assert s.reads == ("range", "n", "total")
    assert s.defines == ("i", "total")


def test_reads_keep_first_read_order_without_duplicates():
    s = one("print(b, a, b, len(a))")
    assert s.reads == ("print", "b", "a", "len")


def test_true_false_none_are_not_reads():
    assert one("print(True, False, None)").reads == ("print",)


def test_chained_assignment_and_starred_unpacking():
    s = one("a = [first, *rest] = b, *c = items")
    assert s.reads == ("items",)
    assert s.defines == ("a", "first", "rest", "b", "c")


def test_reads_are_relative_to_the_cell_not_to_the_statement():
    statements = analyze("""\
        df = load()
        df = df.dropna()
        print(df, other)
    """)
    assert [s.reads for s in statements] == [("load",), (), ("print", "other")]


def test_global_at_module_level_is_a_no_op():
    first, second = analyze("""\
        global x
        x = 1
    """)
    assert (first.defines, first.reads, first.kind) == ((), (), "code")
    assert second.defines == ("x",)


# ---- augmented assignment and del ------------------------------------------------------------

def test_augmented_assignment_reads_defines_and_mutates():
    s = one("w += 1")
    assert s.reads == ("w",)
    assert s.defines == ("w",)
    assert s.mutates == ("w",)


def test_augmented_assignment_of_a_name_bound_in_the_cell_is_not_a_read():
    _, s = analyze("w = []\nw += [1]\n")
    assert s.reads == ()
    assert s.defines == ("w",) and s.mutates == ("w",)


@pytest.mark.parametrize("source", ["x[i] += 1", "x.a += 1", "x.a[i] += 1"])
def test_augmented_assignment_of_item_or_attribute_reads_and_mutates(source):
    s = one(source)
    assert s.reads[0] == "x"
    assert s.mutates == ("x",)
    assert s.defines == ()


def test_del_name_is_a_read():
    s = one("del w")
    assert s.reads == ("w",)
    assert s.defines == ()
    assert s.mutates == ()


def test_del_unbinds_for_the_rest_of_the_cell():
    first, second, third = analyze("w = 1\ndel w\nprint(w)\n")
    assert second.reads == ()
    assert third.reads == ("print", "w")


def test_del_tuple_of_names():
    assert one("del a, (b, c)").reads == ("a", "b", "c")


# ---- mutations ------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "df['a'] = 1",
    "df.a = 1",
    "df.a.b[0] = 1",
    "df[0].a = 1",
    "del df['a']",
    "del df.a",
    "df.dropna(inplace=True)",
    "df.a.m()",
    "df[0].m()",
    "df.loc[df.a > 0, 'b'] = 2",
    "df.a, other = 1, 2",
    "for df[i] in range(3): pass",
])
def test_mutations_of_a_name(source):
    s = one(source)
    assert "df" in s.mutates
    assert "df" in s.reads  # a mutation needs the object: it is a read when not bound yet
    assert "df" not in s.defines


def test_list_append_is_a_mutation():
    s = one("lst.append(x)")
    assert s.mutates == ("lst",)
    assert s.reads == ("lst", "x")


def test_passing_a_name_to_a_function_is_not_a_mutation():
    s = one("f(x)")
    assert s.mutates == ()
    assert s.reads == ("f", "x")


@pytest.mark.parametrize("source", ["print(df.shape)", "y = df['a']", "x = f().a.m2", "f()[0] = 1"])
def test_not_mutations(source):
    assert one(source).mutates == ()


def test_mutation_of_a_name_bound_in_the_cell_is_not_a_read():
    _, s = analyze("df = load()\ndf['a'] = 1\n")
    assert s.mutates == ("df",)
    assert s.reads == ()


def test_a_discarded_call_of_an_unknown_method_counts_as_a_mutation():
    _, s = analyze("import os\nos.makedirs(a, exist_ok=b)\n")
    assert s.mutates == ("os",)
    assert s.reads == ("a", "b")
    assert one("log.refresh()").mutates == ("log",)
    assert one("_ = log.refresh()").mutates == ()  # its value is used: a read


def test_a_chain_of_reading_methods_is_a_read():
    s = one("out = df.groupby('k').agg(f).reset_index()")
    assert s.mutates == ()
    assert s.defines == ("out",) and s.reads == ("df", "f")


@pytest.mark.parametrize("source, mutates", [
    ("model.fit(X, y)", ("model",)),
    ("scores = model.fit(X, y).predict(X)", ("model",)),
    ("pred = model.predict(X)", ()),
    ("model.predict(X)", ()),
    ("Xs = scaler.transform(X)", ()),
    ("df.head()", ()),
    ("df.dropna(inplace=True)", ("df",)),
    ("df2 = df.dropna()", ()),
    ("df.sort_values('a', inplace=True)", ("df",)),
    ("items.sort()", ("items",)),
    ("seen.add(k)", ("seen",)),
    ("config.update(extra)", ("config",)),
    ("w.add_(g)", ("w",)),  # torch's in-place convention
    ("optimizer.step()", ("optimizer",)),
    ("grid.set_params(cv=3)", ("grid",)),
    ("X_train = enc.fit_transform(X)", ("enc",)),
    ("df.to_csv(path)", ("df",)),  # unknown and discarded: for its effect
])
def test_mutation_means_mutation(source, mutates):
    assert one(source).mutates == mutates


# ---- imports --------------------------------------------------------------------------------

@pytest.mark.parametrize("source, defines, modules", [
    ("import os", ("os",), ("os",)),
    ("import os.path", ("os",), ("os",)),
    ("import a.b.c", ("a",), ("a",)),
    ("import a.b as c", ("c",), ("a",)),
    ("import numpy as np, pandas as pd", ("np", "pd"), ("numpy", "pandas")),
    ("from m import x as y", ("y",), ("m",)),
    ("from sklearn.model_selection import train_test_split", ("train_test_split",), ("sklearn",)),
    ("from sklearn.model_selection import (KFold, cross_val_score as cvs)", ("KFold", "cvs"),
     ("sklearn",)),
    ("from . import sibling", ("sibling",), ()),
    ("from ..pkg.mod import thing", ("thing",), ()),
])
def test_imports(source, defines, modules):
    s = one(source)
    assert s.kind == "import"
    assert s.defines == defines
    assert s.imported_modules == modules
    assert s.reads == ()
    assert s.star_imports == ()


def test_star_import():
    s = one("from m import *")
    assert s.star_imports == ("m",)
    assert s.defines == ()
    assert s.imported_modules == ("m",)
    assert s.kind == "import"


def test_dotted_and_relative_star_imports():
    assert one("from os.path import *").star_imports == ("os.path",)
    relative = one("from .helpers import *")
    assert relative.star_imports == (".helpers",)
    assert relative.imported_modules == ()


def test_imports_nested_in_try_and_if_count_for_the_top_level_statement():
    s = one("""\
        try:
            import ujson as json
        except ImportError:
            import json
            if FAST:
                from numba import jit
    """)
    assert s.kind == "code"
    assert s.defines == ("json", "jit")
    assert s.imported_modules == ("ujson", "json", "numba")
    assert s.reads == ("ImportError", "FAST")


def test_import_inside_a_function_binds_locally():
    s = one("""\
        def f():
            import numpy as np
            return np.zeros(3)
    """)
    assert s.defines == ("f",)
    assert s.global_reads == ()
    assert s.imported_modules == ("numpy",)


def test_imported_name_is_bound_for_later_statements():
    _, s = analyze("import pandas as pd\ndf = pd.read_csv(path)\n")
    assert s.reads == ("path",)
    assert s.mutates == ()  # read_csv's value is used: a read


# ---- walrus ----------------------------------------------------------------------------------

def test_walrus_binds_at_module_level():
    first, second = analyze("""\
        if (n := len(items)) > 10:
            pass
        print(n)
    """)
    assert first.defines == ("n",)
    assert second.reads == ("print",)


def test_walrus_inside_a_comprehension_binds_at_module_level():
    first, second = analyze("""\
        values = [last := f(x) for x in data]
        print(last)
    """)
    assert first.defines == ("last", "values")
    assert first.reads == ("data", "f")
    assert second.reads == ("print",)


def test_walrus_in_comprehension_condition_is_visible_in_the_element():
    s = one("hits = [y for x in data if (y := f(x))]")
    assert s.reads == ("data", "f")
    assert s.defines == ("y", "hits")


def test_walrus_inside_a_function_comprehension_binds_in_the_function():
    s = one("""\
        def f(data):
            [y := g(x) for x in data]
            return y
    """)
    assert s.defines == ("f",)
    assert s.global_reads == ("g",)


def test_walrus_on_the_short_circuited_side_is_only_possibly_bound():
    first, second = analyze("""\
        ok = ready and (value := compute())
        print(value)
    """)
    assert first.defines == ("value", "ok")
    assert second.reads == ("print", "value")


# ---- comprehensions and generator expressions -------------------------------------------------

def test_comprehension_variables_do_not_leak():
    first, second = analyze("""\
        squares = [x * x for x in xs]
        print(x)
    """)
    assert first.defines == ("squares",)
    assert first.reads == ("xs",)
    assert second.reads == ("print", "x")


@pytest.mark.parametrize("source", [
    "r = [x + k for x in xs if x > lo]",
    "r = {x: x + k for x in xs if x > lo}",
    "r = {x + k for x in xs if x > lo}",
    "r = list(x + k for x in xs if x > lo)",
])
def test_comprehension_kinds(source):
    s = one(source)
    assert s.defines == ("r",)
    assert set(s.reads) - {"list"} == {"xs", "k", "lo"}
    assert "x" not in s.reads


def test_first_iterable_is_evaluated_in_the_enclosing_scope():
    s = one("r = [x for x in x]")
    assert s.reads == ("x",)
    nested = one("r = [y for x in rows for y in x]")
    assert nested.reads == ("rows",)


def test_comprehension_in_a_class_body_does_not_see_class_names():
    s = one("""\
        class A:
            k = 1
            xs = [1, 2]
            ys = [x + k for x in xs]
    """)
    assert s.reads == ("k",)  # `xs` is the class's (first iterable), `k` in the element is global


# ---- functions -------------------------------------------------------------------------------

def test_function_reading_a_module_global_lists_it_in_global_reads():
    s = one("""\
        def f(a, *args, key=None, **kw):
            b = a + THRESHOLD
            return helper(b, args, key, kw)
    """)
    assert s.kind == "def"
    assert s.defines == ("f",)
    assert s.reads == ()
    assert s.global_reads == ("THRESHOLD", "helper")


def test_global_reads_ignore_cell_bindings():
    _, s = analyze("""\
        THRESHOLD = 1
        def f():
            return THRESHOLD
    """)
    assert s.reads == ()
    assert s.global_reads == ("THRESHOLD",)


def test_local_bound_after_use_is_still_local():
    s = one("""\
        def f():
            print(x)
            x = 1
    """)
    assert s.global_reads == ("print",)


def test_default_values_decorators_and_annotations_are_statement_reads():
    s = one("""\
        @register(REGISTRY)
        def f(x: Ann = DEFAULT, *, y: Kw = OTHER) -> Ret:
            return x
    """)
    assert set(s.reads) == {"register", "REGISTRY", "Ann", "DEFAULT", "Kw", "OTHER", "Ret"}
    assert s.reads[:2] == ("register", "REGISTRY")
    assert s.global_reads == ()


def test_default_bound_earlier_in_the_cell_is_not_a_read():
    _, s = analyze("D = 3\ndef f(x=D):\n    return x\n")
    assert s.reads == ()


def test_async_def():
    s = one("""\
        async def fetch(url):
            async with session.get(url) as response:
                return await response.json()
    """)
    assert s.kind == "def"
    assert s.defines == ("fetch",)
    assert s.global_reads == ("session",)


def test_global_declaration_in_a_function():
    s = one("""\
        def bump():
            global counter
            counter = counter + 1
            return counter
    """)
    assert s.global_reads == ("counter",)
    assert s.defines == ("bump",)  # the call-time binding is not a definition of this statement


def test_closures_and_nonlocal():
    s = one("""\
        def outer(a):
            v = 0
            def inner():
                nonlocal v
                v += a
                return v + z
            return inner
    """)
    assert s.global_reads == ("z",)


def test_nested_function_free_names_reach_module_through_enclosing_function():
    s = one("""\
        def outer():
            def inner():
                return helper()
            return inner
    """)
    assert s.global_reads == ("helper",)


def test_recursive_function_reads_its_own_name_at_call_time():
    s = one("def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n")
    assert s.global_reads == ("fact",)
    assert s.reads == ()


def test_mutation_inside_a_function_body_is_not_a_statement_mutation():
    s = one("def f():\n    df.drop(columns=['a'], inplace=True)\n")
    assert s.mutates == ()
    assert s.global_reads == ("df",)


def test_lambda_free_names_are_global_reads_and_reads_of_plain_code():
    s = one("key = lambda row, d=default: row[col] + d")
    assert s.defines == ("key",)
    assert s.global_reads == ("col",)
    # a lambda in code is usually called within the cell: its free names are reads too
    assert s.reads == ("default", "col")


def test_lambda_free_names_bound_earlier_in_the_cell_are_not_reads():
    _, s = analyze("factor = 2\nout = df.apply(lambda r: r * factor)\n")
    assert s.reads == ("df",)
    assert s.global_reads == ("factor",)


def test_lambda_in_a_comprehension_closes_over_the_loop_variable():
    s = one("fs = [lambda: i + j for i in range(3)]")
    assert s.reads == ("range", "j")
    assert s.global_reads == ("j",)


def test_pep695_type_parameters_are_not_reads():
    s = one("def first[T](xs: list[T]) -> T:\n    return xs[0]\n")
    assert s.reads == ("list",)
    assert s.global_reads == ()


def test_type_alias_binds_its_name():
    s = one("type Vector = list[Scalar]")
    assert s.defines == ("Vector",)
    assert s.global_reads == ("list", "Scalar")  # evaluated lazily, like a lambda body


# ---- classes --------------------------------------------------------------------------------

def test_class_body_and_methods():
    s = one("""\
        @dataclass
        class Model(Base, metaclass=Meta):
            scale = 2
            factor = scale * BASE
            def predict(self, x):
                return x * scale * helper(x) * self.factor
    """)
    assert s.kind == "class"
    assert s.defines == ("Model",)
    assert s.reads == ("dataclass", "Base", "Meta", "BASE")
    # class attributes are not visible inside methods: `scale` is a module-level read there
    assert s.global_reads == ("scale", "helper")
    assert s.mutates == ()


def test_class_name_is_bound_after_its_body():
    assert one("class A:\n    me = A\n").reads == ("A",)


def test_method_decorators_and_defaults_run_at_class_definition():
    s = one("""\
        class A:
            limit = 3
            @staticmethod
            def f(n=limit, m=OUTER):
                return n
    """)
    assert s.reads == ("staticmethod", "OUTER")
    assert s.global_reads == ()


def test_class_body_mutating_a_module_name():
    s = one("class A:\n    REGISTRY.append(1)\n")
    assert s.mutates == ("REGISTRY",)
    assert s.reads == ("REGISTRY",)


def test_class_nested_in_a_function():
    s = one("""\
        def make(base):
            class Sub(base):
                size = base.size + extra
                def m(self):
                    return base, other
            return Sub
    """)
    assert s.global_reads == ("extra", "other")


# ---- other binders ---------------------------------------------------------------------------

def test_with_targets():
    s = one("""\
        with open(path) as fh, lock, ctx() as (a, b):
            data = fh.read()
    """)
    assert s.defines == ("fh", "a", "b", "data")
    assert s.reads == ("open", "path", "lock", "ctx")
    assert s.mutates == ()  # fh.read()'s value is used


def test_except_as_is_bound_in_the_handler_and_unbound_after():
    first, second = analyze("""\
        try:
            risky()
        except (ValueError, KeyError) as err:
            log(err)
        print(err)
    """)
    assert first.defines == ("err",)
    assert first.reads == ("risky", "ValueError", "KeyError", "log")
    assert second.reads == ("print", "err")


def test_try_star():
    s = one("""\
        try:
            run()
        except* OSError as group:
            report(group)
    """)
    assert s.defines == ("group",)
    assert s.reads == ("run", "OSError", "report")


def test_match_statement():
    first, second = analyze("""\
        match command:
            case ["go", direction]:
                move(direction)
            case {"x": px, **others}:
                pass
            case Point(x=0, y=py) as pt:
                show(pt)
            case [first, *tail] if first > LIMIT:
                pass
            case Color.RED | None:
                pass
            case _:
                pass
        print(direction)
    """)
    assert first.defines == ("direction", "px", "others", "py", "pt", "first", "tail")
    assert first.reads == ("command", "move", "Point", "show", "LIMIT", "Color")
    assert second.reads == ("print", "direction")  # only one case binds it


def test_match_binding_in_every_case_with_a_wildcard_is_bound():
    _, s = analyze("""\
        match value:
            case int(n):
                kind = "int"
            case _:
                kind = "other"
        print(kind)
    """)
    assert s.reads == ("print",)


def test_annotation_only_binds_nothing_but_reads_the_annotation():
    s = one("x: int")
    assert s.defines == ()
    assert s.reads == ("int",)


def test_annotated_assignment():
    s = one("x: Optional[int] = compute()")
    assert s.defines == ("x",)
    assert s.reads == ("compute", "Optional", "int")


def test_local_annotations_in_functions_are_not_evaluated():
    s = one("def f():\n    x: Hint = 1\n    y: Other\n    return x\n")
    assert s.global_reads == ()


# ---- conditional bindings -------------------------------------------------------------------

def test_name_bound_in_only_one_branch_is_still_a_read_later():
    first, second = analyze("""\
        if verbose:
            msg = "hi"
        print(msg)
    """)
    assert first.defines == ("msg",)
    assert second.reads == ("print", "msg")


def test_name_bound_in_every_branch_is_bound():
    _, s = analyze("""\
        if gpu:
            device = "cuda"
        elif mps:
            device = "mps"
        else:
            device = "cpu"
        print(device)
    """)
    assert s.reads == ("print",)


def test_raising_branch_does_not_unbind():
    _, s = analyze("""\
        if config is None:
            raise ValueError("missing")
        else:
            path = config.path
        print(path)
    """)
    assert s.reads == ("print",)


def test_try_import_fallback_is_bound():
    _, s = analyze("""\
        try:
            import torch
        except ImportError:
            torch = None
        print(torch)
    """)
    assert s.reads == ("print",)


def test_name_bound_only_in_try_body_is_still_a_read_later():
    _, s = analyze("""\
        try:
            df = load()
        except OSError:
            print("missing")
        df.head()
    """)
    assert s.reads == ("df",)


def test_loop_bodies_are_assumed_to_run():
    _, s = analyze("""\
        for epoch in range(3):
            loss = train(epoch)
        print(loss, epoch)
    """)
    assert s.reads == ("print",)


def test_while_true_with_break():
    _, s = analyze("""\
        while True:
            line = read()
            if not line:
                break
        print(line)
    """)
    assert s.reads == ("print",)


def test_name_bound_after_a_break_is_not_bound_after_the_loop():
    _, s = analyze("""\
        for item in items:
            if item:
                break
            seen = item
        print(seen)
    """)
    assert s.reads == ("print", "seen")


def test_finally_bindings_and_try_bindings_survive():
    _, s = analyze("""\
        try:
            a = 1
        finally:
            b = 2
        print(a, b)
    """)
    assert s.reads == ("print",)


def test_code_after_a_top_level_raise_keeps_earlier_bindings():
    *_, s = analyze("x = 1\nraise SystemExit\nprint(x)\n")
    assert s.reads == ("print",)


def test_global_declaration_in_a_class_body_binds_at_module_level():
    first, second = analyze("""\
        class A:
            global g
            g = 1
        print(g)
    """)
    assert first.defines == ("g", "A")
    assert second.reads == ("print",)


# ---- kind ------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "X = 1",
    "X = 1_000",
    "X = -1.5",
    "X = +3",
    "X = 2j",
    "X = 'text'",
    "X = 'a' 'b' \"c\"",
    "X = f'no placeholders'",
    "X = 'a' f'plain'",
    "X = b'bytes'",
    "X = True",
    "X = None",
    "X = (1, 'a', [True, {1: -2}], {3, 4})",
    "X = ()",
    "X = {}",
    "X: float = 0.5",
    "X = 1;",
])
def test_constant_kind(source):
    s = one(source)
    assert s.kind == "constant"
    assert s.defines == ("X",)


@pytest.mark.parametrize("source", ["X, Y = 1, 2", "(X, Y) = ('a', None)", "[X, Y] = 1, -2"])
def test_literal_unpacking_is_a_constant_of_every_name(source):
    s = one(source)
    assert s.kind == "constant" and s.defines == ("X", "Y")


@pytest.mark.parametrize("source", [
    "X = f'{y}'",
    "X = 'a' f'{y}'",
    "X = Y = 1",
    "X, Y = 1, y",
    "X, *Y = 1, 2",
    "X = [1, y]",
    "X = 1 + 2",
    "X = -y",
    "X = not True",
    "X = (*a,)",
    "X = {**d}",
    "X = ...",
    "X.a = 1",
    "X += 1",
    "X: int",
    "X = 1; Y = 2",
    "X = int('3')",
    "print(X)",
])
def test_code_kind(source):
    assert one(source).kind == "code"


@pytest.mark.parametrize("source, kind", [
    ("import os", "import"),
    ("import os; import sys", "import"),
    ("from a import b", "import"),
    ("import os; x = 1", "code"),
    ("def f():\n    pass\n", "def"),
    ("async def f():\n    pass\n", "def"),
    ("@decorator\ndef f():\n    pass\n", "def"),
    ("class A:\n    pass\n", "class"),
    ("if True:\n    import os\n", "code"),
    ("if True:\n    def f(): pass\n", "code"),
])
def test_other_kinds(source, kind):
    assert one(source).kind == kind


def test_def_nested_in_a_top_level_block_still_reports_global_reads():
    s = one("if DEBUG:\n    def f():\n        return LEVEL\n")
    assert s.kind == "code"
    assert s.defines == ("f",)
    assert s.reads == ("DEBUG", "LEVEL")
    assert s.global_reads == ("LEVEL",)


# ---- line numbers ---------------------------------------------------------------------------

LINES_SOURCE = '''\
# a leading comment

import os
x = """multi
line
string"""
y = f(
    a,

    b,  # comment
)
z = 1 + \\
    2
if x:
    pass
else:
    w = [
        1,
    ]

@decorator(
    arg,
)
# between
@other
def g():
    return 1
a = 1; b = 2
class C:
    """doc"""
last = x'''


def test_line_numbers():
    statements = analyze(LINES_SOURCE)
    assert [s.line for s in statements] == [3, 4, 7, 12, 14, 21, 28, 29, 31]


def test_line_numbers_match_position_provider():
    module = cst.parse_module(LINES_SOURCE)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    expected = []
    for statement in module.body:
        first = statement.decorators[0] if getattr(statement, "decorators", ()) else statement
        expected.append(positions[first].start.line)
    assert [s.line for s in analyze_names(module)] == expected


def test_decorated_definition_starts_at_its_first_decorator():
    _, s = analyze("x = 1\n\n@dec\ndef f():\n    pass\n")
    assert s.line == 3


# ---- robustness and speed -------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "print(*args, **kwargs)",
    "x = t'{value}'",
    "x = a[1:2, ::3, ...]",
    "async def f():\n    yield x\n    yield from y\n    await z\n    async for i in it: pass\n",
    "def f():\n    return (yield)\n",
    "assert cond, msg",
    "x = y if c else z",
    "x = not a or b and c",
    "x = a < b <= c != d in e is not f",
    "raise Error() from cause",
    "while x:\n    continue\nelse:\n    pass\n",
    "for x in y:\n    break\nelse:\n    z = 1\n",
    "try:\n    pass\nfinally:\n    cleanup()\n",
    "with a as b.c, d as e[0]: pass",
    "class A[T](Base[T]):\n    x: T\n",
    "lambda: (yield)",
    "del (a.b, c[0])",
    "f'{x!r:>{width}}'",
    "return x",
    "break",
    "nonlocal q",
])
def test_never_raises(source):
    statements = analyze(source)
    assert statements
    assert all(isinstance(s, StatementNames) for s in statements)


def test_format_spec_and_conversion_in_fstring_are_reads():
    assert one("f'{x!r:>{width}}'").reads == ("x", "width")


def test_t_string_placeholders_are_reads():
    assert one("x = t'{value}'").reads == ("value",)


def _assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(name))], value)])


def test_very_long_expression_does_not_hit_the_recursion_limit():
    # built directly: parsing such code with libcst takes seconds
    value: cst.BaseExpression = cst.Name("a0")
    for i in range(1, 3000):
        value = cst.BinaryOperation(value, cst.Add(), cst.Name(f"a{i}"))
    module = cst.Module([_assign("total", value), cst.parse_statement("print(total)\n")])
    first, second = analyze_names(module)
    assert first.reads == tuple(f"a{i}" for i in range(3000))
    assert second.reads == ("print",)


def test_pathologically_deep_statement_degrades_conservatively():
    value: cst.BaseExpression = cst.Name("y")
    for _ in range(1500):
        value = cst.Call(cst.Name("f"), [cst.Arg(value)])
    module = cst.Module([cst.parse_statement("import a\n"), _assign("x", value),
                         cst.parse_statement("z = x\n")])
    _, deep, after = analyze_names(module)
    assert deep.defines == ("x",)
    assert set(deep.reads) == {"f", "y"}
    assert after.reads == ()
    assert after.line == 3
