"""``params.py``: a frozen dataclass ``Params`` from the parameters cell, checked against its own
field annotations (no type table, no base class)."""

from __future__ import annotations

import libcst as cst

from ..graph import StageGraph
from .common import GeneratedFile, kwarg, module, notebook_name, render

ANNOTATIONS = {"bool": "bool", "int": "int", "float": "float", "str": "str",
               "list": "list", "dict": "dict", "any": "Any"}

# No ``from __future__ import annotations`` here: each field's ``type`` is the class itself.
_IMPORTS = '''
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import ParamsError
'''

_METHODS = '''
class Params:
    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, checked(f.name, f.type, getattr(self, f.name)))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Params":
        """Parameters from a mapping; unknown names are rejected."""
        if not isinstance(values, dict):
            raise ParamsError(f"parameters must be a mapping, got {type(values).__name__}")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParamsError(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
'''

_CHECKED = '''
def checked(name: str, kind: Any, value: Any) -> Any:
    """``value`` if it is a ``kind`` (an int is accepted as a float, a tuple as a list), else ParamsError."""
    if kind is Any:
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is list and isinstance(value, tuple):
        return list(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ParamsError(f"parameter {name!r} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value
'''


def _field(param) -> cst.SimpleStatementLine:
    value = cst.parse_expression(param.value_code)
    if param.type_name in ("list", "dict"):  # a mutable default needs a factory
        value = cst.Call(cst.Name("field"), [kwarg("default_factory", cst.Lambda(cst.Parameters(), value))])
    trailing = cst.TrailingWhitespace(
        whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(f"# {param.comment}")
    ) if param.comment else cst.TrailingWhitespace()
    return cst.SimpleStatementLine(
        [cst.AnnAssign(cst.Name(param.name), cst.Annotation(cst.Name(ANNOTATIONS[param.type_name])), value)],
        trailing_whitespace=trailing)


def _imports(graph: StageGraph) -> list[cst.BaseStatement]:
    imports = list(cst.parse_module(_IMPORTS).body)
    if not any(p.type_name in ("list", "dict") for p in graph.params):
        first = cst.parse_statement("from dataclasses import asdict, dataclass, fields\n")
        imports[0] = first
    return imports


def params_module(graph: StageGraph) -> GeneratedFile:
    cell = graph.notebook.parameters_cell
    where = f"cell {cell.index} (id {cell.id})" if cell else "no parameters cell"
    doc = cst.SimpleStatementLine([cst.Expr(cst.SimpleString(
        f'"""Pipeline parameters; defaults from the parameters cell of {notebook_name(graph)}, {where}.\n\n'
        '    Every value is checked against its field\'s annotation when a ``Params`` is made.\n    """'))])
    methods = cst.parse_module(_METHODS).body[0]
    assert isinstance(methods, cst.ClassDef)
    fields_ = [_field(p) for p in graph.params]
    body = [doc, *fields_, *methods.body.body]
    body[len(fields_) + 1] = body[len(fields_) + 1].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    params_class = methods.with_changes(
        body=methods.body.with_changes(body=body),
        decorators=[cst.Decorator(cst.Call(cst.Name("dataclass"), [kwarg("frozen", cst.Name("True"))]))],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    checked = cst.parse_module(_CHECKED).body[0].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    mod = module(graph, "Typed, validated pipeline parameters.", [*_imports(graph), params_class, checked])
    return GeneratedFile("params.py", render(mod), f"parameters cell {where}")
