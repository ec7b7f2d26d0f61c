"""An opened file: its format, header, file-level issues and its data rows, handed out one by one
(``Table.rows``) or in pieces (``Table.blocks``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from data.import_formats import HeaderMap
from data.import_reasons import Issue

from .csv_blocks import _batched, _csv_blocks
from .row import ColumnBlock, RawRow, column_letter, raw_text

if TYPE_CHECKING:
    from .csv_blocks import _CsvSource
    from .header import _DataRows


@dataclass
class Table:
    """An opened file: its format, header and a stream of data rows."""

    name: str
    kind: str  # csv | xlsx
    fact: str | None
    header: HeaderMap | None
    issues: list[Issue] = field(default_factory=list)  # file-level: refusals and notes
    encoding: str | None = None
    sheet: str | None = None
    header_line: int | None = None
    _rows: Iterator[RawRow] | None = None
    _closer: object = None
    blank_rows: int = 0
    _data: _DataRows | None = None
    _source: _CsvSource | None = None  # set where Table.blocks may read the file byte by byte

    @property
    def refused(self) -> bool:
        return self.header is None

    def rows(self) -> Iterator[RawRow]:
        """Data rows after the header; fully blank rows are skipped and counted in ``blank_rows``.

        A table is read once, by ``rows()`` or by ``blocks()``.
        """
        self._source = None  # from here on, blocks() only regroups this stream
        if self._rows is None:
            return iter(())
        return self._rows

    def blocks(self, max_rows: int) -> Iterator[ColumnBlock | list[RawRow]]:
        """The rows of ``rows()``, in order, in pieces of at most ``max_rows`` rows.

        A piece is a ``ColumnBlock`` for a clean stretch of a UTF-8 or GBK/GB18030 CSV file (every
        row with the header's number of fields, no quote character, bytes that decode, no lone
        ``\\r``), and a list of ``RawRow`` otherwise (XLSX, UTF-16, rows with a problem, short
        stretches, and everything from the first quote character on, since a quoted field may span
        lines). Lines, values, problems, ``blank_rows`` and the file issues are those of ``rows()``;
        the file issues about the end of the file are complete once the last piece is handed out.
        """
        if max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, not {max_rows}")
        source, data = self._source, self._data
        if source is None or data is None:
            yield from _batched(self.rows(), max_rows)
            return
        self._source, self._rows = None, iter(())
        self.close()  # the header's reader; the file is read afresh from the first data line
        yield from _csv_blocks(self, data, source, max_rows)

    def close(self) -> None:
        closer, self._closer = self._closer, None
        if closer is not None:
            closer()

    def raw_dict(self, row: RawRow) -> dict:
        """The row exactly as read, header -> text, for the quarantine."""
        headers = self.header.headers if self.header else ()
        out: dict[str, str] = {}
        width = max(len(headers), len(row.values))
        for i in range(width):
            key = headers[i] if i < len(headers) and headers[i] else f"#{column_letter(i)}"
            if key in out:
                key = f"{key} ({column_letter(i)})"
            value = row.values[i] if i < len(row.values) else None
            out[key] = raw_text(value)
        return out


def file_checksum(path: Path, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
