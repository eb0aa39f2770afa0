"""Parameters for ``nb2pipe run``: ``-p NAME VALUE`` parsed like papermill's CLI, ``-f`` files
(YAML or JSON), and a check against the notebook's ``parameters`` cell: each value is parsed by
the parameter's declared type (its annotation, else its default's type: ``-p features '["a"]'``
is a list, ``-p flag yes`` a bool); unknown names and values that do not fit are input errors,
reported all at once.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

_UNKNOWN = object()  # a default that is not a literal: any value fits


class ParameterError(ValueError):
    pass


def parse_value(text: str):
    """``-p`` parsing exactly as papermill's CLI does it (``papermill.cli._resolve_type``:
    True/False/None, then int, then float, else the string), without importing papermill,
    which costs seconds; tests/test_run_params.py checks the two agree."""
    if text == "True":
        return True
    if text == "False":
        return False
    if text == "None":
        return None
    for caster in (int, float):
        try:
            return caster(text)
        except ValueError:
            pass
    return text


def _yaml_loader():
    """A safe YAML loader that keeps dates as strings (like papermill's NoDatesSafeLoader)."""
    import yaml

    class NoDatesSafeLoader(yaml.SafeLoader):
        pass

    NoDatesSafeLoader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return NoDatesSafeLoader


def read_file(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"cannot read parameters file {path}: {exc.strerror or exc}") from exc
    is_json = path.suffix.lower() == ".json"
    try:
        if is_json:
            value = json.loads(text)
        else:
            import yaml

            value = yaml.load(text, Loader=_yaml_loader())
    except Exception as exc:
        raise ParameterError(f"parameters file {path} is not valid "
                             f"{'JSON' if is_json else 'YAML'}: {exc}") from exc
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ParameterError(f"parameters file {path} must hold a mapping of names to values")
    return value


_TYPE_NAMES = {"bool": bool, "int": int, "float": float, "str": str, "list": list,
               "List": list, "Sequence": list, "tuple": tuple, "Tuple": tuple, "set": set,
               "Set": set, "frozenset": set, "dict": dict, "Dict": dict, "Mapping": dict}
_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


@dataclass(frozen=True)
class Declared:
    """A parameter of the ``parameters`` cell: its default, and the type a value must fit
    (from the annotation, else the default's type; None: any value fits)."""
    default: object
    kind: type | None
    annotation: str | None = None


def _annotation_kind(node: ast.expr | None) -> type | None:
    """``list[str]`` → list, ``float | None`` / ``Optional[float]`` → float; else None."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted annotation
        try:
            return _annotation_kind(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        kinds = {_annotation_kind(side) for side in (node.left, node.right)
                 if not (isinstance(side, ast.Constant) and side.value is None)}
        return kinds.pop() if len(kinds) == 1 else None
    if isinstance(node, ast.Subscript):
        base = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
        if base == "Optional":
            return _annotation_kind(node.slice)
        node = node.value
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return _TYPE_NAMES.get(name)


def declarations(nb) -> dict[str, Declared] | None:
    """The parameters of the cell tagged ``parameters``, or None when there is no such cell."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in (
                cell.get("metadata", {}).get("tags") or []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        out: dict[str, Declared] = {}
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return out
        for stmt in tree.body:
            annotation = None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value, annotation = [stmt.target], stmt.value, stmt.annotation
            else:
                continue
            try:
                default = ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError):
                default = _UNKNOWN
            kind = _annotation_kind(annotation)
            if kind is None and default is not _UNKNOWN and default is not None:
                kind = type(default)
            shown = ast.unparse(annotation) if annotation is not None else None
            for target in targets:
                if isinstance(target, ast.Name):
                    out[target.id] = Declared(default, kind, shown)
        return out
    return None


def declared(nb) -> dict | None:
    """``{name: default}`` of the cell tagged ``parameters`` (non-literal defaults: unknown),
    or None when the notebook has no such cell."""
    found = declarations(nb)
    return None if found is None else {name: d.default for name, d in found.items()}


def _literal(text: str):
    """A list or dict written as JSON or as a Python literal, else None."""
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return None


def _fit(name: str, value, decl: Declared, raw: str | None):
    """``value`` made to fit the declared type, or a ParameterError naming both."""
    kind = decl.kind
    if kind is None or value is None:
        return value
    text = raw if raw is not None else value if isinstance(value, str) else None
    if kind is bool:
        if isinstance(value, bool):
            return value
        word = text if text is not None else str(value) if isinstance(value, int) else None
        if word is not None and word.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[word.strip().lower()]
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
        if raw is not None:  # `-p name 123` for a string parameter means the string "123"
            return raw
    elif kind in (list, tuple, set, dict):
        parsed = _literal(text) if text is not None else value
        if kind is dict and isinstance(parsed, dict):
            return parsed
        if kind is not dict and isinstance(parsed, (list, tuple, set)):
            return parsed if isinstance(parsed, kind) else kind(parsed)
    else:
        return value
    expected = {bool: "bool (true/false, yes/no or 1/0)", list: "list (JSON or Python)",
                dict: "dict (JSON or Python)"}.get(kind, kind.__name__)
    declared_as = (f"declared {decl.annotation}" if decl.annotation else "") + (
        f"{', ' if decl.annotation else ''}default {decl.default!r}"
        if decl.default is not _UNKNOWN else "")
    shown = raw if raw is not None else repr(value)
    raise ParameterError(f"parameter {name!r} expects {expected}"
                         f"{f' ({declared_as})' if declared_as else ''}, got {shown}")


def resolve(nb, cli: list[tuple[str, str]], files: list[str], notebook: str) -> dict:
    """The final parameters (files first, then ``-p``), checked against the notebook."""
    values: dict = {}
    raw: dict[str, str] = {}
    for path in files:
        values.update(read_file(path))
    for name, text in cli:
        values[name] = parse_value(text)
        raw[name] = text
    if not values:
        return {}
    known = declarations(nb)
    if known is None:
        raise ParameterError(f"{notebook} has no cell tagged 'parameters', so it takes no "
                             f"parameters (got {', '.join(values)})")
    problems = []
    out: dict = {}
    for name, value in values.items():
        if name not in known:
            problems.append(f"{name!r} is not a parameter of {notebook} "
                            f"(parameters: {', '.join(known) or 'none'})")
            continue
        try:
            out[name] = _fit(name, value, known[name], raw.get(name))
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        raise ParameterError("; ".join(problems))
    return out
