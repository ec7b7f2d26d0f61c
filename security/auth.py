"""Signing in and out: flask-login over the Dash app, the login form, wall-display device tokens.

* ``/login`` (GET form, POST credentials): a plain server-rendered HTML form — no Dash, no
  script — localized by the ``aocc_lang`` cookie (``?lang=en`` switches and sets it), with a
  CSRF token kept in the session. Attempts are throttled per username and per address
  (``data.login.authenticate``) and every outcome is audited.
* ``/logout`` (POST with CSRF token, or a GET that the browser marks as not cross-site): ends
  every session of the account (the ``session_epoch`` bump) and clears this browser's cookies.
* ``/account/password``: change one's own password (forced after an administrator's reset).
* ``/wall/login?token=…``: a wall screen presents its device token once; it is kept in an
  HttpOnly cookie and re-validated on every request, so revoking it stops the screen at its
  next refresh. A kiosk may instead send ``Authorization: Bearer <token>`` on every request.

The user is loaded from the database on every request: a disabled account, a reset password
or a revoked token takes effect at the next request of every worker.
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

import flask
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user, login_user, logout_user

import presentation.i18n as i18n
from config import Config
from data import device_tokens as tokens_data
from data import login as login_data
from data import users as users_data
from data.audit import write_audit
from data.db import session_scope, write_session

from .context import current_address, current_config, current_engine, current_language
from .csrf import FIELD as CSRF_FIELD
from .csrf import csrf_token, csrf_valid

WALL_COOKIE = "aocc_wall"
WALL_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers accept
LOGIN_AT_KEY = "aocc_login_at"
DEVICE_THROTTLE = login_data.ThrottlePolicy(max_account_failures=10**9)
DEVICE_THROTTLE_NAME = "#device-token"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


bp = flask.Blueprint(
    "aocc_auth", __name__, template_folder="templates", static_folder="static", static_url_path="/auth/static"
)


class SignedInUser(UserMixin):
    """flask-login's view of an ``Account``. The session stores ``"<id>:<epoch>"``."""

    def __init__(self, account: users_data.Account):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session_epoch}"

    @property
    def is_device(self) -> bool:
        return self.account.device_token_id is not None


class Anonymous(AnonymousUserMixin):
    account = None
    is_device = False


def _load_session_user(user_id: str) -> SignedInUser | None:
    try:
        uid, epoch = (int(part) for part in user_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    with session_scope(current_engine()) as session:
        account = users_data.load_account(session, uid, epoch)
    return SignedInUser(account) if account is not None else None


def device_token_from_request(request: flask.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(WALL_COOKIE) or None


def _load_device_user(request: flask.Request) -> SignedInUser | None:
    token = device_token_from_request(request)
    if not token:
        return None
    engine = current_engine()
    now = utcnow()
    with session_scope(engine) as session:
        account, last_seen = tokens_data.load_device_account(session, token)
    if account is None:
        flask.g.aocc_bad_device_token = True
        return None
    if tokens_data.device_needs_touch(last_seen, now):
        with write_session(engine) as session:
            tokens_data.touch_device_token(session, account.device_token_id, now)
    return SignedInUser(account)


def init_login_manager(server: flask.Flask, config: Config) -> LoginManager:
    manager = LoginManager()
    manager.init_app(server)
    manager.anonymous_user = Anonymous
    manager.session_protection = "basic"
    manager.user_loader(_load_session_user)
    manager.request_loader(_load_device_user)
    server.config.update(
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=config.session_lifetime_minutes),
        SESSION_COOKIE_NAME="aocc_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        SESSION_REFRESH_EACH_REQUEST=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.session_cookie_secure,
    )
    return manager


# --- helpers ----------------------------------------------------------------------------------


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site (not ``//host``, no scheme, no backslash), else ``default``."""
    if not value or not isinstance(value, str) or len(value) > 2048:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    if parts.path.rstrip("/") in ("/login", "/logout", "/wall/login"):
        return default
    return value


def session_expired(now_ts: float | None = None) -> bool:
    """True when a password session is older than the configured lifetime (absolute expiry)."""
    login_at = flask.session.get(LOGIN_AT_KEY)
    if not isinstance(login_at, (int, float)):
        return True
    limit = current_config().session_lifetime_minutes * 60
    return (now_ts or time.time()) - login_at > limit


def _lang() -> str:
    requested = flask.request.args.get("lang")
    return i18n.normalize_language(requested) if requested in i18n.LANGUAGES else current_language()


def _render(template: str, *, heading_key: str, status: int = 200, **context) -> flask.Response:
    lang = _lang()
    html = flask.render_template(
        template,
        lang=lang,
        t=lambda key, **kw: i18n.t(key, lang, **kw),
        app_title=i18n.t("app.title", lang),
        heading=i18n.t(heading_key, lang),
        csrf_token=csrf_token(),
        **context,
    )
    response = flask.make_response(html, status)
    requested = flask.request.args.get("lang")
    if requested in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            requested,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_config().session_cookie_secure,
        )
    return response


def _audit(
    actor: str | None, action: str, target: str | None = None, detail: dict | None = None, outcome: str = "ok"
) -> None:
    with write_session(current_engine()) as session:
        write_audit(session, actor, action, target, detail, current_address(), outcome)


def _start_session(account: users_data.Account) -> None:
    """A fresh session (no fixation): cleared, then the user, the login time and a new CSRF token."""
    flask.session.clear()
    login_user(SignedInUser(account), remember=False, fresh=True)
    flask.session.permanent = True
    flask.session[LOGIN_AT_KEY] = time.time()


def _clear_wall_cookie(response: flask.Response) -> flask.Response:
    response.delete_cookie(
        WALL_COOKIE, path="/", samesite="Strict", secure=current_config().session_cookie_secure, httponly=True
    )
    return response


# --- routes -----------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(flask.request.values.get("next"), "")
    if flask.request.method == "GET":
        if current_user.is_authenticated and not getattr(current_user, "is_device", False) and not session_expired():
            return flask.redirect(next_url or "/")
        notice_key = {"expired": "access.login.expired", "logged_out": "access.login.logged_out"}.get(
            flask.request.args.get("reason", "")
        )
        return _render(
            "aocc_login.html",
            heading_key="access.login.heading",
            next=next_url,
            username="",
            notice=i18n.t(notice_key, _lang()) if notice_key else None,
        )

    username = users_data.normalize_username(flask.request.form.get("username", ""))[:64]
    password = flask.request.form.get("password", "")
    lang = _lang()
    if not csrf_valid():
        return _render(
            "aocc_login.html",
            heading_key="access.login.heading",
            status=400,
            next=next_url,
            username=username,
            error=i18n.t("access.login.csrf", lang),
        )
    address = current_address() or ""
    with write_session(current_engine()) as session:
        result = login_data.authenticate(session, username, password, address)
        if result.status == "ok":
            write_audit(
                session,
                result.account.username,
                "login",
                result.account.username,
                {"role": result.account.role},
                address,
                "ok",
            )
        elif result.status == "locked":
            write_audit(
                session,
                username or None,
                "login_locked",
                username or None,
                {"locked_until": result.locked_until},
                address,
                "denied",
            )
        else:
            write_audit(
                session,
                username or None,
                "login_failed",
                username or None,
                {"reason": result.status},
                address,
                "failed",
            )
    if result.status == "ok":
        _start_session(result.account)
        if result.account.must_change_password:
            return flask.redirect(flask.url_for("aocc_auth.change_password"))
        return flask.redirect(next_url or "/")
    if result.status == "locked":
        minutes = max(1, int((result.locked_until - utcnow()).total_seconds() // 60) + 1)
        error = i18n.t("access.login.locked", lang, minutes=minutes)
    else:
        error = i18n.t("access.login.invalid", lang)
    return _render("aocc_login.html", heading_key="access.login.heading", next=next_url, username=username, error=error)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if flask.request.method == "GET" and flask.request.headers.get("Sec-Fetch-Site", "none") not in (
        "none",
        "same-origin",
    ):
        # A link from another site must not sign the user out everywhere: ask first.
        return _render("aocc_logout.html", heading_key="access.logout.confirm")
    if flask.request.method == "POST" and not csrf_valid():
        return _render(
            "aocc_logout.html",
            heading_key="access.logout.confirm",
            status=400,
            error=i18n.t("access.login.csrf", _lang()),
        )
    account = getattr(current_user, "account", None)
    if account is not None and account.device_token_id is None:
        with write_session(current_engine()) as session:
            users_data.end_sessions(session, account.id)
            write_audit(session, account.username, "logout", account.username, {}, current_address(), "ok")
    logout_user()
    flask.session.clear()
    response = flask.redirect(flask.url_for("aocc_auth.login", reason="logged_out"))
    return _clear_wall_cookie(response)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    account = current_user.account  # the guard lets only signed-in people here
    if account.device_token_id is not None:
        flask.abort(403)
    context = {"must_change": account.must_change_password, "min_length": users_data.MIN_PASSWORD_LENGTH}
    heading = "access.password.heading"
    if flask.request.method == "GET":
        notice = i18n.t("access.password.must_change", _lang()) if account.must_change_password else None
        return _render("aocc_password.html", heading_key=heading, notice=notice, **context)
    lang = _lang()
    if not csrf_valid():
        return _render(
            "aocc_password.html", heading_key=heading, status=400, error=i18n.t("access.login.csrf", lang), **context
        )
    current = flask.request.form.get("current", "")
    new = flask.request.form.get("new", "")
    if new != flask.request.form.get("repeat", ""):
        return _render(
            "aocc_password.html", heading_key=heading, error=i18n.t("access.password.mismatch", lang), **context
        )
    with write_session(current_engine()) as session:
        if not users_data.check_current_password(session, account.id, current):
            write_audit(
                session,
                account.username,
                "password_change",
                account.username,
                {"reason": "wrong_current"},
                current_address(),
                "failed",
            )
            error = i18n.t("access.password.wrong_current", lang)
        else:
            try:
                user = users_data.set_password(session, account.id, new, must_change=False)
                write_audit(session, account.username, "password_change", account.username, {}, current_address(), "ok")
                error = None
            except users_data.AccountError as exc:
                error = i18n.t(f"access.error.{exc.code}", lang, min_length=users_data.MIN_PASSWORD_LENGTH)
                user = None
    if error:
        return _render("aocc_password.html", heading_key=heading, error=error, **context)
    # The password change ended every session, this one included: start a new one.
    with session_scope(current_engine()) as session:
        fresh = users_data.load_account(session, user.id, user.session_epoch)
    _start_session(fresh)
    return flask.redirect("/")


@bp.route("/wall/login", methods=["GET"])
def wall_login():
    token = flask.request.args.get("token", "").strip()
    next_url = safe_next(flask.request.args.get("next"), "/")
    address = current_address() or ""
    engine = current_engine()
    now = utcnow()
    with write_session(engine) as session:
        until = login_data.locked_until(session, DEVICE_THROTTLE_NAME, address, now, DEVICE_THROTTLE)
        account = None
        if until is None:
            account, _ = tokens_data.load_device_account(session, token)
            login_data.record_attempt(session, DEVICE_THROTTLE_NAME, address, account is not None, now)
        if account is not None:
            tokens_data.touch_device_token(session, account.device_token_id, now)
            write_audit(
                session,
                account.username,
                "device_login",
                account.username,
                {"device_token_id": account.device_token_id},
                address,
                "ok",
            )
        else:
            write_audit(
                session,
                None,
                "device_login_failed",
                None,
                {"locked": until is not None},
                address,
                "denied" if until else "failed",
            )
    if account is None:
        response = _render(
            "aocc_login.html",
            heading_key="access.login.heading",
            status=403 if until is None else 429,
            next="",
            username="",
            error=i18n.t("access.wall.invalid", _lang()),
        )
        return _clear_wall_cookie(response)
    logout_user()
    flask.session.clear()
    response = flask.redirect(next_url)
    response.set_cookie(
        WALL_COOKIE,
        token,
        max_age=WALL_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=current_config().session_cookie_secure,
    )
    return response


__all__ = [
    "bp",
    "init_login_manager",
    "safe_next",
    "session_expired",
    "SignedInUser",
    "WALL_COOKIE",
    "device_token_from_request",
    "CSRF_FIELD",
]
