"""Vehicles: trips, refuels and charges, maintenance. Each names its vehicle by plate; the vehicle
roll-ups of the local days a record touches are refreshed after the batch."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data.calendar import month_start
from data.models import FuelRecord, MaintenanceRecord, Trip, TripRequest

from ..parsing import ValueProblem, parse_unit
from .base import FIELD_MAX, Handler, local_text, vehicle_orgs


class _VehicleHandler(Handler):
    org_fields = (("plate", vehicle_orgs),)

    def prepare(self, values: list[dict]) -> None:
        self._vehicles = self.vehicles(v["plate"].upper() for v in values if v.get("plate"))

    provenance_key = ""

    def vehicle(self, values: dict):
        plate = values["plate"].upper()
        row = self._vehicles.get(plate)
        if row is None:
            raise ValueProblem("unknown_vehicle", plate=values["plate"], column=self.header.header_of("plate"))
        self.ctx.cache.setdefault("vehicle_org", {})[row.id] = row.org_id
        return row

    def note_vehicle(self, vehicle_id: int, *days: dt.date) -> None:
        aff = self.ctx.affected
        aff.vehicles.add(vehicle_id)
        for day in days:
            aff.span_day(day)
        org_id = self.ctx.cache.get("vehicle_org", {}).get(vehicle_id)
        aff.count(self.provenance_key, org_id, month_start(days[0]))


class TripHandler(_VehicleHandler):
    fact = "trip"
    provenance_key = "trip"
    model = Trip
    key = ("vehicle_id", "start_ts")

    def columns(self):
        return ("vehicle_id", "start_ts", "end_ts", "km", "request_id", "purpose", "driver_name")

    def prepare(self, values):
        super().prepare(values)
        codes = [v.get("request_code") for v in values if v.get("request_code")]

        def query(part):
            return [
                (r.code, r)
                for r in self.ctx.conn.execute(
                    select(TripRequest.code, TripRequest.id).where(TripRequest.code.in_(part))
                )
            ]

        self._requests = self.lookup("trip_request", codes, query)

    def build(self, v):
        vehicle = self.vehicle(v)
        if v["end_ts"] <= v["start_ts"]:
            raise ValueProblem(
                "end_before_start",
                start=local_text(v["start_ts"], self.ctx),
                end=local_text(v["end_ts"], self.ctx),
                column=self.header.header_of("end_ts"),
            )
        request_id = None
        if v.get("request_code"):
            request_id = self.resolve_code(self._requests, v, "request_code", "unknown_request").id
        return {
            "vehicle_id": vehicle.id,
            "start_ts": v["start_ts"],
            "end_ts": v["end_ts"],
            "km": v["km"],
            "request_id": request_id,
            "purpose": v.get("purpose") or None,
            "driver_name": v.get("driver_name") or None,
        }

    def after_write(self, written, updates):
        for v in written:
            self.note_vehicle(v["vehicle_id"], self.ctx.local_day(v["start_ts"]), self.ctx.local_day(v["end_ts"]))
        for old, _rec in updates:
            self.note_vehicle(old.vehicle_id, self.ctx.local_day(old.start_ts), self.ctx.local_day(old.end_ts))


class FuelHandler(_VehicleHandler):
    fact = "fuel"
    provenance_key = "fuel_record"
    model = FuelRecord
    key = ("vehicle_id", "ts")

    def columns(self):
        return ("vehicle_id", "ts", "kind", "quantity", "unit", "cost_yuan", "odometer_km")

    def build(self, v):
        vehicle = self.vehicle(v)
        quantity, inline_unit = v["quantity"]
        column = self.header.header_of("quantity")
        if "unit" in self.header.positions:
            # The file has a unit column: a blank cell there is a missing unit, not L or kWh.
            if not inline_unit and v.get("unit") is None:
                raise ValueProblem("missing_value", column=self.header.header_of("unit"))
            unit_text = inline_unit or v.get("unit")
        else:
            unit_text = inline_unit or self.header.unit_hints.get("quantity")
        canonical = factor = None
        if unit_text:
            canonical, factor = parse_unit(unit_text)
            if canonical not in ("L", "kWh"):
                raise ValueProblem("unit_mismatch", unit=unit_text, expected="L / kWh", column=column)
        kind = v.get("kind")
        if kind is None:
            if canonical:
                kind = "fuel" if canonical == "L" else "charge"
            elif vehicle.energy_type in ("petrol", "diesel"):
                kind = "fuel"
            elif vehicle.energy_type == "electric":
                kind = "charge"
            else:
                raise ValueProblem(
                    "missing_value", column=self.header.header_of("kind") if "kind" in self.header.positions else column
                )
        expected = "L" if kind == "fuel" else "kWh"
        if canonical and canonical != expected:
            raise ValueProblem("unit_mismatch", unit=unit_text, expected=expected, column=column)
        quantity *= factor or 1.0
        if quantity < 0:
            raise ValueProblem("negative_value", value=str(v["quantity"][0]), column=column)
        if quantity > FIELD_MAX["quantity"]:
            raise ValueProblem(
                "value_out_of_range", value=str(v["quantity"][0]), min=0, max=FIELD_MAX["quantity"], column=column
            )
        return {
            "vehicle_id": vehicle.id,
            "ts": v["ts"],
            "kind": kind,
            "quantity": quantity,
            "unit": expected,
            "cost_yuan": v["cost_yuan"],
            "odometer_km": v.get("odometer_km"),
        }

    def after_write(self, written, updates):
        for v in written:
            self.note_vehicle(v["vehicle_id"], self.ctx.local_day(v["ts"]))
        for old, _rec in updates:
            self.note_vehicle(old.vehicle_id, self.ctx.local_day(old.ts))


class MaintenanceHandler(_VehicleHandler):
    fact = "maintenance"
    provenance_key = "maintenance_record"
    model = MaintenanceRecord
    key = ("vehicle_id", "performed_on", "kind")

    def columns(self):
        return ("vehicle_id", "performed_on", "kind", "cost_yuan", "odometer_km", "next_due_on")

    def build(self, v):
        vehicle = self.vehicle(v)
        return {
            "vehicle_id": vehicle.id,
            "performed_on": v["performed_on"],
            "kind": v["kind"],
            "cost_yuan": v["cost_yuan"],
            "odometer_km": v.get("odometer_km"),
            "next_due_on": v.get("next_due_on"),
        }

    def after_write(self, written, updates):
        for v in written:
            self.note_vehicle(v["vehicle_id"], v["performed_on"])
        for old, _rec in updates:
            self.note_vehicle(old.vehicle_id, old.performed_on)
