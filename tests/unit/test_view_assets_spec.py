"""The asset page's declaration: panels per level, the wall, drills, and that every graph panel's
figure builder draws its query's empty frame and every message key exists."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from data.queries.asset_panels import (
    CATEGORY_COLUMNS,
    DISPOSAL_COLUMNS,
    UNIT_COLUMNS,
    WAREHOUSE_COLUMNS,
)
from presentation.i18n import has
from views.assets import ASSETS_PAGE, INDICATORS, localize_asset_page_frame


def test_page_identity_and_indicators():
    assert (ASSETS_PAGE.key, ASSETS_PAGE.domain, ASSETS_PAGE.path, ASSETS_PAGE.leaf) == (
        "assets",
        "asset",
        "/assets",
        "asset",
    )
    assert ASSETS_PAGE.default_metric() == "asset.idle_rate"
    assert ASSETS_PAGE.indicators == INDICATORS and "asset.redeploy_saved_yuan" in INDICATORS
    assert "asset.redeploy_saved_yuan" in ASSETS_PAGE.tiles["org"].metrics


def test_wall_shows_the_savings_ranking_categories_and_alerts():
    wall = [p.key for p in ASSETS_PAGE.panels_at("org", "province", wall=True)]
    assert wall == ["warehouse", "ranking", "category", "alerts"]


def test_org_panels_in_reading_order_and_drills():
    keys = [p.key for p in ASSETS_PAGE.panels_at("org", "city")]
    assert keys[:4] == ["warehouse", "ranking", "category", "alerts"]
    assert {"units", "disposals", "unit_table", "category_table"} <= set(keys)
    assert ASSETS_PAGE.panel("ranking").drills == "org" and ASSETS_PAGE.panel("units").drills == "org"
    assert ASSETS_PAGE.panel("unit_table").drills == "org"
    assert "_drill" in UNIT_COLUMNS


def test_lists_open_below_the_city_and_one_asset_shows_its_life():
    county = [p.key for p in ASSETS_PAGE.panels_at("county", None)] + [
        p.key for p in ASSETS_PAGE.panels_at("org", "county")
    ]
    assert {"list", "audit_overdue", "no_custodian", "crosscheck", "redeploy"} <= set(county)
    assert "list" not in [p.key for p in ASSETS_PAGE.panels_at("org", "province")]
    assert [p.key for p in ASSETS_PAGE.panels_at("asset")] == ["alerts", "book_value", "life"]
    assert ASSETS_PAGE.panel("list").drills == "asset"
    assert set(ASSETS_PAGE.tiles) == {"org", "asset"}


def test_message_keys_exist():
    for panel in ASSETS_PAGE.panels:
        assert has(panel.title_key), panel.title_key
        assert panel.hint_key is None or has(panel.hint_key), panel.hint_key
        for column in panel.columns:
            assert has(column.title_key), column.title_key


def test_builders_draw_empty_frames_in_both_languages_and_themes():
    empty = {
        "warehouse": WAREHOUSE_COLUMNS,
        "category": CATEGORY_COLUMNS,
        "units": UNIT_COLUMNS,
        "disposals": DISPOSAL_COLUMNS,
    }
    for key, columns in empty.items():
        build = ASSETS_PAGE.panel(key).build
        for lang in ("zh", "en"):
            for theme in ("light", "dark"):
                figure = build(pd.DataFrame(columns=columns), lang=lang, theme=theme, font_size=20)
                go.Figure(figure.to_dict())  # validates


def test_builders_draw_known_frames():
    months = [dt.date(2026, m, 1) for m in range(1, 4)]
    warehouse = pd.DataFrame(
        {"month": months, "inflow_count": [1.0, 0.0, 2.0], "redeployed_count": [0.0, 1.0, 0.0],
         "saved_yuan": [0.0, 28000.0, 0.0], "saved_ytd_yuan": [0.0, 28000.0, 28000.0],
         "is_partial": [False, False, True]}
    )  # fmt: skip
    figure = ASSETS_PAGE.panel("warehouse").build(warehouse, lang="zh", theme="dark", font_size=24)
    go.Figure(figure.to_dict())
    assert [trace.y[1] for trace in figure.data[:2]] == [2.8, 2.8]  # in 万元
    units = pd.DataFrame(
        {"org_id": [3], "_drill": ["org:3"], "name_zh": ["甲"], "name_en": ["A"], "count": [3.0], "in_use": [2.0],
         "idle": [1.0], "warehouse": [0.0], "idle_rate": [100 / 3], "original_value_yuan": [1.0],
         "net_value_yuan": [1.0], "depreciation_yuan": [0.0], "audit_overdue": [0.0], "no_custodian": [0.0]}
    )  # fmt: skip
    figure = ASSETS_PAGE.panel("units").build(units, lang="en", theme="light")
    go.Figure(figure.to_dict())
    assert figure.data[0].customdata[0][0] == "org:3" and list(figure.data[0].y) == ["A"]
    assert list(localize_asset_page_frame(units, "en")["name"]) == ["A"]
