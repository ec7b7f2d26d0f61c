"""The alerts page through the real app: its registration and navigation, the list, detail and
overview-panel callbacks, and the actions' server-side checks, posted by hand to
``/_dash-update-component`` as a browser (or an attacker) would — on SQLite and PostgreSQL.

World: ``alerts_world`` (alert 1 firing critical in city A, 2 firing in city B …).
"""

from __future__ import annotations

import json

import dash
import pytest
import sqlalchemy as sa
from alerts_world import build_alerts_world, fast_hashes  # noqa: F401  (fixture)

from data.db import get_engine

from security_support import call_callback, dependencies, find_callback, make_app, signed_in_client

ACTION_OUTPUT = "alerts-message.children"


@pytest.fixture
def site(db_url, fast_hashes):  # noqa: F811
    tokens = build_alerts_world(db_url)
    return make_app(db_url), db_url, tokens


def _client(app, username):
    return signed_in_client(app, username)


def _wall(app, tokens):
    client = app.server.test_client()
    assert client.get(f"/wall/login?token={tokens['wall']}").status_code == 302
    return client


def _text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def _state(url, alert_id):
    with get_engine(url).connect() as conn:
        return conn.execute(sa.text("SELECT state, assignee_id FROM alert WHERE id = :i"), {"i": alert_id}).one()


def _event_count(url, alert_id):
    with get_engine(url).connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM alert_event WHERE alert_id = :i"), {"i": alert_id}).scalar()


def post_action(client, action, alert_id, *, note="", assignee=None):
    """The request a click on an action button sends: the button's pattern-matching id names the alert."""
    spec = find_callback(dependencies(client), ACTION_OUTPUT)
    button = {"action": action, "alert": alert_id, "type": "alerts-action"}
    payload = {
        "output": spec["output"],
        "outputs": [
            {"id": "alerts-message", "property": "children"},
            {"id": "alerts-changed", "property": "data"},
            {"id": "alerts-note", "property": "value"},
        ],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [
            {"id": "alerts-note", "property": "value", "value": note},
            {"id": "alerts-assignee", "property": "value", "value": assignee},
            {"id": "alerts-changed", "property": "data", "value": 0},
        ],
        "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
    }
    return client.post("/_dash-update-component", json=payload, headers={"Origin": "http://localhost"})


def _list(client, **filters):
    values = {
        "alerts-interval.n_intervals": 0,
        "alerts-f-period.value": "all",
        "alerts-f-state.value": filters.pop("states", None),
        **{f"alerts-f-{k}.value": v for k, v in filters.items()},
    }
    response = call_callback(client, dependencies(client), "alerts-grid.rowData", values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _detail(client, alert_id):
    response = call_callback(
        client,
        dependencies(client),
        "alerts-detail.children",
        {"alerts-query-alert.data": alert_id},
        triggered="alerts-query-alert.data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_the_page_is_in_the_navigation_of_every_role_that_views(site):
    app, _url, tokens = site
    page = next(p for p in dash.page_registry.values() if p["path"] == "/alerts")
    assert page["nav_key"] == "nav.alerts" and page["required_permission"] == "view"
    for client in (_client(app, "viewer"), _wall(app, tokens)):
        assert client.get("/alerts", headers={"Accept": "text/html"}).status_code == 200
        layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
        assert "告警中心" in layout


def test_the_list_is_the_users_scope_with_filters_and_response_times(site):
    app, _url, _tokens = site
    viewer = _client(app, "viewer")  # city A
    out = _list(viewer, states=["pending", "firing", "acknowledged"])
    rows = out["alerts-grid"]["rowData"]
    assert [r["alert_id"] for r in rows] == ["1", "3"]
    assert rows[0]["entity"] == "甲一县办公楼" and rows[0]["severity"] == "严重" and rows[0]["state"] == "告警中"
    assert rows[0]["value"] == "1,720 kWh / 1,500 kWh"
    assert "共 2 条告警" in json.dumps(out["alerts-count"], ensure_ascii=False)
    assert "data-department" in json.dumps(out["alerts-response"])
    operator = _client(app, "operator")
    rows = _list(operator, severity=["critical"])["alerts-grid"]["rowData"]
    assert [r["alert_id"] for r in rows] == ["5", "1", "6"]
    assert _list(operator, domain=["vehicle"], states=["firing"])["alerts-grid"]["rowData"] == []
    # an org filter outside the scope is refused, not widened
    refused = _list(viewer, org=5)
    assert refused["alerts-grid"]["rowData"] == [] and "无权查看" in json.dumps(refused, ensure_ascii=False)


def test_detail_shows_values_history_link_and_actions_only_to_operators(site):
    app, _url, tokens = site
    for viewer in (_client(app, "viewer"), _wall(app, tokens)):
        out = _detail(viewer, 1)
        text = json.dumps(out["alerts-detail"], ensure_ascii=False)
        assert "用电量偏高" in text and "/energy?building=1" in text and "1,720 kWh" in text and "规则版本 v2" in text
        assert out["alerts-actions"]["hidden"] is True and out["alerts-buttons"]["children"] == []
    operator = _detail(_client(app, "op_a"), 1)
    assert operator["alerts-actions"]["hidden"] is False
    buttons = [b["props"]["id"] for b in operator["alerts-buttons"]["children"]]
    assert {b["action"] for b in buttons} == {"acknowledge", "assign", "note", "resolve"}
    assert {b["alert"] for b in buttons} == {1}
    assignees = {o["label"] for o in operator["alerts-assignee"]["options"]}
    assert any("op_a" in label for label in assignees) and not any("op_b" in label for label in assignees)
    # an alert of another city reads as "not there" and offers nothing
    other = _detail(_client(app, "op_a"), 2)
    assert "不在您的数据范围内" in json.dumps(other["alerts-detail"], ensure_ascii=False)
    assert other["alerts-actions"]["hidden"] is True and other["alerts-buttons"]["children"] == []


@pytest.mark.parametrize("who", ["viewer", "leader", "wall"])
def test_a_hand_made_action_from_a_role_without_manage_alerts_is_refused(site, who):
    app, url, tokens = site
    client = _wall(app, tokens) if who == "wall" else _client(app, who)
    before = _event_count(url, 1)
    for action in ("acknowledge", "resolve", "note"):
        response = post_action(client, action, 1, note="hand-made")
        assert response.status_code == 403, (who, action)
    assert tuple(_state(url, 1)) == ("firing", None) and _event_count(url, 1) == before


def test_an_operator_cannot_act_on_an_alert_outside_the_scope(site):
    app, url, _tokens = site
    op_b = _client(app, "op_b")  # city B; alert 1 is in city A
    before = _event_count(url, 1)
    for action, kwargs in (("acknowledge", {}), ("resolve", {"note": "x"}), ("note", {"note": "x"}), ("assign", {})):
        assert post_action(op_b, action, 1, **kwargs).status_code == 403
    assert post_action(op_b, "acknowledge", 99999).status_code == 403  # unknown ids are refused alike
    assert post_action(op_b, "acknowledge", "1 OR 1=1").status_code == 403
    assert post_action(op_b, "delete", 2).status_code == 403  # not an action
    assert tuple(_state(url, 1)) == ("firing", None) and _event_count(url, 1) == before
    with get_engine(url).connect() as conn:
        denied = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE actor = 'op_b' AND action = 'permission_denied'")
        ).scalar()
    assert denied >= 7


def test_an_operator_in_scope_acknowledges_assigns_notes_and_resolves(site):
    app, url, _tokens = site
    op_a = _client(app, "op_a")
    response = post_action(op_a, "resolve", 1, note="  ")
    assert response.status_code == 200
    assert "关闭告警须说明处理情况" in _text(response) and _state(url, 1).state == "firing"
    response = post_action(op_a, "acknowledge", 1, note="现场核查中")
    body = response.get_json()["response"]
    assert "告警 #1 已确认" in json.dumps(body, ensure_ascii=False)
    assert body["alerts-changed"]["data"] == 1 and body["alerts-note"]["value"] == ""
    assert _state(url, 1).state == "acknowledged"
    again = post_action(op_a, "acknowledge", 1)
    assert "只能确认“告警中”的告警（当前状态：已确认）" in _text(again)
    with get_engine(url).connect() as conn:
        op_a_id = conn.execute(sa.text("SELECT id FROM app_user WHERE username = 'op_a'")).scalar()
        op_b_id = conn.execute(sa.text("SELECT id FROM app_user WHERE username = 'op_b'")).scalar()
    assert "只能指派给" in _text(post_action(op_a, "assign", 1, assignee=op_b_id))
    assert "已指派" in _text(post_action(op_a, "assign", 1, assignee=op_a_id))
    assert "已为告警 #1 添加备注" in _text(post_action(op_a, "note", 1, note="已联系物业"))
    long = _text(post_action(op_a, "note", 1, note="长" * 2001))
    assert "备注过长" in long
    assert "告警 #1 已关闭" in _text(post_action(op_a, "resolve", 1, note="已修复"))
    assert tuple(_state(url, 1)) == ("resolved", op_a_id)
    history = json.dumps(_detail(op_a, 1)["alerts-detail"], ensure_ascii=False)
    assert "指派给 op_a 用户" in history and "已联系物业" in history and "已确认 → 已关闭" in history


def _overview_panel(client, org=None):
    """The overview's open-alerts panel, requested as the browser does (concrete ids)."""
    store = {"org": str(org)} if org is not None else {}
    panel = {"type": "aocc-panel-list", "page": "overview", "panel": "alerts"}
    fresh = {"type": "aocc-panel-fresh", "page": "overview", "panel": "alerts", "kind": "alerts"}
    key = json.dumps(panel, sort_keys=True, separators=(",", ":"))
    payload = {
        "output": find_callback(dependencies(client), "aocc-panel-list")["output"],
        "outputs": [{"id": panel, "property": "children"}, {"id": fresh, "property": "children"}],
        "inputs": [{"id": {"type": "aocc-view-interval", "page": "overview"}, "property": "n_intervals", "value": 0}],
        "state": [
            {"id": {"type": "aocc-view", "page": "overview"}, "property": "data", "value": store},
            {"id": "aocc-theme", "property": "data", "value": "light"},
            {"id": "aocc-viewport", "property": "data", "value": None},
        ],
        "changedPropIds": [],
    }
    response = client.post("/_dash-update-component", json=payload, headers={"Origin": "http://localhost"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json()["response"][key], ensure_ascii=False)


def test_overview_panel_and_ticker_show_firing_alerts_critical_first(site):
    app, _url, tokens = site
    values = {
        '{"page":"overview","type":"aocc-view-interval"}.n_intervals': 0,
        '{"page":"overview","type":"aocc-view"}.data': {},
    }
    for client in (_client(app, "operator"), _wall(app, tokens)):
        panel = _overview_panel(client)
        order = [panel.index(f'"data-alert-id": "{i}"') for i in (1, 6, 2)]
        assert order == sorted(order) and "/alerts?alert=1" in panel
        response = call_callback(client, dependencies(client), "overview-alerts-ticker.children", values)
        assert response.status_code == 200
        ticker = json.dumps(response.get_json()["response"]["overview-alerts-ticker"], ensure_ascii=False)
        assert "用电量偏高" in ticker and "aocc-ticker__track" in ticker
    county = _client(app, "county")  # county A1: alert 1 fires there
    assert '"data-alert-id": "1"' in _overview_panel(county, org=3)
    cityadmin = _client(app, "cityadmin")
    other = _overview_panel(cityadmin, org=4)  # county A2: none of county A1's alerts
    assert all(f'"data-alert-id": "{i}"' not in other for i in (1, 6))
