"""Numbers, units, comparison lines and times as Chinese (and English) readers expect them.

Large values use 万 and 亿 (1.23亿元 rather than 123,000,000 元); in English they read 1.23M.
Rates and percentages are never scaled. Times are stored in UTC and shown in the configured zone.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from data.calendar import Calendar, configured_calendar
from presentation.i18n import has, t


def is_missing(value) -> bool:
    """None, NaN and NaT are "no value"."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and other containers are values
        return False


def unit_label(unit: str, lang: str) -> str:
    """The unit as shown: catalog units with words (次, 辆, 元 …) are translated, symbols are kept."""
    key = f"unit.{unit}"
    return t(key, lang) if has(key) else unit


def _digits(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 1000:
        return 0
    if magnitude >= 100:
        return 1
    return 2


def format_number(value, unit: str, lang: str) -> tuple[str, str]:
    """``(number text, unit text)`` for a tile: ``(1234567, "kWh", "zh")`` → ``("123.5", "万kWh")``.

    Missing values (None, NaN) read "—". Percentages get one decimal; rates (units with "/")
    and percentages are never scaled; whole numbers below the scaling threshold show no decimals.
    """
    label = unit_label(unit, lang)
    if is_missing(value):
        return "—", label
    value = float(value)
    if unit == "%":
        return f"{value:.1f}", label
    scalable = "/" not in unit
    magnitude = abs(value)
    if scalable and lang == "zh" and magnitude >= 1e4:
        divisor, scale = (1e8, t("num.yi", lang)) if magnitude >= 1e8 else (1e4, t("num.wan", lang))
        scaled = value / divisor
        return f"{scaled:,.{_digits(scaled)}f}", f"{scale}{label}"
    if scalable and lang != "zh" and magnitude >= 1e6:
        divisor, scale = (1e9, t("num.billion", lang)) if magnitude >= 1e9 else (1e6, t("num.million", lang))
        scaled = value / divisor
        return f"{scaled:,.{_digits(scaled)}f}{scale}", label
    if value == round(value) and magnitude < 1e6:
        return f"{value:,.0f}", label
    return f"{value:,.{_digits(value)}f}", label


def format_quantity(value, unit: str, lang: str) -> str:
    """Number and unit in one string ("120辆", "120 vehicles", "18.48 kgce/m²")."""
    number, label = format_number(value, unit, lang)
    if label in ("", "%") or (lang == "zh" and not label[0].isascii()):
        return f"{number}{label}"
    return f"{number} {label}"


def reference_text(metric_id: str, value, reference, reference_kind: str, unit: str, lang: str) -> str:
    """The comparison line under the value ("同比 ▲3.2%", "编制 120辆" …), or "" when there is none."""
    if is_missing(reference) or not reference_kind:
        return ""
    if reference_kind in ("yoy", "prev"):  # the same period a year earlier, or the one before
        if is_missing(value) or (reference == 0 and unit != "%"):
            return ""
        if unit == "%":
            delta = value - reference
            arrow = "▲" if delta > 0 else "▼" if delta < 0 else ""
            return t(f"kpi.{reference_kind}_pp", lang, delta=f"{arrow}{abs(delta):.1f}")
        change = (value - reference) / abs(reference) * 100.0
        arrow = "▲" if change > 0 else "▼" if change < 0 else ""
        return t(f"kpi.{reference_kind}", lang, delta=f"{arrow}{abs(change):.1f}%")
    if reference_kind == "quota":
        if metric_id == "vehicle.fleet":
            key = "kpi.ref.fleet_quota"
        else:
            key = "kpi.ref.energy_quota" if metric_id.startswith("energy.") else "kpi.ref.quota"
        return t(key, lang, value=format_quantity(reference, unit, lang))
    if reference_kind == "baseline":
        return t("kpi.ref.baseline", lang, value=format_quantity(reference, unit, lang))
    if reference_kind == "of_total":
        if is_missing(value) or reference == 0:
            return ""
        key = f"kpi.ref.share.{metric_id}"
        return t(key if has(key) else "kpi.ref.share", lang, value=f"{value / reference * 100.0:.1f}%")
    return ""


def format_time(value, calendar: Calendar | None = None) -> str:
    """A stored (UTC) instant as local time of the configured zone, ``2026-11-20 14:05``; empty for
    None, NaN and NaT (a source that never succeeded has no time)."""
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        return str(value)
    return (calendar or configured_calendar()).local(value).strftime("%Y-%m-%d %H:%M")
