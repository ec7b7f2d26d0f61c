"""Who is asking and what they may see: login, roles, scope, guards and security headers.

``init_app(app, config)`` installs everything on the Dash app's Flask server. Pages and
callbacks use ``security.context`` (who, which scope, which language) and
``require_permission`` (server-side permission check inside a callback).
"""

from __future__ import annotations

from .guard import require_permission
from .setup import InsecureConfiguration, init_app

__all__ = ["init_app", "require_permission", "InsecureConfiguration"]
