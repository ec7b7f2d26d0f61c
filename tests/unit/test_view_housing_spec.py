"""The housing page's declaration: tiles of catalog metrics per entity kind, panels that name
existing messages, grids whose people are personal columns, at most four wall panels, the open
alerts, and lists only where they stay short (county and agency, a building, a room)."""

from __future__ import annotations

import pandas as pd

from data.catalog import METRICS_BY_ID
from presentation.i18n import has
from views.housing import HOUSING_PAGE, localize_housing_frame
from views.spec import DRILL_KINDS


def test_tiles_are_catalog_metrics_for_org_building_and_room():
    assert {"org", "building", "room", "dwelling"} <= set(HOUSING_PAGE.tiles)
    for spec in HOUSING_PAGE.tiles.values():
        assert spec.metrics and all(m in METRICS_BY_ID for m in spec.metrics)
    org = HOUSING_PAGE.tiles["org"].metrics
    assert "housing.over_standard_area_m2" in org and "housing.area_per_person" in org


def test_panels_name_their_messages_and_drill_to_known_kinds():
    keys = [p.key for p in HOUSING_PAGE.panels]
    assert len(keys) == len(set(keys))
    for panel in HOUSING_PAGE.panels:
        assert has(panel.title_key), panel.title_key
        assert panel.hint_key is None or has(panel.hint_key), panel.hint_key
        assert panel.drills is None or panel.drills in DRILL_KINDS
        for column in panel.columns:
            assert has(column.title_key), column.title_key
            assert column.kind != "personal" or column.field.endswith("_name")
    assert any(p.kind == "alerts" for p in HOUSING_PAGE.panels)
    # the turnover-housing panels of views/housing_lists.py are on the page too
    assert {"occupancy", "lease_expiry", "leases_expiring", "tenant_history", "staff_crosscheck"} <= set(keys)
    assert HOUSING_PAGE.path == "/housing" and HOUSING_PAGE.domain == "housing" and HOUSING_PAGE.leaf == "building"


def test_wall_shows_at_most_four_panels_and_no_lists():
    wall = [p.key for p in HOUSING_PAGE.panels if p.wall]
    assert wall == ["office_ranks", "over_ranking", "occupancy", "alerts"]


def test_lists_show_only_where_they_stay_short():
    for level in ("province", "city"):
        shown = HOUSING_PAGE.panels_at("org", level)
        assert all(p.kind != "grid" for p in shown), [p.key for p in shown]
    assert "over_rooms" in [p.key for p in HOUSING_PAGE.panels_at("org", "county")]
    assert {"over_rooms", "buildings", "vacant_rooms"} <= {p.key for p in HOUSING_PAGE.panels_at("org", "agency")}
    assert {"building_rooms", "over_rooms"} <= {p.key for p in HOUSING_PAGE.panels_at("building")}
    assert "occupants" in [p.key for p in HOUSING_PAGE.panels_at("room")]
    occupants = HOUSING_PAGE.panel("occupants")
    assert [c.kind for c in occupants.columns if c.field == "person_name"] == ["personal"]


def test_localize_writes_labels_in_the_readers_language():
    frame = pd.DataFrame(
        {"building_name_zh": ["一号楼"], "building_name_en": [None], "rank_zh": ["处级正职"], "rank_en": ["Division head"],
         "rank_code": ["division_head"], "room_status": ["over"]}
    )  # fmt: skip
    en = localize_housing_frame(frame, "en")
    assert en["building_name"].tolist() == ["一号楼"]  # no English name: the Chinese one
    assert en["rank_label"].tolist() == ["Division head"] and en["room_status_label"].tolist() == ["Over the standard"]
    assert localize_housing_frame(frame, "zh")["room_status_label"].tolist() == ["超标"]
