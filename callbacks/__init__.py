"""Callback modules, one per page. Importing this package registers them all with ``@dash.callback``.

Dash moves the globally registered callbacks into the first app that starts serving, and
empties the global registry. Tests (and tools) build several apps in one process, so the
registry as it stood after the first import is kept and put back for every new app.
"""

from __future__ import annotations

import importlib
import pkgutil

from dash import _callback

_REGISTERED: tuple[dict, list, list] | None = None


def _import_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def register_callbacks() -> None:
    """Make every callback of this package available to the app that is being built."""
    global _REGISTERED
    if _REGISTERED is None:
        _import_all()
        _REGISTERED = (
            dict(_callback.GLOBAL_CALLBACK_MAP),
            list(_callback.GLOBAL_CALLBACK_LIST),
            list(_callback.GLOBAL_INLINE_SCRIPTS),
        )
        return
    callback_map, callback_list, inline_scripts = _REGISTERED
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_CALLBACK_MAP.update(callback_map)
    _callback.GLOBAL_CALLBACK_LIST[:] = callback_list
    _callback.GLOBAL_INLINE_SCRIPTS[:] = inline_scripts
