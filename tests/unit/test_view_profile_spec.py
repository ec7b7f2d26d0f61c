"""The unit profile's declaration: registered, tiles grouped by the four domains (each a tile its
domain page shows), one width-1 panel per domain on the wall, every message in both languages;
the rank among peers (``peer_standing``) with known answers, and its figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from data.catalog import DOMAINS, get_metric
from data.queries.asset_panels import TILE_METRICS as ASSET_TILES
from data.queries.housing_panels import ORG_TILE_METRICS as HOUSING_TILES
from presentation.i18n import CATALOG, t
from presentation.theme import palette
from views.energy import ENERGY_PAGE
from views.profile import (
    PEER_COLUMNS,
    PROFILE_PAGE,
    RANK_INDICATORS,
    TILE_GROUPS,
    make_peer_rank_figure,
    peer_standing,
)
from views.registry import get_page
from views.vehicles import ORG_TILE_METRICS


def test_registered_as_an_org_page_without_a_leaf():
    assert get_page("profile") is PROFILE_PAGE
    assert PROFILE_PAGE.path == "/profile" and PROFILE_PAGE.leaf is None
    # none of the four domains: its as-of day is the latest of any flow, its alerts every domain's
    assert PROFILE_PAGE.domain not in DOMAINS
    assert set(PROFILE_PAGE.tiles) == {"org"} and PROFILE_PAGE.tiles["org"].layout == "groups"


def test_tiles_are_grouped_by_the_four_domains_and_each_is_a_domain_page_tile():
    assert [domain for domain, _ in TILE_GROUPS] == list(DOMAINS)
    pages = {
        "energy": set(ENERGY_PAGE.tiles["org"].metrics),
        "vehicle": set(ORG_TILE_METRICS),
        "asset": set(ASSET_TILES),
        "housing": set(HOUSING_TILES),
    }
    for domain, metrics in TILE_GROUPS:
        assert metrics and set(metrics) <= pages[domain], domain
        assert all(get_metric(m).domain == domain for m in metrics)
    assert PROFILE_PAGE.tiles["org"].metrics == tuple(m for _, ms in TILE_GROUPS for m in ms)
    # the figures: energy against its quota, fleet against its quota, idle and redeployed
    # assets, office space and turnover housing
    for metric in ("energy.total_kgce", "energy.kgce_per_person", "vehicle.fleet", "asset.idle_rate",
                   "asset.redeploy_saved_yuan", "housing.area_per_person", "housing.over_standard_area_m2",
                   "housing.occupancy_rate", "housing.waiting"):  # fmt: skip
        assert metric in PROFILE_PAGE.tiles["org"].metrics


def test_one_panel_per_domain_side_by_side_and_the_quota_charts_on_the_wall():
    keys = [p.key for p in PROFILE_PAGE.panels]
    assert keys == ["rank", "alerts", "energy", "vehicle", "asset", "housing"]
    domain_panels = [PROFILE_PAGE.panel(k) for k in ("energy", "vehicle", "asset", "housing")]
    assert all(p.width == 1 and p.kind == "graph" for p in domain_panels)
    wall = PROFILE_PAGE.panels_at("org", "city", wall=True)
    assert [p.key for p in wall] == ["energy", "vehicle"]  # one row under the two rows of grouped tiles
    for level in ("province", "city", "county", "agency"):
        assert PROFILE_PAGE.panels_at("org", level) == PROFILE_PAGE.panels
    assert PROFILE_PAGE.panel("alerts").kind == "alerts"


def test_every_message_exists_in_both_languages():
    keys = {"nav.profile", "page.profile.title", "page.profile.heading"}
    for panel in PROFILE_PAGE.panels:
        keys |= {panel.title_key} | ({panel.hint_key} if panel.hint_key else set())
    assert not sorted(k for k in keys if k not in CATALOG)
    assert t("nav.profile", "zh") == "单位画像"


def test_rank_indicators_span_the_domains_and_each_says_which_way_is_better():
    assert {get_metric(m).domain for m in RANK_INDICATORS} == set(DOMAINS)
    assert all(get_metric(m).bad_direction in ("up", "down") for m in RANK_INDICATORS)


def _values(pairs):
    return pd.Series({k: v for k, v in pairs}, dtype=float)


def test_peer_standing_when_higher_is_worse():
    values = _values([(1, 10.0), (2, 20.0), (3, 30.0), (4, 40.0), (5, np.nan)])
    best = peer_standing(values, 1, "up")
    assert best == {"value": 10.0, "count": 4, "rank": 1.0, "median": 25.0, "better_than": 100.0,
                    "standing": "better"}  # fmt: skip
    third = peer_standing(values, 3, "up")
    assert third["rank"] == 3.0 and third["standing"] == "worse"
    assert third["better_than"] == pytest.approx(100.0 / 3)


def test_peer_standing_when_higher_is_better_and_with_ties():
    values = _values([(1, 5.0), (2, 5.0), (3, 1.0)])
    assert peer_standing(values, 1, "down") == {"value": 5.0, "count": 3, "rank": 1.0, "median": 5.0,
                                                "better_than": 50.0, "standing": "even"}  # fmt: skip
    last = peer_standing(values, 3, "down")
    assert last["rank"] == 3.0 and last["better_than"] == 0.0 and last["standing"] == "worse"


def test_peer_standing_without_a_value_or_alone():
    missing = peer_standing(_values([(1, np.nan), (2, 3.0)]), 1, "up")
    assert missing["count"] == 1 and math.isnan(missing["rank"]) and missing["standing"] == ""
    alone = peer_standing(_values([(1, 3.0)]), 1, "up")
    assert alone["rank"] == 1.0 and alone["count"] == 1 and math.isnan(alone["better_than"])
    assert math.isnan(peer_standing(pd.Series(dtype=float), 7, "up")["value"])


def _frame(rows, *, scope_root=False):
    frame = pd.DataFrame(rows, columns=PEER_COLUMNS)
    frame.attrs.update(scope_root=scope_root, name_zh="江临市", name_en="Jiangling City")
    return frame


def _row(metric_id, value, rank, count, median, better_than, standing):
    metric = get_metric(metric_id)
    return [metric_id, metric.name_zh, metric.name_en, metric.unit, value, rank, count, median, better_than, standing]


def test_rank_figure_draws_one_bar_per_ranked_indicator():
    frame = _frame(
        [
            _row("asset.idle_rate", 2.0, 1.0, 4, 3.0, 100.0, "better"),
            _row("housing.area_per_person", 12.0, 4.0, 4, 9.0, 0.0, "worse"),
            _row("vehicle.cost_per_km", np.nan, np.nan, 3, 80.0, np.nan, ""),  # no value: not drawn
        ]
    )
    figure = make_peer_rank_figure(frame, lang="zh", theme="light")
    go.Figure(figure.to_dict())  # valid as plotly reads it
    (bar,) = figure.data
    assert list(bar.y) == ["资产闲置率", "人均办公面积"]
    assert list(bar.x) == [100.0, 0.0]
    assert list(bar.text) == ["第 1/4 位", "第 4/4 位"]
    colors = palette("light")
    assert list(bar.marker.color) == [colors["good"], colors["bad"]]
    assert bar.customdata[0].split("<br>")[1:] == ["本单位: 2.0%", "同级中位数: 3.0%", "优于同级中位数"]
    assert bar.customdata[1].split("<br>")[1:] == ["本单位: 12 m²/人", "同级中位数: 9 m²/人", "劣于同级中位数"]
    english = make_peer_rank_figure(frame, lang="en", theme="dark")
    assert list(english.data[0].text) == ["1 of 4", "4 of 4"]


def test_rank_figure_says_why_there_is_no_rank():
    root = make_peer_rank_figure(_frame([_row("asset.idle_rate", 2.0, np.nan, 0, np.nan, np.nan, "")], scope_root=True),
                                 lang="zh", theme="light")  # fmt: skip
    assert not root.data and "江临市是您可查看范围的最高一级" in root.layout.annotations[0].text
    alone = make_peer_rank_figure(_frame([_row("asset.idle_rate", 2.0, 1.0, 1, 2.0, np.nan, "even")]), lang="en",
                                  theme="light")  # fmt: skip
    assert not alone.data and alone.layout.annotations[0].text == t("profile_page.rank.no_peers", "en")
