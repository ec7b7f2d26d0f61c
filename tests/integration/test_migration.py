"""The Alembic migration builds the whole schema on SQLite and PostgreSQL, and takes it down again."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from data.db import get_engine
from data.demo import build_demo
from data.migrate import downgrade, upgrade
from data.models import Base
from data.models.rollup import PROFILE_HOUR_COLUMNS


def _tables(url: str) -> set[str]:
    engine = get_engine(url)
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_every_model_table(db_url):
    assert _tables(db_url) == set(Base.metadata.tables)


def test_migrated_columns_match_the_models(db_url):
    inspector = sa.inspect(get_engine(db_url))
    for name, table in Base.metadata.tables.items():
        migrated = {c["name"] for c in inspector.get_columns(name)}
        assert migrated == {c.name for c in table.columns}, name


def test_one_open_alert_per_rule_and_entity_is_enforced_by_the_database(db_url):
    inspector = sa.inspect(get_engine(db_url))
    unique_indexes = {ix["name"] for ix in inspector.get_indexes("alert") if ix["unique"]}
    assert "uq_alert_open_rule_entity" in unique_indexes


def test_downgrade_then_upgrade_round_trips(db_url):
    downgrade(db_url, "base")
    assert _tables(db_url) == set()
    upgrade(db_url)
    assert _tables(db_url) == set(Base.metadata.tables)


def test_upgrade_is_idempotent(db_url):
    upgrade(db_url)
    assert _tables(db_url) == set(Base.metadata.tables)


# --- 0002: the hourly profile from one row per hour to one column per hour ----------------------

NARROW = "metric_id, entity_kind, entity_id, month, weekday, hour, value, samples"
E = "energy.electricity_kwh"
# (metric, kind, entity, month, weekday, hour, value, samples) as the 0001 roll-up wrote them
NARROW_ROWS = [
    (E, "building", 1, dt.date(2026, 3, 1), 0, 0, 2.0, 1),
    (E, "building", 1, dt.date(2026, 3, 1), 0, 8, 4.0, 1),
    (E, "building", 1, dt.date(2026, 3, 1), 0, 21, 8.0, 2),
    (E, "building", 1, dt.date(2026, 3, 1), 6, 23, 1.5, 3),
    (E, "building", 2, dt.date(2026, 3, 1), 0, 5, 0.0, 2),  # a meter that read 0
    (E, "building", 2, dt.date(2026, 3, 1), 0, 6, 3.0, 2),
    (E, "org", 1, dt.date(2026, 2, 1), 5, 17, 32.25, 5),
    (E, "org", 1, dt.date(2026, 3, 1), 0, 0, 2.0, 1),
    (E, "org", 1, dt.date(2026, 3, 1), 0, 17, 30.0, 29),
]
# (kind, entity, month, weekday) -> ({hour column: value, non-zero only}, samples)
WIDE_ROWS = {
    ("building", 1, "2026-03-01", 0): ({"h00": 2.0, "h08": 4.0, "h21": 8.0}, 4),
    ("building", 1, "2026-03-01", 6): ({"h23": 1.5}, 3),
    ("building", 2, "2026-03-01", 0): ({"h06": 3.0}, 4),
    ("org", 1, "2026-02-01", 5): ({"h17": 32.25}, 5),
    ("org", 1, "2026-03-01", 0): ({"h00": 2.0, "h17": 30.0}, 30),
}


def _wide(conn) -> dict:
    rows = conn.execute(
        sa.text(
            f"SELECT entity_kind, entity_id, month, weekday, {', '.join(PROFILE_HOUR_COLUMNS)}, samples "
            "FROM rollup_hourly_profile ORDER BY entity_kind, entity_id, month, weekday"
        )
    ).all()
    return {
        (r[0], r[1], str(r[2])[:10], r[3]): ({h: v for h, v in zip(PROFILE_HOUR_COLUMNS, r[4:28]) if v != 0}, r[28])
        for r in rows
    }


def _narrow(conn) -> list[tuple]:
    rows = conn.execute(sa.text(f"SELECT {NARROW} FROM rollup_hourly_profile ORDER BY {NARROW}")).all()
    return [(m, k, e, str(mo)[:10], w, h, v, s) for m, k, e, mo, w, h, v, s in rows]


def _pk(url: str) -> dict:
    return sa.inspect(get_engine(url)).get_pk_constraint("rollup_hourly_profile")


def test_0002_pivots_narrow_profile_rows_into_hour_columns_and_back(db_url):
    downgrade(db_url, "0001")  # an empty wide table back to the narrow layout
    assert _pk(db_url)["constrained_columns"] == ["metric_id", "entity_kind", "entity_id", "month", "weekday", "hour"]
    engine = get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO rollup_hourly_profile ({NARROW}) VALUES (:m, :k, :e, :mo, :w, :h, :v, :s)"
            ).bindparams(sa.bindparam("mo", type_=sa.Date())),
            [dict(zip(("m", "k", "e", "mo", "w", "h", "v", "s"), row)) for row in NARROW_ROWS],
        )

    upgrade(db_url, "0002")
    pk = _pk(db_url)
    assert pk["constrained_columns"] == ["metric_id", "entity_kind", "entity_id", "month", "weekday"]
    assert pk["name"] == "pk_rollup_hourly_profile"
    with engine.connect() as conn:
        assert _wide(conn) == WIDE_ROWS
        assert set(conn.execute(sa.text("SELECT metric_id FROM rollup_hourly_profile")).scalars()) == {E}
    with engine.begin() as conn:  # the new columns default to 0 in the database too
        conn.execute(
            sa.text(
                "INSERT INTO rollup_hourly_profile (metric_id, entity_kind, entity_id, month, weekday, h05) "
                "VALUES (:m, 'building', 9, :mo, 3, 7.0)"
            ).bindparams(sa.bindparam("mo", type_=sa.Date())),
            {"m": E, "mo": dt.date(2026, 1, 1)},
        )
        assert _wide(conn)[("building", 9, "2026-01-01", 3)] == ({"h05": 7.0}, 0)
        conn.execute(sa.text("DELETE FROM rollup_hourly_profile WHERE entity_id = 9"))

    downgrade(db_url, "0001")
    pk = _pk(db_url)
    assert pk["constrained_columns"] == ["metric_id", "entity_kind", "entity_id", "month", "weekday", "hour"]
    assert pk["name"] == "pk_rollup_hourly_profile"
    with engine.connect() as conn:
        narrow = _narrow(conn)
    # Every wide row comes back as 24 hour rows: the values exactly (0 for hours without readings),
    # the samples spread evenly, the remainder on the earliest hours, so each cell keeps its total.
    assert len(narrow) == 24 * len(WIDE_ROWS)
    for (kind, entity, month, weekday), (values, samples) in WIDE_ROWS.items():
        cell = [r for r in narrow if r[1:5] == (kind, entity, month, weekday)]
        assert [r[5] for r in cell] == list(range(24))
        assert {f"h{r[5]:02d}": r[6] for r in cell if r[6] != 0} == values
        assert [r[7] for r in cell] == [samples // 24 + (1 if h < samples % 24 else 0) for h in range(24)]
        assert sum(r[7] for r in cell) == samples
    original = {(m, k, e, str(mo), w, h): v for m, k, e, mo, w, h, v, _ in NARROW_ROWS}
    assert {r[:6]: r[6] for r in narrow if r[:6] in original} == original

    upgrade(db_url)
    with engine.connect() as conn:
        assert _wide(conn) == WIDE_ROWS


def test_0002_round_trips_a_demo_profile_row_for_row(db_url):
    build_demo(db_url, tier="tiny", seed=3, as_of=dt.date(2026, 11, 25))
    engine = get_engine(db_url)
    with engine.connect() as conn:
        wide = _wide(conn)
        total = conn.execute(
            sa.text(f"SELECT SUM({' + '.join(PROFILE_HOUR_COLUMNS)}) FROM rollup_hourly_profile")
        ).scalar_one()
    assert len(wide) > 100 and total > 0

    downgrade(db_url, "0001")
    with engine.connect() as conn:
        narrow = _narrow(conn)
    # complete hourly data: every hour of a cell has the same number of readings, so the narrow
    # table is what the 0001 roll-up would have written
    assert len(narrow) == 24 * len(wide)
    for _metric, kind, entity, month, weekday, hour, value, samples in narrow:
        values, total_samples = wide[(kind, entity, month, weekday)]
        assert value == values.get(f"h{hour:02d}", 0.0) and samples * 24 == total_samples

    upgrade(db_url)
    with engine.connect() as conn:
        assert _wide(conn) == wide
