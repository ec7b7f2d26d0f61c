"""The 90-day backtest of a rule: how often, and for how long, each entity would have fired.

``indicator_series`` gives the rule's figure per entity and day (the indicator evaluated as of each
day of the period); ``simulate`` replays the lifecycle on it with the rule's hysteresis and
``for_seconds`` (on daily steps: a breach must last ``ceil(for_seconds / 1 day)`` days before it
fires), exactly as ``evaluate`` would have moved the alerts had it run once a day.

Limitation (documented for the rule form): the series is one statement per day of the period
(90 set-based statements), not one for the whole period; entity states (idle since, leases …) are
read as they stand, with their own dates, so a past day sees today's statuses.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from sqlalchemy.engine import Connection

from .indicators import indicator_values
from .rules import RuleSpec
from .windows import figure

BACKTEST_COLUMNS = ["entity_kind", "entity_id", "org_id", "entity_code", "entity_name_zh", "entity_name_en",
                    "fired_times", "fired_days", "max_figure", "last_level"]  # fmt: skip


def indicator_series(
    conn: Connection,
    spec: RuleSpec,
    *,
    as_of: dt.date,
    now: dt.datetime,
    days: int = 90,
) -> pd.DataFrame:
    """Columns ``day``, the ``INDICATOR_COLUMNS`` and ``figure``: one row per entity and day."""
    frames = []
    for back in range(days - 1, -1, -1):
        day = as_of - dt.timedelta(days=back)
        moment = now - dt.timedelta(days=back)
        frame = indicator_values(
            conn,
            spec.metric_id,
            spec.entity_kind,
            scope_org_id=spec.scope_org_id,
            scope_filter=spec.scope_filter,
            window=spec.window,
            as_of=day,
            now=moment,
            comparison=spec.comparison,
        )
        frame.insert(0, "day", day)
        frames.append(frame)
    series = pd.concat(frames, ignore_index=True)
    series["figure"] = [figure(spec.comparison, v, r) for v, r in zip(series["value"], series["reference"])]
    return series


def simulate(spec: RuleSpec, figures: list[float]) -> tuple[int, int, str | None]:
    """Replay the lifecycle over daily figures: ``(times fired, days firing, level on the last day)``."""
    from .evaluate import _recovered, severity_of

    need = math.ceil(spec.for_seconds / 86400) if spec.for_seconds else 0
    state, since, fired, firing_days, level = None, 0, 0, 0, None
    for i, fig in enumerate(figures):
        level = severity_of(spec, fig)
        if state is None:
            if level is not None:
                state, since = ("firing", i) if need == 0 else ("pending", i)
                fired += 1 if need == 0 else 0
        elif _recovered(spec, fig):
            state = None
        elif state == "pending" and level is not None and i - since >= need:
            state = "firing"
            fired += 1
        if state == "firing":
            firing_days += 1
    return fired, firing_days, level


def backtest(conn: Connection, spec: RuleSpec, *, now: dt.datetime, days: int = 90) -> pd.DataFrame:
    """Per entity that would have fired at least once in the last ``days`` days: ``BACKTEST_COLUMNS``
    (``fired_times`` alerts opened into firing, ``fired_days`` days spent firing), most first."""
    from .evaluate import data_as_of

    as_of = data_as_of(conn, spec.metric_id.split(".")[0], now)
    series = indicator_series(conn, spec, as_of=as_of, now=now, days=days)
    records = []
    key = ["entity_kind", "entity_id", "org_id", "entity_code", "entity_name_zh", "entity_name_en"]
    for _entity, group in series.sort_values("day").groupby("entity_id", sort=False):
        fired, fired_days, level = simulate(spec, list(group["figure"]))
        if fired:
            first = group.iloc[0]
            records.append(
                {
                    **{k: first[k] for k in key},
                    "fired_times": fired,
                    "fired_days": fired_days,
                    "max_figure": float(group["figure"].max()),
                    "last_level": level,
                }  # fmt: skip
            )
    frame = pd.DataFrame(records, columns=BACKTEST_COLUMNS)
    return frame.sort_values(["fired_days", "entity_code"], ascending=[False, True]).reset_index(drop=True)
