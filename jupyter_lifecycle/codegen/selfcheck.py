"""The converter checks its own output: every generated module compiles and has no undefined name.

Python's own ``symtable`` gives each scope's free names exactly as the compiler resolves them; a
module-level name that is read but neither assigned, imported, defined nor a builtin would raise
``NameError`` when the package runs. Such a name is our bug, never the user's: the conversion
fails with a diagnostic naming the generated module, the name and the notebook cell the code came
from, and nothing is written.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import re
import symtable
from collections.abc import Iterable

from ..errors import Diagnostic, Location, Severity
from ..notebook import TaggedNotebook
from .common import GeneratedFile
from .literal_edit import only_numbers_differ
from .render_cache import TextStore, _codegen_hash

_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__",
                                         "__package__", "__loader__", "__builtins__", "__path__"}
_PROVENANCE = re.compile(r"#.* · cell (\d+) \(id ([^)]*)\)")
_STAR_IMPORT = re.compile(r"\bimport[\s\\]*\*")  # matches every star import's text (and more)


def check_generated(files: Iterable[GeneratedFile], nb: TaggedNotebook,
                    store: TextStore | None = None) -> list[Diagnostic]:
    """One error per generated Python module that does not compile or reads an undefined name.

    ``store`` remembers modules found clean (by their text's hash), so a warm conversion checks
    only what changed; and each module's text last found clean, so a module that differs from
    it only in number literals (a constant edited in a cell) is clean without a check."""
    problems: list[Diagnostic] = []
    for f in files:
        if not f.path.endswith(".py"):
            continue
        key = _clean_key(f.text)
        if store is not None and store.get_text(key) is not None:
            continue
        clean = store is not None and _edits_numbers_of_clean(store, nb, f)
        found = [] if clean else _check_module(f, nb)
        problems.extend(found)
        if store is not None and not found:
            store.put_text(key, "1")
            store.put_text(_last_clean_key(nb, f), f.text)
    return problems


def _clean_key(text: str) -> str:
    return "selfcheck-ok:" + hashlib.sha256((_codegen_hash() + text).encode("utf-8")).hexdigest()


def _last_clean_key(nb: TaggedNotebook, f: GeneratedFile) -> str:
    where = f"{nb.path}\0{f.path}".encode("utf-8", "surrogatepass")
    return "selfcheck-last:" + hashlib.sha256(where).hexdigest()


def _edits_numbers_of_clean(store: TextStore, nb: TaggedNotebook, f: GeneratedFile) -> bool:
    """The module's last clean text (still known clean to this generator) differs from its
    text only in number literals: the check would find nothing (``literal_edit``)."""
    last = store.get_text(_last_clean_key(nb, f))
    return (last is not None and store.get_text(_clean_key(last)) is not None
            and only_numbers_differ(last, f.text))


def _check_module(f: GeneratedFile, nb: TaggedNotebook) -> list[Diagnostic]:
    try:
        table = symtable.symtable(f.text, f.path, "exec")
        compile(f.text, f.path, "exec", dont_inherit=True)  # what only the compiler checks
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return [_internal(nb, f, line, f"generated {f.path} does not compile: {exc.msg if isinstance(exc, SyntaxError) else exc}")]
    tree: ast.Module | None = None  # Python's syntax tree, built only when a check needs it
    if _STAR_IMPORT.search(f.text):
        tree = ast.parse(f.text, f.path)
        if any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
               for node in tree.body):
            return []  # a star import may bind anything; the graph resolved it already
    bound = {s.get_name() for s in table.get_symbols()
             if s.is_assigned() or s.is_imported() or s.is_namespace()}
    _declared_globals(table, bound)
    missing: dict[str, None] = {}
    _free_globals(table, bound, missing)
    if not missing:
        return []
    lines = _first_loads(tree or ast.parse(f.text, f.path), set(missing))
    return [_internal(nb, f, lines.get(name),
                      f"generated {f.path} (line {lines.get(name, '?')}) reads {name!r}, which nothing in the package defines; "
                      "this is an nb2pipe bug, please report it with the notebook — nothing was "
                      "written", name)
            for name in missing]


def _free_globals(table: symtable.SymbolTable, bound: set[str], out: dict[str, None]) -> None:
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if not symbol.is_referenced() or name in bound or name in _BUILTINS:
            continue
        at_module = table.get_type() == "module"
        if (at_module and not symbol.is_assigned()) or symbol.is_global():
            out[name] = None
    for child in table.get_children():
        _free_globals(child, bound, out)


def _declared_globals(table: symtable.SymbolTable, out: set[str]) -> None:
    """``global x`` then ``x = ...`` inside a function binds x at module level too."""
    for child in table.get_children():
        out.update(s.get_name() for s in child.get_symbols()
                   if s.is_declared_global() and s.is_assigned())
        _declared_globals(child, out)


def _first_loads(tree: ast.AST, names: set[str]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load):
            if node.id not in lines or node.lineno < lines[node.id]:
                lines[node.id] = node.lineno
    return lines


def _internal(nb: TaggedNotebook, f: GeneratedFile, line: int | None, message: str,
              name: str | None = None) -> Diagnostic:
    """Located at the notebook cell the offending line came from (its provenance comment)."""
    location = Location(nb.path)
    if line is not None:
        text_lines = f.text.splitlines()
        for number in range(min(line, len(text_lines)) - 1, -1, -1):
            match = _PROVENANCE.search(text_lines[number])
            if match:
                location = Location(nb.path, int(match.group(1)), match.group(2))
                break
    return Diagnostic(Severity.ERROR, "generated-undefined-name" if name else "generated-syntax",
                      message, location)
