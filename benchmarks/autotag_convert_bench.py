#!/usr/bin/env python
"""The share of untagged notebooks that ``nb2pipe convert --auto-tag`` turns into a package that
passes its generated tests and ``nb2pipe verify``.

    python benchmarks/autotag_convert_bench.py              # every sample and messy notebook
    python benchmarks/autotag_convert_bench.py NAME [NAME ...]

Each notebook is copied with its folder (data files beside it) into a temporary folder and
stripped of its stage tags and its ``parameters`` tag. Then: ``nb2pipe convert --auto-tag``
(exit 0), ``pytest`` in the package (exit 0), and ``nb2pipe verify --package`` on the notebook
tagged by ``nb2pipe tag --auto --write`` (the same tags the conversion used in memory). It prints
one line per notebook and the shares; the numbers never fail the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = (ROOT / "sample_notebooks", ROOT / "tests" / "notebooks" / "messy")
BIN = Path(sys.executable).parent


def strip_tags(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        tags = cell.get("metadata", {}).get("tags")
        if tags:
            cell["metadata"]["tags"] = [t for t in tags
                                        if not t.startswith("lifecycle:") and t != "parameters"]
    path.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")


def run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def check(notebook: Path, work: Path) -> tuple[str, str]:
    """(outcome, detail): outcome is converted, tested or verified (the furthest step passed)."""
    folder = work / notebook.parent.name
    if not folder.exists():
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns(
            "artifacts", "executed", "*_pipeline", "*_pkg", "*.joblib"))
    nb = folder / notebook.name
    strip_tags(nb)
    env = dict(os.environ, JUPYTER_LIFECYCLE_STORE=str(work / "runs.sqlite"), COLUMNS="200")
    package = work / f"{notebook.stem}_auto"
    convert = run([str(BIN / "nb2pipe"), "convert", "--auto-tag", str(nb), "-o", str(package)],
                  folder, env)
    if convert.returncode != 0:
        return "failed", (convert.stderr or convert.stdout).strip().splitlines()[-1][:160]
    tests = run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"], package, env)
    if tests.returncode != 0:
        return "converted", tests.stdout.strip().splitlines()[-1][:160]
    tag = run([str(BIN / "nb2pipe"), "tag", "--auto", "--write", str(nb)], folder, env)
    if tag.returncode != 0:
        return "tested", tag.stderr.strip()[:160]
    verify = run([str(BIN / "nb2pipe"), "verify", str(nb), "--package", str(package)], folder, env)
    if verify.returncode != 0:
        lines = [line for line in verify.stdout.splitlines() if line.strip()]
        return "tested", (lines[-1] if lines else verify.stderr.strip()[-160:])[:160]
    return "verified", ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    notebooks = [p for folder in FOLDERS for p in sorted(folder.glob("*.ipynb"))
                 if not args.names or p.stem in args.names]
    counts = {"failed": 0, "converted": 0, "tested": 0, "verified": 0}
    with tempfile.TemporaryDirectory(prefix="autotag-bench-") as tmp:
        for notebook in notebooks:
            outcome, detail = check(notebook, Path(tmp))
            counts[outcome] += 1
            print(f"{outcome:9}  {notebook.relative_to(ROOT)}  {detail}", flush=True)
    n = len(notebooks)
    tested = counts["tested"] + counts["verified"]
    print(f"converted {n - counts['failed']}/{n}, generated tests pass {tested}/{n}, "
          f"verify passes {counts['verified']}/{n} ({counts['verified'] / n:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
