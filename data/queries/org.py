"""The org tree as the pages read it: the node shown, its breadcrumb and children, and the
dimensions of its subtree (floor area, occupants, staff, energy users).

Every function that takes a ``Scope`` resolves the node through ``data.scope.resolve_org``:
``OrgNotFound`` for a node that does not exist, ``OutOfScope`` for one outside the scope (both
``NotInScope``). Every function takes an open ``Connection``, binds its parameters and never commits.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from data.models import Building, OrgNode
from data.scope import OrgNotFound, Scope, resolve_org

ORG_COLUMNS = ["org_id", "parent_id", "level", "admin_level", "name_zh", "name_en", "path", "depth"]


def org_select():
    return select(
        OrgNode.id,
        OrgNode.parent_id,
        OrgNode.level,
        OrgNode.admin_level,
        OrgNode.name_zh,
        OrgNode.name_en,
        OrgNode.path,
        OrgNode.depth,
    )


def fetch_org(conn: Connection, scope: Scope, org_id: int | None) -> dict:
    """The node a page shows (the scope root when ``org_id`` is None) as a dict of ``ORG_COLUMNS``.

    Raises:
        OrgNotFound: the node (or the scope's root) does not exist.
        OutOfScope: ``org_id`` is outside the scope.
    """
    resolved = resolve_org(conn, scope, org_id)
    row = conn.execute(org_select().where(OrgNode.id == resolved)).first()
    if row is None:  # the scope's own root is gone (or the tree was never loaded)
        raise OrgNotFound(f"org node {resolved} does not exist")
    return dict(zip(ORG_COLUMNS, row))


def org_name(node: dict, lang: str) -> str:
    """The node's name (a row of ``fetch_org``) in ``lang``."""
    return node["name_zh"] if lang == "zh" else node["name_en"]


def fetch_breadcrumb(conn: Connection, scope: Scope, org_id: int | None) -> pd.DataFrame:
    """The path from the scope's root down to the node, root first.

    Returns:
        DataFrame with ``ORG_COLUMNS``; nodes above the scope root are left out.

    Raises:
        OrgNotFound, OutOfScope: as ``fetch_org``.
    """
    node = fetch_org(conn, scope, org_id)
    ids = [int(part) for part in node["path"].strip("/").split("/") if part]
    rows = conn.execute(org_select().where(OrgNode.id.in_(ids))).all()
    frame = pd.DataFrame(rows, columns=ORG_COLUMNS)
    frame = frame[frame["path"].map(scope.contains)]
    return frame.sort_values("depth").reset_index(drop=True)


def fetch_children(conn: Connection, scope: Scope, org_id: int | None) -> pd.DataFrame:
    """The node's direct children, in their sort order.

    Returns:
        DataFrame with ``ORG_COLUMNS`` plus ``sort_order``.

    Raises:
        OrgNotFound, OutOfScope: as ``fetch_org``.
    """
    node_id = resolve_org(conn, scope, org_id)
    rows = conn.execute(
        org_select()
        .add_columns(OrgNode.sort_order)
        .where(OrgNode.parent_id == node_id)
        .order_by(OrgNode.sort_order, OrgNode.id)
    ).all()
    return pd.DataFrame(rows, columns=ORG_COLUMNS + ["sort_order"])


_BUILDINGS_UNDER = (
    select(func.sum(Building.floor_area_m2), func.sum(Building.heated_area_m2), func.sum(Building.occupants))
    .join(OrgNode, Building.org_id == OrgNode.id)
    .where(OrgNode.path.like(bindparam("pattern")))
)
_PEOPLE_UNDER = select(func.sum(OrgNode.headcount), func.sum(OrgNode.energy_users)).where(
    OrgNode.path.like(bindparam("pattern"))
)
DIMENSION_COLUMNS = ["org_id", "floor_area_m2", "heated_area_m2", "building_occupants", "headcount", "energy_users"]


def subtree_dimensions(conn: Connection, node: dict) -> dict[str, float]:
    """For one node (a row of ``fetch_org``): the floor area, heated area and occupants of the
    buildings in its subtree, and the staff and energy users (用能人数) of its subtree's nodes;
    0 where nothing is recorded. PostgreSQL sums integers as numeric: every value is a float."""
    params = {"pattern": node["path"] + "%"}
    floor, heated, occupants = conn.execute(_BUILDINGS_UNDER, params).one()
    headcount, energy_users = conn.execute(_PEOPLE_UNDER, params).one()
    values = (floor, heated, occupants, headcount, energy_users)
    return {
        "org_id": node["org_id"],
        **{column: float(value or 0) for column, value in zip(DIMENSION_COLUMNS[1:], values)},
    }


def fetch_subtree_dimensions(conn: Connection, nodes: list[dict]) -> pd.DataFrame:
    """``subtree_dimensions`` of each node.

    Args:
        nodes: dicts with ``org_id`` and ``path`` (rows of ``fetch_org``/``fetch_children``).

    Returns:
        DataFrame with columns ``org_id``, ``floor_area_m2``, ``heated_area_m2``,
        ``building_occupants``, ``headcount``, ``energy_users`` (floats).
    """
    return pd.DataFrame([subtree_dimensions(conn, node) for node in nodes], columns=DIMENSION_COLUMNS)


__all__ = [
    "DIMENSION_COLUMNS",
    "ORG_COLUMNS",
    "fetch_breadcrumb",
    "fetch_children",
    "fetch_org",
    "fetch_subtree_dimensions",
    "org_name",
    "subtree_dimensions",
]
