"""The demo generator: deterministic, referentially sound, provenance consistent, roll-ups equal to
raw facts (computed here independently with pandas), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from data.db import dispose_engine, get_engine
from data.demo import DatabaseNotEmpty, build_demo
from data.demo.__main__ import main as demo_cli
from data.demo.context import LOADER_FACT
from data.import_formats import FORMATS, match_header
from data.import_reasons import ROW_REASONS
from data.migrate import upgrade
from data.models import Base, MeterReading

AS_OF = dt.date(2026, 11, 25)
LOCAL = pd.Timedelta(hours=8)


def _checksums(url: str) -> dict[str, str]:
    """A digest of every table's rows, in primary-key order."""
    out = {}
    with get_engine(url).connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            digest = hashlib.sha256()
            for row in conn.execute(sa.text(f"SELECT * FROM {table.name} ORDER BY {order}")):
                digest.update(repr(tuple(row)).encode())
            out[table.name] = digest.hexdigest()
    return out


def _fresh_sqlite(tmp_path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name}"
    upgrade(url)
    return url


def test_same_seed_and_as_of_give_identical_databases_and_another_seed_does_not(tmp_path):
    urls = [_fresh_sqlite(tmp_path, f"{name}.sqlite3") for name in ("a", "b", "c")]
    try:
        for url, seed in zip(urls, (7, 7, 8)):
            counts = build_demo(url, tier="tiny", seed=seed, as_of=AS_OF)
            assert counts["meter_reading"] > 40_000 and counts["trip"] > 1000
        first, second, other = (_checksums(u) for u in urls)
        assert first == second
        differing = {t for t in first if first[t] != other[t]}
        assert {"meter_reading", "trip", "fuel_record", "asset", "lease", "rollup_daily"} <= differing
        # the skeleton does not depend on the seed
        assert {"org_node", "asset_category", "calendar_day", "metric"}.isdisjoint(differing)
    finally:
        for url in urls:
            dispose_engine(url)


def _frame(conn, sql: str, **params) -> pd.DataFrame:
    return pd.read_sql(sa.text(sql), conn, params=params)


def _local_days(ts: pd.Series, interval_minutes) -> pd.Series:
    return (pd.to_datetime(ts, format="ISO8601") + LOCAL - pd.to_timedelta(interval_minutes, unit="min")).dt.normalize()


def test_demo_build_invariants(db_url):
    counts = build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    engine = get_engine(db_url)
    with engine.connect() as conn:
        orphans = {
            "building.org_id": "SELECT COUNT(*) FROM building b LEFT JOIN org_node o ON o.id = b.org_id WHERE o.id IS NULL",
            "meter.building_id": "SELECT COUNT(*) FROM meter m LEFT JOIN building b ON b.id = m.building_id WHERE b.id IS NULL",
            "meter_reading.meter_id": "SELECT COUNT(*) FROM meter_reading r LEFT JOIN meter m ON m.id = r.meter_id WHERE m.id IS NULL",
            "vehicle.org_id": "SELECT COUNT(*) FROM vehicle v LEFT JOIN org_node o ON o.id = v.org_id WHERE o.id IS NULL",
            "trip.vehicle_id": "SELECT COUNT(*) FROM trip t LEFT JOIN vehicle v ON v.id = t.vehicle_id WHERE v.id IS NULL",
            "trip.request_id": "SELECT COUNT(*) FROM trip t LEFT JOIN trip_request q ON q.id = t.request_id "
            "WHERE t.request_id IS NOT NULL AND q.id IS NULL",
            "fuel_record.vehicle_id": "SELECT COUNT(*) FROM fuel_record f LEFT JOIN vehicle v ON v.id = f.vehicle_id WHERE v.id IS NULL",
            "asset.org_id": "SELECT COUNT(*) FROM asset a LEFT JOIN org_node o ON o.id = a.org_id WHERE o.id IS NULL",
            "asset.building_id": "SELECT COUNT(*) FROM asset a LEFT JOIN building b ON b.id = a.building_id "
            "WHERE a.building_id IS NOT NULL AND b.id IS NULL",
            "asset_movement.to_org_id": "SELECT COUNT(*) FROM asset_movement m LEFT JOIN org_node o ON o.id = m.to_org_id "
            "WHERE m.to_org_id IS NOT NULL AND o.id IS NULL",
            "office_occupancy.staff_no": "SELECT COUNT(*) FROM office_occupancy o LEFT JOIN staff_member s ON s.staff_no = o.staff_no "
            "WHERE s.id IS NULL",
            "office_room.building": "SELECT COUNT(*) FROM office_room r JOIN building b ON b.id = r.building_id WHERE b.org_id <> r.org_id",
            "lease.unit_id": "SELECT COUNT(*) FROM lease l LEFT JOIN housing_unit u ON u.id = l.unit_id WHERE u.id IS NULL",
            "lease.tenant_org_id": "SELECT COUNT(*) FROM lease l LEFT JOIN org_node o ON o.id = l.tenant_org_id WHERE o.id IS NULL",
            "weather_daily.city_id": "SELECT COUNT(*) FROM weather_daily w JOIN org_node o ON o.id = w.city_id WHERE o.level <> 'city'",
            "rollup.building": "SELECT COUNT(*) FROM rollup_daily r LEFT JOIN building b ON b.id = r.entity_id "
            "WHERE r.entity_kind = 'building' AND b.id IS NULL",
            "rollup.org": "SELECT COUNT(*) FROM rollup_monthly r LEFT JOIN org_node o ON o.id = r.entity_id "
            "WHERE r.entity_kind = 'org' AND o.id IS NULL",
        }
        for what, sql in orphans.items():
            assert conn.execute(sa.text(sql)).scalar_one() == 0, what

        # Provenance: every fact's batch exists, and each batch's counts add up and match its facts.
        batches = _frame(conn, "SELECT * FROM load_batch").set_index("id")
        assert (
            batches["rows_read"] == batches["rows_accepted"] + batches["rows_duplicate"] + batches["rows_rejected"]
        ).all()
        assert (batches["status"] == "applied").all()
        fact_tables = (
            "meter_reading",
            "weather_daily",
            "trip",
            "fuel_record",
            "maintenance_record",
            "insurance_policy",
            "asset",
            "asset_movement",
            "asset_audit",
            "office_occupancy",
            "lease",
        )
        accepted = pd.Series(0, index=batches.index)
        for table in fact_tables:
            per_batch = _frame(conn, f"SELECT batch_id, COUNT(*) AS n FROM {table} GROUP BY batch_id")
            assert per_batch["batch_id"].notna().all(), f"{table} has facts without a batch"
            assert set(per_batch["batch_id"]) <= set(batches.index), table
            assert (batches.loc[per_batch["batch_id"], "fact"].to_numpy() == LOADER_FACT.get(table, table)).all(), table
            accepted = accepted.add(per_batch.set_index("batch_id")["n"], fill_value=0)
        assert (accepted.reindex(batches.index).fillna(0) == batches["rows_accepted"]).all()
        rejected = _frame(conn, "SELECT batch_id, COUNT(*) AS n FROM quarantine_row GROUP BY batch_id").set_index(
            "batch_id"
        )["n"]
        assert rejected.reindex(batches.index).fillna(0).astype(int).equals(batches["rows_rejected"].astype(int))
        # Quarantined demo rows speak the loader's language: its reason codes with their
        # parameters, its fact names, and the headers of its import formats.
        quarantined = _frame(conn, "SELECT fact, reason_code, reason_params, raw, org_id FROM quarantine_row")
        assert not quarantined.empty
        # placed in an org as the loader places them: known codes have one, unknown ones none
        unknown = quarantined["reason_code"].isin(["unknown_meter", "unknown_vehicle"])
        assert quarantined.loc[unknown, "org_id"].isna().all() and quarantined.loc[~unknown, "org_id"].notna().all()
        assert set(quarantined["reason_code"]) <= set(ROW_REASONS)
        assert set(quarantined["fact"]) <= set(FORMATS)
        for row in quarantined.itertuples():
            params = json.loads(row.reason_params) if isinstance(row.reason_params, str) else row.reason_params
            assert set(params) == set(ROW_REASONS[row.reason_code]), row.reason_code
            raw = json.loads(row.raw) if isinstance(row.raw, str) else row.raw
            header_map, issues = match_header(row.fact, list(raw))
            assert header_map is not None, issues
        months = _frame(conn, "SELECT domain, data_from FROM load_batch WHERE data_from IS NOT NULL")
        months["month"] = pd.to_datetime(months["data_from"]).add(LOCAL).dt.to_period("M")
        first_month = pd.Period(AS_OF - dt.timedelta(days=75), "M")
        every_month = set(pd.period_range(first_month, pd.Period(AS_OF, "M"), freq="M"))
        for domain in ("energy", "vehicle", "asset", "housing"):
            assert set(months.loc[months["domain"] == domain, "month"]) >= every_month, domain

        # Roll-ups equal raw facts, recomputed here independently.
        readings = _frame(
            conn,
            "SELECT r.ts, r.value, m.kind, m.interval_minutes, m.building_id, b.org_id FROM meter_reading r "
            "JOIN meter m ON m.id = r.meter_id JOIN building b ON b.id = m.building_id",
        )
        readings["day"] = _local_days(readings["ts"], readings["interval_minutes"])
        readings["month"] = readings["day"].dt.to_period("M").dt.start_time
        root = conn.execute(sa.text("SELECT id FROM org_node WHERE parent_id IS NULL")).scalar_one()
        monthly = _frame(
            conn,
            "SELECT metric_id, month, value, samples FROM rollup_monthly WHERE entity_kind = 'org' "
            "AND entity_id = :root",
            root=root,
        )
        monthly["month"] = pd.to_datetime(monthly["month"])
        for kind, metric in (
            ("electricity", "energy.electricity_kwh"),
            ("water", "energy.water_m3"),
            ("heat", "energy.heat_gj"),
        ):
            raw = readings[readings["kind"] == kind].groupby("month")["value"].agg(["sum", "size"])
            stored = monthly[monthly["metric_id"] == metric].set_index("month")
            assert len(raw) >= 3
            assert np.allclose(stored.loc[raw.index, "value"], raw["sum"]), metric
            assert (stored.loc[raw.index, "samples"].to_numpy() == raw["size"].to_numpy()).all(), metric
        electricity = readings[readings["kind"] == "electricity"].copy()
        hour = (pd.to_datetime(electricity["ts"], format="ISO8601") + pd.Timedelta(hours=7)).dt.hour
        night = electricity[(hour >= 22) | (hour < 6)].groupby("month")["value"].sum()
        stored = monthly[monthly["metric_id"] == "energy.night_electricity_kwh"].set_index("month")
        assert np.allclose(stored.loc[night.index, "value"], night)

        rng = np.random.default_rng(0)
        for _ in range(5):
            pick = electricity.iloc[int(rng.integers(0, len(electricity)))]
            raw = electricity[
                (electricity["building_id"] == pick["building_id"]) & (electricity["day"] == pick["day"])
            ]["value"].sum()
            stored = conn.execute(
                sa.text(
                    "SELECT value FROM rollup_daily WHERE metric_id = 'energy.electricity_kwh' AND entity_kind = 'building' "
                    "AND entity_id = :b AND day = :d"
                ).bindparams(sa.bindparam("d", type_=sa.Date())),
                {"b": int(pick["building_id"]), "d": pick["day"].date()},
            ).scalar_one()
            assert stored == pytest.approx(raw)

        trips = _frame(conn, "SELECT start_ts, km FROM trip")
        trips["month"] = _local_days(trips["start_ts"], 0).dt.to_period("M").dt.start_time
        raw = trips.groupby("month")["km"].agg(["sum", "size"])
        for metric, column in (("vehicle.km", "sum"), ("vehicle.trips", "size")):
            stored = monthly[monthly["metric_id"] == metric].set_index("month")
            assert np.allclose(stored.loc[raw.index, "value"], raw[column]), metric
        fleet = monthly[monthly["metric_id"] == "vehicle.fleet"].set_index("month")["value"]
        assert (
            fleet.iloc[-1]
            == conn.execute(sa.text("SELECT COUNT(*) FROM vehicle WHERE status <> 'disposed'")).scalar_one()
        )

        versions = dict(conn.execute(sa.text("SELECT domain, version FROM data_version")).all())
        assert all(versions[d] >= 1 for d in ("energy", "vehicle", "asset", "housing"))
        sources = _frame(conn, "SELECT kind, domain FROM data_source")
        assert (sources["kind"] == "demo_generator").all()
        assert set(sources["domain"]) == {"energy", "vehicle", "asset", "housing"}

    assert counts["load_batch"] == len(batches) and counts["rollup_daily"] > 0
    # The ORM reads back what the bulk writer stored (timestamps come back as aware UTC datetimes).
    with Session(engine) as session:
        for mapper in Base.registry.mappers:
            rows = session.scalars(sa.select(mapper.class_).limit(50)).all()
            for row in rows:
                for column in mapper.columns:
                    value = getattr(row, column.key)
                    if isinstance(value, dt.datetime):
                        assert value.tzinfo is not None, f"{mapper.class_.__name__}.{column.key}"
        reading = session.scalars(
            sa.select(MeterReading).order_by(MeterReading.meter_id, MeterReading.ts).limit(1)
        ).one()
        assert reading.ts == dt.datetime.combine(
            AS_OF - dt.timedelta(days=75), dt.time(1), dt.timezone(dt.timedelta(hours=8))
        )
    # New rows after the demo get fresh ids (PostgreSQL sequences continue after the demo's ids).
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO org_node (parent_id, level, admin_level, code, name_zh, name_en, path, depth, "
                "headcount, energy_users, sort_order) VALUES (1, 'agency', 'province', 'NEW', '新', 'New', "
                "'/1/x/', 1, 0, 0, 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO load_batch (domain, fact, rows_read, rows_accepted, rows_duplicate, rows_rejected, "
                "status, started_at) VALUES ('energy', 'meter_reading', 0, 0, 0, 0, 'running', :t)"
            ).bindparams(sa.bindparam("t", type_=sa.DateTime())),
            {"t": dt.datetime(2026, 11, 25)},
        )
    with pytest.raises(DatabaseNotEmpty):
        build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF)
    assert build_demo(db_url, tier="tiny", seed=11, as_of=AS_OF, if_empty=True)["skipped"] is True


def test_cli_migrates_builds_and_respects_if_empty(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    try:
        assert demo_cli(["--tier", "tiny", "--url", url, "--seed", "3", "--as-of", "2026-11-25"]) == 0
        assert '"meter_reading"' in capsys.readouterr().out
        assert demo_cli(["--tier", "tiny", "--url", url, "--if-empty"]) == 0
        assert '"skipped": true' in capsys.readouterr().out
    finally:
        dispose_engine(url)
