"""Staff turnover housing (周转住房): units, the history of leases, and the waiting list.

Each unit has had a sequence of one- to three-year leases with gaps of 10–120 days; tenants of
ended leases moved out on or before the end (one in ten left early). About 6 % of current tenants
owe one to three months' rent. The only overstaying tenant is the injected one.
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
    ctx.add_count("housing_unit", insert_frame(conn, "housing_unit", unit_frame))
    ctx.add_count("lease", insert_frame(conn, "lease", lease_frame))
    _write_applications(conn, ctx, rng, units, lease_frame)


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
