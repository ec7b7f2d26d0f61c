"""The housing page's org-level reads (办公用房 and 周转住房), all from the roll-ups: the unit's
tiles at the period's end, office space by rank against the standard's per-rank limits
(``rollup_office_rank``), and the ranking of the units one level down by area over the
standard or by area per person.

Housing figures are states: the value at ``view.period.end`` is the month-end row of that month
(``rollup_monthly``; the as-of month holds the value at the as-of day), and a comparison is the
value at ``view.compare_period.end``. Each read is one or two statements on primary-key ranges,
whatever the node's size. Lists of rooms and a building's or a room's figures (read from the
room tables for one agency, building or room) are in ``housing_rooms``.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.calendar import month_start
from data.models import OfficeSpaceStandard, OrgNode, RollupOfficeRank

from .compare import RANKING_COLUMNS
from .housing_entity import building_ranking, fetch_entity_ranks
from .housing_rooms import RANK_COLUMNS, rank_frame, ranked_frame
from .kpi import NAN, empty_kpis, kpi_frame, ratio
from .rollup_read import state_values
from .view import ViewContext

#: The org tiles in display order (``fetch_housing_tiles``).
ORG_TILE_METRICS = (
    "housing.office_area_m2",
    "housing.office_occupants",
    "housing.area_per_person",
    "housing.over_standard_rooms",
    "housing.over_standard_area_m2",
    "housing.vacant_rooms",
    "housing.units",
    "housing.occupancy_rate",
    "housing.waiting",
    "housing.expiring_90d",
    "housing.overstaying",
    "housing.arrears_yuan",
)
_STATES = (
    "housing.office_area_m2",
    "housing.office_occupants",
    "housing.over_standard_rooms",
    "housing.over_standard_area_m2",
    "housing.vacant_rooms",
    "housing.units",
    "housing.occupied_units",
    "housing.waiting",
    "housing.expiring_90d",
    "housing.overstaying",
    "housing.arrears_yuan",
)
#: The indicators the child ranking can rank by.
RANKING_METRICS = ("housing.over_standard_area_m2", "housing.area_per_person")


def _state_at(view: ViewContext) -> dt.date:
    return view.period.end


# --- tiles -----------------------------------------------------------------------------------


def housing_tile_values(states: dict[str, float]) -> dict[str, float]:
    """The tile values from the stored states of one node (``{metric_id: value}``): the stored
    ones as they are, ``housing.area_per_person`` = area / occupants and
    ``housing.occupancy_rate`` = occupied / units in %. NaN where a base is missing."""

    def state(metric: str) -> float:
        return states.get(metric, NAN)

    values = {metric: state(metric) for metric in _STATES}
    values["housing.area_per_person"] = ratio(state("housing.office_area_m2"), state("housing.office_occupants"))
    values["housing.occupancy_rate"] = ratio(state("housing.occupied_units"), state("housing.units"), 100.0)
    return values


def fetch_housing_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The unit's housing tiles at the period's end (``KPI_COLUMNS`` plus ``status`` judged by
    the alert rules), in the order of ``ORG_TILE_METRICS``; ``period`` is ``now`` (a state at a
    day, which the rules' ``latest`` window judges). References: the area over the standard as
    a share of the office area, leases expiring within 90 days as a share of the occupied units
    (``of_total``). Empty without data."""
    if not view.has_data:
        frame = empty_kpis()
        frame["status"] = pd.Series(dtype=object)
        return frame
    states = {m: v for (_, m), (_, v) in state_values(conn, _STATES, [view.org_id], _state_at(view)).items()}
    if not states:
        return with_kpi_status(conn, empty_kpis())
    values = housing_tile_values(states)
    shares = {
        "housing.over_standard_area_m2": values["housing.office_area_m2"],
        "housing.expiring_90d": values["housing.occupied_units"],
    }
    rows = []
    for metric in ORG_TILE_METRICS:
        row = {"metric_id": metric, "period": "now", "value": values[metric]}
        if metric in shares:
            row.update(reference=shares[metric], reference_kind="of_total")
        rows.append(row)
    return with_kpi_status(conn, kpi_frame(rows, view.period.end, view.org_id))


# --- office space by rank ----------------------------------------------------------------------

_R = RollupOfficeRank.__table__
_S = OfficeSpaceStandard.__table__

# The latest month with rows at or before the period's month (a node whose offices emptied keeps
# none), read with its ranks' names and order in one statement.
_RANK_MONTH = (
    select(func.max(_R.c.month))
    .where(_R.c.org_id == bindparam("org_id"), _R.c.month <= bindparam("month", type_=_R.c.month.type))
    .scalar_subquery()
)
_RANKS = (
    select(
        _R.c.admin_level,
        _R.c.rank_code,
        _S.c.rank_zh,
        _S.c.rank_en,
        _S.c.sort_order,
        _S.c.limit_m2,
        _R.c.occupants,
        _R.c.area_m2,
        _R.c.allowed_m2,
        _R.c.over_m2,
        _R.c.over_occupants,
    )
    .select_from(_R.outerjoin(_S, and_(_S.c.admin_level == _R.c.admin_level, _S.c.rank_code == _R.c.rank_code)))
    .where(_R.c.org_id == bindparam("org_id"), _R.c.month == _RANK_MONTH)
)


def fetch_office_ranks(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Office space by rank at the period's end for an org node (one statement on
    ``rollup_office_rank``); for a building or a room, from its rooms (``housing_rooms``).

    Returns:
        DataFrame with ``RANK_COLUMNS``, one row per (administrative level, rank) with
        occupants: ``occupants``, ``area_m2`` (their share of the rooms they sit in),
        ``area_per_person``, ``limit_m2`` (the standard's limit per person; NaN without a
        standard), ``allowed_m2`` (limit × occupants), ``over_m2`` (their share of the rooms'
        area over the standard), ``over_occupants`` (those sitting in over-standard rooms).
    """
    if not view.has_data:
        return pd.DataFrame(columns=RANK_COLUMNS)
    if view.entity_kind != "org":
        return fetch_entity_ranks(conn, view)
    params = {"org_id": view.org_id, "month": month_start(_state_at(view))}
    records = [
        {
            "admin_level": level,
            "rank_code": rank,
            "rank_zh": rank_zh,
            "rank_en": rank_en,
            "sort_order": order,
            "has_standard": limit is not None,
            "occupants": occupants,
            "area_m2": area,
            "allowed_m2": allowed,
            "over_m2": over,
            "over_occupants": over_occupants,
        }
        for level, rank, rank_zh, rank_en, order, limit, occupants, area, allowed, over, over_occupants in conn.execute(
            _RANKS, params
        )
    ]
    return rank_frame(records)


# --- ranking of the units one level down ----------------------------------------------------------

_ORG = OrgNode.__table__


@functools.lru_cache(maxsize=2)
def _children_statement():
    alive = or_(_ORG.c.retired_on.is_(None), _ORG.c.retired_on >= bindparam("since", type_=_ORG.c.retired_on.type))
    return (
        select(_ORG.c.id, _ORG.c.name_zh, _ORG.c.name_en)
        .where(_ORG.c.parent_id == bindparam("parent"), alive)
        .order_by(_ORG.c.sort_order, _ORG.c.id)
    )


def _metric_values(states: dict[tuple[int, str], tuple[dt.date, float]], ids: list[int], metric: str) -> np.ndarray:
    def state(org: int, m: str) -> float:
        found = states.get((org, m))
        return NAN if found is None else float(found[1])

    if metric == "housing.area_per_person":
        return np.array(
            [ratio(state(o, "housing.office_area_m2"), state(o, "housing.office_occupants")) for o in ids], dtype=float
        )
    return np.array([state(o, metric) for o in ids], dtype=float)


def _children(conn: Connection, view: ViewContext, parent: int) -> list[tuple[int, str, str]]:
    return [tuple(r) for r in conn.execute(_children_statement(), {"parent": parent, "since": view.period.start})]


def _org_ranking(conn: Connection, view: ViewContext, units: list[tuple[int, str, str]], metric: str) -> pd.DataFrame:
    if not units:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    ids = [int(u[0]) for u in units]
    bases = ("housing.office_area_m2", "housing.office_occupants") if metric == "housing.area_per_person" else (metric,)
    value = _metric_values(state_values(conn, bases, ids, _state_at(view)), ids, metric)
    compare = np.full(len(ids), NAN)
    if view.compare_period is not None and view.covers(view.compare_period.start):
        compare = _metric_values(state_values(conn, bases, ids, view.compare_period.end), ids, metric)
    current = ("org", view.org_id) if view.entity_kind == "org" else None
    return ranked_frame("org", units, value, compare, current)


def fetch_office_ranking(conn: Connection, view: ViewContext, metric: str) -> pd.DataFrame:
    """The units one level below the view ranked by ``metric`` (one of ``RANKING_METRICS``) at
    the period's end, against the comparison period's end: child org nodes from the roll-ups
    (one or two statements); at an agency, or at a building or room, the agency's buildings from
    its office rooms (``housing_rooms.building_ranking``). ``attrs["position"]`` holds the shown
    entity's place among its peers (an org node among its siblings, except at the user's scope
    root; a building among its agency's), with its names, as ``views.panels`` draws it.

    Returns:
        DataFrame with ``RANKING_COLUMNS``. Empty without data or when no unit has a value.
    """
    if metric not in RANKING_METRICS:
        raise ValueError(f"unknown housing ranking metric {metric!r}")
    if not view.has_data:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    children = _children(conn, view, view.org_id) if view.entity_kind == "org" else []
    # a node with child units ranks them; an agency (or a building or room) ranks its buildings
    frame = _org_ranking(conn, view, children, metric) if children else building_ranking(conn, view, metric)
    position = _position(conn, view, metric, frame)
    if position is not None:
        frame.attrs["position"] = position
    return frame


def _position(conn: Connection, view: ViewContext, metric: str, frame: pd.DataFrame) -> dict | None:
    if view.entity_kind == "org":
        if view.node.get("parent_id") is None or view.org_id == view.scope.org_id:
            return None
        peers = _org_ranking(conn, view, _children(conn, view, int(view.node["parent_id"])), metric)
        current, name = peers[peers["entity_id"] == view.org_id], view.node
    elif view.entity_kind == "building":
        current, name = frame[frame["is_current"]], view.entity
    else:
        return None
    if current.empty or pd.isna(current["rank"].iloc[0]):
        return None
    count = int((peers if view.entity_kind == "org" else frame)["value"].notna().sum())
    return {
        "rank": int(current["rank"].iloc[0]),
        "count": count,
        "name_zh": name["name_zh"],
        "name_en": name["name_en"],
    }


def fetch_over_area_ranking(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """``fetch_office_ranking`` by the area over the standard (m²)."""
    return fetch_office_ranking(conn, view, "housing.over_standard_area_m2")


def fetch_area_per_person_ranking(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """``fetch_office_ranking`` by office area per person (m²/人)."""
    return fetch_office_ranking(conn, view, "housing.area_per_person")


__all__ = [
    "ORG_TILE_METRICS",
    "RANKING_METRICS",
    "RANK_COLUMNS",
    "fetch_area_per_person_ranking",
    "fetch_housing_tiles",
    "fetch_office_ranking",
    "fetch_office_ranks",
    "fetch_over_area_ranking",
    "housing_tile_values",
]
