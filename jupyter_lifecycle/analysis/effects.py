"""What a call does to its receiver, and which discarded expressions only look at values.

A method call mutates its receiver when the method is known to change it in place (a declared
table: list/dict/set methods, estimators' ``fit``, numpy and pandas in-place methods, torch's
trailing-underscore convention), when it passes ``inplace=True``, or when its value is discarded
and the method is not known to only read (``obj.refresh()`` on a line of its own). A call whose
value is used, of a method not known to mutate (``model.predict(X)``, ``scaler.transform(X)``),
is a read.

``is_read_only`` says whether evaluating an expression changes nothing: names, attributes,
subscripts, operators and calls of reading methods or of a few pure functions (``len``,
``pd.crosstab``). Such an expression on a line of its own is display-only.
"""

from __future__ import annotations

import libcst as cst

MUTATING_METHODS = frozenset({
    # list, dict, set, bytearray, deque
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update",
    "setdefault", "popitem", "add", "discard", "intersection_update", "difference_update",
    "symmetric_difference_update", "appendleft", "extendleft", "popleft", "rotate",
    # estimators and models (scikit-learn, xgboost, keras, statsmodels, gensim, torch)
    "fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "set_params",
    "set_output", "compile", "train_on_batch", "build_vocab", "train", "eval", "zero_grad",
    "step", "backward", "load_state_dict", "load_weights", "to", "cuda", "cpu",
    # numpy and pandas in place
    "fill", "resize", "put", "itemset", "setfield", "setflags", "partition", "sort_index",
    "set_axis",
    # random generators and files
    "seed", "shuffle", "write", "writelines", "close", "flush", "truncate",
})

READING_METHODS = frozenset({
    # looks at a frame, a series or an array
    "head", "tail", "describe", "info", "sample", "value_counts", "nunique", "unique", "corr",
    "cov", "isna", "isnull", "notna", "notnull", "sum", "mean", "median", "std", "var", "min",
    "max", "count", "memory_usage", "to_frame", "round", "sort_values", "style", "plot", "hist",
    "items", "keys", "values", "copy", "astype", "tolist", "to_list", "to_numpy", "to_dict",
    "to_string", "to_markdown", "groupby", "agg", "aggregate", "any", "all", "argmax", "argmin",
    "idxmax", "idxmin", "cumsum", "cumprod", "abs", "query", "filter", "select_dtypes", "dropna",
    "drop", "fillna", "rename", "reset_index", "set_index", "merge", "join", "pivot",
    "pivot_table", "melt", "isin", "between", "clip", "nlargest", "nsmallest", "duplicated",
    "drop_duplicates", "corrwith", "diff", "pct_change", "shift", "rolling", "expanding",
    "resample", "reshape", "ravel", "flatten", "dot", "transpose", "squeeze", "quantile", "mode",
    "skew", "kurt", "prod", "get", "format", "replace", "split", "strip", "lower", "upper",
    "startswith", "endswith", "shape", "dtypes", "crosstab", "get_dummies",
    # looks at a fitted model
    "predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
    "inverse_transform", "score", "score_samples", "get_params", "get_feature_names_out",
    "summary", "conf_int", "pvalues", "t_test", "f_test", "compare_f_test", "get_prediction",
})

PURE_FUNCTIONS = frozenset({
    "len", "sorted", "list", "dict", "set", "tuple", "frozenset", "round", "abs", "min", "max",
    "sum", "type", "repr", "str", "int", "float", "bool", "isinstance", "zip", "enumerate",
    "range", "reversed", "any", "all", "vars", "dir", "id", "hash", "format",
})
PURE_LIBRARY = {  # module alias → functions that only compute a value
    "pd": frozenset({"crosstab", "pivot_table", "DataFrame", "Series", "concat", "merge",
                     "get_dummies", "cut", "qcut", "to_numeric", "to_datetime", "isna", "notna"}),
    "np": frozenset({"array", "asarray", "mean", "median", "std", "var", "sum", "min", "max",
                     "unique", "corrcoef", "round", "abs", "argmax", "argmin", "percentile",
                     "quantile", "histogram", "bincount", "allclose", "isclose", "shape"}),
}
PURE_LIBRARY.update({
    "json": frozenset({"dumps", "loads"}),
    "math": frozenset({"sqrt", "log", "log2", "log10", "exp", "floor", "ceil", "isclose", "fsum",
                       "prod", "pow", "fabs", "isnan", "isinf", "comb", "perm", "factorial"}),
    "statistics": frozenset({"mean", "median", "pstdev", "stdev", "pvariance", "variance",
                             "mode", "quantiles", "fmean"}),
})
PURE_LIBRARY["pandas"] = PURE_LIBRARY["pd"]
PURE_LIBRARY["numpy"] = PURE_LIBRARY["np"]


def passes_inplace(args) -> bool:
    return any(a.keyword is not None and a.keyword.value == "inplace"
               and type(a.value) is cst.Name and a.value.value == "True" for a in args)


def call_mutates(method: str, args, discarded: bool) -> bool:
    """Does ``receiver.method(*args)`` change its receiver in place?"""
    if method in MUTATING_METHODS or passes_inplace(args):
        return True
    if method.endswith("_") and not method.startswith("_"):  # torch: add_, clamp_, ...
        return True
    return discarded and method not in READING_METHODS


_SIMPLE = (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)


def is_read_only(node: cst.BaseExpression, depth: int = 0) -> bool:
    """Evaluating ``node`` changes nothing (as far as a reader can tell)."""
    if depth > 50:
        return False
    t = type(node)
    if t in _SIMPLE:
        return True
    if t is cst.Attribute:
        return is_read_only(node.value, depth + 1)
    if t is cst.Subscript:
        return is_read_only(node.value, depth + 1) and all(
            _slice_read_only(element.slice, depth + 1) for element in node.slice)
    if t in (cst.Tuple, cst.List, cst.Set):
        return all(is_read_only(e.value, depth + 1) for e in node.elements)
    if t is cst.Dict:
        return all(type(e) is cst.DictElement and is_read_only(e.key, depth + 1)
                   and is_read_only(e.value, depth + 1) for e in node.elements)
    if t is cst.BinaryOperation:
        return is_read_only(node.left, depth + 1) and is_read_only(node.right, depth + 1)
    if t is cst.UnaryOperation:
        return is_read_only(node.expression, depth + 1)
    if t is cst.BooleanOperation:
        return is_read_only(node.left, depth + 1) and is_read_only(node.right, depth + 1)
    if t is cst.Comparison:
        return is_read_only(node.left, depth + 1) and all(
            is_read_only(c.comparator, depth + 1) for c in node.comparisons)
    if t is cst.FormattedString:
        return all(type(p) is cst.FormattedStringText or is_read_only(p.expression, depth + 1)
                   for p in node.parts)
    if t is cst.ConcatenatedString:
        return is_read_only(node.left, depth + 1) and is_read_only(node.right, depth + 1)
    if t is cst.Call:
        return _call_read_only(node, depth)
    return False


def _slice_read_only(index, depth: int) -> bool:
    if type(index) is cst.Index:
        return is_read_only(index.value, depth)
    if type(index) is cst.Slice:
        return all(part is None or is_read_only(part, depth)
                   for part in (index.lower, index.upper, index.step))
    return False


def _call_read_only(node: cst.Call, depth: int) -> bool:
    if passes_inplace(node.args) or not all(is_read_only(a.value, depth + 1) for a in node.args):
        return False
    func = node.func
    if type(func) is cst.Name:
        return func.value in PURE_FUNCTIONS
    if type(func) is not cst.Attribute:
        return False
    method = func.attr.value
    receiver = func.value
    if type(receiver) is cst.Name and receiver.value in PURE_LIBRARY:
        return method in PURE_LIBRARY[receiver.value]
    return method in READING_METHODS and is_read_only(receiver, depth + 1)
