"""The energy page's declaration: every panel has a query and (for graphs) a builder taking the
declared keywords, every title, hint and column key is in both languages, and the options
functions give their builders what they expect."""

from __future__ import annotations

import inspect

import pytest

from data.catalog import METRICS_BY_ID
from data.queries.view import ViewContext
from data.scope import Scope
from presentation.i18n import CATALOG
from views.energy import ENERGY_PAGE, indicator
from views.spec import PageSpec


def node(level: str = "agency") -> dict:
    return {
        "org_id": 4,
        "parent_id": 2,
        "level": level,
        "admin_level": "city",
        "name_zh": "甲",
        "name_en": "A",
        "path": "/1/2/4/",
        "depth": 2,
    }


def view(**changes) -> ViewContext:
    return ViewContext(domain="energy", scope=Scope(1, "/1/"), node=node(), **{"entity_id": 4, **changes})


def test_the_declaration():
    assert isinstance(ENERGY_PAGE, PageSpec)
    assert (ENERGY_PAGE.key, ENERGY_PAGE.domain, ENERGY_PAGE.path, ENERGY_PAGE.leaf) == (
        "energy",
        "energy",
        "/energy",
        "building",
    )
    assert ENERGY_PAGE.default_metric() == "energy.electricity_kwh"
    assert all(metric in METRICS_BY_ID for metric in ENERGY_PAGE.indicators)
    assert set(ENERGY_PAGE.tiles) == {"org", "building"}
    for tiles in ENERGY_PAGE.tiles.values():
        assert callable(tiles.fetch) and all(metric in METRICS_BY_ID for metric in tiles.metrics)
    keys = [panel.key for panel in ENERGY_PAGE.panels]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("panel", ENERGY_PAGE.panels, ids=lambda p: p.key)
def test_every_panel_has_its_query_builder_and_messages(panel):
    assert list(inspect.signature(panel.fetch).parameters)[:2] == ["conn", "view"]
    hint = (panel.hint_key,) if panel.hint_key else ()  # a hint is optional (the alerts list needs none)
    for key in (panel.title_key, *hint, *(column.title_key for column in panel.columns)):
        assert key in CATALOG and all(CATALOG[key]), key
    if panel.kind == "graph":
        parameters = inspect.signature(panel.build).parameters
        assert {"lang", "theme", "font_size"} <= set(parameters)
        options = panel.options(view(metric="energy.co2_t")) if panel.options else {}
        assert set(options) <= set(parameters), panel.key
    if panel.kind == "grid":
        assert panel.columns and panel.drills == "building"


def test_panels_by_level():
    agency = [p.key for p in ENERGY_PAGE.panels_at("org", "agency")]
    province = [p.key for p in ENERGY_PAGE.panels_at("org", "province")]
    building = [p.key for p in ENERGY_PAGE.panels_at("building")]
    assert "building_ranking" in agency and "ranking" not in agency and "peers" not in agency
    assert {"ranking", "peers"} <= set(province) and "building_ranking" not in province
    assert "buildings" not in province and "buildings" in agency  # a province holds thousands
    assert building == [
        "trend",
        "load_profile",
        "building_ranking",
        "alerts",
        "breakdown",
        "heatmap",
        "intensity",
        "anomalies",
    ]


def test_options_follow_the_selected_indicator():
    assert indicator(view(metric="energy.water_m3")) == "energy.water_m3"
    assert indicator(view(metric="vehicle.km")) == "energy.electricity_kwh"  # not this page's
    trend = ENERGY_PAGE.panel("trend").options(view(metric="energy.co2_t"))
    assert trend == {"metric_id": "energy.co2_t", "unit": "tCO₂"}
    ranking = ENERGY_PAGE.panel("building_ranking").options(view(entity_kind="building", entity_id=10))
    assert ranking["highlight"] == "building:10" and ranking["unit"] == "kWh"


def test_the_wall_version_fits_one_screen():
    """A wall screen shows the tiles and at most four panels (two rows of two), no list."""
    for entity_kind, level in (("org", "province"), ("org", "agency"), ("building", None)):
        wall = ENERGY_PAGE.panels_at(entity_kind, level, wall=True)
        assert 1 <= len(wall) <= 4 and all(panel.kind != "grid" for panel in wall), (entity_kind, [p.key for p in wall])
