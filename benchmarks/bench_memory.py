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

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

from benchmarks.bench_callbacks import BENCH_USER, PAGES, page_requests
from benchmarks.province import BENCH_DIR, province_url
from benchmarks.results import Result, record, today

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 500
WARM_UP_ROUNDS = 5


class _Response:
    """What ``page_requests`` reads of a Flask test-client response, for a real HTTP one."""

    def __init__(self, response: requests.Response):
        self.status_code = response.status_code
        self._response = response

    def get_json(self):
        return self._response.json()

    def get_data(self, as_text: bool = False):
        return self._response.text if as_text else self._response.content


class HttpClient:
    """A signed-in browser session against the worker, with the test client's interface."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def get(self, path: str) -> _Response:
        return _Response(self.session.get(self.base + path, timeout=60))

    def post(self, path: str, json: dict | None = None, data: dict | None = None) -> _Response:
        return _Response(self.session.post(self.base + path, json=json, data=data, timeout=60, allow_redirects=False))

    def set_preferences(self, *, lang: str, theme: str) -> None:
        host = self.base.split("//", 1)[1].split(":")[0]
        self.session.cookies.set("aocc_lang", lang, domain=host)
        self.session.cookies.set("aocc_theme", theme, domain=host)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bench_password(url: str) -> str:
    from data import users as users_data
    from data.db import get_engine, write_session
    from data.scope import root_node

    password = secrets.token_urlsafe(16)
    with write_session(get_engine(url)) as session:
        root = root_node(session.connection())
        user = users_data.get_user_by_username(session, BENCH_USER)
        if user is None:
            users_data.create_user(session, username=BENCH_USER, display_name=BENCH_USER, role="leader",
                                   scope_org_id=root.id, password=password)
        else:
            users_data.set_password(session, user.id, password)
    return password


def _start_worker(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "AOCC_PORT": str(port), "AOCC_HOST": "127.0.0.1", "AOCC_DEMO": "0",
           "SECRET_KEY": secrets.token_hex(32)}
    worker = subprocess.Popen([sys.executable, "manage.py", "web"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited: {worker.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return worker
        except requests.ConnectionError:
            time.sleep(0.5)
    worker.kill()
    raise RuntimeError("the worker did not answer within 120 s")


def _sign_in(client: HttpClient, password: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": BENCH_USER, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"benchmark login failed: {response.status_code}")


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
    url = url or province_url(database)
    password = _bench_password(url)
    port = _free_port()
    worker = _start_worker(url, port)
    try:
        process = psutil.Process(worker.pid)
        client = HttpClient(f"http://127.0.0.1:{port}")
        _sign_in(client, password)
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
        log(f"{database}: worker RSS {started_mb:.0f} MB after sign-in, peak {peak:.0f} MB over {rounds} rounds "
            f"({requests_posted:,} callback requests), growth after warm-up {growth:+.1f} MB")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    command = f"python -m benchmarks.bench_memory --database {database}"
    note = (f"`manage.py web` (waitress, 8 threads) on the province database; {rounds} rounds of every page's "
            f"on-load callbacks in zh/en × light/dark ({requests_posted:,} requests); RSS {started_mb:.0f} MB after sign-in")
    return [
        Result("app worker peak RSS", round(peak, 1), "MB", f"≤ {TARGET_MB} MB", peak <= TARGET_MB, database, "province",
               today(), command, note),
        Result("app worker RSS growth after warm-up", round(growth, 1), "MB", "", True, database, "province", today(),
               command, f"from round {WARM_UP_ROUNDS} to round {rounds}; {note}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())
    from benchmarks.province import ensure_province

    results = []
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        marker = BENCH_DIR / f"province-{database}.built.json"
        url = province_url(database) if marker.exists() else ensure_province(database)
        results += bench_database(database, rounds=args.rounds, url=url)
    if not args.no_record:
        record(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
