"""The live simulator: keeps the demo province alive with new readings, trips and refuels.

Every run covers the time since the previous one (at most ``max_catchup_hours``):

* an hourly reading for each active hourly electricity meter for every hour boundary crossed,
  from the building's recent daily consumption and an office load curve, with noise;
* a daily reading for each daily meter (water, gas, heat) at each local midnight crossed;
* trips that ended in the window, mostly in working hours, each with an approved request;
* now and then a refuel or a charge.

Occasionally (``anomaly_rate`` per run) it produces one of the shapes the product must catch:
night-time load in a building, a reading spike (which the loader quarantines as an implausible
jump), a trip at night without a request, and a refuel that does not match the mileage.

Values depend only on the seed and the time they describe, so a window simulated twice yields
the same rows, which the natural-key upsert then counts as duplicates.
Everything goes through the normal pipeline: one batch per fact, with provenance.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import Engine, func, select, update

from data.models import DataSource, Meter, MeterReading, RollupDaily, TripRequest, Vehicle

from .batch_record import BatchResult
from .facts import Settings
from .pipeline import load_records

UTC = dt.UTC
# Share of a working day's electricity per local hour (0..23) in an office building.
OFFICE_CURVE = (
    0.45,
    0.42,
    0.40,
    0.40,
    0.42,
    0.48,
    0.65,
    0.95,
    1.45,
    1.70,
    1.75,
    1.70,
    1.45,
    1.55,
    1.70,
    1.70,
    1.60,
    1.35,
    1.00,
    0.80,
    0.70,
    0.60,
    0.52,
    0.48,
)
_CURVE_MEAN = sum(OFFICE_CURVE) / 24
ANOMALY_SHAPES = ("night_load", "spike", "offhours_trip", "fuel_mismatch")
HWM_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _rng(seed, *parts) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _floor(ts: dt.datetime, minutes: int) -> dt.datetime:
    epoch = int(ts.timestamp()) // (minutes * 60) * minutes * 60
    return dt.datetime.fromtimestamp(epoch, UTC)


def simulation_window(source, now: dt.datetime, engine: Engine) -> tuple[dt.datetime, dt.datetime]:
    cfg = source.config or {}
    catchup = dt.timedelta(hours=float(cfg.get("max_catchup_hours", 48)))
    start = None
    if source.high_water_mark:
        start = dt.datetime.strptime(source.high_water_mark, HWM_FORMAT).replace(tzinfo=UTC)
    else:
        with engine.connect() as conn:
            meter_id = conn.execute(
                select(Meter.id).where(Meter.kind == "electricity", Meter.active.is_(True)).order_by(Meter.id).limit(1)
            ).scalar()
            if meter_id is not None:
                start = conn.execute(
                    select(func.max(MeterReading.ts)).where(MeterReading.meter_id == meter_id)
                ).scalar()
        start = start or now - dt.timedelta(hours=1)
    return max(start, now - catchup), now


def run_simulator(engine: Engine, source, *, now: dt.datetime, settings: Settings) -> list[BatchResult]:
    cfg = source.config or {}
    seed = cfg.get("seed", 1)
    calendar = settings.calendar
    zone = calendar.zone  # the local hours and midnights of the helpers below are those of the calendar
    start, end = simulation_window(source, now, engine)
    if end <= start:
        return []
    anomaly = None
    roll = _rng(seed, "anomaly", _floor(end, 1).isoformat())
    if roll.random() < float(cfg.get("anomaly_rate", 0.02)):
        anomaly = roll.choice(ANOMALY_SHAPES)
    with engine.connect() as conn:
        readings = _readings(conn, seed, start, end, zone, anomaly)
        trips, fuels = _vehicle_events(conn, seed, start, end, zone, anomaly, cfg)
    results = []
    name = f"simulator {calendar.local(start):%m-%d %H:%M} – {calendar.local(end):%m-%d %H:%M}"
    batches = [(fact, rows) for fact, rows in (("meter_reading", readings), ("trip", trips), ("fuel", fuels)) if rows]

    def set_mark(conn, _result):
        conn.execute(
            update(DataSource).where(DataSource.id == source.id).values(high_water_mark=end.strftime(HWM_FORMAT))
        )

    for index, (fact, rows) in enumerate(batches):
        last = index == len(batches) - 1
        results.append(
            load_records(
                engine,
                fact,
                rows,
                now=now,
                name=name,
                source_id=source.id,
                settings=settings,
                # the readings name no unit: without a unit column, each is in its meter's own unit
                columns=("meter_code", "ts", "value") if fact == "meter_reading" else None,
                in_transaction=set_mark if last else None,
            )
        )
    if not batches:
        with engine.begin() as conn:
            set_mark(conn, None)
    return results


def _readings(conn, seed, start, end, zone, anomaly) -> list[dict]:
    meters = conn.execute(
        select(Meter.id, Meter.code, Meter.building_id, Meter.kind, Meter.interval_minutes)
        .where(Meter.active.is_(True))
        .order_by(Meter.id)
    ).all()
    if not meters:
        return []
    per_building_kind: dict = {}
    for m in meters:
        per_building_kind[(m.building_id, m.kind)] = per_building_kind.get((m.building_id, m.kind), 0) + 1
    building_ids = [m.building_id for m in meters]
    baselines: dict = {}

    def daily_for(day):
        # The yardstick of an hour is the history before its own day, so that simulating the same
        # hour again (in any window) yields the same value.
        if day not in baselines:
            baselines[day] = _recent_daily(conn, building_ids, day)
        return baselines[day]

    hours = []
    h = _floor(start, 60) + dt.timedelta(hours=1)
    while h <= end:
        hours.append(h)
        h += dt.timedelta(hours=1)
    midnights = [h for h in hours if h.astimezone(zone).hour == 0]
    target_building = None
    if anomaly in ("night_load", "spike"):
        target_building = _rng(seed, "target", end.isoformat()).choice(sorted({m.building_id for m in meters}))
    out = []
    for m in meters:
        share = 1.0 / per_building_kind[(m.building_id, m.kind)]
        if m.interval_minutes == 60:
            for h in hours:
                local = h.astimezone(zone)
                start_local = local - dt.timedelta(hours=1)
                base_daily = daily_for(start_local.date()).get((m.building_id, m.kind))
                if base_daily is None:
                    continue
                base_daily *= share
                hour_of_interval = start_local.hour
                weekend = local.weekday() >= 5
                shape = OFFICE_CURVE[hour_of_interval] / _CURVE_MEAN
                if weekend:
                    shape = min(shape, 0.6)
                rng = _rng(seed, m.id, h.isoformat())
                value = base_daily / 24 * shape * rng.uniform(0.9, 1.1)
                if (
                    m.building_id == target_building
                    and anomaly == "night_load"
                    and (hour_of_interval >= 22 or hour_of_interval < 6)
                ):
                    value *= 3.0
                if m.building_id == target_building and anomaly == "spike" and h == hours[-1]:
                    value *= 60.0
                out.append(
                    {"meter_code": m.code, "ts": local.replace(tzinfo=None), "value": round(value, 2), "unit": None}
                )
        elif m.interval_minutes == 1440:
            for h in midnights:
                base_daily = daily_for((h.astimezone(zone) - dt.timedelta(days=1)).date()).get((m.building_id, m.kind))
                if base_daily is None:
                    continue
                base_daily *= share
                rng = _rng(seed, m.id, h.isoformat())
                out.append(
                    {
                        "meter_code": m.code,
                        "ts": h.astimezone(zone).replace(tzinfo=None),
                        "value": round(base_daily * rng.uniform(0.85, 1.15), 3),
                        "unit": None,
                    }
                )
    return out


def _recent_daily(conn, building_ids, day) -> dict:
    """Average daily consumption per (building, kind) over the 60 days before ``day``."""
    metrics = {
        "energy.electricity_kwh": "electricity",
        "energy.water_m3": "water",
        "energy.gas_m3": "gas",
        "energy.heat_gj": "heat",
    }
    out: dict = {}
    ids = sorted(set(building_ids))
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        stmt = (
            select(RollupDaily.metric_id, RollupDaily.entity_id, func.avg(RollupDaily.value))
            .where(
                RollupDaily.metric_id.in_(list(metrics)),
                RollupDaily.entity_kind == "building",
                RollupDaily.entity_id.in_(part),
                RollupDaily.day >= day - dt.timedelta(days=60),
                RollupDaily.day < day,
            )
            .group_by(RollupDaily.metric_id, RollupDaily.entity_id)
        )
        for metric, building_id, avg in conn.execute(stmt):
            if avg:
                out[(building_id, metrics[metric])] = float(avg)
    # Buildings without history get a plausible office building's consumption.
    for b in ids:
        out.setdefault((b, "electricity"), 2400.0)
    return out


def _vehicle_events(conn, seed, start, end, zone, anomaly, cfg) -> tuple[list[dict], list[dict]]:
    vehicles = conn.execute(
        select(Vehicle.id, Vehicle.plate, Vehicle.org_id, Vehicle.energy_type, Vehicle.rated_consumption)
        .where(Vehicle.status == "in_service")
        .order_by(Vehicle.id)
    ).all()
    if not vehicles:
        return [], []
    requests: dict[int, list[str]] = {}
    for org_id, code in conn.execute(
        select(TripRequest.org_id, TripRequest.code).order_by(TripRequest.id.desc()).limit(5000)
    ):
        requests.setdefault(org_id, []).append(code)
    # An org whose requests are all older than those still gets one of its own.
    for org_id, code in conn.execute(
        select(TripRequest.org_id, func.max(TripRequest.code)).group_by(TripRequest.org_id)
    ):
        requests.setdefault(org_id, [code])
    trips_per_vehicle_day = float(cfg.get("trips_per_vehicle_day", 0.6))
    trips, fuels = [], []
    slot = _floor(start, 5) + dt.timedelta(minutes=5)
    while slot <= end:
        local = slot.astimezone(zone)
        working = local.weekday() < 5 and 8 <= local.hour < 18
        rate = len(vehicles) * trips_per_vehicle_day / (10 * 12) if working else len(vehicles) * 0.01 / 12
        rng = _rng(seed, "trip", slot.isoformat())
        for _ in range(_poisson(rng, rate)):
            v = rng.choice(vehicles)
            minutes = rng.randint(15, 150)
            end_ts = slot - dt.timedelta(minutes=rng.randint(0, 4))
            start_ts = end_ts - dt.timedelta(minutes=minutes)
            km = round(minutes / 60 * rng.uniform(20, 45), 1)
            codes = requests.get(v.org_id)
            trips.append(
                {
                    "plate": v.plate,
                    "start_ts": start_ts.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0),
                    "end_ts": end_ts.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0),
                    "km": km,
                    # Every ordinary trip has its approved request: a trip without one is an
                    # anomaly (the alert rules fire on it), made only by the anomaly shapes below.
                    "request_code": rng.choice(codes) if codes else None,
                    "purpose": "公务出行",
                    "driver_name": None,
                }
            )
        if rng.random() < len(vehicles) / 4000:
            v = rng.choice(vehicles)
            electric = v.energy_type == "electric"
            qty = round(rng.uniform(20, 55), 1)
            fuels.append(
                {
                    "plate": v.plate,
                    "ts": local.replace(tzinfo=None, second=0, microsecond=0),
                    "kind": "charge" if electric else "fuel",
                    "quantity": qty,
                    "unit": "kWh" if electric else "L",
                    "cost_yuan": round(qty * (1.2 if electric else 7.9), 2),
                    "odometer_km": None,
                }
            )
        slot += dt.timedelta(minutes=5)
    rng = _rng(seed, "anomaly-event", end.isoformat())
    if anomaly == "offhours_trip":
        v = rng.choice(vehicles)
        local_end = end.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        trips.append(
            {
                "plate": v.plate,
                "start_ts": local_end - dt.timedelta(minutes=95),
                "end_ts": local_end,
                "km": 61.5,
                "request_code": None,
                "purpose": "夜间出车",
                "driver_name": None,
            }
        )
    elif anomaly == "fuel_mismatch":
        v = rng.choice([x for x in vehicles if x.energy_type in ("petrol", "diesel")] or vehicles)
        local_end = end.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        fuels.append(
            {
                "plate": v.plate,
                "ts": local_end,
                "kind": "fuel",
                "quantity": 78.0,
                "unit": "L",
                "cost_yuan": round(78.0 * 7.9, 2),
                "odometer_km": None,
            }
        )
    return trips, fuels


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
