"""The housing page's turnover-housing lists (周转住房): leases expiring within 30/60/90 days,
tenants overstaying, rent arrears, the waiting list and how long people wait, the occupancy rate
of each child unit, and an agency's (or a building's) dwellings.

Every list counts what the state roll-ups count (``data.rollup.state._housing_states``) at the
same unit and the same day, so a list's length is its tile's value:

* the reference day ``t`` is the day the roll-up of the period's last month is valued at: the
  month's last day, or the data's as-of day within the as-of month (``reference_day``);
* a lease is *current* at ``t`` when it has started (``starts_on <= t``) and its tenant has not
  moved out (``moved_out_on`` NULL or after ``t``);
* *expiring* within N days: current and ``t <= ends_on <= t + N`` (``housing.expiring_<N>d``);
  the window bucket of a lease is the smallest of 30/60/90 that holds it;
* *overstaying*: current and ``ends_on < t`` (``housing.overstaying``);
* *arrears*: current with ``arrears_yuan > 0`` (their sum is ``housing.arrears_yuan``);
* *waiting*: applied by ``t`` and either still waiting or allocated after ``t``
  (``housing.waiting``).

Lists read raw tables for one subtree (the org path range, indexed) or one building, capped
(``*_LIMIT``) with ``total`` (rows before the cap) on every row; the page shows them at county
and agency level only. Figures at any level read the roll-ups. Personal columns (tenant and
applicant names and phones) are masked by ``data.masking.mask_frame`` unless the scope may see
them. Functions take ``(conn, view)``, bind every parameter and never commit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data.calendar import add_months, configured_calendar, month_end
from data.masking import mask_frame
from data.models import Building, OrgNode
from data.models.housing import HousingApplication, HousingUnit, Lease
from data.scope import OutOfScope

from .compare import RANKING_COLUMNS
from .rollup_read import state_values
from .view import ViewContext

#: The lease horizons of the expiry panel (``housing.expiring_<days>d``), shortest first.
EXPIRY_WINDOWS = (30, 60, 90)
EXPIRY_METRICS = tuple(f"housing.expiring_{days}d" for days in EXPIRY_WINDOWS)
#: How long the people on the waiting list have waited: bucket code -> [from, to) days.
WAITING_BUCKETS = (("lt90", 0, 90), ("90_180", 90, 180), ("180_365", 180, 365), ("365_730", 365, 730),
                   ("ge730", 730, None))  # fmt: skip
EXPIRING_LIMIT = 500
OVERSTAYING_LIMIT = 500
ARREARS_LIMIT = 500
WAITING_LIMIT = 500
DWELLINGS_LIMIT = 500

_UNIT = [
    "_drill",
    "unit_id",
    "unit_code",
    "building_name_zh",
    "building_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
]
_TENANT = ["lease_id", "tenant_name", "tenant_phone", "tenant_org_name_zh", "tenant_org_name_en"]
EXPIRING_COLUMNS = [*_UNIT, *_TENANT, "starts_on", "ends_on", "days_left", "window_days", "monthly_rent_yuan", "total"]
OVERSTAYING_COLUMNS = [*_UNIT, *_TENANT, "ends_on", "days_over", "monthly_rent_yuan", "arrears_yuan", "total"]
ARREARS_COLUMNS = [*_UNIT, *_TENANT, "ends_on", "monthly_rent_yuan", "arrears_yuan", "arrears_months", "total"]
WAITING_COLUMNS = [
    "application_id",
    "applicant_name",
    "applicant_phone",
    "org_id",
    "org_name_zh",
    "org_name_en",
    "applied_on",
    "days_waiting",
    "total",
]
DWELLING_COLUMNS = [
    *_UNIT,
    "area_m2",
    "rooms",
    "monthly_rent_yuan",
    "status",
    "tenant_name",
    "lease_ends_on",
    "total",
]
EXPIRY_FIGURE_COLUMNS = ["window_days", "metric_id", "leases"]
WAITING_TIME_COLUMNS = ["bucket", "waiting", "allocated_12m", "median_wait_days", "mean_wait_days"]

TENANT_ORG = aliased(OrgNode, name="tenant_org")


# --- shared pieces (the dwelling and cross-check module uses them too) ----------------------------


def reference_day(view: ViewContext) -> dt.date:
    """The day the lists are counted at: the day the state roll-up of the period's last month is
    valued at (its last day, or the as-of day in the as-of month), so a list matches its tile.
    Without data, the as-of day or today."""
    if view.period is None:
        return view.as_of or configured_calendar().today()
    end = month_end(view.period.end)
    return min(end, view.as_of) if view.as_of is not None else end


def check_scope(view: ViewContext) -> None:
    """Refuse a hand-made view whose node lies outside its scope (``resolve_view`` never makes one)."""
    if not view.scope.contains(view.node["path"]):
        raise OutOfScope(f"org node {view.node['org_id']} is outside the scope")


def in_subtree(view: ViewContext, building_column=None):
    """The condition limiting rows to the view: the org subtree (a range on the indexed path of
    ``OrgNode``, which the statement joins on the rows' unit) and, for a statement over housing
    units (``building_column`` given), the building or the dwelling shown."""
    check_scope(view)
    path = view.node["path"]
    conditions = [OrgNode.path >= path, OrgNode.path < path + "~"]
    if building_column is not None:  # a statement over housing units or rooms
        if view.entity_kind == "building":
            conditions.append(building_column == view.entity_id)
        elif view.entity_kind == "dwelling":
            conditions.append(HousingUnit.id == view.entity_id)
    return and_(*conditions)


def current_lease(t: dt.date):
    """A lease is current at ``t``: started, and its tenant not moved out (the roll-up's rule)."""
    return and_(Lease.starts_on <= t, or_(Lease.moved_out_on.is_(None), Lease.moved_out_on > t))


UNIT_SELECT = (
    HousingUnit.id.label("unit_id"),
    HousingUnit.code.label("unit_code"),
    Building.name_zh.label("building_name_zh"),
    Building.name_en.label("building_name_en"),
    HousingUnit.org_id,
    OrgNode.name_zh.label("org_name_zh"),
    OrgNode.name_en.label("org_name_en"),
)
TENANT_SELECT = (
    Lease.id.label("lease_id"),
    Lease.tenant_name,
    Lease.tenant_phone,
    TENANT_ORG.name_zh.label("tenant_org_name_zh"),
    TENANT_ORG.name_en.label("tenant_org_name_en"),
)


def unit_leases(view: ViewContext, *columns):
    """``SELECT columns`` over the leases of the view's housing units, with each unit's building,
    owner and the tenant's unit joined."""
    return (
        select(*columns, func.count().over().label("total"))
        .select_from(Lease)
        .join(HousingUnit, HousingUnit.id == Lease.unit_id)
        .join(OrgNode, OrgNode.id == HousingUnit.org_id)
        .outerjoin(Building, Building.id == HousingUnit.building_id)
        .outerjoin(TENANT_ORG, TENANT_ORG.id == Lease.tenant_org_id)
        .where(in_subtree(view, HousingUnit.building_id))
    )


def read_frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series(dtype=object)
    return frame


def as_date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def days_between(first, second) -> list[float]:
    """``second − first`` in days per row (NaN where either is missing)."""
    out = []
    for a, b in zip(first, second):
        a, b = as_date(a), as_date(b)
        out.append(float((b - a).days) if a is not None and b is not None else np.nan)
    return out


def finish(frame: pd.DataFrame, view: ViewContext, columns: list[str], *, drill: str = "dwelling") -> pd.DataFrame:
    """The frame in ``columns`` order, its rows' drill targets set and its personal columns masked."""
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.reset_index(drop=True)
    if "_drill" in columns:
        frame["_drill"] = [f"{drill}:{int(v)}" for v in frame["unit_id" if drill == "dwelling" else "room_id"]]
    frame["total"] = frame["total"].astype(np.int64)
    return mask_frame(frame[columns], view.scope)


# --- leases expiring, overstaying, in arrears ------------------------------------------------------


def fetch_leases_expiring(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Current leases ending within 90 days of the reference day, soonest first.

    Returns:
        DataFrame with ``EXPIRING_COLUMNS``: the unit (``_drill`` ``"dwelling:<id>"``, ``unit_id``,
        ``unit_code``, building and owner names), the tenant (``lease_id``, ``tenant_name`` and
        ``tenant_phone`` masked by scope, the tenant's unit), ``starts_on``, ``ends_on``,
        ``days_left`` (0 = ends on the reference day), ``window_days`` (30, 60 or 90: the smallest
        horizon holding it), ``monthly_rent_yuan``, ``total`` (before ``EXPIRING_LIMIT``).
    """
    t = reference_day(view)
    horizon = t + dt.timedelta(days=EXPIRY_WINDOWS[-1])
    stmt = unit_leases(
        view, *UNIT_SELECT, *TENANT_SELECT, Lease.starts_on, Lease.ends_on, Lease.monthly_rent_yuan
    ).where(current_lease(t), Lease.ends_on >= t, Lease.ends_on <= horizon)
    frame = read_frame(conn, stmt.order_by(Lease.ends_on, HousingUnit.code, Lease.id).limit(EXPIRING_LIMIT), [])
    if frame.empty:
        return pd.DataFrame(columns=EXPIRING_COLUMNS)
    frame["days_left"] = [(as_date(d) - t).days for d in frame["ends_on"]]
    frame["window_days"] = [next(w for w in EXPIRY_WINDOWS if d <= w) for d in frame["days_left"]]
    return finish(frame, view, EXPIRING_COLUMNS)


def fetch_overstaying(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Tenants whose lease has ended and who have not moved out by the reference day, the longest
    over first.

    Returns:
        DataFrame with ``OVERSTAYING_COLUMNS``: unit and tenant as ``fetch_leases_expiring``,
        ``ends_on``, ``days_over`` (days since the lease ended), ``monthly_rent_yuan``,
        ``arrears_yuan``, ``total`` (before ``OVERSTAYING_LIMIT``).
    """
    t = reference_day(view)
    stmt = unit_leases(
        view, *UNIT_SELECT, *TENANT_SELECT, Lease.ends_on, Lease.monthly_rent_yuan, Lease.arrears_yuan
    ).where(current_lease(t), Lease.ends_on < t)
    frame = read_frame(conn, stmt.order_by(Lease.ends_on, HousingUnit.code, Lease.id).limit(OVERSTAYING_LIMIT), [])
    if frame.empty:
        return pd.DataFrame(columns=OVERSTAYING_COLUMNS)
    frame["days_over"] = [(t - as_date(d)).days for d in frame["ends_on"]]
    return finish(frame, view, OVERSTAYING_COLUMNS)


def fetch_arrears(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Current tenants owing rent at the reference day, the largest debt first.

    Returns:
        DataFrame with ``ARREARS_COLUMNS``: unit and tenant as ``fetch_leases_expiring``,
        ``ends_on``, ``monthly_rent_yuan``, ``arrears_yuan``, ``arrears_months`` (the debt in
        months of the lease's rent; NaN for a rent of 0), ``total`` (before ``ARREARS_LIMIT``).
    """
    t = reference_day(view)
    stmt = unit_leases(
        view, *UNIT_SELECT, *TENANT_SELECT, Lease.ends_on, Lease.monthly_rent_yuan, Lease.arrears_yuan
    ).where(current_lease(t), Lease.arrears_yuan > 0)
    stmt = stmt.order_by(Lease.arrears_yuan.desc(), HousingUnit.code, Lease.id).limit(ARREARS_LIMIT)
    frame = read_frame(conn, stmt, [])
    if frame.empty:
        return pd.DataFrame(columns=ARREARS_COLUMNS)
    rent = frame["monthly_rent_yuan"].astype(float)
    frame["arrears_months"] = frame["arrears_yuan"].astype(float) / rent.where(rent > 0)
    return finish(frame, view, ARREARS_COLUMNS)


# --- the waiting list ------------------------------------------------------------------------------


def _waiting_at(t: dt.date):
    a = HousingApplication
    return and_(a.applied_on <= t, or_(a.status == "waiting", and_(a.status == "allocated", a.allocated_on > t)))


def fetch_waiting_list(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The people waiting for a dwelling at the reference day, the longest waiting first.

    Returns:
        DataFrame with ``WAITING_COLUMNS``: ``application_id``, ``applicant_name`` and
        ``applicant_phone`` (masked by scope), the applying unit (``org_id``, names),
        ``applied_on``, ``days_waiting`` (reference day − applied on), ``total`` (before
        ``WAITING_LIMIT``).
    """
    t = reference_day(view)
    a = HousingApplication
    stmt = (
        select(
            a.id.label("application_id"),
            a.applicant_name,
            a.applicant_phone,
            a.org_id,
            OrgNode.name_zh.label("org_name_zh"),
            OrgNode.name_en.label("org_name_en"),
            a.applied_on,
            func.count().over().label("total"),
        )
        .join(OrgNode, OrgNode.id == a.org_id)
        .where(in_subtree(view), _waiting_at(t))
        .order_by(a.applied_on, a.id)
        .limit(WAITING_LIMIT)
    )
    frame = read_frame(conn, stmt, [])
    if frame.empty:
        return pd.DataFrame(columns=WAITING_COLUMNS)
    frame["days_waiting"] = [(t - as_date(d)).days for d in frame["applied_on"]]
    frame["total"] = frame["total"].astype(np.int64)
    return mask_frame(frame[WAITING_COLUMNS], view.scope)


def fetch_waiting_time(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """How long people wait: the current waiting list by time waited so far, and the days waited
    (allocated on − applied on) by the applications allocated in the twelve months up to the
    reference day (``t − 12 months < allocated_on <= t``).

    Returns:
        DataFrame with ``WAITING_TIME_COLUMNS``: one row per ``WAITING_BUCKETS`` code in order,
        ``waiting`` (people waiting that long), and on every row ``allocated_12m`` (allocations
        counted), ``median_wait_days``, ``mean_wait_days`` (NaN without allocations). Empty
        when nobody waits and nobody was allocated.
    """
    t = reference_day(view)
    a = HousingApplication
    since = add_months(t, -12)
    waiting = conn.execute(
        select(a.applied_on).join(OrgNode, OrgNode.id == a.org_id).where(in_subtree(view), _waiting_at(t))
    ).scalars()
    waited_now = np.array([(t - as_date(d)).days for d in waiting], dtype=float)
    allocated = conn.execute(
        select(a.applied_on, a.allocated_on)
        .join(OrgNode, OrgNode.id == a.org_id)
        .where(in_subtree(view), a.status == "allocated", a.allocated_on > since, a.allocated_on <= t)
    ).all()
    waited = np.array([(as_date(done) - as_date(applied)).days for applied, done in allocated], dtype=float)
    if not len(waited_now) and not len(waited):
        return pd.DataFrame(columns=WAITING_TIME_COLUMNS)
    counts = [
        int(((waited_now >= low) & ((waited_now < high) if high is not None else True)).sum())
        for _, low, high in WAITING_BUCKETS
    ]
    return pd.DataFrame(
        {
            "bucket": [code for code, _, _ in WAITING_BUCKETS],
            "waiting": counts,
            "allocated_12m": len(waited),
            "median_wait_days": float(np.median(waited)) if len(waited) else np.nan,
            "mean_wait_days": float(waited.mean()) if len(waited) else np.nan,
        },
        columns=WAITING_TIME_COLUMNS,
    )


# --- figures from the roll-ups ---------------------------------------------------------------------


def fetch_lease_expiry(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The node's leases expiring within 30, 60 and 90 days at the period's end, from the state
    roll-ups (``housing.expiring_30d`` / ``_60d`` / ``_90d``; cumulative: the 90-day figure holds
    the 30-day one).

    Returns:
        DataFrame with ``EXPIRY_FIGURE_COLUMNS``: ``window_days``, ``metric_id``, ``leases``; one
        row per horizon the roll-ups hold. Empty without data.
    """
    if view.period is None:
        return pd.DataFrame(columns=EXPIRY_FIGURE_COLUMNS)
    values = state_values(conn, EXPIRY_METRICS, [view.org_id], view.period.end)
    rows = [
        (days, metric, values[(view.org_id, metric)][1])
        for days, metric in zip(EXPIRY_WINDOWS, EXPIRY_METRICS)
        if (view.org_id, metric) in values
    ]
    return pd.DataFrame(rows, columns=EXPIRY_FIGURE_COLUMNS)


def _children(conn: Connection, view: ViewContext) -> list[tuple[int, str, str]]:
    check_scope(view)
    since = view.period.start
    rows = conn.execute(
        select(OrgNode.id, OrgNode.name_zh, OrgNode.name_en)
        .where(OrgNode.parent_id == view.org_id, or_(OrgNode.retired_on.is_(None), OrgNode.retired_on >= since))
        .order_by(OrgNode.sort_order, OrgNode.id)
    ).all()
    units = [tuple(r) for r in rows]
    return units or [(view.org_id, view.node["name_zh"], view.node["name_en"])]


def fetch_occupancy_by_child(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The turnover-housing occupancy rate (occupied units / units, %) of each child unit (the node
    itself when it has none) at the period's end against the comparison period's end, from the
    state roll-ups; highest first (``data.queries.compare.RANKING_COLUMNS``, entity kind ``org``).
    Units without turnover housing are left out."""
    if view.period is None:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    units = _children(conn, view)
    ids = [int(u[0]) for u in units]
    metrics = ("housing.units", "housing.occupied_units")

    def rates(day: dt.date) -> np.ndarray:
        values = state_values(conn, metrics, ids, day)
        out = np.full(len(ids), np.nan)
        for i, org in enumerate(ids):
            total = values.get((org, "housing.units"), (None, 0.0))[1]
            if total:
                out[i] = values.get((org, "housing.occupied_units"), (None, 0.0))[1] / total * 100.0
        return out

    value = rates(view.period.end)
    compared = view.compare_period is not None and view.covers(view.compare_period.start)
    compare = rates(view.compare_period.end) if compared else np.full(len(ids), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(np.abs(compare) > 0, (value - compare) / np.abs(compare) * 100.0, np.nan)
    frame = pd.DataFrame(
        {
            "entity_kind": "org",
            "entity_id": ids,
            "drill": [f"org:{i}" for i in ids],
            "name_zh": [u[1] for u in units],
            "name_en": [u[2] for u in units],
            "value": value,
            "value_compare": compare,
            "change_pct": change,
            "is_current": [False] * len(ids),
        }
    )
    frame = frame[frame["value"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    frame = frame.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = frame["value"].rank(ascending=False, method="min").astype("Int64")
    return frame[RANKING_COLUMNS]


# --- dwellings -------------------------------------------------------------------------------------


def fetch_dwellings(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The turnover-housing units of the node (or of the building shown), by code, each with its
    current tenant at the reference day (the latest-starting current lease).

    Returns:
        DataFrame with ``DWELLING_COLUMNS``: the unit (``_drill`` ``"dwelling:<id>"``, code,
        building and owner names), ``area_m2``, ``rooms``, ``monthly_rent_yuan``, ``status``
        (as recorded: ``available``, ``occupied``, ``repair``), ``tenant_name`` (masked by scope;
        None without a current lease), ``lease_ends_on``, ``total`` (before ``DWELLINGS_LIMIT``).
    """
    t = reference_day(view)
    stmt = (
        select(
            *UNIT_SELECT,
            HousingUnit.area_m2,
            HousingUnit.rooms,
            HousingUnit.monthly_rent_yuan,
            HousingUnit.status,
            func.count().over().label("total"),
        )
        .select_from(HousingUnit)
        .join(OrgNode, OrgNode.id == HousingUnit.org_id)
        .outerjoin(Building, Building.id == HousingUnit.building_id)
        .where(in_subtree(view, HousingUnit.building_id))
        .order_by(HousingUnit.code)
        .limit(DWELLINGS_LIMIT)
    )
    frame = read_frame(conn, stmt, [])
    if frame.empty:
        return pd.DataFrame(columns=DWELLING_COLUMNS)
    ids = [int(v) for v in frame["unit_id"]]
    leases = conn.execute(
        select(Lease.unit_id, Lease.tenant_name, Lease.ends_on)
        .where(Lease.unit_id.in_(ids), current_lease(t))
        .order_by(Lease.unit_id, Lease.starts_on)
    ).all()
    latest = {int(unit): (name, ends) for unit, name, ends in leases}  # the latest start wins
    frame["tenant_name"] = [latest.get(u, (None, None))[0] for u in ids]
    frame["lease_ends_on"] = [latest.get(u, (None, None))[1] for u in ids]
    return finish(frame, view, DWELLING_COLUMNS)


__all__ = [
    "ARREARS_COLUMNS",
    "DWELLING_COLUMNS",
    "EXPIRING_COLUMNS",
    "EXPIRY_FIGURE_COLUMNS",
    "EXPIRY_METRICS",
    "EXPIRY_WINDOWS",
    "OVERSTAYING_COLUMNS",
    "WAITING_BUCKETS",
    "WAITING_COLUMNS",
    "WAITING_TIME_COLUMNS",
    "fetch_arrears",
    "fetch_dwellings",
    "fetch_lease_expiry",
    "fetch_leases_expiring",
    "fetch_occupancy_by_child",
    "fetch_overstaying",
    "fetch_waiting_list",
    "fetch_waiting_time",
    "reference_day",
]
