"""The energy page's baseline panels, declared: a building's hourly load against its baseline,
and the anomaly list (of a building, or of every building under an org node).

The anomaly query returns kinds as codes; ``fetch_anomaly_rows`` adds their labels in both
languages (``kind_label_zh`` / ``kind_label_en``), so the grid's ``*_zh`` column shows the English
label to English readers without a page localizer.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from data.queries.energy_baseline import fetch_building_load_profile, fetch_energy_anomalies
from data.queries.view import ViewContext
from presentation.figures.energy_baseline import make_load_profile_figure
from presentation.i18n import t

from .spec import GridColumn, PanelSpec


def kind_label(kind: str, lang: str) -> str:
    return t(f"energy_anomaly.kind.{kind}", lang)


def fetch_anomaly_rows(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """``fetch_energy_anomalies`` with ``kind_label_zh`` and ``kind_label_en``."""
    frame = fetch_energy_anomalies(conn, view)
    if frame.empty:
        return frame.assign(kind_label_zh=pd.Series([], dtype=object), kind_label_en=pd.Series([], dtype=object))
    labels = {kind: (kind_label(kind, "zh"), kind_label(kind, "en")) for kind in frame["kind"].unique()}
    frame["kind_label_zh"] = [labels[k][0] for k in frame["kind"]]
    frame["kind_label_en"] = [labels[k][1] for k in frame["kind"]]
    return frame


ANOMALY_GRID = (
    GridColumn("day", "energy_page.col.day", kind="date", width=120, pinned=True),
    GridColumn("name_zh", "energy_page.col.name", width=200),
    GridColumn("kind_label_zh", "energy_page.col.anomaly_kind", width=140),
    GridColumn("actual_kwh", "energy_page.col.actual_kwh", kind="number", decimals=1, unit="kWh"),
    GridColumn("expected_kwh", "energy_page.col.expected_kwh", kind="number", decimals=1, unit="kWh"),
    GridColumn("extra_kwh", "energy_page.col.extra_kwh", kind="number", decimals=1, unit="kWh"),
    GridColumn("extra_cost_yuan", "energy_page.col.extra_cost", kind="number", decimals=1, unit="元"),
)

LOAD_PROFILE_PANEL = PanelSpec(
    key="load_profile",
    title_key="energy_page.load_profile.title",
    hint_key="energy_page.load_profile.hint",
    kind="graph",
    fetch=fetch_building_load_profile,
    build=make_load_profile_figure,
    show_at=("building",),
    width=2,
    wall=True,
)

ANOMALIES_PANEL = PanelSpec(
    key="anomalies",
    title_key="energy_page.anomalies.title",
    hint_key="energy_page.anomalies.hint",
    kind="grid",
    fetch=fetch_anomaly_rows,
    columns=ANOMALY_GRID,
    show_at=("org", "building"),
    width=2,
    drills="building",
)

__all__ = ["ANOMALIES_PANEL", "ANOMALY_GRID", "LOAD_PROFILE_PANEL", "fetch_anomaly_rows", "kind_label"]
