"""KPI tiles judged by the enabled org-level alert rules (data.alerts.kpi_rules) on SQLite and
PostgreSQL: the rule covering the tile's org judges it, a disabled rule or an org outside the
rule's scope leaves the written judgement, and a page read carries the status to the tile."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from components.kpi import build_kpi_tile
from data.alerts.kpi_rules import fetch_kpi_rules, with_kpi_status
from data.alerts.rules import RuleSpec, save_rule
from data.queries.kpi import KPI_COLUMNS
from tests.integration.test_alerts_engine import world  # noqa: F401  (the fixture)

AS_OF = dt.date(2026, 11, 24)
NAN = float("nan")


def idle_rule(**changes) -> RuleSpec:
    spec = RuleSpec(
        code="test.idle_rate",
        name_zh="闲置率",
        name_en="Idle rate",
        metric_id="asset.idle_rate",
        entity_kind="org",
        comparison="above",
        warning_level=0.30,
        critical_level=0.50,
        recovery_level=0.25,
        window="latest",
        department_code="information",
        scope_filter={"org_level": "county"},
    )
    return RuleSpec(**{**spec.__dict__, **changes})


def kpis(org_id: int, *values: float) -> pd.DataFrame:
    rows = [
        {
            "metric_id": "asset.idle_rate",
            "period": "now",
            "value": v,
            "unit": "%",
            "reference": NAN,
            "reference_kind": "",
            "as_of": AS_OF,
            "org_id": org_id,
        }
        for v in values
    ]
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def statuses(engine, frame) -> list[str]:
    with engine.connect() as conn:
        return list(with_kpi_status(conn, frame)["status"])


def test_the_rule_covering_the_org_judges_the_tile(world):  # noqa: F811
    assert statuses(world, kpis(2, 10.0, 40.0, 60.0)) == ["neutral", "neutral", "neutral"]  # no rule yet
    with world.begin() as conn:
        rule_id = save_rule(conn, idle_rule(), actor="admin")
        assert [r.window for r in fetch_kpi_rules(conn)["asset.idle_rate"]] == ["latest"]
    assert statuses(world, kpis(2, 10.0, 40.0, 60.0, NAN)) == ["good", "warn", "bad", "none"]
    assert statuses(world, kpis(1, 60.0)) == ["neutral"]  # the province is not a county: no rule covers it
    with world.begin() as conn:
        save_rule(conn, idle_rule(enabled=False), actor="admin", rule_id=rule_id)
        assert fetch_kpi_rules(conn) == {}
    assert statuses(world, kpis(2, 60.0)) == ["neutral"]


def test_the_tile_shows_the_status_the_read_judged(world):  # noqa: F811
    with world.begin() as conn:
        save_rule(conn, idle_rule(scope_filter={}), actor="admin")
        frame = with_kpi_status(conn, kpis(1, 40.0))
        assert conn.execute(sa.text("SELECT COUNT(*) FROM alert_rule")).scalar_one() == 1
    tile = build_kpi_tile(frame.iloc[0].to_dict(), lang="zh")
    assert tile.className == "aocc-kpi aocc-kpi--warn"
    assert statuses(world, kpis(1).iloc[0:0]) == []
