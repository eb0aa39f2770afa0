"""Which serializer a value gets when it crosses a step boundary, decided by its type.

pandas DataFrame/Series → parquet when pyarrow is importable, else CSV with dtypes kept;
numpy arrays and scalars → ``.npy``; scikit-learn estimators (and other estimator-shaped
objects joblib can store) → joblib, as a KFP Model; plain JSON values → JSON. Anything else is
refused: the export names the variable, its type and the two steps. Nothing is pickled blindly.
Standard library only: the libraries are looked up in ``sys.modules``, never imported here.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # json | npy | npy_scalar | joblib | parquet | csv
    artifact: str  # the KFP artifact class: Artifact | Dataset | Model
    description: str


KINDS = {
    "json": Kind("json", "Artifact", "JSON"),
    "npy": Kind("npy", "Dataset", "numpy .npy"),
    "npy_scalar": Kind("npy_scalar", "Artifact", "numpy .npy (scalar)"),
    "joblib": Kind("joblib", "Model", "joblib"),
    "parquet": Kind("parquet", "Dataset", "parquet"),
    "csv": Kind("csv", "Dataset", "CSV with dtypes"),
}


def type_name(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _is_plain(value, depth: int = 0) -> bool:
    """JSON that reads back as the same Python value: no tuples, no non-string keys."""
    if depth > 50:
        return False
    if value is None or type(value) in (bool, int, str) or isinstance(value, float):
        return True  # a numpy float is a float: the round trip checks it reads back the same
    if type(value) is list:
        return all(_is_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _is_estimator(value) -> bool:
    base = sys.modules.get("sklearn.base")
    if base is not None and isinstance(value, base.BaseEstimator):
        return True
    return all(callable(getattr(value, attr, None)) for attr in ("fit", "get_params")) and (
        callable(getattr(value, "predict", None)) or callable(getattr(value, "transform", None)))


def pyarrow_available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def kind_of(value, parquet: bool) -> Kind | None:
    """The serializer for ``value``, or None when no format carries it faithfully."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series)):
        return KINDS["parquet" if parquet else "csv"]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return KINDS["npy"] if value.dtype != object else None
    if numpy is not None and isinstance(value, numpy.generic):
        return KINDS["npy_scalar"] if value.dtype != object else None
    if _is_plain(value):
        return KINDS["json"]
    if _is_estimator(value):
        return KINDS["joblib"]
    return None
