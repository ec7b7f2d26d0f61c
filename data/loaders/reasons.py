"""Why a row was quarantined or a file refused: ``data.import_reasons``, where the loaders and the
data page's reads share it."""

from __future__ import annotations

from data.import_reasons import FILE_ISSUES, ROW_REASONS, Issue, file_issue, row_issue

__all__ = ["FILE_ISSUES", "ROW_REASONS", "Issue", "file_issue", "row_issue"]
