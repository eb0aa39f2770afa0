"""Stable content fingerprints of Python values, for proving two runs computed the same thing.

Standard library only (runs inside user kernels): numpy, pandas and scikit-learn objects are
recognised by duck typing, never imported. ``fingerprint(value)`` is a hex sha256, or None when
the value cannot be hashed reliably (open files, generators, arbitrary objects) — callers list
those as unhashable instead of passing them silently.
"""

from __future__ import annotations

import hashlib
import math
import struct
from pathlib import PurePath

_MAX_DEPTH = 50


class Unhashable(Exception):
    pass


def fingerprint(value) -> str | None:
    digest = hashlib.sha256()
    try:
        _feed(digest, value, 0)
    except Unhashable:
        return None
    except BaseException:  # a value whose own methods fail (even with SystemExit) is unhashable
        return None
    return digest.hexdigest()


def _tag(digest, tag: str) -> None:
    digest.update(b"\x00" + tag.encode() + b"\x00")


def _module(value) -> str:
    return type(value).__module__ or ""


def _feed(digest, value, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise Unhashable("nested too deeply")
    if value is None or isinstance(value, bool):
        _tag(digest, repr(value))
    elif isinstance(value, int):
        _tag(digest, "int")
        digest.update(str(value).encode())
    elif isinstance(value, float):
        _tag(digest, "float")
        digest.update(b"nan" if math.isnan(value) else struct.pack("<d", value))
    elif isinstance(value, complex):
        _tag(digest, "complex")
        digest.update(struct.pack("<dd", value.real, value.imag))
    elif isinstance(value, str):
        _tag(digest, "str")
        digest.update(value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, (bytes, bytearray)):
        _tag(digest, "bytes")
        digest.update(bytes(value))
    elif isinstance(value, PurePath):
        _tag(digest, "path")
        digest.update(str(value).encode())
    elif isinstance(value, (list, tuple)):
        _tag(digest, f"{type(value).__name__}:{len(value)}")
        for item in value:
            _feed(digest, item, depth + 1)
    elif isinstance(value, dict):
        _tag(digest, f"dict:{len(value)}")
        items = sorted(((fingerprint(k) or repr(k), k, v) for k, v in value.items()), key=lambda t: t[0])
        for key_hash, _, item in items:
            digest.update(key_hash.encode())
            _feed(digest, item, depth + 1)
    elif isinstance(value, (set, frozenset)):
        hashes = sorted(fingerprint(v) or "" for v in value)
        if "" in hashes:
            raise Unhashable("set of unhashable values")
        _tag(digest, f"set:{len(hashes)}")
        digest.update("".join(hashes).encode())
    elif _module(value).startswith("numpy"):
        _numpy(digest, value, depth)
    elif _module(value).startswith("pandas"):
        _pandas(digest, value, depth)
    elif callable(getattr(value, "get_params", None)):
        _estimator(digest, value, depth)
    else:
        raise Unhashable(type(value).__name__)


def _numpy(digest, value, depth: int) -> None:
    if hasattr(value, "dtype") and hasattr(value, "shape") and hasattr(value, "tobytes"):
        if value.dtype.kind == "O":  # object arrays: element by element
            _tag(digest, f"ndarray-object:{value.shape}")
            for item in value.ravel().tolist():
                _feed(digest, item, depth + 1)
            return
        _tag(digest, f"ndarray:{value.dtype.str}:{value.shape}")
        contiguous = value.copy(order="C") if hasattr(value, "copy") else value
        digest.update(contiguous.tobytes())
        return
    if hasattr(value, "item"):  # numpy scalars that are not arrays
        _feed(digest, value.item(), depth + 1)
        return
    raise Unhashable(type(value).__name__)


def _pandas(digest, value, depth: int) -> None:
    name = type(value).__name__
    if name == "DataFrame":
        _tag(digest, f"DataFrame:{value.shape}")
        _feed(digest, [str(c) for c in value.columns], depth + 1)
        _feed(digest, [str(t) for t in value.dtypes], depth + 1)
        _index(digest, value.index, depth)
        for column in range(value.shape[1]):
            _feed(digest, value.iloc[:, column].to_numpy(), depth + 1)
    elif name == "Series":
        _tag(digest, f"Series:{value.shape}:{value.dtype}:{value.name}")
        _index(digest, value.index, depth)
        _feed(digest, value.to_numpy(), depth + 1)
    elif "Index" in name:
        _index(digest, value, depth)
    else:
        raise Unhashable(name)


def _index(digest, index, depth: int) -> None:
    _tag(digest, f"{type(index).__name__}:{len(index)}")
    _feed(digest, index.to_numpy(), depth + 1)


def _estimator(digest, value, depth: int) -> None:
    """Estimators (scikit-learn style): class, parameters, and fitted attributes (``coef_``...)."""
    cls = type(value)
    _tag(digest, f"estimator:{cls.__module__}.{cls.__qualname__}")
    params = value.get_params(deep=False)
    for key in sorted(params):
        digest.update(key.encode())
        _feed(digest, params[key], depth + 1)
    fitted = {k: v for k, v in vars(value).items() if k.endswith("_") and not k.startswith("_")}
    for key in sorted(fitted):
        digest.update(key.encode())
        try:
            _feed(digest, fitted[key], depth + 1)
        except Unhashable:
            _tag(digest, f"unhashable:{key}")
