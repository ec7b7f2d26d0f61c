"""The shell as data: navigation from the page registry (permission-filtered, ordered, keeping
``?org=``), theme and language on the root, the graphs' config and the drop-downs' words, the
status line and the loading/empty/error blocks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from dash import dcc, html

from components import ids
from components.shell import (
    NavItem,
    build_app_shell,
    build_status_error,
    build_status_line,
    collect_nav_items,
    dropdown_labels,
    graph_config,
    is_active,
    nav_href,
    nav_links_state,
)
from components.states import build_empty, build_error, build_loading

REGISTRY = {
    "pages.energy": {
        "path": "/energy",
        "relative_path": "/energy",
        "nav_key": "nav.energy",
        "nav_order": 20,
        "required_permission": "view",
        "org_scoped": True,
    },
    "pages.overview": {
        "path": "/",
        "relative_path": "/",
        "nav_key": "nav.overview",
        "nav_order": 10,
        "org_scoped": True,
    },
    "pages.profile": {
        "path": "/profile",
        "relative_path": "/profile",
        "nav_key": "nav.profile",
        "nav_order": 55,
        "required_permission": "view",
        "org_scoped": True,
    },
    "pages.admin": {
        "path": "/admin",
        "relative_path": "/admin",
        "nav_key": "nav.housing",
        "nav_order": 900,
        "required_permission": "manage_users",
    },
    "pages.hidden": {"path": "/hidden", "relative_path": "/hidden"},
}


def walk(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            if not isinstance(child, str):
                yield from walk(child)
    elif children is not None and not isinstance(children, str):
        yield from walk(children)


def all_ids(component) -> list:
    return [c.id for c in walk(component) if getattr(c, "id", None) is not None]


def test_collect_nav_items_filters_by_permission_and_orders():
    items = collect_nav_items(REGISTRY, lang="zh", allowed=lambda p: p == "view")
    assert [(i.key, i.label, i.href, i.org_scoped) for i in items] == [
        ("nav.overview", "总览", "/", True),
        ("nav.energy", "能耗", "/energy", True),
        ("nav.profile", "单位画像", "/profile", True),
    ]
    items = collect_nav_items(REGISTRY, lang="en", allowed=lambda p: True)
    assert [i.label for i in items] == ["Overview", "Energy", "Unit profile", "Housing"]
    assert collect_nav_items(REGISTRY, lang="zh", allowed=lambda p: False) == []


def test_nav_href_keeps_the_org_on_org_scoped_pages_only():
    assert nav_href("/energy", True, "?org=12") == "/energy?org=12"
    assert nav_href("/energy", True, "?org=12&x=1") == "/energy?org=12"
    assert nav_href("/admin", False, "?org=12") == "/admin"
    assert nav_href("/energy", True, "") == "/energy"
    assert nav_href("/energy", True, None) == "/energy"


def test_nav_links_state():
    nav = {
        "nav.overview": {"href": "/", "org_scoped": True},
        "nav.energy": {"href": "/energy", "org_scoped": True},
        "nav.admin": {"href": "/admin", "org_scoped": False},
    }
    hrefs, classes = nav_links_state(["nav.overview", "nav.energy", "nav.admin", "nav.gone"], nav, "/energy", "?org=7")
    assert hrefs == ["/?org=7", "/energy?org=7", "/admin", "/"]
    assert classes == ["aocc-nav__link", "aocc-nav__link active", "aocc-nav__link", "aocc-nav__link"]


def test_is_active():
    assert is_active("/", "/") and is_active("/", None)
    assert not is_active("/", "/energy")
    assert is_active("/energy", "/energy") and is_active("/energy", "/energy/")
    assert not is_active("/energy", "/energy-x")


def test_app_shell_tree():
    items = [NavItem("nav.overview", "总览", "/", 10, True), NavItem("nav.energy", "能耗", "/energy", 20, True)]
    content = html.Div(id="content")
    shell = build_app_shell(content, lang="zh", theme="dark", user_name="张三", nav_items=items)
    assert shell.className == "aocc-app theme-dark"
    assert getattr(shell, "data-bs-theme") == "dark"
    assert shell.lang == "zh-CN"
    found = all_ids(shell)
    for expected in (
        ids.URL,
        ids.LANG_STORE,
        ids.THEME_STORE,
        ids.NAV_STORE,
        ids.LANG_SWITCH,
        ids.THEME_SWITCH,
        ids.nav_link("nav.overview"),
        ids.nav_link("nav.energy"),
        "content",
    ):
        assert expected in found
    components = {str(c.id): c for c in walk(shell) if getattr(c, "id", None) is not None}
    assert components[ids.LANG_SWITCH].children == "English"
    assert components[ids.THEME_SWITCH].children == "桌面模式"
    assert components[ids.LANG_STORE].data == "zh"
    assert components[ids.NAV_STORE].data == {
        "nav.overview": {"href": "/", "org_scoped": True},
        "nav.energy": {"href": "/energy", "org_scoped": True},
    }
    assert isinstance(components[str(ids.nav_link("nav.energy"))], dcc.Link)
    texts = [c for c in walk(shell) if isinstance(getattr(c, "children", None), str)]
    assert any(c.children == "当前用户：张三" for c in texts)
    assert components[ids.LOGOUT_LINK].href == "/logout"
    assert components[ids.LOGOUT_LINK].children == "退出登录"


def test_wall_display_shell_has_no_sign_out():
    shell = build_app_shell(html.Div(), lang="zh", theme="dark", user_name="大屏", nav_items=[], can_sign_out=False)
    assert ids.LOGOUT_LINK not in all_ids(shell)


def test_app_shell_in_english_light_for_nobody():
    shell = build_app_shell(html.Div(), lang="en", theme="bogus", user_name=None, nav_items=[])
    assert shell.className == "aocc-app theme-light"
    components = {str(c.id): c for c in walk(shell) if getattr(c, "id", None) is not None}
    assert components[ids.LANG_SWITCH].children == "中文"
    assert components[ids.THEME_SWITCH].children == "Wall mode"
    assert not [c for c in walk(shell) if "aocc-navbar__user" in (getattr(c, "className", "") or "")]
    assert ids.LOGOUT_LINK not in all_ids(shell)


def test_graph_config_speaks_the_language_and_hides_the_mode_bar_on_the_wall():
    desk = graph_config("zh", "light")
    assert desk["locale"] == "zh-CN" and desk["displaylogo"] is False and desk["displayModeBar"] == "hover"
    wall = graph_config("en", "dark")
    assert wall["locale"] == "en"
    assert wall["displayModeBar"] is False  # nobody holds a mouse
    assert graph_config("zh", "bogus")["displayModeBar"] == "hover"  # an unknown theme is the desk's


def test_dropdown_labels_in_both_languages():
    assert dropdown_labels("zh")["no_options_found"] == "无匹配项"
    english = dropdown_labels("en")
    assert set(english) == {
        "search",
        "no_options_found",
        "clear_search",
        "clear_selection",
        "select_all",
        "deselect_all",
        "selected_count",
    }
    assert english["no_options_found"] != "无匹配项"


def test_status_line():
    refreshed = dt.datetime(2026, 11, 20, 9, 5, 7)
    asof, when = build_status_line(dt.date(2026, 11, 20), refreshed, lang="zh")
    assert asof.children == "数据截至 2026年11月20日"
    assert when.children == "刷新于 09:05:07"
    asof, when = build_status_line(dt.date(2026, 11, 20), refreshed, lang="en")
    assert asof.children == "Data as of 2026-11-20"
    (only,) = build_status_line(None, refreshed, lang="zh")
    assert only.children == "刷新于 09:05:07"
    (error,) = build_status_error(refreshed, lang="zh")
    texts = [c.children for c in walk(error) if isinstance(getattr(c, "children", None), str)]
    assert texts == ["数据暂不可用", "09:05 读取数据失败，将自动重试"]


def test_state_blocks():
    for block, kind, zh in (
        (build_loading("zh"), "loading", "加载中…"),
        (build_empty("zh"), "empty", "暂无数据"),
        (build_error("zh"), "error", "数据暂不可用"),
    ):
        assert getattr(block, "data-state") == kind
        assert f"aocc-state--{kind}" in block.className
        assert block.children[1].children == zh
    assert build_error("en").role == "alert"
    assert build_empty("en").children[1].children == "No data"
    refused = build_error("zh", message_key="state.out_of_scope")
    assert refused.children[1].children == "无权查看该单位，或该单位不存在"


def test_every_catalog_domain_has_its_page():
    from components.shell import DOMAIN_PAGES, PAGE_PATHS
    from data.catalog import DOMAINS

    assert tuple(DOMAIN_PAGES) == DOMAINS
    assert set(DOMAIN_PAGES.values()) <= set(PAGE_PATHS)
