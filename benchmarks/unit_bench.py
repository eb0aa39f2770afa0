#!/usr/bin/env python
"""Time two hot paths against a baseline measured in the same run, as ratios.

    python benchmarks/unit_bench.py              # 200 analyses, 20 environment captures
    python benchmarks/unit_bench.py --runs 1000

* Name analysis of a ten-line pandas / scikit-learn cell (``analyze_names``), against parsing the
  same cell with libcst (``cst.parse_module``), which every conversion does first anyway.
  Target: under 2 ms per cell, and well under the parse.
* Environment capture when warm (the distribution index cached, as for every run after the
  first in a kernel), against the cold capture right after ``refresh()``. Target: under 50 ms.

The figures are medians over the runs. They are printed side by side and never fail the run: a
loaded machine slows both sides of a ratio alike, which is why these live here and not in tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import libcst as cst

from jupyter_lifecycle.analysis.names import analyze_names
from jupyter_lifecycle.capture import environment

CELL = '''\
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("data.csv")
df = df.dropna()
X = df.drop(columns=["target"])
y = df["target"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
for col in X.columns:
    X[col] = X[col].fillna(0)
print(X_train.shape, [c for c in X.columns if c.startswith("a")])
'''
MODULES = {"sklearn", "numpy", "pandas"}


def median_seconds(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(what: str, measured: float, baseline: float, baseline_name: str, target: str) -> str:
    return (f"{what:<34}{measured * 1e3:>10.3f} ms{baseline * 1e3:>11.3f} ms  "
            f"{measured / baseline:>6.2f}x {baseline_name:<22}{target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="analyses of the cell (median)")
    parser.add_argument("--captures", type=int, default=20, help="environment captures (median)")
    args = parser.parse_args(argv)

    module = cst.parse_module(CELL)
    analyze_names(module)  # warm the imports
    analysis = median_seconds(lambda: analyze_names(module), args.runs)
    parse = median_seconds(lambda: cst.parse_module(CELL), args.runs)

    import sklearn  # noqa: F401  (the capture looks for the modules a run imported)

    def cold() -> None:
        environment.refresh()
        environment.environment(MODULES)

    cold_capture = median_seconds(cold, args.captures)
    environment.environment(MODULES)
    warm_capture = median_seconds(lambda: environment.environment(MODULES), args.captures)

    print(f"{'':<34}{'measured':>13}{'baseline':>14}  {'ratio':>7} {'baseline':<22}target")
    print(row("analyze_names, 10-line cell", analysis, parse, "cst.parse_module", "< 2 ms"))
    print(row("environment capture, warm", warm_capture, cold_capture, "cold (after refresh)", "< 50 ms"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
