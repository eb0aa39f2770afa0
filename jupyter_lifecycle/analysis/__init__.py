"""Per-cell analysis: IPython syntax, libcst parse, ordered name analysis, diagnostics."""
