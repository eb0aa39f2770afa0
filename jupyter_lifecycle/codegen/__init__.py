"""Code generation: a StageGraph → the files of an installable, tested pipeline package."""

from .common import GeneratedFile, package_name_for
from .package import generate_package

__all__ = ["GeneratedFile", "generate_package", "package_name_for"]
