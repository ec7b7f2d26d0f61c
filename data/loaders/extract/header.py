"""Finding the header among the first rows of a file, and what every data row goes through after
it (blank rows skipped and counted, CSV rows with a wrong number of fields marked, the end of the
file noted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from data.import_formats import detect_fact, match_header
from data.import_reasons import file_issue, row_issue

from .row import RawRow

if TYPE_CHECKING:
    from .table import Table

SAMPLE_ROWS = 30


def _is_blank_row(values) -> bool:
    for value in values:
        if value is None:
            continue
        if isinstance(value, str):
            if value.strip().strip("\u3000"):
                return False
            continue
        return False
    return True


def _attach_header(
    table: Table, sample: list[RawRow], stream: Iterator[RawRow], candidates, *, ends_with_newline: bool
) -> None:
    readable = [r.values for r in sample if r.problem is None or r.problem.code != "malformed_row"]
    if not any(not _is_blank_row(v) for v in readable):
        table.issues.append(file_issue("file_empty"))
        return
    fact, header_index = detect_fact(readable, candidates)
    if fact is None:
        if len(candidates) == 1:
            # A known format whose header is wrong: say which columns are missing.
            first = next(v for v in readable if not _is_blank_row(v))
            _header, issues = match_header(candidates[0], first)
            table.issues.extend(issues or [file_issue("unknown_fact", found=[str(c) for c in first if c])])
        else:
            first = next(v for v in readable if not _is_blank_row(v))
            table.issues.append(file_issue("unknown_fact", found=[str(c) for c in first if c not in (None, "")]))
        return
    header_values = readable[header_index]
    header_row = next(r for r in sample if r.values is header_values)
    header, issues = match_header(fact, header_values)
    table.fact = fact
    if header is None:
        table.issues.extend(issues)
        return
    table.header = header
    table.header_line = header_row.line
    if header.ignored:
        table.issues.append(file_issue("ignored_columns", columns=list(header.ignored)))
    remaining = [r for r in sample if r.line > header_row.line]
    needed = max(header.positions.values()) + 1
    width = len(header.headers)
    while width and not header.headers[width - 1]:
        width -= 1
    table._data = _DataRows(table, remaining, stream, width=width, needed=needed, ends_with_newline=ends_with_newline)
    table._rows = table._data.rows()


class _DataRows:
    """What every data row goes through, for ``Table.rows`` and ``Table.blocks`` alike: fully blank
    rows are skipped and counted, CSV rows with a wrong number of fields are marked, and the end
    of the file is noted in the file issues."""

    def __init__(
        self,
        table: Table,
        remaining: list[RawRow],
        stream: Iterator[RawRow],
        *,
        width: int,
        needed: int,
        ends_with_newline: bool,
    ):
        self.table = table
        self.remaining = remaining
        self.stream = stream
        self.width = width
        self.needed = needed
        self.ends_with_newline = ends_with_newline
        self.is_csv = table.kind == "csv"

    def keep(self, row: RawRow) -> bool:
        """False for a blank row (counted); marks a CSV row with a wrong number of fields."""
        if row.problem is None:
            values = row.values
            if self.is_csv:
                if not "".join(values).strip():
                    self.table.blank_rows += 1
                    return False
                width = self.width
                if len(values) != width and (len(values) < self.needed or any(v.strip() for v in values[width:])):
                    row.problem = row_issue("field_count", expected=width, found=len(values))
            elif _is_blank_row(values):
                self.table.blank_rows += 1
                return False
        return True

    def note_last(self, row: RawRow) -> None:
        """The last data row of a CSV file without a final newline: cut short, or just unterminated."""
        if self.is_csv and not self.ends_with_newline:
            if row.problem is not None and row.problem.code == "field_count":
                self.table.issues.append(file_issue("truncated_file", line=row.line))
            else:
                self.table.issues.append(file_issue("no_final_newline", line=row.line))

    def note_blank_rows(self) -> None:
        if self.table.blank_rows:
            self.table.issues.append(file_issue("blank_rows_skipped", count=self.table.blank_rows))

    def rows(self) -> Iterator[RawRow]:
        keep = self.keep
        previous: RawRow | None = None
        for row in _chain(self.remaining, self.stream):
            if not keep(row):
                continue
            if previous is not None:
                yield previous
            previous = row
        if previous is not None:
            self.note_last(previous)
            yield previous
        self.note_blank_rows()


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest
