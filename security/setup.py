"""Installs access control on the Dash app's Flask server: secret-key check, sessions and
flask-login, the login routes, the one request guard, and the security headers."""

from __future__ import annotations

import logging

import dash

from config import DEFAULT_SECRET_KEY, Config

from .auth import bp as auth_blueprint
from .auth import init_login_manager
from .guard import install_guard
from .headers import init_headers

log = logging.getLogger("aocc.security")


class InsecureConfiguration(RuntimeError):
    """The app refuses to start with settings that would make its sessions forgeable."""


def check_secret_key(config: Config) -> None:
    """Refuse the default (or a short) secret key, except in demo mode or a test config that says so."""
    key = config.secret_key or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 16:
        if config.demo_mode or config.allow_default_secret_key:
            log.warning("running with the default SECRET_KEY: acceptable for the demo only")
            return
        raise InsecureConfiguration(
            "SECRET_KEY is unset, the built-in default or shorter than 16 characters. Set SECRET_KEY to a long "
            "random value (python -c 'import secrets; print(secrets.token_urlsafe(48))'), the same for every "
            "app worker. Only the demo (AOCC_DEMO=1) runs without one."
        )


def init_app(app: dash.Dash, config: Config) -> None:
    check_secret_key(config)
    server = app.server
    server.config.setdefault("AOCC_CONFIG", config)
    server.secret_key = config.secret_key
    init_login_manager(server, config)
    server.register_blueprint(auth_blueprint)
    install_guard(app)
    init_headers(app, config)
