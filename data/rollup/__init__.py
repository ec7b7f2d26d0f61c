"""The roll-up engine: every figure a page shows is read from tables this module keeps current.

Pages and alert rules never scan raw facts; they read ``rollup_daily``, ``rollup_monthly``,
``rollup_hourly_profile`` and ``rollup_provenance`` (``data/models/rollup.py``). Loaders call the
``refresh_*`` functions (re-exported here) for what a batch touched; ``rebuild_all`` recomputes
everything from raw facts, which are the truth.

Time
----
Days and months are local calendar periods of the configured zone (``AOCC_TIMEZONE``;
``data/calendar.py`` turns instants into its days and months, daylight saving included). Every
public function takes ``calendar=`` (a ``data.calendar.Calendar``) and defaults to
``configured_calendar()``. Raw timestamps are UTC. A meter reading with timestamp ``T`` is the
consumption of the interval that *ends* at ``T``; it belongs to the local period containing the
interval's start, i.e. the local wall time of ``T - interval_minutes`` (an hourly reading at
10:00 UTC is the local hour that starts at 09:00 UTC). Trip starts and fuel records are points in time: the
local wall time of ``ts``. ``maintenance_record.performed_on`` is already a local date. ``day``
columns hold the local date; ``month`` columns the first day of the local month. Roll-ups computed
in one zone keep that zone's days: changing the zone needs ``rebuild_all``.

Entities
--------
``entity_kind`` is ``building``, ``vehicle`` or ``org``. An ``org`` row is the total of the node's
whole subtree (found through ``org_node.path``), so a province figure is one row. Org rows are
computed from the building or vehicle rows, never from raw facts directly, so that both levels
always agree.

Flow metrics (``kind="flow"`` in ``data/catalog.py``)
-----------------------------------------------------
``rollup_daily`` and ``rollup_monthly`` hold ``value`` (the sum) and ``samples`` (how many raw rows
contributed). A monthly row is the sum of that month's daily rows.

* Energy, per ``building`` and ``org``: ``energy.electricity_kwh``, ``energy.water_m3``,
  ``energy.gas_m3``, ``energy.heat_gj`` (meters of kind electricity / water / gas / heat);
  ``energy.night_electricity_kwh`` — electricity whose local interval starts at 22:00–05:59;
  ``energy.offday_electricity_kwh`` — electricity on days that are not working days according to
  ``calendar_day`` (weekends when a day is missing from the calendar). A daily row exists when at
  least one reading contributed; the night row exists wherever the electricity row does (its value
  may be 0); the off-day row exists only on non-working days.
* ``rollup_hourly_profile`` holds ``energy.electricity_kwh`` per local month × weekday
  (0 = Monday) × local hour (the hour × weekday heat map), for buildings and orgs: one row per
  entity, month and weekday, with the sum of each local hour in ``h00`` … ``h23``
  (``PROFILE_HOUR_COLUMNS``; 0 for an hour without readings) and ``samples`` the number of
  readings summed into the row, all hours together. A row exists when at least one reading
  contributed.
* Vehicles, per ``vehicle`` and ``org``, by the local day of the trip start / fuel record /
  maintenance date: ``vehicle.trips``, ``vehicle.km``, ``vehicle.offhours_trips`` (start outside
  08:00–18:00 local on a working day, or any time on a non-working day),
  ``vehicle.unrequested_trips`` (``trip.request_id`` is null), ``vehicle.used_vehicle_days``
  (1 per vehicle and day with at least one trip; an org's value counts vehicle-days),
  ``vehicle.fuel_l`` and ``vehicle.charge_kwh`` (``fuel_record.kind`` fuel / charge),
  ``vehicle.energy_cost_yuan`` (cost of both), ``vehicle.maintenance_cost_yuan``. ``trips``, ``km``
  and ``used_vehicle_days`` have a row for each vehicle-day with trips; ``offhours_trips`` and
  ``unrequested_trips`` only where they are not 0 (their ``samples`` is the day's trip count); fuel
  and maintenance metrics for each vehicle-day with such records. A missing row means 0.
* Assets, per ``org`` only, from ``asset_movement``: ``asset.redeployed_count`` and
  ``asset.redeploy_saved_yuan`` (kind ``redeploy``, at the receiving unit),
  ``asset.warehouse_inflow_count`` (kind ``to_warehouse``), ``asset.disposed_count`` and
  ``asset.disposed_value_yuan`` (kind ``dispose``, the asset's original value), both at the unit
  the asset leaves (``from_org_id``, else ``to_org_id``).

State metrics (``kind="state"``)
--------------------------------
Stored in ``rollup_monthly`` at ``org`` level only (subtree totals): the value at the end of each
month, and for the current month the value at ``as_of``. ``samples`` is the number of entities
considered (vehicles, assets, rooms, units). Every org whose subtree holds any entity of the
domain gets a row for every state metric of that domain (zeros included). Definitions, at date t:

* ``vehicle.fleet`` / ``vehicle.nev_fleet``: vehicles acquired by t and not disposed (new energy =
  electric or plug-in hybrid); ``vehicle.quota``: the sum of ``vehicle_quota.approved``.
* ``asset.*``: assets acquired by t, excluding those disposed by t. An asset's status at t is its
  current ``status`` if ``status_since <= t``, else ``in_use`` (no earlier history is kept on the
  row). Net value is ``data.depreciation.net_values`` by the category's method
  (straight line, double declining balance or none), useful life and residual rate, charged by
  month from the acquisition month. ``rollup_asset_category`` holds the same assets per org node
  and registered category (count, original and net value, idle, in the warehouse) at each month
  end, written with the asset states (``asset_category``).
  ``asset.audit_overdue_count``: assets held for more than 365 days
  whose latest audit on or before t (``asset_audit`` or ``asset.last_audit_on``) is more than
  365 days old, or missing. ``asset.no_custodian_count``: in-use assets without a custodian.
* ``housing.office_*``: office rooms (``purpose = 'office'``); occupants are occupancies with
  ``since <= t`` and ``until`` null or after t. A room is over standard when its usable area per
  occupant exceeds the highest ``office_space_standard.limit_m2`` among its occupants' ranks (for
  the ``admin_level`` of the room's org); the area over is ``area − limit × occupants``. Vacant: an
  office room without occupants.
* ``housing.units`` counts turnover housing units; a unit is occupied when a lease has started by
  t and the tenant has not moved out by t (``moved_out_on`` null or after t).
  ``housing.expiring_90d``: such leases ending within [t, t + 90 days];
  ``housing.overstaying``: such leases whose ``ends_on`` is before t;
  ``housing.arrears_yuan``: the arrears of such leases; ``housing.waiting``: applications made by t
  that are still waiting, or were allocated after t. Housing figures count at the unit owner's org.

Attributes without history (custodian, arrears, quotas, rooms and their areas) are read as they
are now for every month end; ``refresh_state`` rewrites only the current month, so a correction of
such an attribute reaches past months only through ``rebuild_all``.

Provenance and versions
-----------------------
``rollup_provenance`` (metric_id, org_id, month, batch_id, rows): how many rows of each load batch
fed each org-month, for the org of the facts and every ancestor. Loaders call
``record_provenance`` for their batch; ``rebuild_all`` recomputes it from the ``batch_id`` of every
fact (state metrics: for the current month). Every function that writes roll-ups bumps
``data_version`` for its domain(s) so caches keyed on it refresh. Nothing here commits: the
caller owns the transaction.

API
---
``rebuild_all(conn, *, as_of)`` · ``refresh_energy(conn, *, building_ids, day_from, day_to)`` ·
``refresh_vehicle(conn, *, vehicle_ids, day_from, day_to)`` ·
``refresh_asset_flows(conn, *, day_from, day_to)`` ·
``refresh_state(conn, *, domains=("vehicle", "asset", "housing"), as_of, org_ids=None)`` (each also
takes ``calendar=``) · ``record_provenance(conn, *, batch_id, metric_ids, org_month_rows)`` ·
``bump_data_version(conn, domains)`` · ``insert_frame(conn, table, frame)`` (the bulk writer the
demo generator uses too) · ``local_day_start_utc(day, calendar=None)``; and for
``data.rollup_delta`` (the incremental updates meter-reading batches use): ``org_tree``,
``workday_flags``, ``month_numbers``, ``days_to_datetime64``, ``format_days``,
``format_timestamps``.

Modules, by domain: ``energy`` (meter readings), ``vehicle``, ``asset`` (redeployment flows),
``state`` (month-end states of vehicles, assets and housing), ``provenance``, ``rebuild``
(``rebuild_all``); shared by them: ``metrics`` (metric ids and thresholds), ``orgtree``,
``periods`` (day numbers and months), ``store`` (database access, bulk writer, data versions) and
``tables`` (replacing roll-up rows, monthly from daily, org from entity rows).

Incremental refreshes cost what they touch: the raw rows of the given entities and days (plus, for
the hourly profile, the other days of the same weekdays in those months), and the roll-up rows of
every building or vehicle under the affected orgs for those days.
"""

from __future__ import annotations

from ..models.rollup import PROFILE_HOUR_COLUMNS
from .asset import refresh_asset_flows
from .energy import refresh_energy
from .metrics import (
    ASSET_FLOW_METRICS,
    AUDIT_OVERDUE_DAYS,
    ENERGY_FLOW_METRICS,
    EXPIRING_WITHIN_DAYS,
    FACT_METRICS,
    METER_KIND_METRIC,
    NIGHT_FROM_HOUR,
    NIGHT_TO_HOUR,
    PROFILE_METRIC,
    STATE_DOMAINS,
    STATE_METRICS,
    VEHICLE_FLOW_METRICS,
    WORK_FROM_HOUR,
    WORK_TO_HOUR,
)
from .orgtree import org_tree
from .periods import days_to_datetime64, local_day_start_utc, month_numbers
from .provenance import record_provenance
from .rebuild import rebuild_all
from .state import refresh_state
from .store import bump_data_version, format_days, format_timestamps, insert_frame, workday_flags
from .vehicle import refresh_vehicle

__all__ = [
    "ASSET_FLOW_METRICS",
    "AUDIT_OVERDUE_DAYS",
    "ENERGY_FLOW_METRICS",
    "EXPIRING_WITHIN_DAYS",
    "FACT_METRICS",
    "METER_KIND_METRIC",
    "NIGHT_FROM_HOUR",
    "NIGHT_TO_HOUR",
    "PROFILE_HOUR_COLUMNS",
    "PROFILE_METRIC",
    "STATE_DOMAINS",
    "STATE_METRICS",
    "VEHICLE_FLOW_METRICS",
    "WORK_FROM_HOUR",
    "WORK_TO_HOUR",
    "bump_data_version",
    "days_to_datetime64",
    "format_days",
    "format_timestamps",
    "insert_frame",
    "local_day_start_utc",
    "month_numbers",
    "org_tree",
    "rebuild_all",
    "record_provenance",
    "refresh_asset_flows",
    "refresh_energy",
    "refresh_state",
    "refresh_vehicle",
    "workday_flags",
]
