"""The notifications page through the real callback endpoint: what an administrator does, what
the scope allows, and the refusal of everyone else's hand-made requests (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from notify_world import ROBOT_KEY, HttpSink, build_notify_world
from sqlalchemy import select

from data.alerts import channels as channels_data
from data.calendar import calendar_for
from data.db import get_engine, session_scope, write_session
from data.models import AuditLog
from data.models.alert import MuteTiming, NotificationAttempt, NotificationChannel, Silence

from security_support import call_callback, dependencies, make_app, seed_accounts, signed_in_client

CHANNEL = "notify-channel-message.children"
SILENCE = "notify-silence-message.children"
MUTE = "notify-mute-message.children"
LISTS = "notify-channel-grid.rowData"
LOG = "notify-log-grid.rowData"


@pytest.fixture
def secured(db_url):
    ids = build_notify_world(db_url)
    tokens = seed_accounts(db_url)
    return make_app(db_url), db_url, ids, tokens


@pytest.fixture
def http():
    sink = HttpSink().start()
    yield sink
    sink.stop()


def text_of(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children", ""))
    return "" if component is None else str(component)


def message(response, output: str) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return text_of(response.get_json()["response"][output.split(".")[0]]["children"])


def channel_values(department: int, target: str, *, kind: str = "webhook", name: str = "节能处群") -> dict:
    return {
        "notify-channel-add.n_clicks": 1,
        "notify-channel-department.value": department,
        "notify-channel-kind.value": kind,
        "notify-channel-name.value": name,
        "notify-channel-target.value": target,
    }


def rows(url: str, model) -> list:
    with session_scope(get_engine(url)) as session:
        return list(session.scalars(select(model).order_by(model.id)))


def local_text(delta: dt.timedelta) -> str:
    return calendar_for("Asia/Shanghai").local(dt.datetime.now(dt.UTC) + delta).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("username", ["viewer", "leader", "operator"])
def test_hand_made_requests_of_non_administrators_are_refused(secured, username):
    app, url, ids, _ = secured
    client = signed_in_client(app, username)
    deps = dependencies(client)
    attempts = [
        (CHANNEL, channel_values(ids["energy"], "https://evil.example/hook"), "notify-channel-add.n_clicks"),
        (
            SILENCE,
            {
                "notify-silence-create.n_clicks": 1,
                "notify-silence-until.value": local_text(dt.timedelta(hours=2)),
                "notify-silence-reason.value": "x",
            },
            "notify-silence-create.n_clicks",
        ),
        (
            MUTE,
            {"notify-mute-add.n_clicks": 1, "notify-mute-name.value": "x", "notify-mute-weekdays.value": [5]},
            "notify-mute-add.n_clicks",
        ),
        (LISTS, {"notify-channel-refresh.data": 0}, None),
        (LOG, {"notify-channel-refresh.data": 0}, None),
    ]
    for output, values, triggered in attempts:
        response = call_callback(client, deps, output, values, triggered=triggered)
        assert response.status_code == 403, output
        assert response.get_json() == {"error": "permission_denied"}
    assert rows(url, NotificationChannel) == [] and rows(url, Silence) == [] and rows(url, MuteTiming) == []
    with session_scope(get_engine(url)) as session:
        refusals = list(session.scalars(select(AuditLog).where(AuditLog.action == "permission_denied")))
    assert len(refusals) == 5 and {r.detail["permission"] for r in refusals} == {"manage_rules"}


def test_a_wall_screen_cannot_add_a_channel(secured):
    app, url, ids, tokens = secured
    client = app.server.test_client()
    headers = {"Authorization": f"Bearer {tokens['wall']}"}
    deps = client.get("/_dash-dependencies", headers=headers).get_json()
    from security_support import find_callback

    spec = find_callback(deps, CHANNEL)
    payload = {
        "output": spec["output"],
        "outputs": [
            {"id": "notify-channel-message", "property": "children"},
            {"id": "notify-channel-refresh", "property": "data"},
        ],
        "inputs": [{"id": i["id"], "property": i["property"], "value": 1} for i in spec["inputs"]],
        "state": [{"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]],
        "changedPropIds": ["notify-channel-add.n_clicks"],
    }
    response = client.post("/_dash-update-component", json=payload, headers={**headers, "Origin": "http://localhost"})
    assert response.status_code == 403
    assert rows(url, NotificationChannel) == []


def test_admin_manages_channels_and_the_url_is_never_sent_back(secured, http):
    app, url, ids, _ = secured
    client = signed_in_client(app, "admin")
    deps = dependencies(client)
    refused = call_callback(
        client,
        deps,
        CHANNEL,
        channel_values(ids["energy"], "file:///etc/passwd"),
        triggered="notify-channel-add.n_clicks",
    )
    assert "只能以 http:// 或 https:// 开头" in message(refused, CHANNEL)
    assert rows(url, NotificationChannel) == []

    added = call_callback(
        client, deps, CHANNEL, channel_values(ids["energy"], http.url), triggered="notify-channel-add.n_clicks"
    )
    assert "已新增渠道" in message(added, CHANNEL)
    (channel,) = rows(url, NotificationChannel)
    assert channel.target == http.url and channel.created_by == "admin" and channel.enabled

    listed = call_callback(client, deps, LISTS, {"notify-channel-refresh.data": 1})
    body = listed.get_data(as_text=True)
    assert ROBOT_KEY not in body and "/cgi-bin/webhook" not in body
    grid = listed.get_json()["response"]["notify-channel-grid"]["rowData"]
    assert [(r["name"], r["kind"], r["enabled"], r["target"]) for r in grid] == [
        ("节能处群", "webhook", True, "http://127.0.0.1/…1234")
    ]

    # Saving with an empty target keeps the stored URL; disabling toggles it.
    selected = [{"id": channel.id}]
    saved = call_callback(
        client,
        deps,
        CHANNEL,
        {
            "notify-channel-save.n_clicks": 1,
            "notify-channel-name.value": "节能值班群",
            "notify-channel-target.value": "",
            "notify-channel-grid.selectedRows": selected,
        },
        triggered="notify-channel-save.n_clicks",
    )
    assert "已保存" in message(saved, CHANNEL)
    (channel,) = rows(url, NotificationChannel)
    assert channel.name == "节能值班群" and channel.target == http.url

    tested = call_callback(
        client,
        deps,
        CHANNEL,
        {"notify-channel-test.n_clicks": 1, "notify-channel-grid.selectedRows": selected},
        triggered="notify-channel-test.n_clicks",
    )
    assert "测试消息已发送" in message(tested, CHANNEL)
    assert len(http.requests) == 1 and "测试消息" in http.requests[0]["json"]["markdown"]["content"]

    toggled = call_callback(
        client,
        deps,
        CHANNEL,
        {"notify-channel-toggle.n_clicks": 1, "notify-channel-grid.selectedRows": selected},
        triggered="notify-channel-toggle.n_clicks",
    )
    assert "已停用" in message(toggled, CHANNEL)
    assert rows(url, NotificationChannel)[0].enabled is False

    with session_scope(get_engine(url)) as session:
        audit = list(
            session.scalars(select(AuditLog).where(AuditLog.action.like("notify_channel%")).order_by(AuditLog.id))
        )
    assert [(a.action, a.outcome) for a in audit] == [
        ("notify_channel_create", "failed"),
        ("notify_channel_create", "ok"),
        ("notify_channel_update", "ok"),
        ("notify_channel_test", "ok"),
        ("notify_channel_update", "ok"),
    ]
    assert all(ROBOT_KEY not in str(a.detail) and ROBOT_KEY not in (a.note or "") for a in audit)


def test_silences_and_mute_timings_from_the_page_within_the_admins_scope(secured):
    app, url, ids, _ = secured
    admin = signed_in_client(app, "admin")
    city = signed_in_client(app, "cityadmin")  # administrator of city A (org 2)
    deps = dependencies(admin)

    def silence(client, **values):
        base = {
            "notify-silence-create.n_clicks": 1,
            "notify-silence-reason.value": "计划检修",
            "notify-silence-until.value": local_text(dt.timedelta(hours=2)),
        }
        base.update({f"notify-silence-{k}.value": v for k, v in values.items()})
        return message(call_callback(client, deps, SILENCE, base, triggered="notify-silence-create.n_clicks"), SILENCE)

    assert "结束时间必须晚于开始时间" in silence(admin, **{"from": local_text(dt.timedelta(hours=3))})
    assert "请填写静默原因" in silence(admin, reason="  ")
    assert "YYYY-MM-DD HH:MM" in silence(admin, until="明天")
    assert "超出您的管理范围" in silence(city, scope=6)
    assert "已创建静默" in silence(city, scope=3, rule=1)
    assert "已创建静默" in silence(admin)  # no scope chosen: the administrator's whole scope
    city_silence, province_silence = rows(url, Silence)
    assert (city_silence.scope_org_id, city_silence.rule_id, city_silence.created_by) == (3, 1, "cityadmin")
    assert province_silence.scope_org_id == 1 and province_silence.rule_id is None

    def end(client, silence_id):
        values = {"notify-silence-end.n_clicks": 1, "notify-silence-grid.selectedRows": [{"id": silence_id}]}
        return message(call_callback(client, deps, SILENCE, values, triggered="notify-silence-end.n_clicks"), SILENCE)

    assert "不在您的管理范围" in end(city, province_silence.id)
    assert "已结束" in end(city, city_silence.id)
    assert rows(url, Silence)[0].ends_at.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC)
    listed = call_callback(city, deps, LISTS, {"notify-channel-refresh.data": 1}).get_json()["response"]
    assert [r["id"] for r in listed["notify-silence-grid"]["rowData"]] == [city_silence.id]

    def mute(client, **values):
        base = {"notify-mute-add.n_clicks": 1}
        base.update({f"notify-mute-{k}.value": v for k, v in values.items()})
        return message(call_callback(client, deps, MUTE, base, triggered="notify-mute-add.n_clicks"), MUTE)

    assert "只有管理范围为全省的管理员" in mute(city, name="夜间", **{"from": "22:00", "to": "07:00"})
    assert "HH:MM" in mute(admin, name="夜间", **{"from": "22", "to": "7:00"})
    assert "已新增静默时段" in mute(admin, name="夜间", **{"from": "22:00", "to": "07:00"}, days=["holidays"])
    (timing,) = rows(url, MuteTiming)
    assert timing.spec == {"hours": [["22:00", "07:00"]], "weekdays": [], "holidays": True, "rest_days": False}
    listed = call_callback(admin, deps, LISTS, {"notify-mute-refresh.data": 1}).get_json()["response"]
    assert listed["notify-mute-grid"]["rowData"][0]["when"] == "22:00–07:00；法定节假日"
    deleted = call_callback(
        admin,
        deps,
        MUTE,
        {"notify-mute-delete.n_clicks": 1, "notify-mute-grid.selectedRows": [{"id": timing.id}]},
        triggered="notify-mute-delete.n_clicks",
    )
    assert "已删除" in message(deleted, MUTE) and rows(url, MuteTiming) == []


def test_delivery_log_is_filtered_and_scoped(secured):
    app, url, ids, _ = secured
    from notify_world import NOW, notify_config, open_alert

    from data.alerts.notify import dispatch_pending
    from presentation.notification_text import render_notification

    open_alert(url, alert_id=2, rule_id=1, org_id=9, fired_at=NOW, entity_id=2)  # city B
    with write_session(get_engine(url)) as s:
        channels_data.create_channel(
            s.connection(),
            department_id=ids["energy"],
            kind="email",
            name="邮箱",
            target="energy@aocc.example",
            created_by="admin",
            now=NOW - dt.timedelta(days=1),
        )
    dispatch_pending(
        get_engine(url), now=NOW + dt.timedelta(minutes=1), config=notify_config(url), render=render_notification
    )  # SMTP not configured: both retried
    assert len(rows(url, NotificationAttempt)) == 2
    admin, city = signed_in_client(app, "admin"), signed_in_client(app, "cityadmin")
    deps = dependencies(admin)
    everything = call_callback(admin, deps, LOG, {}).get_json()["response"]["notify-log-grid"]["rowData"]
    assert sorted(r["alert_id"] for r in everything) == [1, 2]
    assert {r["status_label"] for r in everything} == {"失败，待重试"}
    assert all("SMTP" in r["error"] for r in everything)
    one = call_callback(admin, deps, LOG, {"notify-log-alert.value": 2}).get_json()["response"]
    assert [r["alert_id"] for r in one["notify-log-grid"]["rowData"]] == [2]
    assert one["notify-log-count"]["children"] == "共 1 条"
    sent = call_callback(admin, deps, LOG, {"notify-log-status.value": "sent"}).get_json()["response"]
    assert sent["notify-log-grid"]["rowData"] == []
    mine = call_callback(city, deps, LOG, {}).get_json()["response"]["notify-log-grid"]["rowData"]
    assert [r["alert_id"] for r in mine] == [1]  # alert 2 lies in city B
