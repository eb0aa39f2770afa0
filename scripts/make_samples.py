#!/usr/bin/env python
"""Build the lifecycle-tagged sample notebooks and execute them with papermill.

    python scripts/make_samples.py                 # build + execute all samples
    python scripts/make_samples.py --only iris_classification
    python scripts/make_samples.py --no-execute    # only (re)write sample_notebooks/*.ipynb
    python scripts/make_samples.py --check         # fail if metrics differ from the stored ones
    python scripts/make_samples.py --vary          # also rerun with other parameters and check
                                                   # that the metrics change

Writes ``sample_notebooks/<name>.ipynb`` (no outputs, fixed cell ids), executes each with
papermill (kernel ``python3``, working directory = a temporary directory, so the model files
the notebooks write never land in the repo) into ``sample_notebooks/executed/<name>.ipynb``, and
records the default metrics in ``sample_notebooks/executed/metrics.json``.

Run it with the interpreter whose packages the notebooks should use (the project's venv):
jupyter_client starts a kernelspec whose argv begins with ``python`` with ``sys.executable``.
Only scikit-learn's bundled data sets are used; nothing touches the network.
"""

from __future__ import annotations

import argparse
import ast
import json
import platform
import re
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "sample_notebooks"
EXECUTED_DIR = OUT_DIR / "executed"
METRICS_FILE = EXECUTED_DIR / "metrics.json"
KERNEL_NAME = "python3"
TAG_PREFIX = "lifecycle:"
STAGES = ("setup", "ingest", "explore", "prepare", "train", "evaluate", "validate", "deploy",
          "monitor", "test", "skip")
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


# --------------------------------------------------------------------------- cell helpers

def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n").rstrip()


def md(cell_id: str, text: str):
    return v4.new_markdown_cell(_clean(text), id=cell_id)


def code(cell_id: str, source: str, stage: str | None = None, *, parameters: bool = False):
    tags = []
    if stage is not None:
        if stage not in STAGES:
            raise ValueError(f"{cell_id}: unknown stage {stage!r}")
        tags.append(TAG_PREFIX + stage)
    if parameters:
        tags.append("parameters")
    metadata = {"tags": tags} if tags else {}
    return v4.new_code_cell(_clean(source), id=cell_id, metadata=metadata)


def notebook(cells) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        # what ipykernel reports, so JupyterLab opening a sample does not mark it modified
        "language_info": {"codemirror_mode": {"name": "ipython", "version": 3},
                          "file_extension": ".py", "mimetype": "text/x-python",
                          "name": "python", "nbconvert_exporter": "python",
                          "pygments_lexer": "ipython3", "version": platform.python_version()},
    }
    return nb


# --------------------------------------------------------------------------- 1. iris

def iris_classification():
    return notebook([
        md("md-title", """
            # Iris species classification

            A small, clean example: load the iris measurements, look at them, fit a random
            forest, check accuracy / F1 against a gate and save the model with joblib.
            """),
        code("setup-imports", """
            import joblib
            import numpy as np
            import pandas as pd
            from sklearn.datasets import load_iris
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.metrics import accuracy_score, f1_score, log_loss
            from sklearn.model_selection import train_test_split
            """, "setup"),
        code("parameters", """
            # parameters (papermill overrides these)
            test_size = 0.3
            n_estimators = 50
            max_depth = 3
            random_state = 42
            model_path = "iris_model.joblib"
            """, parameters=True),
        md("md-ingest", """
            ## Load the data

            scikit-learn ships the data set; we give the columns friendlier names.
            """),
        code("ingest-load", """
            iris = load_iris(as_frame=True)
            df = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
            df["species"] = df["target"].map(dict(enumerate(iris.target_names)))
            df.shape
            """, "ingest"),
        code("ingest-columns", """
            feature_names = [c for c in df.columns if c not in ("target", "species")]
            feature_names
            """),
        md("md-explore", """
            ## Explore

            Ranges, class balance and per-species means. Nothing here is exported.
            """),
        code("explore-describe", """
            df.describe()
            """, "explore"),
        code("explore-counts", """
            df["species"].value_counts()
            """),
        code("explore-means", """
            df.groupby("species")[feature_names].mean().round(2)
            """),
        md("md-prepare", """
            ## Prepare

            Stratified train / test split so every species is in the test set.
            """),
        code("prepare-split", """
            X = df[feature_names]
            y = df["target"]
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=test_size, random_state=random_state, stratify=y
            )
            print(f"train: {X_train.shape}, test: {X_test.shape}")
            """, "prepare"),
        md("md-train", """
            ## Train
            """),
        code("train-fit", """
            model = RandomForestClassifier(
                n_estimators=n_estimators, max_depth=max_depth, random_state=random_state
            )
            model.fit(X_train, y_train);
            """, "train"),
        code("train-importances", """
            importances = pd.Series(model.feature_importances_, index=feature_names)
            importances.sort_values(ascending=False)
            """),
        md("md-evaluate", """
            ## Evaluate

            Accuracy and macro F1 on the held-out split, plus log loss (it moves with the
            number of trees even when accuracy does not).
            """),
        code("evaluate-metrics", """
            y_pred = model.predict(X_test)
            y_proba = model.predict_proba(X_test)
            acc = accuracy_score(y_test, y_pred)
            f1 = f1_score(y_test, y_pred, average="macro")
            metrics = {
                "accuracy": float(acc),
                "f1_macro": float(f1),
                "log_loss": float(log_loss(y_test, y_proba, labels=model.classes_)),
            }
            metrics
            """, "evaluate"),
        md("md-validate", """
            ## Validate

            Release gates: the pipeline stops here if the model got worse.
            """),
        code("validate-gates", """
            assert metrics["accuracy"] > 0.85, "accuracy below 0.85"
            assert metrics["f1_macro"] > 0.85, "macro F1 below 0.85"
            assert metrics["log_loss"] < 0.5, "log loss above 0.5"
            """, "validate"),
        md("md-deploy", """
            ## Deploy
            """),
        code("deploy-save", """
            joblib.dump(model, model_path)
            print(f"saved model to {model_path}")
            """, "deploy"),
        code("skip-scratch", """
            # scratch: does a plain logistic regression do as well? (not part of the pipeline)
            from sklearn.linear_model import LogisticRegression

            LogisticRegression(max_iter=500).fit(X_train, y_train).score(X_test, y_test)
            """, "skip"),
        md("md-tests", """
            ## Tests

            These cells become pytest tests.
            """),
        code("test-split", """
            assert len(X_train) + len(X_test) == len(df)
            assert list(X_train.columns) == feature_names
            assert set(y_test.unique()) == {0, 1, 2}, "stratified split should keep every class"
            assert not df[feature_names].isna().any().any()
            """, "test"),
        code("test-model", """
            assert model.n_features_in_ == 4
            assert y_proba.shape == (len(X_test), 3)
            assert np.allclose(y_proba.sum(axis=1), 1.0)
            """),
    ])


# --------------------------------------------------------------------------- 2. diabetes

def diabetes_regression():
    return notebook([
        md("md-title", """
            # Diabetes progression: ridge regression

            Predict disease progression one year after baseline from ten clinical features.
            The raw extract has a few missing BMI readings, so there is some cleaning to do.
            """),
        code("setup-imports", """
            import warnings

            import joblib
            import numpy as np
            import pandas as pd
            from sklearn.datasets import load_diabetes
            from sklearn.linear_model import Ridge
            from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
            from sklearn.model_selection import train_test_split

            # pandas 3.1 deprecates inplace=True on dropna & co.; we still use it below
            warnings.filterwarnings("ignore", message="The inplace keyword")
            """, "setup"),
        code("parameters", """
            alpha = 1.0
            test_size = 0.2
            missing_fraction = 0.03
            random_state = 0
            model_path = "diabetes_ridge.joblib"
            """, parameters=True),
        md("md-ingest", """
            ## Load

            Unscaled features (age in years, BMI, blood pressure, six serum measurements).
            """),
        code("ingest-load", """
            raw = load_diabetes(as_frame=True, scaled=False)
            df = raw.frame.copy()
            df.columns = [c.lower() for c in df.columns]
            df = df.rename(columns={"target": "progression"})
            """, "ingest"),
        code("ingest-missing", """
            # the warehouse export loses some bmi readings; reproduce that deterministically
            rng = np.random.default_rng(random_state)
            missing_rows = rng.choice(df.index.to_numpy(), size=int(missing_fraction * len(df)), replace=False)
            df.loc[missing_rows, "bmi"] = np.nan
            df.isna().sum().sum()
            """),
        md("md-explore", """
            ## Explore
            """),
        code("explore-describe", """
            df.describe().T
            """, "explore"),
        code("explore-corr", """
            df.corr()["progression"].sort_values()
            """),
        code("explore-sex", """
            df["sex"].value_counts()  # coded 1 / 2
            """),
        md("md-prepare", """
            ## Prepare

            Drop incomplete rows, recode `sex`, add a squared BMI term (progression looks
            convex in BMI) and standardize with the training split's statistics.
            """),
        code("prepare-clean", """
            n_before = len(df)
            df.dropna(inplace=True)
            df = df.reset_index(drop=True)
            print(f"dropped {n_before - len(df)} rows with missing values")
            """, "prepare"),
        code("prepare-features", """
            features = [c for c in df.columns if c != "progression"]
            df["bmi_sq"] = df["bmi"] ** 2
            features.append("bmi_sq")
            df["sex"] = (df["sex"] == 2).astype(int)  # 1/2 -> 0/1
            """),
        code("prepare-helper", """
            def standardize(frame, columns, stats=None):
                \"\"\"Z-score `columns`; pass the training stats to scale new data the same way.\"\"\"
                if stats is None:
                    stats = frame[columns].agg(["mean", "std"])
                out = frame.copy()
                out[columns] = (frame[columns] - stats.loc["mean"]) / stats.loc["std"]
                return out, stats
            """),
        code("prepare-split", """
            train_df, test_df = train_test_split(df, test_size=test_size, random_state=random_state)
            numeric = [c for c in features if c != "sex"]
            train_df, scaler_stats = standardize(train_df, numeric)
            test_df, _ = standardize(test_df, numeric, scaler_stats)
            X_train, y_train = train_df[features], train_df["progression"]
            X_test, y_test = test_df[features], test_df["progression"]
            X_train.shape, X_test.shape
            """),
        md("md-train", """
            ## Train
            """),
        code("train-fit", """
            model = Ridge(alpha=alpha)
            model.fit(X_train, y_train)
            coefs = pd.Series(model.coef_, index=features)
            coefs.round(2)
            """, "train"),
        code("train-baseline", """
            # baseline to beat: always predict the training mean
            baseline_pred = np.full(len(y_test), y_train.mean())
            """),
        md("md-evaluate", """
            ## Evaluate
            """),
        code("evaluate-residuals", """
            y_pred = model.predict(X_test)
            residuals = y_test - y_pred
            residuals.describe()
            """, "evaluate"),
        code("evaluate-metrics", """
            metrics = {
                "r2": float(r2_score(y_test, y_pred)),
                "mae": float(mean_absolute_error(y_test, y_pred)),
                "rmse": float(root_mean_squared_error(y_test, y_pred)),
                "baseline_rmse": float(root_mean_squared_error(y_test, baseline_pred)),
            }
            metrics
            """, "evaluate"),
        md("md-validate", """
            ## Validate
            """),
        code("validate-gates", """
            assert metrics["r2"] > 0.3, "R^2 below 0.3"
            assert metrics["rmse"] < metrics["baseline_rmse"], "model does not beat the mean baseline"
            assert metrics["mae"] < 60, "MAE above 60"
            """, "validate"),
        md("md-deploy", """
            ## Deploy

            Save the model with the feature list and the scaling statistics, then smoke-test
            the saved bundle with the `standardize` helper from *Prepare*.
            """),
        code("deploy-save", """
            bundle = {"model": model, "features": features, "scaler_stats": scaler_stats}
            joblib.dump(bundle, model_path)
            """, "deploy"),
        code("deploy-smoke", """
            loaded = joblib.load(model_path)
            sample, _ = standardize(df.head(3), numeric, loaded["scaler_stats"])
            loaded["model"].predict(sample[loaded["features"]]).round(1)
            """),
        md("md-tests", """
            ## Tests
            """),
        code("test-clean", """
            assert not df.isna().any().any(), "NaNs left after cleaning"
            assert "bmi_sq" in features and "bmi_sq" in X_train.columns
            assert len(X_train) + len(X_test) == len(df)
            assert set(df["sex"].unique()) <= {0, 1}
            """, "test"),
        code("test-scaling", """
            # standardized with the training split's own statistics
            assert np.allclose(X_train[numeric].mean(), 0.0)
            assert np.allclose(X_train[numeric].std(), 1.0)
            """),
    ])


# --------------------------------------------------------------------------- 3. wine

def wine_clustering():
    return notebook([
        md("md-title", """
            # Wine cultivars: k-means clustering

            Cluster the 178 wines on their 13 chemical measurements without looking at the
            cultivar, then check how well the clusters recover it. A monitor stage computes a
            simple drift score.
            """),
        code("setup-imports", """
            import joblib
            import numpy as np
            import pandas as pd
            from sklearn.cluster import KMeans
            from sklearn.datasets import load_wine
            from sklearn.metrics import adjusted_rand_score, silhouette_score
            from sklearn.preprocessing import StandardScaler
            """, "setup"),
        code("parameters", """
            n_clusters = 3
            n_init = 10
            random_state = 7
            drift_threshold = 0.5
            model_path = "wine_kmeans.joblib"
            """, parameters=True),
        md("md-ingest", """
            ## Load
            """),
        code("ingest-load", """
            wine = load_wine(as_frame=True)
            df = wine.frame
            labels = df.pop("target")  # the cultivar: only used to score the clusters
            df.shape
            """, "ingest"),
        md("md-explore", """
            ## Explore

            The features live on very different scales (proline is in the hundreds), so they
            need standardizing before k-means.
            """),
        code("explore-describe", """
            df.describe().T[["mean", "std", "min", "max"]]
            """, "explore"),
        code("explore-labels", """
            labels.value_counts().sort_index()
            """),
        code("explore-scale", """
            (df.std() / df.std().min()).sort_values(ascending=False).head()
            """),
        md("md-prepare", """
            ## Prepare
            """),
        code("prepare-scale", """
            scaler = StandardScaler()
            X = scaler.fit_transform(df)
            X.shape
            """, "prepare"),
        md("md-train", """
            ## Fit k-means

            The elbow scan below was used to pick the default `n_clusters`; it is skipped by the
            pipeline.
            """),
        code("skip-elbow", """
            inertias = {k: KMeans(n_clusters=k, n_init=5, random_state=0).fit(X).inertia_ for k in range(2, 7)}
            pd.Series(inertias).round(1)
            """, "skip"),
        code("train-fit", """
            kmeans = KMeans(n_clusters=n_clusters, n_init=n_init, random_state=random_state)
            clusters = kmeans.fit_predict(X)
            pd.Series(clusters).value_counts().sort_index()
            """, "train"),
        md("md-evaluate", """
            ## Evaluate

            Silhouette and inertia need no labels; the adjusted Rand index compares the clusters
            with the cultivars.
            """),
        code("evaluate-crosstab", """
            pd.crosstab(labels, clusters, rownames=["cultivar"], colnames=["cluster"])
            """, "evaluate"),
        code("evaluate-metrics", """
            metrics = {
                "silhouette": float(silhouette_score(X, clusters)),
                "inertia": float(kmeans.inertia_),
                "adjusted_rand": float(adjusted_rand_score(labels, clusters)),
            }
            metrics
            """, "evaluate"),
        md("md-validate", """
            ## Validate
            """),
        code("validate-gates", """
            assert metrics["silhouette"] > 0.2, "clusters are not separated (silhouette <= 0.2)"
            assert metrics["adjusted_rand"] > 0.7, "clusters do not match the cultivars (ARI <= 0.7)"
            """, "validate"),
        md("md-deploy", """
            ## Deploy
            """),
        code("deploy-save", """
            joblib.dump({"scaler": scaler, "kmeans": kmeans}, model_path)
            centers = pd.DataFrame(scaler.inverse_transform(kmeans.cluster_centers_), columns=df.columns)
            centers.round(2)
            """, "deploy"),
        md("md-monitor", """
            ## Monitor

            A cheap drift check: compare feature means between two random halves of the data,
            in units of the feature's standard deviation. In production the halves would be the
            training window and the latest batch.
            """),
        code("monitor-drift", """
            rng = np.random.default_rng(random_state)
            order = rng.permutation(len(df))
            reference = df.iloc[order[: len(df) // 2]]
            current = df.iloc[order[len(df) // 2 :]]
            mean_shift = ((current.mean() - reference.mean()) / df.std()).abs()
            drift_score = float(mean_shift.max())
            drift_detected = drift_score > drift_threshold
            print(f"max standardized mean shift {drift_score:.3f} ({mean_shift.idxmax()}), drift: {drift_detected}")
            """, "monitor"),
        code("monitor-clusters", """
            share_ref = np.bincount(kmeans.predict(scaler.transform(reference)), minlength=n_clusters) / len(reference)
            share_cur = np.bincount(kmeans.predict(scaler.transform(current)), minlength=n_clusters) / len(current)
            cluster_shift = float(np.abs(share_ref - share_cur).max())
            monitoring = {"drift_score": drift_score, "drift_detected": bool(drift_detected), "cluster_shift": cluster_shift}
            monitoring
            """),
        md("md-tests", """
            ## Tests
            """),
        code("test-data", """
            assert X.shape == (178, 13)
            assert np.allclose(X.mean(axis=0), 0.0) and np.allclose(X.std(axis=0), 1.0)
            assert len(clusters) == len(labels)
            assert set(np.unique(clusters)) == set(range(n_clusters))
            """, "test"),
        code("test-drift", """
            assert 0.0 <= drift_score < drift_threshold, "two random halves of one data set should not drift"
            assert not drift_detected
            assert 0.0 <= cluster_shift <= 1.0
            """),
    ])


# --------------------------------------------------------------------------- 4. digits

def digits_magics():
    return notebook([
        md("md-title", """
            # Handwritten digits, with magics

            An SVM on PCA-reduced 8x8 digit images. The notebook is written the way people
            actually write them: `%time`, `%%time`, `%who`, a `!` shell escape, bare expressions,
            `display(...)` (never imported: it is an IPython builtin) and `print` in exported
            stages, and a helper class defined in setup.
            """),
        code("setup-imports", """
            import joblib
            import numpy as np
            import pandas as pd
            from sklearn.datasets import load_digits
            from sklearn.decomposition import PCA
            from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVC
            """, "setup"),
        code("setup-helper", """
            class PixelScaler:
                \"\"\"Scale the 4-bit pixel intensities (0..16) to 0..1.\"\"\"

                def __init__(self, max_value=16.0):
                    self.max_value = max_value

                def fit(self, X, y=None):
                    return self

                def transform(self, X):
                    return np.asarray(X, dtype=float) / self.max_value

                def fit_transform(self, X, y=None):
                    return self.fit(X, y).transform(X)
            """),
        code("parameters", """
            test_size = 0.25
            n_components = 30
            C = 5.0
            gamma = 0.05
            random_state = 0
            model_path = "digits_svc.joblib"
            """, parameters=True),
        md("md-ingest", """
            ## Load
            """),
        code("ingest-load", """
            %time digits = load_digits()
            df = pd.DataFrame(digits.data, columns=[f"px{i}" for i in range(digits.data.shape[1])])
            df["label"] = digits.target
            print(f"{len(df)} images of {digits.images.shape[1]}x{digits.images.shape[2]} pixels")
            """, "ingest"),
        code("ingest-peek", """
            df.head()
            """),
        md("md-explore", """
            ## Explore
            """),
        code("explore-who", """
            %who
            """, "explore"),
        code("explore-counts", """
            counts = df["label"].value_counts().sort_index()
            counts
            """),
        code("explore-blank", """
            blank = (df.drop(columns="label") == 0).all()
            print(f"{int(blank.sum())} pixels are always 0")
            """),
        code("explore-recount", """
            # counts looked off at first: recompute them from the raw target instead of the frame
            counts = pd.Series(np.bincount(digits.target), name="count")
            counts.describe()
            """),
        md("md-prepare", """
            ## Prepare

            Split, scale pixels to 0..1 with the helper class, reduce to `n_components` with PCA.
            """),
        code("prepare-split", """
            !echo preparing
            X = df.drop(columns="label").to_numpy()
            y = df["label"].to_numpy()
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=test_size, random_state=random_state, stratify=y
            )
            """, "prepare"),
        code("prepare-reduce", """
            scaler = PixelScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.transform(X_test)
            pca = PCA(n_components=n_components, random_state=random_state)
            X_train_p = pca.fit_transform(X_train)
            X_test_p = pca.transform(X_test)
            display(pd.Series(pca.explained_variance_ratio_).cumsum().tail(3))
            """),
        md("md-train", """
            ## Train
            """),
        code("train-fit", """
            %%time
            model = SVC(C=C, gamma=gamma)
            model = model.fit(X_train_p, y_train)
            """, "train"),
        code("train-support", """
            print("support vectors per class:", model.n_support_)
            """),
        md("md-evaluate", """
            ## Evaluate
            """),
        code("evaluate-report", """
            y_pred = model.predict(X_test_p)
            print(classification_report(y_test, y_pred, digits=3))
            """, "evaluate"),
        code("evaluate-confusion", """
            display(pd.DataFrame(confusion_matrix(y_test, y_pred)))
            """),
        code("evaluate-metrics", """
            acc = accuracy_score(y_test, y_pred)
            metrics = {
                "accuracy": float(acc),
                "f1_macro": float(f1_score(y_test, y_pred, average="macro")),
                "n_support_vectors": float(model.n_support_.sum()),
            }
            metrics
            """, "evaluate"),
        md("md-validate", """
            ## Validate
            """),
        code("validate-gates", """
            assert metrics["accuracy"] > 0.95, "accuracy below 0.95"
            assert metrics["f1_macro"] > 0.95, "macro F1 below 0.95"
            """, "validate"),
        md("md-deploy", """
            ## Deploy
            """),
        code("deploy-save", """
            joblib.dump({"scaler": scaler, "pca": pca, "model": model}, model_path)
            print("saved", model_path)
            """, "deploy"),
        code("skip-peek", """
            # scratch: what does the first digit look like?
            digits.images[0].astype(int)
            """, "skip"),
        md("md-tests", """
            ## Tests
            """),
        code("test-shapes", """
            assert X_train.shape[1] == 64 and X_train_p.shape[1] == n_components
            assert X_train.min() >= 0.0 and X_train.max() <= 1.0
            assert len(y_train) + len(y_test) == len(df)
            """, "test"),
        code("test-predictions", """
            assert y_pred.shape == y_test.shape
            assert set(np.unique(y_pred)) <= set(range(10))
            """),
    ])


# --------------------------------------------------------------------------- 5. breast cancer

def breast_cancer_pipeline():
    return notebook([
        md("md-title", """
            # Breast cancer: scikit-learn Pipeline + GridSearchCV

            Scaler + logistic regression in one `Pipeline`, the regularization strength picked by
            a deliberately tiny grid search (3 folds, a handful of `C` values).
            """),
        code("setup-imports", """
            import joblib
            import numpy as np
            import pandas as pd
            from sklearn.datasets import load_breast_cancer
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
            from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import StandardScaler
            """, "setup"),
        code("parameters", """
            test_size = 0.25
            C_values = [0.01, 0.1, 1.0]
            cv_folds = 3
            scoring = "roc_auc"
            random_state = 42
            model_path = "breast_cancer_pipeline.joblib"
            """, parameters=True),
        md("md-ingest", """
            ## Load

            Target 0 = malignant, 1 = benign.
            """),
        code("ingest-load", """
            X, y = load_breast_cancer(return_X_y=True, as_frame=True)
            X.shape, round(float(y.mean()), 3)
            """, "ingest"),
        md("md-explore", """
            ## Explore
            """),
        code("explore-describe", """
            X.describe().T.head(10)
            """, "explore"),
        code("explore-balance", """
            y.value_counts()
            """),
        code("explore-corr", """
            # many of the 30 features are near-duplicates (radius / perimeter / area ...)
            corr = X.corr().abs()
            upper = corr.where(np.triu(np.ones(corr.shape, dtype=bool), k=1))
            int((upper > 0.95).sum().sum())
            """),
        md("md-prepare", """
            ## Prepare

            Split first; scaling lives inside the pipeline so cross-validation cannot leak.
            """),
        code("prepare-split", """
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=test_size, random_state=random_state, stratify=y
            )
            """, "prepare"),
        code("prepare-pipeline", """
            pipe = Pipeline([
                ("scale", StandardScaler()),
                ("clf", LogisticRegression(max_iter=2000)),
            ])
            param_grid = {"clf__C": C_values}
            """),
        md("md-train", """
            ## Grid search
            """),
        code("train-search", """
            search = GridSearchCV(pipe, param_grid, cv=StratifiedKFold(n_splits=cv_folds), scoring=scoring)
            search.fit(X_train, y_train)
            best_model = search.best_estimator_
            """, "train"),
        code("train-results", """
            results = pd.DataFrame(search.cv_results_)
            results[["param_clf__C", "mean_test_score", "std_test_score", "rank_test_score"]]
            """),
        md("md-evaluate", """
            ## Evaluate
            """),
        code("evaluate-metrics", """
            y_pred = best_model.predict(X_test)
            y_score = best_model.predict_proba(X_test)[:, 1]
            metrics = {
                "accuracy": float(accuracy_score(y_test, y_pred)),
                "f1": float(f1_score(y_test, y_pred)),
                "roc_auc": float(roc_auc_score(y_test, y_score)),
                "best_C": float(search.best_params_["clf__C"]),
                "cv_best_score": float(search.best_score_),
            }
            metrics
            """, "evaluate"),
        md("md-validate", """
            ## Validate
            """),
        code("validate-gates", """
            assert metrics["accuracy"] > 0.93, "accuracy below 0.93"
            assert metrics["roc_auc"] > 0.97, "ROC AUC below 0.97"
            assert metrics["best_C"] in C_values, "best C is not from the grid"
            """, "validate"),
        md("md-deploy", """
            ## Deploy

            The whole fitted pipeline (scaler included) is the artifact.
            """),
        code("deploy-save", """
            joblib.dump(best_model, model_path)
            """, "deploy"),
        md("md-tests", """
            ## Tests
            """),
        code("test-split", """
            assert len(X_train) + len(X_test) == len(X)
            assert X_train.shape[1] == 30
            assert abs(y_train.mean() - y_test.mean()) < 0.02, "split should be stratified"
            """, "test"),
        code("test-search", """
            assert len(search.cv_results_["params"]) == len(C_values)
            assert ((y_score >= 0.0) & (y_score <= 1.0)).all()
            """),
    ])


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class Sample:
    name: str
    build: Callable[[], nbformat.NotebookNode]
    # other parameters (for --vary) that must change the metrics
    vary: dict = field(default_factory=dict)


SAMPLES = (
    Sample("iris_classification", iris_classification, {"n_estimators": 10}),
    Sample("diabetes_regression", diabetes_regression, {"alpha": 10.0}),
    Sample("wine_clustering", wine_clustering, {"n_clusters": 4}),
    Sample("digits_magics", digits_magics, {"C": 1.0}),
    Sample("breast_cancer_pipeline", breast_cancer_pipeline, {"C_values": [0.01, 0.03]}),
)


# --------------------------------------------------------------------------- checks

def effective_stages(nb) -> list[str | None]:
    """Stage per cell (None for markdown), with untagged cells inheriting the one above."""
    current = "setup"
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            out.append(None)
            continue
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith(TAG_PREFIX):
                current = tag[len(TAG_PREFIX):]
        out.append(current)
    return out


def check_structure(name: str, nb) -> None:
    """The conventions the converter's tests rely on; raises on violations."""
    problems = []
    ids = [c.id for c in nb.cells]
    if len(set(ids)) != len(ids):
        problems.append("duplicate cell ids")
    problems += [f"bad cell id {i!r}" for i in ids if not CELL_ID.match(i)]
    stages = effective_stages(nb)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(params) != 1:
        problems.append("need exactly one parameters cell")
    elif any(t.startswith(TAG_PREFIX) for t in params[0].metadata["tags"]):
        problems.append("the parameters cell must not carry a lifecycle tag")
    else:
        for node in ast.parse(params[0].source).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)):
                problems.append("parameters cell holds something other than NAME = literal")
                continue
            try:
                ast.literal_eval(node.value)
            except ValueError:
                problems.append(f"parameter {node.targets[0].id} is not a literal")
    for cell in nb.cells:
        n = sum(t.startswith(TAG_PREFIX) for t in cell.metadata.get("tags", []))
        if n > 1:
            problems.append(f"{cell.id}: several lifecycle tags")
    if metrics_cell(nb) is None:
        problems.append("no evaluate cell ending in the bare expression `metrics`")
    code_in = lambda stage: [c for c, s in zip(nb.cells, stages) if s == stage]  # noqa: E731
    if not any("assert " in c.source and "metrics" in c.source for c in code_in("validate")):
        problems.append("no validate cell asserting on metrics")
    if not any("assert " in c.source for c in code_in("test")):
        problems.append("no test cell with asserts")
    if not 15 <= len(nb.cells) <= 30:
        problems.append(f"{len(nb.cells)} cells (want 15-30)")
    for cell in nb.cells:
        if cell.cell_type == "code" and ("/work" in cell.source or "open('/" in cell.source):
            problems.append(f"{cell.id}: absolute path")
    if problems:
        raise SystemExit(f"{name}: " + "; ".join(problems))


def metrics_cell(nb):
    """The last evaluate cell whose last line is the bare expression ``metrics``."""
    found = None
    for cell, stage in zip(nb.cells, effective_stages(nb)):
        if stage == "evaluate" and cell.source.strip().splitlines()[-1:] == ["metrics"]:
            found = cell
    return found


def read_metrics(nb) -> dict:
    cell = metrics_cell(nb)
    results = [o for o in cell.get("outputs", []) if o.output_type == "execute_result"]
    if not results:
        raise SystemExit(f"cell {cell.id!r} has no execute_result showing `metrics`")
    return ast.literal_eval(results[-1].data["text/plain"])


def problems_in_outputs(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                out.append(f"{cell.id}: error {o.ename}: {o.evalue}")
            elif o.output_type == "stream" and o.name == "stderr":
                out.append(f"{cell.id}: stderr: {o.text.strip()[:300]}")
            text = json.dumps(o)
            if str(ROOT) in text or "/tmp/" in text:
                out.append(f"{cell.id}: output mentions an absolute path")
    return out


# --------------------------------------------------------------------------- build / execute

def write_source(sample: Sample) -> Path:
    nb = sample.build()
    check_structure(sample.name, nb)
    nbformat.validate(nb)
    path = OUT_DIR / f"{sample.name}.ipynb"
    nbformat.write(nb, path)
    return path


def execute(source: Path, target: Path, parameters: dict | None = None) -> tuple[dict, float]:
    import papermill as pm

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nb-sample-") as workdir:
        start = time.perf_counter()
        pm.execute_notebook(
            str(source), str(target), parameters=parameters or {}, kernel_name=KERNEL_NAME,
            cwd=workdir, progress_bar=False, log_output=False,
        )
        elapsed = time.perf_counter() - start
    nb = nbformat.read(target, as_version=4)
    # papermill records the paths it was given; keep the committed files machine-independent
    papermill_meta = nb.metadata.get("papermill", {})
    for key, path in (("input_path", source), ("output_path", target)):
        if key in papermill_meta:
            papermill_meta[key] = _rel(path)
    nbformat.write(nb, target)
    problems = problems_in_outputs(nb)
    if problems:
        raise SystemExit(f"{target.name}:\n  " + "\n  ".join(problems))
    return read_metrics(nb), elapsed


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="build only these samples")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks only")
    parser.add_argument("--check", action="store_true",
                        help="fail if metrics differ from sample_notebooks/executed/metrics.json")
    parser.add_argument("--vary", action="store_true",
                        help="also run each sample with other parameters; fail unless metrics change")
    args = parser.parse_args(argv)

    samples = [s for s in SAMPLES if not args.only or s.name in args.only]
    if args.only and len(samples) != len(args.only):
        known = ", ".join(s.name for s in SAMPLES)
        parser.error(f"unknown sample in {args.only}; known: {known}")
    OUT_DIR.mkdir(exist_ok=True)
    stored = json.loads(METRICS_FILE.read_text()) if METRICS_FILE.exists() else {}
    new = dict(stored)
    changed = []
    for sample in samples:
        source = write_source(sample)
        nb = nbformat.read(source, as_version=4)
        layout = " ".join(
            f"{stage}" for stage in _runs(effective_stages(nb), nb))
        print(f"{sample.name}: {len(nb.cells)} cells  [{layout}]")
        if args.no_execute:
            continue
        metrics, elapsed = execute(source, EXECUTED_DIR / source.name)
        print(f"  metrics {metrics}  ({elapsed:.1f}s)")
        if sample.name in stored and stored[sample.name] != metrics:
            changed.append(sample.name)
            print(f"  CHANGED from the stored {stored[sample.name]}")
        new[sample.name] = metrics
        if args.vary and sample.vary:
            with tempfile.TemporaryDirectory(prefix="nb-vary-") as tmp:
                varied, elapsed = execute(source, Path(tmp) / source.name, sample.vary)
            same = varied == metrics
            print(f"  with {sample.vary}: {varied}  ({elapsed:.1f}s)"
                  + ("  -- UNCHANGED" if same else ""))
            if same:
                raise SystemExit(f"{sample.name}: changing {sample.vary} did not change the metrics")
    if not args.no_execute:
        METRICS_FILE.write_text(json.dumps(dict(sorted(new.items())), indent=2) + "\n")
    if changed and args.check:
        print(f"metrics changed for: {', '.join(changed)}", file=sys.stderr)
        return 1
    return 0


def _runs(stages, nb):
    """Collapse the per-cell stage list into runs like 'setup params ingest x2 ...'."""
    runs: list[list] = []
    for cell, stage in zip(nb.cells, stages):
        if stage is None:
            continue
        label = "params" if "parameters" in cell.metadata.get("tags", []) else stage
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    return [f"{label}x{n}" if n > 1 else label for label, n in runs]


if __name__ == "__main__":
    sys.exit(main())
