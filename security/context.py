"""The request's context for pages and callbacks: database engine, language, user and scope.

Pages and callbacks call these instead of reaching for Flask or the config themselves, so the
rules (which scope, which language) live in one place.

Inside a request the user is the one signed in (``security.auth`` loads them from the database
on every request). Outside a request (scheduler jobs, tests calling a callback directly) there
is nobody, unless the code says who it acts as with ``acting_as(...)``; ``current_scope()``
refuses rather than guess.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

import flask

from config import Config
from data.db import Engine, get_engine
from data.scope import Scope, scope_for_org
from presentation.i18n import LANGUAGE_COOKIE, normalize_language


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    permissions: frozenset[str]
    scope_org_id: int | None
    user_id: int | None = None
    language: str | None = None
    is_device: bool = False
    scope_path: str | None = None  # read with the account; None: look it up

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = UserInfo("anonymous", "anonymous", "anonymous", frozenset(), None)

# Who code outside a request acts as (set by ``acting_as``); a ContextVar, so threads and
# concurrent requests never see each other's value.
_acting_as: contextvars.ContextVar[UserInfo | None] = contextvars.ContextVar("aocc_acting_as", default=None)


@contextlib.contextmanager
def acting_as(user: UserInfo) -> Iterator[UserInfo]:
    """Run a block as ``user`` — for jobs and tests that call pages or callbacks without a request.

    Inside a request a signed-in user always wins; ``acting_as`` only stands in for nobody.
    """
    token = _acting_as.set(user)
    try:
        yield user
    finally:
        _acting_as.reset(token)


def user_info_for(account) -> UserInfo:
    """A ``UserInfo`` from a ``data.users.Account``."""
    return UserInfo(
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        permissions=frozenset(account.permissions),
        scope_org_id=account.scope_org_id,
        user_id=account.id,
        language=account.language,
        is_device=account.device_token_id is not None,
        scope_path=getattr(account, "scope_path", None),
    )


def current_config() -> Config:
    return flask.current_app.config["AOCC_CONFIG"]


def current_engine() -> Engine:
    return get_engine(current_config().database_url)


def current_language() -> str:
    """The language cookie, else the user's own language, else the configured default."""
    if flask.has_request_context():
        cookie = flask.request.cookies.get(LANGUAGE_COOKIE)
        if cookie:
            return normalize_language(cookie)
        user = current_user_info()
        return normalize_language(user.language or current_config().default_language)
    return normalize_language(None)


def current_user_info() -> UserInfo:
    """The signed-in user; ``ANONYMOUS`` (no permissions, no scope) when nobody is."""
    if flask.has_request_context() and hasattr(flask.current_app, "login_manager"):
        cached = flask.g.get("aocc_user_info")
        if cached is not None:
            return cached
        from flask_login import current_user  # imported here: flask-login is wired by security.auth

        account = getattr(current_user, "account", None) if current_user.is_authenticated else None
        if account is not None:
            info = user_info_for(account)
            flask.g.aocc_user_info = info
            return info
    return _acting_as.get() or ANONYMOUS


def has_permission(permission: str) -> bool:
    return permission in current_user_info().permissions


def current_address() -> str | None:
    """The client's address as the WSGI server (or a configured ProxyFix) reports it."""
    return flask.request.remote_addr if flask.has_request_context() else None


def current_scope() -> Scope:
    """The signed-in user's data scope (org subtree).

    Raises ``PermissionError`` when nobody is signed in, and ``data.scope.OrgNotFound`` when the
    user's scope node does not exist (the database holds no org tree yet, or the node was removed).
    """
    if flask.has_request_context():
        cached = flask.g.get("aocc_scope")
        if cached is not None:
            return cached
    user = current_user_info()
    if user.scope_org_id is None:
        raise PermissionError(
            "no signed-in user: current_scope() needs a request with a login, "
            "or security.context.acting_as(...) outside a request"
        )
    personal = "view_personal_data" in user.permissions
    if user.scope_path is not None:  # read with the account on this request
        scope = Scope(org_id=user.scope_org_id, org_path=user.scope_path, can_view_personal_data=personal)
    else:
        engine = get_engine(current_config().database_url) if flask.has_app_context() else _engine_outside_request()
        with engine.connect() as conn:
            scope = scope_for_org(conn, user.scope_org_id, can_view_personal_data=personal)
    if flask.has_request_context():
        flask.g.aocc_scope = scope
    return scope


def _engine_outside_request() -> Engine:
    from config import load_config

    return get_engine(load_config().database_url)
