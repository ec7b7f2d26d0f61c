"""XLSX workbooks (openpyxl read-only, streamed): the first visible sheet with a recognised
header, and merged cells over the data marked (only their top-left cell holds the value)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import iterparse

from data.import_reasons import Issue, file_issue, row_issue

from .header import SAMPLE_ROWS, _attach_header
from .row import RawRow, column_letter
from .table import Table

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _merged_ranges(archive: zipfile.ZipFile, member: str) -> list[tuple[str, int, int, int, int]]:
    """``(ref, min_row, min_col, max_row, max_col)`` of the sheet's merged cells (0-based cols).

    openpyxl's read-only mode does not report merged cells, so the sheet XML is scanned for
    ``<mergeCell>``; elements are cleared as they go to keep memory flat on big sheets.
    """
    ranges = []
    with archive.open(member) as src:
        for _event, elem in iterparse(src, events=("end",)):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell":
                ref = elem.get("ref", "")
                if ":" in ref:
                    a, b = ref.split(":", 1)
                    ma, mb = _CELL_REF.match(a), _CELL_REF.match(b)
                    if ma and mb:
                        ranges.append(
                            (
                                ref,
                                int(ma.group(2)),
                                _column_index(ma.group(1)),
                                int(mb.group(2)),
                                _column_index(mb.group(1)),
                            )
                        )
            if tag in ("row", "c", "v", "f", "is", "t"):
                elem.clear()
    return ranges


def _open_xlsx(path: Path, name: str, candidates: tuple[str, ...]) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    handle = open(path, "rb")  # a file object: openpyxl would refuse a workbook named *.csv
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        handle.close()
        return Table(
            name, "xlsx", None, None, [file_issue("file_unreadable", error=f"{exc.__class__.__name__}: {exc}")]
        )

    def close_all() -> None:
        workbook.close()
        handle.close()

    try:
        sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        first_issues: list[Issue] | None = None
        for ws in sheets:
            ws.reset_dimensions()
            stream = _xlsx_rows(ws)
            sample = []
            for row in stream:
                sample.append(row)
                if len(sample) >= SAMPLE_ROWS:
                    break
            table = Table(name, "xlsx", None, None, [], sheet=ws.title, _closer=close_all)
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
        return Table(
            name, "xlsx", None, None, [file_issue("file_unreadable", error=f"{exc.__class__.__name__}: {exc}")]
        )


def _xlsx_rows(ws) -> Iterator[RawRow]:
    for index, values in enumerate(ws.iter_rows(values_only=True), start=1):
        yield RawRow(index, list(values))


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
