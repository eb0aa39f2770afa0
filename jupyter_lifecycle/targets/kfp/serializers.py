"""How a value crosses a step boundary as a KFP artifact, one ``save_*``/``load_*`` pair per kind.

Each function is self-contained (its imports inside its body) because the export copies the
pairs a component needs into that component's function: KFP ships only the function's source.
The observer (``observe.py``) runs the very same functions at export time and checks that every
value comes back with the same fingerprint, so a value that a format would change (an empty
string read back from CSV as NaN, a tuple turned into a list) is refused at export time.
"""

from __future__ import annotations


def save_json(value, path):
    import json

    with open(path, "w", encoding="utf-8") as fh:
        json.dump(value, fh)


def load_json(path):
    import json

    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def save_npy(value, path):
    import numpy

    with open(path, "wb") as fh:
        numpy.save(fh, value, allow_pickle=False)


def load_npy(path):
    import numpy

    with open(path, "rb") as fh:
        return numpy.load(fh, allow_pickle=False)


def save_npy_scalar(value, path):
    import numpy

    with open(path, "wb") as fh:
        numpy.save(fh, numpy.asarray(value), allow_pickle=False)


def load_npy_scalar(path):
    import numpy

    with open(path, "rb") as fh:
        return numpy.load(fh, allow_pickle=False)[()]


def save_joblib(value, path):
    import joblib

    joblib.dump(value, path)


def load_joblib(path):
    import joblib

    return joblib.load(path)


def save_parquet(value, path):
    import pandas

    if isinstance(value, pandas.Series):
        frame = value.to_frame(name="__series__")
        frame.attrs["series_name"] = value.name
        frame.to_parquet(path)
    else:
        value.to_parquet(path)


def load_parquet(path):
    import pandas

    frame = pandas.read_parquet(path)
    if list(frame.columns) == ["__series__"]:
        series = frame["__series__"]
        series.name = frame.attrs.get("series_name")
        return series
    return frame


def save_csv(value, path):
    """A folder: data.csv (columns by position) and meta.json (labels, dtypes, index)."""
    import json
    import os

    import pandas

    is_series = isinstance(value, pandas.Series)
    frame = value.to_frame() if is_series else value
    os.makedirs(path, exist_ok=True)
    meta = {"series": is_series, "name": value.name if is_series else None,
            "columns": list(frame.columns), "dtypes": [str(t) for t in frame.dtypes],
            "index_name": frame.index.name, "index_dtype": str(frame.index.dtype)}
    with open(os.path.join(path, "meta.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh)
    frame.to_csv(os.path.join(path, "data.csv"), header=[str(i) for i in range(frame.shape[1])])


def load_csv(path):
    import json
    import os

    import pandas

    with open(os.path.join(path, "meta.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    frame = pandas.read_csv(os.path.join(path, "data.csv"), index_col=0,
                            float_precision="round_trip")
    for position, dtype in enumerate(meta["dtypes"]):
        frame.isetitem(position, frame.iloc[:, position].astype(dtype))
    frame.columns = meta["columns"]
    frame.index = frame.index.astype(meta["index_dtype"])
    frame.index.name = meta["index_name"]
    if meta["series"]:
        series = frame.iloc[:, 0]
        series.name = meta["name"]
        return series
    return frame
