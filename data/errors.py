"""Failures of the database that code outside ``data/`` catches, named without SQLAlchemy.

Callbacks, ``security/`` and ``jobs/`` import no SQLAlchemy: a read that fails for a database
reason (connection lost, statement error) is caught as ``DatabaseError`` and shown as a failure.
Org and entity refusals are ``data.scope.NotInScope``, not database failures.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError as DatabaseError

__all__ = ["DatabaseError"]
