"""``rollup_office_rank``: each org node's office occupants by administrative level and rank at
each month end (subtree totals), from the same reading of rooms and occupancies as the
``housing.office_*`` states (``state._housing_states``), so the two always agree.

At date t, for every occupancy active in an office room (``since <= t``, ``until`` null or after
t), with the room's area A, its n occupants and L the highest limit among their ranks (for the
``admin_level`` of the room's org; the room standard of ``state``):

* ``occupants`` 1; ``area_m2`` A / n (a shared room's area split evenly);
* ``allowed_m2`` the occupant's own rank limit (0 for a rank without a standard);
* ``over_m2`` (A − L × n) / n when the room is over the standard (A > L × n), else 0;
* ``over_occupants`` 1 when the room is over the standard.

Summed per (org, admin level, rank) and up the tree, the occupants equal
``housing.office_occupants`` and the over area ``housing.over_standard_area_m2`` of the same node
and month. Rows are replaced per month: every write first deletes the month's rows of the nodes
it rewrites (every node when ``restrict`` is None), so a rebuild needs no separate emptying.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .store import _IDS_PER_STATEMENT, _chunks, _Db, insert_frame

TABLE = "rollup_office_rank"
VALUE_COLUMNS = ("occupants", "area_m2", "allowed_m2", "over_m2", "over_occupants")
#: Tolerance of the over-standard test: an area equal to the limit (up to float noise) is within it.
OVER_TOLERANCE_M2 = 1e-9


def room_standard(rooms: pd.DataFrame, active: pd.DataFrame) -> pd.DataFrame:
    """Each office room judged against the standard.

    Args:
        rooms: ``room_id``, ``org_id``, ``area`` (usable m²).
        active: the occupancies active at the date: ``room_id``, ``limit`` (the occupant's rank
            limit for the room's administrative level; NaN without a standard).

    Returns:
        ``rooms`` with ``occupants`` (int), ``limit`` (the highest of its occupants' limits, NaN
        when none has one), ``allowed`` (limit × occupants), ``over`` (0/1) and ``over_area``.
    """
    per_room = active.groupby("room_id").agg(occupants=("room_id", "size"), limit=("limit", "max"))
    r = rooms.join(per_room, on="room_id")
    r["occupants"] = r["occupants"].fillna(0).astype(np.int64)
    allowed = r["limit"] * r["occupants"]
    over = (r["occupants"] > 0) & r["limit"].notna() & (r["area"] > allowed + OVER_TOLERANCE_M2)
    r["allowed"] = allowed
    r["over"] = over.astype(np.int64)
    r["over_area"] = np.where(over, r["area"] - allowed, 0.0)
    return r


def occupant_shares(rooms: pd.DataFrame, active: pd.DataFrame) -> pd.DataFrame:
    """One row per active occupancy: ``own_org_id`` (the room's org), ``admin_level``,
    ``rank_code`` and the ``VALUE_COLUMNS`` as defined in the module docstring.

    Args:
        rooms: ``room_standard`` output.
        active: ``room_id``, ``rank_code``, ``admin_level``, ``limit`` per active occupancy.
    """
    judged = rooms.set_index("room_id")[["org_id", "area", "occupants", "over", "over_area"]]
    a = active.join(judged, on="room_id", how="inner")
    n = a["occupants"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "own_org_id": a["org_id"].to_numpy(dtype=np.int64),
            "admin_level": a["admin_level"].astype(str).to_numpy(),
            "rank_code": a["rank_code"].astype(str).to_numpy(),
            "occupants": 1.0,
            "area_m2": a["area"].to_numpy(dtype=float) / n,
            "allowed_m2": a["limit"].fillna(0.0).to_numpy(dtype=float),
            "over_m2": a["over_area"].to_numpy(dtype=float) / n,
            "over_occupants": a["over"].to_numpy(dtype=float),
        }
    )


def office_rank_rows(db: _Db, shares: pd.DataFrame, month: dt.date, restrict: set[int] | None) -> pd.DataFrame:
    """``rollup_office_rank`` rows of ``month`` from ``occupant_shares``: every org node (limited
    to ``restrict``) × each (admin level, rank) occupying offices in its subtree."""
    if shares is None or shares.empty:
        return pd.DataFrame()
    rolled = db.tree.roll_up(shares, ["admin_level", "rank_code"], list(VALUE_COLUMNS), restrict)
    out = pd.DataFrame(
        {
            "org_id": rolled["org_id"].to_numpy(dtype=np.int64),
            "month": np.datetime64(month, "D"),
            "admin_level": rolled["admin_level"].to_numpy(),
            "rank_code": rolled["rank_code"].to_numpy(),
        }
    )
    for column in VALUE_COLUMNS:
        out[column] = rolled[column].to_numpy(dtype=float)
    return out


def write_office_rank_rows(db: _Db, frame: pd.DataFrame | None, month: dt.date, restrict: set[int] | None) -> None:
    """Replace ``month``'s rows of the nodes in ``restrict`` (every node when None) by ``frame``."""
    base = f"DELETE FROM {TABLE} WHERE month = :month"
    if restrict is None:
        db.execute(base, {"month": month}, dates=("month",))
    else:
        for chunk in _chunks(sorted(int(i) for i in restrict), _IDS_PER_STATEMENT):
            db.execute(
                base + " AND org_id IN :ids", {"month": month, "ids": chunk}, expanding=("ids",), dates=("month",)
            )
    if frame is not None and not frame.empty:
        keys = ["org_id", "month", "admin_level", "rank_code"]
        insert_frame(db.conn, TABLE, frame.sort_values(keys, kind="stable"))


__all__ = [
    "OVER_TOLERANCE_M2",
    "TABLE",
    "VALUE_COLUMNS",
    "occupant_shares",
    "office_rank_rows",
    "room_standard",
    "write_office_rank_rows",
]
