"""Calendar, weather, meter readings and annual energy quotas.

Electricity is hourly: a standby base load (18–30 % of the building's peak) plus office-hours
occupancy, cooling above 22 °C and a little electric heating below 10 °C, less on weekends and
holidays, 3.5 % a year higher in the past (so year-on-year savings show), with day and hour noise.
Water, gas (canteens, and boilers where there is no district heat) and district heat are daily;
heat and boiler gas follow heating degree days inside the heating season (15 Nov – 15 Mar).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import CalendarDay
from ..reference import ENERGY_COEFFICIENTS
from ..rollup import format_timestamps, insert_frame
from .context import BuildContext, local_to_utc
from .workdays import calendar_frame, weather_frames


def _constant(values, dtype=None) -> np.ndarray:
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False  # module constants stay constants
    return array


# Share of the office's occupancy by local hour on a working day (index = hour the interval starts).
WORKDAY_OCCUPANCY = _constant(
    [0, 0, 0, 0, 0, 0, 0.05, 0.25, 0.75, 1, 1, 1, 0.75, 0.9, 1, 1, 1, 0.8, 0.35, 0.2, 0.15, 0.08, 0, 0], dtype=float
)
EVENING_HOURS = _constant(range(18, 22))
OFFDAY_HOURS = _constant(range(9, 18))
NIGHT_HOURS = _constant([22, 23, 0, 1, 2, 3, 4, 5])
DIURNAL_AMPLITUDE_C = 4.5
YEARLY_SAVING = 0.035
READINGS_PER_CHUNK = 1_000_000
QUOTA_SOURCE = "江临省公共机构能耗定额（演示数据）"


def _coefficient(code: str) -> float:
    return next(value for c, value, *_ in ENERGY_COEFFICIENTS if c == code)


def write_calendar_and_weather(conn: Connection, ctx: BuildContext) -> None:
    """The working-day calendar as stored (``data.seed`` seeds it; days it lacks are added from the
    same defaults), and the weather of each city."""
    first, last = dt.date(ctx.first_day.year, 1, 1), dt.date(ctx.as_of.year, 12, 31)
    stored = pd.read_sql(
        sa.select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.heating_season).where(
            CalendarDay.day.between(first, last)
        ),
        conn,
    )
    calendar = calendar_frame(first, last)
    known = calendar["day"].isin(pd.to_datetime(stored["day"]))
    ctx.add_count("calendar_day", insert_frame(conn, "calendar_day", calendar[~known]))
    if known.any():  # the stored flags win over the defaults: an administrator may have edited them
        flags = stored.assign(day=pd.to_datetime(stored["day"])).set_index("day")
        at = calendar.loc[known, "day"]
        calendar.loc[known, "is_workday"] = flags.loc[at, "is_workday"].astype(bool).to_numpy()
        calendar.loc[known, "heating_season"] = flags.loc[at, "heating_season"].astype(bool).to_numpy()
    days = calendar["day"].to_numpy().astype("datetime64[D]")
    in_range = (days >= np.datetime64(ctx.first_day, "D")) & (days <= np.datetime64(ctx.last_day, "D"))
    ctx.workday = calendar["is_workday"].to_numpy(dtype=bool)[in_range]
    ctx.heating = calendar["heating_season"].to_numpy(dtype=bool)[in_range]

    cities = ctx.structure.orgs[ctx.structure.orgs["level"] == "city"].sort_values("id")
    frame, temps = weather_frames(
        ctx.rng("weather"), cities["id"].to_numpy(), cities["latitude"].to_numpy(dtype=float), ctx.first_day, ctx.n_days
    )
    ctx.temps = temps
    ctx.city_row = {int(c): i for i, c in enumerate(cities["id"])}
    frame["batch_id"] = ctx.registry.assign(
        ctx.source_codes["energy"],
        "energy",
        "weather_daily",
        "weather",
        frame["day"].to_numpy().astype("datetime64[D]").astype(np.int64),
    )
    ctx.add_count("weather_daily", insert_frame(conn, "weather_daily", frame))


def write_readings(conn: Connection, ctx: BuildContext) -> tuple[pd.DataFrame, dict[int, int]]:
    """All meter readings. Returns each building's energy (kgce) per calendar year and how many
    days of each year the data covers, for the quotas."""
    rng = ctx.rng("energy")
    b = ctx.building_attributes.reset_index(drop=True)
    n, n_days = len(b), ctx.n_days
    area = b["floor_area_m2"].to_numpy(dtype=float)
    params = pd.DataFrame(
        {
            "peak_kw": area * rng.uniform(0.018, 0.030, n),
            "base": rng.uniform(0.18, 0.30, n),
            "offday_occupancy": rng.uniform(0.04, 0.12, n),
            "evening": rng.uniform(0.6, 1.4, n),
            "cool": rng.uniform(0.025, 0.045, n),
            "heat": np.where(b["district_heat"], rng.uniform(0.004, 0.010, n), rng.uniform(0.02, 0.035, n)),
            "water": rng.uniform(0.035, 0.055, n),
            "canteen": rng.uniform(0.02, 0.04, n),
            "boiler": rng.uniform(0.009, 0.013, n),
            "heat_gj": rng.uniform(0.9e-4, 1.3e-4, n),
            "seed": rng.integers(0, 2**63 - 1, n),  # each building's own noise stream: chunking never changes data
        }
    )
    org_city = dict(zip(ctx.structure.orgs["id"], ctx.structure.orgs["city_id"]))
    city_rows = np.array([ctx.city_row[int(org_city[o])] for o in b["org_id"]])
    day_index = np.arange(n_days)
    trend = 1.0 + YEARLY_SAVING * ((n_days - day_index) / 365.0)
    local_hours = np.datetime64(ctx.first_day, "D").astype("datetime64[h]") + np.arange(n_days * 24)
    hour_utc = local_to_utc(local_hours + np.timedelta64(1, "h"), ctx.calendar)  # a reading ends its hour
    # Where clocks go forward, two wall-clock hours end at the same instant: that hour has no reading.
    hour_kept = np.r_[True, hour_utc[1:] != hour_utc[:-1]]
    hour_ts = format_timestamps(hour_utc)
    day_ts = format_timestamps(
        local_to_utc((np.datetime64(ctx.first_day, "D") + day_index + 1).astype("datetime64[h]"), ctx.calendar)
    )
    days = ctx.first_day_number + day_index
    years = (np.datetime64(ctx.first_day, "D") + day_index).astype("datetime64[Y]").astype(np.int64) + 1970

    meter_of = {(int(m.building_id), m.kind): (int(m.id), m.code) for m in ctx.meters.itertuples(index=False)}
    stale = set(ctx.plan.stale_building_ids)
    kgce_by_year: dict[int, np.ndarray] = {int(y): np.zeros(n) for y in np.unique(years)}
    per_chunk = max(1, READINGS_PER_CHUNK // (n_days * 24))
    for start in range(0, n, per_chunk):
        rows = np.arange(start, min(n, start + per_chunk))
        temps = ctx.temps[city_rows[rows]]  # buildings × days
        electricity = _electricity(ctx, params.iloc[rows], b.iloc[rows], temps, trend)
        water, gas, heat = _daily_meters(ctx, params.iloc[rows], b.iloc[rows], temps)
        kgce = (
            electricity.reshape(len(rows), n_days, 24).sum(axis=2) * _coefficient("electricity_kgce_per_kwh")
            + gas * _coefficient("gas_kgce_per_m3")
            + heat * _coefficient("heat_kgce_per_gj")
        )
        for year in kgce_by_year:
            kgce_by_year[year][rows] = kgce[:, years == year].sum(axis=1)

        frames = []
        # Building by building, meters in id order: rows arrive in (meter_id, ts) key order.
        for i, row in enumerate(rows):
            building_id = int(b.at[row, "id"])
            for kind, values, per_day, stamps in (
                ("electricity", electricity, 24, hour_ts),
                ("water", water, 1, day_ts),
                ("gas", gas, 1, day_ts),
                ("heat", heat, 1, day_ts),
            ):
                meter = meter_of.get((building_id, kind))
                if meter is None:
                    continue
                count = n_days * per_day
                if building_id in stale:
                    count -= ctx.plan.stale_days * per_day  # the gateway went silent
                source = ctx.plan.stale_source_code if building_id in stale else ctx.source_codes["energy"]
                kept = hour_kept[:count] if per_day == 24 else slice(None, count)
                reading_days = days[np.arange(count) // per_day][kept]
                frames.append(
                    pd.DataFrame(
                        {
                            "meter_id": meter[0],
                            "ts": stamps[:count][kept],
                            "value": values[i, :count][kept],
                            "batch_id": ctx.registry.assign(
                                source, "energy", "meter_reading", kind, reading_days, meter[1]
                            ),
                        }
                    )
                )
        chunk = pd.concat(frames, ignore_index=True)
        ctx.add_count("meter_reading", insert_frame(conn, "meter_reading", chunk))
    totals = pd.DataFrame({"building_id": b["id"], "org_id": b["org_id"]})
    coverage = {int(y): int((years == y).sum()) for y in kgce_by_year}
    return totals.assign(**{f"kgce_{y}": v for y, v in kgce_by_year.items()}), coverage


def _electricity(
    ctx: BuildContext, p: pd.DataFrame, b: pd.DataFrame, temps: np.ndarray, trend: np.ndarray
) -> np.ndarray:
    """Hourly kWh, buildings × (days · 24)."""
    n_b, n_days = temps.shape
    hours = np.arange(24)
    workday = ctx.workday[None, :, None]
    occupancy_work = np.broadcast_to(WORKDAY_OCCUPANCY, (n_b, 24)).copy()
    occupancy_work[:, EVENING_HOURS] *= p["evening"].to_numpy()[:, None]
    occupancy_off = np.zeros((n_b, 24))
    occupancy_off[:, OFFDAY_HOURS] = p["offday_occupancy"].to_numpy()[:, None]
    occupancy = np.where(workday, occupancy_work[:, None, :], occupancy_off[:, None, :])
    if (b["use_type"] == "archive").any():
        occupancy = occupancy * np.where(b["use_type"].to_numpy() == "archive", 0.6, 1.0)[:, None, None]
    temp = temps[:, :, None] + DIURNAL_AMPLITUDE_C * np.cos(2 * np.pi * (hours - 15) / 24)[None, None, :]
    cooling = p["cool"].to_numpy()[:, None, None] * np.maximum(0.0, temp - 22.0)
    heating = p["heat"].to_numpy()[:, None, None] * np.maximum(0.0, 10.0 - temp)
    weather = cooling + heating
    base = p["base"].to_numpy()[:, None, None]
    load = base * (1.0 + 0.3 * np.minimum(1.0, weather)) + (1.0 - base) * 0.75 * occupancy * (1.0 + weather)
    noise = np.empty((n_b, n_days, 24))
    for i, seed in enumerate(p["seed"].to_numpy()):
        own = np.random.Generator(np.random.PCG64(int(seed)))
        noise[i] = own.lognormal(0.0, 0.04, (n_days, 1)) * own.lognormal(0.0, 0.05, (n_days, 24))
    kwh = p["peak_kw"].to_numpy()[:, None, None] * load * trend[None, :, None] * noise
    leak = b["id"].to_numpy() == ctx.plan.night_leak_building_id
    if leak.any():
        first_leak_day = n_days - ctx.plan.night_leak_days
        extra = ctx.plan.night_leak_extra * p["peak_kw"].to_numpy()[leak][:, None, None]
        leak_rows = np.flatnonzero(leak)
        block = kwh[leak_rows, first_leak_day:, :]
        block[:, :, NIGHT_HOURS] += extra * noise[leak_rows, first_leak_day:, :][:, :, NIGHT_HOURS]
        kwh[leak_rows, first_leak_day:, :] = block
        # The evening before the first leaking night starts at 22:00 too.
        kwh[leak_rows, first_leak_day - 1, 22:] += extra[:, 0, :] * noise[leak_rows, first_leak_day - 1, 22:]
    return np.round(kwh.reshape(n_b, n_days * 24), 2)


def _daily_meters(ctx: BuildContext, p: pd.DataFrame, b: pd.DataFrame, temps: np.ndarray):
    n_b, n_days = temps.shape
    seeds = p["seed"].to_numpy()
    noise = np.stack(
        [np.random.Generator(np.random.PCG64(int(s) ^ 0x5EED)).lognormal(0.0, 0.08, (3, n_days)) for s in seeds]
    )
    workday = ctx.workday[None, :]
    users = b["energy_users"].to_numpy(dtype=float)[:, None]
    hdd = np.maximum(0.0, 18.0 - temps) * ctx.heating[None, :]
    water = users * p["water"].to_numpy()[:, None] * np.where(workday, 1.0, 0.15) * np.where(temps > 25, 1.15, 1.0)
    canteen = users * p["canteen"].to_numpy()[:, None] * workday
    boiler = np.where(
        b["district_heat"].to_numpy()[:, None],
        0.0,
        b["heated_area_m2"].to_numpy(dtype=float)[:, None] * p["boiler"].to_numpy()[:, None] * hdd,
    )
    gas = np.where(b["gas"].to_numpy()[:, None], canteen + boiler, 0.0)
    heat = np.where(
        b["district_heat"].to_numpy()[:, None],
        b["heated_area_m2"].to_numpy(dtype=float)[:, None] * p["heat_gj"].to_numpy()[:, None] * hdd,
        0.0,
    )
    return (np.round(water * noise[:, 0], 2), np.round(gas * noise[:, 1], 2), np.round(heat * noise[:, 2], 3))


def write_quotas(conn: Connection, ctx: BuildContext, totals: pd.DataFrame, coverage: dict[int, int]) -> None:
    """Annual quota tiers per agency, per m² and per person, set from the previous year's use
    (the first year from its own use, annualised)."""
    rng = ctx.rng("energy")
    attributes = ctx.building_attributes.rename(columns={"id": "building_id"})
    per_building = totals.merge(attributes[["building_id", "floor_area_m2", "energy_users"]], on="building_id")
    per_org = per_building.drop(columns=["building_id"]).groupby("org_id").sum()
    years = sorted(coverage)
    rows = []
    for year in range(ctx.first_day.year, ctx.as_of.year + 1):
        basis_year = (
            year - 1 if coverage.get(year - 1, 0) >= 180 else next((y for y in years if coverage[y] >= 60), years[-1])
        )
        annual = per_org[f"kgce_{basis_year}"] * 365.0 / coverage[basis_year]
        if basis_year == year - 1:
            annual = annual * 0.98  # each year's quota asks for a little saving
        for basis, denominator in (("per_m2", per_org["floor_area_m2"]), ("per_person", per_org["energy_users"])):
            actual = (annual / denominator).to_numpy()
            benchmark = actual * rng.uniform(0.97, 1.06, len(actual))
            for org_id, bench, limit, guide in zip(
                per_org.index,
                benchmark,
                benchmark * rng.uniform(1.12, 1.22, len(actual)),
                benchmark * rng.uniform(0.82, 0.90, len(actual)),
            ):
                rows.append(
                    (int(org_id), year, basis, round(float(limit), 2), round(float(bench), 2), round(float(guide), 2))
                )
    frame = pd.DataFrame(rows, columns=["org_id", "year", "basis", "limit_value", "benchmark_value", "guide_value"])
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    frame["source"] = QUOTA_SOURCE
    ctx.add_count("energy_quota", insert_frame(conn, "energy_quota", frame))
