"""Resident memory of one app worker at `province` scale, as a wall screen and leaders use it.

The worker is the production one: ``python manage.py web`` (waitress, 8 threads) in its own
process, on the cached province database. The harness signs in through the real login form and,
round after round, opens every page the way the browser does (the shell, the pages router,
then every callback the page fires on load), in Chinese and English and in both themes. After
each round it reads the worker's RSS (``psutil``).

Figures: the worker's peak RSS over the run (target ≤ 500 MB, PRODUCT.md), and its growth from
the end of the warm-up rounds to the end of the run (context: a wall screen runs for weeks, so
it must not grow with requests).

    python -m benchmarks.bench_memory [--database sqlite|postgresql|both] [--rounds 60] [--no-record]
"""

from __future__ import annotations

import psutil

from benchmarks.bench_callbacks import BENCH_USER, PAGES, page_requests
from benchmarks.province import ensure_province
from benchmarks.results import Result, per_database_main, today
from benchmarks.worker import HttpClient, bench_account, running_worker, sign_in

TARGET_MB = 500
WARM_UP_ROUNDS = 5


def _open_every_page(client: HttpClient) -> int:
    posted = 0
    for path in PAGES.values():
        for request in page_requests(client, path):
            response = client.post("/_dash-update-component", json=request.body)
            if response.status_code not in (200, 204):
                raise RuntimeError(f"{path} {request.name}: {response.status_code}")
            posted += 1
    return posted


def bench_database(database: str, *, rounds: int, url: str | None = None, log=print) -> list[Result]:
    url = url or ensure_province(database, log=log)
    password = bench_account(url, BENCH_USER, "leader")
    with running_worker(url) as (base, worker):
        process = psutil.Process(worker.pid)
        client = HttpClient(base)
        sign_in(client, BENCH_USER, password)
        started_mb = process.memory_info().rss / 2**20
        samples, requests_posted = [], 0
        variants = [(lang, theme) for lang in ("zh", "en") for theme in ("light", "dark")]
        for round_no in range(rounds):
            lang, theme = variants[round_no % len(variants)]
            client.set_preferences(lang=lang, theme=theme)
            requests_posted += _open_every_page(client)
            samples.append(process.memory_info().rss / 2**20)
    peak = max(samples)
    growth = samples[-1] - samples[WARM_UP_ROUNDS - 1]
    log(
        f"{database}: worker RSS {started_mb:.0f} MB after sign-in, peak {peak:.0f} MB over {rounds} rounds "
        f"({requests_posted:,} callback requests), growth after warm-up {growth:+.1f} MB"
    )
    command = f"python -m benchmarks.bench_memory --database {database}"
    note = (
        f"`manage.py web` (waitress, 8 threads) on the province database; {rounds} rounds of every page's "
        f"on-load callbacks in zh/en × light/dark ({requests_posted:,} requests); RSS {started_mb:.0f} MB after sign-in"
    )
    return [
        Result(
            "app worker peak RSS",
            round(peak, 1),
            "MB",
            f"≤ {TARGET_MB} MB",
            peak <= TARGET_MB,
            database,
            "province",
            today(),
            command,
            note,
        ),
        Result(
            "app worker RSS growth after warm-up",
            round(growth, 1),
            "MB",
            "",
            True,
            database,
            "province",
            today(),
            command,
            f"from round {WARM_UP_ROUNDS} to round {rounds}; {note}",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    return per_database_main(
        argv, prog="python -m benchmarks.bench_memory", doc=__doc__, bench=bench_database, repeat="rounds", default=60
    )


if __name__ == "__main__":
    raise SystemExit(main())
