"""Reads of the energy page about baselines: a building's hourly load against its stored
baseline, and the anomalies (``energy_anomaly``) of a building or of every building under an org
node. Both take a resolved ``ViewContext`` (``data.queries.view``), read within its scope, and
never commit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.baseline.history import fetch_building_history
from data.baseline.store import load_models
from data.models import Building, EnergyAnomaly, OrgNode
from data.scope import OutOfScope

from .view import ViewContext

#: The longest stretch of hours the load profile shows: a longer period shows its last 31 days.
PROFILE_MAX_DAYS = 31
#: Anomaly rows a list returns (the largest extra first).
ANOMALY_LIMIT = 500

PROFILE_COLUMNS = ["ts", "actual_kwh", "expected_kwh", "lower_kwh", "upper_kwh"]
ANOMALY_COLUMNS = [
    "day",
    "building_id",
    "code",
    "name_zh",
    "name_en",
    "kind",
    "actual_kwh",
    "expected_kwh",
    "extra_kwh",
    "extra_cost_yuan",
    "_drill",
]


def _check_scope(view: ViewContext) -> None:
    # resolve_view has checked this; a hand-built view must not read around the scope either.
    if not view.scope.contains(view.node["path"]):
        raise OutOfScope(f"org node {view.node['org_id']} is outside the scope")


def profile_window(view: ViewContext) -> tuple[dt.date, dt.date] | None:
    """The days the load profile shows: the view's period, or its last ``PROFILE_MAX_DAYS`` days."""
    if view.period is None:
        return None
    start = max(view.period.start, view.period.end - dt.timedelta(days=PROFILE_MAX_DAYS - 1))
    return start, view.period.end


def _empty_profile() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=float) for c in PROFILE_COLUMNS})
    frame["ts"] = pd.Series([], dtype="datetime64[us]")
    return frame


def fetch_building_load_profile(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """A building's hourly electricity against its stored baseline over the view's period.

    Reads the building's own meters for at most ``PROFILE_MAX_DAYS`` days (one building's hours:
    a bounded indexed read, acceptable for an entity's detail view) and predicts them with the
    model in ``building_baseline``.

    Returns:
        ``PROFILE_COLUMNS``: ``ts`` (local naive hour start), ``actual_kwh`` (NaN where no
        reading), ``expected_kwh``, ``lower_kwh``, ``upper_kwh`` (the prediction band; NaN where
        the hour has no temperature), one row per hour of the window. ``attrs`` says which days:
        ``first_day``, ``last_day`` and ``clipped`` (True when the period was longer and only its
        last days are shown) and ``has_model`` (False: the building has no fitted baseline yet, and
        the expected columns are NaN: its hours are still shown). Empty for an org view or
        without data.
    """
    window = profile_window(view)
    if view.entity_kind != "building" or window is None:
        return _empty_profile()
    _check_scope(view)
    model = load_models(conn, [view.entity_id]).get(view.entity_id)
    history = fetch_building_history(conn, view.entity_id, *window)
    if history.empty or history["kwh"].isna().all():
        return _empty_profile()
    if model is None:  # the hourly series stands on its own until the nightly fit has a model
        nan = np.full(len(history), np.nan)
        predicted = pd.DataFrame({"expected_kwh": nan, "lower_kwh": nan, "upper_kwh": nan}, index=history.index)
    else:
        predicted = model.predict(history)
    frame = pd.DataFrame(
        {
            "ts": history["ts"],
            "actual_kwh": history["kwh"].astype(float),
            "expected_kwh": predicted["expected_kwh"],
            "lower_kwh": predicted["lower_kwh"],
            "upper_kwh": predicted["upper_kwh"],
        }
    )
    frame.attrs.update(
        first_day=window[0], last_day=window[1], clipped=window[0] > view.period.start, has_model=model is not None
    )
    return frame


def _empty_anomalies() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in ANOMALY_COLUMNS})


def fetch_energy_anomalies(conn: Connection, view: ViewContext) -> pd.DataFrame:
    """The anomalies within the view's period: of the building of a building view, or of every
    building in the subtree of an org view.

    Returns:
        ``ANOMALY_COLUMNS``: ``day`` (date), the building (``building_id``, ``code``,
        ``name_zh``, ``name_en``), ``kind`` (``above_baseline`` | ``night`` | ``holiday``),
        ``actual_kwh``, ``expected_kwh``, ``extra_kwh``, ``extra_cost_yuan`` and ``_drill``
        (``"building:<id>"``); the largest extra first, at most ``ANOMALY_LIMIT`` rows.
    """
    if view.period is None:
        return _empty_anomalies()
    _check_scope(view)
    query = (
        sa.select(
            EnergyAnomaly.day,
            EnergyAnomaly.building_id,
            Building.code,
            Building.name_zh,
            Building.name_en,
            EnergyAnomaly.kind,
            EnergyAnomaly.actual_kwh,
            EnergyAnomaly.expected_kwh,
            EnergyAnomaly.extra_kwh,
            EnergyAnomaly.extra_cost_yuan,
        )
        .join(Building, Building.id == EnergyAnomaly.building_id)
        .where(EnergyAnomaly.day.between(view.period.start, view.period.end))
        .order_by(
            EnergyAnomaly.extra_kwh.desc(), EnergyAnomaly.day.desc(), EnergyAnomaly.building_id, EnergyAnomaly.kind
        )
        .limit(ANOMALY_LIMIT)
    )
    if view.entity_kind == "building":
        query = query.where(EnergyAnomaly.building_id == view.entity_id)
    else:
        # The subtree as a range of paths ('/1/2/' .. '/1/2/~'), which the path index answers.
        path = view.node["path"]
        query = query.join(OrgNode, OrgNode.id == Building.org_id).where(
            OrgNode.path >= path, OrgNode.path < path + "~"
        )
    rows = conn.execute(query).all()
    if not rows:
        return _empty_anomalies()
    frame = pd.DataFrame(rows, columns=ANOMALY_COLUMNS[:-1])
    frame["day"] = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d in frame["day"]]
    for column in ("actual_kwh", "expected_kwh", "extra_kwh", "extra_cost_yuan"):
        frame[column] = frame[column].astype(float)
    frame["_drill"] = "building:" + frame["building_id"].astype(np.int64).astype(str)
    return frame


__all__ = [
    "ANOMALY_COLUMNS",
    "ANOMALY_LIMIT",
    "PROFILE_COLUMNS",
    "PROFILE_MAX_DAYS",
    "fetch_building_load_profile",
    "fetch_energy_anomalies",
    "profile_window",
]
