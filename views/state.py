"""A declared page's state in its URL, and back.

The query string holds the whole view, so a copied link opens exactly the same view and the
browser's back button walks back through drills and period changes:

* ``org=<id>``, or ``building=<id>`` / ``vehicle=<id>`` / ``asset=<id>`` / ``room=<id>`` (an
  office room) / ``dwelling=<id>`` (a turnover-housing unit): an entity under an org, whose org
  is then implied by the entity and left out;
* ``period=day|week|month|year|custom``, ``end=YYYY-MM-DD`` (the period's last day; absent: the
  latest day of the data), ``start=YYYY-MM-DD`` for a custom period;
* ``cmp=yoy|prev``; ``metric=<catalog id>`` (the indicator of the trend and the ranking).

Values a hand-edited URL gets wrong are dropped (defaults apply) rather than refused, except an
entity id that is not a number, which is refused like an entity outside the scope (``OutOfScope``).
Pure functions: no Dash, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlencode

from data.queries.view import (
    COMPARISONS,
    DEFAULT_COMPARISON,
    DEFAULT_PERIOD,
    LEAF_KINDS,
    PERIOD_KINDS,
    ViewRequest,
    request_entity,
)
from data.scope import OutOfScope

QUERY_KEYS = ("org", *LEAF_KINDS, "period", "start", "end", "cmp", "metric")
_CLEARED = {f"{kind}_id": None for kind in LEAF_KINDS}


def _entity_id(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise OutOfScope(f"not an id: {value!r}") from exc
    if number <= 0:
        raise OutOfScope(f"not an id: {value!r}")
    return number


def _day(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def parse_view_request(query: Mapping | None, *, indicators: tuple[str, ...] = ()) -> ViewRequest:
    """The ``ViewRequest`` a page's query values ask for.

    Args:
        query: the query string's values (Dash Pages passes them to ``layout(**query)``).
        indicators: the page's selectable indicators; another ``metric`` is dropped.

    Raises:
        OutOfScope: ``org`` or the entity's id is not a positive whole number.
    """
    query = query or {}
    entity: dict[str, int] = {}
    for kind in LEAF_KINDS:  # the first entity named wins; the others are ignored
        entity_id = _entity_id(query.get(kind))
        if entity_id is not None:
            entity = {f"{kind}_id": entity_id}
            break
    period = query.get("period") if query.get("period") in PERIOD_KINDS else DEFAULT_PERIOD
    metric = query.get("metric") if query.get("metric") in indicators else None
    return ViewRequest(
        org_id=None if entity else _entity_id(query.get("org")),
        **entity,
        period=period,
        start=_day(query.get("start")) if period == "custom" else None,
        end=_day(query.get("end")),
        compare=query.get("cmp") if query.get("cmp") in COMPARISONS else DEFAULT_COMPARISON,
        metric=metric,
    )


def view_query(request: ViewRequest) -> dict[str, str]:
    """The query values of ``request``, defaults left out (so the plain page URL stays plain)."""
    values: dict[str, str] = {}
    named = request_entity(request)
    if named is not None:
        values[named[0]] = str(named[1])
    elif request.org_id is not None:
        values["org"] = str(request.org_id)
    if request.period != DEFAULT_PERIOD:
        values["period"] = request.period
    if request.period == "custom" and request.start is not None:
        values["start"] = request.start.isoformat()
    if request.end is not None:
        values["end"] = request.end.isoformat()
    if request.compare != DEFAULT_COMPARISON:
        values["cmp"] = request.compare
    if request.metric:
        values["metric"] = request.metric
    return values


def view_search(request: ViewRequest) -> str:
    """``?…`` for ``request`` ("" for the page's default view)."""
    values = view_query(request)
    return f"?{urlencode(values)}" if values else ""


def drilled(request: ViewRequest, kind: str, entity_id: int) -> ViewRequest:
    """``request`` moved to another org node or entity (``LEAF_KINDS``), keeping its period,
    comparison and indicator."""
    cleared = replace(request, org_id=None, **_CLEARED)
    if kind == "org":
        return replace(cleared, org_id=int(entity_id))
    if kind in LEAF_KINDS:
        return replace(cleared, **{f"{kind}_id": int(entity_id)})
    raise ValueError(f"unknown drill kind {kind!r}")


def with_period(
    request: ViewRequest,
    *,
    period: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    compare: str | None = None,
    metric: str | None = None,
) -> ViewRequest:
    """``request`` with another period, comparison or indicator (None keeps the current one)."""
    changes: dict = {}
    if period is not None:
        changes["period"] = period if period in PERIOD_KINDS else DEFAULT_PERIOD
        if changes["period"] != "custom":
            changes["start"] = None
    if start is not None:
        changes["start"] = start
    if end is not None:
        changes["end"] = end
    if compare is not None:
        changes["compare"] = compare if compare in COMPARISONS else DEFAULT_COMPARISON
    if metric is not None:
        changes["metric"] = metric or None
    return replace(request, **changes)


__all__ = ["QUERY_KEYS", "drilled", "parse_view_request", "view_query", "view_search", "with_period"]
