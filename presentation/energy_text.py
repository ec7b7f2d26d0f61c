"""The energy page's sentences: what the year-end projection against the quota tiers says
("按当前进度，预计10月超出约束值12%" / "At this pace, exceeds its limit in October by 12 %").

Pure: the summary of ``data.queries.energy_projection.fetch_energy_projection_summary`` in, a
sentence out.
"""

from __future__ import annotations

import datetime as dt

from presentation.format import format_quantity, is_missing
from presentation.i18n import t


def month_name(month: dt.date, lang: str) -> str:
    """The month as a sentence names it: "10月", "October"."""
    return t(f"energy.month.{month.month}", lang)


def percent_text(fraction: float) -> str:
    """A fraction as a percentage number without the sign: 0.12 → "12", 0.034 → "3.4"."""
    value = abs(fraction) * 100.0
    if value >= 9.95:
        return f"{value:.0f}"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def projection_sentence(summary: dict, lang: str) -> str:
    """One sentence on the year-end projection.

    Args:
        summary: ``fetch_energy_projection_summary`` output: ``status`` (``will_exceed``,
            ``at_risk``, ``on_track``, ``no_quota``, ``no_data``), ``projected_total_kgce``,
            ``limit_kgce``, ``exceed_month``, ``exceed_pct``; ``guide_kgce`` and ``limit_passed``
            when known (a projection within the guide value says so; a limit passed already is
            said in the past tense).
        lang: ``zh`` or ``en``.

    Returns:
        The sentence, e.g. "按当前进度，预计10月超出约束值12%".
    """
    status = summary.get("status")
    projected = summary.get("projected_total_kgce")
    if status == "no_data" or is_missing(projected):
        return t("energy.projection.no_data", lang)
    if status == "no_quota":
        return t("energy.projection.no_quota", lang, total=format_quantity(float(projected) / 1000.0, "tce", lang))
    pct = summary.get("exceed_pct")
    pct_text = "" if is_missing(pct) else percent_text(float(pct))
    if status == "will_exceed":
        month = summary.get("exceed_month")
        if month is None:  # the limit is passed only by the last day's rounding: the year end
            month = dt.date(2000, 12, 1)
        key = "energy.projection.exceeded" if summary.get("limit_passed") else "energy.projection.will_exceed"
        return t(key, lang, month=month_name(month, lang), pct=pct_text)
    if status == "at_risk":
        return t("energy.projection.at_risk", lang, pct=pct_text)
    guide = summary.get("guide_kgce")
    if not is_missing(guide) and float(projected) <= float(guide):
        return t("energy.projection.within_guide", lang)
    return t("energy.projection.on_track", lang)
