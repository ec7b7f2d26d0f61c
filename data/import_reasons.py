"""Why a row was quarantined or a file refused: stable codes with named parameters.

The codes are message-catalog keys (the i18n catalog holds the zh and en text of each as
``data.reason.<code>`` and ``data.issue.<code>``). ``data/`` imports no UI module, so the log
gets the code and its parameters as ``key=value`` pairs, which is what an operator greps for
anyway; the pages render the sentence.

Shared by the loaders (which raise them) and the data page's reads (which show them); imports
nothing of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Row-level reasons: the row is kept in quarantine with its file, line, column and raw values.
ROW_REASONS: dict[str, tuple[str, ...]] = {
    "missing_value": ("column",),
    "not_a_number": ("column", "value"),
    "negative_value": ("column", "value"),
    "value_out_of_range": ("column", "value", "min", "max"),
    "bad_date": ("column", "value"),
    "date_without_time": ("column", "value"),
    "misaligned_timestamp": ("column", "value", "interval"),
    "future_timestamp": ("column", "value", "now"),
    "end_before_start": ("start", "end"),
    "implausible_jump": ("value", "reference", "factor"),
    # Meter readings from real department files (issue #16)
    "above_ceiling": ("column", "value", "ceiling", "unit", "basis"),
    "meter_kind_mismatch": ("column", "meter", "kind", "written"),
    "unit_not_recognized": ("column", "unit"),
    "unit_mismatch": ("column", "unit", "expected"),
    "unknown_meter": ("code",),
    "ambiguous_meter": ("building", "kind", "count"),
    "unknown_building": ("code",),
    "unknown_vehicle": ("plate",),
    "unknown_org": ("code",),
    "unknown_asset": ("code",),
    "unknown_category": ("code",),
    "unknown_room": ("building", "room"),
    "unknown_housing_unit": ("code",),
    "unknown_request": ("code",),
    "unknown_code": ("column", "value", "allowed"),
    "text_too_long": ("column", "length", "max"),
    "field_count": ("expected", "found"),
    "bad_encoding": ("encoding",),
    "merged_cell": ("cell", "range"),
    "excel_error": ("column", "value"),
    "duplicate_in_file": ("first_line",),
    "malformed_row": ("error",),
    # Master data (org units, buildings, meters, vehicles, staff): data/loaders/facts/master_*.py
    "bad_credit_code": ("column", "value"),
    "duplicate_credit_code": ("column", "value", "other"),
    "org_cycle": ("code", "parent"),
    "second_root": ("code", "root"),
    "reading_hour_not_daily": ("column", "value", "interval"),
    "meter_history_conflict": ("code", "field", "old", "new"),
    "unknown_rank": ("column", "value", "admin_level", "allowed"),
    # Space and quota master data (office rooms, housing units, quotas): data/loaders/facts/master_space.py
    "org_not_agency": ("column", "code", "level"),
    "quota_order": ("column", "limit", "benchmark", "guide"),
    # Weather (daily temperatures per city): data/loaders/facts/weather.py
    "unknown_city": ("column", "code"),
    "org_not_city": ("column", "code", "level"),
    "temperature_order": ("column", "min", "mean", "max"),
}

# File-level issues: recorded on the batch (``LoadBatch.message``), shown on the data page.
FILE_ISSUES: dict[str, tuple[str, ...]] = {
    "encoding_unknown": ("detail",),
    "file_unreadable": ("error",),
    "file_empty": (),
    "header_not_found": ("missing", "found"),
    "duplicate_column": ("field", "columns"),
    "unknown_fact": ("found",),
    "unsupported_file_type": ("suffix",),
    "same_file_as_batch": ("batch_id", "loaded_at"),
    "no_changes": (),
    "ignored_columns": ("columns",),
    "truncated_file": (),  # Issue.line says where
    "no_final_newline": (),
    "blank_rows_skipped": ("count",),
    "batch_error": ("error",),
    "hook_failed": ("hook", "error"),
    "encoding_detected": ("encoding",),
    "sheet_used": ("sheet",),
    # Hostile files (data/loaders/extract/limits.py): sizes are formatted ("1.0 GiB"), counts grouped.
    "file_too_large": ("size", "limit", "bytes", "limit_bytes"),
    "file_too_large_uncompressed": ("size", "limit", "bytes", "limit_bytes"),
    "suspicious_compression": ("member", "ratio", "limit", "size", "compressed"),
    "archive_too_many_members": ("count", "limit"),
    "archive_bad_member_name": ("member",),
    "not_a_workbook": ("suffix", "found"),
    "sheet_too_large": ("sheet", "dimension", "rows", "cells", "max_rows", "max_cells"),
    "sheet_too_many_rows": ("sheet", "row", "max_rows"),
    "sheet_too_many_cells": ("sheet", "row", "max_cells"),
    "row_too_wide": ("sheet", "row", "cells", "max_columns"),
}


@dataclass(frozen=True)
class Issue:
    """One reason, with where it was found. ``line`` is the file's line (CSV) or row (XLSX)."""

    code: str
    params: dict = field(default_factory=dict)
    line: int | None = None
    column: str | None = None

    def as_dict(self) -> dict:
        out: dict = {"code": self.code, "params": dict(self.params)}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out

    def log_text(self) -> str:
        """``code key=value …`` for the log (the pages render the catalog sentence)."""
        parts = [self.code]
        if self.line is not None:
            parts.append(f"line={self.line}")
        if self.column is not None:
            parts.append(f"column={self.column!r}")
        parts.extend(f"{k}={v!r}" for k, v in self.params.items() if not (k == "column" and v == self.column))
        return " ".join(parts)


def row_issue(code: str, *, column: str | None = None, **params) -> Issue:
    if code not in ROW_REASONS:
        raise KeyError(f"unknown quarantine reason {code!r}")
    return Issue(code, params, None, column)


def file_issue(code: str, *, line: int | None = None, column: str | None = None, **params) -> Issue:
    if code not in FILE_ISSUES:
        raise KeyError(f"unknown file issue {code!r}")
    return Issue(code, params, line, column)
