"""A stage from what one cell does: its calls, imports, asserts and what it binds.

Each rule adds weight to a stage and says why; the heaviest stage wins, and the margin over the
runner-up is the confidence. A cell with no signal gets no stage here (the tagger then uses the
heading above or the cell before it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .facts import CellFacts

INGEST_CALLS = frozenset({"read_csv", "read_sql", "read_sql_query", "read_sql_table",
                          "read_parquet", "read_excel", "read_json", "read_table", "read_feather",
                          "read_fwf", "read_html", "read_hdf", "read_orc", "loadtxt",
                          "genfromtxt", "urlopen", "load_dataset", "openml"})
NOT_INGEST = frozenset({"make_pipeline", "make_column_transformer", "make_union", "make_scorer",
                        "make_column_selector", "make_subplots", "load_model", "load_state_dict"})
PREPARE_CALLS = frozenset({"train_test_split", "fillna", "dropna", "get_dummies", "fit_transform",
                           "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler",
                           "Normalizer", "OneHotEncoder", "LabelEncoder", "OrdinalEncoder",
                           "SimpleImputer", "KNNImputer", "ColumnTransformer", "cut", "qcut",
                           "drop_duplicates", "interpolate", "clip", "StratifiedShuffleSplit",
                           "permutation", "shift", "rolling", "log1p", "standardize",
                           "scale_columns", "astype", "replace", "merge", "apply", "map",
                           "split", "lower", "sub"})
TRAIN_CALLS = frozenset({"fit", "partial_fit", "fit_predict", "GridSearchCV",
                         "RandomizedSearchCV", "HalvingGridSearchCV", "train", "compile"})
EVALUATE_CALLS = frozenset({"score", "cross_val_score", "cross_validate", "cross_val_predict", "confusion_matrix", "classification_report", "log_loss",
                            "roc_curve", "precision_recall_curve", "ttest_ind", "chi2_contingency",
                            "mannwhitneyu", "f_test", "compare_f_test", "percentile", "summary"})
DEPLOY_CALLS = frozenset({"save_model", "to_parquet", "save_pretrained", "to_onnx",
                          "write_text", "to_csv", "to_json"})
DEPLOY_DOTTED = frozenset({"joblib.dump", "pickle.dump", "torch.save", "json.dump",
                           "mlflow.log_model", "cloudpickle.dump", "dill.dump"})
MONITOR_WORDS = frozenset({"drift", "psi", "ks_2samp", "stability", "health", "monitoring",
                           "staleness"})
EXPLORE_CALLS = frozenset({"plot", "hist", "scatter", "bar", "barh", "boxplot", "heatmap",
                           "pairplot", "countplot", "histplot", "describe", "info", "head",
                           "tail", "value_counts", "corr", "show", "imshow", "subplots",
                           "sample", "nunique", "isna", "isnull", "unique", "crosstab",
                           "figure", "displot", "kdeplot", "lineplot", "catplot", "violinplot"})
METRIC_NAME = re.compile(r"(^|_)(metrics?|score|scores|accuracy|acc|auc|f1|rmse|mse|mae|r2|"
                         r"loss|precision|recall|silhouette|pvalue|error)(_|$)")
# what a fitted model reports about its fit (statsmodels results, a search's best model)
FIT_STATISTICS = frozenset({"pvalues", "rsquared", "rsquared_adj", "aic", "bic", "tvalues", "bse",
                            "fvalue", "f_pvalue", "llf", "conf_int"})
SEARCH_RESULTS = frozenset({"best_estimator_", "best_params_"})
CROSS_VALIDATION = frozenset({"cross_val_score", "cross_validate", "cross_val_predict"})
MODEL_CLASS = re.compile(r"(Classifier|Regressor|Regression|Ridge|Lasso|ElasticNet|SVC|SVR|"
                         r"KMeans|NB|OLS|Forest|Boosting|Tree|Neighbors|ARIMA|Prophet)$")


@dataclass(frozen=True)
class RuleResult:
    stage: str | None
    confidence: float
    reason: str


def _first(names, table) -> str | None:
    found = sorted(set(names) & table)
    return found[0] if found else None


def _ingest_call(facts: CellFacts) -> str | None:
    for call in sorted(facts.calls):
        if call in NOT_INGEST:
            continue
        if call in INGEST_CALLS or call.startswith(("load_", "fetch_", "read_")):
            return call
        if call.startswith("make_") and call[5:] in {"classification", "regression", "blobs",
                                                     "moons", "circles", "friedman1",
                                                     "swiss_roll", "s_curve", "sparse_coded_signal"}:
            return call
    return None


def _metric_functions(facts: CellFacts, metric_imports: frozenset[str]) -> str | None:
    for call in sorted(facts.calls):
        if call in metric_imports or call.endswith(("_score", "_error")) or call in EVALUATE_CALLS:
            return call
    return None


def _is_metric(name: str) -> bool:
    return bool(METRIC_NAME.search(name.lower()))


class Scores(dict):
    """stage → (weight, the reason of its first rule)."""

    def add(self, stage: str, weight: float, reason: str) -> None:
        old = self.get(stage)
        self[stage] = (weight + old[0], old[1]) if old else (weight, reason)


def _gates(facts: CellFacts, parameters: frozenset[str]) -> list[str]:
    """The asserts that compare (``<``, ``>=``...) a metric or a parameter: acceptance gates,
    named by what they read."""
    gates = []
    for names, ordering in zip(facts.assert_read_sets, facts.assert_orderings):
        bar = sorted(n for n in names if _is_metric(n) or n in parameters)
        if ordering and bar:
            gates.append(bar[0])
    return gates


def _assert_scores(facts: CellFacts, scores: Scores, parameters: frozenset[str]) -> None:
    metric_reads = sorted(n for n in facts.assert_reads if _is_metric(n))
    on_metrics = all(any(_is_metric(n) for n in names) for names in facts.assert_read_sets)
    if not facts.only_asserts:
        if metric_reads:
            scores.add("validate", 2, f"an assert on {metric_reads[0]}")
        return
    gates = _gates(facts, parameters)
    if on_metrics:
        scores.add("validate", 5, f"asserts on metrics ({', '.join(metric_reads[:3])})")
        scores.add("test", 3, "asserts")
    elif gates and 2 * len(gates) >= facts.asserts:
        scores.add("validate", 5, f"asserts against thresholds ({', '.join(sorted(set(gates))[:3])})")
        scores.add("test", 3, "asserts")
    else:
        scores.add("test", 5, "asserts on values of earlier cells")
        scores.add("validate", 1, "asserts")


def score_cell(facts: CellFacts, metric_imports: frozenset[str],
               parameters: frozenset[str] = frozenset()) -> Scores:
    """Weight and reason per stage for one cell (empty: no signal). ``parameters``: the names the
    parameters cell binds (an assert comparing one is a gate)."""
    scores = Scores()
    if facts.only_imports:
        scores.add("setup", 6, "imports only")
        return scores
    if facts.only_definitions:
        scores.add("setup", 4, "imports and definitions only")
        return scores
    if facts.asserts:
        _assert_scores(facts, scores, parameters)
        if facts.only_asserts:
            return scores
    return call_scores(facts, metric_imports, scores)


def call_scores(facts: CellFacts, metric_imports: frozenset[str],
                scores: Scores | None = None) -> Scores:
    """What the cell's calls, bindings and displays say (also of the functions it defines)."""
    scores = Scores() if scores is None else scores
    add = scores.add
    call = _ingest_call(facts)
    if call:
        add("ingest", 4, f"loads data ({call})")
    elif facts.random_frames:
        add("ingest", 3.5, f"simulates data ({min(facts.random_frames)})")
    call = _first(facts.calls, PREPARE_CALLS - {"astype", "replace", "merge", "apply", "map",
                                                "split", "lower", "sub"})
    if call:
        add("prepare", 3 if call != "train_test_split" else 4, f"prepares features ({call})")
    elif facts.subscript_stores:
        add("prepare", 1.5, "builds columns")
    elif facts.filters:
        add("prepare", 1.5, "filters rows")
    if _first(facts.calls, frozenset({"astype", "replace", "merge", "apply", "map"})):
        add("prepare", 1, "transforms columns")
    call = _first(facts.calls, TRAIN_CALLS)
    if call and not (call == "fit" and "fit_transform" in facts.calls and "predict" not in facts.calls
                     and not any(MODEL_CLASS.search(c) for c in facts.calls)):
        add("train", 4, f"fits a model ({call})")
    models = sorted(c for c in facts.calls if MODEL_CLASS.search(c))
    if models and "train" not in scores:
        add("train", 2.5, f"builds a model ({models[0]})")
    searched = sorted(facts.attributes & SEARCH_RESULTS)
    if searched:
        add("train", 3, f"takes the best model of a search ({searched[0]})")
    call = _metric_functions(facts, metric_imports)
    if call:
        add("evaluate", 3.5, f"computes metrics ({call})")
        looped = _metric_functions(replace(facts, calls=facts.looped_calls - CROSS_VALIDATION),
                                   metric_imports)
        if looped:  # (cross-validating in a loop is tuning: train)
            add("evaluate", 2, f"compares scores in a loop ({looped})")
    statistics = sorted(facts.attributes & FIT_STATISTICS)
    if statistics:
        add("evaluate", 3, f"reads fit statistics ({statistics[0]})")
    if "metrics" in facts.values:
        add("evaluate", 6, "builds the metrics dict")
    elif "predict" in facts.calls and "fit" not in facts.calls:
        add("evaluate", 2, "predicts with a fitted model")
    deploy = _first(facts.dotted_calls, DEPLOY_DOTTED) or _first(facts.calls, DEPLOY_CALLS)
    if deploy:
        add("deploy", 5 if deploy in DEPLOY_DOTTED or deploy == "save_model" else 4,
            f"saves results ({deploy})")
    monitor = sorted(facts.words & MONITOR_WORDS)
    if monitor:
        add("monitor", 4.5, f"drift or health check ({monitor[0]})")
    explore = _first(facts.calls, EXPLORE_CALLS)
    if facts.only_displays:
        add("explore", 3, "only displays values")
    elif explore and not facts.values and not scores:
        add("explore", 2.5, f"looks at data ({explore})")
    if not scores and facts.only_constants:
        add("setup", 2, "literal assignments only")
    return scores


def best(scores: dict[str, tuple[float, str]]) -> RuleResult:
    if not scores:
        return RuleResult(None, 0.0, "")
    ranked = sorted(scores.items(), key=lambda item: -item[1][0])
    stage, (weight, reason) = ranked[0]
    runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
    confidence = min(0.95, 0.4 + 0.1 * weight) * (1 - 0.5 * runner_up / weight)
    return RuleResult(stage, round(confidence, 2), reason)
