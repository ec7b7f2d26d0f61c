"""Backups: the SQLite online backup while the database is in use, pg_dump on PostgreSQL, and
the restore command bringing a backup back; old backups are pruned."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.backup import BackupError, backup_database, list_backups, prune_backups, restore_database
from data.db import get_engine
from data.loaders import load_file

from loader_world import NOW, build_world, hourly_csv

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC


def count(url, table="meter_reading"):
    with get_engine(url).connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_sqlite_backup_while_open_and_restore(sqlite_url, tmp_path):
    build_world(sqlite_url)
    engine = get_engine(sqlite_url)
    (tmp_path / "a.csv").write_text(hourly_csv(), encoding="utf-8")
    load_file(engine, tmp_path / "a.csv", now=NOW)
    # a reader holds a transaction open during the backup (the app keeps running)
    with engine.connect() as reader:
        reader.execute(sa.text("SELECT count(*) FROM meter_reading")).scalar()
        path = backup_database(sqlite_url, tmp_path / "backups", now=NOW)
    assert path.name == "aocc-20261121-020000.sqlite3"
    # more data arrives after the backup …
    (tmp_path / "b.csv").write_text(hourly_csv(day="2026-11-19"), encoding="utf-8")
    load_file(engine, tmp_path / "b.csv", now=NOW)
    assert count(sqlite_url) == 48
    # … and the restore brings the database back to the backup
    restore_database(path, sqlite_url)
    assert count(sqlite_url) == 24
    assert count(sqlite_url, "rollup_daily") > 0


def test_restore_into_a_new_file(sqlite_url, tmp_path):
    build_world(sqlite_url)
    path = backup_database(sqlite_url, tmp_path / "b", now=NOW)
    target = f"sqlite:///{tmp_path / 'restored' / 'new.sqlite3'}"
    restore_database(path, target)
    assert count(target, "org_node") == 5
    with pytest.raises(BackupError):
        restore_database(tmp_path / "missing.sqlite3", target)
    damaged = tmp_path / "b" / "aocc-20000101-000000.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(BackupError):
        restore_database(damaged, target)


def test_prune_keeps_the_newest(tmp_path):
    for day in range(1, 6):
        (tmp_path / f"aocc-202611{day:02d}-023000.sqlite3").write_bytes(b"x")
    (tmp_path / "unrelated.txt").write_text("keep me")
    removed = prune_backups(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == [f"aocc-202611{d:02d}-023000.sqlite3" for d in (1, 2, 3)]
    assert [b.path.name for b in list_backups(tmp_path)] == [
        "aocc-20261105-023000.sqlite3",
        "aocc-20261104-023000.sqlite3",
    ]
    assert (tmp_path / "unrelated.txt").exists()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed")
def test_postgresql_dump_and_restore(pg_url, tmp_path):
    build_world(pg_url)
    engine = get_engine(pg_url)
    (tmp_path / "a.csv").write_text(hourly_csv(), encoding="utf-8")
    load_file(engine, tmp_path / "a.csv", now=NOW)
    path = backup_database(pg_url, tmp_path / "backups", now=NOW)
    assert path.suffix == ".dump" and path.stat().st_size > 0
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM meter_reading"))
    engine.dispose()
    restore_database(path, pg_url)
    assert count(pg_url) == 24
    assert count(pg_url, "org_node") == 5


def test_backup_without_pg_dump_fails_clearly(pg_url, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup_database(pg_url, tmp_path, now=NOW)


def test_command_line_backup_and_restore(sqlite_url, tmp_path):
    build_world(sqlite_url)
    env = {**os.environ, "DATABASE_URL": sqlite_url, "AOCC_VAR_DIR": str(tmp_path)}
    made = subprocess.run(
        [sys.executable, "-m", "data.backup", "backup", "--dest", str(tmp_path / "bk")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert backup.exists()
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(sa.text("DELETE FROM housing_unit"))
    refused = subprocess.run(
        [sys.executable, "-m", "data.backup", "restore", str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    restored = subprocess.run(
        [sys.executable, "-m", "data.backup", "restore", str(backup), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr
    assert count(sqlite_url, "housing_unit") == 1
    listed = subprocess.run(
        [sys.executable, "-m", "data.backup", "list", "--dest", str(tmp_path / "bk")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert backup.name in listed.stdout


def test_manage_py_backup_and_restore(sqlite_url, tmp_path, monkeypatch):
    import manage

    build_world(sqlite_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("AOCC_VAR_DIR", str(tmp_path))
    assert manage.main(["backup", "--dest", str(tmp_path / "m")]) == 0
    [backup] = list_backups(tmp_path / "m")
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(sa.text("DELETE FROM housing_unit"))
    assert manage.main(["restore", str(backup.path)]) == 2  # refuses without --yes
    assert manage.main(["restore", str(backup.path), "--yes"]) == 0
    assert count(sqlite_url, "housing_unit") == 1
