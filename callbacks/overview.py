"""The overview's live data: two headline tiles per domain (each group linking to its page for
the same unit), the monthly electricity trend and the status line; the alerts panel and the wall
ticker (the newest firing alerts of the unit's subtree, critical first), re-read on the same
interval so that a new critical alert shows within one refresh."""

from __future__ import annotations

import logging

import dash
from dash import Dash, Input, Output, State, no_update

from components import ids
from components.alert_panel import build_alerts_panel, build_ticker
from components.alerts import PANEL, TICKER
from components.kpi import build_overview_groups
from components.shell import DOMAIN_PAGES, PAGE_PATHS
from components.states import build_empty, build_error
from data.queries import fetch_energy_trend, fetch_overview_kpis
from data.queries.alerts import PANEL_LIMIT, fetch_firing_alerts
from data.scope import OrgNotFound, OutOfScope
from presentation.figures import make_energy_trend_figure
from security import require_permission
from security.context import current_engine, current_language, current_scope

from ._common import parse_org, register_page_callback, render_page

PAGE = "overview"
log = logging.getLogger("aocc.callbacks.overview")


def fetch_overview_page(conn, scope, org_id):
    kpis = fetch_overview_kpis(conn, scope, org_id)
    return kpis, fetch_energy_trend(conn, scope, org_id)


def domain_hrefs(org) -> dict[str, str]:
    """Each domain page's link for the unit the overview shows."""
    org_id = parse_org(org)
    query = f"?org={org_id}" if org_id is not None else ""
    return {domain: dash.get_relative_path(PAGE_PATHS[page]) + query for domain, page in DOMAIN_PAGES.items()}


def update_overview_page(n_intervals, org, theme, viewport=None):
    return render_page(
        PAGE,
        n_intervals=n_intervals,
        org=org,
        theme=theme,
        viewport=viewport,
        fetch=fetch_overview_page,
        build_kpis=lambda kpis, lang: build_overview_groups(kpis, lang=lang, hrefs=domain_hrefs(org)),
        make_figure=make_energy_trend_figure,
    )


@require_permission("view")
def update_overview_alerts(n_intervals, org):
    """The panel's rows and the ticker's line: the newest firing alerts of the unit shown."""
    lang = current_language()
    try:
        org_id = parse_org(org)
        scope = current_scope()
        with current_engine().connect() as conn:
            alerts = fetch_firing_alerts(conn, scope, org_id=org_id, limit=PANEL_LIMIT)
    except (OutOfScope, PermissionError):  # the page's own callback explains the refusal
        return [build_error(lang, message_key="state.out_of_scope")], []
    except OrgNotFound:
        return [build_empty(lang)], []
    except Exception:  # noqa: BLE001 - logged with its traceback and shown as a failure, never as "no alerts"
        log.exception("overview: reading the firing alerts failed (org %r)", org)
        if n_intervals:  # a refresh: keep the last good lines on screen
            return no_update, no_update
        return [build_error(lang)], []
    return build_alerts_panel(alerts, lang=lang), build_ticker(alerts, lang=lang)


def register(app: Dash) -> None:
    register_page_callback(app, PAGE, update_overview_page)
    app.callback(
        Output(PANEL, "children"),
        Output(TICKER, "children"),
        Input(ids.interval(PAGE), "n_intervals"),
        State(ids.org_store(PAGE), "data"),
    )(update_overview_alerts)
