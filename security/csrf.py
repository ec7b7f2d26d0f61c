"""CSRF protection for the Flask-served forms (login, password change, logout confirmation).

A random token lives in the signed session cookie and is repeated in a hidden form field;
a POST whose field does not match is refused. Dash's own callback endpoint is protected by
the guard's same-origin check and SameSite cookies (a cross-site form cannot send JSON).
"""

from __future__ import annotations

import hmac
import secrets

import flask

SESSION_KEY = "_csrf"
FIELD = "csrf_token"


def csrf_token() -> str:
    token = flask.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        flask.session[SESSION_KEY] = token
    return token


def csrf_valid(submitted: str | None = None) -> bool:
    expected = flask.session.get(SESSION_KEY)
    submitted = submitted if submitted is not None else flask.request.form.get(FIELD, "")
    return bool(expected) and bool(submitted) and hmac.compare_digest(str(expected), str(submitted))
