"""Personal data is masked for roles without ``view_personal_data``, by column name."""

from __future__ import annotations

import pandas as pd
import pytest

from data.masking import is_personal_column, mask_frame, mask_id_number, mask_name, mask_phone, mask_record
from data.scope import Scope

MASKED = Scope(org_id=1, org_path="/1/", can_view_personal_data=False)
CLEAR = Scope(org_id=1, org_path="/1/", can_view_personal_data=True)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "*"),
        ("John Smith", "J*** S****"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_name(value, expected):
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("13812341234", "138****1234"),
        ("138-1234-1234", "138****1234"),
        ("0571-88886666", "********6666"),
        ("123", "***"),
        (None, None),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("11010519491231002X", "110***********002X"),
        ("A1234567", "A******7"),
        ("1234", "****"),
        (None, None),
    ],
)
def test_mask_id_number(value, expected):
    assert mask_id_number(value) == expected


def test_personal_columns_are_recognized_by_name():
    for column in (
        "tenant_name",
        "driver_name",
        "custodian_name",
        "applicant_name",
        "person_name",
        "requested_by_name",
        "tenant_phone",
        "driver_id_number",
        "phone",
    ):
        assert is_personal_column(column), column
    for column in ("org_name", "building_name", "name_zh", "name_en", "metric_name", "display_name", "plate", "value"):
        assert not is_personal_column(column), column


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_name": ["甲市机关事务中心", "乙县"],
            "tenant_name": ["王小明", "李四"],
            "tenant_phone": ["13812341234", None],
            "tenant_id_number": ["11010519491231002X", "110105194912310011"],
            "area_m2": [60.0, 75.5],
        }
    )


def test_mask_frame_masks_personal_columns_for_roles_without_the_permission():
    original = frame()
    masked = mask_frame(original, MASKED)
    assert masked["tenant_name"].tolist() == ["王*明", "李*"]
    assert masked["tenant_phone"].iloc[0] == "138****1234" and pd.isna(masked["tenant_phone"].iloc[1])
    assert masked["tenant_id_number"].tolist() == ["110***********002X", "110***********0011"]
    assert masked["org_name"].tolist() == original["org_name"].tolist()
    assert masked["area_m2"].tolist() == [60.0, 75.5]
    pd.testing.assert_frame_equal(original, frame())  # the input is never modified


def test_mask_frame_leaves_data_alone_for_roles_with_the_permission():
    original = frame()
    assert mask_frame(original, CLEAR) is original


def test_mask_frame_explicit_columns_and_records():
    df = pd.DataFrame({"联系人": ["赵六"], "tenant_name": ["钱七"]})
    assert mask_frame(df, MASKED, columns=["联系人"])["联系人"].tolist() == ["赵*"]
    assert mask_record({"driver_name": "孙八", "plate": "浙A12345"}, MASKED) == {
        "driver_name": "孙*",
        "plate": "浙A12345",
    }
    assert mask_record({"driver_name": "孙八"}, CLEAR) == {"driver_name": "孙八"}
