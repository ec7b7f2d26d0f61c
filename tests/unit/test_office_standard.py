"""The office-space standard check (data.rollup.office_rank) on known answers: shared rooms, mixed
ranks, a room exactly at the limit, a rank without a standard, and the per-rank frame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.queries.housing_rooms import rank_frame
from data.rollup.office_rank import occupant_shares, room_standard

NAN = float("nan")


def _judge(rooms, occupancies):
    rooms = pd.DataFrame(rooms, columns=["room_id", "org_id", "area"])
    active = pd.DataFrame(occupancies, columns=["room_id", "rank_code", "admin_level", "limit"])
    judged = room_standard(rooms, active)
    return judged.set_index("room_id"), occupant_shares(judged, active)


def test_one_occupant_over_and_exactly_at_the_limit():
    judged, _ = _judge(
        [(1, 3, 30.0), (2, 3, 18.0)],
        [(1, "bureau_head", "city", 24.0), (2, "bureau_deputy", "city", 18.0)],
    )
    assert judged.loc[1, "over"] == 1 and judged.loc[1, "over_area"] == pytest.approx(6.0)
    assert judged.loc[2, "over"] == 0 and judged.loc[2, "over_area"] == 0.0  # 18 m² at an 18 m² limit is within


def test_a_shared_room_with_mixed_ranks_is_judged_by_the_highest_limit():
    judged, shares = _judge(
        [(1, 3, 20.0), (2, 3, 50.0)],
        [
            (1, "bureau_head", "city", 24.0),
            (1, "below_bureau", "city", 9.0),  # 20 m² ≤ 24 × 2: within
            (2, "bureau_deputy", "city", 18.0),
            (2, "below_bureau", "city", 9.0),  # 50 m² > 18 × 2: 14 m² over
        ],
    )
    assert judged.loc[1, "over"] == 0 and judged.loc[1, "allowed"] == 48.0
    assert judged.loc[2, "over_area"] == pytest.approx(14.0)
    by_rank = shares.groupby("rank_code")[["occupants", "area_m2", "allowed_m2", "over_m2", "over_occupants"]].sum()
    assert by_rank.loc["below_bureau"].tolist() == pytest.approx([2.0, 35.0, 18.0, 7.0, 1.0])
    assert by_rank.loc["bureau_deputy"].tolist() == pytest.approx([1.0, 25.0, 18.0, 7.0, 1.0])
    assert shares["over_m2"].sum() == pytest.approx(judged["over_area"].sum())
    assert shares["occupants"].sum() == judged["occupants"].sum()


def test_a_rank_without_a_standard_is_never_over_and_a_vacant_room_is_not_judged():
    judged, shares = _judge(
        [(1, 3, 80.0), (2, 3, 15.0), (3, 3, 40.0)],
        [(1, "advisor", "city", NAN), (3, "advisor", "city", NAN), (3, "below_bureau", "city", 9.0)],
    )
    assert judged.loc[1, "over"] == 0 and math.isnan(judged.loc[1, "limit"])
    assert judged.loc[2, "occupants"] == 0 and judged.loc[2, "over"] == 0  # vacant
    # with one ranked occupant the room is judged by that limit: 40 > 9 × 2
    assert judged.loc[3, "over_area"] == pytest.approx(22.0)
    advisor = shares[shares["rank_code"] == "advisor"]
    assert advisor["allowed_m2"].tolist() == [0.0, 0.0]
    assert advisor["area_m2"].tolist() == [80.0, 20.0]


def test_rank_frame_reports_the_limit_applied_and_none_without_a_standard():
    frame = rank_frame(
        [
            dict(admin_level="city", rank_code="below_bureau", rank_zh="局级以下", rank_en="Below", sort_order=5,
                 has_standard=True, occupants=3, area_m2=50.0, allowed_m2=27.0, over_m2=22.0, over_occupants=2),
            dict(admin_level="city", rank_code="advisor", rank_zh=None, rank_en=None, sort_order=None,
                 has_standard=False, occupants=1, area_m2=25.0, allowed_m2=0.0, over_m2=0.0, over_occupants=0),
            dict(admin_level="city", rank_code="bureau_head", rank_zh="局级正职", rank_en="Head", sort_order=3,
                 has_standard=True, occupants=2, area_m2=40.0, allowed_m2=48.0, over_m2=6.0, over_occupants=1),
            dict(admin_level="city", rank_code="gone", rank_zh="x", rank_en="x", sort_order=1,
                 has_standard=True, occupants=0, area_m2=0.0, allowed_m2=0.0, over_m2=0.0, over_occupants=0),
        ]
    )  # fmt: skip
    assert frame["rank_code"].tolist() == ["bureau_head", "below_bureau", "advisor"]
    assert frame["area_per_person"].tolist() == pytest.approx([20.0, 50 / 3, 25.0])
    assert frame["limit_m2"].iloc[:2].tolist() == [24.0, 9.0] and np.isnan(frame["limit_m2"].iloc[2])
    assert frame["rank_zh"].iloc[2] == "advisor"  # a rank the standard does not know shows its code
