"""Evaluation of every enabled default alert rule over every entity at `province` scale.

On the cached province database (``benchmarks.province``), inside ONE transaction that is rolled
back at the end (the cached database is left as it was): the default rules are seeded
(``ensure_default_rules``), then ``evaluate_rules`` runs on the demo's own clock (local midnight
of the as-of day, as the demo build evaluates). The first run opens the alerts the province's
anomalies deserve (inserts of alerts and events); the following runs are the steady state of the
scheduler's 5-minute check (the same alerts updated, nothing opened). The figure is the median of
the ``--runs`` subsequent runs; the first run and each rule's median are in the note.

Target (PRODUCT.md): all threshold rules over all entities ≤ 1 s.

    python -m benchmarks.bench_alerts [--database sqlite|postgresql|both] [--runs 7] [--no-record]
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from benchmarks.province import AS_OF, ensure_province
from benchmarks.results import Result, per_database_main, today

TARGET_S = 1.0


def evaluation_runs(url: str, *, runs: int) -> tuple[float, list[float], dict[str, list[float]], dict, list[float]]:
    """``(first run s, subsequent runs s, per-rule seconds by code, first run's summary, subsequent
    runs' CPU seconds of this process)``. On SQLite the engine runs in this process, so its CPU
    time is the work done, less sensitive than the wall clock to other jobs on a shared machine."""
    from data.alerts.evaluate import evaluate_rules
    from data.alerts.rules import ensure_default_rules
    from data.calendar import configured_calendar
    from data.db import get_engine

    now = configured_calendar().day_start_utc_naive(AS_OF).replace(tzinfo=dt.UTC)
    engine = get_engine(url)
    per_rule: dict[str, list[float]] = {}
    samples: list[float] = []
    cpu: list[float] = []
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            ensure_default_rules(conn, now=now)
            started = time.perf_counter()
            summary = evaluate_rules(conn, now=now)
            first = time.perf_counter() - started
            for _ in range(runs):
                timings: dict[str, float] = {}
                started, cpu_started = time.perf_counter(), time.process_time()
                evaluate_rules(conn, now=now, timings=timings)
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                for code, seconds in timings.items():
                    per_rule.setdefault(code, []).append(seconds)
        finally:
            transaction.rollback()
    return first, samples, per_rule, summary, cpu


def bench_database(database: str, *, runs: int = 7, log=print) -> list[Result]:
    url = ensure_province(database, log=log)
    first, samples, per_rule, summary, cpu = evaluation_runs(url, runs=runs)
    median = statistics.median(samples)
    medians = {code: statistics.median(v) for code, v in per_rule.items()}
    slowest = sorted(medians.items(), key=lambda item: -item[1])
    log(
        f"{database}: first run {first:.3f} s, median of {runs} {median:.3f} s [{', '.join(f'{s:.3f}' for s in samples)}]"
    )
    for code, seconds in slowest:
        log(f"  {code:32s} {seconds * 1000:8.1f} ms")
    rules_ms = "; ".join(f"{code} {seconds * 1000:.0f}" for code, seconds in slowest)
    return [
        Result(
            "all alert rules over all entities",
            round(median, 3),
            "s",
            f"≤ {TARGET_S:g} s",
            median <= TARGET_S,
            database,
            "province",
            today(),
            f"python -m benchmarks.bench_alerts --database {database}",
            f"{summary['rules']} default rules in one transaction rolled back afterwards; first run "
            f"{first:.2f} s (opened {summary['opened']} alerts), then median of {runs} steady-state runs "
            f"(runs s: {', '.join(f'{s:.2f}' for s in samples)}; CPU of the benchmark process, median "
            f"{statistics.median(cpu):.2f} s{', the engine included' if database == 'sqlite' else ''}); "
            f"per-rule medians ms: {rules_ms}",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    return per_database_main(
        argv, prog="python -m benchmarks.bench_alerts", doc=__doc__, bench=bench_database, default=7
    )


if __name__ == "__main__":
    raise SystemExit(main())
