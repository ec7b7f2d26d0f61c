"""``python -m benchmarks <what> [--database sqlite|postgresql|both]``

  build       build (once) the province-scale databases used by every benchmark
  callbacks   server-side time of each page's callbacks vs the same views from raw tables
  ingest      meter-reading ingest vs the raw insert rate (see benchmarks/bench_ingest.py)
  memory      resident memory of an app worker serving every page (see benchmarks/bench_memory.py)
  wall        first complete render of the wall screen in headless Chromium (benchmarks/bench_wall.py)
  hostile     refusal time of hostile XLSX files, loader memory on large files (benchmarks/bench_hostile.py)
  alerts      every default alert rule over every entity (benchmarks/bench_alerts.py)
  baseline    energy baseline accuracy, demo buildings and real meters vs CalTRACK (benchmarks/bench_baseline.py)
  all         callbacks, ingest, memory, the wall screen and the alert rules

Results are written to benchmarks/results.json and BENCHMARKS.md unless --no-record.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "what", choices=("build", "callbacks", "ingest", "memory", "wall", "hostile", "alerts", "baseline", "all")
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per callback")
    parser.add_argument("--raw-repeat", type=int, default=3, help="timed runs per raw-table view")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())  # `import app` needs one; the runs use their own

    from benchmarks import bench_alerts, bench_callbacks, bench_hostile, bench_ingest, bench_memory, bench_wall
    from benchmarks.province import ensure_province
    from benchmarks.results import record

    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = []
    for database in databases:
        if args.what == "build":
            print(ensure_province(database))
        if args.what in ("callbacks", "all"):
            results += bench_callbacks.bench_database(database, repeat=args.repeat, raw_repeat=args.raw_repeat)
        if args.what in ("ingest", "all"):
            results += bench_ingest.bench_database(database, runs=5)
        if args.what in ("memory", "all"):
            results += bench_memory.bench_database(database, rounds=60)
        if args.what in ("wall", "all"):
            results += bench_wall.bench_database(database, runs=7)
        if args.what in ("alerts", "all"):
            results += bench_alerts.bench_database(database, runs=7)
    if args.what == "hostile":  # fresh SQLite databases of its own: not per --database
        results += bench_hostile.bench(runs=15)
    if args.what == "baseline":  # a fresh small demo and eemeter's samples: not per --database
        from benchmarks import bench_baseline

        results += bench_baseline.demo_results(20) + bench_baseline.real_results()
    if results and not args.no_record:
        record(results)
        print(f"recorded {len(results)} figures in benchmarks/results.json and BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
