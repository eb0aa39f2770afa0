"""The run record: one versioned, JSON-schema'd dict per run, and a small stdlib validator.

``SCHEMA`` is a JSON Schema (draft 2020-12) kept as a Python dict so the kernel needs no
jsonschema; ``validate(record)`` checks the subset used here (type, required, properties,
items, additionalProperties, enum) and returns a list of problems (empty when valid).
Bump ``SCHEMA_VERSION`` on any incompatible change; readers refuse records newer than theirs.

Records are strict JSON (RFC 8259), so browsers and every JSON parser read them: a float that
is NaN, infinite or -infinite (a metric that diverged, a parameter ``float("inf")``) is stored
as the string ``"nan"``, ``"inf"`` or ``"-inf"``, and its place is listed in ``nonfinite`` as a
dotted path (``"metrics.loss"``, ``"params.grid[1]"``), which tells it apart from a string that
was logged as such. ``strict_record`` does the conversion; records written with bare ``NaN`` by
earlier versions are converted the same way when they are read.
"""

from __future__ import annotations

import math

SCHEMA_VERSION = 1

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_NUM = {"type": "number"}
_NNUM = {"type": ["number", "null"]}
_NINT = {"type": ["integer", "null"]}
_ERROR = {"type": ["object", "null"], "required": ["name", "message"],
          "properties": {"name": _STR, "message": _STR}}
_FILE = {
    "type": "object",
    "required": ["path", "sha256", "size"],
    "properties": {"path": _STR, "sha256": _NSTR, "size": {"type": "integer"},
                   "mtime": _NSTR, "source": _STR, "cell_id": _NSTR},
}

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:jupyter-lifecycle:run-record:1",
    "title": "jupyter_lifecycle run record",
    "type": "object",
    "required": ["schema_version", "run_id", "notebook", "kind", "status", "started", "ended",
                 "duration_s", "params", "metrics", "cells", "stages", "out_of_order",
                 "environment", "git", "data", "artifacts", "failure", "fingerprints"],
    "properties": {
        "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "run_id": _STR,
        "notebook": {"type": "object", "required": ["path", "sha256"],
                     "properties": {"path": _NSTR, "relpath": _NSTR, "sha256": _NSTR,
                                    "code_sha256": _NSTR}},
        "kind": {"type": "string", "enum": ["interactive", "papermill", "pipeline", "kfp"]},
        "status": {"type": "string", "enum": ["running", "completed", "failed"]},
        "started": _STR,  # ISO 8601, UTC
        "ended": _NSTR,
        "duration_s": _NNUM,
        "params": {"type": "object"},
        "metrics": {"type": "object",
                    "additionalProperties": {"type": ["number", "string", "boolean", "null"]}},
        "cells": {"type": "array", "items": {
            "type": "object",
            "required": ["cell_id", "index", "stage", "source_sha256", "execution_count", "order",
                         "started", "duration_s", "status", "error"],
            "properties": {"cell_id": _NSTR, "index": _NINT, "stage": _NSTR,
                           "source_sha256": _STR, "execution_count": _NINT,
                           "order": {"type": "integer"}, "started": _STR, "duration_s": _NUM,
                           "status": {"type": "string", "enum": ["ok", "error"]},
                           "error": _ERROR}}},
        "stages": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["duration_s", "cells"],
            "properties": {"duration_s": _NUM, "cells": {"type": "integer"}}}},
        "out_of_order": {"type": "object", "required": ["detected", "cells"],
                         "properties": {"detected": {"type": "boolean"},
                                        "cells": {"type": "array"}}},
        "environment": {"type": "object", "required": ["python", "implementation", "platform",
                                                        "packages"],
                        "properties": {"python": _STR, "implementation": _STR, "platform": _STR,
                                       "packages": {"type": "object",
                                                    "additionalProperties": _STR},
                                       "unmapped_modules": {"type": "array", "items": _STR}}},
        "git": {"type": ["object", "null"], "required": ["commit", "branch", "dirty"],
                "properties": {"commit": _NSTR, "branch": _NSTR, "dirty": {"type": "boolean"},
                               "diff_sha256": _NSTR}},
        "data": {"type": "array", "items": _FILE},
        "artifacts": {"type": "array", "items": _FILE},
        "failure": {"type": ["object", "null"], "required": ["cell_id", "stage", "error"],
                    "properties": {"cell_id": _NSTR, "index": _NINT, "stage": _NSTR,
                                   "error": _ERROR}},
        "fingerprints": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": _NSTR}},
        "output": _NSTR,  # the executed notebook (papermill runs)
        "notes": {"type": "array", "items": _STR},  # what capture could not know, and why
        "store_error": _NSTR,
        # where a NaN or infinite float was stored as "nan", "inf" or "-inf" (see above)
        "nonfinite": {"type": "array", "items": _STR},
    },
}

NONFINITE_KEY = "nonfinite"


def _finite(value, path: str, found: list[str]):
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        found.append(path)
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _finite(v, f"{path}.{k}" if path else str(k), found) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def strict_record(record: dict, keys=None) -> dict:
    """``record`` with NaN and infinities replaced by strings and listed in ``nonfinite``
    (only under the top-level ``keys`` when given): a new dict, the walked values copied."""
    found: list[str] = []
    out = dict(record)
    for key in (record if keys is None else keys):
        if key in record and key != NONFINITE_KEY:
            out[key] = _finite(record[key], key, found)
    if found:
        earlier = record.get(NONFINITE_KEY)
        earlier = [p for p in earlier if isinstance(p, str)] if isinstance(earlier, list) else []
        out[NONFINITE_KEY] = sorted(set(earlier) | set(found))
    return out

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(record, schema: dict | None = None, where: str = "record") -> list[str]:
    """Problems of ``record`` against ``schema`` (default: ``SCHEMA``), as readable strings."""
    schema = SCHEMA if schema is None else schema
    problems: list[str] = []
    _check(record, schema, where, problems)
    return problems


def _check(value, schema: dict, where: str, problems: list[str]) -> None:
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_TYPES[k](value) for k in kinds):
            problems.append(f"{where}: expected {' or '.join(kinds)}, got {type(value).__name__}")
            return
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                problems.append(f"{where}: missing key {key!r}")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], f"{where}.{key}", problems)
            elif isinstance(extra, dict):
                _check(item, extra, f"{where}.{key}", problems)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _check(item, schema["items"], f"{where}[{i}]", problems)
