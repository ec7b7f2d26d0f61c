"""The housing page's reads of one building or one office room: their tiles, a room's occupants
over time (names masked unless ``view.scope.can_view_personal_data``), office space by rank of a
building or room, and the ranking of an agency's buildings. Rooms are judged as in
``housing_rooms`` (the roll-ups' standard check), at the period's state day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from data.calendar import month_end
from data.kpi_status import kpi_status
from data.masking import mask_frame
from data.models import OfficeOccupancy, OfficeRoom, OfficeSpaceStandard, OrgNode
from data.rollup.office_rank import share_arrays

from .housing_rooms import (
    RANK_COLUMNS,
    building_sums,
    capped,
    frame_of,
    in_view,
    judged_rooms,
    judged_rooms_on,
    rank_frame,
    ranked_frame,
    state_day,
)
from .kpi import KPI_COLUMNS, NAN, empty_kpis, kpi_frame, ratio
from .view import ViewContext

OCCUPANTS_LIMIT = 500
OCCUPANT_COLUMNS = [
    "occupancy_id",
    "staff_no",
    "person_name",
    "rank_code",
    "rank_zh",
    "rank_en",
    "since",
    "until",
    "current",
    "limit_m2",
    "share_m2",
    "over_m2",
    "total",
]
BUILDING_TILE_METRICS = (
    "housing.office_area_m2",
    "housing.office_occupants",
    "housing.area_per_person",
    "housing.over_standard_rooms",
    "housing.over_standard_area_m2",
    "housing.vacant_rooms",
)
ROOM_TILE_METRICS = (
    "housing.office_area_m2",
    "housing.office_occupants",
    "housing.area_per_person",
    "housing.over_standard_area_m2",
)


# --- one building or room -------------------------------------------------------------------------


def _neutral(frame: pd.DataFrame) -> pd.DataFrame:
    frame["status"] = [
        kpi_status(v, r, k, "up") if k == "quota" else "neutral"
        for v, r, k in zip(frame["value"], frame["reference"], frame["reference_kind"])
    ]
    return frame[[*KPI_COLUMNS, "status"]]


def _empty_tiles() -> pd.DataFrame:
    frame = empty_kpis()
    frame["status"] = pd.Series(dtype=object)
    return frame


def fetch_building_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """A building's office tiles at the period's state day (``KPI_COLUMNS`` plus ``status``), in
    the order of ``BUILDING_TILE_METRICS``; ``period`` ``now``, no reference (org-level alert
    rules do not judge a building: ``neutral``). Empty unless the view is a building with data."""
    if view.entity_kind != "building" or not view.has_data:
        return _empty_tiles()
    rooms, _ = judged_rooms(conn, view, state_day(view))
    area = float(rooms["area"].sum()) if not rooms.empty else 0.0
    people = float(rooms["occupants"].sum()) if not rooms.empty else 0.0
    values = {
        "housing.office_area_m2": area,
        "housing.office_occupants": people,
        "housing.area_per_person": ratio(area, people),
        "housing.over_standard_rooms": float(rooms["over"].sum()) if not rooms.empty else 0.0,
        "housing.over_standard_area_m2": float(rooms["over_area"].sum()) if not rooms.empty else 0.0,
        "housing.vacant_rooms": float((rooms["occupants"] == 0).sum()) if not rooms.empty else 0.0,
    }
    rows = [{"metric_id": m, "period": "now", "value": values[m]} for m in BUILDING_TILE_METRICS]
    return _neutral(kpi_frame(rows, view.as_of, view.org_id))


def fetch_room_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """A room's tiles at the period's state day, in the order of ``ROOM_TILE_METRICS``: its
    usable area against what the standard allows its occupants (``reference_kind`` ``quota``:
    the highest limit among their ranks × their number; none for a vacant room or ranks without
    a standard), its occupants, area per person and the excess. Empty unless the view is a room
    with data."""
    if view.entity_kind != "room" or not view.has_data:
        return _empty_tiles()
    rooms, _ = judged_rooms(conn, view, state_day(view))
    if rooms.empty:  # not an office room (a meeting or service room): no standard applies
        return _empty_tiles()
    room = rooms.iloc[0]
    area, people = float(room["area"]), float(room["occupants"])
    allowed = float(room["allowed"]) if people > 0 and not pd.isna(room["allowed"]) else NAN
    rows = [
        {"metric_id": "housing.office_area_m2", "period": "now", "value": area, "reference": allowed}
        | ({"reference_kind": "quota"} if not pd.isna(allowed) else {}),
        {"metric_id": "housing.office_occupants", "period": "now", "value": people},
        {"metric_id": "housing.area_per_person", "period": "now", "value": ratio(area, people)},
        {"metric_id": "housing.over_standard_area_m2", "period": "now", "value": float(room["over_area"])},
    ]
    return _neutral(kpi_frame(rows, view.as_of, view.org_id))


def fetch_room_occupants(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The room's occupants over time, current ones first, then by arrival, newest first.

    Each occupant's ``share_m2`` is the room's area split among those sitting in it on the
    occupancy's last day in the period (the state day for a current one, the day before it
    left otherwise), ``limit_m2`` the occupant's own rank limit, ``over_m2`` the share above
    that limit (0 when within).

    Returns:
        DataFrame with ``OCCUPANT_COLUMNS`` (``person_name`` masked per scope; ``current``
        bool); ``total`` occupancies before the cap (``OCCUPANTS_LIMIT``). Empty unless the
        view is a room.
    """
    if view.entity_kind != "room":
        return pd.DataFrame(columns=OCCUPANT_COLUMNS)
    day = state_day(view)
    s = OfficeSpaceStandard
    rows = frame_of(
        conn.execute(
            select(
                OfficeOccupancy.id.label("occupancy_id"),
                OfficeOccupancy.staff_no,
                OfficeOccupancy.person_name,
                OfficeOccupancy.rank_code,
                s.rank_zh,
                s.rank_en,
                OfficeOccupancy.since,
                OfficeOccupancy.until,
                s.limit_m2,
                OfficeRoom.usable_area_m2.label("area"),
            )
            .join(OfficeRoom, OfficeRoom.id == OfficeOccupancy.room_id)
            .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
            .outerjoin(s, and_(s.admin_level == OrgNode.admin_level, s.rank_code == OfficeOccupancy.rank_code))
            .where(in_view(view), OfficeOccupancy.since <= day)
        )
    )
    if rows.empty:
        return pd.DataFrame(columns=OCCUPANT_COLUMNS)
    since = pd.to_datetime(rows["since"]).dt.date.to_numpy()
    until = [None if pd.isna(u) else pd.Timestamp(u).date() for u in rows["until"]]
    current = np.array([u is None or u > day for u in until], dtype=bool)
    last = [day if c else u - dt.timedelta(days=1) for c, u in zip(current, until)]
    together = [
        sum(1 for s2, u2 in zip(since, until) if s2 <= at and (u2 is None or u2 > at)) for at in last
    ]  # a room holds a handful of occupancies over its life
    rows["current"] = current
    rows["limit_m2"] = pd.to_numeric(rows["limit_m2"], errors="coerce").astype(float)
    rows["share_m2"] = [float(a) / n if n else NAN for a, n in zip(rows["area"], together)]
    rows["over_m2"] = np.where(
        rows["limit_m2"].notna(), np.maximum(rows["share_m2"] - rows["limit_m2"].fillna(0.0), 0.0), NAN
    )
    rows["since"], rows["until"] = since, until
    rows = rows.assign(_order=[-pd.Timestamp(s2).value for s2 in since]).sort_values(
        ["current", "_order"], ascending=[False, True], kind="stable"
    )
    rows = mask_frame(rows.reset_index(drop=True), view.scope)
    return capped(rows, OCCUPANTS_LIMIT, OCCUPANT_COLUMNS)


def fetch_entity_ranks(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Office space by rank of the view's rooms (a building or a room) at the period's state
    day, as ``housing_panels.fetch_office_ranks`` reads it from the roll-up for an org node."""
    rooms, active = judged_rooms(conn, view, state_day(view))
    if rooms.empty or active.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    judged = {c: rooms[c].to_numpy() for c in ("area", "occupants", "over", "over_area")}
    shares = share_arrays(rooms["room_id"].to_numpy(), judged, active["room_id"].to_numpy(), active["limit"].to_numpy())
    keys = list(
        zip(active["admin_level"].to_numpy()[shares["inside"]], active["rank_code"].to_numpy()[shares["inside"]])
    )
    values = ("occupants", "area_m2", "allowed_m2", "over_m2", "over_occupants")
    sums: dict[tuple[str, str], dict[str, float]] = {}
    # a plain loop: one building's few hundred occupants cost less than a pandas groupby
    for i, key in enumerate(keys):
        total = sums.setdefault(key, dict.fromkeys(values, 0.0))
        for v in values:
            total[v] += float(shares[v][i])
    s = OfficeSpaceStandard
    names = {
        (level, rank): (zh, en, order)
        for level, rank, zh, en, order in conn.execute(
            select(s.admin_level, s.rank_code, s.rank_zh, s.rank_en, s.sort_order)
        )
    }
    records = []
    for (level, rank), total in sums.items():
        zh, en, order = names.get((level, rank), (None, None, None))
        row = {"admin_level": level, "rank_code": rank, **total}
        records.append({**row, "rank_zh": zh, "rank_en": en, "sort_order": order, "has_standard": order is not None})
    return rank_frame(records)


def building_ranking(conn: Connection, view: ViewContext, metric: str) -> pd.DataFrame:
    """The buildings holding the office rooms of the view's unit ranked by ``metric`` (area over
    the standard, or area per person) at the period's state day against the comparison period's
    (the unit's rooms read once, their occupancies on both days); at a building or room, its
    building marked current."""
    org_view = view if view.entity_kind == "org" else _org_view(view)
    days = [state_day(view)]
    if view.compare_period is not None and view.covers(view.compare_period.start):
        days.append(min(month_end(view.compare_period.end), view.as_of or month_end(view.compare_period.end)))
    judged = judged_rooms_on(conn, org_view, days)
    now = building_sums(judged[0][0])
    if now.empty:
        return ranked_frame("building", [], np.array([]), np.array([]), None)
    units = [
        (int(b), zh, en or zh)
        for b, zh, en in zip(now["building_id"], now["building_name_zh"], now["building_name_en"])
    ]
    column = "over_m2" if metric == "housing.over_standard_area_m2" else "area_per_person"
    value = now[column].to_numpy(dtype=float)
    compare = np.full(len(units), NAN)
    if len(judged) > 1:
        before = building_sums(judged[1][0])
        lookup = dict(zip(before["building_id"], before[column]))
        compare = np.array([lookup.get(b, NAN) for b, _, _ in units], dtype=float)
    building = view.entity_id if view.entity_kind == "building" else (view.entity or {}).get("building_id")
    current = ("building", int(building)) if building is not None and view.entity_kind != "org" else None
    return ranked_frame("building", units, value, compare, current)


def _org_view(view: ViewContext) -> ViewContext:
    return dataclasses.replace(view, entity_kind="org", entity_id=view.org_id, entity=None)


__all__ = [
    "BUILDING_TILE_METRICS",
    "OCCUPANT_COLUMNS",
    "OCCUPANTS_LIMIT",
    "ROOM_TILE_METRICS",
    "building_ranking",
    "fetch_building_tiles",
    "fetch_entity_ranks",
    "fetch_room_occupants",
    "fetch_room_tiles",
]
