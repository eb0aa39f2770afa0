"""Evidence that the notebook is reproduced: from the run store, verify and the converted package."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..codegen.common import package_name_for
from ..verify.outcomes import outcome_for
from ..writers.tree import MANIFEST
from .context import Context
from .model import Evidence, Finding, Severity


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _agree(a: dict, b: dict) -> bool:
    ma, mb = a.get("metrics") or {}, b.get("metrics") or {}
    if not ma or set(ma) != set(mb) or not all(_same(ma[k], mb[k]) for k in ma):
        return False
    fa, fb = a.get("fingerprints") or {}, b.get("fingerprints") or {}
    return not (fa and fb) or fa == fb


def _key(record: dict) -> tuple | None:
    git = record.get("git") or {}
    commit = git.get("commit") if isinstance(git, dict) else None
    if not commit:
        return None
    code = (commit, git.get("diff_sha256") if git.get("dirty") else None)
    return json.dumps(record.get("params") or {}, sort_keys=True, default=repr), code


def reproduced(ctx: Context) -> Evidence:
    groups: dict[tuple, list[dict]] = {}
    for record in ctx.runs:
        if record.get("status") == "completed" and (key := _key(record)) is not None:
            groups.setdefault(key, []).append(record)
    for (_params, (commit, _diff)), records in groups.items():
        for i, first in enumerate(records):
            for second in records[i + 1:]:
                if _agree(first, second):
                    return Evidence("reproduced", True,
                                    f"runs {second['run_id'][:8]} and {first['run_id'][:8]} (same "
                                    f"parameters, commit {str(commit)[:8]}) agree on every metric")
    if not ctx.runs:
        return Evidence("reproduced", False, "no recorded run")
    if not groups:
        return Evidence("reproduced", False, "no completed run recorded with a git commit")
    return Evidence("reproduced", False, "no two runs with the same parameters and commit agree")


def verified(ctx: Context) -> Evidence:
    outcome = outcome_for(ctx.path, ctx.sha256)
    if outcome is None:
        return Evidence("verified", False, "no verify recorded for the notebook as it is now")
    if outcome.ok:
        return Evidence("verified", True, f"nb2pipe verify passed at {outcome.at}")
    return Evidence("verified", False, f"nb2pipe verify failed at {outcome.at}: "
                    f"{outcome.reason or 'values differ'}")


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def package_tests(ctx: Context) -> Evidence:
    """What pytest's cache in the converted package (next to the notebook) says, if anything."""
    package = ctx.path.parent / package_name_for(str(ctx.path))
    manifest = _json(package / MANIFEST)
    if not isinstance(manifest, dict):
        return Evidence("package-tests", None, f"no converted package ({package.name}/)")
    source = manifest.get("notebook") or {}
    if not isinstance(source, dict) or source.get("sha256") != ctx.sha256:
        return Evidence("package-tests", None, f"{package.name}/ was converted from another "
                        "version of the notebook")
    cache = package / ".pytest_cache" / "v" / "cache"
    ran = _json(cache / "nodeids")
    if not isinstance(ran, list) or not ran:
        return Evidence("package-tests", None, f"the tests of {package.name}/ have not run")
    failed = _json(cache / "lastfailed")
    if isinstance(failed, dict) and failed:
        return Evidence("package-tests", False, f"{len(failed)} test(s) of {package.name}/ "
                        "failed in their last run")
    return Evidence("package-tests", True, f"the {len(ran)} test(s) of {package.name}/ passed "
                    "in their last run")


def gather(ctx: Context) -> tuple[Evidence, ...]:
    return reproduced(ctx), verified(ctx), package_tests(ctx)


def check(ctx: Context, evidence: tuple[Evidence, ...]) -> list[Finding]:
    found = {e.name: e.present for e in evidence}
    if found["verified"] or (found["reproduced"] and found["package-tests"]):
        return []
    missing = [e.detail for e in evidence if not e.present]
    return [Finding("evidence.unproven", Severity.MEDIUM,
                    "nothing proves the notebook is replicated offline: " + "; ".join(missing),
                    "run `nb2pipe verify NB` (or record two runs with the same parameters and "
                    "commit, and run the converted package's tests)")]
