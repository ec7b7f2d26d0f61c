"""Working the quarantine: a corrected row is re-submitted as its own batch and closes the row;
a row that is still wrong writes nothing; a discard needs a note; both are audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data.db import get_engine
from data.loaders import QuarantineError, discard, load_file, resubmit

from loader_world import NOW, build_world, hourly_csv


@pytest.fixture
def quarantined(db_url, tmp_path):
    build_world(db_url)
    path = tmp_path / "r.csv"
    path.write_text(
        hourly_csv(hours=range(1, 3)) + "E-B001,2026-11-20 03:00,12O\nE-B0O1,2026-11-20 04:00,9\n", encoding="utf-8"
    )
    result = load_file(get_engine(db_url), path, now=NOW)
    assert result.rows_rejected == 2
    return db_url


def q(url, sql, **params):
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def row_id(url, line):
    return q(url, "SELECT id FROM quarantine_row WHERE line_no = :l", l=line)[0][0]


def test_resubmit_a_corrected_row(quarantined):
    engine = get_engine(quarantined)
    rid = row_id(quarantined, 4)
    outcome = resubmit(engine, rid, {"用电量(千瓦时)": "120"}, actor="operator1", now=NOW)
    assert outcome.ok and outcome.batch.rows_accepted == 1
    status, resolved_batch, by = q(
        quarantined, "SELECT status, resolved_batch_id, resolved_by FROM quarantine_row WHERE id=:i", i=rid
    )[0]
    assert (status, resolved_batch, by) == ("resubmitted", outcome.batch.batch_id, "operator1")
    assert q(quarantined, "SELECT value FROM meter_reading WHERE batch_id = :b", b=outcome.batch.batch_id) == [(120.0,)]
    assert q(
        quarantined,
        "SELECT value FROM rollup_daily WHERE metric_id='energy.electricity_kwh' AND entity_kind='building' "
        "AND entity_id=1",
    )[0][0] == pytest.approx(100 + 100 + 120)
    assert q(quarantined, "SELECT action, actor, target FROM audit_log") == [
        ("quarantine_resubmit", "operator1", f"quarantine_row:{rid}")
    ]
    with pytest.raises(QuarantineError):
        resubmit(engine, rid, {"用电量(千瓦时)": "120"}, actor="operator1", now=NOW)


def test_a_row_still_wrong_writes_nothing_and_says_why(quarantined):
    engine = get_engine(quarantined)
    rid = row_id(quarantined, 5)
    batches = q(quarantined, "SELECT count(*) FROM load_batch")[0][0]
    outcome = resubmit(engine, rid, {"表计编号": "E-B0O2"}, actor="operator1", now=NOW)
    assert not outcome.ok
    assert [(i.code, i.line, i.params["code"]) for i in outcome.issues] == [("unknown_meter", 5, "E-B0O2")]
    assert q(quarantined, "SELECT count(*) FROM load_batch")[0][0] == batches
    assert q(quarantined, "SELECT status FROM quarantine_row WHERE id=:i", i=rid) == [("open",)]
    assert q(quarantined, "SELECT count(*) FROM quarantine_row")[0][0] == 2
    ok = resubmit(engine, rid, {"表计编号": "E-B001"}, actor="operator1", now=NOW)
    assert ok.ok


def test_discard_needs_a_note_and_is_audited(quarantined):
    engine = get_engine(quarantined)
    rid = row_id(quarantined, 5)
    with pytest.raises(QuarantineError):
        discard(engine, rid, actor="operator1", note="  ", now=NOW)
    discard(engine, rid, actor="operator1", note="测试表，已拆除", now=NOW)
    assert q(quarantined, "SELECT status, resolved_by FROM quarantine_row WHERE id=:i", i=rid) == [
        ("discarded", "operator1")
    ]
    assert q(quarantined, "SELECT action, note FROM audit_log") == [("quarantine_discard", "测试表，已拆除")]
    with pytest.raises(QuarantineError):
        discard(engine, rid, actor="operator1", note="again", now=NOW)


def test_unknown_columns_are_refused(quarantined):
    with pytest.raises(QuarantineError):
        resubmit(get_engine(quarantined), row_id(quarantined, 4), {"不存在的列": "1"}, actor="x", now=NOW)
