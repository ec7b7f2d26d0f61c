"""Seeds an empty database with what every install needs: catalog, departments, roles, reference data,
the working-day calendar and the asset categories.

Idempotent: rows that already exist are left as an administrator may have edited them. The one
exception is a calendar day still holding the approximation of a year whose official schedule
has since been added to ``data.workdays``: it becomes the official day (an edited day is kept).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from . import reference, workdays
from .catalog import DOMAINS, METRICS
from .models import (
    AssetCategory,
    CalendarDay,
    DataVersion,
    Department,
    EnergyCoefficient,
    MetricDefinition,
    OfficeSpaceStandard,
    PlanTarget,
    ReadingCeiling,
    Role,
    RolePermission,
)


def _existing(session: Session, column) -> set:
    return set(session.scalars(select(column)))


def seed_reference(session: Session) -> None:
    """Insert the catalog and reference defaults that are missing; never overwrite edits."""
    have = _existing(session, MetricDefinition.id)
    session.add_all(
        MetricDefinition(
            id=m.id,
            domain=m.domain,
            name_zh=m.name_zh,
            name_en=m.name_en,
            unit=m.unit,
            rollup_rule=m.rollup_rule,
            bad_direction=m.bad_direction,
            kind=m.kind,
            department_code=m.department,
            formula=m.formula,
        )
        for m in METRICS
        if m.id not in have
    )
    have = _existing(session, Department.code)
    session.add_all(Department(code=c, name_zh=zh, name_en=en) for c, zh, en in reference.DEPARTMENTS if c not in have)
    have = _existing(session, Role.code)
    session.add_all(Role(code=c, name_zh=zh, name_en=en) for c, zh, en in reference.ROLES if c not in have)
    session.flush()
    have = {(r.role_code, r.permission) for r in session.scalars(select(RolePermission))}
    session.add_all(
        RolePermission(role_code=role, permission=p)
        for role, perms in reference.ROLE_PERMISSIONS.items()
        for p in perms
        if (role, p) not in have
    )
    have = _existing(session, EnergyCoefficient.code)
    session.add_all(
        EnergyCoefficient(code=c, value=v, unit=u, name_zh=zh, name_en=en, source=src)
        for c, v, u, zh, en, src in reference.ENERGY_COEFFICIENTS
        if c not in have
    )
    have = {(s.admin_level, s.rank_code) for s in session.scalars(select(OfficeSpaceStandard))}
    session.add_all(
        OfficeSpaceStandard(
            admin_level=lvl,
            rank_code=rank,
            rank_zh=zh,
            rank_en=en,
            limit_m2=limit,
            sort_order=i,
            source=reference.OFFICE_STANDARD_SOURCE,
        )
        for i, (lvl, rank, zh, en, limit) in enumerate(reference.OFFICE_SPACE_STANDARDS)
        if (lvl, rank) not in have
    )
    have = _existing(session, ReadingCeiling.kind)
    session.add_all(
        ReadingCeiling(
            kind=kind,
            per_m2_hour=per_m2,
            min_per_hour=floor,
            unit=unit,
            source=reference.READING_CEILING_SOURCE,
        )
        for kind, per_m2, floor, unit in reference.READING_CEILINGS
        if kind not in have
    )
    have = _existing(session, PlanTarget.code)
    session.add_all(
        PlanTarget(code=c, value=v, unit=u, name_zh=zh, name_en=en, source=src)
        for c, v, u, zh, en, src in reference.PLAN_TARGETS
        if c not in have
    )
    seed_calendar(session)
    seed_asset_categories(session)
    have = _existing(session, DataVersion.domain)
    session.add_all(DataVersion(domain=d, version=0) for d in (*DOMAINS, "reference") if d not in have)
    session.flush()


def seed_database(url: str) -> None:
    """``seed_reference`` in a transaction of its own on the (migrated) database at ``url``:
    what ``manage.py migrate`` and ``run`` do after the migrations."""
    from .db import get_engine, write_session

    with write_session(get_engine(url)) as session:
        seed_reference(session)


def seed_calendar(session: Session, years: tuple[int, int] = workdays.SEEDED_YEARS) -> int:
    """Store the days of ``years`` (first, last) that ``calendar_day`` lacks; bring the days of
    newly official years up to date where nobody edited them. Returns the rows written."""
    first, last = dt.date(years[0], 1, 1), dt.date(years[1], 12, 31)
    columns = (CalendarDay.day, CalendarDay.is_workday, CalendarDay.holiday_zh, CalendarDay.holiday_en)
    stored = {
        day: (bool(is_workday), zh, en, bool(heating))
        for day, is_workday, zh, en, heating in session.connection().execute(
            select(*columns, CalendarDay.heating_season).where(CalendarDay.day.between(first, last))
        )
    }
    defaults = list(workdays.calendar_rows(first, last))
    missing = [_calendar_values(row) for row in defaults if row[0] not in stored]
    if missing:
        session.execute(insert(CalendarDay), missing)
    official = [y for y in range(years[0], years[1] + 1) if workdays.is_official(y)]
    changed = []
    for year in official:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        approximate = workdays.calendar_rows(start, end, approximate=True)
        for now, before in zip(workdays.calendar_rows(start, end), approximate, strict=True):
            held = stored.get(now[0])
            if held is not None and held == tuple(before[1:]) and held != tuple(now[1:]):
                changed.append(_calendar_values(now))
    for values in changed:
        session.execute(update(CalendarDay).where(CalendarDay.day == values["day"]).values(**values))
    session.flush()
    return len(missing) + len(changed)


def _calendar_values(row: workdays.CalendarRow) -> dict:
    day, is_workday, holiday_zh, holiday_en, heating = row
    return {
        "day": day,
        "is_workday": is_workday,
        "holiday_zh": holiday_zh,
        "holiday_en": holiday_en,
        "heating_season": heating,
    }


def seed_asset_categories(session: Session) -> int:
    """Store the default asset categories whose codes ``asset_category`` lacks (parents first).
    Returns the rows written."""
    ids = {code: id_ for code, id_ in session.execute(select(AssetCategory.code, AssetCategory.id))}
    added = 0
    for code, parent, name_zh, name_en, life in reference.ASSET_CATEGORIES:
        if code in ids:
            continue
        category = AssetCategory(
            code=code,
            parent_id=ids.get(parent),
            name_zh=name_zh,
            name_en=name_en,
            useful_life_years=life,
            depreciation_method="straight_line",
            residual_rate=0.0,
        )
        session.add(category)
        session.flush()  # a child needs its parent's id
        ids[code] = category.id
        added += 1
    return added
