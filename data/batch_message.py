"""``LoadBatch.message``: the JSON a load batch records about itself (its file-level issues, the
error of a failed batch, the earlier batch an unchanged file matched).

Written by the loaders' pipeline, read by the data page; imports nothing of the database.
"""

from __future__ import annotations

import json


def format_message(issues: list, *, error: str | None = None, same_as_batch: int | None = None) -> str:
    """The message of a batch: ``issues`` are ``Issue``-like objects with ``as_dict()``."""
    body: dict = {"issues": [i.as_dict() for i in issues]}
    if error:
        body["error"] = error
    if same_as_batch:
        body["same_as_batch"] = same_as_batch
    return json.dumps(body, ensure_ascii=False, default=str)


def parse_message(message: str | None) -> dict:
    """The inverse of ``format_message``; a plain-text message (older rows, other writers) becomes an error."""
    if not message:
        return {"issues": []}
    try:
        body = json.loads(message)
        if isinstance(body, dict):
            body.setdefault("issues", [])
            return body
    except ValueError:
        pass
    return {"issues": [], "error": message}
