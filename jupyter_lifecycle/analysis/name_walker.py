"""The walker behind ``names.analyze_names``: every node type, in evaluation order."""

from __future__ import annotations


import libcst as cst

from .scopes import _ClassScope, _CompScope, _copy, _FunctionScope, _join, _ModuleScope, _non_class


# --------------------------------------------------------------------------------------------
# The walker
# --------------------------------------------------------------------------------------------

_Name = cst.Name
_KEYWORD_NAMES = frozenset({"True", "False", "None"})  # libcst parses them as Name nodes
_Attribute = cst.Attribute
_Subscript = cst.Subscript


def _root_name(node) -> str | None:
    """``x`` for ``x``, ``x.a``, ``x[0].b`` ...; None if the chain is not rooted at a name."""
    while True:
        t = type(node)
        if t is _Attribute or t is _Subscript:
            node = node.value
        elif t is _Name:
            return node.value
        else:
            return None


def _dotted(node) -> str:
    parts = []
    while type(node) is _Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is _Name:
        parts.append(node.value)
    return ".".join(reversed(parts))


def _target_names(node, out: set[str]) -> None:
    """Names bound by an assignment target (``a``, ``a, (b, *c)``); attributes bind none."""
    t = type(node)
    if t is _Name:
        out.add(node.value)
    elif t is cst.Tuple or t is cst.List:
        for element in node.elements:
            _target_names(element.value, out)
    elif t is cst.StarredElement or t is cst.Element:
        _target_names(node.value, out)


def _is_true(node) -> bool:
    t = type(node)
    if t is _Name:
        return node.value == "True"
    if t is cst.Integer:
        try:
            return int(node.value, 0) != 0
        except ValueError:
            return False
    return False


def _irrefutable(pattern) -> bool:
    t = type(pattern)
    if t is cst.MatchAs:
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if t is cst.MatchOr:
        return any(_irrefutable(element.pattern) for element in pattern.patterns)
    return False


class _Walker:
    __slots__ = ("top", "scope", "flow")

    def __init__(self, top: _ModuleScope) -> None:
        self.top = top
        self.scope = top  # where names are looked up / bound right now
        self.flow = top   # nearest non-comprehension scope: walrus target, flow state owner

    def reset(self) -> None:
        self.scope = self.flow = self.top

    # ---- expressions ---------------------------------------------------------------------

    def expr(self, node) -> None:
        t = type(node)
        if t is _Name:
            name = node.value
            if name not in _KEYWORD_NAMES:
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
            root = _root_name(func.value)
            if root is not None:
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
            before = _copy(flow.bound)
            self.expr(right)
            flow.bound = _join(before, flow.bound)

    def _unary(self, node) -> None:
        self.expr(node.expression)

    def _comparison(self, node) -> None:
        self.expr(node.left)
        for target in node.comparisons:
            self.expr(target.comparator)

    def _ifexp(self, node) -> None:
        self.expr(node.test)
        flow = self.flow
        before = _copy(flow.bound)
        self.expr(node.body)
        after_body = flow.bound
        flow.bound = before
        self.expr(node.orelse)
        flow.bound = _join(after_body, flow.bound)

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
            _target_names(clause.target, names)
            clause = clause.inner_for_in
        outer = self.scope
        self.scope = _CompScope(_non_class(outer), names)
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

    # ---- functions and classes -----------------------------------------------------------

    @staticmethod
    def _all_params(params: cst.Parameters):
        yield from params.posonly_params
        yield from params.params
        if type(params.star_arg) is cst.Param:
            yield params.star_arg
        yield from params.kwonly_params
        if params.star_kwarg is not None:
            yield params.star_kwarg

    def parameter_defaults(self, params: cst.Parameters) -> None:
        for param in self._all_params(params):
            if param.default is not None:
                self.expr(param.default)

    def function_body(self, params: cst.Parameters | None, walk) -> None:
        outer_scope, outer_flow = self.scope, self.flow
        scope = _FunctionScope(outer_scope, self.top)
        if params is not None:
            for param in self._all_params(params):
                scope.binds.add(param.name.value)
        self.scope = self.flow = scope
        try:
            walk()
        finally:
            self.scope, self.flow = outer_scope, outer_flow
        scope.close()

    def type_scope(self, type_parameters) -> _CompScope | None:
        """PEP 695 ``[T, *Ts, **P]``: a scope binding the parameters (bounds read lazily)."""
        if type_parameters is None:
            return None
        names = set()
        for type_param in type_parameters.params:
            param = type_param.param
            name = getattr(param, "name", None)
            if type(name) is _Name:
                names.add(name.value)
        scope = _CompScope(_non_class(self.scope), names)
        for type_param in type_parameters.params:
            lazy = [getattr(type_param.param, "bound", None), getattr(type_param, "default", None)]
            for expression in lazy:
                if expression is not None:
                    self.lazy_expr(expression, scope)
        return scope

    def lazy_expr(self, expression, parent) -> None:
        outer_scope, outer_flow = self.scope, self.flow
        scope = _FunctionScope(parent, self.top)
        self.scope = self.flow = scope
        try:
            self.expr(expression)
        finally:
            self.scope, self.flow = outer_scope, outer_flow
        scope.close()

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
            for param in self._all_params(params):
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
            scope = _ClassScope(_non_class(self.scope), self.top)
            self.scope = self.flow = scope
            self.block(node.body)
        finally:
            self.scope, self.flow = outer_scope, outer_flow
        outer_scope.bind(node.name.value)

    # ---- targets -------------------------------------------------------------------------

    def assign_target(self, node) -> None:
        t = type(node)
        if t is _Name:
            self.scope.bind(node.value)
        elif t is _Attribute or t is _Subscript:
            self.expr(node)  # evaluates the receiver (a read if not bound yet) ...
            root = _root_name(node)
            if root is not None:
                self.scope.mutate(root)  # ... and changes it in place
        elif t is cst.Tuple or t is cst.List:
            for element in node.elements:
                self.assign_target(element.value)
        elif t is cst.StarredElement or t is cst.Element:
            self.assign_target(node.value)
        else:
            self.expr(node)

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
            root = _root_name(node)
            if root is not None:
                self.scope.mutate(root)

    # ---- statements ----------------------------------------------------------------------

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

    def _expr_statement(self, node) -> None:
        self.expr(node.value)

    def _assign(self, node) -> None:
        self.expr(node.value)
        for target in node.targets:
            self.assign_target(target.target)

    def _ann_assign(self, node) -> None:
        if node.value is not None:
            self.expr(node.value)
        # annotations are evaluated in module and class bodies, never inside functions
        if type(self.scope) is not _FunctionScope:
            self.expr(node.annotation.annotation)
        target = node.target
        if node.value is not None:
            self.assign_target(target)
        elif type(target) is _Name:
            if type(self.scope) is _FunctionScope:
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
            root = _root_name(target)
            if root is not None:
                scope.mutate(root)

    def _del(self, node) -> None:
        self.del_target(node.target)

    def _return(self, node) -> None:
        if node.value is not None:
            self.expr(node.value)
        self.flow.bound = None

    def _raise(self, node) -> None:
        if node.exc is not None:
            self.expr(node.exc)
        if node.cause is not None:
            self.expr(node.cause.item)
        self.flow.bound = None

    def _assert(self, node) -> None:
        self.expr(node.test)
        if node.msg is not None:
            self.expr(node.msg)

    def _break(self, node) -> None:
        self._jump(0)

    def _continue(self, node) -> None:
        self._jump(1)

    def _jump(self, which: int) -> None:
        flow = self.flow
        if flow.loops:
            flow.loops[-1][which].append(_copy(flow.bound))
        flow.bound = None

    def _global(self, node) -> None:
        self.scope.declare([item.name.value for item in node.names], True)

    def _nonlocal(self, node) -> None:
        self.scope.declare([item.name.value for item in node.names], False)

    def _import(self, node) -> None:
        top = self.top
        for alias in node.names:
            dotted = _dotted(alias.name)
            root = dotted.partition(".")[0]
            if root:
                top.imported_modules[root] = None
            if alias.asname is not None:
                self.assign_target(alias.asname.name)
            elif root:
                self.scope.bind(root)

    def _import_from(self, node) -> None:
        top = self.top
        module = _dotted(node.module) if node.module is not None else ""
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
                self.scope.bind(_dotted(alias.name))

    def _type_alias(self, node) -> None:
        type_scope = self.type_scope(node.type_parameters)
        self.lazy_expr(node.value, type_scope if type_scope is not None else self.scope)
        self.scope.bind(node.name.value)

    def _function_def(self, node) -> None:
        self.function_def(node)

    def _class_def(self, node) -> None:
        self.class_def(node)

    def _if(self, node) -> None:
        flow = self.flow
        self.expr(node.test)
        before = _copy(flow.bound)
        self.block(node.body)
        after_body = flow.bound
        flow.bound = before
        orelse = node.orelse
        if type(orelse) is cst.If:
            self._if(orelse)
        elif orelse is not None:
            self.block(orelse.body)
        flow.bound = _join(after_body, flow.bound)

    def _for(self, node) -> None:
        flow = self.flow
        self.expr(node.iter)
        flow.loops.append(([], []))
        try:
            self.assign_target(node.target)
            self.block(node.body)
        finally:
            breaks, continues = flow.loops.pop()
        self._after_loop(node, breaks, continues, can_finish=True)

    def _while(self, node) -> None:
        flow = self.flow
        self.expr(node.test)
        flow.loops.append(([], []))
        try:
            self.block(node.body)
        finally:
            breaks, continues = flow.loops.pop()
        self._after_loop(node, breaks, continues, can_finish=not _is_true(node.test))

    def _after_loop(self, node, breaks, continues, can_finish: bool) -> None:
        # The body is assumed to run at least once (as notebook loops do): what its first
        # pass binds counts as bound after the loop, except what only some exits bind.
        flow = self.flow
        if can_finish:
            state = flow.bound
            for other in continues:
                state = _join(state, other)
            flow.bound = _copy(state)
            if node.orelse is not None:
                self.block(node.orelse.body)
            state = flow.bound
        else:
            state = None
        for other in breaks:
            state = _join(state, other)
        flow.bound = _copy(state)

    def _try(self, node) -> None:
        flow = self.flow
        before = _copy(flow.bound)
        self.block(node.body)
        if node.orelse is not None:
            self.block(node.orelse.body)
        state = flow.bound
        for handler in node.handlers:
            flow.bound = _copy(before)  # the body may have failed anywhere
            if handler.type is not None:
                self.expr(handler.type)
            name = handler.name
            if name is not None:
                self.assign_target(name.name)
            self.block(handler.body)
            if name is not None and type(name.name) is _Name:
                self.scope.unbind(name.name.value)  # Python deletes it after the handler
            state = _join(state, flow.bound)
        if node.finalbody is not None:
            flow.bound = _copy(before)
            self.block(node.finalbody.body)
            after_finally = flow.bound
            if state is None or after_finally is None:
                state = None
            elif before is None:
                state = state | after_finally
            else:
                state = (state - (before - after_finally)) | (after_finally - before)
        flow.bound = _copy(state)

    def _with(self, node) -> None:
        for item in node.items:
            self.expr(item.item)
            if item.asname is not None:
                self.assign_target(item.asname.name)
        self.block(node.body)

    def _match(self, node) -> None:
        flow = self.flow
        self.expr(node.subject)
        before = _copy(flow.bound)
        state = None
        exhaustive = False
        for case in node.cases:
            flow.bound = _copy(before)
            self.pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard)
            elif _irrefutable(case.pattern):
                exhaustive = True
            self.block(case.body)
            state = _join(state, flow.bound)  # None so far: no path reached the end yet
        if not exhaustive:  # no case may match
            state = _join(state, before)
        flow.bound = _copy(state)

    def pattern(self, node) -> None:
        t = type(node)
        scope = self.scope
        if t is cst.MatchAs:
            if node.pattern is not None:
                self.pattern(node.pattern)
            if node.name is not None:
                scope.bind(node.name.value)
        elif t is cst.MatchValue:
            self.expr(node.value)
        elif t is cst.MatchSingleton:
            pass
        elif t is cst.MatchList or t is cst.MatchTuple:
            for element in node.patterns:
                if type(element) is cst.MatchStar:
                    if element.name is not None:
                        scope.bind(element.name.value)
                else:
                    self.pattern(element.value)
        elif t is cst.MatchMapping:
            for element in node.elements:
                self.expr(element.key)
                self.pattern(element.pattern)
            if node.rest is not None:
                scope.bind(node.rest.value)
        elif t is cst.MatchClass:
            self.expr(node.cls)
            for element in node.patterns:
                self.pattern(element.value)
            for keyword in node.kwds:
                self.pattern(keyword.pattern)
        elif t is cst.MatchOr:
            for element in node.patterns:
                self.pattern(element.pattern)
        else:
            self.generic(node)


_EXPR = {
    cst.Attribute: _Walker._attribute,
    cst.Subscript: _Walker._subscript,
    cst.Call: _Walker._call,
    cst.BinaryOperation: _Walker._binary,
    cst.BooleanOperation: _Walker._boolean,
    cst.UnaryOperation: _Walker._unary,
    cst.Comparison: _Walker._comparison,
    cst.IfExp: _Walker._ifexp,
    cst.Await: _Walker._await,
    cst.Yield: _Walker._yield,
    cst.Tuple: _Walker._elements,
    cst.List: _Walker._elements,
    cst.Set: _Walker._elements,
    cst.Dict: _Walker._dict,
    cst.ListComp: _Walker._list_comp,
    cst.SetComp: _Walker._list_comp,
    cst.GeneratorExp: _Walker._list_comp,
    cst.DictComp: _Walker._dict_comp,
    cst.NamedExpr: _Walker._named,
    cst.Lambda: _Walker._lambda,
    cst.StarredElement: _Walker._starred,
    cst.Element: _Walker._starred,
    cst.ConcatenatedString: _Walker._concatenated,
    cst.FormattedString: _Walker._fstring,
    cst.Slice: _Walker._slice,
    cst.Integer: _Walker._nothing,
    cst.Float: _Walker._nothing,
    cst.Imaginary: _Walker._nothing,
    cst.SimpleString: _Walker._nothing,
    cst.Ellipsis: _Walker._nothing,
}
if hasattr(cst, "TemplatedString"):  # t-strings (libcst >= 1.8): the same walk as f-strings
    _EXPR[cst.TemplatedString] = lambda walker, node: walker._template_parts(node.parts)

    def _template_parts(self, parts) -> None:
        for part in parts:
            if type(part) is cst.TemplatedStringExpression:
                self.expr(part.expression)
                if part.format_spec:
                    self._template_parts(part.format_spec)

    _Walker._template_parts = _template_parts

_STATEMENT = {
    cst.SimpleStatementLine: _Walker._simple_line,
    cst.Expr: _Walker._expr_statement,
    cst.Assign: _Walker._assign,
    cst.AnnAssign: _Walker._ann_assign,
    cst.AugAssign: _Walker._aug_assign,
    cst.Del: _Walker._del,
    cst.Pass: _Walker._nothing,
    cst.Return: _Walker._return,
    cst.Raise: _Walker._raise,
    cst.Assert: _Walker._assert,
    cst.Break: _Walker._break,
    cst.Continue: _Walker._continue,
    cst.Global: _Walker._global,
    cst.Nonlocal: _Walker._nonlocal,
    cst.Import: _Walker._import,
    cst.ImportFrom: _Walker._import_from,
    cst.FunctionDef: _Walker._function_def,
    cst.ClassDef: _Walker._class_def,
    cst.If: _Walker._if,
    cst.For: _Walker._for,
    cst.While: _Walker._while,
    cst.Try: _Walker._try,
    cst.TryStar: _Walker._try,
    cst.With: _Walker._with,
    cst.Match: _Walker._match,
    cst.TypeAlias: _Walker._type_alias,
}
