"""The reference-data page through the real callback endpoint, on SQLite and PostgreSQL: anyone
with ``view`` reads the values; an administrator reviews a change (bad values get their
messages and save nothing), confirms it, and the row, the audit log and the roll-ups follow —
the latest month at once, the earlier ones when the scheduler's job has run; a viewer and an
administrator of one city are refused on the server.

Requests are hand-made posts to ``/_dash-update-component`` on ``reference_world``'s data.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from alerts_world import fast_hashes  # noqa: F401  (fixture)
from reference_world import CATEGORY_ID, build_reference_world, monthly, standard_id

import callbacks.admin_reference as cb
from config import load_config
from data.db import get_engine
from data.models import AssetCategory, AuditLog, JobRun, OfficeSpaceStandard
from data.rollup.recompute import REQUEST_JOB
from jobs.definitions import reference_recompute_job

from security_support import call_callback, dependencies, make_app, seed_accounts, signed_in_client

ACTION = "admin-ref-message.children"
CATEGORY = {
    "admin-ref-category-id.data": CATEGORY_ID,
    "admin-ref-method.value": "straight_line",
    "admin-ref-life.value": 1,
    "admin-ref-residual.value": 0,
}


@pytest.fixture
def world(db_url, fast_hashes):  # noqa: F811
    build_reference_world(db_url)
    seed_accounts(db_url)
    return make_app(db_url), db_url


def text_of(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children", ""))
    return "" if component is None else str(component)


def act(client, values: dict, triggered: str):
    response = call_callback(client, dependencies(client), ACTION, values, triggered=triggered)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def problems(body: dict) -> dict[str, str]:
    return {
        key.removeprefix("admin-ref-problem-"): text_of(v["children"])
        for key, v in body.items()
        if key.startswith("admin-ref-problem-") and text_of(v["children"])
    }


def category_row(url):
    with get_engine(url).connect() as conn:
        return conn.execute(sa.select(AssetCategory).where(AssetCategory.id == CATEGORY_ID)).one()


def audits(url, action="reference_change"):
    with get_engine(url).connect() as conn:
        return conn.execute(
            sa.select(AuditLog.actor, AuditLog.target, AuditLog.detail, AuditLog.outcome)
            .where(AuditLog.action == action)
            .order_by(AuditLog.id)
        ).all()


def test_every_callback_checks_its_permission_on_the_server():
    assert cb.update_reference_grids.required_permission == "view"
    assert cb.update_recompute_status.required_permission == "view"
    for func in (cb.update_category_form, cb.update_standard_form, cb.update_reference_action):
        assert func.required_permission == "manage_reference"


def test_a_viewer_reads_the_values_but_cannot_change_them(world):
    app, url = world
    viewer = signed_in_client(app, "viewer")
    deps = dependencies(viewer)
    grids = call_callback(viewer, deps, "admin-ref-category-grid.rowData", {"admin-ref-refresh.data": 0})
    body = grids.get_json()["response"]
    ours = next(r for r in body["admin-ref-category-grid"]["rowData"] if r["code"] == "T01")
    assert (ours["method"], ours["life"], ours["residual"], ours["assets"], ours["updated_by"]) == (
        "年限平均法",
        10,
        0.0,
        2,
        "（初始值）",
    )
    county = next(
        r for r in body["admin-ref-standard-grid"]["rowData"] if r["rank"] == "科级正职" and r["level"] == "县级"
    )
    assert county["limit"] == 18.0 and "2674" in county["source"]
    pending = {"admin-ref-category-pending.data": {"id": CATEGORY_ID, "values": {"useful_life_years": 1}}}
    refused = call_callback(
        viewer, deps, ACTION, {**CATEGORY, **pending}, triggered="admin-ref-category-confirm.n_clicks"
    )
    assert refused.status_code == 403
    assert category_row(url).useful_life_years == 10
    (denied,) = audits(url, "permission_denied")
    assert denied.actor == "viewer" and denied.detail["permission"] == "manage_reference"
    page = call_callback(
        viewer, deps, "_pages_content.children",
        {"_pages_location.pathname": "/admin/reference", "_pages_location.search": ""},
        triggered="_pages_location.pathname",
    )  # fmt: skip
    shown = json.dumps(page.get_json(), ensure_ascii=False)
    assert "admin-ref-category-grid" in shown and "只读" in shown and "admin-denied" not in shown


def test_bad_values_get_their_messages_and_save_nothing(world):
    app, url = world
    admin = signed_in_client(app, "admin")
    body = act(
        admin,
        {
            **CATEGORY,
            "admin-ref-method.value": "sum_of_years",
            "admin-ref-life.value": 6.5,
            "admin-ref-residual.value": 60,
        },
        "admin-ref-category-review.n_clicks",
    )
    assert "未保存" in text_of(body["admin-ref-message"]["children"])
    assert problems(body) == {
        "depreciation-method": "折旧方法须为年限平均法、双倍余额递减法或不计提折旧。",
        "useful-life-years": "使用年限须为整数年（收到 6.5）。",
        "residual-pct": "残值率须在 0% 至 50% 之间。",
    }
    body = act(
        admin,
        {**CATEGORY, "admin-ref-life.value": 101, "admin-ref-residual.value": None},
        "admin-ref-category-review.n_clicks",
    )
    assert problems(body) == {"useful-life-years": "使用年限须在 1 至 100 年之间。", "residual-pct": "请填写此项。"}
    sid = standard_id(url)
    body = act(
        admin,
        {"admin-ref-standard-id.data": sid, "admin-ref-limit.value": 0.5, "admin-ref-source.value": "  "},
        "admin-ref-standard-review.n_clicks",
    )
    assert problems(body) == {"limit-m2": "面积上限须在 1 至 200 m² 之间。", "source": "请填写该上限的依据文件。"}
    # A confirmed change is validated again: a forged pending value is refused the same way.
    forged = {"id": CATEGORY_ID, "values": {"depreciation_method": "none", "useful_life_years": 0, "residual_pct": 0}}
    body = act(admin, {**CATEGORY, "admin-ref-category-pending.data": forged}, "admin-ref-category-confirm.n_clicks")
    assert problems(body) == {"useful-life-years": "使用年限须在 1 至 100 年之间。"}
    assert category_row(url).useful_life_years == 10 and audits(url) == []


def test_a_confirmed_change_saves_audits_and_recomputes(world):
    app, url = world
    admin = signed_in_client(app, "admin")
    before = monthly(url, "asset.net_value_yuan", 7)
    review = act(admin, CATEGORY, "admin-ref-category-review.n_clicks")
    box = text_of(review["admin-ref-category-confirm-box"]["children"])
    assert "使用年限（年）：10 年 → 1 年" in box
    assert "将重算资产净值：本分类 2 项资产，2 个月" in box
    pending = review["admin-ref-category-pending"]["data"]
    assert pending == {
        "id": CATEGORY_ID,
        "values": {"depreciation_method": "straight_line", "useful_life_years": 1, "residual_pct": 0},
    }
    assert category_row(url).useful_life_years == 10  # reviewing saves nothing

    saved = act(admin, {**CATEGORY, "admin-ref-category-pending.data": pending}, "admin-ref-category-confirm.n_clicks")
    message = text_of(saved["admin-ref-message"]["children"])
    assert "已保存 T01 测试类。当前月份（2026-02）已重算。" in message and "更早的 1 个月正在后台重算" in message
    assert saved["admin-ref-category-pending"]["data"] is None and saved["admin-ref-refresh"]["data"]
    row = category_row(url)
    assert (row.useful_life_years, row.updated_by) == (1, "admin") and row.updated_at is not None
    ((actor, target, detail, outcome),) = audits(url)
    assert (actor, target, outcome) == ("admin", "asset_category:T01", "ok")
    assert detail["changes"] == {"useful_life_years": [10, 1]}
    # The latest month is right at once; the earlier one once the scheduler's job has run.
    assert monthly(url, "asset.net_value_yuan", 7) == {"2026-01": before["2026-01"], "2026-02": 0.0}
    deps = dependencies(admin)
    status = call_callback(admin, deps, "admin-ref-status.children", {"admin-ref-poll.n_intervals": 1})
    body = status.get_json()["response"]
    assert (
        "等待调度程序" in text_of(body["admin-ref-status"]["children"]) and body["admin-ref-poll"]["disabled"] is False
    )
    config = load_config(database_url=url)
    now = dt.datetime.now(dt.UTC)
    assert reference_recompute_job(get_engine(url), now, config=config).startswith("1 request(s) served")
    assert monthly(url, "asset.net_value_yuan", 7) == {"2026-01": 0.0, "2026-02": 0.0}
    status = call_callback(admin, deps, "admin-ref-status.children", {"admin-ref-poll.n_intervals": 2})
    body = status.get_json()["response"]
    assert "已于" in text_of(body["admin-ref-status"]["children"]) and body["admin-ref-poll"]["disabled"] is True
    with get_engine(url).connect() as conn:
        assert conn.execute(sa.select(JobRun.outcome).where(JobRun.job_id == REQUEST_JOB)).scalars().all() == ["ok"]
    assert reference_recompute_job(get_engine(url), now, config=config) == "no recompute requested"

    form = call_callback(
        admin, deps, "admin-ref-category-heading.children",
        {"admin-ref-category-grid.selectedRows": [{"id": CATEGORY_ID}]},
        triggered="admin-ref-category-grid.selectedRows",
    ).get_json()["response"]  # fmt: skip
    assert text_of(form["admin-ref-category-heading"]["children"]) == "修改分类 T01 测试类"
    assert form["admin-ref-life"]["value"] == 1
    same = act(admin, CATEGORY, "admin-ref-category-review.n_clicks")
    assert text_of(same["admin-ref-message"]["children"]) == "没有修改。"


def test_a_new_limit_recomputes_the_over_standard_area_at_once(world):
    app, url = world
    admin = signed_in_client(app, "admin")
    sid = standard_id(url)
    values = {"admin-ref-standard-id.data": sid, "admin-ref-limit.value": 24, "admin-ref-source.value": "本省细则"}
    review = act(admin, values, "admin-ref-standard-review.n_clicks")
    box = text_of(review["admin-ref-standard-confirm-box"]["children"])
    assert "人均使用面积上限（m²）：18 m² → 24 m²" in box and "将重算超标面积：县级科级正职人员所在的办公用房" in box
    pending = review["admin-ref-standard-pending"]["data"]
    act(admin, {**values, "admin-ref-standard-pending.data": pending}, "admin-ref-standard-confirm.n_clicks")
    assert monthly(url, "housing.over_standard_area_m2", 7)["2026-02"] == 6.0
    with get_engine(url).connect() as conn:
        row = conn.execute(sa.select(OfficeSpaceStandard).where(OfficeSpaceStandard.id == sid)).one()
    assert (row.limit_m2, row.source, row.updated_by) == (24.0, "本省细则", "admin")
    assert audits(url)[-1].target == "office_space_standard:county/section_head"


def test_a_city_administrator_is_refused_and_audited(world):
    app, url = world
    cityadmin = signed_in_client(app, "cityadmin")
    review = act(cityadmin, CATEGORY, "admin-ref-category-review.n_clicks")
    assert "只有数据范围为全省的管理员可以修改" in text_of(review["admin-ref-message"]["children"])
    assert review["admin-ref-category-pending"]["data"] is None
    pending = {"id": CATEGORY_ID, "values": {"depreciation_method": "none", "useful_life_years": 1, "residual_pct": 0}}
    act(cityadmin, {**CATEGORY, "admin-ref-category-pending.data": pending}, "admin-ref-category-confirm.n_clicks")
    assert category_row(url).useful_life_years == 10
    ((actor, target, detail, outcome),) = audits(url)
    assert (actor, target, outcome, detail) == (
        "cityadmin",
        f"asset_category:{CATEGORY_ID}",
        "denied",
        {"refused": "out_of_scope"},
    )
