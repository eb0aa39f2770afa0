"""Randomness: seeds for the global generators, ``random_state`` where scikit-learn-style
estimators, splits and samplers draw random numbers."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..analysis.cell import CellAnalysis
from ..notebook import Cell, TaggedNotebook
from .calls import Call, CellCalls, cell_calls, import_aliases
from .context import Context
from .model import Finding, Severity

SEEDS = frozenset({"numpy.random.seed", "random.seed", "torch.manual_seed", "torch.cuda.manual_seed",
                   "torch.cuda.manual_seed_all", "tensorflow.random.set_seed", "tf.random.set_seed",
                   "sklearn.utils.check_random_state", "lightning.seed_everything",
                   "pytorch_lightning.seed_everything", "transformers.set_seed"})
# Draws from a global generator that a seed call above makes reproducible.
GLOBAL_DRAWS = {
    "numpy.random": frozenset({"rand", "randn", "randint", "random", "random_sample", "choice",
                               "shuffle", "permutation", "normal", "uniform", "binomial",
                               "poisson", "exponential", "beta", "gamma", "multivariate_normal",
                               "standard_normal", "random_integers", "lognormal"}),
    "random": frozenset({"random", "randint", "randrange", "choice", "choices", "shuffle",
                         "sample", "uniform", "gauss", "normalvariate", "betavariate"}),
    "torch": frozenset({"rand", "randn", "randint", "randperm", "normal", "bernoulli",
                        "multinomial", "rand_like", "randn_like"}),
}
GENERATORS = frozenset({"numpy.random.default_rng", "numpy.random.RandomState",
                        "numpy.random.Generator", "random.Random"})
# Known to take random_state, for when the library is not installed to ask it.
KNOWN_RANDOM = frozenset({
    "train_test_split", "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
    "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
    "DecisionTreeClassifier", "DecisionTreeRegressor", "KMeans", "MiniBatchKMeans", "PCA",
    "TSNE", "RandomizedSearchCV", "SGDClassifier", "SGDRegressor", "MLPClassifier",
    "MLPRegressor", "IsolationForest", "ShuffleSplit", "StratifiedShuffleSplit", "resample",
    "make_classification", "make_regression", "make_blobs", "make_moons", "make_circles",
    "XGBClassifier", "XGBRegressor", "LGBMClassifier", "LGBMRegressor", "TruncatedSVD",
})
# Splitters that use random_state only when they shuffle.
SHUFFLE_ONLY = frozenset({"KFold", "StratifiedKFold", "GroupKFold", "RepeatedKFold"})
# Estimators that draw random numbers only with some settings: keyword → values that make them.
CONDITIONAL = {
    "LogisticRegression": ("solver", {"sag", "saga", "liblinear"}),
    "Ridge": ("solver", {"sag", "saga"}),
    "SVC": ("probability", {True}),
    "NuSVC": ("probability", {True}),
    "Lasso": ("selection", {"random"}),
    "ElasticNet": ("selection", {"random"}),
    "PCA": ("svd_solver", {"randomized", "arpack"}),
    "DummyClassifier": ("strategy", {"stratified", "uniform"}),
}
RANDOM_LIBRARIES = ("sklearn", "xgboost", "lightgbm", "imblearn", "catboost", "umap")


@lru_cache(maxsize=512)
def takes_random_state(qualname: str) -> bool:
    """Whether the installed callable has a ``random_state`` parameter (else the known list)."""
    last = qualname.rsplit(".", 1)[-1]
    if last in SHUFFLE_ONLY:
        return False
    top = qualname.split(".", 1)[0]
    if top in RANDOM_LIBRARIES:
        module, _, name = qualname.rpartition(".")
        try:
            if module and importlib.util.find_spec(top) is not None:
                target = getattr(importlib.import_module(module), name)
                return "random_state" in inspect.signature(target).parameters
        except Exception:  # not importable here, no signature: fall back to the known list
            pass
    return last in KNOWN_RANDOM


def _random_state_missing(call: Call) -> bool:
    value = call.keyword("random_state", default=...)
    if value is ...:
        return True
    return value is None


def _needs_random_state(call: Call) -> bool:
    if call.qualname is None:
        return False
    last = call.method
    if last in SHUFFLE_ONLY:
        return call.keyword("shuffle") is True and _random_state_missing(call)
    if last in CONDITIONAL:
        key, values = CONDITIONAL[last]
        value = call.keyword(key)
        if not (isinstance(value, (str, bool)) and value in values):
            return False
    return takes_random_state(call.qualname) and _random_state_missing(call)


def _global_draw(call: Call) -> bool:
    if call.qualname is None:
        return False
    module, _, name = call.qualname.rpartition(".")
    return name in GLOBAL_DRAWS.get(module, ())


@dataclass(frozen=True)
class RandomCall:
    """A call that draws random numbers no seed fixes: each run of the notebook differs."""

    cell: Cell
    call: Call
    check: str  # randomness.random-state-missing | unseeded-generator | unseeded-global
    message: str
    fix: str


def random_calls(cells: Iterable[Cell], calls: Mapping[str, CellCalls],
                 aliases: Mapping[str, str]) -> list[RandomCall]:
    """The unseeded random calls of ``cells`` (the exported ones, in notebook order): an
    estimator, split or sampler that takes ``random_state`` and gets none, a splitter that
    shuffles, a generator created without a seed, a draw from a global generator before its
    seed call. ``verify``'s hint names the first one in a step whose values differ."""
    found: list[RandomCall] = []
    seeded: set[str] = set()  # generator families seeded so far, in file order
    for cell in cells:
        for call in calls[cell.id].calls:
            qualname = call.qualname or ""
            if qualname in SEEDS:
                seeded.add(qualname.split(".", 1)[0])
                continue
            if _needs_random_state(call):
                found.append(RandomCall(
                    cell, call, "randomness.random-state-missing",
                    f"cell {cell.index} calls {call.dotted}(...) without random_state: each run "
                    "draws different numbers", f"pass random_state=<a seed parameter> to "
                    f"{call.method}"))
            elif qualname in GENERATORS and call.nargs == 0 and not call.keywords:
                found.append(RandomCall(
                    cell, call, "randomness.unseeded-generator",
                    f"cell {cell.index} creates {call.dotted}() without a seed",
                    f"pass a seed: {call.dotted}(seed)"))
            elif _global_draw(call) and qualname.split(".", 1)[0] not in seeded:
                family = qualname.split(".", 1)[0]
                seed = {"numpy": "np.random.seed(...)", "random": "random.seed(...)",
                        "torch": "torch.manual_seed(...)"}[family]
                found.append(RandomCall(
                    cell, call, "randomness.unseeded-global",
                    f"cell {cell.index} draws from {call.dotted} before any {seed} call",
                    f"call {seed} in a setup cell above (or use a seeded generator)"))
            elif (call.method == "sample" and call.qualname is None and "pandas" in
                  aliases.values() and _random_state_missing(call)):
                found.append(RandomCall(
                    cell, call, "randomness.random-state-missing",
                    f"cell {cell.index} calls {call.dotted}(...) without random_state",
                    "pass random_state=<a seed parameter> to sample"))
    return found


def notebook_random_calls(nb: TaggedNotebook, analyses: Mapping[str, CellAnalysis]) -> list[RandomCall]:
    """``random_calls`` over the cells the pipeline (or its tests) runs, as the doctor reads them."""
    cells = [c for c in nb.code_cells if c.source.strip() and not c.is_injected_parameters]
    aliases = import_aliases(analyses[c.id] for c in cells)
    calls = {c.id: cell_calls(analyses[c.id], aliases) for c in cells}
    return random_calls([c for c in cells if exported(nb, c)], calls, aliases)


def exported(nb: TaggedNotebook, cell: Cell) -> bool:
    """Runs in the pipeline (or its tests): not explore, not skip."""
    return cell.is_parameters or nb.table[cell.stage].kind in ("pipeline", "gate", "test")


def check(ctx: Context) -> list[Finding]:
    out: dict[tuple, Finding] = {}  # one finding per cell, check and callee
    for found in random_calls([c for c in ctx.code_cells if ctx.exported(c)], ctx.calls,
                              ctx.aliases):
        add(out, Finding(found.check, Severity.HIGH, found.message, found.fix,
                         (ctx.ref(found.cell, found.call.line),)))
    return list(out.values())


def add(out: dict, finding: Finding) -> None:
    out.setdefault((finding.check, finding.cells[0].index, finding.message), finding)
