"""The page callbacks called directly, inside a Flask test request of the real app: they read
the user's scope and language, call the queries and return tiles, a figure and a status line;
a unit outside the scope is refused; a broken database shows the error state (and, on a refresh,
keeps the last figures); an empty database shows "暂无数据"."""

from __future__ import annotations

import contextlib
import json
import os

import plotly
import plotly.graph_objects as go
import pytest
from dash import html, no_update

from config import load_config
from data.db import dispose_engine
from security.context import UserInfo, acting_as

from rollup_rows import rollup_db  # noqa: F401  (fixture)

SECRET = "callback-tests-" + "x" * 32
PAGES = ("assets", "housing")  # the overview, energy and vehicles are declared: test_view_pages_http.py


@pytest.fixture(scope="module")
def make_app():
    os.environ.setdefault("SECRET_KEY", SECRET)
    from app import create_app

    apps = []

    def _make(url):
        app = create_app(load_config(database_url=url, secret_key=SECRET))
        apps.append(app)
        return app

    return _make


def user(scope_org_id: int = 1) -> UserInfo:
    return UserInfo("tester", "Tester", "leader", frozenset({"view"}), scope_org_id)


@contextlib.contextmanager
def request(app, *, lang: str = "zh", scope_org_id: int = 1):
    headers = {"Cookie": f"aocc_lang={lang}"}
    with app.server.test_request_context("/_dash-update-component", method="POST", headers=headers):
        with acting_as(user(scope_org_id)):
            yield


def update(page: str):
    import importlib

    module = importlib.import_module(f"callbacks.{page}")
    return getattr(module, f"update_{page}_page")


def as_json(value) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder)


def classes(children) -> list[str]:
    return [getattr(c, "className", "") for c in children]


@pytest.mark.parametrize("page", PAGES)
def test_page_callback_returns_tiles_figure_and_status(rollup_db, make_app, page):
    app = make_app(rollup_db.url)
    with request(app):
        tiles, figure, status = update(page)(0, None, "light")
    if page == "overview":
        assert [getattr(g, "data-domain") for g in tiles] == ["energy", "vehicle", "asset", "housing"]
    else:
        assert len(tiles) >= 6
        assert all(c.startswith("aocc-kpi aocc-kpi--") for c in classes(tiles))
    assert isinstance(figure, go.Figure) and len(figure.data) >= 2
    assert status[0].children == "数据截至 2026年11月20日"


def test_language_and_theme_reach_the_outputs(rollup_db, make_app):
    app = make_app(rollup_db.url)
    with request(app, lang="en"):
        tiles, figure, status = update("assets")(0, "3", "dark")
    assert tiles[0].children[0].children[0].children == "Assets"
    assert figure.data[0].name == "In use or pending disposal"
    assert figure.layout.font.color == "#e2e8f0"
    assert status[0].children == "Data as of 2026-11-20"


@pytest.mark.parametrize("org", ["2", "6", "999", "abc", "-1"])
def test_unit_outside_the_scope_is_refused(rollup_db, make_app, org):
    app = make_app(rollup_db.url)
    with request(app, scope_org_id=3):
        tiles, figure, status = update("assets")(0, org, "light")
    (block,) = tiles
    assert getattr(block, "data-state") == "error"
    assert block.children[1].children == "无权查看该单位，或该单位不存在"
    assert figure.layout.annotations[0].text == "无权查看该单位，或该单位不存在"
    assert status == []


def test_county_user_sees_the_county(rollup_db, make_app):
    app = make_app(rollup_db.url)
    with request(app, scope_org_id=3):
        mine, _, _ = update("assets")(0, None, "light")
    with request(app, scope_org_id=1):
        same, _, _ = update("assets")(0, "3", "light")
    assert as_json(mine) == as_json(same)


def test_broken_database_shows_the_error_state_and_keeps_figures_on_refresh(make_app, tmp_path, caplog):
    # A database file without tables: every query fails.
    url = f"sqlite:///{tmp_path / 'broken.sqlite3'}"
    app = make_app(url)
    with request(app):
        tiles, figure, status = update("housing")(0, None, "light")
        again = update("housing")(5, None, "light")
    (block,) = tiles
    assert getattr(block, "data-state") == "error"
    assert block.children[1].children == "数据暂不可用"
    assert figure.layout.annotations[0].text == "数据暂不可用"
    assert getattr(status[0], "data-state") == "error"
    assert again[0] is no_update and again[1] is no_update
    assert getattr(again[2][0], "data-state") == "error"
    assert any("reading or drawing the page failed" in r.getMessage() and r.exc_info for r in caplog.records)
    dispose_engine(url)


@pytest.mark.parametrize("failure", [KeyError("energy.no_such_metric"), LookupError("lost"), ValueError("bad frame")])
def test_a_bug_is_a_failure_not_no_data(rollup_db, make_app, caplog, failure):
    """A mistyped metric id (``KeyError``) or any other bug in a query or a builder is logged with
    its traceback and shown as "数据暂不可用", never as "暂无数据"."""
    from callbacks._common import render_page
    from components.kpi import build_kpi_tiles
    from presentation.figures import make_energy_trend_figure

    def broken_fetch(conn, scope, org_id):
        raise failure

    app = make_app(rollup_db.url)
    with request(app):
        tiles, figure, status = render_page(
            "energy",
            n_intervals=0,
            org=None,
            theme="light",
            fetch=broken_fetch,
            build_kpis=lambda kpis, lang: build_kpi_tiles(kpis, lang=lang),
            make_figure=make_energy_trend_figure,
        )
    (block,) = tiles
    assert getattr(block, "data-state") == "error"
    assert block.children[1].children == "数据暂不可用"
    assert figure.layout.annotations[0].text == "数据暂不可用"
    logged = [r for r in caplog.records if "reading or drawing the page failed" in r.getMessage()]
    assert logged and logged[0].exc_info[0] is type(failure)


def test_a_user_whose_scope_root_is_gone_sees_no_data(rollup_db, make_app):
    """A scope root that does not exist (the database has no such org, e.g. before the org tree
    is loaded) is "暂无数据", not a failure and not a refusal."""
    app = make_app(rollup_db.url)
    with request(app, scope_org_id=999):
        tiles, figure, _ = update("assets")(0, None, "light")
    (block,) = tiles
    assert getattr(block, "data-state") == "empty"
    assert figure.layout.annotations[0].text == "暂无数据"


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
            tiles, figure, status = update(page)(0, None, "light")
        (block,) = tiles
        assert getattr(block, "data-state") == "empty", page
        assert figure.layout.annotations[0].text == "暂无数据"
        assert [s.children for s in status if isinstance(s, html.Span)][0].startswith("刷新于")


def test_org_bar(rollup_db, make_app):
    from callbacks.shell import update_org_bar, update_org_from_drill

    app = make_app(rollup_db.url)
    with request(app, lang="en"):
        crumbs, options, placeholder, disabled = update_org_bar("2")
        leaf = update_org_bar("4")
    with request(app, scope_org_id=3):
        refused = update_org_bar("2")
    items = crumbs[0].children
    assert [i.children.children if hasattr(i.children, "children") else i.children for i in items] == [
        "Test Province",
        "City A",
    ]
    assert options == [{"label": "County B", "value": 3}, {"label": "City A Development", "value": 8}]
    assert (placeholder, disabled) == ("Drill down to a unit…", False)
    assert leaf[1] == [] and leaf[3] is True and leaf[2] == "No subordinate units"
    assert refused[0] == [] and refused[3] is True
    assert update_org_from_drill([None, 8]) == "?org=8"
    assert update_org_from_drill([None]) is no_update


@pytest.mark.parametrize("page", PAGES)
def test_page_callbacks_on_the_demo(demo_url, make_app, page):
    from data.db import get_engine
    from data.scope import root_node

    with get_engine(demo_url).connect() as conn:
        root = root_node(conn).id
    app = make_app(demo_url)
    with request(app, scope_org_id=root):
        tiles, figure, status = update(page)(0, None, "dark")
    tiles = [tile for group in tiles for tile in group.children[1].children] if page == "overview" else tiles
    numbers = [tile.children[1].children[0].children for tile in tiles]
    assert len(numbers) >= 6 and sum(n != "—" for n in numbers) >= len(numbers) - 1, numbers
    assert len(figure.data) >= 2 and figure.layout.font.color == "#e2e8f0"
    assert status[0].children == "数据截至 2026年11月19日"


def test_app_shell_for_the_request(rollup_db, make_app):
    from components import ids
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
    """The page callback hands the browser's width to the figure: a 3840-pixel wall gets 36 px
    chart text, a 1920 one 18 px, the desk theme its own size whatever the screen."""
    app = make_app(rollup_db.url)
    with request(app):
        _, wall_4k, _ = update("assets")(0, None, "dark", {"width": 3840, "height": 2160})
        _, wall_hd, _ = update("assets")(0, None, "dark", {"width": 1920, "height": 1080})
        _, desk, _ = update("assets")(0, None, "light", {"width": 3840, "height": 2160})
    assert wall_4k.layout.font.size == 36 and wall_hd.layout.font.size == 18
    assert desk.layout.font.size == 13
