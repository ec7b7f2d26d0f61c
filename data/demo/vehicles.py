"""Official vehicles: fleet, quotas, trip requests, trips, refuelling and charging, maintenance, insurance.

Trips run in working hours on working days (one to four a day, not overlapping); a few run in the
evening and leaders' cars make early-morning pick-ups (all with a request); law-enforcement and
emergency vehicles also go out on weekends and holidays (with a request). About 3 % of daytime
working-day trips have no request. Refuelling follows the odometer: each fill replaces what the
kilometres since the previous fill burned at the rated consumption, within ±10 %.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..models.vehicle import VEHICLE_CLASSES
from ..rollup import insert_frame
from . import names
from .context import BuildContext, local_to_utc

# Vehicle-class mix by the kind of agency (classes in VEHICLE_CLASSES order:
# confidential, emergency, law_enforcement, special, general).
CLASS_MIX = MappingProxyType(
    {
        "public_security": (0.05, 0.05, 0.60, 0.05, 0.25),
        "emergency": (0.05, 0.60, 0.00, 0.10, 0.25),
        "gov_office": (0.35, 0.10, 0.00, 0.00, 0.55),
        "market": (0.05, 0.00, 0.35, 0.15, 0.45),
        "ecology": (0.05, 0.00, 0.35, 0.15, 0.45),
        "natural_resources": (0.05, 0.00, 0.35, 0.15, 0.45),
        "transport": (0.05, 0.00, 0.35, 0.15, 0.45),
        "agriculture": (0.05, 0.00, 0.35, 0.15, 0.45),
        None: (0.10, 0.05, 0.00, 0.10, 0.75),
    }
)
TRIPS_PER_WORKDAY = MappingProxyType(
    {"confidential": 0.8, "emergency": 0.5, "law_enforcement": 1.1, "special": 0.45, "general": 0.75}
)
WEEKEND_CLASSES = ("emergency", "law_enforcement")
PRICE_YUAN = MappingProxyType({"petrol": 7.9, "diesel": 7.6, "hybrid": 7.9, "electric": 1.15})
UNREQUESTED_SHARE = 0.03
EVENING_SHARE = 0.05
MORNING_PICKUP_SHARE = 0.15


def write_vehicles(conn: Connection, ctx: BuildContext) -> None:
    rng = ctx.rng("vehicles")
    v = ctx.structure.vehicles.merge(
        ctx.structure.orgs[["id", "agency_key"]].rename(columns={"id": "org_id"}), on="org_id"
    )
    n = len(v)
    plan = ctx.plan
    forced = v["id"].isin([plan.weekend_vehicle_id, plan.fuel_mismatch_vehicle_id]).to_numpy()

    classes = np.empty(n, dtype=object)
    mix_key = np.array([k if k in CLASS_MIX else "" for k in v["agency_key"]], dtype=object)
    for key in sorted(set(mix_key)):
        where = np.flatnonzero(mix_key == key)
        mix = np.array(CLASS_MIX[key or None])
        classes[where] = rng.choice(np.array(VEHICLE_CLASSES), len(where), p=mix / mix.sum())
    classes[forced] = "general"
    heavy = np.isin(classes, ["special", "emergency"])
    draw = rng.random(n)
    energy = np.where(
        draw < 0.25,
        "electric",
        np.where(draw < 0.35, "hybrid", np.where(draw < np.where(heavy, 0.6, 0.40), "diesel", "petrol")),
    ).astype(object)
    energy[v["id"].to_numpy() == plan.fuel_mismatch_vehicle_id] = "petrol"
    model, rated = np.empty(n, dtype=object), np.empty(n)
    for kind in np.unique(energy):
        where = np.flatnonzero(energy == kind)
        options = names.VEHICLE_MODELS[kind]
        pick = rng.integers(0, len(options), len(where))
        model[where] = [options[i][0] for i in pick]
        rated[where] = np.round([rng.uniform(options[i][1], options[i][2]) for i in pick], 1)
    acquired = ctx.as_of_number - rng.integers(30, 3650, n)
    acquired = np.where(forced, np.minimum(acquired, ctx.first_day_number - 200), acquired)
    status = rng.choice(np.array(["in_service", "repair", "idle"]), n, p=[0.94, 0.03, 0.03]).astype(object)
    status[forced] = "in_service"
    drivers = names.person_names(rng, n)
    frame = pd.DataFrame(
        {
            "id": v["id"],
            "plate": v["plate"],
            "org_id": v["org_id"],
            "vehicle_class": classes,
            "energy_type": energy,
            "model": model,
            "rated_consumption": rated,
            "acquired_on": acquired.astype("datetime64[D]"),
            "status": status,
            "driver_name": drivers,
            "driver_phone": names.phone_numbers(rng, n),
            "driver_id_number": names.id_numbers(rng, n),
        }
    )
    ctx.add_count("vehicle", insert_frame(conn, "vehicle", frame))

    quota = frame.groupby(["org_id", "vehicle_class"], as_index=False).size()
    quota["approved"] = quota["size"] + rng.integers(0, 2, len(quota))
    ctx.add_count("vehicle_quota", insert_frame(conn, "vehicle_quota", quota[["org_id", "vehicle_class", "approved"]]))

    trips = _trips(ctx, rng, frame)
    _write_trips(conn, ctx, rng, frame, trips)
    odometer_start = _write_fuel(conn, ctx, rng, frame, trips)
    _write_maintenance(conn, ctx, rng, frame, trips, odometer_start)
    _write_insurance(conn, ctx, rng, frame)


def _trips(ctx: BuildContext, rng: np.random.Generator, vehicles: pd.DataFrame) -> pd.DataFrame:
    """Trips as local start minutes from the first data day, sorted by vehicle and start."""
    n, n_days = len(vehicles), ctx.n_days
    classes = vehicles["vehicle_class"].to_numpy()
    rate = np.array([TRIPS_PER_WORKDAY[c] for c in classes]) * rng.uniform(0.5, 1.4, n)
    day_numbers = ctx.first_day_number + np.arange(n_days)
    available = (
        day_numbers[None, :] >= vehicles["acquired_on"].to_numpy().astype("datetime64[D]").astype(np.int64)[:, None]
    )
    status = vehicles["status"].to_numpy()
    available &= ~((status == "idle")[:, None] & (day_numbers[None, :] >= ctx.as_of_number - 60))
    available &= ~((status == "repair")[:, None] & (day_numbers[None, :] >= ctx.as_of_number - 7))
    workday = ctx.workday[None, :]
    weekend_class = np.isin(classes, WEEKEND_CLASSES)[:, None]
    expected = np.where(workday, rate[:, None], np.where(weekend_class, 0.3 * rate[:, None], 0.0))
    count = np.minimum(rng.poisson(expected * available), np.where(workday, 4, 2))

    vehicle_idx, day_idx = np.nonzero(count)
    k = count[vehicle_idx, day_idx]
    cell = np.repeat(np.arange(len(k)), k)
    j = np.arange(len(cell)) - np.repeat(np.cumsum(k) - k, k)  # trip number within its vehicle-day
    kk = k[cell]
    on_workday = ctx.workday[day_idx[cell]]
    window_start = 60 * np.where(on_workday, 8, 9)  # local minutes: from 08:00 on working days, else 09:00
    slot = np.where(on_workday, 570, 660) / kk
    start = window_start + j * slot + rng.uniform(0, 0.25, len(cell)) * slot
    duration = rng.uniform(0.35, 0.6, len(cell)) * slot
    km = np.minimum(np.maximum(rng.lognormal(np.log(22), 0.6, len(cell)), 2.0), duration / 60 * 55)
    requested = ~(on_workday & (rng.random(len(cell)) < UNREQUESTED_SHARE))
    purposes = np.asarray(names.TRIP_PURPOSES, dtype=object)[rng.integers(0, len(names.TRIP_PURPOSES), len(cell))]
    daytime = pd.DataFrame(
        {
            "vehicle_idx": vehicle_idx[cell],
            "day": day_idx[cell],
            "start": np.floor(start),
            "minutes": np.maximum(15, np.floor(duration)),
            "km": km,
            "requested": requested,
            "purpose": purposes,
        }
    )

    evening_cells = np.nonzero(available & workday & (rng.random((n, n_days)) < EVENING_SHARE))
    m = len(evening_cells[0])
    evening_minutes = rng.uniform(30, 120, m)
    evening = pd.DataFrame(
        {
            "vehicle_idx": evening_cells[0],
            "day": evening_cells[1],
            "start": np.floor(18.5 * 60 + rng.uniform(0, 150, m)),
            "minutes": np.floor(evening_minutes),
            "km": np.minimum(np.maximum(rng.lognormal(np.log(15), 0.5, m), 2.0), evening_minutes / 60 * 50),
            "requested": True,
            "purpose": np.asarray(names.EVENING_PURPOSES, dtype=object)[
                rng.integers(0, len(names.EVENING_PURPOSES), m)
            ],
        }
    )
    # Leaders' cars pick them up before office hours (07:00–07:55, with a request).
    morning_cells = np.nonzero(
        available & workday & (classes == "confidential")[:, None] & (rng.random((n, n_days)) < MORNING_PICKUP_SHARE)
    )
    k = len(morning_cells[0])
    morning = pd.DataFrame(
        {
            "vehicle_idx": morning_cells[0],
            "day": morning_cells[1],
            "start": np.floor(7 * 60 + rng.uniform(0, 30, k)),
            "minutes": np.floor(rng.uniform(15, 25, k)),
            "km": rng.uniform(5, 15, k),
            "requested": True,
            "purpose": "接送",
        }
    )
    frames = [morning, daytime, evening, _weekend_anomaly(ctx, rng, vehicles)]
    trips = pd.concat(frames, ignore_index=True)
    trips["km"] = np.round(trips["km"].to_numpy(dtype=float), 1)
    return trips.sort_values(["vehicle_idx", "day", "start"], kind="stable").reset_index(drop=True)


def _weekend_anomaly(ctx: BuildContext, rng: np.random.Generator, vehicles: pd.DataFrame) -> pd.DataFrame:
    """The injected private use: one or both days of each of the last weekends, no request."""
    vehicle_idx = int(np.flatnonzero(vehicles["id"].to_numpy() == ctx.plan.weekend_vehicle_id)[0])
    day_idx = np.arange(ctx.n_days)
    weekday = (ctx.first_day_number + day_idx + 3) % 7
    weekend = day_idx[(weekday >= 5) & ~ctx.workday & (day_idx >= ctx.n_days - 7 * ctx.plan.weekend_weeks)]
    saturdays = weekend[weekday[weekend] == 5]
    days = []
    for saturday in saturdays:
        pair = [d for d in (saturday, saturday + 1) if d in set(weekend)]
        days += pair if rng.random() < 0.4 else [pair[int(rng.integers(0, len(pair)))]]
    m = len(days)
    minutes = rng.uniform(120, 300, m)
    return pd.DataFrame(
        {
            "vehicle_idx": vehicle_idx,
            "day": np.array(days, dtype=np.int64),
            "start": np.floor(10 * 60 + rng.uniform(0, 240, m)),
            "minutes": np.floor(minutes),
            "km": rng.uniform(60, 180, m),
            "requested": False,
            "purpose": None,
        }
    )


def _write_trips(
    conn: Connection, ctx: BuildContext, rng: np.random.Generator, vehicles: pd.DataFrame, trips: pd.DataFrame
) -> None:
    first = np.datetime64(ctx.first_day, "D").astype("datetime64[m]")
    local_start = first + (
        trips["day"].to_numpy(dtype=np.int64) * 1440 + trips["start"].to_numpy(dtype=np.int64)
    ).astype("timedelta64[m]")
    local_end = local_start + trips["minutes"].to_numpy(dtype=np.int64).astype("timedelta64[m]")
    trips["start_ts"] = local_to_utc(local_start, ctx.calendar)
    trips["end_ts"] = local_to_utc(local_end, ctx.calendar)
    trips["vehicle_id"] = vehicles["id"].to_numpy()[trips["vehicle_idx"].to_numpy()]
    trips["id"] = np.arange(1, len(trips) + 1)
    requested = trips["requested"].to_numpy(dtype=bool)
    request_id = np.full(len(trips), -1, dtype=np.int64)
    request_id[requested] = np.arange(1, requested.sum() + 1)
    trips["request_id"] = pd.Series(request_id, dtype="Int64").mask(~requested)
    org = vehicles["org_id"].to_numpy()[trips["vehicle_idx"].to_numpy()]
    r = int(requested.sum())
    requests = pd.DataFrame(
        {
            "id": np.arange(1, r + 1),
            "code": [f"TR-{i:08d}" for i in range(1, r + 1)],
            "org_id": org[requested],
            "requested_by_name": names.person_names(rng, r),
            "purpose": trips["purpose"].to_numpy()[requested],
            "approved_at": trips["start_ts"].to_numpy()[requested]
            - (rng.uniform(1, 48, r) * 3600).astype("timedelta64[s]"),
        }
    )
    ctx.add_count("trip_request", insert_frame(conn, "trip_request", requests))
    trips["driver_name"] = vehicles["driver_name"].to_numpy()[trips["vehicle_idx"].to_numpy()]
    local_day = ctx.first_day_number + trips["day"].to_numpy(dtype=np.int64)
    trips["batch_id"] = ctx.registry.assign(
        ctx.source_codes["vehicle"], "vehicle", "trip", "trips", local_day, str(vehicles["plate"].iloc[0])
    )
    columns = ["id", "vehicle_id", "start_ts", "end_ts", "km", "request_id", "purpose", "driver_name", "batch_id"]
    ctx.add_count("trip", insert_frame(conn, "trip", trips[columns]))


def _cumulative_km(trips: pd.DataFrame) -> np.ndarray:
    return trips.groupby("vehicle_idx")["km"].cumsum().to_numpy(dtype=float)


def _write_fuel(
    conn: Connection, ctx: BuildContext, rng: np.random.Generator, vehicles: pd.DataFrame, trips: pd.DataFrame
) -> np.ndarray:
    """Refuelling / charging records; returns each vehicle's odometer at the start of the range."""
    n = len(vehicles)
    energy = vehicles["energy_type"].to_numpy()
    electric = energy == "electric"
    threshold = np.where(electric, rng.uniform(150, 250, n), rng.uniform(300, 500, n))
    offset = rng.uniform(0, 1, n) * threshold
    odometer_start = np.round(rng.uniform(3000, 90000, n), 0)
    v = trips["vehicle_idx"].to_numpy()
    cumulative = _cumulative_km(trips) + offset[v]
    fills = np.floor(cumulative / threshold[v])
    previous = np.where(np.r_[True, v[1:] != v[:-1]], 0, np.r_[0, fills[:-1]])
    event = fills > previous
    idx = np.flatnonzero(event)
    ev = v[idx]
    # km since the previous fill of the same vehicle (for the first fill: since the virtual one at offset 0)
    prior = np.where(np.r_[True, ev[1:] != ev[:-1]], 0.0, np.r_[0.0, cumulative[idx][:-1]])
    km_since = cumulative[idx] - prior
    rated = vehicles["rated_consumption"].to_numpy(dtype=float)[ev]
    quantity = km_since * rated / 100.0 * np.clip(rng.lognormal(0, 0.04, len(idx)), 0.9, 1.1)
    ts = trips["end_ts"].to_numpy()[idx] + (rng.uniform(5, 15, len(idx)) * 60).astype("timedelta64[s]")
    local_day = ctx.calendar.local_days(ts)
    mismatch = (vehicles["id"].to_numpy()[ev] == ctx.plan.fuel_mismatch_vehicle_id) & (
        local_day >= ctx.as_of_number - ctx.plan.fuel_mismatch_days
    )
    quantity = np.round(np.where(mismatch, quantity * ctx.plan.fuel_mismatch_factor, quantity), 2)
    month = local_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    price = np.array([PRICE_YUAN[e] for e in energy])[ev] * np.where(electric[ev], 1.0, 1.0 + 0.04 * np.sin(month))
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(idx) + 1),
            "vehicle_id": vehicles["id"].to_numpy()[ev],
            "ts": ts,
            "kind": np.where(electric[ev], "charge", "fuel"),
            "quantity": quantity,
            "unit": np.where(electric[ev], "kWh", "L"),
            "cost_yuan": np.round(quantity * price, 2),
            "odometer_km": np.round(odometer_start[ev] + cumulative[idx] - offset[ev], 1),
            "batch_id": ctx.registry.assign(
                ctx.source_codes["vehicle"], "vehicle", "fuel_record", "fuel", local_day, str(vehicles["plate"].iloc[0])
            ),
        }
    )
    ctx.add_count("fuel_record", insert_frame(conn, "fuel_record", frame))
    return odometer_start


def _write_maintenance(
    conn: Connection,
    ctx: BuildContext,
    rng: np.random.Generator,
    vehicles: pd.DataFrame,
    trips: pd.DataFrame,
    odometer_start: np.ndarray,
) -> None:
    n = len(vehicles)
    acquired = vehicles["acquired_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    first, last = ctx.first_day_number, ctx.first_day_number + ctx.n_days - 1
    parts = []
    for kind, every, cost_low, cost_high in (("routine", 180, 400, 1500), ("inspection", 365, 200, 450)):
        k_first = np.maximum(1, np.ceil((first - acquired) / every)).astype(np.int64)
        k_last = np.floor((last - acquired) / every).astype(np.int64)
        count = np.maximum(0, k_last - k_first + 1)
        vi = np.repeat(np.arange(n), count)
        k = k_first[vi] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        day = acquired[vi] + k * every + rng.integers(-5, 6, len(vi))
        keep = (day >= first) & (day <= last)
        parts.append(
            pd.DataFrame(
                {
                    "vehicle_idx": vi[keep],
                    "day": day[keep],
                    "kind": kind,
                    "cost_yuan": np.round(rng.uniform(cost_low, cost_high, keep.sum()), 2),
                    "next_due": day[keep] + every,
                }
            )
        )
    repairs = rng.poisson(0.8 * ctx.n_days / 365.0, n)
    vi = np.repeat(np.arange(n), repairs)
    day = rng.integers(first, last + 1, len(vi))
    keep = day >= acquired[vi]
    parts.append(
        pd.DataFrame(
            {
                "vehicle_idx": vi[keep],
                "day": day[keep],
                "kind": "repair",
                "cost_yuan": np.round(np.clip(rng.lognormal(np.log(1800), 0.7, keep.sum()), 300, 20000), 2),
                "next_due": -1,
            }
        )
    )
    records = pd.concat(parts, ignore_index=True).drop_duplicates(["vehicle_idx", "day", "kind"])
    records = records.sort_values(["vehicle_idx", "day", "kind"]).reset_index(drop=True)
    # Odometer: the vehicle's reading after its last trip on or before that day.
    trip_key = trips["vehicle_idx"].to_numpy() * 100_000 + trips["day"].to_numpy()
    cumulative = _cumulative_km(trips)
    record_key = records["vehicle_idx"].to_numpy() * 100_000 + (records["day"].to_numpy() - first)
    pos = np.searchsorted(trip_key, record_key, side="right") - 1
    same = (pos >= 0) & (trips["vehicle_idx"].to_numpy()[np.maximum(pos, 0)] == records["vehicle_idx"].to_numpy())
    driven = np.where(same, cumulative[np.maximum(pos, 0)], 0.0)
    vi = records["vehicle_idx"].to_numpy()
    next_due = records["next_due"].to_numpy()
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(records) + 1),
            "vehicle_id": vehicles["id"].to_numpy()[vi],
            "performed_on": records["day"].to_numpy().astype("datetime64[D]"),
            "kind": records["kind"].to_numpy(),
            "cost_yuan": records["cost_yuan"].to_numpy(),
            "odometer_km": np.round(odometer_start[vi] + driven, 1),
            "next_due_on": np.where(next_due >= 0, next_due, np.iinfo(np.int64).min).astype("datetime64[D]"),
            "batch_id": ctx.registry.assign(
                ctx.source_codes["vehicle"],
                "vehicle",
                "maintenance_record",
                "maintenance",
                records["day"].to_numpy(),
                str(vehicles["plate"].iloc[0]),
            ),
        }
    )
    ctx.add_count("maintenance_record", insert_frame(conn, "maintenance_record", frame))


def _write_insurance(conn: Connection, ctx: BuildContext, rng: np.random.Generator, vehicles: pd.DataFrame) -> None:
    """Yearly policies from each acquisition anniversary, covering the data range up to as_of."""
    n = len(vehicles)
    acquired = vehicles["acquired_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    years_held = (ctx.as_of_number - acquired) // 365
    first_k = np.maximum(0, (ctx.first_day_number - acquired) // 365 - 1)
    count = np.maximum(0, years_held - first_k + 1)
    vi = np.repeat(np.arange(n), count)
    k = first_k[vi] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    starts = acquired[vi] + np.round(k * 365.25).astype(np.int64)
    ends = acquired[vi] + np.round((k + 1) * 365.25).astype(np.int64) - 1
    keep = (ends >= ctx.first_day_number) & (starts <= ctx.as_of_number)
    vi, k, starts, ends = vi[keep], k[keep], starts[keep], ends[keep]
    ids = vehicles["id"].to_numpy()[vi]
    year = starts.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(vi) + 1),
            "vehicle_id": ids,
            "insurer": np.asarray(names.INSURERS, dtype=object)[rng.integers(0, len(names.INSURERS), len(vi))],
            "policy_no": [f"PDAA{y}{v:06d}{kk:02d}" for y, v, kk in zip(year, ids, k)],
            "starts_on": starts.astype("datetime64[D]"),
            "ends_on": ends.astype("datetime64[D]"),
            "premium_yuan": np.round(rng.uniform(2800, 7500, len(vi)), 2),
            "batch_id": ctx.registry.assign(
                ctx.source_codes["vehicle"],
                "vehicle",
                "insurance_policy",
                "insurance",
                starts,
                str(vehicles["plate"].iloc[0]),
            ),
        }
    )
    ctx.add_count("insurance_policy", insert_frame(conn, "insurance_policy", frame))
