#!/usr/bin/env python
"""Benchmark ``nb2pipe convert`` against ``jupyter nbconvert --to script`` on synthetic notebooks.

    python benchmarks/convert_bench.py                     # 2,000- and 100-cell notebooks, 3 runs each
    python benchmarks/convert_bench.py --cells 5000 500 --repeat 5
    python benchmarks/convert_bench.py --keep /tmp/bench   # keep the generated notebooks there

For each size it generates a lifecycle-tagged pandas / scikit-learn notebook (stdlib + nbformat)
and times, as subprocesses and taking turns, the median wall time of:

* ``nb2pipe convert NB -o OUT --force`` cold: empty analysis cache (``NB2PIPE_CACHE_DIR`` is a
  fresh directory every run) and a fresh output directory;
* ``nb2pipe convert NB -o OUT --force`` warm: convert once to fill the cache, edit a constant in
  one prepare cell, then time the re-convert (same cache, existing output directory);
* ``jupyter nbconvert --to script NB --output-dir D`` (the baseline);
* ``nb2pipe --help``.

It prints a table with the ratios and the targets (cold <= 1.45x nbconvert and warm <= 0.28x at
2,000 cells, ``--help`` <= 0.3 s), meant for a virtualenv without JupyterLab (nbconvert's start-up
grows with the Jupyter packages installed next to it). The numbers never fail the run; a command that fails does
(exit status 1, after the table).

The commands are the ones installed next to ``sys.executable``, so run it with the interpreter
of the virtualenv you want to measure.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import v4

BIN = Path(sys.executable).parent
TAG_PREFIX = "lifecycle:"
TARGET_COLD = 1.45  # cold convert / nbconvert at 2,000 cells
TARGET_WARM = 0.28  # warm (one cell edited) convert / nbconvert at 2,000 cells
TARGET_HELP = 0.3   # seconds for `nb2pipe --help`
EDIT_FROM = "* 1.25"  # the constant the warm run changes, in exactly one prepare cell
EDIT_TO = "* 1.75"

# Fractions of the code cells per exported stage, in lifecycle order (the rest: explore, test,
# the imports cell and the parameters cell).
STAGE_SHARES = (("setup", 0.05), ("ingest", 0.08), ("prepare", 0.30), ("train", 0.18),
                ("evaluate", 0.12), ("validate", 0.06), ("deploy", 0.07), ("monitor", 0.10))
EXPLORE_SHARE = 0.025
TEST_SHARE = 0.015

IMPORTS = '''\
# Imports used across the notebook
import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler'''

PARAMETERS = '''\
# Parameters (papermill overrides these)
data_path = "data.csv"
target_col = "target"
seed = 0
n_estimators = 10
max_depth = 5
test_size = 0.25
model_dir = "models"  # where deploy writes the models'''


# --------------------------------------------------------------------------- notebook generator

@dataclass
class _State:
    """Names defined so far (notebook order), so every cell only reads earlier names."""

    rng: random.Random
    col_helpers: list[str] = field(default_factory=list)    # f(frame, col) -> Series
    frame_helpers: list[str] = field(default_factory=list)  # f(frame) -> DataFrame
    drift_helpers: list[str] = field(default_factory=list)  # f(a, b) -> float
    columns: list[str] = field(default_factory=list)        # df columns created so far
    buckets: list[str] = field(default_factory=list)        # categorical df columns
    frames: list[str] = field(default_factory=list)         # auxiliary data frames (ingest)
    splits: list[tuple[str, str, str, str]] = field(default_factory=list)
    models: list[str] = field(default_factory=list)         # fitted on X_train / y_train
    forests: list[str] = field(default_factory=list)        # models with feature_importances_
    preds: list[str] = field(default_factory=list)
    metric_keys: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    drifts: list[str] = field(default_factory=list)
    have_df: bool = False
    have_split: bool = False
    have_metrics: bool = False
    edit_cell: str | None = None

    def recent(self, pool: list, k: int = 6):
        return self.rng.choice(pool[-k:])


# Second comment lines, as an analyst writes them: why a step is there (adds realistic bulk).
NOTES = {
    "setup": ("# Kept free of notebook globals so the exported package can import it (v{i}).",
              "# Pure function of its arguments; see the prepare cells for how it is applied."),
    "ingest": ("# The extract is refreshed nightly; row counts vary by a few percent between runs.",
               "# Source {i}: values are raw, units as delivered; cleaning happens in prepare.",
               "# Read-only access; nothing here writes back to the warehouse or the local cache."),
    "prepare": ("# Feature {i}: keeps df row-aligned with the target column, no rows reordered.",
                "# Revisit after the next data refresh; the constants were tuned on last quarter.",
                "# Cheap to compute, so it is recomputed on every run instead of being cached.",
                "# Added after the error analysis of model v{i}; helps the minority class a bit.",
                "# Works on the full frame; the train / test split happens at the end of prepare."),
    "train": ("# Hyper-parameters come from the parameters cell where papermill can override them.",
              "# Fit on the training split only; the held-out rows stay untouched until evaluate.",
              "# Candidate {i}: compared with the others on accuracy and macro F1 in evaluate."),
    "evaluate": ("# Every number goes into `metrics` so the validate gates and the report can use it.",
                 "# Held-out evaluation only; no refitting happens in this section (check {i})."),
    "validate": ("# The pipeline stops here when a gate fails; thresholds agreed with the team.",),
    "deploy": ("# Artifacts are versioned by cell number so reruns never overwrite a live model.",
               "# The serving job picks up the newest manifest in model_dir on its next poll."),
    "monitor": ("# Compared against the training split; alerting thresholds are in the runbook.",
                "# Run {i} of the nightly checks: results are printed and also logged upstream."),
    "explore": ("# Just a look while developing; nothing below depends on this cell.",),
}


def _with_note(source: str, stage: str, i: int, rng: random.Random) -> str:
    """Add a comment line after the cell's leading comment block (most cells)."""
    if stage not in NOTES or not source.startswith("#") or rng.random() < 0.1:
        return source
    lines = source.split("\n")
    end = next((k for k, line in enumerate(lines) if not line.startswith("#")), len(lines))
    lines.insert(end, rng.choice(NOTES[stage]).format(i=i))
    return "\n".join(lines)


def _setup_cell(i: int, s: _State) -> str:
    kind = (len(s.col_helpers) + len(s.frame_helpers) + len(s.drift_helpers)) % 3
    if kind == 0 or not s.col_helpers:
        name = f"feature_{i}"
        s.col_helpers.append(name)
        return f'''\
# Helper: a robust, clipped log transform of one column.
# Used by the prepare cells below; it only reads its arguments.
def {name}(frame, col, upper={50 + i % 40}):
    """log1p of `col` clipped to [0, upper].

    Missing values become the column median first.
    """
    values = frame[col].astype(float)
    values = values.fillna(values.median())
    values = values.clip(lower=0, upper=upper)
    return np.log1p(values) * {1 + i % 5}'''
    if kind == 1 or not s.frame_helpers:
        name = f"clean_frame_{i}"
        inner = s.col_helpers[-1]
        s.frame_helpers.append(name)
        return f'''\
# Helper: drop near-constant columns and add a
# transformed copy of the first numeric column.
def {name}(frame, min_unique={2 + i % 3}):
    """A cleaned copy of `frame`."""
    keep = [
        c for c in frame.columns
        if frame[c].nunique() >= min_unique
    ]
    out = frame[keep].copy()
    numeric = out.select_dtypes("number").columns
    if len(numeric):
        first = numeric[0]
        out[f"{{first}}_t{i}"] = {inner}(out, first)
    return out'''
    name = f"psi_{i}"
    s.drift_helpers.append(name)
    return f'''\
# Helper: population stability index (PSI)
# between a reference and a live sample.
def {name}(expected, actual, bins={5 + i % 6}):
    """PSI of two 1-d samples; 0 means no drift."""
    ref = np.asarray(expected, dtype=float)
    edges = np.histogram_bin_edges(ref, bins=bins)
    e, _ = np.histogram(expected, bins=edges)
    a, _ = np.histogram(actual, bins=edges)
    e = np.clip(e / max(e.sum(), 1), 1e-6, None)
    a = np.clip(a / max(a.sum(), 1), 1e-6, None)
    return float(np.sum((a - e) * np.log(a / e)))'''


def _ingest_cell(i: int, s: _State) -> str:
    if not s.have_df:
        s.have_df = True
        s.columns.extend(["x_base", "x_ratio"])
        return '''\
# Load the raw extract and normalise the column names
df = pd.read_csv(data_path)
df.columns = [
    c.strip().lower().replace(" ", "_")
    for c in df.columns
]
numeric_cols = df.select_dtypes("number").columns
numeric_cols = numeric_cols.drop(target_col, errors="ignore")

# Two base features everything below builds on
df["x_base"] = df[numeric_cols[0]]
df["x_ratio"] = df[numeric_cols[0]] / (df[numeric_cols[-1]].abs() + 1)
print(df.shape)
df.head()'''
    kind = i % 4
    if kind == 0 or not s.frames:
        loader = ("load_breast_cancer", "load_wine", "load_iris")[i % 3]
        name = f"raw_{i}"
        s.frames.append(name)
        return f'''\
# Reference data: scikit-learn's bundled
# {loader[5:]} data set, subsampled
{name} = {loader}(as_frame=True).frame
{name} = {name}.sample(
    frac=0.{5 + i % 5},
    random_state=seed + {i},
)
{name}.columns = [
    f"ref{i}_{{c}}".replace(" ", "_")
    for c in {name}.columns
]
print("{name}", {name}.shape)'''
    if kind == 1:
        name = f"lookup_{i}"
        s.frames.append(name)
        s.columns.append(f"x_{i}")
        return f'''\
# Per-class counts from a second read of the extract
lookup_{i} = (
    pd.read_csv(data_path)
    .groupby(target_col)
    .size()
    .rename("n_{i}")
    .reset_index()
)

# Join them back as a class-frequency feature
df = df.merge(lookup_{i}, on=target_col, how="left")
df["x_{i}"] = df["n_{i}"] / df["n_{i}"].sum()'''
    if kind == 2:
        src = s.recent(s.frames)
        col = s.recent(s.columns)
        s.columns.append(f"x_{i}")
        return f'''\
# Enrich with a summary of {src}
summary_{i} = (
    {src}
    .select_dtypes("number")
    .describe()
    .T
)
scale_{i} = summary_{i}["mean"].mean() / {10 + i % 17}
df["x_{i}"] = df["{col}"] * scale_{i}
!echo "ingest step {i}: enriched from {src}"
summary_{i}.head()'''
    col = s.recent(s.columns)
    s.columns.append(f"x_{i}")
    return f'''\
# Rolling mean of {col}
# (the extract is ordered by time)
window_{i} = {3 + i % 9}
rolled_{i} = df["{col}"].rolling(
    window_{i},
    min_periods=1,
).mean()
df["x_{i}"] = rolled_{i}.fillna(df["{col}"])
print("x_{i}", df["x_{i}"].isna().sum())
df.tail(3)'''


def _split_cell(i: int, s: _State, canonical: bool) -> str:
    names = ("X_train", "X_test", "y_train", "y_test") if canonical else \
        (f"X_train_{i}", f"X_test_{i}", f"y_train_{i}", f"y_test_{i}")
    s.splits.append(names)
    if canonical:
        s.have_split = True
    xtr, xte, ytr, yte = names
    what = "the split every model below uses" if canonical else f"split #{i}, for comparison"
    return f'''\
# Train / test split: {what}
feature_cols_{i} = [
    c for c in df.columns
    if c.startswith("x_")
]
X_{i} = df[feature_cols_{i}].fillna(0.0)
y_{i} = df[target_col]

{xtr}, {xte}, {ytr}, {yte} = train_test_split(
    X_{i},
    y_{i},
    test_size=test_size,
    random_state=seed + {i},
    stratify=y_{i},
)
print({xtr}.shape, {xte}.shape)'''


def _prepare_cell(i: int, s: _State) -> str:
    if s.edit_cell is None:
        col = s.recent(s.columns)
        s.columns.append(f"x_{i}")
        s.edit_cell = f"cell-{i:04d}"
        return f'''\
# Scale {col}
# (the benchmark edits this constant for its warm run)
df["x_{i}"] = df["{col}"] {EDIT_FROM}
cap_{i} = df["x_{i}"].quantile(0.99)
df["x_{i}"] = df["x_{i}"].clip(upper=cap_{i})
print("x_{i} capped at", cap_{i})
df["x_{i}"].describe()'''
    kind = i % 8
    col = s.recent(s.columns)
    other = s.recent(s.columns, 12)
    if kind == 0:
        helper = s.recent(s.col_helpers)
        s.columns.append(f"x_{i}")
        return f'''\
# Log-transform {col} with {helper}
df["x_{i}"] = {helper}(
    df,
    "{col}",
    upper={20 + i % 80},
)

# How much did the transform compress it?
spread_{i} = df["x_{i}"].std() / (df["{col}"].std() + 1e-9)
print(f"x_{i}: spread ratio {{spread_{i}:.3f}}")
df["x_{i}"].describe()'''
    if kind == 1:
        s.columns.append(f"x_{i}")
        return f'''\
# Drop incomplete rows, then an interaction feature
n_before_{i} = len(df)
df.dropna(inplace=True)
print(f"dropped {{n_before_{i} - len(df)}} row(s)")

# {col} x {other}, scaled down
df["x_{i}"] = df["{col}"] * df["{other}"]
df["x_{i}"] = df["x_{i}"] / {2 + i % 11}
df["x_{i}"] = df["x_{i}"].astype("float32")
df.shape'''
    if kind == 2:
        s.buckets.append(f"bucket_{i}")
        return f'''\
# Bucket {col} into {4 + i % 6} equal-width bins
df["bucket_{i}"] = pd.cut(
    df["{col}"],
    bins={4 + i % 6},
    labels=False,
)
df["bucket_{i}"] = df["bucket_{i}"].fillna(-1)
df["bucket_{i}"] = df["bucket_{i}"].astype(int)
df["bucket_{i}"].value_counts()'''
    if kind == 3 and s.buckets:
        bucket = s.recent(s.buckets)
        s.columns.extend([f"x_{i}_mean", f"x_{i}_std"])
        return f'''\
# Group statistics of {col} per {bucket}
agg_{i} = (
    df.groupby("{bucket}")["{col}"]
    .agg(["mean", "std"])
    .rename(columns={{"mean": "x_{i}_mean", "std": "x_{i}_std"}})
)

# Merge them back onto every row
df = df.merge(agg_{i}, left_on="{bucket}", right_index=True, how="left")
df["x_{i}_std"] = df["x_{i}_std"].fillna(0.0)
agg_{i}.head()'''
    if kind == 4:
        s.columns.append(f"x_{i}")
        return f'''\
# Standardise two columns and take a weighted difference
scaler_{i} = StandardScaler()
cols_{i} = ["{col}", "{other}"]
scaled_{i} = scaler_{i}.fit_transform(
    df[cols_{i}].fillna(0.0)
)
weight_{i} = {round(0.1 + (i % 9) / 10, 1)}
df["x_{i}"] = scaled_{i}[:, 0] - scaled_{i}[:, 1] * weight_{i}
print(scaler_{i}.mean_, scaler_{i}.scale_)'''
    if kind == 5 and s.frame_helpers and s.frames:
        helper = s.recent(s.frame_helpers)
        frame = s.recent(s.frames)
        s.columns.append(f"x_{i}")
        return f'''\
# Clean {frame} with {helper}
ref_{i} = {helper}({frame})
ref_mean_{i} = float(
    ref_{i}.select_dtypes("number").mean().mean()
)

# Centre {col} on the reference mean
df["x_{i}"] = df["{col}"] - ref_mean_{i} / {3 + i % 7}
print("{frame}", ref_{i}.shape, round(ref_mean_{i}, 3))'''
    if kind == 6 and i % 48 == 6:
        return _split_cell(i, s, canonical=False)
    if kind == 6:
        s.columns.append(f"x_{i}")
        lo = (i % 5) / 100
        return f'''\
# Percentile rank of {col}
%time df["x_{i}"] = df["{col}"].rank(pct=True)

# Winsorise it to [{lo:.2f}, {1 - lo:.2f}]
df["x_{i}"] = df["x_{i}"].clip(
    {lo:.2f},
    {1 - lo:.2f},
)
df["x_{i}"].head()'''
    s.columns.append(f"x_{i}")
    return f'''\
# Difference of two earlier features
# (missing values filled with {i % 4})
df["x_{i}"] = df["{col}"] - df["{other}"]
df["x_{i}"] = df["x_{i}"].fillna({i % 4})

# Drop extreme rows
mask_{i} = df["x_{i}"].abs() < {1000 + i}
df = df[mask_{i}]
print(f"x_{i}: kept {{int(mask_{i}.sum())}} rows")'''


def _train_cell(i: int, s: _State) -> str:
    kind = i % 6
    if kind == 0 or not s.models:
        s.models.append(f"model_{i}")
        s.forests.append(f"model_{i}")
        return f'''\
# Random forest #{i}
model_{i} = RandomForestClassifier(
    n_estimators=n_estimators + {i % 7},
    max_depth=max_depth,
    min_samples_leaf={1 + i % 4},
    random_state=seed + {i},
    n_jobs=-1,
)
%time model_{i}.fit(X_train, y_train)
train_acc_{i} = model_{i}.score(X_train, y_train)
print(f"model_{i} train accuracy: {{train_acc_{i}:.3f}}")'''
    if kind == 1:
        s.models.append(f"model_{i}")
        c = round(0.05 * (1 + i % 20), 2)
        return f'''\
# Logistic regression, C={c}
model_{i} = LogisticRegression(
    C={c},
    max_iter={200 + i % 100},
)
model_{i}.fit(X_train, y_train)

# Training fit, for comparison with the held-out score
train_acc_{i} = model_{i}.score(X_train, y_train)
print(f"model_{i} train accuracy: {{train_acc_{i}:.3f}}")
model_{i}.get_params()'''
    if kind == 2:
        s.models.append(f"model_{i}")
        return f'''\
# Scaled logistic-regression pipeline
model_{i} = make_pipeline(
    StandardScaler(),
    LogisticRegression(
        C={1 + i % 9}.0,
        max_iter=500,
    ),
)
model_{i}.fit(X_train, y_train)
!echo "trained model_{i}"'''
    if kind == 3:
        model = s.recent(s.models)
        return f'''\
# Cross-validate {model} on the training split
cv_scores_{i} = cross_val_score(
    {model},
    X_train,
    y_train,
    cv={3 + i % 3},
)
cv_mean_{i} = float(cv_scores_{i}.mean())
cv_std_{i} = float(cv_scores_{i}.std())
print(f"{model}: {{cv_mean_{i}:.3f}} +/- {{cv_std_{i}:.3f}}")'''
    if kind == 4 and s.forests:
        model = s.recent(s.forests)
        top = 5 + i % 10
        return f'''\
# Feature importances of {model}
importances_{i} = pd.Series(
    {model}.feature_importances_,
    index=X_train.columns,
)
importances_{i} = importances_{i}.sort_values(ascending=False)

# The top {top} features
top_features_{i} = list(importances_{i}.index[:{top}])
print(top_features_{i})
importances_{i}.head({top})'''
    s.models.append(f"model_{i}")
    s.forests.append(f"model_{i}")
    return f'''\
# Gradient boosting, {20 + i % 30} stages
model_{i} = GradientBoostingClassifier(
    n_estimators={20 + i % 30},
    learning_rate={round(0.05 + (i % 5) / 20, 2)},
    max_depth={2 + i % 3},
    subsample=0.{7 + i % 3},
    random_state=seed,
)
model_{i}.fit(X_train, y_train)
train_acc_{i} = model_{i}.score(X_train, y_train)
print(f"model_{i} train accuracy: {{train_acc_{i}:.3f}}")'''


def _evaluate_cell(i: int, s: _State) -> str:
    if not s.have_metrics:
        s.have_metrics = True
        return '''\
# Offline metrics of every model
# keyed "<metric>_<model>", values are floats
metrics = {}
n_test = len(y_test)
print(f"{n_test} held-out rows")'''
    unscored = [m for m in s.models if f"accuracy_{m}" not in s.metric_keys]
    kind = i % 4
    if kind in (0, 1) and unscored:
        model = unscored[0]
        s.preds.append(f"pred_{i}")
        s.metric_keys.extend([f"accuracy_{model}", f"f1_{model}"])
        return f'''\
# Score {model} on the held-out set
pred_{i} = {model}.predict(X_test)
metrics["accuracy_{model}"] = float(
    accuracy_score(y_test, pred_{i})
)
metrics["f1_{model}"] = float(
    f1_score(y_test, pred_{i}, average="macro")
)
print("{model}", metrics["accuracy_{model}"], metrics["f1_{model}"])'''
    if kind == 2 and s.preds:
        pred = s.recent(s.preds)
        return f'''\
# Confusion matrix of {pred}
cm_{i} = confusion_matrix(y_test, {pred})
errors_{i} = int(cm_{i}.sum() - np.trace(cm_{i}))
metrics["errors_{pred}"] = float(errors_{i})

# Per-class recall
recall_{i} = cm_{i}.diagonal() / np.maximum(cm_{i}.sum(axis=1), 1)
print("{pred} recall", np.round(recall_{i}, 3))
cm_{i}'''
    if kind == 3 and s.metric_keys:
        return f'''\
# Best model so far
scores_{i} = {{
    k: v for k, v in metrics.items()
    if k.startswith("accuracy_")
}}
best_{i} = max(scores_{i}, key=scores_{i}.get)
metrics["best_accuracy_{i}"] = scores_{i}[best_{i}]
print("best so far:", best_{i})
best_{i}'''
    model = s.recent(s.models)
    s.preds.append(f"pred_{i}")
    return f'''\
# Predicted class balance of {model}
pred_{i} = {model}.predict(X_test)
rate_{i} = np.mean(pred_{i} == pred_{i}.max())
metrics["positive_rate_{i}"] = float(rate_{i})
print("{model} positive rate", round(float(rate_{i}), 3))'''


def _validate_cell(i: int, s: _State) -> str:
    keys = [k for k in s.metric_keys if k.startswith("accuracy_")] or ["accuracy_" + s.models[0]]
    key = s.recent(keys, 20)
    f1 = key.replace("accuracy_", "f1_")
    floor = round(0.3 + (i % 10) / 100, 2)
    return f'''\
# Acceptance gate #{i}: {key.removeprefix("accuracy_")}
# must beat the floor and report a sane F1
assert metrics["{key}"] >= {floor}, (
    "{key} is below the floor {floor}"
)
assert 0.0 <= metrics["{f1}"] <= 1.0

# The held-out set must not be empty
assert X_test.shape[0] > {i % 5}'''


def _deploy_cell(i: int, s: _State) -> str:
    if i % 2 == 0 or not s.artifacts:
        model = s.recent(s.models, 20)
        s.artifacts.append(f"artifact_{i}")
        return f'''\
# Serialise {model}
Path(model_dir).mkdir(parents=True, exist_ok=True)
artifact_{i} = Path(model_dir) / "{model}_v{i}.joblib"
joblib.dump({model}, artifact_{i})

# Record its size
size_kb_{i} = artifact_{i}.stat().st_size / 1024
print(f"{{artifact_{i}}}: {{size_kb_{i}:.1f}} KiB")'''
    artifact = s.recent(s.artifacts)
    return f'''\
# Manifest for {artifact}
manifest_{i} = {{
    "artifact": str({artifact}),
    "metrics": {{
        k: v for k, v in metrics.items()
        if k.startswith("f1_")
    }},
    "seed": seed,
    "version": {i},
}}
manifest_path_{i} = Path(model_dir, "manifest_{i}.json")
manifest_path_{i}.write_text(json.dumps(manifest_{i}, indent=2))'''


def _monitor_cell(i: int, s: _State) -> str:
    kind = i % 3
    if kind == 0 or not s.drifts:
        helper = s.recent(s.drift_helpers)
        s.drifts.append(f"drift_{i}")
        return f'''\
# Drift of the first {3 + i % 8} features ({helper})
drift_{i} = {{
    col: {helper}(X_train[col], X_test[col])
    for col in X_train.columns[:{3 + i % 8}]
}}
worst_{i} = max(drift_{i}, key=drift_{i}.get)
print("largest drift:", worst_{i}, round(drift_{i}[worst_{i}], 4))
max(drift_{i}.values())'''
    if kind == 1:
        drift = s.recent(s.drifts)
        limit = round(0.1 + (i % 5) / 20, 2)
        return f'''\
# Alert on features above a PSI of {limit}
alerts_{i} = [
    c for c, v in {drift}.items()
    if v > {limit}
]
n_alerts_{i} = len(alerts_{i})
print(f"{{n_alerts_{i}}} drifted feature(s): {{alerts_{i}}}")'''
    model = s.recent(s.models, 20)
    return f'''\
# Live prediction rate of {model}
# on a bootstrap resample of the held-out set
live_{i} = X_test.sample(
    frac=0.5,
    random_state=seed + {i},
    replace=True,
)
live_pred_{i} = {model}.predict(live_{i})
live_rate_{i} = float(np.mean(live_pred_{i} == live_pred_{i}.max()))
print("{model} live rate", live_rate_{i})'''


def _explore_cell(i: int, s: _State) -> str:
    col = s.recent(s.columns)
    if i % 3 == 0:
        return f'''\
# A look at {col} (explore: not exported)
df["{col}"].describe()'''
    if i % 3 == 1:
        return f'''\
# Correlation with the target (explore: not exported)
corr_{i} = df.select_dtypes("number").corr()
corr_{i} = corr_{i}[target_col].sort_values()
corr_{i}.head({5 + i % 5})'''
    return f'''\
# Distribution by class (explore: not exported)
df.groupby(target_col)["{col}"].agg(["mean", "median", "count"])'''


def _test_cell(i: int, s: _State) -> str:
    lines = [f"# Sanity checks #{i} (become pytest tests)",
             "assert len(df) > 0",
             f'assert "{s.recent(s.columns)}" in df.columns']
    if s.have_split:
        lines.append("assert len(X_train) + len(X_test) <= len(df)")
        lines.append("assert set(y_test.unique()) <= set(df[target_col].unique())")
    if s.preds:
        lines.append(f"assert len({s.recent(s.preds)}) == len(y_test)")
    if s.metric_keys:
        lines.append('assert all(0.0 <= v <= 1.0 for k, v in metrics.items() if k.startswith("f1_"))')
    return "\n".join(lines)


GENERATORS = {"setup": _setup_cell, "ingest": _ingest_cell, "prepare": _prepare_cell,
              "train": _train_cell, "evaluate": _evaluate_cell, "validate": _validate_cell,
              "deploy": _deploy_cell, "monitor": _monitor_cell, "explore": _explore_cell,
              "test": _test_cell}


def _plan(n_cells: int) -> list[str]:
    """The stage of each code cell: "imports", "parameters", then exported runs with a few
    explore / test cells sprinkled in after the first ingest cells."""
    n_explore = max(2, round(n_cells * EXPLORE_SHARE))
    n_test = max(2, round(n_cells * TEST_SHARE))
    n_main = n_cells - 2 - n_explore - n_test
    if n_main < 3 * len(STAGE_SHARES):
        raise SystemExit(f"--cells must be at least {3 * len(STAGE_SHARES) + 6}")
    # At least 3 setup cells (one helper of each kind) and 2 of every other stage.
    counts = [max(3 if stage == "setup" else 2, round(n_main * share / sum(x for _, x in STAGE_SHARES)))
              for stage, share in STAGE_SHARES]
    counts[2] += n_main - sum(counts)  # rounding goes to prepare
    main = [stage for (stage, _), n in zip(STAGE_SHARES, counts) for _ in range(n)]
    # Sprinkle explore and test cells evenly over the part where df exists (after the first
    # ingest cell, main[counts[0]]).
    first = counts[0] + 1
    extra = ["explore"] * n_explore + ["test"] * n_test
    random.Random(n_cells).shuffle(extra)
    span = len(main) - first
    positions = [first + (k + 1) * span // (len(extra) + 1) for k in range(len(extra))]
    body = list(main)
    for offset, (pos, stage) in enumerate(zip(positions, extra)):
        body.insert(pos + offset, stage)
    plan = ["imports", "parameters", *body]
    assert len(plan) == n_cells, (len(plan), n_cells)
    return plan


def make_notebook(n_cells: int, seed: int = 0) -> tuple[nbformat.NotebookNode, str]:
    """A lifecycle-tagged notebook with ``n_cells`` code cells and the id of the cell to edit."""
    state = _State(random.Random(seed))
    plan = _plan(n_cells)
    cells = [v4.new_markdown_cell(f"# Synthetic benchmark notebook ({n_cells} code cells)\n\n"
                                  "Generated by `benchmarks/convert_bench.py`.", id="md-title")]
    last_prepare = max(i for i, stage in enumerate(plan) if stage == "prepare")
    previous, seen = None, set()
    for i, stage in enumerate(plan):
        cell_id = f"cell-{i:04d}"
        if stage == "imports":
            source, tags = IMPORTS, [TAG_PREFIX + "setup"]
        elif stage == "parameters":
            source, tags = PARAMETERS, ["parameters"]
        else:
            if i == last_prepare:  # the split the train / evaluate / monitor cells use
                source = _split_cell(i, state, canonical=True)
            else:
                source = GENERATORS[stage](i, state)
            source = _with_note(source, stage, i, state.rng)
            # Tag the first cell of every run and every cell after a sprinkled one; leave about
            # a third of the rest untagged (they inherit the stage above).
            if stage != previous or previous in ("explore", "test") or i % 3:
                tags = [TAG_PREFIX + stage]
            else:
                tags = []
        if stage not in seen and stage not in ("imports", "parameters", "explore", "test"):
            cells.append(v4.new_markdown_cell(f"## {stage.capitalize()}", id=f"md-{i:04d}"))
        elif i % 20 == 0 and stage not in ("imports", "parameters"):
            cells.append(v4.new_markdown_cell(
                f"### {stage.capitalize()}, step {i}\n\nThe next cells continue the "
                f"**{stage}** stage. Each one builds on values computed a few cells above; "
                "re-run from the top after editing, as the pipeline runs cells in notebook "
                "order.", id=f"md-{i:04d}"))
        seen.add(stage)
        cells.append(v4.new_code_cell(source, id=cell_id, metadata={"tags": tags} if tags else {}))
        if stage != "parameters":
            previous = stage
    nb = v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"},
                   "language_info": {"name": "python", "version": "3.11",
                                     "file_extension": ".py", "mimetype": "text/x-python",
                                     "codemirror_mode": {"name": "ipython", "version": 3},
                                     "nbconvert_exporter": "python",
                                     "pygments_lexer": "ipython3"}}
    if state.edit_cell is None:
        raise SystemExit("the notebook has no prepare cell to edit")
    return nb, state.edit_cell


def edit_one_cell(src: Path, dst: Path, cell_id: str) -> None:
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            assert EDIT_FROM in cell.source, cell.source
            cell.source = cell.source.replace(EDIT_FROM, EDIT_TO)
            break
    else:
        raise SystemExit(f"cell {cell_id} not found in {src}")
    nbformat.write(nb, dst)


# --------------------------------------------------------------------------- timing

class CommandFailed(Exception):
    pass


def _tool(name: str, module_fallback: str | None = None) -> list[str]:
    exe = BIN / name
    if exe.exists():
        return [str(exe)]
    if module_fallback:
        return [sys.executable, "-m", module_fallback]
    raise SystemExit(f"{name} not found next to {sys.executable}")


def _bytecode_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with bytecode caching on, as installed tools run for users: without it
    (PYTHONDONTWRITEBYTECODE set) every run compiles an editable install's modules again, while
    nbconvert's installed modules come precompiled: the ratio would compare unequal things."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Wall time of one subprocess; raises CommandFailed if it exits non-zero."""
    env = _bytecode_env(env)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise CommandFailed(f"`{' '.join(cmd)}` exited {proc.returncode}:\n"
                            + _failure_excerpt(proc.stderr or proc.stdout or ""))
    return elapsed


def _failure_excerpt(text: str) -> str:
    """The traceback if there is one, else the error diagnostics and the last lines."""
    lines = text.rstrip().splitlines()
    if "Traceback (most recent call last):" in text:
        start = max(i for i, line in enumerate(lines) if line.startswith("Traceback"))
        return "\n".join(lines[start:][-40:])
    errors = [line for line in lines if ": error" in line][:15]
    rest = [line for line in lines[-5:] if line not in errors]
    return "\n".join(errors + rest)


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NB2PIPE_CACHE_DIR"] = str(cache)
    return env


@dataclass
class Row:
    cells: int
    lines: int
    size_mb: float
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    nbconvert: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warm_skipped: bool = False  # not measured because the cold convert failed


def bench_notebook(nb_path: Path, edit_id: str, work: Path, repeat: int, row: Row) -> None:
    nb2pipe = _tool("nb2pipe")
    jupyter = _tool("jupyter", "nbconvert")
    nbconvert = jupyter + ["nbconvert"] if jupyter[-1] != "nbconvert" else jupyter
    edited = work / (nb_path.stem + "_edited.ipynb")
    work.mkdir(parents=True, exist_ok=True)
    edit_one_cell(nb_path, edited, edit_id)
    counter = iter(range(1, 1 << 30))

    def fresh(kind: str) -> Path:
        path = work / f"{kind}-{next(counter)}"
        path.mkdir(parents=True)
        return path

    failed: set[str] = set()

    def measure(label: str, once, into: list[float]) -> None:
        """One timed run, unless this command failed before (then it is reported once)."""
        if label in failed:
            return
        try:
            into.append(once())
        except CommandFailed as exc:
            into.clear()
            failed.add(label)
            row.failures.append(f"{label} ({row.cells} cells): {exc}")

    def cold() -> float:
        out = fresh("out") / "pkg"
        return run(nb2pipe + ["convert", str(nb_path), "-o", str(out), "--force"],
                   env=_env(fresh("cache")))

    def warm() -> float:
        # Each repetition: its own notebook copy, cache and output; fill, edit one cell, re-convert.
        case = fresh("warm")
        target = case / nb_path.name
        shutil.copyfile(nb_path, target)
        env, out = _env(case / "cache"), case / "pkg"
        run(nb2pipe + ["convert", str(target), "-o", str(out), "--force"], env=env)
        shutil.copyfile(edited, target)
        return run(nb2pipe + ["convert", str(target), "-o", str(out), "--force"], env=env)

    def baseline() -> float:
        return run(nbconvert + ["--to", "script", str(nb_path), "--output-dir", str(fresh("nbc"))])

    # One untimed run of each first, so no timed run pays for first-use costs (.pyc, page cache).
    for warm_up in (baseline, cold):
        try:
            warm_up()
        except CommandFailed:
            pass  # measured (and reported) below
    # The three commands alternate, so a change in the machine's load hits them alike.
    cold_label = "nb2pipe convert, cold"
    for _ in range(repeat):
        measure("jupyter nbconvert --to script", baseline, row.nbconvert)
        measure(cold_label, cold, row.cold)
        if cold_label not in failed:
            measure("nb2pipe convert, warm after editing one cell", warm, row.warm)
    row.warm_skipped = cold_label in failed
    if row.warm_skipped:
        row.warm.clear()


def _median(times: list[float]) -> float | None:
    return statistics.median(times) if times else None


def _fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "FAILED" if value is None else f"{value:.{digits}f}{suffix}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def print_report(rows: list[Row], help_times: list[float], repeat: int) -> None:
    print()
    print(f"nb2pipe convert vs jupyter nbconvert --to script: median wall time of {repeat} run(s), "
          f"seconds (Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s))")
    header = (f"{'cells':>6} {'lines':>7} {'ipynb':>8} {'cold':>7} {'warm*':>7} {'nbconvert':>9} "
              f"{'cold/nbc':>9} {'warm/nbc':>9}")
    print(header)
    print("-" * len(header))
    for row in rows:
        cold, warm, nbc = _median(row.cold), _median(row.warm), _median(row.nbconvert)
        warm_s = "skipped" if row.warm_skipped else _fmt(warm)
        print(f"{row.cells:>6} {row.lines:>7} {row.size_mb:>6.2f}MB {_fmt(cold):>7} {warm_s:>7} "
              f"{_fmt(nbc):>9} {_fmt(_ratio(cold, nbc), 2, 'x'):>9} "
              f"{_fmt(_ratio(warm, nbc), 2, 'x'):>9}")
    print(f"{'target at 2,000 cells':<49} {f'<={TARGET_COLD:.2f}x':>9} {f'<={TARGET_WARM:.2f}x':>9}")
    print("* warm: re-convert after editing one prepare cell, analysis cache filled by a previous "
          "convert")
    help_s = _median(help_times)
    verdict = "" if help_s is None else ("meets" if help_s <= TARGET_HELP else "misses")
    print(f"\nnb2pipe --help: {_fmt(help_s, 3)} s (target <= {TARGET_HELP} s"
          f"{': ' + verdict if verdict else ''})")
    for row in rows:
        if row.cells != 2000:
            continue
        nbc = _median(row.nbconvert)
        for label, value, target in (("cold", _median(row.cold), TARGET_COLD),
                                     ("warm", _median(row.warm), TARGET_WARM)):
            ratio = _ratio(value, nbc)
            if ratio is not None:
                print(f"2,000 cells, {label}: {ratio:.2f}x nbconvert (target <= {target}x: "
                      f"{'meets' if ratio <= target else 'misses'})")
    print("\nall runs (s):")
    for row in rows:
        for label, times in (("cold", row.cold), ("warm", row.warm), ("nbconvert", row.nbconvert)):
            none = "skipped" if label == "warm" and row.warm_skipped else "FAILED"
            print(f"  {row.cells:>6} cells {label:<9} " + (" ".join(f"{t:.2f}" for t in times)
                                                          or none))
    print("  nb2pipe --help         " + (" ".join(f"{t:.3f}" for t in help_times) or "FAILED"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, nargs="+", default=[2000, 100], metavar="N",
                        help="code cells per generated notebook (default: 2000 100)")
    parser.add_argument("--repeat", type=int, default=3, metavar="K",
                        help="timed runs per measurement, median reported (default: 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the generated notebooks to DIR and keep them")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    rows: list[Row] = []
    help_times: list[float] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nb2pipe-bench-") as tmp:
        tmp_path = Path(tmp)
        nb_dir = args.keep if args.keep else tmp_path / "notebooks"
        nb_dir.mkdir(parents=True, exist_ok=True)
        for n in args.cells:
            nb, edit_id = make_notebook(n)
            nb_path = nb_dir / f"synthetic_{n}.ipynb"
            nbformat.write(nb, nb_path)
            lines = sum(c.source.count("\n") + 1 for c in nb.cells if c.cell_type == "code")
            row = Row(n, lines, nb_path.stat().st_size / 1e6)
            print(f"generated {nb_path}: {n} code cells, {lines} lines of code, "
                  f"{row.size_mb:.2f} MB; timing ...", flush=True)
            bench_notebook(nb_path, edit_id, tmp_path / f"work-{n}", args.repeat, row)
            rows.append(row)
            failures.extend(row.failures)
        nb2pipe = _tool("nb2pipe")
        try:
            run(nb2pipe + ["--help"])  # untimed warm-up
            help_times = [run(nb2pipe + ["--help"]) for _ in range(max(args.repeat, 5))]
        except CommandFailed as exc:
            failures.append(f"nb2pipe --help: {exc}")
    print_report(rows, help_times, args.repeat)
    if args.keep:
        print(f"\nnotebooks kept in {args.keep}")
    if failures:
        print("\nFAILED commands:", file=sys.stderr)
        for failure in failures:
            print(f"- {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
