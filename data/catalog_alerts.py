"""The alert rules' own indicators in the metrics catalog (``data/catalog.py``): derived from
roll-ups and the small state tables by ``data/alerts/indicators.py``, never stored."""

from __future__ import annotations

from .metric import Metric
from .metric import define_metric as _m

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

__all__ = ["ALERT_METRICS"]
