"""What differs between two run records, section by section, as plain data for the CLI.

Each section is a list of rows ``{"key", "a", "b", "same"}``. Values compare exactly, except
stage timings: ``same`` when the two durations are within ``TIMING_TOLERANCE`` of each other
(timings never repeat exactly) or both shorter than ``TINY_S``; the ratio b/a is in
``"ratio"``.
"""

from __future__ import annotations

TIMING_TOLERANCE = 0.25
TINY_S = 0.05  # stages shorter than this in both runs never count as different
SECTIONS = ("run", "params", "metrics", "environment", "git", "data", "stages")


def _row(key, a, b, **extra) -> dict:
    return {"key": key, "a": a, "b": b, "same": a == b, **extra}


def _mapping(a: dict | None, b: dict | None, prefix: str = "") -> list[dict]:
    a, b = a or {}, b or {}
    keys = list(a) + [k for k in b if k not in a]
    return [_row(prefix + str(k), a.get(k), b.get(k)) for k in keys]


def _files(record: dict) -> dict:
    out = {}
    for section in ("data", "artifacts"):
        for entry in record.get(section) or []:
            out[f"{section}:{entry.get('path')}"] = entry.get("sha256")
    for stage, values in (record.get("fingerprints") or {}).items():
        for name, digest in (values or {}).items():
            out[f"fingerprint:{stage}.{name}"] = digest
    return out


def _stages(a: dict, b: dict) -> list[dict]:
    rows = []
    sa, sb = a.get("stages") or {}, b.get("stages") or {}
    for stage in list(sa) + [s for s in sb if s not in sa]:
        da = (sa.get(stage) or {}).get("duration_s")
        db = (sb.get(stage) or {}).get("duration_s")
        ratio = (db / da) if da and db is not None else None
        same = da is not None and db is not None and (
            (da == db) or (ratio is not None and abs(ratio - 1) <= TIMING_TOLERANCE)
            or max(da, db) < TINY_S)
        rows.append({"key": stage, "a": da, "b": db, "same": bool(same), "ratio": ratio})
    return rows


def compare(a: dict, b: dict) -> dict:
    nb_a, nb_b = a.get("notebook") or {}, b.get("notebook") or {}
    run = [
        _row("notebook", nb_a.get("relpath") or nb_a.get("path"),
             nb_b.get("relpath") or nb_b.get("path")),
        _row("notebook sha256", nb_a.get("sha256"), nb_b.get("sha256")),
        _row("code sha256", nb_a.get("code_sha256"), nb_b.get("code_sha256")),
        _row("kind", a.get("kind"), b.get("kind")),
        _row("status", a.get("status"), b.get("status")),
        _row("started", a.get("started"), b.get("started")),
        _row("duration_s", a.get("duration_s"), b.get("duration_s")),
    ]
    run[5]["same"] = run[6]["same"] = True  # different by nature; shown, never flagged
    env_a, env_b = a.get("environment") or {}, b.get("environment") or {}
    environment = [_row(k, env_a.get(k), env_b.get(k))
                   for k in ("python", "implementation", "platform")]
    environment += _mapping(env_a.get("packages"), env_b.get("packages"))
    git_a, git_b = a.get("git"), b.get("git")
    git = [_row(k, (git_a or {}).get(k), (git_b or {}).get(k))
           for k in ("commit", "branch", "dirty", "diff_sha256")] if (git_a or git_b) else []
    sections = {
        "run": run,
        "params": _mapping(a.get("params"), b.get("params")),
        "metrics": _mapping(a.get("metrics"), b.get("metrics")),
        "environment": environment,
        "git": git,
        "data": _mapping(_files(a), _files(b)),
        "stages": _stages(a, b),
    }
    differ = {name: sum(not r["same"] for r in rows) for name, rows in sections.items()}
    return {"a": a.get("run_id"), "b": b.get("run_id"), "sections": sections,
            "differences": differ}
