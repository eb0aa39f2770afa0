"""What a cell does, read from its libcst tree: calls, imports, asserts, assignments, displays.

Built on ``analysis.cell.CellAnalysis`` (the tree and the per-statement names); nothing here
parses source text itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..analysis.cell import CellAnalysis

DISPLAY_CALLS = frozenset({"print", "display", "display_html", "display_markdown"})
FRAME_CALLS = frozenset({"DataFrame", "Series", "date_range"})
RANDOM_DRAWS = frozenset({"normal", "uniform", "integers", "choice", "gamma", "poisson", "binomial",
                          "exponential", "lognormal", "beta", "randn", "rand", "randint",
                          "standard_normal", "multivariate_normal", "multinomial", "gauss"})
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


@dataclass(frozen=True)
class CellFacts:
    parsed: bool
    statements: int
    calls: frozenset[str]  # the called name or method: "read_csv", "fit", "train_test_split"
    dotted_calls: frozenset[str]  # calls on a plain dotted name: "pd.read_csv", "joblib.dump"
    imported_modules: frozenset[str]  # "sklearn.metrics", "numpy"
    imported_names: frozenset[str]  # names bound by the cell's imports
    definitions: frozenset[str]  # functions and classes defined
    values: frozenset[str]  # names bound by statements that are not imports or definitions
    reads: frozenset[str]  # module-level names read, also by function bodies (builtins included)
    mutates: frozenset[str]  # module-level names changed in place
    asserts: int  # top-level assert statements
    assert_reads: frozenset[str]  # names read by those asserts
    assert_read_sets: tuple[frozenset[str], ...]  # the names each assert reads
    kinds: tuple[str, ...]  # statement kinds (import, def, class, constant, code)
    display_statements: int  # statements left out as displays (bare expressions, display())
    print_statements: int  # statements that only call print()
    subscript_stores: int  # ``df["col"] = ...``: feature construction
    words: frozenset[str]  # lower-case words of names read, bound and called (for hints)
    metric_imports: frozenset[str] = frozenset()  # names bound by imports from a metrics module
    looped_calls: frozenset[str] = frozenset()  # calls inside loops and comprehensions
    random_frames: frozenset[str] = frozenset()  # random draws a DataFrame/Series is built from
    attributes: frozenset[str] = frozenset()  # attribute names read: "best_estimator_", "pvalues"
    assert_orderings: tuple[bool, ...] = ()  # per assert: does it compare with <, <=, > or >=
    filters: int = 0  # values selected by a boolean mask: rows kept or dropped

    @property
    def only_definitions(self) -> bool:
        return self.statements > 0 and all(k in ("import", "def", "class") for k in self.kinds)

    @property
    def only_imports(self) -> bool:
        return self.statements > 0 and all(k == "import" for k in self.kinds)

    @property
    def only_constants(self) -> bool:
        return self.statements > 0 and all(k == "constant" for k in self.kinds)

    @property
    def only_asserts(self) -> bool:
        return self.statements > 0 and self.asserts == self.statements

    @property
    def only_displays(self) -> bool:
        """Every statement shows something and binds nothing."""
        return self.statements > 0 and self.display_statements + self.print_statements == self.statements


EMPTY = CellFacts(False, 0, frozenset(), frozenset(), frozenset(), frozenset(), frozenset(),
                  frozenset(), frozenset(), frozenset(), 0, frozenset(), (), (), 0, 0, 0, frozenset())


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    return None


def _called(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _is_random_draw(func: cst.BaseExpression) -> bool:
    """``rng.normal(...)``, ``np.random.gamma(...)``, ``random.gauss(...)``."""
    if not isinstance(func, cst.Attribute) or func.attr.value not in RANDOM_DRAWS:
        return False
    receiver = (_dotted(func.value) or "").lower().split(".")[-1]
    return "rng" in receiver or receiver in ("random", "generator", "gen")


class _Draws(cst.CSTVisitor):
    """The random draws in a constructor's arguments, and whether they index existing data."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.indexes = False

    def visit_Call(self, node: cst.Call) -> None:
        if _is_random_draw(node.func):
            self.found.add(_dotted(node.func) or str(_called(node.func)))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.indexes = True


class _Orderings(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_ComparisonTarget(self, node: cst.ComparisonTarget) -> None:
        self.found = self.found or isinstance(node.operator, _ORDERING)


def _orders(test: cst.BaseExpression) -> bool:
    visitor = _Orderings()
    test.visit(visitor)
    return visitor.found


class _Masks(cst.CSTVisitor):
    """Subscripts by a boolean mask: ``frame[frame.x > 0]``, ``frame.loc[frame.g == "a", col]``."""

    def __init__(self) -> None:
        self.found = 0

    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        if isinstance(node.slice, cst.Index) and isinstance(node.slice.value, cst.Comparison):
            self.found += 1


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: set[str] = set()
        self.dotted: set[str] = set()
        self.names: set[str] = set()
        self.attributes: set[str] = set()
        self.looped: set[str] = set()
        self.random_frames: set[str] = set()
        self.subscript_stores = 0
        self.filters = 0
        self._loops = 0

    def visit_Call(self, node: cst.Call) -> None:
        called = _called(node.func)
        if called:
            self.calls.add(called)
            if self._loops:
                self.looped.add(called)
        dotted = _dotted(node.func)
        if dotted:
            self.dotted.add(dotted)
        if called in FRAME_CALLS:
            draws = _Draws()
            for arg in node.args:
                arg.visit(draws)
            if not draws.indexes:  # drawn from nothing: simulated data, not a perturbed copy
                self.random_frames.update(draws.found)

    def _enter(self, node) -> None:
        self._loops += 1

    def _leave(self, node) -> None:
        self._loops -= 1

    visit_For = visit_While = visit_ListComp = visit_SetComp = visit_DictComp = \
        visit_GeneratorExp = _enter
    leave_For = leave_While = leave_ListComp = leave_SetComp = leave_DictComp = \
        leave_GeneratorExp = _leave

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.names.add(node.attr.value)
        self.attributes.add(node.attr.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        text = node.value.strip("'\"rbuRBU")
        if text.isidentifier() and len(text) < 40:
            self.names.add(text)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.subscript_stores += sum(isinstance(t.target, cst.Subscript) for t in node.targets)
        masks = _Masks()
        node.value.visit(masks)
        self.filters += masks.found  # ``df = df[df.x > 0]``, ``a = ab.loc[ab.group == "a", col]``


def _words(names: set[str]) -> frozenset[str]:
    words: set[str] = set()
    for name in names:
        words.update(part for part in name.lower().split("_") if part)
        words.add(name.lower())
    return frozenset(words)


def _is_print(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return all(isinstance(s, cst.Expr) and isinstance(s.value, cst.Call)
               and isinstance(s.value.func, cst.Name) and s.value.func.value in DISPLAY_CALLS
               for s in statement.body)


def cell_facts(analysis: CellAnalysis) -> CellFacts:
    """The facts of one analysed cell; an unparsable cell has no facts (``parsed`` False)."""
    module = analysis.module if analysis.parsed else None
    if module is None:
        return EMPTY
    dropped = analysis.dropped_indices
    placeholders = frozenset(i for i, why in analysis.dropped if why == "magic")
    collector = _Collector()
    module.visit(collector)
    statements = [n for n in analysis.statements if n.index not in placeholders]
    modules: set[str] = set()
    imported: set[str] = set()
    metric_imports: set[str] = set()
    for _, specs, stars in analysis.imports:
        for spec in specs:
            modules.add(spec.module)
            imported.add(spec.bound)
            if "metrics" in spec.module:  # ``from sklearn.metrics import f1_score``, not its neighbours
                metric_imports.add(spec.bound)
        modules.update(stars)
    asserts, assert_reads, prints, assert_sets, orderings = 0, set(), 0, [], []
    for names in statements:
        statement = module.body[names.index]
        if isinstance(statement, cst.SimpleStatementLine) and all(
                isinstance(s, cst.Assert) for s in statement.body):
            asserts += 1
            assert_sets.append(frozenset((*names.reads, *names.earlier_reads)))
            orderings.append(any(_orders(s.test) for s in statement.body))
            assert_reads.update(assert_sets[-1])
        elif names.index not in dropped and _is_print(statement):
            prints += 1
    values = {d for n in statements if n.kind not in ("import", "def", "class") for d in n.defines}
    definitions = {d for n in statements if n.kind in ("def", "class") for d in n.defines}
    reads = {r for n in statements for r in (*n.reads, *n.global_reads)}
    return CellFacts(
        parsed=True,
        statements=len(statements),
        calls=frozenset(collector.calls),
        dotted_calls=frozenset(collector.dotted),
        imported_modules=frozenset(modules),
        imported_names=frozenset(imported),
        definitions=frozenset(definitions),
        values=frozenset(values),
        reads=frozenset(reads),
        mutates=frozenset(m for n in statements for m in n.mutates) - imported,
        asserts=asserts,
        assert_reads=frozenset(assert_reads),
        assert_read_sets=tuple(assert_sets),
        kinds=tuple(n.kind for n in statements),
        display_statements=sum(1 for n in statements if n.index in dropped),
        print_statements=prints,
        subscript_stores=collector.subscript_stores,
        words=_words(collector.names | collector.calls),
        metric_imports=frozenset(metric_imports),
        looped_calls=frozenset(collector.looped),
        random_frames=frozenset(collector.random_frames),
        attributes=frozenset(collector.attributes),
        assert_orderings=tuple(orderings),
        filters=collector.filters,
    )
