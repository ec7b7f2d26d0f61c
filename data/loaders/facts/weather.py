"""Weather: daily mean, lowest and highest temperature per city, upserted by (city, day).

A row names its city by the org code of a ``city``-level node (``unknown_city`` when the code is
not in the org tree, ``org_not_city`` when it names a province, county or unit: the baseline looks
a building's weather up by its city). Temperatures are in °C (a unit written in the cell, the
header or a unit column must be one of °C), between −60 and 60 °C (``value_out_of_range``), and
lowest ≤ mean ≤ highest (``temperature_order``). A day after today is an observation that cannot
have been made yet (``future_timestamp``).

``weather_daily`` has no ``id``: the natural key is its primary key, so the upsert is the one of
``SpaceHandler`` (which writes by key, stamping ``batch_id``), read back by city and the file's
range of days. No roll-up depends on the weather; a batch moves the energy data version on.
"""

from __future__ import annotations

from sqlalchemy import select

from data.models import OrgNode, WeatherDaily

from ..parsing import ValueProblem, normalize_unit
from .base import _chunks, org_ids
from .master_space import SpaceHandler

TEMP_RANGE_C = (-60.0, 60.0)
TEMP_FIELDS = ("temp_mean_c", "temp_min_c", "temp_max_c")
# Units a department writes for degrees Celsius (normalised as ``normalize_unit`` does: ℃ is °c).
CELSIUS = frozenset(normalize_unit(u) for u in ("°C", "℃", "摄氏度", "度", "C", "degC", "deg C", "celsius"))


class WeatherDailyHandler(SpaceHandler):
    fact = "weather_daily"
    model = WeatherDaily
    key = ("city_id", "day")
    org_fields = (("city_code", org_ids),)
    # A year of a province's cities is a few thousand rows, but nothing in a weather file refers
    # to another row of it: read it in ordinary chunks.
    whole_file = False

    def __init__(self, ctx, header):
        super().__init__(ctx, header)
        self._past = {"day"}  # observed weather: a day after today is an error

    def columns(self):
        return ("city_id", "day", *TEMP_FIELDS)

    def prepare(self, values):
        def query(part):
            stmt = select(OrgNode.code, OrgNode.id, OrgNode.level).where(OrgNode.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]

        self._cities = self.lookup("org_level", (v["city_code"] for v in values), query)

    def build(self, v):
        column = self.header.header_of("city_code")
        city = self._cities.get(v["city_code"])
        if city is None:
            raise ValueProblem("unknown_city", code=v["city_code"], column=column)
        if city.level != "city":
            raise ValueProblem("org_not_city", code=v["city_code"], level=city.level, column=column)
        mean, low, high = (self.temperature(v, name) for name in TEMP_FIELDS)
        if not low <= mean <= high:
            raise ValueProblem(
                "temperature_order",
                min=f"{low:g}",
                mean=f"{mean:g}",
                max=f"{high:g}",
                column=self.header.header_of("temp_mean_c"),
            )
        return {"city_id": city.id, "day": v["day"], "temp_mean_c": mean, "temp_min_c": low, "temp_max_c": high}

    def temperature(self, v: dict, name: str) -> float:
        """A temperature in °C: the unit of the cell, else of the header, else of the unit column,
        else °C; within ``TEMP_RANGE_C``."""
        value, unit = v[name]
        column = self.header.header_of(name)
        unit = unit or self.header.unit_hints.get(name) or v.get("unit")
        if unit and normalize_unit(unit) not in CELSIUS:
            raise ValueProblem("unit_mismatch", unit=unit, expected="°C", column=column)
        low, high = TEMP_RANGE_C
        if not low <= value <= high:
            raise ValueProblem("value_out_of_range", value=f"{value:g}", min=f"{low:g}", max=f"{high:g}", column=column)
        return value

    def _existing(self, keys: list[tuple]) -> dict:
        """The stored rows of ``keys`` (city, day), read by city within the keys' range of days."""
        if not keys:
            return {}
        table = self.model.__table__
        wanted = set(keys)
        low, high = min(k[1] for k in keys), max(k[1] for k in keys)
        out = {}
        for part in _chunks(sorted({k[0] for k in keys})):
            stmt = select(table).where(table.c.city_id.in_(part), table.c.day.between(low, high))
            for row in self.ctx.conn.execute(stmt):
                key = (row.city_id, row.day)
                if key in wanted:
                    out[key] = row
        return out

    def after_write(self, written, updates):
        for values in written:
            self.ctx.affected.span_day(values["day"])
        if written:
            # No roll-up reads the weather; the baseline that does is keyed by the energy version.
            from data.rollup import bump_data_version

            bump_data_version(self.ctx.conn, ("energy",))
