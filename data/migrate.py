"""Bring a database to the newest schema: ``python -m data.migrate [URL]``."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from config import PROJECT_ROOT, load_config


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(Path(PROJECT_ROOT) / "alembic.ini"))
    cfg.set_main_option("script_location", str(Path(PROJECT_ROOT) / "data" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    url = argv[0] if argv else load_config().database_url
    upgrade(url)
    print(f"database at head: {url.split('@')[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
