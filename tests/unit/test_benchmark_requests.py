"""The benchmark builds the same /_dash-update-component bodies the renderer sends; if it got
them wrong the callbacks would answer 500 or be left out, and the figures would lie."""

from __future__ import annotations

import json

from dash import ALL, MATCH, Dash, Input, Output, State, dcc, html

from benchmarks.dash_requests import PageState, build_requests


def _app():
    app = Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Store(id="theme", data="dark"),
            dcc.Interval(id={"type": "tick", "page": "energy"}, n_intervals=0),
            html.Div(id={"type": "tiles", "page": "energy"}),
            html.A(id={"type": "nav", "key": "a"}, href="/a"),
            html.A(id={"type": "nav", "key": "b"}, href="/b"),
            html.Div(id="nav-out"),
            dcc.Input(id="unused-input"),
        ]
    )

    @app.callback(
        Output({"type": "tiles", "page": MATCH}, "children"),
        Input({"type": "tick", "page": MATCH}, "n_intervals"),
        State("theme", "data"),
    )
    def tiles(n, theme):
        return f"{n}-{theme}"

    @app.callback(
        Output({"type": "nav", "key": ALL}, "className"),
        Output("nav-out", "children"),
        Input({"type": "nav", "key": ALL}, "href"),
    )
    def nav(hrefs):
        return ["x"] * len(hrefs), ",".join(hrefs)

    @app.callback(Output("nav-out", "title"), Input("missing", "value"))
    def not_on_page(value):  # its input is not in the layout: the browser would never fire it
        return value

    app.config.suppress_callback_exceptions = True
    return app


def test_requests_match_what_dash_accepts():
    app = _app()
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    state = PageState([app.layout])
    requests = build_requests(deps, state)
    assert len(requests) == 2  # the callback whose input is absent is left out
    answers = {}
    for request in requests:
        response = client.post("/_dash-update-component", json=request.body)
        assert response.status_code == 200, response.get_data(as_text=True)
        answers[request.name] = response.get_json()["response"]
    tiles = next(v for k, v in answers.items() if "tiles" in k)
    assert tiles == {json.dumps({"page": "energy", "type": "tiles"}, separators=(",", ":")): {"children": "0-dark"}}
    nav = next(v for k, v in answers.items() if "nav-out" in k)
    assert nav["nav-out"] == {"children": "/a,/b"}
