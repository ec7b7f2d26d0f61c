"""The Content-Security-Policy is strict enough to matter and loose enough for Dash to work.

A Dash app with everything the command center draws with — plotly.js charts of several
kinds, an AG Grid table, Dash 4 dropdown and date picker, and a clientside callback from an
assets file (``ClientsideFunction``, as the product registers its own) or given as a string (as
Dash Pages registers its own) — is served behind ``security.init_app``; the browser must render
it all with zero console errors (a CSP violation is a console error in Chromium).
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import plotly.graph_objects as go
import pytest
from dash import ClientsideFunction, Input, Output, dcc, html

import security
from config import load_config
from data.db import get_engine, write_session
from data.models import OrgNode
from data.seed import seed_reference

from browser_access import TEST_SECRET, make_account, sign_in

PROBE_SCRIPT = (
    "window.dash_clientside = Object.assign({}, window.dash_clientside, "
    "{probe: {echo: function (v) { return 'client:' + v; }}});\n"
)


def _figure() -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=["一月", "二月", "三月"], y=[3, 1, 2], name="用电")
    fig.add_scatter(x=["一月", "二月", "三月"], y=[2, 2, 3], mode="lines+markers", name="同比")
    return fig


def build_probe_app(database_url: str, assets, *, inline_clientside: bool = False) -> dash.Dash:
    assets.mkdir(exist_ok=True)
    (assets / "probe.js").write_text(PROBE_SCRIPT, encoding="utf-8")
    app = dash.Dash(__name__, use_pages=False, serve_locally=True, update_title=None, assets_folder=str(assets))
    heat = go.Figure(go.Heatmap(z=[[1, 2, 3], [3, 2, 1]], x=["周一", "周二", "周三"], y=["0时", "1时"]))
    app.layout = html.Div(
        [
            html.H1("CSP 探针", id="probe-title"),
            dcc.Graph(id="probe-bar", figure=_figure(), config={"displaylogo": False}),
            dcc.Graph(id="probe-heat", figure=heat),
            dag.AgGrid(
                id="probe-grid",
                rowData=[{"name": "甲", "value": 1}, {"name": "乙", "value": 2}],
                columnDefs=[{"field": "name"}, {"field": "value"}],
                dashGridOptions={"animateRows": False},
            ),
            dcc.Dropdown(id="probe-dropdown", options=["能耗", "公车"], value="能耗"),
            dcc.DatePickerRange(id="probe-dates"),
            html.Div(id="probe-server-out"),
            html.Div(id="probe-client-out"),
        ]
    )
    app.callback(Output("probe-server-out", "children"), Input("probe-dropdown", "value"))(lambda v: f"server:{v}")
    clientside = "function(v) { return 'client:' + v; }" if inline_clientside else ClientsideFunction("probe", "echo")
    app.clientside_callback(clientside, Output("probe-client-out", "children"), Input("probe-dropdown", "value"))
    security.init_app(app, load_config(database_url=database_url, secret_key=TEST_SECRET))
    return app


def _seed_org(database_url: str) -> None:
    with write_session(get_engine(database_url)) as session:
        seed_reference(session)
        session.add(
            OrgNode(
                id=1,
                parent_id=None,
                level="province",
                admin_level="province",
                code="P",
                name_zh="省",
                name_en="Province",
                path="/1/",
                depth=0,
            )
        )


def test_dash_plotly_and_ag_grid_render_under_the_csp_with_no_console_error(dash_duo, sqlite_url, tmp_path):
    _seed_org(sqlite_url)
    app = build_probe_app(sqlite_url, tmp_path / "assets")
    dash_duo.start_server(app, navigate=False)
    username, password = make_account(sqlite_url, "viewer")
    sign_in(dash_duo, username, password)

    dash_duo.wait_for_text_to_equal("#probe-server-out", "server:能耗")
    dash_duo.wait_for_text_to_equal("#probe-client-out", "client:能耗")
    dash_duo.wait_for_element("#probe-bar .main-svg")
    dash_duo.wait_for_element("#probe-heat .main-svg")
    dash_duo.wait_for_element("#probe-grid .ag-row")
    assert len(dash_duo.find_elements("#probe-bar .bars .point")) == 3
    dash_duo.select_dcc_dropdown("#probe-dropdown", index=1)
    dash_duo.wait_for_text_to_equal("#probe-client-out", "client:公车")
    dash_duo.wait_for_text_to_equal("#probe-server-out", "server:公车")

    policy = dash_duo.driver.execute_script("return document.readyState")  # page fully loaded
    assert policy == "complete"
    assert dash_duo.get_logs() == []


def test_the_policy_blocks_an_injected_inline_script(dash_duo, sqlite_url, tmp_path):
    """The policy is not decorative: an inline script that is not Dash's own does not run."""
    _seed_org(sqlite_url)
    app = build_probe_app(sqlite_url, tmp_path / "assets")
    app.index_string = app.index_string.replace("</body>", "<script>window.__injected = 1;</script></body>")
    # The hash list is computed from each served page, so make the injected script an
    # attribute-carrying one that the hash pass sees but a real attacker's would also be
    # subject to: inline event handlers are never allowed.
    app.index_string = app.index_string.replace("<body>", '<body><img src="x:" onerror="window.__handler = 1">')
    dash_duo.start_server(app, navigate=False)
    username, password = make_account(sqlite_url, "viewer")
    sign_in(dash_duo, username, password)
    dash_duo.wait_for_text_to_equal("#probe-server-out", "server:能耗")
    assert dash_duo.driver.execute_script("return window.__handler === undefined && window.__injected === undefined")
    logs = dash_duo.get_logs()
    assert any("Content Security Policy" in entry["message"] for entry in logs), logs


def test_dash_generated_inline_clientside_code_runs_under_the_csp(dash_duo, sqlite_url, tmp_path):
    """A clientside callback given as a string is inline code Dash generates: its hash is allowed."""
    _seed_org(sqlite_url)
    app = build_probe_app(sqlite_url, tmp_path / "assets", inline_clientside=True)
    dash_duo.start_server(app, navigate=False)
    username, password = make_account(sqlite_url, "viewer")
    sign_in(dash_duo, username, password)
    dash_duo.wait_for_text_to_equal("#probe-client-out", "client:能耗")
    assert dash_duo.get_logs() == []
