"""Scopes for the name walker: what a module, class, function or comprehension binds and reads."""

from __future__ import annotations


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


class ModuleScope:
    __slots__ = ("bound", "loops", "reads", "defines", "mutates", "global_reads", "late_reads",
                 "star_imports", "imported_modules", "bound_reads")

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
        self.bound_reads: dict[str, None] = {}  # reads of names bound when read (not in reads)
        self.star_imports: dict[str, None] = {}
        self.imported_modules: dict[str, None] = {}
        self.loops = []

    def load(self, name: str) -> None:
        bound = self.bound
        if bound is None or name not in bound:
            self.reads[name] = None
        else:
            self.bound_reads[name] = None

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
        else:
            self.bound_reads[name] = None

    def declare(self, names, is_global: bool) -> None:
        pass  # `global x` at module level is a no-op; `nonlocal` there is a syntax error


class ClassScope:
    """A class body: runs at definition time, top to bottom; invisible to nested scopes."""

    __slots__ = ("up", "module", "bound", "loops", "globals", "nonlocals")

    def __init__(self, up, module: ModuleScope) -> None:
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


class FunctionScope:
    """A def or lambda body (or a lazily evaluated type alias value): resolved when closed."""

    __slots__ = ("parent", "module", "bound", "loops", "binds", "loads", "globals", "nonlocals")

    def __init__(self, parent, module: ModuleScope) -> None:
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


class CompScope:
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


def non_class(scope):
    """The scope names of a nested scope resolve through: a class body is skipped."""
    return scope.up if type(scope) is ClassScope else scope


def join_states(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """Names definitely bound after two paths meet; ``None`` is an unreachable path."""
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def copy_state(state: set[str] | None) -> set[str] | None:
    """A copy of a flow state to change on one path (``None``, unreachable, stays ``None``)."""
    return None if state is None else set(state)
