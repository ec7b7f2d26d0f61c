"""The vehicle page's declaration: every message it names exists in both languages, every grid
has columns the catalog titles, and the right panels show at a unit and at a vehicle."""

from __future__ import annotations

import pandas as pd

from data.catalog import get_metric
from data.queries.vehicle_panels import CROSSCHECK_COLUMNS, DUE_COLUMNS, IDLE_COLUMNS, VEHICLE_LIST_COLUMNS
from data.queries.vehicle_trips import FLAGGED_TRIP_COLUMNS, TRIP_LOG_COLUMNS
from presentation.i18n import CATALOG
from views.registry import get_page
from views.vehicles import VEHICLES_PAGE, localize_vehicle_frame

#: query columns per grid, plus the label columns ``localize_vehicle_frame`` adds
_LABELS = {"class_label", "energy_label", "status_label", "kind_label", "request_label", "item_label", "due_label",
           "flags_label", "org_name"}  # fmt: skip
_FRAMES = {
    "list": VEHICLE_LIST_COLUMNS,
    "crosscheck": CROSSCHECK_COLUMNS,
    "flagged": FLAGGED_TRIP_COLUMNS,
    "due": DUE_COLUMNS,
    "idle": IDLE_COLUMNS,
    "trip_log": TRIP_LOG_COLUMNS,
}


def test_registered():
    assert get_page("vehicles") is VEHICLES_PAGE
    assert VEHICLES_PAGE.leaf == "vehicle" and VEHICLES_PAGE.domain == "vehicle"
    assert VEHICLES_PAGE.default_metric() == "vehicle.km"


def test_every_message_exists_in_both_languages():
    keys = set()
    for panel in VEHICLES_PAGE.panels:
        keys |= {panel.title_key} | ({panel.hint_key} if panel.hint_key else set())
        keys |= {column.title_key for column in panel.columns}
    missing = sorted(k for k in keys if k not in CATALOG)
    assert not missing
    assert all(all(text for text in CATALOG[k]) for k in keys)


def test_every_grid_has_columns_its_frame_provides():
    grids = [p for p in VEHICLES_PAGE.panels if p.kind == "grid"]
    assert {p.key for p in grids} == set(_FRAMES)
    for panel in grids:
        assert panel.columns, panel.key
        fields = {c.field for c in panel.columns}
        assert fields <= set(_FRAMES[panel.key]) | _LABELS, (panel.key, fields - set(_FRAMES[panel.key]) - _LABELS)
        if panel.key in ("flagged", "trip_log"):
            assert any(c.kind == "personal" and c.field == "driver_name" for c in panel.columns)


def test_tiles_and_indicators_are_catalog_metrics():
    for tiles in VEHICLES_PAGE.tiles.values():
        for metric in tiles.metrics:
            get_metric(metric)
    assert len(VEHICLES_PAGE.tiles["org"].metrics) == 6
    for metric in VEHICLES_PAGE.indicators:
        get_metric(metric)


def test_panels_by_level():
    at_unit = {p.key for p in VEHICLES_PAGE.panels_at("org", "agency")}
    at_vehicle = {p.key for p in VEHICLES_PAGE.panels_at("vehicle")}
    assert {"trend", "ranking", "peers", "fleet_class", "list", "crosscheck", "flagged", "due", "idle"} <= at_unit
    assert "trip_log" not in at_unit and "daily" not in at_unit
    assert {"trend", "daily", "trip_log"} <= at_vehicle and "list" not in at_vehicle


def test_localize_labels_codes_in_the_readers_language():
    frame = pd.DataFrame(
        {
            "vehicle_class": ["law_enforcement", "odd"],
            "energy_type": ["electric", None],
            "flags": ["weekend no_request", ""],
            "org_name_zh": ["甲市公安局", "乙"],
            "org_name_en": ["City A Police", "B"],
        }
    )
    zh = localize_vehicle_frame(frame, "zh")
    en = localize_vehicle_frame(frame, "en")
    assert list(zh["class_label"]) == ["执法执勤", "odd"] and list(en["class_label"]) == ["Law enforcement", "odd"]
    assert zh["energy_label"][0] == "纯电动" and pd.isna(zh["energy_label"][1])
    assert list(zh["flags_label"]) == ["周末、无审批单", ""] and en["flags_label"][0] == "Weekend, No request"
    assert list(en["org_name"]) == ["City A Police", "B"] and "vehicle_class" in en.columns
