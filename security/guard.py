"""The one gate every request passes, and the permission check inside callbacks.

``install_guard`` puts a ``before_request`` function first in line on the Flask server. It lets
through, without login, only the endpoints in ``public_endpoints(app)``: the login form and its
POST, the wall-display token login, the login page's own stylesheet, ``/assets/`` and the
favicon. Everything else — Dash pages, ``/_dash-layout``, ``/_dash-dependencies``,
``/_dash-update-component``, ``/_reload-hash``, component bundles, downloads, snapshot files,
and any route added later — needs a signed-in user. An anonymous page visit is redirected to
``/login?next=…``; anything else gets ``401`` JSON.

A signed-in user's state-changing request must come from this site (Origin / Sec-Fetch-Site),
and a password session ends after ``session_lifetime_minutes`` whatever the activity.

``require_permission`` wraps callbacks: a caller without the permission gets ``403`` (audited)
and the callback body never runs, whatever the browser shows or hides.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import dash
import flask
from dash.exceptions import MissingCallbackContextException
from flask_login import current_user, logout_user
from werkzeug.exceptions import Forbidden

from data.audit import write_audit
from data.db import write_session

from .auth import WALL_COOKIE, session_expired
from .context import current_address, current_engine, current_user_info, has_permission

log = logging.getLogger("aocc.security")
REFUSAL_REASONS = frozenset({"permission_denied", "cross_site_request", "password_change_required", "forbidden"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reachable while a reset password must be replaced: the form itself and the way out.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"aocc_auth.change_password", "aocc_auth.logout"})


def public_endpoints(app: dash.Dash) -> frozenset[str]:
    """Endpoints served without login. Kept short on purpose; the URL-map test lists it exactly."""
    prefix = app.config.routes_pathname_prefix
    assets_blueprint = prefix.replace("/", "_").replace(".", "_") + "dash_assets"
    return frozenset(
        {
            "aocc_auth.login",
            "aocc_auth.wall_login",
            "aocc_auth.static",
            f"{assets_blueprint}.static",
            f"{prefix}_favicon.ico",
        }
    )


def wants_html(request: flask.Request) -> bool:
    """A top-level page visit (redirect it to the login form) rather than a script's request."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(("/_dash-", "/_reload-hash")):
        return False
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode:
        return mode == "navigate"
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return False
    return "text/html" in request.headers.get("Accept", "")


def refuse_anonymous(reason: str = "login_required") -> flask.Response:
    request = flask.request
    if wants_html(request):
        target = request.full_path if request.query_string else request.path
        params = {"next": target} if target not in ("/", "/?") else {}
        if reason == "session_expired":
            params["reason"] = "expired"
        response = flask.redirect("/login" + ("?" + urlencode(params) if params else ""), code=302)
    else:
        response = flask.jsonify({"error": reason, "login": "/login"})
        response.status_code = 401
    if flask.g.get("aocc_bad_device_token"):
        response.delete_cookie(WALL_COOKIE, path="/", samesite="Strict", httponly=True)
    return response


def _same_origin(request: flask.Request) -> bool:
    """Browsers say where a request comes from in ``Sec-Fetch-Site`` (which no page can forge);
    without it, compare ``Origin`` with the host (behind a proxy that rewrites Host, use ProxyFix)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc.lower() == request.host.lower()
    return origin != "null"


def install_guard(app: dash.Dash) -> None:
    server = app.server
    public = public_endpoints(app)

    def aocc_access_guard():
        request = flask.request
        if request.endpoint in public:
            return None
        if not current_user.is_authenticated:
            return refuse_anonymous()
        account = current_user.account
        if account.device_token_id is None and session_expired():
            logout_user()
            flask.session.clear()
            return refuse_anonymous("session_expired")
        if request.method not in SAFE_METHODS and not _same_origin(request):
            return _forbidden("cross_site_request")
        if account.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            if wants_html(request):
                return flask.redirect(flask.url_for("aocc_auth.change_password"))
            return _forbidden("password_change_required")
        return None

    # First in line: before Dash's own first-request set-up, which would otherwise run page
    # layout functions for an anonymous visitor of the login page.
    funcs = server.before_request_funcs.setdefault(None, [])
    funcs.insert(0, aocc_access_guard)
    _defer_dash_setup_for_public_requests(funcs, public)

    @server.errorhandler(401)
    def _unauthorized(_error):
        return refuse_anonymous()

    @server.errorhandler(403)
    def _forbidden_handler(error):
        reason = getattr(error, "description", "")
        return _forbidden(reason if reason in REFUSAL_REASONS else "forbidden")


def _defer_dash_setup_for_public_requests(funcs: list, public: frozenset[str]) -> None:
    """Dash's first-request hooks (its set-up and the pages router) evaluate the app shell and
    every page layout; run them at the first signed-in request, never for an anonymous visit
    of ``/login``. Every hook already registered when access control is installed is Dash's."""
    for i, func in enumerate(funcs):
        if func.__name__ == "aocc_access_guard":
            continue

        @functools.wraps(func)
        def _skip_for_public(_func=func):
            if flask.request.endpoint in public:
                return None
            return _func()

        funcs[i] = _skip_for_public


def may_render_page(permission: str) -> bool:
    """For a page's ``layout()``: may the page show its (data-free) skeleton?

    True for holders of ``permission``; also when Dash calls the layout outside a callback to
    collect ids for callback validation (it does so once, at the first request, for whoever
    makes it). A user without the permission gets False and the page shows a refusal.
    """
    if has_permission(permission):
        return True
    return collecting_callback_ids()


def collecting_callback_ids() -> bool:
    """Whether Dash is calling a layout outside any callback: once, at the first signed-in
    request, to collect every page's component ids for callback validation. A layout must then
    hold every component its callbacks name, whoever the request's user is."""
    try:
        dash.ctx.triggered_id  # noqa: B018 - raises outside a callback
    except (MissingCallbackContextException, LookupError):
        return True
    return False


def _forbidden(reason: str) -> flask.Response:
    response = flask.jsonify({"error": reason})
    response.status_code = 403
    return response


def refuse(action: str, permission: str, target: str | None = None) -> None:
    """Audit a refused action and abort the request with ``403``."""
    user = current_user_info()
    try:
        with write_session(current_engine()) as session:
            write_audit(
                session,
                None if user.role == "anonymous" else user.username,
                "permission_denied",
                target,
                {"action": action, "permission": permission, "role": user.role},
                current_address(),
                "denied",
            )
    except Exception:  # the refusal stands even when the audit row cannot be written
        log.exception("could not audit a refused %s", action)
    raise Forbidden(description="permission_denied")


def require_permission(permission: str) -> Callable:
    """Decorate a callback function (the one a module's ``register(app)`` passes to ``app.callback``)
    so that it runs only for holders of ``permission``.

    Without it, the request is refused with 403 and an audit row; nothing the callback would
    have changed changes. Page layouts use ``has_permission`` and show a refusal instead.
    """

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not has_permission(permission):
                refuse(func.__name__, permission)
            return func(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate
