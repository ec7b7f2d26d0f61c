"""The energy page (能耗), declared: its tiles, its panels and where each shows.

An org node shows its trend, the ranking and the peer matrix of the units one level down (its
buildings, at an agency), the energy mix, the hour × weekday profile, intensity against the
quota tiers and the buildings under it; a building shows its own tiles, trend, mix, profile and
intensity, and its place among its agency's buildings. The indicator a user picks drives the
trend, the ranking and the peer matrix.
"""

from __future__ import annotations

from data.catalog import get_metric
from data.queries.compare import fetch_metric_trend, fetch_peer_matrix
from data.queries.energy_panels import (
    fetch_agency_buildings,
    fetch_energy_breakdown,
    fetch_energy_heatmap,
    fetch_energy_intensity,
)
from data.queries.energy_projection import fetch_projection, projection_frame, projection_summary
from data.queries.energy_tiles import fetch_energy_period_tiles
from presentation.energy_text import projection_sentence
from presentation.figures.compare import make_metric_trend_figure, make_peer_matrix_figure
from presentation.figures.energy_panels import (
    make_energy_breakdown_figure,
    make_energy_heatmap_figure,
    make_energy_intensity_figure,
)
from presentation.figures.energy_projection import make_energy_projection_figure

from .energy_baseline import ANOMALIES_PANEL, LOAD_PROFILE_PANEL
from .panels import fetch_ranking_with_position, make_ranking_with_position_figure, open_alerts_panel
from .spec import GridColumn, PageSpec, PanelSpec, TileSpec

INDICATORS = (
    "energy.electricity_kwh",
    "energy.total_kgce",
    "energy.water_m3",
    "energy.gas_m3",
    "energy.heat_gj",
    "energy.co2_t",
)
ABOVE_AGENCY = ("province", "city", "county")


def indicator(view) -> str:
    """The indicator the view asks for, when the page offers it; else the page's default."""
    return view.metric if view.metric in INDICATORS else INDICATORS[0]


def fetch_org_tiles(conn, view):
    """The unit's tiles for the period picked (``data.queries.energy_tiles``), judged by the alert rules."""
    return fetch_energy_period_tiles(conn, view)


def fetch_trend(conn, view):
    return fetch_metric_trend(conn, view, indicator(view))


def fetch_ranking(conn, view):
    return fetch_ranking_with_position(conn, view, indicator(view), leaf="building")


def fetch_peers(conn, view):
    return fetch_peer_matrix(conn, view, indicator(view), leaf="building")


def fetch_projection_panel(conn, view):
    """The node's year-end projection for the year the period ends in, as of its last day of data
    (the whole year, for a year that is over); the summary rides along in ``attrs``."""
    projection = fetch_projection(conn, view.node, view.period.end)
    frame = projection_frame(projection)
    frame.attrs["summary"] = projection_summary(projection)
    return frame


def make_projection_figure(df, *, lang, theme, font_size=None):
    """The projection chart, titled with its sentence ("按当前进度，预计10月超出约束值12%")."""
    figure = make_energy_projection_figure(df, lang=lang, theme=theme, font_size=font_size)
    summary = df.attrs.get("summary")
    if summary:
        figure.layout.title = {"text": projection_sentence(summary, lang), "x": 0, "xanchor": "left"}
        figure.layout.margin.t = max(figure.layout.margin.t or 0, 56)
    return figure


def indicator_options(view) -> dict:
    """The selected indicator and its unit, for the trend and the comparisons."""
    metric = indicator(view)
    return {"metric_id": metric, "unit": get_metric(metric).unit}


def ranking_options(view) -> dict:
    """The unit and the entity to highlight (a building among its agency's)."""
    highlight = f"{view.entity_kind}:{view.entity_id}" if view.entity_kind != "org" else None
    return {**indicator_options(view), "highlight": highlight}


def peer_options(view) -> dict:
    return {"unit": get_metric(indicator(view)).unit}


BUILDING_GRID = (
    GridColumn("code", "energy_page.col.code", width=110, pinned=True),
    GridColumn("name_zh", "energy_page.col.name", width=200),
    GridColumn("org_name_zh", "energy_page.col.unit", width=180),
    GridColumn("floor_area_m2", "energy_page.col.floor_area", kind="number", unit="m²"),
    GridColumn("kwh", "energy_page.col.kwh", kind="number", unit="kWh"),
    GridColumn("kgce_per_m2", "energy_page.col.kgce_per_m2", kind="number", decimals=2, unit="kgce/m²"),
    GridColumn("change_pct", "energy_page.col.change", kind="number", decimals=1, unit="%"),
)

ENERGY_PAGE = PageSpec(
    key="energy",
    domain="energy",
    path="/energy",
    tiles={
        "org": TileSpec(
            metrics=(
                "energy.total_kgce",
                "energy.electricity_kwh",
                "energy.kgce_per_m2",
                "energy.kgce_per_person",
                "energy.night_share",
                "energy.co2_t",
            ),
            fetch=fetch_org_tiles,
        ),
        "building": TileSpec(
            metrics=(
                "energy.total_kgce",
                "energy.electricity_kwh",
                "energy.kgce_per_m2",
                "energy.night_share",
                "energy.co2_t",
            ),
            fetch=fetch_energy_period_tiles,
        ),
    },
    panels=(
        PanelSpec(
            key="trend",
            wall=True,
            title_key="energy_page.trend.title",
            hint_key="energy_page.trend.hint",
            kind="graph",
            fetch=fetch_trend,
            build=make_metric_trend_figure,
            options=indicator_options,
            show_at=("org", "building"),
            width=2,
        ),
        LOAD_PROFILE_PANEL,
        PanelSpec(
            key="ranking",
            wall=True,
            title_key="energy_page.ranking.title",
            hint_key="energy_page.ranking.hint",
            kind="graph",
            fetch=fetch_ranking,
            build=make_ranking_with_position_figure,
            options=ranking_options,
            org_levels=ABOVE_AGENCY,
            drills="org",
        ),
        PanelSpec(
            key="building_ranking",
            title_key="energy_page.building_ranking.title",
            hint_key="energy_page.building_ranking.hint",
            kind="graph",
            fetch=fetch_ranking,
            build=make_ranking_with_position_figure,
            options=ranking_options,
            show_at=("org", "building"),
            org_levels=("agency",),
            drills="building",
        ),
        open_alerts_panel(show_at=("org", "building")),
        PanelSpec(
            key="peers",
            title_key="energy_page.peers.title",
            hint_key="energy_page.peers.hint",
            kind="graph",
            fetch=fetch_peers,
            build=make_peer_matrix_figure,
            options=peer_options,
            org_levels=ABOVE_AGENCY,
            width=2,
            drills="org",
        ),
        PanelSpec(
            key="breakdown",
            title_key="energy_page.breakdown.title",
            hint_key="energy_page.breakdown.hint",
            kind="graph",
            fetch=fetch_energy_breakdown,
            build=make_energy_breakdown_figure,
            show_at=("org", "building"),
        ),
        PanelSpec(
            key="heatmap",
            wall=True,
            title_key="energy_page.heatmap.title",
            hint_key="energy_page.heatmap.hint",
            kind="graph",
            fetch=fetch_energy_heatmap,
            build=make_energy_heatmap_figure,
            show_at=("org", "building"),
        ),
        PanelSpec(
            key="intensity",
            title_key="energy_page.intensity.title",
            hint_key="energy_page.intensity.hint",
            kind="graph",
            fetch=fetch_energy_intensity,
            build=make_energy_intensity_figure,
            show_at=("org", "building"),
        ),
        PanelSpec(
            key="projection",
            title_key="energy_page.projection.title",
            hint_key="energy_page.projection.hint",
            kind="graph",
            fetch=fetch_projection_panel,
            build=make_projection_figure,
        ),
        PanelSpec(
            key="buildings",
            title_key="energy_page.buildings.title",
            hint_key="energy_page.buildings.hint",
            kind="grid",
            fetch=fetch_agency_buildings,
            columns=BUILDING_GRID,
            width=2,
            drills="building",
            # A county's or an agency's buildings: a province holds thousands, which the ranking
            # and the peer matrix compare by unit instead.
            org_levels=("county", "agency"),
        ),
        ANOMALIES_PANEL,
    ),
    leaf="building",
    indicators=INDICATORS,
)

__all__ = ["ENERGY_PAGE", "INDICATORS", "indicator"]
