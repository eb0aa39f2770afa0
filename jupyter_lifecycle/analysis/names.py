"""Ordered name analysis of one cell's top-level statements over a libcst tree.

libcst's ScopeProvider is ~100x slower than a walk and misses mutations (see the tests), so this
module walks the tree itself, in evaluation order, tracking Python's scoping rules.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def analyze_names(module: cst.Module) -> tuple[StatementNames, ...]:
    """One StatementNames per top-level statement (``module.body``), in order."""
    raise NotImplementedError
