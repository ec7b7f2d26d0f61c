"""Telling departments of their alerts: one notification per alert event (firing, resolved) and
enabled channel of the alert's department, retried with back-off, every attempt recorded.

``dispatch_pending(engine, now=…, config=…, render=…)`` is the scheduler's job (``alert_notify``,
every minute). Each run:

1. reads the recent events (``to_state`` firing or resolved, a real state change, not older than
   ``notify_max_age_hours``) whose (event, channel) pairs have no final attempt yet, or whose last
   attempt is due for a retry; a channel is told of the events that happen after it was created;
2. claims each pair in a short transaction of its own: on PostgreSQL the event row is locked
   (``FOR UPDATE``) while the attempts are read again, so two schedulers that overlap never both
   claim a pair; on SQLite the writer's lock does the same. A claim is an attempt row with status
   ``sending``, committed before anything is sent;
3. checks silences and mute timings (``data.alerts.silences``): a held pair is recorded as
   ``silenced`` or ``muted`` (its ``error`` names the silence or mute timing) and not sent;
4. sends outside any transaction (an SMTP or HTTP timeout never holds a database lock), then
   records the outcome on the claimed row: ``sent``; ``retrying`` with ``next_attempt_at`` after
   1, 2, 4, 8 … × ``notify_backoff_seconds``; ``failed`` once ``notify_max_attempts`` tries failed.

A department without an enabled channel gets one ``no_channel`` row per event (channel_id NULL),
so the delivery log shows that nobody was told. A process that dies between claim and outcome
leaves a ``sending`` row; once it is older than the stale limit the pair is due again (the row is
marked ``retrying``, "interrupted"): a notification may then arrive twice, but is never lost.

Statuses ``sent``, ``failed``, ``silenced``, ``muted`` and ``no_channel`` are final. The words of
a message come from the caller's ``render(facts, lang) -> {"subject", "text", "markdown"}``
(``presentation.notification_text``): data/ holds no user-facing text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.engine import Connection

from data.calendar import calendar_for
from data.models import Asset, Building, DataSource, Department, Meter, MetricDefinition, OrgNode, Vehicle
from data.models.alert import Alert, AlertEvent, AlertRule, NotificationAttempt, NotificationChannel

from .channels import addresses_of, get_channel, post_url, scrub, validate_webhook_url, webhook_format
from .silences import Holds, load_holds

log = logging.getLogger("aocc.notify")

NOTIFIED_STATES = ("firing", "resolved")
FINAL_STATUSES = ("sent", "failed", "silenced", "muted", "no_channel")
TRIED_STATUSES = ("sent", "failed", "retrying", "sending")
RESPONSE_BODY_MAX = 64 * 1024
ERROR_MAX = 500

Render = Callable[[dict, str], dict]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    response_code: int | None = None
    error: str | None = None


@dataclass
class DispatchSummary:
    counts: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, status: str) -> None:
        self.counts[status] += 1

    def __str__(self) -> str:
        if not self.counts:
            return "nothing to notify"
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))


# --- sending ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot's webhook answers; it does not redirect. Following a redirect would post the
    alert (and resend the key) wherever the answer points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Transport:
    """SMTP and HTTP, configured from ``config``; every error text is scrubbed of secrets."""

    def __init__(self, config):
        self.config = config

    def send_email(self, recipients: list[str], subject: str, body: str) -> Outcome:
        cfg = self.config
        if not cfg.smtp_host:
            return Outcome(False, None, "SMTP is not configured (AOCC_SMTP_HOST)")
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = cfg.smtp_from
        message["To"] = ", ".join(recipients)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=(cfg.smtp_from.rsplit("@", 1)[-1] or "localhost"))
        message.set_content(body)
        secret = cfg.smtp_password
        try:
            smtp_class = smtplib.SMTP_SSL if cfg.smtp_tls == "ssl" else smtplib.SMTP
            with smtp_class(cfg.smtp_host, int(cfg.smtp_port), timeout=float(cfg.smtp_timeout_seconds)) as smtp:
                if cfg.smtp_tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.smtp_user:
                    smtp.login(cfg.smtp_user, cfg.smtp_password)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return Outcome(
                False, codes[0] if codes else None, scrub(f"all recipients refused: {exc.recipients}", secret)
            )
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            )
            return Outcome(False, exc.smtp_code, scrub(f"SMTP {exc.smtp_code}: {text}", secret))
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(False, None, scrub(f"{exc.__class__.__name__}: {exc}", secret))
        if refused:
            return Outcome(True, 250, scrub(f"some recipients refused: {sorted(refused)}", secret))
        return Outcome(True, 250, None)

    def post_webhook(self, url: str, payload: dict) -> Outcome:
        try:
            validate_webhook_url(url)
        except ValueError:
            return Outcome(False, None, "the stored webhook URL is not a valid http(s) URL")
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            post_url(url),
            data=data,
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "aocc-notify/1"},
            method="POST",
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=float(self.config.webhook_timeout_seconds)) as response:
                code, body = response.status, response.read(RESPONSE_BODY_MAX)
        except urllib.error.HTTPError as exc:
            return Outcome(False, exc.code, scrub(f"HTTP {exc.code}: {exc.reason}", url))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Outcome(False, None, scrub(f"{exc.__class__.__name__}: {reason}", url))
        return _robot_answer(code, body, url)


def _robot_answer(code: int, body: bytes, url: str) -> Outcome:
    """WeCom and DingTalk answer 200 with ``{"errcode": 0, "errmsg": "ok"}``, Feishu with
    ``{"code": 0}``: a non-zero code is a refusal (bad key, rate limit, keyword missing)."""
    try:
        answer = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        answer = None
    if isinstance(answer, dict):
        errcode = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if errcode not in (0, None, "0"):
            message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
            return Outcome(False, code, scrub(f"robot refused: errcode {errcode}: {message}"[:ERROR_MAX], url))
    return Outcome(True, code, None)


def webhook_payload(fmt: str, text: dict) -> dict:
    """The JSON a robot accepts: WeCom markdown (default), the text message both WeCom and
    DingTalk accept, DingTalk markdown (title and text), or Feishu text."""
    if fmt == "text":
        return {"msgtype": "text", "text": {"content": text["text"]}}
    if fmt == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": text["subject"], "text": text["markdown"]}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": text["text"]}}
    return {"msgtype": "markdown", "markdown": {"content": text["markdown"]}}


def deliver(transport: Transport, channel, text: dict) -> Outcome:
    """Send ``text`` (rendered) over ``channel`` (a row with ``kind`` and ``target``)."""
    if channel.kind == "email":
        return transport.send_email(addresses_of(channel.target), text["subject"], text["text"])
    if channel.kind == "webhook":
        return transport.post_webhook(channel.target, webhook_payload(webhook_format(channel.target), text))
    return Outcome(False, None, f"unknown channel kind {channel.kind!r}")


# --- what a message says ----------------------------------------------------------------------


def _entity_name(conn: Connection, kind: str, entity_id: int, detail: dict) -> tuple[str | None, str | None]:
    zh = detail.get("entity_name_zh") or detail.get("entity_name")
    en = detail.get("entity_name_en") or zh
    if zh:
        return str(zh), str(en)
    lookups = {
        "org": (OrgNode.name_zh, OrgNode.name_en, OrgNode.id),
        "building": (Building.name_zh, Building.name_en, Building.id),
        "vehicle": (Vehicle.plate, Vehicle.plate, Vehicle.id),
        "asset": (Asset.name_zh, Asset.name_en, Asset.id),
        "meter": (Meter.code, Meter.code, Meter.id),
        "source": (DataSource.name_zh, DataSource.name_en, DataSource.id),
    }
    if kind in lookups:
        name_zh, name_en, key = lookups[kind]
        row = conn.execute(select(name_zh, name_en).where(key == entity_id)).first()
        if row is not None:
            return row[0], row[1]
    return None, None


def alert_facts(conn: Connection, alert_id: int, *, event: str, at: dt.datetime, value, config) -> dict:
    """Everything a message about ``alert_id`` says, as plain values (no words)."""
    row = conn.execute(
        select(
            Alert.id,
            Alert.severity,
            Alert.entity_kind,
            Alert.entity_id,
            Alert.value,
            Alert.threshold,
            Alert.detail,
            AlertRule.name_zh.label("rule_name_zh"),
            AlertRule.name_en.label("rule_name_en"),
            AlertRule.metric_id,
            MetricDefinition.name_zh.label("metric_name_zh"),
            MetricDefinition.name_en.label("metric_name_en"),
            MetricDefinition.unit,
            OrgNode.name_zh.label("org_name_zh"),
            OrgNode.name_en.label("org_name_en"),
            Department.name_zh.label("department_name_zh"),
            Department.name_en.label("department_name_en"),
        )
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .outerjoin(MetricDefinition, MetricDefinition.id == AlertRule.metric_id)
        .join(OrgNode, OrgNode.id == Alert.org_id)
        .join(Department, Department.id == Alert.department_id)
        .where(Alert.id == alert_id)
    ).one()
    facts = dict(row._mapping)
    detail = facts.pop("detail") or {}
    facts["entity_name_zh"], facts["entity_name_en"] = _entity_name(conn, row.entity_kind, row.entity_id, detail)
    facts["event"] = event
    if value is not None:
        facts["value"] = value
    facts["time_local"] = calendar_for(config.timezone).local(at).strftime("%Y-%m-%d %H:%M")
    facts["link"] = f"{config.public_base_url.rstrip('/')}/alerts?alert={row.id}"
    return facts


def trial_facts(conn: Connection, channel_id: int, *, now: dt.datetime, config) -> dict:
    """The facts of a test message for ``channel_id``'s department."""
    channel = get_channel(conn, channel_id)
    dept = conn.execute(
        select(Department.name_zh, Department.name_en).where(Department.id == channel.department_id)
    ).one()
    return {
        "event": "test",
        "channel_name": channel.name,
        "department_name_zh": dept.name_zh,
        "department_name_en": dept.name_en,
        "time_local": calendar_for(config.timezone).local(now).strftime("%Y-%m-%d %H:%M"),
        "link": f"{config.public_base_url.rstrip('/')}/alerts",
    }


def send_test(
    engine: Engine, channel_id: int, *, now: dt.datetime, config, render: Render, transport: Transport | None = None
) -> Outcome:
    """Send a test message over a channel (enabled or not) now; nothing is recorded here (the
    caller audits it)."""
    with engine.connect() as conn:
        channel = get_channel(conn, channel_id)
        facts = trial_facts(conn, channel_id, now=now, config=config)
    return deliver(transport or Transport(config), channel, render(facts, config.default_language))


# --- the dispatch -----------------------------------------------------------------------------


@contextmanager
def _writer(engine: Engine) -> Iterator[Connection]:
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    with bind.begin() as conn:
        yield conn


@dataclass(frozen=True)
class _Pair:
    event_id: int
    alert_id: int
    to_state: str
    value: float | None
    ts: dt.datetime
    rule_id: int
    org_id: int
    channel_id: int | None  # None: the department has no channel


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _due(rows: list, now: dt.datetime) -> bool:
    """Whether a pair whose attempts are ``rows`` (oldest first) needs a try now."""
    if not rows:
        return True
    last = rows[-1]
    if last.status in FINAL_STATUSES:
        return False
    return last.next_attempt_at is None or _utc(last.next_attempt_at) <= now


def _events(conn: Connection, now: dt.datetime, max_age: dt.timedelta):
    return conn.execute(
        select(
            AlertEvent.id,
            AlertEvent.alert_id,
            AlertEvent.to_state,
            AlertEvent.value,
            AlertEvent.ts,
            Alert.rule_id,
            Alert.org_id,
            Alert.department_id,
        )
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .where(
            AlertEvent.to_state.in_(NOTIFIED_STATES),
            or_(AlertEvent.from_state.is_(None), AlertEvent.from_state != AlertEvent.to_state),
            AlertEvent.ts >= now - max_age,
            Alert.fired_at.is_not(None),  # an alert resolved while pending was never told
        )
        .order_by(AlertEvent.id)
    ).all()


def _attempts(conn: Connection, event_ids: list[int]) -> dict:
    """(event_id, channel_id) -> attempt rows, oldest first."""
    out: dict = defaultdict(list)
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        rows = conn.execute(
            select(
                NotificationAttempt.id,
                NotificationAttempt.event_id,
                NotificationAttempt.channel_id,
                NotificationAttempt.status,
                NotificationAttempt.next_attempt_at,
            )
            .where(NotificationAttempt.event_id.in_(chunk))
            .order_by(NotificationAttempt.id)
        )
        for r in rows:
            out[(r.event_id, r.channel_id)].append(r)
    return out


def pending_pairs(conn: Connection, *, now: dt.datetime, max_age: dt.timedelta) -> list[_Pair]:
    """The (event, channel) pairs that need a try at ``now``."""
    now = _utc(now)
    events = _events(conn, now, max_age)
    if not events:
        return []
    attempts = _attempts(conn, [e.id for e in events])
    channels: dict = defaultdict(list)
    for c in conn.execute(
        select(NotificationChannel.id, NotificationChannel.department_id, NotificationChannel.created_at)
        .where(NotificationChannel.enabled.is_(True))
        .order_by(NotificationChannel.id)
    ):
        channels[c.department_id].append(c)
    pairs = []
    for e in events:
        if attempts.get((e.id, None)):
            continue  # recorded as told nobody
        base = dict(event_id=e.id, alert_id=e.alert_id, to_state=e.to_state, value=e.value, ts=e.ts)
        base.update(rule_id=e.rule_id, org_id=e.org_id)
        live = [c for c in channels.get(e.department_id, ()) if _utc(c.created_at) <= _utc(e.ts)]
        if not live:
            if not any(key[0] == e.id for key in attempts):
                pairs.append(_Pair(**base, channel_id=None))
            continue
        for c in live:
            if _due(attempts.get((e.id, c.id), []), now):
                pairs.append(_Pair(**base, channel_id=c.id))
    return pairs


@dataclass(frozen=True)
class _Claim:
    attempt_id: int
    attempt: int
    channel: object
    text: dict


def _record(conn: Connection, pair: _Pair, status: str, now: dt.datetime, *, attempt: int = 1, error=None) -> None:
    conn.execute(
        insert(NotificationAttempt).values(
            alert_id=pair.alert_id,
            event_id=pair.event_id,
            channel_id=pair.channel_id,
            attempt=attempt,
            status=status,
            at=now,
            error=error,
        )
    )


def _claim(engine: Engine, pair: _Pair, *, now, holds: Holds, org_paths: dict, stale, config, render, summary):
    """Decide ``pair`` under a lock and either record a final status or claim an attempt."""
    with _writer(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(AlertEvent.id).where(AlertEvent.id == pair.event_id).with_for_update())
        rows = conn.execute(
            select(NotificationAttempt.id, NotificationAttempt.status, NotificationAttempt.next_attempt_at)
            .where(
                NotificationAttempt.event_id == pair.event_id,
                NotificationAttempt.channel_id.is_(None)
                if pair.channel_id is None
                else NotificationAttempt.channel_id == pair.channel_id,
            )
            .order_by(NotificationAttempt.id)
        ).all()
        if not _due(rows, now):
            return None  # another process got there first
        if pair.channel_id is None:
            _record(conn, pair, "no_channel", now)
            summary.add("no_channel")
            return None
        hold = holds.match(pair.rule_id, org_paths.get(pair.org_id))
        if hold is not None:
            kind, hold_id = hold
            status = "silenced" if kind == "silence" else "muted"
            _record(conn, pair, status, now, error=f"{'silence' if kind == 'silence' else 'mute_timing'} {hold_id}")
            summary.add(status)
            return None
        if rows and rows[-1].status == "sending":  # a process died between claim and outcome
            conn.execute(
                update(NotificationAttempt)
                .where(NotificationAttempt.id == rows[-1].id)
                .values(status="retrying", error="interrupted: no outcome was recorded")
            )
        tried = sum(1 for r in rows if r.status in TRIED_STATUSES)
        attempt_id = conn.execute(
            insert(NotificationAttempt)
            .values(
                alert_id=pair.alert_id,
                event_id=pair.event_id,
                channel_id=pair.channel_id,
                attempt=tried + 1,
                status="sending",
                at=now,
                next_attempt_at=now + stale,
            )
            .returning(NotificationAttempt.id)
        ).scalar_one()
        channel = get_channel(conn, pair.channel_id)
        facts = alert_facts(conn, pair.alert_id, event=pair.to_state, at=pair.ts, value=pair.value, config=config)
    return _Claim(attempt_id, tried + 1, channel, render(facts, config.default_language))


def _finish(engine: Engine, claim: _Claim, pair: _Pair, outcome: Outcome, *, now, config, summary) -> None:
    if outcome.ok:
        status, next_at = "sent", None
    elif claim.attempt >= int(config.notify_max_attempts):
        status, next_at = "failed", None
    else:
        status = "retrying"
        next_at = now + dt.timedelta(seconds=int(config.notify_backoff_seconds) * 2 ** (claim.attempt - 1))
    error = (outcome.error or None) and outcome.error[:ERROR_MAX]
    with _writer(engine) as conn:
        conn.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id == claim.attempt_id)
            .values(status=status, at=now, next_attempt_at=next_at, error=error, response_code=outcome.response_code)
        )
        if status == "sent" and pair.to_state == "firing":
            conn.execute(update(Alert).where(Alert.id == pair.alert_id).values(notified=True))
    summary.add(status)
    if status != "sent":
        # The channel is named by id only: its target may be a secret URL.
        log.warning("notification of alert %s to channel %s: %s (%s)", pair.alert_id, claim.channel.id, status, error)


def dispatch_pending(
    engine: Engine,
    *,
    now: dt.datetime,
    config,
    render: Render,
    transport: Transport | None = None,
    limit: int = 500,
) -> DispatchSummary:
    """Send what is due at ``now`` (at most ``limit`` tries a run); see the module docstring."""
    now = _utc(now)
    transport = transport or Transport(config)
    summary = DispatchSummary()
    max_age = dt.timedelta(hours=int(config.notify_max_age_hours))
    timeouts = max(float(config.smtp_timeout_seconds), float(config.webhook_timeout_seconds))
    stale = dt.timedelta(seconds=max(120.0, 3 * timeouts))
    with engine.connect() as conn:
        pairs = pending_pairs(conn, now=now, max_age=max_age)[:limit]
        if not pairs:
            return summary
        holds = load_holds(conn, now, calendar_for(config.timezone))
        org_ids = sorted({p.org_id for p in pairs})
        org_paths = dict(conn.execute(select(OrgNode.id, OrgNode.path).where(OrgNode.id.in_(org_ids))).all())
    for pair in pairs:
        claim = _claim(
            engine,
            pair,
            now=now,
            holds=holds,
            org_paths=org_paths,
            stale=stale,
            config=config,
            render=render,
            summary=summary,
        )
        if claim is None:
            continue
        outcome = deliver(transport, claim.channel, claim.text)
        _finish(engine, claim, pair, outcome, now=now, config=config, summary=summary)
    return summary
