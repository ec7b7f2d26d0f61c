"""The declared pages, by key. Pages are imported lazily so that declaring one never imports the
others' queries at start-up twice, and a test can look one up without the rest."""

from __future__ import annotations

import importlib

from .spec import PageSpec

#: page key -> "module:attribute" of its declaration
DECLARED_PAGES: dict[str, str] = {
    "overview": "views.overview:OVERVIEW_PAGE",
    "energy": "views.energy:ENERGY_PAGE",
    "vehicles": "views.vehicles:VEHICLES_PAGE",
    "assets": "views.assets:ASSETS_PAGE",
    "housing": "views.housing:HOUSING_PAGE",
    "profile": "views.profile:PROFILE_PAGE",
}


def get_page(key: str) -> PageSpec:
    """The declaration of page ``key``.

    Raises:
        KeyError: no such declared page.
    """
    target = DECLARED_PAGES[key]
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def declared_pages() -> list[PageSpec]:
    return [get_page(key) for key in DECLARED_PAGES]


__all__ = ["DECLARED_PAGES", "declared_pages", "get_page"]
