"""The command center's app factory and WSGI entry point.

``create_app(config)`` builds one Dash app (pages from ``pages/``) on a Flask server and calls
``init_app`` on each subsystem. Nothing else happens at import: no query, no scheduler.
Run it with ``python -m manage run`` (web + scheduler) or any WSGI server on ``app:server``.
"""

from __future__ import annotations

from pathlib import Path

import dash
import flask

from config import Config, load_config

ROOT = Path(__file__).resolve().parent


def create_app(config: Config | None = None) -> dash.Dash:
    config = config or load_config()
    server = flask.Flask(__name__, root_path=str(ROOT))
    server.config.update(
        SECRET_KEY=config.secret_key,
        AOCC_CONFIG=config,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        MAX_CONTENT_LENGTH=256 * 1024 * 1024,
    )

    import presentation.i18n as i18n
    from pages._layout import serve_app_shell
    from security import init_app as init_security

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        title=i18n.t("app.title", config.default_language),
        update_title=None,
        suppress_callback_exceptions=False,
        serve_locally=True,
        compress=False,
    )
    app.layout = serve_app_shell
    init_security(app, config)
    # Callback modules register with @dash.callback; doing it here, not at import of app.py,
    # keeps "nothing happens at import but building the app".
    from callbacks import register_callbacks

    register_callbacks(app)

    return app


def _module_app() -> dash.Dash:
    return create_app()


app = _module_app()
server = app.server
