"""``params.py``: a frozen, typed, validated ``Params`` built from the parameters cell."""

from __future__ import annotations

import libcst as cst
from libcst.helpers import parse_template_module

from ..graph import StageGraph
from .common import GeneratedFile, kwarg, module, notebook_name, render

ANNOTATIONS = {"bool": "bool", "int": "int", "float": "float", "str": "str",
               "list": "list", "dict": "dict", "any": "Any"}

# Checking and coercion shared by every Params; no notebook code in it.
_SUPPORT = '''
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ParamsError


def _check(name: str, kind: str, value: Any) -> Any:
    """The value if it has the parameter's type (ints are accepted as floats), else ParamsError."""
    if kind == "any":
        return value
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    expected = {"bool": bool, "int": int, "float": float, "str": str, "list": (list, tuple), "dict": dict}[kind]
    if isinstance(value, bool) and kind != "bool":
        raise ParamsError(f"parameter {name!r} must be {kind}, got bool {value!r}")
    if not isinstance(value, expected):
        raise ParamsError(f"parameter {name!r} must be {kind}, got {type(value).__name__} {value!r}")
    return list(value) if kind == "list" else value


def _parse(name: str, kind: str, text: str) -> Any:
    """A command-line string as the parameter's type."""
    try:
        if kind == "str":
            return text
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        return json.loads(text)
    except ValueError:
        if kind == "any":
            return text
        raise ParamsError(f"parameter {name!r} must be {kind}, got {text!r}") from None
'''

_METHODS = '''
class _Methods:
    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _check(f.name, TYPES[f.name], getattr(self, f.name)))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Params":
        """Parameters from a mapping; unknown names are rejected."""
        if not isinstance(values, dict):
            raise ParamsError(f"parameters must be a mapping, got {type(values).__name__}")
        unknown = sorted(set(values) - set(TYPES))
        if unknown:
            raise ParamsError(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(TYPES) or 'none'}")
        return cls(**values)

    @classmethod
    def from_strings(cls, values: dict[str, str], base: dict[str, Any] | None = None) -> "Params":
        """Parameters from command-line strings, parsed to each parameter's type."""
        merged = dict(base or {})
        for name, text in values.items():
            if name not in TYPES:
                raise ParamsError(f"unknown parameter {name!r}; known: {', '.join(TYPES) or 'none'}")
            merged[name] = _parse(name, TYPES[name], text)
        return cls.from_dict(merged)

    @classmethod
    def from_file(cls, path: str | Path) -> "Params":
        """Parameters from a JSON or YAML file (YAML needs PyYAML)."""
        text = Path(path).read_text(encoding="utf-8")
        if str(path).endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text)
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
'''


def params_module(graph: StageGraph) -> GeneratedFile:
    needs_field = any(p.type_name in ("list", "dict") for p in graph.params)  # default_factory
    support = cst.parse_module(_SUPPORT if needs_field else _SUPPORT.replace(
        "dataclass, field, fields", "dataclass, fields", 1))
    methods_class = cst.parse_module(_METHODS).body[0]
    assert isinstance(methods_class, cst.ClassDef)
    types = cst.Dict([
        cst.DictElement(cst.SimpleString(repr(p.name)), cst.SimpleString(repr(p.type_name)))
        for p in graph.params
    ])
    types_stmt = parse_template_module("TYPES: dict[str, str] = {types}\n", types=types).body[0]
    fields_ = []
    for p in graph.params:
        value = cst.parse_expression(p.value_code)
        if p.type_name in ("list", "dict"):
            value = cst.Call(cst.Name("field"), [kwarg("default_factory", cst.Lambda(cst.Parameters(), value))])
        trailing = cst.TrailingWhitespace(
            whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(f"# {p.comment}")
        ) if p.comment else cst.TrailingWhitespace()
        fields_.append(cst.SimpleStatementLine(
            [cst.AnnAssign(cst.Name(p.name), cst.Annotation(cst.Name(ANNOTATIONS[p.type_name])), value)],
            trailing_whitespace=trailing))
    cell = graph.notebook.parameters_cell
    where = f"cell {cell.index} (id {cell.id})" if cell else "no parameters cell"
    doc = cst.SimpleStatementLine([cst.Expr(cst.SimpleString(
        f'"""Pipeline parameters; defaults from the parameters cell of {notebook_name(graph)}, {where}."""'))])
    params_class = cst.ClassDef(
        name=cst.Name("Params"),
        bases=[cst.Arg(cst.Name("_Methods"))],
        body=cst.IndentedBlock([doc, *fields_] if fields_ else [doc]),
        decorators=[cst.Decorator(cst.Call(cst.Name("dataclass"), [kwarg("frozen", cst.Name("True"))]))],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )
    body = [*support.body, types_stmt.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()]),
            methods_class.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()]), params_class]
    mod = module(graph, "Typed, validated pipeline parameters.", body)
    return GeneratedFile("params.py", render(mod), f"parameters cell {where}")
