"""Asset flow roll-ups: redeployments from the public warehouse, counted at the receiving org
(``asset.redeployed_count``, ``asset.redeploy_saved_yuan``). Asset states are in ``state``."""

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


def refresh_asset_flows(
    conn: Connection, *, day_from: dt.date, day_to: dt.date, calendar: Calendar | None = None
) -> None:
    """Recompute ``asset.redeployed_count`` / ``asset.redeploy_saved_yuan`` (org level, daily and
    monthly) for local days in [day_from, day_to] and their whole months. Local days are
    ``calendar``'s (default: the configured zone's)."""
    _check_range(day_from, day_to)
    _refresh_asset_flows(_Db(conn), calendar or configured_calendar(), day_from, day_to, replace=True)
    bump_data_version(conn, ("asset",))


def _asset_flow_range(db: _Db, calendar: Calendar) -> tuple[dt.date, dt.date] | None:
    row = db.conn.execute(sa.text("SELECT MIN(ts), MAX(ts) FROM asset_movement WHERE kind = 'redeploy'")).one()
    if row[0] is None:
        return None
    first, last = (calendar.local_day(pd.Timestamp(v).to_pydatetime().replace(tzinfo=None)) for v in row)
    return first, last


def _refresh_asset_flows(db: _Db, calendar: Calendar, day_from: dt.date, day_to: dt.date, *, replace: bool) -> None:
    months = _month_starts(day_from, day_to)
    first, last = months[0], _month_end(months[-1])
    moves = db.fetch(
        f"SELECT to_org_id, {db.sel_ts('ts')} AS ts, value_saved_yuan FROM asset_movement "
        "WHERE kind = 'redeploy' AND to_org_id IS NOT NULL AND ts >= :a AND ts < :b",
        {"a": calendar.day_start_utc_naive(first), "b": calendar.day_start_utc_naive(last + dt.timedelta(days=1))},
        ["own_org_id", "ts", "saved"],
        ts_columns=["ts"],
        timestamps=("a", "b"),
    )
    frame = pd.DataFrame()
    if not moves.empty:
        day = calendar.local_days(moves["ts"].to_numpy())
        moves = pd.DataFrame(
            {
                "own_org_id": moves["own_org_id"].to_numpy(dtype=np.int64),
                "day": day,
                "count": 1.0,
                "saved": moves["saved"].fillna(0.0).to_numpy(dtype=float),
                "n": 1,
            }
        )
        rolled = db.tree.roll_up(moves, ["day"], ["count", "saved", "n"])
        frame = pd.concat(
            [
                pd.DataFrame(
                    {
                        "metric_id": metric,
                        "entity_kind": "org",
                        "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                        "day": _days_to_datetime64(rolled["day"].to_numpy()),
                        "value": rolled[column].to_numpy(dtype=float),
                        "samples": rolled["n"].to_numpy(dtype=np.int64),
                    }
                )
                for metric, column in (("asset.redeployed_count", "count"), ("asset.redeploy_saved_yuan", "saved"))
            ],
            ignore_index=True,
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
