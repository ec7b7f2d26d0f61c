"""A table as a file: the CSV and XLSX a grid panel exports.

Pure functions of plain records (the grid's rows, ``views.render.grid_records``) and column
descriptions; no Dash, no database. What a spreadsheet would run is never written as such:

* CSV: a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (the
  OWASP "CSV injection" rule) gets a leading apostrophe, so Excel and LibreOffice read it as text;
  numbers of number columns stay numbers.
* XLSX: every text cell is written with ``write_string`` (XlsxWriter never turns it into a
  formula) and a formula-looking one also carries Excel's "quote prefix" style, so editing the
  cell later does not turn it into a formula either; the text itself is kept exactly.

Values are formatted as the grid shows them: numbers to the column's decimals, percent columns
(fractions) ×100 with "%", dates as ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_KINDS = ("number", "percent")
_BOM = "\ufeff"
#: Excel's limit on a sheet name's length, and the characters it refuses in one.
_SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = set("[]:*?/\\")


@dataclass(frozen=True)
class ExportColumn:
    """One column of an exported table.

    Attributes:
        field: the record key.
        header: the header text, in the reader's language (unit included).
        kind: ``text``, ``number``, ``percent`` (a fraction), ``date``, ``datetime`` or ``personal``.
        decimals: digits after the point for ``number`` and ``percent``.
    """

    field: str
    header: str
    kind: str = "text"
    decimals: int = 0


ColumnLike = ExportColumn | Sequence


def as_export_column(column: ColumnLike) -> ExportColumn:
    """An ``ExportColumn`` from itself or a ``(field, header, kind, decimals)`` tuple (kind and
    decimals optional)."""
    if isinstance(column, ExportColumn):
        return column
    return ExportColumn(*column)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not _is_missing(value)


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet would read the text ``value`` as a formula (OWASP's leading characters)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralize_formula(value: Any) -> Any:
    """``value`` made inert for a CSV cell: a text starting with ``= + - @``, a tab or a carriage
    return gets a leading apostrophe; anything else (numbers included) is returned unchanged."""
    if looks_like_formula(value):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def cell_text(value: Any, column: ExportColumn) -> str:
    """The value as the grid shows it, as text (not yet neutralized)."""
    if _is_missing(value):
        return ""
    if column.kind == "number" and _is_number(value):
        return f"{float(value):.{max(column.decimals, 0)}f}"
    if column.kind == "percent" and _is_number(value):
        return f"{float(value) * 100.0:.{max(column.decimals, 0)}f}%"
    return _text(value)


def _csv_cell(value: Any, column: ExportColumn) -> str:
    text = cell_text(value, column)
    if column.kind in NUMERIC_KINDS and _is_number(value):
        return text  # a real number, shown with a minus sign if negative: not a formula
    return neutralize_formula(text)


def table_csv_bytes(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[ColumnLike],
    *,
    lang: str,
    title_lines: Sequence[str] = (),
) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (so Excel opens Chinese text correctly),
    the title lines first (one cell each, then an empty line), then the header and the rows.

    Args:
        records: the rows, in order; only the columns' fields are written.
        columns: ``ExportColumn`` or ``(field, header, kind, decimals)`` tuples.
        lang: the reader's language (headers are already in it; kept for symmetry with XLSX).
        title_lines: lines above the table (page, unit, period, as-of, export time).
    """
    del lang  # headers and title lines arrive translated
    cols = [as_export_column(c) for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in title_lines:
        writer.writerow([neutralize_formula(str(line))])
    if title_lines:
        writer.writerow([])
    writer.writerow([neutralize_formula(c.header) for c in cols])
    for record in records:
        writer.writerow([_csv_cell(record.get(c.field), c) for c in cols])
    return (_BOM + out.getvalue()).encode("utf-8")


def safe_sheet_name(name: str, fallback: str = "Sheet1") -> str:
    """``name`` as Excel accepts it: without ``[]:*?/\\``, at most 31 characters, not empty."""
    cleaned = "".join("_" if ch in _SHEET_NAME_BAD else ch for ch in str(name or "")).strip().strip("'")
    return cleaned[:_SHEET_NAME_MAX] or fallback


def _number_format(column: ExportColumn) -> str:
    digits = max(column.decimals, 0)
    decimals = ("." + "0" * digits) if digits else ""
    if column.kind == "percent":
        return f"0{decimals}%"
    return f"#,##0{decimals}"


def _parse_day(value: Any, kind: str) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if kind == "datetime" else dt.datetime(parsed.year, parsed.month, parsed.day)


def _width(column: ExportColumn, texts: Iterable[str]) -> float:
    """A column width (Excel characters) fitting the header and the longest value; CJK counts double."""

    def length(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    longest = max([length(column.header), *(length(t) for t in texts)], default=8)
    return float(min(max(longest + 2, 8), 60))


def table_xlsx_bytes(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[ColumnLike],
    *,
    lang: str,
    title_lines: Sequence[str] = (),
    sheet_name: str = "Sheet1",
) -> bytes:
    """The table as an XLSX workbook of one sheet: the title lines, an empty row, the header row
    (frozen, so it stays in view), then the rows.

    Numbers and percentages are written as numbers with a number format (a percentage keeps its
    fraction and shows ×100 with "%"); dates as dates; everything else with ``write_string``, so
    no cell is ever a formula. Column widths fit the header and the longest value.

    Args:
        records, columns, title_lines: as ``table_csv_bytes``.
        lang: the reader's language (headers are already in it).
        sheet_name: the sheet's name (made safe for Excel).
    """
    del lang
    cols = [as_export_column(c) for c in columns]
    rows = list(records)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        sheet = workbook.add_worksheet(safe_sheet_name(sheet_name))
        title_format = workbook.add_format({"bold": True})
        header_format = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
        quoted = workbook.add_format({"quote_prefix": True})
        number_formats = {c.field: workbook.add_format({"num_format": _number_format(c)}) for c in cols}
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})

        def write_text(r: int, c: int, text: str, cell_format=None) -> None:
            if looks_like_formula(text):
                sheet.write_string(r, c, text, quoted)
            elif cell_format is not None:
                sheet.write_string(r, c, text, cell_format)
            else:
                sheet.write_string(r, c, text)

        row = 0
        for line in title_lines:
            write_text(row, 0, str(line), title_format if row == 0 else None)
            row += 1
        if title_lines:
            row += 1
        header_row = row
        for c, column in enumerate(cols):
            write_text(header_row, c, column.header, header_format)
        texts: dict[int, list[str]] = {c: [] for c in range(len(cols))}
        for record in rows:
            row += 1
            for c, column in enumerate(cols):
                value = record.get(column.field)
                if _is_missing(value) or value == "":
                    continue
                texts[c].append(cell_text(value, column))
                if column.kind in NUMERIC_KINDS and _is_number(value):
                    sheet.write_number(row, c, float(value), number_formats[column.field])
                    continue
                if column.kind in ("date", "datetime"):
                    moment = _parse_day(value, column.kind)
                    if moment is not None:
                        fmt = date_format if column.kind == "date" else datetime_format
                        sheet.write_datetime(row, c, moment, fmt)
                        continue
                write_text(row, c, _text(value))
        for c, column in enumerate(cols):
            sheet.set_column(c, c, _width(column, texts[c]))
        sheet.freeze_panes(header_row + 1, 0)
        if rows:
            sheet.autofilter(header_row, 0, header_row + len(rows), max(len(cols) - 1, 0))
    finally:
        workbook.close()
    return buffer.getvalue()


__all__ = [
    "ExportColumn",
    "FORMULA_PREFIXES",
    "as_export_column",
    "cell_text",
    "looks_like_formula",
    "neutralize_formula",
    "safe_sheet_name",
    "table_csv_bytes",
    "table_xlsx_bytes",
]
