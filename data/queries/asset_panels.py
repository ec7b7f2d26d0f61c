"""The asset page's panels (资产管理, 公物仓) for a resolved view: the unit's tiles for the period,
its assets by category (类), by child unit and status, the ranking of its child units, and the
warehouse's and disposals' monthly flows.

Everything is read from the roll-ups, so a province answers as fast as an agency:

* states (count, values, idle, in the warehouse, audit overdue, no custodian) are the month-end
  values in ``rollup_monthly`` of the month holding the period's end (the latest month before it
  when that one is missing), and by category from ``rollup_asset_category``;
* flows (handed in to the warehouse, redeployed and the money that saved, disposed) are summed
  over the period from ``rollup_daily``/``rollup_monthly`` (``rollup_read.flow_sums``).

Net values follow each category's depreciation method (``data.depreciation``), as the roll-ups
compute them; accumulated depreciation is original − net.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status
from data.calendar import add_months, month_end, month_start
from data.models import AssetCategory, OrgNode, RollupAssetCategory

from .compare import RANKING_COLUMNS, period_windows, ratio_array, window_arrays
from .kpi import NAN, empty_kpis, kpi_frame, ratio
from .period import period_code
from .rollup_read import flow_sums, monthly_rows, state_values
from .view import ViewContext

STATE_METRICS = (
    "asset.count",
    "asset.original_value_yuan",
    "asset.net_value_yuan",
    "asset.idle_count",
    "asset.warehouse_count",
    "asset.audit_overdue_count",
    "asset.no_custodian_count",
)
FLOW_METRICS = (
    "asset.redeployed_count",
    "asset.redeploy_saved_yuan",
    "asset.warehouse_inflow_count",
    "asset.disposed_count",
    "asset.disposed_value_yuan",
)
TILE_METRICS = (
    "asset.count",
    "asset.original_value_yuan",
    "asset.net_value_yuan",
    "asset.idle_rate",
    "asset.warehouse_count",
    "asset.redeploy_saved_yuan",
    "asset.disposed_count",
    "asset.audit_overdue_count",
    "asset.no_custodian_count",
)
#: Indicators a reader can rank the child units by (the first is the default). ``asset.idle_rate``
#: is idle / count × 100 from the stored states.
INDICATORS = (
    "asset.idle_rate",
    "asset.original_value_yuan",
    "asset.net_value_yuan",
    "asset.count",
    "asset.idle_count",
    "asset.warehouse_count",
    "asset.redeploy_saved_yuan",
    "asset.redeployed_count",
    "asset.warehouse_inflow_count",
    "asset.disposed_count",
    "asset.disposed_value_yuan",
    "asset.audit_overdue_count",
    "asset.no_custodian_count",
)
_RATIOS = {"asset.idle_rate": ("asset.idle_count", "asset.count")}

CATEGORY_COLUMNS = [
    "category_id",
    "code",
    "name_zh",
    "name_en",
    "count",
    "original_value_yuan",
    "net_value_yuan",
    "depreciation_yuan",
    "idle_count",
    "idle_rate",
    "warehouse_count",
]
UNIT_COLUMNS = [
    "org_id",
    "_drill",
    "name_zh",
    "name_en",
    "count",
    "in_use",
    "idle",
    "warehouse",
    "idle_rate",
    "original_value_yuan",
    "net_value_yuan",
    "depreciation_yuan",
    "audit_overdue",
    "no_custodian",
]
WAREHOUSE_COLUMNS = ["month", "inflow_count", "redeployed_count", "saved_yuan", "saved_ytd_yuan", "is_partial"]
DISPOSAL_COLUMNS = ["month", "disposed_count", "disposed_value_yuan", "is_partial"]


def _metric(view: ViewContext) -> str:
    return view.metric if view.metric in INDICATORS else INDICATORS[0]


# --- tiles ---------------------------------------------------------------------------------------


def fetch_asset_tiles(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The unit's asset tiles (``KPI_COLUMNS`` plus ``status`` judged by the alert rules), in
    ``TILE_METRICS`` order:

    * states at the period's end (``period`` ``now``): ``asset.count``,
      ``asset.original_value_yuan``, ``asset.net_value_yuan`` (reference the original value,
      ``of_total``: what is left after accumulated depreciation), ``asset.idle_rate`` (%),
      ``asset.warehouse_count``, ``asset.audit_overdue_count``, ``asset.no_custodian_count``;
    * flows over the period (``period`` the period's code), referenced by the comparison period
      (``yoy`` 同比 or ``prev`` 环比; NaN where the data does not reach back):
      ``asset.redeploy_saved_yuan``, ``asset.disposed_count``. Inside the data a period without
      any redeployment or disposal is 0, not missing.

    Empty without data.
    """
    if not view.has_data:
        return with_kpi_status(conn, empty_kpis())
    org = view.org_id
    states = {m: v for (_, m), (_, v) in state_values(conn, STATE_METRICS, [org], view.period.end).items()}
    windows = period_windows(view)
    sums = flow_sums(conn, FLOW_METRICS, [org], windows)

    def state(metric: str) -> float:
        return states.get(metric, NAN)

    def flow(metric: str, window: str) -> float:
        return sums.get((window, org, metric), 0.0) if window in windows else NAN

    code, compared = period_code(view), view.compare

    def flow_row(metric: str) -> dict:
        return {
            "metric_id": metric,
            "period": code,
            "value": flow(metric, "cur"),
            "reference": flow(metric, "cmp"),
            "reference_kind": compared,
        }

    rows = [
        {"metric_id": "asset.count", "period": "now", "value": state("asset.count")},
        {"metric_id": "asset.original_value_yuan", "period": "now", "value": state("asset.original_value_yuan")},
        {
            "metric_id": "asset.net_value_yuan",
            "period": "now",
            "value": state("asset.net_value_yuan"),
            "reference": state("asset.original_value_yuan"),
            "reference_kind": "of_total",
        },
        {
            "metric_id": "asset.idle_rate",
            "period": "now",
            "value": ratio(state("asset.idle_count"), state("asset.count"), 100.0),
        },
        {"metric_id": "asset.warehouse_count", "period": "now", "value": state("asset.warehouse_count")},
        flow_row("asset.redeploy_saved_yuan"),
        flow_row("asset.disposed_count"),
        {"metric_id": "asset.audit_overdue_count", "period": "now", "value": state("asset.audit_overdue_count")},
        {"metric_id": "asset.no_custodian_count", "period": "now", "value": state("asset.no_custodian_count")},
    ]
    return with_kpi_status(conn, kpi_frame(rows, view.as_of, org))


# --- by category ---------------------------------------------------------------------------------

_RAC = RollupAssetCategory.__table__
_LATEST_MONTH = (
    select(func.max(_RAC.c.month))
    .where(_RAC.c.org_id == bindparam("org_id"), _RAC.c.month <= bindparam("month", type_=_RAC.c.month.type))
    .scalar_subquery()
)
_CATEGORY_ROWS = select(
    _RAC.c.category_id,
    _RAC.c.count,
    _RAC.c.original_value_yuan,
    _RAC.c.net_value_yuan,
    _RAC.c.idle_count,
    _RAC.c.warehouse_count,
).where(_RAC.c.org_id == bindparam("org_id"), _RAC.c.month == _LATEST_MONTH)
_CATEGORIES = select(
    AssetCategory.id, AssetCategory.parent_id, AssetCategory.code, AssetCategory.name_zh, AssetCategory.name_en
)


def _second_level(categories: list[tuple]) -> dict[int, int]:
    """Each category's ancestor on the tree's second level (类: 计算机设备 under 通用设备); a
    first- or second-level category is its own."""
    parent = {int(c[0]): (int(c[1]) if c[1] is not None else None) for c in categories}

    def climb(category: int) -> int:
        chain = [category]
        while parent.get(chain[-1]) is not None and len(chain) < 32:
            chain.append(parent[chain[-1]])
        return chain[-2] if len(chain) >= 2 else chain[-1]

    return {c: climb(c) for c in parent}


def fetch_asset_by_category(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The unit's assets by category (类, the second level of the category tree) at the period's
    end (the latest month-end roll-up up to it), largest original value first.

    Returns:
        DataFrame with ``CATEGORY_COLUMNS``: the 类's ``category_id``, ``code``, names,
        ``count``, ``original_value_yuan``, ``net_value_yuan``, ``depreciation_yuan``
        (accumulated: original − net), ``idle_count``, ``idle_rate`` (%), ``warehouse_count``.
        Its sums equal the unit's tiles. Empty without data.
    """
    if not view.has_data:
        return pd.DataFrame(columns=CATEGORY_COLUMNS)
    rows = conn.execute(_CATEGORY_ROWS, {"org_id": view.org_id, "month": month_start(view.period.end)}).all()
    if not rows:
        return pd.DataFrame(columns=CATEGORY_COLUMNS)
    categories = conn.execute(_CATEGORIES).all()
    names = {int(c[0]): (c[2], c[3], c[4]) for c in categories}
    top = _second_level(categories)
    frame = pd.DataFrame(
        rows, columns=["category_id", "count", "original_value_yuan", "net_value_yuan", "idle_count", "warehouse_count"]
    )
    frame["category_id"] = [top.get(int(c), int(c)) for c in frame["category_id"]]
    sums = ["count", "original_value_yuan", "net_value_yuan", "idle_count", "warehouse_count"]
    frame[sums] = frame[sums].astype(float)
    out = frame.groupby("category_id", as_index=False)[sums].sum()
    out["code"] = [names.get(c, (str(c), str(c), str(c)))[0] for c in out["category_id"]]
    out["name_zh"] = [names.get(c, (str(c), str(c), str(c)))[1] for c in out["category_id"]]
    out["name_en"] = [names.get(c, (str(c), str(c), str(c)))[2] for c in out["category_id"]]
    out["depreciation_yuan"] = out["original_value_yuan"] - out["net_value_yuan"]
    out["idle_rate"] = ratio_array(out["idle_count"], out["count"], 100.0)
    out = out.sort_values(["original_value_yuan", "code"], ascending=[False, True], kind="stable")
    return out[CATEGORY_COLUMNS].reset_index(drop=True)


# --- by child unit and status; ranking -----------------------------------------------------------

_ORG = OrgNode.__table__


@functools.lru_cache(maxsize=2)
def _children_statement():
    # A unit retired before the period has nothing to show in it.
    alive = or_(_ORG.c.retired_on.is_(None), _ORG.c.retired_on >= bindparam("since", type_=_ORG.c.retired_on.type))
    return (
        select(_ORG.c.id, _ORG.c.name_zh, _ORG.c.name_en)
        .where(_ORG.c.parent_id == bindparam("parent"), alive)
        .order_by(_ORG.c.sort_order, _ORG.c.id)
    )


def _children(conn: Connection, parent: int, since: dt.date) -> list[tuple[int, str, str]]:
    return [(int(i), zh, en) for i, zh, en in conn.execute(_children_statement(), {"parent": parent, "since": since})]


def fetch_asset_units(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Each child unit's assets at the period's end by status, with values and the audit and
    custody gaps (the node itself when it has no child units), in the tree's order.

    ``in_use`` is the count minus idle and warehoused assets (assets pending disposal included:
    the roll-ups keep no count of those).

    Returns:
        DataFrame with ``UNIT_COLUMNS`` (``_drill`` ``org:<id>``); units without any asset
        left out. Empty without data.
    """
    if not view.has_data:
        return pd.DataFrame(columns=UNIT_COLUMNS)
    units = _children(conn, view.org_id, view.period.start)
    if not units:
        units = [(view.org_id, view.node["name_zh"], view.node["name_en"])]
    values = state_values(conn, STATE_METRICS, [u[0] for u in units], view.period.end)
    records = []
    for org_id, name_zh, name_en in units:
        if (org_id, "asset.count") not in values:
            continue

        def get(metric: str, org: int = org_id) -> float:
            found = values.get((org, metric))
            return float(found[1]) if found is not None else 0.0

        count, idle, warehouse = get("asset.count"), get("asset.idle_count"), get("asset.warehouse_count")
        original, net = get("asset.original_value_yuan"), get("asset.net_value_yuan")
        records.append(
            {
                "org_id": org_id,
                "_drill": f"org:{org_id}",
                "name_zh": name_zh,
                "name_en": name_en,
                "count": count,
                "in_use": max(count - idle - warehouse, 0.0),
                "idle": idle,
                "warehouse": warehouse,
                "idle_rate": ratio(idle, count, 100.0),
                "original_value_yuan": original,
                "net_value_yuan": net,
                "depreciation_yuan": original - net,
                "audit_overdue": get("asset.audit_overdue_count"),
                "no_custodian": get("asset.no_custodian_count"),
            }
        )
    return pd.DataFrame(records, columns=UNIT_COLUMNS)


def _indicator_values(conn: Connection, metric_id: str, ids: list[int], view: ViewContext) -> dict[str, np.ndarray]:
    """``metric_id`` for the org nodes ``ids`` over the view's windows (``cur`` and, where the
    data reach back, ``cmp``): flows summed, states at each window's end, the idle rate derived."""
    bases = _RATIOS.get(metric_id, (metric_id,))
    arrays = window_arrays(conn, list(bases), "org", ids, period_windows(view))
    if metric_id in _RATIOS:
        numerator, denominator = _RATIOS[metric_id]
        return {w: ratio_array(a[numerator], a[denominator], 100.0) for w, a in arrays.items()}
    return {w: a[metric_id] for w, a in arrays.items()}


def _rank(units: list[tuple[int, str, str]], values: dict[str, np.ndarray], current: int | None) -> pd.DataFrame:
    value = values["cur"]
    compare = values.get("cmp", np.full(len(units), NAN))
    frame = pd.DataFrame(
        {
            "entity_kind": "org",
            "entity_id": [u[0] for u in units],
            "drill": [f"org:{u[0]}" for u in units],
            "name_zh": [u[1] for u in units],
            "name_en": [u[2] for u in units],
            "value": value,
            "value_compare": compare,
            "change_pct": ratio_array(value - compare, np.abs(compare), 100.0),
            "is_current": [u[0] == current for u in units],
        }
    )
    # Rank 1 is the largest value; units without a value come last, unranked.
    frame = frame.sort_values("value", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    frame["rank"] = frame["value"].rank(ascending=False, method="min").astype("Int64")
    return frame[RANKING_COLUMNS]


def fetch_asset_ranking(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The child units ranked by the chosen indicator (``INDICATORS``; the idle rate by default)
    over the period, as ``data.queries.compare.fetch_child_ranking`` ranks them (its
    ``RANKING_COLUMNS``, rank 1 the largest), with, in ``attrs["position"]``, the unit's place
    among its siblings (标杆管理; none at the scope root, whose siblings the user may not see).
    Empty at an agency (its assets are listed instead) and without data."""
    if not view.has_data or view.entity_kind != "org":
        return pd.DataFrame(columns=RANKING_COLUMNS)
    metric = _metric(view)
    units = _children(conn, view.org_id, view.period.start)
    frame = (
        _rank(units, _indicator_values(conn, metric, [u[0] for u in units], view), None)
        if units
        else pd.DataFrame(columns=RANKING_COLUMNS)
    )
    if frame["value"].isna().all():
        frame = pd.DataFrame(columns=RANKING_COLUMNS)
    parent = view.node.get("parent_id")
    if parent is not None and view.org_id != view.scope.org_id:
        siblings = _children(conn, int(parent), view.period.start)
        if any(s[0] == view.org_id for s in siblings):
            peers = _rank(siblings, _indicator_values(conn, metric, [s[0] for s in siblings], view), view.org_id)
            mine = peers[peers["is_current"]].iloc[0]
            if not pd.isna(mine["rank"]):
                frame.attrs["position"] = {
                    "rank": int(mine["rank"]),
                    "count": int(peers["value"].notna().sum()),
                    "name_zh": view.node["name_zh"],
                    "name_en": view.node["name_en"],
                }
    return frame


# --- monthly flows: the warehouse and disposals -------------------------------------------------


def _monthly_flows(conn: Connection, view: ViewContext, metrics: tuple[str, ...], first: dt.date) -> pd.DataFrame:
    """``metrics`` month by month from ``first`` to the period's month for the view's unit (0
    where no roll-up row exists inside the data, NaN before it); the period's month is summed up
    to the period's end, so a past month-to-date view is not lengthened by later days."""
    current = month_start(view.period.end)
    months = []
    month = first
    while month <= current:
        months.append(month)
        month = add_months(month, 1)
    slots = {m: i for i, m in enumerate(months)}
    values = {m: np.zeros(len(months)) for m in metrics}
    for _, metric, month, value in monthly_rows(conn, metrics, [view.org_id], first, current):
        month = month if isinstance(month, dt.date) and not isinstance(month, dt.datetime) else month.date()
        if month in slots:
            values[metric][slots[month]] = value
    partial = view.period.end < month_end(current)
    if partial:
        sums = flow_sums(conn, metrics, [view.org_id], {"cur": (current, view.period.end)})
        for metric in metrics:
            values[metric][slots[current]] = sums.get(("cur", view.org_id, metric), 0.0)
    covered = np.array([view.covers(month_end(m)) for m in months])
    frame = pd.DataFrame({"month": months, "is_partial": [m == current and partial for m in months]})
    for metric in metrics:
        frame[metric] = np.where(covered, values[metric], NAN)
    return frame


def fetch_warehouse_flows(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The public property warehouse month by month over the twelve months ending with the
    period's month: assets handed in (``inflow_count``), redeployed to units (``redeployed_count``)
    and the money redeploying saved against buying new (``saved_yuan``), with ``saved_ytd_yuan``
    the year's running total (January .. that month): "how much did redeploying save this year"
    is the last month's ``saved_ytd_yuan``.

    Returns:
        DataFrame with ``WAREHOUSE_COLUMNS``, oldest first (``month`` the first day; NaN for a
        month before the data). Empty without data.
    """
    if not view.has_data:
        return pd.DataFrame(columns=WAREHOUSE_COLUMNS)
    current = month_start(view.period.end)
    first = add_months(current, -11)
    metrics = ("asset.warehouse_inflow_count", "asset.redeployed_count", "asset.redeploy_saved_yuan")
    frame = _monthly_flows(conn, view, metrics, first.replace(month=1))
    saved = frame["asset.redeploy_saved_yuan"].to_numpy(dtype=float)
    years = np.array([m.year for m in frame["month"]])
    running = np.zeros(len(frame))
    for year in np.unique(years):
        where = years == year
        running[where] = np.cumsum(np.nan_to_num(saved[where]))
    running = np.where(np.isnan(saved), NAN, running)
    out = pd.DataFrame(
        {
            "month": frame["month"],
            "inflow_count": frame["asset.warehouse_inflow_count"],
            "redeployed_count": frame["asset.redeployed_count"],
            "saved_yuan": saved,
            "saved_ytd_yuan": running,
            "is_partial": frame["is_partial"],
        }
    )
    out = out[out["month"] >= first].reset_index(drop=True)
    return out[WAREHOUSE_COLUMNS]


def fetch_disposals(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """Disposals (处置) month by month over the twelve months ending with the period's month:
    ``disposed_count`` and their original value ``disposed_value_yuan``.

    Returns:
        DataFrame with ``DISPOSAL_COLUMNS``, oldest first. Empty without data.
    """
    if not view.has_data:
        return pd.DataFrame(columns=DISPOSAL_COLUMNS)
    first = add_months(month_start(view.period.end), -11)
    frame = _monthly_flows(conn, view, ("asset.disposed_count", "asset.disposed_value_yuan"), first)
    return frame.rename(
        columns={"asset.disposed_count": "disposed_count", "asset.disposed_value_yuan": "disposed_value_yuan"}
    )[DISPOSAL_COLUMNS]


__all__ = [
    "CATEGORY_COLUMNS",
    "DISPOSAL_COLUMNS",
    "INDICATORS",
    "TILE_METRICS",
    "UNIT_COLUMNS",
    "WAREHOUSE_COLUMNS",
    "fetch_asset_by_category",
    "fetch_asset_ranking",
    "fetch_asset_tiles",
    "fetch_asset_units",
    "fetch_disposals",
    "fetch_warehouse_flows",
]
