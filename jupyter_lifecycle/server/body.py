"""Request bodies and arguments: size limit, JSON parsing, typed fields. Pure functions.

Every problem is a BadRequest carrying the HTTP status (413 for a body over the limit, else 400)
and a message that names the field; nothing here lets a body through as a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_BODY_BYTES = 64 * 1024  # the routes take a few short fields; notebooks are read from disk
MIN_RUN_PREFIX, MAX_RUN_ID = 6, 128


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def too_large() -> BadRequest:
    return BadRequest(f"the request body is larger than {MAX_BODY_BYTES} bytes", 413)


def parse_json_object(raw: bytes) -> dict:
    """The body as a JSON object (an empty body is ``{}``)."""
    if len(raw) > MAX_BODY_BYTES:
        raise too_large()
    try:
        body = json.loads(raw or b"{}")
    except RecursionError:
        raise BadRequest("the request body is nested too deeply") from None
    except ValueError:  # includes bytes that are not UTF-8
        raise BadRequest("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


@dataclass(frozen=True)
class ConvertRequest:
    path: str
    out: str | None = None
    package: str | None = None
    force: bool = False
    ask: bool = False  # an existing package is an answer ({"exists": true}), not a 409


def convert_request(body: dict) -> ConvertRequest:
    """The fields of ``POST convert``, each checked for its type; unknown fields are refused."""
    unknown = sorted(set(body) - {"path", "out", "package", "force", "ask"})
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r} (fields: path, out, package, force, ask)")
    path = body.get("path")
    if path is None:
        raise BadRequest("field 'path' is required: the notebook, relative to the server root")
    if not isinstance(path, str):
        raise BadRequest("field 'path' must be a string")
    for name in ("out", "package"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadRequest(f"field {name!r} must be a string or null")
    for name in ("force", "ask"):
        if not isinstance(body.get(name, False), bool):
            raise BadRequest(f"field {name!r} must be true or false (a JSON boolean, not a string)")
    return ConvertRequest(path=path, out=body.get("out") or None,
                          package=body.get("package") or None, force=body.get("force", False),
                          ask=body.get("ask", False))


def run_id_prefix(text: str) -> str:
    """A run id or a prefix of one long enough to name one run (``MIN_RUN_PREFIX`` characters)."""
    text = text.strip()
    if len(text) < MIN_RUN_PREFIX:
        raise BadRequest(f"a run id prefix needs at least {MIN_RUN_PREFIX} characters")
    if len(text) > MAX_RUN_ID:
        raise BadRequest(f"a run id has at most {MAX_RUN_ID} characters")
    return text


def limit_argument(text: str, default: int = 50, most: int = 500) -> int:
    """``limit=`` as an integer between 1 and ``most``."""
    try:
        value = int(text) if text else default
    except ValueError:
        raise BadRequest("argument 'limit' must be an integer") from None
    return max(1, min(most, value))
