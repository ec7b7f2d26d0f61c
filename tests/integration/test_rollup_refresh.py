"""Incremental refreshes give exactly what a full rebuild from raw facts gives (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data import rollup
from data.db import get_engine
from data.demo import build_demo

from rollup_snapshots import assert_same, snapshot

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture
def demo(db_url):
    build_demo(db_url, tier="tiny", seed=5, as_of=AS_OF)
    return get_engine(db_url)


def _utc(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=8)


def test_refresh_energy_after_changed_readings_equals_a_rebuild(demo):
    day = AS_OF - dt.timedelta(days=10)
    with demo.begin() as conn:
        meter_id, building_id = conn.execute(
            sa.text(
                "SELECT m.id, m.building_id FROM meter m WHERE m.kind = 'electricity' ORDER BY m.id LIMIT 1 OFFSET 3"
            )
        ).one()
        bounds = {"m": meter_id, "a": _utc(day), "b": _utc(day + dt.timedelta(days=1))}
        typed = [sa.bindparam("a", type_=sa.DateTime()), sa.bindparam("b", type_=sa.DateTime())]
        changed = conn.execute(
            sa.text(
                "UPDATE meter_reading SET value = value * 3 + 1 WHERE meter_id = :m AND ts > :a AND ts <= :b"
            ).bindparams(*typed),
            bounds,
        ).rowcount
        deleted = conn.execute(
            sa.text("DELETE FROM meter_reading WHERE meter_id = :m AND ts = :b").bindparams(typed[1]),
            {"m": meter_id, "b": bounds["b"]},
        ).rowcount
        assert changed == 24 and deleted == 1
        water = conn.execute(
            sa.text("SELECT id FROM meter WHERE building_id = :b AND kind = 'water'"), {"b": building_id}
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE meter_reading SET value = 0 WHERE meter_id = :m AND ts = :t").bindparams(
                sa.bindparam("t", type_=sa.DateTime())
            ),
            {"m": water, "t": _utc(day + dt.timedelta(days=1))},
        )
        rollup.refresh_energy(conn, building_ids=[building_id], day_from=day, day_to=day)
    refreshed = snapshot(demo)
    with demo.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(refreshed, snapshot(demo))


def test_refresh_energy_over_several_days_and_all_buildings(demo):
    first, last = AS_OF - dt.timedelta(days=40), AS_OF - dt.timedelta(days=30)
    with demo.begin() as conn:
        conn.execute(
            sa.text("UPDATE meter_reading SET value = value + 0.5 WHERE ts > :a AND ts <= :b").bindparams(
                sa.bindparam("a", type_=sa.DateTime()), sa.bindparam("b", type_=sa.DateTime())
            ),
            {"a": _utc(first), "b": _utc(last + dt.timedelta(days=1))},
        )
        rollup.refresh_energy(conn, building_ids=None, day_from=first, day_to=last)
    refreshed = snapshot(demo)
    with demo.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(refreshed, snapshot(demo))


def test_refresh_vehicle_after_changed_trips_equals_a_rebuild(demo):
    day = AS_OF - dt.timedelta(days=20)
    with demo.begin() as conn:
        trips = conn.execute(
            sa.text("SELECT id, vehicle_id FROM trip WHERE start_ts >= :a AND start_ts < :b ORDER BY id").bindparams(
                sa.bindparam("a", type_=sa.DateTime()), sa.bindparam("b", type_=sa.DateTime())
            ),
            {"a": _utc(day), "b": _utc(day + dt.timedelta(days=1))},
        ).all()
        assert len(trips) >= 2
        (first_id, vehicle), (second_id, _) = trips[0], trips[1]
        conn.execute(sa.text("DELETE FROM trip WHERE id = :i"), {"i": first_id})
        conn.execute(sa.text("UPDATE trip SET request_id = NULL, km = km + 100 WHERE id = :i"), {"i": second_id})
        conn.execute(
            sa.text(
                "INSERT INTO fuel_record (vehicle_id, ts, kind, quantity, unit, cost_yuan) "
                "VALUES (:v, :t, 'fuel', 33.3, 'L', 260)"
            ).bindparams(sa.bindparam("t", type_=sa.DateTime())),
            {"v": vehicle, "t": _utc(day, 13)},
        )
        vehicles = sorted({vehicle, trips[1][1]})
        rollup.refresh_vehicle(conn, vehicle_ids=vehicles, day_from=day, day_to=day)
    refreshed = snapshot(demo)
    with demo.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(refreshed, snapshot(demo))


def test_refresh_state_after_changed_assets_and_leases_equals_a_rebuild(demo):
    with demo.begin() as conn:
        asset_id, org_id = conn.execute(
            sa.text("SELECT id, org_id FROM asset WHERE status = 'in_use' ORDER BY id LIMIT 1")
        ).one()
        conn.execute(
            sa.text("UPDATE asset SET status = 'idle', status_since = :d WHERE id = :i").bindparams(
                sa.bindparam("d", type_=sa.Date())
            ),
            {"d": AS_OF - dt.timedelta(days=2), "i": asset_id},
        )
        lease_id, unit_org = conn.execute(
            sa.text(
                "SELECT l.id, u.org_id FROM lease l JOIN housing_unit u ON u.id = l.unit_id WHERE l.moved_out_on IS NULL "
                "ORDER BY l.id LIMIT 1"
            )
        ).one()
        # Changes that only touch the current month (history would need a rebuild, by design).
        conn.execute(
            sa.text("UPDATE lease SET moved_out_on = :d WHERE id = :i").bindparams(sa.bindparam("d", type_=sa.Date())),
            {"d": AS_OF - dt.timedelta(days=1), "i": lease_id},
        )
        before = conn.execute(sa.text("SELECT version FROM data_version WHERE domain = 'asset'")).scalar_one()
        rollup.refresh_state(conn, domains=("asset", "housing"), as_of=AS_OF, org_ids=[org_id, unit_org])
        assert (
            conn.execute(sa.text("SELECT version FROM data_version WHERE domain = 'asset'")).scalar_one() == before + 1
        )
    refreshed = snapshot(demo)
    with demo.begin() as conn:
        rollup.rebuild_all(conn, as_of=AS_OF)
    assert_same(refreshed, snapshot(demo))
