"""The part of GitHub Actions' expression language a workflow step uses: ``${{ ... }}`` in
strings, and ``if:`` conditions.

Supported: contexts looked up by dotted names (``matrix.name``, ``env.CI_OUT``,
``steps.rerun.outcome``), 'string' literals, numbers, ``true``/``false``/``null``, ``!``, ``&&``,
``||``, ``==``, ``!=``, parentheses, and the status functions ``success()``, ``failure()``,
``always()``, ``cancelled()``. Anything else is an ExpressionError naming the expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import LifecycleError

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|!|\(|\))"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))")
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


class ExpressionError(LifecycleError):
    """A workflow expression that the local runner cannot evaluate (exit code 2)."""


@dataclass(frozen=True)
class Status:
    """The job so far: did an earlier step fail?"""

    failed: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"cannot read the expression {text!r} at {text[pos:]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str, contexts: dict[str, Any], status: Status):
        self.text, self.tokens, self.i = text, _tokens(text), 0
        self.contexts, self.status = contexts, status

    def parse(self) -> Any:
        value = self._or()
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.i][1]!r} in {self.text!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self.i += 1
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == "&&":
            self.i += 1
            right = self._compare()
            value = right if truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self._peek() in ("==", "!="):
            op = self.tokens[self.i][1]
            self.i += 1
            right = self._unary()
            same = _loose(value) == _loose(right)
            value = same if op == "==" else not same
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self.i += 1
            return not truthy(self._unary())
        return self._atom()

    def _atom(self) -> Any:
        if self.i >= len(self.tokens):
            raise ExpressionError(f"the expression {self.text!r} ends too early")
        kind, text = self.tokens[self.i]
        self.i += 1
        if text == "(":
            value = self._or()
            if self._peek() != ")":
                raise ExpressionError(f"missing ')' in {self.text!r}")
            self.i += 1
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self._peek() == "(":
            return self._call(text)
        return self._lookup(text)

    def _call(self, name: str) -> bool:
        if name not in STATUS_FUNCTIONS or self.tokens[self.i + 1:self.i + 2] != [("op", ")")]:
            raise ExpressionError(f"unsupported function {name}(...) in {self.text!r} (the local "
                                  f"runner knows {', '.join(f + '()' for f in STATUS_FUNCTIONS)})")
        self.i += 2
        return {"success": not self.status.failed, "failure": self.status.failed,
                "always": True, "cancelled": False}[name]

    def _lookup(self, dotted: str) -> Any:
        head, *rest = dotted.split(".")
        if head not in self.contexts:
            raise ExpressionError(f"unknown context {head!r} in {self.text!r} (the local runner "
                                  f"knows {', '.join(sorted(self.contexts))})")
        value: Any = self.contexts[head]
        for part in rest:
            value = value.get(part) if isinstance(value, dict) else None
        return value


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, 0.0, "")


def _loose(value: Any) -> Any:
    """GitHub compares case-insensitively, strings and numbers by value."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value.lower()
    return value


def evaluate(expression: str, contexts: dict[str, Any], status: Status = Status()) -> Any:
    text = expression.strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    return _Parser(match.group(1) if match else text, contexts, status).parse()


def condition(expression: str | None, contexts: dict[str, Any], status: Status) -> bool:
    """An ``if:``; without a status function it means ``success() && (expression)``."""
    if expression is None or not str(expression).strip():
        return not status.failed
    text = str(expression)
    value = truthy(evaluate(text, contexts, status))
    if not any(re.search(rf"\b{f}\s*\(", text) for f in STATUS_FUNCTIONS):
        return value and not status.failed
    return value


def substitute(text: str, contexts: dict[str, Any]) -> str:
    """``text`` with every ``${{ expression }}`` replaced by its value (null: empty)."""
    def one(match: re.Match) -> str:
        value = evaluate(match.group(1), contexts)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)

    return _EMBEDDED.sub(one, text)
