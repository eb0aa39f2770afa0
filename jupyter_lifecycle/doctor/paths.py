"""Paths: absolute or user-specific paths, reads from outside the project folder, network reads."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .calls import Call
from .context import Context
from .model import Finding, Severity

URL = re.compile(r"^(https?|ftp|s3|gs|gcs|az|abfss?|hdfs)://", re.IGNORECASE)
_USER = re.compile(r"^(~|/home/|/Users/|/root/|[A-Za-z]:[\\/](Users|Documents and Settings)[\\/])")
_ABSOLUTE = re.compile(r"^(/[^/\s:*?\"<>|]+){2,}/?$|^[A-Za-z]:[\\/]\S")
# Calls that read data by name: the string arguments are paths or URLs.
_READERS = re.compile(r"^(read_\w+|load|loadtxt|genfromtxt|fromfile|open|urlopen|urlretrieve|"
                      r"get|imread|load_workbook|ExcelFile|read|Dataset|scan_\w+|DataFrame\.from_\w+)$")
_NETWORK_CALLS = frozenset({"requests.get", "requests.post", "requests.request",
                            "urllib.request.urlopen", "urllib.request.urlretrieve", "httpx.get",
                            "wget.download", "gdown.download", "kaggle.api.dataset_download_files"})
_NETWORK_DATASETS = re.compile(r"^(sklearn\.datasets\.fetch_\w+|seaborn\.load_dataset|"
                               r"tensorflow\.keras\.datasets\.\w+\.load_data|"
                               r"keras\.datasets\.\w+\.load_data|datasets\.load_dataset|"
                               r"torchvision\.datasets\.\w+|openml\.\w+)$")
PATH_LIKE = re.compile(r"[\\/]|\.(csv|tsv|json|parquet|xlsx?|feather|pkl|pickle|joblib|h5|"
                        r"npy|npz|txt|zip|gz|sqlite|db)$", re.IGNORECASE)


def is_reader(call: Call) -> bool:
    return bool(_READERS.match(call.method)) and not call.dotted.startswith(("os.environ", "self."))


def _outside(ctx: Context, text: str) -> bool:
    """A relative path that climbs out of the project folder (from the notebook's folder)."""
    if URL.match(text) or not text or "\n" in text or os.path.isabs(text) or text.startswith("~"):
        return False
    if ".." not in Path(text).parts:
        return False
    target = Path(os.path.normpath(ctx.path.parent / text))
    try:
        target.relative_to(ctx.root)
        return False
    except ValueError:
        return True


def check(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for cell in ctx.code_cells:
        if ctx.kind(cell) == "skip":
            continue
        seen: set[str] = set()
        for literal in ctx.calls[cell.id].strings:
            text = literal.value.strip()
            if text in seen or len(text) > 400 or "\n" in text:
                continue
            if _USER.match(text):
                seen.add(text)
                out.append(Finding(
                    "paths.user-specific", Severity.HIGH,
                    f"cell {cell.index} names a path in one user's home folder: {text[:80]!r}",
                    "make it relative to the project folder, or a parameter",
                    (ctx.ref(cell, literal.line),)))
            elif _ABSOLUTE.match(text) and not URL.match(text):
                seen.add(text)
                out.append(Finding(
                    "paths.absolute", Severity.HIGH,
                    f"cell {cell.index} names an absolute path: {text[:80]!r}",
                    "make it relative to the project folder, or a parameter",
                    (ctx.ref(cell, literal.line),)))
        for call in ctx.calls[cell.id].calls:
            qualname = call.qualname or ""
            urls = [s for s in call.strings if URL.match(s.strip())]
            if qualname in _NETWORK_CALLS or _NETWORK_DATASETS.match(qualname) or \
                    (urls and is_reader(call)):
                what = urls[0][:80] if urls else call.dotted
                out.append(Finding(
                    "paths.network-read", Severity.MEDIUM,
                    f"cell {cell.index} reads data over the network ({what}): it may change or "
                    "vanish", "download it once into the project's data folder and read that "
                    "file (fingerprinted)", (ctx.ref(cell, call.line),)))
            elif is_reader(call):
                for text in call.strings:
                    if PATH_LIKE.search(text) and _outside(ctx, text.strip()):
                        out.append(Finding(
                            "paths.outside-project", Severity.HIGH,
                            f"cell {cell.index} reads {text[:80]!r}, outside the project folder",
                            "copy the data into the project folder (or a parameter) and read it "
                            "from there", (ctx.ref(cell, call.line),)))
    return out
