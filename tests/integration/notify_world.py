"""Shared set-up of the notification tests: a local SMTP server (aiosmtpd) and a local HTTP
server that record what they receive and can be told to fail, and a small world of alerts
written directly (rule, alert, events), on the org tree of ``security_support``.

``NOW`` is Monday 2026-12-07 03:00 UTC, 11:00 in Asia/Shanghai: a working day, office hours.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from sqlalchemy import insert, select

from config import load_config
from data.db import get_engine, write_session
from data.models import Building, Department
from data.models.alert import Alert, AlertEvent, AlertRule

from security_support import seed_org_tree

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
ROBOT_KEY = "5f3c9a7e-0d1b-4c2e-9a8f-robotkey1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message; ``fail_next`` answers 451 that many times."""

    def __init__(self):
        self.messages: list = []
        self.fail_next = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 try again later"
        self.messages.append(envelope)
        return "250 OK"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


class HttpSink:
    """An HTTP server on 127.0.0.1 that records every POST (path, headers, JSON body);
    ``fail_next`` answers 500 that many times, ``answer`` is the JSON body of a 200, ``delay``
    slows every answer down."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_next = 0
        self.answer = {"errcode": 0, "errmsg": "ok"}
        self.delay = 0.0
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if sink.delay:
                    time.sleep(sink.delay)
                with sink.lock:
                    failing = sink.fail_next > 0
                    if failing:
                        sink.fail_next -= 1
                    else:
                        sink.requests.append(
                            {"path": self.path, "headers": dict(self.headers), "json": json.loads(body.decode("utf-8"))}
                        )
                payload = json.dumps({"errcode": 500} if failing else sink.answer).encode()
                self.send_response(500 if failing else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key={ROBOT_KEY}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def notify_config(url: str, smtp: SmtpSink | None = None, **overrides):
    values = dict(
        database_url=url,
        smtp_host="127.0.0.1" if smtp else "",
        smtp_port=smtp.port if smtp else 25,
        smtp_from="monitor@aocc.example",
        smtp_timeout_seconds=5.0,
        webhook_timeout_seconds=5.0,
        public_base_url="https://aocc.example.gov.cn",
        notify_max_attempts=4,
        notify_backoff_seconds=60,
    )
    values.update(overrides)
    return load_config(**values)


def build_notify_world(url: str) -> dict:
    """Org tree, a building in county A1 (org 7), one rule routed to the energy department, and
    one firing alert (id 1) with its pending and firing events. Returns ids by name."""
    seed_org_tree(url)
    engine = get_engine(url)
    with write_session(engine) as s:
        dept = {d.code: d.id for d in s.query(Department)}
        s.add(
            Building(
                id=1,
                code="B7",
                org_id=7,
                name_zh="甲一县办公楼",
                name_en="County A1 office",
                floor_area_m2=5000,
                heated_area_m2=4000,
            )
        )
        conn = s.connection()
        for rule_id, code, name in ((1, "night_load", "夜间用电异常"), (2, "holiday_load", "节假日用电异常")):
            conn.execute(
                insert(AlertRule).values(
                    id=rule_id,
                    code=code,
                    name_zh=name,
                    name_en=code.replace("_", " ").title(),
                    metric_id="energy.electricity_kwh",
                    entity_kind="building",
                    scope_org_id=1,
                    scope_filter={},
                    comparison="above",
                    warning_level=100.0,
                    critical_level=150.0,
                    recovery_level=90.0,
                    window="latest",
                    for_seconds=0,
                    department_id=dept["energy"],
                    enabled=True,
                    version=1,
                    updated_at=NOW - dt.timedelta(days=30),
                    updated_by="admin",
                )
            )
    open_alert(url, alert_id=1, rule_id=1, org_id=7, fired_at=NOW - MINUTE)
    return {"energy": dept["energy"], "vehicle": dept["vehicle"], "alert": 1}


def open_alert(url: str, *, alert_id: int, rule_id: int, org_id: int, fired_at: dt.datetime, entity_id: int = 1):
    """A firing critical alert on building ``entity_id`` with its pending → firing events."""
    engine = get_engine(url)
    with write_session(engine) as s:
        conn = s.connection()
        dept = conn.execute(select(AlertRule.department_id).where(AlertRule.id == rule_id)).scalar_one()
        conn.execute(
            insert(Alert).values(
                id=alert_id,
                rule_id=rule_id,
                rule_version=1,
                entity_kind="building",
                entity_id=entity_id,
                org_id=org_id,
                department_id=dept,
                state="firing",
                severity="critical",
                value=163.5,
                threshold=150.0,
                detail={},
                opened_at=fired_at - MINUTE,
                fired_at=fired_at,
                last_evaluated_at=fired_at,
                notified=False,
            )
        )
        conn.execute(
            insert(AlertEvent).values(
                alert_id=alert_id,
                ts=fired_at - MINUTE,
                from_state=None,
                to_state="pending",
                actor="system",
                value=120.0,
            )
        )
        conn.execute(
            insert(AlertEvent).values(
                alert_id=alert_id, ts=fired_at, from_state="pending", to_state="firing", actor="system", value=163.5
            )
        )


def resolve_alert(url: str, alert_id: int, at: dt.datetime, value: float = 80.0) -> None:
    engine = get_engine(url)
    with write_session(engine) as s:
        conn = s.connection()
        conn.execute(Alert.__table__.update().where(Alert.id == alert_id).values(state="resolved", resolved_at=at))
        conn.execute(
            insert(AlertEvent).values(
                alert_id=alert_id, ts=at, from_state="firing", to_state="resolved", actor="system", value=value
            )
        )


def add_note(url: str, alert_id: int, at: dt.datetime) -> None:
    """A note on a firing alert: an event whose state does not change (never notified)."""
    with write_session(get_engine(url)) as s:
        s.connection().execute(
            insert(AlertEvent).values(
                alert_id=alert_id, ts=at, from_state="firing", to_state="firing", actor="operator", note="checked"
            )
        )
