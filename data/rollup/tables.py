"""Writing roll-up rows: inserts in primary-key order, replacing the rows of a period, monthly
rows as the sums of daily rows, and org rows as the sums of their subtree's building or vehicle
rows. Shared by every domain; nothing here commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..models.rollup import PROFILE_HOUR_COLUMNS
from .periods import _days_to_datetime64, _month_end
from .store import _IDS_PER_STATEMENT, _ROWS_PER_READ, _chunks, _Db, insert_frame

_ROLLUP_KEYS = MappingProxyType(
    {
        "rollup_daily": ("metric_id", "entity_kind", "entity_id", "day"),
        "rollup_monthly": ("metric_id", "entity_kind", "entity_id", "month"),
        "rollup_hourly_profile": ("metric_id", "entity_kind", "entity_id", "month", "weekday"),
        "rollup_provenance": ("metric_id", "org_id", "month", "batch_id"),
    }
)

_PROFILE_COLUMNS = [*_ROLLUP_KEYS["rollup_hourly_profile"], *PROFILE_HOUR_COLUMNS, "samples"]


def _insert_rollup(db: _Db, table: str, frame: pd.DataFrame) -> None:
    """Insert in primary-key order: both databases append to their B-trees instead of splitting pages."""
    if frame.empty:
        return
    insert_frame(db.conn, table, frame.sort_values(list(_ROLLUP_KEYS[table]), kind="stable"))


def _replace_rows(
    db: _Db,
    table: str,
    frame: pd.DataFrame,
    *,
    metric_ids: Sequence[str],
    entity_kind: str,
    entity_ids: Sequence[int] | None,
    period_column: str,
    period_from: dt.date,
    period_to: dt.date,
    extra_where: str = "",
    extra_params: dict | None = None,
    extra_expanding: Sequence[str] = (),
) -> None:
    """Delete the roll-up rows of these metrics / entities / period, then insert ``frame``."""
    base = (
        f"DELETE FROM {table} WHERE metric_id IN :metrics AND entity_kind = :kind "
        f"AND {period_column} >= :p0 AND {period_column} <= :p1{extra_where}"
    )
    params = {
        "metrics": list(metric_ids),
        "kind": entity_kind,
        "p0": period_from,
        "p1": period_to,
        **(extra_params or {}),
    }
    if entity_ids is None:
        db.execute(base, params, expanding=("metrics", *extra_expanding), dates=("p0", "p1"))
    else:
        for chunk in _chunks(sorted(set(int(i) for i in entity_ids)), _IDS_PER_STATEMENT):
            db.execute(
                base + " AND entity_id IN :ids",
                {**params, "ids": chunk},
                expanding=("metrics", "ids", *extra_expanding),
                dates=("p0", "p1"),
            )
    _insert_rollup(db, table, frame)


def _monthly_from_daily(
    db: _Db,
    *,
    metric_ids: Sequence[str],
    entity_kind: str,
    entity_ids: Sequence[int] | None,
    months: Sequence[dt.date],
    replace: bool,
) -> None:
    """rollup_monthly rows = sums of the rollup_daily rows of each month (SQL on the database)."""
    if not months:
        return
    first, last = months[0], _month_end(months[-1])
    month_expr = db.month_of("day")
    insert = (
        f"INSERT INTO rollup_monthly (metric_id, entity_kind, entity_id, month, value, samples) "
        f"SELECT metric_id, entity_kind, entity_id, {month_expr}, SUM(value), SUM(samples) FROM rollup_daily "
        f"WHERE metric_id IN :metrics AND entity_kind = :kind AND day >= :d0 AND day <= :d1{{ids}} "
        f"GROUP BY metric_id, entity_kind, entity_id, {month_expr}"
    )
    delete = (
        "DELETE FROM rollup_monthly WHERE metric_id IN :metrics AND entity_kind = :kind "
        "AND month >= :d0 AND month <= :d1{ids}"
    )
    params = {"metrics": list(metric_ids), "kind": entity_kind, "d0": first, "d1": last}
    id_chunks = (
        [None] if entity_ids is None else list(_chunks(sorted(set(int(i) for i in entity_ids)), _IDS_PER_STATEMENT))
    )
    for chunk in id_chunks:
        if chunk is None:
            kinds = dict(expanding=("metrics",), dates=("d0", "d1"))
            chunk_params, clause = params, ""
        else:
            kinds = dict(expanding=("metrics", "ids"), dates=("d0", "d1"))
            chunk_params, clause = {**params, "ids": chunk}, " AND entity_id IN :ids"
        if replace:
            db.execute(delete.format(ids=clause), chunk_params, **kinds)
        db.execute(insert.format(ids=clause), chunk_params, **kinds)


def _org_from_entities(
    db: _Db,
    entities: pd.DataFrame,
    entity_kind: str,
    metric_ids: Sequence[str],
    affected: set[int] | None,
    day_from: dt.date,
    day_to: dt.date,
    months: Sequence[dt.date],
    *,
    replace: bool,
) -> None:
    """Org daily rows (sum of the subtree's entity daily rows), then org monthly rows.

    ``entities`` has columns id, org_id (buildings or vehicles). ``affected`` None means every org.
    """
    owners = entities.rename(columns={"id": "entity_id", "org_id": "own_org_id"})
    if affected is not None:
        under = db.tree.pairs(owners["own_org_id"].unique(), affected)["own_org_id"].unique()
        owners = owners[owners["own_org_id"].isin(under)]
    ids = sorted(int(i) for i in owners["entity_id"])
    days_per_read = max(1, _ROWS_PER_READ // max(1, len(ids) * len(metric_ids)))
    start = day_from
    while start <= day_to:
        stop = min(day_to, start + dt.timedelta(days=days_per_read - 1))
        parts = []
        for chunk in _chunks(ids, _IDS_PER_STATEMENT):
            parts.append(
                db.fetch(
                    f"SELECT metric_id, entity_id, {db.sel_day('day')} AS day, value, samples FROM rollup_daily "
                    "WHERE metric_id IN :metrics AND entity_kind = :kind AND entity_id IN :ids AND day >= :a AND day <= :b",
                    {"metrics": list(metric_ids), "kind": entity_kind, "ids": chunk, "a": start, "b": stop},
                    ["metric_id", "entity_id", "day", "value", "samples"],
                    day_columns=["day"],
                    bulk=True,
                    expanding=("metrics", "ids"),
                    dates=("a", "b"),
                )
            )
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if not rows.empty:
            rows = rows.merge(owners, on="entity_id")
            rolled = db.tree.roll_up(rows, ["metric_id", "day"], ["value", "samples"], affected)
            frame = pd.DataFrame(
                {
                    "metric_id": rolled["metric_id"].to_numpy(),
                    "entity_kind": "org",
                    "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
                    "day": _days_to_datetime64(rolled["day"].to_numpy()),
                    "value": rolled["value"].to_numpy(dtype=float),
                    "samples": rolled["samples"].to_numpy(dtype=np.int64),
                }
            )
        else:
            frame = pd.DataFrame()
        if replace:
            _replace_rows(
                db,
                "rollup_daily",
                frame,
                metric_ids=metric_ids,
                entity_kind="org",
                entity_ids=affected,
                period_column="day",
                period_from=start,
                period_to=stop,
            )
        else:
            _insert_rollup(db, "rollup_daily", frame)
        start = stop + dt.timedelta(days=1)
    _monthly_from_daily(
        db, metric_ids=metric_ids, entity_kind="org", entity_ids=affected, months=months, replace=replace
    )
