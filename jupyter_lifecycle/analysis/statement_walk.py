"""The complete name walker: ``NameWalker`` walks statements, definitions and imports.

Expressions are walked by ``expression_walk``, control flow and match patterns by
``control_flow_walk``; this module adds the simple statements (assignments, ``del``, imports,
``global``/``nonlocal``), function and class definitions with their PEP 695 type parameters,
and the statement table that dispatches on node type. ``names.analyze_names`` drives it.
"""

from __future__ import annotations

import libcst as cst

from .control_flow_walk import CONTROL_FLOW_HANDLERS, ControlFlowWalker
from .name_nodes import dotted, root_name
from .scopes import ClassScope, CompScope, FunctionScope, non_class

_Name = cst.Name


class NameWalker(ControlFlowWalker):
    __slots__ = ()

    def statement(self, node) -> None:
        handler = _STATEMENT.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.generic(node)

    def block(self, suite) -> None:
        statement = self.statement
        for node in suite.body:
            statement(node)

    def _simple_line(self, node) -> None:
        statement = self.statement
        for small in node.body:
            statement(small)

    def _pass(self, node) -> None:
        pass

    def _expr_statement(self, node) -> None:
        self.discarded = node.value  # its value is thrown away: an unknown method is for effect
        self.expr(node.value)
        self.discarded = None

    # ---- assignments and del -------------------------------------------------------------

    def _assign(self, node) -> None:
        self.expr(node.value)
        for target in node.targets:
            self.assign_target(target.target)

    def _ann_assign(self, node) -> None:
        if node.value is not None:
            self.expr(node.value)
        # annotations are evaluated in module and class bodies, never inside functions
        if type(self.scope) is not FunctionScope:
            self.expr(node.annotation.annotation)
        target = node.target
        if node.value is not None:
            self.assign_target(target)
        elif type(target) is _Name:
            if type(self.scope) is FunctionScope:
                self.scope.bind(target.value)  # `x: int` makes x local to the function
        else:
            self.expr(target)  # `a.b: int` evaluates `a`, stores nothing

    def _aug_assign(self, node) -> None:
        target = node.target
        scope = self.scope
        if type(target) is _Name:
            scope.load(target.value)
            self.expr(node.value)
            scope.bind(target.value)
            scope.mutate(target.value)
        else:
            self.expr(target)
            self.expr(node.value)
            root = root_name(target)
            if root is not None:
                scope.mutate(root)

    def _del(self, node) -> None:
        self.del_target(node.target)

    def del_target(self, node) -> None:
        t = type(node)
        if t is _Name:
            self.scope.load(node.value)  # `del x` needs x
            self.scope.unbind(node.value)
        elif t is cst.Tuple or t is cst.List:
            for element in node.elements:
                self.del_target(element.value)
        elif t is cst.Element or t is cst.StarredElement:
            self.del_target(node.value)
        else:
            self.expr(node)
            root = root_name(node)
            if root is not None:
                self.scope.mutate(root)

    def _assert(self, node) -> None:
        self.expr(node.test)
        if node.msg is not None:
            self.expr(node.msg)

    def _global(self, node) -> None:
        self.scope.declare([item.name.value for item in node.names], True)

    def _nonlocal(self, node) -> None:
        self.scope.declare([item.name.value for item in node.names], False)

    # ---- imports -------------------------------------------------------------------------

    def _import(self, node) -> None:
        top = self.top
        for alias in node.names:
            name = dotted(alias.name)
            root = name.partition(".")[0]
            if root:
                top.imported_modules[root] = None
            if alias.asname is not None:
                self.assign_target(alias.asname.name)
            elif root:
                self.scope.bind(root)

    def _import_from(self, node) -> None:
        top = self.top
        module = dotted(node.module) if node.module is not None else ""
        relative = len(node.relative) > 0
        if not relative and module:
            top.imported_modules[module.partition(".")[0]] = None
        names = node.names
        if type(names) is cst.ImportStar:
            top.star_imports["." * len(node.relative) + module] = None
            return
        for alias in names:
            if alias.asname is not None:
                self.assign_target(alias.asname.name)
            else:
                self.scope.bind(dotted(alias.name))

    # ---- functions, classes, type aliases ------------------------------------------------

    def type_scope(self, type_parameters) -> CompScope | None:
        """PEP 695 ``[T, *Ts, **P]``: a scope binding the parameters (bounds read lazily)."""
        if type_parameters is None:
            return None
        names = set()
        for type_param in type_parameters.params:
            param = type_param.param
            name = getattr(param, "name", None)
            if type(name) is _Name:
                names.add(name.value)
        scope = CompScope(non_class(self.scope), names)
        for type_param in type_parameters.params:
            lazy = [getattr(type_param.param, "bound", None), getattr(type_param, "default", None)]
            for expression in lazy:
                if expression is not None:
                    self.lazy_expr(expression, scope)
        return scope

    def _type_alias(self, node) -> None:
        type_scope = self.type_scope(node.type_parameters)
        self.lazy_expr(node.value, type_scope if type_scope is not None else self.scope)
        self.scope.bind(node.name.value)

    def function_def(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.expr(decorator.decorator)
        params = node.params
        self.parameter_defaults(params)
        outer = self.scope
        type_scope = self.type_scope(node.type_parameters)
        if type_scope is not None:
            self.scope = type_scope
        try:
            for param in self.all_params(params):
                if param.annotation is not None:
                    self.expr(param.annotation.annotation)
            if node.returns is not None:
                self.expr(node.returns.annotation)
            self.function_body(params, lambda: self.block(node.body))
        finally:
            self.scope = outer
        outer.bind(node.name.value)

    def class_def(self, node: cst.ClassDef) -> None:
        for decorator in node.decorators:
            self.expr(decorator.decorator)
        outer_scope, outer_flow = self.scope, self.flow
        type_scope = self.type_scope(node.type_parameters)
        if type_scope is not None:
            self.scope = type_scope
        try:
            for arg in node.bases:
                self.expr(arg.value)
            for arg in node.keywords:
                self.expr(arg.value)
            scope = ClassScope(non_class(self.scope), self.top)
            self.scope = self.flow = scope
            self.block(node.body)
        finally:
            self.scope, self.flow = outer_scope, outer_flow
        outer_scope.bind(node.name.value)

    def _function_def(self, node) -> None:
        self.function_def(node)

    def _class_def(self, node) -> None:
        self.class_def(node)


_STATEMENT = {
    **CONTROL_FLOW_HANDLERS,
    cst.SimpleStatementLine: NameWalker._simple_line,
    cst.Expr: NameWalker._expr_statement,
    cst.Assign: NameWalker._assign,
    cst.AnnAssign: NameWalker._ann_assign,
    cst.AugAssign: NameWalker._aug_assign,
    cst.Del: NameWalker._del,
    cst.Pass: NameWalker._pass,
    cst.Assert: NameWalker._assert,
    cst.Global: NameWalker._global,
    cst.Nonlocal: NameWalker._nonlocal,
    cst.Import: NameWalker._import,
    cst.ImportFrom: NameWalker._import_from,
    cst.FunctionDef: NameWalker._function_def,
    cst.ClassDef: NameWalker._class_def,
    cst.TypeAlias: NameWalker._type_alias,
}
