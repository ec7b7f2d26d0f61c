"""The anomalies the demo generator injects on purpose, so alert rules can be tested to find
exactly these and nothing else.

``injected_anomalies(tier)`` lists them with the codes of the entities involved (the same for
every seed, since codes come from the tier's fixed structure). Outside these entities the data is
generated clean: no other building has a night-load step, no other vehicle makes off-hours trips
without a request, no other office exceeds its standard, no other tenant overstays, no other asset
has been idle for more than a year, no other source is stale, every other vehicle's fuel matches
its mileage within ±15 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from .structure import Structure, build_structure
from .tiers import get_tier

NIGHT_LEAK = "night_load_leak"
WEEKEND_VEHICLE = "weekend_vehicle_use"
OVER_STANDARD_OFFICE = "over_standard_office"
OVERSTAYING_TENANT = "overstaying_tenant"
IDLE_ASSETS = "idle_assets"
STALE_SOURCE = "stale_source"
FUEL_MISMATCH = "fuel_mileage_mismatch"
ANOMALY_KINDS = (
    NIGHT_LEAK,
    WEEKEND_VEHICLE,
    OVER_STANDARD_OFFICE,
    OVERSTAYING_TENANT,
    IDLE_ASSETS,
    STALE_SOURCE,
    FUEL_MISMATCH,
)


@dataclass(frozen=True)
class InjectedAnomaly:
    """One injected anomaly: what it is, which entities (by code) and which metrics show it."""

    kind: str
    entity_kind: str  # building | vehicle | room | housing_unit | asset | source
    entity_codes: tuple[str, ...]
    org_code: str  # the org node the entities belong to
    metric_ids: tuple[str, ...]
    window_days: int  # how many days before as_of the anomaly starts (0: not time-bound)
    summary_en: str
    summary_zh: str


@dataclass(frozen=True)
class AnomalyPlan:
    """Where and how strongly the generator injects each anomaly (entity ids of the structure)."""

    night_leak_building_id: int
    night_leak_days: int
    night_leak_extra: float  # extra night load as a fraction of the building's peak load
    stale_source_code: str
    stale_org_id: int
    stale_building_ids: tuple[int, ...]
    stale_days: int  # the gateway's meters stop this many days before as_of
    weekend_vehicle_id: int
    weekend_weeks: int
    fuel_mismatch_vehicle_id: int
    fuel_mismatch_days: int
    fuel_mismatch_factor: float
    over_standard_org_id: int
    over_standard_building_id: int
    over_standard_room_no: str
    over_standard_rank: str
    over_standard_area_m2: float
    overstaying_unit_id: int
    overstaying_days: int
    idle_asset_ids: tuple[int, ...]
    idle_since_days: int


def plan_anomalies(structure: Structure) -> AnomalyPlan:
    province = structure.region_code("province", 0)
    first_city = structure.region_code("city", 0)
    first_county = structure.region_code("county", 0)
    last_county = structure.region_code("county", -1)
    orgs = structure.orgs
    stale_org = int(orgs.loc[orgs["code"] == last_county, "id"].iloc[0])
    stale_agencies = orgs.loc[orgs["parent_id"] == stale_org, "id"]
    stale_buildings = structure.buildings.loc[structure.buildings["org_id"].isin(stale_agencies), "id"]

    def first_vehicle(org_id: int) -> int:
        return int(structure.vehicles.loc[structure.vehicles["org_id"] == org_id, "id"].min())

    idle_org = structure.agency_id(first_county, "affairs")
    finance = structure.agency_id(province, "finance")
    housing_owner = structure.agency_id(province, "affairs")
    units = structure.housing_units.loc[structure.housing_units["org_id"] == housing_owner, "id"].sort_values()
    return AnomalyPlan(
        night_leak_building_id=structure.main_building_id(structure.agency_id(province, "education")),
        night_leak_days=21,
        night_leak_extra=0.9,
        stale_source_code=f"demo.energy.gateway.{last_county}",
        stale_org_id=stale_org,
        stale_building_ids=tuple(int(b) for b in stale_buildings),
        stale_days=3,
        weekend_vehicle_id=first_vehicle(structure.agency_id(first_city, "finance")),
        weekend_weeks=8,
        fuel_mismatch_vehicle_id=first_vehicle(structure.agency_id(province, "development")),
        fuel_mismatch_days=90,
        fuel_mismatch_factor=1.85,
        over_standard_org_id=finance,
        over_standard_building_id=structure.main_building_id(finance),
        over_standard_room_no="A-501",
        over_standard_rank="division_head",
        over_standard_area_m2=46.0,
        overstaying_unit_id=int(units.iloc[2]),
        overstaying_days=75,
        idle_asset_ids=tuple(
            int(a) for a in structure.assets.loc[structure.assets["org_id"] == idle_org, "id"].iloc[:12]
        ),
        idle_since_days=430,
    )


def describe(plan: AnomalyPlan, structure: Structure) -> tuple[InjectedAnomaly, ...]:
    code = structure.code_of
    org_of = dict(zip(structure.orgs["id"], structure.orgs["code"]))
    building_org = dict(zip(structure.buildings["id"], structure.buildings["org_id"]))
    vehicle_org = dict(zip(structure.vehicles["id"], structure.vehicles["org_id"]))
    unit_org = dict(zip(structure.housing_units["id"], structure.housing_units["org_id"]))
    asset_org = dict(zip(structure.assets["id"], structure.assets["org_id"]))
    leak = plan.night_leak_building_id
    return (
        InjectedAnomaly(
            NIGHT_LEAK,
            "building",
            (code("building", leak),),
            org_of[building_org[leak]],
            ("energy.night_electricity_kwh", "energy.electricity_kwh", "energy.night_share"),
            plan.night_leak_days,
            f"Night load (22:00–06:00) up by {plan.night_leak_extra:.0%} of peak load every night for the last "
            f"{plan.night_leak_days} days; night share of electricity roughly doubles.",
            f"最近{plan.night_leak_days}天每晚（22:00–06:00）负荷增加峰值负荷的{plan.night_leak_extra:.0%}，夜间用电占比约翻倍。",
        ),
        InjectedAnomaly(
            WEEKEND_VEHICLE,
            "vehicle",
            (code("vehicle", plan.weekend_vehicle_id),),
            org_of[vehicle_org[plan.weekend_vehicle_id]],
            ("vehicle.offhours_trips", "vehicle.unrequested_trips"),
            plan.weekend_weeks * 7,
            f"A general-duty car driven on one or both days of each of the last {plan.weekend_weeks} weekends, "
            "with no approved request; no other vehicle has off-hours trips without a request.",
            f"一辆一般公务用车最近{plan.weekend_weeks}个周末均有出车且无审批；其他车辆没有无审批的非工作时间出车。",
        ),
        InjectedAnomaly(
            FUEL_MISMATCH,
            "vehicle",
            (code("vehicle", plan.fuel_mismatch_vehicle_id),),
            org_of[vehicle_org[plan.fuel_mismatch_vehicle_id]],
            ("vehicle.fuel_l", "vehicle.km"),
            plan.fuel_mismatch_days,
            f"Refuelling in the last {plan.fuel_mismatch_days} days is {plan.fuel_mismatch_factor:.2f}× what the mileage "
            "and rated consumption explain (every other vehicle: within ±15 %).",
            f"最近{plan.fuel_mismatch_days}天加油量为里程×额定油耗的{plan.fuel_mismatch_factor:.2f}倍（其他车辆偏差在±15%以内）。",
        ),
        InjectedAnomaly(
            OVER_STANDARD_OFFICE,
            "room",
            (f"{code('building', plan.over_standard_building_id)}/{plan.over_standard_room_no}",),
            org_of[plan.over_standard_org_id],
            ("housing.over_standard_rooms", "housing.over_standard_area_m2"),
            0,
            f"One division head (处级正职, limit 18 m²) alone in a {plan.over_standard_area_m2:.0f} m² office.",
            f"一名处级正职（标准18平方米）单独使用{plan.over_standard_area_m2:.0f}平方米办公室。",
        ),
        InjectedAnomaly(
            OVERSTAYING_TENANT,
            "housing_unit",
            (code("housing_unit", plan.overstaying_unit_id),),
            org_of[unit_org[plan.overstaying_unit_id]],
            ("housing.overstaying",),
            plan.overstaying_days,
            f"The lease ended {plan.overstaying_days} days before as_of and the tenant has not moved out "
            "(every other ended lease was vacated on or before its end).",
            f"租约已于{plan.overstaying_days}天前到期，承租人仍未腾退（其他到期租约均按期腾退）。",
        ),
        InjectedAnomaly(
            IDLE_ASSETS,
            "asset",
            tuple(code("asset", a) for a in plan.idle_asset_ids),
            org_of[asset_org[plan.idle_asset_ids[0]]],
            ("asset.idle_count",),
            plan.idle_since_days,
            f"{len(plan.idle_asset_ids)} assets idle since {plan.idle_since_days} days before as_of "
            "(every other idle asset has been idle for less than 300 days).",
            f"{len(plan.idle_asset_ids)}件资产自{plan.idle_since_days}天前起闲置（其他闲置资产均不足300天）。",
        ),
        InjectedAnomaly(
            STALE_SOURCE,
            "source",
            (plan.stale_source_code,),
            org_of[plan.stale_org_id],
            (),
            plan.stale_days,
            f"The county's energy gateway delivered its last batch {plan.stale_days} days before as_of; its meters "
            f"({len(plan.stale_building_ids)} buildings) have no readings since.",
            f"该县能耗采集网关{plan.stale_days}天前最后一次上报，其下{len(plan.stale_building_ids)}栋建筑的表计此后无读数。",
        ),
    )


def injected_anomalies(tier: str = "small") -> tuple[InjectedAnomaly, ...]:
    """The anomalies a build of ``tier`` contains, for any seed and as_of."""
    structure = build_structure(get_tier(tier))
    return describe(plan_anomalies(structure), structure)
