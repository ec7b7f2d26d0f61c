"""The Alembic migration builds the whole schema on SQLite and PostgreSQL, and takes it down again."""

from __future__ import annotations

import sqlalchemy as sa

from data.db import get_engine
from data.migrate import downgrade, upgrade
from data.models import Base


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
