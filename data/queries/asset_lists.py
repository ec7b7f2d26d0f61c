"""The asset page's lists and one asset's view: the assets of a unit, audits overdue, assets
without a custodian, one asset's KPI tiles, its life (movements and audits in order) and its
book value month by month.

Lists are states at the view's valuation day (``valuation_day``: the end of the period's month,
or the data's as-of day in the current month), the day the ``rollup_monthly`` state the page's
tiles read was valued at, and they count exactly what the roll-up counts
(``data.rollup.state._asset_states``):

* an asset is held at day ``t`` when acquired by ``t`` and not disposed by ``t``; its status at
  ``t`` is the register's status from ``status_since`` on, ``in_use`` before;
* audit overdue: held, acquired at least ``AUDIT_OVERDUE_DAYS`` before ``t``, and neither an
  ``asset_audit`` row nor the register's ``last_audit_on`` within the ``AUDIT_OVERDUE_DAYS``
  days up to ``t``;
* without custodian: in use at ``t`` and the register's custodian empty.

So a list's ``total`` equals its tile (``asset.count``, ``asset.audit_overdue_count``,
``asset.no_custodian_count``) at the same unit and period. Net values are the category's
depreciation method's (``data.depreciation``). Lists read the asset table through its
``org_id`` index for the subtree's units, are capped at ``LIST_LIMIT`` rows and carry ``total``
(rows before the cap) and ``_drill`` (``"asset:<id>"``). Custodian names are masked unless the
scope may see personal data. Functions bind every parameter and never commit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, exists, func, not_, or_, select, true
from sqlalchemy.engine import Connection

from data.calendar import configured_calendar, month_end
from data.catalog import get_metric
from data.depreciation import months_charged, net_values
from data.kpi_status import kpi_status
from data.masking import mask_frame
from data.models import Building, OrgNode
from data.models.asset import Asset, AssetAudit, AssetCategory, AssetMovement
from data.rollup.metrics import AUDIT_OVERDUE_DAYS
from data.scope import OutOfScope

from .kpi import KPI_COLUMNS, NAN, empty_kpis, kpi_frame
from .view import ViewContext

LIST_LIMIT = 2000

_IDENTITY = [
    "_drill",
    "asset_id",
    "code",
    "name_zh",
    "name_en",
    "category_id",
    "category_name_zh",
    "category_name_en",
    "org_id",
    "org_name_zh",
    "org_name_en",
]
ASSET_LIST_COLUMNS = [
    *_IDENTITY,
    "status",
    "building_name_zh",
    "building_name_en",
    "custodian_name",
    "acquired_on",
    "original_value_yuan",
    "net_value_yuan",
    "last_audit_on",
    "total",
]
AUDIT_OVERDUE_COLUMNS = [
    *_IDENTITY,
    "status",
    "custodian_name",
    "acquired_on",
    "last_audit_on",
    "days_since_audit",
    "net_value_yuan",
    "total",
]
NO_CUSTODIAN_COLUMNS = [
    *_IDENTITY,
    "status",
    "building_name_zh",
    "building_name_en",
    "acquired_on",
    "original_value_yuan",
    "net_value_yuan",
    "total",
]
LIFE_COLUMNS = [
    "day",
    "time_local",
    "event",
    "from_org_name_zh",
    "from_org_name_en",
    "to_org_name_zh",
    "to_org_name_en",
    "from_status",
    "to_status",
    "result",
    "value_saved_yuan",
    "note",
]
BOOK_VALUE_COLUMNS = ["month", "net_value_yuan", "original_value_yuan", "accumulated_depreciation_yuan"]

#: The tile of the days an asset has been in its status, by status (``asset.idle_days`` is the
#: catalog's days-idle indicator); the tile's name says the status.
STATUS_DAYS_METRICS = {
    "in_use": "asset.days_in_use",
    "idle": "asset.idle_days",
    "warehouse": "asset.days_in_warehouse",
    "pending_disposal": "asset.days_pending_disposal",
    "disposed": "asset.days_since_disposal",
}
ASSET_TILE_METRICS = (
    "asset.original_value_yuan",
    "asset.net_value_yuan",
    "asset.accumulated_depreciation_yuan",
    "asset.months_charged",
    "asset.days_in_use",
    "asset.audit_age_days",
)


# --- shared pieces (asset_checks uses them too) --------------------------------------------------


def check_scope(view: ViewContext) -> None:
    """Refuse a view whose node lies outside its scope (a hand-made context must not read around it)."""
    if not view.scope.contains(view.node["path"]):
        raise OutOfScope(f"org node {view.node['org_id']} is outside the scope")


def reference_day(view: ViewContext) -> dt.date:
    """The data's as-of day (today before any data): what "now" means for the register."""
    return view.as_of or configured_calendar().today()


def valuation_day(view: ViewContext) -> dt.date:
    """The day the state roll-up of the period's last month was valued at: that month's end, or
    the as-of day in the month in progress (``data.rollup.rebuild``'s evaluation dates)."""
    if view.period is None:
        return reference_day(view)
    end = month_end(view.period.end)
    return min(end, view.as_of) if view.as_of is not None else end


def identity_select():
    """The identity columns of ``_IDENTITY`` (without ``_drill``), for a statement joining
    ``asset``, ``asset_category`` and ``org_node``."""
    return (
        Asset.id.label("asset_id"),
        Asset.code,
        Asset.name_zh,
        Asset.name_en,
        Asset.category_id,
        AssetCategory.name_zh.label("category_name_zh"),
        AssetCategory.name_en.label("category_name_en"),
        Asset.org_id,
        OrgNode.name_zh.label("org_name_zh"),
        OrgNode.name_en.label("org_name_en"),
    )


def asset_select(*columns):
    return (
        select(*columns)
        .select_from(Asset)
        .join(AssetCategory, AssetCategory.id == Asset.category_id)
        .join(OrgNode, OrgNode.id == Asset.org_id)
    )


def frame_of(result) -> pd.DataFrame:
    """A result as a frame, built column by column (pandas probes each ``Row`` for attributes
    when given rows, which costs more than the query at a county's thousand assets)."""
    keys = list(result.keys())
    rows = result.fetchall()
    columns = list(zip(*rows)) if rows else [()] * len(keys)
    return pd.DataFrame({key: list(values) for key, values in zip(keys, columns)}, columns=keys)


def as_date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def net_values_at(frame: pd.DataFrame, at: dt.date) -> np.ndarray:
    """Net book values at ``at`` of a frame with ``original_value_yuan``, ``acquired_on``,
    ``life``, ``method`` and ``residual`` (the category's)."""
    return net_values_of(
        frame["original_value_yuan"], frame["acquired_on"], frame["life"], frame["method"], frame["residual"], at
    )


def net_values_of(original, acquired, life, method, residual, at: dt.date) -> np.ndarray:
    """``net_values_at`` on sequences (a read's columns, without a frame)."""
    # months_charged as arrays: the acquisition month counts, nothing before it
    acquired = np.array(_dates(acquired), dtype="datetime64[D]")
    day = np.datetime64(at, "D")
    span = (day.astype("datetime64[M]") - acquired.astype("datetime64[M]")).astype(np.int64) + 1
    months = np.where(acquired <= day, span, 0)
    return net_values(
        np.asarray(original, dtype=float),
        months,
        np.asarray(life, dtype=float),
        np.asarray(method, dtype=object),
        np.asarray(residual, dtype=float),
    )


def _dates(values) -> list[dt.date | None]:
    """``as_date`` of each value, skipping the plain dates the drivers return."""
    return [v if type(v) is dt.date else as_date(v) for v in values]


DEPRECIATION_SELECT = (
    Asset.original_value_yuan,
    Asset.acquired_on,
    AssetCategory.useful_life_years.label("life"),
    AssetCategory.depreciation_method.label("method"),
    AssetCategory.residual_rate.label("residual"),
)


def with_drill(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "_drill", [f"asset:{int(v)}" for v in frame["asset_id"]])
    return frame


def _status_at(t: dt.date):
    return case((Asset.status_since <= t, Asset.status), else_="in_use")


def _held_at(t: dt.date):
    return and_(Asset.acquired_on <= t, not_(and_(Asset.status == "disposed", Asset.status_since <= t)))


def _last_audit_at(t: dt.date):
    return (
        select(func.max(AssetAudit.audited_on))
        .where(AssetAudit.asset_id == Asset.id, AssetAudit.audited_on <= t)
        .scalar_subquery()
    )


def _latest_audit(register, audited, t: dt.date) -> list[dt.date | None]:
    """The later of the register's ``last_audit_on`` (when not after ``t``) and the audit rows'."""
    out = []
    for a, b in zip(_dates(register), _dates(audited)):
        a = a if a is not None and a <= t else None
        out.append(b if a is None else a if b is None else max(a, b))
    return out


def _listed(conn: Connection, view: ViewContext, t: dt.date, condition, columns: list[str]) -> pd.DataFrame:
    check_scope(view)
    path = view.node["path"]
    stmt = (
        asset_select(
            *identity_select(),
            _status_at(t).label("status"),
            *DEPRECIATION_SELECT,
            Asset.custodian_name,
            Building.name_zh.label("building_name_zh"),
            Building.name_en.label("building_name_en"),
            Asset.last_audit_on.label("register_audit"),
            _last_audit_at(t).label("audited"),
        )
        .outerjoin(Building, Building.id == Asset.building_id)
        # The path range: the subtree's units by the path index, their assets by org_id.
        .where(OrgNode.path >= path, OrgNode.path < path + "~", _held_at(t), condition)
    )
    result = conn.execute(stmt.order_by(OrgNode.path, Asset.code).limit(LIST_LIMIT))
    keys = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pd.DataFrame(columns=columns)
    # Counted apart only when the cap cut the list: a window count costs every read.
    total = (
        len(rows)
        if len(rows) < LIST_LIMIT
        else conn.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    )
    # Columns as lists and one frame of the shown columns at the end: a frame per step (and
    # pandas' string columns) cost more than the statement at a county's thousand assets.
    data = dict(zip(keys, map(list, zip(*rows))))
    acquired = _dates(data["acquired_on"])
    data["acquired_on"] = acquired
    data["net_value_yuan"] = net_values_of(
        data["original_value_yuan"], acquired, data["life"], data["method"], data["residual"], t
    )
    data["last_audit_on"] = last = _latest_audit(data["register_audit"], data["audited"], t)
    data["days_since_audit"] = [float((t - (d or a)).days) for d, a in zip(last, acquired)]
    data["_drill"] = [f"asset:{int(v)}" for v in data["asset_id"]]
    data["total"] = total
    frame = pd.DataFrame({c: data[c] for c in columns}, columns=columns)
    return mask_frame(frame, view.scope)


def fetch_asset_list(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The assets the unit (and the units under it) holds at the valuation day, by unit and code.

    Returns:
        DataFrame with ``ASSET_LIST_COLUMNS``: identity (``_drill``, ``asset_id``, ``code``,
        ``name_zh``/``_en``, ``category_id``, ``category_name_zh``/``_en``, ``org_id``,
        ``org_name_zh``/``_en``), ``status`` at that day, ``building_name_zh``/``_en``,
        ``custodian_name`` (masked per scope), ``acquired_on``, ``original_value_yuan``,
        ``net_value_yuan`` (the category's method at that day), ``last_audit_on`` (the latest of the
        audit rows and the register's date, None: never), ``total`` assets before the cap
        (equal to the ``asset.count`` state).
    """
    return _listed(conn, view, valuation_day(view), true(), ASSET_LIST_COLUMNS)


def _overdue_condition(t: dt.date):
    since = t - dt.timedelta(days=AUDIT_OVERDUE_DAYS)
    audited = exists().where(
        AssetAudit.asset_id == Asset.id, AssetAudit.audited_on >= since, AssetAudit.audited_on <= t
    )
    register = and_(Asset.last_audit_on.is_not(None), Asset.last_audit_on >= since, Asset.last_audit_on <= t)
    return and_(Asset.acquired_on <= since, not_(audited), not_(register))


def fetch_audit_overdue(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Assets without a physical audit (盘点) in the ``AUDIT_OVERDUE_DAYS`` days up to the valuation
    day, held at least that long; by unit and code. ``total`` equals ``asset.audit_overdue_count``.

    Returns:
        DataFrame with ``AUDIT_OVERDUE_COLUMNS``: identity, ``status``, ``custodian_name`` (masked),
        ``acquired_on``, ``last_audit_on`` (None: never), ``days_since_audit`` (since the last audit,
        or since acquisition), ``net_value_yuan``, ``total``.
    """
    t = valuation_day(view)
    return _listed(conn, view, t, _overdue_condition(t), AUDIT_OVERDUE_COLUMNS)


def fetch_no_custodian(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Assets in use at the valuation day whose register names no custodian (责任人), by unit and
    code. ``total`` equals ``asset.no_custodian_count``.

    Returns:
        DataFrame with ``NO_CUSTODIAN_COLUMNS``: identity, ``status``, ``building_name_zh``/``_en``,
        ``acquired_on``, ``original_value_yuan``, ``net_value_yuan``, ``total``.
    """
    t = valuation_day(view)
    condition = and_(_status_at(t) == "in_use", or_(Asset.custodian_name.is_(None), Asset.custodian_name == ""))
    return _listed(conn, view, t, condition, NO_CUSTODIAN_COLUMNS)


# --- one asset -----------------------------------------------------------------------------------


def _asset_row(conn: Connection, view: ViewContext) -> dict | None:
    if view.entity_kind != "asset":
        return None
    check_scope(view)
    row = conn.execute(
        asset_select(
            Asset.id,
            Asset.org_id,
            Asset.status,
            Asset.status_since,
            Asset.last_audit_on,
            *DEPRECIATION_SELECT,
            select(func.max(AssetAudit.audited_on)).where(AssetAudit.asset_id == Asset.id).scalar_subquery(),
        ).where(Asset.id == view.entity_id)
    ).first()
    if row is None:
        return None
    keys = ["id", "org_id", "status", "status_since", "last_audit_on", "original_value_yuan", "acquired_on"]
    values = dict(zip([*keys, "life", "method", "residual", "audited"], row))
    if int(values["org_id"]) != int(view.node["org_id"]):
        raise OutOfScope(f"asset {view.entity_id} does not belong to org node {view.node['org_id']}")
    for key in ("status_since", "last_audit_on", "acquired_on", "audited"):
        values[key] = as_date(values[key])
    return values


def fetch_asset_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """One asset's KPI tiles at the valuation day.

    Rows (``KPI_COLUMNS`` plus ``status``), all ``period`` ``now``:

    * ``asset.original_value_yuan``;
    * ``asset.net_value_yuan`` against the original value (``of_total``);
    * ``asset.accumulated_depreciation_yuan`` against the original value (``of_total``);
    * ``asset.months_charged`` (capped at the useful life) against the useful life in months;
    * the days in its status at that day (``STATUS_DAYS_METRICS``: the tile's name says the
      status; an asset not yet in its register status then counts as in use since acquisition);
    * ``asset.audit_age_days`` against ``AUDIT_OVERDUE_DAYS`` (``quota``: above it is overdue).

    Empty when the view is not an asset or there is no data.
    """
    values = _asset_row(conn, view) if view.period is not None else None
    if values is None:
        frame = empty_kpis()
        frame["status"] = pd.Series(dtype=object)
        return frame
    t = valuation_day(view)
    original = float(values["original_value_yuan"])
    months = months_charged(values["acquired_on"], t)
    net = float(net_values([original], [months], [values["life"]], [values["method"]], [values["residual"] or 0.0])[0])
    life_months = float(values["life"] or 0) * 12.0
    if values["status_since"] is not None and values["status_since"] <= t:
        status, since = values["status"], values["status_since"]
    else:
        status, since = "in_use", values["acquired_on"]
    audits = [d for d in (values["last_audit_on"], values["audited"]) if d is not None and d <= t]
    last_audit = max(audits) if audits else values["acquired_on"]
    charged = float(min(months, life_months)) if life_months > 0 else float(months)
    rows = [
        {"metric_id": "asset.original_value_yuan", "period": "now", "value": original},
        {
            "metric_id": "asset.net_value_yuan",
            "period": "now",
            "value": net,
            "reference": original,
            "reference_kind": "of_total",
        },
        {
            "metric_id": "asset.accumulated_depreciation_yuan",
            "period": "now",
            "value": original - net,
            "reference": original,
            "reference_kind": "of_total",
        },
        {
            "metric_id": "asset.months_charged",
            "period": "now",
            "value": charged if values["method"] != "none" else 0.0,
            "reference": life_months if life_months > 0 and values["method"] != "none" else NAN,
            "reference_kind": "of_total" if life_months > 0 and values["method"] != "none" else "",
        },
        {"metric_id": STATUS_DAYS_METRICS.get(status, "asset.days_in_use"), "period": "now", "value": (t - since).days},
        {
            "metric_id": "asset.audit_age_days",
            "period": "now",
            "value": (t - last_audit).days,
            "reference": float(AUDIT_OVERDUE_DAYS),
            "reference_kind": "quota",
        },
    ]
    frame = kpi_frame(rows, t, int(values["org_id"]))
    frame["status"] = [
        kpi_status(v, r, k, get_metric(m).bad_direction)
        for m, v, r, k in zip(frame["metric_id"], frame["value"], frame["reference"], frame["reference_kind"])
    ]
    return frame[[*KPI_COLUMNS, "status"]]


def fetch_asset_life(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """One asset's life in order: its acquisition (the register's date when no ``acquire``
    movement records it), every movement (transfer, to the warehouse, redeployment with the money
    it saved, status changes, disposal) with the units by name, and every physical audit with its
    result. Movements are ordered by their local time; an audit (a day without a time) comes after
    the movements of its day.

    Returns:
        DataFrame with ``LIFE_COLUMNS``: ``day`` (local), ``time_local`` (``HH:MM``, None for an
        audit or a register date), ``event`` (a movement kind, or ``audit``), ``from_org_name_zh``/
        ``_en``, ``to_org_name_zh``/``_en``, ``from_status``, ``to_status``, ``result`` (an audit's
        ``found``/``missing``/``mismatch``), ``value_saved_yuan``, ``note``. Empty unless the view
        is an asset.
    """
    if view.entity_kind != "asset":
        return pd.DataFrame(columns=LIFE_COLUMNS)
    values = _asset_row(conn, view)
    if values is None:
        return pd.DataFrame(columns=LIFE_COLUMNS)
    m = AssetMovement
    source, target = OrgNode.__table__.alias("source"), OrgNode.__table__.alias("target")
    moves = frame_of(
        conn.execute(
            select(
                m.id,
                m.ts,
                m.kind,
                m.from_status,
                m.to_status,
                m.value_saved_yuan,
                m.note,
                source.c.name_zh.label("from_org_name_zh"),
                source.c.name_en.label("from_org_name_en"),
                target.c.name_zh.label("to_org_name_zh"),
                target.c.name_en.label("to_org_name_en"),
            )  # fmt: skip
            .outerjoin(source, source.c.id == m.from_org_id)
            .outerjoin(target, target.c.id == m.to_org_id)
            .where(m.asset_id == values["id"])
        )
    )
    calendar = configured_calendar()
    records = []
    for row in moves.to_dict("records"):
        local = calendar.local(row["ts"])
        records.append({**row, "day": local.date(), "time_local": local.strftime("%H:%M"), "event": row["kind"]})
        records[-1]["_order"] = (local.date(), 0, local.replace(tzinfo=None), int(row["id"]))
    if not any(r["kind"] == "acquire" for r in records):
        org = conn.execute(select(OrgNode.name_zh, OrgNode.name_en).where(OrgNode.id == values["org_id"])).first()
        day = values["acquired_on"]
        records.append(
            {"day": day, "time_local": None, "event": "acquire", "to_status": "in_use",
             "to_org_name_zh": org[0], "to_org_name_en": org[1],
             "_order": (day, -1, dt.datetime.combine(day, dt.time()), 0)}
        )  # fmt: skip
    audits = conn.execute(
        select(AssetAudit.id, AssetAudit.audited_on, AssetAudit.result, AssetAudit.note).where(
            AssetAudit.asset_id == values["id"]
        )
    ).all()
    for audit_id, day, result, note in audits:
        day = as_date(day)
        records.append(
            {"day": day, "time_local": None, "event": "audit", "result": result, "note": note,
             "_order": (day, 1, dt.datetime.combine(day, dt.time()), int(audit_id))}
        )  # fmt: skip
    records.sort(key=lambda r: r["_order"])
    frame = pd.DataFrame(records)
    for column in LIFE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["value_saved_yuan"] = frame["value_saved_yuan"].astype(float)
    return frame[LIFE_COLUMNS].reset_index(drop=True)


def fetch_book_value_curve(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """One asset's net book value at each month end from its acquisition month to the valuation
    day's month (its disposal month when it was disposed before), by its category's method; the
    last point is valued at the valuation day when that month is not over.

    Returns:
        DataFrame with ``BOOK_VALUE_COLUMNS``: ``month`` (the month's first day),
        ``net_value_yuan``, ``original_value_yuan``, ``accumulated_depreciation_yuan``.
    """
    values = _asset_row(conn, view) if view.period is not None else None
    if values is None:
        return pd.DataFrame(columns=BOOK_VALUE_COLUMNS)
    last = valuation_day(view)
    if values["status"] == "disposed" and values["status_since"] is not None:
        last = min(last, values["status_since"])
    acquired = values["acquired_on"]
    if acquired > last:
        return pd.DataFrame(columns=BOOK_VALUE_COLUMNS)
    first = acquired.replace(day=1)
    months = pd.date_range(first, last.replace(day=1), freq="MS").date
    at = [min(month_end(m), last) for m in months]
    charged = [months_charged(acquired, d) for d in at]
    original = float(values["original_value_yuan"])
    n = len(months)
    net = net_values(
        np.full(n, original), charged, np.full(n, float(values["life"])), np.full(n, values["method"], dtype=object),
        np.full(n, float(values["residual"] or 0.0)),
    )  # fmt: skip
    return pd.DataFrame(
        {
            "month": list(months),
            "net_value_yuan": net,
            "original_value_yuan": original,
            "accumulated_depreciation_yuan": original - net,
        },
        columns=BOOK_VALUE_COLUMNS,
    )


__all__ = [
    "ASSET_LIST_COLUMNS",
    "ASSET_TILE_METRICS",
    "AUDIT_OVERDUE_COLUMNS",
    "BOOK_VALUE_COLUMNS",
    "LIFE_COLUMNS",
    "LIST_LIMIT",
    "NO_CUSTODIAN_COLUMNS",
    "STATUS_DAYS_METRICS",
    "fetch_asset_life",
    "fetch_asset_list",
    "fetch_asset_tiles",
    "fetch_audit_overdue",
    "fetch_book_value_curve",
    "fetch_no_custodian",
    "net_values_of",
    "valuation_day",
]
