"""The energy page's tiles for the period a user picked: the flows (electricity, total energy,
night share, CO₂) over the view's period against its comparison period (同比 or 环比), and the
intensities (per m², per person) over the twelve months ending with the period, against the
unit's quota limit or else the 2020 national baseline.

For an org node the figures are its subtree's; for a building, the building's own (per person
is then left out: a building has occupants, not energy users). Read from the roll-ups only.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from data.alerts.kpi_rules import with_kpi_status

from .compare import combine, metric_bases, period_windows, ratio_array, window_arrays
from .energy_panels import _QUOTA_TIERS, last_twelve_months
from .kpi import NAN, empty_kpis, kpi_frame
from .org import subtree_dimensions
from .period import period_code
from .reference import fetch_coefficients, fetch_plan_targets

ELECTRICITY = "energy.electricity_kwh"
TOTAL = "energy.total_kgce"
NIGHT_SHARE = "energy.night_share"
CO2 = "energy.co2_t"


def fetch_energy_period_tiles(conn: Connection, view) -> pd.DataFrame:
    """The tiles of an org node or a building for the view's period (``KPI_COLUMNS`` and, for an
    org node, ``status`` judged by the alert rules), in display order:

    * ``energy.total_kgce`` over the period, tce; reference the comparison period
      (``reference_kind`` ``yoy``, or ``prev`` for the previous period)
    * ``energy.electricity_kwh`` over the period; the same reference
    * ``energy.kgce_per_m2`` over the twelve months ending with the period; reference the quota
      limit (``quota``) or else the 2020 national baseline (``baseline``)
    * ``energy.kgce_per_person`` likewise (org nodes only)
    * ``energy.night_share`` and ``energy.co2_t`` over the period; the comparison period

    Empty without data. A twelve-month figure reaching back before the data began is NaN.
    """
    if not view.has_data or view.entity_kind not in ("org", "building"):
        return empty_kpis()
    org = view.entity_kind == "org"
    windows = period_windows(view)
    windows["l12m"] = last_twelve_months(view.period.end)
    bases = sorted(set(metric_bases(TOTAL)) | set(metric_bases(CO2)) | set(metric_bases(NIGHT_SHARE)))
    arrays = window_arrays(conn, bases, view.entity_kind, [int(view.entity_id)], windows)
    coefficients = fetch_coefficients(conn)

    def value(metric: str, window: str, scale: float = 1.0) -> float:
        if window not in arrays or (window == "l12m" and not view.covers(windows["l12m"][0])):
            return NAN
        return float(combine(metric, arrays[window], coefficients)[0]) * scale

    if org:
        dims = subtree_dimensions(conn, view.node)
        floor, users = dims["floor_area_m2"], dims["energy_users"]
    else:
        floor, users = float((view.entity or {}).get("floor_area_m2") or 0), NAN
    limits = {
        basis: float(limit)
        for basis, limit, _, _ in conn.execute(_QUOTA_TIERS, {"org_id": view.org_id, "year": view.period.end.year})
    }
    targets = fetch_plan_targets(conn)

    def intensity_reference(basis: str, baseline: str) -> tuple[float, str]:
        return (limits[basis], "quota") if basis in limits else (targets[baseline], "baseline")

    code, compared = period_code(view), "yoy" if view.compare == "yoy" else "prev"
    per_m2_ref, per_m2_kind = intensity_reference("per_m2", "baseline_2020_kgce_per_m2")
    rows = [
        {"metric_id": TOTAL, "period": code, "unit": "tce", "value": value(TOTAL, "cur", 1e-3),
         "reference": value(TOTAL, "cmp", 1e-3), "reference_kind": compared},
        {"metric_id": ELECTRICITY, "period": code, "value": value(ELECTRICITY, "cur"),
         "reference": value(ELECTRICITY, "cmp"), "reference_kind": compared},
        {"metric_id": "energy.kgce_per_m2", "period": "l12m", "value": float(ratio_array(value(TOTAL, "l12m"), floor)),
         "reference": per_m2_ref, "reference_kind": per_m2_kind},
    ]  # fmt: skip
    if org:
        per_person_ref, per_person_kind = intensity_reference("per_person", "baseline_2020_kgce_per_person")
        rows.append(
            {"metric_id": "energy.kgce_per_person", "period": "l12m", "value": float(ratio_array(value(TOTAL, "l12m"), users)),
             "reference": per_person_ref, "reference_kind": per_person_kind}
        )  # fmt: skip
    rows += [
        {"metric_id": NIGHT_SHARE, "period": code, "value": value(NIGHT_SHARE, "cur"),
         "reference": value(NIGHT_SHARE, "cmp"), "reference_kind": compared},
        {"metric_id": CO2, "period": code, "value": value(CO2, "cur"), "reference": value(CO2, "cmp"),
         "reference_kind": compared},
    ]  # fmt: skip
    frame = kpi_frame(rows, view.as_of, view.org_id)
    return with_kpi_status(conn, frame) if org else frame


__all__ = ["fetch_energy_period_tiles"]
