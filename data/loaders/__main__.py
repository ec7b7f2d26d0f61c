"""Load files by hand: ``python -m data.loaders FILE... [--fact F] [--force] [--url URL]``.

Each file is one batch, exactly as from a drop folder, but the file stays where it is. Master
data (org units, buildings, meters, vehicles, staff) is loaded first, in that order, whatever
the order of the arguments; then the fact files in the order given. Exit status 1 if any file
failed. A new installation: ``python -m data.loaders data/samples/master_*.* data/samples/fresh_*.csv``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from config import load_config
from data.db import get_engine
from data.import_formats import FACTS

from .pipeline import load_file, settings_from_config
from .sources import loading_order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data.loaders", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--fact", choices=FACTS)
    parser.add_argument("--force", action="store_true", help="load even if the same file was loaded before")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load_config()
    engine = get_engine(args.url or config.database_url)
    settings = settings_from_config(config)
    failed = 0
    files = list(args.files) if args.fact else loading_order(list(args.files))
    for path in files:
        result = load_file(
            engine, path, now=dt.datetime.now(dt.UTC), fact=args.fact, settings=settings, force=args.force
        )
        print(result.summary())
        for issue in result.issues:
            print("   ", issue.log_text())
        failed += result.status == "failed"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
