"""Propose lifecycle stages for untagged notebooks, and map foreign tag dialects onto ours.

``facts`` reads what each cell does (calls, imports, asserts, definitions) from the per-cell
analysis; ``rules`` turns that into a stage with a confidence and a reason; ``headings`` reads the
markdown headings above a cell as hints; ``dataflow`` finds cells whose values nothing exported
reads and the cell to propose as ``parameters``; ``tagger`` combines them into one
``Suggestion`` per code cell; ``dialects`` maps Kale, nbdev and papermill tags; ``plan`` turns
suggestions into the tags to write, a diff, and an in-memory retagged notebook.
"""

from .model import Suggestion, TagPlan
from .tagger import suggest

__all__ = ["Suggestion", "TagPlan", "suggest"]
