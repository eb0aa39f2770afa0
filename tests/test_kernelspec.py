"""Opening a notebook in JupyterLab must not mark it modified: JupyterLab rewrites a notebook's
``kernelspec`` whenever the kernel's spec differs from it, so the install registers the kernel
under the standard name and display name that ipykernel itself uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

from conftest import SAMPLES



def test_the_installed_kernel_matches_the_kernelspec_jupyter_writes():
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.display_name == "Python 3 (ipykernel)"
    assert spec.language == "python"
    assert Path(spec.argv[0]).parent == Path(sys.executable).parent  # this environment


def test_the_samples_carry_that_kernelspec():
    spec = KernelSpecManager().get_kernel_spec("python3")
    for path in sorted(Path(SAMPLES).glob("*.ipynb")):
        kernelspec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert kernelspec == {"display_name": spec.display_name, "language": spec.language,
                              "name": "python3"}, path.name
