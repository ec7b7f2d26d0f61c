"""The 90-day backtest of a rule: how often, and for how long, each entity would have fired.

``indicator_series`` gives the rule's figure per entity and day (the indicator evaluated as of each
day of the period); ``simulate`` replays the lifecycle on it with the rule's hysteresis and
``for_seconds`` (on daily steps: a breach must last ``ceil(for_seconds / 1 day)`` days before it
fires), exactly as ``evaluate`` would have moved the alerts had it run once a day.

How the series is read:

* indicators of the daily roll-ups (flows such as electricity or trips, the night share, trips
  after hours without request) with a ``latest``, ``last_days``, ``last_hours`` or ``mtd`` window:
  ONE statement reads the daily roll-up rows of the whole period (and of the baseline periods of
  a change comparison) for every entity of the kind, and each day's window is summed from them
  (``rollup_series``), plus one statement for the entities in scope. The figures equal those of
  ``indicator_values`` as of each day up to the rounding of floating-point sums (it reads whole
  months from the monthly roll-up);
* every other indicator is evaluated as of each day, one set-based statement per day. Its history
  is only as good as the tables keep it: org states come from the monthly roll-ups (so past days
  see their month's state), but entity states — asset status and idle-since, custodians, audits,
  office occupancy, leases, maintenance due dates, meter and source silence — are read as they
  stand now with their own dates, so a past day sees today's statuses (an asset idle since last
  week looks idle since then, not before; a lease ended and vacated yesterday does not show as
  overstaying on the days before). ``reconstructs_history`` tells the rule form which case a
  rule is in; ``in_one_statement`` whether its series is read at once.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .indicators import INDICATOR_COLUMNS, INDICATORS, indicator_values
from .rules import RuleSpec
from .windows import CHANGE_COMPARISONS, Window, figure, parse_window

SERIES_FAMILIES = ("flow", "night_share", "offhours_unrequested")
SERIES_WINDOWS = ("latest", "last_days", "last_hours", "mtd")
OFFHOURS = ("vehicle.offhours_trips", "vehicle.unrequested_trips", "vehicle.trips")

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
    if in_one_statement(spec):
        return rollup_series(conn, spec, as_of=as_of, now=now, days=days)
    return series_day_by_day(conn, spec, as_of=as_of, now=now, days=days)


def series_day_by_day(conn: Connection, spec: RuleSpec, *, as_of: dt.date, now: dt.datetime, days: int = 90):
    """``indicator_series`` as ``days`` set-based statements, the indicator as of each day."""
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


def in_one_statement(spec: RuleSpec) -> bool:
    """Whether ``indicator_series`` reads the whole period in one statement (``rollup_series``)."""
    indicator = INDICATORS.get(spec.metric_id)
    if indicator is None or indicator.family not in SERIES_FAMILIES:
        return False
    return parse_window(spec.window).kind in SERIES_WINDOWS


def reconstructs_history(spec: RuleSpec) -> bool:
    """Whether each past day of the backtest sees that day's own figures (roll-ups, dated facts),
    or — False, for entity states such as asset statuses, leases and occupancy — today's states."""
    indicator = INDICATORS.get(spec.metric_id)
    return indicator is not None and not (indicator.family == "entity" and spec.entity_kind != "org")


def _daily_rows(conn: Connection, metrics, kind: str, ranges: list[tuple[dt.date, dt.date]]) -> pd.DataFrame:
    """Every daily roll-up row of ``metrics`` for the kind's entities in the day ``ranges``: ONE
    statement (a change comparison's baseline range a year back is read apart from the current
    one, not with the year in between)."""
    names = {f"m{i}": m for i, m in enumerate(metrics)}
    bounds = {}
    for i, (lo, hi) in enumerate(ranges):
        bounds[f"lo{i}"], bounds[f"hi{i}"] = lo, hi
    days = " OR ".join(f"day BETWEEN :lo{i} AND :hi{i}" for i in range(len(ranges)))
    statement = sa.text(
        f"SELECT metric_id, entity_id, day, value FROM rollup_daily WHERE metric_id IN "
        f"({', '.join(':' + n for n in names)}) AND entity_kind = :kind AND ({days})"
    ).bindparams(*(sa.bindparam(n, type_=sa.Date()) for n in bounds))
    result = conn.execute(statement, {**names, **bounds, "kind": kind})
    return pd.DataFrame(result.fetchall(), columns=["metric_id", "entity_id", "day", "value"])


def _window_sums(grid: np.ndarray, first: dt.date, spans: list[tuple[dt.date, dt.date]], counts: bool) -> np.ndarray:
    """Per entity (rows of ``grid``, one column per day from ``first``, NaN where no roll-up row)
    and span: the sum over the span's days; NaN where the span holds no row, unless ``counts``
    (a missing row of a count is 0). Summed directly (no running totals), so zeros stay zeros."""
    out = np.full((grid.shape[0], len(spans)), np.nan)
    for j, (lo, hi) in enumerate(spans):
        block = grid[:, (lo - first).days : (hi - first).days + 1]
        present = ~np.isnan(block).all(axis=1) if block.shape[1] else np.zeros(grid.shape[0], bool)
        sums = np.nansum(block, axis=1)
        out[:, j] = sums if counts else np.where(present, sums, np.nan)
    return out


def rollup_series(conn: Connection, spec: RuleSpec, *, as_of: dt.date, now: dt.datetime, days: int = 90):
    """``indicator_series`` of a daily roll-up indicator: one statement for the entities in scope
    (the indicator as of ``as_of``) and ONE for the roll-up rows of every day the period needs."""
    indicator = INDICATORS[spec.metric_id]
    window: Window = parse_window(spec.window)
    entities = indicator_values(
        conn,
        spec.metric_id,
        spec.entity_kind,
        scope_org_id=spec.scope_org_id,
        scope_filter=spec.scope_filter,
        window=spec.window,
        as_of=as_of,
        now=now,
        comparison=spec.comparison,
    )
    series_days = [as_of - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]
    change = spec.comparison in CHANGE_COMPARISONS
    current = [window.span(d) for d in series_days]
    baseline = [window.baseline(d, spec.comparison) for d in series_days] if change else []
    first = min(lo for lo, _ in current + baseline)
    metrics = OFFHOURS if indicator.family == "offhours_unrequested" else indicator.inputs
    ranges = [(min(lo for lo, _ in current), as_of)]
    if change:
        ranges.append((min(lo for lo, _ in baseline), max(hi for _, hi in baseline)))
        if ranges[1][1] >= ranges[0][0]:  # overlapping (a previous window): one range
            ranges = [(min(ranges[0][0], ranges[1][0]), as_of)]
    rows = _daily_rows(conn, metrics, spec.entity_kind, ranges)
    ids = entities["entity_id"].astype(int).to_numpy()
    position = {int(e): i for i, e in enumerate(ids)}
    width = (as_of - first).days + 1
    grids = {m: np.full((len(ids), width), np.nan) for m in metrics}
    if not rows.empty:
        rows = rows[rows["entity_id"].astype(int).isin(position)]
        for metric, part in rows.groupby("metric_id"):
            r = part["entity_id"].astype(int).map(position).to_numpy()
            c = (pd.to_datetime(part["day"]) - pd.Timestamp(first)).dt.days.to_numpy()
            grids[metric][r, c] = part["value"].astype(float).to_numpy()
    counts = spec.metric_id.startswith(("vehicle.", "asset."))
    if indicator.family == "offhours_unrequested":
        off, unrequested, trips = (np.nan_to_num(grids[m]) for m in OFFHOURS)
        term = np.maximum(off + unrequested - trips, 0.0)
        values, references = _window_sums(term, first, current, True), np.full((len(ids), days), np.nan)
    elif indicator.family == "night_share":
        night, total = (grids[m] for m in indicator.inputs)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = _window_sums(night, first, current, False) / _window_sums(total, first, current, False)
            references = (
                _window_sums(night, first, baseline, False) / _window_sums(total, first, baseline, False)
                if change
                else np.full((len(ids), days), np.nan)
            )
        values, references = (
            np.where(np.isfinite(values), values, np.nan),
            np.where(np.isfinite(references), references, np.nan),
        )
    else:
        grid = grids[spec.metric_id]
        values = _window_sums(grid, first, current, counts)
        references = _window_sums(grid, first, baseline, counts) if change else np.full((len(ids), days), np.nan)
    key = entities[[c for c in INDICATOR_COLUMNS if c not in ("value", "reference")]]
    series = key.loc[key.index.repeat(days)].reset_index(drop=True)
    series.insert(0, "day", series_days * len(ids))
    series["value"] = values.reshape(-1)
    series["reference"] = references.reshape(-1)
    series = series[["day", *INDICATOR_COLUMNS]]
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
