"""The asset lists' declarations: messages, the columns their queries return, labels in both
languages, and the book value figure."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from data.catalog import METRICS_BY_ID
from data.queries import asset_checks, asset_lists
from presentation.figures.asset_life import make_book_value_figure
from presentation.i18n import has
from views.asset_lists import (
    ASSET_BOOK_VALUE_PANEL,
    ASSET_LIFE_PANEL,
    ASSET_LIST_PANELS,
    ASSET_TILES,
    CROSSCHECK_PANEL,
    REDEPLOY_MATCH_PANEL,
    localize_asset_frame,
)

#: the query's documented columns for each grid panel's key
QUERY_COLUMNS = {
    "list": asset_lists.ASSET_LIST_COLUMNS,
    "audit_overdue": asset_lists.AUDIT_OVERDUE_COLUMNS,
    "no_custodian": asset_lists.NO_CUSTODIAN_COLUMNS,
    "life": asset_lists.LIFE_COLUMNS,
    "crosscheck": asset_checks.CROSSCHECK_COLUMNS,
    "redeploy": asset_checks.MATCH_COLUMNS,
}
LABELS = {
    "status_label",
    "from_status_label",
    "to_status_label",
    "event_label",
    "result_label",
    "kind_label",
    "match_label",
    "register_says",
    "source_says",
}


def test_messages_exist():
    for panel in ASSET_LIST_PANELS:
        assert has(panel.title_key) and has(panel.hint_key), panel.key
        for column in panel.columns:
            assert has(column.title_key), column.title_key
    for code in ("in_use", "idle", "warehouse", "pending_disposal", "disposed"):
        assert has(f"asset_lists.status.{code}")
    for kind in asset_checks.DISCREPANCY_KINDS:
        assert has(f"asset_lists.discrepancy.{kind}")
    assert has("unit.月")


def test_grid_columns_come_from_their_queries():
    keys = [p.key for p in ASSET_LIST_PANELS]
    assert len(keys) == len(set(keys))
    for panel in ASSET_LIST_PANELS:
        if panel.kind != "grid":
            continue
        produced = set(QUERY_COLUMNS[panel.key]) | LABELS
        missing = [c.field for c in panel.columns if c.field not in produced]
        assert missing == [], panel.key
        assert panel.drills == ("asset" if panel.key != "life" else None)
    assert [c.kind for c in ASSET_LIST_PANELS[0].columns if c.field == "custodian_name"] == ["personal"]


def test_where_panels_show():
    list_panel = ASSET_LIST_PANELS[0]
    assert list_panel.shows_at("org", "agency") and list_panel.shows_at("org", "county")
    assert not list_panel.shows_at("org", "city") and not list_panel.shows_at("asset")
    assert REDEPLOY_MATCH_PANEL.shows_at("org", "city") and not REDEPLOY_MATCH_PANEL.shows_at("org", "province")
    assert ASSET_LIFE_PANEL.shows_at("asset") and not ASSET_LIFE_PANEL.shows_at("org", "agency")
    assert ASSET_BOOK_VALUE_PANEL.kind == "graph" and ASSET_BOOK_VALUE_PANEL.shows_at("asset")
    assert all(m in METRICS_BY_ID for m in ASSET_TILES.metrics)
    assert all(m in METRICS_BY_ID for m in asset_lists.STATUS_DAYS_METRICS.values())


def test_localize_crosscheck_in_both_languages():
    frame = pd.DataFrame(
        {
            "kind": ["status_vs_movement", "redeploy_unit", "audit_missing"],
            "register_status": ["in_use", "in_use", "in_use"],
            "register_org_name_zh": [None, "甲局", None],
            "register_org_name_en": [None, "Bureau A", None],
            "source_status": ["warehouse", None, None],
            "source_org_name_zh": [None, "乙局", None],
            "source_org_name_en": [None, "Bureau B", None],
            "source_result": [None, None, "missing"],
        }
    )
    zh = localize_asset_frame(frame, "zh")
    en = localize_asset_frame(frame, "en")
    assert list(zh["register_says"]) == ["在用", "甲局", "在用"]
    assert list(zh["source_says"]) == ["公物仓在库", "乙局", "未找到实物"]
    assert list(en["source_says"]) == ["In the warehouse", "Bureau B", "Missing"]
    assert en["kind_label"].iloc[1] == "Redeployed to another unit than booked"
    assert CROSSCHECK_PANEL.fetch.__name__ == "fetch_asset_crosscheck"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_value_figure(lang):
    frame = pd.DataFrame(
        {
            "month": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)],
            "net_value_yuan": [7100.0, 7000.0, 6900.0],
            "original_value_yuan": [7200.0] * 3,
            "accumulated_depreciation_yuan": [100.0, 200.0, 300.0],
        }
    )
    figure = make_book_value_figure(frame, lang=lang, theme="light")
    go.Figure(figure.to_dict())  # valid for plotly
    assert figure.data[0].y == (7100.0, 7000.0, 6900.0) and figure.data[0].x[0] == "2026-01-01"
    assert figure.data[1].line.dash == "dash"
    empty = make_book_value_figure(pd.DataFrame(), lang=lang, theme="dark")
    assert not any(trace.type == "scatter" and trace.y for trace in empty.data)
