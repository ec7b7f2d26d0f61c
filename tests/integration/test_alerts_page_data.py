"""The alert lifecycle (acknowledge, assign, note, resolve) and the alerts page's reads, on SQLite
and PostgreSQL, over the known alerts of ``alerts_world``."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alerts_world import NOW, build_alerts_world, fast_hashes  # noqa: F401  (fixture)

from data.alerts import lifecycle
from data.alerts.lifecycle import AlertActionError
from data.db import get_engine
from data.queries.alerts import (
    fetch_alert_detail,
    fetch_alerts,
    fetch_assignees,
    fetch_firing_alerts,
    fetch_response_times,
)
from data.scope import OutOfScope, scope_for_org

H = dt.timedelta(hours=1)


@pytest.fixture
def world(db_url, fast_hashes):
    build_alerts_world(db_url)
    return get_engine(db_url)


def _scope(engine, org_id):
    with engine.connect() as conn:
        return scope_for_org(conn, org_id)


def _user_id(engine, username):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM app_user WHERE username = :u"), {"u": username}).scalar_one()


def _alert(engine, alert_id):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM alert WHERE id = :i"), {"i": alert_id}).mappings().one()


def _events(engine, alert_id):
    with engine.connect() as conn:
        return (
            conn.execute(sa.text("SELECT * FROM alert_event WHERE alert_id = :i ORDER BY id"), {"i": alert_id})
            .mappings()
            .all()
        )


# --- lifecycle --------------------------------------------------------------------------------------


def test_acknowledge_assign_note_resolve_write_one_event_each(world):
    city_a = _scope(world, 2)
    op_a = _user_id(world, "op_a")
    with world.begin() as conn:
        change = lifecycle.acknowledge(conn, 1, actor="op_a", scope=city_a, note="查看中", now=NOW)
    assert (change.from_state, change.to_state) == ("firing", "acknowledged")
    with world.begin() as conn:
        lifecycle.assign(conn, 1, actor="op_a", scope=city_a, assignee_id=op_a, now=NOW + H / 6)
        lifecycle.add_note(conn, 1, actor="op_a", scope=city_a, note="已联系物业", now=NOW + H / 3)
        lifecycle.resolve(conn, 1, actor="op_a", scope=city_a, note="空调故障已修复", now=NOW + H)
    row = _alert(world, 1)
    assert row["state"] == "resolved" and row["assignee_id"] == op_a
    assert row["acknowledged_at"] is not None and row["resolved_at"] is not None
    events = [(e["from_state"], e["to_state"], e["actor"], e["note"]) for e in _events(world, 1)][1:]
    assert events == [
        ("firing", "acknowledged", "op_a", "查看中"),
        ("acknowledged", "acknowledged", "op_a", f"assign:{op_a}"),
        ("acknowledged", "acknowledged", "op_a", "已联系物业"),
        ("acknowledged", "resolved", "op_a", "空调故障已修复"),
    ]
    detail = fetch_alert_detail(world.connect(), city_a, 1)
    kinds = detail["events"][["kind", "assignee_name"]].values.tolist()
    assert kinds[2] == ["assign", "op_a 用户"] and kinds[3][0] == "note" and kinds[4][0] == "transition"


@pytest.mark.parametrize(
    ("action", "alert_id", "code"),
    [
        ("acknowledge", 3, "cannot_acknowledge"),  # already acknowledged
        ("acknowledge", 4, "cannot_acknowledge"),  # resolved
        ("acknowledge", 5, "cannot_acknowledge"),  # pending: nothing fired yet
        ("resolve", 4, "cannot_resolve"),
        ("assign", 4, "cannot_assign"),
    ],
)
def test_transitions_that_are_not_allowed_are_refused_and_write_nothing(world, action, alert_id, code):
    province = _scope(world, 1)
    before = _events(world, alert_id)
    kwargs = {"note": "x"} if action == "resolve" else {}
    if action == "assign":
        kwargs = {"assignee_id": _user_id(world, "operator")}
    with pytest.raises(AlertActionError) as refused, world.begin() as conn:
        getattr(lifecycle, action)(conn, alert_id, actor="operator", scope=province, **kwargs)
    assert refused.value.code == code
    assert _events(world, alert_id) == before


def test_notes_are_required_to_resolve_and_limited_in_length(world):
    province = _scope(world, 1)
    with pytest.raises(AlertActionError) as refused, world.begin() as conn:
        lifecycle.resolve(conn, 2, actor="operator", scope=province, note="   ")
    assert refused.value.code == "note_required"
    with pytest.raises(AlertActionError) as refused, world.begin() as conn:
        lifecycle.add_note(conn, 2, actor="operator", scope=province, note="长" * (lifecycle.MAX_NOTE_LENGTH + 1))
    assert refused.value.code == "note_too_long" and refused.value.params["limit"] == lifecycle.MAX_NOTE_LENGTH
    assert _alert(world, 2)["state"] == "firing"


@pytest.mark.parametrize("alert_id", [2, 5, 999, "2 OR 1=1", None])
def test_an_alert_outside_the_scope_or_unknown_is_refused_alike(world, alert_id):
    city_a = _scope(world, 2)
    for action, kwargs in (
        ("acknowledge", {}),
        ("resolve", {"note": "x"}),
        ("add_note", {"note": "x"}),
        ("assign", {"assignee_id": 1}),
    ):
        with pytest.raises(OutOfScope) as refused, world.begin() as conn:
            getattr(lifecycle, action)(conn, alert_id, actor="op_a", scope=city_a, **kwargs)
        assert "outside the scope" in str(refused.value)
    assert _alert(world, 2)["state"] == "firing"
    assert fetch_alert_detail(world.connect(), city_a, alert_id) is None


def test_assignees_are_active_operators_whose_scope_covers_the_alert(world):
    province, city_a = _scope(world, 1), _scope(world, 2)
    with world.connect() as conn:
        names = set(fetch_assignees(conn, province, 1)["username"])
        assert names == {"admin", "operator", "op_a", "cityadmin"}  # not op_b (city B), op_gone, viewers, wall
        assert set(fetch_assignees(conn, province, 2)["username"]) == {"admin", "operator", "op_b"}
        assert fetch_assignees(conn, city_a, 2).empty  # the alert is outside city A
    for username in ("op_b", "op_gone", "viewer", "wall"):
        with pytest.raises(AlertActionError) as refused, world.begin() as conn:
            lifecycle.assign(conn, 1, actor="op_a", scope=city_a, assignee_id=_user_id(world, username))
        assert refused.value.code == "bad_assignee", username
    with pytest.raises(AlertActionError), world.begin() as conn:
        lifecycle.assign(conn, 1, actor="op_a", scope=city_a, assignee_id="nobody")


def test_a_concurrent_change_is_reported_not_overwritten(world):
    province = _scope(world, 1)
    with world.begin() as conn:
        row = lifecycle._load_in_scope(conn, 2, province)
        conn.execute(sa.text("UPDATE alert SET state = 'resolved' WHERE id = 2"))
        with pytest.raises(AlertActionError) as refused:
            lifecycle._transition(conn, row, to_state="acknowledged", values={}, actor="x", note=None, now=NOW)
    assert refused.value.code == "state_changed"


# --- queries ----------------------------------------------------------------------------------------


def test_the_list_is_scoped_and_ordered_open_critical_newest(world):
    with world.connect() as conn:
        province = fetch_alerts(conn, _scope(world, 1))
        city_a = fetch_alerts(conn, _scope(world, 2))
        county_b = fetch_alerts(conn, _scope(world, 6))
    # open critical (newest first: pending 5 opened 10 min ago, 1 fired 2h ago, 6 fired 3h ago) ...
    assert province["alert_id"].tolist() == [5, 1, 6, 2, 3, 4]
    assert city_a["alert_id"].tolist() == [1, 3, 4]
    assert county_b["alert_id"].tolist() == [5, 2]
    first = province.set_index("alert_id").loc[1]
    assert (first["entity_name_zh"], first["rule_name_zh"], first["domain"]) == ("甲一县办公楼", "用电量偏高", "energy")
    assert (first["department_code"], first["org_name_zh"], first["unit"]) == ("energy", "甲一县机关事务中心", "kWh")
    names = province.set_index("alert_id")["entity_name_zh"].to_dict()
    assert names[3] == "甲A00001" and names[6] == "能耗投放目录"


def test_filters(world):
    province = _scope(world, 1)
    with world.connect() as conn:
        dept = dict(conn.execute(sa.text("SELECT code, id FROM department")).all())

        def ids(**filters):
            return sorted(fetch_alerts(conn, province, **filters)["alert_id"].tolist())

        assert ids(severities=["critical"]) == [1, 5, 6]
        assert ids(domains="vehicle") == [3, 5]
        assert ids(department_ids=[dept["energy"]]) == [1, 2, 4, 6]
        assert ids(states=["firing", "acknowledged"]) == [1, 2, 3, 6]
        assert ids(org_id=5) == [2, 5]
        assert ids(org_id=3) == [1, 4]
        assert ids(since=NOW - 4 * H) == [1, 2, 5, 6]
        assert ids(since=NOW - 12 * H, until=NOW - 4 * H) == [3, 4]
        assert ids(severities=["warning"], domains=["energy"], states=["firing"]) == [2]
        assert ids(entity=("building", 1)) == [1, 4]  # a building's page
        assert ids(entity=("vehicle", 1)) == [3]  # a vehicle's page
        with pytest.raises(OutOfScope):
            fetch_alerts(conn, _scope(world, 2), org_id=5)


def test_the_panel_shows_firing_alerts_critical_first(world):
    with world.connect() as conn:
        panel = fetch_firing_alerts(conn, _scope(world, 1))
        assert panel["alert_id"].tolist() == [1, 6, 2]
        assert fetch_firing_alerts(conn, _scope(world, 1), limit=1)["alert_id"].tolist() == [1]
        assert fetch_firing_alerts(conn, _scope(world, 4))["alert_id"].tolist() == []


def test_detail_has_the_rule_version_the_values_and_the_history(world):
    with world.connect() as conn:
        detail = fetch_alert_detail(conn, _scope(world, 1), 4)
    assert detail["alert"]["state"] == "resolved" and detail["alert"]["rule_version"] == 2
    assert detail["rule"]["warning_level"] == 1000 and detail["rule"]["changed_by"] == "admin"
    assert detail["detail"] == {"window": "last_days:1", "value": 1050.0, "baseline": 800}
    assert detail["events"]["to_state"].tolist() == ["firing", "resolved"]


def test_mtta_and_mttr_by_department(world):
    with world.connect() as conn:
        frame = fetch_response_times(conn, _scope(world, 1), since=NOW - 24 * H, until=NOW)
        codes = frame.set_index("department_code")
        energy, vehicle = codes.loc["energy"], codes.loc["vehicle"]
        assert (energy["alerts"], energy["acknowledged"], energy["resolved"]) == (4, 1, 1)
        assert energy["mtta_mean_s"] == 1800 and energy["mtta_median_s"] == 1800
        assert energy["mttr_mean_s"] == 7200 and energy["mttr_median_s"] == 7200
        assert (vehicle["alerts"], vehicle["acknowledged"], vehicle["resolved"]) == (1, 1, 0)
        assert vehicle["mtta_mean_s"] == 3600
        # after two more acknowledgements the mean and the median differ
        with world.begin() as w:
            lifecycle.acknowledge(w, 1, actor="operator", scope=_scope(world, 1), now=NOW + 2 * H)  # 4 h
            lifecycle.acknowledge(w, 6, actor="operator", scope=_scope(world, 1), now=NOW)  # 3 h
    with world.connect() as conn:
        energy = fetch_response_times(conn, _scope(world, 1), since=NOW - 24 * H).set_index("department_code")
        energy = energy.loc["energy"]
        assert energy["acknowledged"] == 3
        assert energy["mtta_median_s"] == 3 * 3600
        assert energy["mtta_mean_s"] == pytest.approx((1800 + 4 * 3600 + 3 * 3600) / 3)
        assert fetch_response_times(conn, _scope(world, 4))["department_code"].tolist() == ["vehicle"]
