"""Who is asking and what they may see: login, roles, scope, guards and security headers.

``init_app(app, config)`` installs everything on the Dash app's Flask server.
"""

from __future__ import annotations

from .setup import init_app

__all__ = ["init_app"]
