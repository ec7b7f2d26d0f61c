"""Callback modules, one per page, plus the shell's.

Each module defines its callbacks as plain functions (call them directly in tests) and a
``register(app)`` that attaches them to the app with ``app.callback``: Dash's public API, and
one registration per app, so several apps can be built in one process (tests, tools) without
touching Dash's global callback registry.
"""

from __future__ import annotations

from dash import Dash

from . import (
    admin_audit,
    admin_devices,
    admin_notifications,
    admin_reference,
    admin_rules,
    admin_users,
    alerts,
    data_center,
    grid_export,
    shell,
    view_page,
)

CALLBACK_MODULES = (
    shell,
    view_page,
    alerts,
    data_center,
    admin_users,
    admin_devices,
    admin_audit,
    admin_notifications,
    admin_rules,
    admin_reference,
    grid_export,
)


def register_callbacks(app: Dash) -> None:
    """Register every callback of the command center on ``app``."""
    for module in CALLBACK_MODULES:
        module.register(app)
