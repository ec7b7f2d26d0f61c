"""Which metrics the roll-ups hold, which fact table feeds which metric, and the thresholds
their definitions use (night hours, working hours, audit and lease horizons): see the package
docstring for the definitions themselves."""

from __future__ import annotations

from types import MappingProxyType

from ..catalog import DOMAINS, METRICS

NIGHT_FROM_HOUR = 22  # local night is [22:00, 06:00)
NIGHT_TO_HOUR = 6
WORK_FROM_HOUR = 8  # local working hours are [08:00, 18:00) on working days
WORK_TO_HOUR = 18
AUDIT_OVERDUE_DAYS = 365
EXPIRING_WITHIN_DAYS = 90
#: The lease horizons counted as states: ``housing.expiring_<days>d``, leases ending within [t, t + days].
EXPIRING_HORIZONS = (30, 60, EXPIRING_WITHIN_DAYS)

ENERGY_FLOW_METRICS = (
    "energy.electricity_kwh",
    "energy.night_electricity_kwh",
    "energy.offday_electricity_kwh",
    "energy.water_m3",
    "energy.gas_m3",
    "energy.heat_gj",
)
METER_KIND_METRIC = MappingProxyType(
    {
        "electricity": "energy.electricity_kwh",
        "water": "energy.water_m3",
        "gas": "energy.gas_m3",
        "heat": "energy.heat_gj",
    }
)
PROFILE_METRIC = "energy.electricity_kwh"
VEHICLE_FLOW_METRICS = (
    "vehicle.trips",
    "vehicle.km",
    "vehicle.offhours_trips",
    "vehicle.unrequested_trips",
    "vehicle.used_vehicle_days",
    "vehicle.fuel_l",
    "vehicle.charge_kwh",
    "vehicle.energy_cost_yuan",
    "vehicle.maintenance_cost_yuan",
)
ASSET_FLOW_METRICS = (
    "asset.redeployed_count",
    "asset.redeploy_saved_yuan",
    "asset.warehouse_inflow_count",
    "asset.disposed_count",
    "asset.disposed_value_yuan",
)
STATE_DOMAINS = tuple(d for d in DOMAINS if any(m.domain == d and m.kind == "state" for m in METRICS))
STATE_METRICS = MappingProxyType(
    {domain: tuple(m.id for m in METRICS if m.domain == domain and m.kind == "state") for domain in STATE_DOMAINS}
)
# Which metrics a fact table feeds: rollup_provenance is keyed on these.
FACT_METRICS = MappingProxyType(
    {
        "meter_reading:electricity": (
            "energy.electricity_kwh",
            "energy.night_electricity_kwh",
            "energy.offday_electricity_kwh",
        ),
        "meter_reading:water": ("energy.water_m3",),
        "meter_reading:gas": ("energy.gas_m3",),
        "meter_reading:heat": ("energy.heat_gj",),
        "trip": (
            "vehicle.trips",
            "vehicle.km",
            "vehicle.offhours_trips",
            "vehicle.unrequested_trips",
            "vehicle.used_vehicle_days",
        ),
        "fuel_record": ("vehicle.fuel_l", "vehicle.charge_kwh", "vehicle.energy_cost_yuan"),
        "maintenance_record": ("vehicle.maintenance_cost_yuan",),
        "asset": STATE_METRICS["asset"],
        "asset_movement": ASSET_FLOW_METRICS,
        "office_occupancy": (
            "housing.office_occupants",
            "housing.over_standard_rooms",
            "housing.over_standard_area_m2",
            "housing.vacant_rooms",
        ),
        "lease": (
            "housing.occupied_units",
            "housing.expiring_30d",
            "housing.expiring_60d",
            "housing.expiring_90d",
            "housing.overstaying",
            "housing.arrears_yuan",
        ),
    }
)
