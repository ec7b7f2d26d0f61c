"""Vehicles (the vehicle register, by plate) and staff (by staff number, with their rank).

A vehicle that moves to another org takes its trips, fuel and maintenance along: its org
roll-ups are rebuilt after the batch (``master_moves``). A disposed vehicle (``retired_on``, 处置日期)
gets the status ``disposed`` and keeps its history. A staff member's rank is a rank of the
office-space standard of their org's admin level (code or Chinese name, as in
``data.reference.OFFICE_SPACE_STANDARDS``).
"""

from __future__ import annotations

from data.import_formats import normalize_header
from data.models import StaffMember, Vehicle

from ..parsing import ValueProblem
from .base import org_ids, vehicle_orgs
from .master_common import MasterHandler, changed, moves_of


class VehicleHandler(MasterHandler):
    fact = "vehicle"
    model = Vehicle
    key = ("plate",)
    org_fields = (("org_code", org_ids), ("plate", vehicle_orgs))

    def columns(self):
        return (
            "plate",
            "org_id",
            "vehicle_class",
            "energy_type",
            "model",
            "rated_consumption",
            "acquired_on",
            "status",
            "driver_name",
            "driver_phone",
            "driver_id_number",
            "retired_on",
        )

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        self._old = self.stored(v["plate"] for v in values)

    def build(self, v):
        org = self.resolve_code(self._orgs, v, "org_code", "unknown_org")
        old = self._old.get(v["plate"])
        retired = self.keep(v, "retired_on", old, "retired_on", None)
        status = self.keep(v, "status", old, "status", "in_service")
        if retired is not None:
            status = "disposed"
        elif status == "disposed" and not self.given("status"):
            status = "in_service"  # the disposal date was cleared: back in service
        personal = {
            name: self.keep(v, name, old, name, None) or None
            for name in ("driver_name", "driver_phone", "driver_id_number")
        }
        return {
            "plate": v["plate"],
            "org_id": org.id,
            "vehicle_class": v["vehicle_class"],
            "energy_type": v["energy_type"],
            "model": self.keep(v, "model", old, "model", "") or "",
            "rated_consumption": self.number(v, "rated_consumption", high=200.0),
            "acquired_on": v["acquired_on"],
            "status": status,
            **personal,
            "retired_on": retired,
        }

    def after_write(self, written, updates):
        self.note_state("vehicle", written, updates)
        moved = changed(updates, "org_id")
        if moved:
            moves_of(self.ctx).vehicles.extend(moved)


class StaffHandler(MasterHandler):
    fact = "staff"
    model = StaffMember
    key = ("staff_no",)
    org_fields = (("org_code", org_ids),)

    def columns(self):
        return ("staff_no", "org_id", "person_name", "person_phone", "person_id_number", "rank_code", "left_on")

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        self._old = self.stored(v["staff_no"] for v in values)
        self._ranks = self.space_ranks()

    def build(self, v):
        org = self.resolve_code(self._orgs, v, "org_code", "unknown_org")
        old = self._old.get(v["staff_no"])
        level = self._ranks.get(org.admin_level, {})
        rank = level.get(normalize_header(v["rank_code"]))
        if rank is None:
            raise ValueProblem(
                "unknown_rank",
                column=self.header.header_of("rank_code"),
                value=v["rank_code"],
                admin_level=org.admin_level,
                allowed=" / ".join(sorted(set(level.values()))),
            )
        return {
            "staff_no": v["staff_no"],
            "org_id": org.id,
            "person_name": v["person_name"],
            "person_phone": self.keep(v, "person_phone", old, "person_phone", None) or None,
            "person_id_number": self.keep(v, "person_id_number", old, "person_id_number", None) or None,
            "rank_code": rank,
            "left_on": self.keep(v, "left_on", old, "left_on", None),
        }
