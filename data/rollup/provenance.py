"""``rollup_provenance``: how many rows of each load batch fed each org-month, for the org of the
facts and every ancestor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..calendar import Calendar
from .metrics import ASSET_FLOW_METRICS, FACT_METRICS
from .periods import _as_date, _day_number, _days_to_datetime64
from .store import _IDS_PER_STATEMENT, _chunks, _Db
from .tables import _insert_rollup


def record_provenance(
    conn: Connection,
    *,
    batch_id: int,
    metric_ids: Sequence[str],
    org_month_rows: Iterable[tuple[int, dt.date, int]],
    replace: bool = True,
) -> None:
    """Record that load batch ``batch_id`` fed ``metric_ids``.

    ``org_month_rows`` holds (org id of the facts' own node — a building's or vehicle's org —,
    any day of the local month, number of fact rows). Every ancestor org gets the rows too.
    Recording the same batch again replaces what it recorded for those metrics; ``replace=False``
    skips that search (the table has no index on the batch) for a batch recorded for the first time.
    """
    rows = [(int(org), _day_number(_as_date(month).replace(day=1)), int(n)) for org, month, n in org_month_rows]
    if not rows or not metric_ids:
        return
    db = _Db(conn)
    if replace:
        db.execute(
            "DELETE FROM rollup_provenance WHERE batch_id = :batch AND metric_id IN :metrics",
            {"batch": int(batch_id), "metrics": list(metric_ids)},
            expanding=("metrics",),
        )
    base = pd.DataFrame(rows, columns=["own_org_id", "month", "rows"])
    rolled = db.tree.sum_into_ancestors(base, ["month"], ["rows"])  # once, then one copy per metric
    count = len(rolled)
    _insert_rollup(
        db,
        "rollup_provenance",
        pd.DataFrame(
            {
                "metric_id": np.repeat(np.array(list(metric_ids), dtype=object), count),
                "org_id": np.tile(rolled["org_id"].to_numpy(dtype=np.int64), len(metric_ids)),
                "month": np.tile(_days_to_datetime64(rolled["month"].to_numpy(dtype=np.int64)), len(metric_ids)),
                "batch_id": np.full(count * len(metric_ids), int(batch_id), dtype=np.int64),
                "rows": np.tile(rolled["rows"].to_numpy(dtype=np.int64), len(metric_ids)),
            }
        ),
    )


def _write_provenance(db: _Db, frame: pd.DataFrame, *, replace_batches: bool) -> None:
    """Roll (metric_id, own_org_id, month, batch_id, rows) up to every ancestor and store it."""
    if frame.empty:
        return
    frame = frame.assign(
        month=pd.to_datetime(frame["month"]).to_numpy().astype("datetime64[D]"),
        batch_id=frame["batch_id"].astype(np.int64),
        rows=frame["rows"].astype(np.int64),
    )
    rolled = db.tree.roll_up(frame, ["metric_id", "month", "batch_id"], ["rows"])
    if replace_batches:
        for chunk in _chunks(sorted(rolled["batch_id"].unique().tolist()), _IDS_PER_STATEMENT):
            db.execute("DELETE FROM rollup_provenance WHERE batch_id IN :ids", {"ids": chunk}, expanding=("ids",))
    _insert_rollup(
        db,
        "rollup_provenance",
        pd.DataFrame(
            {
                "metric_id": rolled["metric_id"].to_numpy(),
                "org_id": rolled["org_id"].to_numpy(dtype=np.int64),
                "month": rolled["month"].to_numpy().astype("datetime64[D]"),
                "batch_id": rolled["batch_id"].to_numpy(dtype=np.int64),
                "rows": rolled["rows"].to_numpy(dtype=np.int64),
            }
        ),
    )


def _state_fact_provenance(db: _Db, as_of: dt.date) -> pd.DataFrame:
    """Batches behind the current month's state figures: asset rows, office occupancies, leases."""
    month = np.datetime64(as_of.replace(day=1), "D")
    queries = {
        "asset": "SELECT org_id, batch_id, COUNT(*) FROM asset WHERE batch_id IS NOT NULL GROUP BY org_id, batch_id",
        "office_occupancy": "SELECT r.org_id, o.batch_id, COUNT(*) FROM office_occupancy o JOIN office_room r "
        "ON r.id = o.room_id WHERE o.batch_id IS NOT NULL GROUP BY r.org_id, o.batch_id",
        "lease": "SELECT u.org_id, l.batch_id, COUNT(*) FROM lease l JOIN housing_unit u ON u.id = l.unit_id "
        "WHERE l.batch_id IS NOT NULL GROUP BY u.org_id, l.batch_id",
    }
    frames = []
    for fact, sql in queries.items():
        rows = db.fetch(sql, {}, ["own_org_id", "batch_id", "rows"])
        for metric in FACT_METRICS[fact]:
            frames.append(rows.assign(metric_id=metric, month=month))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _asset_movement_provenance(db: _Db, calendar: Calendar) -> pd.DataFrame:
    moves = db.fetch(
        f"SELECT to_org_id, batch_id, {db.sel_ts('ts')} FROM asset_movement "
        "WHERE kind = 'redeploy' AND batch_id IS NOT NULL AND to_org_id IS NOT NULL",
        {},
        ["own_org_id", "batch_id", "ts"],
        ts_columns=["ts"],
    )
    if moves.empty:
        return moves
    day = calendar.local_days(moves["ts"].to_numpy())
    moves["month"] = _days_to_datetime64(day).astype("datetime64[M]").astype("datetime64[D]")
    grouped = moves.groupby(["own_org_id", "batch_id", "month"], as_index=False).size().rename(columns={"size": "rows"})
    return pd.concat([grouped.assign(metric_id=m) for m in ASSET_FLOW_METRICS], ignore_index=True)
