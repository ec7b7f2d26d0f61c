"""Housing: who occupies which office room (checked against the space standard of their rank) and
the leases of staff housing units."""

from __future__ import annotations

from sqlalchemy import select

from data.import_formats import normalize_header
from data.models import HousingUnit, Lease, OfficeOccupancy, OfficeRoom, OrgNode

from ..parsing import ValueProblem
from .base import Handler, building_orgs, org_ids


def unit_orgs(handler: Handler, codes: list[str]) -> dict:
    """Org ids of the housing units named by ``codes`` (for ``Handler.org_fields``)."""

    def query(part):
        return handler.ctx.conn.execute(
            select(HousingUnit.code, HousingUnit.org_id).where(HousingUnit.code.in_(part))
        ).tuples()

    found = handler.lookup("unit_org", codes, query)
    return {c: found[c] for c in codes if found.get(c) is not None}


class OfficeOccupancyHandler(Handler):
    fact = "office_occupancy"
    org_fields = (("building_code", building_orgs),)  # the building's org: the room may not be known
    model = OfficeOccupancy
    key = ("room_id", "staff_no", "since")

    def columns(self):
        return ("room_id", "staff_no", "person_name", "rank_code", "since", "until")

    def prepare(self, values):
        self._buildings = self.buildings(v["building_code"] for v in values)
        wanted = {(v["building_code"], v["room_no"]) for v in values}

        def query(part):
            building_ids = {self._buildings[b].id: b for b, _r in part if self._buildings.get(b) is not None}
            if not building_ids:
                return []
            rooms = {r for _b, r in part}
            stmt = (
                select(
                    OfficeRoom.building_id, OfficeRoom.room_no, OfficeRoom.id, OfficeRoom.org_id, OrgNode.admin_level
                )
                .join(OrgNode, OrgNode.id == OfficeRoom.org_id)
                .where(OfficeRoom.building_id.in_(list(building_ids)), OfficeRoom.room_no.in_(list(rooms)))
            )
            return [((building_ids[r.building_id], r.room_no), r) for r in self.ctx.conn.execute(stmt)]

        self._rooms = self.lookup("office_room", wanted, query)
        self._ranks = self.space_ranks()

    def build(self, v):
        self.resolve_code(self._buildings, v, "building_code", "unknown_building")
        room = self._rooms.get((v["building_code"], v["room_no"]))
        if room is None:
            raise ValueProblem(
                "unknown_room", building=v["building_code"], room=v["room_no"], column=self.header.header_of("room_no")
            )
        level = self._ranks.get(room.admin_level, {})
        rank = level.get(normalize_header(v["rank_code"]))
        if rank is None:
            raise ValueProblem(
                "unknown_code",
                column=self.header.header_of("rank_code"),
                value=v["rank_code"],
                allowed=" / ".join(sorted(set(level.values()))),
            )
        if v.get("until") and v["until"] < v["since"]:
            raise ValueProblem(
                "end_before_start",
                start=v["since"].isoformat(),
                end=v["until"].isoformat(),
                column=self.header.header_of("until"),
            )
        self._room_orgs = getattr(self, "_room_orgs", {})
        self._room_orgs[room.id] = room.org_id
        return {
            "room_id": room.id,
            "staff_no": v["staff_no"],
            "person_name": v["person_name"],
            "rank_code": rank,
            "since": v["since"],
            "until": v.get("until"),
        }

    def after_write(self, written, updates):
        aff = self.ctx.affected
        aff.state_domains.add("housing")
        orgs = getattr(self, "_room_orgs", {})
        aff.state_orgs.update(orgs[v["room_id"]] for v in written if v["room_id"] in orgs)
        aff.state_orgs.update(orgs.get(old.room_id) for old, _rec in updates if old.room_id in orgs)
        month = self.ctx.calendar.local_month(self.ctx.now)
        for v in written:
            aff.count("office_occupancy", orgs.get(v["room_id"]), month)


class LeaseHandler(Handler):
    fact = "lease"
    org_fields = (("unit_code", unit_orgs), ("tenant_org_code", org_ids))
    model = Lease
    key = ("unit_id", "starts_on")

    def columns(self):
        return (
            "unit_id",
            "tenant_name",
            "tenant_phone",
            "tenant_id_number",
            "tenant_org_id",
            "starts_on",
            "ends_on",
            "moved_out_on",
            "monthly_rent_yuan",
            "arrears_yuan",
        )

    def prepare(self, values):
        def query(part):
            stmt = select(HousingUnit.code, HousingUnit.id, HousingUnit.org_id).where(HousingUnit.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]

        self._units = self.lookup("housing_unit", (v["unit_code"] for v in values), query)
        self._orgs = self.orgs(v.get("tenant_org_code") for v in values if v.get("tenant_org_code"))

    def build(self, v):
        unit = self.resolve_code(self._units, v, "unit_code", "unknown_housing_unit")
        org_id = None
        if v.get("tenant_org_code"):
            org_id = self.resolve_code(self._orgs, v, "tenant_org_code", "unknown_org").id
        if v["ends_on"] < v["starts_on"]:
            raise ValueProblem(
                "end_before_start",
                start=v["starts_on"].isoformat(),
                end=v["ends_on"].isoformat(),
                column=self.header.header_of("ends_on"),
            )
        self._unit_orgs = getattr(self, "_unit_orgs", {})
        self._unit_orgs[unit.id] = unit.org_id
        return {
            "unit_id": unit.id,
            "tenant_name": v["tenant_name"],
            "tenant_phone": v.get("tenant_phone") or None,
            "tenant_id_number": v.get("tenant_id_number") or None,
            "tenant_org_id": org_id,
            "starts_on": v["starts_on"],
            "ends_on": v["ends_on"],
            "moved_out_on": v.get("moved_out_on"),
            "monthly_rent_yuan": v["monthly_rent_yuan"],
            "arrears_yuan": v.get("arrears_yuan") or 0.0,
        }

    def after_write(self, written, updates):
        aff = self.ctx.affected
        aff.state_domains.add("housing")
        orgs = getattr(self, "_unit_orgs", {})
        aff.state_orgs.update(orgs[v["unit_id"]] for v in written if v["unit_id"] in orgs)
        aff.state_orgs.update(orgs[old.unit_id] for old, _rec in updates if old.unit_id in orgs)
        month = self.ctx.calendar.local_month(self.ctx.now)
        for v in written:
            aff.count("lease", orgs.get(v["unit_id"]), month)
