"""Functions that read notebook values as globals get them as keyword-only arguments.

In the notebook, ``def at_threshold(t): return tpr[thresholds > t][-1]`` reads ``tpr`` and
``thresholds`` when it is called. In the package those values live in a stage, so the function
takes them as keyword-only parameters and every call passes them (``at_threshold(0.5, tpr=tpr,
thresholds=thresholds)``), inside other functions too; where the function is passed as a value
(``df.apply(f)``, ``map(f, xs)``, ``key=f``) it becomes ``functools.partial(f, name=name)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

PARTIAL = "functools.partial("


def functools_import(code: str | list[cst.CSTNode]) -> list[cst.BaseStatement]:
    """``[import functools]`` when the code (text or nodes) uses ``functools.partial``, else ``[]``."""
    text = code if isinstance(code, str) else "".join(cst.Module([]).code_for_node(n) for n in code)
    return [cst.parse_statement("import functools\n")] if PARTIAL in text else []


def _keyword(name: str) -> cst.Arg:
    return cst.Arg(cst.Name(name), keyword=cst.Name(name),
                   equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))


class PassGlobals(cst.CSTTransformer):
    """Rewrite calls of and references to the ``injected`` functions."""

    def __init__(self, injected: Mapping[str, tuple[str, ...]]):
        super().__init__()
        self.injected = injected
        self._call_funcs: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        self._call_funcs.add(id(node.func))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func = original.func
        if not isinstance(func, cst.Name) or func.value not in self.injected:
            return updated
        given = {a.keyword.value for a in updated.args if a.keyword is not None}
        if any(a.star == "**" for a in updated.args):
            given = set(self.injected[func.value])  # **kwargs may pass them already; leave it
        extra = [_keyword(n) for n in self.injected[func.value] if n not in given]
        if not extra:
            return updated
        args = list(updated.args)
        if args:  # a trailing comma of the last argument, or one added before the new ones
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated.with_changes(args=[*args, *extra])

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        value = original.value
        if (isinstance(value, cst.Name) and value.value in self.injected
                and id(value) not in self._call_funcs):
            partial = cst.Call(cst.Attribute(cst.Name("functools"), cst.Name("partial")),
                               [cst.Arg(cst.Name(value.value)),
                                *[_keyword(n) for n in self.injected[value.value]]])
            return updated.with_changes(value=partial)
        return updated


def with_keyword_only(function: cst.FunctionDef, names: tuple[str, ...]) -> cst.FunctionDef:
    """``def f(a, b=1)`` → ``def f(a, b=1, *, x, y)`` (appended to existing keyword-only ones)."""
    params = function.params
    have = {p.name.value for p in (*params.params, *params.kwonly_params, *params.posonly_params)}
    added = [cst.Param(cst.Name(n)) for n in names if n not in have]
    if not added:
        return function
    star = params.star_arg
    if not isinstance(star, cst.Param) and not isinstance(star, cst.ParamStar):
        star = cst.ParamStar()
    return function.with_changes(params=params.with_changes(
        star_arg=star, kwonly_params=[*params.kwonly_params, *added]))


def rewrite(statement: cst.BaseStatement, injected: Mapping[str, tuple[str, ...]]) -> cst.BaseStatement:
    if not injected:
        return statement
    return statement.visit(PassGlobals(injected))


def relevant(injected: Mapping[str, tuple[str, ...]], source: str) -> dict[str, tuple[str, ...]]:
    """The part of ``injected`` a source can refer to (a cheap filter for cache keys)."""
    return {f: names for f, names in injected.items() if f in source}
