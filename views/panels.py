"""Panels every declared page can carry: the open alerts of the node (or of the building or
vehicle shown) in the page's domain."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from data.catalog import DOMAINS
from data.queries.alerts import PANEL_LIMIT, fetch_alerts
from data.queries.view import ViewContext

from .spec import PanelSpec

OPEN_STATES = ("firing", "acknowledged")


def fetch_open_alerts(conn: Connection, view: ViewContext, *, limit: int = PANEL_LIMIT) -> pd.DataFrame:
    """The open (firing or acknowledged) alerts of the view's domain in the node's subtree, critical
    first, newest first; for a building or vehicle, only that entity's (``data.queries.alerts``
    columns). Read whatever the period: an open alert is open now."""
    alerts = fetch_alerts(
        conn,
        view.scope,
        org_id=view.org_id,
        domains=(view.domain,) if view.domain in DOMAINS else None,  # the overview shows every domain's
        states=OPEN_STATES,
        limit=limit if view.entity_kind == "org" else 500,
    )
    if view.entity_kind != "org" and not alerts.empty:
        mine = (alerts["entity_kind"] == view.entity_kind) & (alerts["entity_id"] == view.entity_id)
        alerts = alerts[mine].head(limit).reset_index(drop=True)
    return alerts


def open_alerts_panel(*, show_at: tuple[str, ...] = ("org",), width: int = 1) -> PanelSpec:
    """The open-alerts panel (its rows link to the alert center)."""
    return PanelSpec(
        key="alerts",
        title_key="view.panel.alerts",
        kind="alerts",
        fetch=fetch_open_alerts,
        show_at=show_at,
        width=width,
        export=False,
        wall=True,
    )


__all__ = ["OPEN_STATES", "fetch_open_alerts", "open_alerts_panel"]
