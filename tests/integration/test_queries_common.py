"""The shared query pieces: reporting periods, roll-up sums over windows, as-of, the org tree
and the scope, on SQLite and PostgreSQL (``rollup_db``: a hand-made province whose expected
figures are computed from the leaf values, never from the roll-up tables)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data.db import get_engine
from data.queries.org import fetch_breadcrumb, fetch_children, fetch_org, fetch_subtree_dimensions
from data.queries.period import Periods, fetch_as_of
from data.queries.reference import count_workdays, fetch_coefficients
from data.queries.rollup_read import _split_window, fetch_states, sum_flows
from data.scope import NotInScope, OrgNotFound, OutOfScope, Scope, scope_for_org

from rollup_rows import AS_OF, rollup_db  # noqa: F401  (fixture)

D = dt.date


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mtd", (D(2026, 11, 1), D(2026, 11, 20))),
        ("mtd_py", (D(2025, 11, 1), D(2025, 11, 20))),
        ("ytd", (D(2026, 1, 1), D(2026, 11, 20))),
        ("ytd_py", (D(2025, 1, 1), D(2025, 11, 20))),
        ("l12m", (D(2025, 11, 21), D(2026, 11, 20))),
    ],
)
def test_periods(name, expected):
    assert Periods(AS_OF).window(name) == expected


def test_periods_on_a_leap_day():
    assert Periods(D(2028, 2, 29)).window("mtd_py") == (D(2027, 2, 1), D(2027, 2, 28))
    assert Periods(D(2028, 2, 29)).window("l12m") == (D(2027, 3, 1), D(2028, 2, 29))
    with pytest.raises(ValueError):
        Periods(AS_OF).window("qtd")


@pytest.mark.parametrize(
    ("start", "end", "full", "partial"),
    [
        (D(2026, 11, 1), D(2026, 11, 20), None, [(D(2026, 11, 1), D(2026, 11, 20))]),
        (D(2026, 1, 1), D(2026, 11, 20), (D(2026, 1, 1), D(2026, 10, 1)), [(D(2026, 11, 1), D(2026, 11, 20))]),
        (
            D(2025, 11, 21),
            D(2026, 11, 20),
            (D(2025, 12, 1), D(2026, 10, 1)),
            [(D(2025, 11, 21), D(2025, 11, 30)), (D(2026, 11, 1), D(2026, 11, 20))],
        ),
        (D(2026, 1, 1), D(2026, 1, 31), (D(2026, 1, 1), D(2026, 1, 1)), []),
        (D(2026, 1, 5), D(2026, 1, 9), None, [(D(2026, 1, 5), D(2026, 1, 9))]),
    ],
)
def test_split_window(start, end, full, partial):
    assert _split_window(start, end) == (full, partial)


def test_sum_flows_equals_the_sum_of_days(rollup_db):
    truth = rollup_db.truth
    windows = Periods(AS_OF).windows("mtd", "ytd", "l12m", "ytd_py")
    metrics = ["energy.electricity_kwh", "vehicle.km"]
    with get_engine(rollup_db.url).connect() as conn:
        frame = sum_flows(conn, metrics, [1, 3, 7], windows)
    assert len(frame) == len(windows) * len(metrics) * 3
    for row in frame.to_dict("records"):
        start, end = windows[row["window"]]
        expected = truth.flow(row["metric_id"], row["entity_id"], start, end)
        assert row["value"] == pytest.approx(expected, rel=1e-9), row


def test_sum_flows_without_rows_returns_no_row(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        assert sum_flows(conn, ["energy.water_m3"], [1], {"mtd": (D(2026, 11, 1), AS_OF)}).empty
        assert sum_flows(conn, [], [1], {"mtd": (D(2026, 11, 1), AS_OF)}).empty


def test_fetch_states_takes_the_as_of_month(rollup_db):
    truth = rollup_db.truth
    with get_engine(rollup_db.url).connect() as conn:
        frame = fetch_states(conn, ["vehicle.fleet", "asset.count"], [1, 2], AS_OF)
        earlier = fetch_states(conn, ["vehicle.fleet"], [1], D(2025, 6, 30))
    for row in frame.to_dict("records"):
        assert row["month"] == D(2026, 11, 1)
        assert row["value"] == truth.state(row["metric_id"], row["entity_id"], D(2026, 11, 1))
    assert earlier["value"].iloc[0] == truth.state("vehicle.fleet", 1, D(2025, 6, 1))


def test_as_of_is_the_latest_day_in_the_rollups(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        assert fetch_as_of(conn, 1) == AS_OF
        assert fetch_as_of(conn, 1, ("energy.electricity_kwh",)) == AS_OF
        assert fetch_as_of(conn, 999) is None


def test_org_tree_and_scope(rollup_db):
    with get_engine(rollup_db.url).connect() as conn:
        province = scope_for_org(conn, 1)
        county = scope_for_org(conn, 3)
        assert fetch_org(conn, province, None)["org_id"] == 1
        assert fetch_org(conn, county, None)["org_id"] == 3
        assert fetch_org(conn, county, 4)["name_en"] == "County B Finance"
        for outside in (1, 2, 6, 7):
            with pytest.raises(OutOfScope):
                fetch_org(conn, county, outside)
        with pytest.raises(OutOfScope):  # a requested id that does not exist is refused alike
            fetch_org(conn, county, 999)
        assert list(fetch_breadcrumb(conn, province, 4)["org_id"]) == [1, 2, 3, 4]
        assert list(fetch_breadcrumb(conn, county, 4)["org_id"]) == [3, 4]  # nothing above the scope
        assert list(fetch_children(conn, province, 2)["org_id"]) == [3, 8]
        assert list(fetch_children(conn, province, None)["org_id"]) == [2, 6]
        assert fetch_children(conn, county, 4).empty
        with pytest.raises(OutOfScope):
            fetch_children(conn, county, 6)
        with pytest.raises(OutOfScope):
            fetch_breadcrumb(conn, Scope(org_id=3, org_path="/1/2/3/"), 8)
        with pytest.raises(OutOfScope):
            fetch_children(conn, province, 999)


def test_a_missing_org_and_an_org_outside_the_scope_are_told_apart(rollup_db):
    """``OrgNotFound`` (the user's own scope root is not there, or no org tree yet) and
    ``OutOfScope`` (a requested node that is not the user's, whether it exists or not) are both ``NotInScope``; neither is a ``LookupError``, so a caller refusing an org never
    swallows a ``KeyError`` such as a mistyped metric id. ``OutOfScope`` stays a ``PermissionError``."""
    assert not issubclass(NotInScope, LookupError) and not issubclass(OrgNotFound, LookupError)
    assert issubclass(OutOfScope, PermissionError) and not issubclass(OrgNotFound, PermissionError)
    with get_engine(rollup_db.url).connect() as conn:
        with pytest.raises(OrgNotFound):
            scope_for_org(conn, 999)  # a user scoped to a node that is not (or not yet) there
        gone = Scope(org_id=999, org_path="/999/")
        with pytest.raises(OrgNotFound):
            fetch_org(conn, gone, None)
        county = scope_for_org(conn, 3)
        with pytest.raises(OutOfScope):
            fetch_org(conn, county, 2)
        with pytest.raises(NotInScope):
            fetch_org(conn, county, 999)


def test_subtree_dimensions(rollup_db):
    truth = rollup_db.truth
    with get_engine(rollup_db.url).connect() as conn:
        nodes = [fetch_org(conn, scope_for_org(conn, 1), o) for o in (1, 2, 3, 7)]
        frame = fetch_subtree_dimensions(conn, nodes).set_index("org_id")
    for org in (1, 2, 3, 7):
        assert frame.loc[org, "floor_area_m2"] == truth.floor_area(org)
        assert frame.loc[org, "energy_users"] == truth.energy_users(org)
        assert isinstance(frame.loc[org, "energy_users"], float)


def test_workdays_fall_back_to_weekdays_and_follow_the_calendar(rollup_db):
    from data.models import CalendarDay

    engine = get_engine(rollup_db.url)
    with engine.connect() as conn:
        assert count_workdays(conn, D(2026, 11, 1), D(2026, 11, 20)) == 15
        # Written in this connection's transaction and rolled back: the module's database stays as built.
        conn.execute(
            CalendarDay.__table__.insert(),
            [
                {
                    "day": D(2026, 11, 2),
                    "is_workday": False,
                    "holiday_zh": "测试",
                    "holiday_en": "Test",
                    "heating_season": True,
                },
                {
                    "day": D(2026, 11, 8),
                    "is_workday": True,
                    "holiday_zh": None,
                    "holiday_en": None,
                    "heating_season": True,
                },
            ],
        )
        assert count_workdays(conn, D(2026, 11, 1), D(2026, 11, 20)) == 15  # one off, one make-up Sunday
        assert count_workdays(conn, D(2026, 11, 2), D(2026, 11, 6)) == 4
        conn.rollback()


def test_coefficients_prefer_the_stored_values(rollup_db):
    from data.models import EnergyCoefficient

    with get_engine(rollup_db.url).connect() as conn:
        assert fetch_coefficients(conn)["electricity_kgce_per_kwh"] == 0.1229
        conn.execute(
            EnergyCoefficient.__table__.insert(),
            [
                {
                    "code": "electricity_kgce_per_kwh",
                    "value": 0.3,
                    "unit": "kgce/kWh",
                    "name_zh": "电",
                    "name_en": "E",
                    "source": "test",
                }
            ],
        )
        values = fetch_coefficients(conn)
        assert values["electricity_kgce_per_kwh"] == 0.3
        assert values["gas_kgce_per_m3"] == 1.2143
        conn.rollback()


def test_states_fall_back_to_the_latest_month_within_the_look_back(sqlite_url):
    """A node whose source missed the as-of month shows its last value within a year; older
    values do not count; a node without rows has no value."""
    from data.models import RollupMonthly
    from data.queries.rollup_read import state_values

    m = "vehicle.fleet"
    rows = [
        (1, D(2026, 8, 1), 10.0),
        (1, D(2026, 11, 1), 11.0),  # the as-of month
        (2, D(2026, 8, 1), 20.0),
        (2, D(2026, 10, 1), 21.0),  # missed November
        (3, D(2025, 9, 1), 30.0),  # only older than the look-back
        (4, D(2026, 9, 1), 40.0),
    ]
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(
            sa.insert(RollupMonthly),
            [
                dict(metric_id=m, entity_kind="org", entity_id=e, month=month, value=v, samples=1)
                for e, month, v in rows
            ],
        )
    with get_engine(sqlite_url).connect() as conn:
        got = state_values(conn, [m], [1, 2, 3, 4, 5], AS_OF)
    assert got == {(1, m): (D(2026, 11, 1), 11.0), (2, m): (D(2026, 10, 1), 21.0), (4, m): (D(2026, 9, 1), 40.0)}
