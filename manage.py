"""Command line for operators: ``python manage.py <command>``.

migrate                 bring the database to the newest schema and seed the reference data
                        every install needs (working-day calendar, asset categories, standards …)
seed-demo [--tier T]    generate the demo province (only into an empty database with --if-empty)
run                     migrate, seed the demo when AOCC_DEMO=1 and the database is empty,
                        then serve the web app and start the scheduler as its own process
web                     serve the web app only
create-admin USERNAME   create an administrator scoped to the province; prints a generated
                        password once (or reads one from stdin with --password-stdin)
scheduler               run the scheduler process only (same as ``python -m jobs``)
backup [--dest DIR]     back the database up now (SQLite online backup / pg_dump)
restore FILE --yes      replace the database with a backup (stop the app and the scheduler first)
rebuild-rollups         recompute every roll-up from the raw facts (after a change of the
                        holiday calendar, or to reconcile after a repair by hand)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("aocc.manage")


def _config():
    from config import load_config

    return load_config()


def cmd_migrate(_args) -> int:
    from data.migrate import upgrade
    from data.seed import seed_database

    cfg = _config()
    upgrade(cfg.database_url)
    seed_database(cfg.database_url)  # reference data every install needs (calendar, categories …)
    print(f"database migrated: {_safe_url(cfg.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_seed_demo(args) -> int:
    from data.demo import build_demo
    from data.migrate import upgrade

    cfg = _config()
    upgrade(cfg.database_url)
    started = time.perf_counter()
    counts = build_demo(cfg.database_url, tier=args.tier, if_empty=args.if_empty)
    if counts:
        print(
            f"demo '{args.tier}' generated in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()) if v)
        )
    else:
        print("database already holds data; demo not generated")
    return 0


def _prepare(cfg) -> None:
    from data.migrate import upgrade
    from data.seed import seed_database

    upgrade(cfg.database_url)
    seed_database(cfg.database_url)  # reference data every install needs, demo or not
    if cfg.demo_mode:
        from data.demo import build_demo

        started = time.perf_counter()
        counts = build_demo(cfg.database_url, tier=cfg.demo_tier, if_empty=True)
        if counts:
            print(f"demo province generated in {time.perf_counter() - started:.1f} s")
        _prepare_demo_accounts(cfg)


def _prepare_demo_accounts(cfg) -> None:
    from security.accounts import ensure_demo_accounts

    for username, role, password in ensure_demo_accounts(cfg):
        if role == "wall":
            print(f"  demo account  {username:<10} {role:<9} screen URL: http://{cfg.host}:{cfg.port}{password}")
        else:
            print(f"  demo account  {username:<10} {role:<9} password: {password}")


def _serve(cfg) -> None:
    from waitress import serve

    from app import create_app

    app = create_app(cfg)
    print(f"serving http://{cfg.host}:{cfg.port}")
    serve(app.server, host=cfg.host, port=cfg.port, threads=8, ident=None)


def cmd_web(_args) -> int:
    cfg = _config()
    if cfg.demo_mode:
        _prepare(cfg)
    _serve(cfg)
    return 0


def cmd_create_admin(args) -> int:
    from data.migrate import upgrade
    from security.accounts import SetupError, create_admin

    cfg = _config()
    upgrade(cfg.database_url)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            print("no password on stdin", file=sys.stderr)
            return 2
    try:
        user, generated = create_admin(
            cfg, username=args.username, display_name=args.display_name, password=password, create_root=args.create_root
        )
    except SetupError as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 1
    print(f"administrator {user.username!r} created (scope: province)")
    if generated:
        print(f"  one-time password: {generated}")
        print("  it is shown only now; the administrator must change it at first login")
    return 0


def cmd_scheduler(_args) -> int:
    from jobs.__main__ import main as scheduler_main

    return scheduler_main([])


def cmd_backup(args) -> int:
    from data.backup import main as backup_main

    return backup_main(["backup"] + (["--dest", args.dest] if args.dest else []))


def cmd_restore(args) -> int:
    from data.backup import main as backup_main

    return backup_main(["restore", args.file] + (["--yes"] if args.yes else []))


def cmd_rebuild_rollups(args) -> int:
    """Batches update the roll-ups incrementally; facts are the truth, and this recomputes from
    them, in one transaction (pages keep showing the old figures until it commits)."""
    import datetime as dt

    from data import rollup
    from data.calendar import calendar_for
    from data.db import get_engine
    from data.loaders.pipeline import write_connection

    cfg = _config()
    calendar = calendar_for(cfg.timezone)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else calendar.today()
    started = time.perf_counter()
    with write_connection(get_engine(cfg.database_url)) as conn:
        rollup.rebuild_all(conn, as_of=as_of, calendar=calendar)
    print(f"roll-ups rebuilt from raw facts as of {as_of} in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_run(_args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    cfg = _config()
    _prepare(cfg)
    # SIGTERM (a service manager, `kill`) ends the web server like Ctrl-C does, so that the
    # `finally` below stops the scheduler instead of leaving it running on its own.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    scheduler = subprocess.Popen([sys.executable, "-m", "jobs"], cwd=str(ROOT), env=os.environ.copy())
    print(f"scheduler started (pid {scheduler.pid})")
    try:
        _serve(cfg)
    finally:
        if scheduler.poll() is None:
            scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=15)
            except subprocess.TimeoutExpired:
                scheduler.kill()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="manage.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo")
    seed.add_argument("--tier", default="small", choices=("small", "province"))
    seed.add_argument("--if-empty", action="store_true")
    seed.set_defaults(func=cmd_seed_demo)
    sub.add_parser("run").set_defaults(func=cmd_run)
    sub.add_parser("web").set_defaults(func=cmd_web)
    sub.add_parser("scheduler").set_defaults(func=cmd_scheduler)
    backup = sub.add_parser("backup", help="back the database up now (see python -m data.backup)")
    backup.add_argument("--dest", help="folder (default: var/backups)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="replace the database with a backup; stop the app first")
    restore.add_argument("file")
    restore.add_argument("--yes", action="store_true", help="confirm: the database is overwritten")
    restore.set_defaults(func=cmd_restore)
    rebuild = sub.add_parser("rebuild-rollups", help="recompute every roll-up from the raw facts")
    rebuild.add_argument("--as-of", help="the day state metrics are valued at (default: today, local)")
    rebuild.set_defaults(func=cmd_rebuild_rollups)
    admin = sub.add_parser("create-admin", help="create an administrator (the first one, or another)")
    admin.add_argument("username")
    admin.add_argument("--display-name", default=None)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    admin.add_argument(
        "--create-root",
        metavar="NAME",
        default=None,
        help="create the province node with this name when the organisation tree is empty",
    )
    admin.set_defaults(func=cmd_create_admin)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
