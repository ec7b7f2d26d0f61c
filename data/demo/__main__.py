"""Build the demo province: ``python -m data.demo --tier small|province [--url URL] [--seed N]
[--as-of YYYY-MM-DD] [--if-empty]``.

Migrates the database to head first, then generates and commits. Prints the rows per table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys

from config import load_config

from ..migrate import upgrade
from . import DEFAULT_SEED, TIERS, build_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.demo", description="Build the deterministic demo province.")
    parser.add_argument("--tier", choices=list(TIERS), default="small")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or the SQLite file under var/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="the 'today' the data ends before (default: today in the configured zone, AOCC_TIMEZONE)",
    )
    parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already holds data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    url = args.url or load_config().database_url
    upgrade(url)
    counts = build_demo(url, tier=args.tier, seed=args.seed, as_of=args.as_of, if_empty=args.if_empty)
    json.dump(counts, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
