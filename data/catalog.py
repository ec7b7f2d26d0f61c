"""The metrics catalog: every indicator, defined once.

Charts, KPI tiles, threshold rules and exports refer to indicators by ``id``.

* ``flow`` metrics are additive base measures kept in ``rollup_daily`` and
  ``rollup_monthly`` (sum over time and up the org tree).
* ``state`` metrics are counts or amounts at a moment (fleet size, idle assets, office
  area); ``rollup_monthly`` holds their end-of-month value, summed up the org tree.
* ``derived`` metrics are computed from base measures and reference data by
  ``data/queries`` (``formula`` documents how); they are never stored.

``bad_direction`` says which way is worse ("up": higher is worse), for tile colours and
default rule comparisons. ``department`` is the business department that owns the metric
and receives its alerts.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAINS = ("energy", "vehicle", "asset", "housing")


@dataclass(frozen=True)
class Metric:
    id: str
    domain: str
    name_zh: str
    name_en: str
    unit: str
    kind: str  # flow | state | derived
    rollup_rule: str  # sum | last | ratio | formula
    bad_direction: str  # up | down | none
    department: str
    formula: str | None = None

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def _m(id, domain, zh, en, unit, kind, rule, bad, dept, formula=None) -> Metric:
    return Metric(id, domain, zh, en, unit, kind, rule, bad, dept, formula)


METRICS: tuple[Metric, ...] = (
    # Energy: base flows
    _m("energy.electricity_kwh", "energy", "用电量", "Electricity", "kWh", "flow", "sum", "up", "energy"),
    _m(
        "energy.night_electricity_kwh",
        "energy",
        "夜间用电量",
        "Night-time electricity (22:00–06:00)",
        "kWh",
        "flow",
        "sum",
        "up",
        "energy",
    ),
    _m(
        "energy.offday_electricity_kwh",
        "energy",
        "节假日用电量",
        "Weekend and holiday electricity",
        "kWh",
        "flow",
        "sum",
        "up",
        "energy",
    ),
    _m("energy.water_m3", "energy", "用水量", "Water", "m³", "flow", "sum", "up", "energy"),
    _m("energy.gas_m3", "energy", "天然气用量", "Natural gas", "m³", "flow", "sum", "up", "energy"),
    _m("energy.heat_gj", "energy", "热力用量", "Heat", "GJ", "flow", "sum", "up", "energy"),
    # Energy: derived
    _m(
        "energy.total_kgce",
        "energy",
        "综合能耗",
        "Total energy",
        "kgce",
        "derived",
        "formula",
        "up",
        "energy",
        "electricity_kwh×coef.electricity_kgce_per_kwh + gas_m3×coef.gas_kgce_per_m3 + heat_gj×coef.heat_kgce_per_gj + vehicle fuel",
    ),
    _m(
        "energy.co2_t",
        "energy",
        "碳排放",
        "CO₂ emissions",
        "tCO₂",
        "derived",
        "formula",
        "up",
        "energy",
        "electricity_kwh/1000×coef.grid_tco2_per_mwh + gas_m3×coef.gas_tco2_per_m3",
    ),
    _m(
        "energy.kgce_per_m2",
        "energy",
        "单位建筑面积能耗",
        "Energy per floor area",
        "kgce/m²",
        "derived",
        "formula",
        "up",
        "energy",
        "total_kgce / building floor area",
    ),
    _m(
        "energy.kgce_per_person",
        "energy",
        "人均综合能耗",
        "Energy per person",
        "kgce/person",
        "derived",
        "formula",
        "up",
        "energy",
        "total_kgce / energy users (用能人数)",
    ),
    _m(
        "energy.night_share",
        "energy",
        "夜间用电占比",
        "Night-time share of electricity",
        "%",
        "derived",
        "ratio",
        "up",
        "energy",
        "night_electricity_kwh / electricity_kwh",
    ),
    # Vehicles: flows
    _m("vehicle.trips", "vehicle", "出车次数", "Trips", "次", "flow", "sum", "none", "vehicle"),
    _m("vehicle.km", "vehicle", "行驶里程", "Mileage", "km", "flow", "sum", "none", "vehicle"),
    _m(
        "vehicle.offhours_trips",
        "vehicle",
        "非工作时间出车",
        "Trips outside working hours",
        "次",
        "flow",
        "sum",
        "up",
        "vehicle",
    ),
    _m(
        "vehicle.unrequested_trips",
        "vehicle",
        "无审批出车",
        "Trips without approved request",
        "次",
        "flow",
        "sum",
        "up",
        "vehicle",
    ),
    _m(
        "vehicle.used_vehicle_days",
        "vehicle",
        "车辆使用天数",
        "Vehicle-days in use",
        "车·天",
        "flow",
        "sum",
        "down",
        "vehicle",
    ),
    _m("vehicle.fuel_l", "vehicle", "燃油量", "Fuel", "L", "flow", "sum", "up", "vehicle"),
    _m("vehicle.charge_kwh", "vehicle", "充电量", "Charging", "kWh", "flow", "sum", "up", "vehicle"),
    _m(
        "vehicle.energy_cost_yuan",
        "vehicle",
        "燃油及充电费用",
        "Fuel and charging cost",
        "元",
        "flow",
        "sum",
        "up",
        "vehicle",
    ),
    _m(
        "vehicle.maintenance_cost_yuan",
        "vehicle",
        "维修保养费用",
        "Maintenance cost",
        "元",
        "flow",
        "sum",
        "up",
        "vehicle",
    ),
    # Vehicles: state
    _m("vehicle.fleet", "vehicle", "车辆总数", "Fleet size", "辆", "state", "last", "none", "vehicle"),
    _m("vehicle.quota", "vehicle", "编制数", "Approved fleet quota", "辆", "state", "last", "none", "vehicle"),
    _m("vehicle.nev_fleet", "vehicle", "新能源车辆", "New-energy vehicles", "辆", "state", "last", "down", "vehicle"),
    # Vehicles: derived
    _m(
        "vehicle.utilization",
        "vehicle",
        "车辆使用率",
        "Utilization",
        "%",
        "derived",
        "ratio",
        "down",
        "vehicle",
        "used_vehicle_days / (fleet × working days)",
    ),
    _m(
        "vehicle.cost_per_km",
        "vehicle",
        "百公里费用",
        "Cost per 100 km",
        "元/百公里",
        "derived",
        "ratio",
        "up",
        "vehicle",
        "(energy_cost_yuan + maintenance_cost_yuan) / km × 100",
    ),
    _m(
        "vehicle.nev_share",
        "vehicle",
        "新能源占比",
        "New-energy share",
        "%",
        "derived",
        "ratio",
        "down",
        "vehicle",
        "nev_fleet / fleet",
    ),
    # Assets: state
    _m("asset.count", "asset", "资产总数", "Assets", "件", "state", "last", "none", "asset"),
    _m("asset.original_value_yuan", "asset", "资产原值", "Original value", "元", "state", "last", "none", "asset"),
    _m("asset.net_value_yuan", "asset", "资产净值", "Net value", "元", "state", "last", "none", "asset"),
    _m("asset.idle_count", "asset", "闲置资产", "Idle assets", "件", "state", "last", "up", "asset"),
    _m(
        "asset.warehouse_count",
        "asset",
        "公物仓在库",
        "In the public property warehouse",
        "件",
        "state",
        "last",
        "none",
        "asset",
    ),
    _m(
        "asset.no_custodian_count",
        "asset",
        "无责任人资产",
        "Assets without custodian",
        "件",
        "state",
        "last",
        "up",
        "asset",
    ),
    _m("asset.audit_overdue_count", "asset", "逾期未盘点", "Audit overdue", "件", "state", "last", "up", "asset"),
    # Assets: flows
    _m("asset.redeployed_count", "asset", "调剂资产数", "Assets redeployed", "件", "flow", "sum", "down", "asset"),
    _m(
        "asset.redeploy_saved_yuan",
        "asset",
        "调剂节约资金",
        "Saved by redeployment",
        "元",
        "flow",
        "sum",
        "down",
        "asset",
    ),
    _m(
        "asset.warehouse_inflow_count",
        "asset",
        "入仓资产数",
        "Assets into the warehouse",
        "件",
        "flow",
        "sum",
        "none",
        "asset",
    ),
    _m("asset.disposed_count", "asset", "处置资产数", "Assets disposed", "件", "flow", "sum", "none", "asset"),
    _m(
        "asset.disposed_value_yuan",
        "asset",
        "处置资产原值",
        "Original value disposed",
        "元",
        "flow",
        "sum",
        "none",
        "asset",
    ),
    # Assets: derived
    _m(
        "asset.idle_rate",
        "asset",
        "资产闲置率",
        "Idle rate",
        "%",
        "derived",
        "ratio",
        "up",
        "asset",
        "idle_count / count",
    ),
    # Assets: one asset's tiles (data.queries.asset_lists), computed from the register, never stored
    _m(
        "asset.accumulated_depreciation_yuan",
        "asset",
        "累计折旧",
        "Accumulated depreciation",
        "元",
        "derived",
        "formula",
        "none",
        "asset",
        "original value − net value by the category's depreciation method (data.depreciation)",
    ),
    _m(
        "asset.months_charged",
        "asset",
        "已提折旧月数",
        "Months depreciated",
        "月",
        "derived",
        "formula",
        "none",
        "asset",
        "months from the acquisition month to the valuation day inclusive, capped at the useful life × 12",
    ),
    # The days an asset has been in its status, one metric per status so that the tile names it
    *(
        _m(i, "asset", zh, en, "天", "derived", "formula", bad, "asset", f"valuation day − status_since, for {what}")
        for i, zh, en, bad, what in (
            ("asset.days_in_use", "在用天数", "Days in use", "none", "an asset in use (acquired_on if it began later)"),
            ("asset.days_in_warehouse", "在仓天数", "Days in the warehouse", "up", "an asset in the warehouse"),
            ("asset.days_pending_disposal", "待处置天数", "Days pending disposal", "up", "an asset pending disposal"),
            ("asset.days_since_disposal", "已处置天数", "Days since disposal", "none", "a disposed asset"),
        )
    ),
    # Housing: state
    _m(
        "housing.office_area_m2",
        "housing",
        "办公用房使用面积",
        "Office usable area",
        "m²",
        "state",
        "last",
        "none",
        "real_estate",
    ),
    _m(
        "housing.office_occupants",
        "housing",
        "办公用房在岗人数",
        "Office occupants",
        "人",
        "state",
        "last",
        "none",
        "real_estate",
    ),
    _m(
        "housing.over_standard_rooms",
        "housing",
        "超标办公室",
        "Over-standard offices",
        "间",
        "state",
        "last",
        "up",
        "real_estate",
    ),
    _m(
        "housing.over_standard_area_m2",
        "housing",
        "超标面积",
        "Area over standard",
        "m²",
        "state",
        "last",
        "up",
        "real_estate",
    ),
    _m("housing.vacant_rooms", "housing", "空置办公室", "Vacant offices", "间", "state", "last", "up", "real_estate"),
    _m(
        "housing.units",
        "housing",
        "周转住房套数",
        "Turnover housing units",
        "套",
        "state",
        "last",
        "none",
        "real_estate",
    ),
    _m(
        "housing.occupied_units",
        "housing",
        "已入住套数",
        "Occupied units",
        "套",
        "state",
        "last",
        "none",
        "real_estate",
    ),
    _m("housing.waiting", "housing", "轮候人数", "Waiting list", "人", "state", "last", "up", "real_estate"),
    _m(
        "housing.expiring_30d",
        "housing",
        "30天内到期租约",
        "Leases expiring within 30 days",
        "份",
        "state",
        "last",
        "up",
        "real_estate",
    ),
    _m(
        "housing.expiring_60d",
        "housing",
        "60天内到期租约",
        "Leases expiring within 60 days",
        "份",
        "state",
        "last",
        "up",
        "real_estate",
    ),
    _m(
        "housing.expiring_90d",
        "housing",
        "90天内到期租约",
        "Leases expiring within 90 days",
        "份",
        "state",
        "last",
        "up",
        "real_estate",
    ),
    _m(
        "housing.overstaying",
        "housing",
        "逾期未腾退",
        "Tenants overstaying",
        "户",
        "state",
        "last",
        "up",
        "real_estate",
    ),
    _m("housing.arrears_yuan", "housing", "欠缴租金", "Rent arrears", "元", "state", "last", "up", "real_estate"),
    # Housing: derived
    _m(
        "housing.area_per_person",
        "housing",
        "人均办公面积",
        "Office area per person",
        "m²/人",
        "derived",
        "ratio",
        "up",
        "real_estate",
        "office_area_m2 / office_occupants",
    ),
    _m(
        "housing.occupancy_rate",
        "housing",
        "周转房入住率",
        "Turnover housing occupancy",
        "%",
        "derived",
        "ratio",
        "down",
        "real_estate",
        "occupied_units / units",
    ),
    # Housing: one turnover-housing unit's tiles (data/queries/housing_checks.fetch_dwelling_tiles)
    _m(
        "housing.dwelling_area_m2",
        "housing",
        "住房面积",
        "Floor area",
        "m²",
        "derived",
        "formula",
        "none",
        "real_estate",
        "housing_unit.area_m2",
    ),
    _m(
        "housing.dwelling_rent_yuan",
        "housing",
        "月租金",
        "Monthly rent",
        "元",
        "derived",
        "formula",
        "none",
        "real_estate",
        "housing_unit.monthly_rent_yuan",
    ),
    _m(
        "housing.dwelling_tenants",
        "housing",
        "在住租户",
        "Current tenants",
        "户",
        "derived",
        "formula",
        "none",
        "real_estate",
        "leases of the unit started by the day and not moved out (starts_on <= t < moved_out_on)",
    ),
    _m(
        "housing.dwelling_days_to_lease_end",
        "housing",
        "租约剩余天数",
        "Days to lease end",
        "天",
        "derived",
        "formula",
        "down",
        "real_estate",
        "ends_on of the latest-starting current lease − the day (negative: overstaying)",
    ),
    _m(
        "housing.dwelling_arrears_yuan",
        "housing",
        "本户欠缴租金",
        "Unit's rent arrears",
        "元",
        "derived",
        "formula",
        "up",
        "real_estate",
        "Σ arrears_yuan of the unit's current leases",
    ),
)

# Indicators of the alert rules (data/alerts/indicators.py computes them per entity): derived from
# roll-ups and the small state tables, never stored. ``energy.source_staleness`` applies to the
# data sources of every domain; its id carries "energy" only because ids are prefixed by a domain.
ALERT_METRICS: tuple[Metric, ...] = (
    _m(
        "energy.anomaly_extra_kwh",
        "energy",
        "超出基线电量",
        "Electricity above the baseline",
        "kWh",
        "derived",
        "formula",
        "up",
        "energy",
        "Σ over the window's days of the day's largest energy_anomaly.extra_kwh (actual − baseline expectation)",
    ),
    _m(
        "energy.meter_silent_days",
        "energy",
        "表计无读数天数",
        "Days without meter readings",
        "天",
        "derived",
        "formula",
        "up",
        "energy",
        "as-of day − the local day of the meter's latest reading",
    ),
    _m(
        "energy.source_staleness",
        "energy",
        "数据源超时倍数",
        "Source silence (× allowed)",
        "×",
        "derived",
        "ratio",
        "up",
        "information",
        "(now − data_source.last_success_at) / data_source.stale_after_seconds",
    ),
    _m(
        "vehicle.offhours_unrequested_trips",
        "vehicle",
        "非工作时间无审批出车",
        "Off-hours trips without request",
        "次",
        "derived",
        "formula",
        "up",
        "vehicle",
        "Σ per vehicle-day max(0, offhours_trips + unrequested_trips − trips): trips both off-hours and unrequested",
    ),
    _m(
        "vehicle.fuel_ratio",
        "vehicle",
        "油耗里程比",
        "Fuel against mileage",
        "×",
        "derived",
        "ratio",
        "up",
        "vehicle",
        "Σ fuel of the fills in the window / Σ (odometer km since the previous fill × rated consumption / 100); 1 = what the mileage burns",
    ),
    _m(
        "vehicle.maintenance_overdue_days",
        "vehicle",
        "保养逾期天数",
        "Maintenance overdue",
        "天",
        "derived",
        "formula",
        "up",
        "vehicle",
        "as-of day − the latest maintenance record's next_due_on, when past",
    ),
    _m(
        "vehicle.over_quota",
        "vehicle",
        "超编车辆",
        "Vehicles over quota",
        "辆",
        "derived",
        "formula",
        "up",
        "vehicle",
        "fleet − quota",
    ),
    _m(
        "asset.idle_days",
        "asset",
        "闲置天数",
        "Days idle",
        "天",
        "derived",
        "formula",
        "up",
        "asset",
        "as-of day − status_since, for an idle asset",
    ),
    _m(
        "asset.audit_age_days",
        "asset",
        "距上次盘点天数",
        "Days since last audit",
        "天",
        "derived",
        "formula",
        "up",
        "asset",
        "as-of day − the latest of asset_audit.audited_on and asset.last_audit_on (acquired_on when never audited)",
    ),
)

METRICS = METRICS + ALERT_METRICS

METRICS_BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}


def get_metric(metric_id: str) -> Metric:
    try:
        return METRICS_BY_ID[metric_id]
    except KeyError as exc:
        raise KeyError(f"unknown metric id {metric_id!r}") from exc


def metrics_for_domain(domain: str) -> list[Metric]:
    return [m for m in METRICS if m.domain == domain]


def stored_metric_ids() -> list[str]:
    """Metrics that live in roll-up tables (flows and states)."""
    return [m.id for m in METRICS if m.kind in ("flow", "state")]
