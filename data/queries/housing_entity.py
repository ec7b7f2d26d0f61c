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
from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from data.calendar import month_end
from data.kpi_status import kpi_status
from data.masking import mask_frame
from data.models import Building, OfficeOccupancy, OfficeRoom, OfficeSpaceStandard, OrgNode
from data.rollup.office_rank import judge_rooms, share_arrays

from .housing_rooms import (
    IDS_PER_STATEMENT,
    RANK_COLUMNS,
    STANDARDS,
    capped,
    frame_of,
    in_view,
    judged_rooms,
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
    (the unit's rooms and their occupancies over both days read once); at a building or room,
    its building marked current."""
    org_view = view if view.entity_kind == "org" else _org_view(view)
    days = [state_day(view)]
    if view.compare_period is not None and view.covers(view.compare_period.start):
        days.append(min(month_end(view.compare_period.end), view.as_of or month_end(view.compare_period.end)))
    units, figures = _building_figures_on(conn, org_view, days)
    if not units:
        return ranked_frame("building", [], np.array([]), np.array([]), None)
    column = "over_m2" if metric == "housing.over_standard_area_m2" else "area_per_person"
    compare = figures[1][column] if len(figures) > 1 else np.full(len(units), NAN)
    building = view.entity_id if view.entity_kind == "building" else (view.entity or {}).get("building_id")
    current = ("building", int(building)) if building is not None and view.entity_kind != "org" else None
    return ranked_frame("building", units, figures[0][column], compare, current)


def _building_figures_on(
    conn: Connection, view: ViewContext, days: list[dt.date]
) -> tuple[list[tuple[int, str, str]], list[dict[str, np.ndarray]]]:
    """The view's buildings (in building-code order) and, on each of ``days``, their area over the
    standard (``over_m2``) and area per person (``area_per_person``) as ``building_sums`` gives
    them: two statements (the rooms; their occupancies active on any of the days) and arrays,
    since frames per day cost more than the reads."""
    rooms = conn.execute(
        select(OfficeRoom.id, OfficeRoom.building_id, Building.name_zh, Building.name_en, OfficeRoom.usable_area_m2,
               OrgNode.admin_level)
        .join(Building, Building.id == OfficeRoom.building_id)
        .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
        .where(in_view(view))
        .order_by(Building.code, OfficeRoom.room_no)
    ).all()  # fmt: skip
    if not rooms:
        return [], []
    room_ids = np.array([r[0] for r in rooms], dtype=np.int64)
    area = np.array([r[4] for r in rooms], dtype=float)
    buildings, first, slot = np.unique([r[1] for r in rooms], return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # buildings in first-seen (code) order
    place = np.empty_like(order)
    place[order] = np.arange(len(order))
    slot = place[slot]
    units = [(int(rooms[i][1]), rooms[i][2], rooms[i][3] or rooms[i][2]) for i in first[order]]
    level = dict(zip(room_ids.tolist(), (r[5] for r in rooms)))
    limits = {(lv, rank): float(limit) for lv, rank, limit in conn.execute(STANDARDS)}
    o = OfficeOccupancy
    occupied: list = []
    ids = room_ids.tolist()
    for k in range(0, len(ids), IDS_PER_STATEMENT):
        occupied += conn.execute(
            select(o.room_id, o.rank_code, o.since, o.until).where(
                o.room_id.in_(ids[k : k + IDS_PER_STATEMENT]),
                o.since <= max(days),
                or_(o.until.is_(None), o.until > min(days)),
            )
        ).all()
    occupied_ids = np.array([r[0] for r in occupied], dtype=np.int64)
    occupied_limits = np.array([limits.get((level[r[0]], r[1]), NAN) for r in occupied], dtype=float)
    since = [as_day(r[2]) for r in occupied]
    until = [as_day(r[3]) for r in occupied]
    figures = []
    for day in days:
        active = np.array([s <= day and (u is None or u > day) for s, u in zip(since, until)], dtype=bool)
        judged = judge_rooms(room_ids, area, occupied_ids[active], occupied_limits[active])
        people = np.bincount(slot, weights=judged["occupants"].astype(float), minlength=len(units))
        space = np.bincount(slot, weights=area, minlength=len(units))
        with np.errstate(divide="ignore", invalid="ignore"):
            per_person = np.where(people > 0, space / np.where(people > 0, people, 1.0), NAN)
        over = np.bincount(slot, weights=judged["over_area"], minlength=len(units))
        figures.append({"over_m2": over, "area_per_person": per_person})
    return units, figures


def as_day(value) -> dt.date | None:
    """A date from a driver's value (SQLite may hand back text)."""
    if value is None or type(value) is dt.date:
        return value
    return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(str(value)[:10])


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
