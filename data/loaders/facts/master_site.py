"""Buildings and meters, upserted by code.

A building that moves to another org takes its history along: its energy roll-ups are per
building, and the org roll-ups of the orgs it left and joined are rebuilt after the batch
(``master_moves``). A meter that moves to another building moves its readings' roll-ups the same
way. A meter's kind, interval and reading hour say how its readings are read: once it has
readings they cannot change (``meter_history_conflict``); a new meter code is the way.
"""

from __future__ import annotations

from sqlalchemy import select

from data.models import Building, Meter, MeterReading
from data.models.energy import METER_UNITS

from ..parsing import ValueProblem, parse_unit
from .base import building_orgs, org_ids
from .master_common import MasterHandler, changed, moves_of

DAILY = 1440


class BuildingHandler(MasterHandler):
    fact = "building"
    model = Building
    key = ("code",)
    org_fields = (("org_code", org_ids), ("code", building_orgs))

    def columns(self):
        return (
            "code",
            "org_id",
            "name_zh",
            "name_en",
            "use_type",
            "floor_area_m2",
            "heated_area_m2",
            "occupants",
            "year_built",
            "latitude",
            "longitude",
            "retired_on",
        )

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        self._old = self.stored(v["code"] for v in values)

    def build(self, v):
        org = self.resolve_code(self._orgs, v, "org_code", "unknown_org")
        old = self._old.get(v["code"])
        floor = self.number(v, "floor_area_m2", high=2_000_000.0)
        heated = self.number(v, "heated_area_m2", high=2_000_000.0) if self.given("heated_area_m2") else None
        if heated is None:
            heated = old.heated_area_m2 if old is not None and not self.given("heated_area_m2") else floor
        occupants = self.number(v, "occupants", high=100_000.0, integer=True) if self.given("occupants") else None
        year = self.number(v, "year_built", low=1800.0, high=2100.0, integer=True) if self.given("year_built") else None
        lat = self.number(v, "latitude", low=-90.0, high=90.0) if self.given("latitude") else None
        lon = self.number(v, "longitude", low=-180.0, high=180.0) if self.given("longitude") else None
        return {
            "code": v["code"],
            "org_id": org.id,
            "name_zh": v["name_zh"],
            "name_en": self.keep(v, "name_en", old, "name_en", v["name_zh"]) or v["name_zh"],
            "use_type": self.keep(v, "use_type", old, "use_type", "office") or "office",
            "floor_area_m2": floor,
            "heated_area_m2": heated,
            "occupants": occupants if self.given("occupants") else (old.occupants if old is not None else 0) or 0,
            "year_built": year if self.given("year_built") else (old.year_built if old is not None else None),
            "latitude": lat if self.given("latitude") else (old.latitude if old is not None else None),
            "longitude": lon if self.given("longitude") else (old.longitude if old is not None else None),
            "retired_on": self.keep(v, "retired_on", old, "retired_on", None),
        }

    def after_write(self, written, updates):
        moved = changed(updates, "org_id")
        if moved:
            moves_of(self.ctx).buildings.extend(moved)


class MeterHandler(MasterHandler):
    fact = "meter"
    model = Meter
    key = ("code",)
    org_fields = (("building_code", building_orgs),)

    def columns(self):
        return (
            "code",
            "building_id",
            "kind",
            "unit",
            "interval_minutes",
            "active",
            "reading_hour",
            "capacity_per_hour",
            "retired_on",
        )

    def prepare(self, values):
        self._buildings = self.buildings(v["building_code"] for v in values)
        self._old = self.stored(v["code"] for v in values)

    def has_readings(self, meter_id: int) -> bool:
        cache = self.ctx.cache.setdefault("meter_has_readings", {})
        if meter_id not in cache:
            found = self.ctx.conn.execute(
                select(MeterReading.ts).where(MeterReading.meter_id == meter_id).limit(1)
            ).first()
            cache[meter_id] = found is not None
        return cache[meter_id]

    def build(self, v):
        building = self.resolve_code(self._buildings, v, "building_code", "unknown_building")
        kind = v["kind"]
        interval = int(v["interval"])
        old = self._old.get(v["code"])
        canonical = METER_UNITS[kind]
        unit = canonical
        if v.get("unit"):
            got, factor = _unit(v["unit"], kind, self.header.header_of("unit"))
            if got != canonical or factor != 1.0:
                raise ValueProblem(
                    "unit_mismatch", unit=v["unit"], expected=canonical, column=self.header.header_of("unit")
                )
        hour = 0
        if self.given("reading_hour"):
            hour = self.number(v, "reading_hour", high=23.0, integer=True) or 0
        elif old is not None and interval == DAILY:
            hour = old.reading_hour
        if hour and interval < DAILY:
            raise ValueProblem(
                "reading_hour_not_daily",
                value=hour,
                interval=interval,
                column=self.column_of("reading_hour"),
            )
        capacity = (
            self.number(v, "capacity_per_hour")
            if self.given("capacity_per_hour")
            else (old.capacity_per_hour if old is not None else None)
        )
        retired = self.keep(v, "retired_on", old, "retired_on", None)
        if self.given("active"):
            active = v.get("active") != "no"
        elif old is None or (old.retired_on is not None and retired is None):
            active = True  # new, or brought back from retirement
        else:
            active = bool(old.active)
        if retired is not None:
            active = False
        changed = old is not None and (
            (old.kind, old.interval_minutes, old.reading_hour, old.building_id) != (kind, interval, hour, building.id)
        )
        if changed and self.has_readings(old.id):
            for before, after, column in (
                (old.kind, kind, "kind"),
                (old.interval_minutes, interval, "interval"),
                (old.reading_hour, hour, "reading_hour"),
            ):
                if before != after:
                    raise ValueProblem(
                        "meter_history_conflict",
                        code=v["code"],
                        field=self.column_of(column),
                        old=before,
                        new=after,
                        column=self.column_of(column),
                    )
        return {
            "code": v["code"],
            "building_id": building.id,
            "kind": kind,
            "unit": unit,
            "interval_minutes": interval,
            "active": active,
            "reading_hour": hour,
            "capacity_per_hour": capacity,
            "retired_on": retired,
        }

    def after_write(self, written, updates):
        moved = [m for m in changed(updates, "building_id") if self.has_readings(m[0])]
        if moved:
            moves_of(self.ctx).meters.extend(moved)


def _unit(text: str, kind: str, column: str) -> tuple[str, float]:
    try:
        return parse_unit(text, water=kind == "water")
    except ValueProblem as problem:
        raise ValueProblem(problem.code, column=column, **problem.params) from None
