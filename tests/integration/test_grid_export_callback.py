"""Export of a declared page's grid panel (``callbacks.grid_export``), called as a plain function
inside a request of the real app: the server's rows for the same view, only those the grid
shows and in its order, never a row the browser made up; formula cells inert; a view outside
the user's scope and a user without ``export`` get nothing."""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import io
import json
import logging

import openpyxl
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate
from werkzeug.exceptions import Forbidden

import views.registry
from components import ids
from data.db import get_engine, write_session
from data.models import RollupDaily
from security.context import UserInfo, acting_as
from views.spec import GridColumn, PageSpec, PanelSpec, TileSpec

from security_support import make_app, seed_org_tree

HYPERLINK = '=HYPERLINK("http://evil.example","点击")'
AS_OF = dt.date(2026, 11, 20)


def _fetch_units(conn, view) -> pd.DataFrame:
    """A fixed frame standing in for a ranking query (the scope was applied when the view resolved)."""
    return pd.DataFrame(
        {
            "name": ["甲一县", HYPERLINK, "甲二县"],
            "kwh": [1200.56, 800.0, -3.0],
            "share": [0.5, 0.25, 0.125],
            "secret": ["never", "exported", "ever"],  # not a declared column
            "_drill": ["org:3", None, "org:4"],
        }
    )


RANKING = PanelSpec(
    key="ranking",
    title_key="grid.export.sheet",
    kind="grid",
    fetch=_fetch_units,
    columns=(
        GridColumn("name", "grid.ag.columns"),
        GridColumn("kwh", "grid.ag.numberFilter", "number", 1, "kWh"),
        GridColumn("share", "grid.ag.inRange", "percent", 1),
    ),
    drills="org",
)
STUB_PAGE = PageSpec(
    key="energy",  # the energy page's messages; the panels are this test's
    domain="energy",
    path="/stub",
    tiles={"org": TileSpec(metrics=(), fetch=lambda conn, view: pd.DataFrame())},
    panels=(RANKING,),
)

LEADER = UserInfo("leader1", "领导", "leader", frozenset({"view", "export"}), 1)
CITY_B = UserInfo("cityb", "乙市用户", "operator", frozenset({"view", "export"}), 5)
VIEWER = UserInfo("viewer1", "查看者", "viewer", frozenset({"view"}), 1)


@pytest.fixture
def app(sqlite_url, monkeypatch):
    seed_org_tree(sqlite_url)
    with write_session(get_engine(sqlite_url)) as session:
        for org_id in (1, 2, 5):
            for day in (AS_OF - dt.timedelta(days=1), AS_OF):
                session.add(
                    RollupDaily(
                        metric_id="energy.electricity_kwh",
                        entity_kind="org",
                        entity_id=org_id,
                        day=day,
                        value=10.0,
                        samples=1,
                    )
                )
    monkeypatch.setitem(views.registry.DECLARED_PAGES, "energy", f"{__name__}:STUB_PAGE")
    return make_app(sqlite_url)


@contextlib.contextmanager
def clicked(app, user: UserInfo, file_format: str, *, lang: str = "zh"):
    """A request of ``user`` in which the ``file_format`` export button of the ranking was clicked."""
    trigger = json.dumps(ids.panel_export("energy", "ranking", file_format), sort_keys=True)
    with app.server.test_request_context(
        "/_dash-update-component", method="POST", headers={"Cookie": f"aocc_lang={lang}"}
    ):
        with acting_as(user):
            token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{trigger}.n_clicks", "value": 1}]))
            try:
                yield
            finally:
                context_value.reset(token)


def _export(app, user, file_format, shown, query, **kwargs):
    from callbacks.grid_export import export_panel_table

    with clicked(app, user, file_format, **kwargs):
        return export_panel_table([1, 0] if file_format == "csv" else [0, 1], shown, query)


def _server_rows(app, query):
    """The rows the grid was given (what update_panel_grid sends), via the same renderer."""
    from security.context import current_engine, current_scope
    from views.render import render_panel, resolve_page_view

    with app.server.test_request_context("/"), acting_as(LEADER):
        with current_engine().connect() as conn:
            view = resolve_page_view(conn, current_scope(), STUB_PAGE, query)
            return render_panel(conn, view, RANKING, lang="zh", theme="light").records


def _csv(download) -> list[list[str]]:
    data = base64.b64decode(download["content"])
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_exports_only_the_rows_shown_in_their_order(app):
    query = {"org": "2", "period": "month"}
    rows = _server_rows(app, query)
    assert len(rows) == 3 and "secret" not in rows[0]
    # the grid filtered the middle row out and sorted descending by kWh … reversed here
    shown = [dict(rows[2]), dict(rows[0])]
    forged = {"_row_id": "99", "name": "伪造的行", "kwh": 1e9, "share": 1}
    tampered = dict(rows[0], name="=cmd|' /C calc'!A0", kwh=-1)  # a known id with forged values
    download = _export(app, LEADER, "csv", [*shown, forged, tampered], query)
    assert download["filename"].endswith(".csv")
    assert "甲市" in download["filename"] and "2026-11" in download["filename"]
    table = _csv(download)
    assert table[0][0].startswith("能耗监测")
    assert table[1] == ["单位：甲市"]
    assert ["统计期：2026-11-01 至 2026-11-20"] in table
    assert ["数据截至：2026-11-20"] in table
    assert any(line and line[0].startswith("导出时间：") for line in table)
    header_at = table.index(["列", "数字筛选 (kWh)", "介于"])
    body = table[header_at + 1 :]
    # the server's values, in the browser's order; the forged row and the duplicate are ignored
    assert body == [["甲二县", "-3.0", "12.5%"], ["甲一县", "1200.6", "50.0%"]]
    assert "伪造的行" not in json.dumps(table, ensure_ascii=False)
    assert "never" not in json.dumps(table, ensure_ascii=False)


def test_xlsx_neutralizes_formula_cells(app):
    query = {"org": "2"}
    rows = _server_rows(app, query)
    download = _export(app, LEADER, "xlsx", rows, query)
    assert download["filename"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header_at = next(i for i, r in enumerate(values) if r[0] == "列")
    body = sheet[header_at + 2 : header_at + 4]
    assert [r[0].value for r in body] == ["甲一县", HYPERLINK, "甲二县"]
    formula_cell = body[1][0]
    assert formula_cell.data_type == "s" and formula_cell.quotePrefix
    assert body[0][1].data_type == "n" and body[0][1].value == pytest.approx(1200.56)
    assert body[0][2].value == pytest.approx(0.5) and body[0][2].number_format == "0.0%"


def test_csv_neutralizes_formula_cells(app):
    query = {"org": "2"}
    table = _csv(_export(app, LEADER, "csv", None, query))  # no virtualRowData yet: every row, server order
    assert ["'" + HYPERLINK, "800.0", "25.0%"] in table


def test_out_of_scope_view_downloads_nothing(app, caplog):
    with caplog.at_level(logging.WARNING, logger="aocc.callbacks.export"):
        result = _export(app, CITY_B, "csv", [{"_row_id": "0"}], {"org": "2"})
    assert result is no_update
    assert any("refused" in r.getMessage() for r in caplog.records)
    # a hand-made id that is not a number is refused the same way
    assert _export(app, CITY_B, "xlsx", [], {"org": "abc"}) is no_update


def test_export_needs_the_export_permission(app):
    with pytest.raises(Forbidden):
        _export(app, VIEWER, "csv", [], {"org": "2"})


def test_no_click_and_unknown_format(app):
    from callbacks.grid_export import export_panel_table

    with clicked(app, LEADER, "csv"):
        with pytest.raises(PreventUpdate):
            export_panel_table([0, 0], [], {})
    with clicked(app, LEADER, "pdf"):
        assert export_panel_table([1], [], {}) is no_update


def test_callback_is_registered_with_pattern_ids(app):
    outputs = [c for c in app.callback_map if "aocc-panel-download" in c]
    assert len(outputs) == 1
    spec = app.callback_map[outputs[0]]
    assert {json.loads(i["id"])["type"] for i in spec["inputs"]} == {ids.PANEL_EXPORT}
    assert [json.loads(s["id"])["type"] for s in spec["state"]] == [ids.PANEL_GRID, ids.VIEW_STORE]


def _post_export(client, deps, file_format: str, shown, query):
    """A hand-made ``/_dash-update-component`` request, as the browser sends it for a click."""
    spec = next(d for d in deps if ids.PANEL_DOWNLOAD in d["output"])
    buttons = [ids.panel_export("energy", "ranking", f) for f in ("csv", "xlsx")]
    clicked_id = ids.panel_export("energy", "ranking", file_format)
    payload = {
        "output": spec["output"],
        "outputs": {"id": ids.panel_download("energy", "ranking"), "property": "data"},
        "inputs": [
            [{"id": b, "property": "n_clicks", "value": 1 if b == clicked_id else 0} for b in buttons],
        ],
        "state": [
            {"id": ids.panel_grid("energy", "ranking"), "property": "virtualRowData", "value": shown},
            {"id": ids.view_store("energy"), "property": "data", "value": query},
        ],
        "changedPropIds": [json.dumps(clicked_id, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
    }
    return client.post("/_dash-update-component", json=payload, headers={"Origin": "http://localhost"})


def test_export_over_http_as_the_browser_sends_it(app, sqlite_url):
    from security_support import dependencies, seed_accounts, signed_in_client

    seed_accounts(sqlite_url)
    rows = _server_rows(app, {"org": "2"})
    leader = signed_in_client(app, "leader")
    response = _post_export(leader, dependencies(leader), "csv", [rows[1]], {"org": "2"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    (download,) = (v["data"] for v in response.get_json()["response"].values())
    assert _csv(download)[-1] == ["'" + HYPERLINK, "800.0", "25.0%"]
    viewer = signed_in_client(app, "viewer")  # role viewer: no export permission
    assert _post_export(viewer, dependencies(viewer), "csv", [rows[1]], {"org": "2"}).status_code == 403
