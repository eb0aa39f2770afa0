"""IPython syntax (magics, shell escapes, ``x?``) to plain Python a pipeline can run.

IPython's own input transformers turn a cell into calls like
``get_ipython().run_line_magic('time', 'y = f(1)')``; a libcst transformer then decides, per
call, what the exported code keeps:

* display-only magics (``%matplotlib``, ``%who``, ``%load_ext``, ``x?`` ...) are removed;
* ``%time``/``%timeit``/``%%time``/``%%capture`` keep the code they wrap;
* ``!cmd`` becomes ``subprocess.run([...], check=True)`` (a warning);
* ``%pip``/``%conda`` installs are removed (the generated pyproject pins dependencies);
* any other magic is left in place and reported: an error if the cell is exported.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import libcst as cst

from .statement_shape import mentions_name

# Magics that only show or configure the interactive session: dropped from exported code.
DISPLAY_MAGICS = frozenset({
    "matplotlib", "who", "whos", "who_ls", "load_ext", "reload_ext", "unload_ext", "autoreload",
    "aimport", "pinfo", "pinfo2", "psource", "pdoc", "pdef", "pfile", "precision", "pprint",
    "config", "xmode", "history", "lsmagic", "magic", "page", "notebook", "colors", "autosave",
    "load_ext", "qtconsole", "quickref", "doctest_mode", "automagic", "autocall", "pwd", "ls",
    "dirs", "dhist", "env_show", "reset_selective", "tb", "debug", "pdb",
})
# Magics whose argument (line) or body (cell) is ordinary code to keep.
CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
INSTALL_MAGICS = frozenset({"pip", "conda", "mamba", "micromamba", "uv"})
_SHELL_META = re.compile(r"[|&;<>()$`{}*?~]")


@dataclass(frozen=True)
class MagicUse:
    """One piece of IPython syntax found in a cell, and what was done with it."""

    line: int
    name: str  # magic name, "!" for a shell escape, "!=" for captured shell output
    action: str  # "removed" | "inlined" | "shell" | "install-removed" | "disallowed"
    message: str

    @property
    def is_error(self) -> bool:
        return self.action == "disallowed"


_manager = None


def transform_ipython(source: str) -> str:
    """IPython's input transformation (imported lazily: only cells that need it pay for it)."""
    global _manager
    if _manager is None:
        from IPython.core.inputtransformer2 import TransformerManager

        _manager = TransformerManager()
    return _manager.transform_cell(source)


def split_cell_magic(source: str) -> tuple[str | None, str, str]:
    """``(magic name, magic line, body)`` for a ``%%magic`` cell, else ``(None, "", source)``."""
    stripped = source.lstrip("\n")
    if not stripped.startswith("%%"):
        return None, "", source
    first, _, body = stripped.partition("\n")
    name, _, line = first[2:].partition(" ")
    return name.strip(), line.strip(), body


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _ipython_call(node: cst.BaseExpression) -> tuple[str, list[str]] | None:
    """For ``get_ipython().<method>('a', 'b')`` return (method, ['a', 'b'])."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return None
    receiver = node.func.value
    if not (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name)
            and receiver.func.value == "get_ipython" and not receiver.args):
        return None
    method = node.func.attr.value
    if method not in ("run_line_magic", "run_cell_magic", "system", "getoutput"):
        return None
    args = [_string_value(a.value) for a in node.args]
    if any(a is None for a in args):
        return None
    return method, args  # type: ignore[return-value]


def _kw(name: str) -> cst.Arg:
    """``name=True``, spaced as PEP 8 wants."""
    return cst.Arg(cst.Name("True"), keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))


def _subprocess_statement(command: str) -> cst.BaseStatement:
    """``subprocess.run([...], check=True)``, or with ``shell=True`` when the command needs a shell."""
    if _SHELL_META.search(command):
        call = cst.Call(cst.Attribute(cst.Name("subprocess"), cst.Name("run")), [
            cst.Arg(cst.SimpleString(repr(command))),
            _kw("shell"),
            _kw("check"),
        ])
    else:
        argv = cst.List([cst.Element(cst.SimpleString(repr(a))) for a in shlex.split(command)])
        call = cst.Call(cst.Attribute(cst.Name("subprocess"), cst.Name("run")), [
            cst.Arg(argv), _kw("check"),
        ])
    return cst.SimpleStatementLine([cst.Expr(call)])


def _getoutput_expression(command: str) -> cst.BaseExpression:
    """``subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True).stdout.splitlines()``."""
    run = cst.Call(cst.Attribute(cst.Name("subprocess"), cst.Name("run")), [
        cst.Arg(cst.SimpleString(repr(command))),
        _kw("shell"),
        _kw("check"),
        _kw("capture_output"),
        _kw("text"),
    ])
    stdout = cst.Attribute(run, cst.Name("stdout"))
    return cst.Call(cst.Attribute(stdout, cst.Name("splitlines")))


_INSTALL_COMMAND = re.compile(
    r"^\s*(?:sudo\s+)?(?:(?:\{[^}]+\}|(?:\S*/)?python[\d.]*)\s+-m\s+)?(?:pip[\d.]*|conda|mamba|micromamba|uv\s+pip)"
    r"\s+install\b")


def _is_install(command: str) -> bool:
    """``!pip install …``, ``!python -m pip install …``, ``!conda install …``; a line that also
    runs something else (``!pip install x && python train.py``) stays a shell command."""
    parts = [part for part in re.split(r"&&|;", command) if part.strip()]
    return bool(parts) and all(_INSTALL_COMMAND.match(part) for part in parts)


class MagicRewriter(cst.CSTTransformer):
    """Rewrites IPython calls into exportable Python, recording a MagicUse for each.

    Lines come from the transformed text: IPython's transformers keep every line magic on its
    line, so the k-th ``get_ipython()`` call visited is on the k-th line that holds one (cheaper
    than libcst's PositionProvider by milliseconds per cell).
    """

    def __init__(self, code: str = "", line_offset: int = 0):
        super().__init__()
        self._call_lines = iter([i for i, text in enumerate(code.splitlines(), 1)
                                 for _ in range(text.count("get_ipython()."))])
        self._lines: dict[int, int] = {}
        self.uses: list[MagicUse] = []
        self.needs_subprocess = False
        self.line_offset = line_offset
        self._statement_calls: set[int] = set()
        self._depth = 0
        self.placeholder_ids: set[int] = set()
        self._plain: set[int] = set()  # ids of top-level statements left as they are

    def on_visit(self, node: cst.CSTNode) -> bool:
        # A top-level statement that never names get_ipython holds nothing to rewrite: not
        # visiting it spares rebuilding it (most of a cell's statements, most of the time).
        if type(node) is cst.Module:
            self._plain = {id(s) for s in node.body if not mentions_name(s, "get_ipython")}
        elif id(node) in self._plain:
            return False
        return super().on_visit(node)

    def visit_Call(self, node: cst.Call) -> None:
        if _ipython_call(node) is not None:
            self._lines[id(node)] = next(self._call_lines, 0)

    def _line(self, node: cst.CSTNode) -> int:
        if isinstance(node, cst.SimpleStatementLine) and isinstance(node.body[0], cst.Expr):
            node = node.body[0].value
        return self._lines.get(id(node), 1) + self.line_offset

    def _record(self, node, name, action, message) -> None:
        self.uses.append(MagicUse(self._line(node), name, action, message))

    def visit_Expr(self, node: cst.Expr) -> None:
        self._statement_calls.add(id(node.value))

    def visit_IndentedBlock(self, node) -> None:
        self._depth += 1

    def leave_IndentedBlock(self, original, updated):
        self._depth -= 1
        if not updated.body:  # every statement in the block was removed
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Expr):
            return updated
        call = _ipython_call(updated.body[0].value)
        if call is None:
            return updated
        method, args = call
        if method == "system" and _is_install(args[0]):
            self._record(original, "!", "install-removed",
                         f"`!{args[0]}` removed: the generated pyproject.toml pins dependencies "
                         "(an install on every run would also fail offline)")
            return self._remove(updated)
        if method == "system":
            self.needs_subprocess = True
            self._record(original, "!", "shell", f"shell command `!{args[0]}` exported as subprocess.run")
            return _subprocess_statement(args[0]).with_changes(leading_lines=updated.leading_lines)
        if method == "run_line_magic":
            name, line = args[0], args[1] if len(args) > 1 else ""
            return self._line_magic(original, updated, name, line)
        return updated

    def _remove(self, updated):
        """Nested: remove. Top level: a ``pass`` placeholder, so later lines keep their numbers."""
        if self._depth:
            return cst.RemoveFromParent()
        placeholder = cst.SimpleStatementLine([cst.Pass()], leading_lines=updated.leading_lines)
        self.placeholder_ids.add(id(placeholder))
        return placeholder

    def _line_magic(self, original, updated, name: str, line: str):
        if name in INSTALL_MAGICS:
            self._record(original, name, "install-removed",
                         f"`%{name} {line}` removed: the generated pyproject.toml pins dependencies")
            return self._remove(updated)
        if name in DISPLAY_MAGICS:
            self._record(original, name, "removed", f"display-only magic `%{name}` removed")
            return self._remove(updated)
        if name in ("time", "timeit", "prun") and line.strip():
            try:
                code = cst.parse_module(_strip_timeit_options(name, line) + "\n")
            except cst.ParserSyntaxError:
                self._record(original, name, "disallowed", f"cannot parse the code of `%{name} {line}`")
                return updated
            self._record(original, name, "inlined", f"`%{name}` removed, its code kept")
            body = list(code.body)
            if body:
                body[0] = body[0].with_changes(leading_lines=updated.leading_lines)
            return cst.FlattenSentinel(body) if body else self._remove(updated)
        self._record(original, name, "disallowed",
                     f"magic `%{name}` cannot be exported; move it to an explore or skip cell")
        return updated

    def leave_Call(self, original, updated):
        call = _ipython_call(updated)
        if call is None:
            return updated
        method, args = call
        if method == "getoutput":
            self.needs_subprocess = True
            self._record(original, "!=", "shell",
                         f"captured shell output `!{args[0]}` exported as subprocess.run(...).stdout")
            return _getoutput_expression(args[0])
        if id(original) not in self._statement_calls:
            name = args[0] if method != "system" else "!"
            self._record(original, name, "disallowed",
                         f"`%{name}` used as a value cannot be exported; compute it in Python")
        return updated

def _strip_timeit_options(name: str, line: str) -> str:
    """``%timeit -n 10 -r 3 f(x)`` → ``f(x)``."""
    if name not in ("timeit", "prun"):
        return line
    parts = line.split()
    i = 0
    while i < len(parts) and parts[i].startswith("-"):
        i += 1 if parts[i] in ("-q", "-p", "-o") and name == "timeit" else 2
    return " ".join(parts[i:])
