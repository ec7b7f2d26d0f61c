"""Database backups and restore.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  while the app and the loaders keep running; the copy is checked with ``PRAGMA
  integrity_check`` before it counts as a backup.
* PostgreSQL: ``pg_dump --format=custom`` when ``pg_dump`` is on the PATH (restore with
  ``pg_restore --clean --if-exists --single-transaction``). Without it, the backup fails with a
  clear message (the scheduler records the failed job; nothing is silently skipped).

Backups are named ``aocc-YYYYMMDD-HHMMSS.sqlite3`` / ``.dump`` (UTC) in the backup folder;
the newest ``keep`` are kept.

Command line::

    python -m data.backup backup  [--url URL] [--dest DIR] [--keep N]
    python -m data.backup restore FILE [--url URL] --yes
    python -m data.backup list    [--dest DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger("aocc.backup")

PREFIX = "aocc-"
SUFFIXES = (".sqlite3", ".dump")


class BackupError(RuntimeError):
    """A backup or restore that could not be made; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    created_at: dt.datetime
    kind: str  # sqlite | postgresql


def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"not a file-backed SQLite URL: {parsed.render_as_string(hide_password=True)}")
    return Path(parsed.database)


def _libpq_url(url: str) -> str:
    """A URL pg_dump understands (no ``+psycopg2`` driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def backup_database(url: str, dest_dir: Path, *, now: dt.datetime, keep: int = 14) -> Path:
    """Write a backup of the database at ``url`` into ``dest_dir``; returns its path."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        target = dest_dir / f"{PREFIX}{stamp}.sqlite3"
        _backup_sqlite(_sqlite_path(url), target)
    elif dialect == "postgresql":
        target = dest_dir / f"{PREFIX}{stamp}.dump"
        _backup_postgres(url, target)
    else:
        raise BackupError(f"no backup method for {dialect}")
    prune_backups(dest_dir, keep=keep)
    log.info("backup written: %s (%d bytes)", target, target.stat().st_size)
    return target


def _backup_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"database file {source} does not exist")
    partial = target.with_suffix(target.suffix + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(source), timeout=60)
    dst = sqlite3.connect(str(partial))
    try:
        src.execute("PRAGMA busy_timeout=60000")
        # pages=-1: copy in one step; the source stays readable and writable by others meanwhile.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"backup failed its integrity check: {result}")
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)


def _backup_postgres(url: str, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (apt-get install postgresql-client); no PostgreSQL backup was made")
    partial = target.with_suffix(target.suffix + ".partial")
    cmd = [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={_libpq_url(url)}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=6 * 3600)
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")
    os.replace(partial, target)


def list_backups(dest_dir: Path) -> list[BackupInfo]:
    """Backups in ``dest_dir``, newest first."""
    dest_dir = Path(dest_dir)
    if not dest_dir.is_dir():
        return []
    out = []
    for path in dest_dir.iterdir():
        if path.name.startswith(PREFIX) and path.suffix in SUFFIXES:
            try:
                created = dt.datetime.strptime(path.stem[len(PREFIX) :], "%Y%m%d-%H%M%S").replace(tzinfo=dt.UTC)
            except ValueError:
                continue
            out.append(
                BackupInfo(path, path.stat().st_size, created, "sqlite" if path.suffix == ".sqlite3" else "postgresql")
            )
    return sorted(out, key=lambda b: b.created_at, reverse=True)


def prune_backups(dest_dir: Path, *, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups (of each kind); returns what was removed."""
    if keep <= 0:
        return []
    removed = []
    backups = list_backups(dest_dir)
    for kind in ("sqlite", "postgresql"):
        for info in [b for b in backups if b.kind == kind][keep:]:
            info.path.unlink(missing_ok=True)
            removed.append(info.path)
    return removed


def restore_database(backup: Path, url: str) -> None:
    """Replace the database at ``url`` with the contents of ``backup``.

    Stop the web app and the scheduler first: a restore rewrites every table.
    """
    backup = Path(backup)
    if not backup.exists():
        raise BackupError(f"backup {backup} does not exist")
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        _restore_sqlite(backup, _sqlite_path(url))
    elif dialect == "postgresql":
        _restore_postgres(backup, url)
    else:
        raise BackupError(f"no restore method for {dialect}")
    log.info("restored %s from %s", make_url(url).render_as_string(hide_password=True), backup)


def _restore_sqlite(backup: Path, target: Path) -> None:
    if backup.suffix != ".sqlite3":
        raise BackupError(f"{backup.name} is not a SQLite backup")
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        try:
            result = src.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"backup {backup.name} is damaged: {exc}") from exc
        if result != "ok":
            raise BackupError(f"backup {backup.name} is damaged: {result}")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(str(target), timeout=60)
        try:
            # The backup API writes every page of the target, through its WAL if it has one.
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()


def _restore_postgres(backup: Path, url: str) -> None:
    if backup.suffix != ".dump":
        raise BackupError(f"{backup.name} is not a PostgreSQL backup")
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError("pg_restore is not installed (apt-get install postgresql-client)")
    cmd = [
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={_libpq_url(url)}",
        str(backup),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=6 * 3600)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")


def main(argv: list[str] | None = None) -> int:
    from config import load_config

    config = load_config()
    default_dest = Path(getattr(config, "backup_dir", None) or Path(config.var_dir) / "backups")
    parser = argparse.ArgumentParser(
        prog="python -m data.backup", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup", help="write a backup now")
    b.add_argument("--url", default=config.database_url)
    b.add_argument("--dest", type=Path, default=default_dest)
    b.add_argument("--keep", type=int, default=int(getattr(config, "backup_keep", 14)))
    r = sub.add_parser("restore", help="replace the database with a backup (stop the app first)")
    r.add_argument("file", type=Path)
    r.add_argument("--url", default=config.database_url)
    r.add_argument("--yes", action="store_true", help="confirm: the database is overwritten")
    ls = sub.add_parser("list", help="list backups, newest first")
    ls.add_argument("--dest", type=Path, default=default_dest)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        if args.command == "backup":
            path = backup_database(args.url, args.dest, now=dt.datetime.now(dt.UTC), keep=args.keep)
            print(path)
        elif args.command == "restore":
            if not args.yes:
                print("refusing to overwrite the database without --yes", file=sys.stderr)
                return 2
            restore_database(args.file, args.url)
            print(f"restored from {args.file}")
        else:
            for info in list_backups(args.dest):
                print(f"{info.created_at:%Y-%m-%d %H:%M:%S}Z  {info.size_bytes:>12,d}  {info.path}")
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
