"""A building's hourly electricity history in the shape the baseline fits: local hour, kWh, the
outside temperature of its city and the day type of the working-day calendar.

Weather is daily per city (``weather_daily``); a building takes the weather of the city its org
sits in (the nearest ``city`` ancestor of the org). Province-level agencies sit in no city: they
take the provincial capital's, the first city under the province, as the demo generator does.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..calendar import Calendar, configured_calendar
from ..models import Building, CalendarDay, Meter, MeterReading, OrgNode, WeatherDaily
from ..scope import OrgNotFound
from .features import hourly_temperature

HISTORY_COLUMNS = ["ts", "kwh", "temp_c", "is_workday"]


def building_org(conn: Connection, building_id: int):
    """The building's org as a row (``org_id``, ``path``); ``OrgNotFound`` when the building does
    not exist."""
    row = conn.execute(
        sa.select(Building.org_id, OrgNode.path)
        .join(OrgNode, OrgNode.id == Building.org_id)
        .where(Building.id == building_id)
    ).first()
    if row is None:
        raise OrgNotFound(f"building {building_id} does not exist")
    return row


def building_city_id(conn: Connection, building_id: int) -> int | None:
    """The city whose weather stands for the building (see the module docstring); None when the
    database has no city at all."""
    path = building_org(conn, building_id).path
    ancestors = [int(part) for part in path.strip("/").split("/") if part]
    city = conn.execute(
        sa.select(OrgNode.id).where(OrgNode.id.in_(ancestors), OrgNode.level == "city").order_by(OrgNode.depth.desc())
    ).first()
    if city is not None:
        return int(city.id)
    capital = conn.execute(
        sa.select(OrgNode.id)
        .where(OrgNode.level == "city", OrgNode.parent_id == ancestors[0])
        .order_by(OrgNode.sort_order, OrgNode.id)
    ).first()
    return int(capital.id) if capital is not None else None


def fetch_hourly_kwh(
    conn: Connection, building_id: int, first_day: dt.date, last_day: dt.date, *, calendar: Calendar
) -> pd.DataFrame:
    """Hourly electricity of the building's meters summed per local hour in [first_day, last_day]:
    ``ts`` (local naive hour start), ``kwh``. A reading at ``T`` is the interval ending at ``T``
    (``data.rollup``), so it belongs to the local hour of ``T − interval``."""
    start = calendar.day_start_utc(first_day)
    end = calendar.day_start_utc(last_day + dt.timedelta(days=1))
    # The stored UTC instants as plain datetimes: the column type's per-row conversion to aware
    # datetimes cost a fifth of a building's load profile, and numpy wants them naive anyway.
    rows = conn.execute(
        sa.select(sa.type_coerce(MeterReading.ts, sa.DateTime), MeterReading.value, Meter.interval_minutes)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .where(
            Meter.building_id == building_id,
            Meter.kind == "electricity",
            MeterReading.ts > start,
            MeterReading.ts <= end,
        )
    ).all()
    if not rows:
        return pd.DataFrame({"ts": pd.Series([], dtype="datetime64[us]"), "kwh": pd.Series([], dtype=float)})
    ts = np.array([r[0] for r in rows], dtype="datetime64[us]")
    interval = np.array([r[2] for r in rows], dtype=np.int64).astype("timedelta64[m]")
    local = calendar.local_wall(ts - interval.astype("timedelta64[us]")).astype("datetime64[h]")
    frame = pd.DataFrame({"ts": local.astype("datetime64[us]"), "kwh": np.array([r[1] for r in rows], dtype=float)})
    return frame.groupby("ts", as_index=False)["kwh"].sum().sort_values("ts", ignore_index=True)


def fetch_hourly_weather(conn: Connection, city_id: int | None, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    """Hourly temperature (``ts``, ``temp_c``) of the city, interpolated from its daily weather."""
    if city_id is None:
        return pd.DataFrame({"ts": pd.Series([], dtype="datetime64[us]"), "temp_c": pd.Series([], dtype=float)})
    # One day either side so the curve's dawn and evening have their neighbours.
    daily = pd.DataFrame(
        conn.execute(
            sa.select(WeatherDaily.day, WeatherDaily.temp_mean_c, WeatherDaily.temp_min_c, WeatherDaily.temp_max_c)
            .where(
                WeatherDaily.city_id == city_id,
                WeatherDaily.day.between(first_day - dt.timedelta(days=1), last_day + dt.timedelta(days=1)),
            )
            .order_by(WeatherDaily.day)
        ).all(),
        columns=["day", "temp_mean_c", "temp_min_c", "temp_max_c"],
    )
    hourly = hourly_temperature(daily)
    lo, hi = np.datetime64(first_day, "h"), np.datetime64(last_day + dt.timedelta(days=1), "h")
    stamps = hourly["ts"].to_numpy().astype("datetime64[h]")
    return hourly.loc[(stamps >= lo) & (stamps < hi)].reset_index(drop=True)


def fetch_workdays(conn: Connection, first_day: dt.date, last_day: dt.date) -> pd.Series:
    """``is_workday`` per day (index: datetime64 days) from ``calendar_day``; a day the table lacks
    is a workday when it falls Monday to Friday."""
    stored = dict(
        conn.execute(
            sa.select(CalendarDay.day, CalendarDay.is_workday).where(CalendarDay.day.between(first_day, last_day))
        ).all()
    )
    days = pd.date_range(first_day, last_day, freq="D")
    flags = [bool(stored[d.date()]) if d.date() in stored else d.day_of_week < 5 for d in days]
    return pd.Series(flags, index=days, name="is_workday")


def fetch_building_history(
    conn: Connection, building_id: int, first_day: dt.date, last_day: dt.date, *, calendar: Calendar | None = None
) -> pd.DataFrame:
    """Every local hour of [first_day, last_day] with ``ts``, ``kwh`` (NaN where no reading),
    ``temp_c`` (NaN where the city has no weather) and ``is_workday``; ``OrgNotFound`` when the
    building does not exist."""
    calendar = calendar or configured_calendar()
    city_id = building_city_id(conn, building_id)
    hours = pd.DataFrame(
        {
            "ts": pd.date_range(first_day, last_day + dt.timedelta(days=1), freq="h", inclusive="left").astype(
                "datetime64[us]"
            )
        }
    )
    kwh = fetch_hourly_kwh(conn, building_id, first_day, last_day, calendar=calendar)
    weather = fetch_hourly_weather(conn, city_id, first_day, last_day)
    workdays = fetch_workdays(conn, first_day, last_day)
    frame = hours.merge(kwh, on="ts", how="left").merge(weather, on="ts", how="left")
    frame["is_workday"] = workdays.reindex(frame["ts"].dt.normalize()).to_numpy(dtype=bool)
    return frame[HISTORY_COLUMNS]
