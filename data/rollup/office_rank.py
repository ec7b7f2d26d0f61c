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


def judge_rooms(
    room_ids: np.ndarray, area: np.ndarray, occupied_room_ids: np.ndarray, limits: np.ndarray
) -> dict[str, np.ndarray]:
    """The standard check on arrays: rooms (``room_ids``, usable ``area``) and one entry per
    active occupancy (its room, its rank's limit; NaN without a standard).

    Returns:
        Arrays aligned with ``room_ids``: ``occupants`` (int), ``limit`` (the highest of its
        occupants' limits, NaN when none has one), ``allowed`` (limit × occupants), ``over``
        (0/1) and ``over_area``.
    """
    # numpy rather than a pandas groupby: a page judges one agency's rooms per request, and
    # groupby's fixed cost was most of that read
    area = np.asarray(area, dtype=float)
    position = pd.Index(np.asarray(room_ids)).get_indexer(np.asarray(occupied_room_ids))
    inside = position >= 0
    position = position[inside]
    occupants = np.bincount(position, minlength=len(area)).astype(np.int64)
    given = np.asarray(limits, dtype=float)[inside]
    highest = np.full(len(area), -np.inf)
    np.fmax.at(highest, position, np.where(np.isnan(given), -np.inf, given))
    limit = np.where(np.isfinite(highest), highest, np.nan)
    allowed = limit * occupants
    with np.errstate(invalid="ignore"):
        over = (occupants > 0) & ~np.isnan(limit) & (area > allowed + OVER_TOLERANCE_M2)
    return {
        "occupants": occupants,
        "limit": limit,
        "allowed": allowed,
        "over": over.astype(np.int64),
        "over_area": np.where(over, area - allowed, 0.0),
    }


def room_standard(rooms: pd.DataFrame, active: pd.DataFrame) -> pd.DataFrame:
    """Each office room judged against the standard (``judge_rooms`` on frames).

    Args:
        rooms: ``room_id``, ``org_id``, ``area`` (usable m²).
        active: the occupancies active at the date: ``room_id``, ``limit`` (the occupant's rank
            limit for the room's administrative level; NaN without a standard).

    Returns:
        ``rooms`` with ``occupants``, ``limit``, ``allowed``, ``over`` and ``over_area``.
    """
    judged = judge_rooms(
        rooms["room_id"].to_numpy(), rooms["area"].to_numpy(dtype=float), active["room_id"].to_numpy(),
        active["limit"].to_numpy(dtype=float),
    )  # fmt: skip
    return rooms.assign(**judged)


def share_arrays(
    room_ids: np.ndarray, judged: dict[str, np.ndarray], occupied_room_ids: np.ndarray, limits: np.ndarray
) -> dict[str, np.ndarray]:
    """Each active occupancy's ``VALUE_COLUMNS`` (module docstring) from ``judge_rooms`` output
    (aligned with ``room_ids``) and the occupancies' rooms and rank limits; occupancies of rooms
    not in ``room_ids`` are left out (``position`` says which row each value belongs to)."""
    position = pd.Index(np.asarray(room_ids)).get_indexer(np.asarray(occupied_room_ids))
    inside = position >= 0
    position = position[inside]
    n = judged["occupants"][position].astype(float)
    return {
        "position": position,
        "inside": inside,
        "occupants": np.ones(len(position)),
        "area_m2": np.asarray(judged["area"], dtype=float)[position] / n,
        "allowed_m2": np.nan_to_num(np.asarray(limits, dtype=float)[inside], nan=0.0),
        "over_m2": judged["over_area"][position] / n,
        "over_occupants": judged["over"][position].astype(float),
    }


def occupant_shares(rooms: pd.DataFrame, active: pd.DataFrame) -> pd.DataFrame:
    """One row per active occupancy: ``own_org_id`` (the room's org), ``admin_level``,
    ``rank_code`` and the ``VALUE_COLUMNS`` as defined in the module docstring.

    Args:
        rooms: ``room_standard`` output.
        active: ``room_id``, ``rank_code``, ``admin_level``, ``limit`` per active occupancy.
    """
    judged = {c: rooms[c].to_numpy() for c in ("area", "occupants", "over", "over_area")}
    shares = share_arrays(rooms["room_id"].to_numpy(), judged, active["room_id"].to_numpy(), active["limit"].to_numpy())
    inside = shares.pop("inside")
    position = shares.pop("position")
    return pd.DataFrame(
        {
            "own_org_id": rooms["org_id"].to_numpy(dtype=np.int64)[position],
            "admin_level": active["admin_level"].astype(str).to_numpy()[inside],
            "rank_code": active["rank_code"].astype(str).to_numpy()[inside],
            **shares,
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
    "judge_rooms",
    "room_standard",
    "share_arrays",
    "write_office_rank_rows",
]
