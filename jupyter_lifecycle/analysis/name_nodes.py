"""What a chain of libcst name nodes stands for: its root name, its dotted text, the names a
target binds. Shared by the name walker and its fallback (``names``)."""

from __future__ import annotations

import libcst as cst

KEYWORD_NAMES = frozenset({"True", "False", "None"})  # libcst parses them as Name nodes

_Name = cst.Name
_Attribute = cst.Attribute
_Subscript = cst.Subscript


def root_name(node) -> str | None:
    """``x`` for ``x``, ``x.a``, ``x[0].b`` ...; None if the chain is not rooted at a name."""
    while True:
        t = type(node)
        if t is _Attribute or t is _Subscript:
            node = node.value
        elif t is _Name:
            return node.value
        else:
            return None


def dotted(node) -> str:
    """``a.b.c`` for the attribute chain ``a.b.c`` (as written in an import)."""
    parts = []
    while type(node) is _Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is _Name:
        parts.append(node.value)
    return ".".join(reversed(parts))


def target_names(node, out: set[str]) -> None:
    """Names bound by an assignment target (``a``, ``a, (b, *c)``); attributes bind none."""
    t = type(node)
    if t is _Name:
        out.add(node.value)
    elif t is cst.Tuple or t is cst.List:
        for element in node.elements:
            target_names(element.value, out)
    elif t is cst.StarredElement or t is cst.Element:
        target_names(node.value, out)
