"""The nbformat-4 shape the reader relies on, and the bounds that keep bad input cheap.

Checked with the standard library: importing nbformat costs over a second where jupyterlab is
installed (its jsonschema format checkers), and the CLI must stay fast. Full schema validation is
nbformat's job when a notebook is run; here every field the converter reads is checked for its
type, so a malformed notebook gets one message naming the notebook, the cell and the field
instead of a traceback somewhere downstream.
"""

from __future__ import annotations

import json
import re
from itertools import repeat
from typing import Any

from ..errors import Location, NotebookError

MAX_NOTEBOOK_BYTES = 256 * 2**20  # notebooks with many embedded images stay well below this
MAX_CELLS = 20_000
MAX_SOURCE_CHARS = 2**20  # one cell's source; libcst's time grows with it
MAX_JSON_DEPTH = 64  # nbformat itself needs 7 levels; widget state and JSON outputs a few more
CELL_TYPES = ("code", "markdown", "raw")
_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")


def load_json(text: str, path: str) -> Any:
    """``json.loads`` with the depth bounded and every failure a NotebookError."""
    if len(text) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(too_big(len(text)), Location(path))
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            Location(path, line=exc.lineno),
        ) from None
    except RecursionError:
        raise NotebookError(_too_deep("the notebook's JSON"), Location(path)) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise NotebookError(f"not valid JSON: {exc}", Location(path)) from None
    if _LONE_SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(raw):
        raise NotebookError("the notebook holds a string with a lone UTF-16 surrogate (a \\ud800"
                            "-\\udfff escape without its pair), which is not text", Location(path))
    return raw


def too_big(size: int) -> str:
    return (f"the notebook is {size / 2**20:.0f} MiB; notebooks over "
            f"{MAX_NOTEBOOK_BYTES // 2**20} MiB are refused (clear large outputs first)")


def _too_deep(what: str) -> str:
    return f"{what} is nested more than {MAX_JSON_DEPTH} levels deep; refusing to read it"


def _deeper_than(value: Any, limit: int) -> bool:
    """Iterative, one level of containers at a time (a recursive walk is what the bound
    protects against)."""
    level = [value]
    depth = 1
    while level:
        if depth > limit:
            return True
        deeper = []
        for node in level:
            for child in (node.values() if isinstance(node, dict) else node):
                if isinstance(child, (dict, list)):
                    deeper.append(child)
        level = deeper
        depth += 1
    return False


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value), "a value")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    """nbformat's multiline string: a string or a list of strings."""
    return isinstance(value, str) or (isinstance(value, list)
                                      and all(map(isinstance, value, repeat(str))))


def check_notebook(raw: dict, path: str) -> None:
    """Every top-level field the reader uses, then every cell. Raises NotebookError."""
    where = Location(path)
    for key, value in raw.items():
        if key != "cells" and isinstance(value, (dict, list)) and _deeper_than(value, MAX_JSON_DEPTH - 1):
            raise NotebookError(_too_deep(f"the notebook's {key!r}"), where)
    minor = raw.get("nbformat_minor", 0)
    if not _is_int(minor) or minor < 0:
        raise NotebookError(f"malformed notebook: 'nbformat_minor' must be a non-negative integer, "
                            f"not {_type_name(minor)}", where)
    metadata = raw.get("metadata", {})
    if not isinstance(metadata, dict):
        raise NotebookError(f"malformed notebook: 'metadata' must be an object, not "
                            f"{_type_name(metadata)}", where)
    for field, keys in (("kernelspec", ("name", "language", "display_name")),
                        ("language_info", ("name",))):
        value = metadata.get(field, {})
        if not isinstance(value, dict):
            raise NotebookError(f"malformed notebook: 'metadata.{field}' must be an object, not "
                                f"{_type_name(value)}", where)
        for key in keys:
            if key in value and not isinstance(value[key], str):
                raise NotebookError(f"malformed notebook: 'metadata.{field}.{key}' must be a "
                                    f"string, not {_type_name(value[key])}", where)
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"malformed notebook: 'cells' must be a list, not {_type_name(cells)}",
                            where)
    if len(cells) > MAX_CELLS:
        raise NotebookError(f"the notebook has {len(cells)} cells; more than {MAX_CELLS} are "
                            "refused", where)
    for index, cell in enumerate(cells):
        check_cell(cell, index, path)


def check_cell(cell: Any, index: int, path: str) -> None:
    cell_id = cell.get("id") if isinstance(cell, dict) else None
    where = Location(path, index, cell_id if isinstance(cell_id, str) else None)

    def fail(message: str):
        raise NotebookError(f"malformed cell: {message}", where)

    if not isinstance(cell, dict):
        fail(f"a cell must be an object, not {_type_name(cell)}")
    if _deeper_than(cell, MAX_JSON_DEPTH - 2):
        raise NotebookError(_too_deep("the cell"), where)
    if cell.get("cell_type") not in CELL_TYPES:
        fail("cell_type must be code, markdown or raw")
    if "id" in cell and not isinstance(cell_id, str):
        fail(f"'id' must be a string, not {_type_name(cell_id)}")
    source = cell.get("source", "")
    if not _is_text(source):
        fail("source must be a string or a list of strings")
    size = len(source) if isinstance(source, str) else sum(map(len, source))
    if size > MAX_SOURCE_CHARS:
        fail(f"the source is {size} characters long; cells over {MAX_SOURCE_CHARS} are refused")
    metadata = cell.get("metadata", {})
    if not isinstance(metadata, dict):
        fail(f"metadata must be an object, not {_type_name(metadata)}")
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        fail("metadata.tags must be a list of strings")
    if cell["cell_type"] != "code":
        return  # the reader uses nothing else of markdown and raw cells
    count = cell.get("execution_count")
    if count is not None and not _is_int(count):
        fail(f"execution_count must be an integer or null, not {_type_name(count)}")
    outputs = cell.get("outputs", [])
    if not isinstance(outputs, list):
        fail(f"outputs must be a list, not {_type_name(outputs)}")
    for number, output in enumerate(outputs):
        problem = _output_problem(output)
        if problem:
            fail(f"output {number}: {problem}")


def _output_problem(output: Any) -> str | None:
    if not isinstance(output, dict):
        return f"an output must be an object, not {_type_name(output)}"
    if not isinstance(output.get("output_type"), str):
        return "output_type must be a string"
    if "text" in output and not _is_text(output["text"]):
        return "text must be a string or a list of strings"
    data = output.get("data", {})
    if not isinstance(data, dict):
        return f"data must be an object, not {_type_name(data)}"
    for mime, value in data.items():
        if not _JSON_MIME.match(mime):
            if not _is_text(value):
                return f"{mime} must be a string or a list of strings"
            continue
        if isinstance(value, str):  # older writers store JSON data as a string
            try:
                decoded = json.loads(value)
            except RecursionError:
                return _too_deep(mime)
            except ValueError as exc:
                return f"{mime} is a string that is not JSON ({exc})"
            if isinstance(decoded, (dict, list)) and _deeper_than(decoded, MAX_JSON_DEPTH):
                return _too_deep(mime)
            if "\\u" in value and _has_lone_surrogate(decoded):
                return f"{mime} holds a lone UTF-16 surrogate, which is not text"
    return None
