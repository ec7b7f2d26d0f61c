"""A fresh install from files only: the reference data ``seed_reference`` stores in every database
(working-day calendar, asset categories), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from data import reference, workdays
from data.db import get_engine, session_scope
from data.models import AssetCategory, CalendarDay
from data.seed import seed_reference

D = dt.date


def _table_digest(url: str) -> dict[str, list]:
    with get_engine(url).connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2"))]
            for table in ("calendar_day", "asset_category", "metric", "office_space_standard", "data_version")
        }


def test_seed_reference_creates_the_calendar_and_the_categories_and_a_second_call_changes_nothing(db_url):
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        seed_reference(session)
    first_year, last_year = workdays.SEEDED_YEARS
    with Session(engine) as session:
        days = session.scalars(sa.select(CalendarDay).order_by(CalendarDay.day)).all()
        assert days[0].day == D(first_year, 1, 1) and days[-1].day == D(last_year, 12, 31)
        assert len(days) == (D(last_year, 12, 31) - D(first_year, 1, 1)).days + 1
        by_day = {d.day: d for d in days}
        national = by_day[D(2025, 10, 1)]
        assert not national.is_workday and national.holiday_zh == "国庆节、中秋节" and national.holiday_en
        makeup = by_day[D(2026, 2, 14)]  # a Saturday worked before the Spring Festival (调休)
        assert makeup.is_workday and makeup.holiday_zh == "调休上班" and makeup.holiday_en == "Make-up working day"
        assert not by_day[D(2026, 2, 17)].is_workday  # Spring Festival 2026
        assert by_day[D(2026, 11, 23)].is_workday and not by_day[D(2026, 11, 22)].is_workday
        assert by_day[D(2026, 1, 10)].heating_season and not by_day[D(2026, 7, 1)].heating_season
        assert not by_day[D(2030, 10, 3)].is_workday  # an approximated year still has its holidays
        workdays_2025 = sum(d.is_workday for d in days if d.day.year == 2025)
        assert 245 <= workdays_2025 <= 252

        categories = {c.code: c for c in session.scalars(sa.select(AssetCategory))}
        assert set(categories) == {code for code, *_ in reference.ASSET_CATEGORIES}
        desktop = categories["A020101"]
        assert (desktop.name_zh, desktop.name_en, desktop.useful_life_years) == ("台式计算机", "Desktop computer", 6)
        assert desktop.parent_id == categories["A0201"].id and categories["A0201"].parent_id == categories["A02"].id
        assert categories["A06"].parent_id is None and categories["A060101"].useful_life_years == 15
        assert all(c.name_zh and c.name_en for c in categories.values())

    before = _table_digest(db_url)
    with session_scope(engine) as session:
        seed_reference(session)
    assert _table_digest(db_url) == before


def test_seed_reference_keeps_edits_and_fills_gaps(db_url):
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        seed_reference(session)
    with engine.begin() as conn:
        # An administrator makes 2 March 2026 a local holiday, renames a category, removes a day.
        conn.execute(
            sa.update(CalendarDay.__table__)
            .where(CalendarDay.day == D(2026, 3, 2))
            .values(is_workday=False, holiday_zh="地方假日", holiday_en="Local holiday")
        )
        conn.execute(
            sa.update(AssetCategory.__table__).where(AssetCategory.code == "A0202").values(name_zh="办公设备类")
        )
        conn.execute(sa.delete(CalendarDay.__table__).where(CalendarDay.day == D(2026, 3, 3)))
    with session_scope(engine) as session:
        seed_reference(session)
    with Session(engine) as session:
        edited = session.get(CalendarDay, D(2026, 3, 2))
        assert not edited.is_workday and edited.holiday_zh == "地方假日"
        assert session.get(CalendarDay, D(2026, 3, 3)).is_workday  # the missing day is back
        renamed = session.scalars(sa.select(AssetCategory).where(AssetCategory.code == "A0202")).one()
        assert renamed.name_zh == "办公设备类"


def test_a_newly_official_year_replaces_the_approximated_days_nobody_edited(db_url, monkeypatch):
    """What happens when next year's State Council schedule is added to data/workdays.py."""
    engine = get_engine(db_url)
    official_2026 = workdays.OFFICIAL_SCHEDULES[2026]
    approximate = {y: s for y, s in workdays.OFFICIAL_SCHEDULES.items() if y != 2026}
    monkeypatch.setattr(workdays, "OFFICIAL_SCHEDULES", approximate)
    with session_scope(engine) as session:
        seed_reference(session)  # 2026 stored as approximated: no make-up working days
    with Session(engine) as session:
        assert not session.get(CalendarDay, D(2026, 2, 14)).is_workday
    with engine.begin() as conn:  # an administrator edits one approximated day
        conn.execute(
            sa.update(CalendarDay.__table__).where(CalendarDay.day == D(2026, 2, 28)).values(holiday_zh="本地调整")
        )
    monkeypatch.setattr(workdays, "OFFICIAL_SCHEDULES", {**approximate, 2026: official_2026})
    with session_scope(engine) as session:
        seed_reference(session)
    with Session(engine) as session:
        makeup = session.get(CalendarDay, D(2026, 2, 14))
        assert makeup.is_workday and makeup.holiday_zh == "调休上班"
        assert not session.get(CalendarDay, D(2026, 2, 23)).is_workday  # the official ninth day off
        assert session.get(CalendarDay, D(2026, 2, 28)).holiday_zh == "本地调整"  # the edit is kept
