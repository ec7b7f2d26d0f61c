"""Baseline anomalies feed the alert rules: ``energy.anomaly_extra_kwh`` sums a building's extra kWh
over the window (a day counts its largest excess once), and the default rule fires on a
hand-made anomaly row, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import sqlalchemy as sa
from baseline_world import CAL, LAST_DAY, TODAY, world_url  # noqa: F401  (world_url is a fixture)

from data.alerts.evaluate import evaluate_rules
from data.alerts.indicators import indicator_values
from data.alerts.rules import DEFAULT_RULES, save_rule
from data.baseline.store import fit_building_baselines
from data.db import get_engine
from data.models import EnergyAnomaly


def _anomaly(building: int, day: dt.date, kind: str, extra: float) -> dict:
    return {
        "building_id": building,
        "day": day,
        "kind": kind,
        "actual_kwh": 1000.0 + extra,
        "expected_kwh": 1000.0,
        "extra_kwh": extra,
        "extra_cost_yuan": extra * 0.8,
    }


@pytest.fixture(scope="module")
def engine(world_url):
    engine = get_engine(world_url)
    fit_building_baselines(engine, today=TODAY, calendar=CAL)
    with engine.begin() as conn:
        conn.execute(sa.delete(EnergyAnomaly))
        conn.execute(
            sa.insert(EnergyAnomaly),
            [
                _anomaly(10, LAST_DAY, "above_baseline", 300.0),
                _anomaly(10, LAST_DAY, "night", 120.0),  # part of the same day's excess: not added
                _anomaly(10, LAST_DAY - dt.timedelta(days=3), "holiday", 250.0),
                _anomaly(10, LAST_DAY - dt.timedelta(days=9), "above_baseline", 900.0),  # before the window
            ],
        )
    return engine


def _values(conn, window: str = "last_days:7") -> dict[int, float]:
    frame = indicator_values(conn, "energy.anomaly_extra_kwh", "building", window=window, as_of=LAST_DAY)
    return dict(zip(frame["entity_id"], frame["value"]))


def test_the_indicator_sums_each_days_largest_excess_over_the_window(engine):
    with engine.connect() as conn:
        assert _values(conn) == {10: pytest.approx(550.0), 11: 0.0}
        assert _values(conn, "latest") == {10: pytest.approx(300.0), 11: 0.0}
        assert _values(conn, "last_days:14")[10] == pytest.approx(1450.0)


def test_a_building_without_a_baseline_has_no_figure(engine):
    with engine.begin() as conn:
        saved = conn.execute(sa.text("SELECT * FROM building_baseline WHERE building_id = 11")).mappings().one()
        conn.execute(sa.text("DELETE FROM building_baseline WHERE building_id = 11"))
        try:
            assert math.isnan(_values(conn)[11])
        finally:
            conn.execute(sa.text("DELETE FROM building_baseline WHERE building_id = 11"))
            conn.execute(
                sa.text(
                    "INSERT INTO building_baseline (building_id, fitted_at, train_start, train_end, model_json, "
                    "cv_rmse_hourly, nmbe_hourly, n_hours) VALUES (:building_id, :fitted_at, :train_start, "
                    ":train_end, :model_json, :cv_rmse_hourly, :nmbe_hourly, :n_hours)"
                ),
                dict(saved),
            )


def test_the_default_rule_fires_on_the_hand_made_anomaly(engine):
    now = CAL.to_utc(dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(2, 0)))
    with engine.begin() as conn:
        spec = next(rule for rule in DEFAULT_RULES if rule.code == "energy.anomaly_extra")
        rule_id = save_rule(conn, spec, actor="test", now=now)
        evaluate_rules(conn, now=now, rule_ids=[rule_id])
        alerts = conn.execute(
            sa.text(
                "SELECT a.entity_id, a.state, a.severity, a.value FROM alert a JOIN alert_rule r ON r.id = a.rule_id "
                "WHERE r.code = 'energy.anomaly_extra'"
            )
        ).all()
    assert [(a.entity_id, a.state, a.severity) for a in alerts] == [(10, "firing", "critical")]
    assert alerts[0].value == pytest.approx(550.0)
