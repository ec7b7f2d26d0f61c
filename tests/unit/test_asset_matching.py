"""Redeployment matching (调剂匹配) as a pure function, with known answers.

Categories: 1 computers ─┬─ 11 desktops
                          └─ 12 laptops
            2 furniture ─── 21 desks
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.queries.asset_checks import category_family, match_requests

PARENTS = {1: None, 11: 1, 12: 1, 2: None, 21: 2}


def _assets(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["asset_id", "org_id", "category_id", "net_value_yuan"])


def _requests(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["request_id", "org_id", "category_id", "quantity", "requested_on"])


def _pairs(frame: pd.DataFrame) -> list[tuple[int, int, str]]:
    return [(int(r), int(a), level) for r, a, level in frame[["request_id", "asset_id", "match_level"]].to_numpy()]


def test_category_family():
    assert category_family(PARENTS, 1) == {1, 11, 12}
    assert category_family(PARENTS, 11) == {11}
    assert category_family(PARENTS, 2) == {2, 21}


def test_oldest_request_gets_the_most_valuable_asset_of_another_unit():
    assets = _assets(
        [
            (1, 100, 11, 3000.0),
            (2, 100, 11, 5000.0),
            (3, 200, 11, 4000.0),  # held by unit 200: never offered to unit 200's own request
            (4, 300, 11, 5000.0),  # ties with asset 2 on value: the lower id first
        ]
    )
    requests = _requests(
        [
            (10, 200, 11, 2, dt.date(2026, 9, 1)),  # oldest: takes 2 and 4
            (11, 400, 11, 2, dt.date(2026, 9, 5)),  # then 3 and 1
            (12, 500, 11, 1, dt.date(2026, 9, 9)),  # nothing left
        ]
    )
    frame = match_requests(assets, requests, PARENTS)
    # Rows ranked by the asset's net value (the order the warehouse offers them in).
    assert _pairs(frame) == [(10, 2, "exact"), (10, 4, "exact"), (11, 3, "exact"), (11, 1, "exact")]


def test_request_date_not_id_decides_who_is_served_first():
    assets = _assets([(1, 100, 21, 800.0), (2, 100, 21, 600.0)])
    requests = _requests([(1, 200, 21, 1, dt.date(2026, 10, 2)), (2, 300, 21, 1, dt.date(2026, 10, 1))])
    assert _pairs(match_requests(assets, requests, PARENTS)) == [(2, 1, "exact"), (1, 2, "exact")]


def test_a_parent_category_request_takes_its_children_and_fallback_waits_for_exact_matches():
    assets = _assets(
        [
            (1, 100, 12, 7000.0),  # a laptop
            (2, 100, 11, 4000.0),  # a desktop
            (3, 100, 21, 900.0),  # a desk: furniture, never a computer
        ]
    )
    requests = _requests(
        [
            (1, 200, 11, 2, dt.date(2026, 8, 1)),  # desktops: its one desktop, then a laptop (parent family)
            (2, 300, 12, 1, dt.date(2026, 8, 2)),  # a laptop: matched exactly before request 1's fallback
            (3, 400, 1, 1, dt.date(2026, 8, 3)),  # computers of any kind: nothing left
        ]
    )
    frame = match_requests(assets, requests, PARENTS)
    assert _pairs(frame) == [(2, 1, "exact"), (1, 2, "exact")]


def test_parent_fallback_when_no_exact_asset():
    assets = _assets([(1, 100, 12, 7000.0), (2, 100, 12, 6500.0), (3, 100, 21, 900.0)])
    requests = _requests([(1, 200, 11, 3, dt.date(2026, 8, 1))])
    assert _pairs(match_requests(assets, requests, PARENTS)) == [(1, 1, "parent"), (1, 2, "parent")]


def test_nothing_to_match():
    assert match_requests(_assets([]), _requests([(1, 1, 11, 1, dt.date(2026, 1, 1))]), PARENTS).empty
    assert match_requests(_assets([(1, 1, 11, 1.0)]), _requests([]), PARENTS).empty
    # A request of a unit for what only it holds is not matched.
    assert match_requests(_assets([(1, 5, 11, 1.0)]), _requests([(1, 5, 11, 1, dt.date(2026, 1, 1))]), PARENTS).empty
