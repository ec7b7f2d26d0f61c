"""The housing page's office-room reads for one county, agency or building: the rooms over the
standard, the vacant rooms, an agency's buildings and a building's rooms, and the judging of rooms
the one-building and one-room reads (``housing_entity``) share.

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
from data.models import Building, OfficeOccupancy, OfficeRoom, OfficeSpaceStandard, OrgNode
from data.rollup.office_rank import judge_rooms
from data.scope import OutOfScope

from .compare import RANKING_COLUMNS
from .kpi import NAN, ratio
from .view import ViewContext

OVER_STANDARD_LIMIT = 500
VACANT_LIMIT = 500
BUILDINGS_LIMIT = 500
BUILDING_ROOMS_LIMIT = 1000

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
    value, compare = np.asarray(value, dtype=float), np.asarray(compare, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(compare != 0, (value - compare) / np.abs(compare) * 100.0, NAN)
    # numpy rather than a frame's sort and rank (their fixed cost was most of a ranking's read):
    # largest first, ties in the given order, units without a value last; rank 1 + the number
    # of larger values ("min" ranks)
    known = ~np.isnan(value)
    order = np.concatenate([np.flatnonzero(known)[np.argsort(-value[known], kind="stable")], np.flatnonzero(~known)])
    ranked = np.sort(value[known])
    rank = pd.array(
        [len(ranked) - np.searchsorted(ranked, v, side="right") + 1 if ok else None for v, ok in zip(value, known)],
        dtype="Int64",
    )
    frame = pd.DataFrame(
        {
            "entity_kind": kind,
            "entity_id": [ids[i] for i in order],
            "drill": [f"{kind}:{ids[i]}" for i in order],
            "name_zh": [units[i][1] for i in order],
            "name_en": [units[i][2] for i in order],
            "value": value[order],
            "value_compare": compare[order],
            "change_pct": change[order],
            "rank": rank.take(order),
            "is_current": [current == (kind, ids[i]) for i in order],
        },
        columns=RANKING_COLUMNS,
    )
    return frame


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


def in_view(view: ViewContext):
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


def frame_of(result) -> pd.DataFrame:
    return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))


STANDARDS = select(OfficeSpaceStandard.admin_level, OfficeSpaceStandard.rank_code, OfficeSpaceStandard.limit_m2)
IDS_PER_STATEMENT = 2000


_ROOM_FIELDS = [c.key for c in _ROOM_SELECT]


def judged_rooms(conn: Connection, view: ViewContext, day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The view's office rooms judged at ``day`` (identity columns of ``_ROOM_SELECT`` plus
    ``occupants``, ``limit``, ``allowed``, ``over``, ``over_area``; by building and room number)
    and their active occupancies (``room_id``, ``rank_code``, ``admin_level``, ``limit``): the
    rooms, their occupancies through the ``room_id`` index, and the standard's few rows. Arrays
    until the end: a frame per step cost more than the statements."""
    return judged_rooms_on(conn, view, [day])[0]


def judged_rooms_on(
    conn: Connection, view: ViewContext, days: list[dt.date]
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """``judged_rooms`` on each of ``days``, reading the rooms and the standard once."""
    rooms = conn.execute(
        select(*_ROOM_SELECT)
        .join(Building, Building.id == OfficeRoom.building_id)
        .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
        .where(in_view(view))
        .order_by(Building.code, OfficeRoom.room_no)
    ).fetchall()
    columns = dict(zip(_ROOM_FIELDS, map(list, zip(*rooms)))) if rooms else {f: [] for f in _ROOM_FIELDS}
    ids = [int(r) for r in columns["room_id"]]
    level = dict(zip(ids, columns["admin_level"]))
    area = np.array(columns["area"], dtype=float)
    limits = {(lv, rank): float(limit) for lv, rank, limit in conn.execute(STANDARDS)} if ids else {}
    out = []
    for day in days:
        occupied: list[tuple[int, str]] = []
        for k in range(0, len(ids), IDS_PER_STATEMENT):
            occupied += conn.execute(
                select(OfficeOccupancy.room_id, OfficeOccupancy.rank_code).where(
                    OfficeOccupancy.room_id.in_(ids[k : k + IDS_PER_STATEMENT]), _active(day)
                )
            ).fetchall()
        occupied_ids = np.array([r for r, _ in occupied], dtype=np.int64)
        ranks = [rank for _, rank in occupied]
        levels = [level[r] for r, _ in occupied]
        occupied_limits = np.array([limits.get(key, NAN) for key in zip(levels, ranks)], dtype=float)
        judged = judge_rooms(np.array(ids, dtype=np.int64), area, occupied_ids, occupied_limits)
        frame = pd.DataFrame({**columns, "room_id": ids, "area": area, **judged})
        active = pd.DataFrame(
            {"room_id": occupied_ids, "rank_code": ranks, "admin_level": levels, "limit": occupied_limits}
        )
        out.append((frame, active))
    return out


def _with_room_drill(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "_drill", [f"room:{int(r)}" for r in frame["room_id"]])
    return frame


def capped(frame: pd.DataFrame, limit: int, columns: list[str]) -> pd.DataFrame:
    total = len(frame)
    frame = frame.head(limit).reset_index(drop=True)
    frame["total"] = total
    return frame[columns]


def room_figures(rooms: pd.DataFrame) -> pd.DataFrame:
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
    over = room_figures(over.sort_values(["over_area", "room_id"], ascending=[False, True], kind="stable"))
    return capped(_with_room_drill(over), OVER_STANDARD_LIMIT, OVER_STANDARD_COLUMNS)


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
    vacant = room_figures(vacant.head(VACANT_LIMIT).copy()).assign(total=len(vacant))
    left = dict(
        conn.execute(
            select(OfficeOccupancy.room_id, func.max(OfficeOccupancy.until))
            .where(OfficeOccupancy.room_id.in_([int(r) for r in vacant["room_id"]]), OfficeOccupancy.until <= day)
            .group_by(OfficeOccupancy.room_id)
        ).all()
    )
    vacant["vacant_since"] = [left.get(int(r)) for r in vacant["room_id"]]
    return _with_room_drill(vacant.reset_index(drop=True))[VACANT_COLUMNS]


def building_sums(rooms: pd.DataFrame) -> pd.DataFrame:
    """Per building of ``judged_rooms`` output, in first-seen order: ``building_id``,
    ``building_code``, ``building_name_zh``/``_en``, ``office_rooms``, ``area_m2``, ``occupants``,
    ``area_per_person``, ``over_rooms``, ``over_m2``, ``vacant_rooms``."""
    buildings, first, index = np.unique(rooms["building_id"].to_numpy(), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    slot = rank[index]

    def total(values) -> np.ndarray:
        return np.bincount(slot, weights=np.asarray(values, dtype=float), minlength=len(buildings))

    occupants = total(rooms["occupants"])
    area = total(rooms["area"])
    pick = first[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(occupants > 0, area / np.where(occupants > 0, occupants, 1.0), NAN)
    return pd.DataFrame(
        {
            "building_id": buildings[order],
            "building_code": rooms["building_code"].to_numpy()[pick],
            "building_name_zh": rooms["building_name_zh"].to_numpy()[pick],
            "building_name_en": rooms["building_name_en"].to_numpy()[pick],
            "office_rooms": np.bincount(slot, minlength=len(buildings)),
            "area_m2": area,
            "occupants": occupants,
            "area_per_person": per_person,
            "over_rooms": total(rooms["over"]),
            "over_m2": total(rooms["over_area"]),
            "vacant_rooms": total(rooms["occupants"].to_numpy() == 0),
        }
    )


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
    sums = building_sums(rooms).sort_values("building_code", kind="stable")
    sums.insert(0, "_drill", [f"building:{int(b)}" for b in sums["building_id"]])
    return capped(sums, BUILDINGS_LIMIT, BUILDING_COLUMNS)


def fetch_building_rooms(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The building's (or the view's) office rooms by number with their figures at the period's
    state day; ``room_status`` is ``over`` (over the standard), ``vacant`` or ``within``.

    Returns:
        DataFrame with ``BUILDING_ROOM_COLUMNS``; ``total`` rooms before the cap.
    """
    rooms, _ = judged_rooms(conn, view, state_day(view))
    if rooms.empty:
        return pd.DataFrame(columns=BUILDING_ROOM_COLUMNS)
    out = room_figures(rooms)
    out["room_status"] = np.where(out["over"] == 1, "over", np.where(out["occupants"] == 0, "vacant", "within"))
    return capped(_with_room_drill(out), BUILDING_ROOMS_LIMIT, BUILDING_ROOM_COLUMNS)


__all__ = [
    "IDS_PER_STATEMENT",
    "STANDARDS",
    "BUILDING_COLUMNS",
    "BUILDING_ROOM_COLUMNS",
    "OVER_STANDARD_COLUMNS",
    "VACANT_COLUMNS",
    "RANK_COLUMNS",
    "fetch_agency_buildings",
    "fetch_building_rooms",
    "fetch_over_standard_rooms",
    "fetch_vacant_rooms",
    "building_sums",
    "frame_of",
    "in_view",
    "capped",
    "judged_rooms",
    "judged_rooms_on",
    "room_figures",
    "rank_frame",
    "ranked_frame",
    "state_day",
]
