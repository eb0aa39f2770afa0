"""Whether two module texts differ only in the values of number literals.

Editing a constant in one cell changes one generated module by a number; compiling and scoping
it again (``selfcheck``) would find exactly what it found for the text before the edit, because
a number literal is one token wherever it stands: in code the grammar takes any number where it
takes one, and inside a string or a comment its characters change nothing. The test is
conservative: any other difference (a name, an operator, a line added, a number that could fuse
with its neighbours) answers False, and the caller checks the module in full.
"""

from __future__ import annotations

import re
import tokenize

_NUMBER = re.compile(tokenize.Number)
_DIGITS = re.compile(r"[0-9]+")
_WORD = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.")
_LONGEST = 40  # far below the compiler's limit on an integer literal's digits


def only_numbers_differ(old: str, new: str) -> bool:
    """True when ``new`` is ``old`` with number literals replaced by other number literals,
    line for line."""
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    if len(old_lines) != len(new_lines):
        return False
    return all(a == b or _number_swapped(a, b) for a, b in zip(old_lines, new_lines))


def _number_swapped(old: str, new: str) -> bool:
    """The lines differ in one run of word characters, a number in both."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < limit - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    while start > 0 and _in_word(old[start - 1]):  # the same characters in both lines
        start -= 1
    old_end, new_end = len(old) - tail, len(new) - tail
    while old_end < len(old) and _in_word(old[old_end]):
        old_end += 1
        new_end += 1
    before, after = old[start:old_end], new[start:new_end]
    if not (_is_number(before) and _is_number(after)):
        return False
    if start > 0 and old[start - 1] in "+-":
        # maybe an exponent's digits (``1e-5``): only digits for digits keep one literal
        return bool(_DIGITS.fullmatch(before) and _DIGITS.fullmatch(after))
    return True


def _in_word(char: str) -> bool:
    """ASCII letters, digits, ``_`` and ``.``, and any other character a name may hold."""
    return char in _WORD or char > "\x7f"


def _is_number(text: str) -> bool:
    return len(text) <= _LONGEST and _NUMBER.fullmatch(text) is not None
