"""Master data of space and quotas: office rooms (by building and room number), turnover-housing
units (by code), vehicle quotas (by unit and vehicle class) and annual energy quotas (by unit,
year and basis).

What each feeds: office rooms and housing units the housing state metrics (office area, vacant and
over-standard rooms; units, occupied units), vehicle quotas the fleet's ``vehicle.quota``; those
are refreshed for the orgs a batch touched (the row's org before and after). Energy quotas are
read by the energy page directly, so a batch only moves the energy data version on.

These tables carry no ``batch_id`` of their own; a row is written with it where the table has the
column. The batch itself (file, checksum, counts, quarantined rows) is recorded like any other.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, insert, select, update

from data.models import EnergyQuota, HousingUnit, OfficeRoom, OrgNode, VehicleQuota

from ..parsing import ValueProblem, clean_text, normalize_unit, parse_unit
from .base import Rejection, WriteResult, _chunks, _issue, _same, building_orgs, org_ids
from .master_common import MasterHandler

# Plausible ranges (a misplaced decimal point or a shifted column falls outside).
ROOM_AREA_MAX_M2 = 2000.0
UNIT_AREA_MAX_M2 = 500.0
UNIT_ROOMS_MAX = 10
QUOTA_APPROVED_MAX = 10_000
QUOTA_YEARS = (2000, 2100)
# Energy quota values by basis: the canonical unit, the units accepted for it (with their factor to
# the canonical one) and the largest plausible value.
QUOTA_UNITS = {
    "per_m2": ("kgce/m²", {"kgce/m2": 1.0, "kgce/m²": 1.0, "kgce/㎡": 1.0, "千克标准煤/平方米": 1.0}, 1_000.0),
    "per_person": ("kgce/person", {"kgce/人": 1.0, "kgce/person": 1.0, "千克标准煤/人": 1.0}, 100_000.0),
    "total": ("kgce", {"kgce": 1.0, "千克标准煤": 1.0, "tce": 1000.0, "吨标准煤": 1000.0}, 1e10),
}
QUOTA_VALUES = ("limit_value", "benchmark_value", "guide_value")


class SpaceHandler(MasterHandler):
    """Upsert by natural key, whether or not the table has an ``id`` or a ``batch_id``."""

    def write(self, records) -> WriteResult:
        result = WriteResult()
        table = self.model.__table__
        compare = self.compare_columns()
        # Keys this batch has written, across chunks (a table without batch_id cannot tell).
        written = self.ctx.cache.setdefault(f"{self.fact}:written", {})
        first: dict[tuple, object] = {}
        unique = []
        for rec in records:
            key = tuple(rec.values[k] for k in self.key)
            seen = first.get(key)
            if seen is None:
                first[key] = rec
                unique.append(rec)
            elif all(_same(seen.values.get(c), rec.values.get(c)) for c in compare):
                result.duplicates += 1
            else:
                result.rejections.append(
                    Rejection(rec.line, _issue("duplicate_in_file", first_line=seen.line), rec.row)
                )
        existing = self._existing(list(first))
        inserts, updates = [], []
        for rec in unique:
            key = tuple(rec.values[k] for k in self.key)
            old = existing.get(key)
            if old is not None and all(_same(getattr(old, c), rec.values.get(c)) for c in compare):
                result.duplicates += 1
            elif key in written:
                result.rejections.append(
                    Rejection(rec.line, _issue("duplicate_in_file", first_line=written[key]), rec.row)
                )
            elif old is None:
                inserts.append(rec)
            else:
                updates.append((old, rec))
        stamp = {"batch_id": self.ctx.batch_id} if "batch_id" in table.c else {}
        if inserts:
            self.ctx.conn.execute(insert(table), [{**rec.values, **stamp} for rec in inserts])
        if updates:
            where = and_(*(table.c[k] == bindparam(f"_key_{k}") for k in self.key))
            values = {c: bindparam(c) for c in compare} | {k: bindparam(k) for k in stamp}
            self.ctx.conn.execute(
                update(table).where(where).values(values),
                [
                    {**{f"_key_{k}": getattr(old, k) for k in self.key}, **{c: rec.values[c] for c in compare}, **stamp}
                    for old, rec in updates
                ],
            )
        for rec in inserts + [rec for _old, rec in updates]:
            written[tuple(rec.values[k] for k in self.key)] = rec.line
        result.accepted = len(inserts) + len(updates)
        self.after_write([rec.values for rec in inserts + [r for _o, r in updates]], updates)
        return result

    def _existing(self, keys: list[tuple]) -> dict:
        """The stored rows of ``keys``, by key (queried by the key's first column)."""
        table = self.model.__table__
        wanted = set(keys)
        out = {}
        for part in _chunks(sorted({k[0] for k in keys})):
            for row in self.ctx.conn.execute(select(table).where(table.c[self.key[0]].in_(part))):
                key = tuple(getattr(row, k) for k in self.key)
                if key in wanted:
                    out[key] = row
        return out

    # -- values
    def org(self, v: dict):
        return self.resolve_code(self._orgs, v, "org_code", "unknown_org")

    def area(self, v: dict, name: str, high: float) -> float:
        """An area in m² (a unit written in the cell or the header must be one of m²), > 0."""
        value, unit = v[name]
        column = self.header.header_of(name)
        unit = unit or self.header.unit_hints.get(name)
        if unit:
            got, factor = _parse_unit(unit, column)
            if got != "m2":
                raise ValueProblem("unit_mismatch", unit=unit, expected="m²", column=column)
            value *= factor
        if value <= 0 or value > high:
            raise ValueProblem("value_out_of_range", value=f"{value:g}", min=0, max=high, column=column)
        return value


def _parse_unit(unit: str, column: str):
    try:
        return parse_unit(unit)
    except ValueProblem as problem:
        raise ValueProblem(problem.code, column=column, **problem.params) from None


class OfficeRoomHandler(SpaceHandler):
    fact = "office_room"
    model = OfficeRoom
    key = ("building_id", "room_no")
    org_fields = (("org_code", org_ids), ("building_code", building_orgs))

    def columns(self):
        return ("building_id", "room_no", "org_id", "usable_area_m2", "purpose")

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        self._buildings = self.buildings(v["building_code"] for v in values)
        keys = {
            (self._buildings[v["building_code"]].id, v["room_no"])
            for v in values
            if self._buildings.get(v["building_code"])
        }
        self._old = self._existing(sorted(keys))

    def build(self, v):
        building = self.resolve_code(self._buildings, v, "building_code", "unknown_building")
        org = self.org(v)
        old = self._old.get((building.id, v["room_no"]))
        return {
            "building_id": building.id,
            "room_no": v["room_no"],
            "org_id": org.id,
            "usable_area_m2": self.area(v, "usable_area_m2", ROOM_AREA_MAX_M2),
            "purpose": self.keep(v, "purpose", old, "purpose", "office"),
        }

    def after_write(self, written, updates):
        self.note_state("housing", written, updates)


class HousingUnitHandler(SpaceHandler):
    fact = "housing_unit"
    model = HousingUnit
    key = ("code",)
    org_fields = (("org_code", org_ids), ("building_code", building_orgs))

    def columns(self):
        return ("code", "org_id", "building_id", "area_m2", "rooms", "monthly_rent_yuan", "status")

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        self._buildings = self.buildings(v["building_code"] for v in values if v.get("building_code"))
        self._old = self._existing([(v["code"],) for v in values])

    def build(self, v):
        org = self.org(v)
        old = self._old.get((v["code"],))
        if self.given("building_code"):
            building_id = None
            if v.get("building_code"):
                building_id = self.resolve_code(self._buildings, v, "building_code", "unknown_building").id
        else:  # a file without the column keeps the stored building
            building_id = old.building_id if old is not None else None
        return {
            "code": v["code"],
            "org_id": org.id,
            "building_id": building_id,
            "area_m2": self.area(v, "area_m2", UNIT_AREA_MAX_M2),
            "rooms": self.number(v, "rooms", low=1, high=UNIT_ROOMS_MAX, integer=True),
            "monthly_rent_yuan": v["monthly_rent_yuan"],  # yuan, 0 … 100 000: checked by field (base.FIELD_UNITS)
            "status": self.keep(v, "status", old, "status", "available"),
        }

    def after_write(self, written, updates):
        self.note_state("housing", written, updates)


class VehicleQuotaHandler(SpaceHandler):
    fact = "vehicle_quota"
    model = VehicleQuota
    key = ("org_id", "vehicle_class")
    org_fields = (("org_code", org_ids),)

    def columns(self):
        return ("org_id", "vehicle_class", "approved")

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        self._levels = {}
        ids = [o.id for o in self._orgs.values() if o is not None]
        for part in _chunks(ids):
            self._levels.update(
                self.ctx.conn.execute(select(OrgNode.id, OrgNode.level).where(OrgNode.id.in_(part))).all()
            )

    def build(self, v):
        org = self.org(v)
        level = self._levels.get(org.id)
        if level != "agency":
            # The fleet roll-up adds a node's quota to its region's: a region's own quota would count twice.
            raise ValueProblem(
                "org_not_agency", code=v["org_code"], level=level, column=self.header.header_of("org_code")
            )
        return {
            "org_id": org.id,
            "vehicle_class": v["vehicle_class"],
            "approved": self.number(v, "approved", low=0, high=QUOTA_APPROVED_MAX, integer=True),
        }

    def after_write(self, written, updates):
        self.note_state("vehicle", written, updates)


class EnergyQuotaHandler(SpaceHandler):
    fact = "energy_quota"
    model = EnergyQuota
    key = ("org_id", "year", "basis")
    org_fields = (("org_code", org_ids),)

    def columns(self):
        return ("org_id", "year", "basis", "limit_value", "benchmark_value", "guide_value", "source")

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)

    def build(self, v):
        org = self.org(v)
        year = self.number(v, "year", low=QUOTA_YEARS[0], high=QUOTA_YEARS[1], integer=True)
        limit, benchmark, guide = (self.quota_value(v, name) for name in QUOTA_VALUES)
        if not guide <= benchmark <= limit:
            raise ValueProblem(
                "quota_order",
                limit=f"{limit:g}",
                benchmark=f"{benchmark:g}",
                guide=f"{guide:g}",
                column=self.header.header_of("benchmark_value"),
            )
        source = v.get("source") or self.ctx.source_name
        return {
            "org_id": org.id,
            "year": year,
            "basis": v["basis"],
            "limit_value": limit,
            "benchmark_value": benchmark,
            "guide_value": guide,
            "source": clean_text(source)[:255],
        }

    def quota_value(self, v: dict, name: str) -> float:
        """A quota tier in the basis's unit (kgce/m², kgce/person or kgce; tce converted), > 0."""
        value, unit = v[name]
        column = self.header.header_of(name)
        canonical, accepted, high = QUOTA_UNITS[v["basis"]]
        unit = unit or self.header.unit_hints.get(name)
        if unit:
            factor = {normalize_unit(k): f for k, f in accepted.items()}.get(normalize_unit(unit))
            if factor is None:
                raise ValueProblem("unit_mismatch", unit=unit, expected=canonical, column=column)
            value *= factor
        if value <= 0 or value > high:
            raise ValueProblem("value_out_of_range", value=f"{value:g}", min=0, max=high, column=column)
        return value

    def after_write(self, written, updates):
        # Read by the energy page as they are stored: no roll-up to refresh, only the version.
        from data.rollup import bump_data_version

        if written:
            bump_data_version(self.ctx.conn, ("energy",))
