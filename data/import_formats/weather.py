"""Weather import format: daily temperatures per city (issue #18).

A weather file names the city by its org code (the code of a ``city``-level node of the org tree,
the way buildings, rooms and quotas name their unit) and gives, per day, the mean, lowest and
highest air temperature in °C. The weather- and calendar-aware energy baseline reads it; it
belongs to the energy domain (``drop/energy/``) and is upserted by (city, day).
"""

from __future__ import annotations

from data.import_formats.field import FactFormat, _f

WEATHER_DAILY = FactFormat(
    fact="weather_daily",
    domain="energy",
    table="weather_daily",
    fields=(
        _f(
            "city_code",
            "code",
            "城市编码",
            "城市代码",
            "地市编码",
            "市编码",
            "city",
            "city code",
            "city_code",
            required=True,
            max_len=32,
        ),
        _f("day", "date", "日期", "观测日期", "气象日期", "date", "day", required=True),
        _f(
            "temp_mean_c",
            "number",
            "日均气温",
            "平均气温",
            "日平均气温",
            "气温",
            "mean temperature",
            "mean temp",
            "temp mean",
            "temp_mean_c",
            "mean",
            "tavg",
            required=True,
        ),
        _f(
            "temp_min_c",
            "number",
            "最低气温",
            "日最低气温",
            "最低温度",
            "min temperature",
            "min temp",
            "temp min",
            "temp_min_c",
            "min",
            "tmin",
            required=True,
        ),
        _f(
            "temp_max_c",
            "number",
            "最高气温",
            "日最高气温",
            "最高温度",
            "max temperature",
            "max temp",
            "temp max",
            "temp_max_c",
            "max",
            "tmax",
            required=True,
        ),
        _f("unit", "unit", "单位", "温度单位", "unit", "units"),
    ),
    natural_key=("city_id", "day"),
)

DOMAIN_FORMATS: tuple[FactFormat, ...] = (WEATHER_DAILY,)
