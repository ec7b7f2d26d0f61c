"""Data scope: the org subtree a user may see. Every query in ``data/queries`` takes a
``Scope`` and filters through the helpers here, so no callback can forget it.

A request that names an org node it may not have gets a ``NotInScope``, one of two kinds:

* ``OrgNotFound``: no such org node (or entity), or the database holds no org tree yet;
* ``OutOfScope``: the node exists but lies outside the user's subtree.

Neither is a ``LookupError``, so a caller that refuses an org never also swallows a ``KeyError``
(a mistyped metric id is a bug, not "no data"). ``OutOfScope`` is also a ``PermissionError``, as
it always was, so handlers that refuse on ``PermissionError`` keep refusing it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .models import OrgNode


class NotInScope(Exception):
    """A request named an org node (or entity) that is not there for this user."""


class OrgNotFound(NotInScope):
    """The org node (or entity) does not exist, or the database holds no org tree yet."""


class OutOfScope(NotInScope, PermissionError):
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
    return conn.execute(
        select(OrgNode.id, OrgNode.path).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id).limit(1)
    ).first()


def _org_path(conn: Connection, org_id: int) -> str | None:
    return conn.execute(select(OrgNode.path).where(OrgNode.id == org_id)).scalar_one_or_none()


def scope_for_org(conn: Connection, org_id: int, *, can_view_personal_data: bool = False) -> Scope:
    """The scope rooted at ``org_id``; ``OrgNotFound`` when that node does not exist (a user
    scoped to a node that was removed, or a database without an org tree yet)."""
    path = _org_path(conn, org_id)
    if path is None:
        raise OrgNotFound(f"org node {org_id} does not exist")
    return Scope(org_id=org_id, org_path=path, can_view_personal_data=can_view_personal_data)


def resolve_org(conn: Connection, scope: Scope, requested_org_id: int | None) -> int:
    """The org node to show: the requested one if inside the scope, the scope's root if none.

    Raises ``OutOfScope`` for a node outside the subtree and for one that does not exist: a
    hand-edited URL gets a refusal rather than someone else's data, and the refusal does not tell
    which ids exist elsewhere in the province.
    """
    if requested_org_id is None:
        return scope.org_id
    path = _org_path(conn, requested_org_id)
    if path is None or not scope.contains(path):
        raise OutOfScope(f"org node {requested_org_id} is outside the scope")
    return requested_org_id
