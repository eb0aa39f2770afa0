"""Parameters for ``nb2pipe run``: ``-p NAME VALUE`` parsed like papermill's CLI, ``-f`` files
(YAML or JSON), and a check against the notebook's ``parameters`` cell: unknown names and
values whose type does not fit the default are input errors, reported all at once.
"""

from __future__ import annotations

import ast
import json
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


def declared(nb) -> dict | None:
    """``{name: default}`` of the cell tagged ``parameters`` (non-literal defaults: unknown),
    or None when the notebook has no such cell."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in (
                cell.get("metadata", {}).get("tags") or []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        out: dict = {}
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return out
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        out[target.id] = ast.literal_eval(value)
                    except (ValueError, SyntaxError, TypeError):
                        out[target.id] = _UNKNOWN
        return out
    return None


def _fit(name: str, value, default, raw: str | None):
    """``value`` made to fit ``default``'s type, or a ParameterError."""
    if default is _UNKNOWN or default is None or value is None:
        return value
    kind = type(default)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
        if raw is not None:  # `-p name 123` for a string parameter means the string "123"
            return raw
    elif isinstance(default, (list, tuple, dict, set)):
        if isinstance(value, (list, tuple, dict, set)) and (
                isinstance(value, dict) == isinstance(default, dict)):
            return value
        if isinstance(value, str):
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError):
                parsed = None
            if isinstance(parsed, (list, tuple, dict, set)) and (
                    isinstance(parsed, dict) == isinstance(default, dict)):
                return parsed
    else:
        return value
    shown = raw if raw is not None else repr(value)
    raise ParameterError(f"parameter {name!r} expects {kind.__name__} (default {default!r}), "
                         f"got {shown}")


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
    known = declared(nb)
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
