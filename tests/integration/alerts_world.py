"""A small province with known alerts, for the alerts page's tests (until the evaluation writes
them, the rows are written here directly).

Org tree and accounts are those of ``security_support`` (1 province / 2 city A / 3, 4 counties
/ 5 city B / 6 county; agencies 7 under 3, 8 under 4, 9 under 6), plus operators ``op_a``
(scope city A, 2) and ``op_b`` (scope city B, 5), and an inactive operator ``op_gone``.

Alerts (ids fixed; ``NOW`` is 2026-11-20 12:00 UTC):

== ===================== ===== ============ ======== ========== ===========================
id entity                org   state        severity department fired / ack / resolved
== ===================== ===== ============ ======== ========== ===========================
1  building 甲一县办公楼   7     firing       critical energy     NOW-2h
2  building 乙一县办公楼   9     firing       warning  energy     NOW-1h
3  vehicle 甲A00001      8     acknowledged warning  vehicle    NOW-5h / +1h
4  building 甲一县办公楼   7     resolved     warning  energy     NOW-10h / +30min / +2h
5  vehicle 乙A00002      9     pending      critical vehicle    (opened NOW-10min)
6  source 能耗投放目录      1     firing       critical energy     NOW-3h
== ===================== ===== ============ ======== ========== ===========================
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from data import users as users_data
from data.db import get_engine, write_session
from data.models import Building, DataSource, Department, Vehicle
from data.models.alert import Alert, AlertEvent, AlertRule, AlertRuleVersion

from security_support import PASSWORD, seed_accounts, seed_org_tree

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
EXTRA_ACCOUNTS = {"op_a": ("operator", 2), "op_b": ("operator", 5), "op_gone": ("operator", 1)}


@pytest.fixture
def fast_hashes(monkeypatch):
    """Hash the one test password once (Argon2 costs ~0.2 s a hash; the world has ten accounts)."""
    monkeypatch.setattr(users_data, "hash_password", functools.lru_cache(maxsize=4)(users_data.hash_password))


def build_alerts_world(url: str) -> dict:
    """Seed the org tree, the accounts, two rules and the alerts above; returns the wall token."""
    seed_org_tree(url)
    tokens = seed_accounts(url)
    engine = get_engine(url)
    with write_session(engine) as s:
        for username, (role, org) in EXTRA_ACCOUNTS.items():
            user = users_data.create_user(
                s, username=username, display_name=f"{username} 用户", role=role, scope_org_id=org, password=PASSWORD
            )
            if username == "op_gone":
                user.active = False
        dept = {d.code: d.id for d in s.query(Department)}
        s.add_all(
            [
                Building(id=1, code="B7", org_id=7, name_zh="甲一县办公楼", name_en="County A1 office",
                         floor_area_m2=5000, heated_area_m2=4000),
                Building(id=2, code="B9", org_id=9, name_zh="乙一县办公楼", name_en="County B1 office",
                         floor_area_m2=3000, heated_area_m2=2500),
                Vehicle(id=1, plate="甲A00001", org_id=8, vehicle_class="执法执勤", energy_type="gasoline",
                        model="X", rated_consumption=8.0, acquired_on=dt.date(2020, 1, 1)),
                Vehicle(id=2, plate="乙A00002", org_id=9, vehicle_class="执法执勤", energy_type="gasoline",
                        model="X", rated_consumption=8.0, acquired_on=dt.date(2020, 1, 1)),
                DataSource(id=1, code="drop_energy", kind="file_drop", domain="energy", name_zh="能耗投放目录",
                           name_en="Energy drop", config={}, interval_seconds=60, stale_after_seconds=3600),
            ]
        )  # fmt: skip
        s.flush()
        rules = [
            AlertRule(id=1, code="energy_high", name_zh="用电量偏高", name_en="Electricity high",
                      metric_id="energy.electricity_kwh", entity_kind="building", comparison="above",
                      warning_level=1000, critical_level=1500, recovery_level=900, window="last_days:1",
                      department_id=dept["energy"], version=2, updated_at=NOW - 48 * H, updated_by="admin"),
            AlertRule(id=2, code="fleet_idle", name_zh="车辆闲置", name_en="Vehicle idle",
                      metric_id="vehicle.trips", entity_kind="vehicle", comparison="below",
                      warning_level=2, critical_level=0, window="last_days:30",
                      department_id=dept["vehicle"], version=1, updated_at=NOW - 48 * H, updated_by="admin"),
        ]  # fmt: skip
        s.add_all(rules)
        s.flush()
        s.add_all(
            [
                AlertRuleVersion(rule_id=1, version=2, changed_at=NOW - 48 * H, changed_by="admin",
                                 definition={"comparison": "above", "warning_level": 1000, "critical_level": 1500,
                                             "window": "last_days:1"}),
                AlertRuleVersion(rule_id=2, version=1, changed_at=NOW - 48 * H, changed_by="admin",
                                 definition={"comparison": "below", "warning_level": 2, "critical_level": 0,
                                             "window": "last_days:30"}),
            ]
        )  # fmt: skip

        def alert(id, rule, kind, entity, org, state, severity, value, threshold, fired, ack=None, res=None):
            opened = (fired or NOW - H / 6) - H / 4 if fired else NOW - H / 6
            return Alert(
                id=id, rule_id=rule, rule_version=rules[rule - 1].version, entity_kind=kind, entity_id=entity,
                org_id=org, department_id=rules[rule - 1].department_id, state=state, severity=severity,
                value=value, threshold=threshold, detail={"window": "last_days:1", "value": value, "baseline": 800},
                opened_at=opened, fired_at=fired, acknowledged_at=ack, resolved_at=res,
            )  # fmt: skip

        s.add_all(
            [
                alert(1, 1, "building", 1, 7, "firing", "critical", 1720.0, 1500.0, NOW - 2 * H),
                alert(2, 1, "building", 2, 9, "firing", "warning", 1100.0, 1000.0, NOW - H),
                alert(3, 2, "vehicle", 1, 8, "acknowledged", "warning", 1.0, 2.0, NOW - 5 * H, NOW - 4 * H),
                alert(4, 1, "building", 1, 7, "resolved", "warning", 1050.0, 1000.0, NOW - 10 * H,
                      NOW - 10 * H + H / 2, NOW - 8 * H),
                alert(5, 2, "vehicle", 2, 9, "pending", "critical", 0.0, 0.0, None),
                alert(6, 1, "source", 1, 1, "firing", "critical", 7200.0, 3600.0, NOW - 3 * H),
            ]
        )  # fmt: skip
        s.flush()
        s.add_all(
            [
                AlertEvent(alert_id=1, ts=NOW - 2 * H, from_state="pending", to_state="firing", actor="system",
                           value=1720.0),
                AlertEvent(alert_id=4, ts=NOW - 10 * H, from_state="pending", to_state="firing", actor="system"),
                AlertEvent(alert_id=4, ts=NOW - 8 * H, from_state="acknowledged", to_state="resolved",
                           actor="system", value=850.0),
            ]
        )  # fmt: skip
    return tokens
