"""Parsing the reference-data form (data.reference_edit) and the confirmation's lines
(components.admin_reference): known answers, every refusal with its message."""

from __future__ import annotations

import pytest

from components.admin_reference import category_rows, change_lines
from data.reference_edit import parse_category_edit, parse_standard_edit
from presentation.i18n import t


def category(**changes) -> dict:
    return {"depreciation_method": "straight_line", "useful_life_years": 6, "residual_pct": 0, **changes}


@pytest.mark.parametrize(
    ("values", "stored"),
    [
        (category(), {"depreciation_method": "straight_line", "useful_life_years": 6, "residual_rate": 0.0}),
        (category(useful_life_years="8.0", residual_pct="12.5"), {"useful_life_years": 8, "residual_rate": 0.125}),
        (category(depreciation_method="none", useful_life_years=100, residual_pct=50), {"residual_rate": 0.5}),
        (category(depreciation_method="double_declining", useful_life_years=" 1 "), {"useful_life_years": 1}),
    ],
)
def test_good_category_values(values, stored):
    edit, problems = parse_category_edit(values)
    assert problems == [] and stored.items() <= edit.items()


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"useful_life_years": None}, "useful_life_years", "missing"),
        ({"useful_life_years": " "}, "useful_life_years", "missing"),
        ({"useful_life_years": "six"}, "useful_life_years", "not_number"),
        ({"useful_life_years": True}, "useful_life_years", "not_number"),
        ({"useful_life_years": float("nan")}, "useful_life_years", "not_number"),
        ({"useful_life_years": 6.5}, "useful_life_years", "not_whole"),
        ({"useful_life_years": 0}, "useful_life_years", "range.useful_life_years"),
        ({"useful_life_years": 101}, "useful_life_years", "range.useful_life_years"),
        ({"residual_pct": -0.1}, "residual_pct", "range.residual_pct"),
        ({"residual_pct": 50.01}, "residual_pct", "range.residual_pct"),
        ({"depreciation_method": "sum_of_years"}, "depreciation_method", "method"),
        ({"depreciation_method": None}, "depreciation_method", "method"),
    ],
)
def test_bad_category_values_are_named(changes, field, key):
    edit, problems = parse_category_edit(category(**changes))
    assert edit == {} and [(p.field, p.key) for p in problems] == [(field, f"refadmin.problem.{key}")]
    for lang in ("zh", "en"):
        assert t(problems[0].key, lang, **problems[0].params)  # every problem has its text in both languages


def test_standard_values():
    assert parse_standard_edit({"limit_m2": "24", "source": " 本省细则 "}) == (
        {"limit_m2": 24.0, "source": "本省细则"},
        [],
    )
    _, problems = parse_standard_edit({"limit_m2": "1,000", "source": "x" * 256})
    assert [(p.field, p.key) for p in problems] == [
        ("limit_m2", "refadmin.problem.range.limit_m2"),
        ("source", "refadmin.problem.source_long"),
    ]
    assert t(problems[0].key, "en", **problems[0].params) == "The limit must be between 1 and 200 m²."


def test_the_confirmation_and_the_grid_rows():
    lines = change_lines(
        {"depreciation_method": ["straight_line", "double_declining"], "residual_rate": [0.0, 0.05]}, "zh"
    )
    assert lines == ["折旧方法：年限平均法 → 双倍余额递减法", "残值率（%）：0 % → 5 %"]
    assert change_lines({"useful_life_years": [6, 8]}, "en") == ["Useful life (years): 6 years → 8 years"]
    row = {
        "id": 3, "code": "A0201", "parent_code": "A02", "name_zh": "计算机设备", "name_en": "Computers",
        "depreciation_method": "none", "useful_life_years": 6, "residual_pct": 5.0, "asset_count": 12,
        "updated_at": None, "updated_by": None,
    }  # fmt: skip
    (shown,) = category_rows([row], "en")
    assert shown == {
        "id": 3, "code": "A0201", "name": "Computers", "parent": "A02", "method": "Not depreciated", "life": 6,
        "residual": 5.0, "assets": 12, "updated_by": "(default)", "updated_at": "",
    }  # fmt: skip
