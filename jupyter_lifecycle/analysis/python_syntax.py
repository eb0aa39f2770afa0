"""What Python itself refuses in a cell that libcst (or IPython) accepts.

libcst parses a grammar, not the language: a top-level ``return``, ``yield``, ``nonlocal``,
``break`` or ``await``, a NUL character or 250 nested parentheses all parse, and exported into a
stage function they either do not compile or, worse, change meaning (``yield`` makes the stage a
generator that never runs, so a gate would pass without checking). CPython's own compiler is the
judge here, on the plain-Python text of the cell (after IPython's transformation).

Deeply nested code is refused before libcst sees it: libcst's time grows steeply with nesting
(5,000 chained ``+`` took 38 s) and its recursive visitors and code generator overflow Python's
stack, so the analysis stays bounded for any text.

Top-level ``await`` (IPython's autoawait) is refused with the fix, not exported as an ``async``
stage: every stage is a plain function the pipeline calls in order, and ``asyncio.run`` cannot be
called inside JupyterLab's running event loop, so no one form would run in both places.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

MAX_CODE_DEPTH = 100  # syntax-tree levels; real cells stay far below, libcst copes with twice

_HINTS = {
    "'return' outside function": "a cell runs at module level, where Python refuses it; put the "
                                 "code in a function or use an `if` instead",
    "'yield' outside function": "a cell runs at module level, where Python refuses it; exported, "
                                "it would turn the stage into a generator that never runs",
    "nonlocal declaration not allowed at module level": "a cell runs at module level; use the "
                                                        "name directly",
    "'break' outside loop": "a cell runs at module level, outside any loop",
    "'continue' not properly in loop": "a cell runs at module level, outside any loop",
}
AWAIT_FIX = ("top-level `await` runs only in IPython; an exported stage is a plain function, where "
             "Python refuses it. Put the awaiting code in an `async def` and call it with "
             "`asyncio.run(...)`, or tag the cell explore or skip")


@dataclass(frozen=True)
class PythonProblem:
    line: int  # 1-based, in the text checked
    code: str  # "syntax" | "top-level-await" | "too-deep"
    message: str
    parses: bool  # False: not even a Python syntax tree, so libcst must not be asked either
    final: bool = False  # True: no IPython rewriting can fix it (a NUL, nesting too deep)


def python_problem(text: str) -> PythonProblem | None:
    """The first thing CPython refuses in ``text``, or None when it compiles as a module."""
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        return PythonProblem(line, "syntax", "the cell contains a NUL character, which Python "
                             "cannot compile; delete it (in a string, write '\\x00')", False, True)
    with warnings.catch_warnings():  # invalid escapes and `is` with a literal warn: not ours
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text, "<cell>")
        except SyntaxError as err:
            return PythonProblem(err.lineno or 1, "syntax", f"syntax error: {err.msg}", False)
        except (RecursionError, MemoryError):
            return _too_deep(1)
        except ValueError as err:
            return PythonProblem(1, "syntax", f"syntax error: {err}", False)
        if _exceeds(tree, MAX_CODE_DEPTH):  # the cheap walk first; lines only when needed
            return _too_deep(_deeper_than(tree, MAX_CODE_DEPTH) or 1)
        return _compile_problem(tree)


def _compile_problem(tree: ast.Module) -> PythonProblem | None:
    try:
        compile(tree, "<cell>", "exec", dont_inherit=True)
        return None
    except SyntaxError as err:
        failed = err
    except (RecursionError, MemoryError, ValueError) as err:
        return PythonProblem(1, "syntax", f"syntax error: {err}", True)
    try:
        compile(tree, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SyntaxError, ValueError):
        hint = _HINTS.get(failed.msg)
        message = f"syntax error: {failed.msg}" + (f" ({hint})" if hint else "")
        return PythonProblem(failed.lineno or 1, "syntax", message, True)
    return PythonProblem(failed.lineno or 1, "top-level-await", AWAIT_FIX, True)


def _too_deep(line: int) -> PythonProblem:
    return PythonProblem(line, "too-deep", f"code nested more than {MAX_CODE_DEPTH} levels deep "
                         "(in one expression or block); split it into smaller statements", False, True)


_CHILDREN: dict[type, Callable[[ast.AST], tuple]] = {}  # node type → its fields' values


def _children_getter(t: type) -> Callable[[ast.AST], tuple]:
    fields = t._fields
    if not fields:
        get: Callable[[ast.AST], tuple] = lambda node: ()
    elif len(fields) == 1:
        one = attrgetter(fields[0])
        get = lambda node: (one(node),)
    else:
        get = attrgetter(*fields)
    _CHILDREN[t] = get
    return get


def _exceeds(tree: ast.AST, limit: int) -> bool:
    """Whether the tree gets deeper than ``limit``, counted as ``_deeper_than`` counts: level by
    level, one C-level field lookup per node (half the time of the walk that tracks lines)."""
    AST, BoolOp = ast.AST, ast.BoolOp
    getters = _CHILDREN
    level: list[ast.AST] = [tree]
    later: dict[int, list[ast.AST]] = {}  # a BoolOp's operands, at the depth they count for
    depth = 0
    while level or later:
        if depth > limit and level:
            return True
        deeper = later.pop(depth + 1, [])
        for node in level:
            t = type(node)
            get = getters.get(t) or _children_getter(t)
            try:
                values = get(node)
            except AttributeError:  # a field left unset: the generic (slower) way
                values = tuple(ast.iter_child_nodes(node))
            into = deeper if t is not BoolOp else later.setdefault(depth + len(node.values), [])
            for value in values:
                if isinstance(value, AST):
                    into.append(value)
                elif type(value) is list:
                    into.extend(v for v in value if isinstance(v, AST))
        level = deeper
        depth += 1
    return False


def _deeper_than(tree: ast.AST, limit: int) -> int | None:
    """The line where the tree gets deeper than ``limit``, or None. Iterative; an ``a and b and
    …`` chain counts one level per operand, as libcst nests it."""
    stack: list[tuple[ast.AST, int, int]] = [(tree, 0, 1)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > limit:
            return line
        step = len(node.values) if isinstance(node, ast.BoolOp) else 1
        stack.extend((child, depth + step, line) for child in ast.iter_child_nodes(node))
    return None
