"""Import statements as per-name specs, so generated modules import exactly what they use."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import libcst as cst


@dataclass(frozen=True, order=True)
class ImportSpec:
    """One bound name: ``import a.b`` (name "a"), ``import a as b``, ``from m import x as y``."""

    module: str  # "numpy", "os.path", or for from-imports the source module ("" if relative only)
    name: str | None  # the imported name for from-imports, None for plain imports
    asname: str | None
    level: int = 0  # leading dots of a relative import

    @property
    def bound(self) -> str:
        if self.asname:
            return self.asname
        if self.name is not None:
            return self.name
        return self.module.split(".")[0]

    @property
    def top_module(self) -> str | None:
        return None if self.level or not self.module else self.module.split(".")[0]

    def to_node(self) -> cst.SimpleStatementLine:
        alias_as = cst.AsName(cst.Name(self.asname)) if self.asname else None
        if self.name is None:
            stmt = cst.Import([cst.ImportAlias(_dotted(self.module), asname=alias_as)])
        else:
            stmt = cst.ImportFrom(
                module=_dotted(self.module) if self.module else None,
                names=[cst.ImportAlias(cst.Name(self.name), asname=alias_as)],
                relative=[cst.Dot()] * self.level,
            )
        return cst.SimpleStatementLine([stmt])


def _dotted(name: str) -> cst.Attribute | cst.Name:
    parts = name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(node, cst.Name(part))
    return node


def _name_of(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_name_of(node.value)}.{node.attr.value}"
    raise ValueError(f"unexpected import target {node!r}")


def import_specs(statement: cst.BaseStatement) -> tuple[list[ImportSpec], list[str]]:
    """Specs of a top-level import statement line, and the modules it star-imports."""
    specs: list[ImportSpec] = []
    stars: list[str] = []
    if not isinstance(statement, cst.SimpleStatementLine):
        return specs, stars
    for small in statement.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                asname = _name_of(alias.asname.name) if alias.asname else None
                specs.append(ImportSpec(_name_of(alias.name), None, asname))
        elif isinstance(small, cst.ImportFrom):
            module = _name_of(small.module) if small.module is not None else ""
            level = len(small.relative)
            if isinstance(small.names, cst.ImportStar):
                stars.append(module)
                continue
            for alias in small.names:
                asname = _name_of(alias.asname.name) if alias.asname else None
                specs.append(ImportSpec(module, _name_of(alias.name), asname, level))
    return specs, stars


def star_exports(module: str) -> tuple[str, ...] | None:
    """The names ``from module import *`` binds, or None when the module cannot be imported."""
    try:
        mod = importlib.import_module(module)
    except Exception:  # any failure to import means: cannot resolve
        return None
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    return tuple(str(n) for n in names)
