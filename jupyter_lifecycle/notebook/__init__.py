"""The notebook as typed, frozen cells with their effective lifecycle stage."""

from .model import Cell, TaggedNotebook
from .reader import read_notebook, parse_notebook

__all__ = ["Cell", "TaggedNotebook", "read_notebook", "parse_notebook"]
