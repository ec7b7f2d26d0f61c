"""One turnover-housing unit (a *dwelling*: its KPI tiles and every lease it has had), and the
housing cross-checks (多源校核): who occupies office rooms against the units' staff lists
(人员核对), and what a unit's recorded status says against its leases (租住核对).

Leases are current at the reference day by the roll-up's rule (``housing_lists`` module
docstring); office occupancies are active at ``t`` when ``since <= t`` and ``until`` is NULL or
after ``t`` (the office roll-up's rule). Functions take ``(conn, view)``, read one subtree (the
indexed org path range), one building, one room or one dwelling, cap their rows (``*_LIMIT``,
``total`` on every row), mask personal columns by scope, bind every parameter and never commit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data.masking import mask_frame
from data.models import Building, OrgNode
from data.models.housing import HousingUnit, Lease, OfficeOccupancy, OfficeRoom, StaffMember

from .housing_lists import (
    TENANT_ORG,
    TENANT_SELECT,
    UNIT_SELECT,
    as_date,
    check_scope,
    current_lease,
    finish,
    in_subtree,
    read_frame,
    reference_day,
)
from .kpi import KPI_COLUMNS, NAN, empty_kpis, kpi_frame
from .view import ViewContext

TENANT_HISTORY_LIMIT = 200
STAFF_CHECK_LIMIT = 500
LEASE_CHECK_LIMIT = 500
#: The dwelling's tiles, in display order (catalog metrics; the tenants tile's unit names the
#: recorded status, ``dwelling.<status>``).
DWELLING_TILE_METRICS = (
    "housing.dwelling_area_m2",
    "housing.dwelling_rent_yuan",
    "housing.dwelling_tenants",
    "housing.dwelling_days_to_lease_end",
    "housing.dwelling_arrears_yuan",
)
#: Lease days left at or under which the days-to-lease-end tile warns.
LEASE_END_WARN_DAYS = 30
#: What the staff cross-check finds (message keys ``housing_lists.problem.<code>``), in order.
STAFF_PROBLEMS = ("unknown_staff", "other_unit", "left", "two_rooms")
#: What the lease cross-check finds, in order.
LEASE_PROBLEMS = ("occupied_no_lease", "available_with_lease", "repair_with_lease", "overlapping", "tenant_outside")

TENANT_HISTORY_COLUMNS = [
    "lease_id",
    "tenant_name",
    "tenant_phone",
    "tenant_org_name_zh",
    "tenant_org_name_en",
    "starts_on",
    "ends_on",
    "moved_out_on",
    "lease_state",
    "monthly_rent_yuan",
    "arrears_yuan",
    "overstay_days",
    "total",
]
STAFF_CHECK_COLUMNS = [
    "_drill",
    "occupancy_id",
    "room_id",
    "room_no",
    "building_name_zh",
    "building_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
    "person_name",
    "staff_no",
    "rank_code",
    "since",
    "staff_org_name_zh",
    "staff_org_name_en",
    "left_on",
    "problems",
    "total",
]
LEASE_CHECK_COLUMNS = [
    "_drill",
    "unit_id",
    "unit_code",
    "building_name_zh",
    "building_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
    "status",
    "lease_id",
    "tenant_name",
    "tenant_org_name_zh",
    "tenant_org_name_en",
    "starts_on",
    "ends_on",
    "problems",
    "total",
]


# --- one dwelling ------------------------------------------------------------------------------


def fetch_dwelling_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The dwelling's KPI tiles at the reference day (``KPI_COLUMNS`` plus ``status``, period ``now``).

    * ``housing.dwelling_area_m2``, ``housing.dwelling_rent_yuan``: as recorded;
    * ``housing.dwelling_tenants``: current leases; its ``unit`` is ``dwelling.<status>`` (the
      recorded status, shown beside the count) and it is ``bad`` when the two disagree (occupied
      without a lease, a lease on an available or repair unit, two current leases);
    * ``housing.dwelling_days_to_lease_end``: the latest-starting current lease's end − the
      reference day (negative: overstaying; NaN without a tenant); ``bad`` below 0, ``warn``
      within ``LEASE_END_WARN_DAYS``;
    * ``housing.dwelling_arrears_yuan``: the current leases' arrears; ``bad`` above 0.

    Empty when the view is not a dwelling or there is no data.
    """
    if view.entity_kind != "dwelling" or view.entity is None:
        frame = empty_kpis()
        frame["status"] = pd.Series(dtype=object)
        return frame
    t = reference_day(view)
    check_scope(view)
    rows = conn.execute(
        select(Lease.starts_on, Lease.ends_on, Lease.moved_out_on, Lease.arrears_yuan).where(
            Lease.unit_id == view.entity_id
        )
    ).all()
    current = [r for r in rows if as_date(r[0]) <= t and (r[2] is None or as_date(r[2]) > t)]
    current.sort(key=lambda r: as_date(r[0]))
    recorded = str(view.entity.get("status") or "available")
    tenants = len(current)
    consistent = tenants == 1 if recorded == "occupied" else tenants == 0
    days_left = float((as_date(current[-1][1]) - t).days) if current else NAN
    arrears = float(sum(float(r[3] or 0.0) for r in current))
    if np.isnan(days_left):
        lease_status = "neutral"
    else:
        lease_status = "bad" if days_left < 0 else "warn" if days_left <= LEASE_END_WARN_DAYS else "good"
    rows = [
        ("housing.dwelling_area_m2", float(view.entity.get("area_m2") or NAN), None, "neutral"),
        ("housing.dwelling_rent_yuan", float(view.entity.get("monthly_rent_yuan") or NAN), None, "neutral"),
        ("housing.dwelling_tenants", float(tenants), f"dwelling.{recorded}", "good" if consistent else "bad"),
        ("housing.dwelling_days_to_lease_end", days_left, None, lease_status),
        ("housing.dwelling_arrears_yuan", arrears, None, "bad" if arrears > 0 else "good"),
    ]
    frame = kpi_frame(
        [{"metric_id": m, "period": "now", "value": v, **({"unit": u} if u else {})} for m, v, u, _ in rows],
        view.as_of,
        view.node["org_id"],
    )
    frame["status"] = [s for *_, s in rows]
    return frame[[*KPI_COLUMNS, "status"]]


def fetch_tenant_history(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Every lease of the dwelling shown, the latest first.

    Returns:
        DataFrame with ``TENANT_HISTORY_COLUMNS``: ``lease_id``, ``tenant_name`` and
        ``tenant_phone`` (masked by scope), the tenant's unit, ``starts_on``, ``ends_on``,
        ``moved_out_on``, ``lease_state`` at the reference day (``future``, ``current``,
        ``overstaying``: current past its end, ``ended``), ``monthly_rent_yuan``,
        ``arrears_yuan``, ``overstay_days`` (days lived past the end: to the move-out, or to the
        reference day while still there; 0 otherwise), ``total`` (before ``TENANT_HISTORY_LIMIT``).
        Empty when the view is not a dwelling.
    """
    if view.entity_kind != "dwelling":
        return pd.DataFrame(columns=TENANT_HISTORY_COLUMNS)
    t = reference_day(view)
    check_scope(view)
    tenant_org = aliased(OrgNode)
    stmt = (
        select(
            Lease.id.label("lease_id"),
            Lease.tenant_name,
            Lease.tenant_phone,
            tenant_org.name_zh.label("tenant_org_name_zh"),
            tenant_org.name_en.label("tenant_org_name_en"),
            Lease.starts_on,
            Lease.ends_on,
            Lease.moved_out_on,
            Lease.monthly_rent_yuan,
            Lease.arrears_yuan,
            func.count().over().label("total"),
        )
        .outerjoin(tenant_org, tenant_org.id == Lease.tenant_org_id)
        .where(Lease.unit_id == view.entity_id)
        .order_by(Lease.starts_on.desc(), Lease.id.desc())
        .limit(TENANT_HISTORY_LIMIT)
    )
    frame = read_frame(conn, stmt, [])
    if frame.empty:
        return pd.DataFrame(columns=TENANT_HISTORY_COLUMNS)
    states, over = [], []
    for starts, ends, moved in zip(frame["starts_on"], frame["ends_on"], frame["moved_out_on"]):
        starts, ends, moved = as_date(starts), as_date(ends), as_date(moved)
        if starts > t:
            states.append("future")
            over.append(0)
        elif moved is not None and moved <= t:
            states.append("ended")
            over.append(max(0, (moved - ends).days))
        else:
            states.append("overstaying" if ends < t else "current")
            over.append(max(0, (t - ends).days))
    frame["lease_state"] = states
    frame["overstay_days"] = over
    frame["total"] = frame["total"].astype(np.int64)
    return mask_frame(frame[TENANT_HISTORY_COLUMNS], view.scope)


# --- who occupies office rooms against the staff lists ------------------------------------------


def _active_occupancy(occupancy, t: dt.date):
    return and_(occupancy.since <= t, or_(occupancy.until.is_(None), occupancy.until > t))


def fetch_staff_crosscheck(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """People occupying office rooms of the node (or of the building or room shown) at the
    reference day who are not on the room's unit's staff list, and staff-list members occupying
    two rooms at once, by building and room.

    ``problems`` holds the codes (``STAFF_PROBLEMS``, space-separated) of what is wrong:
    ``unknown_staff`` (the staff number is on no list), ``other_unit`` (it is on another unit's
    list), ``left`` (its member left the list on or before the reference day), ``two_rooms`` (a
    staff-list member with an active occupancy of another room too, anywhere).

    Returns:
        DataFrame with ``STAFF_CHECK_COLUMNS``: the room (``_drill`` ``"room:<id>"``, ``room_id``,
        ``room_no``, building and unit names), the occupancy (``occupancy_id``, ``person_name``
        masked by scope, ``staff_no``, ``rank_code``, ``since``), the list's side
        (``staff_org_name_zh``/``_en``, ``left_on``), ``problems``, ``total`` (before
        ``STAFF_CHECK_LIMIT``).
    """
    t = reference_day(view)
    o, r = OfficeOccupancy, OfficeRoom
    other = aliased(OfficeOccupancy)
    staff_org = aliased(OrgNode)
    second_room = exists(
        select(other.id).where(other.staff_no == o.staff_no, other.room_id != o.room_id, _active_occupancy(other, t))
    )
    unknown = StaffMember.id.is_(None)
    elsewhere = StaffMember.org_id != r.org_id
    left = StaffMember.left_on <= t
    stmt = (
        select(
            o.id.label("occupancy_id"),
            r.id.label("room_id"),
            r.room_no,
            Building.name_zh.label("building_name_zh"),
            Building.name_en.label("building_name_en"),
            r.org_id,
            OrgNode.name_zh.label("org_name_zh"),
            OrgNode.name_en.label("org_name_en"),
            o.person_name,
            o.staff_no,
            o.rank_code,
            o.since,
            staff_org.name_zh.label("staff_org_name_zh"),
            staff_org.name_en.label("staff_org_name_en"),
            StaffMember.left_on,
            unknown.label("is_unknown"),
            and_(~unknown, elsewhere).label("is_elsewhere"),
            and_(~unknown, left).label("is_left"),
            and_(~unknown, second_room).label("is_two_rooms"),
            func.count().over().label("total"),
        )
        .select_from(o)
        .join(r, r.id == o.room_id)
        .join(OrgNode, OrgNode.id == r.org_id)
        .join(Building, Building.id == r.building_id)
        .outerjoin(StaffMember, StaffMember.staff_no == o.staff_no)
        .outerjoin(staff_org, staff_org.id == StaffMember.org_id)
        .where(
            in_subtree(view, r.building_id),
            _active_occupancy(o, t),
            or_(unknown, elsewhere, left, second_room),
        )
    )
    if view.entity_kind == "room":
        stmt = stmt.where(r.id == view.entity_id)
    stmt = stmt.order_by(Building.code, r.room_no, o.staff_no, o.id).limit(STAFF_CHECK_LIMIT)
    frame = read_frame(conn, stmt, [])
    if frame.empty:
        return pd.DataFrame(columns=STAFF_CHECK_COLUMNS)
    flags = ("is_unknown", "is_elsewhere", "is_left", "is_two_rooms")
    frame["problems"] = [
        " ".join(code for code, flag in zip(STAFF_PROBLEMS, row) if bool(flag))
        for row in zip(*(frame[f].fillna(False).tolist() for f in flags))
    ]
    return finish(frame, view, STAFF_CHECK_COLUMNS, drill="room")


# --- what the units' status says against their leases ---------------------------------------------


def fetch_lease_crosscheck(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The node's (building's, dwelling's) housing units whose recorded status disagrees with
    their current leases at the reference day, and current leases that should not be.

    ``problems`` holds the codes (``LEASE_PROBLEMS``, space-separated): ``occupied_no_lease``
    (recorded occupied without a current lease; the row has no lease), ``available_with_lease`` /
    ``repair_with_lease`` (a current lease on a unit recorded available or under repair),
    ``overlapping`` (another current lease on the same unit), ``tenant_outside`` (the tenant's
    unit lies outside the subtree of the housing owner's parent: the turnover housing of a
    region's offices administration serves that region's units).

    Returns:
        DataFrame with ``LEASE_CHECK_COLUMNS``: the unit (``_drill`` ``"dwelling:<id>"``, code,
        building and owner names, ``status``), the lease (``lease_id``, ``tenant_name`` masked by
        scope, the tenant's unit, ``starts_on``, ``ends_on``; None without one), ``problems``,
        ``total`` (rows before ``LEASE_CHECK_LIMIT``); by unit code and lease.
    """
    t = reference_day(view)
    owner_parent = aliased(OrgNode)
    other = aliased(Lease)
    has_lease = Lease.id.is_not(None)
    no_lease = and_(HousingUnit.status == "occupied", Lease.id.is_(None))
    on_available = and_(HousingUnit.status == "available", has_lease)
    on_repair = and_(HousingUnit.status == "repair", has_lease)
    overlapping = and_(
        has_lease,
        exists(
            select(other.id).where(
                other.unit_id == Lease.unit_id,
                other.id != Lease.id,
                other.starts_on <= t,
                or_(other.moved_out_on.is_(None), other.moved_out_on > t),
            )
        ),
    )
    # A unit owned by the root serves the whole tree: its "parent" is itself.
    served = func.coalesce(owner_parent.path, OrgNode.path)
    outside = and_(
        has_lease, TENANT_ORG.id.is_not(None), or_(TENANT_ORG.path < served, TENANT_ORG.path >= served + "~")
    )
    flags = (no_lease, on_available, on_repair, overlapping, outside)
    stmt = (
        select(
            *UNIT_SELECT,
            HousingUnit.status,
            *TENANT_SELECT,
            Lease.starts_on,
            Lease.ends_on,
            *(flag.label(f"is_{code}") for code, flag in zip(LEASE_PROBLEMS, flags)),
            func.count().over().label("total"),
        )
        .select_from(HousingUnit)
        .join(OrgNode, OrgNode.id == HousingUnit.org_id)
        .outerjoin(owner_parent, owner_parent.id == OrgNode.parent_id)
        .outerjoin(Building, Building.id == HousingUnit.building_id)
        .outerjoin(Lease, and_(Lease.unit_id == HousingUnit.id, current_lease(t)))
        .outerjoin(TENANT_ORG, TENANT_ORG.id == Lease.tenant_org_id)
        .where(in_subtree(view, HousingUnit.building_id), or_(*flags))
        .order_by(HousingUnit.code, Lease.id)
        .limit(LEASE_CHECK_LIMIT)
    )
    frame = read_frame(conn, stmt, [])
    if frame.empty:
        return pd.DataFrame(columns=LEASE_CHECK_COLUMNS)
    columns = [f"is_{code}" for code in LEASE_PROBLEMS]
    frame["problems"] = [
        " ".join(code for code, flag in zip(LEASE_PROBLEMS, row) if bool(flag))
        for row in zip(*(frame[c].fillna(False).tolist() for c in columns))
    ]
    return finish(frame, view, LEASE_CHECK_COLUMNS)


__all__ = [
    "DWELLING_TILE_METRICS",
    "LEASE_CHECK_COLUMNS",
    "LEASE_PROBLEMS",
    "STAFF_CHECK_COLUMNS",
    "STAFF_PROBLEMS",
    "TENANT_HISTORY_COLUMNS",
    "fetch_dwelling_tiles",
    "fetch_lease_crosscheck",
    "fetch_staff_crosscheck",
    "fetch_tenant_history",
]
