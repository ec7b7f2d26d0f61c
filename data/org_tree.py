"""The org tree as set-up commands see it: the nodes accounts are scoped to by default, and the
province node an installation starts from.

Functions take the caller's ``Session`` and never commit. Page reads of the tree, scope applied,
are ``data.queries.org``'s.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import OrgNode


def _first(session: Session, *conditions):
    stmt = select(OrgNode.id, OrgNode.path).where(*conditions).order_by(OrgNode.sort_order, OrgNode.id).limit(1)
    return session.execute(stmt).first()


def default_scope_nodes(session: Session) -> dict[str, int] | None:
    """The province (``root``), its first city (``city``) and that city's first county
    (``county``), in the tree's sort order, by id; a level the tree lacks falls back to the one
    above. None when the database holds no org tree yet."""
    root = _first(session, OrgNode.parent_id.is_(None))
    if root is None:
        return None
    city = _first(session, OrgNode.level == "city", OrgNode.path.like(root.path + "%"))
    county = None
    if city is not None:
        county = _first(session, OrgNode.level == "county", OrgNode.path.like(city.path + "%"))
    return {
        "root": root.id,
        "city": city.id if city else root.id,
        "county": county.id if county else (city.id if city else root.id),
    }


def create_province(session: Session, name: str) -> int:
    """Create the root node (a province named ``name`` in both languages) of an empty tree; its id."""
    root = OrgNode(
        parent_id=None,
        level="province",
        admin_level="province",
        code="root",
        name_zh=name,
        name_en=name,
        path="/",
        depth=0,
    )
    session.add(root)
    session.flush()
    root.path = f"/{root.id}/"
    session.flush()
    return root.id


__all__ = ["create_province", "default_scope_nodes"]
