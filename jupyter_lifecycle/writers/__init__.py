"""Writers: atomic tree writes with a hash manifest, dry-run diffs, in-memory trees for tests."""

from .tree import MANIFEST, Plan, plan_write, write_tree

__all__ = ["MANIFEST", "Plan", "plan_write", "write_tree"]
