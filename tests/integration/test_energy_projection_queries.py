"""The year-end projection query on the ``small`` demo province (SQLite and PostgreSQL): the
months used equal the roll-ups times the coefficients, the months to come are last year's same
days times this year's trend, the per-m² quota becomes a total with the subtree's floor area, and
the summary agrees with the frame; a node without a quota is projected but not judged, and a year
without data is empty."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data.db import get_engine
from data.models import Building, EnergyQuota, OrgNode
from data.queries.energy_projection import (
    KGCE_METRICS,
    PROJECTION_COLUMNS,
    fetch_energy_projection,
    fetch_energy_projection_summary,
)
from data.queries.org import fetch_org
from data.queries.period import fetch_as_of
from data.queries.reference import fetch_coefficients
from data.scope import root_node, scope_for_org

D = dt.date
COEFFICIENT = {
    "energy.electricity_kwh": "electricity_kgce_per_kwh",
    "energy.gas_m3": "gas_kgce_per_m3",
    "energy.heat_gj": "heat_kgce_per_gj",
    "vehicle.fuel_l": "petrol_kgce_per_l",
}


def kgce(conn, table, period, org_id, lo, hi):
    """Total kgce of the org's roll-up rows in [lo, hi], straight from the table."""
    coefficients = fetch_coefficients(conn)
    rows = conn.execute(
        sa.text(
            f"SELECT metric_id, SUM(value) FROM {table} WHERE entity_kind = 'org' AND entity_id = :o "
            f"AND {period} BETWEEN :lo AND :hi GROUP BY metric_id"
        ),
        {"o": org_id, "lo": lo, "hi": hi},
    ).all()
    return sum(float(v) * coefficients[COEFFICIENT[m]] for m, v in rows if m in KGCE_METRICS)


def month_kgce(conn, org_id, month):
    return kgce(conn, "rollup_monthly", "month", org_id, month, month)


def day_kgce(conn, org_id, lo, hi):
    return kgce(conn, "rollup_daily", "day", org_id, lo, hi)


@pytest.fixture
def demo(demo_url):
    engine = get_engine(demo_url)
    with engine.connect() as conn:
        root = root_node(conn).id
        as_of = fetch_as_of(conn, root)
        # An agency with a per-m² quota for the as-of year (the demo sets quotas per agency).
        agency = conn.execute(
            sa.select(EnergyQuota.org_id)
            .join(OrgNode, OrgNode.id == EnergyQuota.org_id)
            .where(EnergyQuota.year == as_of.year, EnergyQuota.basis == "per_m2", OrgNode.level == "agency")
            .order_by(EnergyQuota.org_id)
            .limit(1)
        ).scalar_one()
    return demo_url, root, agency, as_of


def test_the_projection_is_the_rollups_and_last_years_months_times_the_trend(demo):
    url, root, agency, as_of = demo
    assert as_of == D(2026, 11, 19)
    with get_engine(url).connect() as conn:
        node = fetch_org(conn, scope_for_org(conn, root), agency)
        frame = fetch_energy_projection(conn, node, as_of, basis="per_m2")
        summary = fetch_energy_projection_summary(conn, node, as_of, basis="per_m2")
        used = {D(2026, m, 1): month_kgce(conn, agency, D(2026, m, 1)) for m in range(1, 11)}
        used[D(2026, 11, 1)] = day_kgce(conn, agency, D(2026, 11, 1), as_of)
        december_py = month_kgce(conn, agency, D(2025, 12, 1))
        py_rest = day_kgce(conn, agency, D(2025, 11, 20), D(2025, 11, 30))
        # The demo's roll-ups begin on 16 October 2025: the trend compares the days both years cover.
        first = conn.execute(
            # Energy's own first day: the asset flows' daily roll-ups (warehouse inflow, disposals)
            # begin earlier, with the movements.
            sa.text(
                "SELECT MIN(day) FROM rollup_daily WHERE entity_kind = 'org' AND entity_id = :o "
                "AND metric_id LIKE 'energy.%'"
            ),
            {"o": agency},
        ).scalar_one()
        first = first if isinstance(first, dt.date) else D.fromisoformat(first)
        trend_from = D(first.year + 1, first.month, first.day)
        trend = day_kgce(conn, agency, trend_from, as_of) / day_kgce(
            conn, agency, D(first.year, first.month, first.day), D(2025, 11, 19)
        )
        limit_m2, benchmark_m2, guide_m2 = conn.execute(
            sa.select(EnergyQuota.limit_value, EnergyQuota.benchmark_value, EnergyQuota.guide_value).where(
                EnergyQuota.org_id == agency, EnergyQuota.year == 2026, EnergyQuota.basis == "per_m2"
            )
        ).one()
        floor_area = conn.execute(
            sa.select(sa.func.sum(Building.floor_area_m2))
            .join(OrgNode, OrgNode.id == Building.org_id)
            .where(OrgNode.path.like(node["path"] + "%"))
        ).scalar_one()

    assert list(frame.columns) == PROJECTION_COLUMNS and len(frame) == 12
    assert list(frame["month"]) == [D(2026, m, 1) for m in range(1, 13)]
    assert list(frame["is_projected"]) == [False] * 10 + [True] * 2
    assert all(v > 0 for v in used.values()) and december_py > 0 and py_rest > 0
    assert D(2025, 1, 1) < first < D(2025, 11, 19)
    assert frame["actual_kgce"].iloc[:11].tolist() == pytest.approx([used[m] for m in sorted(used)], rel=1e-9)
    assert frame["actual_kgce"].iloc[11] != frame["actual_kgce"].iloc[11]  # NaN: December is to come
    assert 0.5 < trend < 2.0
    assert frame["expected_kgce"].iloc[10] == pytest.approx(py_rest * trend, rel=1e-9)
    assert frame["expected_kgce"].iloc[11] == pytest.approx(december_py * trend, rel=1e-9)
    assert frame["expected_kgce"].iloc[:10].isna().all()
    projected = sum(used.values()) + (py_rest + december_py) * trend
    assert frame["cumulative_kgce"].iloc[-1] == pytest.approx(projected, rel=1e-9)
    assert frame["cumulative_kgce"].is_monotonic_increasing
    floor_area = float(floor_area)
    assert frame["limit_kgce"].iloc[0] == pytest.approx(limit_m2 * floor_area, rel=1e-9)
    assert frame["benchmark_kgce"].iloc[0] == pytest.approx(benchmark_m2 * floor_area, rel=1e-9)
    assert frame["guide_kgce"].iloc[0] == pytest.approx(guide_m2 * floor_area, rel=1e-9)

    limit, benchmark = limit_m2 * floor_area, benchmark_m2 * floor_area
    assert summary["projected_total_kgce"] == pytest.approx(projected, rel=1e-9)
    assert summary["limit_kgce"] == pytest.approx(limit, rel=1e-9)
    assert summary["exceed_pct"] == pytest.approx((projected - limit) / limit, rel=1e-9)
    expected_status = "will_exceed" if projected > limit else "at_risk" if projected > benchmark else "on_track"
    assert summary["status"] == expected_status
    passing = frame.loc[frame["cumulative_kgce"] > limit, "month"]
    assert summary["exceed_month"] == (passing.iloc[0] if len(passing) else None)


def test_a_node_without_a_quota_and_a_year_without_data(demo):
    url, root, agency, as_of = demo
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, root)
        province = fetch_org(conn, scope, root)
        frame = fetch_energy_projection(conn, province, as_of)  # the demo sets no total quota
        summary = fetch_energy_projection_summary(conn, province, as_of)
        first_basis = fetch_energy_projection_summary(conn, fetch_org(conn, scope, agency), as_of, basis=None)
        per_m2 = fetch_energy_projection_summary(conn, fetch_org(conn, scope, agency), as_of, basis="per_m2")
        later = fetch_energy_projection(conn, province, D(2030, 6, 30))
        later_summary = fetch_energy_projection_summary(conn, province, D(2030, 6, 30))
    assert len(frame) == 12 and frame["cumulative_kgce"].iloc[-1] > 0
    assert frame[["limit_kgce", "benchmark_kgce", "guide_kgce"]].isna().all().all()
    assert summary["status"] == "no_quota" and summary["exceed_month"] is None and summary["exceed_pct"] is None
    assert summary["projected_total_kgce"] == pytest.approx(frame["cumulative_kgce"].iloc[-1])
    assert first_basis == per_m2  # no total quota: the first basis the agency has is per m²
    assert later.empty and list(later.columns) == PROJECTION_COLUMNS
    assert later_summary["status"] == "no_data" and later_summary["projected_total_kgce"] is None
