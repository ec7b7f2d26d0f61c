"""Assets at a date, one row per asset held, and ``rollup_asset_category``: each org node's assets
by the category they are registered under at each month end (subtree totals).

One reading of the register serves both the org-level asset states (``state._asset_states``)
and the category roll-up, so the two always count the same assets with the same net values:

* an asset is held at t when acquired by t and not disposed by t; its status at t is its current
  ``status`` if ``status_since <= t``, else ``in_use`` (the register keeps no older history);
* its net value at t is ``data.depreciation.net_values`` with its category's method, useful life
  and residual rate, charged by month from the acquisition month (an unknown or missing method
  counts as straight line, as ``data.depreciation`` does).

Rows are replaced like ``rollup_monthly``'s state rows: a refresh deletes the month's rows of the
nodes it rewrites (every node when ``restrict`` is None) and inserts the new totals; a rebuild
empties the table first and only inserts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..depreciation import accumulated_share
from .periods import _day_number
from .store import _IDS_PER_STATEMENT, _chunks, _Db, insert_frame

TABLE = "rollup_asset_category"
VALUE_COLUMNS = ("count", "original_value_yuan", "net_value_yuan", "idle_count", "warehouse_count")


def load_assets(db: _Db) -> pd.DataFrame:
    """The asset register with each asset's category's depreciation terms (day columns as day
    numbers; ``last_audit`` may be NULL and is left as read)."""
    return db.fetch(
        f"SELECT a.id, a.org_id, a.category_id, a.status, {db.sel_day('a.status_since')}, a.original_value_yuan, "
        f"{db.sel_day('a.acquired_on')}, CASE WHEN a.custodian_name IS NULL OR a.custodian_name = '' THEN 1 ELSE 0 END, "
        f"{db.sel_day('a.last_audit_on')}, c.useful_life_years, c.residual_rate, c.depreciation_method "
        "FROM asset a JOIN asset_category c ON c.id = a.category_id",
        {},
        [
            "id",
            "org_id",
            "category_id",
            "status",
            "since",
            "value",
            "acquired",
            "no_custodian",
            "last_audit",
            "life",
            "residual",
            "method",
        ],
        day_columns=["since", "acquired"],
    )


def _month_numbers(day_numbers: np.ndarray) -> np.ndarray:
    """Months since January 1970 of day numbers (days since 1970-01-01)."""
    return np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def held_assets(assets: pd.DataFrame, at: dt.date) -> pd.DataFrame:
    """The assets held at ``at`` (a copy of ``load_assets`` rows) with their ``state`` at ``at``,
    ``months`` of depreciation charged, ``net`` value, and 0/1 columns ``idle`` and ``warehouse``."""
    t = _day_number(at)
    status = np.where(assets["since"].to_numpy() <= t, assets["status"].to_numpy(), "in_use")
    held = (assets["acquired"].to_numpy() <= t) & (status != "disposed")
    a = assets[held].copy()
    status = status[held]
    a["state"] = status
    # data.depreciation.months_charged, vectorized: the acquisition month counts.
    a["months"] = _month_numbers(np.full(len(a), t)) - _month_numbers(a["acquired"].to_numpy()) + 1
    value = a["value"].to_numpy(dtype=float)
    residual = np.nan_to_num(pd.to_numeric(a["residual"], errors="coerce").to_numpy(dtype=float), nan=0.0)
    method = a["method"].fillna("straight_line").to_numpy(dtype=object)
    share = accumulated_share(a["months"].to_numpy(), a["life"].to_numpy(dtype=float), method)
    a["net"] = value - value * (1.0 - residual) * share
    a["idle"] = (status == "idle").astype(np.int64)
    a["warehouse"] = (status == "warehouse").astype(np.int64)
    return a


def category_rows(db: _Db, held: pd.DataFrame, month: dt.date, restrict: set[int] | None) -> pd.DataFrame:
    """``rollup_asset_category`` rows of ``month`` from ``held_assets`` output: every org node
    (limited to ``restrict``) × each category held in its subtree."""
    if held.empty:
        return pd.DataFrame()
    own = pd.DataFrame(
        {
            "own_org_id": held["org_id"].to_numpy(dtype=np.int64),
            "category_id": held["category_id"].to_numpy(dtype=np.int64),
            "count": 1.0,
            "original_value_yuan": held["value"].to_numpy(dtype=float),
            "net_value_yuan": held["net"].to_numpy(dtype=float),
            "idle_count": held["idle"].to_numpy(dtype=float),
            "warehouse_count": held["warehouse"].to_numpy(dtype=float),
        }
    )
    rolled = db.tree.roll_up(own, ["category_id"], list(VALUE_COLUMNS), restrict)
    out = pd.DataFrame(
        {
            "org_id": rolled["org_id"].to_numpy(dtype=np.int64),
            "month": np.datetime64(month, "D"),
            "category_id": rolled["category_id"].to_numpy(dtype=np.int64),
        }
    )
    for column in VALUE_COLUMNS:
        out[column] = rolled[column].to_numpy(dtype=float)
    return out


def write_category_rows(
    db: _Db, frame: pd.DataFrame, month: dt.date, restrict: set[int] | None, *, replace: bool
) -> None:
    """Store ``category_rows`` output for ``month``; ``replace`` first deletes the month's rows of
    the nodes in ``restrict`` (of every node when None), so a category no longer held goes too."""
    if replace:
        base = f"DELETE FROM {TABLE} WHERE month = :month"
        if restrict is None:
            db.execute(base, {"month": month}, dates=("month",))
        else:
            for chunk in _chunks(sorted(int(i) for i in restrict), _IDS_PER_STATEMENT):
                db.execute(
                    base + " AND org_id IN :ids", {"month": month, "ids": chunk}, expanding=("ids",), dates=("month",)
                )
    if frame is not None and not frame.empty:
        insert_frame(db.conn, TABLE, frame.sort_values(["org_id", "month", "category_id"], kind="stable"))


__all__ = ["TABLE", "VALUE_COLUMNS", "category_rows", "held_assets", "load_assets", "write_category_rows"]
