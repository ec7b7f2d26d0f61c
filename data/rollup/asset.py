"""Asset flow roll-ups from ``asset_movement`` (org level, daily and monthly), so each sums over
any period:

* redeployments from the public property warehouse (调剂), counted at the receiving org
  (``to_org_id``): ``asset.redeployed_count`` and ``asset.redeploy_saved_yuan`` (the movement's
  ``value_saved_yuan``, what buying the asset new would have cost);
* assets handed in to the warehouse (``to_warehouse``), counted at the unit that handed them in
  (``from_org_id``, else ``to_org_id``): ``asset.warehouse_inflow_count``;
* disposals (``dispose``), counted at the disposing unit (``from_org_id``, else ``to_org_id``):
  ``asset.disposed_count`` and ``asset.disposed_value_yuan`` (the asset's original value).

A movement without an org is left out. Asset states are in ``state``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..calendar import Calendar, configured_calendar
from .metrics import ASSET_FLOW_METRICS
from .periods import _check_range, _days_to_datetime64, _month_end, _month_starts
from .store import _Db, bump_data_version
from .tables import _insert_rollup, _monthly_from_daily, _replace_rows

#: metric -> (movement kind, amount summed: a count, the money saved, the asset's original value)
_FLOW_SOURCES = {
    "asset.redeployed_count": ("redeploy", "count"),
    "asset.redeploy_saved_yuan": ("redeploy", "saved"),
    "asset.warehouse_inflow_count": ("to_warehouse", "count"),
    "asset.disposed_count": ("dispose", "count"),
    "asset.disposed_value_yuan": ("dispose", "original"),
}
_KINDS = ", ".join(sorted({f"'{kind}'" for kind, _ in _FLOW_SOURCES.values()}))


def refresh_asset_flows(
    conn: Connection, *, day_from: dt.date, day_to: dt.date, calendar: Calendar | None = None
) -> None:
    """Recompute the asset flow metrics (``ASSET_FLOW_METRICS``: redeployments and their savings,
    warehouse inflow, disposals; org level, daily and monthly) for local days in [day_from, day_to] and their whole months. Local days are
    ``calendar``'s (default: the configured zone's)."""
    _check_range(day_from, day_to)
    _refresh_asset_flows(_Db(conn), calendar or configured_calendar(), day_from, day_to, replace=True)
    bump_data_version(conn, ("asset",))


def _asset_flow_range(db: _Db, calendar: Calendar) -> tuple[dt.date, dt.date] | None:
    row = db.conn.execute(sa.text(f"SELECT MIN(ts), MAX(ts) FROM asset_movement WHERE kind IN ({_KINDS})")).one()
    if row[0] is None:
        return None
    first, last = (calendar.local_day(pd.Timestamp(v).to_pydatetime().replace(tzinfo=None)) for v in row)
    return first, last


def _refresh_asset_flows(db: _Db, calendar: Calendar, day_from: dt.date, day_to: dt.date, *, replace: bool) -> None:
    months = _month_starts(day_from, day_to)
    first, last = months[0], _month_end(months[-1])
    moves = db.fetch(
        f"SELECT m.kind, CASE WHEN m.kind = 'redeploy' THEN m.to_org_id ELSE COALESCE(m.from_org_id, m.to_org_id) END, "
        f"{db.sel_ts('m.ts')} AS ts, m.value_saved_yuan, a.original_value_yuan "
        f"FROM asset_movement m JOIN asset a ON a.id = m.asset_id WHERE m.kind IN ({_KINDS}) AND m.ts >= :a AND m.ts < :b",
        {"a": calendar.day_start_utc_naive(first), "b": calendar.day_start_utc_naive(last + dt.timedelta(days=1))},
        ["kind", "own_org_id", "ts", "saved", "original"],
        ts_columns=["ts"],
        timestamps=("a", "b"),
    )
    moves = moves[moves["own_org_id"].notna()]
    frame = pd.DataFrame()
    if not moves.empty:
        day = calendar.local_days(moves["ts"].to_numpy())
        kind = moves["kind"].to_numpy(dtype=object)
        own = moves["own_org_id"].to_numpy(dtype=np.int64)
        amounts = {
            "count": np.ones(len(moves)),
            "saved": pd.to_numeric(moves["saved"], errors="coerce").fillna(0.0).to_numpy(dtype=float),
            "original": pd.to_numeric(moves["original"], errors="coerce").fillna(0.0).to_numpy(dtype=float),
        }
        parts = []
        for metric, (movement, amount) in _FLOW_SOURCES.items():
            where = kind == movement
            if where.any():
                parts.append(
                    pd.DataFrame(
                        {
                            "own_org_id": own[where],
                            "metric_id": metric,
                            "day": day[where],
                            "value": amounts[amount][where],
                            "n": 1,
                        }
                    )
                )
        rolled = db.tree.roll_up(pd.concat(parts, ignore_index=True), ["metric_id", "day"], ["value", "n"])
        frame = pd.DataFrame(
            {
                "metric_id": rolled["metric_id"].to_numpy(dtype=object),
                "entity_kind": "org",
                "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                "day": _days_to_datetime64(rolled["day"].to_numpy()),
                "value": rolled["value"].to_numpy(dtype=float),
                "samples": rolled["n"].to_numpy(dtype=np.int64),
            }
        )
    if replace:
        _replace_rows(
            db,
            "rollup_daily",
            frame,
            metric_ids=ASSET_FLOW_METRICS,
            entity_kind="org",
            entity_ids=None,
            period_column="day",
            period_from=first,
            period_to=last,
        )
    else:
        _insert_rollup(db, "rollup_daily", frame)
    _monthly_from_daily(
        db, metric_ids=ASSET_FLOW_METRICS, entity_kind="org", entity_ids=None, months=months, replace=replace
    )
