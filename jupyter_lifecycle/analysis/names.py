"""Ordered name analysis of one cell's top-level statements over a libcst tree.

libcst's ScopeProvider is ~100x slower than a walk and misses mutations (see the tests), so this
package walks the tree itself, in evaluation order, tracking Python's scoping rules: the walker
is ``statement_walk.NameWalker`` (expressions in ``expression_walk``, control flow and match
patterns in ``control_flow_walk``), its scopes ``scopes``, a statement's kind and first line
``statement_shape``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .name_nodes import KEYWORD_NAMES, dotted
from .scopes import ModuleScope, copy_state
from .statement_shape import count_newlines, lines_before_first_token, statement_kind
from .statement_walk import NameWalker

_Name = cst.Name
_Attribute = cst.Attribute


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
    earlier_reads: tuple[str, ...] = ()  # names read that an EARLIER statement of the cell binds
                                      # (so not in reads): the graph needs them when it moves
                                      # that statement (an import, a def, a constant) elsewhere


def analyze_names(module: cst.Module) -> tuple[StatementNames, ...]:
    """One StatementNames per top-level statement (``module.body``), in order.

    Never raises for a parsed module: a statement the walker cannot handle (for instance one
    nested too deeply for Python's recursion limit) gets a conservative over-approximation.
    """
    top = ModuleScope()
    walker = NameWalker(top)
    results: list[StatementNames] = []
    body = module.body
    last = len(body) - 1
    line = 1 + len(module.header)
    for index, statement in enumerate(body):
        start = line + lines_before_first_token(statement)
        if index != last:
            try:
                line += count_newlines(statement)
            except Exception:  # pragma: no cover - defensive; positions are best effort
                line = start + 1
        before = copy_state(top.bound)
        top.start_statement()
        try:
            walker.statement(statement)
            kind = statement_kind(statement)
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
                earlier_reads=tuple(n for n in top.bound_reads
                                    if before is not None and n in before and n not in reads),
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
            if node.value not in KEYWORD_NAMES and id(node) not in stores:
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
            root = dotted(node.name).partition(".")[0]
            if node.asname is None and root:
                defines[root] = None
        elif t is cst.Import:
            for alias in node.names:
                imported[dotted(alias.name).partition(".")[0]] = None
        elif t is cst.ImportFrom:
            module = dotted(node.module) if node.module is not None else ""
            if not node.relative and module:
                imported[module.partition(".")[0]] = None
            if type(node.names) is cst.ImportStar:
                stars["." * len(node.relative) + module] = None
            else:
                for alias in node.names:
                    if alias.asname is None:
                        defines[dotted(alias.name)] = None
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
        kind = statement_kind(statement)
    except Exception:
        kind = "code"
    reads = tuple(n for n in names if bound is None or n not in bound)
    earlier = tuple(n for n in names if bound is not None and n in bound)
    return StatementNames(index, line, kind, tuple(defines), reads, tuple(names), tuple(names),
                          tuple(stars), tuple(imported), earlier_reads=earlier)
