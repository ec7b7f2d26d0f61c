"""A row as read, and where it came from: ``RawRow`` (one row with its physical line),
``ColumnBlock`` (a clean stretch of CSV, column by column), and the CSV reader both paths share."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from data.import_reasons import Issue, row_issue

from ..parsing import printable

_SURROGATE = re.compile("[\ud800-\udfff]")
# A province batch can hold a long free-text column; a field larger than this is a broken file.
csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class RawRow:
    line: int
    values: list
    problem: Issue | None = None


class ColumnBlock:
    """A clean stretch of a CSV file, column by column.

    Every row has exactly the header's number of fields, read without a problem: ``lines`` holds
    each row's physical line (int64) and ``columns`` one object array of ``str`` per header column,
    the values exactly as the csv module reads them (nothing stripped).
    """

    __slots__ = ("lines", "columns")

    def __init__(self, lines: np.ndarray, columns: list[np.ndarray]):
        self.lines = lines
        self.columns = columns

    def __len__(self) -> int:
        return len(self.lines)

    def __repr__(self) -> str:
        span = f"lines {self.lines[0]}-{self.lines[-1]}" if len(self.lines) else "empty"
        return f"<ColumnBlock {len(self)} rows x {len(self.columns)} columns, {span}>"

    def raw_row(self, i: int) -> RawRow:
        """Row ``i`` as the row path would have handed it out (for the quarantine)."""
        return RawRow(int(self.lines[i]), [column[i] for column in self.columns])

    def raw_rows(self) -> list[RawRow]:
        """All the rows, for callers that only take rows."""
        columns = [column.tolist() for column in self.columns]
        return [RawRow(line, list(values)) for line, values in zip(self.lines.tolist(), zip(*columns))]

    def _slice(self, start: int, stop: int) -> ColumnBlock:
        return ColumnBlock(self.lines[start:stop], [column[start:stop] for column in self.columns])

    @staticmethod
    def _join(parts: list[ColumnBlock]) -> ColumnBlock:
        if len(parts) == 1:
            return parts[0]
        return ColumnBlock(
            np.concatenate([p.lines for p in parts]),
            [np.concatenate(columns) for columns in zip(*(p.columns for p in parts))],
        )


def raw_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return printable(str(value))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    index += 1
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _csv_rows(reader, encoding_label: str, line_offset: int = 0) -> Iterator[RawRow]:
    """Rows of ``reader`` with their first physical line (``line_offset`` lines before the reader's first)."""
    search_surrogate = _SURROGATE.search
    last_line = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = line_offset + last_line + 1
            last_line = reader.line_num
            yield RawRow(line, [], row_issue("malformed_row", error=str(exc)))
            continue
        line = line_offset + last_line + 1
        last_line = reader.line_num
        # One search over the whole row: undecodable bytes are rare, the check is per row.
        if search_surrogate("".join(values)):
            yield RawRow(line, values, row_issue("bad_encoding", encoding=encoding_label))
        else:
            yield RawRow(line, values)
