"""State metrics (fleet, assets, offices, turnover housing): org-level values at each month end,
and at ``as_of`` for the current month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..calendar import Calendar, configured_calendar
from .asset import _refresh_asset_flows
from .asset_category import category_rows, held_assets, load_assets, write_category_rows
from .metrics import AUDIT_OVERDUE_DAYS, EXPIRING_HORIZONS, STATE_DOMAINS, STATE_METRICS
from .office_rank import occupant_shares, office_rank_rows, room_standard, write_office_rank_rows
from .periods import _day_number
from .store import _Db, bump_data_version
from .tables import _insert_rollup, _replace_rows


def refresh_state(
    conn: Connection,
    *,
    domains: Sequence[str] = STATE_DOMAINS,
    as_of: dt.date,
    org_ids: Sequence[int] | None = None,
    calendar: Calendar | None = None,
) -> None:
    """Recompute the state metrics of ``domains`` for ``as_of``'s month (valued at ``as_of``).

    ``org_ids`` limits the rewrite to those nodes and their ancestors (the nodes whose facts
    changed); None rewrites every node. For the asset domain the current month's asset flows
    (redeployments) are refreshed too; loaders adding older movements call
    ``refresh_asset_flows`` for their range. ``as_of`` is a local day of ``calendar`` (default: the
    configured zone's), which places the redeployments on days.
    """
    unknown = set(domains) - set(STATE_DOMAINS)
    if unknown:
        raise ValueError(f"unknown state domains: {sorted(unknown)}")
    db = _Db(conn)
    _write_states(db, tuple(domains), [as_of], org_ids=org_ids, replace=True)
    if "asset" in domains:
        _refresh_asset_flows(db, calendar or configured_calendar(), as_of.replace(day=1), as_of, replace=True)
    bump_data_version(conn, tuple(domains))


def _write_states(
    db: _Db, domains: Sequence[str], dates: Sequence[dt.date], *, org_ids: Sequence[int] | None, replace: bool
) -> None:
    restrict = None if org_ids is None else db.tree.ancestors_of(org_ids)
    for domain in domains:
        compute = {"vehicle": _vehicle_states, "asset": _asset_states, "housing": _housing_states}[domain]
        evaluate = compute(db)
        for at in dates:
            own = evaluate(at)  # own_org_id, metric_id, value, samples
            # A frame in attrs would be compared by every pandas concat that carries them: take it out.
            office_shares = own.attrs.pop("office_shares", None)
            frame = _state_rows(db, own, domain, at.replace(day=1), restrict)
            if replace:
                _replace_rows(
                    db,
                    "rollup_monthly",
                    frame,
                    metric_ids=STATE_METRICS[domain],
                    entity_kind="org",
                    entity_ids=restrict,
                    period_column="month",
                    period_from=at.replace(day=1),
                    period_to=at.replace(day=1),
                )
            else:
                _insert_rollup(db, "rollup_monthly", frame)
            if domain == "asset":
                held = getattr(evaluate, "held_assets", None)
                month = at.replace(day=1)
                categories = category_rows(db, held, month, restrict) if held is not None else None
                write_category_rows(db, categories, month, restrict, replace=replace)
            if domain == "housing":
                month = at.replace(day=1)
                ranks = office_rank_rows(db, office_shares, month, restrict)
                write_office_rank_rows(db, ranks, month, restrict)


def _state_rows(db: _Db, own: pd.DataFrame, domain: str, month: dt.date, restrict: set[int] | None) -> pd.DataFrame:
    if own.empty:
        return pd.DataFrame()
    metrics = STATE_METRICS[domain]
    rolled = db.tree.roll_up(own, ["metric_id"], ["value", "samples"], restrict)
    # Every org with anything of this domain gets every metric of the domain, zeros included.
    grid = pd.MultiIndex.from_product([rolled["org_id"].unique(), metrics], names=["org_id", "metric_id"])
    rolled = rolled.set_index(["org_id", "metric_id"]).reindex(grid, fill_value=0).reset_index()
    return pd.DataFrame(
        {
            "metric_id": rolled["metric_id"].to_numpy(),
            "entity_kind": "org",
            "entity_id": rolled["org_id"].to_numpy(dtype=np.int64),
            "month": np.datetime64(month, "D"),
            "value": rolled["value"].to_numpy(dtype=float),
            "samples": rolled["samples"].to_numpy(dtype=np.int64),
        }
    )


def _long(frame: pd.DataFrame, columns: dict[str, str], samples: str) -> pd.DataFrame:
    """Wide per-org sums (org_id, one column per metric) as long rows."""
    parts = [
        pd.DataFrame(
            {
                "own_org_id": frame["org_id"].to_numpy(dtype=np.int64),
                "metric_id": metric,
                "value": frame[column].to_numpy(dtype=float),
                "samples": frame[samples].to_numpy(dtype=np.int64),
            }
        )
        for metric, column in columns.items()
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _vehicle_states(db: _Db):
    vehicles = db.fetch(
        f"SELECT org_id, {db.sel_day('acquired_on')}, status, energy_type FROM vehicle",
        {},
        ["org_id", "acquired", "status", "energy_type"],
        day_columns=["acquired"],
    )
    quota = db.fetch("SELECT org_id, SUM(approved) FROM vehicle_quota GROUP BY org_id", {}, ["org_id", "approved"])

    def evaluate(at: dt.date) -> pd.DataFrame:
        t = _day_number(at)
        v = vehicles[(vehicles["acquired"] <= t) & (vehicles["status"] != "disposed")]
        v = v.assign(n=1, nev=v["energy_type"].isin(["electric", "hybrid"]).astype(np.int64))
        per_org = v.groupby("org_id", as_index=False)[["n", "nev"]].sum()
        per_org = per_org.merge(quota, on="org_id", how="outer").fillna(0)
        return _long(per_org, {"vehicle.fleet": "n", "vehicle.nev_fleet": "nev", "vehicle.quota": "approved"}, "n")

    return evaluate


def _asset_states(db: _Db):
    assets = load_assets(db)
    assets["last_audit"] = _nullable_days(db, assets["last_audit"])
    audits = db.fetch(
        f"SELECT asset_id, {db.sel_day('audited_on')} FROM asset_audit", {}, ["id", "day"], day_columns=["day"]
    ).sort_values(["day"])

    def evaluate(at: dt.date) -> pd.DataFrame:
        t = _day_number(at)
        # Status at t and net value by the category's depreciation method (asset_category.held_assets).
        a = held_assets(assets, at)
        status = a["state"].to_numpy()
        a["orphan"] = ((status == "in_use") & (a["no_custodian"].to_numpy() == 1)).astype(np.int64)
        done = audits[audits["day"] <= t].groupby("id")["day"].max()
        last = np.fmax(
            a["id"].map(done).to_numpy(dtype=float),
            np.where(a["last_audit"].to_numpy(dtype=float) <= t, a["last_audit"].to_numpy(dtype=float), np.nan),
        )
        long_held = a["acquired"].to_numpy() <= t - AUDIT_OVERDUE_DAYS
        a["overdue"] = (long_held & ~(last >= t - AUDIT_OVERDUE_DAYS)).astype(np.int64)
        a["n"] = 1
        per_org = a.groupby("org_id", as_index=False)[
            ["n", "value", "net", "idle", "warehouse", "orphan", "overdue"]
        ].sum()
        rows = _long(
            per_org,
            {
                "asset.count": "n",
                "asset.original_value_yuan": "value",
                "asset.net_value_yuan": "net",
                "asset.idle_count": "idle",
                "asset.warehouse_count": "warehouse",
                "asset.no_custodian_count": "orphan",
                "asset.audit_overdue_count": "overdue",
            },
            "n",
        )
        # For rollup_asset_category, written beside these rows. Not in ``rows.attrs``: pandas
        # compares attrs when it combines frames, and a DataFrame there cannot be compared.
        evaluate.held_assets = a
        return rows

    return evaluate


def _nullable_days(db: _Db, values: pd.Series) -> np.ndarray:
    """A nullable date column as float day numbers (NaN for NULL)."""
    out = np.full(len(values), np.nan)
    present = values.notna().to_numpy()
    if present.any():
        out[present] = db._to_day_numbers(values[present]).astype(float)
    return out


def _housing_states(db: _Db):
    rooms = db.fetch(
        "SELECT id, org_id, usable_area_m2 FROM office_room WHERE purpose = 'office'", {}, ["room_id", "org_id", "area"]
    )
    occupancy = db.fetch(
        f"SELECT room_id, rank_code, {db.sel_day('since')}, {db.sel_day('until')} FROM office_occupancy",
        {},
        ["room_id", "rank_code", "since", "until"],
        day_columns=["since"],
    )
    occupancy["until"] = _nullable_days(db, occupancy["until"])
    standards = db.fetch(
        "SELECT admin_level, rank_code, limit_m2 FROM office_space_standard", {}, ["admin_level", "rank_code", "limit"]
    )
    rooms["admin_level"] = rooms["org_id"].map(db.tree.admin_level)
    occupancy = occupancy.merge(rooms[["room_id", "admin_level"]], on="room_id", how="inner")
    occupancy = occupancy.merge(standards, on=["admin_level", "rank_code"], how="left")
    units = db.fetch("SELECT id, org_id FROM housing_unit", {}, ["unit_id", "org_id"])
    leases = db.fetch(
        f"SELECT unit_id, {db.sel_day('starts_on')}, {db.sel_day('ends_on')}, {db.sel_day('moved_out_on')}, arrears_yuan "
        "FROM lease",
        {},
        ["unit_id", "starts", "ends", "moved_out", "arrears"],
        day_columns=["starts", "ends"],
    )
    leases["moved_out"] = _nullable_days(db, leases["moved_out"])
    leases = leases.merge(units, on="unit_id")
    applications = db.fetch(
        f"SELECT org_id, {db.sel_day('applied_on')}, status, {db.sel_day('allocated_on')} FROM housing_application",
        {},
        ["org_id", "applied", "status", "allocated"],
        day_columns=["applied"],
    )
    applications["allocated"] = _nullable_days(db, applications["allocated"])

    def evaluate(at: dt.date) -> pd.DataFrame:
        t = _day_number(at)
        active = occupancy[(occupancy["since"] <= t) & ~(occupancy["until"] <= t)]
        # The room standard (office_rank.room_standard) judges both these states and rollup_office_rank.
        r = room_standard(rooms, active)
        r["vacant"] = (r["occupants"] == 0).astype(np.int64)
        r["n"] = 1
        office = r.groupby("org_id", as_index=False)[["n", "area", "occupants", "over", "over_area", "vacant"]].sum()
        office_rows = _long(
            office,
            {
                "housing.office_area_m2": "area",
                "housing.office_occupants": "occupants",
                "housing.over_standard_rooms": "over",
                "housing.over_standard_area_m2": "over_area",
                "housing.vacant_rooms": "vacant",
            },
            "n",
        )

        current = leases[(leases["starts"] <= t) & ~(leases["moved_out"] <= t)]
        expiring = {
            f"expiring_{days}": ((current["ends"] >= t) & (current["ends"] <= t + days)).astype(np.int64)
            for days in EXPIRING_HORIZONS
        }
        current = current.assign(occupied=1, overstaying=(current["ends"] < t).astype(np.int64), **expiring)
        per_unit = current.groupby("unit_id").agg(
            occupied=("occupied", "max"),
            overstaying=("overstaying", "sum"),
            arrears=("arrears", "sum"),
            **{name: (name, "sum") for name in expiring},
        )
        u = units.join(per_unit, on="unit_id").fillna(
            {"occupied": 0, "overstaying": 0, "arrears": 0.0, **{name: 0 for name in expiring}}
        )
        u["n"] = 1
        waiting = applications[
            (applications["applied"] <= t)
            & (
                (applications["status"] == "waiting")
                | ((applications["status"] == "allocated") & (applications["allocated"] > t))
            )
        ]
        per_org = u.groupby("org_id", as_index=False)[["n", "occupied", *expiring, "overstaying", "arrears"]].sum()
        queue = waiting.groupby("org_id", as_index=False).size().rename(columns={"size": "waiting"})
        per_org = per_org.merge(queue, on="org_id", how="outer").fillna(0)
        housing_rows = _long(
            per_org,
            {
                "housing.units": "n",
                "housing.occupied_units": "occupied",
                "housing.waiting": "waiting",
                **{f"housing.expiring_{days}d": f"expiring_{days}" for days in EXPIRING_HORIZONS},
                "housing.overstaying": "overstaying",
                "housing.arrears_yuan": "arrears",
            },
            "n",
        )
        rows = pd.concat([office_rows, housing_rows], ignore_index=True)
        rows.attrs["office_shares"] = occupant_shares(r, active)  # for rollup_office_rank, written beside these
        return rows

    return evaluate
