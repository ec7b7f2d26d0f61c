"""Reference data the page reads use: working days, energy conversion coefficients, plan
targets and energy quotas, as administrators keep them (defaults from ``data.reference`` for
codes not stored). Every function takes an open ``Connection`` and never commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from data import reference
from data.models import CalendarDay, EnergyCoefficient, EnergyQuota, PlanTarget

_QUOTAS = select(EnergyQuota.basis, EnergyQuota.limit_value).where(
    EnergyQuota.org_id == bindparam("org_id"), EnergyQuota.year == bindparam("year")
)


def count_workdays(conn: Connection, start: dt.date, end: dt.date) -> int:
    """Working days in ``[start, end]`` from ``calendar_day``; Monday–Friday where it has no rows."""
    rows = conn.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(CalendarDay.day.between(start, end))
    ).all()
    known = {day: bool(is_workday) for day, is_workday in rows}
    count, day = 0, start
    while day <= end:
        count += known.get(day, day.weekday() < 5)
        day += dt.timedelta(days=1)
    return count


def fetch_coefficients(conn: Connection) -> dict[str, float]:
    """Energy conversion coefficients as administrators keep them, defaults for codes not stored."""
    values = {code: value for code, value, *_ in reference.ENERGY_COEFFICIENTS}
    values.update(
        {code: float(value) for code, value in conn.execute(select(EnergyCoefficient.code, EnergyCoefficient.value))}
    )
    return values


def fetch_plan_targets(conn: Connection) -> dict[str, float]:
    """Five-year-plan baselines and targets as stored, defaults for codes not stored."""
    values = {code: value for code, value, *_ in reference.PLAN_TARGETS}
    values.update({code: float(value) for code, value in conn.execute(select(PlanTarget.code, PlanTarget.value))})
    return values


def fetch_energy_quotas(conn: Connection, org_id: int, year: int) -> dict[str, float]:
    """The node's annual energy quota limits (约束值) by basis (``per_m2``, ``per_person``, ``total``)."""
    return {basis: float(limit) for basis, limit in conn.execute(_QUOTAS, {"org_id": org_id, "year": year})}


__all__ = ["count_workdays", "fetch_coefficients", "fetch_energy_quotas", "fetch_plan_targets"]
