"""The alert engine on SQLite and PostgreSQL: rule validation and versions, preview, backtest, the
automatic lifecycle (for_seconds, hysteresis, severity, auto-resolve, re-fire), one alert per
rule × entity, a loaded batch producing one alert, and the default rules finding exactly the
anomalies the demo generator injects."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from data.alerts.backtest import simulate
from data.alerts.evaluate import backtest, evaluate_rules, preview
from data.alerts.rules import (
    DEFAULT_RULES,
    InvalidRule,
    RuleSpec,
    list_rules,
    load_rule,
    rule_versions,
    save_rule,
    validate_rule,
)
from data.db import dispose_engine, get_engine
from data.demo import build_demo, injected_anomalies
from data.migrate import upgrade
from data.seed import seed_reference
from presentation.i18n import t
from tests.db_support import PostgresDatabase, require_pg

AS_OF = dt.date(2026, 11, 25)
DEMO_NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # local midnight of AS_OF (UTC+8)
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
HOUR = 3600


def _database(request, tmp_path_factory, name: str):
    if request.param == "postgresql":
        require_pg()
        pg = PostgresDatabase()
        url = pg.create()
        return url, pg.drop
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'db.sqlite3'}"
    return url, lambda: dispose_engine(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    """A province root, one county and one data source allowed 1 hour of silence."""
    url, drop = _database(request, tmp_path_factory, "alerts")
    upgrade(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        with Session(bind=conn) as session:
            seed_reference(session)
            session.flush()
        conn.execute(
            sa.text(
                "INSERT INTO org_node (id, parent_id, level, admin_level, code, name_zh, name_en, path, depth, "
                "headcount, energy_users, sort_order) VALUES (1, NULL, 'province', 'province', 'P', '省', 'Province', "
                "'/1/', 0, 0, 0, 0), (2, 1, 'county', 'county', 'P.C', '县', 'County', '/1/2/', 1, 0, 0, 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO data_source (id, code, kind, domain, name_zh, name_en, config, interval_seconds, "
                "stale_after_seconds, last_success_at, enabled) VALUES (1, 'gw', 'simulator', 'energy', '网关', "
                "'Gateway', '{}', 300, 3600, :t, :on)"
            ),
            {"t": T0.replace(tzinfo=None), "on": True},
        )
    yield engine
    drop()


def stale_rule(**changes) -> RuleSpec:
    spec = RuleSpec(
        code="test.stale",
        name_zh="数据源停止上报",
        name_en="Source stopped",
        metric_id="energy.source_staleness",
        entity_kind="source",
        comparison="above",
        warning_level=1.0,
        critical_level=3.0,
        recovery_level=0.5,
        window="latest",
        for_seconds=0,
        department_code="information",
    )
    return RuleSpec(**{**spec.__dict__, **changes})


def at(hours: float) -> dt.datetime:
    """The clock ``hours`` after the source's last delivery: staleness = hours (1 h allowed)."""
    return T0 + dt.timedelta(hours=hours)


def alerts(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.text("SELECT id, state, severity, rule_version FROM alert ORDER BY id")).all()
        ]


def events(engine, alert_id) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text("SELECT from_state, to_state, actor FROM alert_event WHERE alert_id = :a ORDER BY id"),
                {"a": alert_id},
            ).all()
        ]


def save(engine, spec, **kw) -> int:
    with engine.begin() as conn:
        return save_rule(conn, spec, actor="admin", **kw)


def evaluate(engine, hours: float) -> dict:
    with engine.begin() as conn:
        return evaluate_rules(conn, now=at(hours))


# --- validation and versions ----------------------------------------------------------------------


def problem_keys(engine, spec) -> dict[str, str]:
    with engine.connect() as conn:
        return {p.field: p.message_key.rsplit(".", 1)[1] for p in validate_rule(conn, spec)}


def test_a_sound_rule_has_no_problem(world):
    assert problem_keys(world, stale_rule()) == {}


@pytest.mark.parametrize(
    "changes, field, key",
    [
        ({"critical_level": 0.5}, "critical_level", "critical_below_warning"),
        ({"recovery_level": 2.0}, "recovery_level", "recovery_above_warning"),
        ({"window": "last_days:0"}, "window", "window_zero"),
        ({"window": "weekly"}, "window", "window_format"),
        ({"window": "last_days:7"}, "window", "window_unsupported"),
        ({"department_code": None}, "department_code", "department_missing"),
        ({"department_code": "nobody"}, "department_code", "department_unknown"),
        ({"entity_kind": "building"}, "entity_kind", "entity_kind_unsupported"),
        ({"metric_id": "energy.nonexistent"}, "metric_id", "metric_unknown"),
        ({"scope_org_id": 999}, "scope_org_id", "scope_unknown"),
        ({"comparison": "change_pct"}, "comparison", "comparison_no_baseline"),
        ({"for_seconds": -5}, "for_seconds", "for_seconds_negative"),
        ({"code": "Bad Code"}, "code", "code_format"),
        ({"scope_filter": {"vehicle_class": "x"}}, "scope_filter", "scope_filter_unknown"),
    ],
)
def test_validation_names_the_field_and_the_problem(world, changes, field, key):
    assert problem_keys(world, stale_rule(**changes)).get(field) == key


def test_direction_of_levels_follows_the_comparison_and_empty_scope_is_refused(world):
    below = stale_rule(comparison="below", warning_level=0.5, critical_level=1.0, recovery_level=0.2)
    assert problem_keys(world, below) == {
        "critical_level": "critical_above_warning",
        "recovery_level": "recovery_below_warning",
    }
    # the county holds no building
    empty = stale_rule(metric_id="energy.night_share", entity_kind="building", window="last_days:7", scope_org_id=2)
    assert problem_keys(world, empty) == {"scope_org_id": "scope_empty"}


def test_problem_messages_read_in_both_languages(world):
    with world.connect() as conn:
        (problem,) = validate_rule(conn, stale_rule(critical_level=0.5))
    assert t(problem.message_key, "zh", **problem.params) == "严重值（0.5）不能低于预警值（1.0）：数值越高越严重"
    assert "critical level (0.5) cannot be below the warning level (1.0)" in t(
        problem.message_key, "en", **problem.params
    )


def test_an_invalid_rule_is_never_saved(world):
    with pytest.raises(InvalidRule) as refused:
        save(world, stale_rule(window="last_hours:0"))
    assert [p.field for p in refused.value.problems] == ["window"]
    with world.connect() as conn:
        assert list_rules(conn).empty


def test_a_second_rule_with_a_taken_code_is_refused_with_its_message(world):
    save(world, stale_rule())
    with pytest.raises(InvalidRule) as refused:
        save(world, stale_rule(name_zh="另一条"))
    ((problem,),) = [[p for p in refused.value.problems if p.field == "code"]]
    assert problem.message_key.endswith("code_taken") and problem.params == {"code": stale_rule().code}


def test_a_change_is_a_new_version_with_who_when_before_and_after(world):
    rule_id = save(world, stale_rule())
    save(world, stale_rule(), rule_id=rule_id)  # nothing changed: no version
    with world.begin() as conn:
        save_rule(conn, stale_rule(warning_level=2.0), actor="chief", rule_id=rule_id, now=at(5))
        versions = rule_versions(conn, rule_id)
        assert list(versions["version"]) == [1, 2]
        assert list(versions["changed_by"]) == ["admin", "chief"]
        assert versions["before"].iloc[1]["warning_level"] == 1.0
        assert versions["after"].iloc[1]["warning_level"] == 2.0
        assert load_rule(conn, rule_id).warning_level == 2.0
        assert list_rules(conn)["version"].tolist() == [2]


# --- preview, backtest ---------------------------------------------------------------------------------


def test_preview_lists_what_would_alert_now(world):
    with world.connect() as conn:
        assert preview(conn, stale_rule(), now=at(0.5)).empty
        warning = preview(conn, stale_rule(), now=at(2))
        critical = preview(conn, stale_rule(), now=at(4))
    assert warning[["entity_code", "level", "threshold"]].values.tolist() == [["gw", "warning", 1.0]]
    assert critical["level"].tolist() == ["critical"] and critical["value"].iloc[0] == pytest.approx(4.0)
    assert alerts(world) == []  # a preview writes nothing


def test_simulate_counts_firings_with_hysteresis_and_for_seconds():
    spec = stale_rule()
    figures = [0.2, 1.2, 0.8, 1.1, 0.4, 1.5, 3.5, 0.2, 0.7]
    # fires on day 1 (stays through 0.8 and 1.1, between the levels), recovers at 0.4, fires again on day 5
    assert simulate(spec, figures) == (2, 5, None)
    # a breach must last a day before it fires: the first fires on day 3 (day 2, between the levels,
    # neither fires nor resolves a pending alert, as in evaluate), the second on day 6: 2 days firing
    assert simulate(stale_rule(for_seconds=86400), figures) == (2, 2, None)
    assert simulate(stale_rule(for_seconds=86400), [0.2, 1.2, 0.3, 1.2, 0.3]) == (0, 0, None)


def test_backtest_replays_the_last_days(world):
    with world.connect() as conn:
        # at +90 h the source has been silent for days: breaching every day of the period
        result = backtest(conn, stale_rule(), now=at(24 * 40), days=10)
    assert result[["entity_code", "fired_times", "fired_days"]].values.tolist() == [["gw", 1, 10]]


# --- lifecycle -------------------------------------------------------------------------------------------


def test_breach_fires_at_once_and_recovery_resolves_it(world):
    save(world, stale_rule())
    assert evaluate(world, 0.5)["opened"] == 0
    assert evaluate(world, 2)["fired"] == 1
    ((alert_id, state, severity, version),) = alerts(world)
    assert (state, severity, version) == ("firing", "warning", 1)
    assert evaluate(world, 4)["severity"] == 1
    assert alerts(world)[0][1:3] == ("firing", "critical")
    # the source delivers again: staleness 0 → resolved by the system
    with world.begin() as conn:
        conn.execute(sa.text("UPDATE data_source SET last_success_at = :t"), {"t": at(5).replace(tzinfo=None)})
    assert evaluate(world, 5.1)["resolved"] == 1
    assert events(world, alert_id) == [
        (None, "firing", "system"),
        ("firing", "firing", "system"),
        ("firing", "resolved", "system"),
    ]
    with world.connect() as conn:
        detail, value, threshold = conn.execute(sa.text("SELECT detail, value, threshold FROM alert")).one()
    assert threshold == 3.0 and value == pytest.approx(4.0)


def test_a_candidate_without_a_level_opens_nothing_even_as_nan(world, monkeypatch):
    """pandas may turn "no breach" (None) into NaN on its way through a frame: such a candidate must
    neither open an alert (severity is NOT NULL) nor change an open one's severity."""
    from data.alerts import evaluate as engine

    save(world, stale_rule())
    assert evaluate(world, 2)["fired"] == 1
    original = engine._candidates

    def with_nan_levels(*args, **kwargs):
        frame = original(*args, **kwargs)
        frame["level"] = float("nan")
        return frame

    monkeypatch.setattr(engine, "_candidates", with_nan_levels)
    with world.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO data_source (id, code, kind, domain, name_zh, name_en, config, interval_seconds, "
                "stale_after_seconds, enabled, last_success_at) SELECT id + 1000, code || '-2', kind, domain, name_zh, "
                "name_en, config, interval_seconds, stale_after_seconds, enabled, last_success_at "
                "FROM data_source"
            )
        )
    counts = evaluate(world, 4)
    assert (counts["opened"], counts["severity"]) == (0, 0)
    assert [a[1:3] for a in alerts(world)] == [("firing", "warning")]


def test_one_alert_however_many_evaluations(world):
    save(world, stale_rule())
    for hours in (2, 2.5, 3.5, 2, 6, 1.5):
        evaluate(world, hours)
    assert len(alerts(world)) == 1


def test_a_value_hovering_at_the_level_does_not_flap(world):
    save(world, stale_rule(recovery_level=0.5))
    # staleness hovers around the warning level 1.0 without going back under the recovery level 0.5
    for hours in (1.05, 0.95, 1.02, 0.9, 1.1, 0.7, 1.01):
        with world.begin() as conn:
            # the source delivered at T0 + x: staleness at (x + hours) is hours
            conn.execute(sa.text("UPDATE data_source SET last_success_at = :t"), {"t": T0.replace(tzinfo=None)})
            evaluate_rules(conn, now=at(hours))
    ((alert_id, state, *_),) = alerts(world)
    assert state == "firing"
    assert [e[1] for e in events(world, alert_id)] == ["firing"]


def test_for_seconds_pending_then_firing_or_resolved_without_firing(world):
    save(world, stale_rule(for_seconds=2 * HOUR))
    evaluate(world, 2)
    assert alerts(world)[0][1] == "pending"
    evaluate(world, 3)  # one hour into the breach: still pending
    assert alerts(world)[0][1] == "pending"
    evaluate(world, 4.1)
    assert alerts(world)[0][1] == "firing"
    # a second breach that ends before it lasted long enough never fires
    with world.begin() as conn:
        conn.execute(sa.text("UPDATE data_source SET last_success_at = :t"), {"t": at(4).replace(tzinfo=None)})
    evaluate(world, 4.2)  # recovered: resolved
    evaluate(world, 5.5)  # 1.5 h silent: a new pending alert
    evaluate(world, 4.3)  # the clock as if the source came back (staleness 0.3): resolved
    states = [a[1] for a in alerts(world)]
    assert states == ["resolved", "resolved"]
    second = alerts(world)[1][0]
    assert [e[1] for e in events(world, second)] == ["pending", "resolved"]


def test_refiring_after_resolution_opens_a_new_alert(world):
    rule_id = save(world, stale_rule())
    evaluate(world, 2)
    evaluate(world, 0.2)
    with world.begin() as conn:
        save_rule(conn, stale_rule(warning_level=1.5, recovery_level=0.5), actor="chief", rule_id=rule_id)
    evaluate(world, 2)
    assert [(a[1], a[3]) for a in alerts(world)] == [("resolved", 1), ("firing", 2)]


def test_the_database_refuses_a_second_open_alert(world):
    from data.models.alert import Alert

    save(world, stale_rule())
    evaluate(world, 2)
    with world.connect() as conn:
        row = conn.execute(sa.select(Alert.__table__)).mappings().one()
    duplicate = {k: v for k, v in row.items() if k != "id"}
    with pytest.raises(sa.exc.IntegrityError), world.begin() as conn:
        conn.execute(sa.insert(Alert.__table__).values(**duplicate))


def test_disabling_a_rule_resolves_its_alerts(world):
    rule_id = save(world, stale_rule())
    evaluate(world, 2)
    save(world, stale_rule(enabled=False), rule_id=rule_id)
    assert evaluate(world, 3)["resolved"] == 1


# --- the demo: loaded batches and the default rules ----------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    url, drop = _database(request, tmp_path_factory, "demo")
    upgrade(url)
    build_demo(url, tier="small", seed=20261125, as_of=AS_OF)
    yield get_engine(url)
    drop()


ENTITY_CODES = {
    "building": "SELECT code FROM building WHERE id = :i",
    "vehicle": "SELECT plate FROM vehicle WHERE id = :i",
    "asset": "SELECT code FROM asset WHERE id = :i",
    "room": "SELECT b.code || '/' || r.room_no FROM office_room r JOIN building b ON b.id = r.building_id WHERE r.id = :i",
    "housing_unit": "SELECT code FROM housing_unit WHERE id = :i",
    "source": "SELECT code FROM data_source WHERE id = :i",
    "meter": "SELECT code FROM meter WHERE id = :i",
    "org": "SELECT code FROM org_node WHERE id = :i",
}


def firing_by_kind(engine) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for kind, entity_id in conn.execute(sa.text("SELECT entity_kind, entity_id FROM alert WHERE state = 'firing'")):
            code = conn.execute(sa.text(ENTITY_CODES[kind]), {"i": entity_id}).scalar_one()
            found.setdefault(kind, set()).add(code)
    return found


def test_default_rules_find_exactly_the_injected_anomalies(demo):
    with demo.begin() as conn:
        summary = evaluate_rules(conn, now=DEMO_NOW)  # the build evaluated once already
        assert summary["opened"] == summary["resolved"] == 0
        assert set(list_rules(conn)["code"]) == {r.code for r in DEFAULT_RULES}
        assert {r.metric_id.split(".")[0] for r in DEFAULT_RULES} == {"energy", "vehicle", "asset", "housing"}
        gateway_meters = {
            code
            for (code,) in conn.execute(
                sa.text(
                    "SELECT m.code FROM meter m JOIN data_source s ON s.id = m.source_id "
                    "WHERE s.code LIKE 'demo.energy.gateway.%'"
                )
            )
        }
    expected: dict[str, set[str]] = {}
    for anomaly in injected_anomalies("small"):
        kind = anomaly.entity_kind
        expected.setdefault(kind, set()).update(anomaly.entity_codes)
    expected["meter"] = gateway_meters  # the stale gateway's meters stop reporting with it
    assert firing_by_kind(demo) == expected


def test_a_loaded_batch_that_breaches_a_rule_opens_one_alert(demo):
    from data.alerts.hooks import register_hooks
    from data.loaders import hooks
    from data.loaders.pipeline import load_records

    register_hooks(hooks.registry)  # another test may have cleared the registry
    plate = "临A81873"  # a clean car: no alert before the batch
    assert plate not in firing_by_kind(demo).get("vehicle", set())
    trip = {
        "plate": plate,
        "start_ts": dt.datetime(2026, 11, 22, 2, 0),
        "end_ts": dt.datetime(2026, 11, 22, 3, 0),
        "km": 40.0,
    }
    for start in (2, 4):  # two night trips on a Sunday without a request, in two batches
        record = {
            **trip,
            "start_ts": trip["start_ts"].replace(hour=start),
            "end_ts": trip["end_ts"].replace(hour=start + 1),
        }
        result = load_records(demo, "trip", [record], now=DEMO_NOW, name=f"night trip {start}", columns=tuple(record))
        assert result.status == "applied", result.summary()
    assert plate in firing_by_kind(demo)["vehicle"]
    with demo.connect() as conn:
        count = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM alert a JOIN vehicle v ON v.id = a.entity_id JOIN alert_rule r ON r.id = a.rule_id "
                "WHERE a.entity_kind = 'vehicle' AND v.plate = :p AND r.code = 'vehicle.offhours_unrequested'"
            ),
            {"p": plate},
        ).scalar_one()
    assert count == 1


def test_backtest_series_of_daily_rollups_is_read_at_once_with_the_same_figures(demo):
    from data.alerts.backtest import in_one_statement, rollup_series, series_day_by_day, simulate

    specs = [spec for spec in DEFAULT_RULES if in_one_statement(spec)]
    assert {s.code for s in specs} >= {"energy.above_baseline", "energy.night_load", "vehicle.offhours_unrequested"}
    with demo.connect() as conn:
        for spec in specs:
            as_of = AS_OF - dt.timedelta(days=1)
            at_once = rollup_series(conn, spec, as_of=as_of, now=DEMO_NOW, days=30)
            by_day = series_day_by_day(conn, spec, as_of=as_of, now=DEMO_NOW, days=30)
            merged = by_day.merge(at_once, on=["day", "entity_id"], suffixes=("_day", "_once"))
            assert len(merged) == len(by_day) == len(at_once), spec.code
            for column in ("value", "reference", "figure"):
                assert merged[f"{column}_once"].to_numpy(float) == pytest.approx(
                    merged[f"{column}_day"].to_numpy(float), rel=1e-9, abs=1e-9, nan_ok=True
                ), (spec.code, column)
            for _entity, group in merged.sort_values("day").groupby("entity_id"):
                assert simulate(spec, list(group["figure_once"])) == simulate(spec, list(group["figure_day"]))
