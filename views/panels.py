"""Panels every declared page can carry: the open alerts of the node (or of the building or
vehicle shown) in the page's domain."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from data.catalog import DOMAINS
from data.queries.alerts import PANEL_LIMIT, fetch_alerts
from data.queries.compare import fetch_child_ranking, fetch_peer_position
from data.queries.view import ViewContext
from presentation.figures.compare import make_ranking_figure
from presentation.i18n import t

from .spec import PanelSpec

OPEN_STATES = ("firing", "acknowledged")
#: A view's entity kind -> the kind its alerts are raised on (a turnover-housing unit's are on
#: ``housing_unit``).
ALERT_ENTITY_KINDS = {"dwelling": "housing_unit"}


def fetch_open_alerts(conn: Connection, view: ViewContext, *, limit: int = PANEL_LIMIT) -> pd.DataFrame:
    """The open (firing or acknowledged) alerts of the view's domain in the node's subtree, critical
    first, newest first; for a building or vehicle, only that entity's (``data.queries.alerts``
    columns). Read whatever the period: an open alert is open now."""
    return fetch_alerts(
        conn,
        view.scope,
        org_id=view.org_id,
        domains=(view.domain,) if view.domain in DOMAINS else None,  # the overview shows every domain's
        states=OPEN_STATES,
        entity=None
        if view.entity_kind == "org"
        else (ALERT_ENTITY_KINDS.get(view.entity_kind, view.entity_kind), view.entity_id),
        limit=limit,
    )


def fetch_ranking_with_position(conn: Connection, view: ViewContext, metric_id: str, *, leaf: str) -> pd.DataFrame:
    """The ranking one level down (``data.queries.compare.fetch_child_ranking``) and, in
    ``attrs["position"]``, the shown entity's place among its peers (标杆管理): an org node among
    its siblings (none at the user's scope root, whose siblings the user may not see), a building
    or vehicle among its agency's, read off the ranking itself."""
    frame = fetch_child_ranking(conn, view, metric_id, leaf=leaf)
    if view.entity_kind == "org":
        position = fetch_peer_position(conn, view, metric_id)
    else:
        current = frame[frame["is_current"]] if "is_current" in frame else frame.iloc[0:0]
        position = None
        if not current.empty and not pd.isna(current["rank"].iloc[0]):
            position = {"rank": int(current["rank"].iloc[0]), "count": int(frame["value"].notna().sum())}
    if position and position.get("rank"):
        entity = view.entity if view.entity is not None else view.node
        frame.attrs["position"] = {**position, "name_zh": entity["name_zh"], "name_en": entity["name_en"]}
    return frame


def make_ranking_with_position_figure(df, *, lang, theme, font_size=None, unit="", highlight=None, metric_id=None):
    """The ranking chart titled with the entity's place among its peers ("江临省财政厅在同级 47 个
    单位中排第 3 位"), when it has one."""
    figure = make_ranking_figure(
        df, lang=lang, theme=theme, font_size=font_size, unit=unit, highlight=highlight, metric_id=metric_id
    )
    position = df.attrs.get("position")
    if position:
        name = position["name_zh"] if lang == "zh" else position["name_en"]
        text = t("view.rank.position", lang, name=name, rank=position["rank"], count=position["count"])
        figure.layout.title = {"text": text, "x": 0, "xanchor": "left"}
        figure.layout.margin.t = max(figure.layout.margin.t or 0, 48)
    return figure


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


__all__ = [
    "OPEN_STATES",
    "fetch_open_alerts",
    "fetch_ranking_with_position",
    "make_ranking_with_position_figure",
    "open_alerts_panel",
]
