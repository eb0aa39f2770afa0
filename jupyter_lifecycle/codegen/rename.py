"""Statements call the version of a twice-defined function or class that was live where they stand.

The graph names each earlier definition ``<name>_v<k>`` (``graph.renames``); this rewrites the
global name in the statements concerned: the ``def``/``class`` itself, and the code between it
and the next definition. Attribute names, keyword arguments and parameters are other names, and a
nested function or lambda whose parameter shadows the name is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst


class RenameGlobals(cst.CSTTransformer):
    def __init__(self, names: Mapping[str, str]):
        super().__init__()
        self.names = names

    def _shadows(self, params: cst.Parameters) -> bool:
        every = (*params.posonly_params, *params.params, *params.kwonly_params,
                 *(p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)))
        return any(p.name.value in self.names for p in every)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not self._shadows(node.params)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if original.name.value in self.names:  # children were skipped when a parameter shadows
            return updated.with_changes(name=cst.Name(self.names[original.name.value]))
        return updated

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return not self._shadows(node.params)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        new = self.names.get(original.value)
        return updated.with_changes(value=new) if new else updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(name=original.name)


def renamed(statement: cst.BaseStatement, names: Mapping[str, str] | None) -> cst.BaseStatement:
    return statement.visit(RenameGlobals(names)) if names else statement
