"""What the page callbacks share: reading the page's data under the user's scope, and turning
the outcome (figures, nothing, a refusal, a failure) into the page's outputs.

Failures surface: any error while reading or drawing is logged with its traceback and shown as
"数据暂不可用" (on a refresh, the last good figures stay and the status line says the read
failed); a node outside the user's scope is refused with its own message; a unit that does not
exist (or a database without an org tree yet) and an empty result show "暂无数据".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, no_update

from components import ids
from components.kpi import build_kpi_tiles
from components.shell import build_status_error, build_status_line
from components.states import build_empty, build_error
from data.calendar import calendar_for
from data.db import read_connection
from data.scope import OrgNotFound, OutOfScope, Scope
from presentation.figures.common import make_message_figure
from presentation.i18n import t
from presentation.theme import chart_font_size
from security.context import current_config, current_engine, current_language, current_scope

log = logging.getLogger("aocc.callbacks")

Fetch = Callable[[Any, Scope, "int | None"], tuple[pd.DataFrame, pd.DataFrame]]  # (connection, scope, org id)


def parse_org(value) -> int | None:
    """The ``?org=`` value as an org id; None for "not given"; ``OutOfScope`` for anything that is
    not an id (a hand-edited URL gets the same refusal as a node outside the scope)."""
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise OutOfScope(f"not an org id: {value!r}") from exc


def local_now() -> dt.datetime:
    """Now in the configured zone."""
    return calendar_for(current_config().timezone).now()


def as_of_of(kpis: pd.DataFrame) -> dt.date | None:
    """The as-of day of a KPI frame (None when it is empty)."""
    if kpis.empty:
        return None
    value = kpis["as_of"].iloc[0]
    return None if value is None or pd.isna(value) else value


def render_page(
    page: str,
    *,
    n_intervals,
    org,
    theme: str | None,
    fetch: Fetch,
    build_kpis: Callable[[pd.DataFrame, str], list],
    make_figure: Callable,
    viewport: dict | None = None,
) -> tuple:
    """``(KPI row children, figure, status line children)`` for a domain page.

    Args:
        page: the page key, for the log.
        n_intervals: the page's interval count (0 on the first render).
        org: the ``?org=`` value as the page stored it.
        fetch: ``(conn, scope, org_id) -> (kpis, chart frame)``, the page's queries.
        build_kpis: ``(kpis, lang) -> children`` of the KPI row.
        make_figure: the chart's ``make_*_figure``.
        viewport: the browser window's size (``ids.VIEWPORT_STORE``), which sizes a wall chart's text.
    """
    lang = current_language()
    now = local_now()
    font_size = chart_font_size(theme, (viewport or {}).get("width"))
    try:
        org_id = parse_org(org)
        scope = current_scope()
        with read_connection(current_engine()) as conn:
            kpis, chart = fetch(conn, scope, org_id)
        status = build_status_line(as_of_of(kpis), now, lang=lang)
        return build_kpis(kpis, lang), make_figure(chart, lang=lang, theme=theme, font_size=font_size), status
    except (OutOfScope, PermissionError):  # a unit outside the scope, or nobody signed in
        log.warning("page %s: org %r refused for this user", page, org)
        return (
            [build_error(lang, message_key="state.out_of_scope")],
            make_message_figure(t("state.out_of_scope", lang), theme=theme, font_size=font_size),
            [],
        )
    except OrgNotFound:  # the database holds no org tree yet, or the unit was retired
        log.info("page %s: org %r not found", page, org)
        empty = make_message_figure(t("state.empty", lang), theme=theme, font_size=font_size)
        return [build_empty(lang)], empty, build_status_line(None, now, lang=lang)
    except Exception:  # noqa: BLE001 - a failure is logged with its traceback and shown as one, never as "no data"
        log.exception("page %s: reading or drawing the page failed (org %r)", page, org)
        status = build_status_error(now, lang=lang)
        if n_intervals:  # a refresh: keep the last good figures on screen
            return no_update, no_update, status
        return (
            [build_error(lang)],
            make_message_figure(t("state.error", lang), theme=theme, font_size=font_size),
            status,
        )


def domain_page_update(page: str, *, fetch: Fetch, make_figure: Callable) -> Callable:
    """The data callback of a domain page: ``update_<page>_page(n_intervals, org, theme, viewport)``
    reads ``fetch`` and draws the KPI tiles and ``make_figure``'s chart (see ``render_page``)."""

    def update(n_intervals, org, theme, viewport=None):
        return render_page(
            page,
            n_intervals=n_intervals,
            org=org,
            theme=theme,
            viewport=viewport,
            fetch=fetch,
            build_kpis=lambda kpis, lang: build_kpi_tiles(kpis, lang=lang),
            make_figure=make_figure,
        )

    update.__name__ = update.__qualname__ = f"update_{page}_page"
    return update


def register_page_callback(app: Dash, page: str, update: Callable) -> None:
    """Register ``update(n_intervals, org, theme, viewport)`` as the data callback of domain page
    ``page``: it fills the KPI row, the chart and the status line on load and on every interval."""
    app.callback(
        Output(ids.kpi_row(page), "children"),
        Output(ids.chart(page), "figure"),
        Output(ids.status(page), "children"),
        Input(ids.interval(page), "n_intervals"),
        State(ids.org_store(page), "data"),
        State(ids.THEME_STORE, "data"),
        State(ids.VIEWPORT_STORE, "data"),
    )(update)
