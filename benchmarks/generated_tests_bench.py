#!/usr/bin/env python
"""Time each sample's generated test suite, for two versions of the converter side by side.

    python benchmarks/generated_tests_bench.py                      # HEAD~1 against the work tree
    python benchmarks/generated_tests_bench.py --baseline 2cd45b0 --repeat 5
    python benchmarks/generated_tests_bench.py --baseline main --current HEAD

For every executed sample notebook (``sample_notebooks/executed/*.ipynb``, whose outputs give the
regression test its expected metrics) and for each version, it converts the notebook into a fresh
folder with that version's ``nb2pipe convert`` and times ``python -m pytest -q`` in the generated
package ``--repeat`` times, the two versions' runs alternating (median wall time, the first run
included: it pays the imports like any CI run). A version is a git ref (exported with ``git archive`` into a temporary folder,
the work tree is left alone) or ``work`` for the files as they are now.

It prints, per sample, the lines of generated Python, the number of generated tests and the
median time for each version, and the ratio current / baseline. The numbers never fail the run;
a conversion or a test suite that fails does (exit status 1, after the table).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_notebooks" / "executed"
CONVERT = "import sys; from jupyter_lifecycle.cli import main; sys.exit(main())"


@dataclass(frozen=True)
class Suite:
    """One generated package's test suite, timed."""

    lines: int  # lines of generated Python under src/ and tests/
    tests: int  # tests pytest collected
    seconds: float  # median wall time of ``pytest -q``
    ok: bool
    output: str  # pytest's (or the converter's) last output, for a failure


def export(ref: str, into: Path) -> Path:
    """The converter's source at ``ref`` (``work``: this checkout as it is)."""
    if ref == "work":
        return ROOT
    archive = into / f"{ref.replace('/', '_')}.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "jupyter_lifecycle"], stdout=fh,
                       check=True)
    target = into / f"src-{ref.replace('/', '_')}"
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def python_lines(folder: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines())
               for sub in ("src", "tests") for p in (folder / sub).rglob("*.py"))


def convert(source: Path, notebook: Path) -> tuple[Path | None, str]:
    """The package ``source``'s converter generates from ``notebook`` (beside it), or None."""
    out = notebook.with_name(f"{notebook.stem}_pipeline")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(source), os.environ.get("PYTHONPATH", "")]),
               NB2PIPE_CACHE_DIR=str(notebook.parent / "cache"))
    done = subprocess.run([sys.executable, "-c", CONVERT, "convert", str(notebook), "-o", str(out)],
                          capture_output=True, text=True, env=env, cwd=notebook.parent)
    return (out if done.returncode == 0 else None), done.stdout + done.stderr


def pytest_once(package: Path, source: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(source), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=package, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done


def collected(package: Path) -> int:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider"],
                          cwd=package, capture_output=True, text=True)
    return sum(1 for line in done.stdout.splitlines() if "::" in line)


def measure(sources: dict[str, Path], notebook: Path, work: Path, repeat: int) -> dict[str, Suite]:
    """Each version's suite; the versions' pytest runs alternate, so load on the machine falls on
    both alike."""
    packages: dict[str, Path] = {}
    suites: dict[str, Suite] = {}
    for label, source in sources.items():
        folder = work / label / notebook.stem
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / notebook.name)
        out, output = convert(source, folder / notebook.name)
        if out is None:
            suites[label] = Suite(0, 0, float("nan"), False, output)
        else:
            packages[label] = out
    times: dict[str, list[float]] = {label: [] for label in packages}
    last: dict[str, subprocess.CompletedProcess] = {}
    for _ in range(repeat):
        for label, package in packages.items():
            seconds, last[label] = pytest_once(package, sources[label])
            times[label].append(seconds)
    for label, package in packages.items():
        done = last[label]
        suites[label] = Suite(python_lines(package), collected(package), statistics.median(times[label]),
                              done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:])
    return suites


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="git ref of the baseline converter")
    parser.add_argument("--current", default="work", help="git ref, or 'work' for the work tree")
    parser.add_argument("--repeat", type=int, default=3, help="pytest runs per package (median)")
    parser.add_argument("--samples", nargs="*", help="sample names (default: all)")
    args = parser.parse_args(argv)
    notebooks = sorted(SAMPLES.glob("*.ipynb"))
    if args.samples:
        notebooks = [n for n in notebooks if n.stem in args.samples]
    failed = []
    with tempfile.TemporaryDirectory(prefix="nb2pipe-bench-") as tmp:
        tmp_path = Path(tmp)
        sources = {label: export(ref, tmp_path) for label, ref in
                   (("baseline", args.baseline), ("current", args.current))}
        print(f"baseline: {args.baseline}   current: {args.current}   pytest runs: {args.repeat}",
              flush=True)
        print(f"{'sample':<24}{'lines':>13}{'tests':>9}{'baseline s':>12}{'current s':>11}{'ratio':>7}")
        for notebook in notebooks:
            suites = measure(sources, notebook, tmp_path, args.repeat)
            failed.extend((notebook.stem, label, s.output) for label, s in suites.items() if not s.ok)
            b, c = suites["baseline"], suites["current"]
            print(f"{notebook.stem:<24}{b.lines:>6} → {c.lines:<5}{b.tests:>3} → {c.tests:<3}"
                  f"{b.seconds:>11.2f}{c.seconds:>11.2f}{c.seconds / b.seconds:>7.2f}", flush=True)
    for name, label, output in failed:
        print(f"\n{name} ({label}) failed:\n{output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
