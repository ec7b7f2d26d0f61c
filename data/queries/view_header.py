"""What a declared page's frame shows above its panels: the breadcrumb from the scope root to
the entity, and what lies one level down (child units, or an agency's buildings or vehicles).

Two statements for an org node (its path's nodes; its children, or else its leaf entities),
read once when the page opens, not on every refresh.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from data.models import Asset, Building, HousingUnit, OfficeRoom, OrgNode, Vehicle

from .view import ViewContext

#: The most entities the drill chooser lists; the page's grid lists them all.
DRILL_LIMIT = 200

_PATH_NODES = select(OrgNode.id, OrgNode.name_zh, OrgNode.name_en, OrgNode.path, OrgNode.depth).where(
    OrgNode.id.in_(bindparam("ids", expanding=True))
)
_CHILDREN = (
    select(OrgNode.id, OrgNode.name_zh, OrgNode.name_en)
    .where(OrgNode.parent_id == bindparam("org_id"))
    .order_by(OrgNode.sort_order, OrgNode.id)
)
_BUILDINGS = (
    select(Building.id, Building.name_zh, Building.name_en, func.count().over().label("total"))
    .where(Building.org_id == bindparam("org_id"))
    .order_by(Building.code)
    .limit(DRILL_LIMIT)
)
_VEHICLES = (
    select(Vehicle.id, Vehicle.plate, Vehicle.plate, func.count().over().label("total"))
    .where(Vehicle.org_id == bindparam("org_id"), Vehicle.retired_on.is_(None))
    .order_by(Vehicle.plate)
    .limit(DRILL_LIMIT)
)

_ASSETS = (
    select(Asset.id, Asset.name_zh, func.coalesce(Asset.name_en, Asset.name_zh), func.count().over().label("total"))
    .where(Asset.org_id == bindparam("org_id"), Asset.status != "disposed")
    .order_by(Asset.code)
    .limit(DRILL_LIMIT)
)
_ROOMS = (
    select(
        OfficeRoom.id,
        OfficeRoom.room_no,
        OfficeRoom.room_no,
        func.count().over().label("total"),
    )
    .where(OfficeRoom.building_id == bindparam("building_id"))
    .order_by(OfficeRoom.room_no)
    .limit(DRILL_LIMIT)
)
_DWELLINGS = (
    select(HousingUnit.id, HousingUnit.code, HousingUnit.code, func.count().over().label("total"))
    .where(HousingUnit.building_id == bindparam("building_id"))
    .order_by(HousingUnit.code)
    .limit(DRILL_LIMIT)
)
_LEAVES = {"building": _BUILDINGS, "vehicle": _VEHICLES, "asset": _ASSETS}
_BELOW = {"room": _ROOMS, "dwelling": _DWELLINGS}


def fetch_view_path(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The org nodes from the scope root down to the view's node, root first.

    Returns:
        DataFrame with ``org_id``, ``name_zh``, ``name_en``; nodes above the scope root left out.
    """
    ids = [int(part) for part in view.node["path"].strip("/").split("/") if part]
    rows = conn.execute(_PATH_NODES, {"ids": ids}).all()
    frame = pd.DataFrame(rows, columns=["org_id", "name_zh", "name_en", "path", "depth"])
    frame = frame[frame["path"].map(view.scope.contains)].sort_values("depth")
    return frame[["org_id", "name_zh", "name_en"]].reset_index(drop=True)


def fetch_drill_targets(
    conn: Connection, view: ViewContext, *, leaf: str | None, below: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, int]:
    """What the view's entity opens one level down, and how many there are in all.

    A node's child units; for a node without children (an agency), its buildings (``leaf`` is
    ``building``), its vehicles in service (``vehicle``) or its assets not disposed of (``asset``),
    at most ``DRILL_LIMIT`` of them. An entity opens the kinds ``below`` names (a building on the
    housing page: its office rooms and its turnover-housing units), at most ``DRILL_LIMIT`` of each.

    Returns:
        (DataFrame with ``kind``, ``id``, ``name_zh``, ``name_en``; the total count).
    """
    columns = ["kind", "id", "name_zh", "name_en"]
    if view.entity_kind != "org":
        if view.entity_kind != "building" or not below:
            return pd.DataFrame(columns=columns), 0
        records, total = [], 0
        for kind in below:
            rows = conn.execute(_BELOW[kind], {"building_id": view.entity_id}).all()
            records += [(kind, *row[:3]) for row in rows]
            total += int(rows[0][3]) if rows else 0
        return pd.DataFrame(records, columns=columns), total
    params = {"org_id": view.org_id}
    rows = conn.execute(_CHILDREN, params).all()
    if rows:
        frame = pd.DataFrame([("org", *row) for row in rows], columns=columns)
        return frame, len(frame)
    if leaf not in _LEAVES:
        return pd.DataFrame(columns=columns), 0
    rows = conn.execute(_LEAVES[leaf], params).all()
    frame = pd.DataFrame([(leaf, *row[:3]) for row in rows], columns=columns)
    return frame, int(rows[0][3]) if rows else 0


__all__ = ["DRILL_LIMIT", "fetch_drill_targets", "fetch_view_path"]
