"""Markdown headings (and step names) as stage hints: ``## Load data`` → ingest.

Common words in English, with the cheap ones of German, French, Spanish and Portuguese. Words are
matched whole, lower-cased, after splitting on anything that is not a letter or digit.
"""

from __future__ import annotations

import re

# Checked in this order: the first stage with a matching word wins ("Train and evaluate" → train).
HEADING_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("test", frozenset({"test", "tests", "testing", "unittest", "unittests", "autograder",
                        "sanity", "pruebas"})),
    ("validate", frozenset({"validate", "validation", "gate", "gates", "acceptance", "release",
                            "validierung", "validación", "validação", "check", "checks"})),
    ("monitor", frozenset({"monitor", "monitoring", "drift", "health", "überwachung",
                           "surveillance", "monitoreo"})),
    ("deploy", frozenset({"deploy", "deployment", "export", "save", "saving", "serialize",
                          "persist", "serve", "serving", "publish", "artifacts", "artefacts",
                          "speichern", "sauvegarde", "guardar", "despliegue", "implantação"})),
    ("explore", frozenset({"explore", "exploration", "exploratory", "eda", "look", "inspect",
                           "visualize", "visualise", "visualization", "visualisation", "plot",
                           "plots", "overview", "glance", "explorer", "exploración",
                           "exploração", "exploratoria", "erkunden"})),
    ("evaluate", frozenset({"evaluate", "evaluation", "eval", "metrics", "metric", "score",
                            "scores", "scoring", "results", "performance", "assess", "readout",
                            "compare", "comparison", "auswertung", "évaluation", "evaluación",
                            "avaliação", "effect", "error", "errors"})),
    ("train", frozenset({"train", "training", "fit", "fitting", "model", "models", "modeling",
                         "modelling", "baseline", "tune", "tuning", "search", "estimator",
                         "entraînement", "entrenamiento", "treinamento",
                         "trainieren", "forecast", "refit", "ensemble", "ensembles"})),
    ("prepare", frozenset({"prepare", "preparation", "preprocess", "preprocessing", "clean",
                           "cleaning", "feature", "features", "engineering", "split",
                           "splitting", "transform", "transformation", "scale", "scaling",
                           "encode", "encoding", "impute", "vectorize", "vorbereitung",
                           "préparation", "preparación", "preparação", "limpieza"})),
    ("ingest", frozenset({"load", "loading", "data", "dataset", "datasets", "ingest", "read",
                          "reading", "fetch", "download", "import", "source", "sources",
                          "daten", "laden", "données", "chargement", "datos", "carga",
                          "dados", "carregar"})),
    ("setup", frozenset({"setup", "imports", "configuration", "config", "helpers", "utilities",
                         "utils", "libraries", "environment", "einrichtung", "configuración"})),
)

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$", re.MULTILINE)
# Phrases whose words would mislead: a test *set* is prepared, cross-validation trains.
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(train[-/ ]?(and[- ])?)?test[- ](set|split|data)s?\b", re.IGNORECASE), " split "),
    (re.compile(r"\bcross[- ]validat\w*", re.IGNORECASE), " training "),
)
_WORD = re.compile(r"[^\W_]+")


def words_stage(text: str, known: frozenset[str] | None = None) -> str | None:
    """The stage that ``text``'s words name, or None. ``known`` limits the result to those stages."""
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    words = {w.lower() for w in _WORD.findall(text)}
    for stage, vocabulary in HEADING_WORDS:
        if words & vocabulary and (known is None or stage in known):
            return stage
    return None


def headings_of(markdown: str) -> list[str]:
    """The section heading lines of a markdown cell (``##``-style and deeper), in order: a
    level-1 heading titles the notebook and says nothing about its first cells."""
    return [m.group(2).strip() for m in _HEADING.finditer(markdown) if len(m.group(1)) > 1]


def heading_stage(markdown: str, known: frozenset[str] | None = None) -> tuple[str | None, str | None]:
    """(stage, heading text) from the last heading of the cell that names a stage."""
    for heading in reversed(headings_of(markdown)):
        stage = words_stage(heading, known)
        if stage is not None:
            return stage, heading
    headings = headings_of(markdown)
    return None, headings[-1] if headings else None
