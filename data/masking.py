"""Masking of personal data (tenant, driver, custodian, applicant names, phones, ID numbers).

Query functions and exports pass their frames through ``mask_frame(df, scope)``; it masks
unless ``scope.can_view_personal_data``. Which columns are personal is decided by name:

* every column ending in ``_phone`` or ``_id_number``;
* every column ending in ``_name`` — except entity names that are not people, listed in
  ``NON_PERSONAL_NAME_COLUMNS`` (``org_name``, ``building_name`` …). Erring this way round
  means a new person column is masked by default; a new entity-name column that gets masked
  by mistake shows up at once on screen and is added to the list.

Entity tables name their own names ``name_zh``/``name_en``, which never match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

NON_PERSONAL_NAME_COLUMNS = frozenset(
    {
        "org_name",
        "unit_name",
        "agency_name",
        "parent_name",
        "city_name",
        "county_name",
        "province_name",
        "building_name",
        "room_name",
        "metric_name",
        "indicator_name",
        "category_name",
        "department_name",
        "dept_name",
        "rule_name",
        "vehicle_name",
        "asset_name",
        "source_name",
        "file_name",
        "role_name",
        "scope_name",
        "device_name",
        "meter_name",
        "class_name",
        "level_name",
        "status_name",
        "type_name",
        "domain_name",
        "rank_name",
        "project_name",
        "estate_name",
        "warehouse_name",
        "batch_name",
        "snapshot_name",
        "job_name",
        "node_name",
        "display_name",
        "report_name",
        "sheet_name",
        "column_name",
    }
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _missing(value) -> bool:
    if value is None or isinstance(value, str):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_personal_column(column: str) -> bool:
    name = str(column).lower()
    if name.endswith("_phone") or name.endswith("_id_number") or name in {"phone", "id_number"}:
        return True
    if name.endswith("_name"):
        return name not in NON_PERSONAL_NAME_COLUMNS and not name.endswith("_zh_name")
    return False


def mask_name(value):
    """张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜; "John Smith" → "J*** S****"."""
    if _missing(value):
        return value
    text = str(value).strip()
    if not text:
        return text
    if _CJK.search(text) or " " not in text:
        if len(text) == 1:
            return "*"
        if len(text) == 2:
            return text[0] + "*"
        return text[0] + "*" * (len(text) - 2) + text[-1]
    return " ".join(w[0] + "*" * (len(w) - 1) if w else w for w in text.split(" "))


def mask_phone(value):
    """13812341234 → 138****1234; other numbers keep only their last four digits."""
    if _missing(value):
        return value
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id_number(value):
    """An 18-character resident ID keeps its first 3 and last 4 characters: 110***********123X."""
    if _missing(value):
        return value
    text = str(value).strip()
    if len(text) <= 4:
        return "*" * len(text)
    if len(text) <= 8:
        return text[0] + "*" * (len(text) - 2) + text[-1]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_value(column: str, value):
    name = str(column).lower()
    if name.endswith("phone"):
        return mask_phone(value)
    if name.endswith("id_number"):
        return mask_id_number(value)
    return mask_name(value)


def mask_frame(df: pd.DataFrame, scope, *, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with its personal columns masked, unless ``scope.can_view_personal_data``.

    ``columns`` overrides the name-based detection (for a frame whose person column has an
    unusual name). The input frame is never modified.
    """
    if getattr(scope, "can_view_personal_data", False):
        return df
    targets = [
        c
        for c in (columns if columns is not None else df.columns)
        if c in df.columns and (columns is not None or is_personal_column(c))
    ]
    if not targets:
        return df
    out = df.copy()
    for column in targets:
        out[column] = out[column].map(lambda v, c=column: mask_value(c, v)).astype(object)
    return out


def mask_record(record: dict, scope) -> dict:
    """The same for one row as a dict (alert details, tooltips)."""
    if getattr(scope, "can_view_personal_data", False):
        return record
    return {k: (mask_value(k, v) if is_personal_column(k) else v) for k, v in record.items()}
