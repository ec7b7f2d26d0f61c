"""The data page (数据中心): its layout, the callbacks called directly inside a request of the real
app, the quarantine actions guarded by ``manage_data`` on the server, file contents rendered as
text, provenance, and the "来源" links of the KPI tiles."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os

import dash
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from components.data_center import build_data_page, provenance_href
from components.data_tables import build_batches_table
from components.quarantine import build_quarantine_table
from config import load_config
from data.db import get_engine
from data.import_reasons import FILE_ISSUES, ROW_REASONS
from data.loaders import ensure_sources, load_file
from data.loaders.sources import SourceSpec
from presentation.i18n import CATALOG
from presentation.ingest_text import format_issue, format_reason
from security.context import UserInfo, acting_as

from loader_world import NOW, build_world, hourly_csv

SECRET = "data-center-tests-" + "y" * 32
OPERATOR = UserInfo("op1", "操作员", "operator", frozenset({"view", "manage_data", "view_personal_data"}), 1)
VIEWER = UserInfo("viewer1", "查看者", "viewer", frozenset({"view"}), 1)
XSS = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def make_app():
    os.environ.setdefault("SECRET_KEY", SECRET)
    from app import create_app

    def _make(url):
        return create_app(load_config(database_url=url, secret_key=SECRET))

    return _make


@pytest.fixture
def loaded(sqlite_url, tmp_path):
    build_world(sqlite_url)
    engine = get_engine(sqlite_url)
    ensure_sources(
        engine,
        [
            SourceSpec(
                "drop_energy",
                "file_drop",
                "energy",
                "能耗投放目录",
                "Energy drop",
                {"folder": str(tmp_path / "drop")},
                60,
                3600,
            )
        ],
    )
    source_id = engine.connect().execute(sa.text("SELECT id FROM data_source")).scalar()
    path = tmp_path / "readings.csv"
    path.write_text(
        hourly_csv(hours=range(1, 4)) + f"{XSS},2026-11-20 04:00,1\nE-B001,2026-11-20 05:00,abc\n", encoding="utf-8"
    )
    result = load_file(engine, path, now=NOW, source_id=source_id)
    assert result.rows_rejected == 2
    return sqlite_url


@contextlib.contextmanager
def request(app, user, lang="zh"):
    with app.server.test_request_context(
        "/_dash-update-component", method="POST", headers={"Cookie": f"aocc_lang={lang}"}
    ):
        with acting_as(user):
            yield


def texts(component) -> str:
    """Everything a component tree would show, as one string (children only, never attributes)."""
    return json.dumps(component, cls=__import__("plotly").utils.PlotlyJSONEncoder, ensure_ascii=False)


def test_every_reason_and_issue_has_both_languages():
    for code in ROW_REASONS:
        assert f"data.reason.{code}" in CATALOG, code
    for code in FILE_ISSUES:
        assert f"data.issue.{code}" in CATALOG, code
    # every placeholder of a reason is one of its declared parameters
    import string

    for code, params in ROW_REASONS.items():
        for text in CATALOG[f"data.reason.{code}"]:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields <= set(params), (code, fields - set(params))
    for code, params in FILE_ISSUES.items():
        for text in CATALOG[f"data.issue.{code}"]:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields <= set(params), (code, fields - set(params))


def test_reasons_render_with_missing_parameters():
    assert format_reason("unknown_meter", {"code": "X-1"}, "en") == "Unknown meter “X-1”"
    assert format_reason("not_a_number", {}, "zh") == "「?」的值“?”不是数字"
    assert (
        format_issue({"code": "truncated_file", "params": {}, "line": 7}, "en")
        == "line 7: The file is truncated here: its last line is incomplete"
    )


def test_the_page_is_registered_with_the_navigation_attributes(make_app, sqlite_url):
    make_app(sqlite_url)
    page = next(p for p in dash.page_registry.values() if p["path"] == "/data")
    assert (page["nav_key"], page["required_permission"]) == ("nav.data", "view")
    layout = build_data_page(lang="zh", metric=None, org=None, can_manage=False, refresh_seconds=60)
    assert "数据中心" in texts(layout)


def test_status_callback_shows_sources_batches_and_jobs(make_app, loaded):
    app = make_app(loaded)
    from callbacks.data_center import update_data_status

    with request(app, VIEWER):
        sources, leader, batches, jobs = update_data_status(0, 0, "all", [], 0)
    shown = texts(sources)
    # the batch is stamped with the tests' clock (NOW, days ago): the source shows as stale
    assert "能耗投放目录" in shown and "已超时" in shown and "天前" in shown
    assert "readings.csv" in texts(batches) and "已入库" in texts(batches)
    assert "调度进程未运行" in texts(leader)
    assert "暂无记录" in texts(jobs)


def test_a_panel_that_fails_to_draw_shows_the_failure_and_logs_it(make_app, loaded, monkeypatch, caplog):
    """A bug in a builder (as the never-run source's NaT once was) is logged with its traceback and
    shown as a failure in the panels, not left as an empty panel and a 500."""
    app = make_app(loaded)
    import callbacks.data_center as data_callbacks

    def broken(*_args, **_kwargs):
        raise ValueError("NaTType does not support astimezone")

    monkeypatch.setattr(data_callbacks.tables, "build_sources_table", broken)
    with request(app, VIEWER):
        sources, leader, batches, jobs = data_callbacks.update_data_status(0, 0, "all", [], 0)
    assert getattr(sources, "data-state") == "error" and getattr(batches, "data-state") == "error"
    assert "数据暂不可用" in texts(sources)
    logged = [r for r in caplog.records if "drawing a panel failed" in r.getMessage()]
    assert logged and logged[0].exc_info[0] is ValueError


def test_quarantine_is_rendered_as_text_and_raw_values_only_for_data_managers(make_app, loaded):
    app = make_app(loaded)
    from callbacks.data_center import update_quarantine

    with request(app, OPERATOR):
        table = update_quarantine(0, 0, "open", "all", None, 0)
    shown = texts(table)
    assert "<script>" in shown  # the string itself, as a text child …
    assert "dangerously" not in shown and "__html" not in shown  # … never as markup
    assert "第 5 行「表计编号」列" in shown and "第 6 行「用电量(千瓦时)」列" in shown
    assert "data-q-select" in shown
    with request(app, VIEWER, lang="en"):
        table = update_quarantine(0, 0, "open", "all", None, 0)
    shown = texts(table)
    assert "raw values are shown to data managers only" in shown and "aocc-data__raw" not in shown
    assert "abc" not in shown  # the rejected value itself is raw data too
    assert "data-q-select" not in shown


def test_resubmit_and_discard_need_manage_data_on_the_server(make_app, loaded):
    app = make_app(loaded)
    from callbacks.data_center import select_quarantine_row, update_quarantine_row

    with request(app, VIEWER):
        with pytest.raises(Forbidden):
            update_quarantine_row(1, 0, 1, ["E-B001"], [{"type": "data-q-field", "column": "表计编号"}], "", 0)
        with pytest.raises(Forbidden):
            select_quarantine_row([1])
    with get_engine(loaded).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM quarantine_row WHERE status='open'")).scalar() == 2
        assert conn.execute(sa.text("SELECT action, outcome FROM audit_log")).all() == [
            ("permission_denied", "denied"),
            ("permission_denied", "denied"),
        ]


def test_operator_corrects_and_resubmits_a_row(make_app, loaded):
    app = make_app(loaded)
    import callbacks.data_center as cb

    with get_engine(loaded).connect() as conn:
        row_id = conn.execute(sa.text("SELECT id FROM quarantine_row WHERE line_no = 6")).scalar()
    with request(app, OPERATOR):
        with app.server.app_context():
            pass
        ctx = {
            "triggered_inputs": [
                {"prop_id": json.dumps({"row": row_id, "type": "data-q-select"}) + ".n_clicks", "value": 1}
            ]
        }
        from dash._callback_context import context_value
        from dash._utils import AttributeDict

        token = context_value.set(AttributeDict(**ctx))
        try:
            selected, hidden, heading, reason, fields, message = cb.select_quarantine_row([1])
        finally:
            context_value.reset(token)
        assert selected == row_id and hidden is False and "不是数字" in reason
        ids = [f.children[1].id for f in fields]
        values = [f.children[1].value for f in fields]
        values[ids.index({"type": "data-q-field", "column": "用电量(千瓦时)"})] = "42"
        token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "data-q-resubmit.n_clicks", "value": 1}]))
        try:
            message, changed, selected_after, hidden_after = cb.update_quarantine_row(1, 0, row_id, values, ids, "", 0)
        finally:
            context_value.reset(token)
    assert "已重新提交" in message and changed == 1 and selected_after is None and hidden_after is True
    with get_engine(loaded).connect() as conn:
        assert conn.execute(
            sa.text("SELECT status, resolved_by FROM quarantine_row WHERE id=:i"), {"i": row_id}
        ).one() == ("resubmitted", "op1")
        assert conn.execute(sa.text("SELECT value FROM meter_reading WHERE value = 42")).scalar() == 42


def test_provenance_view_and_kpi_links(make_app, loaded):
    app = make_app(loaded)
    from callbacks.data_center import update_kpi_source_links, update_provenance

    with request(app, VIEWER):
        out = update_provenance({"metric": "energy.electricity_kwh", "org": "4"}, 0)
        shown = texts(out)
        assert "用电量" in shown and "readings.csv" in shown and "能耗投放目录" in shown
        refused = texts(update_provenance({"metric": "energy.electricity_kwh", "org": "99"}, 0))
        assert "无权查看该单位" in refused
        assert "未知指标" in texts(update_provenance({"metric": "nope", "org": None}, 0))
        # a derived figure (total energy, tce) shows the batches of the measures it is made of
        derived = texts(update_provenance({"metric": "energy.total_kgce", "org": "4"}, 0))
        assert "综合能耗" in derived and "readings.csv" in derived and "用电量" in derived
    links = update_kpi_source_links([{"type": "aocc-kpi-source", "metric": "energy.electricity_kwh"}], ["4"])
    assert (
        links
        == [provenance_href("energy.electricity_kwh", "4")]
        == ["/data?metric=energy.electricity_kwh&org=4#provenance"]
    )


def test_batches_table_names_file_line_and_column():
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "batch_id": 7,
                "source_id": None,
                "source_code": None,
                "source_name_zh": None,
                "source_name_en": None,
                "fact": "meter_reading",
                "domain": "energy",
                "file_name": XSS + ".csv",
                "status": "failed",
                "rows_read": 0,
                "rows_accepted": 0,
                "rows_duplicate": 0,
                "rows_rejected": 0,
                "started_at": dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
                "finished_at": None,
                "data_from": None,
                "data_to": None,
                "issues": [
                    {"code": "duplicate_column", "params": {"field": "value", "columns": ["读数", "用量"]}},
                    {"code": "truncated_file", "params": {}, "line": 12},
                ],
                "error": None,
                "same_as_batch": None,
            }
        ]
    )
    shown = texts(build_batches_table(frame, lang="zh"))
    assert "列重复：读数、用量" in shown and "第 12 行" in shown and XSS in shown
    empty = build_quarantine_table(pd.DataFrame(), total=0, lang="en", can_manage=True, show_raw=True)
    assert "No entries" in texts(empty)


COUNTY_OPERATOR = UserInfo(
    "op-x1", "县操作员", "operator", frozenset({"view", "manage_data"}), 3
)  # X1: holds A1 (B001)
CITY_BUREAU_OPERATOR = UserInfo("op-a2", "市局操作员", "operator", frozenset({"view", "manage_data"}), 5)  # A2: B002


def test_quarantine_shows_and_acts_only_inside_the_data_scope(make_app, loaded):
    """A rejected row belongs to the org of the meter it names; a row naming nothing known (an
    unknown meter code) is shown to province-wide users only. Reading, counting and acting all
    follow the scope, whatever row id a request names."""
    app = make_app(loaded)
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    import callbacks.data_center as cb
    from data.queries.ingest import fetch_quarantine, fetch_sources
    from security.context import current_scope

    with get_engine(loaded).connect() as conn:
        placed = dict(conn.execute(sa.text("SELECT line_no, org_id FROM quarantine_row")).all())
    assert placed == {5: None, 6: 4}  # line 5: unknown meter code; line 6: E-B001 of agency A1
    seen = {}
    for user in (OPERATOR, COUNTY_OPERATOR, CITY_BUREAU_OPERATOR):
        with request(app, user):
            with get_engine(loaded).connect() as conn:
                rows, total = fetch_quarantine(conn, current_scope())
                sources = fetch_sources(conn, current_scope(), now=NOW)
            seen[user.username] = (sorted(rows["line_no"]), total, int(sources["open_quarantine"].sum()))
    assert seen == {"op1": ([5, 6], 2, 2), "op-x1": ([6], 1, 1), "op-a2": ([], 0, 0)}

    with get_engine(loaded).connect() as conn:
        row_id = conn.execute(sa.text("SELECT id FROM quarantine_row WHERE line_no = 6")).scalar()
    with request(app, CITY_BUREAU_OPERATOR):
        token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "data-q-discard.n_clicks", "value": 1}]))
        try:
            message, *_rest = cb.update_quarantine_row(0, 1, row_id, [], [], "not mine", 0)
        finally:
            context_value.reset(token)
    assert message == "该行不属于您的数据范围"
    with get_engine(loaded).connect() as conn:
        assert (
            conn.execute(sa.text("SELECT status FROM quarantine_row WHERE id = :i"), {"i": row_id}).scalar() == "open"
        )


@pytest.mark.parametrize(
    "fact, text, org",
    [
        ("trip", "车牌号,出车时间,收车时间,行驶里程\n京A00001,2026-11-20 08:00,2026-11-20 09:00,-5\n", 4),
        ("asset_movement", "资产编号,变动时间,变动类型\nAS-0001,2026-11-20 08:00,飞走\n", 4),
        ("lease", "房源编号,承租人,起租日期,到期日期,月租金\nHU-001,李四,2026-13-45,2027-01-01,800\n", 4),
        (
            "asset",
            "资产编号,单位编码,资产分类,资产名称,使用状态,原值,取得日期\nAS-0009,A2,NOPE,打印机,在用,3000,2024-01-01\n",
            5,
        ),
        ("meter_reading", "建筑编码,能源类型,时间,用量\nB002,电,2026-11-20 01:30,1\n", 5),
        ("meter_reading", "表计编号,时间,用量\nE-NOPE,2026-11-20 01:00,1\n", None),
    ],
)
def test_each_fact_places_its_rejected_rows_in_an_org(sqlite_url, tmp_path, fact, text, org):
    build_world(sqlite_url)
    engine = get_engine(sqlite_url)
    path = tmp_path / f"{fact}.csv"
    path.write_text(text, encoding="utf-8")
    result = load_file(engine, path, now=NOW, fact=fact)
    assert result.rows_rejected == 1, (result.status, result.issues)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT org_id FROM quarantine_row")).scalar() == org


def test_discarding_without_a_note_is_refused_and_the_row_stays_open(make_app, loaded):
    """The note rule (``data.quarantine_review.discard_note``) holds on the server: a blank note
    changes nothing; a note is kept trimmed with the discarded row."""
    app = make_app(loaded)
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    import callbacks.data_center as cb

    with get_engine(loaded).connect() as conn:
        row_id = conn.execute(sa.text("SELECT id FROM quarantine_row WHERE line_no = 6")).scalar()
    discard = AttributeDict(triggered_inputs=[{"prop_id": "data-q-discard.n_clicks", "value": 1}])
    with request(app, OPERATOR):
        token = context_value.set(discard)
        try:
            refused = cb.update_quarantine_row(0, 1, row_id, [], [], "   ", 0)
            with get_engine(loaded).connect() as conn:
                still = conn.execute(sa.text("SELECT status FROM quarantine_row WHERE id = :i"), {"i": row_id}).scalar()
            done = cb.update_quarantine_row(0, 1, row_id, [], [], "  duplicate of line 5 ", 0)
        finally:
            context_value.reset(token)
    assert refused[0] == CATALOG["data.quarantine.note_required"][0] and refused[1:] == (dash.no_update,) * 3
    assert still == "open"
    assert done[1] == 1 and done[2] is None and done[3] is True
    with get_engine(loaded).connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM quarantine_row WHERE id = :i"), {"i": row_id}).scalar()
    assert status == "discarded"
