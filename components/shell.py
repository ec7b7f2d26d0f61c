"""The app shell (navigation bar, language and theme switches) and what every page's frame
shares: the graphs' config, the drop-downs' words, the status line ("数据截至 …  ·  刷新于 …").

Builders here are pure: who the user is, which language and theme, and which pages exist are
handed in by ``pages/_layout.py``; nothing here reads a request or the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from components import ids
from components.states import build_error
from presentation.i18n import t
from presentation.theme import DEFAULT_THEME, normalize_theme

THEME_COOKIE = "aocc_theme"

#: Where the overview, each domain page and the alerts live; pages register these paths.
PAGE_PATHS: dict[str, str] = {
    "overview": "/",
    "energy": "/energy",
    "vehicles": "/vehicles",
    "assets": "/assets",
    "housing": "/housing",
    "alerts": "/alerts",
}
#: The page of each catalog domain.
DOMAIN_PAGES: dict[str, str] = {"energy": "energy", "vehicle": "vehicles", "asset": "assets", "housing": "housing"}


# --- navigation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar, from a page registered with ``nav_key`` and ``nav_order``."""

    key: str  # the page's nav_key, a message key
    label: str
    href: str
    order: int
    org_scoped: bool = False  # the page takes ?org=, so the current org follows the user there


def collect_nav_items(registry: Mapping[str, Mapping], *, lang: str, allowed: Callable[[str], bool]) -> list[NavItem]:
    """Navigation entries from ``dash.page_registry``: every page carrying a ``nav_key`` whose
    ``required_permission`` (default ``view``) ``allowed`` grants, by ``nav_order``."""
    items = []
    for page in registry.values():
        key = page.get("nav_key")
        if not key or not allowed(page.get("required_permission", "view")):
            continue
        items.append(
            NavItem(
                key=key,
                label=t(key, lang),
                href=page.get("relative_path", page["path"]),
                order=int(page.get("nav_order", 1000)),
                org_scoped=bool(page.get("org_scoped", False)),
            )
        )
    return sorted(items, key=lambda item: (item.order, item.key))


def nav_href(item_path: str, org_scoped: bool, search: str | None) -> str:
    """The link of a navigation entry that keeps the current ``org`` on org-scoped pages."""
    if not org_scoped or not search:
        return item_path
    org = parse_query(search).get("org")
    return f"{item_path}?{urlencode({'org': org})}" if org else item_path


def parse_query(search: str | None) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl((search or "").lstrip("?")))


def is_active(item_path: str, pathname: str | None) -> bool:
    pathname = pathname or "/"
    if item_path.rstrip("/") == "":
        return pathname.rstrip("/") == ""
    return pathname == item_path or pathname.startswith(item_path.rstrip("/") + "/")


def nav_class(active: bool) -> str:
    return "aocc-nav__link active" if active else "aocc-nav__link"


def nav_links_state(
    keys: list[str], nav: Mapping[str, Mapping], pathname: str | None, search: str | None
) -> tuple[list[str], list[str]]:
    """``(hrefs, classNames)`` of the navigation entries ``keys`` for the current location: the
    current page's entry is marked active and org-scoped pages keep ``?org=``.

    Args:
        nav: the shell's ``NAV_STORE`` data, ``{nav_key: {"href", "org_scoped"}}``.
    """
    entries = [nav.get(key) or {"href": "/", "org_scoped": False} for key in keys]
    hrefs = [nav_href(entry["href"], entry["org_scoped"], search) for entry in entries]
    classes = [nav_class(is_active(entry["href"], pathname)) for entry in entries]
    return hrefs, classes


def build_app_shell(
    content,
    *,
    lang: str,
    theme: str,
    user_name: str | None,
    nav_items: Iterable[NavItem],
    can_sign_out: bool = True,
) -> html.Div:
    """The whole app around the page container: a navigation bar (title, entries, user, theme
    and language switches), the shared URL and stores, and ``content`` (``dash.page_container``).

    The theme is a class on the root (``theme-light``/``theme-dark``) plus Bootstrap's
    ``data-bs-theme``, so the dark big-screen theme is pure CSS.
    """
    theme = normalize_theme(theme)
    nav_items = list(nav_items)
    links = [
        dcc.Link(item.label, href=item.href, id=ids.nav_link(item.key), className=nav_class(False))
        for item in nav_items
    ]
    nav_store = {item.key: {"href": item.href, "org_scoped": item.org_scoped} for item in nav_items}
    right = []
    if user_name:
        right.append(html.Span(t("shell.user", lang, name=user_name), className="aocc-navbar__user"))
        if can_sign_out:
            # A plain link, not a callback: /logout is a Flask route that ends the session.
            right.append(
                html.A(
                    t("access.logout", lang),
                    href="/logout",
                    id=ids.LOGOUT_LINK,
                    className="btn btn-sm aocc-navbar__button",
                )
            )
    right += [
        html.Button(
            t("theme.switch_to_light" if theme == "dark" else "theme.switch_to_dark", lang),
            id=ids.THEME_SWITCH,
            n_clicks=0,
            className="btn btn-sm aocc-navbar__button",
            title=t("theme.switch_hint", lang),
        ),
        html.Button(
            t("lang.switch_to_other", lang),
            id=ids.LANG_SWITCH,
            n_clicks=0,
            className="btn btn-sm aocc-navbar__button",
            title=t("lang.switch_hint", lang),
            lang="en" if lang == "zh" else "zh",
        ),
    ]
    navbar = html.Header(
        html.Div(
            [
                dcc.Link(t("app.title", lang), href=PAGE_PATHS["overview"], className="aocc-navbar__brand"),
                html.Nav(links, className="aocc-nav", **{"aria-label": t("shell.nav_label", lang)}),
                html.Div(right, className="aocc-navbar__right"),
            ],
            className="aocc-navbar__inner",
        ),
        className="aocc-navbar",
    )
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            dcc.Store(id=ids.LANG_STORE, data=lang),
            dcc.Store(id=ids.THEME_STORE, data=theme),
            dcc.Store(id=ids.NAV_STORE, data=nav_store),
            dcc.Store(id=ids.VIEWPORT_STORE),
            navbar,
            html.Main(content, className="aocc-main"),
        ],
        className=f"aocc-app theme-{theme}",
        lang="zh-CN" if lang == "zh" else "en",
        **{"data-bs-theme": theme, "data-lang": lang},
    )


# --- what the pages' frames share -------------------------------------------------------------------


def graph_config(lang: str, theme: str = DEFAULT_THEME) -> dict:
    """``dcc.Graph`` config: plotly's own words in the UI language (zh-CN locale from assets/);
    no mode bar on the wall screen, where nobody holds a mouse."""
    return {
        "locale": "zh-CN" if lang == "zh" else "en",
        "displaylogo": False,
        "responsive": True,
        "displayModeBar": False if normalize_theme(theme) == "dark" else "hover",
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }


def dropdown_labels(lang: str) -> dict:
    """The Dash 4 dropdown's own words in the UI language."""
    return {
        "search": t("dropdown.search", lang),
        "no_options_found": t("dropdown.no_options_found", lang),
        "clear_search": t("dropdown.clear_search", lang),
        "clear_selection": t("dropdown.clear_selection", lang),
        "select_all": t("dropdown.select_all", lang),
        "deselect_all": t("dropdown.deselect_all", lang),
        "selected_count": t("dropdown.selected_count", lang),
    }


def format_date(day: dt.date, lang: str) -> str:
    return t("fmt.date", lang, year=day.year, month=day.month, day=day.day)


def build_status_line(as_of: dt.date | None, refreshed: dt.datetime, *, lang: str) -> list:
    """ "数据截至 …  ·  刷新于 HH:MM:SS" (the as-of part only when the data has a date)."""
    parts = []
    if as_of is not None and not pd.isna(as_of):
        parts.append(
            html.Span(
                t("page.as_of", lang, date=format_date(pd.Timestamp(as_of).date(), lang)), className="aocc-status__asof"
            )
        )
    parts.append(
        html.Span(t("page.refreshed", lang, time=refreshed.strftime("%H:%M:%S")), className="aocc-status__refreshed")
    )
    return parts


def build_status_error(refreshed: dt.datetime, *, lang: str, message_key: str = "state.error") -> list:
    """The status line when a refresh failed: the error, with when it happened."""
    return [
        build_error(
            lang, detail=t("state.error_detail", lang, time=refreshed.strftime("%H:%M")), message_key=message_key
        )
    ]
