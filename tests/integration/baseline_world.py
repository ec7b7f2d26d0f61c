"""A tiny province with hourly electricity a baseline can learn, and injected excesses to find.

    province 1 ── city 2 ─┬─ agency 3 ── building 10 (the one with the excesses)
                          └─ agency 4 ── building 11 (clean)

Hourly readings from ``FIRST_DAY`` for ``DAYS`` days (Asia/Shanghai): 20 kWh an hour at night and
on non-working days, 60 kWh in working hours (08:00–18:00) of working days, plus 1.5 kWh per °C
above 20 °C, plus small seeded noise (σ 1 kWh). The city's daily temperature swings between
about 5 and 30 °C. Fitted on the first ``TRAIN_DAYS`` days, the rest holds:

* ``SPIKE_DAY`` (a Wednesday): +30 kWh in each of its 24 hours on building 10 (720 kWh extra);
* ``HOLIDAY_SPIKE`` (a Saturday): +25 kWh in each hour on building 10;
* ``NIGHT_SPIKE`` (a Tuesday): +40 kWh in the hours 00:00–05:59 on building 10.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import sqlalchemy as sa

from data.calendar import calendar_for
from data.db import get_engine, write_session
from data.models import Building, CalendarDay, Meter, MeterReading, OrgNode, WeatherDaily
from data.queries.view import ViewRequest, resolve_view
from data.rollup import rebuild_all
from data.scope import scope_for_org
from data.seed import seed_reference

FIRST_DAY = dt.date(2026, 1, 5)  # a Monday
DAYS = 70
TRAIN_DAYS = 56
TODAY = FIRST_DAY + dt.timedelta(days=TRAIN_DAYS)  # the fit uses the days before it
LAST_DAY = FIRST_DAY + dt.timedelta(days=DAYS - 1)
SPIKE_DAY = TODAY + dt.timedelta(days=2)  # Wednesday
HOLIDAY_SPIKE = TODAY + dt.timedelta(days=5)  # Saturday
NIGHT_SPIKE = TODAY + dt.timedelta(days=8)  # Tuesday
SPIKE_KWH_PER_HOUR, HOLIDAY_KWH_PER_HOUR, NIGHT_KWH_PER_HOUR = 30.0, 25.0, 40.0
CAL = calendar_for("Asia/Shanghai")

ORGS = (  # id, parent, level, path, depth
    (1, None, "province", "/1/", 0),
    (2, 1, "city", "/1/2/", 1),
    (3, 2, "agency", "/1/2/3/", 2),
    (4, 2, "agency", "/1/2/4/", 2),
)


def temperature(day: dt.date) -> tuple[float, float]:
    """The day's (min, max) °C: a slow swing between about 5 and 30 °C."""
    mid = 17.5 + 10.0 * np.sin(2 * np.pi * (day - FIRST_DAY).days / 23.0)
    return float(mid - 4.0), float(mid + 4.0)


def injected(building: int, day: dt.date, hour: int) -> float:
    if building != 10:
        return 0.0
    if day == SPIKE_DAY:
        return SPIKE_KWH_PER_HOUR
    if day == HOLIDAY_SPIKE:
        return HOLIDAY_KWH_PER_HOUR
    if day == NIGHT_SPIKE and hour < 6:
        return NIGHT_KWH_PER_HOUR
    return 0.0


def build(url: str) -> None:
    import pandas as pd

    from data.baseline import hourly_temperature

    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(DAYS)]
    bounds = {d: temperature(d) for d in days}
    weather = pd.DataFrame(
        [{"day": d, "temp_min_c": lo, "temp_max_c": hi, "temp_mean_c": (lo + hi) / 2} for d, (lo, hi) in bounds.items()]
    )
    hourly = hourly_temperature(weather).set_index("ts")["temp_c"]
    rng = np.random.default_rng(7)
    readings = []
    for meter, building in ((1, 10), (2, 11)):
        for day in days:
            workday = day.weekday() < 5
            for hour in range(24):
                local = dt.datetime.combine(day, dt.time(hour))
                temp = float(hourly[pd.Timestamp(local)])
                kwh = 60.0 if workday and 8 <= hour < 18 else 20.0
                kwh += 1.5 * max(temp - 20.0, 0.0) + rng.normal(0.0, 1.0) + injected(building, day, hour)
                # a reading is the hour ending at its timestamp
                readings.append({"meter_id": meter, "ts": CAL.to_utc(local + dt.timedelta(hours=1)), "value": kwh})
    engine = get_engine(url)
    with write_session(engine) as session:
        seed_reference(session)
        session.add_all(
            OrgNode(id=oid, parent_id=parent, level=level, admin_level="province", code=f"O{oid}",
                    name_zh=f"单位{oid}", name_en=f"Unit {oid}", path=path, depth=depth, sort_order=oid)
            for oid, parent, level, path, depth in ORGS
        )  # fmt: skip
        session.flush()
        session.add_all(
            Building(id=bid, org_id=org, code=f"B{bid}", name_zh=f"楼{bid}", name_en=f"Building {bid}",
                     floor_area_m2=1000.0, heated_area_m2=1000.0)
            for bid, org in ((10, 3), (11, 4))
        )  # fmt: skip
        session.flush()
        session.add_all(
            Meter(id=mid, code=f"E{bid}", building_id=bid, kind="electricity", unit="kWh", interval_minutes=60)
            for mid, bid in ((1, 10), (2, 11))
        )
        session.flush()
        conn = session.connection()
        conn.execute(sa.delete(CalendarDay).where(CalendarDay.day.between(FIRST_DAY, LAST_DAY)))
        conn.execute(sa.insert(CalendarDay), [{"day": d, "is_workday": d.weekday() < 5} for d in days])
        conn.execute(
            sa.insert(WeatherDaily),
            [{"city_id": 2, **row} for row in weather.to_dict("records")],
        )
        conn.execute(sa.insert(MeterReading), readings)
        rebuild_all(conn, as_of=LAST_DAY + dt.timedelta(days=1), calendar=CAL)


def view(url: str, *, building_id: int, root: int = 1, **request):
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, root)
        return resolve_view(conn, scope, "energy", ViewRequest(building_id=building_id, **request))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_url(request, tmp_path_factory) -> str:
    """The world on each engine in turn, built once per module (tests that write restore it)."""
    from data.db import dispose_engine
    from data.migrate import upgrade

    from db_support import PostgresDatabase, require_pg

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('baseline') / 'baseline.sqlite3'}"
        upgrade(url)
        build(url)
        yield url
        dispose_engine(url)
        return
    require_pg()
    db = PostgresDatabase()
    db.create()
    try:
        upgrade(db.url)
        build(db.url)
        yield db.url
    finally:
        db.drop()
