"""The energy page's panels on a tiny province with round numbers, on SQLite and PostgreSQL;
expected figures are worked out from compare_world's constants, day by day in Python."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from compare_world import (
    BUILDINGS,
    FUEL_PER_DAY,
    GAS_PER_DAY,
    KWH,
    QUOTA_PER_M2,
    WATER_PER_DAY,
    heating,
    world,  # noqa: F401  (fixture)
)

from data.db import get_engine
from data.queries.energy_panels import (
    BREAKDOWN_COLUMNS,
    BUILDING_COLUMNS,
    HEATMAP_COLUMNS,
    INTENSITY_COLUMNS,
    fetch_agency_buildings,
    fetch_energy_breakdown,
    fetch_energy_heatmap,
    fetch_energy_intensity,
)
from data.queries.energy_tiles import fetch_energy_period_tiles
from data.queries.kpi import KPI_COLUMNS
from data.reference import ENERGY_COEFFICIENTS, PLAN_TARGETS

COEF = {code: value for code, value, *_ in ENERGY_COEFFICIENTS}
PLAN = {code: value for code, value, *_ in PLAN_TARGETS}
AREA = {b: area for b, _, _, area, _, _ in BUILDINGS}
HEATED = {b: heated for b, _, _, _, heated, _ in BUILDINGS}
OCCUPANTS = {b: occupants for b, *_, occupants in BUILDINGS}


def _run(world, fn, view):
    with get_engine(world.url).connect() as conn:
        return fn(conn, view)


def _days(start: dt.date, end: dt.date):
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def test_breakdown_of_an_agency_in_standard_coal(world):
    frame = _run(world, fetch_energy_breakdown, world.view(4)).set_index("carrier")
    assert list(frame.reset_index().columns) == BREAKDOWN_COLUMNS
    assert list(frame.index) == ["electricity", "gas", "vehicle_fuel", "water"]  # no heat recorded
    tce = {
        "electricity": 300 * 15 * COEF["electricity_kgce_per_kwh"] / 1000,
        "gas": GAS_PER_DAY * 15 * COEF["gas_kgce_per_m3"] / 1000,
        "vehicle_fuel": FUEL_PER_DAY * 15 * COEF["petrol_kgce_per_l"] / 1000,
    }
    for carrier, expected in tce.items():
        assert frame.loc[carrier, "tce"] == pytest.approx(expected)
        assert frame.loc[carrier, "share"] == pytest.approx(expected / sum(tce.values()))
    assert frame.loc["electricity", "quantity"] == pytest.approx(4500.0)
    assert frame.loc["electricity", "change_pct"] == pytest.approx((300 - 230) / 230 * 100)
    assert frame.loc["gas", "change_pct"] == pytest.approx(0.0)
    assert (
        frame.loc["water", "quantity"] == pytest.approx(2 * WATER_PER_DAY * 15) and frame.loc["water", "unit"] == "m³"
    )
    assert math.isnan(frame.loc["water", "tce"]) and math.isnan(frame.loc["water", "share"])


def test_breakdown_of_a_building_has_no_vehicle_fuel(world):
    frame = _run(world, fetch_energy_breakdown, world.view(building_id=11))
    assert frame["carrier"].tolist() == ["electricity", "water"]
    assert frame.loc[0, "share"] == pytest.approx(1.0)
    assert _run(world, fetch_energy_breakdown, world.view(3)).empty


def test_heatmap_averages_per_weekday(world):
    for view in (world.view(building_id=10), world.view(4)):
        frame = _run(world, fetch_energy_heatmap, view)
        assert list(frame.columns) == HEATMAP_COLUMNS and len(frame) == 7 * 24
        cells = frame.set_index(["weekday", "hour"])["value"]
        assert all(cells[(w, 9)] == pytest.approx(10.0) for w in range(7))
        assert cells[(0, 8)] == 0.0
    assert _run(world, fetch_energy_heatmap, world.view(building_id=11)).empty
    assert _run(world, fetch_energy_heatmap, world.view(5)).empty


def _building_kgce(building: int, days) -> float:
    kwh = sum(KWH[d.year][building] for d in days)
    gas = GAS_PER_DAY * len(days) if building == 10 else 0.0
    return kwh * COEF["electricity_kgce_per_kwh"] + gas * COEF["gas_kgce_per_m3"]


def test_intensity_of_a_building_against_its_units_quota(world):
    frame = _run(world, fetch_energy_intensity, world.view(building_id=10)).set_index("basis")
    assert list(frame.reset_index().columns) == INTENSITY_COLUMNS
    year = _days(dt.date(2025, 3, 16), dt.date(2026, 3, 15))
    kgce = _building_kgce(10, year)
    assert frame.loc["per_m2", "value"] == pytest.approx(kgce / AREA[10])
    assert frame.loc["per_person", "value"] == pytest.approx(kgce / OCCUPANTS[10])
    season = [d for d in year if heating(d)]
    assert frame.loc["per_heated_m2", "value"] == pytest.approx(_building_kgce(10, season) / HEATED[10])
    assert frame.loc["per_m2", ["limit", "benchmark", "guide"]].tolist() == list(QUOTA_PER_M2)
    assert frame.loc["per_m2", "plan_target"] == pytest.approx(PLAN["baseline_2020_kgce_per_m2"] * 0.95)
    assert frame.loc["per_person", "plan_target"] == pytest.approx(PLAN["baseline_2020_kgce_per_person"] * 0.94)
    assert math.isnan(frame.loc["per_person", "limit"]) and math.isnan(frame.loc["per_heated_m2", "plan_target"])


def test_intensity_of_an_org_node_counts_vehicle_fuel(world):
    frame = _run(world, fetch_energy_intensity, world.view(4)).set_index("basis")
    year = _days(dt.date(2025, 3, 16), dt.date(2026, 3, 15))
    kgce = _building_kgce(10, year) + _building_kgce(11, year) + FUEL_PER_DAY * 365 * COEF["petrol_kgce_per_l"]
    assert frame.loc["per_m2", "value"] == pytest.approx(kgce / (AREA[10] + AREA[11]))
    assert frame.loc["per_person", "value"] == pytest.approx(kgce / 100)


def test_intensity_before_a_year_of_data_is_empty(world):
    assert _run(world, fetch_energy_intensity, world.view(4, end=dt.date(2025, 6, 30))).empty


def test_buildings_grid(world):
    frame = _run(world, fetch_agency_buildings, world.view(2))
    assert list(frame.columns) == BUILDING_COLUMNS
    assert frame["_drill"].tolist() == ["building:11", "building:10", "building:12"]
    assert frame["kwh"].tolist() == pytest.approx([3000.0, 1500.0, 750.0])
    assert frame.loc[0, "change_pct"] == pytest.approx((200 - 150) / 150 * 100)
    assert frame.loc[1, "kgce_per_m2"] == pytest.approx(
        _building_kgce(10, _days(dt.date(2026, 3, 1), dt.date(2026, 3, 15))) / AREA[10]
    )
    assert frame.loc[2, ["org_name_zh", "code"]].tolist() == ["甲市教育局", "B12"]
    assert _run(world, fetch_agency_buildings, world.view(3)).empty


def test_building_tiles(world):
    tiles = _run(world, fetch_energy_period_tiles, world.view(building_id=10)).set_index("metric_id")
    assert list(tiles.reset_index().columns) == KPI_COLUMNS
    assert list(tiles.index) == [
        "energy.total_kgce",
        "energy.electricity_kwh",
        "energy.kgce_per_m2",
        "energy.night_share",
        "energy.co2_t",
    ]
    assert tiles.loc["energy.electricity_kwh", ["value", "reference"]].tolist() == pytest.approx([1500.0, 1200.0])
    assert (
        tiles.loc["energy.electricity_kwh", "period"] == "mtd"
        and tiles.loc["energy.electricity_kwh", "reference_kind"] == "yoy"
    )
    assert tiles.loc["energy.total_kgce", "unit"] == "tce"
    assert tiles.loc["energy.kgce_per_m2", ["reference", "reference_kind"]].tolist() == [QUOTA_PER_M2[0], "quota"]
    assert tiles.loc["energy.night_share", "value"] == pytest.approx(20.0)
    assert tiles.loc["energy.co2_t", "value"] == pytest.approx(
        1500 * COEF["grid_tco2_per_mwh"] / 1000 + 150 * COEF["gas_tco2_per_m3"]
    )
    previous = _run(world, fetch_energy_period_tiles, world.view(building_id=12, compare="prev", period="week"))
    assert set(previous["reference_kind"]) == {"prev", "baseline"} and set(previous["period"]) == {"week", "l12m"}


def test_org_tiles_follow_the_period(world):
    """The unit's tiles sum its subtree over the period the user picked, like its buildings grid."""
    month = _run(world, fetch_energy_period_tiles, world.view(2)).set_index("metric_id")
    year = _run(world, fetch_energy_period_tiles, world.view(2, period="year")).set_index("metric_id")
    assert list(month.index) == [
        "energy.total_kgce",
        "energy.electricity_kwh",
        "energy.kgce_per_m2",
        "energy.kgce_per_person",
        "energy.night_share",
        "energy.co2_t",
    ]
    assert "status" in month.columns and month.loc["energy.electricity_kwh", "period"] == "mtd"
    assert year.loc["energy.electricity_kwh", "period"] == "ytd"
    grid = _run(world, fetch_agency_buildings, world.view(2, period="year"))
    assert year.loc["energy.electricity_kwh", "value"] == pytest.approx(grid["kwh"].sum())
    assert year.loc["energy.electricity_kwh", "value"] > month.loc["energy.electricity_kwh", "value"]
