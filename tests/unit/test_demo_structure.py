"""The demo province's fixed skeleton, calendar, names and the list of injected anomalies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from data.demo import ANOMALY_KINDS, TIERS, get_tier, injected_anomalies
from data.demo.anomalies import plan_anomalies
from data.demo.names import id_numbers, person_names, phone_numbers
from data.demo.structure import build_structure
from data.demo.workdays import calendar_frame, weather_frames

DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo-data.md"


@pytest.mark.parametrize("tier", ["tiny", "small"])
def test_structure_has_the_tier_counts(tier):
    spec = get_tier(tier)
    s = build_structure(spec)
    agencies = s.orgs[s.orgs["level"] == "agency"]
    assert len(agencies) == spec.province_agencies + spec.cities * (
        spec.city_agencies + spec.counties_per_city * spec.county_agencies
    )
    assert (s.orgs["level"] == "county").sum() == spec.cities * spec.counties_per_city
    assert len(s.buildings) == spec.buildings
    assert len(s.vehicles) == spec.vehicles
    assert len(s.assets) == spec.assets
    assert len(s.housing_units) == spec.housing_units
    assert set(agencies["id"]) <= set(s.buildings["org_id"]), "every agency has a building"
    assert s.orgs["code"].is_unique and s.vehicles["plate"].is_unique and s.buildings["code"].is_unique


def test_org_paths_are_materialised_ancestor_chains():
    s = build_structure(get_tier("small"))
    by_id = s.orgs.set_index("id")
    for row in s.orgs.itertuples():
        chain = [int(p) for p in row.path.strip("/").split("/")]
        assert chain[-1] == row.id
        assert row.depth == len(chain) - 1
        if row.level != "province":
            assert by_id.at[int(row.parent_id), "path"] + f"{row.id}/" == row.path
        if row.level == "agency":
            assert row.admin_level == by_id.at[int(row.parent_id), "level"]


def test_structure_does_not_depend_on_anything_but_the_tier():
    a, b = build_structure(get_tier("tiny")), build_structure(get_tier("tiny"))
    assert a.orgs.equals(b.orgs) and a.vehicles.equals(b.vehicles) and a.assets.equals(b.assets)


@pytest.mark.parametrize("tier", list(TIERS))
def test_every_anomaly_kind_is_injected_once_with_existing_codes(tier):
    anomalies = injected_anomalies(tier)
    assert sorted(a.kind for a in anomalies) == sorted(ANOMALY_KINDS)
    s = build_structure(get_tier(tier))
    known = set(s.buildings["code"]) | set(s.vehicles["plate"]) | set(s.assets["code"]) | set(s.housing_units["code"])
    for anomaly in anomalies:
        assert anomaly.entity_codes
        assert anomaly.org_code in set(s.orgs["code"])
        if anomaly.entity_kind in ("building", "vehicle", "asset", "housing_unit"):
            assert set(anomaly.entity_codes) <= known
    plan = plan_anomalies(s)
    assert plan.weekend_vehicle_id != plan.fuel_mismatch_vehicle_id
    assert plan.night_leak_building_id not in plan.stale_building_ids
    assert len(plan.idle_asset_ids) == 12


@pytest.mark.parametrize("tier", ["small", "province"])
def test_docs_list_the_exact_codes_of_the_injected_anomalies(tier):
    text = DOCS.read_text(encoding="utf-8")
    for anomaly in injected_anomalies(tier):
        for code in anomaly.entity_codes:
            assert code in text, f"{tier}: {anomaly.kind} code {code} missing from docs/demo-data.md"


def test_calendar_knows_holidays_and_make_up_working_days():
    cal = calendar_frame(dt.date(2025, 1, 1), dt.date(2026, 12, 31)).set_index("day")

    def day(text):
        return cal.loc[np.datetime64(text)]

    assert not day("2025-10-01").is_workday and day("2025-10-01").holiday_zh
    assert not day("2025-10-08").is_workday
    assert day("2025-09-28").is_workday and day("2025-09-28").holiday_zh == "调休上班"  # a Sunday
    assert not day("2026-02-17").is_workday  # Spring Festival 2026
    assert day("2026-02-14").is_workday  # make-up Saturday
    assert not day("2026-11-21").is_workday and day("2026-11-23").is_workday  # plain weekend, plain Monday
    assert day("2026-01-10").heating_season and not day("2026-07-01").heating_season
    workdays_2025 = cal.loc["2025-01-01":"2025-12-31", "is_workday"].sum()
    assert 245 <= workdays_2025 <= 252


def test_approximate_calendar_covers_years_without_an_official_schedule():
    cal = calendar_frame(dt.date(2030, 1, 1), dt.date(2030, 12, 31)).set_index("day")
    assert not cal.loc[np.datetime64("2030-10-03"), "is_workday"]
    assert not cal.loc[np.datetime64("2030-02-03"), "is_workday"]  # Spring Festival


def test_weather_is_seasonal():
    rng = np.random.Generator(np.random.PCG64(1))
    frame, temps = weather_frames(rng, np.array([10, 11]), np.array([36.0, 38.0]), dt.date(2025, 1, 1), 365)
    assert len(frame) == 730
    assert temps[:, 190:220].mean() - temps[:, 0:30].mean() > 20
    assert (frame["temp_min_c"] <= frame["temp_mean_c"]).all() and (frame["temp_mean_c"] <= frame["temp_max_c"]).all()


def test_personal_data_is_fake_but_well_formed():
    rng = np.random.Generator(np.random.PCG64(3))
    ids = id_numbers(rng, 200)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for number in ids:
        assert len(number) == 18 and number.startswith("99")
        assert "10X98765432"[sum(int(c) * w for c, w in zip(number[:17], weights)) % 11] == number[17]
    assert all(p.startswith("100") and len(p) == 11 for p in phone_numbers(rng, 50))
    assert all(2 <= len(n) <= 3 for n in person_names(rng, 50))
