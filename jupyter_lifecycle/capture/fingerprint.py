"""Stable content fingerprints of Python values, for proving two runs computed the same thing.

Standard library only (runs inside user kernels): numpy, pandas and scikit-learn objects are
recognised by duck typing, never imported. ``fingerprint(value)`` is a hex sha256, or None when
the value cannot be hashed reliably (open files, generators, objects without public data) —
callers list those as unhashable instead of passing them silently. Other objects count by their
class and public attributes (``_public_state``).
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
        _public_state(digest, value, depth)


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


_MAX_ATTRIBUTES = 64  # per object
_OBJECT_DEPTH = 4  # objects inside objects (a results object's model's data ...)
_OPAQUE = (type(_feed), type(len), type, type(math), property, classmethod, staticmethod)
_SYSTEM = {"io", "socket", "threading", "thread", "sqlite3", "subprocess", "multiprocessing",
           "asyncio", "selectors", "ssl", "zipfile", "tarfile", "logging", "builtins"}


def _public_state(digest, value, depth: int, objects: int = 0) -> None:
    """Other objects (statsmodels results, the user's own classes): class and the public
    attributes that can be fingerprinted — numbers, strings, arrays, frames, containers and such
    objects again, to a bounded depth; the rest is named as left out. An object that delegates
    to one private object (``wrapper._results``) is that object. None hashable: Unhashable."""
    state = _attributes(value)
    if not any(not k.startswith("_") for k in state):
        inner = [v for k, v in state.items() if not k.startswith("__") and _attributes(v)]
        if len(inner) == 1 and objects < _OBJECT_DEPTH:
            _public_state(digest, inner[0], depth + 1, objects + 1)
            return
        raise Unhashable(type(value).__name__)
    # by qualified name only: a notebook's class lives in __main__, the package's in helpers
    _tag(digest, f"object:{type(value).__qualname__}")
    fed = 0
    for key in sorted(k for k in state if not k.startswith("_"))[:_MAX_ATTRIBUTES]:
        item = state[key]
        if isinstance(item, _OPAQUE) or callable(item) and not hasattr(item, "get_params"):
            continue
        digest.update(key.encode())
        try:
            if _is_plain_object(item):
                if objects >= _OBJECT_DEPTH:
                    raise Unhashable("objects nested too deeply")
                _public_state(digest, item, depth + 1, objects + 1)
            else:
                _feed(digest, item, depth + 1)
            fed += 1
        except Unhashable:
            _tag(digest, f"unhashable:{key}")
    if not fed:
        raise Unhashable(type(value).__name__)


def _attributes(value) -> dict:
    """An object's instance attributes (``__dict__`` and ``__slots__``), read without calling
    its own ``__getattr__``; none for functions, classes, modules and I/O or system objects."""
    if isinstance(value, _OPAQUE) or callable(value) or _module(value).lstrip("_").split(".")[0] in _SYSTEM:
        return {}
    found = {}
    try:
        found.update(object.__getattribute__(value, "__dict__"))
    except (AttributeError, TypeError):
        pass
    for klass in type(value).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            try:
                found.setdefault(slot, object.__getattribute__(value, slot))
            except (AttributeError, TypeError):
                pass
    return found


def _is_plain_object(item) -> bool:
    """Not a value ``_feed`` knows: an object to describe by its attributes."""
    known = (type(None), bool, int, float, complex, str, bytes, bytearray, PurePath, list, tuple,
             dict, set, frozenset)
    return not isinstance(item, known) and not _module(item).startswith(("numpy", "pandas")) \
        and not callable(getattr(item, "get_params", None))


def _estimator(digest, value, depth: int) -> None:
    """Estimators (scikit-learn style): class, parameters, and fitted attributes (``coef_``...)."""
    _tag(digest, f"estimator:{type(value).__qualname__}")  # (see _public_state)
    params = value.get_params(deep=False)
    for key in sorted(params):
        digest.update(key.encode())
        _feed(digest, params[key], depth + 1)
    fitted = {k: v for k, v in vars(value).items() if k.endswith("_") and not k.startswith("_")
              and not k.endswith("_time_")}  # refit_time_: how long, not what
    for key in sorted(fitted):
        digest.update(key.encode())
        item = fitted[key]
        if isinstance(item, dict):  # cv_results_: mean_fit_time, std_score_time ... are timings
            item = {k: v for k, v in item.items() if not (isinstance(k, str) and k.endswith("_time"))}
        try:
            _feed(digest, item, depth + 1)
        except Unhashable:
            _tag(digest, f"unhashable:{key}")
