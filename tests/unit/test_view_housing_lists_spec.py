"""The turnover-housing panels' declarations: every message they name exists in both languages,
every grid declares columns its query's frame (plus the labels the localizer adds) provides,
personal columns are declared personal, lists stay at county and agency level, and the localizer
writes coded values in the reader's language."""

from __future__ import annotations

import pandas as pd

from data.catalog import get_metric
from data.queries.housing_checks import LEASE_CHECK_COLUMNS, STAFF_CHECK_COLUMNS, TENANT_HISTORY_COLUMNS
from data.queries.housing_lists import (
    ARREARS_COLUMNS,
    DWELLING_COLUMNS,
    EXPIRING_COLUMNS,
    OVERSTAYING_COLUMNS,
    WAITING_BUCKETS,
    WAITING_COLUMNS,
)
from presentation.figures.housing_lists import make_lease_expiry_figure, make_waiting_time_figure
from presentation.i18n import CATALOG, has
from views import housing_lists as v

_LABELS = {"status_label", "lease_state_label", "problems_label", "window_label"}
_FRAMES = {
    "leases_expiring": EXPIRING_COLUMNS,
    "overstaying": OVERSTAYING_COLUMNS,
    "arrears": ARREARS_COLUMNS,
    "waiting": WAITING_COLUMNS,
    "dwellings": DWELLING_COLUMNS,
    "tenant_history": TENANT_HISTORY_COLUMNS,
    "staff_crosscheck": STAFF_CHECK_COLUMNS,
    "lease_crosscheck": LEASE_CHECK_COLUMNS,
}
_PERSONAL = {"tenant_name", "applicant_name", "person_name"}


def test_panel_keys_are_unique_and_every_message_exists():
    keys = [p.key for p in v.HOUSING_LIST_PANELS]
    assert len(keys) == len(set(keys)) == 11
    messages = set()
    for panel in v.HOUSING_LIST_PANELS:
        messages |= {panel.title_key, panel.hint_key} | {c.title_key for c in panel.columns}
    missing = sorted(k for k in messages if k not in CATALOG)
    assert not missing
    for code, _, _ in WAITING_BUCKETS:
        assert has(f"housing_lists.wait_bucket.{code}")


def test_grids_declare_what_their_frames_hold_and_mask_people():
    grids = [p for p in v.HOUSING_LIST_PANELS if p.kind == "grid"]
    assert {p.key for p in grids} == set(_FRAMES)
    for panel in grids:
        fields = {c.field for c in panel.columns}
        assert fields <= set(_FRAMES[panel.key]) | _LABELS, (panel.key, fields - set(_FRAMES[panel.key]) - _LABELS)
        for column in panel.columns:
            assert (column.kind == "personal") == (column.field in _PERSONAL), (panel.key, column.field)
        assert ("_drill" in _FRAMES[panel.key]) == (panel.drills is not None), panel.key


def test_where_the_panels_show():
    lists = [v.LEASES_EXPIRING_PANEL, v.OVERSTAYING_PANEL, v.ARREARS_PANEL, v.WAITING_PANEL, v.DWELLINGS_PANEL,
             v.STAFF_CROSSCHECK_PANEL, v.LEASE_CROSSCHECK_PANEL, v.WAITING_TIME_PANEL]  # fmt: skip
    for panel in lists:
        assert panel.shows_at("org", "agency") and panel.shows_at("org", "county"), panel.key
        assert not panel.shows_at("org", "province") and not panel.shows_at("org", "city"), panel.key
    # Roll-ups: the expiry windows at every level; occupancy ranks the units one level down, so
    # not at an agency (which has none; its own rate is a tile).
    assert v.LEASE_EXPIRY_PANEL.shows_at("org", "province") and v.LEASE_EXPIRY_PANEL.shows_at("org", "agency")
    assert v.OCCUPANCY_PANEL.shows_at("org", "province") and v.OCCUPANCY_PANEL.shows_at("org", "county")
    assert not v.OCCUPANCY_PANEL.shows_at("org", "agency")
    assert v.TENANT_HISTORY_PANEL.shows_at("dwelling") and not v.TENANT_HISTORY_PANEL.shows_at("org", "agency")
    assert v.LEASE_CROSSCHECK_PANEL.shows_at("dwelling") and v.STAFF_CROSSCHECK_PANEL.shows_at("room")
    assert v.DWELLINGS_PANEL.shows_at("building") and v.DWELLINGS_PANEL.drills == "dwelling"
    assert v.STAFF_CROSSCHECK_PANEL.drills == "room"


def test_dwelling_tiles_are_catalog_metrics_and_their_status_units_translate():
    assert len(v.DWELLING_TILES.metrics) == 5
    for metric in v.DWELLING_TILES.metrics:
        assert get_metric(metric).kind == "derived"
    for status in ("available", "occupied", "repair"):
        assert has(f"unit.dwelling.{status}")


def test_localizer_labels_codes_in_the_readers_language():
    frame = pd.DataFrame(
        {
            "status": ["repair", None],
            "problems": ["overlapping tenant_outside", ""],
            "window_days": [30, 90],
            "lease_state": ["overstaying", "ended"],
        }  # fmt: skip
    )
    zh = v.localize_housing_lists_frame(frame, "zh")
    en = v.localize_housing_lists_frame(frame, "en")
    assert zh["status_label"].iloc[0] == "维修中" and pd.isna(zh["status_label"].iloc[1])
    assert zh["problems_label"].iloc[0] == "同一住房租约重叠、承租人不属服务范围" and zh["problems_label"].iloc[1] == ""
    assert en["problems_label"].iloc[0] == "Overlapping leases, Tenant outside the served units"
    assert list(en["window_label"]) == ["Within 30 days", "Within 90 days"]
    assert list(zh["lease_state_label"]) == ["逾期未腾退", "已腾退"]
    assert "status_label" not in frame.columns  # a new frame


def test_figures():
    expiry = make_lease_expiry_figure(
        pd.DataFrame({"window_days": [30, 60, 90], "metric_id": ["a", "b", "c"], "leases": [2, 4, 5]}), lang="zh"
    )
    assert list(expiry.data[0].x) == ["30天内", "60天内", "90天内"] and list(expiry.data[0].y) == [2, 4, 5]
    waiting = make_waiting_time_figure(
        pd.DataFrame(
            {
                "bucket": ["lt90", "ge730"],
                "waiting": [1, 2],
                "allocated_12m": 3,
                "median_wait_days": 90.0,
                "mean_wait_days": 110.0,
            }
        ),  # fmt: skip
        lang="en",
    )
    assert waiting.layout.title.text == "3 allocated in the last 12 months: median wait 90 days, average 110 days"
    assert list(waiting.data[0].x) == ["Under 3 months", "Over 2 years"]
    empty = make_waiting_time_figure(pd.DataFrame(), lang="zh")
    assert not empty.data or not empty.data[0].x
