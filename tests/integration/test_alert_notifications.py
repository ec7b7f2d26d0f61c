"""Alert notifications against a local SMTP server and a local HTTP server that the tests start:
what is sent on firing and on resolution, retries with back-off, silences and mute timings that
hold notifications back while the alert is still recorded, and no double sends (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from email import message_from_bytes, policy

import pytest
from notify_world import (
    MINUTE,
    NOW,
    ROBOT_KEY,
    HttpSink,
    SmtpSink,
    add_note,
    build_notify_world,
    notify_config,
    open_alert,
    resolve_alert,
)
from sqlalchemy import select

from data.alerts import channels as channels_data
from data.alerts import silences as silences_data
from data.alerts.notify import dispatch_pending
from data.db import get_engine, write_session
from data.models.alert import Alert, AlertEvent, NotificationAttempt
from data.queries.notifications import notification_log
from data.scope import scope_for_org
from presentation.notification_text import render_notification


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def http():
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def world(db_url):
    ids = build_notify_world(db_url)
    return db_url, ids


def add_channel(url, department_id, kind, target, *, name=None, created=NOW - dt.timedelta(days=1)) -> int:
    with write_session(get_engine(url)) as s:
        return channels_data.create_channel(
            s.connection(),
            department_id=department_id,
            kind=kind,
            name=name or kind,
            target=target,
            created_by="admin",
            now=created,
        )


def attempts(url) -> list:
    with get_engine(url).connect() as conn:
        return conn.execute(select(NotificationAttempt).order_by(NotificationAttempt.id)).all()


def dispatch(url, config, at):
    return dispatch_pending(get_engine(url), now=at, config=config, render=render_notification)


def test_firing_and_resolution_are_sent_once_each_with_their_content(world, smtp, http):
    url, ids = world
    config = notify_config(url, smtp)
    email = add_channel(url, ids["energy"], "email", "energy@aocc.example, duty@aocc.example", name="节能处邮箱")
    robot = add_channel(url, ids["energy"], "webhook", http.url, name="节能处企业微信群")
    add_note(url, 1, NOW - dt.timedelta(seconds=30))  # a note is no state change: never notified

    summary = dispatch(url, config, NOW)
    assert dict(summary.counts) == {"sent": 2}
    assert len(http.requests) == 1 and len(smtp.messages) == 1
    request = http.requests[0]
    assert request["path"] == f"/cgi-bin/webhook/send?key={ROBOT_KEY}"
    assert request["headers"]["Content-Type"].startswith("application/json")
    body = request["json"]
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    content = body["markdown"]["content"]
    for part in (
        "严重告警",
        "夜间用电异常",
        "甲一县办公楼",
        "甲一县机关事务中心",
        "163.5",
        "150",
        "节能处",
        "2026-12-07 10:59",
        "https://aocc.example.gov.cn/alerts?alert=1",
    ):
        assert part in content, part
    envelope = smtp.messages[0]
    assert envelope.mail_from == "monitor@aocc.example"
    assert envelope.rcpt_tos == ["energy@aocc.example", "duty@aocc.example"]
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == "【严重告警】夜间用电异常 · 甲一县办公楼"
    text = mail.get_content()
    assert "当前值：163.5 kWh" in text and "阈值：150 kWh" in text
    assert "查看告警：https://aocc.example.gov.cn/alerts?alert=1" in text

    # A second run, and one a minute later, send nothing more.
    assert str(dispatch(url, config, NOW)) == "nothing to notify"
    assert str(dispatch(url, config, NOW + MINUTE)) == "nothing to notify"
    assert len(http.requests) == 1 and len(smtp.messages) == 1

    resolve_alert(url, 1, NOW + 5 * MINUTE)
    assert dict(dispatch(url, config, NOW + 6 * MINUTE).counts) == {"sent": 2}
    assert dispatch(url, config, NOW + 7 * MINUTE).counts == {}
    assert len(http.requests) == 2 and len(smtp.messages) == 2
    resolved = http.requests[1]["json"]["markdown"]["content"]
    assert "告警恢复" in resolved and "恢复时间" in resolved and "80 kWh" in resolved
    assert "【告警恢复】" in message_from_bytes(smtp.messages[1].original_content, policy=policy.default)["Subject"]

    rows = attempts(url)
    assert [(r.channel_id, r.status, r.attempt, r.response_code) for r in rows] == [
        (email, "sent", 1, 250),
        (robot, "sent", 1, 200),
        (email, "sent", 1, 250),
        (robot, "sent", 1, 200),
    ]
    with get_engine(url).connect() as conn:
        assert conn.execute(select(Alert.notified).where(Alert.id == 1)).scalar_one() is True
        log = notification_log(conn, scope_for_org(conn, 1), alert_id=1)
    assert len(log) == 4 and set(log["event"]) == {"firing", "resolved"}
    assert "target" not in log.columns and ROBOT_KEY not in log.to_string()


def test_failures_are_retried_with_back_off_and_every_attempt_recorded(world, smtp, http):
    url, ids = world
    config = notify_config(url, smtp, notify_max_attempts=4)
    robot = add_channel(url, ids["energy"], "webhook", http.url)
    email = add_channel(url, ids["energy"], "email", "energy@aocc.example")
    http.fail_next = 2
    smtp.fail_next = 10  # never accepts: given up after 4 tries

    assert dict(dispatch(url, config, NOW).counts) == {"retrying": 2}
    first = attempts(url)
    assert [(r.status, r.attempt, r.response_code) for r in first] == [("retrying", 1, 500), ("retrying", 1, 451)]
    assert all(r.next_attempt_at.replace(tzinfo=dt.UTC) == NOW + MINUTE for r in first)
    assert "HTTP 500" in first[0].error and ROBOT_KEY not in first[0].error
    # Not due yet.
    assert dispatch(url, config, NOW + dt.timedelta(seconds=59)).counts == {}
    # 1, 2, 4 minutes later.
    assert dict(dispatch(url, config, NOW + MINUTE).counts) == {"retrying": 2}
    assert dispatch(url, config, NOW + 2 * MINUTE).counts == {}
    assert dict(dispatch(url, config, NOW + 3 * MINUTE).counts) == {"sent": 1, "retrying": 1}
    assert dict(dispatch(url, config, NOW + 7 * MINUTE).counts) == {"failed": 1}
    assert dispatch(url, config, NOW + 60 * MINUTE).counts == {}
    rows = attempts(url)
    by_channel = {c: [(r.attempt, r.status) for r in rows if r.channel_id == c] for c in (robot, email)}
    assert by_channel[robot] == [(1, "retrying"), (2, "retrying"), (3, "sent")]
    assert by_channel[email] == [(1, "retrying"), (2, "retrying"), (3, "retrying"), (4, "failed")]
    tries = [r for r in rows if r.channel_id == email]
    delays = [r.next_attempt_at.replace(tzinfo=dt.UTC) - r.at.replace(tzinfo=dt.UTC) for r in tries[:3]]
    assert delays == [MINUTE, 2 * MINUTE, 4 * MINUTE] and tries[-1].next_attempt_at is None
    assert len(http.requests) == 1 and smtp.messages == []


def test_silenced_and_muted_alerts_are_recorded_but_not_sent(world, http):
    url, ids = world
    config = notify_config(url)
    add_channel(url, ids["energy"], "webhook", http.url)
    with write_session(get_engine(url)) as s:
        silence = silences_data.create_silence(
            s.connection(),
            rule_id=1,
            scope_org_id=2,
            starts_at=None,
            ends_at=NOW + dt.timedelta(hours=2),
            reason="计划停电检修",
            created_by="admin",
            now=NOW - 5 * MINUTE,
        )
    # A second alert of the same rule in city B (org 9) is outside the silence's subtree.
    open_alert(url, alert_id=2, rule_id=1, org_id=9, fired_at=NOW - MINUTE, entity_id=2)
    assert dict(dispatch(url, config, NOW).counts) == {"silenced": 1, "sent": 1}
    assert len(http.requests) == 1 and "alert=2" in http.requests[0]["json"]["markdown"]["content"]
    held = [r for r in attempts(url) if r.alert_id == 1]
    assert [(r.status, r.error) for r in held] == [("silenced", f"silence {silence}")]
    with get_engine(url).connect() as conn:  # the alert itself is untouched
        assert conn.execute(select(Alert.state).where(Alert.id == 1)).scalar_one() == "firing"

    # Nights 22:00–07:00 local: an alert firing at 23:30 local (15:30 UTC) is muted.
    with write_session(get_engine(url)) as s:
        silences_data.create_mute_timing(s.connection(), name="夜间", hours=[["22:00", "07:00"]])
    night = dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)
    open_alert(url, alert_id=3, rule_id=2, org_id=9, fired_at=night, entity_id=1)
    assert dict(dispatch(url, config, night + MINUTE).counts) == {"muted": 1}
    assert len(http.requests) == 1
    # Recorded once, final: later runs do not send it when the night is over.
    assert dispatch(url, config, night + dt.timedelta(hours=9)).counts == {}


def test_public_holidays_come_from_the_calendar(world):
    url, _ = world
    from data.calendar import calendar_for
    from data.seed import seed_reference  # noqa: F401  (calendar rows come with the reference data)

    with write_session(get_engine(url)) as s:
        conn = s.connection()
        mute = silences_data.create_mute_timing(conn, name="节假日", holidays=True, rule_ids=[2])
    calendar = calendar_for("Asia/Shanghai")
    national_day = dt.datetime(2026, 10, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 local, 国庆节
    makeup_saturday = dt.datetime(2026, 10, 10, 2, 0, tzinfo=dt.UTC)  # 调休上班
    alert_rule_2 = type("A", (), {"rule_id": 2, "org_id": 7})
    alert_rule_1 = type("A", (), {"rule_id": 1, "org_id": 7})
    with get_engine(url).connect() as conn:
        assert silences_data.silenced_by(conn, alert_rule_2, national_day, calendar) == ("mute", mute)
        assert silences_data.silenced_by(conn, alert_rule_1, national_day, calendar) is None  # other rule
        assert silences_data.silenced_by(conn, alert_rule_2, NOW, calendar) is None  # a Monday
        assert silences_data.silenced_by(conn, alert_rule_2, makeup_saturday, calendar) is None
    with write_session(get_engine(url)) as s:
        rest = silences_data.create_mute_timing(s.connection(), name="休息日", rest_days=True)
    with get_engine(url).connect() as conn:
        sunday = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)
        assert silences_data.silenced_by(conn, alert_rule_1, sunday, calendar) == ("mute", rest)
        assert silences_data.silenced_by(conn, alert_rule_1, makeup_saturday, calendar) is None


def test_nothing_is_sent_twice_when_two_dispatchers_overlap(world, http):
    url, ids = world
    config = notify_config(url)
    add_channel(url, ids["energy"], "webhook", http.url, name="a")
    add_channel(url, ids["energy"], "webhook", http.url + "#text", name="b")
    for alert_id in (2, 3, 4):
        open_alert(url, alert_id=alert_id, rule_id=1, org_id=8, fired_at=NOW - MINUTE, entity_id=alert_id)
    http.delay = 0.1
    results, errors = [], []

    def run():
        try:
            results.append(dispatch(url, config, NOW))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.counts.get("sent", 0) for r in results) == 8
    assert len(http.requests) == 8
    sent = [(r.event_id, r.channel_id) for r in attempts(url)]
    assert len(sent) == len(set(sent)) == 8
    shapes = {tuple(sorted(r["json"])) + (r["json"]["msgtype"],) for r in http.requests}
    assert shapes == {("markdown", "msgtype", "markdown"), ("msgtype", "text", "text")}


def test_a_department_without_channels_is_recorded_once(world):
    url, ids = world
    config = notify_config(url)
    assert dict(dispatch(url, config, NOW).counts) == {"no_channel": 1}
    assert dispatch(url, config, NOW + MINUTE).counts == {}
    rows = attempts(url)
    assert [(r.channel_id, r.status) for r in rows] == [(None, "no_channel")]
    # A channel created afterwards is told of later events only.
    add_channel(url, ids["energy"], "email", "energy@aocc.example", created=NOW + MINUTE)
    assert dispatch(url, config, NOW + 2 * MINUTE).counts == {}


def test_secrets_stay_out_of_errors_logs_and_lists(world, caplog):
    url, ids = world
    config = notify_config(url, smtp_password="SMTP-secret-pw")
    dead = f"http://127.0.0.1:{__import__('notify_world').free_port()}/robot/send?access_token={ROBOT_KEY}"
    add_channel(url, ids["energy"], "webhook", dead)
    with caplog.at_level(logging.DEBUG):
        assert dict(dispatch(url, config, NOW).counts) == {"retrying": 1}
    row = attempts(url)[0]
    assert row.error and ROBOT_KEY not in row.error
    assert ROBOT_KEY not in caplog.text and "SMTP-secret-pw" not in caplog.text
    assert "SMTP-secret-pw" not in repr(config)
    with get_engine(url).connect() as conn:
        listed = channels_data.list_channels(conn)
    assert ROBOT_KEY not in str(listed) and listed[0]["target_masked"].startswith("http://127.0.0.1/…")


def test_dingtalk_channels_get_the_dingtalk_shape(world, http):
    url, ids = world
    add_channel(url, ids["energy"], "webhook", http.url + "#dingtalk")
    dispatch(url, notify_config(url, default_language="en"), NOW)
    body = http.requests[0]["json"]
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == "[Critical alert] Night Load · County A1 office"
    assert "Open the alert" in body["markdown"]["text"]


def test_robot_refusal_in_a_200_answer_is_a_failure(world, http):
    url, ids = world
    add_channel(url, ids["energy"], "webhook", http.url)
    http.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    assert dict(dispatch(url, notify_config(url), NOW).counts) == {"retrying": 1}
    row = attempts(url)[0]
    assert row.response_code == 200 and "93000" in row.error


def test_events_older_than_the_age_limit_are_not_sent(world, http):
    url, ids = world
    add_channel(url, ids["energy"], "webhook", http.url)
    config = notify_config(url, notify_max_age_hours=1)
    assert dispatch(url, config, NOW + dt.timedelta(hours=2)).counts == {}
    assert http.requests == []


@pytest.mark.parametrize(
    "target, code",
    [
        ("file:///etc/passwd", "url_scheme"),
        ("javascript:alert(1)", "url_scheme"),
        ("ftp://example.com/hook", "url_scheme"),
        ("gopher://127.0.0.1:25/", "url_scheme"),
        ("https://user:pw@example.com/hook", "url_credentials"),
        ("https:///nohost", "bad_url"),
        ("https://example.com/a b", "bad_url"),
        ("https://example.com:99999/x", "bad_url"),
        ("https://example.com/x#weird", "bad_format"),
        ("", "target_required"),
    ],
)
def test_webhook_urls_are_validated(target, code):
    with pytest.raises(silences_data.NotificationSettingError) as refused:
        channels_data.validate_webhook_url(target)
    assert refused.value.code == code


def test_addresses_are_validated_and_masks_hide_keys():
    assert channels_data.validate_addresses("a@x.cn；b@y.cn, a@x.cn") == "a@x.cn, b@y.cn"
    for bad in ("not-an-address", "a@x.cn\r\nBcc: evil@z.cn", "a@"):
        with pytest.raises(silences_data.NotificationSettingError):
            channels_data.validate_addresses(bad)
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"
    masked = channels_data.mask_target("webhook", url)
    assert masked == "https://qyapi.weixin.qq.com/…1234" and ROBOT_KEY not in masked
    assert channels_data.scrub(f"failed posting to {url}", url) == "failed posting to ***"
    assert channels_data.webhook_format("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    assert channels_data.webhook_format(url) == "markdown"


def test_silence_and_mute_timing_validation(world):
    url, _ = world
    engine = get_engine(url)

    def refused(func, **kwargs) -> str:
        with pytest.raises(silences_data.NotificationSettingError) as exc, write_session(engine) as s:
            func(s.connection(), **kwargs)
        return exc.value.code

    base = dict(
        rule_id=1, scope_org_id=None, starts_at=None, ends_at=NOW + MINUTE, reason="检修", created_by="a", now=NOW
    )
    create = silences_data.create_silence
    assert refused(create, **{**base, "reason": "  "}) == "reason_required"
    assert refused(create, **{**base, "ends_at": None}) == "until_required"
    assert refused(create, **{**base, "starts_at": NOW + 2 * MINUTE}) == "until_before_from"
    assert refused(create, **{**base, "starts_at": NOW - 9 * MINUTE, "ends_at": NOW - MINUTE}) == "until_in_past"
    assert refused(create, **{**base, "ends_at": NOW + dt.timedelta(days=91)}) == "silence_too_long"
    assert refused(create, **{**base, "rule_id": 99}) == "unknown_rule"
    assert refused(create, **{**base, "scope_org_id": 6, "within_path": "/1/2/"}) == "out_of_scope"
    assert refused(create, **{**base, "within_path": "/1/2/"}) == "scope_required"
    mute = silences_data.create_mute_timing
    assert refused(mute, name="x") == "empty_mute"
    assert refused(mute, name="", weekdays=[5]) == "name_required"
    assert refused(mute, name="x", hours=[["25:00", "07:00"]]) == "bad_time"
    assert refused(mute, name="x", hours=[["07:00", "07:00"]]) == "empty_hours"
    assert refused(mute, name="x", weekdays=list(range(7))) == "every_day"
    assert refused(mute, name="x", weekdays=[5], within_path="/1/2/") == "whole_tree_only"

    with write_session(engine) as s:
        silence = create(s.connection(), **{**base, "scope_org_id": 3, "within_path": "/1/2/"})
    assert refused(silences_data.end_silence, silence_id=silence, now=NOW, within_path="/1/5/") == "not_found"
    with write_session(engine) as s:
        silences_data.end_silence(s.connection(), silence, now=NOW + dt.timedelta(seconds=10), within_path="/1/2/")
    with write_session(engine) as s:
        rows = silences_data.list_silences(s.connection(), now=NOW + MINUTE, within_path="/1/2/")
        assert [(r["id"], r["state"]) for r in rows] == [(silence, "ended")]
        assert silences_data.list_silences(s.connection(), now=NOW, within_path="/1/5/") == []
    assert refused(silences_data.end_silence, silence_id=silence, now=NOW + MINUTE) == "silence_over"


def test_a_retry_of_a_pair_claimed_by_a_dead_process_is_due_after_the_stale_limit(world, http):
    url, ids = world
    config = notify_config(url)
    channel = add_channel(url, ids["energy"], "webhook", http.url)
    with write_session(get_engine(url)) as s:
        event = (
            s.connection()
            .execute(select(AlertEvent.id).where(AlertEvent.alert_id == 1, AlertEvent.to_state == "firing"))
            .scalar_one()
        )
        s.add(
            NotificationAttempt(
                alert_id=1,
                event_id=event,
                channel_id=channel,
                attempt=1,
                status="sending",
                at=NOW,
                next_attempt_at=NOW + dt.timedelta(minutes=2),
            )
        )
    assert dispatch(url, config, NOW + MINUTE).counts == {}  # still in flight elsewhere
    assert dict(dispatch(url, config, NOW + 3 * MINUTE).counts) == {"sent": 1}
    assert [(r.attempt, r.status) for r in attempts(url)] == [(1, "retrying"), (2, "sent")]
