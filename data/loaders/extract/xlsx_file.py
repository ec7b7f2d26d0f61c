"""XLSX workbooks (openpyxl read-only, streamed): the first visible sheet with a recognised
header, and merged cells over the data marked (only their top-left cell holds the value).

Before openpyxl opens the file, the ZIP central directory is checked against the limits
(``limits.check_archive``), and each sheet's declared range before it is read
(``limits.check_dimension``); while a sheet streams, its rows and cells are counted."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from data.import_reasons import Issue, file_issue, row_issue

from .header import SAMPLE_ROWS, _attach_header
from .limits import (
    EXCEL_MAX_COLUMNS,
    Limits,
    SheetLimitExceeded,
    check_archive,
    check_dimension,
    row_too_wide,
    sheet_cells_exceeded,
    sheet_rows_exceeded,
)
from .row import RawRow, column_letter
from .table import Table

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_MERGE_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_MERGE_OVERLAP = 1024  # bytes each piece shares with the next, longer than any <mergeCell> tag
_MERGE_PIECE = 1 << 20

# Any ZIP archive (an XLSX file is one); anything else named .xlsx is not a workbook.
ZIP_MAGIC = b"PK\x03\x04"
_OTHER_KINDS = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 (Excel 97-2003 .xls / WPS)"),
    (b"%PDF", "PDF"),
    (b"<", "HTML/XML"),
    (b"\xef\xbb\xbf", "text (UTF-8)"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7z"),
)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _merged_ranges(archive: zipfile.ZipFile, member: str) -> list[tuple[str, int, int, int, int]]:
    """``(ref, min_row, min_col, max_row, max_col)`` of the sheet's merged cells (0-based cols).

    openpyxl's read-only mode does not report merged cells, so the sheet XML is scanned for
    ``<mergeCell ref=…>`` tags as bytes, piece by piece: no element is built, so memory stays flat
    whatever the sheet holds (``<`` cannot occur in XML text or attribute values, so a match is
    always a tag).
    """
    refs: dict[bytes, None] = {}
    with archive.open(member) as src:
        buf = b""
        while piece := src.read(_MERGE_PIECE):
            overlap = len(buf)
            buf += piece
            for match in _MERGE_CELL.finditer(buf):
                if match.end() > overlap:  # not already found in the previous piece
                    refs[match.group(1)] = None
            buf = buf[-_MERGE_OVERLAP:]
    ranges = []
    for raw in refs:
        ref = raw.decode("ascii", errors="replace").replace("$", "").upper()
        if ":" in ref:
            a, b = ref.split(":", 1)
            ma, mb = _CELL_REF.match(a), _CELL_REF.match(b)
            if ma and mb:
                ranges.append(
                    (ref, int(ma.group(2)), _column_index(ma.group(1)), int(mb.group(2)), _column_index(mb.group(1)))
                )
    return ranges


def _not_a_workbook(path: Path, prefix: bytes) -> Issue | None:
    """A file named .xlsx that is not a ZIP archive at all: say what it looks like instead."""
    if prefix[:2] == b"PK":
        return None
    found = next((kind for magic, kind in _OTHER_KINDS if prefix.startswith(magic)), None)
    if found is None:
        sample = prefix[:4096]
        found = "text" if sample and b"\x00" not in sample else "unknown"
    return file_issue("not_a_workbook", suffix=path.suffix.lower() or "—", found=found)


def _refused(name: str, issue: Issue) -> Table:
    return Table(name, "xlsx", None, None, [issue])


def _unreadable(name: str, exc: BaseException) -> Table:
    return _refused(name, file_issue("file_unreadable", error=f"{exc.__class__.__name__}: {exc}"))


def _open_xlsx(path: Path, name: str, candidates: tuple[str, ...], prefix: bytes, limits: Limits) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    issue = _not_a_workbook(path, prefix)
    if issue is not None:
        return _refused(name, issue)
    handle = open(path, "rb")  # a file object: openpyxl would refuse a workbook named *.csv
    try:
        # Before anything is inflated: the central directory's member count, names and sizes.
        with zipfile.ZipFile(handle) as archive:
            issue = check_archive(archive, limits)
        if issue is not None:
            handle.close()
            return _refused(name, issue)
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        handle.close()
        return _unreadable(name, exc)

    def close_all() -> None:
        workbook.close()
        handle.close()

    try:
        sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        first_issues: list[Issue] | None = None
        for ws in sheets:
            member = getattr(ws, "_worksheet_path", None)
            if member:
                issue = check_dimension(workbook._archive, member, ws.title, limits)
                if issue is not None:
                    close_all()
                    return _refused(name, issue)
            ws.reset_dimensions()
            issues: list[Issue] = []
            stream = _xlsx_rows(ws, limits, issues)
            sample = []
            try:
                for row in stream:
                    sample.append(row)
                    if len(sample) >= SAMPLE_ROWS:
                        break
            except SheetLimitExceeded:
                close_all()
                return Table(name, "xlsx", None, None, issues)
            table = Table(name, "xlsx", None, None, issues, sheet=ws.title, _closer=close_all)
            if len(workbook.worksheets) > 1:
                table.issues.append(file_issue("sheet_used", sheet=ws.title))
            _attach_header(table, sample, stream, candidates, ends_with_newline=True)
            if not table.refused:
                _add_merged_cells(table, workbook, ws)
                return table
            if first_issues is None:
                first_issues = table.issues
        close_all()
        return Table(name, "xlsx", None, None, first_issues or [file_issue("file_empty")])
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        close_all()
        return _unreadable(name, exc)


def _xlsx_rows(ws, limits: Limits, issues: list[Issue]) -> Iterator[RawRow]:
    """The sheet's rows as openpyxl's read-only ``iter_rows(values_only=True)`` gives them (a
    missing row comes as an empty one), counted as they stream: past ``limits.max_rows`` rows,
    ``limits.max_cells`` cells or Excel's width in one row, the reading stops with
    ``SheetLimitExceeded`` (its issue appended to ``issues`` first), so that a sheet whose
    ``<dimension>`` lies, or that has none, is never held whole in memory.

    Cells are counted as the XML parser finishes each one, before its row is complete, so even a
    single hostile row is cut off after a few KB beyond the limit.
    """
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    workbook = ws.parent
    sheet = ws.title
    max_rows, max_cells = limits.max_rows, limits.max_cells

    def stop(exc: SheetLimitExceeded) -> SheetLimitExceeded:
        issues.append(exc.issue)
        return exc

    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        get_row = ws._get_row
        counter = 1
        cells = row_cells = 0
        for _event, element in iterparse(src):
            tag = element.tag
            if tag == CELL_TAG:
                row_cells += 1
                if row_cells > EXCEL_MAX_COLUMNS:
                    raise stop(row_too_wide(sheet, parser.row_counter + 1, EXCEL_MAX_COLUMNS))
                cells += 1
                if cells > max_cells:
                    raise stop(sheet_cells_exceeded(sheet, parser.row_counter + 1, limits))
            elif tag == ROW_TAG:
                index, values = parser.parse_row(element)
                element.clear()
                row_cells = 0
                if index > max_rows:
                    raise stop(sheet_rows_exceeded(sheet, index, limits))
                while counter < index:  # rows the sheet leaves out
                    yield RawRow(counter, [])
                    counter += 1
                if counter == index:  # as openpyxl: a row numbered before the last one is dropped
                    yield RawRow(index, list(get_row(values, 1, None, True)))
                    counter += 1


def _add_merged_cells(table: Table, workbook, ws) -> None:
    member = getattr(ws, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if not member or archive is None:
        return
    ranges = [r for r in _merged_ranges(archive, member) if r[3] > (table.header_line or 0)]
    if not ranges:
        return
    wanted = set(table.header.positions.values())
    rows = table._rows

    def with_merges() -> Iterator[RawRow]:
        for row in rows:
            if row.problem is None:
                for ref, r0, c0, r1, c1 in ranges:
                    if r0 <= row.line <= r1:
                        # Only the top-left cell of a merged range holds the value.
                        hit = sorted(c for c in wanted if c0 <= c <= c1 and not (row.line == r0 and c == c0))
                        if hit:
                            cell = f"{column_letter(hit[0])}{row.line}"
                            row.problem = row_issue(
                                "merged_cell", column=table.header.headers[hit[0]], cell=cell, range=ref
                            )
                            break
            yield row

    table._rows = with_merges()
