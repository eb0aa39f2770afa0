"""The expression half of the name walker: every expression node, in evaluation order.

``ExpressionWalker`` records on the current scope (``scopes``) what an expression reads,
binds (walrus, comprehension targets, assignment targets) and changes in place. Statements are
walked by its subclasses (``control_flow_walk``, ``statement_walk``); ``NameWalker`` in
``statement_walk`` is the complete walker.
"""

from __future__ import annotations

import libcst as cst

from .effects import call_mutates
from .name_nodes import KEYWORD_NAMES, root_name, target_names
from .scopes import CompScope, FunctionScope, ModuleScope, copy_state, join_states, non_class

_Name = cst.Name
_Attribute = cst.Attribute
_Subscript = cst.Subscript


class ExpressionWalker:
    __slots__ = ("top", "scope", "flow", "discarded")

    def __init__(self, top: ModuleScope) -> None:
        self.top = top
        self.scope = top  # where names are looked up / bound right now
        self.flow = top   # nearest non-comprehension scope: walrus target, flow state owner
        self.discarded = None  # the call an expression statement evaluates for its effect only

    def reset(self) -> None:
        self.scope = self.flow = self.top
        self.discarded = None

    def statement(self, node) -> None:
        raise NotImplementedError  # statement_walk.NameWalker

    def block(self, suite) -> None:
        raise NotImplementedError  # statement_walk.NameWalker

    def expr(self, node) -> None:
        t = type(node)
        if t is _Name:
            name = node.value
            if name not in KEYWORD_NAMES:
                self.scope.load(name)
            return
        handler = _EXPR.get(t)
        if handler is not None:
            handler(self, node)
        else:
            self.generic(node)

    def generic(self, node) -> None:
        """Unknown node: every name inside is taken as a read (statements still as statements)."""
        for child in node.children:
            if isinstance(child, cst.BaseSuite):
                self.block(child)
            elif isinstance(child, (cst.BaseStatement, cst.BaseSmallStatement)):
                self.statement(child)
            else:
                self.expr(child)

    def _nothing(self, node) -> None:
        pass

    def _attribute(self, node) -> None:
        self.expr(node.value)

    def _subscript(self, node) -> None:
        self.expr(node.value)
        for element in node.slice:
            index = element.slice
            if type(index) is cst.Index:
                self.expr(index.value)
            elif type(index) is cst.Slice:
                for part in (index.lower, index.upper, index.step):
                    if part is not None:
                        self.expr(part)
            else:
                self.expr(index)

    def _call(self, node) -> None:
        func = node.func
        self.expr(func)
        for arg in node.args:
            self.expr(arg.value)
        if type(func) is _Attribute:  # a method call may change its receiver in place
            root = root_name(func.value)
            if root is not None and call_mutates(func.attr.value, node.args, node is self.discarded):
                self.scope.mutate(root)

    def _binary(self, node) -> None:
        rights = []
        while type(node) is cst.BinaryOperation:  # iterative: long sums must not recurse deeply
            rights.append(node.right)
            node = node.left
        self.expr(node)
        for right in reversed(rights):
            self.expr(right)

    def _boolean(self, node) -> None:
        rights = []
        while type(node) is cst.BooleanOperation:
            rights.append(node.right)
            node = node.left
        self.expr(node)
        flow = self.flow
        for right in reversed(rights):  # short-circuit: a walrus on the right may not run
            before = copy_state(flow.bound)
            self.expr(right)
            flow.bound = join_states(before, flow.bound)

    def _unary(self, node) -> None:
        self.expr(node.expression)

    def _comparison(self, node) -> None:
        self.expr(node.left)
        for target in node.comparisons:
            self.expr(target.comparator)

    def _ifexp(self, node) -> None:
        self.expr(node.test)
        flow = self.flow
        before = copy_state(flow.bound)
        self.expr(node.body)
        after_body = flow.bound
        flow.bound = before
        self.expr(node.orelse)
        flow.bound = join_states(after_body, flow.bound)

    def _await(self, node) -> None:
        self.expr(node.expression)

    def _yield(self, node) -> None:
        value = node.value
        if type(value) is cst.From:
            self.expr(value.item)
        elif value is not None:
            self.expr(value)

    def _elements(self, node) -> None:
        for element in node.elements:
            self.expr(element.value)

    def _dict(self, node) -> None:
        for element in node.elements:
            if type(element) is cst.DictElement:
                self.expr(element.key)
            self.expr(element.value)

    def _concatenated(self, node) -> None:
        while type(node) is cst.ConcatenatedString:  # right-nested: iterate, do not recurse
            self.expr(node.left)
            node = node.right
        self.expr(node)

    def _fstring(self, node) -> None:
        self._fstring_parts(node.parts)

    def _fstring_parts(self, parts) -> None:
        for part in parts:
            if type(part) is cst.FormattedStringExpression:
                self.expr(part.expression)
                if part.format_spec:
                    self._fstring_parts(part.format_spec)

    def _tstring(self, node) -> None:
        """t-strings (libcst >= 1.8 only, see the table below): the same walk as f-strings."""
        self._template_parts(node.parts)

    def _template_parts(self, parts) -> None:
        for part in parts:
            if type(part) is cst.TemplatedStringExpression:
                self.expr(part.expression)
                if part.format_spec:
                    self._template_parts(part.format_spec)

    def _named(self, node) -> None:
        self.expr(node.value)
        target = node.target
        if type(target) is _Name:
            self.flow.bind(target.value)  # PEP 572: the nearest non-comprehension scope
        else:
            self.assign_target(target)

    def _starred(self, node) -> None:
        self.expr(node.value)

    def _list_comp(self, node) -> None:
        self.comprehension(node.for_in, (node.elt,))

    def _dict_comp(self, node) -> None:
        self.comprehension(node.for_in, (node.key, node.value))

    def comprehension(self, for_in, results) -> None:
        self.expr(for_in.iter)  # the first iterable is evaluated in the enclosing scope
        names: set[str] = set()
        clause = for_in
        while clause is not None:
            target_names(clause.target, names)
            clause = clause.inner_for_in
        outer = self.scope
        self.scope = CompScope(non_class(outer), names)
        try:
            clause = for_in
            first = True
            while clause is not None:
                if not first:
                    self.expr(clause.iter)
                first = False
                self.assign_target(clause.target)
                for condition in clause.ifs:
                    self.expr(condition.test)
                clause = clause.inner_for_in
            for result in results:
                self.expr(result)
        finally:
            self.scope = outer

    def _lambda(self, node) -> None:
        self.parameter_defaults(node.params)
        self.function_body(node.params, lambda: self.expr(node.body))

    def _slice(self, node) -> None:
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                self.expr(part)

    # ---- function bodies (lambdas here, defs in statement_walk) --------------------------

    @staticmethod
    def all_params(params: cst.Parameters):
        yield from params.posonly_params
        yield from params.params
        if type(params.star_arg) is cst.Param:
            yield params.star_arg
        yield from params.kwonly_params
        if params.star_kwarg is not None:
            yield params.star_kwarg

    def parameter_defaults(self, params: cst.Parameters) -> None:
        for param in self.all_params(params):
            if param.default is not None:
                self.expr(param.default)

    def function_body(self, params: cst.Parameters | None, walk) -> None:
        outer_scope, outer_flow = self.scope, self.flow
        scope = FunctionScope(outer_scope, self.top)
        if params is not None:
            for param in self.all_params(params):
                scope.binds.add(param.name.value)
        self.scope = self.flow = scope
        try:
            walk()
        finally:
            self.scope, self.flow = outer_scope, outer_flow
        scope.close()

    def lazy_expr(self, expression, parent) -> None:
        outer_scope, outer_flow = self.scope, self.flow
        scope = FunctionScope(parent, self.top)
        self.scope = self.flow = scope
        try:
            self.expr(expression)
        finally:
            self.scope, self.flow = outer_scope, outer_flow
        scope.close()

    # ---- targets -------------------------------------------------------------------------

    def assign_target(self, node) -> None:
        t = type(node)
        if t is _Name:
            self.scope.bind(node.value)
        elif t is _Attribute or t is _Subscript:
            self.expr(node)  # evaluates the receiver (a read if not bound yet) ...
            root = root_name(node)
            if root is not None:
                self.scope.mutate(root)  # ... and changes it in place
        elif t is cst.Tuple or t is cst.List:
            for element in node.elements:
                self.assign_target(element.value)
        elif t is cst.StarredElement or t is cst.Element:
            self.assign_target(node.value)
        else:
            self.expr(node)


_EXPR = {
    cst.Attribute: ExpressionWalker._attribute,
    cst.Subscript: ExpressionWalker._subscript,
    cst.Call: ExpressionWalker._call,
    cst.BinaryOperation: ExpressionWalker._binary,
    cst.BooleanOperation: ExpressionWalker._boolean,
    cst.UnaryOperation: ExpressionWalker._unary,
    cst.Comparison: ExpressionWalker._comparison,
    cst.IfExp: ExpressionWalker._ifexp,
    cst.Await: ExpressionWalker._await,
    cst.Yield: ExpressionWalker._yield,
    cst.Tuple: ExpressionWalker._elements,
    cst.List: ExpressionWalker._elements,
    cst.Set: ExpressionWalker._elements,
    cst.Dict: ExpressionWalker._dict,
    cst.ListComp: ExpressionWalker._list_comp,
    cst.SetComp: ExpressionWalker._list_comp,
    cst.GeneratorExp: ExpressionWalker._list_comp,
    cst.DictComp: ExpressionWalker._dict_comp,
    cst.NamedExpr: ExpressionWalker._named,
    cst.Lambda: ExpressionWalker._lambda,
    cst.StarredElement: ExpressionWalker._starred,
    cst.Element: ExpressionWalker._starred,
    cst.ConcatenatedString: ExpressionWalker._concatenated,
    cst.FormattedString: ExpressionWalker._fstring,
    cst.Slice: ExpressionWalker._slice,
    cst.Integer: ExpressionWalker._nothing,
    cst.Float: ExpressionWalker._nothing,
    cst.Imaginary: ExpressionWalker._nothing,
    cst.SimpleString: ExpressionWalker._nothing,
    cst.Ellipsis: ExpressionWalker._nothing,
}
if hasattr(cst, "TemplatedString"):  # libcst >= 1.8
    _EXPR[cst.TemplatedString] = ExpressionWalker._tstring
