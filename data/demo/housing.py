"""Staff turnover housing (周转住房): units, the history of leases, and the waiting list.

Each unit has had a sequence of one- to three-year leases with gaps of 10–120 days; tenants of
ended leases moved out on or before the end (one in ten left early). About 6 % of current tenants
owe one to three months' rent. The only overstaying tenant is the injected one.

The recorded status disagrees with the leases on a few units (``_lease_discrepancies``): units
recorded occupied with nobody in them, units recorded available or under repair with a tenant,
units with a second, overlapping lease, and tenants from another region's units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..rollup import insert_frame
from . import names
from .context import BuildContext

HISTORY_DAYS = 6 * 365
REPAIR_SHARE = 0.03
#: Discrepancies for the lease cross-check (租住核对), each on this many units.
DISCREPANCIES_PER_KIND = 2
OVERLAP_STARTS_AFTER_DAYS = 30  # the second lease starts this long after the unit's current one
OVERLAP_RUNS_DAYS = 400  # and ends this long after as-of (neither expiring nor overstaying)


def write_housing(conn: Connection, ctx: BuildContext) -> None:
    rng = ctx.rng("housing")
    plan = ctx.plan
    units = ctx.structure.housing_units.copy()
    n = len(units)
    area = np.round(rng.uniform(45, 90, n), 1)
    rent = np.round(area * rng.uniform(8, 14, n), -1)
    as_of = ctx.as_of_number
    repair = rng.random(n) < REPAIR_SHARE
    repair[units["id"].to_numpy() == plan.overstaying_unit_id] = False

    leases = []  # (unit index, starts, ends, moved_out or None)
    cursor = as_of - HISTORY_DAYS + rng.integers(0, 400, n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        start = cursor[idx] + rng.integers(10, 121, len(idx))
        too_late = start >= as_of
        years = rng.choice(np.array([1, 2, 3]), len(idx), p=[0.3, 0.5, 0.2])
        end = start + np.round(years * 365.25).astype(np.int64) - 1
        ended = end < as_of
        early = rng.random(len(idx)) < 0.1
        moved_out = np.where(
            early,
            start + ((end - start) * rng.uniform(0.3, 0.9, len(idx))).astype(np.int64),
            end - rng.integers(0, 21, len(idx)),
        )
        keep = ~too_late & ~(~ended & repair[idx])  # units under repair have nobody living in them now
        for i, s, e, mo, done in zip(idx[keep], start[keep], end[keep], moved_out[keep], ended[keep]):
            leases.append((i, s, e, mo if done else None))
        cursor[idx] = np.where(ended, moved_out, cursor[idx])
        active[idx[too_late | ~ended]] = False
    frame = pd.DataFrame(leases, columns=["unit", "starts", "ends", "moved_out"])

    # The injected overstayer: the lease ended long ago and nobody moved out.
    target = int(np.flatnonzero(units["id"].to_numpy() == plan.overstaying_unit_id)[0])
    ends = as_of - plan.overstaying_days
    starts = ends - 730 + 1
    mine = frame["unit"] == target
    clash = mine & (
        (frame["moved_out"].fillna(frame["ends"]).astype(np.int64) >= starts - 15) | (frame["starts"] >= starts - 15)
    )
    frame = (
        pd.concat(
            [frame[~clash], pd.DataFrame([(target, starts, ends, None)], columns=frame.columns)], ignore_index=True
        )
        .sort_values(["unit", "starts"])
        .reset_index(drop=True)
    )

    m = len(frame)
    current = frame["moved_out"].isna().to_numpy()
    unit_rent = rent[frame["unit"].to_numpy()]
    years_ago = (as_of - frame["starts"].to_numpy(dtype=np.int64)) / 365.0
    lease_rent = np.round(unit_rent * (1 - 0.02 * np.maximum(0, years_ago)), -1)
    arrears = np.where(current & (rng.random(m) < 0.06), lease_rent * rng.integers(1, 4, m), 0.0)
    owner = units["org_id"].to_numpy()[frame["unit"].to_numpy()]
    agencies = ctx.structure.agencies
    region_of_owner = dict(zip(agencies["id"], agencies["region_id"]))
    by_region = {r: g["id"].to_numpy() for r, g in agencies.groupby("region_id")}
    tenant_org = np.array([rng.choice(by_region[region_of_owner[o]]) for o in owner])
    starts = frame["starts"].to_numpy(dtype=np.int64)
    lease_frame = pd.DataFrame(
        {
            "id": np.arange(1, m + 1),
            "unit_id": units["id"].to_numpy()[frame["unit"].to_numpy()],
            "tenant_name": names.person_names(rng, m),
            "tenant_phone": names.phone_numbers(rng, m),
            "tenant_id_number": names.id_numbers(rng, m),
            "tenant_org_id": tenant_org,
            "starts_on": starts.astype("datetime64[D]"),
            "ends_on": frame["ends"].to_numpy(dtype=np.int64).astype("datetime64[D]"),
            "moved_out_on": frame["moved_out"]
            .fillna(np.iinfo(np.int64).min)
            .to_numpy(dtype=np.int64)
            .astype("datetime64[D]"),
            "monthly_rent_yuan": lease_rent,
            "arrears_yuan": np.round(arrears, 2),
            "batch_id": ctx.registry.assign(
                ctx.source_codes["housing"], "housing", "lease", "lease", starts, str(units["code"].iloc[0])
            ),
        }
    )

    occupied = np.zeros(n, dtype=bool)
    occupied[frame["unit"].to_numpy()[current]] = True
    status = np.where(occupied, "occupied", np.where(repair, "repair", "available"))
    unit_frame = pd.DataFrame(
        {
            "id": units["id"],
            "code": units["code"],
            "org_id": units["org_id"],
            "building_id": None,
            "area_m2": area,
            "rooms": np.where(area < 55, 1, np.where(area < 75, 2, 3)),
            "monthly_rent_yuan": rent,
            "status": status,
        }
    )
    unit_frame, lease_frame = _lease_discrepancies(ctx, unit_frame, lease_frame)
    ctx.add_count("housing_unit", insert_frame(conn, "housing_unit", unit_frame))
    ctx.add_count("lease", insert_frame(conn, "lease", lease_frame))
    _write_applications(conn, ctx, rng, units, lease_frame[: len(frame)])


def _write_applications(
    conn: Connection, ctx: BuildContext, rng: np.random.Generator, units: pd.DataFrame, leases: pd.DataFrame
) -> None:
    """The waiting list: people waiting now, and the history of allocations and withdrawals."""
    as_of = ctx.as_of_number
    owners = units.groupby("org_id").size()
    waiting = np.concatenate(
        [np.full(max(1, int(round(count * rng.uniform(0.05, 0.15)))), org) for org, count in owners.items()]
    )
    w = len(waiting)
    parts = [
        pd.DataFrame(
            {
                "org_id": waiting,
                "applied": as_of - rng.integers(5, 540, w),
                "status": "waiting",
                "allocated": np.iinfo(np.int64).min,
            }
        )
    ]
    recent = leases[leases["starts_on"].to_numpy().astype("datetime64[D]").astype(np.int64) >= ctx.first_day_number]
    unit_owner = dict(zip(units["id"], units["org_id"]))
    allocated_on = recent["starts_on"].to_numpy().astype("datetime64[D]").astype(np.int64) - rng.integers(
        3, 20, len(recent)
    )
    parts.append(
        pd.DataFrame(
            {
                "org_id": [unit_owner[u] for u in recent["unit_id"]],
                "applied": allocated_on - rng.integers(30, 300, len(recent)),
                "status": "allocated",
                "allocated": allocated_on,
            }
        )
    )
    withdrawn = max(1, len(recent) // 30)
    parts.append(
        pd.DataFrame(
            {
                "org_id": rng.choice(units["org_id"].to_numpy(), withdrawn),
                "applied": ctx.first_day_number + rng.integers(0, ctx.n_days, withdrawn),
                "status": "withdrawn",
                "allocated": np.iinfo(np.int64).min,
            }
        )
    )
    apps = pd.concat(parts, ignore_index=True).sort_values(["applied", "org_id"], kind="stable").reset_index(drop=True)
    k = len(apps)
    frame = pd.DataFrame(
        {
            "id": np.arange(1, k + 1),
            "org_id": apps["org_id"].to_numpy(dtype=np.int64),
            "applicant_name": names.person_names(rng, k),
            "applicant_phone": names.phone_numbers(rng, k),
            "applied_on": apps["applied"].to_numpy(dtype=np.int64).astype("datetime64[D]"),
            "status": apps["status"].to_numpy(),
            "allocated_on": apps["allocated"].to_numpy(dtype=np.int64).astype("datetime64[D]"),
        }
    )
    ctx.add_count("housing_application", insert_frame(conn, "housing_application", frame))


def _lease_discrepancies(
    ctx: BuildContext, units: pd.DataFrame, leases: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units and leases with ``DISCREPANCIES_PER_KIND`` of each lease cross-check finding, chosen
    by position among units in code order (never the overstaying one) without random draws, so
    the rest of the demo is unchanged: recorded occupied without a lease, recorded available or
    under repair with a current lease whose end is over 90 days away, a second current lease on a
    unit (starting after its current one, copying an ended lease's tenant), and a current tenant
    from an agency of another region (units of city and county offices administrations)."""
    n = DISCREPANCIES_PER_KIND
    units = units.copy()
    leases = leases.copy()
    as_of = np.datetime64(ctx.as_of, "D")
    current = leases["moved_out_on"].isna().to_numpy()
    far = current & (leases["ends_on"].to_numpy() > as_of + np.timedelta64(120, "D"))
    per_unit = leases[current].groupby("unit_id").size()
    single = set(per_unit[per_unit == 1].index)
    candidates = [
        int(u) for u in units.sort_values("code")["id"] if int(u) != ctx.plan.overstaying_unit_id and int(u) in single
    ]
    far_units = set(leases.loc[far, "unit_id"].astype(int))
    leased = [u for u in candidates if u in far_units]
    empty = units[(units["status"] == "available")].sort_values("code")["id"].astype(int).tolist()[:n]
    units.loc[units["id"].isin(empty), "status"] = "occupied"
    to_available, to_repair, overlapped = leased[:n], leased[n : 2 * n], leased[2 * n : 3 * n]
    units.loc[units["id"].isin(to_available), "status"] = "available"
    units.loc[units["id"].isin(to_repair), "status"] = "repair"

    region_of = dict(zip(ctx.structure.agencies["id"], ctx.structure.agencies["region_id"]))
    province_region = region_of[ctx.structure.agency_id(ctx.structure.region_code("province", 0), "affairs")]
    owner = dict(zip(units["id"].astype(int), units["org_id"].astype(int)))
    regional = [u for u in leased[3 * n :] if region_of[owner[u]] != province_region][:n]
    agencies = ctx.structure.agencies.sort_values("id")
    for unit in regional:
        other = agencies[agencies["region_id"] != region_of[owner[unit]]]["id"].iloc[0]
        leases.loc[current & (leases["unit_id"] == unit).to_numpy(), "tenant_org_id"] = int(other)

    ended = leases[~current].iloc[: len(overlapped)]
    added = []
    for unit, past in zip(overlapped, ended.itertuples()):
        mine = leases[current & (leases["unit_id"] == unit).to_numpy()].iloc[0]
        added.append(
            {
                "unit_id": unit,
                "tenant_name": past.tenant_name,
                "tenant_phone": past.tenant_phone,
                "tenant_id_number": past.tenant_id_number,
                "tenant_org_id": int(mine["tenant_org_id"]),
                "starts_on": mine["starts_on"] + np.timedelta64(OVERLAP_STARTS_AFTER_DAYS, "D"),
                "ends_on": as_of + np.timedelta64(OVERLAP_RUNS_DAYS, "D"),
                "moved_out_on": np.datetime64("NaT", "D"),
                "monthly_rent_yuan": float(mine["monthly_rent_yuan"]),
                "arrears_yuan": 0.0,
            }
        )
    if added:
        extra = pd.DataFrame(added)
        extra.insert(0, "id", np.arange(len(leases) + 1, len(leases) + 1 + len(extra)))
        starts = extra["starts_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
        extra["batch_id"] = ctx.registry.assign(
            ctx.source_codes["housing"], "housing", "lease", "lease", starts, str(units["code"].iloc[0])
        )
        extra = extra.astype({c: leases[c].dtype for c in ("starts_on", "ends_on", "moved_out_on")})
        leases = pd.concat([leases, extra[leases.columns]], ignore_index=True)
    return units, leases
