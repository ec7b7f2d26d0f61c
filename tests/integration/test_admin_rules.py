"""The rule editor through the real callback endpoint, on SQLite and PostgreSQL: an administrator
previews, backtests, saves and changes a rule; an invalid rule shows its messages next to the
fields and is not saved; non-administrators and scopes outside the administrator's are refused.

Requests are hand-made posts to ``/_dash-update-component``, what a browser (or anyone holding a
session cookie) can send. The org tree and accounts are ``security_support``'s; the world adds a
data source that last delivered long ago, so a staleness rule fires on it now and on every day of
the 90-day backtest.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alerts_world import fast_hashes  # noqa: F401  (fixture)

from data.alerts.rules import list_rules, rule_versions
from data.db import get_engine, session_scope, write_session
from data.models import AuditLog

from security_support import call_callback, dependencies, make_app, seed_accounts, seed_org_tree, signed_in_client

PREVIEW = "admin-rules-preview-out.children"
BACKTEST = "admin-rules-backtest-out.children"
SAVE = "admin-rules-message.children"
LONG_AGO = dt.datetime(2020, 1, 1, 0, 0)


@pytest.fixture
def world(db_url, fast_hashes):  # noqa: F811
    seed_org_tree(db_url)
    tokens = seed_accounts(db_url)
    with write_session(get_engine(db_url)) as session:
        session.execute(
            sa.text(
                "INSERT INTO data_source (id, code, kind, domain, name_zh, name_en, config, interval_seconds, "
                "stale_after_seconds, last_success_at, enabled) VALUES (1, 'gw', 'simulator', 'energy', '能耗网关', "
                "'Gateway', '{}', 300, 3600, :t, :on)"
            ),
            {"t": LONG_AGO, "on": True},
        )
    return make_app(db_url), db_url, tokens


def form(**changes) -> dict:
    values = {
        "admin-rules-code.value": "test.stale",
        "admin-rules-name-zh.value": "数据源长时间未上报",
        "admin-rules-name-en.value": "Source silent",
        "admin-rules-metric.value": "energy.source_staleness",
        "admin-rules-kind.value": "source",
        "admin-rules-scope.value": 1,
        "admin-rules-filter-key.value": None,
        "admin-rules-filter-values.value": [],
        "admin-rules-comparison.value": "above",
        "admin-rules-warning.value": 1,
        "admin-rules-critical.value": 3,
        "admin-rules-recovery.value": 0.5,
        "admin-rules-window-kind.value": "latest",
        "admin-rules-window-n.value": None,
        "admin-rules-for-value.value": 0,
        "admin-rules-for-unit.value": "hours",
        "admin-rules-department.value": "information",
        "admin-rules-enabled.value": ["on"],
    }
    values.update({f"admin-rules-{k.replace('_', '-')}.value": v for k, v in changes.items()})
    return values


def post(client, output: str, values: dict, triggered: str):
    response = call_callback(client, dependencies(client), output, values, triggered=triggered)
    return response


def text_of(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children", ""))
    return "" if component is None else str(component)


def rules(url: str) -> list[dict]:
    with session_scope(get_engine(url)) as session:
        return list_rules(session.connection()).to_dict("records")


def audit(url: str, action: str) -> list[AuditLog]:
    with session_scope(get_engine(url)) as session:
        return list(session.scalars(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def save(client, values: dict, rule_id=None):
    response = post(client, SAVE, {**values, "admin-rules-rule-id.data": rule_id}, "admin-rules-save.n_clicks")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def shown_problems(client, store: dict) -> dict[str, str]:
    """The problem slots as the page fills them from a save's problems store."""
    response = post(
        client, "admin-rules-problem-code.children", {"admin-rules-save-problems.data": store},
        "admin-rules-save-problems.data",
    )  # fmt: skip
    body = response.get_json()["response"]
    return {
        key.removeprefix("admin-rules-problem-"): text_of(v["children"])
        for key, v in body.items()
        if text_of(v["children"])
    }


def test_admin_previews_backtests_saves_and_changes_a_rule(world):
    app, url, _ = world
    client = signed_in_client(app, "admin")
    preview = post(client, PREVIEW, form(), "admin-rules-preview.n_clicks")
    assert preview.status_code == 200
    shown = text_of(preview.get_json()["response"]["admin-rules-preview-out"]["children"])
    assert "1 个对象会触发，其中严重 1 个" in shown and "gw" in shown and "能耗网关" in shown and "严重" in shown
    backtest = post(client, BACKTEST, form(), "admin-rules-backtest.n_clicks")
    total = text_of(backtest.get_json()["response"]["admin-rules-backtest-out"]["children"])
    assert "最近 90 天：1 个对象共触发 1 次，累计告警 90 天" in total
    assert rules(url) == []  # previewing saves nothing

    body = save(client, form())
    assert "已创建规则“数据源长时间未上报”（版本 1）" in text_of(body["admin-rules-message"]["children"])
    (rule,) = rules(url)
    assert (rule["code"], rule["version"], rule["updated_by"], rule["scope_org_id"]) == ("test.stale", 1, "admin", None)
    assert body["admin-rules-saved"]["data"]["id"] == rule["id"]
    assert audit(url, "rule_create")[-1].target == "test.stale"
    # Another new rule cannot take the same code.
    taken = save(client, form(name_zh="另一条规则"))
    assert shown_problems(client, taken["admin-rules-save-problems"]["data"]) == {"code": "已有规则使用编码 test.stale"}
    assert len(rules(url)) == 1

    # The same form again changes nothing; a new warning level is version 2 with before and after.
    assert "未生成新版本" in text_of(save(client, form(), rule["id"])["admin-rules-message"]["children"])
    save(client, form(warning=2, recovery=1), rule["id"])
    with session_scope(get_engine(url)) as session:
        versions = rule_versions(session.connection(), rule["id"]).to_dict("records")
    assert [v["version"] for v in versions] == [1, 2]
    assert (versions[1]["before"]["warning_level"], versions[1]["after"]["warning_level"]) == (1.0, 2.0)
    assert audit(url, "rule_update")[-1].detail == {"warning_level": [1.0, 2.0], "recovery_level": [0.5, 1.0]}
    listing = post(
        client, "admin-rules-versions-out.children",
        {"admin-rules-rule-id.data": rule["id"], "admin-rules-refresh.data": 1}, "admin-rules-rule-id.data",
    )  # fmt: skip
    diff = text_of(listing.get_json()["response"]["admin-rules-versions-out"]["children"])
    assert "预警值：1 → 2" in diff and "恢复值：0.5 → 1" in diff and "创建规则" in diff

    # Disable: version 3; the grid lists it, disabled, at version 3.
    toggled = post(client, SAVE, {**form(), "admin-rules-rule-id.data": rule["id"]}, "admin-rules-toggle.n_clicks")
    assert "已停用规则" in text_of(toggled.get_json()["response"]["admin-rules-message"]["children"])
    grid = post(client, "admin-rules-grid.rowData", {"admin-rules-refresh.data": 2}, "admin-rules-refresh.data")
    (row,) = grid.get_json()["response"]["admin-rules-grid"]["rowData"]
    assert (row["version"], row["enabled"], row["scope"], row["window"]) == ("v3", "否", "全省", "最新值")


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"critical": 0.5}, "critical-level", "严重值（0.5）不能低于预警值（1.0）：数值越高越严重"),
        ({"scope": None}, "scope-org-id", "请选择适用范围"),
        ({"window_kind": "last_days", "window_n": 0}, "window", "评估窗口至少为1天或1小时"),
    ],
)
def test_an_invalid_rule_shows_its_messages_and_is_not_saved(world, changes, field, message):
    app, url, _ = world
    client = signed_in_client(app, "admin")
    body = save(client, form(**changes))
    assert "规则有误，未保存" in text_of(body["admin-rules-message"]["children"])
    assert "admin-rules-saved" not in body
    assert shown_problems(client, body["admin-rules-save-problems"]["data"]) == {field: message}
    assert rules(url) == []
    assert audit(url, "rule_create")[-1].outcome == "failed"


def test_a_scope_holding_nothing_is_refused_next_to_the_scope(world):
    app, url, _ = world
    client = signed_in_client(app, "admin")
    # County A1 holds no building: a building rule there has nothing to evaluate.
    values = form(metric="energy.night_share", kind="building", scope=3, window_kind="last_days", window_n=7,
                  warning=0.35, critical=0.45, recovery=0.3, department="energy")  # fmt: skip
    preview = post(client, PREVIEW, values, "admin-rules-preview.n_clicks").get_json()["response"]
    assert shown_problems(client, preview["admin-rules-preview-problems"]["data"]) == {
        "scope-org-id": "所选范围内没有可评估的对象（building）"
    }
    assert rules(url) == []


@pytest.mark.parametrize("username", ["leader", "operator", "viewer", "wall"])
def test_non_admin_hand_made_requests_are_refused(world, username):
    app, url, tokens = world
    if username == "wall":
        client = app.server.test_client()
        assert client.get(f"/wall/login?token={tokens['wall']}").status_code == 302
    else:
        client = signed_in_client(app, username)
    for output, trigger in (
        (SAVE, "admin-rules-save.n_clicks"),
        (PREVIEW, "admin-rules-preview.n_clicks"),
        (BACKTEST, "admin-rules-backtest.n_clicks"),
        ("admin-rules-grid.rowData", "admin-rules-refresh.data"),
    ):
        response = post(client, output, form(), trigger)
        assert response.status_code == 403, output
        assert response.get_json() == {"error": "permission_denied"}
    assert rules(url) == []
    refusal = audit(url, "permission_denied")[-1]
    assert refusal.actor == username and refusal.detail["permission"] == "manage_rules"
    page = client.get("/admin/rules", headers={"Accept": "text/html"})
    assert page.status_code == 200  # the shell; the layout itself shows the refusal (browser test)


def test_a_scope_outside_the_admins_is_refused(world):
    app, url, _ = world
    client = signed_in_client(app, "cityadmin")  # administrator of city A (2)
    for output, trigger in ((SAVE, "admin-rules-save.n_clicks"), (PREVIEW, "admin-rules-preview.n_clicks")):
        response = post(client, output, form(scope=6), trigger)  # county B1: city B's
        assert response.status_code == 200
        body = response.get_json()["response"]
        out = body.get("admin-rules-message") or body["admin-rules-preview-out"]
        assert "超出您的管理范围" in text_of(out["children"])
    assert rules(url) == []
    assert [a.outcome for a in audit(url, "rule_update")] == ["denied"]
    # A province-wide rule saved by the province's administrator is neither listed nor changeable.
    save(signed_in_client(app, "admin"), form())
    (rule,) = rules(url)
    grid = post(client, "admin-rules-grid.rowData", {"admin-rules-refresh.data": 1}, "admin-rules-refresh.data")
    assert grid.get_json()["response"]["admin-rules-grid"]["rowData"] == []
    body = save(client, form(scope=2, warning=5, critical=9), rule["id"])
    assert "超出您的管理范围" in text_of(body["admin-rules-message"]["children"])
    assert rules(url)[0]["version"] == 1
