"""A cell's top-level statements at function-body depth, sliced from the text libcst parsed.

Rendering a statement with libcst inside ``def _():`` indents the lines libcst owns an
indentation for and leaves the rest alone. Which lines those are follows from libcst's parser:

* a line that starts a statement or clause, or starts inside brackets, gets the indentation of
  the function body when it starts with the indentation of the block it belongs to
  (``EmptyLine.indent``, ``ParenthesizedWhitespace.indent``), else it is kept as written;
* a line that starts inside a string or after a backslash continuation is part of a token or a
  ``SimpleWhitespace`` and is kept as written;
* a blank or comment line between statements belongs to the footer of each closing block, up to
  its last line indented at that block's level (innermost block first), and the rest belongs to
  the next statement or clause; at the top level, a statement's blank lines lose their whitespace
  (``common.tidy``), and the lines after the last statement (``Module.footer``) are not rendered.

So the text of an unchanged statement is its lines with four spaces in front of those lines.
A scan of the text finds strings, comments, brackets and continuations; where the scan and the
tree disagree in any count, or the text holds anything the rules above do not cover (tabs in
indentation, form feeds, carriage returns, f-strings with line breaks inside a replacement
field, IPython escapes), there is no text and the caller renders with libcst.
"""

from __future__ import annotations

import re
from enum import Enum

import libcst as cst

from ..analysis.cell import CellAnalysis
from ..analysis.ipython_syntax import split_cell_magic

INDENT = "    "  # the indentation of a generated function body, and libcst's default
_TOKEN = re.compile(r"""('''|\"\"\"|'|\")|(\#[^\n]*)|([(\[{])|([)\]}])|(\\\n)|(\n)""")
_STRING_END = {
    "'": re.compile(r"(?:[^'\\\n]|\\(?s:.))*'"),
    '"': re.compile(r'(?:[^"\\\n]|\\(?s:.))*"'),
    "'''": re.compile(r"(?s:(?:[^\\]|\\.)*?''')"),
    '"""': re.compile(r'(?s:(?:[^\\]|\\.)*?""")'),
}
_PREFIX_CHARS = frozenset("rRbBuUfFtT")
_FSTRING_PIECES = re.compile(r"(\{\{|\}\}|[{}\n'\"\\])")
# What IPython's input transformation rewrites without leaving a magic behind: prompts pasted
# from a console (``>>> ``, ``In [3]: ``, ``...: ``) and autocall escapes at a line's start.
_PROMPT = re.compile(r"^(?:(?:>>>|\.\.\.)(?: |$)|In \[\d+\]: |\s*\.\.\.+: )", re.MULTILINE)
_ESCAPES = frozenset("%!?,;/")
_CLAUSES = frozenset({"else", "elif", "except", "finally"})
_COMPOUND = {"if": cst.If, "for": cst.For, "while": cst.While, "with": cst.With,
             "try": (cst.Try, cst.TryStar), "def": cst.FunctionDef, "class": cst.ClassDef,
             "@": (cst.FunctionDef, cst.ClassDef), "async": (cst.FunctionDef, cst.For, cst.With)}
_WORD = re.compile(r"@|\w+")


class Start(Enum):
    """Where a physical line starts."""

    CODE = "code"  # outside brackets: a statement or clause starts on it, or it is blank or a comment
    BRACKETED = "bracketed"  # inside brackets
    VERBATIM = "verbatim"  # inside a string, or after a backslash continuation


def parsed_text(source: str, analysis: CellAnalysis) -> str | None:
    """The text ``analysis.module`` was parsed from, when that is the cell's own text (not
    IPython's rewrite of it): the source, or the body of a ``%%time``-like cell magic."""
    name, _, body = split_cell_magic(source)
    if len(analysis.magics) != (0 if name is None else 1):
        return None
    return source if name is None else body


def line_starts(text: str) -> list[Start] | None:
    """How each line of ``text`` (split at ``\\n``) starts; None for text the scan cannot vouch
    for (an unterminated string, an f-string broken inside a replacement field)."""
    starts = [Start.CODE]
    depth = 0
    pos = 0
    search = _TOKEN.search
    while True:
        match = search(text, pos)
        if match is None:
            break
        kind = match.lastindex
        pos = match.end()
        if kind == 1:  # a string: find its end, then the lines it spans start inside it
            quote = match.group(1)
            end = _STRING_END[quote].match(text, pos)
            if end is None:
                return None
            content = text[pos:end.end() - len(quote)]
            if _is_fstring(text, match.start()) and "{" in content and not _fstring_ok(content):
                return None
            starts.extend([Start.VERBATIM] * content.count("\n"))
            pos = end.end()
        elif kind == 3:
            depth += 1
        elif kind == 4:
            depth -= 1
        elif kind == 5:
            starts.append(Start.VERBATIM)
        elif kind == 6:
            starts.append(Start.BRACKETED if depth > 0 else Start.CODE)
    return starts if depth == 0 else None


def _is_fstring(text: str, quote_at: int) -> bool:
    """Whether the string whose quote is at ``quote_at`` may be an f-string (or t-string): a
    prefix letter right before it (erring towards yes: ``if"x"`` counts)."""
    i = quote_at
    while i > 0 and quote_at - i < 2 and text[i - 1] in _PREFIX_CHARS:
        i -= 1
        if text[i] in "fFtT":
            return True
    return False


def _fstring_ok(content: str) -> bool:
    """Replacement fields balanced, each string inside a field closed within the f-string (else
    the scan ended it early: Python 3.12 lets a field reuse the f-string's quote), and no line
    break or backslash inside a field: libcst parses a field's expression, so whitespace there
    is not string content. Anything unusual inside a field counts as a no."""
    depth = 0
    nested = ""  # the quote of a string open inside a field
    for piece in _FSTRING_PIECES.split(content):
        if not piece:
            continue
        if depth == 0:
            if piece == "{":
                depth = 1
            elif piece == "}":
                return False
        elif piece in ("\n", "\\"):
            return False
        elif nested:
            if piece == nested:
                nested = ""
        elif piece in ("'", '"'):
            nested = piece
        elif piece[0] == "{":
            depth += len(piece)
        elif piece[0] == "}":
            if len(piece) > depth:
                return False
            depth -= len(piece)
    return depth == 0


def statement_texts(code: str, module: cst.Module) -> tuple[str | None, ...] | None:
    """Each of ``module.body``'s statements rendered at function-body depth from ``code``, the
    text ``module`` was parsed from, with ``tidy``'s changes; None for the cell when the text
    cannot be vouched for (see the module docstring), None for a statement whose ``tidy`` is
    left to libcst."""
    if (module.default_indent != INDENT or module.default_newline != "\n" or "\r" in code
            or "\f" in code or "\0" in code or _PROMPT.search(code)):
        return None
    starts = line_starts(code)
    if starts is None:
        return None
    lines = code.split("\n")
    if code.endswith("\n") or not code:
        lines.pop()
        starts.pop()
    rendered: list[str] = [""] * len(lines)
    firsts: list[int] = []  # the line each top-level statement's code starts on
    leading: list[int] = []  # how many blank and comment lines come before it
    stack = [""]  # indentation of the open blocks
    pending: list[int] = []  # blank and comment lines since the last statement or clause
    logical = ""  # indentation of the statement or clause the current line belongs to
    decorated = False  # the last top-level line was a decorator

    def own(indices, indent: str) -> None:
        for j in indices:
            line = lines[j]
            rendered[j] = (INDENT + line if line.startswith(indent) else line) + "\n"

    def close_blocks(down_to: int) -> list[int]:  # footers of the blocks deeper than ``down_to``
        rest = pending
        while len(stack[-1]) > down_to:
            block = stack.pop()
            last = max((k for k, j in enumerate(rest) if lines[j].startswith(block)), default=-1)
            own(rest[: last + 1], block)
            rest = rest[last + 1:]
        return rest

    for i, start in enumerate(starts):
        line = lines[i]
        if start is Start.VERBATIM:
            rendered[i] = line + "\n"
            continue
        if start is Start.BRACKETED:
            rendered[i] = (INDENT + line if line.startswith(logical) else line) + "\n"
            continue
        stripped = line.lstrip(" \t")
        if not stripped or stripped[0] == "#":
            pending.append(i)
            continue
        indent = line[: len(line) - len(stripped)]
        if stripped[0] in _ESCAPES or "\t" in indent:  # libcst measures tabs in columns
            return None
        if len(indent) > len(stack[-1]):
            stack.append(indent)
        elif pending or len(stack) > 1:
            pending = close_blocks(len(indent))
            if stack[-1] != indent:
                return None
        if indent:
            own(pending, indent)  # a nested statement's or clause's lines
        else:
            word = _WORD.match(stripped)
            word = word.group() if word else ""
            if decorated or word in _CLAUSES:
                own(pending, "")  # lines above a clause, or between decorators and the def
            else:  # a new top-level statement: its blank lines were tidied
                for j in pending:
                    rendered[j] = "\n" if not lines[j].strip(" \t") else INDENT + lines[j] + "\n"
                if not _starts_like(word, module.body, len(firsts)):
                    return None
                firsts.append(i)
                leading.append(len(pending))
            decorated = word == "@"
        pending = []
        logical = indent
        rendered[i] = INDENT + line + "\n"
    pending = close_blocks(0)
    if len(firsts) != len(module.body):
        return None
    if not firsts:
        return () if len(pending) == len(module.header) + len(module.footer) else None
    leading[0] -= len(module.header)
    if len(pending) != len(module.footer) or leading[0] < 0:
        return None
    begins = [first - count for first, count in zip(firsts, leading)]
    ends = [*begins[1:], len(lines) - len(pending)]
    out = []
    for statement, count, begin, end in zip(module.body, leading, begins, ends):
        if len(statement.leading_lines) != count:
            return None
        text = "".join(rendered[begin:end])
        if isinstance(statement, cst.SimpleStatementLine):
            text = _without_last_semicolon(statement, text)
        out.append(text)
    return tuple(out)


def _starts_like(word: str, body, index: int) -> bool:
    """The first word of a top-level statement agrees with the tree's statement there."""
    if index >= len(body):
        return False
    expected = _COMPOUND.get(word)
    statement = body[index]
    if expected is None:
        return isinstance(statement, (cst.SimpleStatementLine, cst.Match)) if word == "match" \
            else isinstance(statement, cst.SimpleStatementLine)
    return isinstance(statement, expected)


def _without_last_semicolon(statement: cst.SimpleStatementLine, text: str) -> str | None:
    """``tidy`` drops a trailing ``;``; only the plain case (no whitespace around it) is done
    here, the rest is left to libcst."""
    semicolon = statement.body[-1].semicolon
    if not isinstance(semicolon, cst.Semicolon):
        return text
    if semicolon.whitespace_before.value or semicolon.whitespace_after.value:
        return None
    trailing = statement.trailing_whitespace
    tail = trailing.whitespace.value + (trailing.comment.value if trailing.comment else "") + "\n"
    if not text.endswith(";" + tail):
        return None
    return text[: len(text) - len(tail) - 1] + tail


def header_text(provenance: str, module: cst.Module) -> str:
    """The provenance comment and the module's header lines (blank ones without whitespace), as
    ``EmptyLine`` renders them at function-body depth."""
    parts = [INDENT, provenance, "\n"]
    for line in module.header:
        if line.comment is None:
            parts.append(line.newline.value or "\n")
        else:
            parts.extend((INDENT if line.indent else "", line.whitespace.value, line.comment.value,
                          line.newline.value or "\n"))
    return "".join(parts)
