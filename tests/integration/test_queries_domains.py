"""The page queries of the four domains and the overview against the hand-made province, on
SQLite and PostgreSQL: every KPI equals the figure computed independently from the leaf values
(sums of days in Python, reference defaults, the subtree's buildings and staff); a county scope's
totals are that county's; a node outside the scope is refused; an empty database gives empty
frames."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from data import queries as q
from data.db import get_engine, write_session
from data.models import EnergyQuota, OrgNode
from data.queries.kpi import KPI_COLUMNS
from data.reference import ENERGY_COEFFICIENTS, PLAN_TARGETS
from data.scope import OrgNotFound, OutOfScope, Scope, scope_for_org

from rollup_rows import AS_OF, rollup_db  # noqa: F401  (fixture)

D = dt.date
COEF = {code: value for code, value, *_ in ENERGY_COEFFICIENTS}
TARGETS = {code: value for code, value, *_ in PLAN_TARGETS}
MTD, MTD_PY = (D(2026, 11, 1), AS_OF), (D(2025, 11, 1), D(2025, 11, 20))
YTD, YTD_PY = (D(2026, 1, 1), AS_OF), (D(2025, 1, 1), D(2025, 11, 20))
L12M = (D(2025, 11, 21), AS_OF)
NOW = D(2026, 11, 1)
WORKDAYS_MTD = 15  # 2–6, 9–13, 16–20 November 2026 (no calendar rows: Monday–Friday)


def kgce(truth, org, window):
    return (
        truth.flow("energy.electricity_kwh", org, *window) * COEF["electricity_kgce_per_kwh"]
        + truth.flow("energy.gas_m3", org, *window) * COEF["gas_kgce_per_m3"]
        + truth.flow("energy.heat_gj", org, *window) * COEF["heat_kgce_per_gj"]
        + truth.flow("vehicle.fuel_l", org, *window) * COEF["petrol_kgce_per_l"]
    )


def co2(truth, org, window):
    return (
        truth.flow("energy.electricity_kwh", org, *window) / 1000 * COEF["grid_tco2_per_mwh"]
        + truth.flow("energy.gas_m3", org, *window) * COEF["gas_tco2_per_m3"]
        + truth.flow("vehicle.fuel_l", org, *window) * COEF["petrol_tco2_per_l"]
    )


def by_metric(frame):
    assert list(frame.columns)[: len(KPI_COLUMNS)] == KPI_COLUMNS
    return {row["metric_id"]: row for row in frame.to_dict("records")}


def expected_energy(truth, org):
    return {
        "energy.total_kgce": ("ytd", kgce(truth, org, YTD) / 1000, kgce(truth, org, YTD_PY) / 1000, "yoy", "tce"),
        "energy.electricity_kwh": (
            "mtd",
            truth.flow("energy.electricity_kwh", org, *MTD),
            truth.flow("energy.electricity_kwh", org, *MTD_PY),
            "yoy",
            "kWh",
        ),
        "energy.kgce_per_m2": (
            "l12m",
            kgce(truth, org, L12M) / truth.floor_area(org),
            TARGETS["baseline_2020_kgce_per_m2"],
            "baseline",
            "kgce/m²",
        ),
        "energy.kgce_per_person": (
            "l12m",
            kgce(truth, org, L12M) / truth.energy_users(org),
            TARGETS["baseline_2020_kgce_per_person"],
            "baseline",
            "kgce/person",
        ),
        "energy.night_share": (
            "mtd",
            100
            * truth.flow("energy.night_electricity_kwh", org, *MTD)
            / truth.flow("energy.electricity_kwh", org, *MTD),
            100
            * truth.flow("energy.night_electricity_kwh", org, *MTD_PY)
            / truth.flow("energy.electricity_kwh", org, *MTD_PY),
            "yoy",
            "%",
        ),
        "energy.co2_t": ("ytd", co2(truth, org, YTD), co2(truth, org, YTD_PY), "yoy", "tCO₂"),
    }


def assert_kpis(frame, expected, org):
    rows = by_metric(frame)
    assert list(rows) == list(expected)
    for metric, (period, value, reference, kind, unit) in expected.items():
        row = rows[metric]
        got = (row["period"], row["reference_kind"], row["unit"], row["org_id"], row["as_of"])
        assert got == (period, kind, unit, org, AS_OF), metric
        assert row["value"] == pytest.approx(value, rel=1e-9), metric
        if reference is None:
            assert math.isnan(row["reference"]), metric
        else:
            assert row["reference"] == pytest.approx(reference, rel=1e-9), metric


@pytest.mark.parametrize("org", [1, 2, 3, 7])
def test_energy_kpis(rollup_db, org):
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_energy_kpis(conn, scope_for_org(conn, 1), org)
    assert_kpis(frame, expected_energy(rollup_db.truth, org), org)


def test_energy_quota_replaces_the_national_baseline(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        conn.execute(
            EnergyQuota.__table__.insert(),
            [
                {
                    "org_id": 3,
                    "year": 2026,
                    "basis": "per_m2",
                    "limit_value": 12.5,
                    "benchmark_value": 10.0,
                    "guide_value": 8.0,
                    "source": "test",
                }
            ],
        )
        rows = by_metric(q.fetch_energy_kpis(conn, scope_for_org(conn, 1), 3))
        conn.rollback()
    assert (rows["energy.kgce_per_m2"]["reference"], rows["energy.kgce_per_m2"]["reference_kind"]) == (12.5, "quota")
    assert rows["energy.kgce_per_person"]["reference_kind"] == "baseline"


def test_energy_trend(rollup_db):
    truth = rollup_db.truth
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_energy_trend(conn, scope_for_org(conn, 1), 2)
    assert list(frame.columns) == ["month", "electricity_kwh", "electricity_kwh_prev_year", "yoy_pct", "is_partial"]
    assert len(frame) == 12
    assert frame["month"].iloc[0] == D(2025, 12, 1) and frame["month"].iloc[-1] == D(2026, 11, 1)
    assert list(frame["is_partial"]) == [False] * 11 + [True]
    for row in frame.to_dict("records"):
        month = row["month"]
        end = (
            AS_OF
            if row["is_partial"]
            else (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        )
        prev_start, prev_end = month.replace(year=month.year - 1), end.replace(year=end.year - 1)
        value = truth.flow("energy.electricity_kwh", 2, month, end)
        prev = truth.flow("energy.electricity_kwh", 2, prev_start, prev_end)
        assert row["electricity_kwh"] == pytest.approx(value, rel=1e-9)
        assert row["electricity_kwh_prev_year"] == pytest.approx(prev, rel=1e-9)
        assert row["yoy_pct"] == pytest.approx((value - prev) / prev * 100, rel=1e-9)


def test_trend_months_before_the_data_are_missing_not_zero(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_energy_trend(conn, scope_for_org(conn, 1), 1, months=26)
    # The data starts in October 2024: September 2024 and its prior year are unknown.
    first = frame.iloc[0]
    assert first["month"] == D(2024, 10, 1)
    assert (
        first["electricity_kwh"] > 0 and math.isnan(first["electricity_kwh_prev_year"]) and math.isnan(first["yoy_pct"])
    )


@pytest.mark.parametrize("org", [1, 3])
def test_vehicle_kpis(rollup_db, org):
    truth = rollup_db.truth
    fleet = truth.state("vehicle.fleet", org, NOW)
    km, km_py = truth.flow("vehicle.km", org, *YTD), truth.flow("vehicle.km", org, *YTD_PY)

    def cost(window):
        return truth.flow("vehicle.energy_cost_yuan", org, *window) + truth.flow(
            "vehicle.maintenance_cost_yuan", org, *window
        )

    expected = {
        "vehicle.fleet": ("now", fleet, truth.state("vehicle.quota", org, NOW), "quota", "辆"),
        "vehicle.utilization": (
            "mtd",
            100 * truth.flow("vehicle.used_vehicle_days", org, *MTD) / (fleet * WORKDAYS_MTD),
            None,
            "",
            "%",
        ),
        "vehicle.km": ("ytd", km, km_py, "yoy", "km"),
        "vehicle.cost_per_km": ("ytd", cost(YTD) / km * 100, cost(YTD_PY) / km_py * 100, "yoy", "元/百公里"),
        "vehicle.nev_share": ("now", 100 * truth.state("vehicle.nev_fleet", org, NOW) / fleet, None, "", "%"),
        "vehicle.offhours_trips": (
            "mtd",
            truth.flow("vehicle.offhours_trips", org, *MTD),
            truth.flow("vehicle.trips", org, *MTD),
            "of_total",
            "次",
        ),
    }
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_vehicle_kpis(conn, scope_for_org(conn, 1), org)
    assert_kpis(frame, expected, org)


def test_vehicle_trend(rollup_db):
    truth = rollup_db.truth
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_vehicle_trend(conn, scope_for_org(conn, 1), 6)
    assert list(frame.columns) == ["month", "trips", "km", "is_partial"]
    assert len(frame) == 12
    last, first = frame.iloc[-1], frame.iloc[0]
    assert last["trips"] == pytest.approx(truth.flow("vehicle.trips", 6, *MTD), rel=1e-9)
    assert first["km"] == pytest.approx(truth.flow("vehicle.km", 6, D(2025, 12, 1), D(2025, 12, 31)), rel=1e-9)


@pytest.mark.parametrize("org", [1, 2])
def test_asset_kpis(rollup_db, org):
    truth = rollup_db.truth

    def state(metric):
        return truth.state(metric, org, NOW)

    expected = {
        "asset.count": ("now", state("asset.count"), None, "", "件"),
        "asset.original_value_yuan": ("now", state("asset.original_value_yuan"), None, "", "元"),
        "asset.net_value_yuan": (
            "now",
            state("asset.net_value_yuan"),
            state("asset.original_value_yuan"),
            "of_total",
            "元",
        ),
        "asset.idle_rate": ("now", 100 * state("asset.idle_count") / state("asset.count"), None, "", "%"),
        "asset.warehouse_count": ("now", state("asset.warehouse_count"), None, "", "件"),
        "asset.redeploy_saved_yuan": (
            "ytd",
            truth.flow("asset.redeploy_saved_yuan", org, *YTD),
            truth.flow("asset.redeploy_saved_yuan", org, *YTD_PY),
            "yoy",
            "元",
        ),
    }
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_asset_kpis(conn, scope_for_org(conn, 1), org)
    assert_kpis(frame, expected, org)


@pytest.mark.parametrize("org", [1, 6])
def test_housing_kpis(rollup_db, org):
    truth = rollup_db.truth

    def state(metric):
        return truth.state(metric, org, NOW)

    expected = {
        "housing.office_area_m2": ("now", state("housing.office_area_m2"), None, "", "m²"),
        "housing.area_per_person": (
            "now",
            state("housing.office_area_m2") / state("housing.office_occupants"),
            None,
            "",
            "m²/人",
        ),
        "housing.over_standard_rooms": ("now", state("housing.over_standard_rooms"), None, "", "间"),
        "housing.vacant_rooms": ("now", state("housing.vacant_rooms"), None, "", "间"),
        "housing.occupancy_rate": (
            "now",
            100 * state("housing.occupied_units") / state("housing.units"),
            None,
            "",
            "%",
        ),
        "housing.waiting": ("now", state("housing.waiting"), None, "", "人"),
        "housing.expiring_90d": (
            "now",
            state("housing.expiring_90d"),
            state("housing.occupied_units"),
            "of_total",
            "份",
        ),
    }
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_housing_kpis(conn, scope_for_org(conn, 1), org)
    assert_kpis(frame, expected, org)


def test_office_area_by_child(rollup_db):
    truth = rollup_db.truth
    with get_engine(rollup_db.url).connect() as conn:
        frame = q.fetch_office_area_by_child(conn, scope_for_org(conn, 1), None)
    assert list(frame["org_id"]) == [2, 6]
    for row in frame.to_dict("records"):
        area = truth.state("housing.office_area_m2", row["org_id"], NOW)
        people = truth.state("housing.office_occupants", row["org_id"], NOW)
        over = truth.state("housing.over_standard_area_m2", row["org_id"], NOW)
        assert row["area_per_person"] == pytest.approx(area / people)
        assert row["within_standard_per_person"] + row["over_standard_per_person"] == pytest.approx(area / people)
        assert row["over_standard_per_person"] == pytest.approx(over / people)


def test_overview_repeats_the_domain_figures(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        scope = scope_for_org(conn, 1)
        overview = q.fetch_overview_kpis(conn, scope, 2)
        domains = {
            "energy": q.fetch_energy_kpis(conn, scope, 2),
            "vehicle": q.fetch_vehicle_kpis(conn, scope, 2),
            "asset": q.fetch_asset_kpis(conn, scope, 2),
            "housing": q.fetch_housing_kpis(conn, scope, 2),
        }
    assert list(overview["domain"]) == ["energy"] * 2 + ["vehicle"] * 2 + ["asset"] * 2 + ["housing"] * 2
    assert list(overview["metric_id"]) == [
        "energy.total_kgce",
        "energy.electricity_kwh",
        "vehicle.fleet",
        "vehicle.utilization",
        "asset.original_value_yuan",
        "asset.idle_rate",
        "housing.area_per_person",
        "housing.occupancy_rate",
    ]
    for row in overview.to_dict("records"):
        same = by_metric(domains[row["domain"]])[row["metric_id"]]
        assert row["value"] == same["value"]


def test_county_scope_sees_the_county_and_nothing_else(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        county = scope_for_org(conn, 3)
        province = scope_for_org(conn, 1)
        for fetch in (
            q.fetch_energy_kpis,
            q.fetch_vehicle_kpis,
            q.fetch_asset_kpis,
            q.fetch_housing_kpis,
            q.fetch_overview_kpis,
        ):
            mine = fetch(conn, county, None)
            same = fetch(conn, province, 3)
            assert list(mine["value"].fillna(-1)) == list(same["value"].fillna(-1)), fetch.__name__
            assert set(mine["org_id"]) == {3}
            for outside in (1, 2, 6, 8):
                with pytest.raises(OutOfScope):
                    fetch(conn, county, outside)
        for fetch in (
            q.fetch_energy_trend,
            q.fetch_vehicle_trend,
            q.fetch_office_area_by_child,
        ):
            with pytest.raises(OutOfScope):
                fetch(conn, county, 2)
        # A province total is the sum of its cities'.
        total = by_metric(q.fetch_energy_kpis(conn, province, None))["energy.electricity_kwh"]["value"]
        parts = sum(
            by_metric(q.fetch_energy_kpis(conn, province, c))["energy.electricity_kwh"]["value"] for c in (2, 6)
        )
        assert total == pytest.approx(parts, rel=1e-9)


def test_explicit_as_of(rollup_db):
    truth = rollup_db.truth
    with get_engine(rollup_db.url).connect() as conn:
        rows = by_metric(q.fetch_energy_kpis(conn, scope_for_org(conn, 1), 1, as_of=D(2026, 6, 30)))
    assert rows["energy.electricity_kwh"]["as_of"] == D(2026, 6, 30)
    assert rows["energy.electricity_kwh"]["value"] == pytest.approx(
        truth.flow("energy.electricity_kwh", 1, D(2026, 6, 1), D(2026, 6, 30)), rel=1e-9
    )


def test_figures_reaching_before_the_data_are_left_out(rollup_db):
    # The hand-made data begins on 1 October 2024: as of 30 June 2025, last year's figures and a
    # twelve-month intensity would be computed over data that does not exist.
    with get_engine(rollup_db.url).connect() as conn:
        scope = scope_for_org(conn, 1)
        energy = by_metric(q.fetch_energy_kpis(conn, scope, 1, as_of=D(2025, 6, 30)))
        vehicles = by_metric(q.fetch_vehicle_kpis(conn, scope, 1, as_of=D(2025, 6, 30)))
        trend = q.fetch_energy_trend(conn, scope, 1, as_of=D(2025, 6, 30))
    assert energy["energy.total_kgce"]["value"] > 0
    assert math.isnan(energy["energy.total_kgce"]["reference"])
    assert math.isnan(energy["energy.electricity_kwh"]["reference"])
    assert math.isnan(energy["energy.kgce_per_m2"]["value"])
    assert math.isnan(vehicles["vehicle.cost_per_km"]["reference"])
    assert trend["electricity_kwh_prev_year"].isna().all()
    assert list(trend["electricity_kwh"].isna()) == [True] * 3 + [False] * 9  # July–September 2024


@pytest.fixture
def empty_db(db_url):
    """A migrated database holding one org node and no roll-up at all."""
    from data.db import get_engine as engine_for

    with write_session(engine_for(db_url)) as session:
        session.add(
            OrgNode(
                id=1,
                parent_id=None,
                level="province",
                admin_level="province",
                code="P",
                name_zh="省",
                name_en="Province",
                path="/1/",
                depth=0,
            )
        )
    return db_url


def test_no_rollups_give_empty_frames(empty_db):
    with get_engine(empty_db).connect() as conn:
        scope = Scope(org_id=1, org_path="/1/")
        for fetch in (
            q.fetch_energy_kpis,
            q.fetch_vehicle_kpis,
            q.fetch_asset_kpis,
            q.fetch_housing_kpis,
            q.fetch_overview_kpis,
            q.fetch_energy_trend,
            q.fetch_vehicle_trend,
            q.fetch_office_area_by_child,
        ):
            frame = fetch(conn, scope, None)
            assert frame.empty, fetch.__name__
        with pytest.raises(OutOfScope):  # node 2 does not exist here: refused like a node outside the scope
            q.fetch_energy_kpis(conn, scope, 2)


def test_a_month_with_trips_but_none_off_hours_shows_zero(sqlite_url):
    """Off-hours trips are stored only where they are not 0: a month with trips and no such row
    shows 0 trips off hours, not "no data"."""
    import sqlalchemy as sa

    from rollup_rows import build_rollup_fixture

    build_rollup_fixture(sqlite_url)
    engine = get_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM rollup_daily WHERE metric_id = 'vehicle.offhours_trips' AND day >= :first"),
            {"first": MTD[0]},
        )
        conn.execute(
            sa.text("DELETE FROM rollup_monthly WHERE metric_id = 'vehicle.offhours_trips' AND month >= :first"),
            {"first": MTD[0]},
        )
    with engine.connect() as conn:
        frame = q.fetch_vehicle_kpis(conn, scope_for_org(conn, 1), 1).set_index("metric_id")
    assert frame.loc["vehicle.offhours_trips", "value"] == 0.0
    assert frame.loc["vehicle.offhours_trips", "reference"] > 0
