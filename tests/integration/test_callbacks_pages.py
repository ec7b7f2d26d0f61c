"""The declared pages' callbacks (``callbacks.view_page``) called directly, inside a Flask test
request of the real app and with Dash's callback context naming the output (the callbacks learn
the page and the panel from ``ctx.outputs_list``, as the browser's request tells them): they
read the user's scope and language, and return tiles, a status line, figures and freshness
lines; a unit outside the scope is refused; a broken database or a bug shows the error state
(and, on a refresh, keeps the last contents); a unit that does not exist and an empty database
show "暂无数据"; a wall chart's text follows the screen."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os

import plotly
import pytest
from dash import html, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from callbacks.view_page import update_panel_graph, update_panel_grid, update_panel_list, update_view_tiles
from components import ids
from config import load_config
from data.db import dispose_engine
from security.context import UserInfo, acting_as
from views.registry import DECLARED_PAGES, get_page

from rollup_rows import rollup_db  # noqa: F401  (fixture)

SECRET = "callback-tests-" + "x" * 32
PAGES = ("assets", "housing")
#: A graph panel of each page that holds data at the province, a city and a county.
GRAPH = {"assets": "units", "housing": "occupancy"}
#: A grid and a list (open alerts) panel of the asset page, shown at every level.
GRID, LIST = "category_table", "alerts"
REFUSED = "无权查看该单位，或该单位不存在"
FAILED = "数据暂不可用"
EMPTY = "暂无数据"


@pytest.fixture(scope="module")
def make_app():
    os.environ.setdefault("SECRET_KEY", SECRET)
    from app import create_app

    def _make(url):
        return create_app(load_config(database_url=url, secret_key=SECRET))

    return _make


def user(scope_org_id: int = 1) -> UserInfo:
    return UserInfo("tester", "Tester", "leader", frozenset({"view"}), scope_org_id)


@contextlib.contextmanager
def request(app, *, lang: str = "zh", scope_org_id: int = 1):
    headers = {"Cookie": f"aocc_lang={lang}"}
    with app.server.test_request_context("/_dash-update-component", method="POST", headers=headers):
        with acting_as(user(scope_org_id)):
            yield


@contextlib.contextmanager
def outputs(*component_ids: dict):
    """Dash's callback context for a request whose outputs are ``component_ids`` (what the
    browser sends for one page's tiles or one panel)."""
    token = context_value.set(AttributeDict(outputs_list=[{"id": i, "property": "children"} for i in component_ids]))
    try:
        yield
    finally:
        context_value.reset(token)


def query(org=None) -> dict:
    return {} if org is None else {"org": str(org)}


def tiles(page: str, org=None, *, n_intervals: int = 0):
    """``(tiles, status line)`` of ``page`` for ``?org=<org>``."""
    with outputs(ids.view_tiles(page), ids.view_status(page)):
        return update_view_tiles(n_intervals, query(org))


def graph(page: str, panel: str, org=None, *, theme: str = "light", viewport=None, n_intervals: int = 0):
    """``(figure, freshness line)`` of a graph panel."""
    with outputs(ids.panel_graph(page, panel), ids.panel_fresh(page, panel, "graph")):
        return update_panel_graph(n_intervals, query(org), theme, viewport)


def grid(page: str, panel: str, org=None):
    with outputs(ids.panel_grid(page, panel), ids.panel_fresh(page, panel, "grid")):
        return update_panel_grid(0, query(org), "light")


def alerts_list(page: str, panel: str, org=None):
    with outputs(ids.panel_list(page, panel), ids.panel_fresh(page, panel, "alerts")):
        return update_panel_list(0, query(org), "light")


def as_json(value) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)


def plain(figure) -> dict:
    """A figure as the browser receives it (a builder may return a ``go.Figure`` or a dict)."""
    return json.loads(as_json(figure))


def message(figure) -> str:
    """The text of a message figure ("暂无数据", "数据暂不可用", a refusal)."""
    return plain(figure)["layout"]["annotations"][0]["text"]


def traces(figure) -> list[dict]:
    """The figure's traces that hold points."""
    return [trace for trace in plain(figure)["data"] if trace.get("x") or trace.get("y")]


def layout_font(figure) -> dict:
    return plain(figure)["layout"]["font"]


def test_the_graph_panels_are_declared():
    # The names this module relies on; a renamed panel fails here rather than as a vague None.
    assert set(PAGES) <= set(DECLARED_PAGES)
    for page, panel in GRAPH.items():
        assert get_page(page).panel(panel).kind == "graph"
    assert get_page("assets").panel(GRID).kind == "grid" and get_page("assets").panel(LIST).kind == "alerts"


@pytest.mark.parametrize("page", PAGES)
def test_tiles_status_line_and_a_graph_panel(rollup_db, make_app, page):
    app = make_app(rollup_db.url)
    with request(app):
        row, status = tiles(page)
        figure, fresh = graph(page, GRAPH[page])
    assert len(row) >= 6
    assert all(getattr(tile, "className", "").startswith("aocc-kpi aocc-kpi--") for tile in row)
    assert status[0].children == "数据截至 2026年11月20日"
    assert status[1].children.startswith("刷新于")
    assert traces(figure)
    assert fresh == "数据截至 2026-11-20"


def test_language_and_theme_reach_the_outputs(rollup_db, make_app):
    app = make_app(rollup_db.url)
    with request(app, lang="en"):
        row, status = tiles("assets", 3)
        figure, fresh = graph("assets", "units", 3, theme="dark")
    label = row[0].children[0].children[0].children
    assert label == "Assets"
    assert traces(figure)[0]["name"] == "In use or pending disposal"
    assert layout_font(figure)["color"] == "#e2e8f0"
    assert status[0].children == "Data as of 2026-11-20"
    assert fresh == "Data as of 2026-11-20"


@pytest.mark.parametrize("org", ["2", "6", "999", "abc", "-1"])
def test_unit_outside_the_scope_is_refused(rollup_db, make_app, org):
    app = make_app(rollup_db.url)
    with request(app, scope_org_id=3):
        row, status = tiles("assets", org)
        figure, fresh = graph("assets", "units", org)
        rows, grid_fresh = grid("assets", GRID, org)
        listed, list_fresh = alerts_list("assets", LIST, org)
    (block,) = row
    assert getattr(block, "data-state") == "error"
    assert block.children[1].children == REFUSED
    assert status == []
    assert message(figure) == REFUSED and fresh == REFUSED
    assert rows == [] and grid_fresh == REFUSED
    (block,) = listed
    assert block.children[1].children == REFUSED and list_fresh == REFUSED


@pytest.mark.parametrize("page", PAGES)
def test_county_user_sees_the_county(rollup_db, make_app, page):
    app = make_app(rollup_db.url)
    with request(app, scope_org_id=3):
        mine = tiles(page)[0], graph(page, GRAPH[page])
    with request(app, scope_org_id=1):
        same = tiles(page, "3")[0], graph(page, GRAPH[page], "3")
        province = tiles(page)[0]
    assert as_json(mine) == as_json(same)
    assert as_json(mine[0]) != as_json(province)


def test_broken_database_shows_the_error_state_and_keeps_figures_on_refresh(make_app, tmp_path, caplog):
    # A database file without tables: every query fails.
    url = f"sqlite:///{tmp_path / 'broken.sqlite3'}"
    app = make_app(url)
    with request(app):
        row, status = tiles("housing")
        row_again, status_again = tiles("housing", n_intervals=5)
        figure, fresh = graph("housing", GRAPH["housing"])
        figure_again, fresh_again = graph("housing", GRAPH["housing"], n_intervals=5)
    (block,) = row
    assert getattr(block, "data-state") == "error"
    assert block.children[1].children == FAILED
    assert getattr(status[0], "data-state") == "error"
    assert message(figure) == FAILED and fresh == FAILED
    # A refresh keeps the last good contents on screen and says the read failed.
    assert row_again is no_update and getattr(status_again[0], "data-state") == "error"
    assert figure_again is no_update and fresh_again == FAILED
    failures = [r for r in caplog.records if r.exc_info and "failed" in r.getMessage()]
    assert any("reading the tiles failed" in r.getMessage() for r in failures)
    assert any(f"panel {GRAPH['housing']} failed" in r.getMessage() for r in failures)
    dispose_engine(url)


def _with_broken(page_key: str, failure: Exception, *, panel: str | None = None):
    """``page_key``'s declaration with one panel's query (or, without ``panel``, the org tiles'
    query) raising ``failure``."""

    def broken(conn, view):
        raise failure

    page = get_page(page_key)
    if panel is None:
        return dataclasses.replace(
            page, tiles={**page.tiles, "org": dataclasses.replace(page.tiles["org"], fetch=broken)}
        )
    return dataclasses.replace(
        page, panels=tuple(dataclasses.replace(p, fetch=broken) if p.key == panel else p for p in page.panels)
    )


@pytest.mark.parametrize("failure", [KeyError("asset.no_such_metric"), LookupError("lost"), ValueError("bad frame")])
def test_a_bug_in_a_query_is_a_failure_not_no_data(rollup_db, make_app, caplog, monkeypatch, failure):
    """A mistyped metric id (``KeyError``) or any other bug in a panel's or the tiles' query is
    logged with its traceback and shown as "数据暂不可用", never as "暂无数据"."""
    module, _, attribute = DECLARED_PAGES["assets"].partition(":")
    declared = importlib.import_module(module)
    app = make_app(rollup_db.url)
    monkeypatch.setattr(declared, attribute, _with_broken("assets", failure, panel="units"))
    with request(app):
        figure, fresh = graph("assets", "units")
        other, _ = graph("assets", "warehouse")  # the other panels are drawn as usual
    assert message(figure) == FAILED and fresh == FAILED
    assert traces(other)
    logged = [r for r in caplog.records if "panel units failed" in r.getMessage()]
    assert logged and logged[0].exc_info[0] is type(failure)

    caplog.clear()
    monkeypatch.setattr(declared, attribute, _with_broken("assets", failure))
    with request(app):
        row, status = tiles("assets")
    (block,) = row
    assert getattr(block, "data-state") == "error" and block.children[1].children == FAILED
    assert getattr(status[0], "data-state") == "error"
    logged = [r for r in caplog.records if "reading the tiles failed" in r.getMessage()]
    assert logged and logged[0].exc_info[0] is type(failure)


def test_a_user_whose_scope_root_is_gone_sees_no_data(rollup_db, make_app):
    """A scope root that does not exist (the database has no such org, e.g. before the org tree
    is loaded) is "暂无数据", not a failure and not a refusal."""
    app = make_app(rollup_db.url)
    with request(app, scope_org_id=999):
        row, _ = tiles("assets")
        figure, fresh = graph("assets", "units")
    (block,) = row
    assert getattr(block, "data-state") == "empty"
    assert message(figure) == EMPTY and fresh == EMPTY


def test_empty_database_shows_no_data(make_app, db_url):
    from data.db import get_engine, write_session
    from data.models import OrgNode

    with write_session(get_engine(db_url)) as session:
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
    app = make_app(db_url)
    for page in PAGES:
        with request(app):
            row, status = tiles(page)
            figure, _ = graph(page, GRAPH[page])
        (block,) = row
        assert getattr(block, "data-state") == "empty", page
        assert message(figure) == EMPTY, page
        assert [s.children for s in status if isinstance(s, html.Span)][0].startswith("刷新于")


@pytest.mark.parametrize("page", PAGES)
def test_declared_pages_on_the_demo(demo_url, make_app, page):
    from data.db import get_engine
    from data.scope import root_node

    with get_engine(demo_url).connect() as conn:
        root = root_node(conn).id
    app = make_app(demo_url)
    with request(app, scope_org_id=root):
        row, status = tiles(page)
        figure, _ = graph(page, GRAPH[page], theme="dark")
    numbers = [tile.children[1].children[0].children for tile in row]
    assert len(numbers) >= 6 and sum(n != "—" for n in numbers) >= len(numbers) - 1, numbers
    assert traces(figure) and layout_font(figure)["color"] == "#e2e8f0"
    assert status[0].children == "数据截至 2026年11月19日"


def test_app_shell_for_the_request(rollup_db, make_app):
    from pages._layout import serve_app_shell

    def shell_for(user_info, cookies=""):
        with app.server.test_request_context("/", headers={"Cookie": cookies} if cookies else {}):
            with acting_as(user_info):
                return serve_app_shell()

    def walk(component):
        yield component
        children = getattr(component, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children]:
            if child is not None and not isinstance(child, str):
                yield from walk(child)

    def nav_keys(shell):
        return [
            c.id["key"]
            for c in walk(shell)
            if isinstance(getattr(c, "id", None), dict) and c.id["type"] == ids.NAV_LINK
        ]

    def store(shell, component_id):
        return next(c for c in walk(shell) if getattr(c, "id", None) == component_id)

    app = make_app(rollup_db.url)
    viewer = shell_for(user(), "aocc_lang=en")
    assert viewer.className == "aocc-app theme-light" and viewer.lang == "en"
    keys = nav_keys(viewer)
    assert keys[:6] == ["nav.overview", "nav.energy", "nav.vehicles", "nav.assets", "nav.housing", "nav.profile"]
    assert store(viewer, ids.NAV_STORE).data["nav.energy"]["org_scoped"] is True
    assert store(viewer, ids.LANG_STORE).data == "en"
    wall = shell_for(UserInfo("wall", "大屏", "wall", frozenset({"view", "wall"}), 1))
    assert wall.className == "aocc-app theme-dark" and wall.lang == "zh-CN"
    assert shell_for(UserInfo("wall", "大屏", "wall", frozenset({"view"}), 1), "aocc_theme=light").className.endswith(
        "light"
    )
    nobody = shell_for(UserInfo("x", "x", "viewer", frozenset(), 1))
    assert nav_keys(nobody) == []


def test_wall_charts_take_their_text_size_from_the_screen(rollup_db, make_app):
    """The panel callback hands the browser's width to the figure: a 3840-pixel wall gets 36 px
    chart text, a 1920 one 18 px, the desk theme its own size whatever the screen."""
    app = make_app(rollup_db.url)
    with request(app):
        wall_4k, _ = graph("assets", "units", theme="dark", viewport={"width": 3840, "height": 2160})
        wall_hd, _ = graph("assets", "units", theme="dark", viewport={"width": 1920, "height": 1080})
        desk, _ = graph("assets", "units", theme="light", viewport={"width": 3840, "height": 2160})
    assert layout_font(wall_4k)["size"] == 36 and layout_font(wall_hd)["size"] == 18
    assert layout_font(desk)["size"] == 13
