"""Data scope: the org subtree a user may see. Every query in ``data/queries`` takes a
``Scope`` and filters through the helpers here, so no callback can forget it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .models import OrgNode


class OutOfScope(PermissionError):
    """A request named an org node outside the user's subtree."""


@dataclass(frozen=True)
class Scope:
    org_id: int
    org_path: str
    can_view_personal_data: bool = False

    def contains(self, path: str) -> bool:
        return path.startswith(self.org_path)

    @property
    def path_prefix_pattern(self) -> str:
        """A LIKE pattern matching every node of the subtree (paths hold only digits and '/')."""
        return self.org_path + "%"


def root_node(conn: Connection):
    """The province (the node without parent) as a row with ``id`` and ``path``, or None."""
    return conn.execute(select(OrgNode.id, OrgNode.path).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id).limit(1)).first()


def scope_for_org(conn: Connection, org_id: int, *, can_view_personal_data: bool = False) -> Scope:
    path = conn.execute(select(OrgNode.path).where(OrgNode.id == org_id)).scalar_one_or_none()
    if path is None:
        raise LookupError(f"org node {org_id} does not exist")
    return Scope(org_id=org_id, org_path=path, can_view_personal_data=can_view_personal_data)


def resolve_org(conn: Connection, scope: Scope, requested_org_id: int | None) -> int:
    """The org node to show: the requested one if inside the scope, the scope's root if none.

    Raises ``OutOfScope`` for a node outside the subtree (or one that does not exist), so a
    hand-edited URL gets a refusal rather than someone else's data.
    """
    if requested_org_id is None:
        return scope.org_id
    path = conn.execute(select(OrgNode.path).where(OrgNode.id == requested_org_id)).scalar_one_or_none()
    if path is None or not scope.contains(path):
        raise OutOfScope(f"org node {requested_org_id} is outside the scope")
    return requested_org_id
