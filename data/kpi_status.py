"""How a KPI tile is judged: the status colour of a value against its reference.

A business rule, so it lives beside the data, not in the tile builder; threshold rules of the
alerts will take over where a metric has one.
"""

from __future__ import annotations

import math

STATUSES = ("good", "warn", "bad", "neutral", "none")
YOY_WARN = 0.03  # relative change that deserves attention in the bad direction
YOY_BAD = 0.10


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def kpi_status(value, reference, reference_kind: str, bad_direction: str) -> str:
    """The tile's status: ``good``, ``warn``, ``bad``, ``neutral`` or ``none`` (no value).

    * ``quota``: above the approved maximum is ``bad``, within it ``good``;
    * ``baseline``: above the national baseline is ``warn``, at or below ``good``;
    * ``yoy``: a change of more than 3 % in the bad direction is ``warn``, more than 10 % ``bad``,
      more than 3 % in the good direction ``good`` (metrics without a bad direction stay neutral);
    * anything else is ``neutral``.
    """
    if _missing(value):
        return "none"
    if _missing(reference) or not reference_kind:
        return "neutral"
    if reference_kind == "quota":
        return "bad" if value > reference else "good"
    if reference_kind == "baseline":
        return "warn" if value > reference else "good"
    if reference_kind == "yoy":
        if bad_direction not in ("up", "down") or reference == 0:
            return "neutral"
        change = (value - reference) / abs(reference)
        worse = change if bad_direction == "up" else -change
        if worse > YOY_BAD:
            return "bad"
        if worse > YOY_WARN:
            return "warn"
        if worse < -YOY_WARN:
            return "good"
    return "neutral"
