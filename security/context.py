"""The request's context for pages and callbacks: database engine, language, user and scope.

Pages and callbacks call these instead of reaching for Flask or the config themselves, so the
rules (which scope, which language) live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import flask
from sqlalchemy import Engine

from components.i18n import LANGUAGE_COOKIE, normalize_language
from config import Config
from data.db import get_engine
from data.scope import Scope, root_node, scope_for_org


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    permissions: frozenset[str]
    scope_org_id: int | None


def current_config() -> Config:
    return flask.current_app.config["AOCC_CONFIG"]


def current_engine() -> Engine:
    return get_engine(current_config().database_url)


def current_language() -> str:
    if flask.has_request_context():
        return normalize_language(flask.request.cookies.get(LANGUAGE_COOKIE) or current_config().default_language)
    return normalize_language(None)


def current_user_info() -> UserInfo:
    """Before access control is configured, everyone is an anonymous administrator of the province."""
    return UserInfo("anonymous", "anonymous", "admin", frozenset({"view", "export", "view_personal_data"}), None)


def has_permission(permission: str) -> bool:
    return permission in current_user_info().permissions


def current_scope() -> Scope:
    """The signed-in user's data scope (org subtree)."""
    user = current_user_info()
    with current_engine().connect() as conn:
        org_id = user.scope_org_id
        if org_id is None:
            root = root_node(conn)
            if root is None:
                raise LookupError("the database holds no organisation tree yet")
            org_id = root.id
        return scope_for_org(conn, org_id, can_view_personal_data="view_personal_data" in user.permissions)
