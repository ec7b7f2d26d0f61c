"""The weather format (issue #18) without a database: Chinese and English headers, the unit in a
header, detection among every format, and what a row becomes — a record in °C or a rejection
with its reason (unknown city, not a city, order, range, unit, future day)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from data.calendar import calendar_for
from data.import_formats import FACT_DOMAINS, FORMATS, detect_fact, match_header
from data.loaders.extract.row import RawRow
from data.loaders.facts import HANDLERS, BatchContext, Settings, WeatherDailyHandler
from data.loaders.parsing import LocalTime
from data.loaders.sources import drop_candidates

NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)
ZH = ["城市编码", "日期", "日均气温(℃)", "最低气温(℃)", "最高气温(℃)"]
CITIES = {
    "C01": SimpleNamespace(code="C01", id=11, level="city"),
    "X01": SimpleNamespace(code="X01", id=21, level="county"),
}


def test_weather_is_an_energy_fact_with_its_handler():
    assert FACT_DOMAINS["weather_daily"] == "energy"
    assert HANDLERS["weather_daily"] is WeatherDailyHandler
    assert "weather_daily" in drop_candidates("energy") and "weather_daily" not in drop_candidates("vehicle")


@pytest.mark.parametrize(
    "header",
    [
        ZH,
        ["城市代码", "观测日期", "平均气温", "日最低气温", "日最高气温"],
        ["city", "date", "mean temperature", "min temperature", "max temperature", "unit"],
        ["City Code", "Date", "TAVG", "TMIN", "TMAX"],
    ],
)
def test_headers_in_chinese_and_english_are_detected_as_weather(header):
    assert detect_fact([["2026年11月 各市逐日气温"], header], tuple(FORMATS)) == ("weather_daily", 1)
    mapped, issues = match_header("weather_daily", header)
    assert not issues
    assert {"city_code", "day", "temp_mean_c", "temp_min_c", "temp_max_c"} <= set(mapped.positions)


def test_a_unit_in_the_header_is_the_columns_unit():
    mapped, _ = match_header("weather_daily", ZH)
    assert mapped.unit_hints == {"temp_mean_c": "°C", "temp_min_c": "°C", "temp_max_c": "°C"}


def test_a_file_without_the_maximum_is_refused():
    mapped, issues = match_header("weather_daily", ZH[:4])
    assert mapped is None and issues[0].code == "header_not_found" and "temp_max_c" in issues[0].params["missing"]


def test_a_meter_reading_file_is_not_taken_for_weather():
    assert detect_fact([["表计编号", "日期", "用量"]], tuple(FORMATS))[0] == "meter_reading"


def convert(header, *rows):
    calendar = calendar_for("Asia/Shanghai")
    settings = Settings(calendar=calendar)
    ctx = BatchContext(conn=None, batch_id=1, now=NOW, clock=LocalTime(calendar), settings=settings, source_name="t")
    mapped, issues = match_header("weather_daily", header)
    assert not issues
    handler = WeatherDailyHandler(ctx, mapped)
    handler.lookup = lambda name, keys, query: CITIES  # the org tree, without a database
    records, rejections = handler.convert([RawRow(i + 2, list(r)) for i, r in enumerate(rows)])
    rejected = sorted((r.line, r.issue.code, r.issue.column, r.issue.params) for r in rejections)
    return [r.values for r in records], rejected


def test_rows_become_records_in_celsius():
    records, rejections = convert(
        ZH,
        ["C01", "2026-11-24", "6.8", "1.9", "12.4"],
        ["C01", "2026/11/25", "-3", "-8.5", "0"],
        ["C01", "2026年11月26日", "-0.5℃", "-4.2 °C", "3.1"],
    )
    assert rejections == []
    assert records == [
        {"city_id": 11, "day": dt.date(2026, 11, 24), "temp_mean_c": 6.8, "temp_min_c": 1.9, "temp_max_c": 12.4},
        {"city_id": 11, "day": dt.date(2026, 11, 25), "temp_mean_c": -3.0, "temp_min_c": -8.5, "temp_max_c": 0.0},
        {"city_id": 11, "day": dt.date(2026, 11, 26), "temp_mean_c": -0.5, "temp_min_c": -4.2, "temp_max_c": 3.1},
    ]


def test_a_unit_column_is_read_and_must_be_celsius():
    header = ["city", "date", "mean", "min", "max", "unit"]
    records, rejections = convert(
        header,
        ["C01", "2026-11-24", "6", "1", "12", "摄氏度"],
        ["C01", "2026-11-25", "6", "1", "12", ""],
        ["C01", "2026-11-26", "43", "34", "54", "°F"],
    )
    assert [r["day"].day for r in records] == [24, 25]
    assert rejections == [(4, "unit_mismatch", "mean", {"column": "mean", "unit": "°F", "expected": "°C"})]


def test_bad_rows_are_rejected_with_their_reason():
    _, rejections = convert(
        ZH,
        ["C99", "2026-11-24", "6.8", "1.9", "12.4"],
        ["X01", "2026-11-24", "6.8", "1.9", "12.4"],
        ["C01", "2026-11-24", "0.5", "1.9", "12.4"],
        ["C01", "2026-11-24", "6.8", "1.9", "-2"],
        ["C01", "2026-11-24", "-61", "-70", "-55"],
        ["C01", "2026-11-24", "20", "10", "60.5"],
        ["C01", "2026-12-04", "6.8", "1.9", "12.4"],
        ["C01", "2026-11-24", "暖", "1.9", "12.4"],
        ["C01", "", "6.8", "1.9", "12.4"],
    )
    assert [(line, code, column) for line, code, column, _ in rejections] == [
        (2, "unknown_city", "城市编码"),
        (3, "org_not_city", "城市编码"),
        (4, "temperature_order", "日均气温(℃)"),
        (5, "temperature_order", "日均气温(℃)"),
        (6, "value_out_of_range", "日均气温(℃)"),
        (7, "value_out_of_range", "最高气温(℃)"),
        (8, "future_timestamp", "日期"),
        (9, "not_a_number", "日均气温(℃)"),
        (10, "missing_value", "日期"),
    ]
    params = {code: p for _, code, _, p in reversed(rejections)}  # the first of each code
    assert params["unknown_city"]["code"] == "C99"
    assert params["org_not_city"]["level"] == "county"
    assert params["temperature_order"] == {"min": "1.9", "mean": "0.5", "max": "12.4", "column": "日均气温(℃)"}
    assert (params["value_out_of_range"]["min"], params["value_out_of_range"]["max"]) == ("-60", "60")
