"""Fitted baselines kept in the database, and the anomalies found against them.

``fit_building_baselines(engine, *, today)`` fits every building with enough history on the
months before ``today`` and replaces its ``building_baseline`` row; ``detect_anomalies(engine, *,
first_day, last_day)`` compares each day of the window with the stored model and replaces the
window's ``energy_anomaly`` rows. ``refresh_baselines`` is the nightly step (``jobs``): refit what is
a week old or missing, then look at yesterday. The ``*_on`` variants do the same on an open
connection whose transaction the caller owns (the demo build).

What counts as an anomaly (``find_anomalies``, pure):

* the day's total above the day's upper bound → ``above_baseline`` on a working day, ``holiday``
  on a non-working day (``calendar_day.is_workday``; the model already expects less on those days,
  so a holiday's excess is judged against the holiday's own expectation, and one excess is never
  recorded twice);
* the night's hours (22:00–06:00 of the day, as the night roll-up counts them) above their upper
  bound → ``night``, in addition (a night excess is part of that day's, if the day has one).

The upper bound of a day (or night) is the **sum of its hourly upper bounds**: the hourly band
(±1.96 residual spreads of the hour's time-of-week level) summed as if the hours' errors moved
together. Hourly residuals of a building are strongly correlated within a day (weather forecast
error, a meeting, a holiday eve), so the band of independent hours (√24 times narrower) flags
ordinary days; the summed band flags a day only when it lies above the band on average over its
hours. ``extra_kwh`` is actual minus expected (not minus the bound): what the day used beyond what
was expected of it, priced at ``electricity_price_yuan_per_kwh`` (``energy_coefficient``).

Hours without a reading or a temperature are left out of both sides; a day with fewer than 20
such hours (a night with fewer than 6) is not judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..calendar import Calendar, add_months, configured_calendar
from ..models import Building, BuildingBaseline, EnergyAnomaly, Meter, utcnow
from ..queries.reference import fetch_coefficients
from ..rollup.metrics import NIGHT_FROM_HOUR, NIGHT_TO_HOUR
from .bulk import fetch_histories
from .model import BaselineModel, fit_baseline

#: Hours with consumption and temperature a fit needs: four weeks, so each working-day hour is
#: seen about 20 times and each off-day hour about 8.
MIN_HISTORY_HOURS = 28 * 24
#: A stored model older than this is refitted by the nightly step.
REFIT_AFTER = dt.timedelta(days=7)
MIN_DAY_HOURS = 20
MIN_NIGHT_HOURS = 6
PRICE_CODE = "electricity_price_yuan_per_kwh"
#: Buildings read per statement: a year of one building's hours is ~9 k readings per meter.
CHUNK = 30
ANOMALY_COLUMNS = ["day", "kind", "actual_kwh", "expected_kwh", "extra_kwh", "extra_cost_yuan"]


@contextmanager
def _writer(engine: Engine) -> Iterator[Connection]:
    """A writer's transaction (``BEGIN IMMEDIATE`` on SQLite); commits when the block ends."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    with bind.begin() as conn:
        yield conn


@contextmanager
def _one_blas_thread():
    """One BLAS thread while fitting: the least-squares solve of ~9 k × 66 takes ~18 ms on one
    thread and 100–300 ms when its threads compete with the web workers for two cores."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def metered_buildings(conn: Connection, building_ids: Iterable[int] | None = None) -> list[int]:
    """Buildings in service with an electricity meter (of ``building_ids`` when given), by id."""
    query = (
        sa.select(Building.id)
        .where(
            Building.retired_on.is_(None),
            sa.exists().where(Meter.building_id == Building.id, Meter.kind == "electricity"),
        )
        .order_by(Building.id)
    )
    if building_ids is not None:
        query = query.where(Building.id.in_([int(b) for b in building_ids]))
    return [int(b) for b in conn.execute(query).scalars()]


# --- fitting -------------------------------------------------------------------------------------


def fit_baselines_on(
    conn: Connection,
    *,
    today: dt.date,
    building_ids: Iterable[int] | None = None,
    months: int = 12,
    now: dt.datetime | None = None,
    calendar: Calendar | None = None,
) -> dict[str, int]:
    """``fit_building_baselines`` on ``conn`` (the caller commits)."""
    calendar = calendar or configured_calendar()
    fitted_at = now or utcnow()
    first_day, last_day = add_months(today, -months), today - dt.timedelta(days=1)
    counts = {"fitted": 0, "skipped": 0}
    ids = metered_buildings(conn, building_ids)
    if building_ids is not None:
        counts["skipped"] = len({int(b) for b in building_ids}) - len(ids)
    with _one_blas_thread():
        for chunk in _chunks(ids):
            histories = fetch_histories(conn, chunk, first_day, last_day, calendar=calendar)
            rows = []
            for building_id in chunk:
                model = _fit_or_none(histories.get(building_id))
                if model is None:
                    counts["skipped"] += 1
                    continue
                rows.append(_baseline_row(building_id, model, fitted_at))
            if rows:
                conn.execute(
                    sa.delete(BuildingBaseline).where(
                        BuildingBaseline.building_id.in_([r["building_id"] for r in rows])
                    )
                )
                conn.execute(sa.insert(BuildingBaseline), rows)
            counts["fitted"] += len(rows)
    return counts


def _fit_or_none(history: pd.DataFrame | None) -> BaselineModel | None:
    if history is None:
        return None
    usable = history["kwh"].notna() & history["temp_c"].notna()
    if int(usable.sum()) < MIN_HISTORY_HOURS:
        return None
    try:
        return fit_baseline(history)
    except ValueError:  # too few rows for the parameters: skipped and counted, like short history
        return None


def _baseline_row(building_id: int, model: BaselineModel, fitted_at: dt.datetime) -> dict:
    return {
        "building_id": int(building_id),
        "fitted_at": fitted_at,
        "train_start": dt.datetime.fromisoformat(model.train_start).date(),
        "train_end": dt.datetime.fromisoformat(model.train_end).date(),
        "model_json": model.to_json(),
        "cv_rmse_hourly": model.fit_metrics.get("cv_rmse"),
        "nmbe_hourly": model.fit_metrics.get("nmbe"),
        "n_hours": int(model.n_train),
    }


def fit_building_baselines(
    engine: Engine,
    *,
    today: dt.date,
    building_ids: Iterable[int] | None = None,
    months: int = 12,
    now: dt.datetime | None = None,
    calendar: Calendar | None = None,
) -> dict[str, int]:
    """Fit the hourly baseline of each building (every metered building in service, or those of
    ``building_ids``) on the ``months`` before ``today`` and store it, replacing its previous fit.

    A building with fewer than ``MIN_HISTORY_HOURS`` hours of consumption and temperature is
    skipped (its previous fit, if any, is kept). ``now`` is the ``fitted_at`` stamp (default: the
    clock). Returns ``{"fitted": n, "skipped": n}``; one transaction.
    """
    with _writer(engine) as conn:
        return fit_baselines_on(conn, today=today, building_ids=building_ids, months=months, now=now, calendar=calendar)


def load_models(conn: Connection, building_ids: Iterable[int] | None = None) -> dict[int, BaselineModel]:
    """The stored models by building id (of ``building_ids`` when given)."""
    query = sa.select(BuildingBaseline.building_id, BuildingBaseline.model_json)
    if building_ids is not None:
        query = query.where(BuildingBaseline.building_id.in_([int(b) for b in building_ids]))
    return {int(b): BaselineModel.from_json(text) for b, text in conn.execute(query)}


# --- detection -----------------------------------------------------------------------------------


def find_anomalies(history: pd.DataFrame, prediction: pd.DataFrame, *, price: float) -> pd.DataFrame:
    """The anomalies of one building's hours (see the module docstring).

    Args:
        history: hourly ``ts``, ``kwh`` and ``is_workday`` (``fetch_building_history``'s shape).
        prediction: ``BaselineModel.predict(history)``: ``expected_kwh``, ``upper_kwh`` on the same index.
        price: yuan per kWh.

    Returns:
        ``ANOMALY_COLUMNS`` (``day`` a ``datetime.date``), one row per day and kind, by day.
    """
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(history["ts"]).dt.normalize(),
            "hour": pd.to_datetime(history["ts"]).dt.hour,
            "workday": history["is_workday"].astype(bool),
            "actual": history["kwh"].astype(float),
            "expected": prediction["expected_kwh"].astype(float),
            "upper": prediction["upper_kwh"].astype(float),
        }
    )
    frame = frame[np.isfinite(frame["actual"]) & np.isfinite(frame["expected"])]
    night = (frame["hour"] >= NIGHT_FROM_HOUR) | (frame["hour"] < NIGHT_TO_HOUR)
    parts = []
    for subset, minimum, is_night in ((frame, MIN_DAY_HOURS, False), (frame[night], MIN_NIGHT_HOURS, True)):
        sums = subset.groupby("day").agg(
            actual=("actual", "sum"),
            expected=("expected", "sum"),
            upper=("upper", "sum"),
            hours=("actual", "size"),
            workday=("workday", "first"),
        )
        sums = sums[(sums["hours"] >= minimum) & (sums["actual"] > sums["upper"])]
        kind = np.where(sums["workday"], "above_baseline", "holiday") if not is_night else "night"
        parts.append(sums.assign(kind=kind))
    found = pd.concat(parts).reset_index()
    if found.empty:
        return pd.DataFrame(
            {c: pd.Series([], dtype=object if c in ("day", "kind") else float) for c in ANOMALY_COLUMNS}
        )
    extra = found["actual"] - found["expected"]
    out = pd.DataFrame(
        {
            "day": found["day"].dt.date,
            "kind": found["kind"].astype(str),
            "actual_kwh": found["actual"],
            "expected_kwh": found["expected"],
            "extra_kwh": extra,
            "extra_cost_yuan": extra * price,
        }
    )
    return out.sort_values(["day", "kind"], ignore_index=True)


def detect_anomalies_on(
    conn: Connection,
    *,
    first_day: dt.date,
    last_day: dt.date,
    building_ids: Iterable[int] | None = None,
    calendar: Calendar | None = None,
) -> dict[str, int]:
    """``detect_anomalies`` on ``conn`` (the caller commits)."""
    calendar = calendar or configured_calendar()
    price = float(fetch_coefficients(conn)[PRICE_CODE])
    models = load_models(conn, building_ids)
    delete = sa.delete(EnergyAnomaly).where(EnergyAnomaly.day.between(first_day, last_day))
    if building_ids is not None:
        delete = delete.where(EnergyAnomaly.building_id.in_([int(b) for b in building_ids]))
    conn.execute(delete)
    counts = {"buildings": 0, "anomalies": 0}
    for chunk in _chunks(sorted(models)):
        histories = fetch_histories(conn, chunk, first_day, last_day, calendar=calendar)
        rows = []
        for building_id, history in histories.items():
            found = find_anomalies(history, models[building_id].predict(history), price=price)
            rows.extend({"building_id": building_id, **row} for row in found.to_dict("records"))
            counts["buildings"] += 1
        if rows:
            conn.execute(sa.insert(EnergyAnomaly), [_plain(r) for r in rows])
        counts["anomalies"] += len(rows)
    return counts


def _plain(row: dict) -> dict:
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in row.items()}


def detect_anomalies(
    engine: Engine,
    *,
    first_day: dt.date,
    last_day: dt.date,
    building_ids: Iterable[int] | None = None,
    calendar: Calendar | None = None,
) -> dict[str, int]:
    """Compare each local day of [first_day, last_day] with each building's stored baseline and
    write its ``energy_anomaly`` rows, replacing the window's rows of those buildings (every
    building when ``building_ids`` is None), so a re-run changes nothing. Buildings without a
    stored baseline get none. Returns ``{"buildings": n judged, "anomalies": n rows}``."""
    with _writer(engine) as conn:
        return detect_anomalies_on(
            conn, first_day=first_day, last_day=last_day, building_ids=building_ids, calendar=calendar
        )


def refresh_baselines(engine: Engine, *, now: dt.datetime, calendar: Calendar | None = None) -> dict[str, int]:
    """The nightly step: refit each building whose model is older than ``REFIT_AFTER`` or missing
    (on the 12 months before the local day of ``now``), then detect the previous local day."""
    calendar = calendar or configured_calendar()
    today = calendar.local_day(now)
    with _writer(engine) as conn:
        fresh = set(
            conn.execute(
                sa.select(BuildingBaseline.building_id).where(BuildingBaseline.fitted_at > now - REFIT_AFTER)
            ).scalars()
        )
        stale = [b for b in metered_buildings(conn) if b not in fresh]
        counts = fit_baselines_on(conn, today=today, building_ids=stale, now=now, calendar=calendar) if stale else {}
        yesterday = today - dt.timedelta(days=1)
        found = detect_anomalies_on(conn, first_day=yesterday, last_day=yesterday, calendar=calendar)
    return {"fitted": counts.get("fitted", 0), "skipped": counts.get("skipped", 0), **found}


__all__ = [
    "ANOMALY_COLUMNS",
    "MIN_HISTORY_HOURS",
    "PRICE_CODE",
    "detect_anomalies",
    "detect_anomalies_on",
    "find_anomalies",
    "fit_baselines_on",
    "fit_building_baselines",
    "load_models",
    "metered_buildings",
    "refresh_baselines",
]
