"""The housing page's office-room reads for one county, agency, building or room: the rooms over
the standard, the vacant rooms, an agency's buildings and a building's rooms, the tiles of a
building or a room, a room's occupants over time, office space by rank of a building or room,
and the ranking of an agency's buildings.

Rooms are judged as the roll-ups judge them (``data.rollup.office_rank.room_standard``): an
office room (``purpose = 'office'``) is over the standard when its usable area exceeds the
highest per-rank limit among its occupants × their number (limits for the ``admin_level`` of the
room's unit); the excess is the difference; a room without occupants is vacant. The day is the
one the state roll-up of the period's month is valued at (its last day, or the as-of day), so a
list matches its tile: the over-standard grid's rows sum to the tiles' rooms and area.

Every read is limited to the view (the org subtree, a range on the indexed path; the building or
the room shown) and bound; lists are capped (``*_LIMIT``) and carry ``total`` (rows before the
cap) and ``_drill`` (``"room:<id>"``, ``"building:<id>"``). Occupants' names are masked unless
``view.scope.can_view_personal_data``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from data.calendar import configured_calendar, month_end
from data.kpi_status import kpi_status
from data.masking import mask_frame
from data.models import Building, OfficeOccupancy, OfficeRoom, OfficeSpaceStandard, OrgNode
from data.rollup.office_rank import occupant_shares, room_standard
from data.scope import OutOfScope

from .compare import RANKING_COLUMNS
from .kpi import KPI_COLUMNS, NAN, empty_kpis, kpi_frame, ratio
from .view import ViewContext

OVER_STANDARD_LIMIT = 500
VACANT_LIMIT = 500
BUILDINGS_LIMIT = 500
BUILDING_ROOMS_LIMIT = 1000
OCCUPANTS_LIMIT = 500

_ROOM = ["_drill", "room_id", "room_no", "building_id", "building_name_zh", "building_name_en"]
_ORG = ["org_id", "org_name_zh", "org_name_en"]
OVER_STANDARD_COLUMNS = [*_ROOM, *_ORG, "area_m2", "occupants", "limit_m2", "allowed_m2", "over_m2", "total"]
VACANT_COLUMNS = [*_ROOM, *_ORG, "area_m2", "vacant_since", "total"]
BUILDING_COLUMNS = [
    "_drill",
    "building_id",
    "building_code",
    "building_name_zh",
    "building_name_en",
    "office_rooms",
    "area_m2",
    "occupants",
    "area_per_person",
    "over_rooms",
    "over_m2",
    "vacant_rooms",
    "total",
]
BUILDING_ROOM_COLUMNS = [
    *_ROOM,
    "area_m2",
    "occupants",
    "area_per_person",
    "limit_m2",
    "allowed_m2",
    "over_m2",
    "room_status",
    "total",
]
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


RANK_COLUMNS = [
    "admin_level",
    "rank_code",
    "rank_zh",
    "rank_en",
    "sort_order",
    "occupants",
    "area_m2",
    "area_per_person",
    "limit_m2",
    "allowed_m2",
    "over_m2",
    "over_occupants",
]


_LEVEL_ORDER = {"central": 0, "province": 1, "city": 2, "county": 3}


def rank_frame(records: list[dict]) -> pd.DataFrame:
    """``RANK_COLUMNS`` from per-(admin level, rank) sums (``occupants``, ``area_m2``,
    ``allowed_m2``, ``over_m2``, ``over_occupants``, plus ``rank_zh``/``rank_en``/``sort_order``
    and ``has_standard``): area per person = area / occupants; the limit = allowed / occupants
    (the limit the roll-up applied), NaN for a rank without a standard. Ordered by
    administrative level, then the standard's order (ranks without one last)."""
    rows = []
    for r in records:
        occupants = float(r["occupants"] or 0.0)
        if occupants <= 0:
            continue
        standard = bool(r.get("has_standard"))
        rows.append(
            {
                "admin_level": r["admin_level"],
                "rank_code": r["rank_code"],
                "rank_zh": r.get("rank_zh") or r["rank_code"],
                "rank_en": r.get("rank_en") or r["rank_code"],
                "sort_order": r.get("sort_order"),
                "occupants": occupants,
                "area_m2": float(r["area_m2"]),
                "area_per_person": float(r["area_m2"]) / occupants,
                "limit_m2": float(r["allowed_m2"]) / occupants if standard else NAN,
                "allowed_m2": float(r["allowed_m2"]) if standard else NAN,
                "over_m2": float(r["over_m2"]),
                "over_occupants": float(r["over_occupants"]),
            }
        )
    rows.sort(
        key=lambda r: (
            _LEVEL_ORDER.get(r["admin_level"], len(_LEVEL_ORDER)),
            r["sort_order"] is None or pd.isna(r["sort_order"]),
            0 if r["sort_order"] is None or pd.isna(r["sort_order"]) else r["sort_order"],
            r["rank_code"],
        )
    )
    return pd.DataFrame(rows, columns=RANK_COLUMNS)


def ranked_frame(
    kind: str,
    units: list[tuple[int, str, str]],
    value: np.ndarray,
    compare: np.ndarray,
    current: tuple[str, int] | None,
) -> pd.DataFrame:
    """``RANKING_COLUMNS`` (``data.queries.compare``): largest first, rank 1 the largest, units
    without a value last and unranked; empty when no unit has a value."""
    if not units or np.isnan(value).all():
        return pd.DataFrame(columns=RANKING_COLUMNS)
    ids = [int(u[0]) for u in units]
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(compare != 0, (value - compare) / np.abs(compare) * 100.0, NAN)
    frame = pd.DataFrame(
        {
            "entity_kind": kind,
            "entity_id": ids,
            "drill": [f"{kind}:{i}" for i in ids],
            "name_zh": [u[1] for u in units],
            "name_en": [u[2] for u in units],
            "value": value,
            "value_compare": compare,
            "change_pct": change,
            "is_current": [current == (kind, i) for i in ids],
        }
    )
    frame = frame.sort_values("value", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    frame["rank"] = frame["value"].rank(ascending=False, method="min").astype("Int64")
    return frame[RANKING_COLUMNS]


def state_day(view: ViewContext) -> dt.date:
    """The day the period's state roll-up is valued at: the month's last day, or the as-of day
    in the as-of month (without data: the as-of day, or today)."""
    if view.period is None:
        return view.as_of or configured_calendar().today()
    end = month_end(view.period.end)
    return min(end, view.as_of) if view.as_of is not None else end


def _check_scope(view: ViewContext) -> None:
    if not view.scope.contains(view.node["path"]):
        raise OutOfScope(f"org node {view.node['org_id']} is outside the scope")


def _in_view(view: ViewContext):
    """Rooms of the view: the org subtree, and the building or the room shown."""
    _check_scope(view)
    path = view.node["path"]
    conditions = [OrgNode.path >= path, OrgNode.path < path + "~", OfficeRoom.purpose == "office"]
    if view.entity_kind == "building":
        conditions.append(OfficeRoom.building_id == view.entity_id)
    elif view.entity_kind == "room":
        conditions.append(OfficeRoom.id == view.entity_id)
    return and_(*conditions)


def _active(day: dt.date):
    return and_(OfficeOccupancy.since <= day, or_(OfficeOccupancy.until.is_(None), OfficeOccupancy.until > day))


_ROOM_SELECT = (
    OfficeRoom.id.label("room_id"),
    OfficeRoom.room_no,
    OfficeRoom.building_id,
    Building.code.label("building_code"),
    Building.name_zh.label("building_name_zh"),
    Building.name_en.label("building_name_en"),
    OfficeRoom.org_id,
    OrgNode.name_zh.label("org_name_zh"),
    OrgNode.name_en.label("org_name_en"),
    OrgNode.admin_level,
    OfficeRoom.usable_area_m2.label("area"),
)


def _frame(result) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def judged_rooms(conn: Connection, view: ViewContext, day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The view's office rooms judged at ``day`` (``room_standard`` columns plus identity, by
    building and room number) and their active occupancies (``room_id``, ``rank_code``,
    ``admin_level``, ``limit``): two statements."""
    rooms = _frame(
        conn.execute(
            select(*_ROOM_SELECT)
            .join(Building, Building.id == OfficeRoom.building_id)
            .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
            .where(_in_view(view))
            .order_by(Building.code, OfficeRoom.room_no)
        )
    )
    s = OfficeSpaceStandard
    active = _frame(
        conn.execute(
            select(OfficeOccupancy.room_id, OfficeOccupancy.rank_code, OrgNode.admin_level, s.limit_m2.label("limit"))
            .join(OfficeRoom, OfficeRoom.id == OfficeOccupancy.room_id)
            .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
            .outerjoin(s, and_(s.admin_level == OrgNode.admin_level, s.rank_code == OfficeOccupancy.rank_code))
            .where(_in_view(view), _active(day))
        )
    )
    if rooms.empty:
        return rooms.assign(occupants=0, limit=NAN, allowed=NAN, over=0, over_area=0.0), active
    rooms["area"] = rooms["area"].astype(float)
    active["limit"] = pd.to_numeric(active["limit"], errors="coerce").astype(float)
    return room_standard(rooms, active), active


def _with_room_drill(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "_drill", [f"room:{int(r)}" for r in frame["room_id"]])
    return frame


def _capped(frame: pd.DataFrame, limit: int, columns: list[str]) -> pd.DataFrame:
    total = len(frame)
    frame = frame.head(limit).reset_index(drop=True)
    frame["total"] = total
    return frame[columns]


def _room_figures(rooms: pd.DataFrame) -> pd.DataFrame:
    out = rooms.rename(
        columns={"area": "area_m2", "limit": "limit_m2", "allowed": "allowed_m2", "over_area": "over_m2"}
    )
    out["area_per_person"] = [ratio(a, n) for a, n in zip(out["area_m2"], out["occupants"])]
    return out


# --- lists -----------------------------------------------------------------------------------------


def fetch_over_standard_rooms(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The office rooms over the standard at the period's state day, largest excess first.

    Returns:
        DataFrame with ``OVER_STANDARD_COLUMNS``: the room (``_drill`` ``room:<id>``, number,
        building), its unit, ``area_m2``, ``occupants``, ``limit_m2`` (the highest limit among
        its occupants' ranks), ``allowed_m2`` (limit × occupants), ``over_m2`` (the excess);
        ``total`` rooms over the standard before the cap (``OVER_STANDARD_LIMIT``).
    """
    rooms, _ = judged_rooms(conn, view, state_day(view))
    over = rooms[rooms["over"] == 1] if not rooms.empty else rooms
    if over.empty:
        return pd.DataFrame(columns=OVER_STANDARD_COLUMNS)
    over = _room_figures(over.sort_values(["over_area", "room_id"], ascending=[False, True], kind="stable"))
    return _capped(_with_room_drill(over), OVER_STANDARD_LIMIT, OVER_STANDARD_COLUMNS)


def fetch_vacant_rooms(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The office rooms without occupants at the period's state day, by building and number.

    Returns:
        DataFrame with ``VACANT_COLUMNS``: the room, its unit, ``area_m2``, ``vacant_since``
        (the day its last occupant left; None if it never had one); ``total`` before the cap.
    """
    day = state_day(view)
    rooms, _ = judged_rooms(conn, view, day)
    vacant = rooms[rooms["occupants"] == 0] if not rooms.empty else rooms
    if vacant.empty:
        return pd.DataFrame(columns=VACANT_COLUMNS)
    vacant = _room_figures(vacant.head(VACANT_LIMIT).copy()).assign(total=len(vacant))
    left = dict(
        conn.execute(
            select(OfficeOccupancy.room_id, func.max(OfficeOccupancy.until))
            .where(OfficeOccupancy.room_id.in_([int(r) for r in vacant["room_id"]]), OfficeOccupancy.until <= day)
            .group_by(OfficeOccupancy.room_id)
        ).all()
    )
    vacant["vacant_since"] = [left.get(int(r)) for r in vacant["room_id"]]
    return _with_room_drill(vacant.reset_index(drop=True))[VACANT_COLUMNS]


def _building_sums(rooms: pd.DataFrame) -> pd.DataFrame:
    r = rooms.assign(n=1, vacant=(rooms["occupants"] == 0).astype(np.int64))
    sums = r.groupby(["building_id", "building_code", "building_name_zh", "building_name_en"], as_index=False).agg(
        office_rooms=("n", "sum"),
        area_m2=("area", "sum"),
        occupants=("occupants", "sum"),
        over_rooms=("over", "sum"),
        over_m2=("over_area", "sum"),
        vacant_rooms=("vacant", "sum"),
    )
    sums["area_per_person"] = [ratio(a, n) for a, n in zip(sums["area_m2"], sums["occupants"])]
    return sums


def fetch_agency_buildings(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The buildings holding the view's office rooms, by building code, with their office figures
    at the period's state day.

    Returns:
        DataFrame with ``BUILDING_COLUMNS``: ``_drill`` (``building:<id>``), the building,
        ``office_rooms``, ``area_m2``, ``occupants``, ``area_per_person``, ``over_rooms``,
        ``over_m2``, ``vacant_rooms``; ``total`` buildings before the cap.
    """
    rooms, _ = judged_rooms(conn, view, state_day(view))
    if rooms.empty:
        return pd.DataFrame(columns=BUILDING_COLUMNS)
    sums = _building_sums(rooms).sort_values("building_code", kind="stable")
    sums.insert(0, "_drill", [f"building:{int(b)}" for b in sums["building_id"]])
    return _capped(sums, BUILDINGS_LIMIT, BUILDING_COLUMNS)


def fetch_building_rooms(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The building's (or the view's) office rooms by number with their figures at the period's
    state day; ``room_status`` is ``over`` (over the standard), ``vacant`` or ``within``.

    Returns:
        DataFrame with ``BUILDING_ROOM_COLUMNS``; ``total`` rooms before the cap.
    """
    rooms, _ = judged_rooms(conn, view, state_day(view))
    if rooms.empty:
        return pd.DataFrame(columns=BUILDING_ROOM_COLUMNS)
    out = _room_figures(rooms)
    out["room_status"] = np.where(out["over"] == 1, "over", np.where(out["occupants"] == 0, "vacant", "within"))
    return _capped(_with_room_drill(out), BUILDING_ROOMS_LIMIT, BUILDING_ROOM_COLUMNS)


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
    rows = _frame(
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
            .where(_in_view(view), OfficeOccupancy.since <= day)
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
    return _capped(rows, OCCUPANTS_LIMIT, OCCUPANT_COLUMNS)


def fetch_entity_ranks(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Office space by rank of the view's rooms (a building or a room) at the period's state
    day, as ``housing_panels.fetch_office_ranks`` reads it from the roll-up for an org node."""
    rooms, active = judged_rooms(conn, view, state_day(view))
    if rooms.empty or active.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    shares = occupant_shares(rooms, active)
    sums = shares.groupby(["admin_level", "rank_code"], as_index=False)[
        ["occupants", "area_m2", "allowed_m2", "over_m2", "over_occupants"]
    ].sum()
    s = OfficeSpaceStandard
    names = {
        (level, rank): (zh, en, order)
        for level, rank, zh, en, order in conn.execute(
            select(s.admin_level, s.rank_code, s.rank_zh, s.rank_en, s.sort_order)
        )
    }
    records = []
    for row in sums.to_dict("records"):
        zh, en, order = names.get((row["admin_level"], row["rank_code"]), (None, None, None))
        records.append({**row, "rank_zh": zh, "rank_en": en, "sort_order": order, "has_standard": order is not None})
    return rank_frame(records)


def building_ranking(conn: Connection, view: ViewContext, metric: str) -> pd.DataFrame:
    """The buildings holding the office rooms of the view's unit ranked by ``metric`` (area over
    the standard, or area per person) at the period's state day against the comparison period's
    (two reads of the unit's rooms); at a building or room, its building marked current."""
    org_view = view if view.entity_kind == "org" else _org_view(view)
    now = _building_sums(judged_rooms(conn, org_view, state_day(view))[0].pipe(_or_empty))
    if now.empty:
        return ranked_frame("building", [], np.array([]), np.array([]), None)
    units = [
        (int(b), zh, en or zh)
        for b, zh, en in zip(now["building_id"], now["building_name_zh"], now["building_name_en"])
    ]
    column = "over_m2" if metric == "housing.over_standard_area_m2" else "area_per_person"
    value = now[column].to_numpy(dtype=float)
    compare = np.full(len(units), NAN)
    if view.compare_period is not None and view.covers(view.compare_period.start):
        before_day = min(month_end(view.compare_period.end), view.as_of or month_end(view.compare_period.end))
        before = _building_sums(judged_rooms(conn, org_view, before_day)[0].pipe(_or_empty))
        lookup = dict(zip(before["building_id"], before[column])) if not before.empty else {}
        compare = np.array([lookup.get(b, NAN) for b, _, _ in units], dtype=float)
    building = view.entity_id if view.entity_kind == "building" else (view.entity or {}).get("building_id")
    current = ("building", int(building)) if building is not None and view.entity_kind != "org" else None
    return ranked_frame("building", units, value, compare, current)


def _or_empty(rooms: pd.DataFrame) -> pd.DataFrame:
    if rooms.empty:
        return rooms.assign(building_code="", building_name_zh="", building_name_en="")
    return rooms


def _org_view(view: ViewContext) -> ViewContext:
    from dataclasses import replace

    return replace(view, entity_kind="org", entity_id=view.org_id, entity=None)


__all__ = [
    "BUILDING_COLUMNS",
    "BUILDING_ROOM_COLUMNS",
    "BUILDING_TILE_METRICS",
    "OCCUPANT_COLUMNS",
    "OVER_STANDARD_COLUMNS",
    "ROOM_TILE_METRICS",
    "VACANT_COLUMNS",
    "RANK_COLUMNS",
    "building_ranking",
    "fetch_agency_buildings",
    "fetch_building_rooms",
    "fetch_building_tiles",
    "fetch_entity_ranks",
    "fetch_over_standard_rooms",
    "fetch_room_occupants",
    "fetch_room_tiles",
    "fetch_vacant_rooms",
    "judged_rooms",
    "rank_frame",
    "ranked_frame",
    "state_day",
]
