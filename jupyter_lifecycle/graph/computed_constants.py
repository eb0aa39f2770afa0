"""Setup globals computed from imports and constants: module-level constants of helpers.py.

Textbook notebooks compute paths once in setup (``IMAGES_PATH = os.path.join(ROOT, "images",
CHAPTER)``) and read them inside functions (``save_fig``) or as default values. Such a global is
a constant of the package when it is bound once, never mutated, and computed from definitions
(imports, literal constants, earlier computed constants) with calls that only build values: path
and string functions and pure builtins. Anything else (``df = pd.read_csv(PATH)``) stays data.
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

PURE_MODULES = frozenset({"os", "posixpath", "ntpath", "pathlib", "string"})  # os: os.path.* only
PURE_BUILTINS = frozenset({"str", "int", "float", "bool", "tuple", "list", "dict", "set",
                           "frozenset", "len", "range", "sorted", "min", "max", "abs", "round",
                           "repr", "sum", "zip", "enumerate", "reversed"})


def _root(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        node = node.value if not isinstance(node, cst.Call) else node.func
    return node


class _Calls(cst.CSTVisitor):
    def __init__(self, pure_names: frozenset[str], os_names: frozenset[str]):
        self.pure_names = pure_names
        self.os_names = os_names
        self.pure = True

    def visit_Call(self, node: cst.Call) -> None:
        root = _root(node.func)
        if isinstance(root, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            return  # "a_{}".format(x), ", ".join(names)
        if isinstance(root, cst.Name) and root.value in self.pure_names:
            if root.value not in self.os_names or (get_full_name_for_node(node.func) or "").startswith(f"{root.value}.path."):
                return
        self.pure = False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.pure = False
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        self.pure = False
        return False


def builds_a_value(statement: cst.BaseStatement, pure_names: frozenset[str],
                   os_names: frozenset[str] = frozenset()) -> bool:
    """``NAME = <expression>`` whose calls all go to ``pure_names`` (or string methods);
    for a name in ``os_names`` (``import os``), only to ``os.path.*``."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1 \
            or not isinstance(small.targets[0].target, cst.Name):
        return False
    calls = _Calls(pure_names, os_names)
    small.value.visit(calls)
    return calls.pure
