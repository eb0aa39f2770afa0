"""Stage graph: ordered stages with explicit inputs/outputs, definitions and diagnostics."""

from .build import analyze_notebook, build_graph
from .model import Block, Definition, StageGraph, StageNode, TestNode
from .params import Param

__all__ = ["analyze_notebook", "build_graph", "Block", "Definition", "StageGraph", "StageNode",
           "TestNode", "Param"]
