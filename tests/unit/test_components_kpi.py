"""KPI tiles as data: number formatting with Chinese units, status, comparison lines, and the
tile tree built from a three-row frame (empty and all-missing frames give the empty state)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from components import ids
from components.kpi import build_kpi_tile, build_kpi_tiles, build_overview_groups
from data.kpi_status import kpi_status
from presentation.format import format_number, format_quantity, reference_text

NAN = float("nan")


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (1234567, "kWh", "zh", ("123.5", "万kWh")),
        (2.5e8, "元", "zh", ("2.50", "亿元")),
        (12_345_678_901, "元", "zh", ("123.5", "亿元")),
        (9999, "件", "zh", ("9,999", "件")),
        (1234567, "kWh", "en", ("1.23M", "kWh")),
        (3.2e9, "元", "en", ("3.20bn", "CNY")),
        (42, "辆", "en", ("42", "vehicles")),
        (42, "辆", "zh", ("42", "辆")),
        (16.50838, "%", "zh", ("16.5", "%")),
        (95.0, "%", "en", ("95.0", "%")),
        (14.280778, "kgce/m²", "zh", ("14.28", "kgce/m²")),
        (623.16, "kgce/person", "zh", ("623.2", "kgce/人")),
        (123456.0, "元/百公里", "zh", ("123,456", "元/百公里")),  # a rate is never scaled
        (304.57, "tce", "zh", ("304.6", "吨标准煤")),
        (NAN, "kWh", "zh", ("—", "kWh")),
        (None, "件", "en", ("—", "items")),
        (-25000, "元", "zh", ("-2.50", "万元")),
    ],
)
def test_format_number(value, unit, lang, expected):
    assert format_number(value, unit, lang) == expected


def test_format_quantity_joins_number_and_unit_per_language():
    assert format_quantity(120, "辆", "zh") == "120辆"
    assert format_quantity(120, "辆", "en") == "120 vehicles"
    assert format_quantity(18.48, "kgce/m²", "en") == "18.48 kgce/m²"
    assert format_quantity(18.48, "kgce/m²", "zh") == "18.48 kgce/m²"
    assert format_quantity(1234567, "kWh", "zh") == "123.5万kWh"


@pytest.mark.parametrize(
    ("value", "reference", "kind", "bad", "expected"),
    [
        (NAN, 10.0, "yoy", "up", "none"),
        (10.0, NAN, "yoy", "up", "neutral"),
        (10.0, 10.0, "", "up", "neutral"),
        (43, 42, "quota", "none", "bad"),
        (42, 42, "quota", "none", "good"),
        (19.0, 18.48, "baseline", "up", "warn"),
        (14.0, 18.48, "baseline", "up", "good"),
        (112.0, 100.0, "yoy", "up", "bad"),
        (105.0, 100.0, "yoy", "up", "warn"),
        (101.0, 100.0, "yoy", "up", "neutral"),
        (95.0, 100.0, "yoy", "up", "good"),
        (95.0, 100.0, "yoy", "down", "warn"),
        (120.0, 100.0, "yoy", "down", "good"),
        (120.0, 100.0, "yoy", "none", "neutral"),
        (5.0, 0.0, "yoy", "up", "neutral"),
        (69.0, 403.0, "of_total", "up", "neutral"),
    ],
)
def test_kpi_status(value, reference, kind, bad, expected):
    assert kpi_status(value, reference, kind, bad) == expected


def test_reference_text():
    assert reference_text("energy.electricity_kwh", 110.0, 100.0, "yoy", "kWh", "zh") == "同比 ▲10.0%"
    assert reference_text("energy.electricity_kwh", 90.0, 100.0, "yoy", "kWh", "en") == "YoY ▼10.0%"
    assert reference_text("energy.night_share", 16.5, 16.4, "yoy", "%", "zh") == "同比 ▲0.1 个百分点"
    assert reference_text("vehicle.fleet", 42, 45, "quota", "辆", "zh") == "编制 45辆"
    assert reference_text("vehicle.fleet", 42, 45, "quota", "辆", "en") == "Approved 45 vehicles"
    assert (
        reference_text("energy.kgce_per_m2", 14.2, 18.48, "baseline", "kgce/m²", "zh") == "2020年全国基数 18.48 kgce/m²"
    )
    assert reference_text("energy.kgce_per_m2", 14.2, 16.0, "quota", "kgce/m²", "zh") == "定额约束值 16 kgce/m²"
    assert reference_text("vehicle.offhours_trips", 69.0, 403.0, "of_total", "次", "zh") == "占出车次数 17.1%"
    assert reference_text("asset.net_value_yuan", 6.0, 10.0, "of_total", "元", "en") == "60.0% of original value"
    assert reference_text("asset.idle_count", 1.0, 8.0, "of_total", "件", "zh") == "占比 12.5%"
    assert reference_text("vehicle.km", 1.0, NAN, "yoy", "km", "zh") == ""
    assert reference_text("vehicle.km", NAN, 1.0, "yoy", "km", "zh") == ""
    assert reference_text("vehicle.utilization", 45.0, NAN, "", "%", "zh") == ""


def _kpis() -> pd.DataFrame:
    as_of = dt.date(2026, 11, 20)
    return pd.DataFrame(
        [
            {
                "metric_id": "energy.total_kgce",
                "period": "ytd",
                "value": 304.57,
                "unit": "tce",
                "reference": 307.4,
                "reference_kind": "yoy",
                "as_of": as_of,
                "org_id": 1,
            },
            {
                "metric_id": "vehicle.fleet",
                "period": "now",
                "value": 46.0,
                "unit": "辆",
                "reference": 42.0,
                "reference_kind": "quota",
                "as_of": as_of,
                "org_id": 1,
            },
            {
                "metric_id": "housing.area_per_person",
                "period": "now",
                "value": NAN,
                "unit": "m²/人",
                "reference": NAN,
                "reference_kind": "",
                "as_of": as_of,
                "org_id": 1,
            },
        ]
    )


def _texts(component) -> list[str]:
    """Every string in a component tree, depth first."""
    out = []
    children = getattr(component, "children", None)
    if isinstance(children, str):
        out.append(children)
    elif isinstance(children, (list, tuple)):
        for child in children:
            out += [child] if isinstance(child, str) else _texts(child)
    elif children is not None:
        out += _texts(children)
    return out


def _find(component, class_name: str) -> list:
    found = []
    if class_name in (getattr(component, "className", None) or "").split():
        found.append(component)
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            if not isinstance(child, str):
                found += _find(child, class_name)
    elif children is not None and not isinstance(children, str):
        found += _find(children, class_name)
    return found


def test_kpi_tile_tree_in_chinese():
    tiles = build_kpi_tiles(_kpis(), lang="zh")
    assert len(tiles) == 3
    energy, fleet, area = tiles
    assert energy.id == ids.kpi_tile("energy.total_kgce")
    assert getattr(energy, "data-metric-id") == "energy.total_kgce"
    assert energy.className == "aocc-kpi aocc-kpi--neutral"  # −0.9 % year on year
    assert _texts(energy) == ["综合能耗", "本年累计", "304.6", "吨标准煤", "同比 ▼0.9%", "来源"]
    sources = _find(energy, "aocc-kpi__sources")[0]
    assert sources.id == ids.kpi_source("energy.total_kgce")
    assert getattr(sources, "data-metric-id") == "energy.total_kgce"
    assert fleet.className == "aocc-kpi aocc-kpi--bad"  # 46 vehicles against a quota of 42
    assert _texts(fleet) == ["车辆总数", "当前", "46", "辆", "编制 42辆", "来源"]
    assert area.className == "aocc-kpi aocc-kpi--none"
    assert _texts(area) == ["人均办公面积", "当前", "—", "m²/人", "", "来源"]


def test_kpi_tile_in_english():
    tile = build_kpi_tile(_kpis().iloc[1].to_dict(), lang="en")
    assert _texts(tile) == ["Fleet size", "Current", "46", "vehicles", "Approved 42 vehicles", "Sources"]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame(
            columns=["metric_id", "period", "value", "unit", "reference", "reference_kind", "as_of", "org_id"]
        ),
        _kpis().assign(value=NAN),
    ],
)
def test_no_values_show_the_empty_state(frame):
    (block,) = build_kpi_tiles(frame, lang="zh")
    assert "aocc-state--empty" in block.className
    assert "暂无数据" in _texts(block)
    (block,) = build_overview_groups(frame.assign(domain="energy"), lang="en", hrefs={})
    assert "No data" in _texts(block)


def test_overview_groups_by_domain_with_links():
    frame = _kpis().assign(domain=["energy", "vehicle", "housing"])
    groups = build_overview_groups(
        frame, lang="zh", hrefs={"energy": "/energy?org=3", "vehicle": "/vehicles?org=3", "housing": "/housing?org=3"}
    )
    assert [getattr(g, "data-domain") for g in groups] == ["energy", "vehicle", "housing"]
    link = _find(groups[0], "aocc-group__link")[0]
    assert link.href == "/energy?org=3"
    assert _texts(groups[0])[:2] == ["能耗", "详情 ›"]
    assert len(_find(groups[1], "aocc-kpi")) == 1
    assert not math.isnan(frame["value"].iloc[0])
