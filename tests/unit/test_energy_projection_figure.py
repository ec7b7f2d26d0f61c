"""The year-end projection figure and sentence as data: a projection frame in, the traces (solid
actual, dashed projection from the last month that is over, one labelled line per quota tier) and
the sentence out; an empty frame gives the "暂无数据" figure."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from data.queries.energy_projection import (
    PROJECTION_COLUMNS,
    project_year_end,
    projection_frame,
    projection_summary,
)
from presentation.energy_text import percent_text, projection_sentence
from presentation.figures.energy_projection import make_energy_projection_figure
from presentation.theme import PALETTES

D = dt.date
YEAR = [120, 120, 120, 80, 80, 80, 80, 80, 80, 170, 50, 60]  # 1 120 kgce, 1 010 by October
TIERS = {"limit": 1000.0, "benchmark": 900.0, "guide": 800.0}


def projection(values=YEAR, as_of=None, tiers=TIERS):
    as_of = as_of or D(2026, 6, 30)
    done = as_of.month if as_of.day > 27 else as_of.month - 1
    actual = {D(2026, i + 1, 1): float(v) for i, v in enumerate(values[:done])}
    expected = {D(2026, i + 1, 1): float(v) for i, v in enumerate(values) if i >= done}
    return project_year_end(2026, as_of, actual, expected, tiers)


def frame(**kw) -> pd.DataFrame:
    return projection_frame(projection(**kw))


def test_solid_actual_dashed_projection_and_the_three_tiers():
    fig = make_energy_projection_figure(frame(), lang="zh", theme="light")
    actual, projected, limit, benchmark, guide = fig.data
    assert [trace.type for trace in fig.data] == ["scatter"] * 5
    assert actual.name == "累计能耗（实际）" and actual.line.dash is None
    assert list(actual.x) == [f"2026-{m:02d}-01" for m in range(1, 7)]
    assert list(actual.y) == pytest.approx([0.12, 0.24, 0.36, 0.44, 0.52, 0.60])  # tce
    assert projected.line.dash == "dash"
    assert list(projected.x) == [f"2026-{m:02d}-01" for m in range(6, 13)]  # from June, the last month over
    assert list(projected.y) == pytest.approx([0.60, 0.68, 0.76, 0.84, 1.01, 1.06, 1.12])
    assert [t.name for t in (limit, benchmark, guide)] == ["约束值", "基准值", "引导值"]
    assert list(limit.y) == pytest.approx([1.0, 1.0]) and list(guide.y) == pytest.approx([0.8, 0.8])
    assert list(limit.x) == ["2026-01-01", "2026-12-01"] and list(limit.text) == ["", "约束值"]
    colors = PALETTES["light"]
    assert (limit.line.color, benchmark.line.color, guide.line.color) == (colors["bad"], colors["warn"], colors["good"])
    assert fig.layout.yaxis.title.text == "吨标准煤"
    assert fig.layout.xaxis.type == "date"


def test_english_labels_and_large_chinese_values_in_wan():
    fig = make_energy_projection_figure(frame(), lang="en", theme="dark", font_size=22)
    assert [t.name for t in fig.data[2:]] == ["Limit", "Benchmark", "Guide"]
    assert fig.data[1].name == "Cumulative use (projected at this pace)"
    assert fig.layout.font.size == 22 and fig.layout.font.color == PALETTES["dark"]["text"]
    big = frame(values=[v * 100_000 for v in YEAR], tiers={k: v * 100_000 for k, v in TIERS.items()})
    fig = make_energy_projection_figure(big, lang="zh", theme="light")
    assert fig.layout.yaxis.title.text == "万吨标准煤"
    assert fig.data[1].y[-1] == pytest.approx(11.2)  # 112 000 tce


def test_a_node_without_a_quota_has_no_tier_lines_and_a_year_just_begun_is_all_dashed():
    fig = make_energy_projection_figure(frame(tiers=None), lang="zh", theme="light")
    assert [t.name for t in fig.data] == ["累计能耗（实际）", "累计能耗（按当前进度预测）"]
    fig = make_energy_projection_figure(frame(as_of=D(2026, 1, 10)), lang="zh", theme="light")
    assert len(fig.data) == 4 and fig.data[0].line.dash == "dash" and len(fig.data[0].x) == 12


def test_an_empty_frame_gives_the_no_data_figure():
    for df in (pd.DataFrame(columns=PROJECTION_COLUMNS), None):
        fig = make_energy_projection_figure(df, lang="zh", theme="light")
        assert isinstance(fig, go.Figure) and fig.data == ()
        assert fig.layout.meta["aocc_state"] == "empty" and fig.layout.annotations[0].text == "暂无数据"


def test_the_builder_shares_nothing_between_calls():
    df = frame()
    first = make_energy_projection_figure(df, lang="zh", theme="light")
    first.update_layout(yaxis={"range": [0, 5]})
    second = make_energy_projection_figure(df, lang="zh", theme="light")
    assert second.layout.yaxis.range is None
    assert list(df.columns) == PROJECTION_COLUMNS  # the frame is not changed


# --- the sentence -----------------------------------------------------------------------------


def test_will_exceed_in_october_by_12_percent():
    summary = projection_summary(projection())
    assert projection_sentence(summary, "zh") == "按当前进度，预计10月超出约束值12%"
    assert projection_sentence(summary, "en") == "At this pace, exceeds its limit in October by 12 %"


def test_a_limit_already_passed_is_said_in_the_past():
    summary = projection_summary(projection(as_of=D(2026, 10, 31)))
    assert summary["limit_passed"]
    assert projection_sentence(summary, "zh") == "已于10月超出约束值，按当前进度全年预计超出12%"
    assert (
        projection_sentence(summary, "en") == "Exceeded its limit in October; at this pace the year ends 12 % over it"
    )


@pytest.mark.parametrize(
    "total, zh, en",
    [
        (
            950,
            "按当前进度，预计全年超出基准值，距约束值尚余5%",
            "At this pace, the year ends above its benchmark, 5 % under its limit",
        ),
        (880, "预计全年在基准值以内", "At this pace, the year ends within its benchmark"),
        (780, "预计全年在引导值以内", "At this pace, the year ends within its guide value"),
    ],
)
def test_at_risk_on_track_and_within_the_guide(total, zh, en):
    summary = projection_summary(projection(values=[v * total / 1120 for v in YEAR]))
    assert projection_sentence(summary, "zh") == zh
    assert projection_sentence(summary, "en") == en


def test_no_quota_and_no_data():
    summary = projection_summary(projection(tiers=None))
    assert projection_sentence(summary, "zh") == "未设定本年度能耗定额，预计全年综合能耗1.12吨标准煤"
    assert projection_sentence(summary, "en") == "No energy quota for this year; projected total 1.12 tce"
    assert projection_sentence(projection_summary(None), "zh") == "暂无本年度能耗数据"
    assert projection_sentence({"status": "no_data"}, "en") == "No energy data for this year yet"


@pytest.mark.parametrize(
    "fraction, text",
    [(0.12, "12"), (0.034, "3.4"), (-0.05, "5"), (0.0499999, "5"), (0.0996, "10"), (1.0, "100"), (0.0, "0")],
)
def test_percent_text(fraction, text):
    assert percent_text(fraction) == text
