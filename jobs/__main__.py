"""The scheduler process: ``python -m jobs`` (also ``python manage.py scheduler``).

python -m jobs                 run the scheduler until SIGTERM / Ctrl-C
python -m jobs --list          print the jobs and their schedules, then exit
python -m jobs --run JOB_ID    run one job now (recorded like a scheduled run), then exit
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys

from config import load_config
from data.migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jobs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="print the jobs and exit")
    parser.add_argument("--run", metavar="JOB_ID", help="run one job now and exit")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load_config()
    upgrade(config.database_url)

    from jobs.definitions import all_jobs
    from jobs.process import SchedulerProcess
    from jobs.runner import run_job

    if args.list or args.run:
        from data.db import get_engine

        engine = get_engine(config.database_url)
        specs = {s.id: s for s in all_jobs(engine, config)}
        if args.list:
            for spec in specs.values():
                print(f"{spec.id:<28} {spec.schedule.describe():<22} {spec.description}")
            return 0
        spec = specs.get(args.run)
        if spec is None:
            print(f"no job {args.run!r}; see --list", file=sys.stderr)
            return 2
        outcome = run_job(engine, spec, now=dt.datetime.now(dt.UTC), host="manual", timezone=config.timezone)
        print(f"{outcome.job_id} {outcome.scheduled_for.isoformat()}: {outcome.outcome} {outcome.message or ''}")
        return 0 if outcome.outcome != "failed" else 1

    process = SchedulerProcess(config)

    def stop(signum, _frame):
        logging.getLogger("aocc.scheduler").info("signal %s: shutting down", signum)
        if process.scheduler.running:
            process.scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        process.start()
    finally:
        process.leadership.release()
        process.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
