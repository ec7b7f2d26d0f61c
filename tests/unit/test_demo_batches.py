"""Load batches of the demo sources: one per source, fact and local month, with consistent counts."""

from __future__ import annotations

import datetime as dt

import numpy as np

from data.demo.context import BatchRegistry, day_number


def _days(*texts: str) -> np.ndarray:
    return np.array([day_number(dt.date.fromisoformat(t)) for t in texts])


def test_facts_are_grouped_by_month_and_early_facts_go_to_the_opening_batch():
    registry = BatchRegistry(first_day=dt.date(2026, 1, 15), last_day=dt.date(2026, 2, 27), seed=1)
    ids = registry.assign(
        "demo.energy",
        "energy",
        "meter_reading",
        "electricity",
        _days("2025-12-31", "2026-01-20", "2026-01-31", "2026-02-01"),
        "BLD-0001-E",
    )
    assert len(set(ids)) == 3
    assert ids[1] == ids[2] != ids[3]
    again = registry.assign("demo.energy", "energy", "meter_reading", "electricity", _days("2026-02-10"))
    assert again[0] == ids[3]  # the same source, fact and month: the same batch
    other = registry.assign("demo.energy", "energy", "meter_reading", "water", _days("2026-02-10"))
    assert other[0] not in ids
    assert [b.rows for b in registry.batches] == [1, 2, 2, 1]
    assert registry.batches[0].month is None


def test_batch_rows_add_up_and_times_follow_the_data():
    registry = BatchRegistry(first_day=dt.date(2026, 1, 15), last_day=dt.date(2026, 2, 27), seed=1)
    registry.source_last_day["gateway"] = dt.date(2026, 2, 24)
    registry.assign(
        "demo.energy",
        "energy",
        "meter_reading",
        "electricity",
        np.repeat(_days("2026-01-20", "2026-02-05"), 500),
        "BLD-0001-E",
    )
    registry.assign("gateway", "energy", "meter_reading", "electricity", _days("2026-02-20"), "BLD-0002-E")
    frame, quarantine = registry.frame(np.random.Generator(np.random.PCG64(3)), {"demo.energy": 1, "gateway": 2})
    assert (frame["rows_read"] == frame["rows_accepted"] + frame["rows_duplicate"] + frame["rows_rejected"]).all()
    assert frame["rows_rejected"].sum() == len(quarantine)
    assert frame["checksum_sha256"].is_unique
    by_source = frame.groupby("source_id")["finished_at"].max()
    # local midnight after the last day of data, in UTC (8 hours earlier)
    assert by_source[1] >= np.datetime64("2026-02-27T16:00") and by_source[1] < np.datetime64("2026-02-27T17:00")
    assert by_source[2] < np.datetime64("2026-02-24T17:00")
    january = frame[frame["file_name"] == "electricity_2026-01.csv"].iloc[0]
    assert january["data_from"] == np.datetime64("2026-01-14T16:00")  # the range starts on 15 January
    assert january["data_to"] == np.datetime64("2026-01-31T16:00")
