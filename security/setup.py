"""Installs the request context on the Flask server (access control is added here)."""

from __future__ import annotations

import dash

from config import Config


def init_app(app: dash.Dash, config: Config) -> None:
    server = app.server
    server.config.setdefault("AOCC_CONFIG", config)
