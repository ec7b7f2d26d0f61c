"""How a KPI tile is judged: the status colour of a value, from the alert rules where one applies.

A tile, a rule, a snapshot and an export must judge a figure the same way, so the colour comes
(``data.alerts.kpi_rules.with_kpi_status``, called by the page reads) from the enabled threshold rule of the tile's metric (``alert_rule``, entity kind ``org``) whose
scope holds the tile's org and whose window is the tile's period:

* the rule's window matches the tile's period: ``latest`` ↔ ``now``, ``mtd`` ↔ ``mtd``, and
  ``ytd_pace`` ↔ ``ytd`` when the tile's reference is the quota (the figure is then the value
  projected to the whole year in % of it, as the rule computes);
* the figure is the rule's (``data.alerts.windows``): the value for ``above``/``below``, its
  distance from 0 for ``outside``, the change in % against the tile's year-earlier reference for
  ``change_pct`` (``change_prev`` has no tile figure, so it does not judge tiles);
* the value is brought to the indicator's unit first (a tile in % of a ratio indicator, tce of
  a kgce one);
* critical level breached: ``bad``; warning level breached: ``warn``; neither: ``good``. A tile
  is a snapshot, so hysteresis and ``for_seconds`` (which need a history) do not apply.

Where no rule applies (no enabled org rule for the metric, the org outside every rule's scope,
another window, or a comparison the tile cannot form), the tile keeps the judgement written here
before rules existed (``kpi_status`` without a rule; pure, so tile builders may call it): above a quota ``bad``; above the national
baseline ``warn``; a change of more than 3 % / 10 % in the bad direction ``warn`` / ``bad``, more
than 3 % in the good direction ``good``; anything else ``neutral``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from data.alerts.windows import Window
from data.catalog import METRICS_BY_ID

STATUSES = ("good", "warn", "bad", "neutral", "none")
YOY_WARN = 0.03  # relative change that deserves attention in the bad direction (no rule)
YOY_BAD = 0.10
WINDOW_PERIODS = {"latest": "now", "mtd": "mtd", "ytd_pace": "ytd"}
# Indicators computed as a fraction (0..1) whose tiles show %: the ratio families of
# data.alerts.indicators (a test keeps the two lists equal; this module reads no database).
FRACTION_METRICS = (
    "asset.idle_rate",
    "energy.night_share",
    "housing.area_per_person",
    "housing.occupancy_rate",
    "vehicle.nev_share",
    "vehicle.over_quota",
)


@dataclass(frozen=True)
class KpiRule:
    """What a tile needs of a rule: how to form the figure, the levels, and whom it covers."""

    metric_id: str
    comparison: str
    warning_level: float
    critical_level: float | None
    window: str
    scope_prefix: str = "/"  # the path of the rule's org subtree ("/" for the whole province)
    org_levels: tuple[str, ...] | None = None  # the ``org_level`` scope filter, if any

    def covers(self, org_path: str, org_level: str) -> bool:
        if not org_path.startswith(self.scope_prefix):
            return False
        return self.org_levels is None or org_level in self.org_levels


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _in_rule_unit(metric_id: str, value: float, unit: str | None) -> float:
    if unit == "%" and metric_id in FRACTION_METRICS:
        return value / 100.0
    metric = METRICS_BY_ID.get(metric_id)
    if unit == "tce" and metric is not None and metric.unit == "kgce":
        return value * 1000.0
    return value


def rule_figure(rule: KpiRule, row: dict) -> float | None:
    """The rule's figure for a KPI row (``value``, ``reference``, ``reference_kind``, ``period``,
    ``unit``, ``as_of``), or None when the rule cannot judge this tile (another period, a
    comparison the tile has no reference for)."""
    if WINDOW_PERIODS.get(rule.window) != row.get("period"):
        return None
    value, reference, kind = row.get("value"), row.get("reference"), row.get("reference_kind") or ""
    if rule.window == "ytd_pace":
        as_of = row.get("as_of")
        as_of = as_of.date() if isinstance(as_of, dt.datetime) else as_of
        if kind != "quota" or is_missing(reference) or reference == 0 or not isinstance(as_of, dt.date):
            return None
        return value * Window("ytd_pace").pace_factor(as_of) * 100.0 / reference
    if rule.comparison == "change_pct":
        if kind != "yoy" or is_missing(reference) or reference == 0:
            return None
        return (value - reference) * 100.0 / reference
    if rule.comparison == "change_prev":
        return None
    value = _in_rule_unit(rule.metric_id, value, row.get("unit"))
    return abs(value) if rule.comparison == "outside" else value


def _breach(rule: KpiRule, figure: float, level: float | None) -> bool:
    if level is None:
        return False
    return figure < level if rule.comparison == "below" else figure > level


def kpi_status(value, reference, reference_kind: str, bad_direction: str, *, rule=None, row=None) -> str:
    """The tile's status: ``good``, ``warn``, ``bad``, ``neutral`` or ``none`` (no value).

    With ``rule`` (a ``KpiRule``) and the tile's ``row``, the rule judges when it can (see the
    module docstring); otherwise, or without one, the judgement written here applies:

    * ``quota``: above the approved maximum is ``bad``, within it ``good``;
    * ``baseline``: above the national baseline is ``warn``, at or below ``good``;
    * ``yoy``: a change of more than 3 % in the bad direction is ``warn``, more than 10 % ``bad``,
      more than 3 % in the good direction ``good`` (metrics without a bad direction stay neutral);
    * anything else is ``neutral``.
    """
    if is_missing(value):
        return "none"
    if rule is not None:
        figure = rule_figure(
            rule, {**(row or {}), "value": value, "reference": reference, "reference_kind": reference_kind}
        )
        if figure is not None:
            if is_missing(figure):
                return "neutral"
            if _breach(rule, figure, rule.critical_level):
                return "bad"
            return "warn" if _breach(rule, figure, rule.warning_level) else "good"
    if is_missing(reference) or not reference_kind:
        return "neutral"
    if reference_kind == "quota":
        return "bad" if value > reference else "good"
    if reference_kind == "baseline":
        return "warn" if value > reference else "good"
    if reference_kind == "yoy":
        if bad_direction not in ("up", "down") or reference == 0:
            return "neutral"
        change = (value - reference) / abs(reference)
        worse = change if bad_direction == "up" else -change
        if worse > YOY_BAD:
            return "bad"
        if worse > YOY_WARN:
            return "warn"
        if worse < -YOY_WARN:
            return "good"
    return "neutral"
