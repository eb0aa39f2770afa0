"""Ordered name analysis of one cell's top-level statements over a libcst tree.

libcst's ScopeProvider is ~100x slower than a walk and misses mutations (see the tests), so this
module walks the tree itself, in evaluation order, tracking Python's scoping rules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from operator import attrgetter

import libcst as cst


@dataclass(frozen=True)
class StatementNames:
    """What one top-level statement of a cell does with names.

    kind: "import" | "def" | "class" | "constant" | "code"
      import   -- a top-level ``import``/``from ... import`` statement
      def      -- a top-level function definition (sync or async, decorated or not)
      class    -- a top-level class definition
      constant -- ``NAME = <literal>`` where the value is a literal (numbers, strings, bytes,
                  True/False/None, and tuples/lists/dicts/sets of literals, unary minus) and the
                  target is one plain name
      code     -- anything else
    """

    index: int                        # position in module.body
    line: int                         # 1-based line of the statement's first token
    kind: str
    defines: tuple[str, ...]          # names bound at module level (assign, for/with targets,
                                      # import aliases, def/class names, walrus incl. PEP 572
                                      # comprehension walrus, except-as, global-less augassign)
    reads: tuple[str, ...]            # module-level names read BEFORE this statement binds them,
                                      # in first-read order, no duplicates. Includes names read by
                                      # decorators, default values, annotations evaluated at def
                                      # time, class bases, and `x` of `x += 1`, `del x` (a read).
                                      # Builtins are included (the graph filters them).
    mutates: tuple[str, ...]          # module-level names possibly mutated in place:
                                      # `x[...] = v`, `x.a = v`, `x.a.b[0] = v`, `del x[...]`,
                                      # `del x.a`, `x += v` (augassign of a name counts as mutate
                                      # AND define AND read), `x[...] += v`, and any method call on
                                      # a name or attribute chain rooted at a name: `x.m(...)`,
                                      # `x.a.m(...)` -> x. Not `f(x)`. Import-bound names are
                                      # included too (the graph filters definitions).
    global_reads: tuple[str, ...]     # for def/class: free names that the body reads from module
                                      # scope at call time (not params, not locals; builtins
                                      # included, the graph filters them); for class, also the
                                      # free names of its methods
    star_imports: tuple[str, ...] = ()  # modules of `from m import *` in this statement
    imported_modules: tuple[str, ...] = ()  # top-level module names imported ("os" for
                                      # `import os.path`, "sklearn" for `from sklearn.x import y`);
                                      # relative imports are left out
    compound: bool = False            # for/while/if/try/with/match/def/class: it has a body, so
                                      # a name it both reads and binds may be loop-carried


def analyze_names(module: cst.Module) -> tuple[StatementNames, ...]:
    """One StatementNames per top-level statement (``module.body``), in order.

    Never raises for a parsed module: a statement the walker cannot handle (for instance one
    nested too deeply for Python's recursion limit) gets a conservative over-approximation.
    """
    top = _ModuleScope()
    walker = _Walker(top)
    results: list[StatementNames] = []
    body = module.body
    last = len(body) - 1
    line = 1 + len(module.header)
    for index, statement in enumerate(body):
        start = line + _lines_before_first_token(statement)
        if index != last:
            try:
                line += _count_newlines(statement)
            except Exception:  # pragma: no cover - defensive; positions are best effort
                line = start + 1
        before = _copy(top.bound)
        top.start_statement()
        try:
            walker.statement(statement)
            kind = _kind(statement)
            reads = top.reads
            if top.late_reads and kind != "def" and kind != "class":
                # A lambda (or a def nested in a block) in plain code is usually called within
                # the cell, and only a def/class statement's global_reads are followed up, so
                # its free names not bound yet count as reads of the statement too.
                reads = {**reads, **top.late_reads}
            names = StatementNames(
                index=index,
                line=start,
                kind=kind,
                defines=tuple(top.defines),
                reads=tuple(reads),
                mutates=tuple(top.mutates),
                global_reads=tuple(top.global_reads),
                star_imports=tuple(top.star_imports),
                imported_modules=tuple(top.imported_modules),
                compound=isinstance(statement, cst.BaseCompoundStatement),
            )
            if top.bound is None:  # the rest of the cell is unreachable (top-level raise, ...)
                top.bound = before if before is not None else set()
        except Exception:  # RecursionError on absurdly deep code, or a node shape we missed
            walker.reset()
            names = _fallback(index, start, statement, before)
            top.bound = set(before or ()) | set(names.defines)
        results.append(names)
    return tuple(results)


# --------------------------------------------------------------------------------------------
# Scopes. Every scope answers load / bind / unbind / mutate / deferred:
#   load      a name is read now (while the statement executes)
#   bind      a name is bound in this scope
#   unbind    ``del name`` / end of ``except ... as name``
#   mutate    a name's object is changed in place (after its load was recorded)
#   deferred  a free name of a nested function or lambda: read at call time, not now
# ``bound`` is the flow-sensitive set of names definitely bound so far (module and class
# bodies run top to bottom); ``None`` means the current point is unreachable. Function scopes
# are flow-insensitive (Python decides locality for the whole body), their ``bound`` is unused.
# --------------------------------------------------------------------------------------------


class _ModuleScope:
    __slots__ = ("bound", "loops", "reads", "defines", "mutates", "global_reads", "late_reads",
                 "star_imports", "imported_modules")

    def __init__(self) -> None:
        self.bound: set[str] | None = set()
        self.start_statement()

    def start_statement(self) -> None:
        # dicts are ordered sets: the first insertion fixes the position
        self.reads: dict[str, None] = {}
        self.defines: dict[str, None] = {}
        self.mutates: dict[str, None] = {}
        self.global_reads: dict[str, None] = {}
        self.late_reads: dict[str, None] = {}  # global_reads not bound where the function is made
        self.star_imports: dict[str, None] = {}
        self.imported_modules: dict[str, None] = {}
        self.loops = []

    def load(self, name: str) -> None:
        bound = self.bound
        if bound is None or name not in bound:
            self.reads[name] = None

    def bind(self, name: str) -> None:
        self.defines[name] = None
        if self.bound is not None:
            self.bound.add(name)

    def unbind(self, name: str) -> None:
        if self.bound is not None:
            self.bound.discard(name)

    def mutate(self, name: str) -> None:
        self.mutates[name] = None

    def deferred(self, name: str) -> None:
        self.global_reads[name] = None
        bound = self.bound
        if bound is None or name not in bound:
            self.late_reads[name] = None

    def declare(self, names, is_global: bool) -> None:
        pass  # `global x` at module level is a no-op; `nonlocal` there is a syntax error


class _ClassScope:
    """A class body: runs at definition time, top to bottom; invisible to nested scopes."""

    __slots__ = ("up", "module", "bound", "loops", "globals", "nonlocals")

    def __init__(self, up, module: _ModuleScope) -> None:
        self.up = up  # nearest enclosing non-class scope
        self.module = module
        self.bound: set[str] | None = set()
        self.loops: list[tuple[list, list]] = []
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def _redirect(self, name: str):
        if name in self.globals:
            return self.module
        if name in self.nonlocals:
            return self.up
        return None

    def load(self, name: str) -> None:
        if self.globals or self.nonlocals:
            target = self._redirect(name)
            if target is not None:
                target.load(name)
                return
        bound = self.bound
        if bound is None or name not in bound:
            self.up.load(name)

    def bind(self, name: str) -> None:
        if self.globals or self.nonlocals:
            target = self._redirect(name)
            if target is not None:
                target.bind(name)
                return
        if self.bound is not None:
            self.bound.add(name)

    def unbind(self, name: str) -> None:
        if self.globals or self.nonlocals:
            target = self._redirect(name)
            if target is not None:
                target.unbind(name)
                return
        if self.bound is not None:
            self.bound.discard(name)

    def mutate(self, name: str) -> None:
        if self.globals or self.nonlocals:
            target = self._redirect(name)
            if target is not None:
                target.mutate(name)
                return
        bound = self.bound
        if bound is None or name not in bound:
            self.up.mutate(name)

    def deferred(self, name: str) -> None:
        self.up.deferred(name)

    def declare(self, names, is_global: bool) -> None:
        (self.globals if is_global else self.nonlocals).update(names)


class _FunctionScope:
    """A def or lambda body (or a lazily evaluated type alias value): resolved when closed."""

    __slots__ = ("parent", "module", "bound", "loops", "binds", "loads", "globals", "nonlocals")

    def __init__(self, parent, module: _ModuleScope) -> None:
        self.parent = parent  # lexical parent (a class forwards to its own enclosing scope)
        self.module = module
        self.bound: set[str] | None = set()  # unused for resolution, keeps flow code uniform
        self.loops: list[tuple[list, list]] = []
        self.binds: set[str] = set()
        self.loads: dict[str, None] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def load(self, name: str) -> None:
        self.loads[name] = None

    deferred = load  # a nested function's free name resolves like a read of this body

    def bind(self, name: str) -> None:
        if name not in self.globals and name not in self.nonlocals:
            self.binds.add(name)

    unbind = bind  # `del x` makes x local too

    def mutate(self, name: str) -> None:
        pass  # happens at call time; not a definition-time fact

    def declare(self, names, is_global: bool) -> None:
        (self.globals if is_global else self.nonlocals).update(names)

    def close(self) -> None:
        binds, globals_, nonlocals = self.binds, self.globals, self.nonlocals
        for name in self.loads:
            if name in globals_:
                self.module.deferred(name)
            elif name in nonlocals or name not in binds:
                self.parent.deferred(name)


class _CompScope:
    """A comprehension (or a type-parameter scope): evaluated now, with its own locals."""

    __slots__ = ("up", "locals")

    def __init__(self, up, names: set[str]) -> None:
        self.up = up  # nearest enclosing non-class scope
        self.locals = names

    def load(self, name: str) -> None:
        if name not in self.locals:
            self.up.load(name)

    def bind(self, name: str) -> None:
        self.locals.add(name)

    unbind = bind

    def mutate(self, name: str) -> None:
        if name not in self.locals:
            self.up.mutate(name)

    def deferred(self, name: str) -> None:
        if name not in self.locals:
            self.up.deferred(name)

    def declare(self, names, is_global: bool) -> None:
        pass


def _non_class(scope):
    return scope.up if type(scope) is _ClassScope else scope


def _join(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """Names definitely bound after two paths meet; ``None`` is an unreachable path."""
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _copy(state: set[str] | None) -> set[str] | None:
    return None if state is None else set(state)


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


# --------------------------------------------------------------------------------------------
# kind
# --------------------------------------------------------------------------------------------

_NUMBERS = (cst.Integer, cst.Float, cst.Imaginary)
_SIGNS = (cst.Minus, cst.Plus)


def _is_number(node) -> bool:
    while type(node) is cst.UnaryOperation and type(node.operator) in _SIGNS:
        node = node.expression
    return type(node) in _NUMBERS


def _is_literal(node) -> bool:
    t = type(node)
    if t in _NUMBERS or t is cst.SimpleString:
        return True
    if t is _Name:
        return node.value in ("True", "False", "None")
    if t is cst.ConcatenatedString:
        while type(node) is cst.ConcatenatedString:
            if not _is_literal(node.left):
                return False
            node = node.right
        return _is_literal(node)
    if t is cst.FormattedString:
        return all(type(part) is cst.FormattedStringText for part in node.parts)
    if t is cst.UnaryOperation:
        return _is_number(node)
    if t is cst.Tuple or t is cst.List or t is cst.Set:
        return all(type(e) is cst.Element and _is_literal(e.value) for e in node.elements)
    if t is cst.Dict:
        return all(type(e) is cst.DictElement and _is_literal(e.key) and _is_literal(e.value)
                   for e in node.elements)
    return False


def _kind(statement) -> str:
    t = type(statement)
    if t is cst.FunctionDef:
        return "def"
    if t is cst.ClassDef:
        return "class"
    if t is not cst.SimpleStatementLine or not statement.body:
        return "code"
    body = statement.body
    if all(type(small) is cst.Import or type(small) is cst.ImportFrom for small in body):
        return "import"
    if len(body) == 1:
        small = body[0]
        if type(small) is cst.Assign:
            if len(small.targets) == 1 and type(small.targets[0].target) is _Name \
                    and _is_literal(small.value):
                return "constant"
        elif type(small) is cst.AnnAssign:
            if type(small.target) is _Name and small.value is not None and _is_literal(small.value):
                return "constant"
    return "code"


# --------------------------------------------------------------------------------------------
# line numbers without PositionProvider (which costs milliseconds per cell)
# --------------------------------------------------------------------------------------------

def _lines_before_first_token(statement) -> int:
    count = len(getattr(statement, "leading_lines", ()))
    decorators = getattr(statement, "decorators", ())
    if decorators:
        count += len(decorators[0].leading_lines)
    return count


_GETTERS: dict[type, object] = {}


def _getter(t: type):
    """One C-level call returning all dataclass field values of a node type, as a tuple."""
    try:
        names = [f.name for f in dataclasses.fields(t)]
    except TypeError:
        names = []
    if not names:
        getter = _no_fields
    elif len(names) == 1:
        single = attrgetter(names[0])
        getter = lambda node: (single(node),)  # noqa: E731
    else:
        getter = attrgetter(*names)
    _GETTERS[t] = getter
    return getter


def _no_fields(node) -> tuple:
    return ()


def _count_newlines(node: cst.CSTNode) -> int:
    """Line breaks in the code ``node`` generates: one per Newline token (inside
    TrailingWhitespace, EmptyLine, ParenthesizedWhitespace) plus the newlines inside string
    literals and backslash continuations. Iterative, so deep trees cannot overflow the stack;
    about 5x faster than generating the code and 20x faster than PositionProvider."""
    count = 0
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    getters = _GETTERS
    name_t, empty_line_t, newline_t = _Name, cst.EmptyLine, cst.Newline
    space_t, trailing_t = cst.SimpleWhitespace, cst.TrailingWhitespace
    sentinel_t = cst.MaybeSentinel
    while stack:
        current = pop()
        t = type(current)
        if t is name_t:
            if current.lpar:
                extend(current.lpar)
                extend(current.rpar)
            continue
        if t is empty_line_t or t is newline_t:
            count += 1
            continue
        getter = getters.get(t)
        if getter is None:
            getter = _getter(t)
        for value in getter(current):
            tv = type(value)
            if tv is space_t:  # the most common node by far: handled without a push
                if "\n" in value.value:
                    count += value.value.count("\n")
            elif tv is tuple or tv is list:
                if value:
                    extend(value)
            elif tv is trailing_t or tv is newline_t:
                count += 1
            elif tv is str:
                if "\n" in value:
                    count += value.count("\n")
            elif tv is name_t:
                if value.lpar:
                    extend(value.lpar)
                    extend(value.rpar)
            elif value is not None and tv is not sentinel_t and tv is not bool:
                push(value)
    return count


# --------------------------------------------------------------------------------------------
# fallback for statements the walker could not finish
# --------------------------------------------------------------------------------------------

_BINDING_FIELDS = {
    cst.AssignTarget: "target", cst.AnnAssign: "target", cst.AugAssign: "target",
    cst.For: "target", cst.CompFor: "target", cst.NamedExpr: "target", cst.AsName: "name",
    cst.FunctionDef: "name", cst.ClassDef: "name", cst.MatchAs: "name", cst.MatchStar: "name",
}


def _target_name_nodes(node, out: list) -> None:
    t = type(node)
    if t is _Name:
        out.append(node)
    elif t is cst.Tuple or t is cst.List:
        for element in node.elements:
            _target_name_nodes(element.value, out)
    elif t is cst.StarredElement or t is cst.Element:
        _target_name_nodes(node.value, out)


def _fallback(index: int, line: int, statement, bound: set[str] | None) -> StatementNames:
    """Every name in the statement is read (and possibly mutated); every name in a binding
    position anywhere inside it is defined. Walks iteratively."""
    names: dict[str, None] = {}
    defines: dict[str, None] = {}
    imported: dict[str, None] = {}
    stars: dict[str, None] = {}
    stores: set[int] = set()  # ids of Name nodes that are only bound, not read
    stack = [statement]
    while stack:
        node = stack.pop()
        t = type(node)
        if t is _Name:
            if node.value not in _KEYWORD_NAMES and id(node) not in stores:
                names[node.value] = None
            continue
        if t is _Attribute:  # `.attr` is not a name
            stack.append(node.value)
            continue
        if t is cst.Arg and node.keyword is not None:
            stores.add(id(node.keyword))
        field = _BINDING_FIELDS.get(t)
        if field is not None:
            target = getattr(node, field)
            if target is not None:
                found: list = []
                _target_name_nodes(target, found)
                for name in found:
                    defines[name.value] = None
                    if t is not cst.AugAssign:
                        stores.add(id(name))
        if t is cst.ImportAlias:
            stack.extend(n for n in (node.asname,) if n is not None)
            root = _dotted(node.name).partition(".")[0]
            if node.asname is None and root:
                defines[root] = None
        elif t is cst.Import:
            for alias in node.names:
                imported[_dotted(alias.name).partition(".")[0]] = None
        elif t is cst.ImportFrom:
            module = _dotted(node.module) if node.module is not None else ""
            if not node.relative and module:
                imported[module.partition(".")[0]] = None
            if type(node.names) is cst.ImportStar:
                stars["." * len(node.relative) + module] = None
            else:
                for alias in node.names:
                    if alias.asname is None:
                        defines[_dotted(alias.name)] = None
                    else:
                        stack.append(alias.asname)
            continue
        if t is cst.ImportAlias:
            continue  # dotted module names are not reads; the alias was queued above
        try:
            stack.extend(reversed(node.children))
        except Exception:
            pass
    try:
        kind = _kind(statement)
    except Exception:
        kind = "code"
    reads = tuple(n for n in names if bound is None or n not in bound)
    return StatementNames(index, line, kind, tuple(defines), reads, tuple(names), tuple(names),
                          tuple(stars), tuple(imported))
