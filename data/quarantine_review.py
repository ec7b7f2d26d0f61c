"""What a reviewer on the data page may see of a quarantined row, and what they may send back.

* The raw values of a rejected row (the row as the department delivered it) are shown only to
  holders of ``manage_data``; everyone else sees where and why the row was rejected, without the
  values. What is shown is masked further by the scope's personal-data right
  (``data.queries.ingest.mask_raw``).
* A correction sends back only the fields the operator changed. The editor shows personal values
  masked, so a masked value sent back unchanged must never overwrite the original.
* Discarding a row needs a note saying why; the note is kept with the row and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable

RAW_VALUES_PERMISSION = "manage_data"


class NoteRequired(ValueError):
    """A row was to be discarded without a note."""


def shows_raw_values(permissions: Iterable[str]) -> bool:
    """Whether a user holding ``permissions`` sees (and may correct) a quarantined row's raw values."""
    return RAW_VALUES_PERMISSION in set(permissions)


def changed_fields(original_raw: dict | None, submitted: dict) -> dict:
    """The fields of ``submitted`` (header -> value, as the editor returned them) that differ
    from the row as stored and shown: a field left as shown, a masked one included, is not sent."""
    shown = original_raw or {}
    return {header: value for header, value in submitted.items() if shown.get(header) != value}


def discard_note(note: str | None) -> str:
    """The note for discarding a row, trimmed; ``NoteRequired`` when there is none."""
    text = (note or "").strip()
    if not text:
        raise NoteRequired("discarding a quarantined row needs a note")
    return text


__all__ = ["NoteRequired", "RAW_VALUES_PERMISSION", "changed_fields", "discard_note", "shows_raw_values"]
