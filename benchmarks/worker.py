"""What the benchmarks that play a user share: a bench account, the production worker in its
own process, and signing in through the real login form."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def bench_account(url: str, username: str, role: str) -> str:
    """Create ``username`` (province-wide, ``role``) or reuse it; returns a fresh secret: a new
    password, or for a wall-display account a new device token."""
    from data import device_tokens as tokens_data
    from data import users as users_data
    from data.db import get_engine, write_session
    from data.scope import root_node

    password = None if role == "wall" else secrets.token_urlsafe(16)
    with write_session(get_engine(url)) as session:
        root = root_node(session.connection())
        user = users_data.get_user_by_username(session, username)
        if user is None:
            user = users_data.create_user(
                session, username=username, display_name=username, role=role, scope_org_id=root.id, password=password
            )
        elif password is not None:
            users_data.set_password(session, user.id, password)
        if role == "wall":
            _, token = tokens_data.issue_device_token(
                session, user_id=user.id, name="benchmark screen", created_by="benchmark"
            )
            return token
    return password


def sign_in(client, username: str, password: str) -> None:
    """Through the login form, CSRF token included; ``client`` is a Flask test client or ``HttpClient``."""
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"benchmark login failed: {response.status_code}")


class _Response:
    """What the harness reads of a Flask test-client response, for a real HTTP one."""

    def __init__(self, response: requests.Response):
        self.status_code = response.status_code
        self._response = response

    def get_json(self):
        return self._response.json()

    def get_data(self, as_text: bool = False):
        return self._response.text if as_text else self._response.content


class HttpClient:
    """A browser session against the worker, with the Flask test client's interface."""

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


@contextmanager
def running_worker(url: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python manage.py web`` (waitress, as in production) on ``url`` in its own process, on a
    free port; yields (base URL, process) once it answers, and stops it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AOCC_PORT": str(port),
        "AOCC_HOST": "127.0.0.1",
        "AOCC_DEMO": "0",
        "SECRET_KEY": secrets.token_hex(32),
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "web"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited: {worker.stderr.read().decode(errors='replace')[-2000:]}")
            try:
                if requests.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not answer within 120 s")
            time.sleep(0.5)
        yield base, worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
