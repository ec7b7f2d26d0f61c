"""``rebuild_all``: every roll-up table and the provenance recomputed from raw facts, the truth."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..calendar import Calendar, configured_calendar
from ..catalog import DOMAINS
from .asset import _asset_flow_range, _refresh_asset_flows
from .energy import _energy_fact_range, _refresh_energy
from .metrics import STATE_DOMAINS
from .periods import _month_end, _month_starts
from .provenance import _asset_movement_provenance, _state_fact_provenance, _write_provenance
from .state import _write_states
from .store import _Db, bump_data_version
from .vehicle import _refresh_vehicle, _vehicle_fact_range

log = logging.getLogger(__name__)


def rebuild_all(conn: Connection, *, as_of: dt.date, calendar: Calendar | None = None) -> None:
    """Recompute every roll-up table and the provenance from raw facts.

    Flows cover every day that has facts; state metrics get a month-end value for every month
    from the first month with flow data up to ``as_of``'s month, whose value is taken at ``as_of``.
    Days and months are those of ``calendar`` (default: the configured zone's).
    """
    db = _Db(conn)
    calendar = calendar or configured_calendar()
    started = time.perf_counter()

    def done(step: str) -> None:
        log.info("rebuild_all: %s done at %.1f s", step, time.perf_counter() - started)

    for table in (
        "rollup_daily",
        "rollup_monthly",
        "rollup_hourly_profile",
        "rollup_provenance",
        "rollup_asset_category",
    ):
        conn.execute(sa.text(f"DELETE FROM {table}"))
    provenance: list[pd.DataFrame] = []

    energy_range = _energy_fact_range(db, calendar)
    if energy_range is not None:
        provenance.append(_refresh_energy(db, calendar, None, *energy_range, rebuild=True))
    done("energy")
    vehicle_range = _vehicle_fact_range(db, calendar)
    if vehicle_range is not None:
        provenance.append(_refresh_vehicle(db, calendar, None, *vehicle_range, rebuild=True))
    done("vehicles")
    asset_range = _asset_flow_range(db, calendar)
    if asset_range is not None:
        _refresh_asset_flows(db, calendar, *asset_range, replace=False)

    first_day = min([r[0] for r in (energy_range, vehicle_range, asset_range) if r is not None], default=as_of)
    months = _month_starts(min(first_day, as_of), as_of)
    evaluation_dates = [min(_month_end(m), as_of) for m in months]
    _write_states(db, STATE_DOMAINS, evaluation_dates, org_ids=None, replace=False)
    done("states")

    provenance.append(_state_fact_provenance(db, as_of))
    provenance.append(_asset_movement_provenance(db, calendar))
    frames = [f for f in provenance if f is not None and not f.empty]
    if frames:
        _write_provenance(db, pd.concat(frames, ignore_index=True), replace_batches=False)
    bump_data_version(conn, DOMAINS)
    done("provenance")
