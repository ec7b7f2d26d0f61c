"""A hand-made world for the reference-data editor, on ``security_support``'s org tree (agencies
7 and 8 are county-level): one category of our own with two known assets, an asset of a seeded
category elsewhere, and one office room over the standard. The asset and housing states are
rolled up for January (valued at 31 January) and February 2026 (valued at ``AS_OF``).

Known answers (straight line, residual 0, life 10 years unless edited):
* category ``T01`` (id ``CATEGORY_ID``): asset 1 of agency 7, 1,200 yuan, acquired 1 January
  2024; asset 2 of agency 7, 600 yuan, acquired 1 January 2020. A life of 1 year leaves both
  fully depreciated (net 0); a residual rate of 10 % then leaves 180; method ``none`` keeps 1,800.
* asset 3 of agency 8 (seeded category A0201, 6 years), untouched by any edit of ``T01``.
* room 1 of agency 7, 30 m², one section head (county limit 18 m²): 12 m² over the standard;
  a limit of 24 leaves 6 m² over, a limit of 30 or more none.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from data import rollup
from data.db import get_engine
from data.models import Asset, AssetCategory, Building, OfficeOccupancy, OfficeRoom, OfficeSpaceStandard

from security_support import seed_org_tree

D = dt.date
AS_OF = D(2026, 2, 20)
MONTHS = (D(2026, 1, 1), D(2026, 2, 1))
CATEGORY_ID = 900


def build_reference_world(url: str) -> None:
    seed_org_tree(url)
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Building.__table__),
            [
                dict(
                    id=1,
                    code="B1",
                    org_id=7,
                    name_zh="一号楼",
                    name_en="B1",
                    use_type="office",
                    floor_area_m2=1000.0,
                    heated_area_m2=900.0,
                    occupants=10,
                ),
            ],
        )
        conn.execute(
            sa.insert(AssetCategory.__table__),
            [
                dict(
                    id=CATEGORY_ID,
                    code="T01",
                    parent_id=None,
                    name_zh="测试类",
                    name_en="Test class",
                    useful_life_years=10,
                    depreciation_method="straight_line",
                    residual_rate=0.0,
                )
            ],
        )
        seeded = conn.execute(sa.select(AssetCategory.id).where(AssetCategory.code == "A0201")).scalar_one()
        asset = dict(status="in_use", building_id=None, custodian_name="张三", name_en=None)
        conn.execute(
            sa.insert(Asset.__table__),
            [
                dict(
                    asset,
                    id=1,
                    code="X1",
                    org_id=7,
                    category_id=CATEGORY_ID,
                    name_zh="甲",
                    original_value_yuan=1200.0,
                    acquired_on=D(2024, 1, 1),
                    status_since=D(2024, 1, 1),
                ),
                dict(
                    asset,
                    id=2,
                    code="X2",
                    org_id=7,
                    category_id=CATEGORY_ID,
                    name_zh="乙",
                    original_value_yuan=600.0,
                    acquired_on=D(2020, 1, 1),
                    status_since=D(2020, 1, 1),
                ),
                dict(
                    asset,
                    id=3,
                    code="X3",
                    org_id=8,
                    category_id=seeded,
                    name_zh="丙",
                    original_value_yuan=900.0,
                    acquired_on=D(2025, 6, 1),
                    status_since=D(2025, 6, 1),
                ),
            ],
        )
        conn.execute(
            sa.insert(OfficeRoom.__table__),
            [dict(id=1, building_id=1, org_id=7, room_no="101", usable_area_m2=30.0, purpose="office")],
        )
        conn.execute(
            sa.insert(OfficeOccupancy.__table__),
            [
                dict(
                    id=1,
                    room_id=1,
                    staff_no="S1",
                    person_name="李四",
                    rank_code="section_head",
                    since=D(2025, 1, 1),
                    until=None,
                )
            ],
        )
    with engine.begin() as conn:
        rollup.refresh_state(conn, domains=("asset", "housing"), as_of=D(2026, 1, 31))
    with engine.begin() as conn:
        rollup.refresh_state(conn, domains=("asset", "housing"), as_of=AS_OF)


def standard_id(url: str, admin_level: str = "county", rank_code: str = "section_head") -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(
            sa.select(OfficeSpaceStandard.id).where(
                OfficeSpaceStandard.admin_level == admin_level, OfficeSpaceStandard.rank_code == rank_code
            )
        ).scalar_one()


def monthly(url: str, metric: str, org_id: int) -> dict[str, float]:
    """``{"YYYY-MM": value}`` of an org's state metric."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT month, value FROM rollup_monthly WHERE metric_id = :m AND entity_kind = 'org' "
                "AND entity_id = :o"
            ),
            {"m": metric, "o": org_id},
        )
        return {str(month)[:7]: float(value) for month, value in rows}
